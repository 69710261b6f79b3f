"""How much text a cell of the form can show, and which texts an export would cut.

Excel does not grow a row by itself for wrapped text in merged cells, and no
row can be taller than 409 points. The writer makes a box's last row as tall
as its text needs (:func:`fit_height`); :func:`cut_texts` says beforehand
which sheets' boxes need more than the template's cells can ever show, so
that a person is told before the workbook is written rather than finding
the text cut off in Excel. Widths are estimated (a full-width character is
two half-width ones), a little generously.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk import limits
from kpidesk.exchange.excel_template import (
    OPINION_BOX,
    SOURCE_CELLS,
    TEXT_BOXES,
    LoadedTemplate,
    bullets_to_text,
    departments_to_text,
    load_template,
)
from kpidesk.model import Sheet

#: Excel's highest row (points).
MAX_ROW_HEIGHT = 409.0
#: Points per unit of Excel column width, and the line advance per point of type
#: size: a little generous so that estimates err towards more room.
POINTS_PER_WIDTH_UNIT = 5.0
LINE_ADVANCE = 1.4
#: The space a wrapped cell takes besides its lines (points).
CELL_MARGIN = 6.0


def _within(value: float, low: float, high: float, default: float) -> float:
    """A size a template gives, kept to what Excel allows (255 wide, 409 points high)."""
    if not math.isfinite(value):
        return default
    return min(max(value, low), high)


def column_width(ws: Worksheet, column: int) -> float:
    """A column's width in Excel's units (8.43 when the template leaves it)."""
    dimension = ws.column_dimensions.get(get_column_letter(column))
    if dimension is not None and dimension.width:
        return _within(float(dimension.width), 0.0, 255.0, 8.43)
    return 8.43


def row_height(ws: Worksheet, row: int) -> float:
    """A row's height in points (15 when the template leaves it)."""
    dimension = ws.row_dimensions.get(row)
    if dimension is not None and dimension.height:
        return _within(float(dimension.height), 0.0, MAX_ROW_HEIGHT, 15.0)
    return 15.0


def _text_units(text: str) -> int:
    """Width of a line in half-width characters (a full-width one counts 2)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WFA" else 1 for char in text)


def estimate_lines(text: str, width_units: float) -> int:
    """How many lines ``text`` wraps to in a box ``width_units`` half-width characters wide."""
    per_line = max(int(width_units), 2)
    return sum(max(1, math.ceil(_text_units(line) / per_line)) for line in text.split("\n"))


@dataclass(frozen=True)
class Room:
    """What a wrapped cell (or its merged range) needs for a text and can give.

    Attributes:
        bottom: the range's last row (the one made taller).
        needed: the height the text needs (points).
        current: the range's height as the template has it (points).
        most: the most the range can be, its last row at Excel's limit (points).
        lines: the lines the text wraps to.
        line: the advance of one line (points).
    """

    bottom: int
    needed: float
    current: float
    most: float
    lines: int
    line: float

    @property
    def cut(self) -> bool:
        """Whether some of the text cannot be shown however tall the row is made."""
        return self.needed > self.most

    @property
    def shown_lines(self) -> int:
        """About how many lines show at the most height."""
        return max(0, int((self.most - CELL_MARGIN) // self.line))


def room(ws: Worksheet, row: int, column: int, text: str) -> Room:
    """What the cell at (row, column), with its merged range, needs for ``text``."""
    bottom, right = row, column
    for merged in ws.merged_cells.ranges:
        if (merged.min_row, merged.min_col) == (row, column):
            bottom, right = merged.max_row, merged.max_col
            break
    anchor = ws.cell(row, column)
    size = float(anchor.font.sz or 11)
    indent = float(anchor.alignment.indent or 0)
    width_points = (
        sum(column_width(ws, c) for c in range(column, right + 1)) * POINTS_PER_WIDTH_UNIT
        - 8
        - indent * 10
    )
    lines = estimate_lines(text, width_points / (size / 2))
    line = size * LINE_ADVANCE
    current = sum(row_height(ws, r) for r in range(row, bottom + 1))
    most = current - row_height(ws, bottom) + MAX_ROW_HEIGHT
    return Room(bottom, lines * line + CELL_MARGIN, current, most, lines, line)


def fit_height(ws: Worksheet, row: int, column: int, text: str) -> Room:
    """Make a wrapped cell (or its merged range) tall enough for ``text``; never shrink it.

    Returns:
        What the text needed; :attr:`Room.cut` when even Excel's tallest row
        does not show all of it.
    """
    need = room(ws, row, column, text)
    if need.needed > need.current:
        last = row_height(ws, need.bottom)
        ws.row_dimensions[need.bottom].height = min(
            MAX_ROW_HEIGHT, last + need.needed - need.current
        )
    return need


def wrapped_texts(sheet: Sheet) -> list[tuple[str, str, str]]:
    """(name, heading, text) of the form's cells that wrap and grow with their text."""
    texts = [
        ("KPI_DEPARTMENTS", "担当課", departments_to_text(sheet.departments)),
        ("KPI_TITLE", "KPI名", sheet.title),
    ]
    texts += [(name, label, getattr(sheet, attribute)) for attribute, name, label in SOURCE_CELLS]
    texts += [
        (name, heading, bullets_to_text(getattr(sheet, attribute)))
        for attribute, name, heading in (*TEXT_BOXES, OPINION_BOX)
    ]
    return texts


@dataclass(frozen=True)
class CutText:
    """A box of a sheet whose text an export cannot show whole.

    Attributes:
        sheet: the sheet's label (``No 9（令和2年度）``).
        box: the box's heading (``取組状況``).
        chars: the characters of its text.
        lines: the lines it wraps to; shown: about how many show.
    """

    sheet: str
    box: str
    chars: int
    lines: int
    shown: int

    def __str__(self) -> str:
        return (
            f"{self.sheet} の{self.box}（{self.chars:,}文字、約{self.lines}行のうち"
            f"約{self.shown}行まで表示されます）"
        )


def template_cuts(template: LoadedTemplate, sheets: Sequence[Sheet]) -> list[CutText]:
    """:func:`cut_texts` for a template already loaded (it is not changed)."""
    ws = template.worksheet
    cuts: list[CutText] = []
    for sheet in sheets:
        for name, heading, text in wrapped_texts(sheet):
            if not text or name not in template.cells:
                continue
            row, column = template.cells[name]
            if not ws.cell(row, column).alignment.wrap_text:
                continue
            need = room(ws, row, column, limits.clean_text(text))
            if need.cut:
                cuts.append(
                    CutText(
                        limits.sheet_label(sheet), heading, len(text), need.lines, need.shown_lines
                    )
                )
    return cuts


def cut_texts(sheets: Sequence[Sheet], template: Path | None = None) -> list[CutText]:
    """The boxes whose text an export into ``template`` would cut, sheet by sheet.

    A box's text is cut when it needs more height than its cells can have
    with the last row at Excel's limit of 409 points (about 1,250 full-width characters
    of 取組状況 in the bundled template, fewer when it has many bullets).

    Raises:
        TemplateError: the template cannot be used.
    """
    return template_cuts(load_template(template), sheets)
