"""The trend chart: its geometry on the samples and odd rows, and the chart box on the PDF page."""

from __future__ import annotations

import dataclasses
import io
import itertools
from pathlib import Path

import pdfplumber
import pytest

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from kpidesk import cli, samples
from kpidesk.book.store import Book
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.printing import chart, chart_expected, fonts, layout, paint
from tests.conftest import squash

RECT = QRectF(0, 0, 500, 118)  # the full-width chart on the printed page (points)
HALF = QRectF(0, 0, 247, 118)  # one of two side by side
WIDGET = QRectF(0, 0, 460, 180)  # the form's chart (pixels)


@pytest.fixture(scope="module")
def sheets() -> dict[str, Sheet]:
    return {sheet.no: sheet for sheet in samples.sample_sheets()}


def four_year_sheet(*actuals: str, base: str = "120", target: str = "200") -> Sheet:
    return Sheet(
        report_year=2023,
        no="99",
        title="四年分の実績",
        baseline_year=2019,
        actual_years=[2020, 2021, 2022, 2023],
        target_year=2023,
        rows=[
            ValueRow("単年", "件/年", Cell(base), [Cell(text) for text in actuals], Cell(target))
        ],
    )


# --- geometry ---------------------------------------------------------------------


def test_no15_has_one_actual_the_base_and_the_target(sheets: dict[str, Sheet]) -> None:
    geometry = chart.chart_geometry(sheets["15"], 0, RECT)
    # 28,467 (R1) is drawn; 集計中 (R2) is not a point but written at its year.
    assert [(p.year, p.text) for p in geometry.actuals] == [(2019, "28,467")]
    assert geometry.base is not None and (geometry.base.year, geometry.base.text) == (
        2018,
        "28,461",
    )
    assert geometry.target is not None and (geometry.target.year, geometry.target.value) == (
        2023,
        30203.0,
    )
    assert len(geometry.points) == 3
    assert [label.text for label in geometry.pending] == ["集計中"]
    [pending] = geometry.pending
    r2 = next(tick for tick in geometry.x_ticks if tick.label.text == "R2")
    assert pending.rect.center().x() == pytest.approx(r2.position)
    assert geometry.message is None


def test_four_actuals_in_year_order_left_to_right_larger_higher() -> None:
    sheet = four_year_sheet("130", "△20", "95.5", "150")
    geometry = chart.chart_geometry(sheet, 0, RECT)
    points = geometry.actuals
    assert [p.year for p in points] == [2020, 2021, 2022, 2023]
    assert [p.value for p in points] == [130.0, -20.0, 95.5, 150.0]
    xs = [p.x for p in points]
    assert xs == sorted(xs) and len(set(xs)) == 4
    by_value = sorted(points, key=lambda p: p.value)
    ys = [p.y for p in by_value]
    assert ys == sorted(ys, reverse=True)  # screen y grows downwards
    assert geometry.base is not None and geometry.base.x < xs[0]
    assert geometry.target is not None and geometry.target.x == pytest.approx(xs[-1])


def test_x_positions_cover_base_year_to_target_year_in_era_form(
    sheets: dict[str, Sheet],
) -> None:
    geometry = chart.chart_geometry(sheets["15"], 0, RECT)
    assert geometry.years == (2018, 2019, 2020, 2021, 2022, 2023)
    assert [tick.label.text for tick in geometry.x_ticks] == ["H30", "R1", "R2", "R3", "R4", "R5"]
    positions = [tick.position for tick in geometry.x_ticks]
    assert positions == sorted(positions)
    assert all(geometry.plot.left() <= x <= geometry.plot.right() for x in positions)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(positions)}
    assert len(gaps) == 1  # one year is one step


