"""Starting the window: the application object, fonts, translation, first book."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import traceback
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, QTimer, QTranslator
from PySide6.QtGui import QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QWidget

from kpidesk import APP_NAME, APP_TITLE, ORGANIZATION, __version__
from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from kpidesk.paths import BOOK_SUFFIX, Whereabouts, log_file, whereabouts
from kpidesk.printing import fonts
from kpidesk.resources import resource_path
from ui.settings import Settings

if TYPE_CHECKING:  # imported by show_window, after the application is made
    from ui.main_window import MainWindow

APP_FONT_POINT_SIZE = 10
DEFAULT_BOOK_FOLDER = "KPI Desk"
DEFAULT_BOOK_NAME = "KPI分析シート" + BOOK_SUFFIX


def install_translation(app: QApplication) -> None:
    """Let Qt's own dialogs and buttons speak Japanese (the bundled qtbase_ja.qm)."""
    translator = QTranslator(app)
    # By its file name: a QLocale would make PySide build its 800 language,
    # country and script names at every start.
    if translator.load("qtbase_ja", str(resource_path("translations"))):
        app.installTranslator(translator)


def paint_in_place(environ: MutableMapping[str, str] = os.environ) -> None:
    """Have Qt fill shapes on the thread that paints, not on its thread pool.

    Qt's raster engine hands each fill of 96 or more lines (a scroll bar's
    gradient, a column of the list) to a pool of threads and waits for them.
    For a window's widgets the hand-off costs more than the fill: on a 2-core
    PC a scroll bar took 2.5 ms to paint, 0.3 ms in place. Read by Qt once,
    at its first such fill, so set before the application paints; a value
    the user set is kept.
    """
    environ.setdefault("QT_NO_GUI_THREADPOOL", "1")


def create_application(argv: Sequence[str] = ()) -> QApplication:
    """The QApplication with KPI Desk's names, font and translation."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        paint_in_place()
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication([APP_NAME, *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    app.setFont(QFont(fonts.load_fonts(), APP_FONT_POINT_SIZE))
    app.setWindowIcon(QIcon(str(resource_path("icons", "kpidesk.png"))))
    install_translation(app)
    return app


def default_book_path() -> Path:
    """Where the first book is made: ``Documents/KPI Desk/KPI分析シート.kpidb``."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents or Path.home()) / DEFAULT_BOOK_FOLDER / DEFAULT_BOOK_NAME


@dataclass
class InitialBook:
    """The book the window starts with, and what to tell the user about it.

    Attributes:
        book: the open book, or None when none could be opened.
        message: a sentence for the user ("" when there is nothing to say).
        is_error: True when ``message`` reports a failure.
        remember: True when the book should become the last book used.
        lost: the last book, when it could not be found or reached: the
            window asks what to do (``book`` is None and nothing else was opened).
        lost_how: whether ``lost`` is missing or out of reach.
        refused_text: what to say, above the reason, when the check of the
            book's pages still running (``Book.confirm_pages``) finds it damaged.
    """

    book: Book | None
    message: str = ""
    is_error: bool = False
    remember: bool = True
    lost: Path | None = None
    lost_how: Whereabouts | None = None
    refused_text: str = ""

    def confirmed(self) -> InitialBook:
        """This, once its book's pages have been checked; else the error the check ends in.

        The window calls this when it is built, just before it shows the
        book: the check has been reading meanwhile. A damaged book is closed
        and reported as opening it would have been.
        """
        if self.book is None:
            return self
        try:
            self.book.confirm_pages()
        except BookError as error:
            self.book.close()
            return InitialBook(None, f"{self.refused_text}\n{error}", is_error=True)
        return self


def _open_checking_later(path: Path, refused_text: str) -> InitialBook:
    """Open an existing book whose pages are checked while the window is built.

    Raises:
        BookError: as ``Book.open``, for everything but damaged pages.
    """
    book = Book.open(path, create=False, check_pages_later=True)
    return InitialBook(book, refused_text=refused_text)


def open_initial_book(file: Path | None, demo: bool, settings: Settings) -> InitialBook:
    """Choose and open the first book: FILE, the demo copy, the last book or a new one.

    A last book that cannot be found or reached is never replaced quietly by
    another one: nothing is opened and the window asks (:attr:`InitialBook.lost`).
    """
    if demo:
        # Imported only to make a book of them: samples needs the text import.
        from kpidesk import samples

        folder = Path(tempfile.mkdtemp(prefix="kpidesk-demo-"))
        book = samples.create_sample_book(folder / "デモ.kpidb")
        return InitialBook(book, remember=False)
    if file is not None:
        refused = f"ブックを開けません: {file}"
        try:
            return _open_checking_later(file, refused)
        except BookError as error:
            return InitialBook(None, f"{refused}\n{error}", is_error=True)
    if settings.last_book:
        last = Path(settings.last_book)
        where = whereabouts(last)
        if where is not Whereabouts.FOUND:
            return InitialBook(None, lost=last, lost_how=where)
        refused = f"前回のブックを開けません: {last}"
        try:
            return _open_checking_later(last, refused)
        except BookError as error:
            return InitialBook(None, f"{refused}\n{error}", is_error=True)
    return open_default_book()


