"""Excel: the template, export into it, reading workbooks back, and refusing bad files."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pdfplumber
import pytest
from openpyxl.styles import Font
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk import eras, file_names, fileio, samples
from kpidesk.exchange import (
    excel_fit,
    excel_reader,
    excel_template,
    excel_writer,
    jsonio,
    numformat,
    xlsx_safety,
)
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.ranking import LEGACY_SETTINGS
from tests.conftest import REPO, libreoffice_pdf, squash

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def sample_sheets() -> list[Sheet]:
    return samples.sample_sheets()


@pytest.fixture(scope="module")
def sample_book(sample_sheets: list[Sheet]) -> bytes:
    stream = io.BytesIO()
    assert excel_writer.export_workbook(sample_sheets, stream) == 15
    return stream.getvalue()


def export_bytes(sheets: list[Sheet], **kwargs: object) -> bytes:
    stream = io.BytesIO()
    excel_writer.export_workbook(sheets, stream, **kwargs)  # type: ignore[arg-type]
    return stream.getvalue()


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def named_cell(ws: Worksheet, name: str) -> Any:
    """The top-left cell behind a worksheet-scoped name."""
    (title, cells), *rest = list(ws.defined_names[name].destinations)
    assert rest == [] and title == ws.title
    return ws[cells.replace("$", "").split(":")[0]]


def by_no(sheets: list[Sheet], no: str) -> Sheet:
    return next(sheet for sheet in sheets if sheet.no == no)


def rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The same zip with some members' bytes replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, replace.pop(info.filename, source.read(info.filename)))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


# --- the template ----------------------------------------------------------------


def test_committed_template_is_what_the_script_makes() -> None:
    script = REPO / "resources" / "templates" / "make_template.py"
    spec = importlib.util.spec_from_file_location("make_template", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.template_bytes() == excel_template.default_template_path().read_bytes()


def test_template_has_every_name_where_the_defaults_say() -> None:
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    assert wb.sheetnames == ["様式"]
    names = {}
    for name, defn in wb.defined_names.items():
        ((title, cells),) = list(defn.destinations)
        assert title == "様式"
        names[name] = cells.replace("$", "").split(":")[0]
    assert names == excel_template.DEFAULT_POSITIONS
    assert set(excel_template.REQUIRED_NAMES) | set(excel_template.OPTIONAL_NAMES) == set(names)
    excel_template.check_template(excel_template.default_template_path())


def test_template_looks_like_the_paper_form() -> None:
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb["様式"]
    texts = {cell.value for row in ws.iter_rows() for cell in row if cell.value}
    assert {"<別記様式2>", "KPI分析シート", "No", "担当課", "KPI名", "項目", "単位"} <= texts
    assert {"取組状況", "課題等", "今後の方向性"} <= texts
    # Below the paper form: the source of the values and the reviewer's box.
    assert {"出典", "公表時期", "次回公表予定", "企画課・有識者意見"} <= texts
    assert ws["I1"].value == "<別記様式2>" and ws["I1"].alignment.horizontal == "right"
    # A4 portrait, one page wide and tall, print area set.
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
    assert ws.print_area == "'様式'!$A$1:$I$28"
    assert 0.3 <= ws.page_margins.left <= 0.8 and 0.3 <= ws.page_margins.top <= 0.8
    # One typeface everywhere, the default font included.
    fonts = {cell.font.name for row in ws.iter_rows() for cell in row}
    assert fonts == {"BIZ UDゴシック"}
    assert wb._fonts[0].name == "BIZ UDゴシック"
    # The boxes: merged across the table, wrapped, top-aligned, tall enough.
    merged = {str(r) for r in ws.merged_cells.ranges}
    for name in ("KPI_EFFORTS", "KPI_ISSUES", "KPI_DIRECTION", "KPI_OPINIONS"):
        cell = ws[excel_template.DEFAULT_POSITIONS[name]]
        assert f"{cell.coordinate}:I{cell.row}" in merged
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
        assert ws.row_dimensions[cell.row].height >= (60 if name == "KPI_OPINIONS" else 120)
    # The cells of the paper form stay where workbooks made before the new ones have them.
    assert [excel_template.DEFAULT_POSITIONS[name] for name in excel_template.REQUIRED_NAMES] == [
        "B4", "D4", "B5", "A7", "A16", "A19", "A22",
    ]  # fmt: skip
    for name in ("KPI_SOURCE", "KPI_PUBLISHED", "KPI_NEXT_RELEASE"):
        cell = ws[excel_template.DEFAULT_POSITIONS[name]]
        assert cell.row > 22 and cell.alignment.wrap_text
    # The value table: header row grey, six rows, thin borders.
    top = ws["A7"]
    assert top.value == "項目" and top.fill.fgColor.rgb.endswith(excel_template.HEADER_FILL)
    for row in range(7, 14):
        for column in "ABCDEFGHI":
            assert ws[f"{column}{row}"].border.left.style == "thin"


# --- bullets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bullets", "text"),
    [
        ([], ""),
        (["一つ目。", "二つ目。"], "・一つ目。\n・二つ目。"),
        (["段落の\n続き", ""], "・段落の\n続き\n・"),
        (["・で始まる"], "・・で始まる"),
    ],
)
def test_bullets_are_lines_starting_with_a_dot(bullets: list[str], text: str) -> None:
    assert excel_template.bullets_to_text(bullets) == text
    assert excel_template.text_to_bullets(text) == bullets


def test_lines_typed_without_a_dot_continue_the_bullet_before() -> None:
    assert excel_template.text_to_bullets("前書き\n・一つ目\n続き\n・二つ目") == [
        "前書き",
        "一つ目\n続き",
        "二つ目",
    ]
    # A carriage return is text (Excel's Alt+Enter is a line feed): kept as typed.
    assert excel_template.text_to_bullets("・一つ目\r\n続き\r") == ["一つ目\r\n続き\r"]


# --- export, read with openpyxl -----------------------------------------------------


def test_round_trip_of_the_samples_gives_the_same_json(
    sample_book: bytes, sample_sheets: list[Sheet]
) -> None:
    back = excel_reader.read_workbook(io.BytesIO(sample_book))
    assert len(back) == 15
    assert jsonio.dumps(back) == jsonio.dumps(sample_sheets)


def test_round_trip_from_a_file_path(tmp_path: Path, sample_book: bytes) -> None:
    path = tmp_path / "本.xlsx"
    path.write_bytes(sample_book)
    assert [sheet.no for sheet in excel_reader.read_workbook(path)][:3] == ["9", "10", "13"]


def test_worksheets_are_the_list_then_one_per_sheet(sample_book: bytes) -> None:
    wb = load(sample_book)
    nos = ["9", "10", "13", "14", "15", "16", "17", "18", "19", "20", "25", "26", "27", "28", "29"]
    assert wb.sheetnames == ["一覧", *(f"No{no}" for no in nos)]
    assert dict(wb.defined_names) == {}
    assert wb.active.title == "一覧"
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [True] + [False] * 15


def test_every_worksheet_has_its_own_names_and_print_settings(sample_book: bytes) -> None:
    wb = load(sample_book)
    for ws in wb.worksheets[1:]:
        assert set(ws.defined_names) == set(excel_template.REQUIRED_NAMES) | set(
            excel_template.OPTIONAL_NAMES
        )
        for name, defn in ws.defined_names.items():
            ((title, cells),) = list(defn.destinations)
            assert title == ws.title
            assert cells.replace("$", "").split(":")[0] == excel_template.DEFAULT_POSITIONS[name]
        assert ws.print_area == f"'{ws.title}'!$A$1:$I$28"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.orientation == "portrait"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
        assert ws.oddFooter.right.text == "&A"
        assert ws.sheet_view.showGridLines is False
        assert "A16:I16" in {str(r) for r in ws.merged_cells.ranges}


def test_cells_behind_the_names_hold_the_sheet(
    sample_book: bytes, sample_sheets: list[Sheet]
) -> None:
    wb = load(sample_book)
    no9 = wb["No9"]
    assert named_cell(no9, "KPI_NO").value == 9
    assert named_cell(no9, "KPI_TITLE").value == "刑法犯認知件数"
    assert named_cell(no9, "KPI_DEPARTMENTS").value == "生活安全企画課"
    assert named_cell(no9, "KPI_REPORT_YEAR").value == "令和2年度"
    assert named_cell(no9, "KPI_SECTION").value == "2 新型コロナウイルス感染症 を踏まえた対応"
    assert named_cell(wb["No28"], "KPI_DEPARTMENTS").value == "観光振興課、港湾課"
    for sheet in sample_sheets:
        ws = wb[f"No{sheet.no}"]
        for attribute, name, _ in excel_template.TEXT_BOXES:
            cell = named_cell(ws, name)
            lines = cell.value.split("\n")
            bullets = getattr(sheet, attribute)
            assert [line for line in lines if line.startswith("・")] == [f"・{b}" for b in bullets]
            assert cell.data_type == "s"


def test_value_table_numbers_are_numbers_words_are_text(sample_book: bytes) -> None:
    wb = load(sample_book)
    no9 = wb["No9"]
    table = named_cell(no9, "KPI_TABLE")
    header = [no9.cell(table.row, table.column + i).value for i in range(9)]
    assert header == ["項目", "単位", "戦略策定時実績値\n(R1)", "R2\n実績値", "R3\n実績値",
                      "R4\n実績値", "R5\n実績値", "目標値\n(R5)", None]  # fmt: skip
    row = [no9.cell(table.row + 1, table.column + i) for i in range(9)]
    assert [c.value for c in row] == [
        "単年",
        "件/年",
        6498,
        5081,
        None,
        None,
        None,
        "前年比減",
        None,
    ]
    assert (row[2].data_type, row[2].number_format) == ("n", "#,##0")
    assert isinstance(row[2].value, int)
    assert row[7].data_type == "s"

    no15 = wb["No15"]
    table = named_cell(no15, "KPI_TABLE")
    header = [no15.cell(table.row, table.column + i).value for i in range(2, 9)]
    assert header == ["戦略策定時実績値\n(H30)", "R1\n実績値", "R2\n実績値", "R3\n実績値",
                      "R4\n実績値", "R5\n実績値", "目標値\n(R5)"]  # fmt: skip
    values = [no15.cell(table.row + 1, table.column + i).value for i in range(2, 9)]
    assert values == [28461, 28467, "集計中", None, None, None, 30203]

    no25 = wb["No25"]
    cell = no25.cell(named_cell(no25, "KPI_TABLE").row + 1, 4)
    assert (cell.value, cell.number_format) == (77.6, "#,##0.0")
    # Rows the sheet does not use stay empty.
    assert all(no9.cell(9, column).value is None for column in range(1, 10))


def test_text_that_looks_like_a_formula_stays_text() -> None:
    base = samples.sample_sheets()[0]
    tricky = dataclasses.replace(
        base,
        title="=HYPERLINK(\"http://example.com\")",
        rows=[ValueRow(label="@home", unit="+5", baseline=Cell("-"), actuals=[Cell("=1+1"),
              Cell("+3"), Cell("-0"), Cell("６，４９８")], target=Cell("@x"))],
        efforts=["=SUM(A1)", "通常の文"],
    )  # fmt: skip
    data = export_bytes([tricky])
    ws = load(data)["No9"]
    for cell in (named_cell(ws, "KPI_TITLE"), ws["A8"], ws["B8"], ws["C8"], ws["D8"], ws["E8"],
                 ws["F8"], ws["H8"]):  # fmt: skip
        assert cell.data_type == "s", cell.coordinate
        assert cell.quotePrefix, cell.coordinate
    assert ws["G8"].value == 6498 and ws["G8"].data_type == "n"
    efforts = named_cell(ws, "KPI_EFFORTS")
    assert efforts.value == "・=SUM(A1)\n・通常の文" and efforts.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = [archive.read(n) for n in archive.namelist() if "worksheets/sheet" in n]
    assert not any(b"<f>" in xml for xml in sheet_xml)
    (back,) = excel_reader.read_workbook(io.BytesIO(data))
    assert back.rows[0].actuals[3].text == "6,498"
    assert dataclasses.replace(back, rows=tricky.rows) == tricky


@pytest.mark.parametrize(
    ("typed", "value", "shown"),
    [("１２３", 123, "123"), ("１，２３４．５", 1234.5, "1,234.5"),
     ("△１，４１７", -1417, "△1,417"), ("　６４９８ ", 6498, "6498")],
)  # fmt: skip
def test_full_width_digits_are_written_as_the_numbers_they_are(
    typed: str, value: float, shown: str
) -> None:
    base = samples.sample_sheets()[0]
    row = dataclasses.replace(base.rows[0], baseline=Cell(typed), actuals=[Cell("7,077（速報値）")])
    ws = load(export_bytes([dataclasses.replace(base, rows=[row])]))
    cell = ws["No9"]["C8"]
    assert (cell.value, cell.data_type) == (value, "n")
    assert numformat.cell_text(cell.value, cell.number_format) == shown
    assert ws["No9"]["D8"].value == "7,077（速報値）"  # a marked number stays as typed
    listed = ws["一覧"]
    assert listed.cell(3, 6).value == value


def test_the_list_has_one_line_per_value_row(sample_book: bytes, sample_sheets) -> None:
    ws = load(sample_book)["一覧"]
    header = [cell.value for cell in ws[2]]
    assert header == ["No", "担当課", "KPI名", "項目", "単位", "戦略策定時\n実績値",
                      "R1\n実績値", "R2\n実績値", "R3\n実績値", "R4\n実績値", "R5\n実績値",
                      "目標値", "期待値", "期待値に対する達成率", "評価"]  # fmt: skip
    assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith("EDEDED") for cell in ws[2])
    lines = [[cell.value for cell in row] for row in ws.iter_rows(min_row=3)]
    assert len(lines) == sum(len(sheet.rows) for sheet in sample_sheets)
    # A new book ranks by the 期待値: the list shows it and the rate the rank is read from.
    assert lines[0] == [9, "生活安全企画課", "刑法犯認知件数", "単年", "件/年", 6498, None, 5081,
                        None, None, None, "前年比減", None, "—", "A"]  # fmt: skip
    no14 = next(line for line in lines if line[0] == 14)
    assert no14[-4:] == [4000, 3568.75, 1.033, "A"]
    assert numformat.format_cell_number(ws["N8"].value, ws["N8"].number_format) == "103.3%"
    no15 = next(line for line in lines if line[0] == 15)
    assert no15[5:] == [28461, 28467, "集計中", None, None, None, 30203, 28809.4, 0.988, "B"]
    no16 = next(line for line in lines if line[0] == 16)
    assert no16[-3:] == [None, "—", "—"]
    # A book ranked against the final target shows 達成率 and 進捗率, as before.
    ws = load(export_bytes(sample_sheets, settings=LEGACY_SETTINGS))["一覧"]
    assert [cell.value for cell in ws[2]][-4:] == ["目標値", "達成率", "進捗率", "評価"]
    lines = [[cell.value for cell in row] for row in ws.iter_rows(min_row=3)]
    assert lines[0][-4:] == ["前年比減", 1.279, "—", "A"]
    no15 = next(line for line in lines if line[0] == 15)
    assert no15[-4:] == [30203, 0.943, 0.003, "B"]
    assert ws["A3"].hyperlink.location == "'No9'!A1"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$2" and ws.freeze_panes == "A3"


def test_the_list_names_the_report_year_when_several_are_exported(sample_sheets) -> None:
    next_year = [dataclasses.replace(s, report_year=2021) for s in sample_sheets[:2]]
    wb = load(export_bytes([*sample_sheets[:2], *next_year]))
    assert wb.sheetnames == ["一覧", "No9_R2", "No9_R3", "No10_R2", "No10_R3"]
    ws = wb["一覧"]
    assert ws["A2"].value == "年度" and ws["A3"].value == "令和2年度"
    assert "令和2年度・令和3年度" in ws["A1"].value
    back = excel_reader.read_workbook(io.BytesIO(export_bytes([*sample_sheets[:2], *next_year])))
    assert sorted(s.key for s in back) == [(2020, "10"), (2020, "9"), (2021, "10"), (2021, "9")]


def test_worksheet_titles_are_valid_and_unique() -> None:
    def sheet(no: str, year: int = 2020) -> Sheet:
        return Sheet(report_year=year, no=no)

    titles = excel_writer.worksheet_titles(
        [sheet("9"), sheet("9", 2021), sheet("a/b"), sheet("a?b"), sheet("x" * 40), sheet("X" * 40)]
    )
    assert titles[:4] == ["No9_R2", "No9_R3", "Noa_b", "Noa_b(2)"]
    assert titles[4] == "No" + "x" * 29 and titles[5] == "No" + "X" * 26 + "(2)"
    assert all(len(title) <= 31 for title in titles)


def test_long_text_makes_its_box_taller_but_never_past_excels_limit() -> None:
    base = samples.sample_sheets()[0]
    long = dataclasses.replace(base, efforts=["長い取組の説明です。" * 12] * 4, issues=["短い"])
    ws = load(export_bytes([long]))["No9"]
    assert ws.row_dimensions[16].height > 130
    assert ws.row_dimensions[19].height == 130
    huge = dataclasses.replace(base, efforts=["とても長い。" * 2000])
    ws = load(export_bytes([huge]))["No9"]
    assert ws.row_dimensions[16].height == excel_fit.MAX_ROW_HEIGHT


def test_progress_is_reported_and_can_abort(sample_sheets: list[Sheet]) -> None:
    calls: list[tuple[int, int]] = []
    excel_writer.export_workbook(
        sample_sheets[:3], io.BytesIO(), progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]

    def stop(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    stream = io.BytesIO()
    with pytest.raises(KeyboardInterrupt):
        excel_writer.export_workbook(sample_sheets[:3], stream, progress=stop)
    assert stream.getvalue() == b""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rows": [ValueRow(label=str(i)) for i in range(7)]}, "値の行が7行あります"),
        ({"actual_years": list(range(2019, 2025))}, "実績値の年度が6列あります"),
        ({"efforts": ["制御\x07文字"]}, "制御文字"),
        ({"title": "長" * 40000}, "長すぎて"),
    ],
)
def test_a_sheet_the_template_cannot_hold_is_refused_naming_it(
    change: dict[str, object], message: str
) -> None:
    sheet = dataclasses.replace(samples.sample_sheets()[1], **change)
    stream = io.BytesIO()
    with pytest.raises(xlsx_safety.ExcelError) as caught:
        excel_writer.export_workbook([samples.sample_sheets()[0], sheet], stream)
    assert message in str(caught.value) and "2020年度 No 10" in str(caught.value)
    assert stream.getvalue() == b""


def test_six_rows_and_five_years_fit(sample_sheets: list[Sheet]) -> None:
    years = [2019, 2020, 2021, 2022, 2023]
    rows = [
        ValueRow(f"行{i}", "件", Cell(f"{i},000"), [Cell(str(i))] * 5, Cell("△1.5"))
        for i in range(1, 7)
    ]
    full = dataclasses.replace(sample_sheets[0], baseline_year=2018, actual_years=years, rows=rows)
    (back,) = excel_reader.read_workbook(io.BytesIO(export_bytes([full])))
    assert back == full


# --- templates ---------------------------------------------------------------------------


def restyled_template(path: Path, *, drop: str | None = "KPI_SECTION") -> Path:
    """The default template moved 3 rows down and 2 columns right, KPI_NO far off to the
    right, another typeface, and optionally one name removed."""
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb["様式"]
    merged = [str(r) for r in ws.merged_cells.ranges]
    for coord in merged:
        ws.unmerge_cells(coord)
    ws.move_range("A1:I22", rows=3, cols=2)
    for coord in merged:
        moved = CellRange(coord)
        moved.shift(col_shift=2, row_shift=3)
        ws.merge_cells(moved.coord)
    for name in list(wb.defined_names):
        ((_, cells),) = list(wb.defined_names[name].destinations)
        moved = CellRange(cells.replace("$", ""))
        moved.shift(col_shift=2, row_shift=3)
        wb.defined_names[name].attr_text = f"'様式'!{moved.coord}"
    wb.defined_names["KPI_NO"].attr_text = "'様式'!$N$2"
    if drop:
        del wb.defined_names[drop]
    for row in ws.iter_rows():
        for cell in row:
            cell.font = Font(name="游明朝", size=(cell.font.sz or 10) + 1, italic=True)
    ws.print_area = "A1:N25"
    wb.save(path)
    return path


def test_a_restyled_template_is_filled_and_read_back(
    tmp_path: Path, sample_sheets: list[Sheet]
) -> None:
    template = restyled_template(tmp_path / "restyled.xlsx")
    excel_template.check_template(template)
    data = export_bytes(sample_sheets, template=template)
    wb = load(data)
    ws = wb["No28"]
    assert ws["N2"].value == 28
    assert ws["D8"].value == "クルーズ船寄港数"  # KPI_TITLE was B5
    assert ws["F7"].value == "観光振興課、港湾課"
    assert ws["C10"].value == "項目" and ws["E10"].value == "戦略策定時実績値\n(R1)"
    assert ws["E11"].value == 19 and ws["C11"].value == "単年"
    assert ws["C19"].value.startswith("・新型コロナウイルス感染症の感染状況に留意しながら")
    assert ws["C19"].font.name == "游明朝" and ws["C19"].font.italic
    assert "KPI_SECTION" not in ws.defined_names
    assert ws.print_area == "'No28'!$A$1:$N$25"
    back = excel_reader.read_workbook(io.BytesIO(data))
    expected = [dataclasses.replace(sheet, section="") for sheet in sample_sheets]
    assert jsonio.dumps(back) == jsonio.dumps(expected)


def test_names_scoped_to_the_template_worksheet_work_too(
    tmp_path: Path, sample_sheets: list[Sheet]
) -> None:
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    ws = wb["様式"]
    ws.title = "No9"  # the same title as a worksheet the export makes
    for name in list(wb.defined_names):
        defn = wb.defined_names[name]
        defn.attr_text = defn.attr_text.replace("'様式'", "No9")
        ws.defined_names[name] = defn
        del wb.defined_names[name]
    path = tmp_path / "scoped.xlsx"
    wb.save(path)
    data = export_bytes(sample_sheets[:2], template=path)
    assert load(data).sheetnames == ["一覧", "No9", "No10"]
    assert jsonio.dumps(excel_reader.read_workbook(io.BytesIO(data))) == jsonio.dumps(
        sample_sheets[:2]
    )


@pytest.mark.parametrize("name", [*excel_template.REQUIRED_NAMES])
def test_a_template_missing_a_required_name_is_refused_naming_it(tmp_path: Path, name: str) -> None:
    template = restyled_template(tmp_path / "t.xlsx", drop=name)
    with pytest.raises(excel_template.TemplateError) as caught:
        excel_template.check_template(template)
    assert str(caught.value) == f"テンプレートに名前 {name} がありません: {template}"
    with pytest.raises(excel_template.TemplateError):
        excel_writer.export_workbook(samples.sample_sheets()[:1], io.BytesIO(), template=template)


def test_bad_templates_are_refused_with_a_reason(tmp_path: Path) -> None:
    not_xlsx = tmp_path / "memo.xlsx"
    not_xlsx.write_text("メモ", encoding="utf-8")
    two_sheets = tmp_path / "two.xlsx"
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    wb.create_sheet("別")
    wb.defined_names["KPI_TITLE"].attr_text = "'別'!$B$5"
    wb.save(two_sheets)
    filled = tmp_path / "filled.xlsx"
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    wb["様式"]["C9"] = "見本"
    wb.save(filled)
    merged = tmp_path / "merged.xlsx"
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    wb["様式"].merge_cells("C8:D8")
    wb.save(merged)
    broken_ref = tmp_path / "ref.xlsx"
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    wb.defined_names["KPI_NO"].attr_text = "#REF!"
    wb.save(broken_ref)
    cases = {
        tmp_path / "none.xlsx": "テンプレートが見つかりません",
        tmp_path: "フォルダ",
        not_xlsx: "Excelのブック（.xlsx）ではありません",
        two_sheets: "KPI_TITLE が別のワークシート（別）を指しています",
        filled: "セル C9 に文字があります",
        merged: "セル D8 が結合されています",
        broken_ref: "KPI_NO の参照先",
    }
    for path, message in cases.items():
        with pytest.raises(excel_template.TemplateError) as caught:
            excel_template.check_template(path)
        assert message in str(caught.value), (path, caught.value)


# --- reading ------------------------------------------------------------------------


def test_a_workbook_whose_names_were_lost_is_read_at_the_default_positions(
    sample_book: bytes, sample_sheets: list[Sheet]
) -> None:
    wb = load(sample_book)
    for ws in wb.worksheets:
        for name in list(ws.defined_names):
            del ws.defined_names[name]
    stream = io.BytesIO()
    wb.save(stream)
    assert all(not ws.defined_names for ws in load(stream.getvalue()).worksheets)
    back = excel_reader.read_workbook(io.BytesIO(stream.getvalue()))
    assert jsonio.dumps(back) == jsonio.dumps(sample_sheets)


def test_a_workbook_filled_in_excel_is_read_as_shown(sample_book: bytes) -> None:
    wb = load(sample_book)
    ws = wb["No9"]
    ws["E8"] = 4321  # typed into R3 in a General cell
    ws["F8"] = 0.5
    ws["F8"].number_format = "0.0%"
    ws["A16"] = "・一つ目\n続きの行\r\n・二つ目"
    ws["B5"] = "  新しい名前  "
    stream = io.BytesIO()
    wb.save(stream)
    sheet = excel_reader.read_workbook(io.BytesIO(stream.getvalue()))[0]
    assert [c.text for c in sheet.rows[0].actuals] == ["5,081", "4321", "50.0%", ""]
    assert sheet.efforts == ["一つ目\n続きの行", "二つ目"]
    assert sheet.title == "  新しい名前  "


def test_report_year_comes_from_the_cell_then_the_argument_then_the_newest_actual(
    sample_book: bytes,
) -> None:
    wb = load(sample_book)
    for ws in wb.worksheets[1:]:
        named_cell(ws, "KPI_REPORT_YEAR").value = None
    wb["No9"]["A1"] = "令和3年度"
    stream = io.BytesIO()
    wb.save(stream)
    data = stream.getvalue()
    by_default = excel_reader.read_workbook(io.BytesIO(data))
    assert by_no(by_default, "9").report_year == 2021
    assert {s.report_year for s in by_default if s.no != "9"} == {2020}
    given = excel_reader.read_workbook(io.BytesIO(data), report_year=2022)
    assert by_no(given, "9").report_year == 2021
    assert {s.report_year for s in given if s.no != "9"} == {2022}


def _workbook_bytes(build: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def _edited(book: bytes, edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = load(book)
    edit(wb)
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def _plain_zip() -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return stream.getvalue()


def _zip_bomb() -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    return stream.getvalue()


def _with_entities(book: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        workbook_xml = archive.read("xl/workbook.xml")
    if workbook_xml.startswith(b"<?xml"):
        workbook_xml = workbook_xml.partition(b"?>")[2]
    entity = (
        b"<?xml version='1.0' encoding='UTF-8'?>"
        b'<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        + workbook_xml.replace(b'name="No9"', b'name="No9&b;"', 1)
    )
    return rezip(book, {"xl/workbook.xml": entity})


def _set(
    coordinate: str, value: object, worksheet: str = "No10"
) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[worksheet][coordinate] = value

    return edit


def _drop_title_name(wb: openpyxl.Workbook) -> None:
    del wb["No10"].defined_names["KPI_TITLE"]


def _only_list(wb: openpyxl.Workbook) -> None:
    wb.active.title = "一覧"


def _notes(wb: openpyxl.Workbook) -> None:
    wb.active.title = "メモ"
    wb.active["A1"] = "提出前に確認すること"


#: Bad files: how to make each from a two-sheet book (No 9, No 10), and what the message says.
NOT_A_SHEET = "はKPI分析シートの形ではありません"
BAD_FILES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "text file": (lambda _: "No 9 刑法犯".encode(), "Excelのブック（.xlsx）ではありません"),
    "password or xls": (
        lambda _: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024,
        "パスワードで保護されているか、古い形式（.xls）",
    ),
    "truncated": (lambda book: book[: len(book) // 2], "壊れているか、途中までしかありません"),
    "zip but not xlsx": (lambda _: _plain_zip(), "Excelのブック（.xlsx）ではありません"),
    "zip bomb": (lambda _: _zip_bomb(), "zip爆弾"),
    "entities": (_with_entities, "実体参照"),
    "broken xml": (
        lambda book: rezip(book, {"xl/workbook.xml": b"<workbook><sheets"}),
        "読めません",
    ),
    "only the list": (lambda _: _workbook_bytes(_only_list), "ワークシートがありません"),
    "not a sheet": (
        lambda _: _workbook_bytes(_notes),
        f"ワークシート「メモ」{NOT_A_SHEET}（No が空です）",
    ),
    "no header": (
        lambda book: _edited(book, _set("C7", None)),
        f"「No10」{NOT_A_SHEET}（値の表の見出し",
    ),
    "no number": (
        lambda book: _edited(book, _set("B4", None)),
        f"「No10」{NOT_A_SHEET}（No が空です）",
    ),
    "a name missing": (
        lambda book: _edited(book, _drop_title_name),
        f"「No10」{NOT_A_SHEET}（名前 KPI_TITLE がありません）",
    ),
    "the same sheet twice": (
        lambda book: _edited(book, _set("B4", 9)),
        "同じシートが2回あります（2020年度 No 9: ワークシート「No9」と「No10」）",
    ),
    "a bad report year": (
        lambda book: _edited(book, _set("A1", "来年度")),
        "「No10」の報告年度「来年度」を読めません",
    ),
    "a bad header year": (
        lambda book: _edited(book, _set("D7", "今年")),
        "見出し「今年」から年度を読めません",
    ),
}


@pytest.fixture(scope="module")
def small_book(sample_sheets: list[Sheet]) -> bytes:
    return export_bytes(sample_sheets[:2])


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_a_japanese_message(small_book: bytes, case: str) -> None:
    make, message = BAD_FILES[case]
    with pytest.raises(xlsx_safety.ExcelError) as caught:
        excel_reader.read_workbook(io.BytesIO(make(small_book)))
    text = str(caught.value)
    assert message in text, text
    assert JAPANESE.search(text)


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_size_limits_are_checked_before_reading(
    monkeypatch: pytest.MonkeyPatch, sample_book: bytes, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx_safety, "MAX_FILE_BYTES", len(sample_book) - 1)
    with pytest.raises(xlsx_safety.ExcelError, match="大きすぎるため読みません"):
        excel_reader.read_workbook(io.BytesIO(sample_book))
    path = tmp_path / "big.xlsx"
    path.write_bytes(sample_book)
    with pytest.raises(xlsx_safety.ExcelError, match="大きすぎるため読みません"):
        excel_reader.read_workbook(path)
    monkeypatch.undo()
    monkeypatch.setattr(xlsx_safety, "MAX_UNCOMPRESSED_BYTES", 100_000)
    with pytest.raises(xlsx_safety.ExcelError, match="展開すると大きすぎる"):
        excel_reader.read_workbook(io.BytesIO(sample_book))


_EMPTY_SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'


def _padded(book: bytes, part: str, size: int) -> bytes:
    """``book`` with ``part`` (added if missing) grown to ``size`` bytes by an XML
    comment after its root element, stored uncompressed (no zip-bomb ratio)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        xml = source.read(part) if part in names else _EMPTY_SST
        padded = xml + b"<!--" + b"x" * (size - len(xml) - 7) + b"-->"
        assert len(padded) == size
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info, source.read(info))
        target.writestr(part, padded, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _no_parsing(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("openpyxl was asked to parse a refused workbook")


@pytest.mark.parametrize(
    ("part", "limit_name", "kind"),
    [
        ("xl/worksheets/sheet2.xml", "MAX_WORKSHEET_BYTES", "ワークシートの部品"),
        ("xl/sharedStrings.xml", "MAX_SHARED_STRINGS_BYTES", "共有文字列の部品"),
        ("xl/styles.xml", "MAX_SHARED_STRINGS_BYTES", "部品"),
    ],
)
def test_an_oversized_part_is_refused_from_the_zip_directory(
    monkeypatch: pytest.MonkeyPatch, small_book: bytes, part: str, limit_name: str, kind: str
) -> None:
    limit = 64 * 1024
    monkeypatch.setattr(xlsx_safety, limit_name, limit)
    at_the_limit = _padded(small_book, part, limit)
    assert [s.no for s in excel_reader.read_workbook(io.BytesIO(at_the_limit))] == ["9", "10"]
    over = _padded(small_book, part, limit + 1)
    monkeypatch.setattr(xlsx_safety.openpyxl, "load_workbook", _no_parsing)
    with pytest.raises(xlsx_safety.ExcelError) as caught:
        excel_reader.read_workbook(io.BytesIO(over))
    text = str(caught.value)
    assert f"ファイルの{kind} {part} は展開すると 64 KB あり、大きすぎるため読みません" in text
    worksheet_limit = "64 KB" if limit_name == "MAX_WORKSHEET_BYTES" else "4 MB"
    shared_limit = "64 KB" if limit_name == "MAX_SHARED_STRINGS_BYTES" else "16 MB"
    assert text.endswith(
        f"（上限: ワークシート1枚あたり {worksheet_limit}、"
        f"共有文字列・その他のXMLの部品 {shared_limit}）"
    ), text


def test_a_worksheet_over_4_mb_is_refused_at_the_default_limit(
    monkeypatch: pytest.MonkeyPatch, small_book: bytes
) -> None:
    assert xlsx_safety.MAX_WORKSHEET_BYTES == 4 * 1024 * 1024
    assert xlsx_safety.MAX_SHARED_STRINGS_BYTES == 16 * 1024 * 1024
    over = _padded(small_book, "xl/worksheets/sheet3.xml", xlsx_safety.MAX_WORKSHEET_BYTES + 1)
    assert len(over) < xlsx_safety.MAX_FILE_BYTES
    monkeypatch.setattr(xlsx_safety.openpyxl, "load_workbook", _no_parsing)
    with pytest.raises(
        xlsx_safety.ExcelError, match=r"xl/worksheets/sheet3\.xml は展開すると 4 MB"
    ):
        excel_reader.read_workbook(io.BytesIO(over))


def _no_report_year(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets[1:]:
        named_cell(ws, "KPI_REPORT_YEAR").value = None
        for row in ws["D8:H13"]:
            for cell in row:
                cell.value = None


def test_an_unknown_report_year_raises_its_own_error_that_the_window_can_answer(
    small_book: bytes,
) -> None:
    data = _edited(small_book, _no_report_year)
    with pytest.raises(excel_reader.ReportYearUnknownError) as caught:
        excel_reader.read_workbook(io.BytesIO(data))
    assert isinstance(caught.value, xlsx_safety.ExcelError)
    text = str(caught.value)
    assert text == (
        "ワークシート「No9」の報告年度を決められません（報告年度の欄も実績値もありません）。"
        "ワークシートの報告年度の欄（KPI_REPORT_YEAR）に記入するか、"
        "コマンドでは --year で指定してください"
    )
    sheets = excel_reader.read_workbook(io.BytesIO(data), report_year=2021)
    assert [(s.report_year, s.no) for s in sheets] == [(2021, "9"), (2021, "10")]


# --- one workbook per department ------------------------------------------------------


def test_export_by_department_writes_one_file_per_department(
    tmp_path: Path, sample_sheets: list[Sheet]
) -> None:
    folder = tmp_path / "new" / "課ごと"
    calls: list[tuple[int, int]] = []
    odd = dataclasses.replace(sample_sheets[0], no="99", departments=["総務/企画課", "CON"])
    paths = excel_writer.export_by_department(
        [*sample_sheets, odd], folder, progress=lambda d, t: calls.append((d, t))
    )
    names = sorted(path.name for path in paths)
    assert names == sorted(p.name for p in folder.iterdir())
    departments = {d for sheet in sample_sheets for d in sheet.departments}
    assert {f"{d}.xlsx" for d in departments} | {"総務_企画課.xlsx", "_CON.xlsx"} == set(names)
    for department in ("観光振興課", "港湾課"):
        sheets = excel_reader.read_workbook(folder / f"{department}.xlsx")
        assert "28" in [sheet.no for sheet in sheets]
        assert all(department in sheet.departments for sheet in sheets)
    assert [s.no for s in excel_reader.read_workbook(folder / "観光振興課.xlsx")] == ["28", "29"]
    total = sum(len(s.departments) for s in [*sample_sheets, odd]) + len(paths)
    assert calls[-1] == (total, total) and len(calls) == total
    only = excel_writer.export_by_department(
        sample_sheets, tmp_path / "one", departments={"港湾課"}
    )
    assert [p.name for p in only] == ["港湾課.xlsx"]


def test_department_file_names_are_safe_on_windows() -> None:
    assert file_names.department_file_name("観光振興課") == "観光振興課.xlsx"
    assert file_names.department_file_name('a<b>c:"d|e?*') == "a_b_c__d_e__.xlsx"
    assert file_names.department_file_name(" 課. ") == "課.xlsx"
    assert file_names.department_file_name("") == "担当課なし.xlsx"
    assert file_names.department_file_name("nul") == "_nul.xlsx"


def test_export_by_department_into_a_file_is_refused(tmp_path: Path, sample_sheets) -> None:
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(fileio.OutputError, match="フォルダではなくファイル"):
        excel_writer.export_by_department(sample_sheets, target)


# --- a real spreadsheet program ----------------------------------------------------------


@pytest.fixture(scope="module")
def sample_book_pdf(sample_book: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return libreoffice_pdf(sample_book, tmp_path_factory.mktemp("lo"))


def test_libreoffice_prints_one_a4_page_per_worksheet_with_the_japanese_text(
    sample_book_pdf: Path, sample_sheets: list[Sheet]
) -> None:
    with pdfplumber.open(sample_book_pdf) as pdf:
        sizes = [(float(page.width), float(page.height)) for page in pdf.pages]
        texts = [squash(page.extract_text() or "") for page in pdf.pages]
    assert len(texts) == 16
    width, height = sizes[0]
    assert abs(width - 842) <= 2 and abs(height - 595) <= 2  # 一覧, landscape
    for width, height in sizes[1:]:
        assert abs(width - 595) <= 2 and abs(height - 842) <= 2
    assert "KPI分析シート一覧" in texts[0]
    for sheet in sample_sheets:  # wrapped titles mix with their neighbours: their first line
        assert squash(sheet.title)[:10] in texts[0]
    for sheet, text in zip(sample_sheets, texts[1:], strict=True):
        assert "KPI分析シート" in text and "<別記様式2>" in text
        assert squash(sheet.title) in text
        assert eras.kanji_label(sheet.report_year) in text
        for department in sheet.departments:
            assert department in text
        for bullet in [*sheet.efforts, *sheet.issues, *sheet.direction]:
            assert squash(bullet) in text, (sheet.no, bullet[:20])
        for row in sheet.rows:
            for cell in (row.baseline, *row.actuals, row.target):
                assert squash(cell.text) in text, (sheet.no, cell.text)


def test_the_docs_list_every_name_with_its_default_cell() -> None:
    text = (REPO / "docs" / "excel.md").read_text(encoding="utf-8")
    for name, cell in excel_template.DEFAULT_POSITIONS.items():
        assert re.search(rf"\| `{name}` \| (yes|no) \| `{cell}`", text), name
