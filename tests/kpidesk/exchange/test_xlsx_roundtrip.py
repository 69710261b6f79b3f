"""An xlsx round trip gives back what the book holds: 担当課 with commas, line ends, spaces."""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidesk import samples
from kpidesk.exchange import excel_reader, excel_writer
from kpidesk.exchange.xlsx_safety import ExcelError
from kpidesk.model import Sheet


def round_trip(sheet: Sheet) -> Sheet:
    stream = io.BytesIO()
    excel_writer.export_workbook([sheet], stream)
    stream.seek(0)
    (read,) = excel_reader.read_workbook(stream)
    return read


def exported_cell(sheet: Sheet, coordinate: str) -> object:
    stream = io.BytesIO()
    excel_writer.export_workbook([sheet], stream)
    stream.seek(0)
    workbook = openpyxl.load_workbook(stream)
    return workbook.worksheets[1][coordinate].value


def base_sheet(**changes: object) -> Sheet:
    return dataclasses.replace(samples.sample_sheets()[0], **changes)


def with_departments_cell(text: str) -> Sheet:
    """A workbook whose 担当課 cell was typed by hand, read back."""
    stream = io.BytesIO()
    excel_writer.export_workbook([base_sheet()], stream)
    stream.seek(0)
    workbook = openpyxl.load_workbook(stream)
    workbook.worksheets[1]["D4"].value = text
    edited = io.BytesIO()
    workbook.save(edited)
    edited.seek(0)
    (read,) = excel_reader.read_workbook(edited)
    return read


def test_a_department_with_an_ascii_comma_stays_one_department() -> None:
    for departments in (["企画課,広報係"], ["企画課,広報係", "港湾課"], ["総務課（人事、給与）"]):
        assert round_trip(base_sheet(departments=departments)).departments == departments


def test_plain_departments_are_written_as_the_form_prints_them() -> None:
    sheet = base_sheet(departments=["観光振興課", "港湾課"])
    assert exported_cell(sheet, "D4") == "観光振興課、港湾課"
    assert round_trip(sheet).departments == ["観光振興課", "港湾課"]


def test_departments_with_a_comma_are_written_one_per_line() -> None:
    sheet = base_sheet(departments=["企画課,広報係", "港湾課"])
    assert exported_cell(sheet, "D4") == "企画課,広報係\n港湾課\n"


def test_departments_typed_by_hand_are_still_split() -> None:
    assert with_departments_cell("観光振興課、港湾課").departments == ["観光振興課", "港湾課"]
    assert with_departments_cell("観光振興課, 港湾課").departments == ["観光振興課", "港湾課"]
    assert with_departments_cell("観光振興課\n港湾課").departments == ["観光振興課", "港湾課"]
    assert with_departments_cell("観光振興課、\n港湾課").departments == ["観光振興課", "港湾課"]


def test_a_department_with_a_line_break_is_refused_before_writing() -> None:
    with pytest.raises(ExcelError, match="担当課「企画課\n広報係」に改行があります"):
        excel_writer.export_workbook([base_sheet(departments=["企画課\n広報係"])], io.BytesIO())


def test_carriage_returns_come_back_as_typed() -> None:
    sheet = base_sheet(title="一行目\r\n二行目\r三行目", efforts=["a\r\nb", "c\rd", "e_x000D_f"])
    read = round_trip(sheet)
    assert read.title == sheet.title
    assert read.efforts == sheet.efforts
    # Written as Excel writes a carriage return, so Excel shows the line break.
    assert exported_cell(sheet, "B5") == "一行目_x000D_\n二行目_x000D_三行目"


def test_spaces_inside_the_base_label_are_kept() -> None:
    for label in ("戦略策定時 基準値", "基準値　（参考）", "A  B"):
        assert round_trip(base_sheet(baseline_label=label)).baseline_label == label


_NAME_CHARACTERS = st.sampled_from(list("課係室,，、 \u3000ＡａA1_x000D()（）企画观"))
_TEXT_CHARACTERS = st.sampled_from(list("取組\r\n 　,、ＡA_x000D=・"))

department_lists = st.lists(st.text(_NAME_CHARACTERS, max_size=8), max_size=3)
texts = st.text(_TEXT_CHARACTERS, max_size=20)
labels = (
    st.text(st.sampled_from(list("戦略 策定時　基準値A_x000D")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(departments=department_lists, title=texts, bullet=texts, label=labels)
def test_round_trip_is_an_identity(
    departments: list[str], title: str, bullet: str, label: str
) -> None:
    # A line starting with ・ inside a paragraph reads back as a new paragraph:
    # that is how the form writes paragraphs, so it is left out here ("\n・・"
    # still held one after a single replace).
    while "\n・" in bullet:
        bullet = bullet.replace("\n・", "\n")
    sheet = base_sheet(
        departments=departments,
        title=title,
        efforts=[bullet] if bullet else [],
        baseline_label=label,
    )
    read = round_trip(sheet)
    assert read.departments == departments
    assert read.title == title
    assert read.efforts == sheet.efforts
    assert read.baseline_label == label
