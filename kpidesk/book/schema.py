"""The layout of a book file: its marks, its tables and the migrations that made them.

The schema version is ``PRAGMA user_version``; the schema changes only
through the numbered functions in :data:`MIGRATIONS`, each run in one
transaction that also sets the new version. ``PRAGMA application_id`` marks
the file as a KPI Desk book.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kpidesk import __version__, evaluation
from kpidesk.book.rows import evaluation_columns, rank_rows_text
from kpidesk.book.search import SEARCH_COLUMNS, gram_document, search_text
from kpidesk.exchange import jsonio
from kpidesk.model import latest_and_target

if TYPE_CHECKING:  # a BookDatabase (kpidesk.book.database) is what is passed
    from sqlite_utils import Database

#: SQLITE_CORRUPT_VTAB: a virtual table (the full-text index) could not be read.
_SQLITE_CORRUPT_VTAB = 267

#: The newest schema this program knows (``PRAGMA user_version``).
SCHEMA_VERSION = 7
#: ``PRAGMA application_id`` of a book: "KPID" in ASCII.
APPLICATION_ID = 0x4B504944

#: The columns the index of version 2 to 4 covered (its schema must never change).
_VERSION_2_SEARCH_COLUMNS = ("no", "departments", "title", "efforts", "issues", "direction")

#: Keys of the book's settings in the ``meta`` table.
META_EVALUATION = "evaluation"
META_PRINT_CHART = "print_chart"
META_LOCKED_YEARS = "locked_years"


def iso_now() -> str:
    """The local time as ISO 8601 with seconds (``2024-05-01T09:30:00``)."""
    return datetime.now().isoformat(timespec="seconds")


def _migrate_1(db: Database) -> None:
    """Version 1: the sheets, their history, and facts about the book.

    The SQL is written out rather than generated so that a migration makes
    the same schema forever, whatever library version runs it.
    """
    # PRAGMA values cannot be bound; APPLICATION_ID is this module's constant.
    db.execute(f"PRAGMA application_id = {int(APPLICATION_ID)}")
    # AUTOINCREMENT: an id is never reused, so a new sheet never inherits
    # the history of a deleted one.
    db.execute(
        """
        CREATE TABLE sheets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            report_year INTEGER NOT NULL,
            no TEXT NOT NULL,
            departments TEXT NOT NULL DEFAULT '',
            departments_json TEXT NOT NULL DEFAULT '[]',
            title TEXT NOT NULL DEFAULT '',
            section TEXT NOT NULL DEFAULT '',
            efforts TEXT NOT NULL DEFAULT '',
            issues TEXT NOT NULL DEFAULT '',
            direction TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL,
            revision INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (report_year, no)
        )
        """
    )
    # No foreign key to sheets: the history of a deleted sheet stays, so
    # that it can still be shown and restored.
    db.execute(
        """
        CREATE TABLE history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sheet_id INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            report_year INTEGER NOT NULL,
            no TEXT NOT NULL,
            data TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            UNIQUE (sheet_id, revision)
        )
        """
    )
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["meta"].insert_all(
        [
            {"key": "created_at", "value": iso_now()},
            {"key": "created_by", "value": f"KPI Desk {__version__}"},
        ]
    )


def _migrate_2(db: Database) -> None:
    """Version 2: the trigram full-text index over the searchable columns.

    ``enable_fts`` fills the index from the rows already there and adds
    triggers that keep it in step with every insert, update and delete.
    """
    db["sheets"].enable_fts(_VERSION_2_SEARCH_COLUMNS, tokenize="trigram", create_triggers=True)


def _migrate_3(db: Database) -> None:
    """Version 3: the columns a list of sheets shows (``kpidesk.model.latest_and_target``).

    The rows already there are filled in from their JSON. A row whose JSON
    cannot be read keeps the empty defaults, so that one damaged sheet does
    not keep the whole book from opening; opening that sheet still says it
    is damaged, and saving it again writes its list columns.
    """
    for statement in (
        "ALTER TABLE sheets ADD COLUMN latest_text TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sheets ADD COLUMN latest_year INTEGER",
        "ALTER TABLE sheets ADD COLUMN target_text TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sheets ADD COLUMN unit TEXT NOT NULL DEFAULT ''",
    ):
        db.execute(statement)
    updates: list[tuple[str, int | None, str, str, int]] = []
    for sheet_id, data in db.execute("SELECT id, data FROM sheets").fetchall():
        try:
            sheet = jsonio.sheet_from_dict(json.loads(data), f"ID {sheet_id}")
        except (ValueError, TypeError, RecursionError):
            continue
        updates.append((*latest_and_target(sheet), int(sheet_id)))
    db.conn.executemany(
        "UPDATE sheets SET latest_text = ?, latest_year = ?, target_text = ?, unit = ?"
        " WHERE id = ?",
        updates,
    )


def _migrate_4(db: Database) -> None:
    """Version 4: who saved each version, and each sheet's rates for the list.

    The rates (``kpidesk.evaluation.list_evaluation``) are kept unrounded as
    text, so that the list ranks thousands of sheets without reading their
    JSON whatever thresholds and rounding the book is later given. Rows
    whose JSON cannot be read keep the empty defaults, as in version 3.
    """
    for statement in (
        "ALTER TABLE history ADD COLUMN saved_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sheets ADD COLUMN eval_achievement TEXT",
        "ALTER TABLE sheets ADD COLUMN eval_progress TEXT",
        "ALTER TABLE sheets ADD COLUMN eval_word INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE sheets ADD COLUMN eval_reason TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sheets ADD COLUMN eval_label TEXT NOT NULL DEFAULT ''",
    ):
        db.execute(statement)
    updates: list[tuple[Any, ...]] = []
    for sheet_id, data in db.execute("SELECT id, data FROM sheets").fetchall():
        try:
            sheet = jsonio.sheet_from_dict(json.loads(data), f"ID {sheet_id}")
            columns = evaluation_columns(sheet)
        except (ValueError, TypeError, ArithmeticError, RecursionError):
            continue
        updates.append((*columns.values(), int(sheet_id)))
    db.conn.executemany(
        "UPDATE sheets SET eval_achievement = ?, eval_progress = ?, eval_word = ?,"
        " eval_reason = ?, eval_label = ? WHERE id = ?",
        updates,
    )


def _migrate_5(db: Database) -> None:
    """Version 5: search in the form both sides are compared in (``kpidesk.book.search``).

    The trigram index of version 2 and its triggers give way to one over
    ``search_text``: a row's searched columns in search form (NFKC, without
    variation selectors, case folded), filled in here from the columns
    already there and, from now on, written with the row by the book itself
    (``kpidesk.book.rows``). A book opened with ``trusted_schema`` off may
    not write a full-text index from a trigger. The statements are the same
    whatever the book holds.
    """
    for statement in (
        "DROP TRIGGER IF EXISTS sheets_ai",
        "DROP TRIGGER IF EXISTS sheets_ad",
        "DROP TRIGGER IF EXISTS sheets_au",
        "DROP TABLE IF EXISTS sheets_fts",
        _SEARCH_INDEX_SQL,
    ):
        db.execute(statement)
    _fill_search_index(db)


_SEARCH_INDEX_SQL = "CREATE VIRTUAL TABLE sheets_fts USING fts5(search_text, tokenize = 'trigram')"
_GRAM_INDEX_SQL = (
    "CREATE VIRTUAL TABLE sheets_grams"
    " USING fts5(grams, content = '', detail = none, tokenize = 'ascii')"
)
#: The book's full-text indexes, as made, and the tables FTS5 keeps each in
#: (``sheets_fts_data`` …).
_SEARCH_INDEXES = {
    "sheets_fts": (_SEARCH_INDEX_SQL, ("data", "idx", "content", "docsize", "config")),
    "sheets_grams": (_GRAM_INDEX_SQL, ("data", "idx", "docsize", "config")),
}


def _fill_search_index(db: Database) -> None:
    """Put every sheet's search text into the (empty) trigram index, from its columns."""
    db.conn.executemany(
        "INSERT INTO sheets_fts (rowid, search_text) VALUES (?, ?)", _search_texts(db)
    )


