"""Tests for kpidesk.book.lock: the lock file that tells others who has a book open."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import kpidesk.book.lock as lock_module
from kpidesk import __version__
from kpidesk.book.lock import (
    STALE_AFTER,
    UNREADABLE_GRACE,
    BookLock,
    LockedError,
    LockError,
    LockInfo,
    LockLostError,
    is_stale,
    lock_path,
    read_lock,
)

OTHER_PC = "PC-123"
JST = timezone(timedelta(hours=9))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """Where a book lives; the lock does not need the book to exist."""
    return tmp_path / "本庁.kpidb"


def now() -> datetime:
    return datetime.now(UTC).astimezone()


def someone_else(
    *,
    user: str = "山田",
    computer: str = OTHER_PC,
    pid: int = 4242,
    since: datetime | None = None,
    heartbeat: datetime | None = None,
) -> LockInfo:
    since = since or now() - timedelta(hours=1)
    return LockInfo(user, computer, pid, since, heartbeat or now(), "0.0.9")


def write_lock(book: Path, info: LockInfo) -> None:
    """Leave a lock file as another program would."""
    lock_path(book).write_text(info.to_json(), encoding="utf-8")


def dead_pid() -> int:
    """The id of a process of this computer that has ended."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


# --- the lock file --------------------------------------------------------------------


def test_lock_path_is_beside_the_book(book: Path) -> None:
    assert lock_path(book) == book.parent / "本庁.kpidb.lock"
    assert lock_path(str(book)) == book.parent / "本庁.kpidb.lock"


def test_acquire_writes_who_and_when_and_release_removes_it(book: Path) -> None:
    before = now()

    lock = BookLock.acquire(book)

    data = json.loads(lock_path(book).read_text(encoding="utf-8"))
    assert set(data) == {"user", "computer", "pid", "since", "heartbeat", "app_version"}
    assert data["computer"] == socket.gethostname()
    assert data["pid"] == os.getpid()
    assert data["app_version"] == __version__
    info = read_lock(book)
    assert info == lock.info
    assert info is not None and info.readable
    assert before - timedelta(seconds=1) <= info.since <= now()
    assert info.heartbeat == info.since
    assert not book.exists()  # the book itself is not made

    lock.release()
    assert not lock_path(book).exists()
    assert read_lock(book) is None
    lock.release()  # twice does nothing


def test_context_manager_releases(book: Path) -> None:
    with BookLock.acquire(book) as lock:
        assert lock_path(book).exists()
        assert not lock.released
    assert lock.released
    assert list(book.parent.iterdir()) == []


def test_describe_names_who_and_since() -> None:
    since = datetime(2026, 11, 30, 9, 12, 41).astimezone()
    info = LockInfo("山田", OTHER_PC, 4242, since, since)

    assert info.describe() == "山田（PC-123）が 2026-11-30 09:12 から開いています"


def test_describe_shows_the_time_in_this_computers_time_zone() -> None:
    since = datetime(2026, 11, 30, 0, 12, tzinfo=UTC)
    info = LockInfo("山田", OTHER_PC, 4242, since, since)

    assert since.astimezone().strftime("%Y-%m-%d %H:%M") in info.describe()


def test_times_keep_their_offset_and_compare_across_time_zones(book: Path) -> None:
    since = datetime(2026, 11, 30, 9, 12, 3, 123456, tzinfo=JST)
    write_lock(book, someone_else(since=since, heartbeat=since))

    info = read_lock(book)

    assert info is not None
    assert info.since == datetime(2026, 11, 30, 0, 12, 3, 123456, tzinfo=UTC)
    assert '"since": "2026-11-30T09:12:03.123456+09:00"' in lock_path(book).read_text("utf-8")


# --- a second opener ----------------------------------------------------------------


def test_a_second_opener_is_told_who_has_the_book(book: Path) -> None:
    since = now() - timedelta(minutes=30)
    write_lock(book, someone_else(since=since, heartbeat=now() - timedelta(minutes=1)))
    before = lock_path(book).read_bytes()

    with pytest.raises(LockedError) as caught:
        BookLock.acquire(book)

    message = str(caught.value)
    assert "山田（PC-123）が" in message
    assert since.astimezone().strftime("%Y-%m-%d %H:%M") in message
    assert "読み取り専用" in message
    assert caught.value.info.user == "山田"
    assert caught.value.info.computer == OTHER_PC
    assert lock_path(book).read_bytes() == before


