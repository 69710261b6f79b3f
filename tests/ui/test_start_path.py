"""Starting the window: what it imports, and what it leaves until it is shown.

The start of the window is timed by ``bench/bench_window.py``; these tests
time nothing. They keep what made the start quick from coming back
quietly (a module-level import of Excel, PDF or sqlite-utils somewhere on
the way), and check that the work left until the window is shown is still
done, and done before it matters.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from kpidesk import __version__, samples
from kpidesk.book import backups, lock
from kpidesk.book.store import Book
from tests.conftest import damage_a_page, python_output
from ui import app as app_module
from ui.dialogs import messages
from ui.main_window import MainWindow
from ui.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

#: Modules the window must not import to show a book: each is imported by the
#: menu item, dialog or first write that needs it.
NOT_AT_START = (
    "openpyxl",  # Excel
    "sqlite_utils",  # the book's writes (its plugin manager, click, dateutil)
    "pluggy",
    "click",
    "dateutil",
    "importlib.metadata",  # the licences of the About box
    "multiprocessing",  # left out of the frozen program (build.spec)
    "kpidesk.cli",
    "kpidesk.samples",
    "kpidesk.exchange.textimport",
    "kpidesk.exchange.excel_reader",
    "kpidesk.exchange.excel_writer",
    "kpidesk.exchange.evaluation_workbook",
    "kpidesk.printing.paint",
    "kpidesk.printing.layout",  # the page geometry of PDF and print
    "kpidesk.printing.manual_pdf",
    "kpidesk.licences",
    "kpidesk.manual",
    "kpidesk.collect",
    "kpidesk.merge",
    "kpidesk.handout",
    "kpidesk.sendback",
    "kpidesk.evaluation_summary",
    "ui.dialogs.about",
    "ui.dialogs.cycle",
    "ui.dialogs.manual",
    "ui.controllers.exchange",
    "ui.controllers.printing",
    "ui.controllers.summary",
)

#: What ``python main.py BOOK`` does up to the window shown and its events
#: run (the day's backup, the offer of drafts), without ``app.exec()``; it
#: prints the modules then imported.
CHILD = """
import json, sys
import main
from kpidesk import SUBCOMMANDS
from ui import app as ui_app
from ui.main_window import MainWindow
from ui.settings import Settings

args = ui_app.parse_gui_arguments([sys.argv[1]])
application = ui_app.create_application()
settings = Settings()
initial = ui_app.open_initial_book(args.file, args.demo, settings)
assert initial.book is not None, initial.message
window = MainWindow(settings)
window.show()
window.files.show_initial_book(initial)
window.drafts.offer_drafts()
for _ in range(5):
    application.processEvents()