def all_rows(sheets: dict[str, Sheet]) -> list[tuple[Sheet, int]]:
    extra = [
        four_year_sheet("130", "△20", "95.5", "150", target="前年比増"),
        four_year_sheet("-3", "-4", "-2", "", base="-5", target="0"),
        four_year_sheet("72", "72", "72", "72", base="72", target="72"),
        four_year_sheet("0.12", "0.15", "", "", base="0.1", target="0.2"),
        four_year_sheet("1,250,000", "集計中", "", "", base="980,000", target="1,500,000"),
    ]
    return [(s, i) for s in [*sheets.values(), *extra] for i in range(len(s.rows))]


@pytest.mark.parametrize("rect", [RECT, HALF, WIDGET], ids=["full", "half", "widget"])
def test_range_holds_every_value_and_everything_stays_in_the_frame(
    sheets: dict[str, Sheet], rect: QRectF
) -> None:
    size = 10.0 if rect is WIDGET else chart.PRINT_TEXT_SIZE
    for sheet, index in all_rows(sheets):
        geometry = chart.chart_geometry(sheet, index, rect, text_size=size)
        if geometry.message is not None:
            continue
        values = [p.value for p in geometry.points]
        assert geometry.y_min <= min(values) and max(values) <= geometry.y_max, sheet.no
        assert geometry.y_min < geometry.y_max
        plot = geometry.plot
        for point in (*geometry.points, *geometry.expected):
            assert plot.top() - 0.01 <= point.y <= plot.bottom() + 0.01
            assert plot.left() <= point.x <= plot.right()
        ticks = [tick.position for tick in geometry.y_ticks]
        assert ticks[0] == pytest.approx(plot.bottom()) and ticks[-1] == pytest.approx(plot.top())
        labels = [
            geometry.title,
            *(t.label for t in (*geometry.x_ticks, *geometry.y_ticks)),
            *geometry.labels,
            *geometry.pending,
            *(item.label for item in geometry.legend),
        ]
        for label in labels:
            assert rect.contains(label.rect), (sheet.no, index, label.text, label.rect)
        # The values beside the points never cover one another.
        for i, first in enumerate(geometry.labels):
            for second in geometry.labels[i + 1 :]:
                assert not first.rect.intersects(second.rect), (first.text, second.text)


def test_no15s_base_and_actual_labels_are_apart_at_every_width(sheets: dict[str, Sheet]) -> None:
    """「基準 28,461」 (H30) and 「28,467」 (R1) on one line read as one run of figures (the
    form's chart at 500–520 pixels wide put them 1–4 pixels apart): the labels keep half a
    text height between them, or sit on different lines."""
    size = 10.2  # the form's: 85 % of 12-pixel text
    for width in range(320, 900, 2):
        rect = QRectF(0.5, 0.5, width - 1, 179)
        geometry = chart.chart_geometry(sheets["15"], 0, rect, text_size=size)
        base = next(label for label in geometry.labels if label.role == "base")
        actual = next(label for label in geometry.labels if label.role == "actual")
        assert base.text == "基準 28,461" and actual.text == "28,467"
        b, a = base.rect, actual.rect
        if b.top() < a.bottom() and a.top() < b.bottom():  # on one line
            gap = max(a.left() - b.right(), b.left() - a.right())
            assert gap >= size * 0.5 - 1e-6, (width, b, a)


def test_tick_labels_are_whole_numbers_for_whole_values(sheets: dict[str, Sheet]) -> None:
    geometry = chart.chart_geometry(sheets["17"], 0, RECT)  # 34, 41, 35
    texts = [tick.label.text for tick in geometry.y_ticks]
    assert all("." not in text for text in texts), texts
    decimal = chart.chart_geometry(
        four_year_sheet("0.12", "0.15", base="0.1", target="0.2"), 0, RECT
    )
    assert any("." in tick.label.text for tick in decimal.y_ticks)
    big = chart.chart_geometry(
        four_year_sheet("1,250,000", base="980,000", target="1,500,000"), 0, RECT
    )
    assert "1,000,000" in [tick.label.text for tick in big.y_ticks]


