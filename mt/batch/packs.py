"""Short files share engine batches: the batch's files go in packs, and a pack's files are decoded together.

A pack is a run of consecutive files of the selection (sorted paths) up to `PackOptions.bytes` of input or
`PackOptions.files` files. Each file of a pack is translated on its own thread exactly as it would be alone
(`translate_file`), except that the sentences it sends to the model wait in `Rounds`: when every file of the pack
is waiting (or finished), the round's sentences - all the files' together - are sorted by length and cut into
batches by the Translator's budget (tokens and sentences), which its workers decode side by side. A folder of
40 short articles thus decodes as a few full batches instead of 40 small ones.

The batches depend only on the pack's files, never on thread timing: a round holds each waiting file's next
request, in pack order. And packs are cut from the whole selection, finished files included, so a resumed batch
cuts the same packs; a pack that was partly finished when the batch was killed is decoded whole again (its
finished files are not rewritten), so every file gets the same batch neighbours as in an uninterrupted run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
    """Translate the pack's files together (one thread each, shared rounds); the results of those to redo."""
    if len(pack) == 1:
        return [translate_file(translator, pack[0].task)] if pack[0].redo else []
    rounds = Rounds(translator, len(pack))

    def one(index: int) -> FileResult:
        try:
            return translate_file(rounds.view(index), pack[index].task)  # type: ignore[arg-type]
        finally:
            rounds.leave(index)

    with ThreadPoolExecutor(len(pack), thread_name_prefix="mtbrief-pack") as pool:
        results = list(pool.map(one, range(len(pack))))
    return [result for member, result in zip(pack, results, strict=True) if member.redo]


class Rounds:
    """The pack's files' model inputs decoded together, a round at a time, when every file is waiting or done."""

    def __init__(self, translator: Translator, callers: int) -> None:
        self.translator = translator
        self._cond = threading.Condition()
        self._active = set(range(callers))  # callers that have not left
        self._waiting: dict[int, list[str]] = {}
        self._answers: dict[int, list[tuple[str, ...]] | BaseException] = {}

    def view(self, index: int) -> PackView:
        """The translator as caller `index` sees it: its plain inputs go through the rounds."""
        return PackView(self.translator, lambda inputs, on_progress=None: self.decode(index, inputs, on_progress))

    def decode(self, index: int, inputs: list[str], on_progress: Progress | None = None) -> list[tuple[str, ...]]:
        """As Translator.translate_inputs, for caller `index`: waits for the round its inputs join."""
        with self._cond:
            self._waiting[index] = inputs
            self._maybe_run()
            while index not in self._answers:
                self._cond.wait()
            answer = self._answers.pop(index)
        if isinstance(answer, BaseException):
            raise answer
        if on_progress:
            on_progress(len(set(inputs)), len(set(inputs)))
        return answer

    def leave(self, index: int) -> None:
        """Caller `index` is finished (or failed): the others' round need not wait for it."""
        with self._cond:
            self._active.discard(index)
            self._waiting.pop(index, None)
            self._maybe_run()

    def _maybe_run(self) -> None:
        """Run the round when every caller still active is waiting (lock held: the others are all waiting)."""
        if not self._waiting or set(self._waiting) != self._active:
            return
        order = sorted(self._waiting)  # pack order, whatever the order the threads arrived in
        union = list(dict.fromkeys(text for i in order for text in self._waiting[i]))
        try:
            decoded = dict(zip(union, self.translator.translate_inputs(union), strict=True))
        except Exception as exc:  # noqa: BLE001 - every file of the round hears of it (translate_file reports it)
            self._answers.update({i: exc for i in order})
        else:
            self._answers.update({i: [decoded[text] for text in self._waiting[i]] for i in order})
        self._waiting.clear()
        self._cond.notify_all()


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
