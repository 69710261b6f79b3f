"""Excel export: nothing is cut silently, no stray column, numbers off the border."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import openpyxl
import pytest

from kpidesk import cli, samples
from kpidesk.book.store import Book
from kpidesk.exchange import excel_fit, excel_reader, excel_writer
from kpidesk.model import Sheet

#: About 2,200 characters of 取組状況, as a department writes it.
LONG_EFFORTS = ["観光客の誘致に向けて県内外でプロモーションを実施した。" * 16] * 5
LONG_TITLE = "県内の主要観光施設における外国人観光客の年間延べ宿泊者数と満足度調査の結果" * 3


@pytest.fixture(scope="module")
def no9() -> Sheet:
    return samples.sample_sheets()[0]


def export(sheets: list[Sheet]) -> openpyxl.Workbook:
    stream = io.BytesIO()
    excel_writer.export_workbook(sheets, stream)
    return openpyxl.load_workbook(io.BytesIO(stream.getvalue()))


def test_a_long_efforts_box_is_named_before_writing(no9: Sheet) -> None:
    long = dataclasses.replace(no9, efforts=LONG_EFFORTS)
    assert 2_100 <= sum(map(len, LONG_EFFORTS)) <= 2_300
    [cut] = excel_fit.cut_texts([no9, long])
    assert (cut.box, cut.chars) == ("取組状況", len(excel_writer.bullets_to_text(LONG_EFFORTS)))
    assert str(cut).startswith("2020年度 No 9 の取組状況（2,")
    assert "行まで表示されます" in str(cut)
    # The whole text is still in the cell, for whoever widens it in Excel.
    ws = export([long])["No9"]
    assert ws["A16"].value == excel_writer.bullets_to_text(LONG_EFFORTS)


def test_a_text_that_fits_is_not_named(no9: Sheet) -> None:
    fits = dataclasses.replace(no9, efforts=["短い取組です。" * 20] * 4, title=LONG_TITLE)
    assert excel_fit.cut_texts([*samples.sample_sheets(), fits]) == []


def test_a_long_kpi_name_shows_every_line(no9: Sheet) -> None:
    ws = export([dataclasses.replace(no9, title=LONG_TITLE)])["No9"]
    assert ws["B5"].value == LONG_TITLE
    need = excel_fit.room(ws, 5, 2, LONG_TITLE)
    assert need.lines >= 3
    assert ws.row_dimensions[5].height >= need.lines * need.line  # was 36 pt: two lines


def test_the_command_line_warns_on_stderr(tmp_path: Path, no9: Sheet) -> None:
    db = tmp_path / "b.kpidb"
    with Book.open(db) as book:
        book.save_sheet(dataclasses.replace(no9, efforts=LONG_EFFORTS))
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        ["export-xlsx", "--db", str(db), "-o", str(tmp_path / "x.xlsx")], out=out, err=err
    )
    assert code == 0
    assert "警告: Excelのセルに入りきらず切れます: 2020年度 No 9 の取組状況" in err.getvalue()
    assert (tmp_path / "x.xlsx").exists()


def test_no_empty_column_after_the_target(no9: Sheet) -> None:
    assert len(no9.actual_years) == 4
    ws = export([no9])["No9"]
    merged = {str(cells) for cells in ws.merged_cells.ranges}
    # 目標値 (H) reaches the table's right edge (I) on the header and every row.
    assert {f"H{row}:I{row}" for row in range(7, 14)} <= merged
    assert ws["H7"].value == "目標値\n(R5)" and ws["H8"].value == "前年比減"
    (back,) = excel_reader.read_workbook(io.BytesIO(_bytes([no9])))
    assert back.rows == no9.rows and back.actual_years == no9.actual_years
    five = export([samples.sample_sheets()[4]])["No15"]  # five actual years: nothing merged
    table = [cells for cells in five.merged_cells.ranges if 7 <= cells.min_row <= 13]
    assert table == []
    assert five["I7"].value == "目標値\n(R5)"


def test_numbers_keep_off_the_cell_border(no9: Sheet) -> None:
    wb = export([no9])
    assert wb["No9"]["C8"].value == 6498
    assert wb["No9"]["C8"].alignment.indent >= 1
    assert wb["No9"]["C8"].alignment.horizontal == "right"
    listed = wb["一覧"]
    assert listed.cell(3, 6).value == 6498 and listed.cell(3, 6).alignment.indent >= 1


def _bytes(sheets: list[Sheet]) -> bytes:
    stream = io.BytesIO()
    excel_writer.export_workbook(sheets, stream)
    return stream.getvalue()


def test_no_row_of_the_list_is_taller_than_excel_allows(no9: Sheet) -> None:
    title = "とても長い名前です" * 111  # 999 characters: a sheet may hold 1,000
    wb = export([dataclasses.replace(no9, title=title)])
    assert wb["一覧"].cell(3, 3).value == title
    assert wb["一覧"].row_dimensions[3].height <= excel_fit.MAX_ROW_HEIGHT
    [cut] = excel_fit.cut_texts([dataclasses.replace(no9, title=title)])
    assert cut.box == "KPI名"
