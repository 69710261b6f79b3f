"""The form's trend chart widget, and the book's print-chart setting in the window's PDFs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pdfplumber
import pytest

from PySide6.QtGui import QColor

from kpidesk import samples
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.printing import chart
from ui.main_window import MainWindow
from ui.trend_chart import CHART_HEIGHT, CHART_SPACING, TrendChart


@pytest.fixture(scope="module")
def sheets() -> dict[str, Sheet]:
    return {sheet.no: sheet for sheet in samples.sample_sheets()}


@pytest.fixture
def trend_chart(qtbot, app) -> TrendChart:
    widget = TrendChart()
    qtbot.addWidget(widget)
    return widget


def test_one_chart_per_value_row(trend_chart: TrendChart, sheets: dict[str, Sheet]) -> None:
    trend_chart.set_sheet(sheets["13"])  # 単年 and 累計
    assert trend_chart.row_count() == 2
    assert trend_chart.sizeHint().height() == 2 * CHART_HEIGHT + CHART_SPACING
    assert trend_chart.sizeHint().width() >= 400
    trend_chart.resize(trend_chart.sizeHint())
    first, second = trend_chart.geometries()
    assert first.frame.bottom() < second.frame.top()
    assert [p.value for p in first.actuals] == [72.0] and first.base is None
    assert (second.base.value, second.target.value) == (260.0, 400.0)

    trend_chart.set_sheet(sheets["27"])
    assert trend_chart.row_count() == 1
    assert trend_chart.sizeHint().height() == CHART_HEIGHT
    trend_chart.set_sheet(None)
    assert trend_chart.row_count() == 0 and trend_chart.geometries() == []
    assert trend_chart.sizeHint().height() == 0


def test_the_widget_draws_the_points(trend_chart: TrendChart, sheets: dict[str, Sheet]) -> None:
    trend_chart.set_sheet(sheets["27"])
    trend_chart.resize(trend_chart.sizeHint())
    trend_chart.show()
    image = trend_chart.grab().toImage()
    [geometry] = trend_chart.geometries()
    [actual] = geometry.actuals
    ratio = image.devicePixelRatio()
    at = image.pixelColor(round(actual.x * ratio), round(actual.y * ratio))
    assert at == QColor(chart.COLORS["actual"])
    assert geometry.base is not None and geometry.target is not None
    assert [tick.label.text for tick in geometry.x_ticks] == ["R1", "R2", "R3", "R4", "R5"]


def test_the_charts_draw_the_expected_path_and_skip_expected_rows(
    trend_chart: TrendChart, sheets: dict[str, Sheet]
) -> None:
    sheet = dataclasses.replace(sheets["18"], rows=list(sheets["18"].rows))
    trend_chart.set_sheet(sheet)
    trend_chart.resize(trend_chart.sizeHint())
    trend_chart.show()
    _single, total = trend_chart.geometries()
    assert [(p.year, p.value) for p in total.expected] == [
        (2019, 0.0), (2020, 5.0), (2021, 10.0), (2022, 15.0), (2023, 20.0),
    ]  # fmt: skip
    assert total.legend[-1].label.text == "期待値"
    image = trend_chart.grab().toImage()
    ratio = image.devicePixelRatio()
    r4 = total.expected[3]
    assert image.pixelColor(round(r4.x * ratio), round(r4.y * ratio)) == QColor("white")
    # A 期待値 row (here typed under 累計) is drawn as that row's path, not as a chart.
    sheet.rows.append(
        ValueRow("期待値(累計)", "社/4年", Cell(), [Cell("4"), Cell("9"), Cell(), Cell()])
    )
    trend_chart.set_sheet(sheet)
    assert trend_chart.row_count() == 2 and trend_chart.charted_rows() == [0, 1]
    _single, total = trend_chart.geometries()
    assert [p.value for p in total.expected] == [0.0, 4.0, 9.0, 15.0, 20.0]


def test_a_row_without_numbers_is_drawn_with_the_message(
    trend_chart: TrendChart, sheets: dict[str, Sheet]
) -> None:
    trend_chart.set_sheet(sheets["10"])  # 市町村(累計) has numbers, 県 has only words
    trend_chart.resize(trend_chart.sizeHint())
    trend_chart.grab()
    numbers, words = trend_chart.geometries()
    assert numbers.message is None and len(numbers.points) == 3
    assert words.message is not None and words.message.text == "グラフにできる数値がありません"


def test_window_pdf_carries_the_charts_when_the_book_says_so(
    window: MainWindow, tmp_path: Path
) -> None:
    from ui.dialogs.scope import Scope

    target = tmp_path / "book.pdf"
    sheets = window.printing.sheets_in_scope(Scope.BOOK)[:2]
    assert window.printing.export_pdf(sheets, target) == 2
    with pdfplumber.open(target) as pdf:
        assert all("推移グラフ" not in page.extract_text() for page in pdf.pages)
    window.session.book.set_print_chart(True)
    assert window.printing.export_pdf(sheets, target) == 2
    with pdfplumber.open(target) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert all("推移グラフ" in text for text in texts)
    assert "令和2年度報告" in texts[0].splitlines()[-1]


def test_print_preview_draws_the_charts(window: MainWindow, qtbot) -> None:
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    from ui.dialogs.scope import Scope

    window.session.book.set_print_chart(True)
    sheets = window.printing.sheets_in_scope(Scope.BOOK)[:3]
    dialog = window.printing.preview_dialog(sheets)
    qtbot.addWidget(dialog)
    dialog.show()
    preview = dialog.findChild(QPrintPreviewWidget)
    preview.updatePreview()
    assert preview.pageCount() == 3
    dialog.close()
