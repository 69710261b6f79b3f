"""Count the instructions of the window's start, from source and frozen (callgrind).

    .venv/bin/python bench/bench_instructions.py [--book BOOK] [--sheets 5000]
        [--exe dist/KPIDesk/KPIDesk] [--write]

The 2-core reference machine has slow minutes in which every time, CPU time
included, rises by a third or more (``bench_window.py`` prints a gauge of
them). The number of instructions a start runs does not: valgrind's
callgrind counts the same number for the same program and inputs, whatever
else the machine is doing. This runs each start of ``bench_window.py`` once
under ``valgrind --tool=callgrind`` (after one plain run, which writes the
``.pyc`` files and the font cache and takes the day's backup, as the timed
starts find them) and prints the millions of instructions: the source start
(``bench/_start_child.py``) on the 5,000-sheet book and on the 15-sheet
sample, and with ``--exe`` the frozen program's start-up probe
(``KPIDesk --smoke-test --open BOOK``) on both. Threads are counted
together, so work moved to a thread (the start's page check) counts as
before; the time figures show that. There are no targets: compare the
counts of two commits to see what a change saved. ``--write`` appends them
to ``bench/RESULTS.md``. Needs valgrind (``apt install valgrind``); under it a
start takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    REPO,
    append_section,
    commit_with_changes,
    cpu_model,
    markdown_table,
    now_stamp,
    positive,
    text_table,
)

CHILD = REPO / "bench" / "_start_child.py"
MAKE_BOOK = REPO / "bench" / "make_book.py"
SAMPLE = REPO / "resources" / "samples" / "kpi_sheets_kumamoto_r2.txt"
#: What valgrind prints at the end of each process it ran.
COLLECTED = re.compile(r"==\d+== Collected : (\d+)")
#: Longest a start may take under valgrind.
TIMEOUT_SECONDS = 900


def counted(command: list[str], data_dir: Path, cwd: Path) -> int:
    """The instructions ``command`` runs under callgrind (every process it becomes).

    Raises:
        RuntimeError: it failed, or valgrind counted nothing.
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KPIDESK_DATA_DIR=str(data_dir))
    valgrind = [
        "valgrind",
        "--tool=callgrind",
        "--trace-children=yes",
        "--callgrind-out-file=/dev/null",
    ]
    done = subprocess.run(
        valgrind + command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    counts = [int(found) for found in COLLECTED.findall(done.stderr)]
    if done.returncode != 0 or not counts:
        raise RuntimeError(f"{command[0]} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return sum(counts)


def plain_run(command: list[str], data_dir: Path, cwd: Path) -> None:
    """Run ``command`` once without valgrind (what the counted run then finds ready)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KPIDESK_DATA_DIR=str(data_dir))
    subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=300, check=True)


def start_command(book: Path, exe: Path | None) -> tuple[list[str], Path]:
    """The start on ``book`` from source, or by the frozen program ``exe``; and its folder."""
    if exe is None:
        return [sys.executable, str(CHILD), str(book)], REPO
    return [str(exe), "--smoke-test", "--open", str(book)], exe.parent


def count_start(book: Path, exe: Path | None, work: Path, name: str) -> int:
    """The instructions of one start on a copy of ``book`` (after one plain run on it)."""
    folder = work / name.replace(" ", "-").replace(":", "")
    folder.mkdir()
    copy = folder / book.name
    shutil.copyfile(book, copy)
    command, cwd = start_command(copy, exe)
    plain_run(command, folder / "data-plain", cwd)
    print(f"  {name} under callgrind ...", flush=True)
    return counted(command, folder / "data", cwd)


def sample_book(folder: Path) -> Path:
    """The 15 sample sheets as a book, made by this repository's import."""
    path = folder / "sample.kpidb"
    command = [sys.executable, str(REPO / "main.py"), "import-text", str(SAMPLE), "--db", str(path)]
    subprocess.run(command, cwd=REPO, capture_output=True, check=True, timeout=300)
    return path


def big_book(folder: Path, sheets: int) -> Path:
    """A book of ``sheets`` sheets made by make_book.py."""
    path = folder / f"bench-{sheets}.kpidb"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, str(MAKE_BOOK), str(path), "--sheets", str(sheets)]
    subprocess.run(command, cwd=REPO, env=env, check=True, timeout=900)
    return path


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Instructions of the window's start.")
    parser.add_argument("--book", type=Path, help="an existing book (copied, never changed)")
    parser.add_argument("--sheets", type=positive, default=5000, help="sheets of a made book")
    parser.add_argument("--exe", type=Path, help="the frozen program (make package) as well")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt install valgrind)", file=sys.stderr)
        return 2
    commit = commit_with_changes("kpidesk", "ui", "main.py", "bench", "build.spec", "tools")
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="kpidesk-instructions-") as temp:
        work = Path(temp)
        books = {
            f"{args.sheets:,} sheets": args.book or big_book(work, args.sheets),
            "15-sheet sample": sample_book(work),
        }
        programs: list[tuple[str, Path | None]] = [("start", None)]
        if args.exe is not None:
            programs.append(("start (frozen)", args.exe.resolve()))
        for program, exe in programs:
            for label, book in books.items():
                name = f"{program}: {label}"
                rows.append([name, f"{count_start(book, exe, work, name) / 1e6:,.0f}"])
    header = ["figure", "instructions (millions)"]
    print(f"\ncommit {commit}; {cpu_model()}; one run of each under callgrind\n")
    print(text_table(header, rows))
    if args.write:
        command = " ".join(["bench/bench_instructions.py", *(argv or sys.argv[1:])])
        section = (
            f"## {now_stamp()} — commit {commit}, instructions of the start\n\n"
            f"- Command: `.venv/bin/python {command}`\n"
            "- valgrind --tool=callgrind, one run of each after one plain run; "
            "threads counted together.\n\n" + markdown_table(header, rows) + "\n"
        )
        append_section(section)
        print("\nappended to bench/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
