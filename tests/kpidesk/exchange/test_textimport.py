"""Published text -> sheets: all 15 sample sheets, checked value by value."""

from __future__ import annotations

import re

import pytest

from kpidesk.exchange import textimport
from kpidesk.model import Sheet
from tests.conftest import SAMPLE_TEXT

SECTION = "2 新型コロナウイルス感染症 を踏まえた対応"
R1_BASE = (2019, [2020, 2021, 2022, 2023])
H30_BASE = (2018, [2019, 2020, 2021, 2022, 2023])

# No: (departments, title, (baseline year, actual years), rows, bullet counts)
# rows: (label, unit, baseline, actuals, target), typed in by hand from the text.
EXPECTED = {
    "9": (
        ["生活安全企画課"],
        "刑法犯認知件数",
        R1_BASE,
        [("単年", "件/年", "6,498", ["5,081", "", "", ""], "前年比減")],
        (4, 3, 2),
    ),
    "10": (
        ["教育政策課"],
        "学校情報化認定制度で「先進地域」の認定を受けた自治体数",
        R1_BASE,
        [
            ("市町村(累計)", "市町村", "3", ["3", "", "", ""], "44"),
            ("県", "", "認定なし", ["認定なし", "", "", ""], "認定"),
        ],
        (2, 2, 2),
    ),
    "13": (
        ["商工政策課"],
        "熊本県UIJターン就職支援センター登録者におけるUIJターン就職者数",
        R1_BASE,
        [
            ("単年", "人/年", "—", ["72", "", "", ""], "—"),
            ("累計", "人/4年", "260", ["72", "", "", ""], "400"),
        ],
        (1, 1, 3),
    ),
    "14": (
        ["農産園芸課"],
        "農業分野における外国人材(技能実習生、特定技能外国人材)の受入人数",
        R1_BASE,
        [("単年", "人/年", "3,425", ["3,688", "", "", ""], "4,000")],
        (2, 4, 2),
    ),
    "15": (
        ["産業支援課"],
        "製造品出荷額",
        H30_BASE,
        [("単年", "億円/年", "28,461", ["28,467", "集計中", "", "", ""], "30,203")],
        (2, 1, 4),
    ),
    "16": (
        ["産業支援課"],
        "IT関連産業の売上高",
        H30_BASE,
        [("単年", "億円/年", "369", ["集計中", "集計中", "", "", ""], "392")],
        (1, 2, 3),
    ),
    "17": (
        ["企業立地課"],
        "企業立地件数",
        R1_BASE,
        [("単年", "件/年", "34", ["41", "", "", ""], "35")],
        (2, 2, 1),
    ),
    "18": (
        ["産業支援課"],
        "県の施策を通じて創業・第二創業を行った企業数",
        R1_BASE,
        [
            ("単年", "社/年", "", ["6", "", "", ""], "—"),
            ("累計", "社/4年", "16", ["6", "", "", ""], "20"),
        ],
        (3, 1, 1),
    ),
    "19": (
        ["企業立地課"],
        "県内港国際コンテナ貨物取扱量",
        R1_BASE,
        [("単年", "TEU/年", "37,163", ["36,665", "", "", ""], "44,000")],
        (2, 1, 1),
    ),
    "20": (
        ["農林水産政策課"],
        "主要な農産物の10a当たりの収量",
        H30_BASE,
        [("単年", "kg/10a/年", "2,792", ["2,852", "集計中", "", "", ""], "2,847")],
        (2, 2, 1),
    ),
    "25": (
        ["販路拡大ビジネス課"],
        "農林水産物等の輸出額",
        R1_BASE,
        [("単年", "億円/年", "61", ["77.6", "", "", ""], "80")],
        (2, 2, 2),
    ),
    "26": (
        ["むらづくり課"],
        "中山間農業モデル地区における目標達成率",
        R1_BASE,
        [("累計", "%", "—", ["—", "", "", ""], "50")],
        (3, 1, 2),
    ),
    "27": (
        ["観光企画課"],
        "延べ宿泊者数",
        R1_BASE,
        [("単年", "万人/年", "763", ["473", "", "", ""], "800")],
        (2, 2, 2),
    ),
    "28": (
        ["観光振興課", "港湾課"],
        "クルーズ船寄港数",
        R1_BASE,
        [("単年", "回/年", "19", ["0", "", "", ""], "100")],
        (2, 2, 2),
    ),
    "29": (
        ["観光振興課"],
        "新たな観光スタイルにつながる着地型・体験型旅行商品の予約件数",
        R1_BASE,
        [("単年", "件/年", "10,000", ["7,747", "", "", ""], "13,000")],
        (3, 2, 3),
    ),
}


