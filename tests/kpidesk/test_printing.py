"""The 別記様式2 page: layout decisions, and the words in the PDF."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pdfplumber
import pytest

from kpidesk import samples
from kpidesk.exchange import excel_writer
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.printing import fonts, layout, paint
from kpidesk.printing.layout import FlowLine
from tests.conftest import squash


@pytest.fixture(scope="module")
def sample_sheets() -> list[Sheet]:
    return samples.sample_sheets()


@pytest.fixture(scope="module")
def sample_pdf(sample_sheets: list[Sheet]) -> bytes:
    data, pages = paint.pdf_bytes(sample_sheets, "見本.kpidb")
    assert pages == 15
    return data


@pytest.fixture(scope="module")
def sample_texts(sample_pdf: bytes) -> list[str]:
    return page_texts(sample_pdf)


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


HEADINGS = ("取組状況", "課題等", "今後の方向性")


def box_text(page_text: str) -> str:
    """The boxes' text on a page: lines after the first box heading, without headings,
    bullet marks and the footer."""
    lines = page_text.splitlines()[:-1]  # the last line is the footer
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADINGS))
    kept = [line for line in lines[start:] if not line.startswith(HEADINGS)]
    return "".join(line.removeprefix("・") for line in kept)


def long_sheet() -> Sheet:
    """A sheet with 3,000 characters in each box."""
    base = samples.sample_sheets()[0]
    efforts = ["取組の記述その一。" * 200, "取組の記述その二。" * 134 + "終"]
    issues = [f"課題{i:03d}の説明文です。" * 3 for i in range(84)]
    direction = ["方向性の段落。" * 430 + "以上"]
    for texts in (efforts, issues, direction):
        assert sum(len(text) for text in texts) >= 3000
    return dataclasses.replace(base, no="99", efforts=efforts, issues=issues, direction=direction)


# --- the PDF of the samples -----------------------------------------------------


def test_one_page_per_sample_sheet_with_all_its_words(
    sample_texts: list[str], sample_sheets: list[Sheet]
) -> None:
    texts = sample_texts
    assert len(texts) == 15
    for sheet, text in zip(sample_sheets, texts, strict=True):
        page = squash(text)
        assert f"No{sheet.no}" in page
        assert "KPI分析シート" in page and "<別記様式2>" in page
        for department in sheet.departments:
            assert department in page
        assert squash(sheet.title) in page
        for row in sheet.rows:
            for cell in (row.baseline, *row.actuals, row.target):
                assert squash(cell.text) in page, (sheet.no, cell.text)
            assert squash(row.unit) in page
            assert squash(row.label) in page
        for bullet in [*sheet.efforts, *sheet.issues, *sheet.direction]:
            assert squash(bullet) in page, (sheet.no, bullet[:20])
        for heading in ("取組状況", "課題等", "今後の方向性"):
            assert heading in page


def test_units_stand_in_their_own_column_before_the_base_value(sample_texts: list[str]) -> None:
    texts = sample_texts
    assert "単年 件/年 6,498" in texts[0]
    assert "単年 kg/10a/年 2,792" in texts[9]


def test_year_columns_are_in_era_form(sample_texts: list[str]) -> None:
    no15 = squash(sample_texts[4])
    for label in ("(H30)", "R1実績値", "R5実績値", "(R5)"):
        assert squash(label) in no15 or label.replace("実績値", "") in no15


def test_footer_has_book_name_and_page_number(sample_texts: list[str]) -> None:
    texts = sample_texts
    assert "見本 令和2年度報告" in texts[0] and "1 / 15" in texts[0]
    assert "15 / 15" in texts[14]


def test_font_is_embedded(sample_pdf: bytes) -> None:
    assert b"/FontFile2" in sample_pdf
    assert b"BIZUDGothic" in sample_pdf


def test_text_stays_inside_the_page(sample_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(sample_pdf)) as pdf:
        for page in pdf.pages:
            for char in page.chars:
                assert layout.MARGIN_LEFT - 1 <= char["x0"] <= char["x1"] <= page.width - 40
                assert 0 < char["top"] <= char["bottom"] < page.height


# --- long text --------------------------------------------------------------------


def test_long_text_continues_on_marked_pages_with_every_character() -> None:
    sheet = long_sheet()
    data, pages = paint.pdf_bytes([sheet], "長文.kpidb")
    assert pages >= 2
    texts = page_texts(data)
    assert len(texts) == pages
    assert "（続き）" not in texts[0].splitlines()[1]
    for text in texts[1:]:
        assert "KPI分析シート（続き）" in text
        assert "No 99（続き）" in text
    body = squash("".join(box_text(text) for text in texts))
    assert body == squash("".join([*sheet.efforts, *sheet.issues, *sheet.direction]))
    assert "取組状況（続き）" in texts[1] or "課題等（続き）" in texts[1]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for char in page.chars:
                assert char["x0"] >= 0 and char["x1"] <= page.width - layout.MARGIN_RIGHT + 1
                assert char["top"] >= 0 and char["bottom"] <= page.height


def test_text_shrinks_before_a_second_page_is_used() -> None:
    measure = FakeMeasure()
    base = samples.sample_sheets()[0]
    short = layout.layout_sheet(base, measure)
    assert len(short) == 1 and short[0].body_size == layout.BODY_SIZES[0]
    sizes = []
    for length in (800, 900, 1100, 1200, 1400, 1600):
        medium = dataclasses.replace(base, efforts=["あ" * length])
        pages = layout.layout_sheet(medium, measure)
        assert len(pages) == 1
        sizes.append(pages[0].body_size)
    # Longer text, smaller type, one step at a time, down to the minimum.
    assert sizes == [10.5, 10.0, 9.5, 9.0, 8.5, 8.0]
    huge = dataclasses.replace(base, efforts=["あ" * 9000])
    pages = layout.layout_sheet(huge, measure)
    assert len(pages) > 1
    assert all(page.body_size == layout.MIN_BODY_SIZE for page in pages)
    assert [page.continued for page in pages] == [False] + [True] * (len(pages) - 1)


def test_every_item_is_inside_the_page_area() -> None:
    measure = FakeMeasure()
    for sheet in [*samples.sample_sheets(), long_sheet()]:
        for page in layout.layout_sheet(sheet, measure):
            for item in page.items:
                assert item.x >= layout.CONTENT_LEFT - 0.01
                assert item.x + item.width <= layout.CONTENT_RIGHT + 0.01
                assert item.y >= layout.MARGIN_TOP - 0.01
                assert item.y + item.height <= layout.CONTENT_BOTTOM + 0.01, (sheet.no, item)


def test_wrapped_lines_keep_every_character() -> None:
    measure = FakeMeasure()
    sheet = long_sheet()
    pages = layout.layout_sheet(sheet, measure)
    drawn = "".join(
        item.text
        for page in pages
        for item in page.items
        if isinstance(item, layout.Text)
        and item.size == page.body_size
        and not item.bold
        and item.text != "・"
    )
    assert drawn == "".join([*sheet.efforts, *sheet.issues, *sheet.direction])


def test_qt_wrapping_never_cuts_a_character_or_overruns(qapp_or_gui) -> None:
    measure = paint.QtMeasure(fonts.load_fonts())
    text = "令和2年中の刑法犯認知件数は、前年比：-1,417件(-21.8%)の5,081件となり、" * 8
    lines = measure.wrap(text, 10.5, 300.0)
    assert "".join(lines) == text
    assert len(lines) > 3
    for line in lines:
        assert measure.width(line, 10.5) <= 300.0 + 0.5
    # Japanese rules: no line starts with a closing mark or a comma.
    assert not any(line.startswith(("、", "。", "）", ")")) for line in lines[1:])


# --- layout decisions as plain functions ------------------------------------------


def test_choose_body_size_takes_the_largest_that_fits() -> None:
    assert layout.choose_body_size(lambda size: size <= 9.5) == 9.5
    assert layout.choose_body_size(lambda size: True) == layout.BODY_SIZES[0]
    assert layout.choose_body_size(lambda size: False) is None


def lines(section: str, count: int) -> list[FlowLine]:
    return [FlowLine(section, f"{section}{i}", i == 0) for i in range(count)]


def test_paginate_fills_pages_and_continues_boxes() -> None:
    sections = [("efforts", lines("efforts", 10)), ("issues", lines("issues", 3))]
    pages = layout.paginate(
        sections, first_space=100, next_space=200, heading_height=10, line_advance=10,
        box_padding=10,
    )  # fmt: skip
    # First page: 100 - 20 overhead = 8 lines of efforts.
    assert [(name, len(taken)) for name, taken in pages[0]] == [("efforts", 8)]
    assert [(name, len(taken)) for name, taken in pages[1]] == [("efforts", 2), ("issues", 3)]
    flat = [line for page in pages for _, taken in page for line in taken]
    assert flat == sections[0][1] + sections[1][1]


def test_paginate_moves_a_box_that_cannot_start_with_a_line() -> None:
    sections = [("efforts", lines("efforts", 1)), ("issues", lines("issues", 2))]
    pages = layout.paginate(
        sections, first_space=45, next_space=100, heading_height=10, line_advance=10,
        box_padding=10,
    )  # fmt: skip
    assert [name for name, _ in pages[0]] == ["efforts"]
    assert [name for name, _ in pages[1]] == ["issues"]


def test_paginate_keeps_empty_boxes() -> None:
    pages = layout.paginate(
        [("efforts", []), ("issues", [])], first_space=500, next_space=500, heading_height=10,
        line_advance=10,
    )  # fmt: skip
    assert [name for name, _ in pages[0]] == ["efforts", "issues"]


def test_the_table_header_has_item_and_unit_as_in_excel() -> None:
    sheet = Sheet(
        report_year=2020,
        no="1",
        baseline_year=2018,
        actual_years=[2019, 2020],
        target_year=2023,
        rows=[ValueRow("単年", "件", Cell("1"), [Cell("2"), Cell("")], Cell("3"))],
    )
    assert layout.table_header_labels(sheet) == [
        "項目", "単位", "戦略策定時\n実績値\n(H30)", "R1\n実績値", "R2\n実績値", "目標値\n(R5)",
    ]  # fmt: skip
    assert layout.table_header_labels(sheet)[:2] == excel_writer.header_labels(sheet)[:2]


def test_footer_marks_continued_pages() -> None:
    page = layout.Page("9", continued=True)
    assert layout.footer_texts(page, 2, 3, "book.kpidb") == ("book　No 9（続き）", "2 / 3")


def test_footer_shows_the_report_year() -> None:
    page = layout.Page("9", report_year=2020)
    assert layout.footer_texts(page, 1, 2, "book.kpidb") == (
        "book　令和2年度報告　No 9",
        "1 / 2",
    )
    first = layout.Page("9", continued=True, report_year=2019)
    assert layout.footer_texts(first, 2, 2, "") == ("令和元年度報告　No 9（続き）", "2 / 2")


def test_every_page_footer_shows_its_sheets_report_year(sample_texts: list[str]) -> None:
    sheet = dataclasses.replace(long_sheet(), report_year=2021)
    data, pages = paint.pdf_bytes([sheet], "長文.kpidb")
    assert pages > 1
    for text in page_texts(data):
        assert text.splitlines()[-1].startswith("長文 令和3年度報告 No 99")
    assert "令和2年度報告 No 9" in sample_texts[0].splitlines()[-1]


class FakeMeasure:
    """Every character is one em wide; wraps anywhere."""

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return len(text) * size

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        per_line = max(int(width // size), 1)
        out: list[str] = []
        for paragraph in text.split("\n"):
            out.extend(
                [paragraph[i : i + per_line] for i in range(0, len(paragraph), per_line)] or [""]
            )
        return out


@pytest.fixture
def qapp_or_gui() -> None:
    paint.ensure_application()


def test_write_pdf_to_a_stream(tmp_path: Path, sample_sheets: list[Sheet]) -> None:
    stream = io.BytesIO()
    assert paint.write_pdf(sample_sheets[:2], stream, "x") == 2
    assert stream.getvalue().startswith(b"%PDF")


def test_a_wide_table_shrinks_so_numbers_stay_whole(qapp_or_gui) -> None:
    measure = paint.QtMeasure(fonts.load_fonts())
    years = list(range(2020, 2030))
    sheet = Sheet(
        report_year=2020,
        no="1",
        baseline_year=2019,
        actual_years=years,
        target_year=2029,
        rows=[
            ValueRow("単年", "件/年", Cell("6,498"), [Cell("△1,417")] * len(years), Cell("30,203"))
        ],
    )
    assert layout.table_sizes(7) == (layout.TABLE_HEADER_SIZE, layout.TABLE_VALUE_SIZE)
    assert layout.table_sizes(12)[1] < layout.TABLE_VALUE_SIZE
    [page] = layout.layout_sheet(sheet, measure)
    texts = page.texts()
    assert texts.count("△1,417") == len(years)  # never broken inside a number
    assert "30,203" in texts and "6,498" in texts and "件/年" in texts


def test_the_pdf_shows_what_the_excel_form_shows(sample_texts: list[str]) -> None:
    """The report year heading, a 単位 column and the book's title, as in Excel."""
    lines = sample_texts[0].splitlines()  # No 9: 単年, 件/年, 6,498 → 5,081
    assert lines[0].startswith("令和2年度")  # the Excel form's KPI_REPORT_YEAR
    assert any(line.startswith("項目 単位") for line in lines)
    row = next(line for line in lines if line.startswith("単年"))
    assert row.split()[:3] == ["単年", "件/年", "6,498"]  # the unit in its own column
    assert lines[-1].startswith("見本 令和2年度報告 No 9")  # the title, not 見本.kpidb
    assert not any("見本.kpidb" in text for text in sample_texts)
