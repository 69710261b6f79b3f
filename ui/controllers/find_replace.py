"""編集 → 検索と置換… (Ctrl+H): in the open sheet as one undo step, or across the book.

Across the book the user confirms, the open sheet is saved first (the
user is asked), then :func:`kpidesk.operations.replace_in_book` backs the
book up and writes one new revision per sheet changed; a locked report year
refuses it. The form's 元に戻す cannot reach sheets that are not open, so the
dialog offers 置換を元に戻す for the last replace across the book (each sheet
not changed since gets its text back), until another book is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

from kpidesk import eras, operations, replace
from kpidesk.book.errors import BookError, StaleRevisionError, YearLockedError
from kpidesk.model import Sheet, sheet_sort_key
from ui.controllers.base import Controller
from ui.dialogs import messages
from ui.dialogs.find_replace import FindReplaceDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow


#: Fields a department's handed-out book keeps as the planning division wrote them.
HANDOUT_KEPT = {
    "planning_comment": "企画課の欄",
    "opinions": "企画課の欄",
    "departments": "配布された担当課",
}


@dataclass(frozen=True)
class BookReplace:
    """The last replace across the book: what it changed, to undo it."""

    text: str
    replacement: str
    before: list[Sheet]
    after: list[Sheet]

    def label(self) -> str:
        return f"置換「{self.text}」→「{self.replacement}」（{len(self.after)}件のシート）"


class FindReplace(Controller):
    """Finds a text in the open sheet or the book and replaces the hits chosen."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.last_book_replace: BookReplace | None = None
        window.session.book_changed.connect(self._forget_last_replace)

    @Slot()
    def _forget_last_replace(self) -> None:
        self.last_book_replace = None

    @Slot()
    def show_find_replace(self) -> None:
        if self.session.book is not None:
            self.find_replace_dialog().exec()

    def find_replace_dialog(self) -> FindReplaceDialog:
        """The dialog, its search text taken from the text chosen in the focused field."""
        dialog = FindReplaceDialog(self.window, text=self._chosen_text())
        if self.session.document is None:
            dialog.book_scope.setChecked(True)
            dialog.sheet_scope.setEnabled(False)
        dialog.search_requested.connect(lambda: self.search(dialog))
        dialog.replace_requested.connect(lambda: self.replace(dialog))
        dialog.undo_requested.connect(lambda: self.undo_book_replace(dialog))
        self._offer_undo(dialog)
        return dialog

    def _offer_undo(self, dialog: FindReplaceDialog) -> None:
        last = self.last_book_replace
        dialog.offer_undo(f"{last.label()}を元に戻します" if last is not None else "")

    @staticmethod
    def _chosen_text() -> str:
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit):
            text = focus.selectedText()
        elif isinstance(focus, QPlainTextEdit):
            text = focus.textCursor().selectedText()
        else:
            return ""
        return text if "\u2029" not in text and "\n" not in text else ""

    def _sheets(self, whole_book: bool) -> list[Sheet]:
        """The sheets searched, the open one as edited."""
        session = self.session
        book, document = session.book, session.document
        assert book is not None
        if not whole_book:
            return [document.sheet] if document is not None else []
        sheets = sorted(book.list_sheets(), key=lambda s: (s.report_year, sheet_sort_key(s)))
        if document is None:
            return sheets
        return [document.sheet if s.id == document.sheet.id else s for s in sheets]

    def _refused(self, hits: list[replace.Hit]) -> dict[replace.Hit, str]:
        """The hits that cannot be changed, with why.

        In a book handed out to a department, the planning division's fields
        (企画課コメント, 企画課・有識者意見) and 担当課 are left alone: a
        returned book that changed them is refused when collected.
        """
        book = self.session.book
        assert book is not None
        if book.read_only:
            return {hit: "読み取り専用" for hit in hits}
        locked = self.session.locked_years
        refused = {hit: "ロック中" for hit in hits if hit.report_year in locked}
        if self.window.cycle.handout_mark() is not None:
            for hit in hits:
                if hit.path[0] in HANDOUT_KEPT and hit not in refused:
                    refused[hit] = HANDOUT_KEPT[str(hit.path[0])]
        return refused

    def search(self, dialog: FindReplaceDialog) -> list[replace.Hit]:
        """Fill the dialog's list with every hit; return them."""
        if not dialog.query():
            dialog.count_label.setText("検索する文字列を入れてください。")
            return []
        self.window.form.commit_pending_edit()
        try:
            sheets = self._sheets(dialog.whole_book())
        except BookError as error:
            messages.show_error(self.window, f"ブックを読めませんでした。\n{error}")
            return []
        hits = replace.find(sheets, dialog.query(), dialog.replacement())
        dialog.show_hits(hits, refused=self._refused(hits))
        return hits

    def replace(self, dialog: FindReplaceDialog) -> int:
        """Replace the chosen hits; return how many fields changed."""
        hits = dialog.chosen_hits()
        text, replacement = dialog.query(), dialog.replacement()
        if not hits:
            return 0
        if dialog.whole_book():
            changed = self._replace_in_book(hits, text, replacement)
            if changed:
                dialog.show_done(
                    f"{changed}件のシートで置換しました。戻すときは［置換を元に戻す］を押してください。"
                )
        else:
            changed = self._replace_in_sheet(hits, text, replacement)
            if changed:
                dialog.show_done(
                    f"{changed}か所を置換しました。"
                    "戻すときは、この画面を閉じて 元に戻す（Ctrl+Z）。"
                )
        self._offer_undo(dialog)
        return changed

    def _replace_in_sheet(self, hits: list[replace.Hit], text: str, replacement: str) -> int:
        document = self.session.document
        if document is None or self.session.open_sheet_locked():
            return 0
        counted: list[int] = []
        document.edit(
            f"置換「{text}」→「{replacement}」",
            lambda sheet: counted.append(replace.apply(sheet, hits, text, replacement)),
        )
        changed = counted[0] if counted else 0
        self.status(f"{changed}か所を置換しました（元に戻す で戻せます）")
        return changed

    def _replace_in_book(self, hits: list[replace.Hit], text: str, replacement: str) -> int:
        session = self.session
        book = session.book
        assert book is not None
        sheets = len({hit.sheet_id for hit in hits})
        if not messages.ask_proceed(
            self.window,
            "検索と置換",
            f"{sheets}件のシートの{len(hits)}か所で「{text}」を「{replacement}」に置換して保存します。"
            "\n置換の前にブックのバックアップを取ります。置換したあとも［置換を元に戻す］で戻せます。",
            "置換する",
            "やめる",
        ):
            return 0
        if not session.maybe_save():
            return 0
        notes: list[str] = []
        before: list[Sheet] = []
        try:
            saved = operations.replace_in_book(
                book, hits, text, replacement,
                keep_backups=self.window.settings.backups_keep, notes=notes, replaced_from=before,
            )  # fmt: skip
        except YearLockedError as error:
            messages.show_error(
                self.window,
                f"{eras.kanji_label(error.year)}はロックされているため、置換できません"
                "（何も変えていません）。",
            )
            return 0
        except StaleRevisionError:
            messages.show_error(
                self.window,
                "置換するシートのどれかが、別の場所で変更されました。何も変えていません。"
                "もう一度検索して、確かめてから置換してください。",
            )
            return 0
        except BookError as error:
            messages.show_error(
                self.window, f"置換できませんでした（何も変えていません）。\n{error}"
            )
            return 0
        session.reload_list()
        if saved:
            self.last_book_replace = BookReplace(text, replacement, before, saved)
        self.status_with_notes(
            f"{len(saved)}件のシートで置換しました（検索と置換の［置換を元に戻す］で戻せます）",
            notes,
        )
        return len(saved)

    def undo_book_replace(self, dialog: FindReplaceDialog | None = None) -> int:
        """Put back the last replace across the book; return how many sheets got their text back."""
        last = self.last_book_replace
        session = self.session
        book = session.book
        if last is None or book is None or not session.maybe_save():
            return 0
        try:
            back, left = operations.undo_replace_in_book(book, last.before, last.after)
        except BookError as error:
            messages.show_error(
                self.window, f"元に戻せませんでした（何も変えていません）。\n{error}"
            )
            return 0
        self.last_book_replace = None
        session.reload_list()
        text = f"{last.label()}を元に戻しました（{len(back)}件のシート）。"
        if left:
            names = "、".join(f"No {sheet.no}" for sheet in left[:10])
            more = f" ほか{len(left) - 10}件" if len(left) > 10 else ""
            text += (
                f"\n{names}{more} は置換のあとに変更・削除・ロックされたため、そのままにしました"
                "（履歴から戻せます）。"
            )
            messages.show_info(self.window, text)
        self.status(text.replace("\n", " "))
        if dialog is not None:
            dialog.show_done(text)
            self._offer_undo(dialog)
        return len(back)