def open_default_book(*, first_start: bool = True) -> InitialBook:
    """Open the book in Documents, making it with the sample sheets the first time.

    ``first_start`` false: it is opened instead of a book that cannot be
    reached, and the message says so rather than welcoming a new user.
    """
    path = default_book_path()
    try:
        there = path.exists()
    except OSError as error:  # Documents redirected to a network folder that is down
        text = f"ブックのフォルダに接続できません: {path}\n{error}"
        return InitialBook(None, text, is_error=True)
    if there:
        refused = f"ブックを開けません: {path}"
        try:
            return _open_checking_later(path, refused)
        except BookError as error:
            return InitialBook(None, f"{refused}\n{error}", is_error=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        from kpidesk import samples

        book = samples.create_sample_book(path)
    except (OSError, BookError) as error:
        return InitialBook(None, f"ブックを作れません: {path}\n{error}", is_error=True)
    if not first_start:
        return InitialBook(
            book,
            "見本のシート（熊本県 令和2年度の15件）で新しいブックを作りました:\n"
            f"{path}\n前回のブックに接続できるようになったら、「ファイル」→"
            "「最近使ったブック」から開けます。",
        )
    return InitialBook(
        book,
        "初めての起動のため、見本のシート（熊本県 令和2年度の15件）で"
        f"新しいブックを作りました:\n{path}",
    )


def lost_book_text(path: Path, how: Whereabouts, *, last: bool) -> str:
    """Why the book at ``path`` cannot be opened now, in words staff understand."""
    which = "前回使ったブック" if last else "ブック"
    if how is Whereabouts.MISSING:
        return (
            f"{which}が見つかりません:\n{path}\n\n"
            f"フォルダ「{path.parent}」はありますが、ファイルがありません。"
            "削除されたか、名前が変わったか、別の場所へ移動された可能性があります。"
        )
    return (
        f"{which}のある場所に接続できません:\n{path}\n\n"
        "ネットワークの共有フォルダが切断されているか、VPNがつながっていないか、"
        "ネットワークドライブがまだ再接続されていない可能性があります"
        "（フォルダが移動・削除されたときも、このように見えます）。"
        "ブックはそのまま残っているはずです。接続を確かめてから「再試行」を押してください。"
    )


def install_excepthook(window: QWidget) -> None:
    """Log unexpected errors to the user's data folder and show them; keep the window open."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        path = log_file()
        try:
            with path.open("a", encoding="utf-8") as log:
                log.write(f"--- {datetime.now().isoformat(timespec='seconds')}\n")
                log.write("".join(traceback.format_exception(kind, error, trace)))
        except OSError:
            path = None
        from ui.dialogs import messages

        where = f"\n詳細は記録しました: {path}" if path is not None else ""
        messages.show_error(
            window,
            f"予期しないエラーが発生しました（{kind.__name__}: {error}）。\n"
            f"開いているシートはそのままです。保存してから作業を続けてください。{where}",
        )

    sys.excepthook = hook


def parse_gui_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """``[FILE]`` and ``--demo``."""
    parser = argparse.ArgumentParser(prog="kpidesk", description="KPI Desk")
    parser.add_argument("file", nargs="?", type=Path, help="開くブック（.kpidb）")
    parser.add_argument("--demo", action="store_true", help="見本のシートの一時的なコピーで開く")
    return parser.parse_args(list(argv))


def prepare_start(argv: Sequence[str]) -> tuple[QApplication, Settings, InitialBook]:
    """The first half of :func:`run`: the application, the settings and the first book."""
    args = parse_gui_arguments(argv)
    app = create_application()
    settings = Settings()
    return app, settings, open_initial_book(args.file, args.demo, settings)


def show_window(settings: Settings, initial: InitialBook) -> MainWindow:
    """The second half of :func:`run`: the window, shown on the first book.

    The window is ready once :func:`window_ready` says so; the smoke test's
    start-up probe (``--smoke-test --open BOOK``) times these two halves.
    """
    from ui.main_window import MainWindow

    window = MainWindow(settings)
    install_excepthook(window)
    window.show()
    window.files.show_initial_book(initial)
    window.after_first_paint(resume_garbage_collection)
    return window


def resume_garbage_collection() -> None:
    """Turn Python's garbage collector on again once the window is shown.

    ``main.py`` turns it off before the window's imports: the start makes
    a great many objects that all stay (Qt's types and enums, the modules,
    the widgets), and the collector walked them again and again while they
    were made (2 % of the start). They are then moved out of its way for
    good (``gc.freeze``), so a full collection walks only what came after and
    holds up no keystroke. A collector that is on (tests, the subcommands)
    is left as it is.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def window_ready(window: MainWindow) -> bool:
    """Whether the start is over: the window exposed, its list filled, the first sheet shown.

    What the start-up figures time to, from source (``bench/bench_window.py``)
    and frozen (``KPIDesk --smoke-test --open BOOK``). Only the first row is
    looked at: asking for every row would add work of its own.
    """
    from ui.sheet_list import IdRole

    handle = window.windowHandle()
    if not window.isVisible() or handle is None or not handle.isExposed():
        return False
    proxy = window.list_panel.proxy
    document = window.session.document
    if proxy.rowCount() == 0 or document is None:
        return False
    return (
        document.sheet.id == proxy.index(0, 0).data(IdRole)
        and window.form.edits["title"].text() == document.sheet.title
    )


def run(argv: Sequence[str]) -> int:
    """Open the window and run until it closes; return the exit code."""
    app, settings, initial = prepare_start(argv)
    window = show_window(settings, initial)
    QTimer.singleShot(0, window.drafts.offer_drafts)
    return app.exec()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
