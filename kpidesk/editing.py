"""Edits of a sheet as plain functions, shared by the window's undo commands.

Each function changes the given sheet in place; the window applies it to a
copy and keeps the copies before and after for undo. Nothing here knows Qt.
"""

from __future__ import annotations

from kpidesk import limits
from kpidesk.model import BULLET_SECTIONS, SOURCE_FIELDS, Cell, Sheet, ValueRow

#: The value table's fixed columns before the actual years.
LABEL_COLUMN = 0
UNIT_COLUMN = 1
BASELINE_COLUMN = 2
FIRST_ACTUAL_COLUMN = 3

#: The one-line fields: No to 施策 above the table, the source fields below it,
#: and the 企画課コメント shown at the top of the form.
HEADER_FIELDS = (
    "report_year",
    "no",
    "departments",
    "title",
    "section",
    *(attr for attr, _ in SOURCE_FIELDS),
    "planning_comment",
)
TABLE_FIELDS = ("baseline_label", "baseline_year", "actual_years", "target_year", "rows")
SECTION_NAMES = tuple(attr for attr, _ in BULLET_SECTIONS)


def column_count(sheet: Sheet) -> int:
    """Columns of the value table: label, unit, base value, one per actual year, target."""
    return FIRST_ACTUAL_COLUMN + len(sheet.actual_years) + 1


def target_column(sheet: Sheet) -> int:
    """The column index of the target value."""
    return column_count(sheet) - 1


def cell_text(sheet: Sheet, row: int, column: int) -> str:
    """The text at (row, column) of the value table."""
    value_row = sheet.rows[row]
    if column == LABEL_COLUMN:
        return value_row.label
    if column == UNIT_COLUMN:
        return value_row.unit
    if column == BASELINE_COLUMN:
        return value_row.baseline.text
    if column == target_column(sheet):
        return value_row.target.text
    return value_row.actuals[column - FIRST_ACTUAL_COLUMN].text


def is_value_column(sheet: Sheet, column: int) -> bool:
    """True for the columns that hold values (base, actuals, target)."""
    return BASELINE_COLUMN <= column <= target_column(sheet)


def set_cell(sheet: Sheet, row: int, column: int, text: str) -> None:
    """Put ``text`` at (row, column) of the value table, as typed."""
    value_row = sheet.rows[row]
    if column == LABEL_COLUMN:
        value_row.label = text
    elif column == UNIT_COLUMN:
        value_row.unit = text
    elif column == BASELINE_COLUMN:
        value_row.baseline = Cell(text)
    elif column == target_column(sheet):
        value_row.target = Cell(text)
    else:
        value_row.actuals[column - FIRST_ACTUAL_COLUMN] = Cell(text)


def cell_limit(sheet: Sheet, column: int) -> int:
    """The most characters the cell at ``column`` may hold (:mod:`kpidesk.limits`)."""
    if column == LABEL_COLUMN:
        return limits.MAX_ROW_LABEL_CHARS
    if column == UNIT_COLUMN:
        return limits.MAX_UNIT_CHARS
    return limits.MAX_CELL_CHARS


def new_row(sheet: Sheet) -> ValueRow:
    """An empty value row that fits the sheet's columns."""
    return ValueRow(actuals=[Cell() for _ in sheet.actual_years])


def insert_row(sheet: Sheet, index: int, row: ValueRow | None = None) -> None:
    """Insert a value row (an empty one by default) before ``index``."""
    sheet.rows.insert(index, row if row is not None else new_row(sheet))


def remove_row(sheet: Sheet, index: int) -> None:
    """Remove the value row at ``index``."""
    del sheet.rows[index]


def move_item(items: list, index: int, to: int) -> None:
    """Move ``items[index]`` so that it ends up at ``to``."""
    items.insert(to, items.pop(index))


def set_years(sheet: Sheet, baseline_year: int, actual_years: list[int], target_year: int) -> None:
    """Change the table's years, keeping each actual value under its year.

    A value whose year is no longer shown is dropped (undo brings it back);
    a year that is new gets an empty cell.
    """
    old_years = list(sheet.actual_years)
    for row in sheet.rows:
        by_year = dict(zip(old_years, row.actuals, strict=False))
        row.actuals = [by_year.get(year, Cell()) for year in actual_years]
    sheet.baseline_year = baseline_year
    sheet.actual_years = list(actual_years)
    sheet.target_year = target_year


def dropped_values(sheet: Sheet, actual_years: list[int]) -> list[tuple[int, str]]:
    """The (year, text) of typed actual values that ``actual_years`` would drop."""
    kept = set(actual_years)
    return [
        (year, cell.text)
        for row in sheet.rows
        for year, cell in zip(sheet.actual_years, row.actuals, strict=False)
        if year not in kept and not cell.is_empty
    ]


def bullets(sheet: Sheet, section: str) -> list[str]:
    """The bullet list of a section (``efforts``, ``issues``, ``direction``, ``opinions``)."""
    return sheet.text_section(section)


def changed_parts(before: Sheet, after: Sheet) -> list[str]:
    """Which parts differ: ``header``, ``table`` and the changed section names."""
    parts = []
    if any(getattr(before, name) != getattr(after, name) for name in HEADER_FIELDS):
        parts.append("header")
    if any(getattr(before, name) != getattr(after, name) for name in TABLE_FIELDS):
        parts.append("table")
    parts.extend(name for name in SECTION_NAMES if getattr(before, name) != getattr(after, name))
    return parts
