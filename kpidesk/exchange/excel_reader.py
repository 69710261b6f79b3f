"""Reading filled workbooks back into sheets.

Every worksheet except the index 一覧 (and the hidden mark of a handed-out
workbook) is read as a sheet. Cells are found by
the worksheet's own names, then the workbook's names pointing at it, then
the default template's positions; numbers come back as the text their
number format shows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kpidesk import eras, limits
from kpidesk.exchange.excel_template import (
    COMMENTS_TITLE,
    DEFAULT_POSITIONS,
    HANDOUT_MARK_TITLE,
    INDEX_TITLE,
    MAX_VALUE_ROWS,
    OPINION_BOX,
    OPTIONAL_NAMES,
    REQUIRED_NAMES,
    SOURCE_CELLS,
    TABLE_COLUMNS,
    TEXT_BOXES,
    range_top_left,
    reference_destination,
    text_to_bullets,
    text_to_departments,
)
from kpidesk.exchange.numformat import cell_text
from kpidesk.exchange.xlsx_cells import XlsxBook, XlsxWorksheet, open_untrusted
from kpidesk.exchange.xlsx_safety import ExcelError
from kpidesk.model import Cell, Sheet, ValueRow


class ReportYearUnknownError(ExcelError):
    """A workbook's report year cannot be settled: the caller may ask for it.

    Raised by :func:`read_workbook` when a worksheet has no report year and
    no ``report_year`` was given nor any actual value found; reading again
    with ``report_year`` set succeeds.
    """


@dataclass
class _Read:
    """One worksheet read, before its report year is settled."""

    sheet: Sheet
    year_text: str
    worksheet: str


def _name_cells(wb: XlsxBook, ws: XlsxWorksheet) -> dict[str, tuple[int, int]]:
    """Where each name is on a worksheet.

    A name scoped to the worksheet wins over a workbook name pointing at it.
    When the worksheet has none of the required names, every cell is where
    the default template has it (the names were lost).

    Raises:
        ExcelError: the worksheet has some required names but not all.
    """
    cells: dict[str, tuple[int, int]] = {}
    for name in (*REQUIRED_NAMES, *OPTIONAL_NAMES):
        for text in (ws.names.get(name), wb.names.get(name)):
            destination = None if text is None else reference_destination(text)
            if destination is not None and destination[0] == ws.title:
                cells[name] = ws.merged_anchor(*range_top_left(destination[1]))
                break
    if not any(name in cells for name in REQUIRED_NAMES):
        return {name: range_top_left(cell) for name, cell in DEFAULT_POSITIONS.items()}
    for name in REQUIRED_NAMES:
        if name not in cells:
            raise _not_a_sheet(ws, f"名前 {name} がありません")
    return cells


def _text_at(ws: XlsxWorksheet, row: int, column: int) -> str:
    value = ws.value(row, column)
    if value is None:
        return ""
    return cell_text(value, ws.number_format(row, column))


def _not_a_sheet(ws: XlsxWorksheet, missing: str) -> ExcelError:
    return ExcelError(f"ワークシート「{ws.title}」はKPI分析シートの形ではありません（{missing}）")


_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_PARENTHESIZED_END = re.compile(r"^(?P<label>.*?)[(（](?P<year>[^()（）]*)[)）]$")


def _header_year(ws: XlsxWorksheet, text: str, remove: str) -> int:
    squeezed = _SPACES.sub("", text).replace(remove, "")
    try:
        return eras.parse_year(squeezed)
    except ValueError:
        raise ExcelError(
            f"ワークシート「{ws.title}」の値の表の見出し「{_SPACES.sub('', text)}」から"
            "年度を読めません（例: R2 実績値、目標値 (R5)）"
        ) from None


def _read_header(ws: XlsxWorksheet, top: int, left: int) -> tuple[str, int, list[int], int, int]:
    """(baseline label, baseline year, actual years, target year, value columns used)."""
    labels: list[str] = []
    for offset in range(2, TABLE_COLUMNS):
        text = _text_at(ws, top, left + offset).strip()
        if not text:
            break
        labels.append(text)
    if len(labels) < 2:
        raise _not_a_sheet(ws, "値の表の見出し（戦略策定時実績値〜目標値）がありません")
    # A line break in the base column's heading is the cell's wrapping; a
    # space inside the label is part of it (``戦略策定時 基準値 (R1)``).
    first = _LINE_BREAKS.sub("", labels[0])
    match = _PARENTHESIZED_END.match(first)
    if match is None:
        raise ExcelError(
            f"ワークシート「{ws.title}」の値の表の見出し「{first}」から年度を読めません"
            "（例: 戦略策定時実績値 (R1)）"
        )
    baseline_label = match.group("label").rstrip()
    baseline_year = _header_year(ws, match.group("year"), "")
    last = _SPACES.sub("", labels[-1])
    if "目標値" not in last:
        raise _not_a_sheet(ws, f"値の表の最後の見出し「{last}」が目標値ではありません")
    target_year = _header_year(ws, last, "目標値")
    actual_years = [_header_year(ws, label, "実績値") for label in labels[1:-1]]
    if any(a >= b for a, b in itertools.pairwise(actual_years)):
        raise ExcelError(
            f"ワークシート「{ws.title}」の実績値の年度が古い順に並んでいません"
            f"（{'、'.join(map(eras.short_label, actual_years))}）"
        )
    return baseline_label, baseline_year, actual_years, target_year, len(labels)


def _read_worksheet(wb: XlsxBook, ws: XlsxWorksheet) -> _Read:
    cells = _name_cells(wb, ws)

    def text(name: str) -> str:
        return _text_at(ws, *cells[name]) if name in cells else ""

    no = text("KPI_NO").strip()
    if not no:
        raise _not_a_sheet(ws, "No が空です")
    top, left = cells["KPI_TABLE"]
    baseline_label, baseline_year, actual_years, target_year, used = _read_header(ws, top, left)
    others = {cell for name, cell in cells.items() if name != "KPI_TABLE"}
    rows: list[ValueRow] = []
    for index in range(1, MAX_VALUE_ROWS + 1):
        line = top + index
        if any((line, left + offset) in others for offset in range(TABLE_COLUMNS)):
            break
        texts = [_text_at(ws, line, left + offset) for offset in range(2 + used)]
        if not any(t.strip() for t in texts):
            continue
        rows.append(
            ValueRow(
                label=texts[0],
                unit=texts[1],
                baseline=Cell(texts[2]),
                actuals=[Cell(t) for t in texts[3:-1]],
                target=Cell(texts[-1]),
            )
        )
    boxes = {
        attribute: text_to_bullets(text(name)) for attribute, name, _ in (*TEXT_BOXES, OPINION_BOX)
    }
    sources = {attribute: text(name) for attribute, name, _ in SOURCE_CELLS}
    sheet = Sheet(
        report_year=0,
        no=no,
        departments=text_to_departments(text("KPI_DEPARTMENTS")),
        title=text("KPI_TITLE"),
        section=text("KPI_SECTION"),
        baseline_label=baseline_label,
        baseline_year=baseline_year,
        actual_years=actual_years,
        target_year=target_year,
        rows=rows,
        **boxes,
        **sources,
    )
    return _Read(sheet=sheet, year_text=text("KPI_REPORT_YEAR").strip(), worksheet=ws.title)


def _newest_actual_year(reads: Sequence[_Read]) -> int | None:
    newest: int | None = None
    for read in reads:
        for row in read.sheet.rows:
            found = row.latest_actual(read.sheet.actual_years)
            if found is not None and (newest is None or found[0] > newest):
                newest = found[0]
    return newest


def read_workbook(source: Path | BinaryIO, *, report_year: int | None = None) -> list[Sheet]:
    """Read the sheets of a workbook in the template's shape.

    Every worksheet except 一覧 (and a handed-out workbook's hidden mark)
    must be a sheet. Cells are found by the
    worksheet's own names, then the workbook's names pointing at it, then
    the default template's positions. Numbers come back as the text their
    number format shows (the inverse of the export); a box's lines starting
    with ``・`` start bullets, other lines continue the bullet before.
    Characters a workbook cannot carry are replaced by U+FFFD, and every
    sheet is checked against :func:`kpidesk.limits.sheet_problems`.

    Args:
        source: an .xlsx file or a binary stream.
        report_year: the report year of sheets whose KPI_REPORT_YEAR cell is
            missing or empty; by default the newest actual year with a value
            in the workbook.

    Returns:
        The sheets, in worksheet order.

    Raises:
        ExcelError: the file is not a safe, readable xlsx workbook (not a
            zip, an encrypted or .xls file, too large, a zip bomb, broken,
            XML with entities), has no sheet worksheets, a worksheet is not
            a sheet (the message names it and what is missing), two
            worksheets hold the same sheet, a report year cannot be read,
            or a sheet is beyond the bounds.
        ReportYearUnknownError: a worksheet has no report year, and neither
            ``report_year`` nor any actual value settles it.
        OSError: a path cannot be read.
    """
    return read_loaded(open_untrusted(source, "ファイル"), report_year=report_year)


def read_loaded(wb: XlsxBook, *, report_year: int | None = None) -> list[Sheet]:
    """The sheets of a workbook already opened by ``xlsx_cells.open_untrusted``, as
    :func:`read_workbook` reads them (Args, Returns and Raises as there)."""
    skipped = (INDEX_TITLE, HANDOUT_MARK_TITLE, COMMENTS_TITLE)
    worksheets = [ws for ws in wb.worksheets if ws.title not in skipped]
    if not worksheets:
        raise ExcelError(
            "KPI分析シートのワークシートがありません（一覧のほかにワークシートがありません）"
        )
    reads = [_read_worksheet(wb, ws) for ws in worksheets]
    for read in reads:
        limits.clean_sheet(read.sheet)
    fallback = report_year
    if fallback is None and any(not read.year_text for read in reads):
        fallback = _newest_actual_year(reads)
    sheets: list[Sheet] = []
    seen: dict[tuple[int, str], str] = {}
    for read in reads:
        if read.year_text:
            try:
                year = eras.parse_year(read.year_text)
            except ValueError:
                raise ExcelError(
                    f"ワークシート「{read.worksheet}」の報告年度「{read.year_text}」を読めません"
                    "（例: 令和2年度）"
                ) from None
        elif fallback is not None:
            year = fallback
        else:
            raise ReportYearUnknownError(
                f"ワークシート「{read.worksheet}」の報告年度を決められません"
                "（報告年度の欄も実績値もありません）。ワークシートの報告年度の欄"
                "（KPI_REPORT_YEAR）に記入するか、コマンドでは --year で指定してください"
            )
        read.sheet.report_year = year
        if read.sheet.key in seen:
            raise ExcelError(
                f"同じシートが2回あります（{year}年度 No {read.sheet.no}: ワークシート"
                f"「{seen[read.sheet.key]}」と「{read.worksheet}」）"
            )
        seen[read.sheet.key] = read.worksheet
        sheets.append(read.sheet)
    for read in reads:
        problems = limits.sheet_problems(read.sheet)
        if problems:
            raise ExcelError(
                f"ワークシート「{read.worksheet}」: {limits.problems_text(problems)}。"
                "ワークシートを直してから取り込んでください"
            )
    return sheets