def _search_texts(db: Database) -> list[tuple[int, str]]:
    """Every sheet's id and search text, made from its columns."""
    columns = ", ".join(SEARCH_COLUMNS)
    rows = db.execute(f"SELECT id, {columns} FROM sheets").fetchall()
    return [
        (sheet_id, search_text("" if value is None else str(value) for value in values))
        for sheet_id, *values in rows
    ]


@functools.cache
def _empty_search_index() -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each of the indexes' tables right after they are made, empty."""
    connection = sqlite3.connect(":memory:")
    try:
        empty: dict[str, list[tuple[Any, ...]]] = {}
        for name, (sql, parts) in _SEARCH_INDEXES.items():
            connection.execute(sql)
            for part in parts:
                table = f"{name}_{part}"
                empty[table] = connection.execute(f"SELECT * FROM {table}").fetchall()
        return empty
    finally:
        connection.close()


def search_index_sound(db: Database) -> bool:
    """Whether the indexes' settings and roots are as FTS5 keeps them (a quick look).

    Each sheet must have exactly one entry in each. Reading every entry
    (FTS5's ``integrity-check``) takes about 0.5 s for 5,000 sheets, too
    long for every opening; a damaged entry shows up when a save or a search
    touches it (:func:`is_search_index_error`), and an entry another program
    rewrote with other words is not noticed.
    """
    empty = _empty_search_index()
    sheets = db.execute("SELECT count(*) FROM sheets").fetchone()[0]
    for name in _SEARCH_INDEXES:
        roots = [row[0] for row in empty[f"{name}_data"]]
        config = db.execute(f"SELECT * FROM {name}_config ORDER BY k").fetchall()
        found = db.execute(
            f"SELECT count(*) FROM {name}_data WHERE id IN ({', '.join('?' * len(roots))})",
            roots,
        ).fetchone()[0]
        if config != empty[f"{name}_config"] or found != len(roots):
            return False
        # One entry per sheet, under its id (a sheet left out would never be found).
        missing = db.execute(
            f"SELECT count(*) FROM sheets WHERE id NOT IN (SELECT id FROM {name}_docsize)"
        ).fetchone()[0]
        entries = db.execute(f"SELECT count(*) FROM {name}_docsize").fetchone()[0]
        if missing != 0 or entries != sheets:
            return False
    return True


