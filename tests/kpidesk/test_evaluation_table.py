"""The evaluation table: the Excel 評価一覧, 一覧's rates and `main.py evaluate`."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pdfplumber
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from kpidesk import cli, evaluation, evaluation_table, samples
from kpidesk.book.store import Book
from kpidesk.evaluation import EvaluationSettings, RankLevel, Rounding
from kpidesk.exchange import evaluation_workbook, excel_writer, numformat, xlsx_safety
from kpidesk.model import Cell, Sheet, ValueRow
from tests.conftest import REPO, libreoffice_pdf, squash

#: The rules against the final target with truncation (the rounding-edge tests).
TRUNCATE = dataclasses.replace(evaluation.LEGACY_SETTINGS, rounding=Rounding.TRUNCATE)


@pytest.fixture(scope="module")
def sample_sheets() -> list[Sheet]:
    return samples.sample_sheets()


def evaluation_bytes(sheets: list[Sheet], **kwargs: Any) -> bytes:
    stream = io.BytesIO()
    evaluation_workbook.export_evaluation_table(sheets, stream, **kwargs)
    return stream.getvalue()


@pytest.fixture(scope="module")
def evaluation_book(sample_sheets: list[Sheet]) -> bytes:
    return evaluation_bytes(sample_sheets, book_name="見本.kpidb")


def shown(cell: Any) -> str:
    """What Excel shows in a cell."""
    return numformat.cell_text(cell.value, cell.number_format)


def table(data: bytes) -> tuple[Worksheet, list[dict[str, Any]]]:
    """The 評価一覧 worksheet and its lines as {header: cell}."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["評価一覧", "総括"]
    ws = wb["評価一覧"]
    headers = [cell.value for cell in ws[3]]
    lines = [dict(zip(headers, row, strict=True)) for row in ws.iter_rows(min_row=4)]
    return ws, lines


def line_of(lines: list[dict[str, Any]], no: int, label: str | None = None) -> dict[str, Any]:
    (found,) = [
        line
        for line in lines
        if line["No"].value == no and (label is None or line["区分"].value == label)
    ]
    return found


def texts(line: dict[str, Any]) -> dict[str, str]:
    return {header: shown(cell) for header, cell in line.items()}


# --- the Excel 評価一覧 -----------------------------------------------------------


def test_the_evaluation_table_has_one_line_per_value_row_with_the_published_figures(
    evaluation_book: bytes, sample_sheets: list[Sheet]
) -> None:
    ws, lines = table(evaluation_book)
    assert [cell.value for cell in ws[3]] == [
        "No", "担当課", "KPI名", "区分", "単位", "基準値", "最新実績", "前年比", "目標値",
        "期待値", "期待値に対する達成率", "期待値に対する進捗率", "達成率", "進捗率", "評価",
        "備考",
    ]  # fmt: skip
    assert len(lines) == sum(len(sheet.rows) for sheet in sample_sheets) == 18
    assert texts(line_of(lines, 9)) == {
        "No": "9",
        "担当課": "生活安全企画課",
        "KPI名": "刑法犯認知件数",
        "区分": "単年",
        "単位": "件/年",
        "基準値": "6,498 (R1)",
        "最新実績": "5,081 (R2)",
        "前年比": "-1,417件(-21.8%)",
        "目標値": "前年比減 (R5)",
        "期待値": "—",
        "期待値に対する達成率": "—",
        "期待値に対する進捗率": "—",
        "達成率": "127.9%",
        "進捗率": "—",
        "評価": "A",
        "備考": "前年の6,498に対して5,081のため、目標「前年比減」を達成。"
        "目標が「前年比減」のため期待値はありません。",
    }
    no17 = texts(line_of(lines, 17))
    assert (no17["最新実績"], no17["前年比"], no17["達成率"], no17["評価"]) == (
        "41 (R2)", "+7件(+20.6%)", "117.1%", "A",
    )  # fmt: skip
    no27 = texts(line_of(lines, 27))
    assert [no27[key] for key in ("基準値", "最新実績", "目標値")] == [
        "763 (R1)",
        "473 (R2)",
        "800 (R5)",
    ]
    # A new book ranks by the 期待値 and the floor: 473 is below the base of 763. Its
    # progress rates, -783.8% and worse, would mislead: they are said in words.
    assert (no27["期待値"], no27["期待値に対する達成率"], no27["期待値に対する進捗率"]) == (
        "772.25", "61.2%", "基準値を下回る",
    )  # fmt: skip
    assert (no27["達成率"], no27["進捗率"], no27["評価"]) == ("59.1%", "基準値を下回る", "D")
    assert no27["備考"].startswith("実績値（473）が基準値（763）を下回っているため")
    # Rates are numbers (sortable), rounded as printed.
    assert line_of(lines, 27)["達成率"].value == pytest.approx(0.591)
    assert line_of(lines, 14)["期待値に対する進捗率"].value == pytest.approx(1.83)


