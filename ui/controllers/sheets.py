"""Sheets: new, duplicate, delete, and the history of the open sheet."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Slot

from kpidesk import eras, limits
from kpidesk.book import trash
from kpidesk.book.errors import BookError
from kpidesk.book.store import HistoryEntry
from kpidesk.model import Sheet
from ui.controllers.base import Controller
from ui.dialogs import messages
from ui.dialogs.history import HistoryDialog
from ui.dialogs.new_sheet import NewSheetDialog

#: The report year of a new sheet in a book that has none yet.
FIRST_REPORT_YEAR = 2020


class Sheets(Controller):
    """The シート menu's work."""

    @Slot()
    def new_sheet(self) -> None:
        """Ask for a No, report year and departments and make an empty sheet."""
        session = self.session
        book = session.book
        if book is None or not session.maybe_save():
            return
        locked = session.locked_years
        year = self.window.list_panel.report_year() or _latest(book.report_years())
        if year in locked:  # a new sheet goes into a year that can be changed
            open_years = [y for y in book.report_years() if y not in locked]
            year = _latest(open_years) if open_years else max(locked) + 1
        dialog = NewSheetDialog(
            self.key_exists,
            no=self.next_no(year),
            report_year=year,
            departments=self.window.list_panel.department() or "",
            parent=self.window,
        )
        if dialog.exec() != NewSheetDialog.DialogCode.Accepted:
            return
        report_year = dialog.report_year()
        sheet = Sheet(
            report_year=report_year,
            no=dialog.no(),
            departments=dialog.departments(),
            baseline_year=report_year - 1,
            actual_years=list(range(report_year, report_year + 4)),
            target_year=report_year + 3,
        )
        self.create_sheet(sheet)

    @Slot()
    def duplicate_sheet(self) -> None:
        """Copy the open sheet under another No (or year)."""
        session = self.session
        if session.book is None or session.document is None or not session.maybe_save():
            return
        source = session.document.sheet
        dialog = NewSheetDialog(
            self.key_exists,
            title="シートを複製",
            no=session.free_no(source),
            report_year=source.report_year,
            departments=source.departments_text,
            parent=self.window,
        )
        if dialog.exec() != NewSheetDialog.DialogCode.Accepted:
            return
        copy = dataclasses.replace(
            source,
            id=None,
            revision=0,
            no=dialog.no(),
            report_year=dialog.report_year(),
            departments=dialog.departments(),
        )
        self.create_sheet(copy)

    def create_sheet(self, sheet: Sheet) -> Sheet | None:
        """Save a new sheet into the book and open it."""
        session = self.session
        assert session.book is not None
        try:
            saved = session.book.save_sheet(sheet)
        except BookError as error:
            messages.show_error(self.window, f"シートを作れませんでした。\n{error}")
            return None
        assert saved.id is not None
        self.window.list_panel.refresh_sheet(saved.id)
        session.open_sheet(saved.id)
        self.status(f"No {saved.no} を作りました")
        return saved

    @Slot()
    def delete_sheet(self) -> None:
        """Delete the open sheet after the user agrees; the next one in the list opens."""
        session = self.session
        if session.book is None or session.document is None:
            return
        sheet = session.document.sheet
        if not messages.confirm(
            self.window,
            "シートの削除",
            f"{eras.kanji_label(sheet.report_year)} No {sheet.no}「{sheet.title}」"
            "を削除しますか？\n"
            "削除したシートは一覧から消えます（最後に保存した内容は、"
            "シート → 削除したシート… から元に戻せます）。",
        ):
            return
        assert sheet.id is not None
        panel = self.window.list_panel
        visible = panel.visible_sheet_ids()
        position = visible.index(sheet.id) if sheet.id in visible else 0
        try:
            trash.delete_sheet(session.book, sheet.id)
        except BookError as error:
            messages.show_error(self.window, f"削除できませんでした。\n{error}")
            return
        session.document.undo_stack.setClean()
        session.close_document()
        panel.remove_sheet(sheet.id)
        remaining = panel.visible_sheet_ids()
        session.open_sheet(remaining[min(position, len(remaining) - 1)] if remaining else None)
        self.status(f"No {sheet.no} を削除しました")

    def key_exists(self, report_year: int, no: str) -> bool:
        """Whether the book has a sheet with this report year and No."""
        book = self.session.book
        return book is not None and book.find_sheet(report_year, no) is not None

    def next_no(self, report_year: int) -> str:
        """The No after the highest numeric No of ``report_year``."""
        book = self.session.book
        assert book is not None
        numbers = [
            int(entry.no)
            for entry in book.list_entries(report_year=report_year)
            if entry.no.isascii() and entry.no.isdigit() and len(entry.no) <= limits.MAX_NO_CHARS
        ]
        return str(max(numbers, default=0) + 1)

    # --- history

    @Slot()
    def show_history(self) -> None:
        """The open sheet's saved versions, to compare and restore."""
        if self.session.book is not None and self.session.document is not None:
            self.history_dialog().exec()

    def history_dialog(self) -> HistoryDialog:
        """The open sheet's saved versions; 「この版に戻す」 calls :meth:`restore_version`."""
        session = self.session
        assert session.book is not None and session.document is not None
        self.window.form.commit_pending_edit()
        sheet = session.document.sheet
        assert sheet.id is not None
        dialog = HistoryDialog(
            session.book.history(sheet.id),
            editing=sheet if session.document.is_modified() else None,
            refusal=self._restore_refusal(),
            parent=self.window,
        )

        def restore(entry: HistoryEntry) -> None:
            if self.restore_version(entry):
                dialog.accept()

        dialog.restore_requested.connect(restore)
        return dialog

    def _restore_refusal(self) -> str:
        """Why the open sheet cannot be put back to an earlier version ("" when it can)."""
        session = self.session
        assert session.book is not None and session.document is not None
        if session.book.read_only:
            return "読み取り専用のブックのため、以前の版に戻せません（見比べることはできます）。"
        year = session.document.sheet.report_year
        if year in session.book.locked_years():
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
        session = self.session
        if session.book is None or session.document is None:
            return False
        self.window.form.commit_pending_edit()
        sheet = session.document.sheet
        refusal = self._restore_refusal()
        if refusal:
            messages.show_error(self.window, refusal)
            return False
        if session.document.is_modified():
            if not messages.confirm(
                self.window,
                "以前の版に戻す",
                f"No {sheet.no}「{sheet.title}」には保存していない変更があります。\n"
                f"その変更を破棄して、版 {entry.revision} の内容に戻しますか？",
            ):
                return False
            session.document.undo_stack.setClean()
            session.open_sheet(sheet.id)
        document = session.document
        if document is None:
            return False
        if not document.replace_content(f"版 {entry.revision} に戻す", entry.sheet):
            messages.show_info(
                self.window, f"版 {entry.revision} は今の内容と同じです（戻すものはありません）。"
            )
            return False
        saved = session.save()
        if session.document is not document:  # a conflict, resolved by reloading or a copy
            return saved
        if not saved:
            document.undo_stack.undo()  # nothing restored: the form shows what it showed
            return False
        self.status(
            f"版 {entry.revision} の内容に戻し、版 {document.sheet.revision} として保存しました"
            "（「元に戻す」で戻す前の内容に戻せます）"
        )
        return True


def _latest(years: list[int]) -> int:
    return max(years) if years else FIRST_REPORT_YEAR
