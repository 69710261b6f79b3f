"""Write ``kpidesk/book/schema_snapshot.py``: the statements of the newest book schema.

Run after adding a migration (``tests/kpidesk/test_schema_snapshot.py``
says when)::

    .venv/bin/python tools/schema_snapshot.py
    .venv/bin/ruff format kpidesk/book/schema_snapshot.py

The migrations ``1..SCHEMA_VERSION`` of :mod:`kpidesk.book.schema` are run
on an empty database in memory, and the statements SQLite keeps for what
they made are written out, except the tables SQLite makes by itself
(``sqlite_sequence``, the shadow tables of the full-text index), which
running the statements makes again. :func:`kpidesk.book.schemacheck.expected_schema`
runs them instead of the migrations, so that opening a book does not import
sqlite-utils.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpidesk.book.database import BookDatabase  # noqa: E402
from kpidesk.book.schema import MIGRATIONS, SCHEMA_VERSION  # noqa: E402

TARGET = ROOT / "kpidesk" / "book" / "schema_snapshot.py"

HEADER = '''"""The statements that make the schema of a book of version :data:`VERSION`.

Written by ``python tools/schema_snapshot.py`` from the migrations of
:mod:`kpidesk.book.schema`; do not edit. :mod:`kpidesk.book.schemacheck`
runs them (instead of the migrations, which need sqlite-utils) to know
what a book of this version must hold; ``tests/kpidesk/test_schema_snapshot.py``
checks that they make the same schema as the migrations.
"""

# ruff: noqa: E501 - each string is one line of a statement as SQLite keeps it

'''


def snapshot_statements(connection: sqlite3.Connection) -> list[str]:
    """The statements that make the schema of ``connection`` again on an empty database.

    Every table and index (view, trigger) that has one, in the order SQLite
    keeps them; not the tables SQLite makes by itself (``sqlite_sequence``,
    the shadow tables of a virtual table), which running the statements makes.
    """
    rows = connection.execute(
        "SELECT type, name, sql FROM main.sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    virtual = [
        name
        for kind, name, sql in rows
        if kind == "table" and str(sql).upper().startswith("CREATE VIRTUAL")
    ]
    return [
        str(sql)
        for kind, name, sql in rows
        if not name.startswith("sqlite_")
        and not (kind == "table" and any(name.startswith(f"{table}_") for table in virtual))
    ]


def migrated_statements(version: int) -> list[str]:
    """The statements of a book made by the migrations ``1..version``."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db = BookDatabase(connection)
        for number in range(1, version + 1):
            MIGRATIONS[number](db)
        return snapshot_statements(connection)
    finally:
        connection.close()


def module_text(version: int) -> str:
    """The text of ``schema_snapshot.py`` for ``version``."""
    lines = [HEADER, f"VERSION = {version}", "", "STATEMENTS = ("]
    for statement in migrated_statements(version):
        # One string per line of the statement, so that the file reads as SQL.
        lines.append("    (")
        lines += [f"        {part!r}" for part in statement.splitlines(keepends=True)]
        lines.append("    ),")
    lines += [")", ""]
    return "\n".join(lines)


def main() -> int:
    TARGET.write_text(module_text(SCHEMA_VERSION), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} (schema version {SCHEMA_VERSION})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
