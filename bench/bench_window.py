"""Time the main window on a big book: start, select, search and save.

Usage (from the repository root)::

    .venv/bin/python bench/bench_window.py [--book BOOK] [--sheets 5000]
        [--runs 20] [--start-runs 15] [--write] [--profile] [--keep] [--imports]

Without ``--book`` a book of ``--sheets`` sheets is made with
``bench/make_book.py`` in a temporary folder (never in the repository). A
given book is copied into that folder first and never changed. The
figures, each repeated and reported as median, min and max in ms:

start
    From process start to the window shown with its list filled and the
    first sheet open in the form, measured from outside: the clock starts
    right before ``subprocess.Popen`` of ``bench/_start_child.py`` (which
    does what ``python main.py BOOK`` does, see there) and stops when the
    parent reads the child's line. Each run gets a fresh
    ``KPIDESK_DATA_DIR``; one warm-up run is not counted. The same is
    measured on the 15-sheet sample book (a target of its own).
select
    In one process with the window open on the book: from setting the
    list's current index to another sheet (a different one each time,
    spread over the book, so the list scrolls and repaints every row it
    shows) until the form shows it, with one
    ``QApplication.processEvents()`` inside the timing.
select: ↓ in the list
    The ↓ key sent to the list, as when it is held down, from a third of
    the way down the list: from the key until the form shows the next sheet.
search
    From one keystroke in the search box (a ``QInputMethodEvent`` committing
    one more character, as an IME does) until the proxy's ``rowCount()``
    shows the filter, with one ``processEvents()`` inside the timing. The
    words 「認知件数」, 「詐欺」 and a department name are built up
    character by character; the box is emptied between words (timed
    separately, for information).
save
    One cell of the open sheet is changed (``ValueTableModel.setData`` on
    its first actual column, a new value each time), then
    ``window.session.save()`` is timed until it returns.

Everything runs with ``QT_QPA_PLATFORM=offscreen``. A figure passes when
its median is within its target. ``--write`` appends a dated section to
``bench/RESULTS.md``. ``--profile`` runs each figure under cProfile instead
of timing it and prints where the time goes (the profiles are kept in the
temporary folder with ``--keep``). ``--imports`` only starts the child
under ``python -X importtime`` (one warm-up, then 3 runs) and lists the 15
modules whose import takes longest on the start path, by the median of
their cumulative time (what they pull in included).

This is a script run by hand; it is never part of the tests. It measures
the code of the repository it lives in (put first on ``sys.path``), not
whatever copy the virtual environment's editable install points at.
"""

# ruff: noqa: E402 - the repository goes first on sys.path before its modules are imported

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(REPO), *sys.path[:1]]

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QEvent,
    QEventLoop,
    QMessageLogContext,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from bench._common import (
    append_section,
    cpu_model,
    git,
    markdown_table,
    now_stamp,
    positive,
    qt_versions,
    short_commit,
    text_table,
)
from kpidesk import samples
from kpidesk.book.store import Book
from ui.dialogs import messages
from ui.main_window import MainWindow
from ui.settings import Settings
from ui.sheet_list import Col, IdRole
from ui.value_table import header_labels

BENCH = REPO / "bench"
CHILD = BENCH / "_start_child.py"
MAKE_BOOK = BENCH / "make_book.py"
RESULTS = BENCH / "RESULTS.md"

#: Targets in ms on the 2-core reference machine (a median must be within them).
TARGETS_MS = {
    "start": 600.0,
    "start: 15-sheet sample": 450.0,
    "select": 20.0,
    "select: ↓ in the list": 20.0,
    "search": 20.0,
    "save": 5.0,
}
#: A select as soon as the window is shown, the list's rows not yet laid out ahead.
SELECT_AT_ONCE = "select: at once after opening (info)"
#: The words typed into the search box, one character per keystroke.
SEARCH_WORDS = ("認知件数", "詐欺")
#: The department typed as the third word, when the book has it.
SEARCH_DEPARTMENT = "観光振興課"
#: A child that says nothing for this long is stopped.
CHILD_TIMEOUT_SECONDS = 120.0
#: Window size of the in-process window (the default of a first start).
WINDOW_SIZE = (1366, 768)


