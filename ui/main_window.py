"""The main window: the sheet list on the left, the open sheet's form on the right."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QUndoGroup
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from kpidesk import (
    APP_TITLE,
    backups,
    compare,
    eras,
    excel,
    jsonio,
    lock,
    recovery,
    rollover,
    textimport,
)
from kpidesk.evaluation import EvaluationSettings
from kpidesk.fileio import OutputError, atomic_output, write_bytes_atomic
from kpidesk.model import Sheet, sheet_sort_key, split_departments
from kpidesk.paths import BOOK_SUFFIX
from kpidesk.printing import fonts, layout, paint
from kpidesk.store import (
    DuplicateSheetError,
    HistoryEntry,
    NotFoundError,
    ReadOnlyFileError,
    StaleRevisionError,
    Store,
    StoreError,
    YearLockedError,
)
from ui import actions
from ui.actions import Action
from ui.dialogs import import_preview, messages
from ui.dialogs.about import AboutDialog
from ui.dialogs.backups import BackupDialog
from ui.dialogs.evaluation_settings import ask_evaluation_settings
from ui.dialogs.history import HistoryDialog
from ui.dialogs.messages import Choice
from ui.dialogs.new_sheet import NewSheetDialog
from ui.dialogs.progress import Cancelled, progress
from ui.dialogs.rollover import RolloverDialog
from ui.dialogs.scope import Scope, ScopeDialog
from ui.document import SheetDocument
from ui.settings import Settings
from ui.sheet_form import SheetForm
from ui.sheet_list import SheetListPanel
from ui.year_lock_bar import YearLockBar

BOOK_FILTER = f"KPI Desk ブック (*{BOOK_SUFFIX});;すべてのファイル (*)"
TEXT_FILTER = "テキスト (*.txt);;すべてのファイル (*)"
JSON_FILTER = "JSON (*.json);;すべてのファイル (*)"
PDF_FILTER = "PDF (*.pdf);;すべてのファイル (*)"
XLSX_FILTER = "Excelブック (*.xlsx);;すべてのファイル (*)"
STATUS_TIMEOUT_MS = 8000
#: A draft of the open sheet is written this long after the last change (issue: within 5 s).
DRAFT_DELAY_MS = 1500


class MainWindow(QMainWindow):
    """KPI Desk's window over one book.

    Signals:
        sheet_opened(int): a sheet was opened in the form (its id).
        sheet_saved(int): a sheet was saved (its id).
    """

    sheet_opened = Signal(int)
    sheet_saved = Signal(int)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings
        self.store: Store | None = None
        self.document: SheetDocument | None = None
        self.undo_group = QUndoGroup(self)
        self._last_scope: tuple[Scope, str] = (Scope.CURRENT, "")
        self._lock: lock.BookLock | None = None
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(60_000)
        self._heartbeat.timeout.connect(self._beat)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.write_draft)

        self.list_panel = SheetListPanel()
        self.form = SheetForm()
        self.year_lock_bar = YearLockBar()
        self._locked_years: set[int] = set()
        form_pane = QWidget()
        form_pane.setObjectName("formPane")
        form_layout = QVBoxLayout(form_pane)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.setSpacing(2)
        form_layout.addWidget(self.year_lock_bar)
        form_layout.addWidget(self.form, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.list_panel)
        self.splitter.addWidget(form_pane)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([620, 746])
        self.setCentralWidget(self.splitter)

        self.actions: dict[Action, QAction] = {
            key: actions.create_action(key, self, getattr(self, f"on_action_{key.value}"))
            for key in Action
        }
        self.recent_menu = QMenu("最近使ったブック(&R)", self)
        self.recent_menu.setObjectName("recentMenu")
        self._build_menus()
        self._build_toolbar()
        self.book_label = QLabel()
        self.statusBar().addPermanentWidget(self.book_label)

        self._connect_signals()
        self._restore_geometry()
        self._update_title()
        self._update_actions()

    # --- building

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
        self.form.evaluation.sentence_placed.connect(
            lambda sentence, changed: self.statusBar().showMessage(
                "前年比の文を取組状況に入れました"
                if changed
                else "前年比の文は既に取組状況に入っています",
                STATUS_TIMEOUT_MS,
            )
        )
        # The list
        self.list_panel.current_sheet_changed.connect(self.on_list_current_sheet_changed)
        self.list_panel.search_failed.connect(
            lambda message: messages.show_error(self, f"検索できませんでした。\n{message}")
        )
        self.list_panel.year_combo.currentIndexChanged.connect(self._update_actions)
        # The banner of a locked report year
        self.year_lock_bar.unlock_requested.connect(self.on_year_lock_bar_unlock_requested)
        # Undo and redo follow the open sheet's stack
        self.undo_group.canUndoChanged.connect(self.actions[Action.UNDO].setEnabled)
        self.undo_group.canRedoChanged.connect(self.actions[Action.REDO].setEnabled)
        self.undo_group.undoTextChanged.connect(
            lambda text: self.actions[Action.UNDO].setText(f"元に戻す(&U) {text}".strip())
        )
        self.undo_group.redoTextChanged.connect(
            lambda text: self.actions[Action.REDO].setText(f"やり直し(&R) {text}".strip())
        )
        # Menus
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)

    def _restore_geometry(self) -> None:
        geometry = self.settings.window_geometry
        if geometry.isEmpty():
            self.resize(1366, 768)
        else:
            self.restoreGeometry(geometry)
        if not self.settings.window_state.isEmpty():
            self.restoreState(self.settings.window_state)
        if not self.settings.splitter_state.isEmpty():
            self.splitter.restoreState(self.settings.splitter_state)

    # --- the book

    def set_store(
        self,
        store: Store | None,
        *,
        remember: bool = True,
        book_lock: lock.BookLock | None = None,
    ) -> None:
        """Show the book ``store`` (closing the one shown before).

        Args:
            store: the book, or None for no book.
            remember: put it in the recent books and make it the last book.
            book_lock: this program's lock on the book (released when another
                book is shown or the window closes).
        """
        self._close_document()
        if self.store is not None and self.store is not store:
            self.store.close()
        self._release_lock()
        self._lock = book_lock
        if book_lock is not None:
            self._heartbeat.start()
        self.store = store
        if store is not None and not store.read_only:
            self._backup(store, "open")
        self._update_year_lock()
        self.form.set_evaluation_settings(
            store.evaluation_settings() if store is not None else EvaluationSettings()
        )
        self.list_panel.set_store(store)
        if store is not None and store.path is not None:
            self.book_label.setText(str(store.path))
            if remember:
                self.settings.add_recent_book(store.path)
        else:
            self.book_label.clear()
        self._update_title()
        self._update_actions()
        if store is not None and self.list_panel.proxy.rowCount():
            self.open_sheet(self.list_panel.visible_sheet_ids()[0])

    def _backup(self, store: Store, reason: str) -> None:
        """Take a backup (once a day on opening; before every import); never blocks the work."""
        if store.path is None:
            return
        try:
            if reason == "open":
                backups.backup_on_open(store, keep=self.settings.backups_keep)
            else:
                backups.take_backup(store, reason, keep=self.settings.backups_keep)
        except StoreError as error:
            self.statusBar().showMessage(f"バックアップを取れませんでした: {error}")

    def on_action_restore_backup(self) -> None:
        if self.store is None or self.store.path is None or not self.maybe_save():
            return
        dialog = BackupDialog(self.book_name(), backups.list_backups(self.store.path), self)
        if dialog.exec() != BackupDialog.DialogCode.Accepted or dialog.chosen() is None:
            return
        backup = dialog.chosen()
        assert backup is not None
        if dialog.result_action == "copy":
            name, _ = QFileDialog.getSaveFileName(
                self,
                "新しいファイルとして復元",
                str(self._dialog_folder() / f"{self.store.path.stem}_復元{BOOK_SUFFIX}"),
                BOOK_FILTER,
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if name:
                self.restore_backup_as_copy(backup, _with_suffix(Path(name)))
        elif dialog.result_action == "over":
            self.restore_backup_over_book(backup)

    def restore_backup_as_copy(self, backup: backups.Backup, target: Path) -> bool:
        """Write a backup out as a new book and open it."""
        try:
            backups.restore_as_copy(backup.path, target)
        except StoreError as error:
            messages.show_error(self, f"復元できませんでした。\n{error}")
            return False
        return self.open_book(target)

    def restore_backup_over_book(self, backup: backups.Backup) -> bool:
        """Replace the open book by a backup, after confirmation and a backup of it."""
        assert self.store is not None and self.store.path is not None
        when = backup.taken_at.strftime("%Y-%m-%d %H:%M")
        if not messages.confirm(
            self,
            "バックアップから復元",
            f"ブック「{self.book_name()}」を {when} のバックアップ（{backup.reason}）で"
            "置き換えますか？\n今の内容もバックアップに残ります。",
        ):
            return False
        path = self.store.path
        self._close_document()
        self.store.close()
        self.store = None
        try:
            backups.restore_over(backup.path, path, keep=self.settings.backups_keep)
        except StoreError as error:
            messages.show_error(self, f"復元できませんでした。\n{error}")
        try:
            store = Store.open(path, create=False)
        except StoreError as error:
            messages.show_error(self, f"ブックを開けません: {path}\n{error}")
            self.set_store(None)
            return False
        self.set_store(store)
        self.statusBar().showMessage(f"{when} のバックアップから復元しました", STATUS_TIMEOUT_MS)
        return True

    def book_name(self) -> str:
        """The shown book's file name, or ""."""
        if self.store is None:
            return ""
        return self.store.path.name if self.store.path is not None else "（メモリ上のブック）"

    def open_book(self, path: Path, *, remember: bool = True) -> bool:
        """Open the book at ``path`` after the open sheet is saved or discarded.

        A book someone else has open (its lock file says who) is opened
        read-only or as a copy, as the user chooses; a lock left by a
        crashed program can be taken over.
        """
        if not self.maybe_save():
            return False
        opened = self._open_with_lock(path)
        if opened is None:
            return False
        store, book_lock = opened
        self.set_store(store, remember=remember, book_lock=book_lock)
        suffix = "（読み取り専用）" if store.read_only else ""
        self.statusBar().showMessage(f"開きました{suffix}: {store.path}", STATUS_TIMEOUT_MS)
        return True

    def _open_with_lock(self, path: Path) -> tuple[Store, lock.BookLock | None] | None:
        left = lock.read_lock(path)
        try:
            book_lock = lock.BookLock.acquire(path)  # a stale lock is taken over
            if left is not None and lock.is_stale(left):
                messages.show_info(
                    self,
                    f"このブックには、異常終了したときに残った印がありました（{left.describe()}）。"
                    "引き継いで開きます。",
                )
        except lock.LockedError as error:
            return self._open_locked(path, error.info)
        except lock.LockError as error:
            messages.show_info(self, f"{error}\nほかの人と重ならないよう、読み取り専用で開きます。")
            return self._open_plain(path, read_only=True)
        opened = self._open_plain(path)
        if opened is None or opened[0].read_only:
            book_lock.release()
            return opened
        return opened[0], book_lock

    def _open_locked(self, path: Path, info: lock.LockInfo) -> tuple[Store, None] | None:
        """Someone else has the book open: read-only, a copy, or nothing."""
        choice = messages.choose(
            self,
            "ほかの人が開いています",
            f"このブックは{info.describe()}。\n"
            "同時に書き込むと変更が重なるため、読み取り専用で開くか、コピーを作って開いてください。",
            ["読み取り専用で開く", "コピーを作って開く"],
        )
        if choice == 0:
            return self._open_plain(path, read_only=True)
        if choice == 1:
            return self._open_copy(path)
        return None

    def _open_plain(self, path: Path, *, read_only: bool = False) -> tuple[Store, None] | None:
        try:
            return Store.open(path, create=False, read_only=read_only), None
        except ReadOnlyFileError:
            if messages.confirm(
                self, "読み取り専用のファイル", f"このファイルは書き込みできません: {path}\n"
                "読み取り専用で開きますか？",
            ):  # fmt: skip
                return self._open_plain(path, read_only=True)
            return None
        except StoreError as error:
            messages.show_error(self, f"ブックを開けません: {path}\n{error}")
            return None

    def _open_copy(self, path: Path) -> tuple[Store, None] | None:
        name, _ = QFileDialog.getSaveFileName(
            self, "コピーを作って開く", str(Path.home() / f"{path.stem}_コピー{BOOK_SUFFIX}"),
            BOOK_FILTER,
        )  # fmt: skip
        if not name:
            return None
        target = _with_suffix(Path(name))
        try:
            with Store.open(path, create=False, read_only=True) as source:
                source.backup_to(target)
        except StoreError as error:
            messages.show_error(self, f"コピーを作れませんでした: {target}\n{error}")
            return None
        return self._open_plain(target)

    def _release_lock(self) -> None:
        self._heartbeat.stop()
        if self._lock is not None:
            with contextlib.suppress(lock.LockError):  # someone else's now: nothing to remove
                self._lock.release()
            self._lock = None

    def _beat(self) -> None:
        if self._lock is None:
            return
        try:
            self._lock.heartbeat()
        except lock.LockError as error:
            self._heartbeat.stop()
            self._lock = None
            messages.show_error(self, str(error))

    # --- the open sheet

    def open_sheet(self, sheet_id: int | None) -> None:
        """Open the sheet with this id in the form (None: close the form)."""
        self._close_document()
        if sheet_id is None or self.store is None:
            self._update_year_lock()
            self._update_title()
            self._update_actions()
            return
        try:
            sheet = self.store.get_sheet(sheet_id)
        except StoreError as error:
            messages.show_error(self, f"シートを開けません。\n{error}")
            return
        document = SheetDocument(sheet, self)
        document.modified_changed.connect(self._update_title)
        document.changed.connect(lambda _part: self._draft_timer.start())
        document.modified_changed.connect(self._on_document_modified_changed)
        self.undo_group.addStack(document.undo_stack)
        self.undo_group.setActiveStack(document.undo_stack)
        self.document = document
        self.form.set_document(document)
        self._update_year_lock()
        self._update_title()
        self._update_actions()
        self.list_panel.set_open_sheet(sheet_id)
        self.sheet_opened.emit(sheet_id)

    # --- drafts (crash recovery)

    def write_draft(self) -> None:
        """Write the open sheet's unsaved state to the recovery folder."""
        document = self.document
        if document is None or self.store is None or self.store.path is None:
            return
        if not document.is_modified():
            return
        try:
            recovery.write_draft(self.store.path, document.sheet)
        except OSError as error:
            self.statusBar().showMessage(f"編集中の内容の控えを書けませんでした: {error}")

    @Slot(bool)
    def _on_document_modified_changed(self, modified: bool) -> None:
        if modified or self.document is None or self.store is None or self.store.path is None:
            return
        self._draft_timer.stop()
        recovery.clear_draft(self.store.path, self.document.sheet)

    def offer_drafts(self) -> int:
        """Offer back the edits a crash left unsaved; return how many were restored."""
        restored = 0
        for draft in recovery.list_drafts():
            sheet = draft.sheet
            choice = messages.choose(
                self,
                "保存されていない編集",
                f"前回、保存されないまま終わった編集があります。\n"
                f"ブック: {draft.book}\nNo {sheet.no}「{sheet.title}」"
                f"（{draft.written_at:%Y-%m-%d %H:%M:%S} の内容）",
                ["復元する", "破棄する"],
            )
            if choice == 1:
                recovery.discard(draft)
            elif choice == 0 and self.restore_draft(draft):
                restored += 1
                break  # one sheet is open at a time; the rest are offered next start
        return restored

    def restore_draft(self, draft: recovery.Draft) -> bool:
        """Open the draft's book and sheet and put the draft back as unsaved edits."""
        if self.store is None or self.store.path != draft.book:
            if not draft.book.exists():
                messages.show_error(self, f"ブックが見つかりません: {draft.book}")
                return False
            if not self.open_book(draft.book):
                return False
        assert self.store is not None
        incoming = draft.sheet
        existing = self.store.find_sheet(incoming.report_year, incoming.no)
        if incoming.id is not None:
            try:
                existing = self.store.get_sheet(incoming.id)
            except StoreError:
                existing = None
        if existing is None:
            saved = self.create_sheet(dataclasses.replace(incoming, id=None, revision=0))
            recovery.discard(draft)
            return saved is not None
        self.open_sheet(existing.id)
        if self.document is None:
            return False

        self.document.replace_content("前回の編集の復元", incoming)
        recovery.discard(draft)
        self.write_draft()
        self.statusBar().showMessage(
            "前回の編集を復元しました。確かめて上書き保存してください", STATUS_TIMEOUT_MS
        )
        return True

    def _close_document(self) -> None:
        if self.document is None:
            return
        self.form.set_document(None)
        self.undo_group.removeStack(self.document.undo_stack)
        self.document.deleteLater()
        self.document = None

    def maybe_save(self) -> bool:
        """Ask to save the open sheet's changes; False when the user cancels.

        破棄 really throws the changes away: the sheet is read again from the book.
        """
        self.form.commit_pending_edit()
        if self.document is None or not self.document.is_modified():
            return True
        sheet = self.document.sheet
        choice = messages.ask_save_changes(
            self, f"No {sheet.no}「{sheet.title}」への変更を保存しますか？"
        )
        if choice is Choice.SAVE:
            return self.save()
        if choice is Choice.DISCARD:
            self.document.undo_stack.setClean()
            self.open_sheet(sheet.id)
            return True
        return False

    def save(self) -> bool:
        """Save the open sheet in one transaction; False when it was not saved."""
        if self.document is None or self.store is None:
            return False
        self.form.commit_pending_edit()
        sheet = self.document.sheet
        try:
            saved = self.store.save_sheet(sheet)
        except StaleRevisionError as error:
            return self._resolve_conflict(error)
        except YearLockedError as error:
            # Locked elsewhere since the sheet was opened: the edits stay in the
            # form (read-only now, under the banner) until the lock is lifted.
            messages.show_error(self, f"保存できませんでした。\n{error}")
            self._update_year_lock()
            self._update_actions()
            self.list_panel.reload_filters()  # the year filter marks locked years
            return False
        except (DuplicateSheetError, NotFoundError, StoreError) as error:
            messages.show_error(self, f"保存できませんでした。\n{error}")
            return False
        self._after_save(saved)
        return True

    def _after_save(self, saved: Sheet) -> None:
        assert self.document is not None and saved.id is not None
        self.document.mark_saved(saved)
        self.list_panel.refresh_sheet(saved.id)
        self.statusBar().showMessage(
            f"保存しました: No {saved.no}（版 {saved.revision}）", STATUS_TIMEOUT_MS
        )
        self.sheet_saved.emit(saved.id)

    def _resolve_conflict(self, error: StaleRevisionError) -> bool:
        assert self.document is not None and self.store is not None
        sheet = self.document.sheet
        choice = messages.choose(
            self,
            "保存できません",
            f"No {sheet.no}「{sheet.title}」は、開いた後に別の場所で変更されています"
            f"（開いた版 {error.expected}、今の版 {error.actual}）。\n"
            "上書きすると相手の変更が失われるため、保存しませんでした。",
            ["相手の変更を読み込む（自分の変更は破棄）", "自分の変更を別の No で保存"],
        )
        if choice == 0:
            self.document.undo_stack.setClean()
            self.open_sheet(sheet.id)
            return True
        if choice == 1:
            copy = dataclasses.replace(sheet, id=None, revision=0, no=self._free_no(sheet))
            try:
                saved = self.store.save_sheet(copy)
            except StoreError as store_error:
                messages.show_error(self, f"保存できませんでした。\n{store_error}")
                return False
            self.document.undo_stack.setClean()
            self.list_panel.refresh_sheet(saved.id or 0)
            self.open_sheet(saved.id)
            self.statusBar().showMessage(f"No {saved.no} として保存しました", STATUS_TIMEOUT_MS)
            return True
        return False

    def _free_no(self, sheet: Sheet) -> str:
        assert self.store is not None
        candidate = f"{sheet.no}（コピー）"
        number = 2
        while self.store.find_sheet(sheet.report_year, candidate) is not None:
            candidate = f"{sheet.no}（コピー{number}）"
            number += 1
        return candidate

    # --- slots

    @Slot(int)
    def on_list_current_sheet_changed(self, sheet_id: int) -> None:
        current = self.document.sheet.id if self.document is not None else None
        if sheet_id == current:
            return
        if not self.maybe_save():
            self.list_panel.set_open_sheet(current)
            return
        self.open_sheet(sheet_id)

    def on_action_new_book(self) -> None:
        if not self.maybe_save():
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "新規ブック", str(self._dialog_folder() / f"新しいブック{BOOK_SUFFIX}"),
            BOOK_FILTER, options=QFileDialog.Option.DontConfirmOverwrite,
        )  # fmt: skip
        if not name:
            return
        path = _with_suffix(Path(name))
        if path.exists():
            messages.show_error(self, f"既にファイルがあります。別の名前を指定してください: {path}")
            return
        try:
            store = Store.open(path, create=True)
        except StoreError as error:
            messages.show_error(self, f"ブックを作れません: {path}\n{error}")
            return
        self.set_store(store)
        self.statusBar().showMessage(f"新しいブックを作りました: {path}", STATUS_TIMEOUT_MS)

    def on_action_open_book(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "ブックを開く", str(self._dialog_folder()), BOOK_FILTER
        )
        if name:
            self.open_book(Path(name))

    def on_action_save_book_as(self) -> None:
        if self.store is None or not self.maybe_save():
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "名前を付けて保存", str(self._dialog_folder() / self.book_name()), BOOK_FILTER
        )
        if not name:
            return
        self.save_book_as(_with_suffix(Path(name)))

    def save_book_as(self, path: Path) -> bool:
        """Copy the book to ``path`` and continue in the copy."""
        assert self.store is not None
        if self.store.path is not None and path.resolve() == self.store.path.resolve():
            return True
        current = self.document.sheet.id if self.document is not None else None
        try:
            self.store.backup_to(path)
            store = Store.open(path, create=False)
        except (StoreError, OSError) as error:
            messages.show_error(self, f"保存できませんでした: {path}\n{error}")
            return False
        self.set_store(store)
        if current is not None:
            self.open_sheet(current)
        self.statusBar().showMessage(f"名前を付けて保存しました: {path}", STATUS_TIMEOUT_MS)
        return True

    def on_action_save(self) -> None:
        self.save()

    def on_action_import_text(self) -> None:
        if self.store is None:
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "テキストから取り込み", str(self._dialog_folder()), TEXT_FILTER
        )
        if name:
            self.import_text(Path(name))

    def import_text(self, path: Path) -> int:
        """Import published sheet text; return how many sheets were imported."""
        try:
            result = textimport.read_file(path)
        except (textimport.TextImportError, OSError) as error:
            messages.show_error(self, f"取り込めません: {path}\n{error}")
            return 0
        if result.problems:
            listed = "\n".join(str(problem) for problem in result.problems[:10])
            more = f"\nほか{len(result.problems) - 10}行" if len(result.problems) > 10 else ""
            messages.show_error(
                self,
                f"取り込めない行が{len(result.problems)}行あるため、何も取り込みませんでした: "
                f"{path}\n\n{listed}{more}",
            )
            return 0
        return self._import_sheets(result.sheets, path, keep_row_settings=True)

    def on_action_import_json(self) -> None:
        if self.store is None:
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "JSONから取り込み", str(self._dialog_folder()), JSON_FILTER
        )
        if name:
            self.import_json(Path(name))

    def import_json(self, path: Path) -> int:
        """Import interchange JSON; return how many sheets were imported."""
        try:
            sheets = jsonio.read_file(path)
        except (jsonio.JsonFormatError, OSError) as error:
            messages.show_error(self, f"取り込めません: {path}\n{error}")
            return 0
        if not sheets:
            messages.show_error(self, f"JSONにシートがありません: {path}")
            return 0
        return self._import_sheets(sheets, path)

    def _import_sheets(
        self, sheets: list[Sheet], source: Path, *, keep_row_settings: bool = False
    ) -> int:
        """Preview and import; ``keep_row_settings`` for sources that cannot carry the
        hand-set direction and kind of a row (text, Excel): the book's are kept."""
        assert self.store is not None
        if not self.maybe_save():
            return 0
        current = self.document.sheet.id if self.document is not None else None
        try:
            if keep_row_settings:
                sheets = [
                    compare.carry_row_settings(sheet, self.store.find_sheet(*sheet.key))
                    for sheet in sheets
                ]
            plans = compare.plan_import(sheets, self.store.find_sheet)
            locked = sorted(
                {plan.sheet.report_year for plan in plans if plan.status is not compare.Status.SAME}
                & self.store.locked_years()
            )
            if locked:  # said before the preview, not after the user has read it
                messages.show_error(
                    self,
                    f"取り込めません: {source.name}\n{YearLockedError(locked[0])!s}",
                )
                return 0
            if not import_preview.confirm_import(self, plans, source.name):
                return 0
            # Only what the preview showed as new or changed is written, and only
            # if none of those sheets changed in the book since the preview.
            plans = [plan for plan in plans if plan.status is not compare.Status.SAME]
            if not plans:
                self.statusBar().showMessage(
                    f"{source.name}: ブックと同じ内容のため、何も変わりませんでした",
                    STATUS_TIMEOUT_MS,
                )
                return 0
            sheets = [plan.sheet for plan in plans]
            self._backup(self.store, "import")
            with progress(self, f"{source.name} から{len(sheets)}件を取り込んでいます…") as report:
                self.store.import_sheets(
                    sheets,
                    replace=any(plan.status is compare.Status.CHANGED for plan in plans),
                    progress=report,
                    expected_revisions={plan.sheet.key: plan.book_revision for plan in plans},
                )
        except Cancelled:
            self.statusBar().showMessage("取り込みを取り消しました（何も変わっていません）")
            return 0
        except StaleRevisionError:
            messages.show_error(
                self,
                "確認の後に、取り込むシートのどれかが別の場所で変更されました。"
                "何も取り込んでいません。もう一度取り込んで、変更を確かめてください。",
            )
            return 0
        except StoreError as error:
            messages.show_error(self, f"取り込めませんでした（何も変わっていません）。\n{error}")
            return 0
        self._close_document()
        self.list_panel.set_store(self.store)
        if current is not None:
            self.open_sheet(current)
        self.statusBar().showMessage(
            f"{len(sheets)}件のシートを取り込みました: {source.name}", STATUS_TIMEOUT_MS
        )
        return len(sheets)

    def on_action_export_json(self) -> None:
        if self.store is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "JSONへ書き出し", str(self._dialog_folder() / "kpi_sheets.json"), JSON_FILTER
        )
        if name:
            self.export_json(Path(name))

    def export_json(self, path: Path) -> int:
        """Write the sheets the list shows to ``path``; return how many."""
        assert self.store is not None
        if not self.maybe_save():
            return 0
        sheets = [
            self.store.get_sheet(sheet_id) for sheet_id in self.list_panel.visible_sheet_ids()
        ]
        try:
            write_bytes_atomic(path, jsonio.dumps(sheets).encode("utf-8"))
        except OutputError as error:
            messages.show_error(self, str(error))
            return 0
        self.statusBar().showMessage(
            f"{len(sheets)}件のシートを書き出しました: {path}", STATUS_TIMEOUT_MS
        )
        return len(sheets)

    # --- PDF and printing

    def choose_sheets(self, title: str) -> list[Sheet] | None:
        """Ask which sheets to use (open, selected, a department's, all); None if cancelled.

        The open sheet is used as it stands in the form, unsaved edits included,
        so what is printed is what is on the screen.
        """
        if self.store is None:
            return None
        dialog = ScopeDialog(
            title,
            current=f"No {self.document.sheet.no}" if self.document is not None else None,
            selected_count=len(self.list_panel.selected_sheet_ids()),
            departments=self.store.departments(self.list_panel.report_year()),
            department=self.list_panel.department(),
            book_count=self.store.count_sheets(),
            parent=self,
        )
        if dialog.exec() != ScopeDialog.DialogCode.Accepted:
            return None
        self._last_scope = (dialog.scope(), dialog.department())
        return self.sheets_in_scope(dialog.scope(), dialog.department())

    def sheets_in_scope(self, scope: Scope, department: str = "") -> list[Sheet]:
        """The sheets of a scope, in list order, the open one as edited."""
        assert self.store is not None
        if scope is Scope.CURRENT:
            return [self.document.sheet] if self.document is not None else []
        if scope is Scope.SELECTED:
            ids = self.list_panel.selected_sheet_ids()
            sheets = [self.store.get_sheet(sheet_id) for sheet_id in ids]
        elif scope is Scope.DEPARTMENT:
            sheets = self.store.list_sheets(
                report_year=self.list_panel.report_year(), department=department
            )
        else:
            # The whole book: one report year after another, each in No order.
            sheets = sorted(
                self.store.list_sheets(), key=lambda s: (s.report_year, sheet_sort_key(s))
            )
        open_id = self.document.sheet.id if self.document is not None else None
        return [
            self.document.sheet if self.document is not None and sheet.id == open_id else sheet
            for sheet in sheets
        ]

    def on_action_export_pdf(self) -> None:
        sheets = self.choose_sheets("PDFに書き出し")
        if not sheets:
            return
        default = f"KPI分析シート_No{sheets[0].no}.pdf" if len(sheets) == 1 else "KPI分析シート.pdf"
        name, _ = QFileDialog.getSaveFileName(
            self, "PDFに書き出し", str(self._dialog_folder() / default), PDF_FILTER
        )
        if name:
            self.export_pdf(sheets, Path(name))

    def export_pdf(self, sheets: list[Sheet], path: Path) -> int:
        """Write ``sheets`` to a PDF at ``path``; return the number of pages (0: not written).

        The file is written under a temporary name and moved into place, so a
        cancel or a failure leaves no half-written file.
        """
        try:
            with (
                progress(self, f"{len(sheets)}件のシートをPDFに書き出しています…") as report,
                atomic_output(path) as stream,
            ):
                pages = paint.write_pdf(
                    sheets,
                    stream,
                    self.book_name(),
                    progress=report,
                    chart=self._print_chart(),
                )
        except Cancelled:
            self.statusBar().showMessage("PDFの書き出しを取り消しました", STATUS_TIMEOUT_MS)
            return 0
        except OSError as error:
            messages.show_error(self, f"PDFを書き出せませんでした。\n{error}")
            return 0
        self.statusBar().showMessage(
            f"{len(sheets)}件のシートをPDF（{pages}ページ）に書き出しました: {path}",
            STATUS_TIMEOUT_MS,
        )
        return pages

    # --- Excel

    def _evaluation_settings(self) -> EvaluationSettings | None:
        return self.store.evaluation_settings() if self.store is not None else None

    def excel_template(self) -> Path | None:
        """The user's chosen template, or None for the bundled one."""
        chosen = self.settings.excel_template
        return Path(chosen) if chosen else None

    def on_action_excel_template(self) -> None:
        current = self.excel_template()
        shown = str(current) if current is not None else "同梱の別記様式2"
        choice = messages.choose(
            self,
            "Excelのテンプレート",
            f"Excelに書き出すときのテンプレート: {shown}",
            ["別のテンプレートを選ぶ…", "同梱のテンプレートに戻す"],
        )
        if choice == 1:
            self.settings.excel_template = ""
            return
        if choice != 0:
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Excelのテンプレート", str(self._dialog_folder()), XLSX_FILTER
        )
        if name:
            self.set_excel_template(Path(name))

    def set_excel_template(self, path: Path) -> bool:
        """Use ``path`` as the template from now on, if it has every required name."""
        try:
            excel.check_template(path)
        except excel.ExcelError as error:
            messages.show_error(self, f"このテンプレートは使えません。\n{error}")
            return False
        self.settings.excel_template = str(path)
        self.statusBar().showMessage(f"Excelのテンプレート: {path}", STATUS_TIMEOUT_MS)
        return True

    def on_action_export_xlsx(self) -> None:
        sheets = self.choose_sheets("Excelに書き出し")
        if not sheets:
            return
        default = (
            f"KPI分析シート_No{sheets[0].no}.xlsx" if len(sheets) == 1 else "KPI分析シート.xlsx"
        )
        name, _ = QFileDialog.getSaveFileName(
            self, "Excelに書き出し", str(self._dialog_folder() / default), XLSX_FILTER
        )
        if name:
            self.export_xlsx(sheets, Path(name))

    def export_xlsx(self, sheets: list[Sheet], path: Path) -> int:
        """Write ``sheets`` into one workbook at ``path``; return the sheets written (0: none)."""
        try:
            with (
                progress(self, f"{len(sheets)}件のシートをExcelに書き出しています…") as report,
                atomic_output(path) as stream,
            ):
                count = excel.export_workbook(
                    sheets,
                    stream,
                    template=self.excel_template(),
                    progress=report,
                    settings=self._evaluation_settings(),
                )
        except Cancelled:
            self.statusBar().showMessage("Excelへの書き出しを取り消しました", STATUS_TIMEOUT_MS)
            return 0
        except (excel.ExcelError, OSError) as error:
            messages.show_error(self, f"Excelに書き出せませんでした。\n{error}")
            return 0
        self.statusBar().showMessage(
            f"{count}件のシートをExcelに書き出しました: {path}", STATUS_TIMEOUT_MS
        )
        return count

    def on_action_export_xlsx_departments(self) -> None:
        sheets = self.choose_sheets("担当課ごとにExcelに書き出し")
        if not sheets:
            return
        folder = QFileDialog.getExistingDirectory(
            self, "書き出すフォルダ", str(self._dialog_folder())
        )
        if not folder:
            return
        scope, department = self._last_scope
        departments = {department} if scope is Scope.DEPARTMENT else None
        self.export_xlsx_by_department(sheets, Path(folder), departments=departments)

    def export_xlsx_by_department(
        self, sheets: list[Sheet], folder: Path, *, departments: set[str] | None = None
    ) -> list[Path]:
        """One workbook per department in ``folder``; return the files written.

        With ``departments``, only those departments' workbooks are written (a
        sheet shared with another department does not make that one's file).
        Existing files are replaced only after the user agrees.
        """
        names = departments or {name for sheet in sheets for name in sheet.departments}
        existing = sorted(
            name for name in names if (folder / excel.department_file_name(name)).exists()
        )
        if existing and not messages.confirm(
            self,
            "担当課ごとにExcelに書き出し",
            "次のファイルは既にあります。置き換えますか？\n"
            + "\n".join(excel.department_file_name(name) for name in existing),
        ):
            return []
        try:
            with progress(self, "担当課ごとにExcelに書き出しています…") as report:
                paths = excel.export_by_department(
                    sheets,
                    folder,
                    template=self.excel_template(),
                    progress=report,
                    departments=departments,
                    settings=self._evaluation_settings(),
                )
        except Cancelled:
            self.statusBar().showMessage("Excelへの書き出しを取り消しました", STATUS_TIMEOUT_MS)
            return []
        except (excel.ExcelError, OSError) as error:
            messages.show_error(self, f"Excelに書き出せませんでした。\n{error}")
            return []
        self.statusBar().showMessage(
            f"{len(paths)}個のExcelブックを書き出しました: {folder}", STATUS_TIMEOUT_MS
        )
        return paths

    def on_action_import_xlsx(self) -> None:
        if self.store is None:
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Excelから取り込み", str(self._dialog_folder()), XLSX_FILTER
        )
        if name:
            self.import_xlsx(Path(name))

    def import_xlsx(self, path: Path) -> int:
        """Import a workbook in the template's shape; return how many sheets were imported."""
        try:
            sheets = excel.read_workbook(path)
        except (excel.ExcelError, OSError) as error:
            messages.show_error(self, f"取り込めません: {path}\n{error}")
            return 0
        return self._import_sheets(sheets, path, keep_row_settings=True)

    def _printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(paint.a4_layout())
        printer.setFullPage(True)
        printer.setDocName(self.book_name() or "KPI分析シート")
        return printer

    def on_action_print(self) -> None:
        sheets = self.choose_sheets("印刷")
        if not sheets:
            return
        pages = layout.layout_document(
            sheets, paint.QtMeasure(fonts.load_fonts()), chart=self._print_chart()
        )
        printer = self._printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("印刷")
        dialog.setMinMax(1, len(pages))
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, True)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        self.print_pages(pages, printer)

    def print_pages(self, pages: list[layout.Page], printer: QPrinter) -> int:
        """Print with the PDF's renderer, honouring the dialog's page range.

        Returns:
            The number of pages printed (0 when cancelled or failed).
        """
        only = _page_numbers(printer, len(pages))
        try:
            with progress(self, f"{len(only)}ページを印刷しています…") as report:
                paint.paint_pages(printer, pages, self.book_name(), progress=report, only=only)
        except Cancelled:
            # A printer drops the job (paint_pages aborts it); "print to file" leaves
            # a partial PDF, which is removed.
            if (
                printer.outputFormat() == QPrinter.OutputFormat.PdfFormat
                and printer.outputFileName()
            ):
                Path(printer.outputFileName()).unlink(missing_ok=True)
            self.statusBar().showMessage("印刷を取り消しました", STATUS_TIMEOUT_MS)
            return 0
        except OSError as error:
            messages.show_error(self, f"印刷できませんでした。\n{error}")
            return 0
        self.statusBar().showMessage(f"{len(only)}ページを印刷しました", STATUS_TIMEOUT_MS)
        return len(only)

    def on_action_print_preview(self) -> None:
        sheets = self.choose_sheets("印刷プレビュー")
        if sheets:
            self.preview_dialog(sheets).exec()

    def preview_dialog(self, sheets: list[Sheet]) -> QPrintPreviewDialog:
        """The print preview of ``sheets``, drawn by the same renderer as the PDF."""
        pages = layout.layout_document(
            sheets, paint.QtMeasure(fonts.load_fonts()), chart=self._print_chart()
        )
        printer = self._printer()
        dialog = QPrintPreviewDialog(printer, self)
        dialog.setWindowTitle(f"印刷プレビュー（{len(pages)}ページ）")
        dialog.resize(900, 1000)
        dialog.paintRequested.connect(
            lambda device: paint.paint_pages(device, pages, self.book_name())
        )
        # QPrinter is no QObject: keep it alive as long as the dialog may paint.
        self._preview_printer = printer
        return dialog

    def on_action_quit(self) -> None:
        self.close()

    def on_action_undo(self) -> None:
        self.undo_group.undo()

    def on_action_redo(self) -> None:
        self.undo_group.redo()

    def on_action_find(self) -> None:
        self.list_panel.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.list_panel.search_edit.selectAll()

    def on_action_new_sheet(self) -> None:
        if self.store is None or not self.maybe_save():
            return
        year = self.list_panel.report_year() or _latest(self.store.report_years())
        if year in self._locked_years:  # a new sheet goes into a year that can be changed
            open_years = [y for y in self.store.report_years() if y not in self._locked_years]
            year = _latest(open_years) if open_years else max(self._locked_years) + 1
        dialog = NewSheetDialog(
            self._key_exists,
            no=self._next_no(year),
            report_year=year,
            departments=self.list_panel.department() or "",
            parent=self,
        )
        if dialog.exec() != NewSheetDialog.DialogCode.Accepted:
            return
        report_year = dialog.report_year()
        sheet = Sheet(
            report_year=report_year,
            no=dialog.no(),
            departments=split_departments(dialog.departments_edit.text()),
            baseline_year=report_year - 1,
            actual_years=list(range(report_year, report_year + 4)),
            target_year=report_year + 3,
        )
        self.create_sheet(sheet)

    def on_action_duplicate_sheet(self) -> None:
        if self.store is None or self.document is None or not self.maybe_save():
            return
        source = self.document.sheet
        dialog = NewSheetDialog(
            self._key_exists,
            title="シートを複製",
            no=self._free_no(source),
            report_year=source.report_year,
            departments=source.departments_text,
            parent=self,
        )
        if dialog.exec() != NewSheetDialog.DialogCode.Accepted:
            return
        copy = dataclasses.replace(
            source,
            id=None,
            revision=0,
            no=dialog.no(),
            report_year=dialog.report_year(),
            departments=split_departments(dialog.departments_edit.text()),
        )
        self.create_sheet(copy)

    def create_sheet(self, sheet: Sheet) -> Sheet | None:
        """Save a new sheet into the book and open it."""
        assert self.store is not None
        try:
            saved = self.store.save_sheet(sheet)
        except StoreError as error:
            messages.show_error(self, f"シートを作れませんでした。\n{error}")
            return None
        assert saved.id is not None
        self.list_panel.refresh_sheet(saved.id)
        self.open_sheet(saved.id)
        self.statusBar().showMessage(f"No {saved.no} を作りました", STATUS_TIMEOUT_MS)
        return saved

    def on_action_delete_sheet(self) -> None:
        if self.store is None or self.document is None:
            return
        sheet = self.document.sheet
        if not messages.confirm(
            self,
            "シートの削除",
            f"{eras.kanji_label(sheet.report_year)} No {sheet.no}「{sheet.title}」"
            "を削除しますか？\n"
            "削除したシートは一覧から消えます（保存した履歴はブックに残ります）。",
        ):
            return
        assert sheet.id is not None
        visible = self.list_panel.visible_sheet_ids()
        position = visible.index(sheet.id) if sheet.id in visible else 0
        try:
            self.store.delete_sheet(sheet.id)
        except StoreError as error:
            messages.show_error(self, f"削除できませんでした。\n{error}")
            return
        self.document.undo_stack.setClean()
        self._close_document()
        self.list_panel.remove_sheet(sheet.id)
        remaining = self.list_panel.visible_sheet_ids()
        self.open_sheet(remaining[min(position, len(remaining) - 1)] if remaining else None)
        self.statusBar().showMessage(f"No {sheet.no} を削除しました", STATUS_TIMEOUT_MS)

    # --- issue 8 (filled in by its parts; each replaces its own placeholder)

    def on_action_history(self) -> None:
        if self.store is not None and self.document is not None:
            self.history_dialog().exec()

    def history_dialog(self) -> HistoryDialog:
        """The open sheet's saved versions; 「この版に戻す」 calls :meth:`restore_version`."""
        assert self.store is not None and self.document is not None
        self.form.commit_pending_edit()
        sheet = self.document.sheet
        assert sheet.id is not None
        dialog = HistoryDialog(
            self.store.history(sheet.id),
            editing=sheet if self.document.is_modified() else None,
            refusal=self._restore_refusal(),
            parent=self,
        )

        def restore(entry: HistoryEntry) -> None:
            if self.restore_version(entry):
                dialog.accept()

        dialog.restore_requested.connect(restore)
        return dialog

    def _restore_refusal(self) -> str:
        """Why the open sheet cannot be put back to an earlier version ("" when it can)."""
        assert self.store is not None and self.document is not None
        if self.store.read_only:
            return "読み取り専用のブックのため、以前の版に戻せません（見比べることはできます）。"
        year = self.document.sheet.report_year
        if year in self.store.locked_years():
            return (
                f"{eras.kanji_label(year)}の報告はロックされているため、以前の版に戻せません"
                "（見比べることはできます）。戻すには、先に「ブック → 報告年度のロックを解除」"
                "で解除してください。"
            )
        return ""

    def restore_version(self, entry: HistoryEntry) -> bool:
        """Save an earlier version's content as the open sheet's newest revision.

        The content goes into the form as one undoable edit and is saved, so
        the book gains a revision equal in content to ``entry`` (its history
        keeps everything); 元に戻す afterwards brings the content from before
        the restore back into the form, unsaved. The sheet keeps its id and
        revision bookkeeping. Unsaved edits are thrown away only after the user
        agrees. Returns True when the restored content was saved.
        """
        if self.store is None or self.document is None:
            return False
        self.form.commit_pending_edit()
        sheet = self.document.sheet
        refusal = self._restore_refusal()
        if refusal:
            messages.show_error(self, refusal)
            return False
        if self.document.is_modified():
            if not messages.confirm(
                self,
                "以前の版に戻す",
                f"No {sheet.no}「{sheet.title}」には保存していない変更があります。\n"
                f"その変更を破棄して、版 {entry.revision} の内容に戻しますか？",
            ):
                return False
            self.document.undo_stack.setClean()
            self.open_sheet(sheet.id)
        document = self.document
        if document is None:
            return False
        if not document.replace_content(f"版 {entry.revision} に戻す", entry.sheet):
            messages.show_info(
                self, f"版 {entry.revision} は今の内容と同じです（戻すものはありません）。"
            )
            return False
        saved = self.save()
        if self.document is not document:  # a conflict, resolved by reloading or a copy
            return saved
        if not saved:
            document.undo_stack.undo()  # nothing restored: the form shows what it showed
            return False
        self.statusBar().showMessage(
            f"版 {entry.revision} の内容に戻し、版 {document.sheet.revision} として保存しました"
            "（「元に戻す」で戻す前の内容に戻せます）",
            STATUS_TIMEOUT_MS,
        )
        return True

    def on_action_export_summary(self) -> None:
        if self.store is None:
            return
        year = self.list_panel.report_year()
        default = f"評価一覧_{eras.short_label(year)}.xlsx" if year is not None else "評価一覧.xlsx"
        name, _ = QFileDialog.getSaveFileName(
            self, "評価一覧をExcelに書き出し", str(self._dialog_folder() / default), XLSX_FILTER
        )
        if name:
            self.export_summary(Path(name), report_year=year)

    def export_summary(self, path: Path, *, report_year: int | None) -> int:
        """Write the 評価一覧 workbook to ``path``; return the value rows written (0: none).

        The summary covers every sheet of ``report_year`` in the book, whatever
        department the list shows (None: every report year, with a 年度 column);
        the menu passes the list's report year. The open sheet is used as it
        stands in the form, unsaved edits included, as in the other exports.
        Ranks and rounding follow the book's evaluation settings. The file is
        written under a temporary name and moved into place, so a cancel or a
        failure leaves nothing behind.
        """
        assert self.store is not None
        sheets = self.store.list_sheets(report_year=report_year)
        if self.document is not None:
            edited = self.document.sheet
            sheets = [edited if sheet.id == edited.id else sheet for sheet in sheets]
        if not sheets:
            year = eras.kanji_label(report_year) if report_year is not None else "ブック"
            messages.show_error(self, f"{year}のシートがないため、評価一覧を書き出せません。")
            return 0
        try:
            with (
                progress(self, f"{len(sheets)}件のシートの評価一覧を書き出しています…") as report,
                atomic_output(path) as stream,
            ):
                count = excel.export_summary(
                    sheets,
                    stream,
                    settings=self.store.evaluation_settings(),
                    book_name=self.book_name(),
                    progress=report,
                )
        except Cancelled:
            self.statusBar().showMessage("評価一覧の書き出しを取り消しました", STATUS_TIMEOUT_MS)
            return 0
        except (excel.ExcelError, OSError) as error:
            messages.show_error(self, f"評価一覧をExcelに書き出せませんでした。\n{error}")
            return 0
        self.statusBar().showMessage(
            f"{len(sheets)}件のシート（{count}行）の評価一覧を書き出しました: {path}",
            STATUS_TIMEOUT_MS,
        )
        return count

    def on_action_evaluation_settings(self) -> None:
        if self.store is None:
            return
        answer = ask_evaluation_settings(
            self, self.store.evaluation_settings(), self.store.print_chart()
        )
        if answer is not None:
            self.apply_evaluation_settings(*answer)

    def apply_evaluation_settings(self, settings: EvaluationSettings, print_chart: bool) -> bool:
        """Keep a new rank scheme and chart setting in the book, and rank everything again."""
        if self.store is None:
            return False
        try:
            self.store.set_evaluation_settings(settings)
            self.store.set_print_chart(print_chart)
        except StoreError as error:
            self.tell(f"評価の設定を保存できませんでした。\n{error}", is_error=True)
            return False
        self.list_panel.set_evaluation_settings(settings)
        self.form.set_evaluation_settings(settings)
        return True

    # --- the yearly roll-over and the year locks

    def on_action_rollover(self) -> None:
        if self.store is None or not self.maybe_save():
            return
        nos_by_year: dict[int, list[str]] = {}
        try:
            for summary in self.store.list_summaries():
                nos_by_year.setdefault(summary.report_year, []).append(summary.no)
            locked = self.store.locked_years()
        except StoreError as error:
            messages.show_error(self, f"ブックを読めませんでした。\n{error}")
            return
        dialog = RolloverDialog(
            nos_by_year, locked=locked, warnings=self._rollover_warnings, parent=self
        )
        if dialog.exec() != RolloverDialog.DialogCode.Accepted:
            return
        from_year, to_year = dialog.from_year(), dialog.to_year()
        if from_year is not None and to_year is not None:
            self.rollover(from_year, to_year)

    def _rollover_warnings(self, from_year: int, to_year: int) -> list[str]:
        """What the roll-over dialog should point out (sheets past their target year...)."""
        if self.store is None:
            return []
        try:
            sheets = self.store.list_sheets(report_year=from_year)
        except StoreError:
            return []
        return rollover.rollover_warnings(sheets, to_year, excel_years=excel.MAX_ACTUAL_YEARS)

    def rollover(self, from_year: int, to_year: int) -> int:
        """Make ``to_year``'s sheets from ``from_year``'s and lock ``from_year``.

        A backup is taken first. Afterwards the list shows ``to_year``, with
        the new copy of the sheet that was open (or the first sheet) opened.

        Returns:
            How many sheets were made (0: nothing was written).
        """
        assert self.store is not None
        if not self.maybe_save():
            return 0
        current = self.document.sheet.no if self.document is not None else None
        old, new = eras.kanji_label(from_year), eras.kanji_label(to_year)
        self._backup(self.store, "rollover")
        try:
            with progress(self, f"{old}のシートから{new}のシートを作っています…") as report:
                made = self.store.rollover(from_year, to_year, progress=report)
        except Cancelled:
            self.statusBar().showMessage("年度更新を取り消しました（何も変わっていません）")
            return 0
        except StoreError as error:
            messages.show_error(
                self, f"年度更新できませんでした（何も変わっていません）。\n{error}"
            )
            return 0
        self._close_document()
        self.list_panel.set_store(self.store)
        combo = self.list_panel.year_combo
        combo.setCurrentIndex(max(combo.findData(to_year), 0))
        opened = next((sheet for sheet in made if sheet.no == current), None)
        visible = self.list_panel.visible_sheet_ids()
        self.open_sheet(opened.id if opened is not None else (visible[0] if visible else None))
        self.statusBar().showMessage(
            f"{old}の{len(made)}シートから{new}のシートを作り、{old}をロックしました",
            STATUS_TIMEOUT_MS,
        )
        return len(made)

    def shown_year(self) -> int | None:
        """The report year the window is about: the open sheet's, else the list's filter."""
        if self.document is not None:
            return self.document.sheet.report_year
        return self.list_panel.report_year()

    def on_action_lock_year(self) -> None:
        year = self.shown_year()
        if year is not None:
            self.lock_year(year)

    def lock_year(self, year: int) -> bool:
        """Lock a report year after the user agrees; False when it was not locked."""
        assert self.store is not None
        label = eras.kanji_label(year)
        if not messages.confirm(
            self,
            "報告年度をロック",
            f"{label}の報告をロックしますか？\n"
            f"ロックすると、{label}のシートは保存・削除・取り込みができなくなります"
            "（ロックは後で解除できます）。",
        ):
            return False
        if not self.maybe_save():
            return False
        try:
            self.store.lock_year(year)
        except StoreError as error:
            messages.show_error(self, f"ロックできませんでした。\n{error}")
            return False
        self._year_lock_changed(f"{label}の報告をロックしました")
        return True

    def _year_lock_changed(self, message: str) -> None:
        """A year was locked or unlocked: the form, the actions and the year filter follow."""
        self._update_year_lock()
        self._update_actions()
        self.list_panel.reload_filters()  # the year filter marks locked years
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS)

    def on_action_unlock_year(self) -> None:
        if self.store is None:
            return
        year = self.shown_year()
        locked = sorted(self._locked_years, reverse=True)
        if year not in locked:
            if len(locked) != 1:
                choice = messages.choose(
                    self,
                    "報告年度のロックを解除",
                    "ロックを解除する報告年度を選んでください。",
                    [eras.kanji_label(locked_year) for locked_year in locked],
                )
                if choice < 0:
                    return
                year = locked[choice]
            else:
                year = locked[0]
        assert year is not None
        self.unlock_year(year)

    def unlock_year(self, year: int) -> bool:
        """Lift a report year's lock after the user agrees; False when it stays locked."""
        assert self.store is not None
        label = eras.kanji_label(year)
        if not messages.confirm(
            self,
            "報告年度のロックを解除",
            f"{label}の報告のロックを解除しますか？\n"
            f"解除すると、提出済みの{label}のシートを変更できるようになります。"
            "変更が済んだら、もう一度ロックしてください。",
        ):
            return False
        try:
            self.store.unlock_year(year)
        except StoreError as error:
            messages.show_error(self, f"ロックを解除できませんでした。\n{error}")
            return False
        self._year_lock_changed(f"{label}の報告のロックを解除しました")
        return True

    @Slot(int)
    def on_year_lock_bar_unlock_requested(self, year: int) -> None:
        self.unlock_year(year)

    def _update_year_lock(self) -> None:
        """Read the book's locked years; make the form read-only and show the banner to match.

        The form is read-only when the book is, or when the open sheet's report
        year is locked.
        """
        store = self.store
        if store is None:
            self._locked_years = set()
        else:
            with contextlib.suppress(StoreError):  # unreadable now: keep what was known
                self._locked_years = store.locked_years()
        year = self.document.sheet.report_year if self.document is not None else None
        locked_year = year if year in self._locked_years else None
        later = False
        if locked_year is not None and store is not None:
            with contextlib.suppress(StoreError):
                later = any(other > locked_year for other in store.report_years())
        self.year_lock_bar.show_lock(
            locked_year,
            rolled_over=later,
            can_unlock=store is not None and not store.read_only,
        )
        read_only = store is not None and (store.read_only or locked_year is not None)
        self.form.set_read_only(read_only)
        if self.document is not None:
            # Undo would change a sheet that cannot be saved: its stack rests until unlocked.
            self.undo_group.setActiveStack(None if read_only else self.document.undo_stack)

    def open_sheet_locked(self) -> bool:
        """Whether the open sheet's report year is locked."""
        return self.document is not None and self.document.sheet.report_year in self._locked_years

    def on_action_about(self) -> None:
        AboutDialog(self).exec()

    # --- helpers

    def _key_exists(self, report_year: int, no: str) -> bool:
        return self.store is not None and self.store.find_sheet(report_year, no) is not None

    def _next_no(self, report_year: int) -> str:
        assert self.store is not None
        numbers = [
            int(summary.no)
            for summary in self.store.list_summaries(report_year=report_year)
            if summary.no.isdigit()
        ]
        return str(max(numbers, default=0) + 1)

    def _print_chart(self) -> bool:
        """Whether the book's PDFs and prints carry each sheet's trend charts."""
        return self.store is not None and self.store.print_chart()

    def _dialog_folder(self) -> Path:
        if self.store is not None and self.store.path is not None:
            return self.store.path.parent
        return Path.home()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_books
        if not recent:
            self.recent_menu.addAction("（なし）").setEnabled(False)
            return
        for number, text in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{number} {text}")
            action.triggered.connect(_bind(self._open_recent, Path(text)))

    def _open_recent(self, path: Path) -> None:
        if not path.exists():
            messages.show_error(self, f"ブックが見つかりません（一覧から外します）: {path}")
            self.settings.remove_recent_book(path)
            return
        self.open_book(path)

    @Slot()
    def _update_title(self) -> None:
        name = self.book_name()
        if name and self.store is not None and self.store.read_only:
            name += "（読み取り専用）"
        self.setWindowTitle(f"{name}[*] - {APP_TITLE}" if name else APP_TITLE)
        self.setWindowModified(self.document is not None and self.document.is_modified())

    def _update_actions(self) -> None:
        has_book = self.store is not None
        writable = has_book and not self.store.read_only  # type: ignore[union-attr]
        has_sheet = self.document is not None
        for key in (Action.SAVE_BOOK_AS, Action.EXPORT_JSON, Action.EXPORT_PDF, Action.PRINT,
                    Action.PRINT_PREVIEW, Action.EXPORT_XLSX,
                    Action.EXPORT_XLSX_DEPARTMENTS, Action.EXPORT_SUMMARY):  # fmt: skip
            self.actions[key].setEnabled(has_book)
        for key in (Action.RESTORE_BACKUP, Action.IMPORT_TEXT, Action.IMPORT_JSON,
                    Action.IMPORT_XLSX, Action.NEW_SHEET):  # fmt: skip
            self.actions[key].setEnabled(writable)
        self.actions[Action.HISTORY].setEnabled(has_sheet)
        self.actions[Action.EVALUATION_SETTINGS].setEnabled(writable)
        sheet_locked = self.open_sheet_locked()
        for key in (Action.SAVE, Action.DELETE_SHEET, Action.DUPLICATE_SHEET):
            self.actions[key].setEnabled(has_sheet and writable and not sheet_locked)
        shown_year = self.shown_year() if has_book else None
        self.actions[Action.ROLLOVER].setEnabled(writable and self.list_panel.model.rowCount() > 0)
        self.actions[Action.LOCK_YEAR].setEnabled(
            writable and shown_year is not None and shown_year not in self._locked_years
        )
        self.actions[Action.UNLOCK_YEAR].setEnabled(writable and bool(self._locked_years))
        self.actions[Action.UNDO].setEnabled(self.undo_group.canUndo())
        self.actions[Action.REDO].setEnabled(self.undo_group.canRedo())

    def tell(self, message: str, *, is_error: bool = False) -> None:
        """Show a message to the user (an error or information)."""
        if is_error:
            messages.show_error(self, message)
        else:
            messages.show_info(self, message)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.window_geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        self.settings.splitter_state = self.splitter.saveState()
        self.settings.sync()
        self._close_document()
        if self.store is not None:
            self.store.close()
            self.store = None
        self._release_lock()
        event.accept()


def _page_numbers(printer: QPrinter, total: int) -> list[int]:
    """The pages the print dialog asked for (all when it asked for no range)."""
    if printer.printRange() == QPrinter.PrintRange.PageRange:
        ranges = printer.pageRanges()
        if not ranges.isEmpty():
            return [number for number in range(1, total + 1) if ranges.contains(number)]
        first, last = printer.fromPage(), printer.toPage()
        if first > 0:
            return list(range(first, min(last or total, total) + 1))
    return list(range(1, total + 1))


def _with_suffix(path: Path) -> Path:
    return path if path.suffix else path.with_suffix(BOOK_SUFFIX)


def _latest(years: list[int]) -> int:
    return max(years) if years else 2020


def _bind(function: Callable[[Path], None], path: Path) -> Callable[[], None]:
    return lambda: function(path)
