"""Sheet worksheets written from one serialised form instead of one copied worksheet each.

Copying the template worksheet for every sheet (``Workbook.copy_worksheet``
re-copies and re-hashes every cell's style, and merging the value table
re-applies the borders of the merged cells) and serialising each copy cell by
cell took most of an export's time. :class:`FormSheets` copies the form
once for each shape of the value table (how many columns 目標値 spans),
serialises that copy once with openpyxl, and writes each sheet's worksheet
XML from it: the cells the export fills are recorded by running the same
filling code (``excel_writer``'s) against a stand-in of the worksheet, and
written as openpyxl writes them; every other cell, the row heights the
text boxes need, and the rest of the worksheet (views, page setup, merged
ranges, print settings) are the form's own. The worksheet itself in the
workbook is an empty placeholder carrying the title, the names and the
print area and titles (kept in the workbook part); :func:`save_workbook`
writes the prepared XML in its place.

A template whose form holds what lives outside the worksheet part
(hyperlinks, comments, images, charts, tables) is not written this way:
:meth:`FormSheets.make` returns None and the export copies the worksheet
as before.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from copy import copy
from typing import Any, BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl.compat import safe_string
from openpyxl.packaging.relationship import RelationshipList
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

#: The attribute of a placeholder worksheet holding its prepared XML.
_XML_ATTRIBUTE = "_kpidesk_xml"
_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?(?:/>|>.*?</c>)', re.DOTALL)
_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*</sheetData>", re.DOTALL)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


class _Cell:
    """What the filling code writes to one cell, with the form cell's styles to read."""

    def __init__(self, form: Any) -> None:
        self._form = form
        self._value: Any = None
        self.data_type = "n"
        self.quotePrefix = False
        self.number_format: str | None = None
        self.written = False

    @property
    def value(self) -> Any:
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        self._value = value
        self.written = True

    @property
    def alignment(self) -> Any:
        return self._form.alignment

    @property
    def font(self) -> Any:
        return self._form.font


