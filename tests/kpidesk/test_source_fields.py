"""出典, 公表時期, 次回公表予定 and the 企画課・有識者意見 box: carried wherever a sheet goes."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import sqlite3
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from kpidesk import compare, limits, samples
from kpidesk.book.store import Book
from kpidesk.exchange import excel_reader, excel_template, excel_writer, jsonio
from kpidesk.model import BULLET_SECTIONS, SOURCE_FIELDS, Sheet
from kpidesk.printing import fonts, layout, paint
from tests.conftest import squash

SOURCE = "警察庁「犯罪統計」（熊本県警察本部調べ）"
PUBLISHED = "毎年3月（前年分）"
NEXT_RELEASE = "令和4年3月"
OPINIONS = [
    "前年比で減少しており、順調に推移している。",
    "特殊詐欺の被害防止に向けた啓発の効果を検証すること。",
]


def no9() -> Sheet:
    return samples.sample_sheets()[0]


def with_fields(sheet: Sheet | None = None) -> Sheet:
    """No 9 (or ``sheet``) with every new field given."""
    return dataclasses.replace(
        sheet or no9(),
        source=SOURCE,
        published=PUBLISHED,
        next_release=NEXT_RELEASE,
        opinions=list(OPINIONS),
    )


def test_the_limits_name_the_same_fields_as_the_model() -> None:
    sections = dict(BULLET_SECTIONS)
    assert sections == limits._TEXT_SECTION_NAMES
    assert sections["opinions"] == "企画課・有識者意見"
    assert {attr: label for attr, (label, _) in limits._SOURCE_FIELD_LIMITS.items()} == dict(
        SOURCE_FIELDS
    )


def test_all_texts_include_the_new_fields() -> None:
    texts = with_fields().all_texts()
    assert {SOURCE, PUBLISHED, NEXT_RELEASE, *OPINIONS} <= set(texts)


# --- JSON ---------------------------------------------------------------------------


def test_json_round_trip_keeps_every_new_field() -> None:
    sheet = with_fields()
    text = jsonio.dumps([sheet])
    stored = json.loads(text)["sheets"][0]
    assert list(stored)[-4:] == ["source", "published", "next_release", "opinions"]
    assert (stored["source"], stored["next_release"]) == (SOURCE, NEXT_RELEASE)
    assert stored["opinions"] == OPINIONS
    [back] = jsonio.loads(text)
    assert back == sheet
    assert jsonio.dumps([back]) == text


def test_old_json_without_the_keys_reads_with_empty_fields_and_writes_back_unchanged() -> None:
    old = jsonio.dumps([no9()])
    for key in ("source", "published", "next_release", "opinions"):
        assert f'"{key}"' not in old
    [sheet] = jsonio.loads(old)
    assert (sheet.source, sheet.published, sheet.next_release, sheet.opinions) == ("", "", "", [])
    assert jsonio.dumps([sheet]) == old


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("source", 2020),
        ("published", None),
        ("next_release", ["令和4年3月"]),
        ("opinions", "一つの文字列"),
        ("opinions", ["意見", 3]),
    ],
)
def test_json_with_a_new_key_of_the_wrong_type_is_refused_naming_it(
    key: str, value: object
) -> None:
    document = json.loads(jsonio.dumps([no9()]))
    document["sheets"][0][key] = value
    with pytest.raises(jsonio.JsonFormatError, match=rf"sheets\[0\]\.{key}"):
        jsonio.loads(json.dumps(document))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("source", "統" * (limits.MAX_SOURCE_CHARS + 1), "出典が長すぎます"),
        ("published", "月" * (limits.MAX_RELEASE_CHARS + 1), "公表時期が長すぎます"),
        ("next_release", "月" * (limits.MAX_RELEASE_CHARS + 1), "次回公表予定が長すぎます"),
        ("opinions", ["意見"] * (limits.MAX_BULLETS + 1), "企画課・有識者意見の項目が多すぎます"),
        (
            "opinions",
            ["意" * (limits.MAX_TEXT_SECTION_CHARS + 1)],
            "企画課・有識者意見が長すぎます",
        ),
    ],
)
def test_json_beyond_the_bounds_is_refused_naming_the_field(
    key: str, value: object, message: str
) -> None:
    document = json.loads(jsonio.dumps([no9()]))
    document["sheets"][0][key] = value
    with pytest.raises(jsonio.JsonFormatError, match=message):
        jsonio.loads(json.dumps(document))


def test_control_characters_in_the_new_fields_are_replaced_as_elsewhere() -> None:
    sheet = dataclasses.replace(
        no9(),
        source="総務省\x0b統計",
        published="毎年\x00",
        next_release="\ufffe令和4年",
        opinions=["意見\x1f"],
    )
    [back] = jsonio.loads(jsonio.dumps([sheet]))
    assert back.source == "総務省\ufffd統計"
    assert back.published == "毎年\ufffd"
    assert back.next_release == "\ufffd令和4年"
    assert back.opinions == ["意見\ufffd"]
    assert limits.clean_sheet(sheet) == 4


# --- Excel --------------------------------------------------------------------------


def export(sheets: list[Sheet], **kwargs: object) -> bytes:
    stream = io.BytesIO()
    excel_writer.export_workbook(sheets, stream, **kwargs)  # type: ignore[arg-type]
    return stream.getvalue()


def test_excel_export_then_import_gives_the_same_sheets() -> None:
    sheets = [with_fields(), samples.sample_sheets()[1]]
    data = export(sheets)
    back = excel_reader.read_workbook(io.BytesIO(data))
    assert jsonio.dumps(back) == jsonio.dumps(sheets)
    ws = openpyxl.load_workbook(io.BytesIO(data))["No9"]
    cells = {}
    for _, name, _ in (*excel_template.SOURCE_CELLS, excel_template.OPINION_BOX):
        ((title, where),) = list(ws.defined_names[name].destinations)
        assert title == "No9"
        cells[name] = ws[where.replace("$", "").split(":")[0]]
    assert cells["KPI_SOURCE"].value == SOURCE
    assert cells["KPI_PUBLISHED"].value == PUBLISHED
    assert cells["KPI_NEXT_RELEASE"].value == NEXT_RELEASE
    assert cells["KPI_OPINIONS"].value == "\n".join(f"・{text}" for text in OPINIONS)


def test_excel_keeps_a_source_that_looks_like_a_formula_as_text() -> None:
    sheet = dataclasses.replace(
        no9(), source='=HYPERLINK("http://example.com")', published="2022", opinions=["+1"]
    )
    data = export([sheet])
    [back] = excel_reader.read_workbook(io.BytesIO(data))
    assert back == sheet
    ws = openpyxl.load_workbook(io.BytesIO(data))["No9"]
    assert ws["B24"].data_type == "s" and ws["B24"].quotePrefix
    assert ws["B25"].value == "2022"


def test_a_workbook_without_the_new_cells_reads_with_empty_fields(tmp_path: Path) -> None:
    """A template made before them (an office's own) exports and reads without them."""
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    for _, name, _ in (*excel_template.SOURCE_CELLS, excel_template.OPINION_BOX):
        del wb.defined_names[name]
    template = tmp_path / "古い様式.xlsx"
    wb.save(template)
    [back] = excel_reader.read_workbook(io.BytesIO(export([with_fields()], template=template)))
    assert (back.source, back.published, back.next_release, back.opinions) == ("", "", "", [])
    assert back == no9()


def test_excel_refuses_a_new_field_too_long_for_a_cell_naming_it() -> None:
    sheet = dataclasses.replace(no9(), opinions=["意" * 20_000, "見" * 20_000])
    with pytest.raises(excel_writer.ExcelError, match="企画課・有識者意見が長すぎて"):
        export([sheet])


# --- the book -----------------------------------------------------------------------


def test_the_book_keeps_the_new_fields_and_old_sheets_as_stored(tmp_path: Path) -> None:
    path = tmp_path / "本.kpidb"
    with Book.open(path, create=True) as book:
        book.save_sheet(with_fields())
        book.save_sheet(samples.sample_sheets()[1])
    with Book.open(path, create=False) as book:
        assert book.find_sheet(2020, "9") == with_fields()
        assert book.find_sheet(2020, "10") == samples.sample_sheets()[1]
    with sqlite3.connect(path) as connection:
        stored = connection.execute("SELECT data FROM sheets WHERE no = '10'").fetchone()[0]
    connection.close()
    assert "opinions" not in json.loads(stored)


# --- side by side -------------------------------------------------------------------


def test_import_and_history_comparisons_name_the_new_fields_in_japanese() -> None:
    old = no9()
    new = with_fields()
    changes = compare.compare_sheets(old, new).changes
    assert [(change.where, change.before, change.after) for change in changes] == [
        ("出典", "", SOURCE),
        ("公表時期", "", PUBLISHED),
        ("次回公表予定", "", NEXT_RELEASE),
        ("企画課・有識者意見 1段落目", "", OPINIONS[0]),
        ("企画課・有識者意見 2段落目", "", OPINIONS[1]),
    ]
    assert (
        compare.change_words(old, new) == "出典、公表時期、次回公表予定、企画課・有識者意見 2段落"
    )
    edited = copy.deepcopy(new)
    edited.next_release = "令和5年3月"
    assert compare.change_words(new, edited) == "次回公表予定"
    # A new sheet lists them with its other filled fields.
    wheres = [change.where for change in compare.compare_sheets(None, new).changes]
    assert wheres.index("出典") < wheres.index("取組状況 1段落目")
    assert wheres[-1] == "企画課・有識者意見 2段落目"


# --- the PDF ------------------------------------------------------------------------


def pdf_text(sheets: list[Sheet]) -> str:
    data, pages = paint.pdf_bytes(sheets, "見本.kpidb")
    assert pages == 1
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return pdf.pages[0].extract_text() or ""


def test_the_pdf_prints_the_source_under_the_table_and_the_opinions_after_the_direction() -> None:
    sheet = with_fields()
    text = squash(pdf_text([sheet]))
    source = squash(f"出典：{SOURCE}　公表時期：{PUBLISHED}　次回公表予定：{NEXT_RELEASE}")
    assert source in text
    assert text.index("前年比減") < text.index(source) < text.index("取組状況")
    direction = text.index("今後の方向性")
    heading = text.index("企画課・有識者意見")
    assert direction < text.index(squash(sheet.direction[-1])) < heading
    assert heading < text.index(squash(OPINIONS[0])) < text.index(squash(OPINIONS[1]))


def test_a_sheet_without_them_prints_neither_line_nor_box() -> None:
    text = pdf_text([dataclasses.replace(no9(), opinions=["", " "])])
    assert "出典" not in text and "公表時期" not in text
    assert "有識者意見" not in text  # 生活安全企画課 is the department
    assert text.splitlines()[-2].startswith("め、詐欺やストーカー")  # 今後の方向性 is last


def test_a_sheet_without_them_lays_out_item_for_item_as_before() -> None:
    """Empty fields add nothing: the same items as a sheet that never had them."""
    paint.ensure_application()
    measure = paint.QtMeasure(fonts.load_fonts())
    plain = layout.layout_sheet(no9(), measure)
    blank = dataclasses.replace(no9(), source="", opinions=[""])
    assert layout.layout_sheet(blank, measure) == plain
    given = layout.layout_sheet(with_fields(), measure)
    assert len(given[0].items) > len(plain[0].items)


def test_only_the_source_fields_given_are_named() -> None:
    sheet = dataclasses.replace(no9(), next_release="令和4年3月")
    assert layout.source_text(sheet) == "次回公表予定：令和4年3月"
    assert layout.source_text(no9()) == ""


def test_opinions_that_do_not_fit_continue_on_a_marked_page() -> None:
    sheet = with_fields()
    sheet.opinions = [f"意見{number:03d}の本文です。" * 6 for number in range(60)]
    data, pages = paint.pdf_bytes([sheet], "長文.kpidb")
    assert pages >= 2
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [squash(page.extract_text() or "") for page in pdf.pages]
    assert "企画課・有識者意見（続き）" in texts[-1]
    joined = "".join(texts)
    for bullet in sheet.opinions:
        assert squash(bullet) in joined
