"""シート → 削除したシート…: restoring deleted sheets and emptying the trash."""

from __future__ import annotations

from PySide6.QtCore import Slot

from kpidesk import eras
from kpidesk.book import backups, trash
from kpidesk.book.errors import BookError, DuplicateSheetError, YearLockedError
from ui.controllers.base import Controller
from ui.dialogs import messages
from ui.dialogs.trash import TrashDialog


class Trash(Controller):
    """The deleted sheets of the open book."""

    @Slot()
    def show_trash(self) -> None:
        if self.session.book is not None:
            self.trash_dialog().exec()

    def trash_dialog(self) -> TrashDialog:
        """The deleted sheets; its buttons restore, purge and empty through this controller."""
        book = self.session.book
        assert book is not None
        dialog = TrashDialog(self._items(), writable=not book.read_only, parent=self.window)

        def done(changed: bool) -> None:
            if changed:
                dialog.set_items(self._items())

        dialog.restore_requested.connect(lambda sheet_id: done(self.restore(sheet_id)))
        dialog.purge_requested.connect(lambda ids: done(self.purge(ids)))
        dialog.empty_requested.connect(lambda: done(self.empty()))
        return dialog

    def _items(self) -> list[trash.DeletedSheet]:
        book = self.session.book
        assert book is not None
        try:
            return trash.deleted_sheets(book)
        except BookError as error:
            messages.show_error(self.window, f"削除したシートを読めませんでした。\n{error}")
            return []

    def restore(self, sheet_id: int) -> bool:
        """Put a deleted sheet back into the book and the list, and open it; False when
        refused (or the user kept the open sheet's unsaved changes to look at first)."""
        book = self.session.book
        assert book is not None
        if not self.session.maybe_save():  # the list is read again: unsaved edits would go
            return False
        item = next((i for i in self._items() if i.sheet.id == sheet_id), None)
        name = (
            f"{eras.kanji_label(item.sheet.report_year)} No {item.sheet.no}" if item else "シート"
        )
        try:
            restored = trash.restore_sheet(book, sheet_id)
        except YearLockedError as error:
            messages.show_error(
                self.window,
                f"{eras.kanji_label(error.year)}はロックされているため、"
                f"No {item.sheet.no if item else ''} を元に戻せません。"
                "\nロックを解除してから戻してください（削除したシートはそのまま残っています）。",
            )
            return False
        except DuplicateSheetError:
            messages.show_error(
                self.window,
                f"{name} のシートが今はブックにあるため、元に戻せません。\n"
                "今のシートの No を変えるか削除してから戻してください"
                "（削除したシートはそのまま残っています）。",
            )
            return False
        except BookError as error:
            messages.show_error(self.window, f"元に戻せませんでした。\n{error}")
            return False
        self.session.reload_list()
        self.window.list_panel.refresh_sheet(restored.id or 0)
        self.session.open_sheet(restored.id)
        self.status(f"{name}「{restored.title}」を元に戻しました")
        return True

    def purge(self, sheet_ids: list[int]) -> bool:
        """Remove these deleted sheets for good after the user agrees."""
        if not sheet_ids or not messages.confirm(
            self.window,
            "完全に削除",
            f"選んだ{len(sheet_ids)}件の削除したシートを、保存した履歴ごと完全に削除しますか？\n"
            "完全に削除したシートは元に戻せません（削除の前にバックアップを取ります）。",
        ):
            return False
        return self._purge(sheet_ids)

    def empty(self) -> bool:
        """Empty the trash after the user agrees."""
        ids = [item.sheet.id for item in self._items() if item.sheet.id is not None]
        if not ids or not messages.confirm(
            self.window,
            "ごみ箱を空にする",
            f"削除したシート{len(ids)}件を、保存した履歴ごと完全に削除しますか？\n"
            "空にしたごみ箱のシートは元に戻せません（削除の前にバックアップを取ります）。",
        ):
            return False
        return self._purge(ids)

    def _purge(self, sheet_ids: list[int]) -> bool:
        book = self.session.book
        assert book is not None
        notes: list[str] = []
        try:
            if book.path is not None:
                backups.take_backup(
                    book, "purge", keep=self.window.settings.backups_keep, notes=notes
                )
            removed = trash.purge(book, sheet_ids)
        except BookError as error:
            messages.show_error(self.window, f"完全に削除できませんでした。\n{error}")
            return False
        self.status_with_notes(f"削除したシート{removed}件を完全に削除しました", notes)
        return True
