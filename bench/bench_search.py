"""Time search on a big book, and bringing an older book's search index up to date.

Run from the repository root::

    .venv/bin/python bench/bench_search.py --book OLD.kpidb [--runs 20] [--write]

``--book`` is copied to a temporary folder and never changed. When it is of
an older schema, each of ``--migrate-runs`` fresh copies is opened with
``Book.open`` (backup, then every migration still to do) and timed, and on
another fresh copy the newest migration alone is timed in one transaction,
as ``Book._prepare`` runs it; the file sizes before and after are given.
Then ``Book.search_ids`` is timed for words of each length, written the ways
people write them, each ``--runs`` times; the rows found are counted.

Run with an older checkout on ``PYTHONPATH`` (``PYTHONPATH=OLD_TREE``) the
same script times that program's search on the same book, for comparison.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    append_section,
    commit_with_changes,
    cpu_model,
    load_average,
    markdown_table,
    now_stamp,
    text_table,
)

#: Words searched for: long and short, and the same words written otherwise.
QUERIES = (
    "認知件数",
    "認知",
    "詐",
    "観光振興課",
    "KPI",
    "ＫＰＩ",
    "kpi",
    "ｶﾞｲﾄﾞ",
    "葛飾区",
    "ない言葉です",
)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value


def _ms(samples: list[float]) -> list[str]:
    return [f"{statistics.median(samples) * 1000:.1f}", f"{min(samples) * 1000:.1f}",
            f"{max(samples) * 1000:.1f}"]  # fmt: skip


def _version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])
    finally:
        connection.close()


def time_migration(book: Path, folder: Path, runs: int) -> tuple[list[list[str]], list[str]]:
    """Rows of the migration table, and notes on the sizes."""
    from sqlite_utils import Database

    from kpidesk.book.schema import MIGRATIONS, SCHEMA_VERSION
    from kpidesk.book.store import Book

    version = _version(book)
    if version >= SCHEMA_VERSION:
        return [], [f"the book is already at version {version}: nothing to migrate"]
    opens = []
    for run in range(runs):
        copy = folder / f"open-{run}" / book.name
        copy.parent.mkdir()
        shutil.copyfile(book, copy)
        started = time.perf_counter()
        Book.open(copy).close()
        opens.append(time.perf_counter() - started)
    migrated_size = copy.stat().st_size
    alone = []
    for run in range(runs):
        copy = folder / f"alone-{run}.kpidb"
        shutil.copyfile(book, copy)
        connection = sqlite3.connect(copy, isolation_level=None)
        try:
            db = Database(connection)
            for number in range(version + 1, SCHEMA_VERSION):
                connection.execute("BEGIN IMMEDIATE")
                MIGRATIONS[number](db)
                connection.execute("COMMIT")
            connection.execute("BEGIN IMMEDIATE")
            started = time.perf_counter()
            MIGRATIONS[SCHEMA_VERSION](db)
            connection.execute(f"PRAGMA user_version = {int(SCHEMA_VERSION)}")
            connection.execute("COMMIT")
            alone.append(time.perf_counter() - started)
        finally:
            connection.close()
    rows = [
        [f"Book.open of a version {version} book (backup + migrations)", str(runs), *_ms(opens)],
        [f"migration {SCHEMA_VERSION} alone, in its transaction", str(runs), *_ms(alone)],
    ]
    notes = [
        f"file size: {book.stat().st_size / 1e6:.1f} MB at version {version},"
        f" {migrated_size / 1e6:.1f} MB after the migration"
    ]
    return rows, notes


def time_search(book: Path, folder: Path, runs: int) -> list[list[str]]:
    from kpidesk.book.store import Book

    copy = folder / f"search-{book.name}"
    shutil.copyfile(book, copy)
    rows = []
    with Book.open(copy) as store:
        store.search_ids(QUERIES[0])  # warm the page cache
        for query in QUERIES:
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                found = store.search_ids(query)
                samples.append(time.perf_counter() - started)
            rows.append([f"search_ids「{query}」 ({len(found)} rows)", str(runs), *_ms(samples)])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, required=True, help="a book (copied, never changed)")
    parser.add_argument("--runs", type=_positive, default=20, help="runs of each search")
    parser.add_argument("--migrate-runs", type=_positive, default=3, help="runs of a migration")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args(argv)

    import kpidesk

    header = ["figure", "runs", "median ms", "min ms", "max ms"]
    with tempfile.TemporaryDirectory(prefix="kpidesk-bench-search-") as temporary:
        folder = Path(temporary)
        migration, notes = time_migration(args.book, folder, args.migrate_runs)
        search = time_search(args.book, folder, args.runs)
    print(text_table(header, migration + search))
    for note in notes:
        print(note)
    if not args.write:
        return 0
    command = " ".join(["bench/bench_search.py", *(argv if argv is not None else sys.argv[1:])])
    lines = [
        f"## {now_stamp()} — search and its migration — commit {commit_with_changes('kpidesk')}",
        "",
        f"- Command: `.venv/bin/python {command}` (`bench/bench_search.py`)",
        f"- Program: `{Path(kpidesk.__file__).parent.parent}`",
        f"- Machine: {cpu_model()}; {platform.platform()}; Python {platform.python_version()};"
        f" SQLite {sqlite3.sqlite_version}; load average at the end {load_average()}",
        f"- Book: {args.book} ({args.book.stat().st_size / 1e6:.1f} MB), copied before use",
        *(f"- {note}" for note in notes),
        "",
        markdown_table(header, migration + search),
        "",
    ]
    append_section("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