# --- figures ------------------------------------------------------------------


@dataclass
class Figure:
    """Repeated timings of one thing, in ms."""

    name: str
    samples: list[float] = field(default_factory=list)
    target: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "pass" if self.median <= self.target else "FAIL"


def ms(seconds: float) -> float:
    return seconds * 1000.0


def table_rows(figures: list[Figure]) -> list[list[str]]:
    rows = []
    for figure in figures:
        target = "" if figure.target is None else f"≤ {figure.target:.0f}"
        rows.append(
            [
                figure.name,
                str(len(figure.samples)),
                f"{figure.median:.1f}",
                f"{figure.low:.1f}",
                f"{figure.high:.1f}",
                target,
                figure.verdict,
            ]
        )
    return rows


TABLE_HEADER = ["figure", "runs", "median ms", "min ms", "max ms", "target ms", "result"]


# --- the machine --------------------------------------------------------------


def machine_facts() -> dict[str, str]:
    commit = short_commit()
    dirty = git("status", "--porcelain", "--", "ui", "kpidesk", "main.py")
    return {
        "commit": commit + (" (with uncommitted changes in ui/ or kpidesk/)" if dirty else ""),
        "python": platform.python_version(),
        "qt": qt_versions(),
        "cpus": str(os.cpu_count()),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "qpa": os.environ.get("QT_QPA_PLATFORM", ""),
    }


#: What the speed gauge runs in a new process (it loads the Qt libraries the window loads).
GAUGE_CODE = "import PySide6.QtWidgets"
GAUGE_RUNS = 5


def speed_gauge() -> float:
    """The median ms of :data:`GAUGE_RUNS` new processes running :data:`GAUGE_CODE`.

    This machine goes through slow minutes in which every figure, CPU time
    included, rises by a third or more; the gauge, read before and after
    the figures, tells such a run from a change of the code.
    """
    times = []
    for _ in range(GAUGE_RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", GAUGE_CODE], check=True, capture_output=True)
        times.append(ms(time.perf_counter() - started))
    return statistics.median(times)


# --- books --------------------------------------------------------------------


def make_big_book(folder: Path, sheets: int) -> Path:
    """A new book of ``sheets`` sheets in ``folder``, made by make_book.py."""
    path = folder / f"bench-{sheets}.kpidb"
    print(f"making a book of {sheets:,} sheets in {folder} ...", flush=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))  # this repository's kpidesk
    command = [sys.executable, str(MAKE_BOOK), str(path), "--sheets", str(sheets)]
    subprocess.run(command, cwd=REPO, env=env, check=True)
    return path


