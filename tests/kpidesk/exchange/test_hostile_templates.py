"""Templates made to hurt: too big to copy onto every sheet, or carrying dangerous links."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpidesk import samples
from kpidesk.exchange import excel_template, excel_writer
from kpidesk.model import Sheet
from tests.kpidesk.test_linear_patterns import watchdog


@pytest.fixture(scope="module")
def sample_sheets() -> list[Sheet]:
    return samples.sample_sheets()


def padded_template(path: Path, cells: int) -> Path:
    """The default template with ``cells`` filled cells outside the form."""
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb.worksheets[0]
    for i in range(cells):
        ws.cell(row=100 + i // 50, column=30 + i % 50, value=1)
    wb.save(path)
    return path


def test_the_bundled_template_is_far_within_the_bounds() -> None:
    ws = excel_template.load_template(None).worksheet
    assert len(ws._cells) * 10 < excel_template.MAX_TEMPLATE_CELLS
    assert (
        len(ws.row_dimensions) + len(ws.column_dimensions)
    ) * 10 < excel_template.MAX_TEMPLATE_ROWS_AND_COLUMNS


def test_a_template_with_tens_of_thousands_of_cells_is_refused_at_once(
    tmp_path: Path, sample_sheets: list[Sheet]
) -> None:
    # 120,000 cells (a worksheet part of 3.8 MB, within the part limit) made
    # the export of the 15 sample sheets take 35 s and 490 MB; 500 sheets, 20 min.
    template = padded_template(tmp_path / "big.xlsx", 30_000)
    with watchdog(), pytest.raises(excel_template.TemplateError) as refused:
        excel_writer.export_workbook(sample_sheets, io.BytesIO(), template=template)
    message = str(refused.value)
    assert "値や書式のあるセルが多すぎるため使えません" in message
    assert f"上限 {excel_template.MAX_TEMPLATE_CELLS:,}個" in message
    assert str(template) in message


def test_a_template_with_some_cells_outside_the_form_is_still_used(
    tmp_path: Path, sample_sheets: list[Sheet]
) -> None:
    template = padded_template(tmp_path / "notes.xlsx", 1_000)
    stream = io.BytesIO()
    assert excel_writer.export_workbook(sample_sheets[:2], stream, template=template) == 2


def test_a_template_with_thousands_of_row_settings_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb.worksheets[0]
    for row in range(100, 100 + excel_template.MAX_TEMPLATE_ROWS_AND_COLUMNS + 1):
        ws.row_dimensions[row].height = 20
    wb.save(tmp_path / "rows.xlsx")
    with pytest.raises(excel_template.TemplateError, match="行と列が多すぎるため使えません"):
        excel_template.check_template(tmp_path / "rows.xlsx")


def test_a_template_with_thousands_of_merged_ranges_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb.worksheets[0]
    for row in range(100, 100 + excel_template.MAX_TEMPLATE_RANGES + 1):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    wb.save(tmp_path / "merged.xlsx")
    with pytest.raises(excel_template.TemplateError, match="セルの結合・条件付き書式・入力規則"):
        excel_template.check_template(tmp_path / "merged.xlsx")


def test_a_template_with_thousands_of_names_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb.worksheets[0]
    for i in range(excel_template.MAX_TEMPLATE_NAMES):
        ws.defined_names[f"EXTRA_{i}"] = openpyxl.workbook.defined_name.DefinedName(
            f"EXTRA_{i}", attr_text=f"'{ws.title}'!$Z${i + 1}"
        )
    wb.save(tmp_path / "names.xlsx")
    with pytest.raises(excel_template.TemplateError, match="名前（名前の管理）が多すぎる"):
        excel_template.check_template(tmp_path / "names.xlsx")


def test_links_to_files_and_programs_are_not_copied_to_every_sheet(
    tmp_path: Path, sample_sheets: list[Sheet]
) -> None:
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb.worksheets[0]
    links = {
        "Z1": "file:///C:/Windows/System32/calc.exe",
        "Z2": "\\\\server\\share\\run.bat",
        "Z3": "..\\tools\\setup.exe",
        "Z4": "javascript:alert(1)",
        "Z5": "https://www.pref.example.jp/kpi",
        "Z6": "mailto:kikaku@pref.example.jp",
    }
    for coordinate, target in links.items():
        ws[coordinate] = "詳細"
        ws[coordinate].hyperlink = target
    wb.save(tmp_path / "links.xlsx")
    stream = io.BytesIO()
    excel_writer.export_workbook(sample_sheets[:2], stream, template=tmp_path / "links.xlsx")
    with zipfile.ZipFile(stream) as package:
        parts = "".join(
            package.read(name).decode("utf-8")
            for name in package.namelist()
            if name.endswith((".xml", ".rels"))
        )
    for dangerous in ("calc.exe", "run.bat", "setup.exe", "javascript:"):
        assert dangerous not in parts
    assert parts.count("https://www.pref.example.jp/kpi") == 2
    assert parts.count("mailto:kikaku@pref.example.jp") == 2
    out = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    assert out.worksheets[1]["Z1"].value == "詳細"  # the text stays, the link goes


def with_merged_range(path: Path, source: Path, ref: str) -> Path:
    """``source`` with one merged range ``ref`` written into its first worksheet's XML."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as target:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                cell = f'<mergeCell ref="{ref}"/>'.encode()
                if b"<mergeCells" in data:
                    start = data.index(b"<mergeCells")
                    end = data.index(b">", start) + 1
                    data = data[:end] + cell + data[end:]
                else:
                    block = b'<mergeCells count="1">' + cell + b"</mergeCells>"
                    data = data.replace(b"</sheetData>", b"</sheetData>" + block, 1)
            target.writestr(info, data)
    return path


