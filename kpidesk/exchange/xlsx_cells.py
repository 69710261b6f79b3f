"""The cells of an untrusted .xlsx workbook, read without building openpyxl's workbook.

Reading a workbook back needs only the worksheets' titles, the defined
names, and the values and number formats of a few cells. Loading it with
``openpyxl.load_workbook`` builds every cell's style objects and spends
nearly all its time re-applying the borders of merged ranges, so this module
reads the package's XML itself: ``[Content_Types].xml``, the workbook and its
relationships, the number formats of ``xl/styles.xml``, the shared strings,
and each worksheet's ``sheetData`` and ``mergeCells`` when it is first asked
for (the index 一覧 is never parsed). Values come back as openpyxl gives them
with ``data_only=True`` (a formula's cached value, numbers as int or float,
dates as datetimes when the number format is a date format, strings with
openpyxl's handling of ``x005F_``), so the reader sees what it saw before.

The package passes :func:`kpidesk.exchange.xlsx_safety.checked_package`
first (file and part sizes, zip bombs, merged ranges); every XML part is
parsed by defusedxml with DTDs forbidden, so no entity is ever expanded.
Merged ranges are counted again from the parsed XML against
:data:`~kpidesk.exchange.xlsx_safety.MAX_MERGED_CELLS`. Any failure is an
:class:`~kpidesk.exchange.xlsx_safety.ExcelError` with a Japanese message.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

from kpidesk.exchange.xlsx_safety import (
    MAX_MERGED_CELLS,
    Budget,
    ExcelError,
    checked_package,
    unreadable_message,
    unsafe_message,
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml." + kind
    for kind in ("sheet.main+xml", "template.main+xml")
} | {
    "application/vnd.ms-excel." + kind
    for kind in ("sheet.macroEnabled.main+xml", "template.macroEnabled.main+xml")
}
_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
_STYLES_PART = "xl/styles.xml"
_C, _V, _IS, _T, _R = (_MAIN + tag for tag in ("c", "v", "is", "t", "r"))


def _parse(data: bytes) -> Element:
    """One XML part as a tree: no DTD, no entity, no external reference."""
    return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)


@contextmanager
def _refusing(what: str) -> Iterator[None]:
    """Turn any failure reading an untrusted part into an :class:`ExcelError`."""
    try:
        yield
    except ExcelError:
        raise
    except DefusedXmlException:
        raise ExcelError(unsafe_message(what)) from None
    except Exception as error:  # any failure of parsing an untrusted file
        raise ExcelError(unreadable_message(what, error)) from None


def _text_content(node: Element) -> str:
    """A string item's text without its formatting, as openpyxl's ``Text.content``:
    the last plain ``t``, then each run's last ``t`` (phonetic runs left out)."""
    plain: str | None = None
    runs: list[str] = []
    for child in node:
        if child.tag == _T:
            plain = child.text
        elif child.tag == _R:
            text = None
            for part in child:
                if part.tag == _T:
                    text = part.text
            if text is not None:
                runs.append(text)
    if plain is not None:
        runs.insert(0, plain)
    return "".join(runs)


@lru_cache(maxsize=4096)
def _coordinate(text: str) -> tuple[int, int]:
    """(row, column) of ``B4`` (worksheets repeat the same few hundred)."""
    return coordinate_to_tuple(text)