def test_rows_that_cannot_be_judged_say_why(evaluation_book: bytes) -> None:
    _, lines = table(evaluation_book)
    no16 = texts(line_of(lines, 16))
    assert (no16["最新実績"], no16["達成率"], no16["進捗率"], no16["評価"]) == (
        "集計中 (R2)", "—", "—", "—",
    )  # fmt: skip
    assert no16["備考"] == "R2の実績値が集計中です。"
    no26 = texts(line_of(lines, 26))
    assert (no26["最新実績"], no26["評価"]) == ("—", "—")
    assert no26["備考"] == "R2の実績値が「—」（該当なし）です。"
    no13 = texts(line_of(lines, 13, "単年"))
    assert no13["評価"] == "—" and "目標値が「—」のため評価できません" in no13["備考"]
    no15 = texts(line_of(lines, 15))
    assert (no15["最新実績"], no15["評価"]) == ("28,467 (R1)", "B")
    assert no15["備考"] == "前年度値で評価。R2の実績値が集計中です。R1の実績で評価しています。"


def test_every_rate_excel_shows_is_the_printed_rate(sample_sheets: list[Sheet]) -> None:
    for settings in (EvaluationSettings(), TRUNCATE):
        _, lines = table(evaluation_bytes(sample_sheets, settings=settings))
        expected = evaluation_table.evaluation_lines(sample_sheets, settings)
        assert len(lines) == len(expected)
        for line, printed in zip(lines, expected, strict=True):
            assert shown(line["達成率"]) == printed.achievement
            assert shown(line["進捗率"]) == printed.progress_words
            assert shown(line["評価"]) == printed.rank_text
            ev = printed.evaluation
            rate = evaluation.describe_rate(ev.achievement, "", settings.rounding)
            assert shown(line["達成率"]) == rate


def test_title_legend_and_print_settings(evaluation_book: bytes) -> None:
    ws, lines = table(evaluation_book)
    assert ws["A1"].value == "KPI評価一覧（令和2年度）\u3000見本.kpidb"
    legend = ws["A2"].value
    assert legend.startswith(
        "評価（期待値に対する達成率）: A 100%以上\u3000B 80%以上100%未満\u3000C 50%以上80%未満"
    )
    assert "D 50%未満" in legend and "四捨五入" in legend
    assert "実績が基準値より悪い行はD" in legend and "未達成ならD" in legend
    assert "A2:P2" in {str(merged) for merged in ws.merged_cells.ranges}
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3" and ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:P{3 + len(lines)}"
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            assert cell.font.name == "BIZ UDゴシック"
            assert cell.border.left.style == cell.border.bottom.style == "thin"
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCP"}
    assert widths["A"] < widths["B"] < widths["C"] and widths["P"] >= 30


def test_ranks_are_coloured_best_green_to_worst_red(evaluation_book: bytes) -> None:
    _, lines = table(evaluation_book)

    def colours(no: int, label: str | None = None) -> tuple[str, str]:
        cell = line_of(lines, no, label)["評価"]
        return "#" + cell.font.color.rgb[-6:].lower(), "#" + cell.fill.fgColor.rgb[-6:].lower()

    assert colours(9) == evaluation.RANK_COLOURS[0]  # A
    assert colours(15) == evaluation.rank_colours(1, 4)  # B
    assert colours(13, "累計") == evaluation.rank_colours(2, 4)  # C
    assert colours(28) == evaluation.RANK_COLOURS[-1]  # D
    assert line_of(lines, 16)["評価"].fill.fill_type is None  # not judged: no colour