def test_word_target_has_no_target_point_but_is_named(sheets: dict[str, Sheet]) -> None:
    geometry = chart.chart_geometry(sheets["9"], 0, RECT)  # 6,498 → 5,081, target 前年比減
    assert geometry.target is None
    assert geometry.target_word == "前年比減"
    assert [p.text for p in geometry.actuals] == ["5,081"]
    assert [item.kind for item in geometry.legend] == ["actual", "base", "note"]
    assert geometry.legend[-1].label.text == "目標: 前年比減"
    assert not any(label.text.startswith("目標 ") for label in geometry.labels)


def test_values_not_understood_are_gaps_never_labels() -> None:
    geometry = chart.chart_geometry(
        four_year_sheet("130", "=1+1", "12a", "集計中", target="abc"), 0, RECT
    )
    written = [label.text for label in (*geometry.labels, *geometry.pending)]
    written += [item.label.text for item in geometry.legend]
    assert [p.text for p in geometry.actuals] == ["130"]
    assert [label.text for label in geometry.pending] == ["集計中"]
    assert geometry.target_word == ""
    assert not any(bad in text for text in written for bad in ("=1+1", "12a", "abc"))


def test_dash_target_and_missing_base_draw_only_the_actual(sheets: dict[str, Sheet]) -> None:
    geometry = chart.chart_geometry(sheets["13"], 0, RECT)  # base —, 72, target —
    assert geometry.base is None and geometry.target is None and geometry.target_word == ""
    assert [p.value for p in geometry.actuals] == [72.0]
    assert [item.kind for item in geometry.legend] == ["actual"]
    assert geometry.y_min < 72 < geometry.y_max  # one value gets a range around it


def test_a_row_without_numbers_says_so(sheets: dict[str, Sheet]) -> None:
    geometry = chart.chart_geometry(sheets["10"], 1, RECT)  # 県: 認定なし … 認定
    assert geometry.message is not None
    assert geometry.message.text == "グラフにできる数値がありません"
    assert geometry.points == () and geometry.x_ticks == () and geometry.legend == ()
    assert geometry.title.text == "県"
    assert not chart.has_numbers(sheets["10"], 1) and chart.has_numbers(sheets["10"], 0)


def test_no16_without_actuals_still_shows_base_and_target(sheets: dict[str, Sheet]) -> None:
    geometry = chart.chart_geometry(sheets["16"], 0, RECT)  # 369, 集計中, 集計中, 392
    assert geometry.actuals == ()
    assert geometry.base is not None and geometry.target is not None
    assert [label.text for label in geometry.pending] == ["集計中", "集計中"]


def test_the_expected_path_runs_from_the_base_to_the_target(sheets: dict[str, Sheet]) -> None:
    geometry = chart.chart_geometry(sheets["14"], 0, RECT)  # 3,425 (R1) to 4,000 (R5)
    path = [(p.year, p.value, p.text) for p in geometry.expected]
    assert path == [
        (2019, 3425.0, "3,425"),
        (2020, 3568.75, "3,568.75"),
        (2021, 3712.5, "3,712.5"),
        (2022, 3856.25, "3,856.25"),
        (2023, 4000.0, "4,000"),
    ]
    assert [item.kind for item in geometry.legend] == ["actual", "base", "target", "expected"]
    assert geometry.legend[-1].label.text == "期待値"
    # On the line from the base point to the target point.
    assert geometry.base is not None and geometry.target is not None
    assert (geometry.expected[0].x, geometry.expected[0].y) == (geometry.base.x, geometry.base.y)
    assert geometry.expected[-1].y == pytest.approx(geometry.target.y)
    # No 18's running total over four years starts again from zero: 5 after the first.
    restart = chart.chart_geometry(sheets["18"], 1, RECT)
    assert [(p.year, p.value) for p in restart.expected] == [
        (2019, 0.0), (2020, 5.0), (2021, 10.0), (2022, 15.0), (2023, 20.0),
    ]  # fmt: skip
    assert restart.y_min <= 0
    # A word or yes/no target has no path.
    assert chart.chart_geometry(sheets["9"], 0, RECT).expected == ()
    assert chart.chart_geometry(sheets["10"], 1, RECT).expected == ()


