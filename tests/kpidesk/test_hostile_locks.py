"""Lock files and book files someone else made strange: a named pipe, links that lead
nowhere or out of the folder, a folder, a heartbeat from 2099, and a book deleted or
replaced while it is open.

Every hostile file is made here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import kpidesk.book.lock as lock_module
from kpidesk import samples
from kpidesk.book.identity import FileIdentity, file_change
from kpidesk.book.lock import (
    AHEAD_LIMIT,
    BookLock,
    LockedError,
    LockError,
    LockInfo,
    is_ahead,
    is_stale,
    lock_path,
    read_lock,
)
from tests.conftest import deletes_an_open_book

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
needs_links = pytest.mark.skipif(os.name == "nt", reason="making links needs rights on Windows")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return tmp_path / "本庁.kpidb"


def now() -> datetime:
    return datetime.now(UTC).astimezone()


def in_time(action, seconds: float = 5.0, *, unblock=None):
    """Run ``action`` in a thread; fail (after unblocking it) when it does not end in time."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if unblock is not None:
            unblock()
        thread.join(seconds)
        pytest.fail(f"hung for more than {seconds} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


def open_pipe_for_writing(path: Path):
    """Release a reader blocked on opening the named pipe ``path``."""

    def unblock() -> None:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return
        os.close(descriptor)

    return unblock


def assert_ours(book: Path) -> None:
    path = lock_path(book)
    assert path.is_file() and not path.is_symlink()
    info = read_lock(book)
    assert info is not None and info.pid == os.getpid()


# --- what is at the lock file's place


@needs_fifo
def test_a_named_pipe_as_the_lock_file_does_not_hang_and_is_replaced(book: Path) -> None:
    os.mkfifo(lock_path(book))
    unblock = open_pipe_for_writing(lock_path(book))
    assert in_time(lambda: read_lock(book), unblock=unblock) is None
    held = in_time(lambda: BookLock.acquire(book), unblock=unblock)
    assert_ours(book)
    held.release()
    assert not lock_path(book).exists()


@needs_fifo
def test_a_named_pipe_put_in_place_of_a_held_lock_does_not_hang_the_heartbeat(
    book: Path,
) -> None:
    held = BookLock.acquire(book)
    lock_path(book).unlink()
    os.mkfifo(lock_path(book))
    in_time(held.heartbeat, unblock=open_pipe_for_writing(lock_path(book)))
    assert_ours(book)


@needs_links
def test_a_link_to_nowhere_as_the_lock_file_is_replaced_and_nothing_made_where_it_points(
    book: Path, tmp_path: Path
) -> None:
    nowhere = tmp_path / "どこにもない" / "ロック"
    lock_path(book).symlink_to(nowhere)
    assert read_lock(book) is None
    held = BookLock.acquire(book)  # not 「ほかの人が同時に開こうとしています」
    assert_ours(book)
    held.heartbeat()
    held.release()
    assert not nowhere.parent.exists()


@needs_links
def test_a_link_out_of_the_folder_is_never_read_or_written_through(
    book: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "よそ"
    outside.mkdir()
    target = outside / "lock.json"
    someone = LockInfo("山田", "PC-123", 4242, now(), now(), "0.0.9")
    target.write_text(someone.to_json(), encoding="utf-8")
    before = target.read_bytes()
    lock_path(book).symlink_to(target)

    held = BookLock.acquire(book)  # the linked file is not taken for a lock
    held.heartbeat()
    held.release()
    assert target.read_bytes() == before
    assert sorted(p.name for p in outside.iterdir()) == ["lock.json"]


@needs_links
def test_links_are_not_followed_where_there_is_no_o_nofollow(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no O_NOFOLLOW: the lock file is checked for a link before it is opened."""
    monkeypatch.setattr(lock_module, "_O_NOFOLLOW", 0)
    target = tmp_path / "他人のロック.json"
    target.write_text(
        LockInfo("山田", "PC-123", 4242, now(), now(), "0.0.9").to_json(), encoding="utf-8"
    )
    lock_path(book).symlink_to(target)
    assert read_lock(book) is None
    BookLock.acquire(book).release()
    assert target.is_file()


def test_a_folder_with_the_lock_files_name_is_said_so(book: Path) -> None:
    lock_path(book).mkdir()
    with pytest.raises(LockError) as refused:
        BookLock.acquire(book)
    message = str(refused.value)
    assert "同じ名前のフォルダ" in message and "本庁.kpidb.lock" in message
    assert "削除" not in message and "消して" not in message
    assert lock_path(book).is_dir()


# --- a heartbeat from the future


def test_a_heartbeat_far_ahead_of_this_clock_is_suspect_and_can_be_taken_over(
    book: Path,
) -> None:
    future = datetime(2099, 1, 1, 9, 0, tzinfo=UTC)
    info = LockInfo("山田", "PC-123", 4242, now() - timedelta(days=30), future, "0.0.9")
    lock_path(book).write_text(info.to_json(), encoding="utf-8")
    holder = read_lock(book)
    assert holder is not None
    assert is_ahead(holder) and not is_stale(holder)
    with pytest.raises(LockedError):
        BookLock.acquire(book)
    BookLock.acquire(book, take_over=True).release()


def test_a_heartbeat_a_little_ahead_is_a_clock_within_the_drift() -> None:
    moment = now()
    near = LockInfo("山田", "PC-123", 4242, moment, moment + AHEAD_LIMIT, "0.0.9")
    far = LockInfo("山田", "PC-123", 4242, moment, moment + AHEAD_LIMIT * 2, "0.0.9")
    assert not is_ahead(near, now=moment)
    assert is_ahead(far, now=moment)
    assert AHEAD_LIMIT >= lock_module.CLOCK_DRIFT + lock_module.HEARTBEAT_INTERVAL


# --- the book's file deleted or replaced while open


def test_a_book_deleted_while_open_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "本庁.kpidb"
    samples.create_sample_book(path).close()
    opened = FileIdentity.of(path)
    assert file_change(path, opened) is None
    path.unlink()
    message = file_change(path, opened)
    assert message is not None and "削除" in message and "名前を付けて保存" in message
    assert "読み取り専用" not in message


@deletes_an_open_book
@pytest.mark.parametrize("how", ["replaced", "moved over"])
def test_a_book_replaced_while_open_is_said_so(tmp_path: Path, how: str) -> None:
    path = tmp_path / "本庁.kpidb"
    samples.create_sample_book(path).close()
    other = tmp_path / "別.kpidb"
    samples.create_sample_book(other).close()
    with path.open("rb"):  # open, as the window keeps it: its inode stays taken
        opened = FileIdentity.of(path)
        if how == "replaced":
            other.replace(path)
        else:
            path.unlink()
            shutil.copy2(other, path)
        message = file_change(path, opened)
    assert message is not None and "置き換えられました" in message
    assert "名前を付けて保存" in message and "削除して" not in message


def test_without_inode_numbers_the_creation_time_tells(tmp_path: Path) -> None:
    """Some network folders give no inode number; Windows then still has the creation time."""
    opened = FileIdentity(7, 0, 1_700_000_000.0)
    assert opened.same_file(FileIdentity(7, 0, 1_700_000_000.0))
    assert not opened.same_file(FileIdentity(7, 0, 1_700_000_500.0))
    assert opened.same_file(FileIdentity(7, 0, None))  # cannot be told: not reported


@pytest.mark.skipif(os.name == "nt", reason="Windows does not let an open book be deleted")
def test_a_save_into_a_book_deleted_while_open_says_so_not_read_only(tmp_path: Path) -> None:
    """The command line and every other caller of the book hear it from SQLite itself."""
    from kpidesk.book.errors import BookError

    path = tmp_path / "本庁.kpidb"
    book = samples.create_sample_book(path)
    try:
        sheet = book.list_sheets()[0]
        path.unlink()
        sheet.title = "変更"
        with pytest.raises(BookError) as raised:
            book.save_sheet(sheet)
    finally:
        book.close()
    assert "削除・移動" in str(raised.value)
    assert "読み取り専用" not in str(raised.value)
    assert not path.exists()


# --- what a lock file says, when someone wrote it to mislead or to break


def fresh() -> str:
    return now().isoformat()


@pytest.mark.parametrize(
    "fields",
    [
        {"pid": 2**31},
        {"pid": 2**63},
        {"since": "9999-12-31T23:59:59-23:59"},
        {"heartbeat": "9999-12-31T23:59:59-23:59"},
        {"heartbeat": "0001-01-01T00:00:00+23:59"},
        {"since": "0001-01-01T00:00:00+23:59"},
    ],
    ids=[
        "pid-2**31",
        "pid-2**63",
        "since-last-day",
        "heartbeat-last-day",
        "heartbeat-first-day",
        "since-first-day",
    ],
)
def test_a_lock_with_a_pid_or_a_time_out_of_range_is_unreadable_not_a_crash(
    book: Path, fields: dict[str, object]
) -> None:
    content = {
        "user": "山田",
        "computer": lock_module.this_computer(),  # this computer: its pid is looked up
        "pid": 4242,
        "since": fresh(),
        "heartbeat": fresh(),
        **fields,
    }
    lock_path(book).write_text(json.dumps(content), encoding="utf-8")
    holder = read_lock(book)
    assert holder is not None and not holder.readable  # as a half-written lock is
    assert not is_stale(holder) and not is_ahead(holder)
    with pytest.raises(LockedError) as locked:
        BookLock.acquire(book)
    assert "不明（不明）が" in str(locked.value)
    BookLock.acquire(book, take_over=True).release()


def test_a_pid_no_system_gives_is_no_running_process() -> None:
    assert lock_module._process_running(2**63) is False
    assert lock_module._process_running(2**31) is False


SPOOF = (
    "総務課（PC-1）が 2026-01-01 09:00 から開いていましたが、既に閉じています。\n\n"
    "問題はありません。「引き継ぐ」を押してください\u202e"
)


@pytest.mark.parametrize(
    ("user", "computer"),
    [
        (SPOOF, "PC-123"),
        ("山田", "PC\r\n\u2028-1\u2066\u2069\u200e\u200f\u202a\u202b\u202c\u202d\x85\x00\x1b"),
        ("長" * 60_000, "PC-123"),
    ],
    ids=["sentence-with-line-breaks", "controls-and-bidi", "60000-characters"],
)
def test_who_has_the_book_is_shown_short_and_without_controls(
    book: Path, user: str, computer: str
) -> None:
    info = LockInfo(user, computer, 4242, now(), now(), "0.0.9")
    lock_path(book).write_text(info.to_json(), encoding="utf-8")
    with pytest.raises(LockedError) as locked:
        BookLock.acquire(book)
    for shown in (info.describe(), str(locked.value)):
        assert not re.search(
            "[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]", shown
        ), shown
        assert len(shown) < 160
        assert shown.endswith("から開いています") or "から開いています。" in shown


def test_names_are_shown_as_written_but_for_breaks_controls_and_length() -> None:
    assert LockInfo("山田", "PC-123", 1, now(), now()).describe().startswith("山田（PC-123）が ")
    assert lock_module.shown_name("PC\r\n\u2028-1\u2066\u202e\x00") == "PC -1"
    assert lock_module.shown_name("\u202e\u200f\n") == lock_module.UNKNOWN
    assert lock_module.shown_name("長" * 100) == "長" * 40 + "…"