def rates_sheet() -> Sheet:
    """Rates on the rounding edge: 129.075%, 120.75%, 99.95%, progress -12.35%."""

    def row(label: str, base: str, actual: str, target: str) -> ValueRow:
        return ValueRow(
            label=label, unit="件/年", baseline=Cell(base), actuals=[Cell(actual)],
            target=Cell(target),
        )  # fmt: skip

    return Sheet(
        report_year=2020,
        no="1",
        departments=["試験課"],
        title="端数の試験",
        baseline_year=2019,
        actual_years=[2020],
        target_year=2023,
        rows=[
            row("一", "3,000", "5,163", "4,000"),
            row("二", "300", "483", "400"),
            row("三", "3,000", "3,998", "4,000"),
            row("四", "200", "212.35", "100"),
        ],
    )


def test_truncate_mode_changes_the_printed_rates_and_ranks() -> None:
    sheet = rates_sheet()
    half_up = [texts(line) for line in table(evaluation_bytes([sheet]))[1]]
    truncated = [texts(line) for line in table(evaluation_bytes([sheet], settings=TRUNCATE))[1]]
    assert [line["達成率"] for line in half_up] == ["129.1%", "120.8%", "100.0%", "47.1%"]
    assert [line["達成率"] for line in truncated] == ["129.0%", "120.7%", "99.9%", "47.0%"]
    assert [line["評価"] for line in half_up] == ["A", "A", "A", "D"]
    assert [line["評価"] for line in truncated] == ["A", "A", "B", "D"]
    # -12.35 %: moved away from the target, said in words however it is rounded.
    assert half_up[3]["進捗率"] == truncated[3]["進捗率"] == "基準値を上回る"
    ws = table(evaluation_bytes([sheet], settings=TRUNCATE))[0]
    assert "切り捨て" in ws["A2"].value


def test_a_scheme_of_its_own_is_used_and_explained() -> None:
    settings = EvaluationSettings(
        basis=evaluation.Basis.PROGRESS,
        levels=(RankLevel("◎", Decimal(100)), RankLevel("○", Decimal("90.5"))),
        lowest_label="×",
    )
    ws, lines = table(evaluation_bytes([rates_sheet()], settings=settings))
    assert ws["A2"].value.startswith(
        "評価（進捗率）: ◎ 100%以上\u3000○ 90.5%以上100%未満\u3000× 90.5%未満"
    )
    # Progress: 216.3%, 183.0%, 99.8%, -12.4%.
    assert [shown(line["評価"]) for line in lines] == ["◎", "◎", "○", "×"]
    assert "#" + lines[3]["評価"].fill.fgColor.rgb[-6:].lower() == evaluation.RANK_COLOURS[-1][1]


def test_several_report_years_get_a_year_column(sample_sheets: list[Sheet]) -> None:
    next_year = [dataclasses.replace(s, report_year=2021) for s in sample_sheets[:2]]
    data = evaluation_bytes([*next_year, *sample_sheets[:2]])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["評価一覧"]
    assert ws["A1"].value == "KPI評価一覧（令和2年度・令和3年度）"
    assert ws["A3"].value == "年度" and ws["B3"].value == "No"
    years_and_nos = [(row[0].value, row[1].value) for row in ws.iter_rows(min_row=4)]
    # One year after the other, each in No order: each year's table reads on its own.
    assert years_and_nos == [
        ("令和2年度", 9), ("令和2年度", 10), ("令和2年度", 10),
        ("令和3年度", 9), ("令和3年度", 10), ("令和3年度", 10),
    ]  # fmt: skip


def test_progress_is_reported_and_bad_input_refused(sample_sheets: list[Sheet]) -> None:
    seen: list[tuple[int, int]] = []
    evaluation_workbook.export_evaluation_table(
        sample_sheets, io.BytesIO(), progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(done, 16) for done in range(1, 17)]

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluation_workbook.export_evaluation_table(sample_sheets, io.BytesIO(), progress=stop)
    with pytest.raises(xlsx_safety.ExcelError, match="書き出すシートがありません"):
        evaluation_workbook.export_evaluation_table([], io.BytesIO())
    bad = dataclasses.replace(sample_sheets[0], title="制御\x01文字")
    with pytest.raises(xlsx_safety.ExcelError, match="No 9 のKPI名にExcelに書けない制御文字"):
        evaluation_workbook.export_evaluation_table([bad], io.BytesIO())
    with pytest.raises(xlsx_safety.ExcelError, match="値の行がありません"):
        evaluation_workbook.export_evaluation_table([Sheet(report_year=2020, no="1")], io.BytesIO())


