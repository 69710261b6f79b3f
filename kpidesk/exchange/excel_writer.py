"""Exporting sheets into the template: one workbook, or one per department.

An exported workbook has first the index worksheet 一覧 (one line per value
row, with its rates and rank, linking to the sheet's worksheet) and then one
worksheet per sheet, each a copy of the template worksheet with the names
re-created on it (scoped to that worksheet). Text is written as text, never
as a formula; numbers as numbers whose format shows them as typed. The cell
writers here are shared with the 評価一覧 workbook.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Collection, Sequence
from copy import copy, deepcopy
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk import eras, evaluation, evaluation_table, limits, wording
from kpidesk.evaluation import NOT_JUDGED, Basis, EvaluationSettings
from kpidesk.exchange.excel_fit import (
    LINE_ADVANCE,
    MAX_ROW_HEIGHT,
    POINTS_PER_WIDTH_UNIT,
    estimate_lines,
    fit_height,
    wrapped_texts,
)
from kpidesk.exchange.excel_template import (
    FONT_NAME,
    HEADER_FILL,
    INDEX_TITLE,
    MAX_ACTUAL_YEARS,
    MAX_VALUE_ROWS,
    OPINION_BOX,
    SOURCE_CELLS,
    TABLE_COLUMNS,
    TEXT_BOXES,
    LoadedTemplate,
    bullets_to_text,
    load_template,
    name_destination,
)
from kpidesk.exchange.numformat import escape_text, value_number
from kpidesk.exchange.xlsx_form import FormSheets, save_workbook
from kpidesk.exchange.xlsx_safety import ExcelError
from kpidesk.file_names import department_file_names
from kpidesk.fileio import OutputError, atomic_output, describe_os_error
from kpidesk.model import (
    ITEM_HEADING,
    UNIT_HEADING,
    Cell,
    Sheet,
    ValueRow,
    sheet_sort_key,
    value_column_headings,
)

#: The number format of a rate cell: the value is stored already rounded to
#: 0.1 % as the book says, so what Excel shows is the printed rate.
RATE_FORMAT = "#,##0.0%"
#: The most characters an Excel cell holds.
MAX_CELL_CHARS = 32_767

_FORMULA_STARTS = ("=", "+", "-", "@")
_WORKSHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")


def _sheet_label(sheet: Sheet) -> str:
    return limits.sheet_label(sheet)


def _check_text(text: str, sheet: Sheet, where: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise ExcelError(
            f"{_sheet_label(sheet)} の{where}が長すぎてExcelのセルに入りません"
            f"（{len(text):,}文字、上限 {MAX_CELL_CHARS:,}文字）"
        )
    char = limits.unsafe_character(text)
    if char is not None:
        kind = "制御文字" if char < " " else "文字"
        raise ExcelError(
            f"{_sheet_label(sheet)} の{where}にExcelに書けない{kind}"
            f"（{limits.describe_character(char)}）があります。"
            "シートを開いてその文字を取り除き、保存してから書き出してください"
        )


def _check_sheet(sheet: Sheet) -> None:
    """Refuse a sheet the template cannot hold, naming the sheet.

    Raises:
        ExcelError: too many rows or years, a year without an era, or text
            Excel cannot hold.
    """
    if len(sheet.rows) > MAX_VALUE_ROWS:
        raise ExcelError(
            f"{_sheet_label(sheet)} の値の行が{len(sheet.rows)}行あります。"
            f"テンプレートに入るのは{MAX_VALUE_ROWS}行までです"
        )
    if len(sheet.actual_years) > MAX_ACTUAL_YEARS:
        raise ExcelError(
            f"{_sheet_label(sheet)} の実績値の年度が{len(sheet.actual_years)}列あります。"
            f"テンプレートに入るのは{MAX_ACTUAL_YEARS}列までです"
        )
    check_sheet_text(sheet)


def check_sheet_text(sheet: Sheet) -> None:
    """Refuse a sheet with a year without an era or text Excel cannot hold, naming it.

    Raises:
        ExcelError: naming the sheet and what is wrong.
    """
    try:
        for year in (sheet.report_year, sheet.baseline_year, sheet.target_year):
            eras.short_label(year)
        for year in sheet.actual_years:
            eras.short_label(year)
    except ValueError as error:
        raise ExcelError(f"{_sheet_label(sheet)}: {error}") from None
    for department in sheet.departments:
        if "\n" in department or "\r" in department:
            raise ExcelError(
                f"{_sheet_label(sheet)} の担当課「{department[:40]}」に改行があります。"
                "担当課名から改行を取り除いてください"
            )
    texts = [
        (sheet.no, "No"),
        (sheet.departments_text, "担当課"),
        (sheet.title, "KPI名"),
        (sheet.section, "見出し"),
        (sheet.baseline_label, "値の表の見出し"),
    ]
    for number, row in enumerate(sheet.rows, start=1):
        texts += [(row.label, f"値の{number}行目の項目"), (row.unit, f"値の{number}行目の単位")]
        texts += [(cell.text, f"値の{number}行目") for cell in (row.baseline, *row.actuals)]
        texts.append((row.target.text, f"値の{number}行目"))
    texts += [(getattr(sheet, attribute), label) for attribute, _, label in SOURCE_CELLS]
    for attribute, _, heading in (*TEXT_BOXES, OPINION_BOX):
        texts.append((bullets_to_text(getattr(sheet, attribute)), heading))
    for text, where in texts:
        _check_text(text, sheet, where)


def set_text(cell: Any, text: str) -> None:
    """Write text as text: never a formula, shown literally even if it starts with ``=``.

    A character a workbook cannot carry becomes U+FFFD, so that what is
    written can always be read back (sheets are checked before, naming it).
    A carriage return is written as Excel writes it (``_x000D_``), so that it
    reads back (:func:`~kpidesk.exchange.numformat.cell_text`) as typed.
    """
    text = limits.clean_text(text)
    if not text:
        cell.value = None
        return
    cell.value = escape_text(text)
    cell.data_type = "s"
    if text.startswith(_FORMULA_STARTS):
        cell.quotePrefix = True


def set_value(cell: Any, text: str) -> None:
    """Write a value cell: a number (full-width digits too) when a format shows it, else text."""
    number = value_number(text)
    if number is None:
        set_text(cell, text)
        return
    cell.value, cell.number_format = number


def set_no(cell: Any, no: str) -> None:
    if no.isascii() and no.isdigit() and len(no) <= 15 and str(int(no)) == no:
        cell.value = int(no)
        cell.number_format = "0"
    else:
        set_text(cell, no)


def header_labels(sheet: Sheet) -> list[str]:
    """The value table's header row as written: 項目, 単位, then the value columns."""
    return [ITEM_HEADING, UNIT_HEADING, *value_column_headings(sheet, break_baseline=False)]


