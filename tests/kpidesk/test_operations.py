"""The import and roll-over operations the window and the command line share:
checked first, then backed up, then written all or nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path

import pytest

from kpidesk import cli, operations, samples
from kpidesk.book import backups
from kpidesk.book.errors import BookError, DuplicateSheetError, YearLockedError
from kpidesk.book.store import Book
from kpidesk.compare import Status
from kpidesk.exchange import jsonio


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "本庁 ブック.kpidb"
    samples.create_sample_book(path).close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def reasons(path: Path) -> list[str]:
    return [backup.reason for backup in backups.list_backups(path)]


def changed_no9(book: Book) -> list:
    sheet = book.find_sheet(2020, "9")
    assert sheet is not None
    return [dataclasses.replace(sheet, title="取り込みで変わる題名")]


def test_an_import_into_a_locked_year_is_refused_before_any_backup(book: Path) -> None:
    with Book.open(book) as opened:
        opened.lock_year(2020)
        before = digest(book)
        plans = operations.plan_import(opened, changed_no9(opened))
        assert operations.locked_year_of(opened, plans) == 2020
        with pytest.raises(YearLockedError):
            operations.import_sheets(opened, plans, only_changed=True, replace=True)
    assert digest(book) == before
    assert reasons(book) == []


def test_an_import_that_would_overwrite_without_replace_is_refused_before_any_backup(
    book: Path,
) -> None:
    with Book.open(book) as opened:
        plans = operations.plan_import(opened, changed_no9(opened))
        assert [plan.status for plan in plans] == [Status.CHANGED]
        with pytest.raises(DuplicateSheetError, match="No 9"):
            operations.import_sheets(opened, plans, only_changed=False, replace=False)
    assert reasons(book) == []


def test_an_import_backs_up_then_writes_only_what_differs(book: Path) -> None:
    with Book.open(book) as opened:
        incoming = [*changed_no9(opened), opened.find_sheet(2020, "10")]
        plans = operations.plan_import(opened, incoming)
        written = operations.import_sheets(opened, plans, only_changed=True, replace=True)
        assert [sheet.no for sheet in written] == ["9"]
        assert opened.find_sheet(2020, "9").title == "取り込みで変わる題名"
        assert opened.find_sheet(2020, "10").revision == 1  # the same: not written again
    assert reasons(book) == ["取り込みの前"]


def test_nothing_to_write_takes_no_backup(book: Path) -> None:
    with Book.open(book) as opened:
        plans = operations.plan_import(opened, [opened.find_sheet(2020, "9")])
        assert operations.import_sheets(opened, plans, only_changed=True, replace=True) == []
    assert reasons(book) == []


def test_a_new_empty_book_is_not_backed_up(tmp_path: Path) -> None:
    path = tmp_path / "新しい.kpidb"
    sheets = samples.sample_sheets()
    with Book.open(path, create=True) as opened:
        plans = operations.plan_import(opened, sheets)
        operations.import_sheets(opened, plans, only_changed=False, replace=False)
        assert opened.count_sheets() == len(sheets)
    assert reasons(path) == []


def test_a_backup_that_cannot_be_taken_refuses_the_import(book: Path) -> None:
    folder = backups.backup_folder(book)
    folder.write_text("a file where the backup folder should be", encoding="utf-8")
    with Book.open(book) as opened:
        plans = operations.plan_import(opened, changed_no9(opened))
        with pytest.raises(BookError, match="バックアップ"):
            operations.import_sheets(opened, plans, only_changed=True, replace=True)
        assert opened.find_sheet(2020, "9").title == "刑法犯認知件数"


def test_a_refused_roll_over_takes_no_backup(book: Path) -> None:
    with Book.open(book) as opened:
        with pytest.raises(BookError, match="年度のシートがない"):
            operations.roll_over(opened, 2019, 2020)
        with pytest.raises(BookError, match="より後"):
            operations.roll_over(opened, 2020, 2020)
        opened.lock_year(2021)
        with pytest.raises(YearLockedError):
            operations.roll_over(opened, 2020, 2021)
    assert reasons(book) == []


def test_a_roll_over_backs_up_then_makes_the_new_year(book: Path) -> None:
    with Book.open(book) as opened:
        made = operations.roll_over(opened, 2020, 2021)
        assert len(made) == 15
        assert 2020 in opened.locked_years()
        with pytest.raises(DuplicateSheetError):  # again: every No is taken
            operations.roll_over(opened, 2020, 2021)
    assert reasons(book) == ["年度更新の前"]


def run_cli(*args: object) -> tuple[int, str]:
    err = io.StringIO()
    code = cli.main([str(arg) for arg in args], out=io.StringIO(), err=err)
    return code, err.getvalue()


def test_the_command_line_import_honours_year_locks_and_backs_up_like_the_window(
    book: Path, tmp_path: Path
) -> None:
    with Book.open(book) as opened:
        source = tmp_path / "no9.json"
        jsonio.write_file(changed_no9(opened), source)
    assert run_cli("lock-year", "--db", book, "--year", "2020")[0] == 0
    before = digest(book)
    code, err = run_cli("import-json", source, "--db", book, "--replace")
    assert code == 1 and "ロック" in err
    assert digest(book) == before
    assert reasons(book) == []  # refused before the backup, as in the window

    assert run_cli("unlock-year", "--db", book, "--year", "2020")[0] == 0
    assert run_cli("import-json", source, "--db", book, "--replace")[0] == 0
    assert reasons(book) == ["取り込みの前"]


def test_a_source_that_repeats_a_sheet_is_refused_before_any_backup(
    book: Path, tmp_path: Path
) -> None:
    with Book.open(book) as opened:
        twice = changed_no9(opened) * 2
        plans = operations.plan_import(opened, twice)
        with pytest.raises(DuplicateSheetError, match="重複"):
            operations.import_sheets(opened, plans, only_changed=False, replace=True)
        source = tmp_path / "twice.json"
        jsonio.write_file(twice, source)
    assert reasons(book) == []
    code, err = run_cli("import-json", source, "--db", book, "--replace")
    assert code == 1 and "2回" in err and "--replace" not in err  # the JSON reader refuses it
    assert reasons(book) == []
