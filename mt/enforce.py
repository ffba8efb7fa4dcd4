"""Between the prepared segments and the model: the corrections memory first, then glossary-aware decoding.

For each distinct prepared input: a stored correction (mt.memory) is used verbatim (origin "memory"); a
segment holding glossary terms is decoded with WIDE_HYPOTHESES hypotheses (beam widened to match) and the
best-scored hypothesis containing every expected English term (whole words, any case) is taken; when none
does, the model's best stays and a `term` flag names each Arabic term and the English it should have had.
The English is never edited: every output is a hypothesis the model produced, or the analyst's correction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mt.glossary import Glossary, TermMatch, contains_english
from mt.protocol import Progress
from mt.types import Flag

if TYPE_CHECKING:
    from mt.engines import DecodeOptions
    from mt.memory.store import MemoryStore

WIDE_HYPOTHESES = 8  # n-best searched for the glossary's English (beam raised to at least this)


class Decodes(Protocol):
    """What decode_inputs needs of the Translator (named here, so this module never imports it)."""

    memory: MemoryStore | None
    glossary: Glossary | None
    decode: DecodeOptions

    def translate_inputs(self, inputs: list[str], on_progress: Progress | None = None) -> list[tuple[str, ...]]:
        """The n-best English of each prepared input."""
        ...

    def widened(self, n: int) -> Decodes:
        """The same model searching at least n hypotheses."""
        ...


@dataclass(frozen=True)
class Decoded:
    """What one prepared input became: n-best (chosen first), where it came from, and its flags."""

    nbest: tuple[str, ...]
    origin: str = "model"
    flags: tuple[Flag, ...] = ()


def term_flag(match: TermMatch, hypotheses: int) -> Flag:
    """The flag for a glossary term whose English no hypothesis contains."""
    term = match.term
    message = (f"glossary: «{term.arabic}» should be \"{term.english}\"; none of the {hypotheses} "
               "hypotheses has it, the model's best is kept")
    return Flag("term", message, {"arabic": term.arabic, "english": term.english, "note": term.note,
                                  "span": list(match.span), "surface": match.surface, "hypotheses": hypotheses})


def choose(nbest: tuple[str, ...], matches: list[TermMatch], keep: int) -> Decoded:
    """The best-scored hypothesis holding every expected English term, else the best with `term` flags."""
    wanted: dict[str, TermMatch] = {}
    for match in matches:  # one English per term, even when the term occurs twice
        wanted.setdefault(match.term.english.casefold(), match)
    pick = next((i for i, hyp in enumerate(nbest)
                 if all(contains_english(hyp, m.term.english) for m in wanted.values())), None)
    flags: tuple[Flag, ...] = ()
    if pick is None:
        pick = 0
        flags = tuple(term_flag(m, len(nbest)) for m in wanted.values()
                      if not contains_english(nbest[0], m.term.english))
    ordered = (nbest[pick], *(h for i, h in enumerate(nbest) if i != pick))
    return Decoded(ordered[:keep], "model", flags)


def decode_inputs(translator: Decodes, inputs: list[str], on_progress: Progress | None = None,
                  decode_plain: Callable[..., list[tuple[str, ...]]] | None = None) -> list[Decoded]:
    """Each prepared input decoded: memory, else glossary-aware n-best, else the translator's cached n-best
    (through decode_plain when given: the server's micro-batcher)."""
    unique = list(dict.fromkeys(inputs))
    out: dict[str, Decoded] = {}
    if translator.memory is not None:
        for text, target in translator.memory.lookup(unique).items():
            out[text] = Decoded((target,), "memory")
    termed: dict[str, list[TermMatch]] = {}
    if translator.glossary is not None:
        termed = {t: found for t in unique if t not in out and (found := translator.glossary.find(t))}
    plain = [t for t in unique if t not in out and t not in termed]
    total, base = len(unique), len(out)

    def shifted(offset: int) -> Progress | None:
        return (lambda done, _total: on_progress(offset + done, total)) if on_progress else None

    plain_nbest = (decode_plain or translator.translate_inputs)(plain, shifted(base))
    for text, nbest in zip(plain, plain_nbest, strict=True):
        out[text] = Decoded(nbest)
    if termed:
        wide = translator.widened(WIDE_HYPOTHESES)
        keep = translator.decode.num_alternatives
        results = wide.translate_inputs(list(termed), shifted(base + len(plain)))
        for (text, matches), nbest in zip(termed.items(), results, strict=True):
            out[text] = choose(nbest, matches, keep)
    return [out[text] for text in inputs]
