"""The 評価一覧 workbook: the book's evaluation table on one worksheet.

One line per value row with its newest actual, change, rates and rank (the
lines come from :mod:`kpidesk.evaluation_table`, as in the exported
workbook's 一覧 and ``main.py evaluate``), printed on A4 landscape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import BinaryIO

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk import eras, evaluation_table
from kpidesk.evaluation import NOT_JUDGED, EvaluationSettings
from kpidesk.exchange.excel_template import FONT_NAME, HEADER_FILL
from kpidesk.exchange.excel_writer import (
    LINE_ADVANCE,
    POINTS_PER_WIDTH_UNIT,
    check_sheet_text,
    estimate_lines,
    print_table,
    set_no,
    set_rank,
    set_rate,
    set_text,
    thin_border,
)
from kpidesk.exchange.xlsx_safety import ExcelError
from kpidesk.model import Sheet

EVALUATION_TITLE = "評価一覧"

#: The 評価一覧's columns: (header, width in Excel units, alignment).
_EVALUATION_COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("No", 5.0, "center"),
    ("担当課", 13.0, "left"),
    ("KPI名", 30.0, "left"),
    ("区分", 10.0, "left"),
    ("単位", 9.0, "left"),
    ("基準値", 12.5, "right"),
    ("最新実績", 12.5, "right"),
    ("前年比", 16.0, "right"),
    ("目標値", 12.5, "right"),
    ("達成率", 9.0, "right"),
    ("進捗率", 9.0, "right"),
    ("評価", 6.0, "center"),
    ("備考", 36.0, "left"),
)
_YEAR_COLUMN = ("年度", 10.0, "left")


def _evaluation_texts(line: evaluation_table.EvaluationLine, with_year: bool) -> list[str]:
    sheet, ev = line.sheet, line.evaluation
    return [
        *([eras.kanji_label(sheet.report_year)] if with_year else []),
        sheet.no,
        sheet.departments_text,
        sheet.title,
        ev.label,
        ev.unit,
        line.baseline,
        line.latest,
        line.change,
        line.target,
        line.achievement,
        line.progress,
        line.rank_text,
        line.remarks,
    ]


def _write_evaluation(
    ws: Worksheet,
    lines: Sequence[evaluation_table.EvaluationLine],
    settings: EvaluationSettings,
    title: str,
) -> None:
    """Fill the 評価一覧 worksheet: title, legend, header, one line per value row."""
    with_year = len({line.sheet.report_year for line in lines}) > 1
    columns = [*([_YEAR_COLUMN] if with_year else []), *_EVALUATION_COLUMNS]
    headers = [header for header, _, _ in columns]
    widths = [width for _, width, _ in columns]
    last = len(columns)
    last_letter = get_column_letter(last)
    font = Font(name=FONT_NAME, size=9, charset=128)
    bold = Font(name=FONT_NAME, size=9, bold=True, charset=128)
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    border = thin_border()
    header_row = 3

    ws.sheet_view.showGridLines = False
    ws.sheet_view.tabSelected = True
    set_text(ws.cell(1, 1), title)
    ws.cell(1, 1).font = Font(name=FONT_NAME, size=12, bold=True, charset=128)
    ws.row_dimensions[1].height = 24

    legend = evaluation_table.legend(settings)
    legend_cell = ws.cell(2, 1)
    set_text(legend_cell, legend)
    legend_cell.font = Font(name=FONT_NAME, size=8, charset=128)
    legend_cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    legend_lines = estimate_lines(legend, (sum(widths) * POINTS_PER_WIDTH_UNIT - 8) / 4.0)
    ws.row_dimensions[2].height = legend_lines * 8 * LINE_ADVANCE + 6

    for column, (header, width, _) in enumerate(columns, start=1):
        cell = ws.cell(header_row, column)
        cell.value = header
        cell.font, cell.fill, cell.border = bold, fill, border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.row_dimensions[header_row].height = 20

    achievement_column = headers.index("達成率") + 1
    progress_column = headers.index("進捗率") + 1
    rank_column = headers.index("評価") + 1
    no_column = headers.index("No") + 1
    row = header_row
    for row, line in enumerate(lines, start=header_row + 1):
        texts = _evaluation_texts(line, with_year)
        for column, (text, (_, _, align)) in enumerate(zip(texts, columns, strict=True), start=1):
            cell = ws.cell(row, column)
            cell.font, cell.border = font, border
            horizontal = "center" if text == NOT_JUDGED else align
            cell.alignment = Alignment(
                horizontal=horizontal,
                vertical="center",
                wrap_text=align == "left",
                indent=1 if horizontal == "right" else 0,
            )
            if column == no_column:
                set_no(cell, text)
            elif column == achievement_column:
                set_rate(cell, line.achievement_rounded)
            elif column == progress_column:
                set_rate(cell, line.progress_rounded)
            elif column == rank_column:
                set_rank(cell, line, len(settings.labels))
            else:
                set_text(cell, text)
        height = max(
            estimate_lines(text, (width * POINTS_PER_WIDTH_UNIT - 8) / 4.5)
            for text, width in zip(texts, widths, strict=True)
        )
        ws.row_dimensions[row].height = max(18.0, height * 9 * LINE_ADVANCE + 5)

    ws.freeze_panes = ws.cell(header_row + 1, 1).coordinate
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_area = f"A1:{last_letter}{row}"
    ws.auto_filter.ref = f"A{header_row}:{last_letter}{row}"
    print_table(ws, landscape=True, side_margin=0.4)


def evaluation_title(sheets: Sequence[Sheet], book_name: str = "") -> str:
    """The 評価一覧's title: ``KPI評価一覧（令和2年度）　book.kpidb``."""
    title = f"KPI評価一覧（{evaluation_table.report_years_label(sheets)}）"
    return f"{title}　{book_name}" if book_name else title