def _cast_number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class XlsxWorksheet:
    """One worksheet: its title, state and names, and its cells once first asked for.

    Attributes:
        title: the worksheet's name.
        state: ``visible``, ``hidden`` or ``veryHidden``.
        names: names scoped to this worksheet, each to its formula text.
    """

    def __init__(self, book: XlsxBook, title: str, state: str, part: str) -> None:
        self.title = title
        self.state = state
        self.names: dict[str, str] = {}
        self._book = book
        self._part = part
        self._values: dict[tuple[int, int], Any] | None = None
        self._styles: dict[tuple[int, int], int] = {}
        self._merged: list[tuple[int, int, int, int]] = []

    def _cells(self) -> dict[tuple[int, int], Any]:
        if self._values is None:
            with _refusing(self._book.what):
                self._load()
        assert self._values is not None
        return self._values

    def _load(self) -> None:
        book = self._book
        root = _parse(book.archive.read(self._part))
        merged: list[tuple[int, int, int, int]] = []
        for element in root.iter(_MAIN + "mergeCell"):
            ref = element.get("ref")
            if ref:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
                if None in (min_col, min_row, max_col, max_row):
                    raise ValueError(f"merged range {ref}")
                merged.append((min_row, min_col, max_row, max_col))
        book.count_merged(merged)
        values: dict[tuple[int, int], Any] = {}
        styles: dict[tuple[int, int], int] = {}
        data = root.find(_MAIN + "sheetData")
        row_number = 0
        for row in () if data is None else data.iter(_MAIN + "row"):
            number = row.get("r")
            if number is None:
                row_number += 1
            else:
                try:
                    row_number = int(number)
                except ValueError:
                    real = float(number)
                    if not real.is_integer():
                        raise
                    row_number = int(real)
            column_number = 0
            for cell in row:
                coordinate = cell.get("r")
                if coordinate:
                    row_at, column_number = _coordinate(coordinate)
                else:
                    column_number += 1
                    row_at = row_number
                if cell.tag != _C:
                    continue
                value = book.cell_value(cell)
                if value is not None:
                    values[row_at, column_number] = value
                    style = cell.get("s")
                    if style:
                        styles[row_at, column_number] = int(style)
                else:
                    values.pop((row_at, column_number), None)
        # The cells of a merged range other than its top-left one read as
        # empty, as openpyxl makes them.
        for min_row, min_col, max_row, max_col in merged:
            for row_at in range(min_row, max_row + 1):
                for column_at in range(min_col, max_col + 1):
                    if (row_at, column_at) != (min_row, min_col):
                        values.pop((row_at, column_at), None)
        self._values, self._styles, self._merged = values, styles, merged

    def value(self, row: int, column: int) -> Any:
        """The value of a cell (None when empty), as openpyxl reads it with ``data_only``."""
        return self._cells().get((row, column))

    def number_format(self, row: int, column: int) -> str:
        """The number format of a cell holding a value (``General`` for the others)."""
        self._cells()
        return self._book.format_of(self._styles.get((row, column), 0))

    def merged_anchor(self, row: int, column: int) -> tuple[int, int]:
        """The top-left cell of the merged range holding (row, column), or the cell itself."""
        self._cells()
        for min_row, min_col, max_row, max_col in self._merged:
            if min_row <= row <= max_row and min_col <= column <= max_col:
                return min_row, min_col
        return row, column

    def max_row(self) -> int:
        """The last row holding a value (0 when none)."""
        return max((row for row, _ in self._cells()), default=0)


