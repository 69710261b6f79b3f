"""Summary: ブック → 総括…, a report year's ranks counted, and its PDF and printout.

The counts come from the list entries the book keeps beside each sheet (the
rows' rank inputs, the departments, the section), so a report year of
thousands of sheets is counted without loading one of them; the open sheet
counts as it stands in the form, unsaved edits included, as in the exports.
The PDF and the printout are the 総括 page of :mod:`kpidesk.printing.summary_page`,
drawn by the same renderer as the sheets.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QWidget

from kpidesk import eras, evaluation_summary, file_names
from kpidesk.book.errors import BookError
from kpidesk.evaluation_summary import EvaluationSummary
from kpidesk.fileio import atomic_output
from kpidesk.model import ListEntry, Sheet
from kpidesk.printing import paint
from ui.controllers.base import PDF_FILTER, Controller
from ui.dialogs import messages, progress
from ui.dialogs.summary import SummaryDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: The progress dialog is told how far the counting is every this many sheets.
PROGRESS_EVERY = 100


class Summary(Controller):
    """The 総括 window of the ブック menu, its PDF and its printout."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._dialog: SummaryDialog | None = None

    @Slot()
    def show_summary(self) -> None:
        dialog = self.summary_dialog()
        if dialog is None:
            return
        try:
            dialog.exec()
        finally:
            self._dialog = None
            dialog.deleteLater()

    def summary_dialog(self) -> SummaryDialog | None:
        """The 総括 dialog over the book's report years, the newest shown; None (and a
        message) when the book has no sheets or cannot be read."""
        book = self.session.book
        years = self.report_years("総括を作れません")
        if book is None or years is None:
            return None
        dialog = SummaryDialog(
            years, self.summary_of, book_name=self.session.book_name(), parent=self.window
        )
        self._dialog = dialog
        dialog.pdf_requested.connect(self.ask_save_pdf)
        dialog.print_requested.connect(self.ask_print)
        return dialog

    def _parent(self) -> QWidget:
        return self._dialog if self._dialog is not None else self.window

    def summary_of(self, report_year: int) -> EvaluationSummary | None:
        """The 総括 of ``report_year`` under the book's evaluation settings; None when the
        user cancelled or the book cannot be read (said in the status bar or a message)."""
        session = self.session
        book = session.book
        if book is None:
            return None
        label = eras.kanji_label(report_year)
        try:
            sheets: list[Sheet | ListEntry] = list(book.list_entries(report_year=report_year))
            settings = book.evaluation_settings()
        except BookError as error:
            messages.show_error(self._parent(), f"{label}の総括を作れませんでした。\n{error}")
            return None
        document = session.document
        if document is not None and document.sheet.report_year == report_year:
            edited = document.sheet
            sheets = [edited if item.id == edited.id else item for item in sheets]
        if not sheets:
            return None
        try:
            with progress.progress(self._parent(), f"{label}の総括を作っています…") as report:
                return evaluation_summary.summarize(
                    sheets, settings, progress=_now_and_then(report)
                )
        except progress.Cancelled:
            self.status(f"{label}の総括を取り消しました")
            return None

    # --- PDF and printing

    @Slot(object)
    def ask_save_pdf(self, summary: EvaluationSummary) -> None:
        default = file_names.summary_file_name(summary.report_year, ".pdf")
        name, _ = QFileDialog.getSaveFileName(
            self._parent(), "総括をPDFに保存", str(self.dialog_folder() / default), PDF_FILTER
        )
        if name:
            self.save_pdf(summary, Path(name))

    def save_pdf(self, summary: EvaluationSummary, path: Path) -> int:
        """Write the 総括 page(s) to a PDF at ``path``; return the pages written (0: none).

        The file is written under a temporary name and moved into place, so a
        failure leaves no half-written file and an existing one as it was.
        """
        try:
            with atomic_output(path) as stream:
                pages = paint.write_summary_pdf([summary], stream, self.session.book_name())
        except OSError as error:
            messages.show_error(self._parent(), f"総括をPDFに保存できませんでした。\n{error}")
            return 0
        self.status(f"総括をPDF（{pages}ページ）に保存しました: {path}")
        return pages

    @Slot(object)
    def ask_print(self, summary: EvaluationSummary) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self._parent())
        dialog.setWindowTitle("総括を印刷")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.print_summary(summary, printer)

    def print_summary(self, summary: EvaluationSummary, printer: QPrinter) -> int:
        """Print the 総括 page(s) on ``printer`` with the PDF's renderer; return the pages
        printed (0 when cancelled or failed)."""
        printer.setPageLayout(paint.a4_layout())
        printer.setFullPage(True)
        printer.setDocName(f"KPI評価の総括（{eras.kanji_label(summary.report_year)}）")
        return self.window.printing.print_pages(paint.summary_pages([summary]), printer)


def _now_and_then(report: Callable[[int, int], None]) -> Callable[[int, int], None]:
    """``report`` called every :data:`PROGRESS_EVERY` sheets and at the end, not after
    each: thousands of list entries are counted in a moment each."""

    def every(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            report(done, total)

    return every
