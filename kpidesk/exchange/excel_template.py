"""The template's contract, and loading and checking a template.

The template (``resources/templates/kpi_sheet.xlsx``, made by
``resources/templates/make_template.py``) is an ordinary workbook whose
every place the program writes is a defined name (:data:`REQUIRED_NAMES`,
:data:`OPTIONAL_NAMES`; see ``docs/excel.md``), so an office can move cells
or restyle the form in Excel and KPI Desk still fills it. Where the names
point in the default template (:data:`DEFAULT_POSITIONS`) is also where a
workbook whose names were lost is read. An exported workbook has the index
worksheet :data:`INDEX_TITLE` first, then one worksheet per sheet; a text
box holds one ``・`` line per bullet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk.exchange.xlsx_safety import ExcelError, load_untrusted
from kpidesk.model import OPINION_SECTION, SOURCE_FIELDS, TEXT_SECTIONS, split_departments
from kpidesk.resources import resource_path

#: Names every template must define (workbook- or worksheet-scoped).
REQUIRED_NAMES: tuple[str, ...] = (
    "KPI_NO",
    "KPI_DEPARTMENTS",
    "KPI_TITLE",
    "KPI_TABLE",
    "KPI_EFFORTS",
    "KPI_ISSUES",
    "KPI_DIRECTION",
)
#: Names a template may define; what they hold is left out when it does not.
OPTIONAL_NAMES: tuple[str, ...] = (
    "KPI_SECTION",
    "KPI_REPORT_YEAR",
    "KPI_SOURCE",
    "KPI_PUBLISHED",
    "KPI_NEXT_RELEASE",
    "KPI_OPINIONS",
)

#: Value rows the template's table holds.
MAX_VALUE_ROWS = 6
#: Actual-year columns the template's table holds (plus base value and target).
MAX_ACTUAL_YEARS = 5
#: Value columns of the table: base value, the actual years, target.
VALUE_COLUMNS = MAX_ACTUAL_YEARS + 2
#: Columns of the table: 項目, 単位, then the value columns.
TABLE_COLUMNS = 2 + VALUE_COLUMNS

#: Where each name points in the default template; also where a workbook
#: whose names were lost is read.
DEFAULT_POSITIONS: dict[str, str] = {
    "KPI_REPORT_YEAR": "A1",
    "KPI_SECTION": "A3",
    "KPI_NO": "B4",
    "KPI_DEPARTMENTS": "D4",
    "KPI_TITLE": "B5",
    "KPI_TABLE": "A7",
    "KPI_EFFORTS": "A16",
    "KPI_ISSUES": "A19",
    "KPI_DIRECTION": "A22",
    # Below the form as it was, so that the cells above stay where older
    # workbooks have them.
    "KPI_SOURCE": "B24",
    "KPI_PUBLISHED": "B25",
    "KPI_NEXT_RELEASE": "G25",
    "KPI_OPINIONS": "A28",
}

#: The text boxes: (sheet attribute, name, heading), in the form's order.
TEXT_BOXES: tuple[tuple[str, str, str], ...] = tuple(
    (attribute, f"KPI_{attribute.upper()}", heading) for attribute, heading in TEXT_SECTIONS
)

#: The reviewer's box after the three (optional): (sheet attribute, name, heading).
OPINION_BOX: tuple[str, str, str] = (
    OPINION_SECTION[0],
    f"KPI_{OPINION_SECTION[0].upper()}",
    OPINION_SECTION[1],
)
#: The one-line source cells (optional): (sheet attribute, name, label), in the form's order.
SOURCE_CELLS: tuple[tuple[str, str, str], ...] = tuple(
    (attribute, f"KPI_{attribute.upper()}", label) for attribute, label in SOURCE_FIELDS
)

#: The exported workbook's first worksheet: one line per value row, linking to the sheets.
INDEX_TITLE = "一覧"
#: The very hidden worksheet of a handed-out workbook that holds where it came
#: from (``kpidesk.exchange.handout_workbook``); never read as a sheet.
HANDOUT_MARK_TITLE = "KPIDesk配布"
#: The worksheet of a handed-out workbook listing the 企画課コメント of a 差戻し;
#: never read as a sheet.
COMMENTS_TITLE = "企画課コメント"
#: What starts each bullet's line in a text box.
BULLET = "・"
#: The font and the header fill of the tables KPI Desk writes.
FONT_NAME = "BIZ UDゴシック"
HEADER_FILL = "EDEDED"
TEMPLATE_PARTS = ("templates", "kpi_sheet.xlsx")

# An export copies the form worksheet once per sheet, so what it holds costs
# that many times over. The bounds are far above the form's needs (the
# bundled template has 183 cells, 37 rows and columns with settings, 11
# merged ranges and 13 names) and keep an export of hundreds of sheets quick.
#: Cells holding a value or a format that the form worksheet may have.
MAX_TEMPLATE_CELLS = 5_000
#: Rows and columns with their own height, width or format on the form worksheet.
MAX_TEMPLATE_ROWS_AND_COLUMNS = 2_000
#: Merged ranges, conditional formats and input rules on the form worksheet.
MAX_TEMPLATE_RANGES = 1_000
#: Names defined in the template workbook, of the workbook and of each worksheet.
MAX_TEMPLATE_NAMES = 1_000
#: Worksheets of a template (the form is one; each of the others is copied
#: into every exported workbook).
MAX_TEMPLATE_WORKSHEETS = 10
#: Where a hyperlink of the template may lead; other links (a file, a program,
#: a network share) are removed, as they would be copied to every sheet.
SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")


class TemplateError(ExcelError):
    """The template cannot be used (message in Japanese)."""


def default_template_path() -> Path:
    """The bundled template ``resources/templates/kpi_sheet.xlsx``."""
    return resource_path(*TEMPLATE_PARTS)


def bullets_to_text(bullets: Sequence[str]) -> str:
    """A box's text: one line ``・bullet`` per bullet, joined by line breaks."""
    return "\n".join(BULLET + bullet for bullet in bullets)


