"""Measure the resident memory of the window on a large book and of a large PDF export.

Usage (from the repository root)::

    .venv/bin/python bench/bench_memory.py [--book BOOK] [--sheets 5000]
        [--pdf-sheets 1000] [--runs 1] [--json OUT] [--write]

Each figure is the peak resident set size (``ru_maxrss``) of a fresh child
process (``python bench/bench_memory.py --child KIND ...``, not run by
hand), read by the child itself with ``resource.getrusage(RUSAGE_SELF)`` at
each step, with ``QT_QPA_PLATFORM=offscreen``:

window shown
    ``MainWindow`` on a copy of a ``--sheets`` book (made with
    ``make_book.py``, or ``--book``, never changed), as ``main.py BOOK``
    opens it, once the list is filled and the first sheet is in the form;
    target ≤ 200 MB.
window after 50 selections
    then 50 sheets spread over the list selected one after another, each
    until the form shows it; target ≤ 200 MB.
PDF export
    ``kpidesk.printing.paint.pdf_bytes`` of the first ``--pdf-sheets`` sheets
    of the book (``Book.list_sheets()``), the whole export in memory;
    target ≤ 300 MB.

The peak is what the process ever held, so the second window figure is the
larger of the two. ``ru_maxrss`` is in kilobytes on Linux (bytes on macOS);
Windows has no ``resource`` module: there the figure would be the process's
``PeakWorkingSetSize`` (Task Manager's "peak working set"), which the
script does not measure. With ``--runs`` above 1 the median is given.
``--json OUT`` writes the figures as JSON (name, value, target, result);
``--write`` appends them, with the command, the machine and the commit, as a
dated section of ``bench/RESULTS.md``.
This is a script run by hand (or by ``make bench``); never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._common import (  # noqa: E402
    RESULTS,
    append_section,
    commit_with_changes,
    cpu_model,
    load_average,
    markdown_table,
    now_stamp,
    positive,
    text_table,
)

#: Targets in MB on the 2-core reference machine.
TARGETS_MB = {"window": 200.0, "pdf": 300.0}
SELECTIONS = 50
CHILD_TIMEOUT = 1800.0


def peak_mb() -> float:
    """This process's peak resident set size in MB (``ru_maxrss``: kB on Linux, bytes on macOS)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# --- children -----------------------------------------------------------------