assert window.session.document is not None and window.list_panel.sheet_count() == 15
print(json.dumps(sorted(sys.modules)))
"""


def test_the_window_starts_without_excel_pdf_or_sqlite_utils(tmp_path: Path) -> None:
    book = tmp_path / "見本.kpidb"
    samples.create_sample_book(book).close()
    env = dict(os.environ, KPIDESK_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    imported = set(json.loads(python_output(CHILD, str(book), env=env)[-1]))
    assert "ui.main_window" in imported and "kpidesk.book.store" in imported
    assert sorted(name for name in NOT_AT_START if name in imported) == []
    # Installed for development as a path, not an import hook loaded at every start.
    assert [name for name in imported if name.startswith("__editable__")] == []
    # The day's backup was taken once the window was shown.
    assert [b.reason for b in backups.list_backups(book)] == ["開いたとき"]


def test_pyside_imports_its_signature_support_compiled_from_files() -> None:
    # Not from the copy zipped in shiboken6's library, which every start would
    # compile again (tools/signature_files.py, run by make when it installs).
    printed = python_output(
        "import sys, PySide6.QtWidgets\n"
        "loader = sys.modules['shibokensupport.signature.loader']\n"
        "print(loader.__file__); print(loader.__cached__)"
    )
    source, compiled = (Path(line) for line in printed)
    assert source.is_file() and compiled.is_file()
    assert source.relative_to(source.parents[3]).parts[0] == "files.dir"


def remove_backups(book: Path) -> None:
    """No backup of ``book`` yet: as on the first start of a day."""
    for backup in backups.list_backups(book):
        backup.path.unlink()


def test_the_days_backup_waits_for_the_window_to_be_shown(
    window: MainWindow, demo_book: Path
) -> None:
    window.session.set_book(None)
    remove_backups(demo_book)
    assert window.session.open_book(demo_book)
    assert backups.list_backups(demo_book) == []  # the list and the form come first
    QApplication.processEvents()
    assert [b.reason for b in backups.list_backups(demo_book)] == ["開いたとき"]
    QApplication.processEvents()
    assert len(backups.list_backups(demo_book)) == 1


def test_the_days_backup_is_taken_before_a_write_that_comes_first(
    window: MainWindow, demo_book: Path
) -> None:
    window.session.set_book(None)
    remove_backups(demo_book)
    assert window.session.open_book(demo_book)
    book = window.session.book
    assert book is not None
    sheet = book.get_sheet(book.list_entries()[0].id)
    title = sheet.title
    sheet.title = "開いてすぐに保存したKPI名"
    book.save_sheet(sheet)  # before the window has had its events

    [opening] = backups.list_backups(demo_book)
    assert opening.reason == "開いたとき"
    with Book.open(opening.path, read_only=True) as copy:
        assert copy.get_sheet(sheet.id).title == title  # the book as it was opened
    QApplication.processEvents()
    assert len(backups.list_backups(demo_book)) == 1  # not taken twice


@pytest.fixture
def blank_window(qtbot, app, settings: Settings, answers):
    """A window with no book, as at start-up before the first book is shown."""
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.session.close_book()


def test_the_book_opened_at_start_is_shown_without_opening_it_again(
    blank_window: MainWindow, settings: Settings, demo_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    initial = app_module.open_initial_book(demo_book, False, settings)
    assert initial.book is not None
    opened_again: list[object] = []
    real_open = Book.open
    monkeypatch.setattr(
        Book,
        "open",
        lambda *args, **kwargs: opened_again.append(args) or real_open(*args, **kwargs),
    )
    blank_window.files.show_initial_book(initial)
    assert blank_window.session.book is initial.book  # every page is not checked twice
    assert opened_again == []
    held = blank_window.session.book_lock
    assert held is not None and lock.read_lock(demo_book).is_same_owner(held.info)
    assert not blank_window.session.book.read_only


def test_a_book_found_damaged_while_the_window_was_built_is_not_shown(
    blank_window: MainWindow, settings: Settings, answers, tmp_path: Path, qtbot
) -> None:
    path = tmp_path / "壊れたブック.kpidb"
    with Book.open(path) as book:
        book.import_sheets(samples.sample_sheets())
        book.import_sheets([replace(s, no=f"{s.no}-2") for s in samples.sample_sheets()])
    damage_a_page(path)
    before = path.read_bytes()
    initial = app_module.open_initial_book(path, False, settings)
    assert initial.book is not None  # header, marks and schema passed; the pages were being read
    blank_window.files.show_initial_book(initial)
    assert blank_window.session.book is None
    assert blank_window.list_panel.sheet_count() == 0
    qtbot.waitUntil(lambda: bool(answers.errors))
    assert f"ブックを開けません: {path}" in answers.errors[-1] and "壊れて" in answers.errors[-1]
    assert not lock.lock_path(path).exists()
    assert path.read_bytes() == before


def test_a_book_someone_has_open_at_start_is_opened_again_read_only(
    blank_window: MainWindow, settings: Settings, demo_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    initial = app_module.open_initial_book(demo_book, False, settings)
    assert initial.book is not None
    now = datetime.now(UTC)
    info = lock.LockInfo("鈴木", "PC-KIKAKU-07", 4242, now, now, __version__)
    lock.lock_path(demo_book).write_text(info.to_json(), encoding="utf-8")
    monkeypatch.setattr(messages, "choose", lambda *args: 0)  # 読み取り専用で開く
    blank_window.files.show_initial_book(initial)
    shown = blank_window.session.book
    assert shown is not None and shown is not initial.book and shown.read_only
    assert blank_window.session.book_lock is None
    with pytest.raises(sqlite3.ProgrammingError):  # the book opened at start was closed
        initial.book.count_sheets()


@pytest.fixture
def start_window(qtbot, app, settings: Settings, answers, demo_book: Path):
    """Start the window on the demo book as ``run`` does (``prepare_start``'s book,
    then ``show_window``); the book is closed after the test."""
    windows: list[MainWindow] = []

    def start() -> MainWindow:
        initial = app_module.open_initial_book(demo_book, False, settings)
        window = app_module.show_window(settings, initial)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield start
    for window in windows:
        window.session.close_book()


def test_the_program_start_locks_the_book_and_is_ready_with_the_first_sheet_in_the_form(
    start_window, qtbot, demo_book: Path
) -> None:
    """``prepare_start`` and ``show_window``, what ``run`` and the smoke test's probe do."""
    window = start_window()
    held = window.session.book_lock
    assert held is not None and lock.read_lock(demo_book).is_same_owner(held.info)
    qtbot.waitUntil(lambda: app_module.window_ready(window))
    first = window.list_panel.model.entry(0)
    assert window.form.edits["title"].text() == first.title
    assert window.list_panel.proxy.rowCount() == 15
    QApplication.processEvents()
    assert [b.reason for b in backups.list_backups(demo_book)] == ["開いたとき"]


