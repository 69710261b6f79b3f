"""Years: the book's evaluation settings, the yearly roll-over and the year locks."""

from __future__ import annotations

from PySide6.QtCore import Slot

from kpidesk import eras, operations, rollover
from kpidesk.book.errors import BookError
from kpidesk.evaluation import EvaluationSettings
from kpidesk.exchange import excel_template
from ui.controllers.base import Controller
from ui.dialogs import messages, progress
from ui.dialogs.evaluation_settings import ask_evaluation_settings
from ui.dialogs.rollover import RolloverDialog


class Years(Controller):
    """The ブック menu's work on report years and on how they are judged."""

    # --- evaluation settings

    @Slot()
    def ask_evaluation_settings(self) -> None:
        book = self.session.book
        if book is None:
            return
        answer = ask_evaluation_settings(
            self.window, book.evaluation_settings(), book.print_chart()
        )
        if answer is not None:
            self.apply_evaluation_settings(*answer)

    def apply_evaluation_settings(self, settings: EvaluationSettings, print_chart: bool) -> bool:
        """Keep a new rank scheme and chart setting in the book, and rank everything again."""
        book = self.session.book
        if book is None:
            return False
        try:
            book.set_evaluation_settings(settings)
            book.set_print_chart(print_chart)
        except BookError as error:
            messages.show_error(self.window, f"評価の設定を保存できませんでした。\n{error}")
            return False
        self.window.list_panel.set_evaluation_settings(settings)
        self.window.form.set_evaluation_settings(settings)
        self.session.update_book_notice()
        return True

    # --- the yearly roll-over

    @Slot()
    def ask_rollover(self) -> None:
        session = self.session
        book = session.book
        if book is None or not session.maybe_save():
            return
        nos_by_year: dict[int, list[str]] = {}
        try:
            for entry in book.list_entries():
                nos_by_year.setdefault(entry.report_year, []).append(entry.no)
            locked = book.locked_years()
        except BookError as error:
            messages.show_error(self.window, f"ブックを読めませんでした。\n{error}")
            return
        dialog = RolloverDialog(
            nos_by_year, locked=locked, warnings=self.rollover_warnings, parent=self.window
        )
        if dialog.exec() != RolloverDialog.DialogCode.Accepted:
            return
        from_year, to_year = dialog.from_year(), dialog.to_year()
        if from_year is not None and to_year is not None:
            self.rollover(from_year, to_year)

    def rollover_warnings(self, from_year: int, to_year: int) -> list[str]:
        """What the roll-over dialog should point out (sheets past their target year...)."""
        book = self.session.book
        if book is None:
            return []
        try:
            sheets = book.list_sheets(report_year=from_year)
        except BookError:
            return []
        return rollover.rollover_warnings(
            sheets, to_year, excel_years=excel_template.MAX_ACTUAL_YEARS
        )

    def rollover(self, from_year: int, to_year: int) -> int:
        """Make ``to_year``'s sheets from ``from_year``'s and lock ``from_year``
        (:func:`kpidesk.operations.roll_over`: checked, then backed up, then written).

        Afterwards the list shows ``to_year``, with the new copy of the sheet
        that was open (or the first sheet) opened.

        Returns:
            How many sheets were made (0: nothing was written).
        """
        session = self.session
        book = session.book
        assert book is not None
        if not session.maybe_save():
            return 0
        current = session.document.sheet.no if session.document is not None else None
        old, new = eras.kanji_label(from_year), eras.kanji_label(to_year)
        notes: list[str] = []
        try:
            with progress.progress(
                self.window, f"{old}のシートから{new}のシートを作っています…"
            ) as report:
                made = operations.roll_over(
                    book,
                    from_year,
                    to_year,
                    progress=report,
                    keep_backups=self.window.settings.backups_keep,
                    notes=notes,
                )
        except progress.Cancelled:
            self.status("年度更新を取り消しました（何も変わっていません）", 0)
            return 0
        except BookError as error:
            messages.show_error(
                self.window, f"年度更新できませんでした（何も変わっていません）。\n{error}"
            )
            return 0
        session.close_document()
        panel = self.window.list_panel
        panel.set_book(book)
        panel.show_report_year(to_year)
        opened = next((sheet for sheet in made if sheet.no == current), None)
        visible = panel.visible_sheet_ids()
        session.open_sheet(opened.id if opened is not None else (visible[0] if visible else None))
        self.status_with_notes(
            f"{old}の{len(made)}シートから{new}のシートを作り、{old}をロックしました", notes
        )
        return len(made)

    # --- year locks

    @Slot()
    def ask_lock_year(self) -> None:
        year = self.session.shown_year()
        if year is not None:
            self.lock_year(year)

    def lock_year(self, year: int) -> bool:
        """Lock a report year after the user agrees; False when it was not locked."""
        session = self.session
        assert session.book is not None
        label = eras.kanji_label(year)
        if not messages.confirm(
            self.window,
            "報告年度をロック",
            f"{label}の報告をロックしますか？\n"
            f"ロックすると、{label}のシートは保存・削除・取り込みができなくなります"
            "（ロックは後で解除できます）。",
        ):
            return False
        if not session.maybe_save():
            return False
        try:
            session.book.lock_year(year)
        except BookError as error:
            messages.show_error(self.window, f"ロックできませんでした。\n{error}")
            return False
        session.year_lock_changed(f"{label}の報告をロックしました")
        return True

    @Slot()
    def ask_unlock_year(self) -> None:
        session = self.session
        if session.book is None:
            return
        year = session.shown_year()
        locked = sorted(session.locked_years, reverse=True)
        if year not in locked:
            if len(locked) != 1:
                choice = messages.choose(
                    self.window,
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

    @Slot(int)
    def unlock_year(self, year: int) -> bool:
        """Lift a report year's lock after the user agrees; False when it stays locked."""
        session = self.session
        assert session.book is not None
        label = eras.kanji_label(year)
        if not messages.confirm(
            self.window,
            "報告年度のロックを解除",
            f"{label}の報告のロックを解除しますか？\n"
            f"解除すると、提出済みの{label}のシートを変更できるようになります。"
            "変更が済んだら、もう一度ロックしてください。",
        ):
            return False
        try:
            session.book.unlock_year(year)
        except BookError as error:
            messages.show_error(self.window, f"ロックを解除できませんでした。\n{error}")
            return False
        session.year_lock_changed(f"{label}の報告のロックを解除しました")
        return True