def copy_book(book: Path, folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copyfile(book, target)
    return target


# --- start (out of process) ---------------------------------------------------

#: Steps the child reports, in order, with the name shown for the step ending there.
START_STEPS = (
    ("script", "interpreter start"),
    ("imports", "imports"),
    ("application", "create_application"),
    ("book_opened", "Settings + open book"),
    ("window_built", "MainWindow()"),
    ("book_set", "show + show_initial_book"),
    ("ready", "show until ready"),
)


#: The line the frozen program's start-up probe prints when its window is ready.
FROZEN_READY = b"smoke test OK: window ready"


def time_to_line(
    command: list[str], data_dir: Path, ready: bytes, cwd: Path = REPO
) -> tuple[float, float, bytes]:
    """Run ``command`` until it prints a line starting with ``ready``.

    The process gets ``QT_QPA_PLATFORM=offscreen`` and its own new
    ``KPIDESK_DATA_DIR`` (``data_dir``). Its output before that line is
    skipped; its exit is waited for outside the timing.

    Returns:
        The ``time.perf_counter()`` readings right before the process is
        started and right after that line is read, and the line.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KPIDESK_DATA_DIR=str(data_dir))
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors)
        assert child.stdout is not None
        line = child.stdout.readline()
        while line and not line.startswith(ready):
            line = child.stdout.readline()
        stopped = time.perf_counter()
        try:
            child.wait(timeout=CHILD_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if not line.startswith(ready):
            errors.seek(0)
            raise RuntimeError(
                f"{command[0]} failed (exit {child.returncode}):\n"
                + errors.read().decode("utf-8", "replace")[-3000:]
            )
    return started, stopped, line


def start_once(book: Path, data_dir: Path, profile_out: Path | None = None) -> tuple[float, dict]:
    """Start the child on ``book``; return the ms to its line and its steps in ms."""
    command = [sys.executable, str(CHILD), str(book)]
    if profile_out is not None:
        command += ["--profile", str(profile_out)]
    started, stopped, line = time_to_line(command, data_dir, b"READY ")
    marks = json.loads(line[len(b"READY ") :])
    steps, previous = {}, started
    for key, label in START_STEPS:
        steps[label] = ms(marks[key] - previous)
        previous = marks[key]
    return ms(stopped - started), steps


def time_start(book: Path, runs: int, data_root: Path, name: str) -> tuple[Figure, dict]:
    """``runs`` starts after one warm-up; the figure and the median of each step.

    Every start gets a new data folder under ``data_root`` (no settings yet).
    """
    figure = Figure(name)
    steps: dict[str, list[float]] = {}
    for run in range(runs + 1):
        total, parts = start_once(book, data_root / f"{book.stem}-{run}")
        if run == 0:
            continue  # warm-up: file cache, .pyc files, font cache
        figure.samples.append(total)
        for label, value in parts.items():
            steps.setdefault(label, []).append(value)
        progress(f"  {name} {run}/{runs}: {total:.0f} ms")
    progress("")
    return figure, {label: statistics.median(values) for label, values in steps.items()}


# --- start of the frozen program (out of process) --------------------------------


def frozen_start_once(exe: Path, book: Path, data_dir: Path) -> float:
    """Start the frozen program's start-up probe on ``book``; the ms to its ready line.

    ``KPIDesk --smoke-test --open BOOK`` starts the window on BOOK as
    ``KPIDesk BOOK`` does (``ui.app.prepare_start``, ``show_window``), waits for the same
    ready as the source figure (``ui.app.window_ready``) and one more round
    of events, prints its line and ends at once.
    """
    command = [str(exe), "--smoke-test", "--open", str(book)]
    started, stopped, _ = time_to_line(command, data_dir, FROZEN_READY, cwd=exe.parent)
    return ms(stopped - started)


def time_frozen_start(exe: Path, book: Path, runs: int, data_root: Path, name: str) -> Figure:
    """``runs`` starts of the frozen program after one warm-up, each with a new data folder."""
    figure = Figure(name)
    for run in range(runs + 1):
        total = frozen_start_once(exe, book, data_root / f"frozen-{book.stem}-{run}")
        if run == 0:
            continue  # warm-up: file cache, font cache
        figure.samples.append(total)
        progress(f"  {name} {run}/{runs}: {total:.0f} ms")
    progress("")
    return figure


# --- imports on the start path (out of process) ---------------------------------

#: How many of the heaviest imports ``--imports`` lists.
IMPORTS_SHOWN = 15
#: Runs of the child under ``-X importtime`` (after one warm-up); the median is shown.
IMPORT_RUNS = 3


def import_times(book: Path, data_dir: Path) -> dict[str, tuple[float, float, int]]:
    """One start of the child under ``python -X importtime``.

    Returns:
        For each module imported: its cumulative and its own import time in
        ms, and its depth in the import tree (0: imported by the start itself).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KPIDESK_DATA_DIR=str(data_dir))
    command = [sys.executable, "-X", "importtime", str(CHILD), str(book)]
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, timeout=CHILD_TIMEOUT_SECONDS, check=False
    )
    if not done.stdout.startswith(b"READY "):
        raise RuntimeError(
            f"the start child failed (exit {done.returncode}):\n"
            + done.stderr.decode("utf-8", "replace")[-3000:]
        )
    times = {}
    for line in done.stderr.decode("utf-8", "replace").splitlines():
        # import time: self [us] | cumulative | imported package
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        depth = (len(name) - len(name.lstrip(" "))) // 2
        times[name.strip()] = (int(cumulative) / 1000, int(own) / 1000, depth)
    return times


