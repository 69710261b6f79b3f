"""The 評価一覧 workbook: the book's evaluation table, and its 総括.

The 評価一覧 worksheet has one line per value row with its newest actual,
change, rates and rank (the lines come from :mod:`kpidesk.evaluation_table`,
as in the exported workbook's 一覧 and ``main.py evaluate``); the 総括
worksheet counts the ranks of the report year overall, per section and per
department (:mod:`kpidesk.evaluation_summary`), under an Excel bar chart of
the year's ranks. Both print on A4 landscape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, BinaryIO

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk import eras, evaluation, evaluation_summary, evaluation_table
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
    set_value,
    thin_border,
)
from kpidesk.exchange.xlsx_safety import ExcelError
from kpidesk.model import Sheet

EVALUATION_TITLE = "評価一覧"
SUMMARY_TITLE = "総括"
#: How a share of the 総括 is shown: whole percents, as its sentence prints them.
SHARE_FORMAT = "0%"

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
    ("進捗率", 10.5, "right"),
    ("評価", 6.0, "center"),
    ("備考", 36.0, "left"),
)
_YEAR_COLUMN = ("年度", 10.0, "left")
EXPECTED_HEADER = "期待値"
EXPECTED_RATE_HEADER = "期待値に対する達成率"
EXPECTED_PROGRESS_HEADER = "期待値に対する進捗率"
#: The columns of the 期待値 and the rates against it, after 目標値, when the book ranks by them.
_EXPECTED_COLUMNS: tuple[tuple[str, float, str], ...] = (
    (EXPECTED_HEADER, 11.0, "right"),
    (EXPECTED_RATE_HEADER, 10.0, "right"),
    (EXPECTED_PROGRESS_HEADER, 10.5, "right"),
)


def evaluation_columns(
    settings: EvaluationSettings, *, with_year: bool
) -> list[tuple[str, float, str]]:
    """The 評価一覧's columns: a 年度 column first for several report years, and the
    期待値 with the rates against it after 目標値 when the book's basis uses it."""
    columns = [*([_YEAR_COLUMN] if with_year else []), *_EVALUATION_COLUMNS]
    if settings.basis.against_expected:
        after = [header for header, _, _ in columns].index("目標値") + 1
        columns[after:after] = _EXPECTED_COLUMNS
    return columns


def _evaluation_texts(line: evaluation_table.EvaluationLine) -> dict[str, str]:
    """What each column shows of a line, by header (progress rates in words where a
    figure would mislead)."""
    sheet, ev = line.sheet, line.evaluation
    return {
        "年度": eras.kanji_label(sheet.report_year),
        "No": sheet.no,
        "担当課": sheet.departments_text,
        "KPI名": sheet.title,
        "区分": ev.label,
        "単位": ev.unit,
        "基準値": line.baseline,
        "最新実績": line.latest,
        "前年比": line.change,
        "目標値": line.target,
        EXPECTED_HEADER: line.expected,
        EXPECTED_RATE_HEADER: line.expected_rate,
        EXPECTED_PROGRESS_HEADER: line.expected_progress,
        "達成率": line.achievement,
        "進捗率": line.progress_words,
        "評価": line.rank_text,
        "備考": line.remarks,
    }


def _rates(line: evaluation_table.EvaluationLine) -> dict[str, Decimal | None]:
    """The rate columns' rates, rounded as printed, by header."""
    return {
        "達成率": line.achievement_rounded,
        "進捗率": line.progress_rounded,
        EXPECTED_RATE_HEADER: line.expected_rate_rounded,
        EXPECTED_PROGRESS_HEADER: line.expected_progress_rounded,
    }


def _set_rate_or_words(cell: Any, rounded: Decimal | None, printed: str) -> None:
    """A rate cell as a number shown as the printed percentage, or the words printed
    instead of a figure that would mislead (``基準値を下回る`` rather than ``-783.8%``)."""
    if printed.endswith("%") or printed == NOT_JUDGED:
        set_rate(cell, rounded if printed != NOT_JUDGED else None)
        return
    set_text(cell, printed)
    cell.alignment = Alignment(horizontal="right", vertical="center", wrap_text=True, indent=1)


