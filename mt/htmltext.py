"""Translate the text nodes of an HTML fragment or page and keep its markup (tags, attributes, comments)."""

from __future__ import annotations

import re
from collections.abc import Callable

# Arabic letters (base block, supplement, extended-A, presentation forms); digits and punctuation such as
# ، ؟ are not letters: a text of only those has nothing to translate.
ARABIC_LETTER = re.compile("[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06fc\u06ff\u0750-\u077f"
                           "\u08a0-\u08c9\ufb50-\ufdfb\ufe70-\ufefc]")

# Text inside these elements is code, styling or data, never prose to translate.
SKIP_ELEMENTS = frozenset({"script", "style", "code", "pre", "kbd", "samp", "var", "textarea", "template"})
_EDGE_SPACE = re.compile(r"^(\s*)(.*?)(\s*)$", re.DOTALL)

# texts -> for each text a tuple: the translation, then its alternatives
TranslateMany = Callable[[list[str]], list[tuple[str, ...]]]


def has_arabic(text: str) -> bool:
    """True when the text holds at least one Arabic letter."""
    return ARABIC_LETTER.search(text) is not None


def translate_html(markup: str, translate: TranslateMany, variants: int = 1) -> list[str]:
    """The markup once per variant (best, then alternatives); its Arabic text nodes go in one batch."""
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(markup, "html.parser")
    nodes = [node for node in soup.find_all(string=True)
             if type(node) is NavigableString  # not a Comment, Doctype, CData or processing instruction
             and not any(p.name in SKIP_ELEMENTS for p in node.parents)
             and has_arabic(node)]
    parts = [_split_edges(str(node)) for node in nodes]
    outputs = translate([core for _, core, _ in parts]) if nodes else []
    pages = []
    current = list(nodes)
    for k in range(variants):
        for i, ((lead, _, trail), output) in enumerate(zip(parts, outputs, strict=True)):
            text = output[k] if k < len(output) else output[0]
            replacement = NavigableString(f"{lead}{text}{trail}")
            current[i].replace_with(replacement)
            current[i] = replacement
        pages.append(str(soup))
    return pages


def _split_edges(text: str) -> tuple[str, str, str]:
    """(leading space, core, trailing space) of a text node: the space stays outside the translation."""
    match = _EDGE_SPACE.match(text)
    if match is None:  # the pattern matches every string (DOTALL, all parts may be empty)
        raise ValueError(f"cannot split the spaces off {text!r}")
    return match[1], match[2], match[3]


def html_text(markup: str) -> str:
    """The visible text of markup (what a language detector should look at)."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(markup, "html.parser").get_text(" ")
