"""Words the outputs share: the book's title, the report year heading, a cell's name."""

from __future__ import annotations

from kpidesk import wording
from kpidesk.model import Cell, Sheet, ValueRow


def test_a_book_is_called_by_its_name_without_the_file_ending() -> None:
    assert wording.book_title("本庁.kpidb") == "本庁"
    assert wording.book_title("本庁.KPIDB") == "本庁"
    assert wording.book_title("本庁.db") == "本庁"
    assert wording.book_title("令和2年度.v2") == "令和2年度.v2"
    assert wording.book_title(".kpidb") == ".kpidb"
    assert wording.footer_text("本庁.kpidb", 2020, "No 9") == "本庁　令和2年度報告　No 9"
    assert wording.report_year_heading(2019) == "令和元年度"


def test_values_not_understood_are_named_where_a_person_finds_them() -> None:
    sheet = Sheet(
        report_year=2020,
        no="1",
        baseline_year=2019,
        actual_years=[2020, 2021],
        target_year=2023,
        rows=[
            ValueRow("観光客数", "人", Cell("abc"), [Cell("1,234"), Cell("=1+1")], Cell("12a")),
            ValueRow("", "", Cell("集計中"), [Cell("１２３")], Cell("—")),
        ],
    )
    assert [str(value) for value in wording.invalid_values(sheet)] == [
        "戦略策定時実績値（観光客数）: abc",
        "R3実績値（観光客数）: =1+1",
        "目標値（観光客数）: 12a",
    ]
    unnamed = Sheet(report_year=2020, no="1", rows=[ValueRow(), ValueRow("", "", Cell("x"))])
    assert [value.place for value in wording.invalid_values(unnamed)] == [
        "戦略策定時実績値（2行目）"
    ]
