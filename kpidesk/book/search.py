"""Searching a book: a user's query as a WHERE clause over the ``sheets`` table.

Search uses FTS5 with the trigram tokenizer for terms of three characters
or more; shorter ones, which trigrams cannot match, are looked up in a
second index, ``sheets_grams``, of every one- and two-character piece of
the text (:func:`gram_document`), so that no keystroke reads every sheet's
text. Nothing the user types is read as search syntax: it only ever goes
into parameters.

Both sides are compared in their search form (:func:`search_form`): the
index ``sheets_fts`` holds each sheet's searched columns in that form (its
``search_text``, under the sheet's id), ``sheets_grams`` the pieces of that
same text, and a query is put in the same form before it is split. The text
shown and exported stays exactly as typed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from kpidesk.book.errors import BookError

#: The columns a search looks in, as :func:`search_text` joins them.
SEARCH_COLUMNS = ("no", "departments", "title", "section", "efforts", "issues", "direction")

#: How much of each column is searched: far more than any bound of a sheet
#: (``kpidesk.limits``), so that a column another program filled with
#: millions of characters costs no more than that.
_MAX_SEARCHED_CHARS = 200_000

#: The shortest term the trigram tokenizer can match.
_TRIGRAM = 3
#: The most different words one search may have (SQLite refuses a WHERE
#: clause nested a thousand deep, one level per word).
MAX_TERMS = 100

# Variation selectors choose a glyph (葛󠄀 with U+E0100 is the 葛 of 葛飾区 as
# the ward writes it), not another character, so a search ignores them; the
# spacing voiced sound marks are typed for the combining ones (ウ゛ for ヴ).
_SEARCH_TABLE: dict[int, int | None] = {
    **dict.fromkeys(range(0xFE00, 0xFE10)),
    **dict.fromkeys(range(0xE0100, 0xE01F0)),
    0x309B: 0x3099,
    0x309C: 0x309A,
    # Windows and the Mac type different characters for the same wave dash
    # and minus; NFKC makes ～ and － the ASCII ones, these are made so too.
    0x301C: ord("~"),  # WAVE DASH 〜 (Mac, JIS)
    0x2053: ord("~"),  # SWUNG DASH
    0x2212: ord("-"),  # MINUS SIGN −
    0x2010: ord("-"),  # HYPHEN ‐
    0x2011: ord("-"),  # NON-BREAKING HYPHEN
    0x2012: ord("-"),  # FIGURE DASH
    0x2013: ord("-"),  # EN DASH –
}


def search_form(text: str) -> str:
    """Text as a search compares it: the same for every way of writing it.

    Unicode NFKC (composed and decomposed kana and accents alike, full-width
    Latin letters and digits as half-width ones, half-width katakana as
    full-width ones, ``㈱`` as ``(株)``), without variation selectors, and
    with case folded (``ＫＰＩ``, ``KPI`` and ``kpi`` are one word).

    Args:
        text: any text, as stored or as typed into the search box.

    Returns:
        The search form; applying this function to it again changes nothing.
    """
    folded = unicodedata.normalize("NFKC", text.translate(_SEARCH_TABLE)).casefold()
    return unicodedata.normalize("NFKC", folded)


def search_text(columns: Iterable[str]) -> str:
    """A sheet's ``search_text`` in the index: its :data:`SEARCH_COLUMNS` in search form.

    The columns are joined by line breaks, which no search word contains, so
    that no word is found across two of them.
    """
    return "\n".join(search_form(column[:_MAX_SEARCHED_CHARS]) for column in columns)


def where_clause(
    *, report_year: int | None, department: str | None, query: str | None
) -> tuple[str, list[Any]]:
    """The WHERE clause over ``sheets AS s`` for these conditions, and its parameters.

    The clause starts with `` WHERE `` and is ``""`` when there is no
    condition. Every search word must appear in a searched column: words of
    three or more characters through the trigram index, shorter ones through
    the index of pieces (:func:`gram_token`), both of the sheet's
    ``search_text``.
    A word given twice counts once. The user's text only ever goes into
    parameters.

    Raises:
        BookError: the query has more than :data:`MAX_TERMS` different words.
    """
    conditions: list[str] = []
    params: list[Any] = []
    if report_year is not None:
        conditions.append("s.report_year = ?")
        params.append(report_year)
    if department is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM json_each(s.departments_json) AS d WHERE d.value = ?)"
        )
        params.append(department)
    for term in _terms(query):
        select, param = _term_select(term)
        conditions.append(f"s.id IN ({select})")
        params.append(param)
    if not conditions:
        return "", params
    return " WHERE " + " AND ".join(conditions), params


def ids_query(query: str) -> tuple[str, list[Any]]:
    """A SELECT of the ids of the sheets a search finds (every sheet's, for no word).

    The words are looked up in the indexes alone, each one's ids
    intersected, without reading a row of ``sheets``: joining thousands of
    ids found to that table (its rows hold each sheet's JSON) took as long
    as the lookups ten times over. The indexes of a book opened for
    writing hold exactly the sheets' ids (``schema.search_index_sound`` on
    opening, then every write keeps them so).

    Raises:
        BookError: the query has more than :data:`MAX_TERMS` different words.
    """
    selects: list[str] = []
    params: list[Any] = []
    for term in _terms(query):
        select, param = _term_select(term)
        selects.append(select)
        params.append(param)
    if not selects:
        return "SELECT id FROM sheets", params
    return " INTERSECT ".join(selects), params


def _terms(query: str | None) -> list[str]:
    """The different words of a search, at most :data:`MAX_TERMS` of them."""
    terms = list(dict.fromkeys(split_query(query or "")))
    if len(terms) > MAX_TERMS:
        raise BookError(
            f"検索する言葉が多すぎます（{len(terms)}語）。{MAX_TERMS}語までにしてください"
        )
    return terms


def _term_select(term: str) -> tuple[str, str]:
    """The SELECT of the ids of the sheets holding ``term``, and its parameter."""
    if len(term) >= _TRIGRAM:
        return "SELECT rowid FROM sheets_fts WHERE sheets_fts MATCH ?", _fts_phrase(term)
    return "SELECT rowid FROM sheets_grams WHERE sheets_grams MATCH ?", f'"{gram_token(term)}"'


def split_query(query: str) -> list[str]:
    """The words of a search in search form, split on any whitespace (full-width too).

    Control characters that are no whitespace (NUL, escape, DEL) and lone
    surrogates are left out: a pasted or mistyped one is in no sheet's text
    as searched, and SQLite can take neither.
    """
    return search_form(_without_controls(query)).split()


def _without_controls(query: str) -> str:
    """``query`` without control characters other than whitespace, nor lone surrogates."""
    return "".join(
        char for char in query if char.isspace() or unicodedata.category(char) not in ("Cc", "Cs")
    )


def _fts_phrase(term: str) -> str:
    """The term as one quoted FTS5 phrase, so none of it is read as FTS syntax."""
    return '"' + term.replace('"', '""') + '"'


def gram_document(text: str) -> str:
    """What ``sheets_grams`` indexes of a ``search_text``: every piece of one and two characters.

    Each piece is one token of the ``ascii`` tokenizer: its characters'
    code points as eight hex digits each (:func:`gram_token`), so that no
    tokenizer rule (case, accents, punctuation) applies to them. Pieces
    across whitespace are in too; a search word never holds whitespace, so
    they are never looked for. The document is the same for the same text
    always (FTS5 must be given it again to take a sheet out of the index),
    and it is made in C: about 10 µs for a sheet.
    """
    code_points = text.encode("utf-32-be", "surrogatepass")
    return " ".join(
        (
            code_points.hex(" ", 4),  # every character
            code_points.hex(" ", -8),  # pairs from the first character
            code_points[4:].hex(" ", -8),  # pairs from the second
        )
    )


def gram_token(term: str) -> str:
    """The token under which ``sheets_grams`` finds a term of one or two characters."""
    return term.encode("utf-32-be", "surrogatepass").hex()