def export_evaluation_table(
    sheets: Sequence[Sheet],
    stream: BinaryIO,
    *,
    settings: EvaluationSettings | None = None,
    book_name: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the 評価一覧 workbook: the book's evaluation table on one worksheet.

    One line per value row (sheets ordered by No, then report year; a sheet
    without value rows has none): No, 担当課, KPI名, 区分 (the row's label),
    単位, 基準値 and 最新実績 with their years, 前年比, 目標値 with its year,
    達成率, 進捗率, 評価 (coloured as in the list) and 備考 (why a rate is
    "—", which year was judged). A 年度 column comes first when the sheets
    are of several report years. The title names the report years and the
    book, the legend under it the rank scheme. Rates are numbers already
    rounded as the book says, shown with :data:`RATE_FORMAT`, so Excel
    shows the printed rate. Printed on A4 landscape, fitted to the width,
    with the header row repeated on every page.

    Args:
        sheets: the sheets, at least one.
        stream: where the .xlsx is written (binary).
        settings: the book's rank scheme and rounding; the default when None.
        book_name: the book's file name for the title ("" leaves it out).
        progress: called with (done, total) after each sheet and once more,
            with done == total, when the workbook is written (total is the
            number of sheets plus one); an exception it raises aborts.

    Returns:
        The number of value rows written.

    Raises:
        ExcelError: no sheets, or text Excel cannot hold (naming the sheet).
    """
    if not sheets:
        raise ExcelError("書き出すシートがありません")
    for sheet in sheets:
        check_sheet_text(sheet)
    settings = settings or EvaluationSettings()
    total = len(sheets) + 1

    def report(done: int, _total: int) -> None:
        if progress is not None:
            progress(done, total)

    lines = evaluation_table.evaluation_lines(sheets, settings, progress=report)
    if not lines:
        raise ExcelError("書き出すシートに値の行がありません")
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = EVALUATION_TITLE
    _write_evaluation(ws, lines, settings, evaluation_title(sheets, book_name))
    wb.properties.creator = "KPI Desk"
    wb.properties.lastModifiedBy = "KPI Desk"
    wb.properties.title = EVALUATION_TITLE
    wb.save(stream)
    if progress is not None:
        progress(total, total)
    return len(lines)