def text_to_bullets(text: str) -> list[str]:
    """The bullets of a box's text: the inverse of :func:`bullets_to_text`.

    A line starting with ``・`` starts a bullet (the mark is dropped); any
    other line continues the bullet before it (joined with ``\\n``), or
    starts the first bullet when there is none yet. Lines end at ``\\n``
    only: a carriage return stays in the bullet's text, as typed.
    """
    if not text:
        return []
    bullets: list[str] = []
    for line in text.split("\n"):
        if line.startswith(BULLET):
            bullets.append(line[len(BULLET) :])
        elif bullets:
            bullets[-1] += "\n" + line
        else:
            bullets.append(line)
    return bullets


#: What separates departments written on one line (``観光振興課、港湾課``).
DEPARTMENT_SEPARATOR = "、"
_PLAIN_DEPARTMENT = re.compile(r"[^\s、,，]|[^\s、,，][^、,，\r\n]*[^\s、,，]")


def departments_to_text(departments: Sequence[str]) -> str:
    """The 担当課 cell's text: ``観光振興課、港湾課``, or one department per line.

    Departments that read back as they are when joined with ``、`` are so
    joined, as the form prints them. When one would not (it holds ``、``,
    ``,`` or ``，``, starts or ends with a space, or is empty), each is
    written on its own line (Alt+Enter in Excel) and the text ends with a line
    break, which :func:`text_to_departments` takes as "one department per
    line, exactly". A department cannot hold a line break.
    """
    if all(_PLAIN_DEPARTMENT.fullmatch(department) for department in departments):
        return DEPARTMENT_SEPARATOR.join(departments)
    return "".join(department + "\n" for department in departments)