def bullets_by_sheet(text: str) -> dict[str, dict[str, list[str]]]:
    """A second, simple reading of the bullets: every `- ` line, by sheet and section.

    Independent of the importer: a sheet starts at its `No` line, a section at
    its heading; a bullet is a `- ` line without its `- ` and `・` marks.
    """
    headings = {"取組状況": "efforts", "課題等": "issues", "今後の方向性": "direction"}
    result: dict[str, dict[str, list[str]]] = {}
    lines = text.splitlines()
    current: dict[str, list[str]] | None = None
    section = None
    for index, line in enumerate(lines):
        if line.startswith("No"):
            match = re.match(r"No (\d+)", line)
            no = match.group(1) if match else lines[index + 1].strip()
            current = result.setdefault(no, {name: [] for name in headings.values()})
            section = None
        elif line.strip() in headings:
            section = headings[line.strip()]
        elif line.startswith("- ") and current is not None and section is not None:
            current[section].append(line[2:].removeprefix("・"))
    return result


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SAMPLE_TEXT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sheets(seed_text: str) -> dict[str, Sheet]:
    result = textimport.parse(seed_text)
    assert result.problems == []
    return {sheet.no: sheet for sheet in result.sheets}


def test_all_fifteen_sheets_in_order(seed_text: str) -> None:
    result = textimport.parse(seed_text)
    assert [sheet.no for sheet in result.sheets] == list(EXPECTED)
    assert {sheet.report_year for sheet in result.sheets} == {2020}


@pytest.mark.parametrize("no", list(EXPECTED))
def test_sheet_header_and_values(sheets: dict[str, Sheet], no: str) -> None:
    departments, title, (baseline_year, actual_years), rows, _ = EXPECTED[no]
    sheet = sheets[no]
    assert sheet.departments == departments
    assert sheet.title == title
    assert sheet.section == SECTION
    assert sheet.baseline_label == "戦略策定時実績値"
    assert sheet.baseline_year == baseline_year
    assert sheet.actual_years == actual_years
    assert sheet.target_year == 2023
    got = [
        (row.label, row.unit, row.baseline.text, [c.text for c in row.actuals], row.target.text)
        for row in sheet.rows
    ]
    assert got == rows


@pytest.mark.parametrize("no", list(EXPECTED))
def test_sheet_bullets(sheets: dict[str, Sheet], seed_text: str, no: str) -> None:
    expected = bullets_by_sheet(seed_text)[no]
    counts = EXPECTED[no][4]
    sheet = sheets[no]
    assert (len(sheet.efforts), len(sheet.issues), len(sheet.direction)) == counts
    assert sheet.efforts == expected["efforts"]
    assert sheet.issues == expected["issues"]
    assert sheet.direction == expected["direction"]
    for bullet in [*sheet.efforts, *sheet.issues, *sheet.direction]:
        assert not bullet.startswith(("-", "・", " ")), bullet


def test_bullet_words_kept_as_printed(sheets: dict[str, Sheet]) -> None:
    # The extraction's stray 「 and odd spaces stay; only the marks go.
    assert sheets["9"].efforts[2].startswith("「ストーカー・DV、児童虐待事案")
    assert sheets["9"].efforts[0] == (
        "令和2年中の刑法犯認知件数は、前年比：-1,417件(-21.8%)の5,081件となり、"
        "平成16年以降17年連続で減少した。"
    )
    assert sheets["19"].efforts[0].startswith("新型コロナウイルス感染症の影響により")
    assert "『I'm fine! ASO』" in sheets["29"].efforts[2]


