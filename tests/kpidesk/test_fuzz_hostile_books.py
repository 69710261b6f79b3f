"""Fuzzing of opening books that someone else changed.

Each example takes a real book of three sheets and changes its schema as a
hostile sender could, with a plain SQLite connection: triggers whose SQL
would delete sheets, change figures or leave a mark in the book's settings,
views (one may take the place of a table), tables, columns, indexes, one of
KPI Desk's own triggers dropped or replaced, ``ANALYZE`` statistics, and,
in some examples, every change held in a ``-wal`` file beside the book
rather than in the file itself.

``Book.open`` must then either refuse the book with a :class:`BookError`
whose message is Japanese, leaving every file beside it byte for byte as it
was, or open it with exactly the three sheets; a save and an import then
write exactly what was asked, and no SQL of the book ever runs (no mark, no
sheet lost or changed). The plain test checks that the examples reached
both outcomes, so the fuzzing cannot silently stop reaching either.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from tests.kpidesk.test_fuzz import fuzz_settings
from tests.kpidesk.test_store import cruise_sheet, make_sheet, traffic_sheet

HOSTILE_EXAMPLES = 150
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
OUR_TABLES = ("sheets", "history", "meta")
OUR_TRIGGERS = ("sheets_ai", "sheets_ad", "sheets_au")

#: What a hostile trigger does; each leaves a trace the test would see.
PAYLOADS = (
    "INSERT INTO meta (key, value) VALUES ('pwned', 'trigger')",
    "DELETE FROM sheets WHERE no = '10'",
    "UPDATE sheets SET title = 'pwned', data = replace(data, '5,081', '9,999')",
    "DELETE FROM history",
    "SELECT RAISE(ABORT, 'pwned')",
)

OUTCOMES: Counter[str] = Counter()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_NAMES = st.one_of(
    st.sampled_from(["x", "t", "sheets_fts_x", "履歴", "sheets_bi", "Meta2"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12),
)
_TRIGGERS = st.builds(
    lambda name, timing, event, table, payloads: [
        f"CREATE TRIGGER {_quote(name)} {timing} {event} ON {table} BEGIN "
        + "".join(f"{payload}; " for payload in payloads)
        + "END"
    ],
    _NAMES,
    st.sampled_from(["BEFORE", "AFTER"]),
    st.sampled_from(["INSERT", "UPDATE", "DELETE"]),
    st.sampled_from(OUR_TABLES),
    st.lists(st.sampled_from(PAYLOADS), min_size=1, max_size=3),
)
_VIEWS = st.one_of(
    st.builds(lambda name: [f"CREATE VIEW {_quote(name)} AS SELECT no FROM sheets"], _NAMES),
    st.builds(
        lambda table: [
            f"ALTER TABLE {table} RENAME TO {table}_real",
            f"CREATE VIEW {table} AS SELECT * FROM {table}_real",
        ],
        st.sampled_from(OUR_TABLES),
    ),
)
_TABLES = st.builds(
    lambda name, columns: [f"CREATE TABLE {_quote(name)} ({', '.join(columns)})"],
    _NAMES,
    st.lists(st.sampled_from(["a", "b TEXT", "c INTEGER DEFAULT 1", "d CHECK (d > 0)"]),
             min_size=1, max_size=3, unique=True),
)  # fmt: skip
_COLUMNS = st.builds(
    lambda table, name, kind: [f"ALTER TABLE {table} ADD COLUMN {_quote(name)} {kind}"],
    st.sampled_from(OUR_TABLES),
    _NAMES,
    st.sampled_from(["TEXT", "INTEGER DEFAULT 0", "TEXT NOT NULL DEFAULT ''", "BLOB"]),
)
_INDEXES = st.builds(
    lambda name, table_and_column, unique: [
        f"CREATE {'UNIQUE ' if unique else ''}INDEX {_quote(name)}"
        f" ON {table_and_column[0]} ({table_and_column[1]})"
    ],
    _NAMES,
    st.sampled_from([("sheets", "title"), ("history", "no"), ("meta", "value"),
                     ("sheets", "length(data)"), ("sheets", "report_year, no")]),
    st.booleans(),
)  # fmt: skip
_OWN_TRIGGERS = st.one_of(
    st.builds(lambda name: [f"DROP TRIGGER {name}"], st.sampled_from(OUR_TRIGGERS)),
    st.builds(
        lambda name, payload: [
            f"DROP TRIGGER {name}",
            f"CREATE TRIGGER {name} AFTER UPDATE ON sheets BEGIN {payload}; END",
        ],
        st.sampled_from(OUR_TRIGGERS),
        st.sampled_from(PAYLOADS),
    ),
)
#: Changes that leave a book KPI Desk may open.
_HARMLESS = st.sampled_from([["ANALYZE"], ["VACUUM"], []])
_HOSTILE = st.one_of(_TRIGGERS, _VIEWS, _TABLES, _COLUMNS, _INDEXES, _OWN_TRIGGERS)
_CHANGES = st.one_of(
    st.lists(_HOSTILE, min_size=1, max_size=3),
    st.lists(st.one_of(_HOSTILE, _HARMLESS), min_size=1, max_size=3),
    st.lists(_HARMLESS, min_size=1, max_size=2),
)


@cache
def template() -> bytes:
    """The bytes of a closed book with No 9, 10 and 28 of 2020."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.kpidb"
        with Book.open(path) as book:
            book.import_sheets([make_sheet(), traffic_sheet(), cruise_sheet()])
        return path.read_bytes()


