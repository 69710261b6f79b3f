"""What every controller of the main window shares."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from kpidesk.book.errors import BookError
from kpidesk.paths import BOOK_SUFFIX
from ui.dialogs import messages

if TYPE_CHECKING:
    from ui.controllers.session import BookSession
    from ui.main_window import MainWindow

#: How long a status-bar message stays (ms).
STATUS_TIMEOUT_MS = 8000

BOOK_FILTER = f"KPI Desk ブック (*{BOOK_SUFFIX});;すべてのファイル (*)"
TEXT_FILTER = "テキスト (*.txt);;すべてのファイル (*)"
JSON_FILTER = "JSON (*.json);;すべてのファイル (*)"
PDF_FILTER = "PDF (*.pdf);;すべてのファイル (*)"
XLSX_FILTER = "Excelブック (*.xlsx);;すべてのファイル (*)"


class Controller(QObject):
    """One part of the window's work. It owns no widgets: it uses the window's
    panels through their public methods and the book through the session.

    Attributes:
        window: the main window (the parent of every dialog the controller shows).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    @property
    def session(self) -> BookSession:
        """The open book and sheet."""
        return self.window.session

    def status(self, text: str, timeout: int = STATUS_TIMEOUT_MS) -> None:
        """Say something quietly in the status bar (0: until the next message)."""
        self.window.statusBar().showMessage(text, timeout)

    def status_with_notes(self, text: str, notes: list[str]) -> None:
        """Say ``text`` and, after it, the notes of the work (kept until the next message)."""
        if notes:
            self.status("。".join([text, *notes]), 0)
        else:
            self.status(text)

    def dialog_folder(self) -> Path:
        """Where file dialogs start: the book's folder, else the home folder."""
        book = self.window.session.book
        if book is not None and book.path is not None:
            return book.path.parent
        return Path.home()

    def report_years(self, cannot: str) -> list[int] | None:
        """The open book's report years; None (and the user told why) when there is no
        book, it cannot be read, or it has no sheets (``cannot``: what cannot be done)."""
        book = self.window.session.book
        if book is None:
            return None
        try:
            years = book.report_years()
        except BookError as error:
            messages.show_error(self.window, f"ブックを読めませんでした。\n{error}")
            return None
        if not years:
            messages.show_error(self.window, f"ブックにシートがないため、{cannot}。")
            return None
        return years


def with_book_suffix(path: Path) -> Path:
    """A file name typed without a suffix gets the book's."""
    return path if path.suffix else path.with_suffix(BOOK_SUFFIX)
