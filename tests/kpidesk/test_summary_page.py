"""The 総括 page: its rank chart, its layout, the words in its PDF and `export-summary --pdf`."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest

from PySide6.QtCore import QRectF

from kpidesk import cli, evaluation, evaluation_summary, samples
from kpidesk.evaluation import EvaluationSettings, ExternalMode, RankLevel
from kpidesk.evaluation_summary import EvaluationSummary, RankCounts
from kpidesk.model import Sheet
from kpidesk.printing import fonts, layout, paint, rank_chart, summary_page
from tests.conftest import squash
from tests.kpidesk.test_evaluation_summary import covid

NEW = EvaluationSettings()


@pytest.fixture(scope="module")
def sample_sheets() -> list[Sheet]:
    return samples.sample_sheets()


@pytest.fixture(scope="module")
def summary(sample_sheets: list[Sheet]) -> EvaluationSummary:
    return evaluation_summary.summarize(sample_sheets, NEW)


def pdf_of(summaries: list[EvaluationSummary], book_name: str = "見本.kpidb") -> bytes:
    stream = io.BytesIO()
    paint.write_summary_pdf(summaries, stream, book_name)
    return stream.getvalue()


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


# --- the rank chart -----------------------------------------------------------------


def test_the_chart_has_a_bar_per_rank_in_its_colours(summary: EvaluationSummary) -> None:
    geometry = rank_chart.rank_chart_geometry(summary.overall, QRectF(0, 0, 500, 200))
    assert geometry.title.text == "評価の分布（15項目）"
    bars = geometry.bars
    assert [bar.name for bar in bars] == ["A", "B", "C", "D", "—"]
    assert [bar.count for bar in bars] == [6, 1, 1, 5, 2]
    assert [bar.value.text for bar in bars] == [
        "6（40%）", "1（7%）", "1（7%）", "5（33%）", "2（13%）",
    ]  # fmt: skip
    assert [(bar.edge, bar.fill) for bar in bars[:4]] == list(evaluation.RANK_COLOURS)
    assert bars[0].rect.height() / bars[3].rect.height() == pytest.approx(6 / 5)
    assert all(bar.rect.bottom() == pytest.approx(geometry.plot.bottom()) for bar in bars)
    assert all(geometry.frame.contains(bar.value.rect) for bar in bars)
    assert geometry.message is None


def test_items_left_out_get_a_dashed_bar_without_a_share(sample_sheets: list[Sheet]) -> None:
    sheets = [covid(sheet) if sheet.no in {"27", "28", "29"} else sheet for sheet in sample_sheets]
    excluded = evaluation_summary.summarize(
        sheets, dataclasses.replace(NEW, external=ExternalMode.EXCLUDED)
    )
    geometry = rank_chart.rank_chart_geometry(excluded.overall, QRectF(0, 0, 500, 200))
    assert geometry.title.text == "評価の分布（12項目）\u3000ほかに評価対象外 3項目"
    last = geometry.bars[-1]
    assert (last.name, last.count, last.value.text, last.dashed) == ("評価対象外", 3, "3", True)
    assert geometry.bars[0].value.text == "6（50%）"  # of the 12 counted


def test_a_group_without_items_says_so() -> None:
    empty = RankCounts("全体", ("A", "B"), (0, 0))
    geometry = rank_chart.rank_chart_geometry(empty, QRectF(0, 0, 300, 150))
    assert geometry.bars == () and geometry.message is not None
    assert geometry.message.text == "対象の項目がありません"


# --- the page -----------------------------------------------------------------------


def test_the_samples_summary_is_one_pdf_page_with_its_words(summary: EvaluationSummary) -> None:
    [text] = page_texts(pdf_of([summary]))
    page = squash(text)
    for expected in (
        "KPI評価の総括（令和2年度）",
        "15項目のうちA 6（40%）、B 1（7%）、C 1（7%）、D 5（33%）、— 2（13%）",
        "評価（期待値に対する達成率）: A 100%以上",
        "評価の分布（15項目）",
        "全体・施策別", "担当課別", "名称", "項目数", "評価対象外",
        # 全体: 15 items, A 6 (40%) ... — 2 (13%), none left out
        "全体 15 6（40%） 1（7%） 1（7%） 5（33%） 2（13%） 0",
        "産業支援課 3 1（33%） 1（33%） 0（0%） 0（0%） 1（33%） 0",
        "見本 令和2年度報告 総括", "1 / 1",
    ):  # fmt: skip
        assert squash(expected) in page, expected


def test_the_page_is_laid_out_inside_the_margins(summary: EvaluationSummary) -> None:
    pages = paint.summary_pages([summary])
    assert len(pages) == 1
    [page] = pages
    assert page.footer_mark == "総括" and page.report_year == 2020
    [chart] = [item for item in page.items if isinstance(item, layout.RankChart)]
    assert chart.counts == summary.overall
    for item in page.items:
        assert item.x >= layout.CONTENT_LEFT - 0.01
        assert item.x + item.width <= layout.CONTENT_RIGHT + 0.01
        assert item.y + item.height <= layout.CONTENT_BOTTOM + 0.01
    measure = paint.QtMeasure(fonts.load_fonts())
    for item in page.items:  # every count fits its cell on one line
        if isinstance(item, layout.Text) and item.align == "right":
            assert measure.width(item.text, item.size) <= item.width + 0.01, item.text


def many_departments(count: int, settings: EvaluationSettings) -> EvaluationSummary:
    """A 総括 of ``count`` departments of a thousand items each (no sheets behind it)."""
    labels = tuple(settings.labels)

    def counts(heading: str) -> RankCounts:
        return RankCounts(heading, labels, tuple(1000 + index for index in range(len(labels))), 9)

    departments = tuple(counts(f"第{number}部 地域振興課") for number in range(count))
    return EvaluationSummary(2021, settings, counts("全体"), (counts("1 しごと"),), departments, ())


def test_a_long_table_goes_on_over_pages_under_its_header_again() -> None:
    six_ranks = EvaluationSettings(
        levels=tuple(RankLevel(label, Decimal(threshold)) for label, threshold in (
            ("S", 120), ("A", 100), ("B", 80), ("C", 60), ("D", 40),
        )),
        lowest_label="E",
    )  # fmt: skip
    summary = many_departments(100, six_ranks)
    pages = paint.summary_pages([summary])
    assert len(pages) == 3
    assert [page.continued for page in pages] == [False, True, True]
    assert layout.footer_texts(pages[1], 2, 3, "b.kpidb")[0] == "b　令和3年度報告　総括（続き）"
    texts = [page.texts() for page in pages]
    assert texts[1][0] == "KPI評価の総括（令和3年度）（続き）"
    assert "担当課別（続き）" in texts[1] and "名称" in texts[1] and "E" in texts[1]
    shown = [text for page in texts for text in page if text.endswith("地域振興課")]
    assert len(shown) == 100
    measure = paint.QtMeasure(fonts.load_fonts())
    for page in pages:  # 1005（17%） still fits its column at the size chosen
        for item in page.items:
            if isinstance(item, layout.Text) and item.align == "right":
                assert measure.width(item.text, item.size) <= item.width + 0.01, item.text
    assert "1005（17%）" in texts[0]


def test_each_report_year_starts_a_page(summary: EvaluationSummary) -> None:
    later = dataclasses.replace(summary, report_year=2021)
    texts = page_texts(pdf_of([summary, later]))
    assert len(texts) == 2
    assert squash("KPI評価の総括（令和2年度）") in squash(texts[0])
    assert squash("KPI評価の総括（令和3年度）") in squash(texts[1])
    assert squash("令和3年度報告 総括 2 / 2") in squash(texts[1])


# --- the command line ------------------------------------------------------------------


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(arg) for arg in args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_export_summary_writes_the_summary_pdf(tmp_path: Path) -> None:
    book = tmp_path / "見本.kpidb"
    samples.create_sample_book(book).close()
    target = tmp_path / "総括_R2.pdf"
    code, out, err = run("export-summary", "--db", book, "--pdf", target, "--year", "R2")
    assert (code, err) == (0, "")
    assert out == f"総括をPDF（1ページ）に書き出しました: {target}\n"
    [text] = page_texts(target.read_bytes())
    assert squash("15項目のうちA 6（40%）、B 1（7%）") in squash(text)
    assert squash("見本 令和2年度報告 総括") in squash(text)

    both_xlsx, both_pdf = tmp_path / "評価一覧.xlsx", tmp_path / "総括.pdf"
    code, out, _ = run("export-summary", "--db", book, "-o", both_xlsx, "--pdf", both_pdf)
    assert code == 0 and both_xlsx.exists() and both_pdf.exists()
    assert out.splitlines()[1] == f"総括をPDF（1ページ）に書き出しました: {both_pdf}"

    code, out, err = run("export-summary", "--db", book)
    assert (code, out) == (2, "")
    assert err == (
        "エラー: コマンドの指定が正しくありません: -o（Excel）か --pdf（総括のPDF）を"
        "指定してください（--help で使い方を表示します）\n"
    )
    missing = tmp_path / "ない" / "総括.pdf"
    code, _, err = run("export-summary", "--db", book, "--pdf", missing)
    assert code == 1 and "保存先のフォルダがありません" in err
    assert not missing.parent.exists()


def test_the_summary_title_and_texts() -> None:
    counts = RankCounts("全体", ("A", "B"), (3, 1), not_judged=0, excluded=2)
    assert summary_page.count_text(counts, 3) == "3（75%）"
    assert summary_page.row_texts(counts) == ["全体", "4", "3（75%）", "1（25%）", "0（0%）", "2"]


def test_a_long_section_heading_is_cut_to_fit_and_no_table_is_empty(
    sample_sheets: list[Sheet],
) -> None:
    long_section = "基本目標" * 250  # the longest a sheet may have: 1,000 characters
    sheets = [
        dataclasses.replace(sheet, section=long_section, departments=[]) for sheet in sample_sheets
    ]
    summary = evaluation_summary.summarize(sheets, NEW)
    assert summary.departments == ()
    [page] = paint.summary_pages([summary])
    texts = page.texts()
    heading_lines = [text for text in texts if text.startswith("基本目標") or "基本目標" in text]
    assert len(heading_lines) == summary_page.MAX_CELL_LINES
    assert heading_lines[-1].endswith("…")
    assert "担当課別" not in texts
