"""Model presets, resolution (local folder, or hub id through the Hugging Face cache) and CT2 conversion."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mt.errors import InputError, InvalidOption, ModelUnavailable
from mt.hub import TOKENIZER_AND_CONFIG, download
from mt.modelcheck import verify_model_folder


@dataclass(frozen=True)
class Preset:
    """A model we know: where it lives, its licence, size and published score."""

    name: str
    hub_id: str
    family: str  # "marian" | "nllb"
    license: str
    size: str
    published_score: str
    notes: str = ""


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("opus-mt-tc-big-ar-en", "Helsinki-NLP/opus-mt-tc-big-ar-en", "marian", "CC-BY-4.0",
           "transformer-big, ~240M params", "FLORES-200 devtest BLEU 42.8, chrF++ 65.4", "default; best quality"),
    Preset("opus-mt-ar-en", "Helsinki-NLP/opus-mt-ar-en", "marian", "Apache-2.0 (OPUS-MT, CC-BY-4.0 data)",
           "transformer-base, ~75M params", "FLORES-101 devtest BLEU 33.9", "fast"),
    Preset("nllb-200-distilled-600M", "facebook/nllb-200-distilled-600M", "nllb", "CC-BY-NC-4.0",
           "600M params", "FLORES-200 devtest BLEU 37.4", "non-commercial use only"),
    Preset("nllb-200-distilled-1.3B", "facebook/nllb-200-distilled-1.3B", "nllb", "CC-BY-NC-4.0",
           "1.3B params", "FLORES-200 devtest BLEU 40.2", "non-commercial use only"),
)}
DEFAULT_MODEL = "opus-mt-tc-big-ar-en"
NLLB_SOURCE_LANG, NLLB_TARGET_LANG = "arb_Arab", "eng_Latn"


@dataclass(frozen=True)
class ResolvedModel:
    """A model found on disk: the folder with config, weights and tokenizer files."""

    name: str  # what the user asked for (preset name, hub id or folder)
    model_id: str  # hub id, or the folder's absolute path
    path: Path
    revision: str | None  # hub commit hash; None for a local folder
    family: str


def hub_cache_dir() -> str:
    """The Hugging Face hub cache folder in use (honours HF_HOME / HF_HUB_CACHE)."""
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def mtbrief_cache_dir() -> Path:
    """Where converted CTranslate2 models are kept: $MTBRIEF_CACHE or ~/.cache/mtbrief."""
    return Path(os.environ.get("MTBRIEF_CACHE") or Path.home() / ".cache" / "mtbrief")


def family_of(folder: Path) -> str:
    """'marian' or 'nllb', from the folder's config.json."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(str(folder), str(folder), f"no readable config.json: {exc}") from exc
    model_type = config.get("model_type")
    families = {"marian": "marian", "m2m_100": "nllb"}
    if model_type not in families:
        raise InvalidOption("model type", model_type, ["marian (OPUS-MT)", "m2m_100 (NLLB)"])
    return families[model_type]


def resolve_model(model: str, revision: str | None = None) -> ResolvedModel:
    """Find a model: a local folder as is, else a preset or hub id through the hub cache (download once)."""
    if not model.strip():  # Path("") is the current folder: never a model by accident
        raise InvalidOption("model", model, [*PRESETS, "a hub id like Helsinki-NLP/opus-mt-ar-en", "a folder"])
    folder = Path(model).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InputError(model, "is a file, not a model folder; pass the folder that holds config.json")
    if folder.is_dir():
        folder = folder.resolve()
        verify_model_folder(folder)  # a missing or truncated file named now, not deep inside a loader
        return ResolvedModel(model, str(folder), folder, None, family_of(folder))
    if model.startswith((".", "/", "~")) or os.sep + os.sep in model:
        raise ModelUnavailable(model, hub_cache_dir(), "no such folder")
    preset = PRESETS.get(model)
    hub_id = preset.hub_id if preset else model
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", hub_id):
        raise InvalidOption("model", model, [*PRESETS, "a hub id like Helsinki-NLP/opus-mt-ar-en", "a folder"])
    path = download_model(hub_id, revision)
    verify_model_folder(path, hub_id, hub_cache_dir())
    return ResolvedModel(model, hub_id, path, path.name, family_of(path))


def download_model(hub_id: str, revision: str | None = None) -> Path:
    """The snapshot folder of a hub model: from the cache, or downloaded into it with a progress bar."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.utils import HfHubHTTPError

    try:
        return Path(snapshot_download(hub_id, revision=revision, local_files_only=True,
                                      allow_patterns=TOKENIZER_AND_CONFIG + ["*.safetensors", "*.bin"]))
    except (OSError, ValueError, HfHubHTTPError):
        pass  # not cached yet: download below
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        raise ModelUnavailable(hub_id, hub_cache_dir(), "not in the cache and HF_HUB_OFFLINE is set")
    return download(hub_id, revision)


def ct2_model_dir(resolved: ResolvedModel, quantization: str) -> Path:
    """The cached CTranslate2 conversion of a model, converting it once (atomically) if needed."""
    target = mtbrief_cache_dir() / "ct2" / f"{_cache_key(resolved)}--{quantization}"
    if (target / "model.bin").is_file():
        return target
    try:
        _convert(resolved, quantization, target)
    except OSError as exc:  # a full disk, a read-only $MTBRIEF_CACHE: the conversion cache cannot be written
        raise ModelUnavailable(resolved.model_id, str(target.parent), f"cannot convert it for CTranslate2 into "
                               f"{target.parent}: {exc.strerror or exc}",
                               fix="free disk space there, or set MTBRIEF_CACHE to a writable folder") from None
    return target


def _convert(resolved: ResolvedModel, quantization: str, target: Path) -> None:
    from ctranslate2.converters import TransformersConverter

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        TransformersConverter(str(resolved.path)).convert(str(tmp / "model"), quantization=quantization)
        try:
            (tmp / "model").rename(target)
        except OSError:
            if not (target / "model.bin").is_file():  # another process won the race: keep theirs
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cache_key(resolved: ResolvedModel) -> str:
    safe = re.sub(r"[^\w.-]+", "--", resolved.model_id.strip("/"))[-80:]
    if resolved.revision:
        return f"{safe}--{resolved.revision[:12]}"
    # A local folder has no revision: key on its files' sizes and times so an edited model is reconverted.
    stamp = hashlib.sha256()
    for f in sorted(resolved.path.iterdir()):
        if f.is_file():
            st = f.stat()
            stamp.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return f"{safe}--{stamp.hexdigest()[:12]}"