def test_cp932_and_bom_inputs_read_the_same(tmp_path, seed_text: str) -> None:
    reference = textimport.parse(seed_text).sheets
    # CP932 has no em dash (U+2014); Windows files carry the horizontal bar
    # (U+2015, 0x815C) instead, which is kept as typed and still means "—".
    sjis_text = seed_text.replace("\u2014", "\u2015")
    sjis = tmp_path / "sjis.txt"
    sjis.write_bytes(sjis_text.encode("cp932", errors="strict"))
    sjis_sheets = textimport.read_file(sjis).sheets
    assert sjis_sheets == textimport.parse(sjis_text).sheets
    no13 = next(sheet for sheet in sjis_sheets if sheet.no == "13")
    assert no13.rows[0].baseline.text == "\u2015"
    assert no13.rows[0].baseline.parsed.word == "—"
    assert [sheet.rows[0].actuals[0].text for sheet in sjis_sheets] == [
        sheet.rows[0].actuals[0].text.replace("\u2014", "\u2015") for sheet in reference
    ]
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + seed_text.encode("utf-8"))
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(seed_text.replace("\n", "\r\n").encode("utf-8"))
    assert textimport.read_file(sjis).encoding == "cp932"
    for path, encoding in ((bom, "utf-8"), (crlf, "utf-8")):
        result = textimport.read_file(path)
        assert result.encoding == encoding
        assert result.sheets == reference


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_unicode_text_from_notepad_or_excel_is_read(tmp_path, encoding: str) -> None:
    # Notepad's and Excel's 「Unicode テキスト」: UTF-16 with its BOM, CRLF line ends.
    text = SAMPLE_TEXT.read_text(encoding="utf-8").replace("\n", "\r\n")
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    path = tmp_path / "unicode.txt"
    path.write_bytes(bom + text.encode(encoding))
    result = textimport.read_file(path)
    assert result.encoding == "utf-16"
    assert result.sheets == textimport.parse(SAMPLE_TEXT.read_text(encoding="utf-8")).sheets
    assert len(result.sheets) == 15


def test_unknown_encoding_is_refused(tmp_path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes(bytes(range(128, 256)))
    with pytest.raises(textimport.TextImportError, match="文字コード"):
        textimport.read_file(path)


def test_report_year_can_be_given() -> None:
    text = SAMPLE_TEXT.read_text(encoding="utf-8")
    result = textimport.parse(text, report_year=2021)
    assert {sheet.report_year for sheet in result.sheets} == {2021}


def test_report_year_is_the_newest_filled_actual_column() -> None:
    text = (
        "No 1\t課\nKPI\n\t戦略策定時実績値 (R1)\tR2実績値\tR3実績値\t目標値 (R3)\n"
        "単年\t1 件\t2\t3\t4\n"
    )
    assert textimport.parse(text).sheets[0].report_year == 2021


def test_text_without_sheets_is_refused() -> None:
    with pytest.raises(textimport.TextImportError, match="見つかりません"):
        textimport.parse("KPI分析シート\n<別記様式2>\n\n")


def test_unplaced_lines_are_reported_with_line_numbers() -> None:
    text = (
        "これは前書きです\n"
        "No 1\t課\nKPI\n\t戦略策定時実績値 (R1)\tR2実績値\t目標値 (R5)\n"
        "単年\t1 件\t2\t3\n"
        "単年\t1 件\t2\t3\t4\t5\t6\n"
        "取組状況\n- した\n"
    )
    result = textimport.parse(text)
    assert [(p.line, p.text) for p in result.problems] == [
        (1, "これは前書きです"),
        (6, "単年\t1 件\t2\t3\t4\t5\t6"),
    ]
    assert "1行目" in str(result.problems[0])
    assert result.sheets[0].efforts == ["した"]


def test_wrapped_paragraph_lines_join_their_bullet() -> None:
    text = (
        "No 1\t課\nKPI\n\t戦略策定時実績値 (R1)\tR2実績値\t目標値 (R5)\n単年\t1 件\t2\t3\n"
        "取組状況\n- 長い段落が\n折り返された。\n- 次の段落\n"
    )
    assert textimport.parse(text).sheets[0].efforts == ["長い段落が折り返された。", "次の段落"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("6,498 件/年", ("6,498", "件/年")),
        ("— 人/年", ("—", "人/年")),
        ("社/年", ("", "社/年")),
        ("認定なし", ("認定なし", "")),
        ("3 市町村", ("3", "市町村")),
        ("2,792 kg/10a/年", ("2,792", "kg/10a/年")),
        ("— %", ("—", "%")),
        ("", ("", "")),
    ],
)
def test_split_baseline(cell: str, expected: tuple[str, str]) -> None:
    assert textimport.split_baseline(cell) == expected


