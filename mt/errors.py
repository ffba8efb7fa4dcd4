"""The exception family of mtbrief: every message names the valid choices and the fix."""

from __future__ import annotations


def printable(name: str) -> str:
    """A file name fit for messages, JSON and TSV: bytes that are not UTF-8 (kept by the OS as surrogates) are
    written as \\xNN escapes, so one odd name can never make a write fail."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name decoding made: escape it as it is
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


class MtbriefError(Exception):
    """Base class of every error mtbrief raises on purpose."""


class InvalidOption(MtbriefError, ValueError):
    """An option value that is not one of the valid choices."""

    def __init__(self, name: str, value: object, choices: list[str] | tuple[str, ...]) -> None:
        self.name, self.value, self.choices = name, value, tuple(choices)
        super().__init__(f"invalid {name} {value!r}: choose one of {', '.join(map(str, self.choices))}")


class ModelUnavailable(MtbriefError):
    """A model that is neither a local folder nor reachable in (or through) the hub cache."""

    def __init__(self, model: str, cache_dir: str, reason: str = "", fix: str = "") -> None:
        self.model, self.cache_dir, self.reason = model, cache_dir, reason
        detail = f" ({reason})" if reason else ""
        if fix:  # a model that is there but broken: connecting to the internet would not help
            super().__init__(f"model {model!r} cannot be used{detail}. Fix: {fix}")
            return
        super().__init__(
            f"model {model!r} is not available offline{detail}; looked in the cache {cache_dir}. "
            f"Fix: connect to the internet once and run `mtbrief models download {model}`, "
            f"or pass --model /path/to/a/local/model/folder"
        )


class InputError(MtbriefError):
    """Input that cannot be translated: names the file (or field) and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        self.source, self.problem = printable(source), problem
        super().__init__(f"{self.source}: {problem}")