def test_the_list_of_the_main_export_names_the_year_and_agrees_with_the_evaluation_table(
    sample_sheets: list[Sheet],
) -> None:
    stream = io.BytesIO()
    excel_writer.export_workbook(sample_sheets, stream, settings=TRUNCATE)
    ws = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))["一覧"]
    assert ws["A1"].value == "KPI分析シート 一覧（令和2年度）"
    headers = [cell.value for cell in ws[2]]
    assert headers[-3:] == ["達成率", "進捗率", "評価"]
    shown_there = [tuple(shown(cell) for cell in row[-3:]) for row in ws.iter_rows(min_row=3)]
    lines = evaluation_table.evaluation_lines(sample_sheets, TRUNCATE)
    assert shown_there == [(line.achievement, line.progress, line.rank_text) for line in lines]
    assert shown_there[0] == ("127.8%", "—", "A")  # No 9 truncated: 127.88...%
    assert shown_there[-2] == ("0.0%", "-23.4%", "D")  # No 28: -23.47...%, towards zero


def test_libreoffice_prints_the_evaluation_table_and_its_summary_on_a_landscape_page_each(
    evaluation_book: bytes, tmp_path: Path
) -> None:
    pdf_path = libreoffice_pdf(evaluation_book, tmp_path, "summary")
    with pdfplumber.open(pdf_path) as pdf:
        assert len(pdf.pages) == 2
        assert all(page.width > page.height for page in pdf.pages)  # landscape
        text = squash(pdf.pages[0].extract_text() or "")
        summary = squash(pdf.pages[1].extract_text() or "")
    for expected in (
        "KPI評価一覧（令和2年度）", "5,081(R2)", "-1,417件(-21.8%)", "127.9%", "117.1%",
        "3,568.75", "基準値を下回る", "R2の実績値が集計中です。", "備考", "A100%以上",
    ):  # fmt: skip
        assert squash(expected) in text, expected
    for expected in (
        "KPI評価の総括（令和2年度）", "15項目のうちA 6（40%）、B 1（7%）、C 1（7%）、D 5（33%）",
        "Aの割合", "評価対象外", "産業支援課", "評価の分布",
    ):  # fmt: skip
        assert squash(expected) in summary, expected


# --- the printed lines ------------------------------------------------------------------


def test_lines_as_json_keep_raw_and_printed_rates(sample_sheets: list[Sheet]) -> None:
    by_no = {
        line.sheet.no: line.to_dict()
        for line in evaluation_table.evaluation_lines(sample_sheets, EvaluationSettings())
    }
    no9 = by_no["9"]
    assert (no9["latest"], no9["latest_year"], no9["previous"], no9["change"]) == (
        5081, 2020, 6498, -1417,
    )  # fmt: skip
    assert no9["change_text"] == "-1,417件(-21.8%)"
    assert no9["achievement_text"] == "127.9%" and no9["achievement"] == pytest.approx(127.8881)
    assert no9["progress"] is None and "前年比減" in no9["progress_reason"]
    assert no9["rank"] == "A"
    assert by_no["16"]["rank"] is None and by_no["16"]["rank_reason"] == "R2の実績値が集計中です"
    json.dumps(list(by_no.values()), ensure_ascii=False)  # plain JSON data


def test_with_year_leaves_dashes_and_blanks_alone() -> None:
    assert evaluation_table.with_year("6,498", 2019) == "6,498 (R1)"
    assert evaluation_table.with_year("—", 2019) == "—"
    assert evaluation_table.with_year("  ", 2019) == ""
    assert evaluation_table.with_year("集計中", None) == "集計中"