def test_a_sheet_whose_no_never_comes_is_reported_not_returned() -> None:
    text = (
        "No\t観光振興課\n刑法犯認知件数\t\n\t戦略策定時 実績値 (R1)\tR2実績値\t目標値 (R5)\n"
        "単年\t6,498 件/年\t5,081\t前年比減\n"
        "No 2\t課\nKPI\n\t戦略策定時実績値 (R1)\tR2実績値\t目標値 (R5)\n単年\t1 件\t2\t3\n"
    )
    result = textimport.parse(text)
    assert [sheet.no for sheet in result.sheets] == ["2"]
    assert any("No の番号がありません" in problem.reason for problem in result.problems)


INVISIBLE = {
    "bom": "\ufeff",
    "zero-width-space": "\u200b",
    "word-joiner": "\u2060",
    "no-break-space": "\u00a0",
    "left-to-right-mark": "\u200e",
    "right-to-left-mark": "\u200f",
    "soft-hyphen": "\u00ad",
    "ideographic-space": "\u3000",
}


@pytest.mark.parametrize("char", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_an_invisible_character_before_no_does_not_hide_the_sheet(
    seed_text: str, char: str
) -> None:
    # Before, No 10 became a bullet of No 9's 今後の方向性, without a word.
    reference = textimport.parse(seed_text).sheets
    result = textimport.parse(seed_text.replace("No 10\t", char + "No 10\t", 1))
    assert result.problems == []
    assert result.sheets == reference


@pytest.mark.parametrize("char", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_invisible_characters_around_headings_and_table_cells_are_not_read(char: str) -> None:
    text = (
        f"{char}No 1\t課{char}\n{char}KPI{char}\n"
        f"{char}\t{char}戦略策定時実績値 (R1){char}\tR2実績値\t目標値 (R5){char}\n"
        f"{char}単年{char}\t1 件{char}\t{char}2\t3{char}\t{char}\n"
        f"{char}取組状況{char}\n{char}- した{char}\n"
        f"{char}KPI分析シート{char}\n{char}今後の方向性\n- する\n"
    )
    result = textimport.parse(text)
    assert result.problems == []
    [sheet] = result.sheets
    assert (sheet.no, sheet.departments, sheet.title) == ("1", ["課"], "KPI")
    assert (sheet.baseline_year, sheet.actual_years, sheet.target_year) == (2019, [2020], 2023)
    [row] = sheet.rows
    assert (row.label, row.unit, row.baseline.text, row.actuals[0].text, row.target.text) == (
        "単年",
        "件",
        "1",
        "2",
        "3",
    )
    assert (sheet.efforts, sheet.direction) == (["した"], ["する"])


def test_a_line_that_looks_like_a_sheets_start_is_reported_not_swallowed(seed_text: str) -> None:
    # A combining grapheme joiner is no format character, and the line cannot
    # be read as a sheet's start; it must not pass as a bullet without a word.
    text = seed_text.replace("No 10\t", "\u034fNo 10\t", 1)
    number = text.splitlines().index(next(ln for ln in text.splitlines() if "\u034fNo 10" in ln))
    result = textimport.parse(text)
    assert "10" not in [sheet.no for sheet in result.sheets]
    reported = [problem for problem in result.problems if problem.line == number + 1]
    assert reported, result.problems
    assert "シートの始まり（No と番号）のようですが" in str(reported[0])
    assert f"{number + 1}行目" in str(reported[0])


@pytest.mark.parametrize("where", ["bullet", "title", "value-row"])
def test_a_line_that_looks_like_a_table_header_or_no_is_reported(where: str) -> None:
    header = "\u034f\t戦略策定時実績値 (R1)\tR2実績値\t目標値 (R5)"
    start = "\u034fNo 2\t課"
    table = "\t戦略策定時実績値 (R1)\tR2実績値\t目標値 (R5)\n単年\t1 件\t2\t3\n"
    lines = {
        "bullet": f"No 1\t課\nKPI\n{table}取組状況\n- した\n{start}\n{header}\n",
        "title": f"No 1\t課\nKPI\n{start}\n{table}",
        "value-row": f"No 1\t課\nKPI\n{table}{start}\n{header}\n",
    }[where]
    result = textimport.parse(lines)
    reasons = {problem.text: problem.reason for problem in result.problems}
    assert "シートの始まり（No と番号）" in reasons[start]
    if where != "title":
        assert "値の表の見出し行のようですが" in reasons[header]
    assert len(result.sheets) == 1
