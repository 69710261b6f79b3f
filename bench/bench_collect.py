"""Time collecting 40 returned department books of 5 sheets each.

Run from the repository root::

    .venv/bin/python bench/bench_collect.py [--departments 40] [--sheets 5] [--runs 3]

A book of ``departments × sheets`` synthetic sheets (``bench.make_book``),
each department owning ``sheets`` of them, is handed out in a temporary
folder; in every department file two sheets are changed, and in the origin
one sheet per tenth department, so that conflicts are found too. Then all
files are collected with ``kpidesk collect`` (in this process, as the
command runs it) on a fresh copy of the origin, ``--runs`` times; the
fastest and median times are printed with what was taken.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.make_book import make_sheets
from kpidesk import cli
from kpidesk.book.store import Book
from kpidesk.handout import distribute


def main() -> None:
    """Parse the arguments and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--sheets", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        origin = folder / "origin.kpidb"
        sheets = [
            dataclasses.replace(sheet, departments=[f"課{index // args.sheets:02d}"])
            for index, sheet in enumerate(make_sheets(args.departments * args.sheets, seed=1))
        ]
        out = folder / "out"
        out.mkdir()
        with Book.open(origin) as book:
            book.import_sheets(sheets)
            files = distribute(book, out, sheets[0].report_year)
        for number, path in enumerate(files):
            with Book.open(path) as handed:
                for sheet in handed.list_sheets()[:2]:
                    handed.save_sheet(dataclasses.replace(sheet, efforts=["課の更新"]))
                if number % 10 == 0:
                    clash = handed.list_sheets()[0]
                    with Book.open(origin) as book:
                        mine = book.find_sheet(clash.report_year, clash.no)
                        assert mine is not None
                        book.save_sheet(dataclasses.replace(mine, issues=["企画課の修正"]))
        times: list[float] = []
        for run in range(args.runs):
            copy = folder / f"run{run}.kpidb"
            shutil.copyfile(origin, copy)
            out_text, err_text = io.StringIO(), io.StringIO()
            start = time.perf_counter()
            code = cli.main(
                ["collect", "--db", str(copy), *map(str, files)], out=out_text, err=err_text
            )
            times.append(time.perf_counter() - start)
        taken = out_text.getvalue().count("取り込み2件") * 2 + out_text.getvalue().count(
            "取り込み1件"
        )
        conflicts = err_text.getvalue().count("両方で変更されています")
        print(
            f"{len(files)} files, {len(sheets)} sheets: exit {code}, {taken} sheets taken,"
            f" {conflicts} conflicts; collect all: fastest {min(times):.2f} s,"
            f" median {statistics.median(times):.2f} s ({args.runs} runs)"
        )


if __name__ == "__main__":
    main()
