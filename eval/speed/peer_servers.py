"""The peers' servers for eval/speed/peers.py, run with each peer's own Python (never imports mtbrief):

    /work/peers-venvs/libretranslate/bin/python eval/speed/peer_servers.py libretranslate --port P --tokens 32 --beam 4
    /work/peers-venvs/easynmt/bin/python eval/speed/peer_servers.py easynmt --port P --model DIR --tokens 32 --beam 4

Both decode every sentence to exactly --tokens tokens with beam --beam, as `--serve-fixed` does for mtbrief (a
random-weight model never ends a sentence by itself): LibreTranslate's CTranslate2 translator is wrapped so each
translate_batch call gets those bounds; EasyNMT's translate passes them to transformers' generate.
"""
# No `from __future__ import annotations`: FastAPI must see the real `Request` class of the nested handler.

import argparse
import sys
from typing import Any


def fixed_length_translator(tokens: int, beam: int) -> type:
    """ctranslate2.Translator whose translate_batch always decodes `tokens` tokens with beam `beam`."""
    import ctranslate2

    real = ctranslate2.Translator

    class FixedLengthTranslator:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._translator = real(*args, **kwargs)

        def translate_batch(self, source: list[list[str]], **kwargs: Any) -> Any:
            """The wrapped call, its length and beam fixed."""
            kwargs.update(beam_size=beam, max_decoding_length=tokens, min_decoding_length=tokens)
            return self._translator.translate_batch(source, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._translator, name)

    return FixedLengthTranslator


def serve_libretranslate(args: argparse.Namespace) -> None:
    """LibreTranslate's own server (waitress, its defaults), Arabic and English only, CT2 calls fixed."""
    import argostranslate.translate

    argostranslate.translate.ctranslate2.Translator = fixed_length_translator(args.tokens, args.beam)
    from libretranslate.main import main

    sys.argv = ["libretranslate", "--host", "127.0.0.1", "--port", str(args.port), "--load-only", "ar,en"]
    main()


def serve_easynmt(args: argparse.Namespace) -> None:
    """EasyNMT behind FastAPI, a stand-in for its Docker REST API (not on PyPI): POST /translate {text,
    source_lang, target_lang}; the model's translate runs inside the request handler, one request at a time."""
    import uvicorn
    from easynmt import EasyNMT
    from fastapi import FastAPI, Request

    model = EasyNMT(args.model, device="cpu")
    app = FastAPI()

    @app.post("/translate")
    async def translate(request: Request) -> dict[str, Any]:
        data = await request.json()
        out = model.translate(data["text"], target_lang=data.get("target_lang", "en"),
                              source_lang=data.get("source_lang", "ar"), beam_size=args.beam,
                              min_new_tokens=args.tokens, max_new_tokens=args.tokens)
        return {"translated": out}

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


def main() -> None:
    """Serve one peer until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=["libretranslate", "easynmt"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokens", type=int, default=32, help="output tokens per sentence")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--model", default=None, help="EasyNMT: the folder with easynmt.json")
    args = parser.parse_args()
    (serve_libretranslate if args.peer == "libretranslate" else serve_easynmt)(args)


if __name__ == "__main__":
    main()