def _fill_worksheet(ws: Worksheet, template: LoadedTemplate, sheet: Sheet) -> None:
    cells = template.cells

    def at(name: str) -> Any:
        row, column = cells[name]
        return ws.cell(row, column)

    set_no(at("KPI_NO"), sheet.no)
    if "KPI_SECTION" in cells:
        set_text(at("KPI_SECTION"), sheet.section)
    if "KPI_REPORT_YEAR" in cells:
        set_text(at("KPI_REPORT_YEAR"), wording.report_year_heading(sheet.report_year))
    _fill_table(ws, template, sheet)

    # A template without the optional cells (an office's own) leaves their text out.
    # Wrapped cells grow with their text (a long KPI名 shows every line).
    boxes = {name for _, name, _ in (*TEXT_BOXES, OPINION_BOX)}
    for name, _, text in wrapped_texts(sheet):
        if name not in cells:
            continue
        set_text(at(name), text)
        if text and (name in boxes or at(name).alignment.wrap_text):
            fit_height(ws, *cells[name], limits.clean_text(text))


def _fill_table(ws: Worksheet, template: LoadedTemplate, sheet: Sheet) -> None:
    """The value table's header and rows; 目標値 spans the columns a sheet leaves unused."""
    top, left = template.cells["KPI_TABLE"]
    labels = header_labels(sheet)
    for offset in range(2, TABLE_COLUMNS):  # 項目 and 単位 stay as the template has them
        label = labels[offset] if offset < len(labels) else ""
        set_text(ws.cell(top, left + offset), label)
    for index in range(MAX_VALUE_ROWS):
        texts: list[str] = []
        if index < len(sheet.rows):
            row = sheet.rows[index]
            texts = [
                row.label,
                row.unit,
                row.baseline.text,
                *(cell.text for cell in row.actuals),
                row.target.text,
            ]
        for offset in range(TABLE_COLUMNS):
            cell = ws.cell(top + 1 + index, left + offset)
            text = texts[offset] if offset < len(texts) else ""
            if offset < 2:
                set_text(cell, text)
            else:
                set_value(cell, text)
    _merge_table(ws, template, len(labels))


