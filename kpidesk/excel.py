"""Excel: export sheets into the 別記様式2 template and read filled workbooks back.

The template (``resources/templates/kpi_sheet.xlsx``, made by
``resources/templates/make_template.py``) is an ordinary workbook whose
every place the program writes is a defined name (:data:`REQUIRED_NAMES`,
:data:`OPTIONAL_NAMES`; see ``docs/excel.md``), so an office can move cells
or restyle the form in Excel and KPI Desk still fills it.

An exported workbook has a first worksheet 一覧 (one line per value row,
with its rates and rank) and then one worksheet per sheet, each
a copy of the template worksheet with the names re-created on it (scoped to
that worksheet). :func:`export_summary` writes the 評価一覧 workbook: one
worksheet, the book's summary table of newest actuals, changes, rates and
ranks (the lines come from :mod:`kpidesk.evaluation_table`, as in 一覧 and the
command line). Reading takes
every worksheet except 一覧, finds the cells by those names, and falls back
to the default template's cell positions when the names were lost.

Values keep the text as typed: a number is written as a number with a
number format that shows it exactly as typed (``6,498`` is 6498 with
``#,##0``, ``△1,417`` is -1417 with ``#,##0;"△"#,##0``), and read back
through that format; anything else is written as text, never as a formula.

Only this module imports openpyxl. Untrusted files are checked before
openpyxl reads them (size, unpacked size of each part, zip bomb, old or
encrypted formats), and openpyxl parses XML through defusedxml, which
refuses entities.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import itertools
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Collection, Sequence
from copy import copy, deepcopy
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk import eras, evaluation, evaluation_table
from kpidesk.evaluation import NOT_JUDGED, EvaluationSettings
from kpidesk.fileio import OutputError, atomic_output, describe_os_error
from kpidesk.model import (
    ITEM_HEADING,
    TEXT_SECTIONS,
    UNIT_HEADING,
    Cell,
    Sheet,
    ValueRow,
    sheet_sort_key,
    split_departments,
    value_column_headings,
)
from kpidesk.resources import resource_path

# --- the template's contract ---------------------------------------------------

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
OPTIONAL_NAMES: tuple[str, ...] = ("KPI_SECTION", "KPI_REPORT_YEAR")

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
}

#: The text boxes: (sheet attribute, name, heading), in the form's order.
TEXT_BOXES: tuple[tuple[str, str, str], ...] = tuple(
    (attribute, f"KPI_{attribute.upper()}", heading) for attribute, heading in TEXT_SECTIONS
)

SUMMARY_TITLE = "一覧"
EVALUATION_TITLE = "評価一覧"
#: The number format of a rate cell: the value is stored already rounded to
#: 0.1 % as the book says, so what Excel shows is the printed rate.
RATE_FORMAT = "#,##0.0%"
BULLET = "・"
FONT_NAME = "BIZ UDゴシック"
HEADER_FILL = "EDEDED"
TEMPLATE_PARTS = ("templates", "kpi_sheet.xlsx")

#: Refuse files larger than this before reading them.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Refuse workbooks whose parts add up to more than this when unpacked.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
#: Refuse a part larger than 1 MB that unpacks to more than this many times its size.
MAX_COMPRESSION_RATIO = 100
#: Refuse zips with more parts than this.
MAX_ZIP_MEMBERS = 10_000
#: Refuse a worksheet part (``xl/worksheets/*.xml``) larger than this when
#: unpacked: a sheet's worksheet is about 20 KB, and openpyxl needs some 20
#: times a worksheet's size in memory to read it.
MAX_WORKSHEET_BYTES = 4 * 1024 * 1024
#: Refuse a shared-strings part (``xl/sharedStrings.xml``) larger than this
#: when unpacked; other XML parts (where a crafted workbook could put a
#: worksheet under another name) are held to the same limit.
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
#: The most characters an Excel cell holds.
MAX_CELL_CHARS = 32_767
#: Excel's highest row (points).
MAX_ROW_HEIGHT = 409.0

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORMULA_STARTS = ("=", "+", "-", "@")
_WORKSHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)
_MB = 1024 * 1024


class ExcelError(ValueError):
    """A workbook cannot be written or read (message in Japanese)."""


class TemplateError(ExcelError):
    """The template cannot be used (message in Japanese)."""


class ReportYearUnknownError(ExcelError):
    """A workbook's report year cannot be settled: the caller may ask for it.

    Raised by :func:`read_workbook` when a worksheet has no report year and
    no ``report_year`` was given nor any actual value found; reading again
    with ``report_year`` set succeeds.
    """


def default_template_path() -> Path:
    """The bundled template ``resources/templates/kpi_sheet.xlsx``."""
    return resource_path(*TEMPLATE_PARTS)


# --- reading untrusted files safely --------------------------------------------


def _read_limited(source: Path | BinaryIO, what: str) -> bytes:
    """The bytes of a file or stream, refusing anything over :data:`MAX_FILE_BYTES`.

    Raises:
        ExcelError: the file is too large.
        OSError: a path cannot be read.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExcelError(_too_large(what, size))
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    else:
        data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ExcelError(_too_large(what, len(data)))
    return data