def _apply(connection: sqlite3.Connection, changes: list[list[str]]) -> None:
    """Run each change; one that SQLite refuses (a clash, a reserved name) is left out."""
    for statements in changes:
        with contextlib.suppress(sqlite3.Error, ValueError):
            connection.execute("SAVEPOINT change")
            try:
                for statement in statements:
                    connection.execute(statement)
            except (sqlite3.Error, ValueError):
                connection.execute("ROLLBACK TO change")
                raise
            finally:
                connection.execute("RELEASE change")


def make_hostile(folder: Path, changes: list[list[str]], in_wal: bool) -> Path:
    """The template book with ``changes`` made, in the file or in a ``-wal`` beside it."""
    path = folder / "book" / "受け取った.kpidb"
    path.parent.mkdir()
    scratch = folder / "scratch.kpidb"
    scratch.write_bytes(template())
    connection = sqlite3.connect(scratch, isolation_level=None)
    try:
        if in_wal:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA wal_autocheckpoint = 0")
        _apply(connection, [c for c in changes if not (in_wal and c == ["VACUUM"])])
        shutil.copyfile(scratch, path)
        if in_wal and Path(f"{scratch}-wal").exists():
            shutil.copyfile(f"{scratch}-wal", f"{path}-wal")
    finally:
        connection.close()
    return path


def folder_state(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def check_hostile_book(changes: list[list[str]], in_wal: bool) -> str:
    """Open a hostile book and check the outcome; return ``refused`` or ``opened``."""
    with tempfile.TemporaryDirectory() as folder:
        path = make_hostile(Path(folder), changes, in_wal)
        before = folder_state(path.parent)
        try:
            book = Book.open(path)
        except BookError as error:
            assert JAPANESE.search(str(error)), str(error)
            assert "消して" not in str(error)
            assert folder_state(path.parent) == before
            return "refused"
        with book:
            original = [make_sheet(), traffic_sheet(), cruise_sheet()]
            assert book.list_sheets() == original
            nine = book.find_sheet(2020, "9")
            assert nine is not None
            book.save_sheet(dataclasses.replace(nine, title="刑法犯認知件数（改）"))
            book.import_sheets([make_sheet("11")])
        with contextlib.closing(sqlite3.connect(path)) as connection:
            assert connection.execute("SELECT key FROM meta WHERE key = 'pwned'").fetchall() == []
            assert connection.execute(
                "SELECT no, title, revision FROM sheets ORDER BY id"
            ).fetchall() == [
                ("9", "刑法犯認知件数（改）", 2),
                ("10", "交通事故死者数", 1),
                ("28", "クルーズ船寄港数", 1),
                ("11", "刑法犯認知件数", 1),
            ]
            assert connection.execute("SELECT count(*) FROM history").fetchone()[0] == 5
            assert "9,999" not in str(connection.execute("SELECT data FROM sheets").fetchall())
        with Book.open(path) as book:
            assert book.search_ids("認知件数（改）") == {nine.id}
        return "opened"


@fuzz_settings(HOSTILE_EXAMPLES)
@given(changes=_CHANGES, in_wal=st.booleans())
def fuzz_hostile_books(changes: list[list[str]], in_wal: bool) -> None:
    OUTCOMES[check_hostile_book(changes, in_wal)] += 1


def test_fuzz_hostile_books() -> None:
    OUTCOMES.clear()
    fuzz_hostile_books()
    print(f"\nhostile books: {sum(OUTCOMES.values())} examples: {dict(OUTCOMES)}")
    assert OUTCOMES["refused"] > HOSTILE_EXAMPLES // 3
    assert OUTCOMES["opened"] > 10


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_fuzzings_checks_notice_sql_that_ran(
    monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    # Without the schema check, each payload is let through and must be caught.
    monkeypatch.setattr("kpidesk.book.sqlitefile.check_schema", lambda connection, version: None)
    monkeypatch.setattr("kpidesk.book.opening.check_schema", lambda connection, version: None)
    trigger = [f"CREATE TRIGGER x AFTER INSERT ON history BEGIN {payload}; END"]

    # A refusal on opening is returned, not raised: whatever is raised comes
    # from the saves of a book that was opened, and fails the fuzzing.
    with pytest.raises((AssertionError, BookError, sqlite3.Error)):
        check_hostile_book([trigger], in_wal=False)
