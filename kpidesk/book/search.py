"""Searching a book: a user's query as a WHERE clause over the ``sheets`` table.

Search uses FTS5 with the trigram tokenizer; terms shorter than three
characters, which trigrams cannot match, fall back to ``LIKE``. Nothing the
user types is read as search syntax: it only ever goes into parameters.
"""

from __future__ import annotations

from typing import Any

from kpidesk.book.schema import SEARCH_COLUMNS

#: The shortest term the trigram tokenizer can match.
_TRIGRAM = 3


def where_clause(
    *, report_year: int | None, department: str | None, query: str | None
) -> tuple[str, list[Any]]:
    """The WHERE clause over ``sheets AS s`` for these conditions, and its parameters.

    The clause starts with `` WHERE `` and is ``""`` when there is no
    condition. Every search word must appear in a searched column: words of
    three or more characters through the trigram index, shorter ones through
    an escaped ``LIKE``. The user's text only ever goes into parameters.
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
    for term in split_query(query or ""):
        if len(term) >= _TRIGRAM:
            conditions.append("s.id IN (SELECT rowid FROM sheets_fts WHERE sheets_fts MATCH ?)")
            params.append(_fts_phrase(term))
        else:
            pattern = f"%{_escape_like(term)}%"
            conditions.append(
                "(" + " OR ".join(f"s.{c} LIKE ? ESCAPE '\\'" for c in SEARCH_COLUMNS) + ")"
            )
            params.extend([pattern] * len(SEARCH_COLUMNS))
    if not conditions:
        return "", params
    return " WHERE " + " AND ".join(conditions), params


def split_query(query: str) -> list[str]:
    """The words of a search, split on any whitespace (full-width spaces too)."""
    return query.split()


def _fts_phrase(term: str) -> str:
    """The term as one quoted FTS5 phrase, so none of it is read as FTS syntax."""
    return '"' + term.replace('"', '""') + '"'


def _escape_like(term: str) -> str:
    """The term with LIKE's wildcards escaped (for ``ESCAPE '\\'``)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
