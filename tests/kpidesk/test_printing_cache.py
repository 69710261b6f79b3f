"""What the PDF shows once earlier exports filled its caches (kept layouts, shaped lines)."""

from __future__ import annotations

import copy
import dataclasses
import gc
import io

import pdfplumber
import pytest

from PySide6.QtCore import QRectF

from kpidesk import samples
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.printing import chart, glyphs, layout, paint
from tests.conftest import squash


@pytest.fixture(autouse=True)
def application() -> None:
    """Each test starts with empty caches, so that it fills them itself."""
    paint.ensure_application()
    layout.LAYOUTS.clear()
    glyphs.SHAPED.clear()
    chart.GEOMETRIES.clear()


def pdf_text(sheets: list[Sheet], *, chart: bool = False) -> str:
    data, _ = paint.pdf_bytes(sheets, "見本.kpidb", chart=chart)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return squash("".join(page.extract_text() or "" for page in pdf.pages))


def a_sheet() -> Sheet:
    return copy.deepcopy(samples.sample_sheets()[0])


def test_a_changed_sheet_prints_its_new_words() -> None:
    sheet = a_sheet()
    sheet.title = "変更前の題名です"
    for _ in range(3):  # laid out and shaped before the change
        before = pdf_text([sheet])
    assert "変更前の題名です" in before
    sheet.title = "変更後の題名です"
    sheet.efforts[0] = "変更後の取組を書きました。"
    sheet.rows[0].actuals[0] = Cell("98,765")
    after = pdf_text([sheet])
    assert "変更後の題名です" in after
    assert "変更後の取組を書きました。" in after
    assert "98,765" in after
    assert "変更前の題名です" not in after


def test_a_changed_chart_shows_its_new_value() -> None:
    sheet = a_sheet()
    for _ in range(3):
        pdf_text([sheet], chart=True)
    sheet.rows[0].actuals[0] = Cell("87,654")
    text = pdf_text([sheet], chart=True)
    # Once in the value table, once beside its point on the chart.
    assert text.count("87,654") == 2


