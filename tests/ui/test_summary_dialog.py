"""ブック → 総括…: the counts of a report year, its chart, its PDF and its printout."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pdfplumber
import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QFileDialog

from kpidesk.evaluation import EvaluationSettings, ExternalMode
from kpidesk.model import Sheet
from tests.conftest import squash
from tests.ui import palettes
from ui.actions import Action
from ui.controllers import summary as summary_controller
from ui.dialogs import progress
from ui.dialogs.summary import SummaryDialog
from ui.main_window import MainWindow


def table_texts(dialog: SummaryDialog) -> dict[tuple[str, str], list[str]]:
    """What the table shows on each row, keyed by (区分, 名称), from 項目数 on."""
    table = dialog.table
    rows = {}
    for row in range(table.rowCount()):
        cells = [table.item(row, column).text() for column in range(table.columnCount())]
        rows[(cells[0], cells[1])] = cells[2:]
    return rows


def headers(dialog: SummaryDialog) -> list[str]:
    table = dialog.table
    return [table.horizontalHeaderItem(column).text() for column in range(table.columnCount())]


@pytest.fixture
def dialog(window: MainWindow) -> SummaryDialog:
    made = window.summary.summary_dialog()
    assert made is not None
    made.show()
    QApplication.processEvents()
    yield made
    made.close()


def test_the_book_menu_shows_the_summary(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = window.actions[Action.SUMMARY]
    book_menu = next(
        menu for menu in window.menuBar().actions() if menu.text().startswith("ブック")
    ).menu()
    assert action in book_menu.actions() and action.isEnabled()
    seen: list[str] = []

    def exec_(self: SummaryDialog) -> int:
        seen.append(self.sentence_label.text())
        return 0

    monkeypatch.setattr(SummaryDialog, "exec", exec_)
    action.trigger()
    assert seen == ["15項目のうちA 6（40%）、B 1（7%）、C 1（7%）、D 5（33%）、— 2（13%）"]


def test_the_samples_counts_with_the_new_defaults(dialog: SummaryDialog) -> None:
    assert dialog.windowTitle() == "総括 - 見本 ブック.kpidb"
    assert dialog.title_label.text() == "KPI評価の総括（令和2年度）"
    assert dialog.sentence_label.text() == (
        "15項目のうちA 6（40%）、B 1（7%）、C 1（7%）、D 5（33%）、— 2（13%）"
    )
    assert headers(dialog) == [
        "区分", "名称", "項目数", "A", "B", "C", "D", "—", "評価対象外",
    ]  # fmt: skip
    rows = table_texts(dialog)
    assert rows[("全体", "全体")] == [
        "15",
        "6（40%）",
        "1（7%）",
        "1（7%）",
        "5（33%）",
        "2（13%）",
        "0",
    ]
    assert rows[("施策", "2 新型コロナウイルス感染症 を踏まえた対応")][0] == "15"
    assert rows[("担当課", "産業支援課")] == [
        "3", "1（33%）", "1（33%）", "0（0%）", "0（0%）", "1（33%）", "0",
    ]  # fmt: skip
    # No 28 belongs to two departments and counts for each.
    assert rows[("担当課", "港湾課")] == [
        "1",
        "0（0%）",
        "0（0%）",
        "0（0%）",
        "1（100%）",
        "0（0%）",
        "0",
    ]
    assert rows[("担当課", "観光振興課")][4] == "2（100%）"
    assert "評価（期待値に対する達成率）" in dialog.basis_label.text()
    geometry = dialog.chart.geometry_now()
    assert geometry is not None
    assert [(bar.name, bar.value.text) for bar in geometry.bars] == [
        ("A", "6（40%）"), ("B", "1（7%）"), ("C", "1（7%）"), ("D", "5（33%）"), ("—", "2（13%）"),
    ]  # fmt: skip


def add_year(window: MainWindow, year: int, nos: set[str]) -> None:
    book = window.session.book
    copies = [
        dataclasses.replace(sheet, report_year=year, id=None, revision=0)
        for sheet in book.list_sheets(report_year=2020)
        if sheet.no in nos
    ]
    book.import_sheets(copies)


def test_the_year_combo_shows_each_report_year_newest_first(window: MainWindow) -> None:
    add_year(window, 2021, {"9", "14", "27"})
    dialog = window.summary.summary_dialog()
    assert dialog is not None
    combo = dialog.year_combo
    assert [combo.itemText(index) for index in range(combo.count())] == ["令和3年度", "令和2年度"]
    assert dialog.report_year() == 2021
    assert dialog.title_label.text() == "KPI評価の総括（令和3年度）"
    assert dialog.summary() is not None and dialog.summary().overall.counted == 3
    assert dialog.show_year(2020)
    assert dialog.summary().overall.counted == 15
    assert dialog.sentence_label.text().startswith("15項目のうちA 6（40%）")
    assert not dialog.show_year(2019)
    dialog.close()


def mark_external(window: MainWindow, nos: set[str]) -> None:
    book = window.session.book
    for sheet in book.list_sheets(report_year=2020):
        if sheet.no in nos:
            rows = [
                dataclasses.replace(
                    row, external=True, external_reason="新型コロナウイルス感染症の影響"
                )
                for row in sheet.rows
            ]
            book.save_sheet(dataclasses.replace(sheet, rows=rows))


def test_items_left_out_are_shown_apart(window: MainWindow) -> None:
    mark_external(window, {"27", "28", "29"})
    book = window.session.book
    book.set_evaluation_settings(EvaluationSettings(external=ExternalMode.EXCLUDED))
    dialog = window.summary.summary_dialog()
    assert dialog is not None
    assert dialog.sentence_label.text() == (
        "12項目のうちA 6（50%）、B 1（8%）、C 1（8%）、D 2（17%）、— 2（17%）"
        "（ほかに評価対象外 3項目）"
    )
    rows = table_texts(dialog)
    assert rows[("全体", "全体")] == [
        "12",
        "6（50%）",
        "1（8%）",
        "1（8%）",
        "2（17%）",
        "2（17%）",
        "3",
    ]
    assert rows[("担当課", "港湾課")] == [
        "0",
        "0（—）",
        "0（—）",
        "0（—）",
        "0（—）",
        "0（—）",
        "1",
    ]
    geometry = dialog.chart.geometry_now()
    assert geometry.bars[-1].name == "評価対象外" and geometry.bars[-1].count == 3
    dialog.close()
    # Marked 参考 instead, they are ranked as usual.
    book.set_evaluation_settings(EvaluationSettings())
    dialog = window.summary.summary_dialog()
    assert table_texts(dialog)[("全体", "全体")][-1] == "0"
    assert dialog.sentence_label.text().startswith("15項目のうちA 6（40%）")
    dialog.close()


def test_the_open_sheet_counts_as_edited(window: MainWindow) -> None:
    no16 = next(entry.id for entry in window.session.book.list_entries() if entry.no == "16")
    window.session.open_sheet(no16)
    sheet: Sheet = window.session.document.sheet
    row = sheet.rows[0]
    row.actuals[sheet.actual_years.index(2020)] = dataclasses.replace(
        row.actuals[sheet.actual_years.index(2020)], text="400"
    )  # was 集計中, not saved
    dialog = window.summary.summary_dialog()
    assert dialog.summary().overall.not_judged == 1
    assert dialog.sentence_label.text().endswith("— 1（7%）")
    dialog.close()


def test_counting_can_be_cancelled(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    def cancel(done: int, total: int) -> None:
        raise progress.Cancelled

    monkeypatch.setattr(summary_controller, "_now_and_then", lambda report: cancel)
    assert window.summary.summary_of(2020) is None
    assert window.statusBar().currentMessage() == "令和2年度の総括を取り消しました"


def test_the_pdf_is_one_page_with_the_counts(
    window: MainWindow, dialog: SummaryDialog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[str] = []

    def save_name(parent: object, title: str, folder: str, filters: str) -> tuple[str, str]:
        asked.append(folder)
        return str(tmp_path / Path(folder).name), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    dialog.pdf_button.click()
    assert Path(asked[0]).name == "総括_R2.pdf"
    target = tmp_path / "総括_R2.pdf"
    with pdfplumber.open(target) as pdf:
        assert len(pdf.pages) == 1
        text = squash(pdf.pages[0].extract_text())
    for expected in (
        "KPI評価の総括（令和2年度）",
        "15項目のうちA 6（40%）、B 1（7%）、C 1（7%）、D 5（33%）、— 2（13%）",
        "産業支援課", "見本 ブック 令和2年度報告 総括",
    ):  # fmt: skip
        assert squash(expected) in text, expected
    assert window.statusBar().currentMessage() == f"総括をPDF（1ページ）に保存しました: {target}"
    assert not [path for path in tmp_path.iterdir() if path.suffix == ".tmp"]


def test_a_pdf_that_cannot_be_written_says_so_in_japanese(
    window: MainWindow, dialog: SummaryDialog, answers, tmp_path: Path
) -> None:
    target = tmp_path / "ない" / "総括.pdf"
    assert window.summary.save_pdf(dialog.summary(), target) == 0
    assert answers.errors[-1].startswith("総括をPDFに保存できませんでした。\n")
    assert "保存先のフォルダがありません" in answers.errors[-1]
    assert not target.parent.exists()


def test_printing_draws_the_pdfs_page(
    window: MainWindow, dialog: SummaryDialog, tmp_path: Path
) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert window.summary.print_summary(dialog.summary(), printer) == 1
    with pdfplumber.open(tmp_path / "printed.pdf") as pdf:
        assert len(pdf.pages) == 1
        assert squash("15項目のうちA 6（40%）") in squash(pdf.pages[0].extract_text())
    assert printer.docName() == "KPI評価の総括（令和2年度）"


def test_a_book_without_sheets_has_no_summary(make_window, tmp_path: Path, answers) -> None:
    from kpidesk.book.store import Book

    path = tmp_path / "空.kpidb"
    Book.open(path).close()
    window = make_window(path)
    assert window.summary.summary_dialog() is None
    assert answers.errors == ["ブックにシートがないため、総括を作れません。"]


@pytest.mark.parametrize("palette", [None, "dark", "high_contrast"])
def test_readable_in_any_theme(window: MainWindow, palette: str | None) -> None:
    colours = {
        None: None,
        "dark": palettes.dark_palette(),
        "high_contrast": palettes.high_contrast_palette(),
    }[palette]
    with palettes.applied(colours):
        dialog = window.summary.summary_dialog()
        dialog.show()
        QApplication.processEvents()
        # The chart is white paper in any theme, as the trend chart and the PDF.
        image = dialog.chart.grab().toImage()
        assert QColor(image.pixel(4, image.height() // 2)) == QColor("#ffffff")
        # Each tinted count keeps its text readable over its tint.
        table = dialog.table
        tinted = 0
        for row in range(table.rowCount()):
            for column in range(3, 7):
                item = table.item(row, column)
                if item.background().style() != Qt.BrushStyle.NoBrush:
                    tinted += 1
                    ratio = palettes.contrast(item.foreground().color(), item.background().color())
                    assert ratio >= palettes.MIN_CONTRAST, (row, column, ratio)
        assert tinted >= 4
        dialog.close()
