"""Blocks of value-table cells as tab-separated text, the way Excel copies and pastes them.

Excel writes a block as rows ended by CR LF, cells split by a tab, and a cell
holding a tab, a line break or a double quote in double quotes (a quote
doubled). Reading accepts that and plain text alike.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from kpidesk import editing
from kpidesk.model import Sheet


def _quoted(text: str) -> str:
    if any(char in text for char in '\t\n\r"'):
        return '"' + text.replace('"', '""') + '"'
    return text


def block_text(cells: list[list[str]]) -> str:
    """``cells`` (rows of texts) as Excel's tab-separated text, rows ended by a newline."""
    return "".join("\t".join(_quoted(text) for text in row) + "\n" for row in cells)


def parse_block(text: str) -> list[list[str]]:
    """The rows of cells in tab-separated ``text`` (one trailing line break is the block's end)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    if not text:
        return [[""]]
    reader = csv.reader(io.StringIO(text), delimiter="\t", quotechar='"', strict=False)
    try:
        rows = [list(row) if row else [""] for row in reader]
    except csv.Error:
        # A field longer than the csv module takes (131,072 characters): no
        # cell holds that much, so the text is read as plain lines and tabs,
        # and the cell's own limit refuses what is too long.
        rows = [line.split("\t") for line in text.split("\n")]
    return rows or [[""]]


def sheet_block(sheet: Sheet, rows: range, columns: range) -> list[list[str]]:
    """The texts of the value table's cells in ``rows`` × ``columns``."""
    return [[editing.cell_text(sheet, row, column) for column in columns] for row in rows]


@dataclass(frozen=True)
class Pasted:
    """What a paste put in and what did not fit.

    Attributes:
        rows, columns: the size of the part put in.
        rows_cut, columns_cut: rows and columns of the pasted block left out
            because the table ends there.
        texts_cut: cells whose text was longer than the cell may hold, put in
            up to that length.
    """

    rows: int
    columns: int
    rows_cut: int
    columns_cut: int
    texts_cut: int = 0

    def cut_off_text(self) -> str:
        """A Japanese note on what was left out ("" when everything fit)."""
        parts = []
        if self.rows_cut:
            parts.append(f"{self.rows_cut}行")
        if self.columns_cut:
            parts.append(f"{self.columns_cut}列")
        notes = []
        if parts:
            notes.append(
                f"表に入りきらない{'と'.join(parts)}は貼り付けていません（表は広げません）"
            )
        if self.texts_cut:
            notes.append(f"長すぎる{self.texts_cut}個のセルは、入る文字数までにしました")
        return "。".join(notes)


def paste_block(sheet: Sheet, row: int, column: int, cells: list[list[str]]) -> Pasted:
    """Put ``cells`` into the value table from (row, column) on; the table never grows."""
    row_count = len(sheet.rows)
    column_count = editing.column_count(sheet)
    width = max(len(cells_row) for cells_row in cells)
    fit_rows = max(0, min(len(cells), row_count - row))
    fit_columns = max(0, min(width, column_count - column))
    cut = 0
    for r in range(fit_rows):
        for c in range(fit_columns):
            texts = cells[r]
            text = texts[c] if c < len(texts) else ""
            limit = editing.cell_limit(sheet, column + c)
            if len(text) > limit:
                text, cut = text[:limit], cut + 1
            editing.set_cell(sheet, row + r, column + c, text)
    return Pasted(fit_rows, fit_columns, len(cells) - fit_rows, width - fit_columns, cut)