def test_a_second_lock_in_the_same_running_program_is_refused(book: Path) -> None:
    with BookLock.acquire(book) as first:
        with pytest.raises(LockedError) as caught:
            BookLock.acquire(book)
        assert caught.value.info == first.info
        assert read_lock(book) == first.info


def test_take_over_replaces_a_live_lock_and_the_loser_finds_out(book: Path) -> None:
    first = BookLock.acquire(book)
    write_lock(book, someone_else())  # another PC took it over

    with pytest.raises(LockLostError) as caught:
        first.heartbeat()
    assert "山田（PC-123）" in str(caught.value)

    second = BookLock.acquire(book, take_over=True)
    assert read_lock(book) == second.info
    first.release()  # no longer its lock: left alone
    assert read_lock(book) == second.info
    second.release()
    assert not lock_path(book).exists()


def test_release_removes_only_its_own_lock(book: Path) -> None:
    lock = BookLock.acquire(book)
    theirs = someone_else()
    write_lock(book, theirs)

    lock.release()

    assert read_lock(book) == theirs


def test_release_leaves_an_unreadable_lock_alone(book: Path) -> None:
    lock = BookLock.acquire(book)
    lock_path(book).write_text("壊れた", encoding="utf-8")

    lock.release()

    assert lock_path(book).read_text(encoding="utf-8") == "壊れた"


def test_the_same_pid_and_computer_with_another_since_is_not_the_same_lock(book: Path) -> None:
    lock = BookLock.acquire(book)
    earlier = LockInfo(
        lock.info.user,
        lock.info.computer,
        lock.info.pid,
        lock.info.since - timedelta(microseconds=1),
        lock.info.heartbeat,
    )
    write_lock(book, earlier)

    lock.release()

    assert read_lock(book) == earlier


def test_computer_names_compare_without_case(book: Path) -> None:
    lock = BookLock.acquire(book)
    shouting = LockInfo(
        lock.info.user,
        lock.info.computer.upper(),
        lock.info.pid,
        lock.info.since,
        lock.info.heartbeat,
    )
    write_lock(book, shouting)

    lock.release()

    assert not lock_path(book).exists()


# --- stale locks --------------------------------------------------------------------


def test_a_lock_without_heartbeat_for_ten_minutes_is_stale() -> None:
    moment = now()
    fresh = someone_else(heartbeat=moment - STALE_AFTER + timedelta(seconds=1))
    old = someone_else(heartbeat=moment - STALE_AFTER - timedelta(seconds=1))

    assert not is_stale(fresh, now=moment)
    assert is_stale(old, now=moment)
    assert timedelta(minutes=10) == STALE_AFTER


def test_a_heartbeat_from_a_clock_ahead_is_not_stale() -> None:
    moment = now()
    assert not is_stale(someone_else(heartbeat=moment + timedelta(hours=2)), now=moment)


def test_a_naive_now_is_taken_as_local_time() -> None:
    heartbeat = now() - timedelta(minutes=11)
    naive_now = datetime.now()

    assert is_stale(someone_else(heartbeat=heartbeat), now=naive_now)
    assert not is_stale(someone_else(heartbeat=now()), now=naive_now)


def test_a_stale_lock_is_taken_over(book: Path) -> None:
    write_lock(book, someone_else(heartbeat=now() - timedelta(minutes=11)))

    with BookLock.acquire(book) as lock:
        assert read_lock(book) == lock.info
        assert lock.info.pid == os.getpid()
    assert not lock_path(book).exists()


def test_a_lock_of_an_ended_process_on_this_computer_is_stale(book: Path) -> None:
    pid = dead_pid()
    left = someone_else(computer=socket.gethostname(), pid=pid)  # fresh heartbeat

    assert is_stale(left)
    write_lock(book, left)
    with BookLock.acquire(book) as lock:
        assert read_lock(book) == lock.info


def test_a_lock_of_a_running_process_on_this_computer_is_not_stale() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not is_stale(someone_else(computer=socket.gethostname(), pid=child.pid))
    finally:
        child.kill()
        child.wait()
    assert is_stale(someone_else(computer=socket.gethostname(), pid=child.pid))