def _merge_table(ws: Worksheet, template: LoadedTemplate, used: int) -> None:
    """Merge the cells after 目標値 into it, row by row, when a sheet leaves columns unused."""
    top, left = template.cells["KPI_TABLE"]
    if used < TABLE_COLUMNS:
        # No empty column after 目標値: its cells reach the table's right edge.
        for line in range(top, top + 1 + MAX_VALUE_ROWS):
            ws.merge_cells(
                start_row=line,
                start_column=left + used - 1,
                end_row=line,
                end_column=left + TABLE_COLUMNS - 1,
            )


def _copy_form(wb: Workbook, source: Worksheet, title: str) -> Worksheet:
    """A copy of the template worksheet with what ``copy_worksheet`` drops put back."""
    target = wb.copy_worksheet(source)
    target.title = title
    target.sheet_format = deepcopy(source.sheet_format)
    target.sheet_properties = deepcopy(source.sheet_properties)
    target.page_margins = deepcopy(source.page_margins)
    target.print_options = deepcopy(source.print_options)
    target.page_setup = copy(source.page_setup)
    target.page_setup._parent = target  # copy() keeps the source as its parent
    target.print_area = source.print_area or None
    target.print_title_rows = source.print_title_rows
    target.print_title_cols = source.print_title_cols
    target.HeaderFooter = deepcopy(source.HeaderFooter)
    target.views = deepcopy(source.views)  # freeze panes, grid lines, zoom
    for view in target.views.sheetView:
        view.tabSelected = False
    target.row_breaks = deepcopy(source.row_breaks)
    target.col_breaks = deepcopy(source.col_breaks)
    target.data_validations = deepcopy(source.data_validations)
    target.conditional_formatting = deepcopy(source.conditional_formatting)
    target.protection = deepcopy(source.protection)
    target.sheet_state = "visible"
    return target


def _placeholder(wb: Workbook, source: Worksheet, title: str) -> Worksheet:
    """A sheet's worksheet whose XML :class:`FormSheets` writes: it carries what the
    workbook part keeps of a worksheet (title, print area and titles; names are added after)."""
    target = wb.create_sheet(title)
    target.print_area = source.print_area or None
    target.print_title_rows = source.print_title_rows
    target.print_title_cols = source.print_title_cols
    return target


def _scoped_names(wb: Workbook, template: LoadedTemplate) -> list[tuple[DefinedName, str | None]]:
    """Every name that belongs to the template worksheet, to re-create on each copy.

    Returns:
        (name, cells) pairs; cells is the range on the template worksheet the
        name points to, or None for a name that points elsewhere (kept as is).
    """
    source = template.worksheet
    found: dict[str, DefinedName] = dict(source.defined_names.items())
    for name, defn in wb.defined_names.items():
        destination = name_destination(defn)
        if name not in found and destination is not None and destination[0] == source.title:
            found[name] = defn
    scoped: list[tuple[DefinedName, str | None]] = []
    for name, defn in found.items():
        destination = name_destination(defn)
        if name in template.refs:
            scoped.append((defn, template.refs[name]))
        elif destination is not None and destination[0] == source.title:
            scoped.append((defn, destination[1]))
        else:
            scoped.append((defn, None))
    return scoped


