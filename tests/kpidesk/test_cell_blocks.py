"""Blocks of value-table cells as Excel's tab-separated text."""

from __future__ import annotations

from kpidesk import cell_blocks, editing
from kpidesk.model import Cell, Sheet, ValueRow


def two_row_sheet() -> Sheet:
    sheet = Sheet(no="1", title="t", report_year=2020, baseline_year=2015,
                  actual_years=[2018, 2019], target_year=2024)  # fmt: skip
    sheet.rows = [
        ValueRow(label="件数", unit="件", baseline=Cell("10"), actuals=[Cell("11"), Cell("12")],
                 target=Cell("20")),
        ValueRow(label="率", unit="%", baseline=Cell("1"), actuals=[Cell("2"), Cell("3")],
                 target=Cell("4")),
    ]  # fmt: skip
    return sheet


def test_a_block_is_tab_separated_rows_and_quotes_a_line_break_as_excel_does() -> None:
    text = cell_blocks.block_text([["件数", "10"], ['2行\nの"見出し"', "11"]])
    assert text == '件数\t10\n"2行\nの""見出し"""\t11\n'
    assert cell_blocks.parse_block(text) == [["件数", "10"], ['2行\nの"見出し"', "11"]]


def test_excel_text_with_crlf_and_a_trailing_line_end_parses_to_its_cells() -> None:
    assert cell_blocks.parse_block("1\t2\r\n3\t4\r\n") == [["1", "2"], ["3", "4"]]
    assert cell_blocks.parse_block("5,081") == [["5,081"]]
    assert cell_blocks.parse_block("\t\r\n") == [["", ""]]


def test_paste_fills_from_the_cell_and_never_grows_the_table() -> None:
    sheet = two_row_sheet()
    pasted = cell_blocks.paste_block(sheet, 1, 4, [["a", "b", "c"], ["d", "e", "f"]])
    assert editing.cell_text(sheet, 1, 4) == "a"
    assert editing.cell_text(sheet, 1, 5) == "b"
    assert len(sheet.rows) == 2 and editing.column_count(sheet) == 6
    assert (pasted.rows, pasted.columns, pasted.rows_cut, pasted.columns_cut) == (1, 2, 1, 1)
    assert pasted.cut_off_text() == "表に入りきらない1行と1列は貼り付けていません（表は広げません）"


def test_a_field_longer_than_the_csv_module_takes_is_read_as_plain_text() -> None:
    assert cell_blocks.parse_block("x" * 200_000 + "\t1\n") == [["x" * 200_000, "1"]]
    assert cell_blocks.parse_block('"' + "y" * 200_000) == [['"' + "y" * 200_000]]
