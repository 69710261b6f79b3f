"""The fast Excel paths: worksheets written from one serialised form, and workbooks
read from their XML, give what the copied worksheets and openpyxl's loading gave."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest

from kpidesk import samples
from kpidesk.exchange import excel_reader, excel_writer, handout_workbook, jsonio
from kpidesk.exchange.xlsx_cells import open_untrusted
from kpidesk.exchange.xlsx_form import FormSheets
from kpidesk.exchange.xlsx_safety import MAX_WORKSHEET_BYTES, ExcelError
from kpidesk.model import Cell, Sheet
from tests.kpidesk.exchange.test_excel import restyled_template


@pytest.fixture(scope="module")
def sheets() -> list[Sheet]:
    """The 15 samples, plus one with marks, formula-like text and a carriage return."""
    found = samples.sample_sheets()
    odd = dataclasses.replace(
        found[0],
        no="900",
        title="=SUM(A1)　先頭が等号\r改行",
        efforts=["  前後に空白  ", "<b>&amp;</b>", "_x000D_ そのまま"],
    )
    odd.rows[0].actuals[0] = Cell("△1,417")
    return [*found, odd]


def export(sheets: list[Sheet], *, slow: bool, template: Path | None = None) -> bytes:
    stream = io.BytesIO()
    if slow:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(FormSheets, "render", lambda *args: False)
            excel_writer.export_workbook(sheets, stream, template=template)
    else:
        excel_writer.export_workbook(sheets, stream, template=template)
    return stream.getvalue()


def _style(cell: Any) -> tuple[Any, ...]:
    return (
        cell.number_format,
        repr(cell.font),
        repr(cell.border),
        repr(cell.fill),
        repr(cell.alignment),
        repr(cell.protection),
        cell.quotePrefix,
    )


def _xml(item: Any) -> bytes:
    return b"" if item is None else ElementTree.tostring(item.to_tree())


def _worksheet_facts(ws: Any) -> dict[str, Any]:
    cells = {
        key: (cell.value, cell.data_type, _style(cell))
        for key, cell in ws._cells.items()
        if cell.value is not None or cell.has_style
    }
    return {
        "cells": cells,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "rows": {r: (d.height, d.customHeight) for r, d in ws.row_dimensions.items()},
        "columns": {c: (d.width, d.hidden) for c, d in ws.column_dimensions.items()},
        "print": (ws.print_area, ws.print_title_rows, ws.print_title_cols, ws.sheet_state),
        "setup": [
            _xml(item)
            for item in (
                ws.page_setup,
                ws.page_margins,
                ws.print_options,
                ws.HeaderFooter,
                ws.views,
                ws.sheet_format,
                ws.sheet_properties,
                ws.data_validations,
            )
        ],
        "names": {n: d.value for n, d in ws.defined_names.items()},
    }


@pytest.mark.parametrize("template", [None, "restyled"])
def test_worksheets_written_from_the_form_equal_copied_ones_cell_by_cell(
    sheets: list[Sheet], template: str | None, tmp_path: Path
) -> None:
    path = None if template is None else restyled_template(tmp_path / "restyled.xlsx")
    fast = openpyxl.load_workbook(io.BytesIO(export(sheets, slow=False, template=path)))
    slow = openpyxl.load_workbook(io.BytesIO(export(sheets, slow=True, template=path)))
    assert fast.sheetnames == slow.sheetnames
    assert len(fast.sheetnames) == len(sheets) + 1
    assert {n: d.value for n, d in fast.defined_names.items()} == {
        n: d.value for n, d in slow.defined_names.items()
    }
    for title in fast.sheetnames:
        assert _worksheet_facts(fast[title]) == _worksheet_facts(slow[title]), title


def test_the_form_is_not_used_when_it_holds_links() -> None:
    """A form with a hyperlink (kept: it leads to a web page) is copied as before."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "x"
    assert FormSheets.usable(ws)
    ws["A1"].hyperlink = "https://www.pref.example.jp/"
    assert not FormSheets.usable(ws)


def test_every_sample_comes_back_through_the_fast_paths(sheets: list[Sheet]) -> None:
    back = excel_reader.read_workbook(io.BytesIO(export(sheets, slow=False)))
    assert [jsonio.dumps([s]) for s in back] == [
        jsonio.dumps([s]) for s in sorted(sheets, key=lambda s: int(s.no))
    ]


def test_the_reader_sees_the_values_openpyxl_loads(sheets: list[Sheet]) -> None:
    data = export(sheets, slow=False)
    loaded = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    opened = open_untrusted(io.BytesIO(data), "ファイル")
    assert opened.sheetnames == loaded.sheetnames
    for ws in loaded.worksheets:
        mine = opened.worksheet(ws.title)
        assert mine is not None
        for (row, column), cell in ws._cells.items():
            assert mine.value(row, column) == cell.value, (ws.title, cell.coordinate)
            if cell.value is not None:
                assert mine.number_format(row, column) == cell.number_format


# Workbooks changed part by part, as a hostile or hand-made file could be.


@pytest.fixture(scope="module")
def one_sheet() -> bytes:
    return export(samples.sample_sheets()[:1], slow=False)