def _too_large(what: str, size: int) -> str:
    return (
        f"{what}が大きすぎるため読みません（{size / _MB:.0f} MB、上限 {MAX_FILE_BYTES // _MB} MB）"
    )


def _check_package(data: bytes, what: str) -> None:
    """Refuse what openpyxl should never see: other formats, broken zips, zip bombs.

    Raises:
        ExcelError: with a Japanese message saying what is wrong.
    """
    if data.startswith(_OLE_MAGIC):
        raise ExcelError(
            f"{what}はパスワードで保護されているか、古い形式（.xls）のExcelファイルです。"
            "Excelでパスワードを解除し、「Excel ブック (*.xlsx)」として保存し直してください"
        )
    if not data.startswith(b"PK"):
        raise ExcelError(f"{what}はExcelのブック（.xlsx）ではありません")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise ExcelError(
            f"{what}は壊れているか、途中までしかありません（Excelのブックとして開けません）"
        ) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ExcelError(f"{what}は部品の数が多すぎるため読みません（{len(infos)}個）")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ExcelError(
            f"{what}は展開すると大きすぎるため読みません（{total / _MB:.0f} MB、"
            f"上限 {MAX_UNCOMPRESSED_BYTES // _MB} MB）"
        )
    for info in infos:
        if info.file_size > _MB and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ExcelError(
                f"{what}は異常に高い圧縮率の部品（{info.filename}）を含むため読みません"
                "（zip爆弾のおそれがあります）"
            )
    for info in infos:
        _check_part_size(info, what)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ExcelError(
            f"{what}はExcelのブック（.xlsx）ではありません"
            "（ブックの部品 xl/workbook.xml がありません）"
        )


_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_SHARED_STRINGS_PART = "xl/sharedstrings.xml"
_XML_PART = re.compile(r".+\.(xml|rels)", re.IGNORECASE)


def _check_part_size(info: zipfile.ZipInfo, what: str) -> None:
    """Refuse an XML part whose unpacked size (from the zip directory) is too large.

    The zip directory's size binds: Python's zipfile never unpacks more than it.

    Raises:
        ExcelError: naming the part, its size and the limits.
    """
    name = info.filename
    if _WORKSHEET_PART.fullmatch(name):
        kind, limit = "ワークシートの部品", MAX_WORKSHEET_BYTES
    elif name.lower() == _SHARED_STRINGS_PART:
        kind, limit = "共有文字列の部品", MAX_SHARED_STRINGS_BYTES
    elif _XML_PART.fullmatch(name):
        kind, limit = "部品", MAX_SHARED_STRINGS_BYTES
    else:
        return
    if info.file_size > limit:
        raise ExcelError(
            f"{what}の{kind} {name} は展開すると {_size_text(info.file_size)} あり、"
            "大きすぎるため読みません（上限: ワークシート1枚あたり "
            f"{_size_text(MAX_WORKSHEET_BYTES)}、共有文字列・その他のXMLの部品 "
            f"{_size_text(MAX_SHARED_STRINGS_BYTES)}）"
        )


