"""A department's workbook of a hand-out (配布): the sheets, and where they came from.

For departments that work in Excel only, hand out can write, beside each
department's book, a workbook of the same sheets (as ``excel_writer``
exports them) with one very hidden worksheet, :data:`HANDOUT_MARK_TITLE`,
holding the hand-out's mark (``kpidesk.cycle.HandoutMark`` as JSON) in
chunks down column A. Excel shows no way to unhide a very hidden worksheet,
and ``excel_reader`` never reads it as a sheet, so an ordinary Excel import
of the workbook still works.

A returned workbook is written by someone else: :func:`read_handout_workbook`
opens it through ``xlsx_cells.open_untrusted`` once, and reads the mark
with bounds on its chunks and length (the caller parses the text as untrusted).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from openpyxl.styles import Alignment, Font
from openpyxl.workbook.workbook import Workbook

from kpidesk.cycle import MAX_RECORD_CHARS
from kpidesk.evaluation import EvaluationSettings
from kpidesk.exchange.excel_reader import read_loaded
from kpidesk.exchange.excel_template import COMMENTS_TITLE, HANDOUT_MARK_TITLE
from kpidesk.exchange.excel_writer import build_workbook, set_text, thin_border
from kpidesk.exchange.xlsx_cells import XlsxBook, open_untrusted
from kpidesk.exchange.xlsx_form import save_workbook
from kpidesk.exchange.xlsx_safety import Budget, ExcelError
from kpidesk.model import Sheet, sheet_sort_key

#: The longest chunk of the mark in one cell (Excel holds 32,767 characters a cell).
CHUNK_CHARS = 30_000
#: The most chunks a mark is read from; a longer mark is not one KPI Desk wrote.
MAX_CHUNKS = -(-MAX_RECORD_CHARS // CHUNK_CHARS)
#: What a department's returned workbook may hold: its sheets (about 20 KB of XML
#: each) and a few hundred of its own, read in seconds; a larger one is refused
#: before it is loaded (the department can return its book instead).
RETURNED = Budget(max_unpacked_bytes=12 * 1024 * 1024, max_worksheets=500)


def write_handout_workbook(
    sheets: Sequence[Sheet],
    stream: BinaryIO,
    mark_text: str,
    *,
    settings: EvaluationSettings | None = None,
) -> int:
    """Write ``sheets`` as a workbook with ``mark_text`` in its very hidden mark worksheet.

    Returns:
        The number of sheet worksheets.

    Raises:
        ExcelError: as ``excel_writer.export_workbook``, or the mark is too long.
    """
    if len(mark_text) > MAX_RECORD_CHARS:
        raise ExcelError("配布の記録が長すぎるため、Excelのブックに書けません")
    wb, count = build_workbook(sheets, settings=settings)
    _add_comments(wb, sheets)
    marked = wb.create_sheet(HANDOUT_MARK_TITLE)
    for row, start in enumerate(range(0, len(mark_text), CHUNK_CHARS), start=1):
        marked.cell(row, 1).value = mark_text[start : start + CHUNK_CHARS]
    marked.sheet_state = "veryHidden"
    save_workbook(wb, stream)
    return count


def _add_comments(wb: Workbook, sheets: Sequence[Sheet]) -> None:
    """A visible worksheet 「企画課コメント」 after 一覧, opened first, when a sheet has one:
    the Excel form has no place for the comment, and the department must see why."""
    commented = sorted((s for s in sheets if s.planning_comment), key=sheet_sort_key)
    if not commented:
        return
    ws = wb.create_sheet(COMMENTS_TITLE, 1)
    ws.append(["No", "KPI名", "企画課コメント（差戻しの理由）"])
    for sheet in commented:
        ws.append([None, None, None])
        row = ws.max_row
        set_text(ws.cell(row, 1), sheet.no)
        set_text(ws.cell(row, 2), sheet.title)
        set_text(ws.cell(row, 3), sheet.planning_comment)
    for column, width in zip("ABC", (8, 40, 80), strict=True):
        ws.column_dimensions[column].width = width
    for cells in ws.iter_rows():
        for cell in cells:
            cell.border = thin_border()
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wb.active = 1


def mark_text_of(wb: XlsxBook) -> str | None:
    """The mark text of an opened workbook (None: no mark worksheet, or one too long).

    Only string cells of column A are read, at most :data:`MAX_CHUNKS` of
    them; the text is never evaluated, only returned for parsing.
    """
    ws = wb.worksheet(HANDOUT_MARK_TITLE)
    if ws is None:
        return None
    chunks: list[str] = []
    total = 0
    last = min(ws.max_row(), MAX_CHUNKS + 1)
    for row in range(1, last + 1):
        value = ws.value(row, 1)
        if not isinstance(value, str):
            continue
        chunks.append(value)
        total += len(value)
        if len(chunks) > MAX_CHUNKS or total > MAX_RECORD_CHARS:
            return None
    return "".join(chunks) if chunks else None


def read_handout_workbook(
    source: Path | BinaryIO, *, report_year: int | None = None, budget: Budget | None = None
) -> tuple[str | None, list[Sheet]]:
    """The mark text (None: none usable) and the sheets of a workbook, loaded once.

    ``report_year`` as for ``excel_reader.read_workbook``; ``budget`` bounds the
    workbook further (:data:`RETURNED` for a department's returned workbook).

    Raises:
        ExcelError: the workbook is unsafe or unreadable, or its sheets are
            (as ``excel_reader.read_workbook``).
        OSError: a path cannot be read.
    """
    wb = open_untrusted(source, "ファイル", budget)
    return mark_text_of(wb), read_loaded(wb, report_year=report_year)