def test_the_pid_is_not_checked_for_another_computer() -> None:
    # The pid means nothing here: only the heartbeat tells.
    assert not is_stale(someone_else(computer=OTHER_PC, pid=dead_pid()))


# --- unreadable lock files ----------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\xff\xfe\x00garbage",
        b"[1, 2]",
        '{"user": "山田"}'.encode(),
        json.dumps({"user": "山田", "computer": "PC", "pid": "42"}).encode(),
        json.dumps({"user": "山田", "computer": "PC", "pid": 0}).encode(),
        json.dumps(
            {"user": "山田", "computer": "PC", "pid": 42, "since": "昨日", "heartbeat": "今"}
        ).encode(),
        b"[" * 100_000,
    ],
    ids=[
        "empty",
        "cut-off",
        "binary",
        "list",
        "no-pid",
        "pid-text",
        "pid-zero",
        "bad-time",
        "deep",
    ],
)
def test_an_unreadable_lock_file_is_read_as_unknown(book: Path, content: bytes) -> None:
    lock_path(book).write_bytes(content)

    info = read_lock(book)

    assert info is not None
    assert not info.readable
    assert (info.user, info.computer, info.pid) == ("不明", "不明", 0)
    assert info.describe().startswith("不明（不明）が ")
    modified = datetime.fromtimestamp(lock_path(book).stat().st_mtime, UTC)
    assert info.since == info.heartbeat == modified


def test_a_fresh_unreadable_lock_is_respected_and_an_old_one_taken_over(book: Path) -> None:
    # A young unreadable file may be another program's lock being written now.
    lock_path(book).write_bytes(b"")
    with pytest.raises(LockedError) as caught:
        BookLock.acquire(book)
    assert "不明（不明）" in str(caught.value)

    old = time.time() - UNREADABLE_GRACE.total_seconds() - 5
    os.utime(lock_path(book), (old, old))
    with BookLock.acquire(book) as lock:
        assert read_lock(book) == lock.info


def test_heartbeat_repairs_its_own_damaged_lock_file(book: Path) -> None:
    with BookLock.acquire(book) as lock:
        lock_path(book).write_bytes(b"{")
        lock.heartbeat()
        assert read_lock(book) == lock.info


# --- heartbeat ------------------------------------------------------------------------


def test_heartbeat_moves_the_time_and_keeps_since(book: Path) -> None:
    with BookLock.acquire(book) as lock:
        since = lock.info.since
        time.sleep(0.01)

        lock.heartbeat()

        info = read_lock(book)
        assert info is not None
        assert info.since == since
        assert info.heartbeat > since
        assert info == lock.info
        assert sorted(p.name for p in book.parent.iterdir()) == ["本庁.kpidb.lock"]


def test_heartbeat_makes_a_removed_lock_again(book: Path) -> None:
    with BookLock.acquire(book) as lock:
        lock_path(book).unlink()

        lock.heartbeat()

        assert read_lock(book) == lock.info
    assert not lock_path(book).exists()


def test_heartbeat_after_release_does_nothing(book: Path) -> None:
    lock = BookLock.acquire(book)
    lock.release()
    lock.heartbeat()
    assert not lock_path(book).exists()


# --- failures -------------------------------------------------------------------------


def test_a_folder_that_cannot_be_written_gives_a_lock_error(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def refuse(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if os.fspath(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr(lock_module.os, "open", refuse)

    with pytest.raises(LockError) as caught:
        BookLock.acquire(book)

    assert not isinstance(caught.value, LockedError)
    assert "ロックファイルを作れません" in str(caught.value)
    assert "権限" in str(caught.value)
    assert list(book.parent.iterdir()) == []


def test_two_takeovers_at_once_leave_one_owner(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_lock(book, someone_else(heartbeat=now() - timedelta(minutes=30)))
    winner = someone_else(user="佐藤", computer="PC-456", since=now(), heartbeat=now())
    real_replace = lock_module._replace

    def replace_then_lose(path: Path, content: bytes) -> None:
        real_replace(path, content)
        write_lock(book, winner)  # the other program's takeover lands just after ours

    monkeypatch.setattr(lock_module, "_replace", replace_then_lose)

    with pytest.raises(LockedError) as caught:
        BookLock.acquire(book)

    assert caught.value.info == winner
    assert read_lock(book) == winner
    assert sorted(p.name for p in book.parent.iterdir()) == ["本庁.kpidb.lock"]