def _rescope(defn: DefinedName, cells: str | None, target: Worksheet) -> DefinedName:
    """A copy of a template name scoped to (and, for cells, pointing at) ``target``."""
    if cells is None:
        value = defn.value
    else:
        value = f"{quote_sheetname(target.title)}!{absolute_coordinate(cells.replace('$', ''))}"
    return DefinedName(defn.name, attr_text=value, comment=defn.comment, hidden=defn.hidden)


def worksheet_titles(sheets: Sequence[Sheet]) -> list[str]:
    """Worksheet names for sheets: ``No9``; ``No9_R2`` and ``No9_R3`` when years share a No.

    Names are valid in Excel (no ``\\ / ? * [ ] :``, at most 31 characters,
    not 一覧) and unique ignoring case.
    """
    by_no: dict[str, set[int]] = {}
    for sheet in sheets:
        by_no.setdefault(sheet.no, set()).add(sheet.report_year)
    titles: list[str] = []
    used = {INDEX_TITLE.casefold()}
    for sheet in sheets:
        base = "No" + _WORKSHEET_TITLE_FORBIDDEN.sub("_", sheet.no.strip())
        if len(by_no[sheet.no]) > 1:
            base += "_" + eras.short_label(sheet.report_year)
        base = base.strip("'")[:31] or "No"
        title, number = base, 2
        while title.casefold() in used:
            suffix = f"({number})"
            title = base[: 31 - len(suffix)] + suffix
            number += 1
        used.add(title.casefold())
        titles.append(title)
    return titles


def thin_border() -> Border:
    side = Side(style="thin", color="000000")
    return Border(left=side, right=side, top=side, bottom=side)


def set_rate(cell: Any, rounded: Decimal | None) -> None:
    """A rate cell: the rate already rounded as printed, as a number shown as a percentage.

    The number format only adds the % sign and thousands separators; the
    rounding (half up or truncated) is done before, so Excel shows exactly
    the printed rate (``127.9%``). No rate gives "—".
    """
    if rounded is None:
        set_text(cell, NOT_JUDGED)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        return
    cell.value = float(rounded / 100) + 0.0  # + 0.0: no "-0.0%"
    cell.number_format = RATE_FORMAT
    cell.alignment = Alignment(horizontal="right", vertical="center", indent=1)


def _hex(colour: str) -> str:
    return colour.removeprefix("#").upper()


def set_rank(cell: Any, line: evaluation_table.EvaluationLine, count: int) -> None:
    """A rank cell: the label coloured as in the list (best green ... worst red), or "—"."""
    set_text(cell, line.rank_text)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    if line.rank_index is None:
        return
    text, background = evaluation.rank_colours(line.rank_index, count)
    cell.font = Font(name=FONT_NAME, size=cell.font.sz, bold=True, color=_hex(text), charset=128)
    cell.fill = PatternFill("solid", fgColor=_hex(background))


def _index_rate_headers(settings: EvaluationSettings) -> list[str]:
    """The 一覧's two rate columns: the 期待値 and the rate against it when the book ranks
    by it (so that the rank beside them is read from what is shown), else 達成率 and 進捗率."""
    if settings.basis.against_expected:
        return ["期待値", f"{settings.basis.label}"]
    return ["達成率", "進捗率"]


def _index_expected_rate(
    line: evaluation_table.EvaluationLine, settings: EvaluationSettings
) -> Decimal | None:
    """The rate against the 期待値 the book ranks by, rounded as printed."""
    if settings.basis is Basis.EXPECTED_PROGRESS:
        return line.expected_progress_rounded
    return line.expected_rate_rounded