def expected_row_sheet() -> Sheet:
    """Ibaraki's running total with its printed 期待値 row, the second year revised."""
    sheet = four_year_sheet("2,748", "5,163", "7,077（速報値）", "", base="—", target="10,000")
    sheet.rows[0] = dataclasses.replace(sheet.rows[0], label="累計", unit="人/4年")
    sheet.rows.append(
        ValueRow("期待値(累計)", "人/4年", Cell(), [Cell("2,500"), Cell("4,200"), Cell(), Cell()])
    )
    return sheet


def test_a_typed_expected_row_is_the_path_and_gets_no_chart_of_its_own() -> None:
    sheet = expected_row_sheet()
    geometry = chart.chart_geometry(sheet, 0, RECT)
    # The typed values where there are some, the line from zero elsewhere.
    assert [(p.year, p.value) for p in geometry.expected] == [
        (2019, 0.0), (2020, 2500.0), (2021, 4200.0), (2022, 7500.0), (2023, 10000.0),
    ]  # fmt: skip
    assert [p.text for p in geometry.actuals] == ["2,748", "5,163", "7,077（速報値）"]
    assert chart.charted_rows(sheet) == [0]
    measure = paint.QtMeasure(fonts.load_fonts())
    [page] = layout.layout_sheet(sheet, measure, chart=True)
    [only] = page.charts()
    assert only.row_index == 0 and only.width > layout.CONTENT_WIDTH * 0.95