def _write_evaluation(
    ws: Worksheet,
    lines: Sequence[evaluation_table.EvaluationLine],
    settings: EvaluationSettings,
    title: str,
) -> None:
    """Fill the 評価一覧 worksheet: title, legend, header, one line per value row."""
    with_year = len({line.sheet.report_year for line in lines}) > 1
    columns = evaluation_columns(settings, with_year=with_year)
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
    header_lines = max(
        estimate_lines(header, (width * POINTS_PER_WIDTH_UNIT - 8) / 4.5)
        for header, width in zip(headers, widths, strict=True)
    )
    ws.row_dimensions[header_row].height = max(20.0, header_lines * 9 * LINE_ADVANCE + 5)

    row = header_row
    for row, line in enumerate(lines, start=header_row + 1):
        shown = _evaluation_texts(line)
        rates = _rates(line)
        texts = [shown[header] for header in headers]
        for column, (header, text, (_, _, align)) in enumerate(
            zip(headers, texts, columns, strict=True), start=1
        ):
            cell = ws.cell(row, column)
            cell.font, cell.border = font, border
            horizontal = "center" if text == NOT_JUDGED else align
            cell.alignment = Alignment(
                horizontal=horizontal,
                vertical="center",
                # Wrapped, so that a long value (7,077（速報値） (H29)) shows whole
                # on two lines rather than cut off at the column's edge.
                wrap_text=True,
                indent=1 if horizontal == "right" else 0,
            )
            if header == "No":
                set_no(cell, text)
            elif header in rates:
                _set_rate_or_words(cell, rates[header], text)
            elif header == EXPECTED_HEADER:
                set_value(cell, text)
            elif header == "評価":
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


def _summary_headers(settings: EvaluationSettings) -> list[str]:
    """The 総括's columns: 区分, 名称, 項目数, each rank and its share, —, 評価対象外."""
    ranks = [text for label in settings.labels for text in (label, f"{label}の割合")]
    not_judged = evaluation_summary.NOT_JUDGED_NAME
    return [
        "区分", "名称", "項目数", *ranks, not_judged, f"{not_judged}の割合",
        evaluation_summary.EXCLUDED_NAME,
    ]  # fmt: skip


def _set_share(cell: Any, share: Decimal | None) -> None:
    """A share of the 総括, rounded to whole percents as its sentence prints it."""
    if share is None:
        set_text(cell, NOT_JUDGED)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        return
    cell.value = float(share.quantize(Decimal(1), rounding=ROUND_HALF_UP) / 100)
    cell.number_format = SHARE_FORMAT
    cell.alignment = Alignment(horizontal="right", vertical="center", indent=1)


def _write_summary(
    ws: Worksheet,
    summaries: Sequence[evaluation_summary.EvaluationSummary],
    settings: EvaluationSettings,
    book_name: str,
) -> None:
    """Fill the 総括 worksheet: per report year a title, its sentence and the counts table."""
    headers = _summary_headers(settings)
    widths = [10.0, 34.0, 8.0, *([6.0, 8.0] * (len(settings.labels) + 1)), 10.0]
    font = Font(name=FONT_NAME, size=9, charset=128)
    bold = Font(name=FONT_NAME, size=9, bold=True, charset=128)
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    border = thin_border()
    last = len(headers)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.sheet_view.showGridLines = False
    row = 1
    for number, summary in enumerate(summaries):
        if number:  # each report year on a page of its own
            ws.row_breaks.append(Break(id=row - 1))
        title = f"KPI評価の総括（{eras.kanji_label(summary.report_year)}）"
        set_text(ws.cell(row, 1), f"{title}\u3000{book_name}" if book_name else title)
        ws.cell(row, 1).font = Font(name=FONT_NAME, size=12, bold=True, charset=128)
        ws.row_dimensions[row].height = 24
        for text in (summary.sentence(), evaluation_table.legend(settings)):
            row += 1
            cell = ws.cell(row, 1)
            set_text(cell, text)
            size = 9 if text == summary.sentence() else 8
            cell.font = Font(name=FONT_NAME, size=size, charset=128)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
            lines = estimate_lines(text, (sum(widths) * POINTS_PER_WIDTH_UNIT - 8) / 4.0)
            ws.row_dimensions[row].height = lines * 9 * LINE_ADVANCE + 6
        row = _write_distribution(ws, row + 2, summary) + 2
        for column, header in enumerate(headers, start=1):
            cell = ws.cell(row, column)
            set_text(cell, header)
            cell.font, cell.fill, cell.border = bold, fill, border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        groups = [
            ("全体", summary.overall),
            *(("施策", counts) for counts in summary.sections),
            *(("担当課", counts) for counts in summary.departments),
        ]
        for kind, counts in groups:
            row += 1
            cells: list[str | int | Decimal | None] = [kind, counts.heading, counts.counted]
            for number in (*counts.counts, counts.not_judged):
                cells += [number, counts.share(number)]
            cells.append(counts.excluded)
            for column, value in enumerate(cells, start=1):
                cell = ws.cell(row, column)
                cell.font, cell.border = font, border
                if headers[column - 1].endswith("の割合"):
                    _set_share(cell, value if isinstance(value, Decimal) else None)
                elif isinstance(value, int):
                    cell.value = value
                    cell.alignment = Alignment(horizontal="right", vertical="center", indent=1)
                else:
                    set_text(cell, str(value))
                    cell.alignment = Alignment(vertical="center", wrap_text=True)
            ws.row_dimensions[row].height = 18.0
        row += 3
    ws.print_area = f"A1:{get_column_letter(last)}{max(row - 3, 1)}"
    print_table(ws, landscape=True, side_margin=0.4)


