"""The user manual: its pages in ``resources/manual/``, their order, and searching them.

Each page is a Markdown file ``NN-id.md`` (``NN`` orders the table of
contents, ``id`` names the page, as in ``03-values.md`` → ``values``); its
first line ``# 見出し`` is its title. Pages link to each other by file name
(``[保存](05-saving.md)``) and show screenshots from ``images/``
(``![一覧とフォーム](images/main.png)``), which ``tools/manual_shots.py``
makes from the real window.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kpidesk.resources import resource_path

_PAGE_NAME = re.compile(r"^(\d+)-([a-z0-9-]+)\.md$")
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
_MARKUP = re.compile(r"[#*`>|]+|^\s*[-:| ]+$", re.MULTILINE)
#: Characters either side of a hit in a search result.
SNIPPET_CONTEXT = 18


@dataclass(frozen=True)
class Page:
    """One page of the manual.

    Attributes:
        id: the page's name (``values``).
        file_name: its file (``03-values.md``).
        title: its heading.
        markdown: its text.
    """

    id: str
    file_name: str
    title: str
    markdown: str

    def plain_text(self) -> str:
        """The text without Markdown marks, images or link targets (what a reader sees)."""
        text = _IMAGE.sub("", self.markdown)
        text = _LINK.sub(r"\1", text)
        return _MARKUP.sub("", text)

    def images(self) -> list[str]:
        """The image files the page names, relative to the manual's folder."""
        return _IMAGE.findall(self.markdown)

    def links(self) -> list[str]:
        """The targets of the page's links (other pages' file names, or web addresses)."""
        return [target for _, target in _LINK.findall(self.markdown)]


@dataclass(frozen=True)
class Hit:
    """A page where a search found its words, with the first place shown in context."""

    page: Page
    count: int
    snippet: str


def manual_dir() -> Path:
    """The folder of the manual's pages."""
    return resource_path("manual")


@cache
def _read_pages(folder: Path) -> tuple[Page, ...]:
    pages = []
    for path in sorted(folder.glob("*.md")):
        match = _PAGE_NAME.match(path.name)
        if match is None:
            continue
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("#").strip() if first.startswith("#") else match.group(2)
        pages.append(Page(match.group(2), path.name, title, text))
    return tuple(pages)


def pages(folder: Path | None = None) -> tuple[Page, ...]:
    """Every page, in the order of the table of contents."""
    return _read_pages(folder or manual_dir())


def page(page_id: str, folder: Path | None = None) -> Page:
    """The page named ``page_id`` (``values``) or by its file name (``03-values.md``).

    Raises:
        KeyError: no such page.
    """
    for found in pages(folder):
        if page_id in (found.id, found.file_name):
            return found
    raise KeyError(page_id)


def _normalised(text: str) -> str:
    """One form for searching: full and half width alike, case folded."""
    return unicodedata.normalize("NFKC", text).casefold()


#: Words staff type in katakana for what the manual writes in letters.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "エクセル": ("excel",),
    "ピーディーエフ": ("pdf",),
    "ワード": ("word",),
    "オフィス": ("office",),
    "ショートカット": ("ctrl",),
    "コントロール": ("ctrl",),
}


def _alternatives(word: str) -> tuple[str, ...]:
    """The normalised forms that count as ``word``: itself and its synonyms."""
    normalised = _normalised(word)
    others = SYNONYMS.get(unicodedata.normalize("NFKC", word), ())
    return (normalised, *others)


def _with_places(text: str) -> tuple[str, list[int]]:
    """``text`` normalised character by character, and where each character came from.

    A snippet is then cut from the text as written (its case, its …), even
    where normalising changed the length.
    """
    parts: list[str] = []
    places: list[int] = []
    for index, char in enumerate(text):
        normal = _normalised(char)
        parts.append(normal)
        places.extend([index] * len(normal))
    return "".join(parts), places


def search(query: str, folder: Path | None = None) -> list[Hit]:
    """The pages holding every word of ``query`` (or a word's synonym), most hits first,
    then in manual order."""
    words = [_alternatives(word) for word in query.split()]
    if not words:
        return []
    hits = []
    for found in pages(folder):
        text = " ".join(found.plain_text().split())
        normalised, places = _with_places(text)
        if not all(any(form in normalised for form in forms) for forms in words):
            continue
        counts = [sum(normalised.count(form) for form in forms) for forms in words]
        first = next(form for form in words[0] if form in normalised)
        at = normalised.find(first)
        begin, finish = places[at], places[at + len(first) - 1] + 1
        start, end = max(0, begin - SNIPPET_CONTEXT), finish + SNIPPET_CONTEXT
        snippet = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
        hits.append(Hit(found, sum(counts), snippet))
    hits.sort(key=lambda hit: -hit.count)
    return hits