@pytest.mark.parametrize("ref", ["AA100:AZ100000", "A1:XFD1048576"])
def test_a_tiny_workbook_with_a_huge_merged_range_is_refused_at_once(
    tmp_path: Path, sample_sheets: list[Sheet], ref: str
) -> None:
    from kpidesk.exchange import excel_reader
    from kpidesk.exchange.xlsx_safety import ExcelError

    exported = tmp_path / "exported.xlsx"
    excel_writer.export_workbook(sample_sheets[:1], exported)
    hostile = with_merged_range(tmp_path / "merged.xlsx", exported, ref)
    assert hostile.stat().st_size < 100_000
    template = with_merged_range(
        tmp_path / "template.xlsx", excel_template.default_template_path(), ref
    )
    with watchdog():  # openpyxl alone took 36 s and 780 MB, or all the memory
        with pytest.raises(ExcelError) as refused:
            excel_reader.read_workbook(hostile)
        assert "結合したセルが多すぎる" in str(refused.value)
        with pytest.raises(ExcelError) as refused:
            excel_template.load_template(template)
        assert "結合したセルが多すぎる" in str(refused.value)


@pytest.mark.parametrize("width", [1e308, -5.0])
def test_a_template_with_an_absurd_column_width_still_exports(
    tmp_path: Path, sample_sheets: list[Sheet], width: float
) -> None:
    from kpidesk.exchange import excel_reader

    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb.worksheets[0]
    for letter in "ABCDEFGHIJKLMN":
        ws.column_dimensions[letter].width = width
    ws.row_dimensions[5].height = width
    template = tmp_path / "wide.xlsx"
    wb.save(template)
    out = tmp_path / "out.xlsx"
    excel_writer.export_workbook(sample_sheets[:2], out, template=template)
    assert [sheet.no for sheet in excel_reader.read_workbook(out)] == ["9", "10"]


def test_a_template_with_many_worksheets_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    for number in range(excel_template.MAX_TEMPLATE_WORKSHEETS):
        wb.create_sheet(f"余分{number}")
    template = tmp_path / "many.xlsx"
    wb.save(template)
    with watchdog(), pytest.raises(excel_template.TemplateError) as refused:
        excel_template.load_template(template)
    assert "ワークシート" in str(refused.value)
