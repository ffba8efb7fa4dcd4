"""The translation library: models, engines, the Translator, Arabic preparation and splitting, text I/O, batch, server.
Imports only itself and third-party packages — never summarize, eval, ui, and no library module imports mt.cli.
"""

from mt.errors import InputError, InvalidOption, ModelUnavailable, MtbriefError
from mt.types import Flag, Segment, Signature, SourceSegment, Translation

__version__ = "0.1.0"
__all__ = [
    "BatchOptions", "DecodeOptions", "Flag", "InputError", "InvalidOption", "ModelUnavailable", "MtbriefError",
    "Segment", "Signature", "SourceSegment", "Translation", "Translator", "__version__",
]


def __getattr__(name: str):
    # The Translator pulls in the Arabic preparation and engine modules: load them on first use only.
    if name in ("Translator", "BatchOptions"):
        from mt import translator

        return getattr(translator, name)
    if name == "DecodeOptions":
        from mt.engines import DecodeOptions

        return DecodeOptions
    raise AttributeError(f"module 'mt' has no attribute {name!r}")