#: The 総括 bar chart's size (cm) and the rows kept free for it.
CHART_WIDTH_CM = 17.0
CHART_HEIGHT_CM = 6.0
CHART_ROWS = 12
DISTRIBUTION_TITLE = "評価の分布"


def _write_distribution(
    ws: Worksheet, row: int, summary: evaluation_summary.EvaluationSummary
) -> int:
    """The whole year's count of each rank (then 「—」 and 評価対象外 when any) from
    ``row`` down in columns A and B, with a native Excel bar chart of them beside it,
    each bar in its rank's colours; return the last row used."""
    counts = summary.overall
    names = [*counts.labels, evaluation_summary.NOT_JUDGED_NAME]
    numbers = [*counts.counts, counts.not_judged]
    colours = [
        *(evaluation.rank_colours(index, len(counts.labels)) for index in range(len(names) - 1)),
        evaluation_summary.NOT_JUDGED_COLOURS,
    ]
    if counts.excluded:
        names.append(evaluation_summary.EXCLUDED_NAME)
        numbers.append(counts.excluded)
        colours.append(evaluation_summary.EXCLUDED_COLOURS)
    font = Font(name=FONT_NAME, size=9, charset=128)
    bold = Font(name=FONT_NAME, size=9, bold=True, charset=128)
    border = thin_border()
    set_text(ws.cell(row, 1), DISTRIBUTION_TITLE)
    ws.cell(row, 1).font = bold
    first = row + 1
    for offset, (name, number) in enumerate(
        [("評価", "項目数"), *zip(names, numbers, strict=True)]
    ):
        for column, value in enumerate((name, number), start=1):
            cell = ws.cell(first + offset, column)
            if isinstance(value, int):
                cell.value = value
            else:
                set_text(cell, value)
            cell.font = bold if offset == 0 else font
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center")
            if offset == 0:
                cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    last = first + len(names)
    chart = BarChart()
    chart.type = "col"
    chart.title = f"{DISTRIBUTION_TITLE}（{counts.counted}項目）"
    chart.y_axis.title = "項目数"
    chart.y_axis.majorGridlines = ChartLines()
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend = None
    chart.dataLabels = DataLabelList(
        showVal=True, showSerName=False, showCatName=False, showLegendKey=False, showPercent=False
    )
    chart.add_data(Reference(ws, min_col=2, min_row=first, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first + 1, max_row=last))
    series = chart.series[0]
    for index, (edge, background) in enumerate(colours):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = background.removeprefix("#").upper()
        point.graphicalProperties.line.solidFill = edge.removeprefix("#").upper()
        series.dPt.append(point)
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    ws.add_chart(chart, f"D{first}")
    return max(last, first + CHART_ROWS)


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
    """Write the 評価一覧 workbook: the book's evaluation table and its 総括.

    One line per value row (sheets ordered by No, then report year; a sheet
    without value rows has none): No, 担当課, KPI名, 区分 (the row's label),
    単位, 基準値 and 最新実績 with their years, 前年比, 目標値 with its year,
    when the book ranks against the 期待値 the year's 期待値 and the rates
    against it (期待値に対する達成率, 期待値に対する進捗率), 達成率, 進捗率,
    評価 (coloured as in the list) and 備考 (why a rate is "—", which year
    was judged, the rule that set the rank and what it rests on: 速報値,
    前年度値で評価, 参考, 評価対象外). A 年度 column comes first when the
    sheets are of several report years. The title names the report years
    and the book, the legend under it the rank scheme. Rates are numbers
    already rounded as the book says, shown with :data:`RATE_FORMAT`, so
    Excel shows the printed rate; a progress rate that would mislead is the
    words printed instead (基準値を下回る, 目標達成済). The 期待値 is a number
    shown as printed (``3,568.75``). Printed on A4 landscape, fitted to the
    width, with the header row repeated on every page. A second worksheet,
    総括, counts the ranks of each report year (one block per year, each on
    a page of its own): the year's count of each rank with an Excel bar
    chart of them, then a table overall, per section and per department,
    with each rank's share, the items not judged and those left out
    (評価対象外).

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
    _write_summary(
        wb.create_sheet(SUMMARY_TITLE),
        evaluation_summary.summaries(sheets, settings),
        settings,
        book_name,
    )
    wb.properties.creator = "KPI Desk"
    wb.properties.lastModifiedBy = "KPI Desk"
    wb.properties.title = EVALUATION_TITLE
    wb.save(stream)
    if progress is not None:
        progress(total, total)
    return len(lines)
