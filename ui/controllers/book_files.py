"""Book files: new, open, save as, the recent books and restoring a backup."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QFileDialog

from kpidesk.book import backups, lock, sidefiles
from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from kpidesk.paths import BOOK_SUFFIX, Whereabouts, whereabouts
from ui.app import InitialBook, lost_book_text, open_default_book
from ui.controllers.base import BOOK_FILTER, Controller, with_book_suffix
from ui.dialogs import messages


class BookFiles(Controller):
    """The ファイル menu's work on whole books."""

    @Slot()
    def new_book(self) -> None:
        """Ask for a file name and start a new, empty book there."""
        if not self.session.maybe_save():
            return
        name, _ = QFileDialog.getSaveFileName(
            self.window, "新規ブック", str(self.dialog_folder() / f"新しいブック{BOOK_SUFFIX}"),
            BOOK_FILTER, options=QFileDialog.Option.DontConfirmOverwrite,
        )  # fmt: skip
        if not name:
            return
        path = with_book_suffix(Path(name))
        if path.exists():
            messages.show_error(
                self.window, f"既にファイルがあります。別の名前を指定してください: {path}"
            )
            return
        failed = "ブックを作れません"
        book_lock = self.session.lock_for_new_file(path, failed)
        if book_lock is None:
            return
        try:
            book = Book.open(path, create=True)
        except BookError as error:
            self._give_up(book_lock)
            messages.show_error(self.window, f"{failed}: {path}\n{error}")
            return
        self.session.set_book(book, book_lock=book_lock)
        self.status(f"新しいブックを作りました: {path}")

    @Slot()
    def open_book(self) -> None:
        """Ask for a book and open it."""
        name, _ = QFileDialog.getOpenFileName(
            self.window, "ブックを開く", str(self.dialog_folder()), BOOK_FILTER
        )
        if name:
            self.session.open_book(Path(name))

    @Slot()
    def ask_save_book_as(self) -> None:
        """Ask for a new name and continue in a copy of the book there.

        A book whose file was deleted or replaced while open cannot be saved
        first: the open sheet's unsaved edits are carried into the copy.
        """
        if self.session.book is None:
            return
        if self.session.file_gone() is None and not self.session.maybe_save():
            return
        name, _ = QFileDialog.getSaveFileName(
            self.window,
            "名前を付けて保存",
            str(self.dialog_folder() / self.session.book_name()),
            BOOK_FILTER,
        )
        if name:
            self.save_book_as(with_book_suffix(Path(name)))

    def save_book_as(self, path: Path) -> bool:
        """Copy the book to ``path`` and continue in the copy.

        Unsaved edits of the open sheet (there are some only when the book's
        file was deleted or replaced, see :meth:`ask_save_book_as`) are saved
        into the copy.
        """
        session = self.session
        assert session.book is not None
        gone = session.file_gone()
        same = session.book.path is not None and path.resolve() == session.book.path.resolve()
        if same and gone is not None and not path.exists():
            same = False  # deleted or moved away: the book may be written there again
        if same:
            if gone is None:
                return True
            messages.show_error(
                self.window,
                f"元のブックと同じ名前には保存できません。別の名前を指定してください: {path}",
            )
            return False
        self.window.form.commit_pending_edit()
        document = session.document
        current = document.sheet.id if document is not None else None
        edited = (
            copy.deepcopy(document.sheet)
            if document is not None and document.is_modified()
            else None
        )
        book_lock = session.lock_for_new_file(path, "保存できませんでした")
        if book_lock is None:
            return False
        try:
            sidefiles.check_room(path)  # before the copy is written
            session.book.backup_to(path)
            book = Book.open(path, create=False)
        except (BookError, OSError) as error:
            self._give_up(book_lock)
            messages.show_error(self.window, f"保存できませんでした: {path}\n{error}")
            return False
        if edited is not None:
            try:
                book.save_sheet(edited)
            except BookError as error:
                book.close()
                self._give_up(book_lock)
                messages.show_error(
                    self.window,
                    f"変更したシートを新しいブックに保存できませんでした: {path}\n{error}",
                )
                return False
        session.set_book(book, book_lock=book_lock)
        if current is not None:
            session.open_sheet(current)
        self.status(f"名前を付けて保存しました: {path}")
        return True

    # --- backups

    @Slot()
    def ask_restore_backup(self) -> None:
        """Show the book's backups and restore the chosen one as a copy or over the book.

        While the book's file is gone (deleted or replaced while open) a
        backup is restored only once what is open has been saved under a
        new name, so that it is not lost.
        """
        session = self.session
        book = session.book
        if book is None or book.path is None:
            return
        if session.file_gone() is not None:
            # Opening a restored copy would close the open book, whose file is
            # gone: what it holds (saved since the backup or not) would be lost.
            messages.show_error(
                self.window,
                "ブックのファイルがなくなっているため、このままではバックアップを復元できません。"
                "先に「名前を付けて保存」で開いている内容を保存してから、復元してください。",
            )
            return
        if not session.maybe_save():
            return
        self.restore_from_backups_of(book.path, over_allowed=True)

    def restore_from_backups_of(self, path: Path, *, over_allowed: bool) -> None:
        """Show the backups of the book at ``path`` and restore the one chosen.

        Args:
            path: the book (open, or one that could not be opened).
            over_allowed: offer to restore over the open book; otherwise a
                backup is only restored as a new file (the file at ``path``
                is left as it is).
        """
        from ui.dialogs.backups import BackupDialog

        dialog = BackupDialog(
            path.name, backups.list_backups(path), self.window, over_allowed=over_allowed
        )
        backup = dialog.chosen() if dialog.exec() == BackupDialog.DialogCode.Accepted else None
        if backup is None:
            return
        if dialog.result_action == "copy":
            suggested = path.with_name(f"{path.stem}_復元{BOOK_SUFFIX}")  # beside the book
            while True:  # a name already taken is asked again, not a restore started over
                name, _ = QFileDialog.getSaveFileName(
                    self.window,
                    "新しいファイルとして復元",
                    str(suggested),
                    BOOK_FILTER,
                    options=QFileDialog.Option.DontConfirmOverwrite,
                )
                if not name:
                    return
                target = with_book_suffix(Path(name))
                if not target.exists():
                    break
                messages.show_error(
                    self.window, f"既にファイルがあります。別の名前を指定してください: {target}"
                )
                suggested = target
            self.restore_backup_as_copy(backup, target)
        elif dialog.result_action == "over" and over_allowed:
            self.restore_backup_over_book(backup)

    def restore_backup_as_copy(self, backup: backups.Backup, target: Path) -> bool:
        """Write a backup out as a new book and open it (its lock is taken first)."""
        failed = "復元できませんでした"
        book_lock = self.session.lock_for_new_file(target, failed)
        if book_lock is None:
            return False
        try:
            sidefiles.check_room(target)  # before the copy is written
            backups.restore_as_copy(backup.path, target)
        except BookError as error:
            self._give_up(book_lock)
            messages.show_error(self.window, f"{failed}。\n{error}")
            return False
        if not self.session.show_locked_book(target, book_lock, failed):
            return False
        self.status(f"バックアップを新しいファイルとして復元しました: {target}")
        return True

    def _give_up(self, book_lock: lock.BookLock) -> None:
        """Release a lock taken for a file that was not made (never the open book's own)."""
        if book_lock is not self.session.book_lock:
            book_lock.release()

    def restore_backup_over_book(self, backup: backups.Backup) -> bool:
        """Replace the open book by a backup, after confirmation and a backup of it."""
        session = self.session
        assert session.book is not None and session.book.path is not None
        if session.file_gone() is not None:
            # Closing the open book would lose it: there is no file to reopen.
            messages.show_error(self.window, f"復元できませんでした。\n{session.file_gone()}")
            return False
        when = backup.taken_at.strftime("%Y-%m-%d %H:%M")
        if not messages.confirm(
            self.window,
            "バックアップから復元",
            f"ブック「{session.book_name()}」を {when} のバックアップ（{backup.reason}）で"
            "置き換えますか？\n今の内容もバックアップに残ります。",
        ):
            return False
        path = session.book.path
        book_lock = session.book_lock or session.lock_for_new_file(path, "復元できませんでした")
        if book_lock is None:
            return False
        session.close_document()
        session.book.close()
        session.book = None
        notes: list[str] = []
        try:
            backups.restore_over(
                backup.path, path, keep=self.window.settings.backups_keep, notes=notes
            )
            restored = True
        except BookError as error:
            messages.show_error(self.window, f"復元できませんでした。\n{error}")
            restored = False
        try:
            book = Book.open(path, create=False)
        except BookError as error:
            messages.show_error(self.window, f"ブックを開けません: {path}\n{error}")
            session.set_book(None)
            book_lock.release()  # releasing twice does nothing
            return False
        session.set_book(book, book_lock=book_lock)  # held all through the restore
        if restored:
            self.status_with_notes(f"{when} のバックアップから復元しました", notes)
        return restored

    # --- recent books

    @Slot()
    def fill_recent_menu(self) -> None:
        """List the recent books in the menu about to show."""
        menu = self.window.recent_menu
        menu.clear()
        recent = self.window.settings.recent_books
        if not recent:
            menu.addAction("（なし）").setEnabled(False)
            return
        for number, text in enumerate(recent, start=1):
            action = menu.addAction(f"&{number} {text}")
            action.triggered.connect(_bind(self.open_recent, Path(text)))

    def open_recent(self, path: Path) -> None:
        """Open a recent book.

        One whose folder is there but the file is not is taken off the list;
        one that cannot be reached now (a network folder that is down) stays
        on it, and the user may try again.
        """
        how = whereabouts(path)
        if how is Whereabouts.MISSING:
            messages.show_error(self.window, f"ブックが見つかりません（一覧から外します）: {path}")
            self.window.settings.remove_recent_book(path)
        elif how is Whereabouts.UNREACHABLE:
            self.offer_lost_book(path, how, at_start=False)
        else:
            self.session.open_book(path)

    # --- the book the program starts with

    def show_initial_book(self, initial: InitialBook) -> None:
        """Show the book the program starts with; ask what to do when the last one is lost.

        The book goes through the session, so that its lock file is checked
        (someone else may have the book open) and made; it is not opened
        again unless it must be (read-only, or as a copy). Its pages have
        been checked meanwhile (:meth:`InitialBook.confirmed`).
        """
        initial = initial.confirmed()
        book = initial.book
        if book is not None and book.path is not None:
            self.session.open_book(book.path, remember=initial.remember, opened=book)
        elif book is not None:
            self.session.set_book(book, remember=initial.remember)
        if initial.message:
            message, is_error = initial.message, initial.is_error
            QTimer.singleShot(0, lambda: self.window.tell(message, is_error=is_error))
        lost, how = initial.lost, initial.lost_how
        if lost is not None and how is not None:
            QTimer.singleShot(0, lambda: self.offer_lost_book(lost, how, at_start=True))

    def offer_lost_book(self, path: Path, how: Whereabouts, *, at_start: bool) -> bool:
        """Say the book at ``path`` cannot be found or reached; do what the user picks.

        再試行 looks again (and opens the book once it is there); 別のブックを開く
        asks for a file; at start-up, 見本で開く opens the book in Documents
        without making it the last book, so that the next start looks for
        this one again. Nothing is opened unless the user asks.

        Returns:
            Whether a book was opened.
        """
        options = ["再試行", "別のブックを開く…"]
        if at_start:
            options.append("見本で開く")
        while True:
            text = lost_book_text(path, how, last=at_start)
            choice = messages.choose(self.window, "ブックを開けません", text, options)
            if choice == 0:
                how = whereabouts(path)
                if how is Whereabouts.FOUND:
                    return self.session.open_book(path)
                continue
            if choice == 1:
                before = self.session.book
                self.open_book()
                return self.session.book is not None and self.session.book is not before
            if choice == 2 and at_start:
                return self.open_sample_book()
            if self.session.book is None:
                self.status("ブックを開いていません。「ファイル」メニューから開いてください。", 0)
            return False

    def open_sample_book(self) -> bool:
        """Open the book in Documents (made with the sample sheets if new), not as the last book."""
        initial = open_default_book(first_start=False)
        if initial.book is None or initial.book.path is None:
            messages.show_error(self.window, initial.message)
            return False
        path = initial.book.path
        initial.book.close()
        opened = self.session.open_book(path, remember=False)
        if opened and initial.message:
            self.window.tell(initial.message)
        return opened


def _bind(function: Callable[[Path], None], path: Path) -> Callable[[], None]:
    return lambda: function(path)