class _StandIn:
    """The form worksheet as the filling code sees it: cells are recorded, not changed.

    Row heights set by ``excel_fit.fit_height`` go to the form worksheet and
    are undone by :meth:`FormSheets.render` once read.
    """

    def __init__(self, form: Worksheet) -> None:
        self._form = form
        self.cells: dict[tuple[int, int], _Cell] = {}

    def cell(self, row: int, column: int) -> _Cell:
        found = self.cells.get((row, column))
        if found is None:
            found = self.cells[row, column] = _Cell(self._form.cell(row, column))
        return found

    def merge_cells(self, **_: int) -> None:
        """The form of this shape is merged already."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._form, name)


class _Shape:
    """The form of one table shape, serialised once."""

    def __init__(
        self, ws: Worksheet, head: bytes, tail: bytes, cells: dict[tuple[int, int], bytes]
    ):
        self.ws = ws
        self.head = head
        self.tail = tail
        self.cells = cells


class FormSheets:
    """Sheet worksheets written from the form (see the module's docstring)."""

    def __init__(
        self,
        wb: Workbook,
        copy_form: Callable[[str], Worksheet],
        shape_of: Callable[[Any], int],
        prepare: Callable[[Any, int], None],
    ) -> None:
        self._wb = wb
        self._copy_form = copy_form
        self._shape_of = shape_of
        self._prepare = prepare
        self._shapes: dict[int, _Shape | None] = {}
        self._styles: dict[tuple[bytes, str | None, bool], tuple[bool, int]] = {}
        self._row_tags: dict[tuple[int, float | None], str] = {}

    @staticmethod
    def usable(ws: Worksheet) -> bool:
        """Whether a form copy keeps nothing outside its worksheet part."""
        return not (
            ws._images
            or ws._charts
            or ws._tables
            or ws._pivots
            or ws.legacy_drawing is not None
            or any(c.hyperlink is not None or c.comment is not None for c in ws._cells.values())
        )

    def _shape(self, key: int) -> _Shape | None:
        if key not in self._shapes:
            ws = self._copy_form(f"__kpidesk_form_{key}__")
            self._prepare(ws, key)
            shape = self._serialise(ws)
            if shape is None:
                self._wb.remove(ws)
            self._shapes[key] = shape
        return self._shapes[key]

    def _serialise(self, ws: Worksheet) -> _Shape | None:
        if not self.usable(ws):
            return None
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        xml = writer.read()
        if writer._rels or ws._hyperlinks or ws._comments:
            return None
        data = _SHEET_DATA.search(xml)
        if data is None:
            return None
        cells = {
            (int(match.group(2)), _column(match.group(1).decode())): match.group(0)
            for match in _CELL.finditer(data.group(0))
        }
        return _Shape(ws, xml[: data.start()], xml[data.end() :], cells)

    def remove_forms(self) -> None:
        """Take the serialised forms out of the workbook."""
        for shape in self._shapes.values():
            if shape is not None:
                self._wb.remove(shape.ws)

    def render(self, target: Worksheet, sheet: Any, fill: Callable[[Any, Any], None]) -> bool:
        """Prepare ``target``'s XML for ``sheet`` (False: the form cannot be used)."""
        shape = self._shape(self._shape_of(sheet))
        if shape is None:
            return False
        form = shape.ws
        heights = {row: dim.height for row, dim in form.row_dimensions.items()}
        stand_in = _StandIn(form)
        try:
            fill(stand_in, sheet)
            rows = {row: dim.height for row, dim in form.row_dimensions.items()}
        finally:
            for row in list(form.row_dimensions):
                if row not in heights:
                    del form.row_dimensions[row]
                else:
                    form.row_dimensions[row].height = heights[row]
        cells = dict(shape.cells)
        for (row, column), cell in stand_in.cells.items():
            if not cell.written and cell.number_format is None and not cell.quotePrefix:
                continue
            written = self._cell_xml(form, row, column, cell)
            if written is None:
                cells.pop((row, column), None)
            else:
                cells[row, column] = written
        by_row: dict[int, list[bytes]] = {row: [] for row in rows}
        for key in sorted(cells):
            by_row.setdefault(key[0], []).append(cells[key])
        parts = [shape.head, b"<sheetData>"]
        for row in sorted(by_row):
            parts.append(self._row_tag(form, row, rows.get(row)).encode())
            parts.extend(by_row[row])
            parts.append(b"</row>")
        parts += [b"</sheetData>", shape.tail]
        setattr(target, _XML_ATTRIBUTE, b"".join(parts))
        return True

    def _row_tag(self, form: Worksheet, row: int, height: float | None) -> str:
        key = (row, height)
        tag = self._row_tags.get(key)
        if tag is None:
            attributes = {"r": str(row)}
            dimension = form.row_dimensions.get(row)
            if dimension is not None:
                saved = dimension.height
                dimension.height = height
                attributes.update(dict(dimension))
                dimension.height = saved
            tag = "<row" + "".join(f' {k}="{_attribute(v)}"' for k, v in attributes.items()) + ">"
            self._row_tags[key] = tag
        return tag

    def _cell_xml(self, form: Worksheet, row: int, column: int, cell: _Cell) -> bytes | None:
        """A filled cell as openpyxl writes it (None: an empty cell without a style)."""
        base = form._cells.get((row, column))
        base_array = None if base is None else base._style
        base_style = b"" if base_array is None else base_array.tobytes()
        key = (base_style, cell.number_format, bool(cell.quotePrefix))
        found = self._styles.get(key)
        if found is None:
            style = StyleArray() if base_array is None else copy(base_array)
            if cell.number_format is not None:
                fmt = cell.number_format
                if fmt in BUILTIN_FORMATS_REVERSE:
                    style.numFmtId = BUILTIN_FORMATS_REVERSE[fmt]
                else:
                    style.numFmtId = self._wb._number_formats.add(fmt) + BUILTIN_FORMATS_MAX_SIZE
            if cell.quotePrefix:
                style.quotePrefix = True
            found = self._styles[key] = (any(style), self._wb._cell_styles.add(style))
        styled, style_id = found
        value = cell.value
        if value is None and not styled:
            return None
        head = f'<c r="{get_column_letter(column)}{row}"'
        if styled:
            head += f' s="{style_id}"'
        if value is None:
            return f'{head} t="n"/>'.encode()
        if isinstance(value, str):
            stripped = value.strip()
            space = ' xml:space="preserve"' if stripped and stripped != value else ""
            return f'{head} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'.encode()
        return f'{head} t="n"><v>{safe_string(value)}</v></c>'.encode()


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


class _Writer(ExcelWriter):
    """openpyxl's writer, writing a placeholder worksheet's prepared XML."""

    def write_worksheet(self, ws: Worksheet) -> None:
        xml = getattr(ws, _XML_ATTRIBUTE, None)
        if xml is None:
            super().write_worksheet(ws)
            return
        ws._drawing = None
        ws._rels = RelationshipList()
        self._archive.writestr(ws.path[1:], xml)
        self.manifest.append(ws)


def save_workbook(wb: Workbook, stream: BinaryIO) -> None:
    """``Workbook.save`` to a stream, with the worksheets :class:`FormSheets` prepared."""
    archive = ZipFile(stream, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    _Writer(wb, archive).save()
