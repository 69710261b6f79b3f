"""The interchange JSON: its exact shape, round trips and refusals."""

from __future__ import annotations

import json
import re

import pytest

from kpidesk import samples
from kpidesk.exchange import jsonio, textimport
from kpidesk.model import Cell, Sheet, ValueRow
from tests.conftest import SAMPLE_TEXT


@pytest.fixture(scope="module")
def seed_sheets() -> list[Sheet]:
    return textimport.parse(SAMPLE_TEXT.read_text(encoding="utf-8")).sheets


def test_shape_of_no_9_is_the_design_example(seed_sheets: list[Sheet]) -> None:
    document = json.loads(jsonio.dumps(seed_sheets))
    assert document["format"] == "kpidesk-sheets"
    assert document["version"] == 1
    first = document["sheets"][0]
    assert list(first) == [
        "report_year", "no", "departments", "title", "section", "baseline_label",
        "baseline_year", "actual_years", "target_year", "rows", "efforts", "issues", "direction",
    ]  # fmt: skip
    assert first["report_year"] == 2020
    assert first["no"] == "9"
    assert first["departments"] == ["生活安全企画課"]
    assert first["title"] == "刑法犯認知件数"
    assert first["section"] == "2 新型コロナウイルス感染症 を踏まえた対応"
    assert first["baseline_label"] == "戦略策定時実績値"
    assert first["baseline_year"] == 2019
    assert first["actual_years"] == [2020, 2021, 2022, 2023]
    assert first["target_year"] == 2023
    assert first["rows"] == [
        {"label": "単年", "unit": "件/年", "baseline": "6,498",
         "actuals": ["5,081", "", "", ""], "target": "前年比減"}
    ]  # fmt: skip
    assert first["efforts"][0].startswith("令和2年中の刑法犯認知件数は、")


def test_output_is_utf8_text_not_escaped(seed_sheets: list[Sheet]) -> None:
    text = jsonio.dumps(seed_sheets)
    assert "刑法犯認知件数" in text
    assert "\\u" not in text
    assert text.endswith("\n")


def test_sheets_ordered_by_no_as_a_number(seed_sheets: list[Sheet]) -> None:
    shuffled = [*list(reversed(seed_sheets)), Sheet(report_year=2020, no="100")]
    numbers = [sheet["no"] for sheet in json.loads(jsonio.dumps(shuffled))["sheets"]]
    assert numbers == [*(sheet.no for sheet in seed_sheets), "100"]
    assert numbers.index("9") < numbers.index("10") < numbers.index("100")


def test_export_import_export_is_byte_identical(seed_sheets: list[Sheet]) -> None:
    first = jsonio.dumps(seed_sheets)
    again = jsonio.loads(first)
    assert again == seed_sheets
    assert jsonio.dumps(again) == first


def test_files_round_trip_with_bom(tmp_path, seed_sheets: list[Sheet]) -> None:
    path = tmp_path / "out.json"
    jsonio.write_file(seed_sheets, path)
    assert jsonio.read_file(path) == seed_sheets
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert jsonio.read_file(bom) == seed_sheets


def _document(**sheet_changes: object) -> str:
    sheet = jsonio.sheet_to_dict(
        Sheet(
            report_year=2020,
            no="1",
            actual_years=[2020],
            rows=[ValueRow("単年", "件", Cell("1"), [Cell("2")], Cell("3"))],
        )
    )
    sheet.update(sheet_changes)
    return json.dumps({"format": "kpidesk-sheets", "version": 1, "sheets": [sheet]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "JSONとして読めません"),
        ("[]", "KPI Desk のJSON"),
        ('{"format": "other"}', "KPI Desk のJSON"),
        ('{"format": "kpidesk-sheets", "version": 99, "sheets": []}', "対応していない"),
        ('{"format": "kpidesk-sheets", "version": 1, "sheets": {}}', "sheets"),
        ('{"format": "kpidesk-sheets", "version": 1, "sheets": [1]}', r"sheets\[0\]"),
        (_document(no=9), r"sheets\[0\]\.no"),
        (_document(no=" "), r"sheets\[0\]\.no"),
        (_document(report_year="2020"), "report_year"),
        (_document(report_year=True), "report_year"),
        (_document(departments="課"), "departments"),
        (_document(actual_years=[2020, 2021]), "actuals の数"),
        (_document(rows=[{"label": "x"}]), r"rows\[0\]\.actuals"),
        (_document(efforts=[1]), "efforts"),
        ("[" * 100000 + "]" * 100000, "JSON"),
    ],
)
def test_wrong_shapes_are_refused_in_japanese(text: str, message: str) -> None:
    with pytest.raises(jsonio.JsonFormatError, match=message):
        jsonio.loads(text)


def test_the_same_sheet_twice_is_refused() -> None:
    document = json.loads(_document())
    document["sheets"] *= 2
    with pytest.raises(jsonio.JsonFormatError, match="2回"):
        jsonio.loads(json.dumps(document))


def test_optional_keys_default_and_extra_keys_are_ignored() -> None:
    document = json.loads(_document())
    sheet = document["sheets"][0]
    for key in ("section", "efforts", "issues", "direction"):
        del sheet[key]
    sheet["comment"] = "extra keys keep no meaning"
    [loaded] = jsonio.loads(json.dumps(document))
    assert loaded.section == ""
    assert loaded.efforts == loaded.issues == loaded.direction == []
    assert loaded.rows[0].actuals == [Cell("2")]


def test_non_utf8_file_is_refused(tmp_path) -> None:
    path = tmp_path / "sjis.json"
    text = json.dumps(json.loads(_document()), ensure_ascii=False)
    assert "単年" in text
    path.write_bytes(text.encode("cp932"))
    with pytest.raises(jsonio.JsonFormatError, match="UTF-8"):
        jsonio.read_file(path)