def text_to_departments(text: str) -> list[str]:
    """The departments of a 担当課 cell: the inverse of :func:`departments_to_text`.

    Text ending in a line break holds one department per line, exactly (as
    KPI Desk writes departments that contain a comma). Otherwise, as typed by
    hand, each line is split at ``、``, ``,`` and ``，`` and the parts are
    trimmed (``観光振興課、港湾課``).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        return text[:-1].split("\n")
    return [part for line in text.split("\n") for part in split_departments(line)]


@dataclass
class LoadedTemplate:
    """A loaded template: its workbook, the form worksheet and where each name points.

    Attributes:
        workbook: the loaded workbook (changed by an export).
        worksheet: the worksheet the names point to.
        cells: (row, column) of each defined name's top-left cell (merged
            cells resolved to their anchor).
        refs: each name's cells as in the template (``$A$16:$I$16``).
    """

    workbook: Workbook
    worksheet: Worksheet
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)


def merged_anchor(ws: Worksheet, row: int, column: int) -> tuple[int, int]:
    """The top-left cell of the merged range holding (row, column), or the cell itself."""
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            return merged.min_row, merged.min_col
    return row, column


def name_destination(defn: DefinedName) -> tuple[str, str] | None:
    """(worksheet title, cells) of a name that points to one range, else None."""
    try:
        destinations = list(defn.destinations)
    except Exception:  # a formula the tokenizer cannot read is no cell reference
        return None
    if len(destinations) != 1:
        return None
    title, cells = destinations[0]
    try:
        range_boundaries(cells.replace("$", ""))
    except (ValueError, TypeError):
        return None
    return title, cells


#: A reference to one range on one worksheet, which openpyxl's tokenizer reads
#: as one range: ``'No1'!$B$4`` (the quoted title kept as written, quotes
#: doubled) or ``様式!$A$16:$I$16``.
_SIMPLE_REFERENCE = re.compile(
    r"(?:'(?P<quoted>(?:[^']|'')*)'|(?P<plain>[^\W\d][\w.]*))!"
    r"(?P<cells>\$?[A-Za-z]{1,3}\$?[0-9]{1,7}(?::\$?[A-Za-z]{1,3}\$?[0-9]{1,7})?)"
)


def reference_destination(text: str) -> tuple[str, str] | None:
    """(worksheet title, cells) of a name's formula text that points to one range, else None.

    The same as :func:`name_destination` of a name with that text; the usual
    forms are read without openpyxl's formula tokenizer (a read workbook has
    a dozen names per worksheet).
    """
    match = _SIMPLE_REFERENCE.fullmatch(text)
    if match is None:
        return name_destination(DefinedName("_", attr_text=text))
    cells = match.group("cells")
    try:
        range_boundaries(cells.replace("$", ""))
    except (ValueError, TypeError):
        return None
    title = match.group("quoted")
    return (match.group("plain") if title is None else title), cells


def range_top_left(cells: str) -> tuple[int, int]:
    """(row, column) of the first cell of ``$A$16:$I$16``."""
    min_col, min_row, _, _ = range_boundaries(cells.replace("$", ""))
    if min_col is None or min_row is None:  # whole rows or columns
        return min_row or 1, min_col or 1
    return min_row, min_col


def _template_names(wb: Workbook) -> dict[str, DefinedName]:
    names: dict[str, DefinedName] = {}
    for ws in wb.worksheets:
        for name, defn in ws.defined_names.items():
            names.setdefault(name, defn)
    for name, defn in wb.defined_names.items():
        names.setdefault(name, defn)
    return names


def load_template(path: Path | None) -> LoadedTemplate:
    """Load and check a template.

    Raises:
        TemplateError: the template cannot be used; the message names why.
    """
    path = default_template_path() if path is None else Path(path)
    if not path.exists():
        raise TemplateError(f"テンプレートが見つかりません: {path}")
    if path.is_dir():
        raise TemplateError(f"テンプレートにフォルダが指定されています: {path}")
    try:
        wb = load_untrusted(path, "テンプレート")
    except ExcelError as error:
        raise TemplateError(f"{error}: {path}") from None
    except OSError as error:
        raise TemplateError(
            f"テンプレートを読めません: {path}（{error.strerror or error}）"
        ) from None
    if len(wb.worksheets) > MAX_TEMPLATE_WORKSHEETS:
        raise TemplateError(
            _too_many("ワークシート", len(wb.worksheets), MAX_TEMPLATE_WORKSHEETS, path)
        )
    names = len(wb.defined_names) + sum(len(ws.defined_names) for ws in wb.worksheets)
    if names > MAX_TEMPLATE_NAMES:
        raise TemplateError(_too_many("名前（名前の管理）", names, MAX_TEMPLATE_NAMES, path))
    defined = _template_names(wb)
    sheet: Worksheet | None = None
    cells: dict[str, tuple[int, int]] = {}
    refs: dict[str, str] = {}
    for name in (*REQUIRED_NAMES, *OPTIONAL_NAMES):
        defn = defined.get(name)
        if defn is None:
            if name in REQUIRED_NAMES:
                raise TemplateError(f"テンプレートに名前 {name} がありません: {path}")
            continue
        destination = name_destination(defn)
        if destination is None or destination[0] not in wb.sheetnames:
            raise TemplateError(
                f"テンプレートの名前 {name} の参照先（{defn.value}）が"
                f"1つのセル範囲ではありません: {path}"
            )
        title, ref = destination
        target = wb[title]
        if not isinstance(target, Worksheet):
            raise TemplateError(
                f"テンプレートの名前 {name} が通常のワークシートを指していません: {path}"
            )
        if sheet is None:
            sheet = target
        elif target is not sheet:
            raise TemplateError(
                f"テンプレートの名前 {name} が別のワークシート（{title}）を指しています。"
                f"すべての名前を同じワークシート（{sheet.title}）に置いてください: {path}"
            )
        cells[name] = merged_anchor(target, *range_top_left(ref))
        refs[name] = ref
    assert sheet is not None  # the required names are all there
    _check_size(sheet, path)
    _drop_unsafe_links(sheet)
    template = LoadedTemplate(workbook=wb, worksheet=sheet, cells=cells, refs=refs)
    _check_grid(template, path)
    return template


def _check_size(ws: Worksheet, path: Path) -> None:
    """Refuse a form worksheet that holds far more than any form needs."""
    ranges = (
        len(ws.merged_cells.ranges)
        + len(ws.conditional_formatting)
        + len(ws.data_validations.dataValidation)
    )
    for what, count, limit in (
        (
            f"様式のワークシート（{ws.title}）の値や書式のあるセル",
            len(ws._cells),
            MAX_TEMPLATE_CELLS,
        ),
        (
            f"様式のワークシート（{ws.title}）の高さ・幅・書式を設定した行と列",
            len(ws.row_dimensions) + len(ws.column_dimensions),
            MAX_TEMPLATE_ROWS_AND_COLUMNS,
        ),
        (
            f"様式のワークシート（{ws.title}）のセルの結合・条件付き書式・入力規則",
            ranges,
            MAX_TEMPLATE_RANGES,
        ),
    ):
        if count > limit:
            raise TemplateError(_too_many(what, count, limit, path))


def _too_many(what: str, count: int, limit: int, path: Path) -> str:
    return (
        f"テンプレートの{what}が多すぎるため使えません（{count:,}個、上限 {limit:,}個）。"
        f"様式の外の使っていないセルや設定を削除してから指定してください: {path}"
    )


def _drop_unsafe_links(ws: Worksheet) -> None:
    """Remove the form's hyperlinks that lead anywhere but a web page or a mail address.

    A link to a place in the workbook (no target) is kept.
    """
    for cell in ws._cells.values():
        link = cell.hyperlink
        if (
            link is not None
            and link.target
            and not link.target.lower().startswith(SAFE_LINK_SCHEMES)
        ):
            cell.hyperlink = None


def _check_grid(template: LoadedTemplate, path: Path) -> None:
    """Refuse a template whose value table would overwrite merged, named or filled cells."""
    ws = template.worksheet
    top, left = template.cells["KPI_TABLE"]
    grid = [(top + r, left + c) for r in range(MAX_VALUE_ROWS + 1) for c in range(TABLE_COLUMNS)]
    area = (
        f"{get_column_letter(left)}{top}:"
        f"{get_column_letter(left + TABLE_COLUMNS - 1)}{top + MAX_VALUE_ROWS}"
    )
    for name, cell in template.cells.items():
        if name != "KPI_TABLE" and cell in grid:
            raise TemplateError(
                f"テンプレートの名前 {name} が値の表の範囲（{area}）の中にあります: {path}"
            )
    for row, column in grid:
        coordinate = f"{get_column_letter(column)}{row}"
        if merged_anchor(ws, row, column) != (row, column):
            raise TemplateError(
                f"テンプレートの値の表の範囲（{area}）のセル {coordinate} が"
                f"結合されています: {path}"
            )
        header_label = row == top and column < left + 2
        if not header_label and ws.cell(row, column).value not in (None, ""):
            raise TemplateError(
                f"テンプレートの値の表の範囲（{area}）のセル {coordinate} に文字があります"
                f"（項目・単位の見出しのほかは空けておいてください）: {path}"
            )


def check_template(path: Path) -> None:
    """Check that a workbook can be used as the template.

    Args:
        path: the template file.

    Raises:
        TemplateError: the file is missing or not a safe xlsx workbook, a
            required name is missing (the message names it, e.g.
            「テンプレートに名前 KPI_TITLE がありません: path」), a name points
            to more than one range or to another worksheet, or the value
            table overlaps merged or named cells.
    """
    load_template(path)
