"""The 総括: ranks counted per report year, section and department (kpidesk.evaluation_summary)."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from kpidesk import evaluation, evaluation_summary, limits
from kpidesk.book.store import Book
from kpidesk.evaluation import LEGACY_SETTINGS, EvaluationSettings, ExternalMode
from kpidesk.exchange import evaluation_workbook, numformat
from kpidesk.model import Cell, Sheet
from kpidesk.samples import sample_sheets
from tests.kpidesk.test_store import raw

NEW = EvaluationSettings()


@pytest.fixture(scope="module")
def samples() -> list[Sheet]:
    return sample_sheets()


def test_the_samples_summary_reads_as_prefectures_print_it(samples: list[Sheet]) -> None:
    summary = evaluation_summary.summarize(samples, NEW)
    assert summary.report_year == 2020 and summary.title == "令和2年度 評価の総括"
    overall = summary.overall
    assert (overall.counts, overall.not_judged, overall.excluded) == ((6, 1, 1, 5), 2, 0)
    assert (
        summary.sentence() == "15項目のうちA 6（40%）、B 1（7%）、C 1（7%）、D 5（33%）、— 2（13%）"
    )
    assert overall.share(6) == 40 and overall.counted == overall.total == 15
    # By the rules before: A 3, B 4, C 2, D 4.
    before = evaluation_summary.summarize(samples, LEGACY_SETTINGS)
    assert before.overall.counts == (3, 4, 2, 4)


def test_counts_per_section_and_per_department(samples: list[Sheet]) -> None:
    renamed = [
        dataclasses.replace(sheet, section="1 しごと" if int(sheet.no) < 15 else sheet.section)
        for sheet in samples
    ]
    summary = evaluation_summary.summarize(renamed, NEW)
    assert [counts.heading for counts in summary.sections] == [
        "1 しごと", "2 新型コロナウイルス感染症 を踏まえた対応",
    ]  # fmt: skip
    first, second = summary.sections
    assert (first.counts, first.not_judged) == ((2, 0, 1, 1), 0)  # No 9, 10, 13, 14
    assert first.total + second.total == 15
    departments = {counts.heading: counts for counts in summary.departments}
    # No 28 has two departments: it counts for each.
    assert departments["観光振興課"].counts == (0, 0, 0, 2)  # No 28, 29
    assert departments["港湾課"].counts == (0, 0, 0, 1)  # No 28
    assert departments["産業支援課"].sentence() == (
        "3項目のうちA 1（33%）、B 1（33%）、C 0（0%）、D 0（0%）、— 1（33%）"
    )
    assert sum(counts.total for counts in summary.departments) == 16  # 15 sheets, No 28 twice
    assert list(departments)[:3] == ["生活安全企画課", "教育政策課", "商工政策課"]  # by No


def covid(sheet: Sheet) -> Sheet:
    rows = [
        dataclasses.replace(row, external=True, external_reason="新型コロナウイルス感染症の影響")
        for row in sheet.rows
    ]
    return dataclasses.replace(sheet, rows=rows)


def test_external_factors_are_marked_or_left_out_of_the_counts(samples: list[Sheet]) -> None:
    hit = {"27", "28", "29"}
    sheets = [covid(sheet) if sheet.no in hit else sheet for sheet in samples]
    reference = evaluation_summary.summarize(sheets, NEW)
    assert reference.overall.counts == (6, 1, 1, 5)  # ranked as usual...
    marked = [item for item in reference.items if item.result.reference]
    assert {item.sheet.no for item in marked} == hit  # ...marked 参考

    excluded = evaluation_summary.summarize(
        sheets, dataclasses.replace(NEW, external=ExternalMode.EXCLUDED)
    )
    overall = excluded.overall
    assert (overall.counts, overall.not_judged, overall.excluded) == ((6, 1, 1, 2), 2, 3)
    assert (overall.counted, overall.total) == (12, 15)
    assert excluded.sentence() == (
        "12項目のうちA 6（50%）、B 1（8%）、C 1（8%）、D 2（17%）、— 2（17%）"
        "（ほかに評価対象外 3項目）"
    )
    departments = {counts.heading: counts for counts in excluded.departments}
    assert departments["港湾課"].sentence() == "評価対象外 1項目"


def test_expected_rows_are_never_counted_and_a_sheet_ranks_by_its_first_ranked_row(
    samples: list[Sheet],
) -> None:
    no13 = next(sheet for sheet in samples if sheet.no == "13")
    # A 期待値 row that would rank A by itself if it were a KPI row.
    yardstick = dataclasses.replace(
        no13.rows[1], label="期待値(累計)", actuals=[Cell("70"), *no13.rows[1].actuals[1:]]
    )
    sheet = dataclasses.replace(no13, rows=[*no13.rows, yardstick])
    [item] = evaluation_summary.summarize([sheet], NEW).items
    assert item.row is not None and (item.row.row, item.row.label) == (1, "累計")
    assert item.result.label == "A"  # 72 of the typed 70
    assert evaluation_summary.summarize([sheet], NEW).overall.total == 1


def test_one_summary_per_report_year(samples: list[Sheet]) -> None:
    later = [dataclasses.replace(sheet, report_year=2021) for sheet in samples[:3]]
    with pytest.raises(ValueError, match="報告年度ごと"):
        evaluation_summary.summarize([*samples, *later], NEW)
    with pytest.raises(ValueError, match="ありません"):
        evaluation_summary.summarize([], NEW)
    years = evaluation_summary.summaries([*later, *samples], NEW)
    assert [(summary.report_year, summary.overall.total) for summary in years] == [
        (2020, 15), (2021, 3),
    ]  # fmt: skip
    assert evaluation_summary.percent_text(Decimal("12.5")) == "13%"
    assert evaluation_summary.percent_text(None) == "—"


def test_the_evaluation_workbook_carries_the_summary(samples: list[Sheet]) -> None:
    stream = io.BytesIO()
    evaluation_workbook.export_evaluation_table(samples, stream, settings=NEW, book_name="見本")
    ws = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))["総括"]
    assert ws["A1"].value == "KPI評価の総括（令和2年度）\u3000見本"
    assert ws["A2"].value == summary_sentence(samples)
    header_row = next(row for row in ws.iter_rows() if row[0].value == "区分")
    headers = [cell.value for cell in header_row]
    assert headers == [
        "区分", "名称", "項目数", "A", "Aの割合", "B", "Bの割合", "C", "Cの割合", "D", "Dの割合",
        "—", "—の割合", "評価対象外",
    ]  # fmt: skip
    rows = {
        (row[0].value, row[1].value): row for row in ws.iter_rows(min_row=header_row[0].row + 1)
    }
    overall = rows[("全体", "全体")]
    assert [cell.value for cell in overall[2:5]] == [15, 6, 0.4]
    assert overall[4].number_format == "0%"
    assert rows[("担当課", "港湾課")][9].value == 1  # D
    assert ws.page_setup.orientation == "landscape"


def summary_sentence(sheets: list[Sheet]) -> str:
    return evaluation_summary.summarize(sheets, NEW).sentence()


# --- from the list entries a book keeps ---------------------------------------------


def test_the_list_entries_count_as_the_sheets_do(samples: list[Sheet]) -> None:
    renamed = [
        dataclasses.replace(sheet, section="1 しごと" if int(sheet.no) < 15 else sheet.section)
        for sheet in samples
    ]
    hit = {"27", "28"}
    sheets = [covid(sheet) if sheet.no in hit else sheet for sheet in renamed]
    settings = dataclasses.replace(NEW, external=ExternalMode.EXCLUDED)
    with Book.memory() as book:
        book.import_sheets(sheets)
        entries = book.list_entries(report_year=2020)
        assert {entry.no: entry.section for entry in entries} == {
            sheet.no: sheet.section for sheet in sheets
        }
        from_entries = evaluation_summary.summarize(entries, settings)
        from_sheets = evaluation_summary.summarize(book.list_sheets(), settings)
    assert from_entries.overall == from_sheets.overall
    assert from_entries.sections == from_sheets.sections
    assert from_entries.departments == from_sheets.departments
    assert from_entries.overall.excluded == 2
    assert [item.sheet.no for item in from_entries.items] == [
        item.sheet.no for item in from_sheets.items
    ]
    # A sheet given in full (the window's open sheet, edited) counts beside the entries.
    no16 = next(sheet for sheet in sheets if sheet.no == "16")
    actuals = list(no16.rows[0].actuals)
    actuals[no16.actual_years.index(2020)] = Cell("400")  # was 集計中
    judged = dataclasses.replace(no16, rows=[dataclasses.replace(no16.rows[0], actuals=actuals)])
    mixed = [judged if entry.no == "16" else entry for entry in entries]
    assert evaluation_summary.summarize(mixed, settings).overall.not_judged == (
        from_entries.overall.not_judged - 1
    )


def test_a_section_another_program_stored_too_long_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "b.kpidb"
    with Book.open(path) as book:
        book.import_sheets(sample_sheets()[:2])
    with raw(path) as connection:
        connection.execute("UPDATE sheets SET section = ?", ["施策" * 500_000])
    with Book.open(path) as book:
        entries = book.list_entries()
    assert {len(entry.section) for entry in entries} == {limits.MAX_SECTION_CHARS}


# --- the 評価一覧 workbook: the 期待値, words and flags; the 総括's chart ------------------


def evaluation_lines_of(data: bytes) -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    ws = openpyxl.load_workbook(io.BytesIO(data))["評価一覧"]
    headers = [cell.value for cell in ws[3]]
    lines = {}
    for row in ws.iter_rows(min_row=4):
        shown = {
            header: numformat.cell_text(cell.value, cell.number_format)
            for header, cell in zip(headers, row, strict=True)
        }
        lines[(shown["No"], shown["区分"])] = shown
    return headers, lines


def workbook(sheets: list[Sheet], settings: EvaluationSettings) -> bytes:
    stream = io.BytesIO()
    evaluation_workbook.export_evaluation_table(sheets, stream, settings=settings)
    return stream.getvalue()


def test_the_evaluation_table_shows_the_expected_value_and_the_rate_against_it(
    samples: list[Sheet],
) -> None:
    headers, lines = evaluation_lines_of(workbook(samples, NEW))
    assert headers[8:14] == [
        "目標値", "期待値", "期待値に対する達成率", "期待値に対する進捗率", "達成率", "進捗率",
    ]  # fmt: skip
    no18 = lines[("18", "累計")]  # 20 firms over four years from zero: 5 after the first
    assert (no18["期待値"], no18["期待値に対する達成率"], no18["評価"]) == ("5", "120.0%", "A")
    no14 = lines[("14", "単年")]
    assert (no14["期待値"], no14["期待値に対する達成率"], no14["評価"]) == (
        "3,568.75", "103.3%", "A",
    )  # fmt: skip
    assert lines[("13", "累計")]["期待値"] == "100"
    # A progress rate that would mislead is said in words, not -783.8 %.
    no27 = lines[("27", "単年")]
    assert (no27["期待値に対する進捗率"], no27["進捗率"]) == ("基準値を下回る", "基準値を下回る")
    assert lines[("17", "単年")]["期待値に対する進捗率"] == "目標達成済"
    # Against the final target the 期待値 columns are not there.
    headers, lines = evaluation_lines_of(workbook(samples, LEGACY_SETTINGS))
    assert "期待値" not in headers and "期待値に対する達成率" not in headers
    assert lines[("27", "単年")]["進捗率"] == "基準値を下回る"


def test_the_remark_says_what_a_rank_rests_on(samples: list[Sheet]) -> None:
    by_no = {sheet.no: sheet for sheet in samples}
    no14 = by_no["14"]
    actuals = list(no14.rows[0].actuals)
    actuals[no14.actual_years.index(2020)] = Cell("3,688（速報値）")
    provisional = dataclasses.replace(
        no14, rows=[dataclasses.replace(no14.rows[0], actuals=actuals)]
    )
    sheets = [provisional, by_no["15"], covid(by_no["27"])]
    _, lines = evaluation_lines_of(workbook(sheets, NEW))
    no14_line = lines[("14", "単年")]
    assert no14_line["最新実績"] == "3,688（速報値） (R2)"
    assert (no14_line["評価"], no14_line["備考"]) == ("A", "速報値による評価。")
    assert lines[("15", "単年")]["備考"].startswith("前年度値で評価。")
    assert lines[("27", "単年")]["評価"] == "D"
    assert "外的要因（新型コロナウイルス感染症の影響）のため参考" in lines[("27", "単年")]["備考"]

    excluded = dataclasses.replace(NEW, external=ExternalMode.EXCLUDED)
    _, lines = evaluation_lines_of(workbook(sheets, excluded))
    assert lines[("27", "単年")]["評価"] == "—"
    assert lines[("27", "単年")]["備考"].startswith(
        "外的要因（新型コロナウイルス感染症の影響）のため評価対象外です。"
    )


def test_the_summary_worksheet_has_a_bar_chart_of_the_ranks(samples: list[Sheet]) -> None:
    sheets = [covid(sheet) if sheet.no == "27" else sheet for sheet in samples]
    settings = dataclasses.replace(NEW, external=ExternalMode.EXCLUDED)
    ws = openpyxl.load_workbook(io.BytesIO(workbook(sheets, settings)))["総括"]
    title_row = next(row[0].row for row in ws.iter_rows() if row[0].value == "評価の分布")
    block = [
        (ws.cell(row, 1).value, ws.cell(row, 2).value)
        for row in range(title_row + 1, title_row + 8)
    ]
    assert block == [
        ("評価", "項目数"), ("A", 6), ("B", 1), ("C", 1), ("D", 4), ("—", 2), ("評価対象外", 1),
    ]  # fmt: skip
    # The chart is kept by the workbook (openpyxl reads charts back only as drawings).
    raw = zipfile.ZipFile(io.BytesIO(workbook(sheets, settings)))
    [chart_xml] = [name for name in raw.namelist() if name.startswith("xl/charts/chart")]
    xml = raw.read(chart_xml).decode("utf-8")
    assert "<barChart>" in xml and '<barDir val="col" />' in xml
    assert f"'総括'!$B${title_row + 2}:$B${title_row + 7}" in xml  # the counts
    assert f"'総括'!$A${title_row + 2}:$A${title_row + 7}" in xml  # the ranks
    for _, background in (*evaluation.RANK_COLOURS, evaluation_summary.NOT_JUDGED_COLOURS):
        assert background.removeprefix("#").upper() in xml