def test_a_file_with_two_boms_is_read(tmp_path, seed_sheets: list[Sheet]) -> None:
    # Before: 「JSONとして読めません（1行1列: Unexpected UTF-8 BOM (decode using utf-8-sig)）」
    path = tmp_path / "boms.json"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + jsonio.dumps(seed_sheets).encode("utf-8"))
    assert jsonio.read_file(path) == seed_sheets
    assert jsonio.loads("\ufeff" + jsonio.dumps(seed_sheets)) == seed_sheets


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("", "1行1列", "値（文字列・数・リスト・オブジェクト）があるはずの所"),
        ('{"a": x}', "1行7列", "値（文字列・数・リスト・オブジェクト）があるはずの所"),
        ('{"a": 1}\n\x00garbage', "2行1列", "JSONの終わりの後に余分なものがあります"),
        ('{"a": 1}\n{"b": 2}', "2行1列", "JSONの終わりの後に余分なものがあります"),
        ('{"a": "abc', "1行7列", '文字列を閉じる「"」がありません'),
        ("{'a': 1}", "1行2列", 'キーは「"」で囲んでください'),
        ('{"a": 1,}', "1行9列", 'キーは「"」で囲んでください'),
        ('{"a": "x\ty"}', "1行9列", "文字列の中に制御文字"),
        ('{"a": 1 "b": 2}', "1行9列", "「,」がありません"),
        ("[1 2]", "1行4列", "「,」がありません"),
        ('{"a" 1}', "1行6列", "キーの後の「:」がありません"),
        ('{"a": "\\q"}', "1行8列", "「\\」の後が正しくありません"),
        ('{"a": "\\u12"}', "1行9列", "「\\u」の後が16進数4桁ではありません"),
    ],
    ids=[
        "empty",
        "bare-word",
        "nul-after",
        "two-documents",
        "unterminated",
        "single-quotes",
        "trailing-comma",
        "tab-in-string",
        "missing-comma",
        "missing-comma-list",
        "missing-colon",
        "bad-escape",
        "bad-unicode-escape",
    ],
)
def test_broken_json_is_explained_in_japanese_with_its_place(
    text: str, where: str, reason: str
) -> None:
    # Before, json's English message was shown as it stands (「53行1列: Extra data」).
    with pytest.raises(jsonio.JsonFormatError) as refused:
        jsonio.loads(text)
    message = str(refused.value)
    assert message.startswith(f"JSONとして読めません（{where}: ")
    assert reason in message
    assert "直して" in message
    assert not re.search(r"[A-Za-z]{3,}", message.replace("JSON", "")), message


def test_row_evaluation_settings_are_written_only_when_set_and_read_back(
    seed_sheets: list[Sheet],
) -> None:
    sheet = seed_sheets[0]
    plain = json.loads(jsonio.dumps([sheet]))["sheets"][0]["rows"][0]
    assert set(plain) == {"label", "unit", "baseline", "actuals", "target"}  # old files alike
    sheet.rows[0].actuals[0] = Cell("5,081（速報値）")
    sheet.rows.append(ValueRow(label="見直し", actuals=[Cell("")] * 4, measures="単年"))
    sheet.rows[0].external = True
    sheet.rows[0].external_reason = "新型コロナウイルス感染症の影響"
    try:
        text = jsonio.dumps([sheet])
        rows = json.loads(text)["sheets"][0]["rows"]
        assert rows[0]["actuals"][0] == "5,081（速報値）"  # as typed
        assert (rows[0]["external"], rows[0]["external_reason"]) == (
            True, "新型コロナウイルス感染症の影響",
        )  # fmt: skip
        assert rows[1]["measures"] == "単年" and "external" not in rows[1]
        (back,) = jsonio.loads(text)
        assert back == sheet
        assert jsonio.dumps([back]) == text
    finally:
        del sheet.rows[1]
        sheet.rows[0].actuals[0] = Cell("5,081")
        sheet.rows[0].external, sheet.rows[0].external_reason = False, ""


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"external": "yes"}, "external には真偽値（true か false）が必要"),
        ({"external": 1}, "external には真偽値（true か false）が必要"),
        ({"measures": 5}, "measures には文字列"),
        ({"external_reason": ["x"]}, "external_reason には文字列"),
        ({"measures": "x" * 201}, "期待値の対象が長すぎます"),
        ({"external_reason": "x" * 201}, "外的要因が長すぎます"),
    ],
)
def test_row_evaluation_settings_from_outside_are_checked(
    row: dict[str, object], message: str
) -> None:
    sheet = {
        "report_year": 2020, "no": "1", "departments": [], "title": "", "baseline_label": "",
        "baseline_year": 2019, "actual_years": [2020], "target_year": 2023,
        "rows": [{"label": "単年", "baseline": "", "actuals": [""], "target": "", **row}],
    }  # fmt: skip
    text = json.dumps({"format": "kpidesk-sheets", "version": 1, "sheets": [sheet]})
    with pytest.raises(jsonio.JsonFormatError, match=message):
        jsonio.loads(text)


def test_an_external_reason_from_a_file_stays_on_one_line() -> None:
    sheet = jsonio.sheet_to_dict(samples.sample_sheets()[0])
    sheet["rows"][0]["external"] = True
    sheet["rows"][0]["external_reason"] = "感染症\n99  単年  100  A\u2028\u202e偽"
    [back] = jsonio.loads(json.dumps({"format": "kpidesk-sheets", "version": 1, "sheets": [sheet]}))
    reason = back.rows[0].external_reason
    assert "\n" not in reason and "\u2028" not in reason and "\u202e" not in reason
    assert reason.startswith("感染症 99  単年")