def test_the_start_up_probe_opens_the_book_as_the_program_does(
    tmp_path: Path, demo_book: Path
) -> None:
    """``main.py --smoke-test --open BOOK``: the probe the frozen start is timed with."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        KPIDESK_DATA_DIR=str(tmp_path / "data"),
        TMPDIR=str(tmp_path),
        PYTHONUTF8="1",
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--smoke-test", "--open", str(demo_book)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("smoke test OK: window ready with 15 sheets"), result.stdout
    # The day's backup was taken, as at a start of the program, and the lock given back.
    assert [b.reason for b in backups.list_backups(demo_book)] == ["開いたとき"]
    assert not lock.lock_path(demo_book).exists()


def test_the_days_backup_waits_until_the_window_is_painted(
    qtbot, app, settings: Settings, demo_book: Path, answers
) -> None:
    """At start the window shows first: the copy of a big book on a share takes
    seconds, which a blank window would sit through."""
    remove_backups(demo_book)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    seen_at_paint: list[int] = []

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not seen_at_paint:
                seen_at_paint.append(len(backups.list_backups(demo_book)))
            return False

    watcher = FirstPaint(window)
    window.installEventFilter(watcher)
    window.show()  # as the program starts: shown, then given its book
    initial = app_module.open_initial_book(demo_book, False, settings)
    window.files.show_initial_book(initial)
    qtbot.waitUntil(lambda: len(backups.list_backups(demo_book)) == 1)
    assert seen_at_paint == [0]
    assert window.form.edits["title"].text() != ""
    window.session.close_book()


def test_a_window_not_painted_yet_takes_the_backup_a_moment_later(
    qtbot, app, settings: Settings, demo_book: Path, answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window started minimised is not painted until restored: the backup does not wait."""
    from ui import main_window

    monkeypatch.setattr(main_window, "PAINT_WAIT_MS", 50)
    remove_backups(demo_book)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.setUpdatesEnabled(False)  # shown, but never painted
    window.show()
    window.files.show_initial_book(app_module.open_initial_book(demo_book, False, settings))
    qtbot.waitUntil(lambda: len(backups.list_backups(demo_book)) == 1)
    window.session.close_book()


def test_the_window_start_pauses_the_garbage_collector_and_a_subcommand_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import main
    from kpidesk import cli

    seen: dict[str, bool] = {}
    monkeypatch.setattr(app_module, "run", lambda args: seen.setdefault("window", gc.isenabled()))
    monkeypatch.setattr(cli, "main", lambda args: seen.setdefault("command", gc.isenabled()))
    main.main(["export-json", "--db", "x.kpidb", "-o", "x.json"])
    main.main(["ブック.kpidb"])
    assert seen == {"command": True, "window": False}


def test_the_collector_comes_back_once_the_window_is_painted_past_the_start(
    start_window, qtbot
) -> None:
    gc.disable()  # as main.py does (the conftest turns it on again, whatever happens)
    start_window()
    qtbot.waitUntil(gc.isenabled)
    # What the start made is out of the collector's way for good.
    assert gc.get_freeze_count() > 10_000


def test_a_collector_that_is_on_is_left_as_it_is(start_window, qtbot) -> None:
    window = start_window()
    qtbot.waitUntil(lambda: app_module.window_ready(window))
    QApplication.processEvents()
    assert gc.isenabled() and gc.get_freeze_count() == 0