def _write_index(
    ws: Worksheet,
    sheets: Sequence[Sheet],
    titles: Sequence[str],
    settings: EvaluationSettings,
) -> None:
    """Fill 一覧: a title, a header row, one line per value row (one per sheet without rows)."""
    years = sorted({year for sheet in sheets for year in sheet.actual_years})
    report_years = sorted({sheet.report_year for sheet in sheets})
    with_year = len(report_years) > 1
    headers = [
        *(["年度"] if with_year else []),
        "No",
        "担当課",
        "KPI名",
        "項目",
        "単位",
        "戦略策定時\n実績値",
        *(f"{eras.short_label(year)}\n実績値" for year in years),
        "目標値",
        *_index_rate_headers(settings),
        "評価",
    ]
    widths = [
        *([10.0] if with_year else []),
        6.0,
        15.0,
        34.0,
        13.0,
        10.0,
        11.0,
        *([9.5] * len(years)),
        9.5,
        9.0,
        9.0,
        6.0,
    ]
    first_value = len(headers) - len(years) - 5
    rate_column = len(headers) - 2  # 達成率, 進捗率, 評価: as in the 評価一覧
    font = Font(name=FONT_NAME, size=9, charset=128)
    bold = Font(name=FONT_NAME, size=9, bold=True, charset=128)
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    border = thin_border()
    wrap = Alignment(wrap_text=True, vertical="center")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center", indent=1)

    ws.sheet_view.showGridLines = False
    ws.sheet_view.tabSelected = True
    title = ws.cell(1, 1)
    title.value = "KPI分析シート 一覧（" + "・".join(map(eras.kanji_label, report_years)) + "）"
    title.font = Font(name=FONT_NAME, size=12, bold=True, charset=128)
    ws.row_dimensions[1].height = 24
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(2, column)
        cell.value = header
        cell.font, cell.fill, cell.border, cell.alignment = bold, fill, border, center
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.row_dimensions[2].height = 28

    line = 3
    styled: dict[str, Any] = {}
    for sheet, worksheet_title in zip(sheets, titles, strict=True):
        rows = sheet.rows or [ValueRow()]
        judged = evaluation_table.evaluation_lines([sheet], settings)
        for index, value_row in enumerate(rows):
            by_year = dict(zip(sheet.actual_years, value_row.actuals, strict=False))
            texts = [
                *([eras.kanji_label(sheet.report_year)] if with_year else []),
                sheet.no,
                sheet.departments_text,
                sheet.title,
                value_row.label,
                value_row.unit,
                value_row.baseline.text,
                *(by_year.get(year, Cell()).text for year in years),
                value_row.target.text,
            ]
            for column, text in enumerate(texts, start=1):
                cell = ws.cell(line, column)
                if column - 1 >= first_value:
                    _style_like(cell, styled, "value", font=font, border=border, alignment=right)
                    set_value(cell, text)
                else:
                    if headers[column - 1] == "No":
                        _style_like(cell, styled, "no", font=font, border=border, alignment=center)
                        set_no(cell, text)
                        if text:
                            cell.hyperlink = Hyperlink(
                                ref=cell.coordinate,
                                location=f"{quote_sheetname(worksheet_title)}!A1",
                            )
                    else:
                        _style_like(cell, styled, "text", font=font, border=border, alignment=wrap)
                        set_text(cell, text)
            achievement, progress, rank = (ws.cell(line, rate_column + n) for n in range(3))
            for cell in (achievement, progress, rank):
                _style_like(cell, styled, "plain", font=font, border=border)
            if index < len(judged) and settings.basis.against_expected:
                # The 期待値 and the rate the rank was read from, as in the 評価一覧.
                line_of = judged[index]
                set_value(achievement, "" if line_of.expected == NOT_JUDGED else line_of.expected)
                achievement.alignment = right
                set_rate(progress, _index_expected_rate(line_of, settings))
                set_rank(rank, line_of, len(settings.labels))
            elif index < len(judged):
                set_rate(achievement, judged[index].achievement_rounded)
                set_rate(progress, judged[index].progress_rounded)
                set_rank(rank, judged[index], len(settings.labels))
            lines = max(
                estimate_lines(text, (width * POINTS_PER_WIDTH_UNIT - 8) / 4.5)
                for text, width in zip(texts, widths, strict=False)
                if text
            )
            ws.row_dimensions[line].height = min(
                MAX_ROW_HEIGHT, max(18.0, lines * 9 * LINE_ADVANCE + 5)
            )
            line += 1

    last_column = get_column_letter(len(headers))
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.print_area = f"A1:{last_column}{line - 1}"
    ws.auto_filter.ref = f"A2:{last_column}{line - 1}"
    print_table(ws, landscape=sum(widths) > 100, side_margin=0.5)


