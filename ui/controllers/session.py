"""The book session: the open book, its lock, the open sheet, saving, conflicts, year locks."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QUndoGroup
from PySide6.QtWidgets import QFileDialog

from kpidesk import limits, wording
from kpidesk.book import backups, lock, sidefiles
from kpidesk.book.errors import (
    BookError,
    DuplicateSheetError,
    NotABookError,
    NotFoundError,
    ReadOnlyFileError,
    StaleRevisionError,
    YearLockedError,
)
from kpidesk.book.identity import FileIdentity, file_change
from kpidesk.book.store import Book
from kpidesk.evaluation import EvaluationSettings
from kpidesk.model import Sheet
from kpidesk.paths import BOOK_SUFFIX
from ui.controllers.base import BOOK_FILTER, Controller, with_book_suffix
from ui.controllers.cycle import handout_notice
from ui.dialogs import messages
from ui.dialogs.messages import Choice
from ui.document import SheetDocument

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: How many values not understood a question before saving lists by name.
MAX_LISTED_VALUES = 10
#: How often this program renews its lock on the open book (ms).
HEARTBEAT_MS = int(lock.HEARTBEAT_INTERVAL.total_seconds() * 1000)


class BookSession(Controller):
    """The book the window shows and the sheet open in its form.

    Every path that opens a book for writing goes through :meth:`open_book`
    or :meth:`set_book`; every save of the open sheet through :meth:`save`.

    Signals:
        book_changed(): another book (or none) is shown.
        document_changed(): another sheet (or none) is open in the form.
        state_changed(): something the title or the actions' enablement
            depend on changed (modified, year locks, read-only).

    Attributes:
        book: the open book, or None.
        document: the open sheet with its undo stack, or None.
        undo_group: the undo stacks of the open sheet (one at a time).
        locked_years: the book's locked report years, as last read.
    """

    book_changed = Signal()
    document_changed = Signal()
    state_changed = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.book: Book | None = None
        self.document: SheetDocument | None = None
        self.undo_group = QUndoGroup(self)
        self.locked_years: set[int] = set()
        self._lock: lock.BookLock | None = None
        #: What the backup taken when the book was shown could not do (Japanese notes).
        self.backup_notes: list[str] = []
        #: What the status bar said of the book's opening (the backup's notes follow it).
        self._opened_text = ""
        #: The book's file as it was when shown, to notice it deleted or replaced.
        self._opened_as: FileIdentity | None = None
        #: What happened to the book's file, once noticed (said once, kept for saves).
        self._file_gone: str | None = None
        #: The book being opened, already open for editing (see :meth:`open_book`).
        self._opened_before: Book | None = None
        #: Why the book being opened was refused as not a (sound) book.
        self._refused: BookError | None = None
        #: What the book notice's button does (None: the notice has no button).
        self._notice_action: Callable[[], None] | None = None
        #: Whether the last heartbeat could not write the lock file (a status note says so).
        self._beat_failed = False
        #: Values not understood that the user chose to save as they are, per
        #: (book file, sheet id): asked once for them in this session.
        self._accepted_values: dict[tuple[str, int | None], set[tuple[str, str]]] = {}
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(HEARTBEAT_MS)
        self._heartbeat.timeout.connect(self._beat)

    # --- the book

    def set_book(
        self,
        book: Book | None,
        *,
        remember: bool = True,
        book_lock: lock.BookLock | None = None,
    ) -> None:
        """Show ``book`` (closing the one shown before).

        Args:
            book: the book, or None for no book.
            remember: put it in the recent books and make it the last book.
            book_lock: this program's lock on the book (released when another
                book is shown or the window closes; the lock already held,
                passed again for the same book reopened, is kept).
        """
        window = self.window
        self.close_document()
        if self.book is not None and self.book is not book:
            self.book.close()
        if book_lock is None or book_lock is not self._lock:
            self._release_lock()
        self._lock = book_lock
        self.book = book
        self._opened_as = FileIdentity.of(book.path) if book is not None and book.path else None
        self._file_gone = None
        if book_lock is not None or (book is not None and not book.read_only and book.path):
            self._heartbeat.start()
        self.backup_notes = []
        self._opened_text = ""
        if book is not None and not book.read_only:
            # The day's backup (a copy of the whole book, most of a second for
            # thousands of sheets) waits until the window is shown, but never
            # past the book's first write.
            book.before_first_write = self._backup_on_open
            window.after_first_paint(lambda: self.take_backup_on_open(book))
        self.update_year_lock()
        self.update_book_notice()
        window.form.set_evaluation_settings(
            book.evaluation_settings() if book is not None else EvaluationSettings()
        )
        window.list_panel.set_book(book)
        if book is not None and book.path is not None and remember:
            window.settings.add_recent_book(book.path)
        self.book_changed.emit()
        self.state_changed.emit()
        # Back where the user left this book, else at the first sheet shown.
        sheet_id = window.last_view.restore(book) if book is not None else None
        if sheet_id is None and book is not None:
            sheet_id = window.list_panel.first_visible_sheet_id()
        if sheet_id is not None:
            self.open_sheet(sheet_id)

    @property
    def book_lock(self) -> lock.BookLock | None:
        """This program's lock on the shown book, or None."""
        return self._lock

    def take_backup_on_open(self, book: Book) -> None:
        """Take the day's backup of ``book``, shown, unless done already (by its first write)."""
        if book is self.book and (backup := book.before_first_write) is not None:
            book.before_first_write = None
            backup()

    def _backup_on_open(self) -> None:
        """Take the day's backup of the book just shown; never blocks the work.

        What could not be done (an old backup another program holds) is said
        in the status bar, after what was said of the opening, and kept in
        :attr:`backup_notes`.
        """
        book = self.book
        if book is None or book.path is None:
            return
        try:
            backups.backup_on_open(
                book, keep=self.window.settings.backups_keep, notes=self.backup_notes
            )
        except BookError as error:
            self.status(f"バックアップを取れませんでした: {error}", 0)
        if self.backup_notes:
            self.status("。".join([*filter(None, [self._opened_text]), *self.backup_notes]), 0)

    def book_name(self) -> str:
        """The shown book's file name, or ""."""
        if self.book is None:
            return ""
        return self.book.path.name if self.book.path is not None else "（メモリ上のブック）"

    def print_chart(self) -> bool:
        """Whether the book's PDFs and prints carry each sheet's trend charts."""
        return self.book is not None and self.book.print_chart()

    def open_book(self, path: Path, *, remember: bool = True, opened: Book | None = None) -> bool:
        """Open the book at ``path`` after the open sheet is saved or discarded.

        A book someone else has open (its lock file says who) is opened
        read-only or as a copy, as the user chooses; a lock left by a
        crashed program can be taken over.

        Args:
            opened: the book at ``path``, already opened for editing (at
                start); used once the lock is ours instead of opening (and
                checking every page of) the file again, else closed.
        """
        if not self.maybe_save():
            if opened is not None:
                opened.close()
            return False
        self._refused = None
        self._opened_before = opened
        try:
            opened = self._open_with_lock(path)
        finally:
            if self._opened_before is not None:  # not used: read-only, a copy, refused
                self._opened_before.close()
                self._opened_before = None
        if opened is None:
            if self._refused is not None:  # after the lock is given up
                self._offer_backups(path, self._refused)
            return False
        book, book_lock = opened
        self.set_book(book, remember=remember, book_lock=book_lock)
        suffix = "（読み取り専用）" if book.read_only else ""
        self._opened_text = f"開きました{suffix}: {book.path}"
        self.status_with_notes(self._opened_text, self.backup_notes)
        return True

    def lock_for_new_file(self, path: Path, failed: str) -> lock.BookLock | None:
        """This program's lock on a file about to be written as a book (new, a copy, restored).

        The lock is taken before anything is written, so that a book someone
        else has open is never written over. The lock this program already
        holds on the same file is returned as it is.

        Args:
            path: the file.
            failed: what could not be done, said first when the lock cannot be had.

        Returns:
            The lock, or None when someone else has the file open or no lock
            file can be made there (the user is told why).
        """
        held = self._lock
        if held is not None and not held.released and _same_file(held.book, path):
            return held
        try:
            return lock.BookLock.acquire(path)
        except lock.LockedError as error:
            messages.show_error(
                self.window,
                f"{failed}: {path}\nこのファイルは{error.info.describe()}。"
                "別の名前を指定してください。",
            )
        except lock.LockError as error:
            messages.show_error(self.window, f"{failed}: {path}\n{error}")
        return None

    def show_locked_book(self, path: Path, book_lock: lock.BookLock, failed: str) -> bool:
        """Open the book just written at ``path`` for editing under ``book_lock`` and show it.

        The lock is given up when the book cannot be opened.
        """
        try:
            book = Book.open(path, create=False)
        except BookError as error:
            if book_lock is not self._lock:
                book_lock.release()
            messages.show_error(self.window, f"{failed}: {path}\n{error}")
            return False
        self.set_book(book, book_lock=book_lock)
        return True

    def _open_with_lock(self, path: Path) -> tuple[Book, lock.BookLock | None] | None:
        problem = sidefiles.room_problem(path)
        if problem is not None:
            # Nothing may be written for it (no lock, no backup): it can still be read,
            # and saved under a shorter path.
            messages.show_info(
                self.window,
                f"{problem}。\n読み取り専用で開きます。編集するには、ブックを短いパスのフォルダに"
                "移すか、「名前を付けて保存」で短いパスの場所に保存してください。",
            )
            return self._open_plain(path, read_only=True)
        try:
            left = lock.read_lock(path)
            book_lock = lock.BookLock.acquire(path)  # a stale lock is taken over
            if left is not None and lock.is_stale(left):
                messages.show_info(
                    self.window,
                    "このブックには、KPI Desk が異常終了したときに残った「開いています」の印が"
                    f"ありました（記録: {left.describe()}。そのKPI Deskはもう動いていません）。"
                    "引き継いで開きます。",
                )
        except lock.LockedError as error:
            return self._open_locked(path, error.info)
        except lock.LockError as error:
            messages.show_info(
                self.window, f"{error}\nほかの人と重ならないよう、読み取り専用で開きます。"
            )
            return self._open_plain(path, read_only=True)
        return self._open_holding(path, book_lock)

    def _open_holding(
        self, path: Path, book_lock: lock.BookLock
    ) -> tuple[Book, lock.BookLock | None] | None:
        """Open the book for editing under our lock (given up when it opens read-only)."""
        opened = self._open_plain(path)
        if opened is None or opened[0].read_only:
            book_lock.release()
            return opened
        return opened[0], book_lock

    def _open_locked(
        self, path: Path, info: lock.LockInfo
    ) -> tuple[Book, lock.BookLock | None] | None:
        """Someone else has the book open: read-only, a copy, or nothing.

        A lock whose heartbeat is far ahead of this computer's clock
        (``lock.is_ahead``) never goes stale by itself: taking it over is offered.
        """
        title = "ほかの人が開いています"
        text = (
            f"このブックは{info.describe()}。\n"
            "同時に書き込むと変更が重なるため、読み取り専用で開くか、コピーを作って開いてください。"
        )
        if lock.is_mine_elsewhere(info):
            title = "別の KPI Desk で開いています"
            text = (
                "このブックは、このパソコンの別の KPI Desk の画面で開いています"
                f"（{info.describe()}）。\n"
                "そちらの画面で作業を続けるか、そちらを閉じてから開いてください。"
                "ここでは読み取り専用で開くか、コピーを作って開けます。"
            )
        options = ["読み取り専用で開く", "コピーを作って開く"]
        if lock.is_ahead(info):
            beat = info.heartbeat.astimezone().strftime("%Y-%m-%d %H:%M")
            text += (
                f"\n\nただし、この印の最後の時刻（{beat}）は、このコンピューターの時計より先です。"
                "印を書いたパソコンの時計が狂っているか、印が壊れているため、"
                "このままでは印がいつまでも残ります。"
                "その人がもうこのブックを閉じていることを確かめられたら、引き継いで開けます。"
            )
            options.append("引き継いで開く")
        choice = messages.choose(self.window, title, text, options)
        if choice == 0:
            return self._open_plain(path, read_only=True)
        if choice == 1:
            return self._open_copy(path)
        if choice == 2 and len(options) == 3:
            return self._take_over(path)
        return None

    def _take_over(self, path: Path) -> tuple[Book, lock.BookLock | None] | None:
        """Take the book's lock over (the user chose to) and open the book for editing."""
        try:
            book_lock = lock.BookLock.acquire(path, take_over=True)
        except lock.LockError as error:
            messages.show_error(self.window, f"引き継げませんでした。\n{error}")
            return None
        return self._open_holding(path, book_lock)

    def _open_plain(self, path: Path, *, read_only: bool = False) -> tuple[Book, None] | None:
        before, self._opened_before = self._opened_before, None
        if before is not None and not read_only and not before.read_only and before.path == path:
            return before, None
        if before is not None:
            before.close()
        try:
            return Book.open(path, create=False, read_only=read_only), None
        except ReadOnlyFileError:
            if messages.confirm(
                self.window, "読み取り専用のファイル", f"このファイルは書き込みできません: {path}\n"
                "読み取り専用で開きますか？",
            ):  # fmt: skip
                return self._open_plain(path, read_only=True)
            return None
        except NotABookError as error:
            self._refused = error  # damaged or changed elsewhere: its backups are offered
            return None
        except BookError as error:
            messages.show_error(self.window, f"ブックを開けません: {path}\n{error}")
            return None

    def _offer_backups(self, path: Path, error: BookError) -> None:
        """Say why the book at ``path`` cannot be opened; offer its backups when it has some.

        A backup is restored as a new file: the book that cannot be opened is
        left as it is.
        """
        found = backups.list_backups(path)
        text = f"ブックを開けません: {path}\n{error}"
        if not found:
            messages.show_error(self.window, text)
            return
        newest = found[0].taken_at.strftime("%Y-%m-%d %H:%M")
        choice = messages.choose(
            self.window,
            "ブックを開けません",
            f"{text}\n\nこのブックのバックアップが {len(found)} 件あります（いちばん新しいもの: "
            f"{newest}、フォルダ「{backups.backup_folder(path).name}」）。"
            "バックアップを新しいファイルとして復元して開くことができます。",
            ["バックアップから復元…"],
        )
        if choice == 0:
            self.window.files.restore_from_backups_of(path, over_allowed=False)

    def _open_copy(self, path: Path) -> tuple[Book, lock.BookLock | None] | None:
        name, _ = QFileDialog.getSaveFileName(
            self.window, "コピーを作って開く",
            str(Path.home() / f"{path.stem}_コピー{BOOK_SUFFIX}"), BOOK_FILTER,
        )  # fmt: skip
        if not name:
            return None
        target = with_book_suffix(Path(name))
        failed = "コピーを作れませんでした"
        book_lock = self.lock_for_new_file(target, failed)
        if book_lock is None:
            return None
        try:
            sidefiles.check_room(target)
            with Book.open(path, create=False, read_only=True) as source:
                source.backup_to(target)
        except BookError as error:
            book_lock.release()
            messages.show_error(self.window, f"{failed}: {target}\n{error}")
            return None
        return self._open_holding(target, book_lock)

    def close_book(self) -> None:
        """Close the open sheet and the book and give up the lock (the window closes)."""
        self.close_document()
        if self.book is not None:
            self.book.close()
            self.book = None
        self._release_lock()

    def _release_lock(self) -> None:
        self._heartbeat.stop()
        if self._lock is not None:
            with contextlib.suppress(lock.LockError):  # someone else's now: nothing to remove
                self._lock.release()
            self._lock = None

    def file_gone(self) -> str | None:
        """What happened to the book's file since it was opened (deleted, replaced), or None.

        Once noticed, it is remembered: the book stays as it was opened in
        the window, and can only be saved under a new name.
        """
        if self._file_gone is None and self.book is not None and self.book.path is not None:
            self._file_gone = file_change(self.book.path, self._opened_as)
        return self._file_gone

    @property
    def file_gone_noticed(self) -> bool:
        """Whether the book's file is known to have been deleted or replaced (no new look)."""
        return self._file_gone is not None

    def update_book_notice(self) -> None:
        """Show above the form what the user must know about the whole book, or nothing.

        A book whose file was deleted or replaced while open says so until it
        is saved under a new name; a book opened read-only says so; a book
        whose stored settings could not be used lists why, one line each,
        until they are saved again; a book handed out to a department says
        by whom and when (a 差戻し: which sheets carry a 企画課コメント), with
        「提出用に保存…」.
        """
        bar = self.window.book_notice_bar
        self._notice_action = None
        if self.book is None:
            bar.show_notice("")
        elif self.file_gone() is not None:
            self._notice_action = self.window.files.ask_save_book_as
            bar.show_notice(
                "ブックのファイルが、開いた後に削除・移動されたか、置き換えられました。"
                "開いている内容は残っています。「名前を付けて保存」で保存してください。",
                "名前を付けて保存…",
                self.file_gone() or "",
            )
        elif self.book.read_only:
            lines = [
                "読み取り専用で開いています。シートを見ることはできますが、変更は保存できません。"
            ]
            lines += [f"注意: {problem}" for problem in self.book.settings_problems()]
            bar.show_notice("\n".join(lines))
        elif problems := self.book.settings_problems():
            self._notice_action = self.window.years.ask_evaluation_settings
            bar.show_notice("\n".join(f"注意: {problem}" for problem in problems), "評価の設定…")
        elif (mark := self.window.cycle.handout_mark()) is not None:
            self._notice_action = self.window.cycle.ask_save_for_return
            bar.show_notice(
                f"{handout_notice(mark, self.window.cycle.commented_nos())}\n"
                "編集が済んだら「提出用に保存」で"
                "企画課に送るファイルを作ってください。",
                "提出用に保存…",
            )
        else:
            bar.show_notice("")

    @Slot()
    def on_book_notice_action(self) -> None:
        if self._notice_action is not None:
            self._notice_action()

    @Slot()
    def _beat(self) -> None:
        if self._file_gone is None and self.file_gone() is not None:
            self.update_book_notice()
            messages.show_error(self.window, self._file_gone)
            self.state_changed.emit()
            return
        if self._lock is None or self._file_gone is not None:
            return
        try:
            self._lock.heartbeat()
        except lock.LockLostError as error:  # someone else has the book now
            self._heartbeat.stop()
            self._lock = None
            self._beat_failed = False
            messages.show_error(self.window, str(error))
        except lock.LockError as error:
            # The network folder is slow or gone for a moment, or another
            # program holds the file: the lock is still ours, tried next beat.
            self._beat_failed = True
            self.status(
                f"「開いています」の印（ロックファイル）を更新できませんでした。"
                f"次の確認で再試行します（{error}）",
                0,
            )
        else:
            if self._beat_failed:
                self._beat_failed = False
                self.status("「開いています」の印（ロックファイル）を再び更新できました")

    # --- the open sheet

    def open_sheet(self, sheet_id: int | None) -> None:
        """Open the sheet with this id in the form (None: close the form).

        The form goes straight from one sheet to the next, without being
        emptied in between (reusing its widgets; blanking it would lay out
        and show every one of them again).
        """
        if sheet_id is None or self.book is None:
            self.close_document()
            self.window.list_panel.set_open_sheet(None)
            self.update_year_lock()
            self.state_changed.emit()
            return
        try:
            sheet = self.book.get_sheet(sheet_id)
        except BookError as error:
            self.close_document()
            messages.show_error(self.window, f"シートを開けません。\n{error}")
            return
        self._drop_document()
        document = SheetDocument(sheet, self, keep=True)  # read just now, held by nobody else
        document.modified_changed.connect(self.state_changed)
        self.undo_group.addStack(document.undo_stack)
        self.undo_group.setActiveStack(document.undo_stack)
        self.document = document
        self.window.form.set_document(document)
        self.update_year_lock()
        self.window.list_panel.set_open_sheet(sheet_id)
        self.document_changed.emit()
        self.state_changed.emit()

    def close_document(self) -> None:
        """Take the open sheet out of the form (its unsaved edits are dropped)."""
        if self.document is None:
            return
        self.window.form.set_document(None)
        self._drop_document()
        self.document_changed.emit()

    def _drop_document(self) -> None:
        """Let go of the open sheet's document and undo stack (the form is left as it is)."""
        if self.document is None:
            return
        self.undo_group.removeStack(self.document.undo_stack)
        self.document.deleteLater()
        self.document = None

    def reload_list(self) -> None:
        """Many sheets changed at once: list the book again and reopen the open sheet."""
        current = self.document.sheet.id if self.document is not None else None
        self.close_document()
        self.window.list_panel.set_book(self.book)
        if current is not None:
            self.open_sheet(current)
        self.state_changed.emit()

    def maybe_save(self) -> bool:
        """Ask to save the open sheet's changes; False when the user cancels.

        破棄 really throws the changes away: the sheet is read again from the book.
        """
        self.window.form.commit_pending_edit()
        if self.document is None or not self.document.is_modified():
            return True
        sheet = self.document.sheet
        choice = messages.ask_save_changes(
            self.window, f"No {sheet.no}「{sheet.title}」への変更を保存しますか？"
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
        if self.document is None or self.book is None:
            return False
        self.window.form.commit_pending_edit()
        sheet = self.document.sheet
        gone = self.file_gone()
        if gone is not None:
            self.update_book_notice()
            messages.show_error(self.window, f"保存できませんでした。\n{gone}")
            return False
        if not self._values_accepted(sheet):
            return False
        # Pasted characters a workbook cannot carry become U+FFFD, as on import.
        cleaned = limits.clean_sheet(sheet)
        try:
            saved = self.book.save_sheet(sheet)
        except StaleRevisionError as error:
            return self._resolve_conflict(error)
        except YearLockedError as error:
            # Locked elsewhere since the sheet was opened: the edits stay in the
            # form (read-only now, under the banner) until the lock is lifted.
            messages.show_error(self.window, f"保存できませんでした。\n{error}")
            self.year_lock_changed("")
            return False
        except (DuplicateSheetError, NotFoundError, BookError) as error:
            # Deleted or replaced while saving: say that, not what SQLite saw.
            messages.show_error(self.window, f"保存できませんでした。\n{self.file_gone() or error}")
            return False
        assert saved.id is not None
        self.document.mark_saved(saved)
        self.window.list_panel.refresh_sheet(saved.id)
        if cleaned:
            self.window.form.set_document(self.document)
        replaced = "（Excelに書けない文字を「\ufffd」に置き換えました）" if cleaned else ""
        self.status(f"保存しました: No {saved.no}（版 {saved.revision}）{replaced}")
        return True

    def _values_accepted(self, sheet: Sheet) -> bool:
        """Ask once before saving values that are not understood (保存する / 戻って直す).

        The question names the cells; after 保存する it is not asked again
        for the same cells of the sheet while the book stays open here.
        """
        found = wording.invalid_values(sheet)
        key = (str(self.book.path if self.book is not None else ""), sheet.id)
        cells = {(value.place, value.text) for value in found}
        if cells <= self._accepted_values.get(key, set()):
            return True
        listed = "\n".join(f"「{value}」" for value in found[:MAX_LISTED_VALUES])
        more = len(found) - MAX_LISTED_VALUES
        if more > 0:
            listed += f"\nほか {more}件"
        proceed = messages.ask_proceed(
            self.window,
            "数値として読めない値",
            f"No {sheet.no} に、数値でも既知の語（集計中、— など）でもない値が"
            f"{len(found)}件あります。\n{listed}\n\n"
            "このまま保存すると、評価とグラフではこの値を使いません。",
            "保存する",
            "戻って直す",
        )
        if proceed:
            self._accepted_values.setdefault(key, set()).update(cells)
        return proceed

    def _resolve_conflict(self, error: StaleRevisionError) -> bool:
        assert self.document is not None and self.book is not None
        sheet = self.document.sheet
        choice = messages.choose(
            self.window,
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
            copy = dataclasses.replace(sheet, id=None, revision=0, no=self.free_no(sheet))
            try:
                saved = self.book.save_sheet(copy)
            except BookError as store_error:
                messages.show_error(self.window, f"保存できませんでした。\n{store_error}")
                return False
            self.document.undo_stack.setClean()
            self.window.list_panel.refresh_sheet(saved.id or 0)
            self.open_sheet(saved.id)
            self.status(f"No {saved.no} として保存しました")
            return True
        return False

    def free_no(self, sheet: Sheet) -> str:
        """A No for a copy of ``sheet`` that its report year does not have yet."""
        assert self.book is not None
        candidate = f"{sheet.no}（コピー）"
        number = 2
        while self.book.find_sheet(sheet.report_year, candidate) is not None:
            candidate = f"{sheet.no}（コピー{number}）"
            number += 1
        return candidate

    # --- year locks

    def shown_year(self) -> int | None:
        """The report year the window is about: the open sheet's, else the list's filter."""
        if self.document is not None:
            return self.document.sheet.report_year
        return self.window.list_panel.report_year()

    def open_sheet_locked(self) -> bool:
        """Whether the open sheet's report year is locked."""
        return self.document is not None and self.document.sheet.report_year in self.locked_years

    def year_lock_changed(self, message: str) -> None:
        """A year was locked or unlocked: the form, the actions and the year filter follow."""
        self.update_year_lock()
        self.window.list_panel.reload_filters()  # the year filter marks locked years
        self.state_changed.emit()
        if message:
            self.status(message)

    def update_year_lock(self) -> None:
        """Read the book's locked years; make the form read-only and show the banner to match.

        The form is read-only when the book is, or when the open sheet's report
        year is locked.
        """
        book = self.book
        if book is None:
            self.locked_years = set()
        else:
            with contextlib.suppress(BookError):  # unreadable now: keep what was known
                self.locked_years = book.locked_years()
        year = self.document.sheet.report_year if self.document is not None else None
        locked_year = year if year in self.locked_years else None
        later = False
        if locked_year is not None and book is not None:
            with contextlib.suppress(BookError):
                later = any(other > locked_year for other in book.report_years())
        self.window.year_lock_bar.show_lock(
            locked_year,
            rolled_over=later,
            can_unlock=book is not None and not book.read_only,
        )
        read_only = book is not None and (book.read_only or locked_year is not None)
        self.window.form.set_read_only(read_only)
        if self.document is not None:
            # Undo would change a sheet that cannot be saved: its stack rests until unlocked.
            self.undo_group.setActiveStack(None if read_only else self.document.undo_stack)


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name the same file (compared resolved; never raises)."""
    try:
        return first.resolve() == second.resolve()
    except (OSError, RuntimeError):
        return first == second