def test_painting_draws_the_path_in_its_colour(sheets: dict[str, Sheet]) -> None:
    image = QImage(460, 180, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    geometry = chart.paint_chart(
        painter, WIDGET, sheets["18"], 1, font_family=fonts.load_fonts(), text_size=10
    )
    painter.end()
    marker = geometry.expected[3]  # R4: 15, away from the actual and the labels
    purple = QColor(chart_expected.EXPECTED_COLOR)
    around = [
        image.pixelColor(round(marker.x) + dx, round(marker.y) + dy)
        for dx in range(-5, 6)
        for dy in range(-5, 6)
    ]

    def distance(colour: QColor) -> int:
        return max(
            abs(colour.red() - purple.red()),
            abs(colour.green() - purple.green()),
            abs(colour.blue() - purple.blue()),
        )

    assert min(distance(colour) for colour in around) < 24  # its square's border, antialiased
    assert image.pixelColor(round(marker.x), round(marker.y)) == QColor("white")  # open


def test_title_carries_the_unit(sheets: dict[str, Sheet]) -> None:
    assert chart.chart_title(sheets["27"].rows[0]) == "単年（単位: 万人/年）"
    assert chart.chart_title(ValueRow(label="県")) == "県"
    assert chart.chart_title(ValueRow(unit="%")) == "単位: %"


@pytest.mark.parametrize(
    ("low", "high", "whole", "expected"),
    [
        (473, 800, True, (400, 900, 100)),
        (28461, 30203, True, (28000, 31000, 1000)),
        (34, 41, True, (30, 45, 5)),
        (0, 100, True, (0, 150, 50)),
        (72, 72, True, (60, 80, 5)),
        (0, 0, True, (0, 1, 1)),
        (-5, 0, True, (-6, 0, 2)),
        (-20, 150, False, (-50, 200, 50)),
        (0.1, 0.2, False, (0.05, 0.25, 0.05)),
    ],
)
def test_nice_range(low: float, high: float, whole: bool, expected: tuple) -> None:
    bottom, top, step = chart.nice_range(low, high, whole=whole)
    assert (bottom, top, step) == pytest.approx(expected)
    assert bottom <= low and high <= top


def test_painting_draws_the_points_in_their_colours(sheets: dict[str, Sheet]) -> None:
    image = QImage(460, 180, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    geometry = chart.paint_chart(
        painter, WIDGET, sheets["27"], 0, font_family=fonts.load_fonts(), text_size=10
    )
    painter.end()
    [actual] = geometry.actuals
    assert image.pixelColor(round(actual.x), round(actual.y)) == QColor(chart.COLORS["actual"])
    assert geometry.target is not None
    target = image.pixelColor(round(geometry.target.x), round(geometry.target.y))
    assert target == QColor(chart.COLORS["target"])


# --- the chart box on the page ------------------------------------------------------------


def chart_words(data: bytes) -> list[list[str]]:
    """Per page, the words between the 推移グラフ heading and the 取組状況 box, left to right."""
    result = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            words = page.extract_words()
            heading = [w for w in words if w["text"].startswith("推移グラフ")]
            below = [w for w in words if w["text"] == "取組状況"]
            if not heading:
                result.append([])
                continue
            top = heading[0]["bottom"]
            bottom = below[0]["top"] if below else page.height
            inside = [w for w in words if top <= w["top"] < bottom]
            result.append([w["text"] for w in sorted(inside, key=lambda w: w["x0"])])
    return result


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


@pytest.mark.parametrize("no", ["9", "27"])
def test_pdf_with_charts_has_the_box_and_era_ticks(sheets: dict[str, Sheet], no: str) -> None:
    data, pages = paint.pdf_bytes([sheets[no]], "見本.kpidb", chart=True)
    assert pages == 1
    [text] = page_texts(data)
    assert "推移グラフ" in text
    assert text.index("推移グラフ") < text.index("取組状況")
    [words] = chart_words(data)
    ticks = [word for word in words if word in {"R1", "R2", "R3", "R4", "R5"}]
    assert ticks == ["R1", "R2", "R3", "R4", "R5"]
    assert "基準" in words and "実績" in words
    assert ("期待値" in words) == (no == "27")  # 前年比減 has no path
    actual = {"9": "5,081", "27": "473"}[no]
    assert actual in words


def test_pdf_without_charts_has_no_box(sheets: dict[str, Sheet]) -> None:
    data, _ = paint.pdf_bytes([sheets["9"], sheets["27"]], "見本.kpidb")
    for text in page_texts(data):
        assert "推移グラフ" not in text
        assert "基準" not in text
    assert chart_words(data) == [[], []]


def test_two_rows_stand_side_by_side_and_one_row_takes_the_width(
    sheets: dict[str, Sheet],
) -> None:
    measure = paint.QtMeasure(fonts.load_fonts())
    [page] = layout.layout_sheet(sheets["13"], measure, chart=True)
    first, second = page.charts()
    assert (first.row_index, second.row_index) == (0, 1)
    assert first.y == second.y and first.x + first.width < second.x
    [page] = layout.layout_sheet(sheets["27"], measure, chart=True)
    [only] = page.charts()
    assert only.width > layout.CONTENT_WIDTH * 0.95


def many_rows_sheet(rows: int) -> Sheet:
    base = samples.sample_sheets()[0]
    return dataclasses.replace(
        base,
        no="77",
        rows=[
            ValueRow(
                f"区分{i}",
                "件",
                Cell(str(100 + i)),
                [Cell(str(90 + i)), *(Cell() for _ in base.actual_years[1:])],
                Cell("120"),
            )
            for i in range(rows)
        ],
    )


def test_a_chart_box_too_tall_for_the_page_continues_without_cutting_a_chart() -> None:
    sheet = many_rows_sheet(14)
    measure = paint.QtMeasure(fonts.load_fonts())
    pages = layout.layout_sheet(sheet, measure, chart=True)
    assert len(pages) >= 2
    drawn = [chart_item.row_index for page in pages for chart_item in page.charts()]
    assert drawn == list(range(14))  # every row once, in order
    for page in pages:
        for item in page.items:
            assert item.y >= layout.MARGIN_TOP - 0.01
            assert item.y + item.height <= layout.CONTENT_BOTTOM + 0.01
    headings = [t for page in pages for t in page.texts() if t.startswith("推移グラフ")]
    assert headings[0] == "推移グラフ" and all(t == "推移グラフ（続き）" for t in headings[1:])
    assert [page.continued for page in pages] == [False] + [True] * (len(pages) - 1)
    # The text boxes follow the charts, and nothing of them is lost.
    data, page_count = paint.pdf_bytes([sheet], "多い.kpidb", chart=True)
    assert page_count == len(pages)
    joined = squash("".join(page_texts(data)))
    for bullet in [*sheet.efforts, *sheet.issues, *sheet.direction]:
        assert squash(bullet) in joined


def test_charts_make_the_text_smaller_before_it_takes_another_page(
    sheets: dict[str, Sheet],
) -> None:
    measure = paint.QtMeasure(fonts.load_fonts())
    for sheet in sheets.values():
        plain = layout.layout_sheet(sheet, measure)
        charted = layout.layout_sheet(sheet, measure, chart=True)
        assert charted[0].body_size <= plain[0].body_size
        assert len(charted[0].charts()) == len(sheet.rows)


def test_export_pdf_follows_the_books_setting(tmp_path: Path) -> None:
    book = tmp_path / "見本.kpidb"
    samples.create_sample_book(book).close()
    out_pdf = tmp_path / "no27.pdf"

    def export() -> str:
        out, err = io.StringIO(), io.StringIO()
        assert (
            cli.main(
                ["export-pdf", "--db", str(book), "-o", str(out_pdf), "--no", "27"],
                out=out,
                err=err,
            )
            == 0
        )
        [text] = page_texts(out_pdf.read_bytes())
        return text

    assert "推移グラフ" not in export()
    store = Book.open(book, create=False)
    store.set_print_chart(True)
    store.close()
    text = export()
    assert "推移グラフ" in text and "目標 800" in text


def test_where_the_chart_stands_does_not_change_its_drawing(sheets: dict[str, Sheet]) -> None:
    # On the page a chart stands at odd offsets; rounding must not move its labels.
    for sheet, index in all_rows(sheets):
        here = chart.chart_geometry(sheet, index, HALF)
        there = chart.chart_geometry(sheet, index, HALF.translated(47.5, 301.37))
        assert [label.align for label in here.labels] == [label.align for label in there.labels]
        for a, b in zip(here.labels, there.labels, strict=True):
            assert b.rect.left() - a.rect.left() == pytest.approx(47.5)
            assert b.rect.top() - a.rect.top() == pytest.approx(301.37)


def test_a_long_row_label_is_cut_to_the_chart() -> None:
    sheet = four_year_sheet("1", "2")
    sheet.rows[0].label = "とても長い区分名" * 10
    for rect in (RECT, HALF):
        geometry = chart.chart_geometry(sheet, 0, rect)
        assert geometry.title.text.endswith("…")
        assert chart.text_width(geometry.title.text, geometry.title.size) <= rect.width()
        assert geometry.legend[0].swatch.top() > geometry.title.rect.bottom()  # legend below
    assert chart.elide("単年", 10, 100) == "単年"


@pytest.mark.parametrize("huge", ["9" * 400, "1e400", "1" + "0" * 20])
def test_a_number_too_large_to_draw_is_a_gap_not_an_error(huge: str) -> None:
    sheet = four_year_sheet("130", huge, "95.5", "150")
    geometry = chart.chart_geometry(sheet, 0, RECT)
    assert [p.year for p in geometry.actuals] == [2020, 2022, 2023]
    image = QImage(500, 118, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        chart.paint_chart(painter, RECT, sheet, 0)
    finally:
        painter.end()
