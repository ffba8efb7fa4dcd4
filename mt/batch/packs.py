"""Short files share engine batches: the batch's files go in packs, and a pack's files are decoded together.

A pack is a run of consecutive files of the selection (sorted paths) up to `PackOptions.bytes` of input or
`PackOptions.files` files. Its files are translated in two passes on one thread, each exactly as alone
(`translate_file`): the first only learns the sentences every file sends to the model (answered with placeholders,
discarded); all those sentences together are sorted by length and cut into batches by the Translator's budget
(tokens and sentences), which its workers decode side by side; the second pass translates each file, its sentences
answered from those batches. Preparing twice costs little (the pipeline spends 0.1-0.5% of its time outside the
engine, `mtbrief bench`); one preparing thread per file cost about 50 MB each (docs/speed.md). A folder of 40
short articles thus decodes as a few full batches instead of 40 small ones.

The batches depend only on the pack's files. And packs are cut from the whole selection, finished files included,
so a resumed batch cuts the same packs; a pack that was partly finished when the batch was killed is decoded whole
again (its finished files are not rewritten), so every file gets the same batch neighbours as in an uninterrupted
run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mt.batch.files import FileResult, FileTask, translate_file
from mt.errors import InvalidOption

if TYPE_CHECKING:
    from mt.translator import Progress, Translator
    from mt.types import Translation


@dataclass(frozen=True)
class PackOptions:
    """How many files share batches, and how many packs are in flight (so preparing overlaps decoding)."""

    bytes: int = 16 * 1024  # input bytes per pack: ~6 Arabic news articles, ~70 sentences, 3 full batches
    files: int = 64  # files per pack at most (one thread each while the pack runs)
    in_flight: int = 3  # packs at once: one prepares (reads, splits, tokenizes) while the others decode

    def __post_init__(self) -> None:
        for name in ("bytes", "files", "in_flight"):
            if getattr(self, name) < 1:
                raise InvalidOption(f"pack {name}", getattr(self, name), ["an integer >= 1"])


@dataclass(frozen=True)
class Member:
    """A file of a pack; `redo` is False for a file already finished (decoded again only as a neighbour)."""

    task: FileTask
    redo: bool = True


def cut_packs(tasks: list[tuple[FileTask, bool]], options: PackOptions) -> list[list[Member]]:
    """The packs of the selection (tasks in path order, each with whether it is still to do); packs with
    nothing to do are left out."""
    packs: list[list[Member]] = []
    pack: list[Member] = []
    size = 0
    for task, todo in tasks:
        pack.append(Member(task, todo))
        size += _size(task)
        if size >= options.bytes or len(pack) >= options.files:
            packs.append(pack)
            pack, size = [], 0
    if pack:
        packs.append(pack)
    return [pack for pack in packs if any(member.redo for member in pack)]


def _size(task: FileTask) -> int:
    try:
        return os.stat(task.source).st_size
    except OSError:
        return 0  # it fails when it is read, as alone


def translate_pack(translator: Translator, pack: list[Member]) -> list[FileResult]:
    """Translate the pack's files with shared batches; the results of those to redo (finished files are only
    neighbours). Two passes on this one thread: the first learns every file's sentences, the union is decoded, the
    second translates each file answered from it."""
    if len(pack) == 1:
        return [translate_file(translator, pack[0].task)] if pack[0].redo else []
    wanted: list[str] = []

    def record(inputs: list[str], on_progress: Progress | None = None) -> list[tuple[str, ...]]:
        wanted.extend(inputs)
        return [("",) * translator.decode.num_alternatives for _ in inputs]  # placeholders: pass 1 is discarded

    # Without the glossary, so its terms' sentences are learnt too instead of being decoded (wide) in this pass.
    learner = PackView(translator.with_options(glossary=None), record)
    for member in pack:
        translate_file(learner, member.task)  # type: ignore[arg-type]
    union = list(dict.fromkeys(wanted))
    try:
        decoded = dict(zip(union, translator.translate_inputs(union), strict=True))
    except Exception as exc:  # noqa: BLE001 - every file of the pack reports it, as translate_file would
        return [FileResult(m.task.rel, "", None, f"{type(exc).__name__}: {exc}", signature=str(translator.signature))
                for m in pack if m.redo]

    def answer(inputs: list[str], on_progress: Progress | None = None) -> list[tuple[str, ...]]:
        if on_progress:
            on_progress(len(set(inputs)), len(set(inputs)))
        return [decoded[text] for text in inputs]

    view = PackView(translator, answer)
    return [translate_file(view, member.task) for member in pack if member.redo]  # type: ignore[arg-type]


class PackView:
    """A Translator whose plain inputs (neither memory nor glossary) are decoded in the pack's rounds."""

    def __init__(self, translator: Translator, decode: Callable[..., list[tuple[str, ...]]]) -> None:
        self._translator, self._decode = translator, decode

    def __getattr__(self, name: str) -> Any:
        return getattr(self._translator, name)  # signature, prepare, glossary, memory, ...: the translator's

    def translate(self, text: str, on_progress: Progress | None = None) -> Translation:
        """As Translator.translate, through the rounds."""
        return self.translate_batch([text], on_progress)[0]

    def translate_batch(self, texts: list[str], on_progress: Progress | None = None) -> list[Translation]:
        """As Translator.translate_batch, through the rounds."""
        return self._translator.translate_batch(texts, on_progress, self._decode)

    def translate_prepared(self, text: str, segments: list, on_progress: Progress | None = None) -> Translation:
        """As Translator.translate_prepared, through the rounds."""
        return self._translator.translate_prepared(text, segments, on_progress, self._decode)

    def translate_lines(self, lines: Any, on_progress: Progress | None = None) -> Any:
        """As Translator.translate_lines, through the rounds."""
        return self._translator.translate_lines(lines, on_progress, self._decode)
