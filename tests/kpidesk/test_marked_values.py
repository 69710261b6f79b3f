"""A value typed with its mark (7,077（速報値）) keeps it as typed, wherever the sheet goes.

It counts as its number in the 評価 and is printed, exported and read back
with its mark: the published text, the JSON, the Excel workbook, the PDF.
"""

from __future__ import annotations

import dataclasses
import io

import pdfplumber
import pytest

from kpidesk import evaluation, samples, values
from kpidesk.exchange import excel_reader, excel_writer, jsonio
from kpidesk.model import Cell, Sheet
from kpidesk.printing import paint
from tests.conftest import squash

MARKED = ["7,077（速報値）", "5,163(暫定値)", "4,000 見込み", "6,498 確定値"]


def marked_sheet(text: str) -> Sheet:
    sheet = samples.sample_sheets()[0]  # No 9: one row, R2 actual
    rows = [dataclasses.replace(sheet.rows[0], actuals=[Cell(text), *sheet.rows[0].actuals[1:]])]
    return dataclasses.replace(sheet, rows=rows)


@pytest.mark.parametrize("text", MARKED)
def test_a_marked_value_comes_back_from_excel_as_typed(text: str) -> None:
    stream = io.BytesIO()
    excel_writer.export_workbook([marked_sheet(text)], stream)
    [back] = excel_reader.read_workbook(io.BytesIO(stream.getvalue()))
    assert back.rows[0].actuals[0].text == text
    assert jsonio.dumps([back]) == jsonio.dumps([marked_sheet(text)])


@pytest.mark.parametrize("text", MARKED)
def test_a_marked_value_is_printed_as_typed_and_judged_as_its_number(text: str) -> None:
    sheet = marked_sheet(text)
    data, _ = paint.pdf_bytes([sheet], "見本.kpidb")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        printed = squash(pdf.pages[0].extract_text() or "")
    # In a narrow cell the mark goes on its own line, whole: 7,077 / （速報値）.
    number, mark = values.split_marked(text)
    assert squash(number) in printed and squash(mark) in printed
    judged = evaluation.evaluate_row(sheet, 0)
    assert judged.latest is not None and judged.latest_text == text
    provisional = any(mark in text for mark in ("速報", "暫定", "見込"))
    assert judged.rank_inputs().provisional is provisional


def test_a_marked_number_splits_into_its_two_parts_as_typed() -> None:
    assert values.split_marked("7,077（速報値）") == ("7,077", "（速報値）")
    assert values.split_marked(" 41 速報 ") == ("41", "速報")
    assert values.split_marked("５，１６３(暫定値)") == ("５，１６３", "(暫定値)")
    assert values.split_marked("7,077") is None
    assert values.split_marked("集計中") is None


def test_a_marked_number_is_aligned_right_like_the_other_numbers() -> None:
    from kpidesk.printing import fonts, layout

    paint.ensure_application()
    pages = layout.layout_document(
        [marked_sheet("7,077（速報値）")], paint.QtMeasure(fonts.load_fonts())
    )
    lines = [item for item in pages[0].items if isinstance(item, layout.Text)]
    number = next(item for item in lines if item.text == "7,077")
    mark = next(item for item in lines if item.text == "（速報値）")
    plain = next(item for item in lines if item.text == "6,498")
    assert number.align == mark.align == plain.align == "right"
    assert mark.y > number.y  # the mark on the line below, whole
