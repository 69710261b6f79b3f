"""Files Windows software holds for a moment: an antivirus scan or the search indexer opens
every file just written, and Windows then refuses to replace or remove it.

Windows is simulated (``windows`` fixture); a held file is an ``os.replace`` or
``Path.unlink`` that raises the sharing violation Windows raises (``Held``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kpidesk import fileio, samples
from kpidesk.book import backups, lock, recovery
from kpidesk.book.store import Book
from kpidesk.fileio import OutputError
from tests.conftest import Held

DAY = datetime(2026, 11, 30, 9, 0, 0)


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".tmp"))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "報告.kpidb"
    samples.create_sample_book(path).close()
    return path


# --- exports (every file written through kpidesk.fileio)


def test_an_export_completes_when_its_new_file_is_held_for_a_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    target = tmp_path / "書き出し.json"
    target.write_text("前の内容", encoding="utf-8")
    held = Held(monkeypatch, "replace", times=3)
    fileio.write_bytes_atomic(target, "新しい内容".encode())
    assert target.read_text(encoding="utf-8") == "新しい内容"
    assert len(held.calls) == 4
    assert leftovers(tmp_path) == []


def test_an_export_that_stays_held_says_so_in_japanese_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    target = tmp_path / "書き出し.json"
    target.write_text("前の内容", encoding="utf-8")
    replaced = Held(monkeypatch, "replace", times=None)
    # The scan holds the temporary file too: removing it is refused at first.
    Held(monkeypatch, "unlink", times=2, match=lambda path: path.name.endswith(".tmp"))
    with pytest.raises(OutputError) as refused:
        fileio.write_bytes_atomic(target, "新しい内容".encode())
    assert str(refused.value) == (
        f"書き込めません: {target}（ファイルが他のプログラムで開かれているか、"
        "書き込みが許可されていません）"
    )
    assert len(replaced.calls) == fileio.HELD_ATTEMPTS  # about a second in all
    assert target.read_text(encoding="utf-8") == "前の内容"
    assert leftovers(tmp_path) == []


def test_off_windows_a_refused_replace_is_a_real_permission_error_said_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "書き出し.json"
    held = Held(monkeypatch, "replace", times=1)
    with pytest.raises(OutputError, match="書き込めません"):
        fileio.write_bytes_atomic(target, b"{}")
    assert len(held.calls) == 1
    assert not target.exists() and leftovers(tmp_path) == []


def test_only_a_file_in_use_is_tried_again(monkeypatch: pytest.MonkeyPatch, windows: None) -> None:
    tries: list[int] = []

    def missing() -> None:
        tries.append(1)
        raise FileNotFoundError(2, "No such file")

    with pytest.raises(FileNotFoundError):
        fileio.retry_while_held(missing)
    assert len(tries) == 1


# --- backups


def test_a_backup_is_taken_while_its_copy_is_held_for_a_moment(
    book: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    Held(monkeypatch, "replace", times=3)
    with Book.open(book, create=False) as store:
        made = backups.take_backup(store, "import", now=DAY)
    assert [backup.path for backup in backups.list_backups(book)] == [made]
    assert Book.peek_sheet_count(made) == 15
    assert leftovers(made.parent) == []


def test_an_old_backup_held_for_a_moment_is_still_pruned(
    book: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    with Book.open(book, create=False) as store:
        oldest = backups.take_backup(store, "import", now=DAY)
        backups.take_backup(store, "import", now=DAY + timedelta(days=1))
        Held(monkeypatch, "unlink", times=3, match=lambda path: path == oldest)
        backups.take_backup(store, "import", keep=2, now=DAY + timedelta(days=2))
    assert not oldest.exists()
    assert len(backups.list_backups(book)) == 2


def test_an_old_backup_that_cannot_be_deleted_is_a_note_not_an_error(
    book: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    with Book.open(book, create=False) as store:
        oldest = backups.take_backup(store, "import", now=DAY)
        Held(monkeypatch, "unlink", times=None, match=lambda path: path == oldest)
        notes: list[str] = []
        newest = backups.take_backup(
            store, "import", keep=1, now=DAY + timedelta(days=1), notes=notes
        )
    assert newest.exists() and oldest.exists()  # left for the next time
    assert notes == [
        f"古いバックアップを1件削除できませんでした（ほかのプログラムが開いています）: "
        f"{oldest.name}。次にバックアップを取るときに、もう一度削除します"
    ]


def test_a_restore_over_the_book_completes_while_the_book_is_held_for_a_moment(
    book: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    with Book.open(book, create=False) as store:
        backup = backups.take_backup(store, "manual", now=DAY)
        sheet = store.find_sheet(2020, "9")
        sheet.title = "バックアップの後の変更"
        store.save_sheet(sheet)
    Held(monkeypatch, "replace", times=3, match=lambda path: path == book)
    backups.restore_over(backup, book)
    with Book.open(book, create=False, read_only=True) as store:
        assert store.find_sheet(2020, "9").title == "刑法犯認知件数"
    assert leftovers(book.parent) == []


# --- the lock file


def test_the_lock_is_renewed_while_a_reader_holds_it_for_a_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    book = tmp_path / "報告.kpidb"
    held_lock = lock.BookLock.acquire(book)
    first = held_lock.info.heartbeat
    Held(monkeypatch, "replace", times=7)  # 0.7 s: longer than the lock used to wait
    held_lock.heartbeat()
    there = lock.read_lock(book)
    assert there is not None and there.heartbeat > first
    assert leftovers(tmp_path) == []


def test_the_lock_is_removed_on_closing_while_a_reader_holds_it_for_a_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    book = tmp_path / "報告.kpidb"
    held_lock = lock.BookLock.acquire(book)
    Held(monkeypatch, "unlink", times=7, match=lambda path: path == lock.lock_path(book))
    held_lock.release()
    assert not lock.lock_path(book).exists()


# --- drafts


def test_a_draft_is_written_while_held_for_a_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    book = tmp_path / "報告.kpidb"
    sheet = samples.sample_sheets()[0]
    sheet.id = 7
    Held(monkeypatch, "replace", times=3)
    recovery.write_draft(book, sheet)
    assert [draft.sheet for draft in recovery.list_drafts()] == [sheet]


def test_a_draft_held_for_a_moment_is_still_cleared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: None
) -> None:
    book = tmp_path / "報告.kpidb"
    sheet = samples.sample_sheets()[0]
    sheet.id = 7
    path = recovery.write_draft(book, sheet)
    Held(monkeypatch, "unlink", times=3, match=lambda candidate: candidate == path)
    recovery.clear_draft(book, sheet)
    assert recovery.list_drafts() == []