def _size_text(size: int) -> str:
    """``4 MB``, ``64.5 MB``, ``12 KB``: a size for a message."""
    if size >= _MB:
        return f"{size / _MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def _load_untrusted(source: Path | BinaryIO, what: str) -> Workbook:
    """Check and load a workbook from a file or stream.

    Raises:
        ExcelError: the file is not a readable, safe xlsx workbook.
        OSError: a path cannot be read.
    """
    if not openpyxl.DEFUSEDXML:
        raise ExcelError(
            "Excelファイルを安全に読むための部品（defusedxml）が使えないため、読みません"
        )
    data = _read_limited(source, what)
    _check_package(data, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(
                io.BytesIO(data), data_only=True, keep_links=False, rich_text=False
            )
    except Exception as error:  # any failure of parsing an untrusted file
        if _is_defused(error):
            raise ExcelError(
                f"{what}に安全でない内容（XMLの DOCTYPE・実体参照など）が含まれているため読みません"
            ) from None
        raise ExcelError(_unreadable(what, error)) from None


def _is_defused(error: BaseException) -> bool:
    """True when defusedxml refused the XML (openpyxl wraps its error in a ValueError)."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _unreadable(what: str, error: BaseException) -> str:
    return (
        f"{what}をExcelのブックとして読めません（壊れているか、対応していない内容です: "
        f"{type(error).__name__}）"
    )


# --- numbers as typed ----------------------------------------------------------

_TYPED_NUMBER = re.compile(
    r"(?P<sign>[-−△▲]?)(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?"
)
#: Excel keeps 15 significant digits.
_MAX_DIGITS = 15


def typed_number(text: str) -> tuple[int | float, str] | None:
    """The number and number format that show ``text`` exactly as typed, if any.

    ``6,498`` gives (6498, ``#,##0``), ``6498`` gives (6498, ``0``), ``77.6``
    gives (77.6, ``#,##0.0``), ``-1,417`` gives (-1417, ``#,##0``) and
    ``△1,417`` gives (-1417, ``#,##0;"△"#,##0``). Text that no number format
    reproduces exactly (full-width digits, spaces, leading zeros, ``+5``,
    more than 15 digits) gives None and is kept as text.

    Args:
        text: a cell's text as typed.

    Returns:
        (value, number_format), or None when the text is to stay text.
    """
    match = _TYPED_NUMBER.fullmatch(text)
    if match is None:
        return None
    int_text = match.group("int")
    int_digits = int_text.replace(",", "")
    frac = match.group("frac") or ""
    if len((int_digits + frac).lstrip("0")) > _MAX_DIGITS:
        return None
    number = Decimal(f"{int_digits}.{frac}" if frac else int_digits)
    grouped = "," in int_text or len(int_digits.lstrip("0")) <= 3
    pattern = "#,##0" if grouped else "0"
    if frac:
        pattern += "." + "0" * len(frac)
    mark = match.group("sign")
    number_format = pattern if mark in ("", "-") else f'{pattern};"{mark}"{pattern}'
    value: int | float = float(number) if frac else int(number)
    if mark:
        value = -value
    if format_cell_number(value, number_format) != text:
        return None
    return value, number_format


def _split_sections(number_format: str) -> list[str]:
    sections, current, quoted, escaped = [], [], False, False
    for char in number_format:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
    sections.append("".join(current))
    return sections


@dataclass
class _Section:
    prefix: str = ""
    suffix: str = ""
    integer: str = ""
    fraction: str | None = None
    percent: bool = False


_PLACEHOLDERS = frozenset("0#?")
_LITERAL_CHARS = frozenset("$-+/():!^&'~{}<>= ¥円%")


def _parse_section(section: str) -> _Section | None:
    """A plain number section (``"△"#,##0.0``), or None for dates and the like."""
    result = _Section()
    core: list[str] = []
    seen_number = False
    index = 0
    while index < len(section):
        char = section[index]
        literal: str | None = None
        if char == '"':
            end = section.find('"', index + 1)
            if end < 0:
                return None
            literal, index = section[index + 1 : end], end + 1
        elif char == "\\" and index + 1 < len(section):
            literal, index = section[index + 1], index + 2
        elif char in "_*" and index + 1 < len(section):
            literal, index = (" " if char == "_" else ""), index + 2
        elif char == "[":
            end = section.find("]", index)
            inner = section[index + 1 : end] if end > 0 else ""
            if end < 0 or inner[:1] in "<>=" or inner.lower().startswith(("h", "m", "s")):
                return None
            literal = inner[1:].split("-", 1)[0] if inner.startswith("$") else ""
            index = end + 1
        elif char in _PLACEHOLDERS or char in ",.":
            if result.suffix:
                return None  # a literal inside the number
            core.append(char)
            seen_number = True
            index += 1
            continue
        elif char in _LITERAL_CHARS or unicodedata.east_asian_width(char) in "WF":
            literal, index = char, index + 1
            if char == "%":
                result.percent = True
        else:
            return None  # letters: dates, times, scientific notation
        if seen_number:
            result.suffix += literal
        else:
            result.prefix += literal
    if not any(char in _PLACEHOLDERS for char in core):
        if core:
            return None
        return result  # only literal text (a zero section such as "ゼロ")
    text = "".join(core)
    integer, dot, fraction = text.partition(".")
    result.integer = integer
    result.fraction = fraction if dot else None
    return result


def _render_section(number: Decimal, section: _Section) -> str:
    if not section.integer and section.fraction is None:
        return section.prefix + section.suffix
    integer = section.integer
    scale = len(integer) - len(integer.rstrip(","))
    integer = integer.rstrip(",")
    if section.percent:
        number *= 100
    if scale:
        number /= Decimal(1000) ** scale
    decimals = sum(1 for char in section.fraction or "" if char in _PLACEHOLDERS)
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, frac = format(rounded, "f").partition(".")
    minimum = integer.count("0")
    whole = whole.lstrip("0").rjust(minimum, "0")
    if "," in integer and whole:
        whole = f"{int(whole):,}"
    body = whole + (f".{frac}" if section.fraction is not None else "")
    return section.prefix + body + section.suffix


def _general(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def format_cell_number(value: int | float, number_format: str) -> str:
    """The text Excel shows for a number in a cell with ``number_format``.

    Plain number formats are followed exactly (thousands separators,
    decimal places, zero padding, quoted prefixes and suffixes, negative
    and zero sections, %); formats this does not follow (dates, conditions,
    scientific notation) and ``General`` give the number's shortest exact form.

    Args:
        value: the cell's number.
        number_format: the cell's number format.

    Returns:
        The text (``6,498``, ``△1,417``, ``77.6``).
    """
    if isinstance(value, bool) or not math.isfinite(value):
        return str(value)
    sections = _split_sections(number_format or "General")
    if sections[0].strip().lower() in ("general", "@", ""):
        return _general(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number < 0 and len(sections) > 1:
        chosen, number, sign = sections[1], -number, ""
    elif number == 0 and len(sections) > 2:
        chosen, sign = sections[2], ""
    else:
        chosen, sign = sections[0], "-" if number < 0 else ""
        number = abs(number)
    parsed = _parse_section(chosen)
    if parsed is None:
        return _general(value)
    try:
        text = _render_section(number, parsed)
    except InvalidOperation:
        return _general(value)
    if sign and any(char in "123456789" for char in text):
        text = sign + text
    return text


def cell_text(value: Any, number_format: str = "General") -> str:
    """The text of a cell as read from a workbook.

    Args:
        value: the cell's value (None, text, number, bool, date or time).
        number_format: the cell's number format.

    Returns:
        Text for a text cell (line ends made ``\\n``), a number as its format
        shows it, ``""`` for an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_cell_number(value, number_format)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value)


# --- bullets -----------------------------------------------------------------


def bullets_to_text(bullets: Sequence[str]) -> str:
    """A box's text: one line ``・bullet`` per bullet, joined by line breaks."""
    return "\n".join(BULLET + bullet for bullet in bullets)


def text_to_bullets(text: str) -> list[str]:
    """The bullets of a box's text: the inverse of :func:`bullets_to_text`.

    A line starting with ``・`` starts a bullet (the mark is dropped); any
    other line continues the bullet before it (joined with ``\\n``), or
    starts the first bullet when there is none yet.
    """
    if not text:
        return []
    bullets: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.startswith(BULLET):
            bullets.append(line[len(BULLET) :])
        elif bullets:
            bullets[-1] += "\n" + line
        else:
            bullets.append(line)
    return bullets


# --- the template --------------------------------------------------------------


@dataclass
class _Template:
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


def _anchor(ws: Worksheet, row: int, column: int) -> tuple[int, int]:
    """The top-left cell of the merged range holding (row, column), or the cell itself."""
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            return merged.min_row, merged.min_col
    return row, column


def _destination(defn: DefinedName) -> tuple[str, str] | None:
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


def _top_left(cells: str) -> tuple[int, int]:
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


def _load_template(path: Path | None) -> _Template:
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
        wb = _load_untrusted(path, "テンプレート")
    except ExcelError as error:
        raise TemplateError(f"{error}: {path}") from None
    except OSError as error:
        raise TemplateError(
            f"テンプレートを読めません: {path}（{error.strerror or error}）"
        ) from None
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
        destination = _destination(defn)
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
        cells[name] = _anchor(target, *_top_left(ref))
        refs[name] = ref
    assert sheet is not None  # the required names are all there
    template = _Template(workbook=wb, worksheet=sheet, cells=cells, refs=refs)
    _check_grid(template, path)
    return template


def _check_grid(template: _Template, path: Path) -> None:
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
        if _anchor(ws, row, column) != (row, column):
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
    _load_template(path)


# --- export --------------------------------------------------------------------


def _sheet_label(sheet: Sheet) -> str:
    return f"{sheet.report_year}年度 No {sheet.no}"


def _check_text(text: str, sheet: Sheet, where: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise ExcelError(
            f"{_sheet_label(sheet)} の{where}が長すぎてExcelのセルに入りません"
            f"（{len(text):,}文字、上限 {MAX_CELL_CHARS:,}文字）"
        )
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise ExcelError(
            f"{_sheet_label(sheet)} の{where}にExcelに書けない制御文字があります。"
            "取り除いてください"
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
    _check_sheet_text(sheet)


def _check_sheet_text(sheet: Sheet) -> None:
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
    for attribute, _, heading in TEXT_BOXES:
        texts.append((bullets_to_text(getattr(sheet, attribute)), heading))
    for text, where in texts:
        _check_text(text, sheet, where)


def _set_text(cell: Any, text: str) -> None:
    """Write text as text: never a formula, shown literally even if it starts with ``=``."""
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"
    if text.startswith(_FORMULA_STARTS):
        cell.quotePrefix = True


def _set_value(cell: Any, text: str) -> None:
    """Write a value cell: a number when its format reproduces the text, else text."""
    number = typed_number(text)
    if number is None:
        _set_text(cell, text)
        return
    cell.value, cell.number_format = number


def _set_no(cell: Any, no: str) -> None:
    if no.isascii() and no.isdigit() and str(int(no)) == no:
        cell.value = int(no)
        cell.number_format = "0"
    else:
        _set_text(cell, no)


def header_labels(sheet: Sheet) -> list[str]:
    """The value table's header row as written: 項目, 単位, then the value columns."""
    return [ITEM_HEADING, UNIT_HEADING, *value_column_headings(sheet, break_baseline=False)]


def _column_width(ws: Worksheet, column: int) -> float:
    dimension = ws.column_dimensions.get(get_column_letter(column))
    if dimension is not None and dimension.width:
        return float(dimension.width)
    return 8.43


def _row_height(ws: Worksheet, row: int) -> float:
    dimension = ws.row_dimensions.get(row)
    if dimension is not None and dimension.height:
        return float(dimension.height)
    return 15.0


def _text_units(text: str) -> int:
    """Width of a line in half-width characters (a full-width one counts 2)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WFA" else 1 for char in text)


def estimate_lines(text: str, width_units: float) -> int:
    """How many lines ``text`` wraps to in a box ``width_units`` half-width characters wide."""
    per_line = max(int(width_units), 2)
    return sum(max(1, math.ceil(_text_units(line) / per_line)) for line in text.split("\n"))


#: Points per unit of Excel column width, and the line advance per point of type
#: size: a little generous so that estimates err towards more room.
_POINTS_PER_WIDTH_UNIT = 5.0
_LINE_ADVANCE = 1.4


def _fit_height(ws: Worksheet, row: int, column: int, text: str) -> None:
    """Make a wrapped cell (or its merged range) tall enough for ``text``; never shrink it."""
    bottom, right = row, column
    for merged in ws.merged_cells.ranges:
        if (merged.min_row, merged.min_col) == (row, column):
            bottom, right = merged.max_row, merged.max_col
            break
    anchor = ws.cell(row, column)
    size = float(anchor.font.sz or 11)
    indent = float(anchor.alignment.indent or 0)
    width_points = (
        sum(_column_width(ws, c) for c in range(column, right + 1)) * _POINTS_PER_WIDTH_UNIT
        - 8
        - indent * 10
    )
    lines = estimate_lines(text, width_points / (size / 2))
    needed = lines * size * _LINE_ADVANCE + 6
    current = sum(_row_height(ws, r) for r in range(row, bottom + 1))
    if needed > current:
        last = _row_height(ws, bottom)
        ws.row_dimensions[bottom].height = min(MAX_ROW_HEIGHT, last + needed - current)


def _fill_worksheet(ws: Worksheet, template: _Template, sheet: Sheet) -> None:
    cells = template.cells

    def at(name: str) -> Any:
        row, column = cells[name]
        return ws.cell(row, column)

    _set_no(at("KPI_NO"), sheet.no)
    _set_text(at("KPI_DEPARTMENTS"), sheet.departments_text)
    _set_text(at("KPI_TITLE"), sheet.title)
    if "KPI_SECTION" in cells:
        _set_text(at("KPI_SECTION"), sheet.section)
    if "KPI_REPORT_YEAR" in cells:
        _set_text(at("KPI_REPORT_YEAR"), eras.kanji_label(sheet.report_year))

    top, left = cells["KPI_TABLE"]
    labels = header_labels(sheet)
    for offset in range(2, TABLE_COLUMNS):  # 項目 and 単位 stay as the template has them
        label = labels[offset] if offset < len(labels) else ""
        _set_text(ws.cell(top, left + offset), label)
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
                _set_text(cell, text)
            else:
                _set_value(cell, text)

    for attribute, name, _ in TEXT_BOXES:
        text = bullets_to_text(getattr(sheet, attribute))
        _set_text(at(name), text)
        if text:
            row, column = cells[name]
            _fit_height(ws, row, column, text)


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


def _scoped_names(wb: Workbook, template: _Template) -> list[tuple[DefinedName, str | None]]:
    """Every name that belongs to the template worksheet, to re-create on each copy.

    Returns:
        (name, cells) pairs; cells is the range on the template worksheet the
        name points to, or None for a name that points elsewhere (kept as is).
    """
    source = template.worksheet
    found: dict[str, DefinedName] = dict(source.defined_names.items())
    for name, defn in wb.defined_names.items():
        destination = _destination(defn)
        if name not in found and destination is not None and destination[0] == source.title:
            found[name] = defn
    scoped: list[tuple[DefinedName, str | None]] = []
    for name, defn in found.items():
        destination = _destination(defn)
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
    used = {SUMMARY_TITLE.casefold()}
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


def _thin_border() -> Border:
    side = Side(style="thin", color="000000")
    return Border(left=side, right=side, top=side, bottom=side)


def _set_rate(cell: Any, rounded: Decimal | None) -> None:
    """A rate cell: the rate already rounded as printed, as a number shown as a percentage.

    The number format only adds the % sign and thousands separators; the
    rounding (half up or truncated) is done before, so Excel shows exactly
    the printed rate (``127.9%``). No rate gives "—".
    """
    if rounded is None:
        _set_text(cell, NOT_JUDGED)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        return
    cell.value = float(rounded / 100) + 0.0  # + 0.0: no "-0.0%"
    cell.number_format = RATE_FORMAT
    cell.alignment = Alignment(horizontal="right", vertical="center", indent=1)


def _hex(colour: str) -> str:
    return colour.removeprefix("#").upper()


def _set_rank(cell: Any, line: evaluation_table.EvaluationLine, count: int) -> None:
    """A rank cell: the label coloured as in the list (best green ... worst red), or "—"."""
    _set_text(cell, line.rank_text)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    if line.rank_index is None:
        return
    text, background = evaluation.rank_colours(line.rank_index, count)
    cell.font = Font(name=FONT_NAME, size=cell.font.sz, bold=True, color=_hex(text), charset=128)
    cell.fill = PatternFill("solid", fgColor=_hex(background))


def _write_summary(
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
        "達成率",
        "進捗率",
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
    border = _thin_border()
    wrap = Alignment(wrap_text=True, vertical="center")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")

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
                cell.font, cell.border = font, border
                if column - 1 >= first_value:
                    cell.alignment = right
                    _set_value(cell, text)
                else:
                    cell.alignment = wrap
                    if headers[column - 1] == "No":
                        _set_no(cell, text)
                        cell.alignment = center
                        if text:
                            cell.hyperlink = Hyperlink(
                                ref=cell.coordinate,
                                location=f"{quote_sheetname(worksheet_title)}!A1",
                            )
                    else:
                        _set_text(cell, text)
            achievement, progress, rank = (ws.cell(line, rate_column + n) for n in range(3))
            for cell in (achievement, progress, rank):
                cell.font, cell.border = font, border
            if index < len(judged):
                _set_rate(achievement, judged[index].achievement_rounded)
                _set_rate(progress, judged[index].progress_rounded)
                _set_rank(rank, judged[index], len(settings.labels))
            lines = max(
                estimate_lines(text, (width * _POINTS_PER_WIDTH_UNIT - 8) / 4.5)
                for text, width in zip(texts, widths, strict=False)
                if text
            )
            ws.row_dimensions[line].height = max(18.0, lines * 9 * _LINE_ADVANCE + 5)
            line += 1

    last_column = get_column_letter(len(headers))
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.print_area = f"A1:{last_column}{line - 1}"
    ws.auto_filter.ref = f"A2:{last_column}{line - 1}"
    _print_table(ws, landscape=sum(widths) > 100, side_margin=0.5)


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
    ordered = sorted(sheets, key=sheet_sort_key)
    if not ordered:
        raise ExcelError("書き出すシートがありません")
    for sheet in ordered:
        _check_sheet(sheet)
    loaded = _load_template(template)
    wb = loaded.workbook
    source = loaded.worksheet
    scoped = _scoped_names(wb, loaded)
    for other in list(wb.worksheets) + list(wb.chartsheets):
        if other is not source:
            wb.remove(other)
    source.title = "__kpidesk_template__"
    summary_ws = wb.create_sheet(SUMMARY_TITLE, 0)
    titles = worksheet_titles(ordered)
    total = len(ordered) + 1
    for done, (sheet, title) in enumerate(zip(ordered, titles, strict=True), start=1):
        target = _copy_form(wb, source, title)
        _fill_worksheet(target, loaded, sheet)
        for defn, cells in scoped:
            target.defined_names[defn.name] = _rescope(defn, cells, target)
        if progress is not None:
            progress(done, total)
    wb.remove(source)
    for name, defn in list(wb.defined_names.items()):
        if _destination(defn) is not None or "!" in (defn.value or ""):
            del wb.defined_names[name]  # pointed to the template or to a removed worksheet
    _write_summary(summary_ws, ordered, titles, settings or EvaluationSettings())
    wb.active = 0
    wb.properties.creator = "KPI Desk"
    wb.properties.lastModifiedBy = "KPI Desk"
    wb.properties.title = "KPI分析シート"
    wb.save(stream)
    if progress is not None:
        progress(total, total)
    return len(ordered)


# --- the evaluation summary (評価一覧) ----------------------------------------------

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
    border = _thin_border()
    header_row = 3

    ws.sheet_view.showGridLines = False
    ws.sheet_view.tabSelected = True
    _set_text(ws.cell(1, 1), title)
    ws.cell(1, 1).font = Font(name=FONT_NAME, size=12, bold=True, charset=128)
    ws.row_dimensions[1].height = 24

    legend = evaluation_table.legend(settings)
    legend_cell = ws.cell(2, 1)
    _set_text(legend_cell, legend)
    legend_cell.font = Font(name=FONT_NAME, size=8, charset=128)
    legend_cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    legend_lines = estimate_lines(legend, (sum(widths) * _POINTS_PER_WIDTH_UNIT - 8) / 4.0)
    ws.row_dimensions[2].height = legend_lines * 8 * _LINE_ADVANCE + 6

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
                _set_no(cell, text)
            elif column == achievement_column:
                _set_rate(cell, line.achievement_rounded)
            elif column == progress_column:
                _set_rate(cell, line.progress_rounded)
            elif column == rank_column:
                _set_rank(cell, line, len(settings.labels))
            else:
                _set_text(cell, text)
        height = max(
            estimate_lines(text, (width * _POINTS_PER_WIDTH_UNIT - 8) / 4.5)
            for text, width in zip(texts, widths, strict=True)
        )
        ws.row_dimensions[row].height = max(18.0, height * 9 * _LINE_ADVANCE + 5)

    ws.freeze_panes = ws.cell(header_row + 1, 1).coordinate
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_area = f"A1:{last_letter}{row}"
    ws.auto_filter.ref = f"A{header_row}:{last_letter}{row}"
    _print_table(ws, landscape=True, side_margin=0.4)


def evaluation_title(sheets: Sequence[Sheet], book_name: str = "") -> str:
    """The 評価一覧's title: ``KPI評価一覧（令和2年度）　book.kpidb``."""
    title = f"KPI評価一覧（{evaluation_table.report_years_label(sheets)}）"
    return f"{title}　{book_name}" if book_name else title


def _print_table(ws: Worksheet, *, landscape: bool, side_margin: float) -> None:
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


def export_summary(
    sheets: Sequence[Sheet],
    stream: BinaryIO,
    *,
    settings: EvaluationSettings | None = None,
    book_name: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the 評価一覧 workbook: the book's summary table on one worksheet.

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
        _check_sheet_text(sheet)
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


def department_file_name(department: str) -> str:
    """A Windows-safe file name for a department's workbook (``観光振興課.xlsx``)."""
    name = _WINDOWS_FORBIDDEN.sub("_", department).strip().rstrip(". ")
    if not name:
        name = "担当課なし"
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name[:120] + ".xlsx"


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
    and unique; an existing file of the same name is replaced. Every sheet
    and the template are checked before anything is written, and each file
    is written to a temporary name and moved into place.

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
    groups: dict[str, list[Sheet]] = {}
    for sheet in sorted(sheets, key=sheet_sort_key):
        for department in sheet.departments or [""]:
            if departments is None or department in departments:
                groups.setdefault(department, []).append(sheet)
    if not groups:
        raise ExcelError("書き出すシートがありません")
    for group in groups.values():
        for sheet in group:
            _check_sheet(sheet)
    _load_template(template)

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"保存先がフォルダではなくファイルです: {folder}")
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(describe_os_error(error, folder)) from error

    used: set[str] = set()
    plan: list[tuple[Path, list[Sheet]]] = []
    for department in sorted(groups):
        name = department_file_name(department)
        stem, number = name.removesuffix(".xlsx"), 2
        while name.casefold() in used:
            name = f"{stem}_{number}.xlsx"
            number += 1
        used.add(name.casefold())
        plan.append((folder / name, groups[department]))

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


# --- import --------------------------------------------------------------------


@dataclass
class _Read:
    """One worksheet read, before its report year is settled."""

    sheet: Sheet
    year_text: str
    worksheet: str


def _name_cells(wb: Workbook, ws: Worksheet) -> dict[str, tuple[int, int]]:
    """Where each name is on a worksheet.

    A name scoped to the worksheet wins over a workbook name pointing at it.
    When the worksheet has none of the required names, every cell is where
    the default template has it (the names were lost).

    Raises:
        ExcelError: the worksheet has some required names but not all.
    """
    cells: dict[str, tuple[int, int]] = {}
    for name in (*REQUIRED_NAMES, *OPTIONAL_NAMES):
        for defn in (ws.defined_names.get(name), wb.defined_names.get(name)):
            destination = None if defn is None else _destination(defn)
            if destination is not None and destination[0] == ws.title:
                cells[name] = _anchor(ws, *_top_left(destination[1]))
                break
    if not any(name in cells for name in REQUIRED_NAMES):
        return {name: _top_left(cell) for name, cell in DEFAULT_POSITIONS.items()}
    for name in REQUIRED_NAMES:
        if name not in cells:
            raise _not_a_sheet(ws, f"名前 {name} がありません")
    return cells


def _text_at(ws: Worksheet, row: int, column: int) -> str:
    cell = ws.cell(row, column)
    return cell_text(cell.value, cell.number_format)


def _not_a_sheet(ws: Worksheet, missing: str) -> ExcelError:
    return ExcelError(f"ワークシート「{ws.title}」はKPI分析シートの形ではありません（{missing}）")


_SPACES = re.compile(r"\s+")
_PARENTHESIZED_END = re.compile(r"^(?P<label>.*?)[(（](?P<year>[^()（）]*)[)）]$")


def _header_year(ws: Worksheet, text: str, remove: str) -> int:
    squeezed = _SPACES.sub("", text).replace(remove, "")
    try:
        return eras.parse_year(squeezed)
    except ValueError:
        raise ExcelError(
            f"ワークシート「{ws.title}」の値の表の見出し「{_SPACES.sub('', text)}」から"
            "年度を読めません（例: R2 実績値、目標値 (R5)）"
        ) from None


def _read_header(ws: Worksheet, top: int, left: int) -> tuple[str, int, list[int], int, int]:
    """(baseline label, baseline year, actual years, target year, value columns used)."""
    labels: list[str] = []
    for offset in range(2, TABLE_COLUMNS):
        text = _text_at(ws, top, left + offset).strip()
        if not text:
            break
        labels.append(text)
    if len(labels) < 2:
        raise _not_a_sheet(ws, "値の表の見出し（戦略策定時実績値〜目標値）がありません")
    first = _SPACES.sub("", labels[0])
    match = _PARENTHESIZED_END.match(first)
    if match is None:
        raise ExcelError(
            f"ワークシート「{ws.title}」の値の表の見出し「{first}」から年度を読めません"
            "（例: 戦略策定時実績値 (R1)）"
        )
    baseline_label = match.group("label")
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


def _read_worksheet(wb: Workbook, ws: Worksheet) -> _Read:
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
    boxes = {attribute: text_to_bullets(text(name)) for attribute, name, _ in TEXT_BOXES}
    sheet = Sheet(
        report_year=0,
        no=no,
        departments=split_departments(text("KPI_DEPARTMENTS")),
        title=text("KPI_TITLE"),
        section=text("KPI_SECTION"),
        baseline_label=baseline_label,
        baseline_year=baseline_year,
        actual_years=actual_years,
        target_year=target_year,
        rows=rows,
        **boxes,
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

    Every worksheet except 一覧 must be a sheet. Cells are found by the
    worksheet's own names, then the workbook's names pointing at it, then
    the default template's positions. Numbers come back as the text their
    number format shows (the inverse of the export); a box's lines starting
    with ``・`` start bullets, other lines continue the bullet before.

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
            worksheets hold the same sheet, or a report year cannot be read.
        ReportYearUnknownError: a worksheet has no report year, and neither
            ``report_year`` nor any actual value settles it.
        OSError: a path cannot be read.
    """
    wb = _load_untrusted(source, "ファイル")
    worksheets = [ws for ws in wb.worksheets if ws.title != SUMMARY_TITLE]
    if not worksheets:
        raise ExcelError(
            "KPI分析シートのワークシートがありません（一覧のほかにワークシートがありません）"
        )
    reads = [_read_worksheet(wb, ws) for ws in worksheets]
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
    return sheets
