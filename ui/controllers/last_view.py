"""Where the user left each book: the open sheet, the report year and the list's filters.

Reopening a book (at the next start, or from 最近使ったブック) brings them
back. They are kept per book path in the settings (``books/views``), for the
most recent books only; what no longer exists (a deleted sheet, a
department gone from the book) quietly falls back to the usual start.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QGuiApplication

from kpidesk.book.store import Book
from ui.controllers.base import Controller

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: How many books' places are remembered.
MAX_BOOKS = 20
#: The place is written to the settings this long after it last changed (ms):
#: writing the settings file at each keystroke of a search or each sheet
#: chosen with the arrow keys would cost more than the change itself.
WRITE_DELAY_MS = 1000


def _plain(value: object) -> bool:
    """A filter's value as this program writes it: a short text or a year-sized number."""
    if isinstance(value, str):
        return len(value) <= 1000
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**6


class LastView(Controller):
    """Remembers and brings back the place in each book."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._restoring = False
        #: The places to write, as JSON, while the write waits for the timer.
        self._pending: str | None = None
        self._write_timer = QTimer(self)
        self._write_timer.setSingleShot(True)
        self._write_timer.setInterval(WRITE_DELAY_MS)
        self._write_timer.timeout.connect(self.flush)
        # Windows ends a program at log-off without closing its window.
        application = QGuiApplication.instance()
        if isinstance(application, QGuiApplication):
            application.aboutToQuit.connect(self.flush)
            application.commitDataRequest.connect(self._on_commit_data)
        panel = window.list_panel
        for signal in (panel.year_combo.currentIndexChanged,
                       panel.department_combo.currentIndexChanged,
                       panel.rank_combo.currentIndexChanged, panel.search_edit.textChanged,
                       window.session.document_changed):  # fmt: skip
            signal.connect(self.remember)

    def _views(self) -> dict[str, dict[str, Any]]:
        text = self._pending if self._pending is not None else self.window.settings.book_views
        try:
            views = json.loads(text or "{}")
        except (ValueError, RecursionError):  # an edited or damaged settings file
            return {}
        return views if isinstance(views, dict) else {}

    @Slot()
    def remember(self) -> None:
        """Keep the shown book's place (called whenever it changes), written a moment later."""
        book = self.session.book
        if self._restoring or book is None or book.path is None:
            return
        views = self._views()
        key = str(book.path)
        view = views.pop(key, {})
        if not isinstance(view, dict):
            view = {}
        panel = self.window.list_panel
        view.update(
            year=panel.year_combo.currentData(),
            department=panel.department_combo.currentData(),
            rank=panel.rank_combo.currentData(),
            search=panel.search_edit.text(),
        )
        document = self.session.document
        if document is not None and document.sheet.id is not None:
            view["sheet"] = document.sheet.id
        views[key] = view
        kept = list(views.items())[-MAX_BOOKS:]
        self._pending = json.dumps(dict(kept), ensure_ascii=False)
        self._write_timer.start()

    def _on_commit_data(self, manager: object) -> None:
        self.flush()

    @Slot()
    def flush(self) -> None:
        """Write the places kept since the last write (the window closes, the program ends)."""
        self._write_timer.stop()
        if self._pending is not None:
            self.window.settings.book_views, self._pending = self._pending, None

    def restore(self, book: Book) -> int | None:
        """Put back the list's filters of ``book`` as last left.

        Returns:
            The sheet last open in it, if the book still has it (a sheet the
            filters hide comes back with the note that says so, as it was
            left); else None (the caller opens the first sheet shown).
        """
        if book.path is None:
            return None
        view = self._views().get(str(book.path))
        if not isinstance(view, dict):
            return None
        panel = self.window.list_panel
        self._restoring = True
        try:
            for combo, value in ((panel.year_combo, view.get("year")),
                                 (panel.department_combo, view.get("department")),
                                 (panel.rank_combo, view.get("rank"))):  # fmt: skip
                index = combo.findData(value) if _plain(value) else 0
                if index >= 0:
                    combo.setCurrentIndex(index)
            search = view.get("search")
            panel.search_edit.setText(search if isinstance(search, str) else "")
        finally:
            self._restoring = False
        sheet = view.get("sheet")
        return sheet if isinstance(sheet, int) and panel.model.row_of(sheet) is not None else None