def is_search_index_error(error: sqlite3.Error) -> bool:
    """Whether SQLite failed because a full-text index is damaged or was changed."""
    return (
        getattr(error, "sqlite_errorcode", 0) == _SQLITE_CORRUPT_VTAB
        or "fts5" in str(error).lower()
    )


def rebuild_search_index(db: Database) -> None:
    """Make both full-text indexes anew from the sheets, inside the caller's transaction.

    The indexes hold nothing that is not in the sheets' columns. A damaged
    index cannot even be dropped (SQLite must open it for that), so its
    tables are first put back as FTS5 makes them for an empty index.
    """
    for table, rows in _empty_search_index().items():
        db.execute(f"DELETE FROM {table}")
        for row in rows:
            marks = ", ".join("?" * len(row))
            db.execute(f"INSERT INTO {table} VALUES ({marks})", list(row))
    texts = _search_texts(db)
    db.conn.executemany("INSERT INTO sheets_fts (rowid, search_text) VALUES (?, ?)", texts)
    _fill_gram_index(db, texts)


def _fill_gram_index(db: Database, texts: list[tuple[int, str]]) -> None:
    """Put the pieces of each (id, search text) into the (empty) index ``sheets_grams``."""
    db.conn.executemany(
        "INSERT INTO sheets_grams (rowid, grams) VALUES (?, ?)",
        ((sheet_id, gram_document(text)) for sheet_id, text in texts),
    )