def time_imports(book: Path, data_root: Path, runs: int = IMPORT_RUNS) -> list[list[str]]:
    """The heaviest imports of the start, by the median of their cumulative time.

    Nested imports count in their importer's cumulative time too, so a
    package and the modules it pulls in are both listed: the depth says which
    imports which (0: imported by the start itself, ``main`` or ``ui.app``).
    """
    import_times(book, data_root / "imports-warm")  # .pyc files, file cache
    samples_: dict[str, list[tuple[float, float, int]]] = {}
    for run in range(runs):
        for name, value in import_times(book, data_root / f"imports-{run}").items():
            samples_.setdefault(name, []).append(value)
    medians = {
        name: (
            statistics.median(v[0] for v in values),
            statistics.median(v[1] for v in values),
            values[0][2],
        )
        for name, values in samples_.items()
    }
    total = sum(cumulative for cumulative, _, depth in medians.values() if depth == 0)
    heaviest = sorted(medians.items(), key=lambda item: -item[1][0])[:IMPORTS_SHOWN]
    rows = [["(all imports of the start)", f"{total:.1f}", "", ""]]
    rows += [
        [name, f"{cumulative:.1f}", f"{own:.1f}", str(depth)]
        for name, (cumulative, own, depth) in heaviest
    ]
    return rows


IMPORTS_HEADER = ["module", "cumulative ms", "own ms", "depth"]


def progress(text: str) -> None:
    """Show how far a long step is, on a terminal only."""
    if sys.stdout.isatty():
        print(f"\r{text:<60}", end="\r" if text else "", flush=True)


# --- the window (in process) --------------------------------------------------

#: Qt warnings of the offscreen platform that say nothing about KPI Desk.
QUIET_WARNINGS = ("This plugin does not support",)


