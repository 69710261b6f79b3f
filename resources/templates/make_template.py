"""Build the Excel template of the KPI分析シート (別記様式2): ``kpi_sheet.xlsx``.

Run from the repository root after changing the layout, and commit both files::

    .venv/bin/python resources/templates/make_template.py

The output is byte-for-byte the same on every run (fixed timestamps), so a
test can check that the committed template is what this script makes.

Layout (one worksheet 様式, A4 portrait, fitted to one page)::

    row  1  KPI_REPORT_YEAR (A1)                             <別記様式2> (I1)
    row  2  KPI分析シート (merged A2:I2)
    row  3  KPI_SECTION (A3)
    row  4  No | KPI_NO (B4) | 担当課 | KPI_DEPARTMENTS (merged D4:I4)
    row  5  KPI名 | KPI_TITLE (merged B5:I5)
    row  7  KPI_TABLE (A7): 項目 | 単位 | 7 value columns (headers written by the program)
    rows 8-13  six value rows
    row 15/16  取組状況 / KPI_EFFORTS (merged A16:I16)
    row 18/19  課題等 / KPI_ISSUES (merged A19:I19)
    row 21/22  今後の方向性 / KPI_DIRECTION (merged A22:I22)
    row 24  出典 | KPI_SOURCE (merged B24:I24)
    row 25  公表時期 | KPI_PUBLISHED (merged B25:D25)
            | 次回公表予定 | KPI_NEXT_RELEASE (merged G25:I25)
    row 27/28  企画課・有識者意見 / KPI_OPINIONS (merged A28:I28)

Rows 24 to 28 come after the paper form's last box, so that every cell
above stays where workbooks made before them have it.

Only cells that wrap are merged: openpyxl spends most of its time reading a
workbook on merged cells, and text in A1, I1 and A3 runs over into its
empty neighbours anyway.

Cell positions come from :data:`kpidesk.exchange.excel_template.DEFAULT_POSITIONS`, which is
also where KPI Desk reads a workbook whose defined names were lost.
"""

from __future__ import annotations

import datetime
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk.exchange.excel_template import (
    DEFAULT_POSITIONS,
    FONT_NAME,
    HEADER_FILL,
    MAX_VALUE_ROWS,
    OPINION_BOX,
    TABLE_COLUMNS,
    TEXT_BOXES,
)

OUTPUT = Path(__file__).resolve().with_name("kpi_sheet.xlsx")
SHEET_TITLE = "様式"
FIXED_TIME = datetime.datetime(2024, 4, 1, 9, 0, 0)

#: Column widths (Excel units): 項目, 単位, 戦略策定時実績値, five actual years, 目標値.
COLUMN_WIDTHS = (13.0, 10.5, 13.5, 9.5, 9.5, 9.5, 9.5, 9.5, 10.5)
VALUE_ROW_HEIGHT = 21.0
BOX_HEIGHT = 130.0
#: The reviewer's box starts smaller: it is often empty, and grows with its text.
OPINION_BOX_HEIGHT = 60.0
SOURCE_ROW_HEIGHT = 20.0
BOX_HEADING_HEIGHT = 19.0
GAP_HEIGHT = 7.0

LAST_COLUMN = get_column_letter(TABLE_COLUMNS)


def font(size: float, *, bold: bool = False) -> Font:
    """The form's typeface (BIZ UDゴシック, Shift_JIS charset for Excel) at a size."""
    return Font(name=FONT_NAME, size=size, bold=bold, charset=128, family=3)


THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GREY = PatternFill("solid", fgColor=HEADER_FILL)


def row_of(name: str) -> int:
    """The row of a name's default position."""
    return coordinate_from_string(DEFAULT_POSITIONS[name])[1]