def test_format_table_counts_wide_characters_as_two_columns() -> None:
    text = cli.format_table(
        ["No", "区分", "率"], [["9", "単年", "127.9%"], ["10", "市町村(累計)", "6.8%"]], {2}
    )
    lines = text.split("\n")
    assert lines[0] == "No  区分          率"
    assert lines[2] == "9   単年          127.9%"
    assert lines[3] == "10  市町村(累計)    6.8%"


# --- the command line ---------------------------------------------------------------------


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(arg) for arg in args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "見本.kpidb"
    samples.create_sample_book(path).close()
    return path


def on_screen(line: str) -> str:
    """A line as a terminal lays it out: a wide character takes two columns."""
    return "".join(
        char + ("\0" if unicodedata.east_asian_width(char) in "WF" else "") for char in line
    )


def table_cells(text: str) -> list[list[str]]:
    """The table's lines cut at the terminal columns the rule line (``--  ----``) marks.

    Each cell is returned as laid out (with its padding) and with the wide
    characters' second halves, so a test sees where the text sits.
    """
    lines = text.splitlines()
    rule_at = next(i for i, line in enumerate(lines) if line.startswith("--"))
    spans = [match.span() for match in re.finditer(r"-+", lines[rule_at])]
    rows = []
    for line in lines[rule_at + 1 :]:
        if not line:
            break
        laid = on_screen(line)
        cells = [laid[start:end] for start, end in spans[:-1]]
        rows.append([*cells, laid[spans[-1][0] :]])
    return rows


def columns_of(text: str, first: str, second: str = "") -> list[str]:
    """The stripped cells of the table line whose first (and second) cell are given."""
    for cells in table_cells(text):
        stripped = [cell.replace("\0", "").strip() for cell in cells]
        if stripped[0] == first and (not second or stripped[1] == second):
            return stripped
    raise AssertionError(f"{first} not in\n{text}")


def test_evaluate_prints_an_aligned_table(book: Path) -> None:
    code, out, err = run("evaluate", "--db", book)
    assert (code, err) == (0, "")
    assert out.startswith("評価一覧（令和2年度）: 見本.kpidb\n")
    # A new book ranks by the 期待値: its columns are the 期待値 and the two rates against it.
    assert columns_of(out, "9") == [
        "9", "単年", "5,081 (R2)", "—", "-1,417件(-21.8%)", "—", "—", "A",
        "前年の6,498に対して5,081のため、目標「前年比減」を達成。"
        "目標が「前年比減」のため期待値はありません。",
    ]  # fmt: skip
    assert columns_of(out, "17")[2:8] == [
        "41 (R2)", "34.25", "+7件(+20.6%)", "119.7%", "目標達成済", "A",
    ]  # fmt: skip
    assert columns_of(out, "27")[3:8] == [
        "772.25", "-290万人(-38.0%)", "61.2%", "基準値を下回る", "D",
    ]  # fmt: skip
    assert columns_of(out, "16")[2:] == ["集計中 (R2)", *["—"] * 5, "R2の実績値が集計中です。"]
    assert columns_of(out, "26")[-1] == "R2の実績値が「—」（該当なし）です。"
    # Aligned in terminal columns: No and 区分 start at their column, the figures end at theirs.
    rows = table_cells(out)
    assert len(rows) == 18
    for cells in rows:
        assert all(not cell.startswith(" ") for cell in cells[:2] + cells[7:])
        assert all(cell.rstrip() and not cell.endswith(" ") for cell in cells[2:7]), cells
    assert "評価（期待値に対する達成率）: A 100%以上" in out


def test_evaluate_against_the_final_target_prints_the_rates_of_before(book: Path) -> None:
    code, out, err = run("evaluate", "--db", book, "--basis", "achievement", "--no-floor")
    assert (code, err) == (0, "")
    assert columns_of(out, "9")[:7] == [
        "9", "単年", "5,081 (R2)", "-1,417件(-21.8%)", "127.9%", "—", "A",
    ]  # fmt: skip
    # 700 % of the way: past the target, said in words.
    assert columns_of(out, "17")[2:7] == ["41 (R2)", "+7件(+20.6%)", "117.1%", "目標達成済", "A"]
    # -783.8 % means "moved away from the target": said in words, ranked C as before.
    assert columns_of(out, "27")[4:7] == ["59.1%", "基準値を下回る", "C"]
    assert "評価（達成率）: A 100%以上" in out and "基準値より悪い" not in out