def _style_like(cell: Any, styled: dict[str, Any], key: str, **styles: Any) -> None:
    """Give a new cell the styles of the first new cell so styled (openpyxl hashes every
    style object it is given; copying the first cell's style array is the same)."""
    array = styled.get(key)
    if array is None:
        for name, value in styles.items():
            setattr(cell, name, value)
        styled[key] = copy(cell._style)
    else:
        cell._style = copy(array)


def export_workbook(
    sheets: Sequence[Sheet],
    stream: BinaryIO,
    *,
    template: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    settings: EvaluationSettings | None = None,
) -> int:
    """Write sheets into one workbook: 一覧, then one worksheet per sheet.

    Sheets are ordered by No as a number, then by report year. Each sheet's
    worksheet (``No9``; ``No9_R3`` when report years share a No) is a copy of
    the template worksheet with the print area, print titles, header and
    footer, views, page setup and the names put back; every name is scoped
    to its worksheet. The template worksheet itself (and any other worksheet
    of the template) is left out.

    Args:
        sheets: the sheets to write, at least one.
        stream: where the .xlsx is written (a file opened for binary writing,
            or a BytesIO).
        template: the template file; the bundled one when None.
        progress: called with (done, total) after each sheet's worksheet and
            once more, with done == total, when the workbook is written; total
            is the number of sheets plus one. An exception it raises aborts
            the export.
        settings: the book's rank scheme and rounding, for 一覧's 達成率 and
            評価 columns; the default scheme when None.

    Returns:
        The number of sheet worksheets (not counting 一覧).

    Raises:
        TemplateError: the template cannot be used.
        ExcelError: no sheets, or a sheet the template cannot hold (more than
            :data:`MAX_VALUE_ROWS` rows or :data:`MAX_ACTUAL_YEARS` actual
            years, text Excel cannot hold); the message names the sheet.
    """
    wb, count = build_workbook(sheets, template=template, progress=progress, settings=settings)
    save_workbook(wb, stream)
    if progress is not None:
        progress(count + 1, count + 1)
    return count


def build_workbook(
    sheets: Sequence[Sheet],
    *,
    template: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    settings: EvaluationSettings | None = None,
) -> tuple[Workbook, int]:
    """The workbook :func:`export_workbook` saves, and its number of sheet worksheets.

    For a caller that adds a worksheet of its own before saving it with
    :func:`kpidesk.exchange.xlsx_form.save_workbook` (``Workbook.save`` would
    leave the sheet worksheets empty); Args and Raises as
    :func:`export_workbook` (``progress`` is not called for the save).
    """
    ordered = sorted(sheets, key=sheet_sort_key)
    if not ordered:
        raise ExcelError("書き出すシートがありません")
    for sheet in ordered:
        _check_sheet(sheet)
    loaded = load_template(template)
    wb = loaded.workbook
    source = loaded.worksheet
    scoped = _scoped_names(wb, loaded)
    for other in list(wb.worksheets) + list(wb.chartsheets):
        if other is not source:
            wb.remove(other)
    source.title = "__kpidesk_template__"
    index_ws = wb.create_sheet(INDEX_TITLE, 0)
    titles = worksheet_titles(ordered)
    total = len(ordered) + 1
    forms = FormSheets(
        wb,
        lambda title: _copy_form(wb, source, title),
        lambda sheet: len(header_labels(sheet)),
        lambda ws, used: _merge_table(ws, loaded, used),
    )
    for done, (sheet, title) in enumerate(zip(ordered, titles, strict=True), start=1):
        target = _placeholder(wb, source, title)
        if not forms.render(target, sheet, lambda ws, s: _fill_worksheet(ws, loaded, s)):
            wb.remove(target)
            target = _copy_form(wb, source, title)
            _fill_worksheet(target, loaded, sheet)
        for defn, cells in scoped:
            target.defined_names[defn.name] = _rescope(defn, cells, target)
        if progress is not None:
            progress(done, total)
    wb.remove(source)
    forms.remove_forms()
    for name, defn in list(wb.defined_names.items()):
        if name_destination(defn) is not None or "!" in (defn.value or ""):
            del wb.defined_names[name]  # pointed to the template or to a removed worksheet
    _write_index(index_ws, ordered, titles, settings or EvaluationSettings())
    wb.active = 0
    wb.properties.creator = "KPI Desk"
    wb.properties.lastModifiedBy = "KPI Desk"
    wb.properties.title = "KPI分析シート"
    return wb, len(ordered)


