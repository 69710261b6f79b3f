"""Checking that a book's schema is exactly the one KPI Desk makes, before it is used.

A book may come from anyone, and SQLite keeps code in the file: a trigger
runs on every save, a view named like one of our tables answers in its
place, a CHECK or DEFAULT clause runs on every insert. So before anything
is written to a book, and before it is migrated, every entry of its schema
table (``sqlite_master``: tables, indexes, triggers and views, the
full-text index's shadow tables included) is compared with what this
version of KPI Desk makes for the book's schema version. Anything else
refuses the book with :class:`ForeignSchemaError`.

The expected schema is not written out by hand: it is made by running the
migrations ``1..version`` of :mod:`kpidesk.book.schema` on an empty database
in memory (once per version), so a new migration is checked without any
change to this module. For the newest version, so that a book opens without
importing sqlite-utils, the statements those migrations leave behind are
kept in :mod:`kpidesk.book.schema_snapshot` and run instead (SQLite then
makes its own tables, the full-text index's included, as it does in a
book); a test checks that they make the same schema as the migrations.

Statements are compared as SQL tokens: spacing, comments, the case of
keywords and the style of quoting an identifier (``"x"``, ``[x]`` or
```x```, as different sqlite-utils versions write them) do not matter;
anything else does. A book migrated by an older
KPI Desk has the same statements as a new one, because migrations 3 and 4
append their columns with ``ALTER TABLE`` in both.

Two tables that SQLite itself makes may be there or not: ``sqlite_stat1``
and ``sqlite_stat4``, written by ``ANALYZE`` (which database tools run as
"optimize"). They hold only numbers for the query planner, never code, and
their definition is still checked. Their rows, like every other row, are
data; the worst they can do is make a query plan slower.

Checking reads only the schema table, whatever the number of sheets:
about 1.3 ms on a 5,000-sheet book (48 MB), done on the checking and on the
read-write connection; making the expected schema takes about 30 ms, once
per schema version and process.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from kpidesk.book import schema_snapshot
from kpidesk.book.database import BookDatabase
from kpidesk.book.errors import ForeignSchemaError
from kpidesk.book.schema import MIGRATIONS

#: Tables SQLite makes by itself when ``ANALYZE`` runs: allowed, but only as SQLite makes them.
OPTIONAL_ENTRIES = {
    ("table", "sqlite_stat1"): "CREATE TABLE sqlite_stat1(tbl,idx,stat)",
    ("table", "sqlite_stat4"): "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
}

#: How many characters of a name a message shows.
_NAME_LENGTH = 40

# One token per match, every alternative linear: a string, a quoted
# identifier or a comment ends at its closing mark or at the end of the text.
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/)?)
    | (?P<string>'(?:[^']|'')*(?:'|\Z))
    | (?P<quoted>"(?:[^"]|"")*(?:"|\Z)|\[[^\]]*(?:\]|\Z)|`(?:[^`]|``)*(?:`|\Z))
    | (?P<word>[\w$]+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def sql_tokens(sql: str | None) -> tuple[tuple[str, str], ...]:
    """The tokens of a statement, for comparing two statements as SQLite reads them.

    Spacing and comments are dropped; bare words are upper-cased in ASCII
    (SQLite's keywords and identifiers ignore ASCII case); a quoted
    identifier keeps only its name (ASCII case folded), whichever quotes
    it had; string literals stay exactly as written.

    Returns:
        ``(kind, text)`` pairs; ``()`` for no statement (SQLite's own indexes have none).
    """
    if sql is None:
        return ()
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup or "other"
        text = match.group()
        if kind in ("space", "comment"):
            continue
        if kind == "word":
            text = text.translate(_ASCII_UPPER)
        elif kind == "quoted":
            text = _unquote(text).translate(_ASCII_UPPER)
        tokens.append((kind, text))
    return tuple(tokens)


def _unquote(text: str) -> str:
    opening = text[0]
    closing = {"[": "]"}.get(opening, opening)
    inner = text[1:-1] if len(text) > 1 and text.endswith(closing) else text[1:]
    return inner if opening == "[" else inner.replace(opening * 2, opening)


@dataclass(frozen=True)
class SchemaEntry:
    """One row of a schema table, in the form that is compared.

    Attributes:
        type: ``table``, ``index``, ``trigger`` or ``view``.
        name: its name as stored.
        table: the table it belongs to (``tbl_name``), ASCII case folded.
        tokens: its statement as :func:`sql_tokens` gives it.
    """

    type: str
    name: str
    table: str
    tokens: tuple[tuple[str, str], ...]


def _key(entry_type: str, name: str) -> tuple[str, str]:
    return (entry_type.lower(), name.translate(_ASCII_UPPER))


def read_schema(connection: sqlite3.Connection) -> dict[tuple[str, str], SchemaEntry]:
    """Every entry of the schema table of ``connection``'s main database, by (type, name).

    Only ``sqlite_master`` is read: no table, view or trigger of the book is used.
    """
    rows = connection.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_master").fetchall()
    entries: dict[tuple[str, str], SchemaEntry] = {}
    for entry_type, name, table, sql in rows:
        entry = SchemaEntry(
            str(entry_type),
            str(name),
            str(table).translate(_ASCII_UPPER),
            sql_tokens(None if sql is None else str(sql)),
        )
        entries[_key(entry.type, entry.name)] = entry
    return entries


@functools.cache
def expected_schema(version: int) -> Mapping[tuple[str, str], SchemaEntry]:
    """The schema this KPI Desk makes for a book of ``version`` (0: an empty file).

    Made by running the migrations ``1..version`` on an empty database in
    memory (for :data:`kpidesk.book.schema_snapshot.VERSION`, the statements
    they leave behind); kept for the life of the process.
    """
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        if version == schema_snapshot.VERSION:
            for statement in schema_snapshot.STATEMENTS:
                connection.execute(statement)
        else:
            db = BookDatabase(connection)
            for number in range(1, version + 1):
                MIGRATIONS[number](db)
        return read_schema(connection)
    finally:
        connection.close()


def check_schema(connection: sqlite3.Connection, version: int) -> None:
    """Refuse a book whose schema is not exactly what KPI Desk makes for ``version``.

    Args:
        connection: a connection to the book (nothing is written through it).
        version: the book's schema version, from ``PRAGMA user_version``.

    Raises:
        ForeignSchemaError: an entry is there that KPI Desk does not make,
            differs from KPI Desk's, or is missing.
        sqlite3.DatabaseError: the schema table cannot be read (the caller translates).
    """
    expected = expected_schema(version)
    actual = read_schema(connection)
    extra: list[SchemaEntry] = []
    changed: list[SchemaEntry] = []
    optional = {_key(*key): sql_tokens(sql) for key, sql in OPTIONAL_ENTRIES.items()}
    for key, entry in actual.items():
        wanted = expected.get(key)
        if wanted is None and key in optional:
            if entry.tokens != optional[key]:
                changed.append(entry)
        elif wanted is None:
            extra.append(entry)
        elif (entry.table, entry.tokens) != (wanted.table, wanted.tokens):
            changed.append(entry)
    missing = [entry for key, entry in expected.items() if key not in actual]
    if extra:
        raise ForeignSchemaError("extra", [_describe(entry) for entry in _in_order(extra)])
    if changed:
        raise ForeignSchemaError("changed", [_describe(entry) for entry in _in_order(changed)])
    if missing:
        raise ForeignSchemaError("missing", [_describe(entry) for entry in _in_order(missing)])


def _in_order(entries: list[SchemaEntry]) -> list[SchemaEntry]:
    """Code first (triggers, views), then tables and indexes; by name within each."""
    rank = {"trigger": 0, "view": 1, "table": 2, "index": 3}
    return sorted(entries, key=lambda entry: (rank.get(entry.type, 4), entry.name))


_KIND_NAMES = {
    "table": "テーブル",
    "index": "インデックス",
    "trigger": "トリガー",
    "view": "ビュー",
}


def _describe(entry: SchemaEntry) -> str:
    """``トリガー "x"``: what an entry is, with a name safe to show."""
    kind = _KIND_NAMES.get(entry.type, f"「{shown_name(entry.type)}」")
    return f'{kind} "{shown_name(entry.name)}"'


def shown_name(name: str) -> str:
    """A name from a file, made safe to show: control characters as ``?``, long ones cut."""
    safe = "".join("?" if unicodedata.category(char)[0] == "C" else char for char in name)
    return safe if len(safe) <= _NAME_LENGTH else safe[:_NAME_LENGTH] + "…"