def test_evaluate_json_has_raw_and_printed_rates(book: Path) -> None:
    code, out, err = run("evaluate", "--db", book, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert "—" in out  # not escaped
    assert data["book"] == "見本.kpidb" and data["report_years"] == [2020]
    assert data["settings"]["rounding"] == "half_up"
    rows = {(row["no"], row["label"]): row for row in data["rows"]}
    assert len(rows) == 18
    no9 = rows[("9", "単年")]
    assert (no9["latest_text"], no9["latest_year"], no9["change_text"]) == (
        "5,081", 2020, "-1,417件(-21.8%)",
    )  # fmt: skip
    assert no9["achievement_text"] == "127.9%" and no9["rank"] == "A"
    no27 = rows[("27", "単年")]
    assert no27["progress_text"] == "基準値を下回る"
    assert no27["progress"] == pytest.approx(-783.7837837)
    assert (no27["expected"], no27["expected_text"], no27["expected_source"]) == (
        772.25, "772.25", "line",
    )  # fmt: skip
    assert (no27["rate"], no27["rate_basis"], no27["rank"]) == (
        pytest.approx(61.2496), "expected", "D",
    )  # fmt: skip
    assert no27["reason"].startswith("実績値（473）が基準値（763）を下回っているため")
    assert no27["flags"]["below_base"] and no27["flags"]["floored"]
    no16 = rows[("16", "単年")]
    assert no16["rank"] is None and no16["rank_reason"] == "R2の実績値が集計中です"


def test_evaluate_follows_the_books_rounding_and_filters_by_year(book: Path) -> None:
    with Book.open(book, create=False) as store:
        store.set_evaluation_settings(TRUNCATE)
        next_year = dataclasses.replace(store.find_sheet(2020, "17"), report_year=2021, id=None)
        store.import_sheets([next_year])
    code, out, _ = run("evaluate", "--db", book, "--year", "R2")
    assert code == 0 and "年度" not in out.splitlines()[2]
    assert columns_of(out, "9")[4] == "127.8%" and "切り捨て" in out
    code, out, _ = run("evaluate", "--db", book, "--year", "2021", "--json")
    data = json.loads(out)
    assert [(row["report_year"], row["no"]) for row in data["rows"]] == [(2021, "17")]
    assert data["rows"][0]["achievement_text"] == "117.1%"
    code, out, _ = run("evaluate", "--db", book)  # both years: a year column
    assert out.startswith("評価一覧（令和2年度・令和3年度）")
    assert columns_of(out, "R3")[:2] == ["R3", "17"]


def test_evaluate_refusals_are_one_japanese_line(book: Path, tmp_path: Path) -> None:
    code, out, err = run("evaluate", "--db", book, "--year", "R5")
    assert (code, out) == (1, "")
    assert err == "エラー: 条件に合うシートがありません\n"
    code, _, err = run("evaluate", "--db", tmp_path / "none.kpidb")
    assert code == 1 and err.startswith("エラー: ") and err.count("\n") == 1


def test_export_summary_writes_the_workbook(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "評価一覧_R2.xlsx"
    code, out, err = run("export-summary", "--db", book, "-o", target, "--year", "R2")
    assert (code, err) == (0, "")
    assert out == f"15件のシート（18行）の評価一覧をExcelに書き出しました: {target}\n"
    ws, lines = table(target.read_bytes())
    assert ws["A1"].value == "KPI評価一覧（令和2年度）\u3000見本.kpidb"
    assert texts(line_of(lines, 9))["前年比"] == "-1,417件(-21.8%)"
    missing = tmp_path / "ない" / "x.xlsx"
    code, _, err = run("export-summary", "--db", book, "-o", missing)
    assert code == 1 and "保存先のフォルダがありません" in err
    assert not missing.parent.exists()
    assert {path.name for path in tmp_path.iterdir()} == {"評価一覧_R2.xlsx", "見本.kpidb"}


def test_evaluate_to_a_shift_jis_stream_keeps_working(book: Path) -> None:
    """Windows writes redirected output in cp932, which has no ``—`` (U+2014)."""
    env = {**os.environ, "PYTHONIOENCODING": "cp932"}
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)

    def evaluate(*extra: str) -> str:
        result = subprocess.run(
            [sys.executable, str(REPO / "main.py"), "evaluate", "--db", str(book), *extra],
            capture_output=True, env=env, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr.decode("cp932", "replace")
        return result.stdout.decode("cp932")

    table_text = evaluate("--no", "16")
    assert "集計中 (R2)" in table_text and "―" in table_text
    assert columns_of(table_text, "16")[-1] == "R2の実績値が集計中です。"
    data = json.loads(evaluate("--json", "--no", "9"))
    assert data["rows"][0]["progress_text"] == "—"  # the same data, escaped
    assert data["rows"][0]["achievement_text"] == "127.9%"


def test_evaluate_flags_override_the_books_settings_for_that_run_only(book: Path) -> None:
    code, out, _ = run("evaluate", "--db", book, "--json", "--basis", "achievement")
    data = json.loads(out)
    assert code == 0 and (data["settings"]["basis"], data["settings"]["floor"]) == (
        "achievement", True,
    )  # fmt: skip
    rows = {(row["no"], row["label"]): row for row in data["rows"]}
    assert rows[("27", "単年")]["rank"] == "D"  # 59.1 %, but below its base
    assert rows[("27", "単年")]["rate_basis"] == "achievement"
    code, out, _ = run("evaluate", "--db", book, "--json", "--basis", "achievement", "--no-floor")
    rows = {(row["no"], row["label"]): row for row in json.loads(out)["rows"]}
    assert rows[("27", "単年")]["rank"] == "C"
    assert rows[("14", "単年")]["rank"] == "B"  # 92.2 % of the final target
    code, out, _ = run("evaluate", "--db", book, "--json", "--rounding", "truncate")
    rows = {(row["no"], row["label"]): row for row in json.loads(out)["rows"]}
    assert rows[("9", "単年")]["achievement_text"] == "127.8%"
    code, out, _ = run("evaluate", "--db", book, "--basis", "expected_progress", "--no", "14")
    assert "評価（期待値に対する進捗率）" in out and columns_of(out, "14")[6:8] == ["183.0%", "A"]
    # The book keeps its own settings.
    with Book.open(book, read_only=True) as store:
        assert store.evaluation_settings() == EvaluationSettings()
    code, _, err = run("evaluate", "--db", book, "--basis", "elapsed")
    assert code == 2 and err.startswith("エラー: コマンドの指定が正しくありません")


def test_evaluate_json_says_what_each_rank_rests_on(book: Path) -> None:
    with Book.open(book, create=False) as store:
        no14 = store.find_sheet(2020, "14")
        no27 = store.find_sheet(2020, "27")
        assert no14 is not None and no27 is not None
        no14.rows[0].actuals[0] = Cell("3,688（速報値）")
        no14.rows.append(
            ValueRow(label="期待値", unit="人", actuals=[Cell("3,700"), *[Cell("")] * 3])
        )
        no27.rows[0].external = True
        no27.rows[0].external_reason = "新型コロナウイルス感染症の影響"
        store.save_sheet(no14)
        store.save_sheet(no27)
    code, out, _ = run("evaluate", "--db", book, "--json", "--no", "14", "--no", "27", "--no", "15")
    assert code == 0
    rows = {(row["no"], row["label"]): row for row in json.loads(out)["rows"]}
    kpi, yardstick = rows[("14", "単年")], rows[("14", "期待値")]
    assert (kpi["latest_text"], kpi["expected"], kpi["expected_source"], kpi["expected_row"]) == (
        "3,688（速報値）", 3700, "typed", 2,
    )  # fmt: skip
    assert (kpi["rate_basis"], kpi["rank"]) == ("expected", "B")  # 3,688 of 3,700: 99.7 %
    assert kpi["flags"]["provisional"] and kpi["flags"]["mark"] == "速報値"
    assert "速報値による評価" in kpi["remarks"]
    assert yardstick["rank"] is None and yardstick["flags"]["yardstick"]
    assert yardstick["flags"]["yardstick_of"] == 1
    assert yardstick["reason"] == "1行目の期待値の行です（評価しません）"
    external = rows[("27", "単年")]["flags"]
    assert external["external"] and external["reference"] and not external["excluded"]
    assert external["external_reason"] == "新型コロナウイルス感染症の影響"
    earlier = rows[("15", "単年")]
    assert earlier["flags"]["previous_year_value"] and earlier["note"].startswith("前年度値で評価")


def test_a_reader_that_goes_away_is_a_normal_end(book: Path) -> None:
    """``evaluate … | head``: the pipe is closed before the output is written."""
    env = {**os.environ}
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    for args in (("--json",), ()):
        reader, writer = os.pipe()
        os.close(reader)  # the reader has gone before a byte is written
        try:
            result = subprocess.run(
                [sys.executable, str(REPO / "main.py"), "evaluate", "--db", str(book), *args],
                stdout=writer, stderr=subprocess.PIPE, env=env, timeout=120, check=False,
            )  # fmt: skip
        finally:
            os.close(writer)
        assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
        assert result.stderr == b""


def test_a_closed_pipe_on_windows_is_a_normal_end_too(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows reports a pipe whose reader has gone as EINVAL (simulated here)."""

    class ClosedPipe(io.StringIO):
        encoding = "utf-8"

        def write(self, text: str) -> int:
            raise OSError(22, "Invalid argument")

    monkeypatch.setattr(sys, "platform", "win32")
    err = io.StringIO()
    assert cli.main(["evaluate", "--db", str(book)], out=ClosedPipe(), err=err) == 0
    assert err.getvalue() == ""
    # Elsewhere an EINVAL is no closed pipe: it is reported.
    monkeypatch.setattr(sys, "platform", "linux")
    assert cli.main(["evaluate", "--db", str(book)], out=ClosedPipe(), err=err) == 3


def test_the_legend_says_how_word_targets_are_judged_in_this_book() -> None:
    from kpidesk.ranking import LEGACY_SETTINGS

    new = evaluation_table.legend(EvaluationSettings())
    assert "前年比減・前年比増・認定などの行は達成ならA、未達成ならD" in new
    before = evaluation_table.legend(LEGACY_SETTINGS)
    assert "未達成ならD" not in before
    assert "前年に対する達成率で評価（未達成はAにしない）" in before and "評価しない" in before


def test_an_expected_row_shows_no_actual_of_its_own() -> None:
    from kpidesk.model import Cell, ValueRow

    sheet = samples.sample_sheets()[2]  # No 13: 単年 and 累計 (人/4年)
    planned = [Cell("100"), Cell("200"), Cell(""), Cell("")]
    path = ValueRow("期待値(累計)", "人/4年", Cell(""), planned, Cell("400"))
    sheet = dataclasses.replace(sheet, rows=[*sheet.rows, path])
    lines = evaluation_table.evaluation_lines([sheet], EvaluationSettings())
    expected_line = next(line for line in lines if line.evaluation.label == "期待値(累計)")
    assert expected_line.latest == ""  # its 200 is a planned value, not an actual
    cumulative = next(line for line in lines if line.evaluation.label == "累計")
    assert cumulative.latest == "72 (R2)"


def test_a_long_marked_value_wraps_in_its_cell_rather_than_being_cut() -> None:
    from kpidesk.model import Cell

    sheet = samples.sample_sheets()[0]
    rows = [dataclasses.replace(sheet.rows[0], actuals=[Cell("12,345,678（速報値）"), Cell(""),
                                                        Cell(""), Cell("")])]  # fmt: skip
    stream = io.BytesIO()
    evaluation_workbook.export_evaluation_table(
        [dataclasses.replace(sheet, rows=rows)], stream, settings=EvaluationSettings()
    )
    ws = openpyxl.load_workbook(io.BytesIO(stream.getvalue())).worksheets[0]
    header_row = next(row for row in ws.iter_rows() if any(c.value == "最新実績" for c in row))
    column = next(c.column for c in header_row if c.value == "最新実績")
    cell = ws.cell(header_row[0].row + 1, column)
    assert cell.value == "12,345,678（速報値） (R2)"
    assert cell.alignment.wrap_text
    assert ws.row_dimensions[cell.row].height > 18  # room for the second line