#: The rank scheme a book made before version 6 ranked by when it kept none:
#: the achievement rate against the final target, no floor. Written out, so
#: that migration 6 stores the same whatever the defaults later become.
_VERSION_5_DEFAULT_SETTINGS = {
    "basis": "achievement",
    "levels": [
        {"label": "A", "threshold": "100"},
        {"label": "B", "threshold": "80"},
        {"label": "C", "threshold": "50"},
    ],
    "lowest_label": "D",
    "rounding": "half_up",
    "floor": False,
    "external": "reference",
    "binary_targets": False,
}
#: The rank scheme of a book made from version 6 on (the 期待値, the floor,
#: word and yes/no targets met or not).
_VERSION_6_NEW_BOOK_SETTINGS = {
    **_VERSION_5_DEFAULT_SETTINGS,
    "basis": "expected",
    "floor": True,
    "binary_targets": True,
}


def _migrate_6(db: Database) -> None:
    """Version 6: what each sheet's rank is read from, and the rank scheme made explicit.

    ``eval_rates`` keeps, per value row but the 期待値 rows, its
    :class:`~kpidesk.ranking.RankInputs` as JSON (``kpidesk.book.rows``),
    filled in here from each sheet's JSON; a row whose JSON cannot be read
    keeps the empty default, as in version 3, and the list falls back on its
    older rate columns. A book that has sheets and kept no rank scheme ranked
    by the defaults of its day, which it now keeps explicitly so that its
    ranks stay as they were; a book without sheets (a new one) keeps the
    defaults of this version: the 期待値 and the floor.
    """
    db.execute("ALTER TABLE sheets ADD COLUMN eval_rates TEXT NOT NULL DEFAULT ''")
    rows = db.execute("SELECT id, data FROM sheets").fetchall()
    updates: list[tuple[str, int]] = []
    for sheet_id, data in rows:
        try:
            sheet = jsonio.sheet_from_dict(json.loads(data), f"ID {sheet_id}")
            # A stored sheet no rule can judge keeps the empty default too: one
            # sheet never stops the whole book from opening.
            rates = rank_rows_text(evaluation.evaluate_sheet(sheet))
        except (ValueError, TypeError, ArithmeticError, RecursionError):
            continue
        updates.append((rates, int(sheet_id)))
    db.conn.executemany("UPDATE sheets SET eval_rates = ? WHERE id = ?", updates)
    if db.execute("SELECT 1 FROM meta WHERE key = ?", [META_EVALUATION]).fetchone() is None:
        settings = _VERSION_5_DEFAULT_SETTINGS if rows else _VERSION_6_NEW_BOOK_SETTINGS
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [META_EVALUATION, json.dumps(settings, ensure_ascii=False)],
        )


def _migrate_7(db: Database) -> None:
    """Version 7: ``sheets_grams``, the pieces of one and two characters (``kpidesk.book.search``).

    A search word shorter than three characters, which the trigram index
    cannot find, read every sheet's text with ``LIKE`` (some 20 ms for
    5,000 sheets, on every keystroke); it is now looked up in this index.
    The index is contentless: taking a sheet out of it needs the pieces it
    was given, which are made again from the sheet's text in ``sheets_fts``.
    So it is filled from that text; a trigram index that cannot be read is
    made anew from the sheets' columns, both indexes with it.
    """
    db.execute(_GRAM_INDEX_SQL)
    try:
        rows = db.execute("SELECT rowid, search_text FROM sheets_fts").fetchall()
    except (sqlite3.DatabaseError, MemoryError):
        # MemoryError: SQLite's "out of memory", as a damaged index can give.
        rebuild_search_index(db)
        return
    _fill_gram_index(db, [(key, text if isinstance(text, str) else "") for key, text in rows])


#: The schema changes in order; running 1..N on an empty file gives version N.
MIGRATIONS: dict[int, Callable[[Database], None]] = {
    1: _migrate_1,
    2: _migrate_2,
    3: _migrate_3,
    4: _migrate_4,
    5: _migrate_5,
    6: _migrate_6,
    7: _migrate_7,
}
