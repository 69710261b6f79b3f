"""Backups: once a day on opening, before imports, rotation, restore."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kpidesk import samples
from kpidesk.book import backups
from kpidesk.book.errors import BookError
from kpidesk.book.store import Book


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "本庁 ブック.kpidb"
    samples.create_sample_book(path).close()
    return path


def test_one_backup_a_day_on_opening(book: Path) -> None:
    morning = datetime(2026, 11, 30, 9, 0, 0)
    with Book.open(book) as store:
        first = backups.backup_on_open(store, now=morning)
        assert first is not None and first.parent == book.parent / "本庁 ブック_backups"
        assert backups.backup_on_open(store, now=morning + timedelta(hours=3)) is None
        assert backups.backup_on_open(store, now=morning + timedelta(days=1)) is not None
    listed = backups.list_backups(book)
    assert [b.reason for b in listed] == ["開いたとき", "開いたとき"]
    assert listed[0].taken_at == morning + timedelta(days=1)
    assert listed[0].sheet_count() == 15


def test_rotation_keeps_the_newest(book: Path) -> None:
    start = datetime(2026, 1, 1, 8, 0, 0)
    with Book.open(book) as store:
        for day in range(13):
            backups.take_backup(store, "import", keep=10, now=start + timedelta(days=day))
    listed = backups.list_backups(book)
    assert len(listed) == 10
    assert listed[0].taken_at == start + timedelta(days=12)
    assert listed[-1].taken_at == start + timedelta(days=3)
    assert all(b.reason == "取り込みの前" for b in listed)


def test_restore_as_a_new_file_and_over_the_book(book: Path, tmp_path: Path) -> None:
    with Book.open(book) as store:
        backup = backups.take_backup(store, "manual", now=datetime(2026, 2, 1, 12, 0, 0))
        sheet = store.find_sheet(2020, "9")
        sheet.title = "バックアップの後の変更"
        store.save_sheet(sheet)
    copy = tmp_path / "復元.kpidb"
    backups.restore_as_copy(backup, copy)
    with Book.open(copy, create=False) as restored:
        assert restored.find_sheet(2020, "9").title == "刑法犯認知件数"
    with pytest.raises(BookError, match="既にファイルがあります"):
        backups.restore_as_copy(backup, copy)

    safety = backups.restore_over(backup, book)
    with Book.open(book, create=False) as store:
        assert store.find_sheet(2020, "9").title == "刑法犯認知件数"
    # The state just before the restore is itself kept.
    with Book.open(safety, create=False) as before:
        assert before.find_sheet(2020, "9").title == "バックアップの後の変更"
    assert "復元の前" in [b.reason for b in backups.list_backups(book)]


def test_a_file_that_is_not_a_book_is_not_restored(book: Path, tmp_path: Path) -> None:
    fake = backups.backup_folder(book) / "本庁 ブック-20260101-080000-manual.kpidb"
    fake.parent.mkdir()
    fake.write_text("壊れたファイル", encoding="utf-8")
    before = book.read_bytes()
    assert backups.list_backups(book)[0].sheet_count() is None
    with pytest.raises(BookError):
        backups.restore_over(fake, book)
    assert book.read_bytes() == before


def test_memory_books_have_no_backups() -> None:
    with Book.memory() as store:
        assert backups.backup_on_open(store) is None
        with pytest.raises(BookError):
            backups.take_backup(store, "manual")


def test_import_from_the_command_line_backs_the_book_up_first(book: Path, tmp_path) -> None:
    import io

    from kpidesk import cli
    from tests.conftest import SAMPLE_TEXT

    code = cli.main(
        ["import-text", str(SAMPLE_TEXT), "--db", str(book), "--replace"],
        out=io.StringIO(),
        err=io.StringIO(),
    )
    assert code == 0
    assert [b.reason for b in backups.list_backups(book)] == ["取り込みの前"]


def test_a_backup_is_copied_page_by_page_not_held_whole_in_memory(tmp_path) -> None:
    """A 60 MB book serialized whole took twice its size in memory at the day's backup."""
    import tracemalloc

    from kpidesk import samples
    from kpidesk.book.store import Book

    book = samples.create_sample_book(tmp_path / "b.kpidb")
    size = (tmp_path / "b.kpidb").stat().st_size
    target = tmp_path / "copy.kpidb"
    tracemalloc.start()
    try:
        book.backup_to(target)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        book.close()
    assert peak < size / 2, (peak, size)
    with Book.open(target, read_only=True) as copy:
        assert copy.count_sheets() == 15
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.kpidb", "copy.kpidb"]
