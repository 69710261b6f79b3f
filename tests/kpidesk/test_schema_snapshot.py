"""The kept statements of the newest schema make what the migrations make.

``kpidesk.book.schemacheck`` checks every book opened against the schema of
its version; for :data:`kpidesk.book.schema_snapshot.VERSION` it runs the
kept statements instead of the migrations, so that a book opens without
importing sqlite-utils. A wrong snapshot would refuse sound books, or let
through a schema KPI Desk does not make.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from kpidesk.book import schema_snapshot, schemacheck
from kpidesk.book.database import BookDatabase
from kpidesk.book.errors import ForeignSchemaError
from kpidesk.book.schema import MIGRATIONS, SCHEMA_VERSION
from kpidesk.book.store import Book

ROOT = Path(__file__).resolve().parents[2]


def migrated_schema(version: int) -> dict:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db = BookDatabase(connection)
        for number in range(1, version + 1):
            MIGRATIONS[number](db)
        return schemacheck.read_schema(connection)
    finally:
        connection.close()


def test_the_snapshot_makes_the_schema_the_migrations_make() -> None:
    assert schemacheck.expected_schema(schema_snapshot.VERSION) == migrated_schema(
        schema_snapshot.VERSION
    )


def test_the_snapshot_is_of_the_newest_schema() -> None:
    # Otherwise every book opened would import sqlite-utils and run the
    # migrations again: correct, but a tenth of a second slower to start.
    assert schema_snapshot.VERSION == SCHEMA_VERSION, (
        "a migration was added: run `python tools/schema_snapshot.py` "
        "and `ruff format kpidesk/book/schema_snapshot.py`"
    )


def test_the_tool_writes_the_snapshot_kept(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import schema_snapshot as tool
    finally:
        sys.path.remove(str(ROOT / "tools"))
    namespace: dict = {}
    exec(tool.module_text(SCHEMA_VERSION), namespace)
    assert namespace["VERSION"] == schema_snapshot.VERSION
    assert namespace["STATEMENTS"] == schema_snapshot.STATEMENTS


def test_a_book_with_a_trigger_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.kpidb"
    Book.open(path).close()
    connection = sqlite3.connect(path)
    connection.execute("CREATE TRIGGER sneak AFTER INSERT ON sheets BEGIN DELETE FROM history; END")
    connection.commit()
    connection.close()
    with pytest.raises(ForeignSchemaError):
        Book.open(path, create=False)
