"""The main window: the sheet list on the left, the open sheet's form on the right.

The window only builds widgets, menus and the toolbar, wires them together
and keeps the actions' enablement and the title up to date. The work is done
by the controllers in :mod:`ui.controllers`, one per responsibility.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QPaintEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from kpidesk import APP_TITLE
from ui import actions
from ui.actions import PLANNING_ONLY, Action, explain_off
from ui.controllers.base import STATUS_TIMEOUT_MS
from ui.controllers.book_files import BookFiles
from ui.controllers.cycle import HANDED_OUT_TIP, Cycle
from ui.controllers.drafts import Drafts
from ui.controllers.edit_menu import Clipboard
from ui.controllers.help import Help
from ui.controllers.last_view import LastView
from ui.controllers.session import BookSession
from ui.controllers.view import View
from ui.controllers.zoom import Zoom
from ui.dialogs import messages
from ui.notice_bar import NoticeBar
from ui.settings import Settings
from ui.sheet_form import SheetForm
from ui.sheet_list import SheetListPanel
from ui.year_lock_bar import YearLockBar

if TYPE_CHECKING:
    from ui.controllers.exchange import Exchange
    from ui.controllers.find_replace import FindReplace
    from ui.controllers.printing import Printing
    from ui.controllers.sheets import Sheets
    from ui.controllers.summary import Summary
    from ui.controllers.trash import Trash
    from ui.controllers.years import Years

#: How long work waiting for the window's first paint waits at most (ms).
PAINT_WAIT_MS = 3000


class MainWindow(QMainWindow):
    """KPI Desk's window over one book.

    Attributes:
        settings: the user's settings.
        session: the open book and sheet (:class:`ui.controllers.session.BookSession`).
        files, sheets, exchange, printing, years, summary, drafts, cycle,
            clipboard, zoom, last_view, trash, find_replace, help: the controllers
            that do the menus' work (sheets, exchange, printing, years,
            summary, trash and find_replace are made when first used, so that
            their imports do not slow the start).
        view: the window on the screen (its size, the list folded away).
        list_panel, form, book_notice_bar, year_lock_bar: the panels.
        actions: every action, by its key.
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings
        #: What waits for the window's first paint (:meth:`after_first_paint`).
        self._waiting_for_paint: list[Callable[[], None]] | None = []

        self.list_panel = SheetListPanel()
        self.form = SheetForm()
        self.book_notice_bar = NoticeBar("bookNoticeBar")
        self.year_lock_bar = YearLockBar()
        form_pane = QWidget()
        form_pane.setObjectName("formPane")
        form_layout = QVBoxLayout(form_pane)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.setSpacing(2)
        form_layout.addWidget(self.book_notice_bar)
        form_layout.addWidget(self.year_lock_bar)
        form_layout.addWidget(self.form, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.list_panel)
        self.splitter.addWidget(form_pane)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.setCentralWidget(self.splitter)

        self.session = BookSession(self)
        self.files = BookFiles(self)
        self.drafts = Drafts(self)
        self.cycle = Cycle(self)
        self.clipboard = Clipboard(self)
        self.zoom = Zoom(self)
        self.last_view = LastView(self)
        self.view = View(self)
        self.help = Help(self)

        handlers = self._action_handlers()
        self.actions: dict[Action, QAction] = {
            key: actions.create_action(key, self, handlers[key]) for key in Action
        }
        self.recent_menu = QMenu("最近使ったブック(&R)", self)
        self.recent_menu.setObjectName("recentMenu")
        self._build_menus()
        self._build_toolbar()
        self.book_label = QLabel()
        self.statusBar().addPermanentWidget(self.book_label)

        self._connect_signals()
        self.view.restore_geometry()
        self.zoom.restore()
        self.update_title()
        self.update_actions()

    # --- the controllers made when first used (their imports wait with them)

    @functools.cached_property
    def sheets(self) -> Sheets:
        from ui.controllers.sheets import Sheets

        return Sheets(self)

    @functools.cached_property
    def exchange(self) -> Exchange:
        from ui.controllers.exchange import Exchange

        return Exchange(self)

    @functools.cached_property
    def printing(self) -> Printing:
        from ui.controllers.printing import Printing

        return Printing(self)

    @functools.cached_property
    def years(self) -> Years:
        from ui.controllers.years import Years

        return Years(self)

    @functools.cached_property
    def summary(self) -> Summary:
        from ui.controllers.summary import Summary

        return Summary(self)

    @functools.cached_property
    def trash(self) -> Trash:
        from ui.controllers.trash import Trash

        return Trash(self)

    @functools.cached_property
    def find_replace(self) -> FindReplace:
        from ui.controllers.find_replace import FindReplace

        return FindReplace(self)

    # --- building

    def _action_handlers(self) -> dict[Action, Callable[[], object]]:
        """What each action does: one table, so that grep finds every handler.

        The handlers of controllers made when first used are looked up when
        the action is triggered.
        """
        session, files = self.session, self.files
        return {
            Action.NEW_BOOK: files.new_book,
            Action.OPEN_BOOK: files.open_book,
            Action.SAVE_BOOK_AS: files.ask_save_book_as,
            Action.SAVE: session.save,
            Action.RESTORE_BACKUP: files.ask_restore_backup,
            Action.IMPORT_TEXT: lambda: self.exchange.ask_import_text(),
            Action.IMPORT_JSON: lambda: self.exchange.ask_import_json(),
            Action.IMPORT_XLSX: lambda: self.exchange.ask_import_xlsx(),
            Action.EXPORT_JSON: lambda: self.exchange.ask_export_json(),
            Action.EXPORT_PDF: lambda: self.printing.ask_export_pdf(),
            Action.EXPORT_XLSX: lambda: self.exchange.ask_export_xlsx(),
            Action.EXPORT_XLSX_DEPARTMENTS: lambda: self.exchange.ask_export_xlsx_by_department(),
            Action.EXPORT_SUMMARY: lambda: self.exchange.ask_export_evaluation_table(),
            Action.EXCEL_TEMPLATE: lambda: self.exchange.ask_excel_template(),
            Action.PRINT: lambda: self.printing.ask_print(),
            Action.PRINT_PREVIEW: lambda: self.printing.ask_print_preview(),
            Action.QUIT: self.close,
            Action.UNDO: session.undo_group.undo,
            Action.REDO: session.undo_group.redo,
            Action.CUT: self.clipboard.cut,
            Action.COPY: self.clipboard.copy,
            Action.PASTE: self.clipboard.paste,
            Action.SELECT_ALL: self.clipboard.select_all,
            Action.FIND: self.view.find,
            Action.FIND_REPLACE: lambda: self.find_replace.show_find_replace(),
            Action.ZOOM_IN: self.zoom.zoom_in,
            Action.ZOOM_OUT: self.zoom.zoom_out,
            Action.ZOOM_RESET: self.zoom.reset,
            Action.NEW_SHEET: lambda: self.sheets.new_sheet(),
            Action.DUPLICATE_SHEET: lambda: self.sheets.duplicate_sheet(),
            Action.DELETE_SHEET: lambda: self.sheets.delete_sheet(),
            Action.TRASH: lambda: self.trash.show_trash(),
            Action.HISTORY: lambda: self.sheets.show_history(),
            Action.EVALUATION_SETTINGS: lambda: self.years.ask_evaluation_settings(),
            Action.SUMMARY: lambda: self.summary.show_summary(),
            Action.ROLLOVER: lambda: self.years.ask_rollover(),
            Action.LOCK_YEAR: lambda: self.years.ask_lock_year(),
            Action.UNLOCK_YEAR: lambda: self.years.ask_unlock_year(),
            Action.DISTRIBUTE: self.cycle.ask_distribute,
            Action.COLLECT: self.cycle.ask_collect,
            Action.SUBMISSION_STATUS: self.cycle.show_status,
            Action.TOGGLE_LIST: self.view.toggle_list,
            Action.MANUAL: self.help.show_context_manual,
            Action.SHORTCUTS: self.help.show_shortcuts,
            Action.MANUAL_PDF: self.help.ask_save_manual_pdf,
            Action.ABOUT: self.help.show_about,
        }

    def _build_menus(self) -> None:
        for title, keys in actions.MENUS:
            menu = self.menuBar().addMenu(title)
            for key in keys:
                if key is None:
                    menu.addSeparator()
                    continue
                menu.addAction(self.actions[key])
                if key == actions.RECENT_AFTER:
                    menu.addMenu(self.recent_menu)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("ツールバー")
        toolbar.setObjectName("mainToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setMovable(False)
        for key in actions.TOOLBAR:
            if key is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.actions[key])
        self.addToolBar(toolbar)

    def _connect_signals(self) -> None:
        session = self.session
        # The open book and sheet
        session.book_changed.connect(self.on_session_book_changed)
        session.state_changed.connect(self.update_title)
        session.state_changed.connect(self.update_actions)
        session.document_changed.connect(self.drafts.on_session_document_changed)
        # The list
        self.list_panel.current_sheet_changed.connect(self.on_list_current_sheet_changed)
        self.list_panel.search_failed.connect(
            lambda message: messages.show_error(self, f"検索できませんでした。\n{message}")
        )
        self.list_panel.report_year_changed.connect(self.update_actions)
        # The form
        self.form.sentence_placed.connect(self.on_form_sentence_placed)
        # The banners: about the whole book, and of a locked report year
        self.book_notice_bar.action_requested.connect(session.on_book_notice_action)
        self.year_lock_bar.unlock_requested.connect(lambda year: self.years.unlock_year(year))
        # Undo and redo follow the open sheet's stack
        undo_group = session.undo_group
        undo_group.canUndoChanged.connect(self.actions[Action.UNDO].setEnabled)
        undo_group.canRedoChanged.connect(self.actions[Action.REDO].setEnabled)
        for key, signal in ((Action.UNDO, undo_group.undoTextChanged),
                            (Action.REDO, undo_group.redoTextChanged)):  # fmt: skip
            signal.connect(lambda text, k=key: actions.name_step(self.actions[k], k, text))
        # Menus
        self.recent_menu.aboutToShow.connect(self.files.fill_recent_menu)

    # --- slots

    @Slot(int)
    def on_list_current_sheet_changed(self, sheet_id: int) -> None:
        session = self.session
        current = session.document.sheet.id if session.document is not None else None
        if sheet_id == current:
            return
        if not session.maybe_save():
            self.list_panel.set_open_sheet(current)
            return
        session.open_sheet(sheet_id)

    @Slot()
    def on_session_book_changed(self) -> None:
        book = self.session.book
        if book is not None and book.path is not None:
            self.book_label.setText(str(book.path))
        else:
            self.book_label.clear()

    @Slot(bool)
    def on_form_sentence_placed(self, changed: bool) -> None:
        self.statusBar().showMessage(
            "前年比の文を取組状況に入れました"
            if changed
            else "前年比の文は既に取組状況に入っています",
            STATUS_TIMEOUT_MS,
        )

    @Slot()
    def update_title(self) -> None:
        """The book's name, read-only or not, and the modified mark."""
        session = self.session
        name = session.book_name()
        if name and session.book is not None and session.book.read_only:
            name += "（読み取り専用）"
        self.setWindowTitle(f"{name}[*] - {APP_TITLE}" if name else APP_TITLE)
        self.setWindowModified(session.document is not None and session.document.is_modified())

    @Slot()
    def update_actions(self) -> None:
        """Enable what the open book and sheet allow."""
        session = self.session
        book = session.book
        has_book = book is not None
        # A book whose file went away while open can only be saved under a new name.
        writable = book is not None and not book.read_only and not session.file_gone_noticed
        has_sheet = session.document is not None
        for key in (Action.SAVE_BOOK_AS, Action.EXPORT_JSON, Action.EXPORT_PDF, Action.PRINT,
                    Action.PRINT_PREVIEW, Action.EXPORT_XLSX,
                    Action.EXPORT_XLSX_DEPARTMENTS, Action.EXPORT_SUMMARY,
                    Action.SUMMARY, Action.SUBMISSION_STATUS, Action.TRASH,
                    Action.FIND_REPLACE):  # fmt: skip
            self.actions[key].setEnabled(has_book)
        for key in (Action.IMPORT_TEXT, Action.IMPORT_JSON, Action.IMPORT_XLSX,
                    Action.NEW_SHEET, Action.DISTRIBUTE, Action.COLLECT):  # fmt: skip
            self.actions[key].setEnabled(writable)
        self.actions[Action.RESTORE_BACKUP].setEnabled(book is not None and not book.read_only)
        self.actions[Action.HISTORY].setEnabled(has_sheet)
        self.actions[Action.EVALUATION_SETTINGS].setEnabled(writable)
        sheet_locked = session.open_sheet_locked()
        for key in (Action.SAVE, Action.DELETE_SHEET, Action.DUPLICATE_SHEET):
            self.actions[key].setEnabled(has_sheet and writable and not sheet_locked)
        shown_year = session.shown_year() if has_book else None
        locked = session.locked_years
        self.actions[Action.ROLLOVER].setEnabled(writable and self.list_panel.sheet_count() > 0)
        self.actions[Action.LOCK_YEAR].setEnabled(
            writable and shown_year is not None and shown_year not in locked
        )
        self.actions[Action.UNLOCK_YEAR].setEnabled(writable and bool(locked))
        handed_out = has_book and self.cycle.is_handed_out()
        for key in PLANNING_ONLY:
            if handed_out:
                self.actions[key].setEnabled(False)
            explain_off(self.actions[key], key, HANDED_OUT_TIP if handed_out else "")
        self.actions[Action.UNDO].setEnabled(session.undo_group.canUndo())
        self.actions[Action.REDO].setEnabled(session.undo_group.canRedo())

    def tell(self, message: str, *, is_error: bool = False) -> None:
        """Show a message to the user (an error or information)."""
        if is_error:
            messages.show_error(self, message)
        else:
            messages.show_info(self, message)

    def after_first_paint(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the window has been painted for the first time.

        Slow work that can wait (the day's backup of a big book on a share)
        does not keep a blank window on the screen. A window painted already,
        or not shown, calls it as soon as the events are next processed; a
        window that is not painted within :data:`PAINT_WAIT_MS` (started
        minimised) calls it then.
        """
        if self._waiting_for_paint is None or not self.isVisible():
            QTimer.singleShot(0, callback)
            return
        if not self._waiting_for_paint:
            QTimer.singleShot(PAINT_WAIT_MS, self._painted)
        self._waiting_for_paint.append(callback)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._waiting_for_paint is not None:
            self._painted()

    def _painted(self) -> None:
        waiting, self._waiting_for_paint = self._waiting_for_paint, None
        for callback in waiting or ():
            QTimer.singleShot(0, callback)  # after the painted window is on the screen

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.session.maybe_save():
            event.ignore()
            return
        self.view.save_geometry()
        self.last_view.flush()
        self.settings.sync()
        self.session.close_book()
        event.accept()