def print_table(ws: Worksheet, *, landscape: bool, side_margin: float) -> None:
    """Print a table worksheet on A4, one page wide, centred, with page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = side_margin
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.size = 8


def _department_groups(
    sheets: Sequence[Sheet], departments: Collection[str] | None
) -> dict[str, list[Sheet]]:
    groups: dict[str, list[Sheet]] = {}
    for sheet in sorted(sheets, key=sheet_sort_key):
        for department in sheet.departments or [""]:
            if departments is None or department in departments:
                groups.setdefault(department, []).append(sheet)
    return groups


def department_files(
    sheets: Sequence[Sheet],
    folder: Path,
    *,
    departments: Collection[str] | None = None,
) -> dict[str, str]:
    """The file name of each department's workbook, as :func:`export_by_department` names them.

    Args and Raises: as :func:`export_by_department`.
    """
    groups = _department_groups(sheets, departments)
    return department_file_names(groups, Path(folder).absolute())


def export_by_department(
    sheets: Sequence[Sheet],
    folder: Path,
    *,
    template: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    departments: Collection[str] | None = None,
    settings: EvaluationSettings | None = None,
) -> list[Path]:
    """Write one workbook per department into a folder (created if missing).

    A sheet with two departments goes into both workbooks; a sheet without
    any goes into ``担当課なし.xlsx``. File names are made safe for Windows
    and unique, and long department names are cut (see
    :func:`department_file_names`); an existing file of the same name is
    replaced. Every sheet, the template and every file name are checked
    before anything is written, and each file is written to a temporary
    name and moved into place.

    Args:
        sheets: the sheets to write, at least one.
        folder: the folder to write into.
        template: the template file; the bundled one when None.
        progress: called with (done, total) over all the workbooks, as in
            :func:`export_workbook`; an exception it raises aborts.
        departments: when given, only these departments' workbooks.
        settings: the book's rank scheme, as in :func:`export_workbook`.

    Returns:
        The paths written, in order of department names.

    Raises:
        TemplateError: the template cannot be used.
        ExcelError: no sheets, or a sheet the template cannot hold.
        OutputError: the folder or a file cannot be written (Japanese message).
    """
    groups = _department_groups(sheets, departments)
    if not groups:
        raise ExcelError("書き出すシートがありません")
    for group in groups.values():
        for sheet in group:
            _check_sheet(sheet)
    load_template(template)

    folder = Path(folder)
    names = department_files(sheets, folder, departments=departments)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"保存先がフォルダではなくファイルです: {folder}")
    plan = [(folder / names[department], groups[department]) for department in sorted(groups)]
    for path, _ in plan:
        if template is not None and _same_file(path, template):
            # Each workbook reads the template again: the first would replace it.
            raise OutputError(
                f"担当課のファイル「{path.name}」が、使っているテンプレートと同じファイルです。"
                f"テンプレートを上書きしないよう、別のフォルダに書き出してください: {path}"
            )
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(describe_os_error(error, folder)) from error

    total = sum(len(group) + 1 for _, group in plan)
    offset = 0
    written: list[Path] = []
    try:
        for path, group in plan:

            def report(done: int, _total: int, base: int = offset) -> None:
                if progress is not None:
                    progress(base + done, total)

            with atomic_output(path) as stream:
                export_workbook(
                    group, stream, template=template, progress=report, settings=settings
                )
            written.append(path)
            offset += len(group) + 1
    except BaseException:
        if created and not written:
            _remove_empty(folder)
        raise
    return written


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file (the same file reached two ways counts; never raises)."""
    try:
        if first.exists() and second.exists():
            return os.path.samefile(first, second)
        return os.path.normcase(first.resolve()) == os.path.normcase(second.resolve())
    except (OSError, RuntimeError, ValueError):
        return False