def rewrite(data: bytes, part: str, change: Any) -> io.BytesIO:
    """The workbook with one part replaced by ``change(old bytes)`` (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        for name in names:
            content = source.read(name)
            target.writestr(name, change(content) if name == part else content)
        if part not in names:
            target.writestr(part, change(b""))
    out.seek(0)
    return out


SHEET = "xl/worksheets/sheet2.xml"  # No9 (sheet1 is 一覧)


def test_a_doctype_or_entities_in_a_worksheet_are_refused(one_sheet: bytes) -> None:
    for prolog in (
        b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaa">]>',
        b"<!DOCTYPE worksheet>",
    ):
        stream = rewrite(one_sheet, SHEET, lambda xml, p=prolog: p + xml)
        with pytest.raises(ExcelError, match="安全でない内容"):
            excel_reader.read_workbook(stream)


def test_a_huge_worksheet_part_is_refused_before_parsing(one_sheet: bytes) -> None:
    def pad(xml: bytes) -> bytes:
        return xml.replace(b"<sheetData>", b"<sheetData>" + b" " * MAX_WORKSHEET_BYTES, 1)

    with pytest.raises(ExcelError, match="大きすぎる"):
        excel_reader.read_workbook(rewrite(one_sheet, SHEET, pad))


def test_deeply_nested_xml_is_a_refusal_not_a_crash(one_sheet: bytes) -> None:
    depth = 200_000
    nested = b"<x>" * depth + b"</x>" * depth

    def nest(xml: bytes) -> bytes:
        return re.sub(
            rb"<sheetData>.*</sheetData>",
            b"<sheetData>" + nested + b"</sheetData>",
            xml,
            flags=re.DOTALL,
        )

    with pytest.raises(ExcelError, match="KPI分析シートの形ではありません"):
        excel_reader.read_workbook(rewrite(one_sheet, SHEET, nest))


def test_names_pointing_to_a_missing_sheet_or_outside_the_grid_are_not_used(
    one_sheet: bytes,
) -> None:
    def point_away(xml: bytes) -> bytes:
        xml = xml.replace(b"'No9'!$B$4", b"'Nowhere'!$B$4")
        return xml.replace(b"'No9'!$B$5", b"'No9'!$ZZZZ$99999999")

    with pytest.raises(ExcelError, match="名前 KPI_NO がありません"):
        excel_reader.read_workbook(rewrite(one_sheet, "xl/workbook.xml", point_away))


def _set_cell(xml: bytes, coordinate: bytes, replacement: bytes) -> bytes:
    pattern = rb'<c r="' + coordinate + rb'"[^>]*?(?:/>|>.*?</c>)'
    assert re.search(pattern, xml, re.DOTALL)
    return re.sub(pattern, replacement, xml, count=1, flags=re.DOTALL)


def test_shared_strings_inline_strings_and_cached_formula_values_are_read(
    one_sheet: bytes,
) -> None:
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<si><r><t>刑法犯</t></r><r><t>認知件数</t></r>"
        '<rPh sb="0" eb="1"><t>ケイホウハン</t></rPh></si></sst>'.encode()
    )
    types = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'  # noqa: E501
    data = rewrite(one_sheet, "xl/sharedStrings.xml", lambda _: strings).getvalue()
    data = rewrite(
        data, "[Content_Types].xml", lambda xml: xml.replace(b"</Types>", types + b"</Types>")
    ).getvalue()

    def cells(xml: bytes) -> bytes:
        xml = _set_cell(xml, b"B5", b'<c r="B5" t="s"><v>0</v></c>')
        xml = _set_cell(xml, b"D4", '<c r="D4" t="inlineStr"><is><t>港湾課</t></is></c>'.encode())
        return _set_cell(xml, b"B4", b'<c r="B4"><f>3*3</f><v>9</v></c>')

    [sheet] = excel_reader.read_workbook(rewrite(data, SHEET, cells))
    assert (sheet.title, sheet.departments, sheet.no) == ("刑法犯認知件数", ["港湾課"], "9")

    def out_of_range(xml: bytes) -> bytes:
        return _set_cell(xml, b"B5", b'<c r="B5" t="s"><v>7</v></c>')

    with pytest.raises(ExcelError, match="読めません"):
        excel_reader.read_workbook(rewrite(data, SHEET, out_of_range))


def test_merged_ranges_parsed_from_the_worksheet_are_bounded(one_sheet: bytes) -> None:
    """A merged range the zip check's pattern misses (single quotes) is still counted."""

    def huge(xml: bytes) -> bytes:
        return xml.replace(b"</mergeCells>", b"<mergeCell ref='A100:XFD1048576'/></mergeCells>")

    with pytest.raises(ExcelError, match="結合したセルが多すぎる"):
        excel_reader.read_workbook(rewrite(one_sheet, SHEET, huge))


def test_a_handed_out_workbook_keeps_its_mark_through_the_fast_paths() -> None:
    stream = io.BytesIO()
    sheets = samples.sample_sheets()[:2]
    handout_workbook.write_handout_workbook(sheets, stream, '{"mark": "配布"}')
    stream.seek(0)
    mark, back = handout_workbook.read_handout_workbook(stream)
    assert mark == '{"mark": "配布"}'
    assert [s.no for s in back] == [s.no for s in sorted(sheets, key=lambda s: int(s.no))]