def _qt_messages(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    if not text.startswith(QUIET_WARNINGS):
        print(text, file=sys.stderr)


def _never_ask(*args: object, **kwargs: object) -> None:
    raise RuntimeError(f"the window asked or warned during the bench: {args[1:]}")


def silence_message_boxes() -> None:
    """A modal message box would hang the bench: make any of them an error instead."""
    for name in ("ask_save_changes", "confirm", "choose", "show_error", "show_info"):
        setattr(messages, name, _never_ask)


def process_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("the window did not get there in time")
        QApplication.processEvents()


def open_window(book: Path, data_dir: Path) -> MainWindow:
    """The main window on ``book``, shown and with its first sheet open."""
    window = MainWindow(Settings(data_dir / "settings.ini"))
    window.session.set_book(Book.open(book, create=False))
    window.resize(*WINDOW_SIZE)
    window.show()

    def ready() -> bool:
        handle = window.windowHandle()
        return handle is not None and handle.isExposed() and window.session.document is not None

    process_until(ready)
    QApplication.processEvents()
    return window


def commit_text(widget: QWidget, text: str) -> None:
    """Send ``text`` to ``widget`` as an IME commits it (as tests/ui/helpers.type_text)."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


class Timer:
    """Times code into a Figure, or profiles it into one cProfile.Profile."""

    def __init__(self, profiler: cProfile.Profile | None) -> None:
        self.profiler = profiler

    @contextmanager
    def measure(self, figure: Figure, *, profile: bool = True) -> Iterator[None]:
        profiler = self.profiler if profile else None
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            if profiler is not None:
                profiler.disable()
            figure.samples.append(ms(elapsed))


def spread_rows(count: int, runs: int, avoid: int) -> list[int]:
    """``runs`` different rows spread over ``count`` rows, in a shuffled order."""
    rows = sorted({min(int((k + 0.5) * count / runs), count - 1) for k in range(runs)} - {avoid})
    random.Random(1).shuffle(rows)
    return rows


def settle(window: MainWindow, timeout: float = 60.0) -> tuple[float, float]:
    """Leave the window alone until the list has laid out every row's texts
    (``LayoutAhead``), as a user looks at it before choosing; (wall, CPU) seconds."""
    ahead = window.list_panel.delegate.ahead
    started, cpu = time.perf_counter(), time.process_time()
    while not ahead.is_done():
        if time.perf_counter() - started > timeout:
            raise RuntimeError("the list was not laid out ahead in time")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    return time.perf_counter() - started, time.process_time() - cpu


def time_select(window: MainWindow, runs: int, timer: Timer, name: str = "select") -> Figure:
    figure = Figure(name, target=TARGETS_MS.get(name))
    panel = window.list_panel
    current_row = panel.table.currentIndex().row()
    title_edit = window.form.edits["title"]
    for row in spread_rows(panel.proxy.rowCount(), runs, current_row):
        index = panel.proxy.index(row, 0)
        sheet_id = index.data(IdRole)
        title = panel.proxy.index(row, Col.TITLE).data()
        with timer.measure(figure):
            panel.table.setCurrentIndex(index)
            QApplication.processEvents()
            if title_edit.text() != title:  # not yet: keep going, and count it
                process_until(lambda t=title: title_edit.text() == t)
        assert window.session.document is not None and window.session.document.sheet.id == sheet_id
        QApplication.processEvents()
    return figure


def time_step_down(window: MainWindow, runs: int, timer: Timer) -> Figure:
    """↓ pressed in the list, as held down: from the key until the next sheet is in the form."""
    figure = Figure("select: ↓ in the list", target=TARGETS_MS["select: ↓ in the list"])
    panel = window.list_panel
    panel.table.setFocus()
    panel.table.setCurrentIndex(panel.proxy.index(panel.proxy.rowCount() // 3, 0))
    process_until(lambda: window.session.document is not None)
    title_edit = window.form.edits["title"]
    for _ in range(runs):
        row = panel.table.currentIndex().row() + 1
        title = panel.proxy.index(row, Col.TITLE).data()
        press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier)
        with timer.measure(figure):
            QApplication.sendEvent(panel.table, press)
            QApplication.processEvents()
            if title_edit.text() != title:
                process_until(lambda t=title: title_edit.text() == t)
        assert panel.table.currentIndex().row() == row
        QApplication.processEvents()
    return figure


def expected_counts(window: MainWindow, words: list[str]) -> dict[str, int]:
    """How many rows the list must show for every prefix of every word (and for "")."""
    panel = window.list_panel
    store = window.session.book
    assert store is not None
    year = panel.report_year()
    years = {
        panel.model.entry(row).id: panel.model.entry(row).report_year
        for row in range(panel.model.rowCount())
    }
    counts = {"": sum(1 for y in years.values() if year is None or y == year)}
    for word in words:
        for end in range(1, len(word) + 1):
            prefix = word[:end]
            ids = store.search_ids(prefix)
            counts[prefix] = sum(1 for i in ids if year is None or years.get(i) == year)
    return counts


def time_search(
    window: MainWindow, runs: int, timer: Timer
) -> tuple[Figure, Figure, dict[str, Figure]]:
    """Every keystroke, the emptying of the box, and the keystrokes by prefix."""
    figure = Figure("search", target=TARGETS_MS["search"])
    clearing = Figure("search: empty the box (info)")
    panel = window.list_panel
    edit = panel.search_edit
    words = list(SEARCH_WORDS)
    assert window.session.book is not None
    if SEARCH_DEPARTMENT in window.session.book.departments():
        words.append(SEARCH_DEPARTMENT)
    else:
        words.append(window.session.book.departments()[0])
    counts = expected_counts(window, words)
    by_prefix = {
        prefix: Figure(f"  「{prefix}」 ({count} rows)")
        for prefix, count in counts.items()
        if prefix
    }
    edit.setFocus(Qt.FocusReason.OtherFocusReason)
    QApplication.processEvents()
    for _ in range(runs):
        for word in words:
            for end in range(1, len(word) + 1):
                prefix = word[:end]
                with timer.measure(figure):
                    commit_text(edit, word[end - 1])
                    QApplication.processEvents()
                by_prefix[prefix].samples.append(figure.samples[-1])
                assert edit.text() == prefix, edit.text()
                assert panel.proxy.rowCount() == counts[prefix], (prefix, panel.proxy.rowCount())
            with timer.measure(clearing, profile=False):
                edit.clear()
                QApplication.processEvents()
            assert panel.proxy.rowCount() == counts[""], panel.proxy.rowCount()
    return figure, clearing, by_prefix


def time_save(window: MainWindow, runs: int, timer: Timer) -> Figure:
    figure = Figure("save", target=TARGETS_MS["save"])
    assert window.session.document is not None and window.session.book is not None
    model = window.form.value_table.model
    labels = [label.replace("\n", "") for label in header_labels(window.session.document.sheet)]
    column = next(i for i, label in enumerate(labels) if label.endswith("実績値"))
    actual = column - 3  # 項目, 単位, baseline, then the actuals
    sheet_id = window.session.document.sheet.id
    assert sheet_id is not None
    for run in range(runs):
        value = f"{12_345 + 7 * run:,}"
        assert model.setData(model.index(0, column), value)
        QApplication.processEvents()
        assert window.isWindowModified()
        with timer.measure(figure):
            saved = window.session.save()
        assert saved and not window.isWindowModified()
        assert window.session.book.get_sheet(sheet_id).rows[0].actuals[actual].text == value
        QApplication.processEvents()
    return figure


# --- profiles -----------------------------------------------------------------


def print_profile(title: str, stats_source: cProfile.Profile | Path, limit: int = 25) -> None:
    print(f"\n=== profile: {title} ===")
    stats = pstats.Stats(str(stats_source) if isinstance(stats_source, Path) else stats_source)
    stats.strip_dirs()
    print("--- by own time (tottime)")
    stats.sort_stats("tottime").print_stats(limit)
    print("--- by cumulative time")
    stats.sort_stats("cumulative").print_stats(limit)


# --- results ------------------------------------------------------------------


def report(
    facts: dict[str, str],
    book_note: str,
    main_figures: list[Figure],
    extra: list[Figure],
    start_steps: dict[str, float],
    by_prefix: dict[str, Figure],
    settled: tuple[float, float] | None = None,
) -> tuple[str, str]:
    """The terminal text and the RESULTS.md section; ``settled``: how long (wall, CPU
    seconds) the list took to lay its rows out ahead before the select figures."""
    rows = table_rows(main_figures)
    extra_rows = table_rows(extra)
    prefix_rows = table_rows(list(by_prefix.values()))
    steps = " → ".join(f"{label} {value:.0f}" for label, value in start_steps.items())
    ahead = (
        []
        if settled is None
        else [
            f"The selects after the first were timed once the list had laid out its rows"
            f" ahead (as a user looks at the window before choosing): {settled[0]:.1f} s"
            f" after the first selects, {settled[1]:.1f} s of CPU.",
            "",
        ]
    )
    machine = (
        f"{facts['cpu']}, {facts['cpus']} CPUs; {facts['os']}; Python {facts['python']}; "
        f"{facts['qt']}; QT_QPA_PLATFORM={facts['qpa']}"
    )
    if "gauge" in facts:
        machine += (
            f'; speed gauge (`python -c "{GAUGE_CODE}"`, median of {GAUGE_RUNS})'
            f" {facts['gauge']} ms before and after the figures"
        )
    terminal = "\n".join(
        [
            f"commit {facts['commit']}",
            f"machine: {machine}",
            f"book: {book_note}",
            "",
            text_table(TABLE_HEADER, rows + extra_rows),
            "",
            f"start, median ms of each step: {steps}",
            "",
            *ahead,
        ]
        + (
            ["", "search keystrokes by the text in the box:", text_table(TABLE_HEADER, prefix_rows)]
            if prefix_rows
            else []
        )
    )
    command = " ".join([".venv/bin/python", "bench/bench_window.py", *sys.argv[1:]])
    section = "\n".join(
        [
            f"## {now_stamp()} — commit {facts['commit']}",
            "",
            f"- Command: `{command}`",
            f"- Machine: {machine}",
            f"- Book: {book_note}",
            "- A figure passes when its median is within its target.",
            "",
            markdown_table(TABLE_HEADER, rows + extra_rows),
            "",
            f"Start, median ms of each step (child's clock readings): {steps}.",
            "",
            *ahead,
        ]
        + (
            [
                "Search keystrokes by the text in the box after the keystroke:",
                "",
                markdown_table(TABLE_HEADER, [[row[0].strip(), *row[1:]] for row in prefix_rows]),
                "",
            ]
            if prefix_rows
            else []
        )
    )
    return terminal, section


RESULTS_INTRO = """# Benchmark results

Figures of `bench/bench_window.py` (see `bench/README.md`), newest last. Each
section says the date, the commit, the machine and the command; times are in
milliseconds, with the median, min and max of the repeated runs. Targets (on
the 2-core reference machine): start ≤ 600 ms (the 15-sheet sample ≤ 450 ms),
from source and frozen; select ≤ 20 ms (a jump across the book and ↓ in the
list), search ≤ 20 ms per keystroke, save ≤ 5 ms.
"""


def append_results(section: str) -> None:
    append_section(section, RESULTS_INTRO, RESULTS)


# --- main ---------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the main window on a big book.")
    parser.add_argument("--book", type=Path, help="an existing book (copied, never changed)")
    parser.add_argument("--sheets", type=positive, default=5000, help="sheets of a made book")
    parser.add_argument("--runs", type=positive, default=20, help="runs of select/search/save")
    parser.add_argument("--start-runs", type=positive, default=15, help="runs of start")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--profile", action="store_true", help="profile instead of timing")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--exe",
        type=Path,
        metavar="PATH",
        help="also time the start of this frozen program (dist/KPIDesk/KPIDesk)",
    )
    parser.add_argument(
        "--start-only", action="store_true", help="only the start figures (no select/search/save)"
    )
    parser.add_argument(
        "--imports",
        action="store_true",
        help=f"only list the {IMPORTS_SHOWN} heaviest imports of the start (-X importtime)",
    )
    args = parser.parse_args(argv)
    if args.write and args.profile:
        parser.error("--profile distorts the times; it cannot be used with --write")
    if args.exe is not None:
        args.exe = args.exe.resolve()
        if not args.exe.is_file() or not os.access(args.exe, os.X_OK):
            parser.error(f"not a program: {args.exe}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    folder = Path(tempfile.mkdtemp(prefix="kpidesk-bench-"))
    if folder.resolve().is_relative_to(REPO):
        raise SystemExit(f"the temporary folder is inside the repository: {folder}")
    os.environ["KPIDESK_DATA_DIR"] = str(folder / "data")
    try:
        return run(args, folder)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: Path) -> int:
    facts = machine_facts()
    gauge_before = speed_gauge()
    if args.book is not None:
        big = copy_book(args.book, folder, "bench.kpidb")
        with Book.open(big, create=False) as store:
            book_note = f"{args.book} ({store.count_sheets():,} sheets), copied to {folder}"
    else:
        big = make_big_book(folder, args.sheets)
        book_note = (
            f"{args.sheets:,} sheets made by `bench/make_book.py --sheets {args.sheets}`"
            f" (seed 1) in {folder}"
        )
    size_mb = big.stat().st_size / 1e6
    book_note += f", {size_mb:.1f} MB"
    sample = folder / "sample.kpidb"
    samples.create_sample_book(sample).close()

    if args.profile:
        return profile_all(args, folder, big, sample)
    if args.imports:
        print(f"commit {facts['commit']}\nbook: {book_note}\n")
        print(f"the heaviest imports of the start, median of {IMPORT_RUNS} runs:")
        print(text_table(IMPORTS_HEADER, time_imports(big, folder / "start")))
        return 0

    print("start ...", flush=True)
    start, start_steps = time_start(big, args.start_runs, folder / "start", "start")
    start.target = TARGETS_MS["start"]
    start_sample, _ = time_start(
        sample, args.start_runs, folder / "start", "start: 15-sheet sample"
    )
    start_sample.target = TARGETS_MS["start: 15-sheet sample"]
    starts = [start, start_sample]
    if args.exe is not None:
        print(f"start of {args.exe} ...", flush=True)
        frozen = time_frozen_start(
            args.exe, big, args.start_runs, folder / "start", "start (frozen)"
        )
        frozen.target = TARGETS_MS["start"]
        frozen_sample = time_frozen_start(
            args.exe, sample, args.start_runs, folder / "start", "start (frozen): 15-sheet sample"
        )
        frozen_sample.target = TARGETS_MS["start: 15-sheet sample"]
        starts += [frozen, frozen_sample]
    if args.start_only:
        facts["gauge"] = f"{gauge_before:.0f} / {speed_gauge():.0f}"
        return finish(args, report(facts, book_note, starts, [], start_steps, {}), starts)

    from ui.app import create_application

    qInstallMessageHandler(_qt_messages)
    create_application()
    silence_message_boxes()
    window = open_window(copy_book(big, folder, "window.kpidb"), folder / "data")
    timer = Timer(None)
    print("select ...", flush=True)
    # At once, before the list has laid its rows out ahead (each select pauses that).
    select_at_once = time_select(window, args.runs, timer, SELECT_AT_ONCE)
    settled = settle(window)
    select = time_select(window, args.runs, timer)
    step_down = time_step_down(window, args.runs, timer)
    print("search ...", flush=True)
    search, clearing, by_prefix = time_search(window, args.runs, timer)
    print("save ...", flush=True)
    save = time_save(window, args.runs, timer)
    window.close()

    main_figures = [*starts, select, step_down, search, save]
    facts["gauge"] = f"{gauge_before:.0f} / {speed_gauge():.0f}"
    tables = report(
        facts, book_note, main_figures, [select_at_once, clearing], start_steps, by_prefix, settled
    )
    return finish(args, tables, main_figures)


def finish(args: argparse.Namespace, tables: tuple[str, str], figures: list[Figure]) -> int:
    """Print the report, append it to RESULTS.md with ``--write``; 0 when every figure passes."""
    terminal, section = tables
    print()
    print(terminal)
    if args.write:
        append_results(section)
        print(f"\nappended to {RESULTS.relative_to(REPO)}")
    return 0 if all(f.verdict == "pass" for f in figures) else 1


def profile_all(args: argparse.Namespace, folder: Path, big: Path, sample: Path) -> int:
    """Each figure once more under cProfile; print the hot spots."""
    start_once(big, folder / "start" / "warm")  # warm-up, not profiled
    start_profile = folder / "start.prof"
    start_once(big, folder / "start" / "profiled", start_profile)
    print_profile("start (child process, one run)", start_profile)

    from ui.app import create_application

    qInstallMessageHandler(_qt_messages)
    create_application()
    silence_message_boxes()
    window = open_window(copy_book(big, folder, "window.kpidb"), folder / "data")
    for name, function in (
        ("select", time_select),
        ("select_down", time_step_down),
        ("search", lambda w, r, t: time_search(w, r, t)[0]),
        ("save", time_save),
    ):
        profiler = cProfile.Profile()
        figure = function(window, args.runs, Timer(profiler))
        path = folder / f"{name}.prof"
        profiler.dump_stats(path)
        print_profile(f"{name} ({len(figure.samples)} timed runs under the profiler)", path)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