def style_range(
    ws: Worksheet,
    cells: str,
    *,
    border: bool = True,
    outline: bool = False,
    fill: bool = False,
    **style: Any,
) -> None:
    """Give every cell of a range the same font, alignment and fill, and thin borders
    round every cell (or, with ``outline``, round the range only)."""
    min_col, min_row, max_col, max_row = range_boundaries(cells)
    for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col):
        for cell in row:
            for key, value in style.items():
                setattr(cell, key, value)
            if outline:
                cell.border = Border(
                    left=THIN if cell.column == min_col else None,
                    right=THIN if cell.column == max_col else None,
                    top=THIN if cell.row == min_row else None,
                    bottom=THIN if cell.row == max_row else None,
                )
            elif border:
                cell.border = BOX
            if fill:
                cell.fill = GREY


def put(ws: Worksheet, cells: str, value: str | None, *, merge: bool = True, **style: Any) -> None:
    """Write a value into the first cell of a range, style the range and merge it."""
    first = cells.split(":")[0]
    ws[first].value = value
    style_range(ws, cells, **style)
    if merge and ":" in cells:
        ws.merge_cells(cells)


def build() -> Workbook:
    """The template workbook."""
    wb = Workbook()
    base = font(10)
    # The default font of the book (empty cells, column width units) is the form's face.
    wb._fonts = IndexedList([base])
    wb._named_styles["Normal"].font = base
    ws = wb.active
    ws.title = SHEET_TITLE

    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    assert len(COLUMN_WIDTHS) == TABLE_COLUMNS

    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")

    # Title block.
    # Text in A1, I1 and A3 runs over into the empty cells beside it: no merging needed.
    put(
        ws,
        "A1",
        None,
        border=False,
        font=font(9),
        alignment=Alignment(horizontal="left", vertical="center"),
    )
    put(ws, f"{LAST_COLUMN}1", "<別記様式2>", border=False, font=font(9), alignment=right)
    put(
        ws,
        f"A2:{LAST_COLUMN}2",
        "KPI分析シート",
        border=False,
        font=font(16, bold=True),
        alignment=Alignment(horizontal="center", vertical="center"),
    )
    put(
        ws,
        "A3",
        None,
        border=False,
        font=font(9),
        alignment=Alignment(horizontal="left", vertical="bottom"),
    )
    for row, height in ((1, 15.0), (2, 30.0), (3, 18.0)):
        ws.row_dimensions[row].height = height

    # Header grid.
    label = {"font": font(9, bold=True), "alignment": center, "fill": True}
    put(ws, "A4", "No", **label)
    put(ws, "B4", None, font=font(11), alignment=center)
    put(ws, "C4", "担当課", **label)
    put(ws, f"D4:{LAST_COLUMN}4", None, font=font(10.5), alignment=left)
    put(ws, "A5", "KPI名", **label)
    put(ws, f"B5:{LAST_COLUMN}5", None, font=font(11, bold=True), alignment=left)
    ws.row_dimensions[4].height = 24.0
    ws.row_dimensions[5].height = 36.0
    ws.row_dimensions[6].height = GAP_HEIGHT

    # The value table: header row, then six rows.
    top = row_of("KPI_TABLE")
    header = {"font": font(8, bold=True), "alignment": center, "fill": True}
    put(ws, f"A{top}", "項目", **header)
    put(ws, f"B{top}", "単位", **header)
    style_range(ws, f"C{top}:{LAST_COLUMN}{top}", **header)
    ws.row_dimensions[top].height = 36.0
    for row in range(top + 1, top + 1 + MAX_VALUE_ROWS):
        style_range(ws, f"A{row}", font=font(10), alignment=left)
        style_range(ws, f"B{row}", font=font(9), alignment=center)
        style_range(
            ws,
            f"C{row}:{LAST_COLUMN}{row}",
            font=font(10.5),
            # An indent keeps numbers off the cell's right border.
            alignment=Alignment(
                horizontal="right", vertical="center", shrink_to_fit=True, indent=1
            ),
        )
        ws.row_dimensions[row].height = VALUE_ROW_HEIGHT
    ws.row_dimensions[top + 1 + MAX_VALUE_ROWS].height = GAP_HEIGHT

    # The three text boxes, then the reviewer's: a grey heading line, then a
    # merged, wrapped, top-aligned box.
    boxes = (*TEXT_BOXES, OPINION_BOX)
    for _attribute, name, heading in boxes:
        row = row_of(name)
        put(
            ws,
            f"A{row - 1}:{LAST_COLUMN}{row - 1}",
            heading,
            merge=False,
            outline=True,
            font=font(10, bold=True),
            fill=True,
            alignment=Alignment(horizontal="left", vertical="center", indent=1),
        )
        put(
            ws,
            f"A{row}:{LAST_COLUMN}{row}",
            None,
            font=font(10),
            alignment=Alignment(horizontal="left", vertical="top", wrap_text=True, indent=1),
        )
        ws.row_dimensions[row - 1].height = BOX_HEADING_HEIGHT
        ws.row_dimensions[row].height = OPINION_BOX_HEIGHT if name == "KPI_OPINIONS" else BOX_HEIGHT
        if name != boxes[-1][1]:
            ws.row_dimensions[row + 1].height = GAP_HEIGHT

    # Where the values come from and when they are published, under the last box of the form.
    source_row, release_row = row_of("KPI_SOURCE"), row_of("KPI_PUBLISHED")
    assert release_row == row_of("KPI_NEXT_RELEASE") == source_row + 1
    value = {"font": font(9.5), "alignment": left}
    put(ws, f"A{source_row}", "出典", **label)
    put(ws, f"B{source_row}:{LAST_COLUMN}{source_row}", None, **value)
    put(ws, f"A{release_row}", "公表時期", **label)
    put(ws, f"B{release_row}:D{release_row}", None, **value)
    put(ws, f"E{release_row}:F{release_row}", "次回公表予定", **label)
    put(ws, f"G{release_row}:{LAST_COLUMN}{release_row}", None, **value)
    for row in (source_row, release_row):
        ws.row_dimensions[row].height = SOURCE_ROW_HEIGHT
    ws.row_dimensions[release_row + 1].height = GAP_HEIGHT

    # Every place the program writes is a workbook-level name.
    merged = {str(r).split(":")[0]: str(r) for r in ws.merged_cells.ranges}
    for name, cell in DEFAULT_POSITIONS.items():
        cells = merged.get(cell, cell)
        reference = f"{quote_sheetname(ws.title)}!{absolute_coordinate(cells)}"
        wb.defined_names[name] = DefinedName(name, attr_text=reference)

    # Printing: A4 portrait, one page, sensible margins, the worksheet's name in the footer.
    last_row = row_of(OPINION_BOX[1])
    ws.print_area = f"A1:{LAST_COLUMN}{last_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.55
    ws.page_margins.top = 0.5
    ws.page_margins.bottom = 0.6
    ws.page_margins.header = 0.25
    ws.page_margins.footer = 0.3
    ws.oddFooter.right.text = "&A"
    ws.oddFooter.right.size = 8
    ws.oddFooter.right.font = FONT_NAME
    ws.sheet_view.showGridLines = False
    ws.sheet_view.zoomScale = 100

    wb.properties.creator = "KPI Desk"
    wb.properties.lastModifiedBy = "KPI Desk"
    wb.properties.title = "KPI分析シート（別記様式2）テンプレート"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def template_bytes() -> bytes:
    """The template file, the same bytes on every run."""
    raw = io.BytesIO()
    wb = build()
    wb.save(raw)
    # openpyxl stamps the save time into the properties and the zip entries: fix both.
    stamped = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(stamped, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core_times(data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            out.writestr(fixed, data)
    return stamped.getvalue()


def _fix_core_times(data: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(
        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
        rb"\g<1>" + stamp + rb"\g<2>",
        data,
    )


def main() -> int:
    """Write ``kpi_sheet.xlsx`` beside this script."""
    OUTPUT.write_bytes(template_bytes())
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
