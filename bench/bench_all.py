"""Run the window, PDF, Excel and memory benchmarks with quick settings; print one table.

Usage (from the repository root; ``make bench`` runs it)::

    .venv/bin/python bench/bench_all.py [--sheets 5000] [--keep]

Makes one book of ``--sheets`` sheets with ``make_book.py`` in a temporary
folder, then runs each script as a subprocess with quick settings:

- ``bench_window.py --book BOOK --runs 10 --start-runs 5``
- ``bench_pdf.py --sheets 300 --runs 3 --cli-runs 1 --no-libreoffice``
- ``bench_excel.py --sizes 200 --runs 3``
- ``bench_memory.py --book BOOK --pdf-sheets 1000``

Each script prints its own tables as usual (passed through); with the
environment variable ``KPIDESK_BENCH_TABLES`` set (``bench/_common.py``)
every table a script prints is also written as one JSON line, and this
script gathers from them every figure that has a target into one table:
the figure, its median (or peak) in the target's unit, the CPU time where
the script gives it, the target, and pass or FAIL. A script that fails
without printing a table shows as one FAIL line. The exit code is 0 when
every figure passes. Quick settings give rougher medians than the scripts'
defaults; measure with those (and ``--write``) for ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._common import TABLES_ENV, short_commit, text_table  # noqa: E402

HEADER = ["figure", "script", "value", "CPU", "target", "result"]


def scripts(book: Path) -> list[tuple[str, list[str]]]:
    """(script, its quick arguments), in the order run."""
    return [
        ("bench_window.py", ["--book", str(book), "--runs", "10", "--start-runs", "5"]),
        ("bench_pdf.py", ["--sheets", "300", "--runs", "3", "--cli-runs", "1", "--no-libreoffice"]),
        ("bench_excel.py", ["--sizes", "200", "--runs", "3"]),
        ("bench_memory.py", ["--book", str(book), "--pdf-sheets", "1000"]),
    ]


def figure_rows(script: str, record: dict) -> list[list[str]]:
    """The rows of one recorded table that have a target, in :data:`HEADER`'s columns."""
    header: list[str] = record["header"]
    if "result" not in header:
        return []
    targets = [i for i, name in enumerate(header) if name.startswith("target")]
    if not targets:
        return []
    target_at = targets[0]
    unit = header[target_at].removeprefix("target").strip()
    value_at = next(
        (
            header.index(name)
            for name in (f"median {unit}", unit, f"peak RSS {unit}")
            if name in header
        ),
        None,
    )
    cpu_at = header.index(f"CPU {unit}") if f"CPU {unit}" in header else None
    rows = []
    for row in record["rows"]:
        result = row[header.index("result")]
        if not result:
            continue
        value = "" if value_at is None else row[value_at]
        cpu = "" if cpu_at is None else row[cpu_at]
        rows.append(
            [
                row[0].strip(),
                script.removesuffix(".py"),
                f"{value} {unit}".strip(),
                cpu,
                row[target_at],
                result,
            ]
        )
    return rows


def run_all(book: Path, folder: Path) -> tuple[list[list[str]], list[str]]:
    tables = folder / "tables.jsonl"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{TABLES_ENV: str(tables)})
    rows: list[list[str]] = []
    timings: list[str] = []
    for script, arguments in scripts(book):
        tables.write_text("", encoding="utf-8")
        command = [sys.executable, str(REPO / "bench" / script), *arguments]
        print(f"\n=== {' '.join(['bench/' + script, *arguments])}", flush=True)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, env=env)
        timings.append(f"{script} {time.perf_counter() - started:.0f} s")
        found = [
            row
            for line in tables.read_text(encoding="utf-8").splitlines()
            if line.strip()
            for row in figure_rows(script, json.loads(line))
        ]
        if not found:
            found = [[f"{script} ended with {done.returncode}", script, "", "", "", "FAIL"]]
        rows += found
    return rows, timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="All benchmarks, quick, in one table.")
    parser.add_argument("--sheets", type=int, default=5000, help="sheets of the window's book")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="kpidesk-bench-all-"))
    try:
        from bench.make_book import make_book

        book = folder / "bench.kpidb"
        print(f"making a book of {args.sheets:,} sheets ...", flush=True)
        make_book(book, count=args.sheets)
        rows, timings = run_all(book, folder)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\n=== all figures against their targets (commit {short_commit()}, quick settings)")
    print(text_table(HEADER, rows))
    print("time taken: " + ", ".join(timings))
    return 0 if all(row[-1] == "pass" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