def window_child(book: Path) -> dict[str, float]:
    """Open the window as ``main.py BOOK`` does, then select sheets; peaks in MB."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from ui import app as ui_app
    from ui.main_window import MainWindow
    from ui.settings import Settings
    from ui.sheet_list import IdRole

    args = ui_app.parse_gui_arguments([str(book)])
    application = ui_app.create_application()
    settings = Settings()
    initial = ui_app.open_initial_book(args.file, args.demo, settings)
    if initial.book is None:
        raise SystemExit(f"cannot open {book}: {initial.message}")
    window = MainWindow(settings)
    window.session.set_book(initial.book, remember=initial.remember)
    window.show()
    while not ui_app.window_ready(window):
        application.processEvents()
    application.processEvents()
    shown = peak_mb()
    # Left alone, the list lays out every row's texts ahead: that memory is the window's too.
    ahead = window.list_panel.delegate.ahead
    while not ahead.is_done():
        application.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    shown = max(shown, peak_mb())
    panel = window.list_panel
    count = panel.proxy.rowCount()
    title_edit = window.form.edits["title"]
    for step in range(SELECTIONS):
        row = min(int((step + 0.5) * count / SELECTIONS), count - 1)
        index = panel.proxy.index(row, 0)
        sheet_id = index.data(IdRole)
        panel.table.setCurrentIndex(index)
        for _ in range(10_000):
            application.processEvents()
            document = window.session.document
            if document is not None and document.sheet.id == sheet_id and title_edit.text():
                break
    QApplication.processEvents()
    return {"shown": shown, "selected": peak_mb()}


def pdf_child(book: Path, count: int) -> dict[str, float]:
    """``pdf_bytes`` of the first ``count`` sheets of ``book``; peaks in MB."""
    from PySide6.QtWidgets import QApplication

    from kpidesk.book.store import Book
    from kpidesk.printing import paint

    QApplication([])
    with Book.open(book, create=False) as store:
        sheets = store.list_sheets()[:count]
    listed = peak_mb()
    data, pages = paint.pdf_bytes(sheets, book.stem)
    assert data.startswith(b"%PDF") and pages >= len(sheets)
    return {"listed": listed, "exported": peak_mb()}


def run_child(kind: str, book: Path, data_dir: Path, pdf_sheets: int) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KPIDESK_DATA_DIR=str(data_dir))
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(book)]
    command += ["--pdf-sheets", str(pdf_sheets)]
    done = subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, timeout=CHILD_TIMEOUT
    )
    if done.returncode != 0:
        raise SystemExit(f"the {kind} child failed:\n{done.stderr[-2000:]}")
    line = [text for text in done.stdout.splitlines() if text.startswith("PEAKS ")][-1]
    return json.loads(line.removeprefix("PEAKS "))


# --- main ---------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Peak memory of the window and of a PDF export.")
    parser.add_argument("--book", type=Path, help="an existing book (copied, never changed)")
    parser.add_argument("--sheets", type=positive, default=5000, help="sheets of a made book")
    parser.add_argument("--pdf-sheets", type=positive, default=1000, help="sheets exported")
    parser.add_argument("--runs", type=positive, default=1, help="children of each kind")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    parser.add_argument("--write", action="store_true", help="append the figures to RESULTS.md")
    parser.add_argument("--child", choices=["window", "pdf"], help=argparse.SUPPRESS)
    parser.add_argument("child_book", nargs="?", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.child is not None:
        if args.child == "window":
            peaks = window_child(args.child_book)
        else:
            peaks = pdf_child(args.child_book, args.pdf_sheets)
        print("PEAKS " + json.dumps(peaks), flush=True)
        os._exit(0)
    folder = Path(tempfile.mkdtemp(prefix="kpidesk-bench-memory-"))
    try:
        return run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: Path) -> int:
    from bench.make_book import make_book

    book = folder / "bench.kpidb"
    if args.book is not None:
        shutil.copyfile(args.book, book)
    else:
        print(f"making a book of {args.sheets:,} sheets ...", flush=True)
        make_book(book, count=args.sheets)
    commit = commit_with_changes("kpidesk", "ui", "resources", "main.py")
    load_before = load_average()
    samples: dict[str, list[float]] = {}
    for run_number in range(args.runs):
        for kind in ("window", "pdf"):
            copy = folder / f"{kind}-{run_number}.kpidb"
            shutil.copyfile(book, copy)
            data_dir = folder / f"data-{kind}-{run_number}"
            data_dir.mkdir()
            for step, value in run_child(kind, copy, data_dir, args.pdf_sheets).items():
                samples.setdefault(f"{kind} {step}", []).append(value)
            print(f"  run {run_number + 1}, {kind}: done", flush=True)
    names = {
        "window shown": (f"window on {args.sheets:,} sheets, list and first sheet shown", "window"),
        "window selected": (f"  after selecting {SELECTIONS} sheets", "window"),
        "pdf listed": (f"PDF: {args.pdf_sheets:,} sheets listed (info)", None),
        "pdf exported": (f"PDF export of {args.pdf_sheets:,} sheets (pdf_bytes)", "pdf"),
    }
    figures = []
    for key, (name, target_kind) in names.items():
        value = statistics.median(samples[key])
        target = None if target_kind is None else TARGETS_MB[target_kind]
        result = "" if target is None else ("pass" if value <= target else "FAIL")
        figures.append({"name": name, "value": value, "unit": "MB", "target": target})
        figures[-1]["result"] = result
    rows = [
        [
            f["name"],
            str(args.runs),
            f"{f['value']:.0f}",
            "" if f["target"] is None else f"≤ {f['target']:.0f}",
            f["result"],
        ]
        for f in figures
    ]
    header = ["figure", "runs", "peak RSS MB", "target MB", "result"]
    machine = (
        f"{cpu_model()}, {os.cpu_count()} CPUs; {sys.platform}; Python "
        f"{sys.version.split()[0]}; peak RSS by ru_maxrss; load average (1, 5, 15 min) at "
        f"start {load_before}, at end {load_average()}"
    )
    print()
    print(f"commit {commit}")
    print(f"machine: {machine}")
    print(text_table(header, rows))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.write:
        book = args.book if args.book is not None else f"made, {args.sheets:,} sheets"
        command = " ".join(["bench/bench_memory.py", *sys.argv[1:]])
        section = "\n".join(
            [
                f"## {now_stamp()} — memory — commit {commit}",
                "",
                f'- Command: `.venv/bin/python {command}` (`bench/README.md`, "Memory")',
                f"- Machine: {machine}",
                f"- Book: {book}",
                "",
                markdown_table(header, [[row[0].strip(), *row[1:]] for row in rows]),
                "",
            ]
        )
        append_section(section, path=RESULTS)
        print("\nappended to bench/RESULTS.md")
    return 0 if all(f["result"] != "FAIL" for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
