"""Reading the documentation as a test reads it: its pages, the shell commands of its ```bash blocks, its relative
links and the anchors its headings make."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\S*)")
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def pages(root: Path = ROOT) -> list[Path]:
    """The documentation: the README, every page of docs/, and the measurements page eval/README.md."""
    found = [root / "README.md", *sorted((root / "docs").glob("*.md")), root / "eval" / "README.md"]
    return [page for page in found if page.is_file()]


def strip_comment(line: str) -> str:
    """A shell line without its trailing comment: a `#` outside quotes that starts a word."""
    quote, escaped = "", False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def commands(text: str) -> list[str]:
    """The shell commands of the ```bash blocks of a Markdown text: continuation lines joined, comments dropped."""
    found: list[str] = []
    fence, language, pending = "", "", ""
    for line in text.splitlines():
        opening = FENCE.match(line.strip())
        if not fence:
            if opening:
                fence, language = opening.group(1), opening.group(2).lower()
            continue
        if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            fence = ""
            continue
        if language not in ("bash", "sh", "shell", "console"):
            continue
        code = strip_comment(line).strip()
        if code.endswith("\\"):
            pending += code[:-1].rstrip() + " "
            continue
        command = (pending + code).strip()
        pending = ""
        if command:
            found.append(command)
    return found


def without_fences(text: str) -> str:
    """A Markdown text without its fenced code blocks."""
    kept, fence = [], ""
    for line in text.splitlines():
        opening = FENCE.match(line.strip())
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        kept.append(line)
    return "\n".join(kept)


def links(text: str) -> list[str]:
    """The targets of the Markdown links of a text that are neither web addresses nor in code."""
    prose = re.sub(r"(`+).*?\1", "", without_fences(text))  # links inside code are not links
    targets = LINK.findall(prose)
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.IGNORECASE)]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor the headings of a Markdown text make (a repeated heading gets -1, -2, …)."""
    seen: dict[str, int] = {}
    found = set()
    for line in without_fences(text).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found