def drawn(data: bytes) -> tuple[list[tuple], list[tuple]]:
    """The characters (text, place) and the curves (points) of a PDF's first page."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        chars = [(c["text"], round(c["x0"], 2), round(c["top"], 2)) for c in page.chars]
        curves = [tuple((round(x, 2), round(y, 2)) for x, y in c["pts"]) for c in page.curves]
    return chars, sorted(curves)


def test_a_kept_chart_draws_a_changed_value_where_a_fresh_export_does() -> None:
    """A chart drawn before (its geometry kept) shows a changed actual's new label and
    point, placed as an export with nothing kept places them, and not the former ones."""
    sheet = a_sheet()
    sheet.rows[0].actuals[1] = Cell("4,321")
    for _ in range(3):
        before, _ = paint.pdf_bytes([sheet], "見本.kpidb", chart=True)
    assert len(chart.GEOMETRIES) == 1
    sheet.rows[0].actuals[1] = Cell("5,987")
    after, _ = paint.pdf_bytes([sheet], "見本.kpidb", chart=True)
    layout.LAYOUTS.clear()
    glyphs.SHAPED.clear()
    chart.GEOMETRIES.clear()
    fresh, _ = paint.pdf_bytes([sheet], "見本.kpidb", chart=True)
    assert drawn(after) == drawn(fresh)
    assert drawn(after)[1] != drawn(before)[1]  # the point moved up
    text = pdf_text([sheet], chart=True)
    assert text.count("5,987") == 2  # in the value table and beside its point
    assert "4,321" not in text


def test_a_sheet_changed_after_printing_does_not_show_in_its_former_copy() -> None:
    """A kept layout of equal content draws the chart of the sheet passed, not of the
    sheet it was first laid out for, which may have changed since."""
    first = a_sheet()
    second = a_sheet()
    pdf_text([first], chart=True)
    first.rows[0].actuals[0] = Cell("76,543")
    text = pdf_text([second], chart=True)
    assert "76,543" not in text
    assert text.count(squash(second.rows[0].actuals[0].text)) >= 2


def test_one_text_in_two_fonts_and_widths_is_drawn_in_each() -> None:
    """The same words as the bold title, as a regular bullet and as a centred cell of
    two different widths keep their own font, size and place."""
    sheet = a_sheet()
    words = "同じ言葉"
    sheet.title = words
    sheet.efforts = [words, *sheet.efforts]
    sheet.rows[0].unit = words
    sheet.rows[0].baseline = Cell(words)
    for _ in range(3):
        data, _ = paint.pdf_bytes([sheet], "見本.kpidb")
    [page] = layout.layout_document([sheet], paint.QtMeasure())
    cells = [item for item in page.items if isinstance(item, layout.Text) and item.text == words]
    assert {(item.bold, item.size) for item in cells} >= {(True, 10.5), (False, 10.5)}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        chars = [char for char in pdf.pages[0].chars if char["text"] == words[0]]
    assert len(chars) == len(cells)
    for item in cells:
        [char] = [
            char
            for char in chars
            if abs(char["top"] - item.y) < item.height
            and item.x - 1 < char["x0"] < item.x + item.width
        ]
        assert ("Bold" in char["fontname"]) == item.bold
        assert char["size"] == pytest.approx(item.size, abs=0.05)
        if item.align == "center":
            drawn = char["x0"] + len(words) * item.size / 2
            assert drawn == pytest.approx(item.x + item.width / 2, abs=0.5)


def test_every_field_of_a_sheet_is_in_its_fingerprint() -> None:
    """A field the model gains is in the key of the kept layouts without being listed."""
    sheet = Sheet(2020, "1", rows=[ValueRow("単年", "件")], actual_years=[2020])
    base = layout.sheet_fingerprint(sheet)
    for item in dataclasses.fields(Sheet):
        if not item.compare:
            continue
        changed = copy.deepcopy(sheet)
        value = getattr(changed, item.name)
        setattr(changed, item.name, _other(value))
        assert layout.sheet_fingerprint(changed) != base, item.name
    for item in dataclasses.fields(ValueRow):
        changed = copy.deepcopy(sheet)
        row = changed.rows[0]
        setattr(row, item.name, _other(getattr(row, item.name)))
        assert layout.sheet_fingerprint(changed) != base, item.name
    revised = dataclasses.replace(sheet, revision=9, id=4)
    assert layout.sheet_fingerprint(revised) == base


def _other(value: object) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, Cell):
        return Cell(value.text + "1")
    if isinstance(value, list):
        return [*value, value[0] if value else "x"]
    raise AssertionError(type(value))


def test_the_caches_are_bounded() -> None:
    kept = layout.LayoutCache(limit=2)
    measure = paint.QtMeasure()
    for no in ("1", "2", "3"):
        kept.layout(dataclasses.replace(a_sheet(), no=no), measure)
    assert len(kept) == 2
    geometries = chart.GeometryCache(limit=2)
    sheet = a_sheet()
    for no in ("1", "2", "3"):
        other = dataclasses.replace(sheet, no=no)
        geometries.geometry(layout.sheet_fingerprint(other), other, 0, QRectF(0, 0, 200, 100), 7)
    assert len(geometries) == 2
    shaped = glyphs.ShapedLines(limit=2)
    font = measure.font(10)
    for text in ("一", "二", "三", "一", "二", "三"):
        shaped.line((text, measure.family, 100, False), lambda: font)
    assert len(shaped) == 2


def test_an_export_leaves_the_garbage_collector_as_it_was() -> None:
    """The collector paused while a PDF is made runs again after it, also when the
    export stops half way, and stays off when it was off."""
    sheet = a_sheet()
    paint.pdf_bytes([sheet], "見本.kpidb", chart=True)
    assert gc.isenabled()

    def stop(done: int, total: int) -> None:
        raise RuntimeError("中止")

    with pytest.raises(RuntimeError):
        paint.pdf_bytes([sheet], "見本.kpidb", progress=stop)
    assert gc.isenabled()
    gc.disable()
    try:
        paint.pdf_bytes([sheet], "見本.kpidb")
        assert not gc.isenabled()
    finally:
        gc.enable()
