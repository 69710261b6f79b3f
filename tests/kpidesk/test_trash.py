"""削除したシート: deleted sheets listed, restored with their history, and emptied."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kpidesk import samples
from kpidesk.book import trash
from kpidesk.book.errors import DuplicateSheetError, NotFoundError, YearLockedError
from kpidesk.book.store import Book
from kpidesk.model import Sheet


@pytest.fixture
def book(tmp_path: Path):
    store = samples.create_sample_book(tmp_path / "trash.kpidb")
    yield store
    store.close()


def delete(book: Book, no: str) -> int:
    sheet = book.find_sheet(2020, no)
    saved = book.save_sheet(dataclasses.replace(sheet, title=f"{sheet.title}（改）"))
    trash.delete_sheet(book, saved.id)
    return saved.id


def test_deleted_sheets_are_listed_newest_first_with_who_and_when(book: Book) -> None:
    first = delete(book, "9")
    second = delete(book, "28")
    listed = trash.deleted_sheets(book)
    assert [item.sheet.id for item in listed] == [second, first]
    newest = listed[0]
    assert newest.sheet.no == "28" and newest.sheet.title.endswith("（改）")
    assert newest.sheet.report_year == 2020
    assert newest.versions == 2
    assert newest.deleted_by == book.user and newest.deleted_at


def test_a_sheet_deleted_without_a_record_is_still_listed(book: Book) -> None:
    sheet_id = book.find_sheet(2020, "10").id
    book.delete_sheet(sheet_id)
    [item] = trash.deleted_sheets(book)
    assert item.sheet.id == sheet_id and item.deleted_at == "" and item.deleted_by == ""


def test_restore_brings_back_the_last_saved_version_and_its_history(book: Book) -> None:
    sheet_id = delete(book, "9")
    restored = trash.restore_sheet(book, sheet_id)
    assert restored.id == sheet_id and restored.revision == 3
    assert book.find_sheet(2020, "9").title.endswith("（改）")
    assert [entry.revision for entry in book.history(sheet_id)] == [3, 2, 1]
    assert trash.deleted_sheets(book) == []
    with pytest.raises(NotFoundError):
        trash.restore_sheet(book, sheet_id)


def test_restore_is_refused_when_the_no_is_taken_now(book: Book) -> None:
    sheet_id = delete(book, "9")
    book.save_sheet(Sheet(report_year=2020, no="9", title="新しい9"))
    with pytest.raises(DuplicateSheetError):
        trash.restore_sheet(book, sheet_id)
    assert book.find_sheet(2020, "9").title == "新しい9"
    assert [item.sheet.id for item in trash.deleted_sheets(book)] == [sheet_id]


def test_restore_is_refused_in_a_locked_year(book: Book) -> None:
    sheet_id = delete(book, "9")
    book.lock_year(2020)
    with pytest.raises(YearLockedError):
        trash.restore_sheet(book, sheet_id)
    assert book.find_sheet(2020, "9") is None


def test_purge_removes_the_kept_history_for_good(book: Book) -> None:
    first = delete(book, "9")
    second = delete(book, "28")
    assert trash.purge(book, [first]) == 1
    assert book.history(first) == []
    assert [item.sheet.id for item in trash.deleted_sheets(book)] == [second]
    # A sheet the book holds is never touched.
    kept = book.find_sheet(2020, "10").id
    assert trash.purge(book, [kept]) == 0
    assert book.history(kept)


def test_deep_json_in_the_deletion_records_is_treated_as_none(book: Book) -> None:
    with book._transaction():
        book._write_meta(trash.META_DELETED, "[" * 100_000)
    sheet_id = delete(book, "9")
    [item] = trash.deleted_sheets(book)
    assert item.sheet.id == sheet_id and item.deleted_by == book.user


def test_the_records_are_read_under_the_write_lock(book: Book, monkeypatch) -> None:
    """Read before the lock, a colleague's deletion of a moment ago would be written over."""
    seen: list[bool] = []
    read = trash._records

    def records(store: Book) -> dict:
        seen.append(store._db.conn.in_transaction)
        return read(store)

    monkeypatch.setattr(trash, "_records", records)
    sheet_id = delete(book, "9")
    trash.restore_sheet(book, sheet_id)
    delete(book, "28")
    trash.purge(book, [sheet.sheet.id for sheet in trash.deleted_sheets(book)])
    # delete, restore, delete: under the lock; listing reads only; purge: under the lock.
    assert seen == [True, True, True, False, True]
