"""Search words of one and two characters: the index of pieces kept in step, and when damaged.

Words of three characters or more are found through the trigram index,
shorter ones through ``sheets_grams`` (every piece of one and two characters
of a sheet's search text). Each test compares what a search finds with
what reading every sheet's text finds, after each way a book is written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kpidesk.book import trash
from kpidesk.book.errors import BookError, ForeignSchemaError
from kpidesk.book.rows import row_columns
from kpidesk.book.search import SEARCH_COLUMNS, search_form, search_text
from kpidesk.book.store import Book
from kpidesk.collect import apply_collect, plan_collect
from kpidesk.handout import distribute
from kpidesk.samples import create_sample_book
from tests.kpidesk.test_hostile_books import alter, assert_refused_untouched
from tests.kpidesk.test_store import raw

#: Short words in the sample's text, some in most sheets, some in a few, one in none.
WORDS = ("認", "認知", "詐", "課", "観光", "率", "件数", "R", "ｋ", "ゑ", "0", "。")


def found_by_reading(book: Book, word: str) -> set[int]:
    """The ids of the sheets whose searched columns hold ``word``, read one by one."""
    wanted = search_form(word)
    found = set()
    for sheet in book.list_sheets():
        columns = row_columns(sheet, "")
        if wanted in search_text(columns[column] for column in SEARCH_COLUMNS):
            assert sheet.id is not None
            found.add(sheet.id)
    return found


def assert_in_step(book: Book, *extra: str) -> None:
    for word in (*WORDS, *extra):
        assert book.search_ids(word) == found_by_reading(book, word), word
    assert any(book.search_ids(word) for word in WORDS)  # the check is not trivially empty
    # FTS5's own check of the index's structure.
    book._db.execute("INSERT INTO sheets_grams (sheets_grams) VALUES ('integrity-check')")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.kpidb"
    create_sample_book(path).close()
    return path


def test_a_book_just_made_finds_short_words_as_reading_its_text_does(sample: Path) -> None:
    with Book.open(sample) as book:
        assert_in_step(book)
        assert book.search_ids("ゑ") == set()


def test_short_words_follow_an_edit_a_delete_a_restore_and_an_undo(sample: Path) -> None:
    with Book.open(sample) as book:
        first, second = book.list_sheets()[:2]
        assert first.id is not None and second.id is not None
        edited = book.save_sheet(dataclasses.replace(first, title="ゑびす詐欺率"))
        assert book.search_ids("ゑび") == {first.id}
        assert_in_step(book, "ゑび", "すの")

        trash.delete_sheet(book, second.id)
        assert second.id not in book.search_ids(second.title[:1])
        assert_in_step(book)

        trash.restore_sheet(book, second.id)
        assert second.id in book.search_ids(second.title[:2])
        assert_in_step(book)

        # Undo: the title as it was, saved again.
        book.save_sheet(dataclasses.replace(edited, title=first.title))
        assert book.search_ids("ゑ") == set()
        assert_in_step(book, first.title[:2])

        # A save that leaves the searched text as it was (a comment) keeps the entry.
        again = book.get_sheet(first.id)
        book.save_sheet(dataclasses.replace(again, planning_comment="来年度も継続"))
        assert first.id in book.search_ids(first.title[:2])
        assert_in_step(book)


def test_short_words_follow_a_rollover_and_an_import(sample: Path) -> None:
    with Book.open(sample) as book:
        [year] = book.report_years()
        made = book.rollover(year)
        assert made and all(sheet.id is not None for sheet in made)
        assert_in_step(book)
        assert {sheet.id for sheet in made} <= book.search_ids("。") | book.search_ids("課")
        changed = [dataclasses.replace(sheet, title=f"ゑ{sheet.title}") for sheet in made[:3]]
        book.import_sheets(changed, replace=True)
        assert book.search_ids("ゑ") == {sheet.id for sheet in made[:3]}
        assert_in_step(book)


def test_short_words_follow_a_collect(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    out = tmp_path / "out"
    out.mkdir()
    with create_sample_book(origin) as book:
        [handed] = distribute(book, out, 2020, ["観光振興課"])
    with Book.open(handed) as department:
        sheet = department.list_sheets()[0]
        department.save_sheet(dataclasses.replace(sheet, efforts=["ゑびす講で周知"]))
    with Book.open(origin) as book:
        result = apply_collect(book, plan_collect(book, handed))
        assert result.written
        taken = book.find_sheet(sheet.report_year, sheet.no)
        assert taken is not None
        assert book.search_ids("ゑ") == {taken.id}
        assert_in_step(book, "講で")


# --- a damaged or changed index of pieces -------------------------------------------


def test_pieces_whose_blocks_were_damaged_are_made_anew_when_a_search_needs_them(
    sample: Path,
) -> None:
    with Book.open(sample, read_only=True) as book:
        expected = found_by_reading(book, "認知")
    alter(sample, "UPDATE sheets_grams_data SET block = randomblob(length(block))")

    with Book.open(sample, read_only=True) as book, pytest.raises(BookError) as refused:
        book.search_ids("認知")
    assert "読み取り専用" in str(refused.value) and "索引" in str(refused.value)
    with Book.open(sample) as book:
        assert book.search_ids("認知") == expected
        assert_in_step(book)


def test_pieces_whose_blocks_were_damaged_are_made_anew_and_the_save_can_be_repeated(
    sample: Path,
) -> None:
    alter(sample, "UPDATE sheets_grams_data SET block = randomblob(length(block))")

    with Book.open(sample) as book:
        sheet = book.list_sheets()[0]
        changed = dataclasses.replace(sheet, title="ゑびす")
        try:
            book.save_sheet(changed)
        except BookError as error:  # which statement meets the damage depends on it
            assert "作り直しました" in str(error)
            assert book.get_sheet(sheet.id or 0).title == sheet.title
            book.save_sheet(changed)
        assert book.search_ids("ゑ") == {sheet.id}
        assert_in_step(book)


@pytest.mark.parametrize(
    "statements",
    [
        ("INSERT OR REPLACE INTO sheets_grams_config VALUES ('version', 99)",),
        ("DELETE FROM sheets_grams_docsize WHERE id = (SELECT min(id) FROM sheets)",),
        ("DELETE FROM sheets_grams_docsize", "DELETE FROM sheets_grams_data WHERE id > 10"),
        # A sheet that is not there, found by every short word.
        ("INSERT INTO sheets_grams (rowid, grams) VALUES (999, '00008a8d 00008a8d00007ddf')",),
    ],
    ids=["settings", "one-sheet-left-out", "emptied", "a-sheet-that-is-not-there"],
)
def test_pieces_changed_by_another_program_are_made_anew_on_opening(
    sample: Path, statements: tuple[str, ...]
) -> None:
    alter(sample, *statements)

    with Book.open(sample, read_only=True) as book:  # nothing is written
        try:
            found = book.search_ids("認")
        except BookError as error:  # damage met by the lookup
            assert "読み取り専用" in str(error)
        else:
            assert 999 not in found
    with Book.open(sample) as book:
        assert 999 not in book.search_ids("認")
        assert_in_step(book)


def test_a_book_without_its_index_of_pieces_is_refused_and_left_as_it_was(sample: Path) -> None:
    # Like every table KPI Desk makes: a book without it was changed by another program.
    alter(sample, "DROP TABLE sheets_grams")

    assert_refused_untouched(sample, ForeignSchemaError, 'テーブル "sheets_grams"')


def test_a_version_6_book_gets_its_index_of_pieces_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.kpidb"
    create_sample_book(path).close()
    with raw(path) as connection:
        for statement in (
            "DROP TABLE sheets_grams",
            "PRAGMA user_version = 6",
        ):
            connection.execute(statement)

    with Book.open(path) as book:
        assert_in_step(book)
    assert [p.name[:10] for p in tmp_path.rglob("before-v7-*.kpidb")] == ["before-v7-"]
