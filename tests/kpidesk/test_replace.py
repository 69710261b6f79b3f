"""検索と置換: fields found and replaced in sheets and across a book."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpidesk import operations, replace, samples
from kpidesk.book import backups
from kpidesk.book.errors import YearLockedError
from kpidesk.book.store import Book
from kpidesk.model import Cell, Sheet, ValueRow


def sheet() -> Sheet:
    return Sheet(
        report_year=2020, no="1", departments=["観光振興課", "港湾課"], title="観光客数",
        actual_years=[2020], baseline_year=2019, target_year=2024,
        rows=[ValueRow(label="観光客", unit="万人", baseline=Cell("10"), actuals=[Cell("11")],
                       target=Cell("20"))],
        efforts=["観光振興課が観光キャンペーンを実施", "港湾の整備"],
    )  # fmt: skip


def test_every_field_holding_the_text_is_a_hit_with_its_text_after() -> None:
    hits = replace.find([sheet()], "観光", "交流")
    assert [(hit.field, hit.before, hit.after) for hit in hits] == [
        ("担当課", "観光振興課", "交流振興課"),
        ("KPI名", "観光客数", "交流客数"),
        ("1行目 項目", "観光客", "交流客"),
        ("取組状況 1段落目", "観光振興課が観光キャンペーンを実施",
         "交流振興課が交流キャンペーンを実施"),
    ]  # fmt: skip
    assert replace.find([sheet()], "", "x") == []


def test_only_the_chosen_hits_are_replaced() -> None:
    original = sheet()
    hits = replace.find([original], "観光", "交流")
    new = replace.replaced(original, [hits[1], hits[3]], "観光", "交流")
    assert new.title == "交流客数"
    assert new.efforts[0] == "交流振興課が交流キャンペーンを実施"
    assert new.departments == ["観光振興課", "港湾課"]
    assert original.title == "観光客数"


def test_a_value_cell_and_a_unit_can_be_replaced() -> None:
    hits = replace.find([sheet()], "万人", "千人")
    assert [hit.field for hit in hits] == ["1行目 単位"]
    cells = replace.find([sheet()], "11", "12")
    assert [hit.field for hit in cells] == ["1行目 R2実績値"]
    assert replace.replaced(sheet(), cells, "11", "12").rows[0].actuals[0].text == "12"


def test_a_field_changed_since_the_search_is_left_alone() -> None:
    found = sheet()
    hits = replace.find([found], "観光", "交流")
    changed = sheet()
    changed.title = "観光客数（改）"
    new = replace.replaced(changed, hits, "観光", "交流")
    assert new.title == "観光客数（改）"
    assert new.departments[0] == "交流振興課"


@pytest.fixture
def book(tmp_path: Path):
    store = samples.create_sample_book(tmp_path / "置換.kpidb")
    yield store
    store.close()


def test_replacing_in_the_book_writes_one_revision_per_sheet_after_a_backup(book: Book) -> None:
    sheets = book.list_sheets()
    hits = replace.find(sheets, "観光振興課", "観光戦略課")
    touched = {hit.sheet_id for hit in hits}
    assert len(touched) >= 2
    revisions = {sheet.id: sheet.revision for sheet in sheets}
    saved = operations.replace_in_book(book, hits, "観光振興課", "観光戦略課")
    assert {sheet.id for sheet in saved} == touched
    for sheet_id in touched:
        stored = book.get_sheet(sheet_id)
        assert stored.revision == revisions[sheet_id] + 1
        assert "観光振興課" not in stored.departments
    assert [b.reason for b in backups.list_backups(book.path)] == ["置換の前"]


def test_a_locked_year_refuses_the_whole_replace_before_any_backup(book: Book) -> None:
    hits = replace.find(book.list_sheets(), "観光振興課", "観光戦略課")
    book.lock_year(2020)
    with pytest.raises(YearLockedError):
        operations.replace_in_book(book, hits, "観光振興課", "観光戦略課")
    assert backups.list_backups(book.path) == []
    assert book.departments(2020).count("観光振興課") == 1


def test_undoing_a_replace_puts_back_each_sheet_not_changed_since(book: Book) -> None:
    sheets = book.list_sheets()
    hits = replace.find(sheets, "観光振興課", "観光戦略課")
    before: list = []
    saved = operations.replace_in_book(book, hits, "観光振興課", "観光戦略課", replaced_from=before)
    assert [sheet.id for sheet in before] == [sheet.id for sheet in saved]
    edited = book.get_sheet(saved[0].id)
    edited.title = "あとで直した題"
    book.save_sheet(edited)

    back, left = operations.undo_replace_in_book(book, before, saved)

    assert [sheet.id for sheet in left] == [saved[0].id]
    assert {sheet.id for sheet in back} == {sheet.id for sheet in saved[1:]}
    for sheet in saved[1:]:
        stored = book.get_sheet(sheet.id)
        assert "観光振興課" in stored.departments and "観光戦略課" not in stored.departments
        assert stored.revision == sheet.revision + 1
    kept = book.get_sheet(saved[0].id)
    assert kept.title == "あとで直した題" and "観光戦略課" in kept.departments
    assert operations.undo_replace_in_book(book, before, saved)[0] == []  # once only