class XlsxBook:
    """A workbook's worksheets and names, its cells read as they are asked for.

    Attributes:
        worksheets: the worksheets in the workbook's order (chartsheets left out).
        names: the workbook-scoped names, each to its formula text.
        what: the file as messages name it (``ファイル``).
    """

    def __init__(self, data: bytes, what: str) -> None:
        self.what = what
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.worksheets: list[XlsxWorksheet] = []
        self.names: dict[str, str] = {}
        self._epoch = CALENDAR_WINDOWS_1900
        self._formats: list[str] = []
        self._date_styles: set[int] = set()
        self._timedelta_styles: set[int] = set()
        self._strings: list[Element] | None = None
        self._string_cache: dict[int, str] = {}
        self._strings_part: str | None = None
        self._merged_cells = 0
        with _refusing(what):
            self._read_package()

    @property
    def sheetnames(self) -> list[str]:
        """The worksheets' titles, in order."""
        return [ws.title for ws in self.worksheets]

    def worksheet(self, title: str) -> XlsxWorksheet | None:
        """The worksheet of a title (exactly), or None."""
        return next((ws for ws in self.worksheets if ws.title == title), None)

    def _read_package(self) -> None:
        members = set(self.archive.namelist())
        types = _parse(self.archive.read("[Content_Types].xml"))
        workbook_part = "xl/workbook.xml"
        for override in types.iter(_TYPES + "Override"):
            content_type = override.get("ContentType")
            part = (override.get("PartName") or "").lstrip("/")
            if content_type in _WORKBOOK_TYPES:
                workbook_part = part
            elif content_type == _SHARED_STRINGS_TYPE:
                self._strings_part = part
        workbook = _parse(self.archive.read(workbook_part))
        properties = workbook.find(_MAIN + "workbookPr")
        if properties is not None and properties.get("date1904") in ("1", "true"):
            self._epoch = CALENDAR_MAC_1904
        targets = self._relationships(workbook_part, members)
        loaded: list[XlsxWorksheet | None] = []  # chartsheets as None, for localSheetId
        sheets = workbook.find(_MAIN + "sheets")
        for sheet in () if sheets is None else sheets.iter(_MAIN + "sheet"):
            rel_id = sheet.get(_DOC_REL + "id")
            if not rel_id:
                continue
            target, kind = targets[rel_id]
            if target not in members:
                continue
            if "chartsheet" in kind:
                loaded.append(None)
                continue
            worksheet = XlsxWorksheet(
                self, sheet.get("name") or "", sheet.get("state") or "visible", target
            )
            loaded.append(worksheet)
            self.worksheets.append(worksheet)
        names = workbook.find(_MAIN + "definedNames")
        for defn in () if names is None else names.iter(_MAIN + "definedName"):
            name = defn.get("name") or ""
            scope = defn.get("localSheetId")
            if scope is None:
                if name not in ("_xlnm.Print_Titles", "_xlnm.Print_Area", "_xlnm._FilterDatabase"):
                    self.names[name] = defn.text or ""
                continue
            index = int(scope)
            if 0 <= index < len(loaded):
                owner = loaded[index]
                if owner is not None and not name.lower().startswith("_xlnm."):
                    owner.names[name] = defn.text or ""
        if _STYLES_PART in members:
            self._read_styles(_parse(self.archive.read(_STYLES_PART)))

    def _relationships(self, part: str, members: set[str]) -> dict[str, tuple[str, str]]:
        """Each relationship id of a part to (target part, type), as openpyxl resolves them."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", f"{name}.rels")
        found: dict[str, tuple[str, str]] = {}
        if rels_part not in members:
            return found
        for rel in _parse(self.archive.read(rels_part)).iter(_PKG_REL + "Relationship"):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") != "External":
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
            found[rel.get("Id") or ""] = (target, rel.get("Type") or "")
        return found

    def _read_styles(self, root: Element) -> None:
        custom: dict[int, str] = {}
        formats = root.find(_MAIN + "numFmts")
        for fmt in () if formats is None else formats.iter(_MAIN + "numFmt"):
            custom[int(fmt.get("numFmtId") or 0)] = fmt.get("formatCode") or ""
        xfs = root.find(_MAIN + "cellXfs")
        for index, xf in enumerate(() if xfs is None else xfs.iter(_MAIN + "xf")):
            number = int(xf.get("numFmtId") or 0)
            code = custom.get(number)
            if code is None:
                code = BUILTIN_FORMATS.get(number)
            if is_date_format(code):
                self._date_styles.add(index)
            if is_timedelta_format(code):
                self._timedelta_styles.add(index)
            self._formats.append("General" if code is None else code)

    def format_of(self, style: int) -> str:
        """The number format of a cell style (``General`` for an unknown one)."""
        return self._formats[style] if 0 <= style < len(self._formats) else "General"

    def count_merged(self, merged: list[tuple[int, int, int, int]]) -> None:
        """Refuse merged ranges covering more than ``MAX_MERGED_CELLS`` cells in all."""
        for min_row, min_col, max_row, max_col in merged:
            self._merged_cells += (abs(max_row - min_row) + 1) * (abs(max_col - min_col) + 1)
            if self._merged_cells > MAX_MERGED_CELLS:
                raise ExcelError(
                    f"{self.what}は結合したセルが多すぎるため読みません"
                    f"（{self._merged_cells:,}セル以上、上限 {MAX_MERGED_CELLS:,}セル）"
                )

    def shared_string(self, index: int) -> str:
        """The shared string of an index, as openpyxl reads it (``x005F_`` removed)."""
        text = self._string_cache.get(index)
        if text is not None:
            return text
        if self._strings is None:
            self._strings = []
            if self._strings_part is not None:
                root = _parse(self.archive.read(self._strings_part))
                self._strings = list(root.iter(_MAIN + "si"))
        if index < 0:
            raise IndexError(index)
        text = _text_content(self._strings[index]).replace("x005F_", "")
        self._string_cache[index] = text
        return text

    def cell_value(self, cell: Element) -> Any:
        """The value of a ``c`` element, as openpyxl's reader gives it with ``data_only``."""
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            child = cell.find(_IS)
            return None if child is None else _text_content(child)
        text = cell.findtext(_V, None) or None
        if text is None:
            return None
        if kind == "n":
            number = _cast_number(text)
            style = cell.get("s")
            index = int(style) if style else 0
            if index in self._date_styles:
                try:
                    return from_excel(
                        number, self._epoch, timedelta=index in self._timedelta_styles
                    )
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.shared_string(int(text))
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text


def open_untrusted(source: Path | BinaryIO, what: str, budget: Budget | None = None) -> XlsxBook:
    """Check a workbook (within ``budget`` when given) and open it for reading its cells.

    Raises:
        ExcelError: the file is not a readable, safe xlsx workbook.
        OSError: a path cannot be read.
    """
    return XlsxBook(checked_package(source, what, budget), what)
