"""Printing: which sheets to use, PDF, print and the print preview (one renderer for all)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog

from kpidesk import file_names
from kpidesk.fileio import atomic_output, unlink_with_retry
from kpidesk.model import Sheet, sheet_sort_key
from kpidesk.printing import fonts, layout, paint
from ui import geometry
from ui.controllers.base import PDF_FILTER, Controller
from ui.dialogs import exported, messages, progress
from ui.dialogs.scope import Scope, ScopeDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class Printing(Controller):
    """PDF, print and preview of the sheets the user picks.

    Attributes:
        last_scope: the scope and department last chosen in the scope dialog.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.last_scope: tuple[Scope, str] = (Scope.CURRENT, "")
        self._preview_printer: QPrinter | None = None

    def choose_sheets(self, title: str) -> list[Sheet] | None:
        """Ask which sheets to use (open, selected, a department's, all); None if cancelled.

        The open sheet is used as it stands in the form, unsaved edits included,
        so what is printed is what is on the screen.
        """
        session = self.session
        if session.book is None:
            return None
        panel = self.window.list_panel
        document = session.document
        # The department the list is filtered to, else the open sheet's (its first).
        department = panel.department()
        if department is None and document is not None and document.sheet.departments:
            department = document.sheet.departments[0]
        dialog = ScopeDialog(
            title,
            current=f"No {document.sheet.no}" if document is not None else None,
            selected_count=len(panel.selected_sheet_ids()),
            departments=session.book.departments(panel.report_year()),
            department=department,
            book_count=session.book.count_sheets(),
            parent=self.window,
        )
        if dialog.exec() != ScopeDialog.DialogCode.Accepted:
            return None
        self.last_scope = (dialog.scope(), dialog.department())
        return self.sheets_in_scope(dialog.scope(), dialog.department())

    def sheets_in_scope(self, scope: Scope, department: str = "") -> list[Sheet]:
        """The sheets of a scope, in list order, the open one as edited."""
        session = self.session
        book, document = session.book, session.document
        assert book is not None
        panel = self.window.list_panel
        if scope is Scope.CURRENT:
            return [document.sheet] if document is not None else []
        if scope is Scope.SELECTED:
            sheets = [book.get_sheet(sheet_id) for sheet_id in panel.selected_sheet_ids()]
        elif scope is Scope.DEPARTMENT:
            sheets = book.list_sheets(report_year=panel.report_year(), department=department)
        else:
            # The whole book: one report year after another, each in No order.
            sheets = sorted(book.list_sheets(), key=lambda s: (s.report_year, sheet_sort_key(s)))
        if document is None:
            return sheets
        return [document.sheet if sheet.id == document.sheet.id else sheet for sheet in sheets]

    @Slot()
    def ask_export_pdf(self) -> None:
        sheets = self.choose_sheets("PDFに書き出し")
        if not sheets:
            return
        default = file_names.export_file_name([sheet.no for sheet in sheets], ".pdf")
        name, _ = QFileDialog.getSaveFileName(
            self.window, "PDFに書き出し", str(self.dialog_folder() / default), PDF_FILTER
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
                progress.progress(
                    self.window, f"{len(sheets)}件のシートをPDFに書き出しています…"
                ) as report,
                atomic_output(path) as stream,
            ):
                pages = paint.write_pdf(
                    sheets,
                    stream,
                    self.session.book_name(),
                    progress=report,
                    chart=self.session.print_chart(),
                )
        except progress.Cancelled:
            self.status("PDFの書き出しを取り消しました")
            return 0
        except OSError as error:
            messages.show_error(self.window, f"PDFを書き出せませんでした。\n{error}")
            return 0
        self.status(f"{len(sheets)}件のシートをPDF（{pages}ページ）に書き出しました: {path}")
        exported.show_written(
            self.window, f"{len(sheets)}件のシートをPDF（{pages}ページ）に書き出しました。\n{path}",
            file=path, folder=path.parent,
        )  # fmt: skip
        self.warn_undrawable(sheets, "PDFに書き出しました")
        return pages

    def warn_undrawable(self, sheets: list[Sheet], done: str) -> None:
        """Say which characters of ``sheets`` the bundled font has not: they print as a box."""
        missing = fonts.missing_characters(text for sheet in sheets for text in sheet.all_texts())
        if not missing:
            return
        more = f" ほか{len(missing) - 20}字" if len(missing) > 20 else ""
        # With the code, as the message's own font may not draw the character either.
        shown = "、".join(f"{char}（U+{ord(char):04X}）" for char in missing[:20]) + more
        messages.show_info(
            self.window,
            f"{done}。ただし、次の文字は同梱のフォント（BIZ UDゴシック）にないため、"
            f"□で表示されます: {shown}\n氏名などに使われていないか、でき上がりを確かめてください。",
        )

    def _layout(self, sheets: list[Sheet]) -> list[layout.Page]:
        return layout.layout_document(
            sheets, paint.QtMeasure(fonts.load_fonts()), chart=self.session.print_chart()
        )

    def _printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(paint.a4_layout())
        printer.setFullPage(True)
        printer.setDocName(self.session.book_name() or "KPI分析シート")
        return printer

    @Slot()
    def ask_print(self) -> None:
        sheets = self.choose_sheets("印刷")
        if not sheets:
            return
        pages = self._layout(sheets)
        printer = self._printer()
        dialog = QPrintDialog(printer, self.window)
        dialog.setWindowTitle("印刷")
        dialog.setMinMax(1, len(pages))
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, True)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        if self.print_pages(pages, printer):
            self.warn_undrawable(sheets, "印刷しました")

    def print_pages(self, pages: list[layout.Page], printer: QPrinter) -> int:
        """Print with the PDF's renderer, honouring the dialog's page range.

        Returns:
            The number of pages printed (0 when cancelled or failed).
        """
        only = _page_numbers(printer, len(pages))
        try:
            with progress.progress(self.window, f"{len(only)}ページを印刷しています…") as report:
                paint.paint_pages(
                    printer, pages, self.session.book_name(), progress=report, only=only
                )
        except progress.Cancelled:
            # A printer drops the job (render aborts it); "print to file" leaves
            # a partial PDF, which is removed.
            if (
                printer.outputFormat() == QPrinter.OutputFormat.PdfFormat
                and printer.outputFileName()
            ):
                with contextlib.suppress(OSError):  # one held by another program stays
                    unlink_with_retry(printer.outputFileName())
            self.status("印刷を取り消しました")
            return 0
        except OSError as error:
            messages.show_error(self.window, f"印刷できませんでした。\n{error}")
            return 0
        self.status(f"{len(only)}ページを印刷しました")
        return len(only)

    @Slot()
    def ask_print_preview(self) -> None:
        sheets = self.choose_sheets("印刷プレビュー")
        if sheets:
            self.preview_dialog(sheets).exec()

    def preview_dialog(self, sheets: list[Sheet]) -> QPrintPreviewDialog:
        """The print preview of ``sheets``, drawn by the same renderer as the PDF."""
        pages = self._layout(sheets)
        printer = self._printer()
        dialog = QPrintPreviewDialog(printer, self.window)
        dialog.setWindowTitle(f"印刷プレビュー（{len(pages)}ページ）")
        geometry.fit_dialog(dialog, 900, 1000)
        book_name = self.session.book_name()
        dialog.paintRequested.connect(lambda device: paint.paint_pages(device, pages, book_name))
        # QPrinter is no QObject: keep it alive as long as the dialog may paint.
        self._preview_printer = printer
        return dialog


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
