"""A lock file beside a book that tells others who has it open.

When a book is opened for editing, ``<book name>.lock`` (``本庁.kpidb.lock``)
is made beside it, holding JSON like::

    {"user": "yamada", "computer": "PC-123", "pid": 4242,
     "since": "2026-11-30T09:12:03.123456+09:00",
     "heartbeat": "2026-11-30T09:41:03.654321+09:00", "app_version": "0.1.0"}

A second person who opens the book reads it and is told who has the book
and since when (:meth:`LockInfo.describe`), and can open it read-only or as
a copy instead. The window rewrites the heartbeat every minute
(:data:`HEARTBEAT_INTERVAL`), so a lock whose heartbeat has not moved for
:data:`STALE_AFTER` was left by a program that crashed, or by a PC that
was switched off or lost the network, and may be taken over.

The lock is a plain file made with ``O_CREAT | O_EXCL`` and replaced only
with ``os.replace``: no ``fcntl`` or ``msvcrt`` locks, which network folders
(SMB, NFS) do not keep reliably. It is advisory: it is there to tell people,
not to protect the data. What protects the data is SQLite's own locking and
the revision check on every save (``kpidesk.book.store``), which hold even when
two people end up editing at once.

Two things the lock file cannot know for sure, and how they are handled:

* Clocks. Times are written with their UTC offset, so PCs in different
  time zones compare correctly. A PC whose clock is wrong by more than
  :data:`STALE_AFTER` could see a live lock as stale; office PCs in a
  Windows domain are kept within 5 minutes of each other, well inside it.
  A heartbeat more than :data:`AHEAD_LIMIT` ahead of this computer's clock
  cannot come from a PC within that drift: the lock is suspect
  (:func:`is_ahead`), and the user is offered to take it over.
* Processes. Whether the owner's process is still running can be checked
  only on the owner's own computer. On another computer, only the
  heartbeat tells.

Anything at the lock file's place that is not a plain file (a link, a
named pipe) was not made by KPI Desk: it is never read through (a link is
not followed, a pipe is not waited on) and is replaced by the lock file
itself, never written through. A folder there cannot be replaced, and
opening for editing is refused with a message saying so.

All messages of the exceptions are Japanese sentences meant for the user.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import stat
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from kpidesk import __version__
from kpidesk.book.errors import PathTooLongError
from kpidesk.book.sidefiles import check_room, lock_path
from kpidesk.fileio import replace_with_retry, retry_while_held, temp_name, unlink_with_retry

#: How often the window is meant to call :meth:`BookLock.heartbeat`.
HEARTBEAT_INTERVAL = timedelta(minutes=1)
#: A lock whose heartbeat is older than this was left behind (ten missed heartbeats).
STALE_AFTER = timedelta(minutes=10)
#: How far apart the clocks of two office PCs may be (a Windows domain keeps them within 5 min).
CLOCK_DRIFT = timedelta(minutes=5)
#: A heartbeat further ahead of this computer's clock than this is suspect
#: (:func:`is_ahead`): a few heartbeats beyond the clocks' drift.
AHEAD_LIMIT = CLOCK_DRIFT + 3 * HEARTBEAT_INTERVAL
#: An unreadable lock file older than this was left half-written by a crash.
#: (A lock file is written within milliseconds of being made, so a younger
#: unreadable one may be another program's that is being written right now.)
UNREADABLE_GRACE = timedelta(seconds=30)
#: Shown for the user and computer of a lock file that cannot be read.
UNKNOWN = "不明"

#: How many times making the lock file is tried when it comes and goes meanwhile.
_RETRIES = 5
_RETRY_PAUSE_SECONDS = 0.05
#: How often making a lock file that Windows refused (access denied) is tried.
_CREATE_RETRIES = 10
_ENCODING = "utf-8"
#: Windows needs it so that the JSON's bytes are written as they are.
_O_BINARY: int = getattr(os, "O_BINARY", 0)
#: Reading never follows a link, nor waits for a named pipe's writer (POSIX only).
_O_NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)
#: A lock file larger than this is not one of ours.
_MAX_LOCK_BYTES = 64 * 1024
#: The largest process id a lock file of ours holds (Windows and POSIX give smaller ones).
_MAX_PID = 2**31 - 1
#: How many characters of a user or computer name a message shows.
_SHOWN_NAME_LENGTH = 40
#: Characters shown as a space: line and paragraph breaks, tabs, other controls.
_BREAKS = frozenset({"Cc", "Zl", "Zp"})
#: Characters left out: invisible formatting (the direction marks and embeddings
#: that turn the rest of a line around included) and lone surrogates.
_INVISIBLE = frozenset({"Cf", "Cs"})


class LockError(Exception):
    """The lock file cannot be made, read or written; ``str(error)`` says why in Japanese."""


class _NotAFileError(OSError):
    """The lock file's place holds something other than a plain file."""


class LockedError(LockError):
    """Someone else has the book open.

    Attributes:
        info: who has it, and since when.
    """

    def __init__(self, info: LockInfo) -> None:
        self.info = info
        super().__init__(
            f"このブックは{info.describe()}。読み取り専用で開くか、コピーとして開いてください"
        )


class LockLostError(LockError):
    """The lock is no longer ours: someone took it over or removed it.

    This happens when this program missed its heartbeats for longer than
    :data:`STALE_AFTER` (the PC slept, or the network was down) and someone
    else then opened the book.

    Attributes:
        info: who has the book now, or None when nobody does.
    """

    def __init__(self, info: LockInfo | None) -> None:
        self.info = info
        if info is None:
            message = "このブックを開いている印（ロックファイル）が、ほかの人に消されました"
        else:
            message = f"このブックは、{info.describe()}（開いている権利が引き継がれました）"
        super().__init__(message + "。保存する前に、ほかの人の変更と重ならないか確かめてください")


@dataclass(frozen=True)
class LockInfo:
    """What a lock file says about who has a book open.

    An unreadable lock file (empty, cut off, not JSON, not ours) is read as
    a LockInfo with :data:`UNKNOWN` user and computer, pid 0, and the file's
    modification time as both times; see :attr:`readable`.

    Attributes:
        user: the owner's login name.
        computer: the owner's computer name.
        pid: the owner's process id on that computer (0 when unknown).
        since: when the book was opened (timezone-aware).
        heartbeat: when the owner last said it still has the book (timezone-aware).
        app_version: the owner's KPI Desk version ("" when unknown).
    """

    user: str
    computer: str
    pid: int
    since: datetime
    heartbeat: datetime
    app_version: str = ""

    @property
    def readable(self) -> bool:
        """Whether this came from a lock file that could be read (pid 0 means it could not)."""
        return self.pid > 0

    def describe(self) -> str:
        """Who has the book and since when: ``山田（PC-123）が 2026-11-30 09:12 から開いています``.

        The time is shown in this computer's time zone. The names come from a
        file anyone may have written: they are shown without line breaks,
        controls or direction marks, and cut short (:func:`shown_name`), so
        that they cannot make the message say something else.
        """
        try:
            since = self.since.astimezone().strftime("%Y-%m-%d %H:%M")
        except (OverflowError, ValueError, OSError):
            since = "（不明な時刻）"
        return f"{shown_name(self.user)}（{shown_name(self.computer)}）が {since} から開いています"

    def to_json(self) -> str:
        """The lock file's content."""
        return json.dumps(
            {
                "user": self.user,
                "computer": self.computer,
                "pid": self.pid,
                "since": self.since.isoformat(timespec="microseconds"),
                "heartbeat": self.heartbeat.isoformat(timespec="microseconds"),
                "app_version": self.app_version,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> LockInfo:
        """Read a lock file's content.

        Raises:
            ValueError: it is not a lock file of ours.
        """
        data: Any = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        user, computer, pid = data.get("user"), data.get("computer"), data.get("pid")
        if not isinstance(user, str) or not isinstance(computer, str):
            raise ValueError("user and computer must be text")
        if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid <= _MAX_PID:
            raise ValueError("pid must be a positive integer no system exceeds")
        version = data.get("app_version", "")
        return cls(
            user=user,
            computer=computer,
            pid=pid,
            since=_parse_time(data.get("since")),
            heartbeat=_parse_time(data.get("heartbeat")),
            app_version=version if isinstance(version, str) else "",
        )

    def is_same_owner(self, other: LockInfo) -> bool:
        """Whether both describe the same opening (same computer, pid and since)."""
        return (
            _same_computer(self.computer, other.computer)
            and self.pid == other.pid
            and self.since == other.since
        )


def _parse_time(value: object) -> datetime:
    """An aware datetime from ISO text; a time without offset is taken as local.

    A time that cannot be put in UTC or in this computer's time zone (the
    first or last day ``datetime`` knows, with an offset that pushes it over)
    is no time a lock of ours holds: comparing or showing it would fail.

    Raises:
        ValueError: not ISO 8601 text, or a time out of range.
    """
    if not isinstance(value, str):
        raise ValueError("time must be text")
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.astimezone()
        moment.astimezone(UTC)
        moment.astimezone()
    except (OverflowError, OSError) as error:
        raise ValueError(f"time out of range: {error}") from error
    return moment


def shown_name(name: str) -> str:
    """A user or computer name from a lock file, as a message may show it.

    Line breaks and other controls become spaces, invisible formatting
    characters (direction marks and overrides included) are left out,
    spaces are run together, and a name longer than
    :data:`_SHOWN_NAME_LENGTH` characters is cut with 「…」; nothing left
    is :data:`UNKNOWN`.
    """
    kept: list[str] = []
    for character in name[: _SHOWN_NAME_LENGTH * 8]:
        category = unicodedata.category(character)
        if category in _INVISIBLE:
            continue
        kept.append(" " if category in _BREAKS else character)
    shown = " ".join("".join(kept).split())
    if len(shown) > _SHOWN_NAME_LENGTH:
        shown = shown[:_SHOWN_NAME_LENGTH].rstrip() + "…"
    return shown or UNKNOWN


def _now() -> datetime:
    """The current time, timezone-aware, in this computer's time zone."""
    return datetime.now(UTC).astimezone()


def _same_computer(first: str, second: str) -> bool:
    """Computer names compare without case (Windows treats them so)."""
    return first.casefold() == second.casefold()


def this_computer() -> str:
    """This computer's name as written into lock files."""
    try:
        return socket.gethostname() or UNKNOWN
    except OSError:
        return UNKNOWN


def is_mine_elsewhere(info: LockInfo) -> bool:
    """Whether a lock is this user's on this computer (the same user's other KPI Desk)."""
    return (
        info.readable
        and info.user == this_user()
        and _same_computer(info.computer, this_computer())
        and info.pid != os.getpid()
    )


def this_user() -> str:
    """The login name of the user running this program, as written into lock files."""
    try:
        return getpass.getuser() or UNKNOWN
    except (OSError, KeyError, ImportError):  # no USER variable and no passwd entry
        return UNKNOWN


def read_lock(book: Path | str) -> LockInfo | None:
    """Who has the book open, from its lock file; None when there is no lock file.

    A lock file that exists but cannot be read as ours gives a LockInfo whose
    :attr:`~LockInfo.readable` is false (see :class:`LockInfo`), so that it
    is shown as 「不明（不明）が … から開いています」 and is treated as stale
    once it is older than :data:`UNREADABLE_GRACE`. A link or a named pipe
    at its place is no lock file (None); it is not followed or waited on.

    Raises:
        LockError: the folder cannot be read (no permission, network gone),
            or a folder has the lock file's name.
    """
    path = lock_path(book)
    try:
        raw = retry_while_held(lambda: _read_bytes(path))
    except FileNotFoundError:
        return None
    except OSError as error:
        kind = _kind(path)
        if kind == "folder":
            raise _folder_in_the_way(path) from error
        if kind == "other":
            return None
        raise LockError(
            f"ブックのロックファイルを読めません（{error.strerror or error}）"
        ) from error
    try:
        return LockInfo.from_json(raw.decode(_ENCODING))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _unreadable(path)


def _read_bytes(path: Path) -> bytes:
    """The first bytes of a plain file; never through a link, never waiting on a pipe.

    Raises:
        _NotAFileError: something other than a plain file is there.
        OSError: it cannot be read.
    """
    if not _O_NOFOLLOW and os.path.islink(path):  # Windows: no O_NOFOLLOW
        raise _NotAFileError(f"not a plain file: {path}")
    descriptor = os.open(path, os.O_RDONLY | _O_BINARY | _O_NOFOLLOW | _O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise _NotAFileError(f"not a plain file: {path}")
        chunks: list[bytes] = []
        size = 0
        while size <= _MAX_LOCK_BYTES:
            chunk = os.read(descriptor, _MAX_LOCK_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _kind(path: Path) -> str:
    """What is at ``path``, not following a link: "none", "file", "folder" or "other"."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "none"
    except OSError:
        return "file"  # cannot be told: treated as the lock file it should be
    if stat.S_ISREG(mode):
        return "file"
    return "folder" if stat.S_ISDIR(mode) else "other"


def _folder_in_the_way(path: Path) -> LockError:
    return LockError(
        f"ブックの横に、ロックファイルと同じ名前のフォルダ（{path.name}）があるため、"
        "ほかの人に開いていることを知らせる印（ロックファイル）を作れません"
    )


def _unreadable(path: Path) -> LockInfo | None:
    """The LockInfo of an unreadable lock file, dated by its modification time."""
    try:
        modified = datetime.fromtimestamp(path.lstat().st_mtime, UTC).astimezone()
    except FileNotFoundError:
        return None
    except (OSError, OverflowError, ValueError):  # a time the file system should not give
        modified = datetime.fromtimestamp(0, UTC).astimezone()
    return LockInfo(UNKNOWN, UNKNOWN, 0, modified, modified)


def is_stale(info: LockInfo, *, now: datetime | None = None) -> bool:
    """Whether a lock was left behind and may be taken over without asking.

    A lock is stale when its heartbeat is older than :data:`STALE_AFTER`, or
    (an unreadable one) older than :data:`UNREADABLE_GRACE`, or when it was
    made on this computer by a process that is no longer running. A
    heartbeat in the future (another PC's clock is ahead) is not stale.

    Args:
        info: the lock, as :func:`read_lock` gave it.
        now: the current time (for tests); a naive time is taken as local.
    """
    age = _aware(now) - info.heartbeat
    if not info.readable:
        return age > UNREADABLE_GRACE
    if age > STALE_AFTER:
        return True
    return _same_computer(info.computer, this_computer()) and not _process_running(info.pid)


def is_ahead(info: LockInfo, *, now: datetime | None = None) -> bool:
    """Whether a lock's heartbeat is suspect: more than :data:`AHEAD_LIMIT` ahead of now.

    No PC whose clock is within :data:`CLOCK_DRIFT` of this one writes such
    a time, so the lock was written by a PC with a wrong clock, or edited.
    It never goes stale by itself; the user may take it over once they know
    the owner no longer has the book.

    Args:
        info: the lock, as :func:`read_lock` gave it.
        now: the current time (for tests); a naive time is taken as local.
    """
    return info.heartbeat - _aware(now) > AHEAD_LIMIT


def _aware(now: datetime | None) -> datetime:
    """``now``, or the current time when None; a naive time is taken as local."""
    if now is None:
        return _now()
    return now.astimezone() if now.tzinfo is None else now


def _process_running(pid: int) -> bool:
    """Whether a process with this id runs on this computer (True when unsure).

    A pid may have been reused by another program since; then the lock looks
    alive until its heartbeat is stale, which errs on the safe side.
    """
    if not 0 < pid <= _MAX_PID:
        return False  # no system gives such a pid
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_process_running(pid)
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except OverflowError:  # more than this system's pid_t holds
        return False
    except OSError:  # PermissionError: it exists but is another user's
        return True
    return True


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
    _ERROR_INVALID_PARAMETER = 87  # OpenProcess on a pid that does not exist
    _STILL_ACTIVE = 259

    def _windows_process_running(pid: int) -> bool:
        """OpenProcess and GetExitCodeProcess; True unless the process is surely gone."""
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            # Access denied and the like mean it exists; only this means it does not.
            return ctypes.get_last_error() != _ERROR_INVALID_PARAMETER
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == _STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)

else:

    def _windows_process_running(pid: int) -> bool:
        """Not on Windows: never called."""
        return True


# --- writing ------------------------------------------------------------------


def _create_exclusive(path: Path, content: bytes) -> None:
    """Make ``path`` with ``content`` only if it does not exist yet.

    Raises:
        FileExistsError: it exists.
        OSError: it cannot be made or written (a half-made file is removed).
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o644)
    try:
        try:
            os.write(descriptor, content)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError:
        with contextlib.suppress(OSError):
            unlink_with_retry(path)
        raise


def _create_new(path: Path, content: bytes) -> None:
    """:func:`_create_exclusive`, tried again for a moment when it is refused.

    On Windows a lock file that its owner is deleting (another KPI Desk
    closing the book, or an antivirus program still reading it) cannot be
    made again until the deletion is done: the create fails with access
    denied, as in a folder that is read-only. It is tried again for about
    half a second before the folder is called read-only.
    """
    for _ in range(_CREATE_RETRIES - 1):
        try:
            _create_exclusive(path, content)
            return
        except PermissionError:
            time.sleep(_RETRY_PAUSE_SECONDS)
    _create_exclusive(path, content)


def _replace(path: Path, content: bytes) -> None:
    """Put ``content`` at ``path`` in one step (write a temporary file, then rename).

    A reader sees the old content or the new, never half of it. The
    temporary file has a short name (``~kd1a2b3c4d.tmp``), so that it fits
    wherever the lock file does. Another program reading the lock file at
    that moment makes Windows refuse the rename for a while: it is tried
    again (:func:`kpidesk.fileio.replace_with_retry`).
    """
    temp = path.with_name(temp_name())
    _create_exclusive(temp, content)
    try:
        replace_with_retry(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            unlink_with_retry(temp)
        raise


class BookLock:
    """This program's lock on a book; make one with :meth:`acquire`.

    Use it as a context manager, or call :meth:`release` when the book is
    closed; call :meth:`heartbeat` every :data:`HEARTBEAT_INTERVAL` while it
    is open.

    Attributes:
        book: the book's file.
        path: the lock file.
        info: what this lock wrote (its heartbeat is the latest one written).
    """

    def __init__(self, book: Path, info: LockInfo) -> None:
        """Wrap a lock that is held; use :meth:`acquire` instead."""
        self.book = book
        self.path = lock_path(book)
        self.info = info
        self._released = False

    @classmethod
    def acquire(cls, book: Path | str, *, take_over: bool = False) -> BookLock:
        """Make the book's lock file, or take over a stale one.

        Args:
            book: the book's file (it need not exist yet).
            take_over: replace a lock even if its owner looks alive (the
                user was told who has the book and chose to take it).

        Raises:
            LockedError: someone else has the book open and ``take_over`` is false.
            LockError: the lock file cannot be made (a read-only folder, or a
                folder with its name), or the book's files would be longer
                than Windows allows (``kpidesk.book.sidefiles.check_room``;
                then nothing is written).
        """
        book = Path(book)
        path = lock_path(book)
        try:
            check_room(book)
        except PathTooLongError as error:
            raise LockError(str(error)) from error
        if _kind(path) == "folder":
            raise _folder_in_the_way(path)
        now = _now()
        mine = LockInfo(this_user(), this_computer(), os.getpid(), now, now, __version__)
        content = mine.to_json().encode(_ENCODING)
        for _ in range(_RETRIES):
            try:
                _create_new(path, content)
                return cls(book, mine)
            except FileExistsError:
                pass
            except OSError as error:
                raise _cannot_write(error) from error
            holder = read_lock(book)
            if holder is None:
                if _kind(path) != "other":
                    continue  # released in the meantime: make it afresh
                # A link or a pipe is no lock of ours: replaced (never written through).
            elif not take_over and not is_stale(holder):
                raise LockedError(holder)
            try:
                _replace(path, content)
            except OSError as error:
                raise _cannot_write(error) from error
            # Two programs may take over the same stale lock at the same moment:
            # the one whose file is there afterwards has it.
            there = read_lock(book)
            if there is not None and there.is_same_owner(mine):
                return cls(book, mine)
            if there is not None:
                raise LockedError(there)
        raise LockError(
            "ブックのロックファイルを作れません（ほかの人が同時に開こうとしています）。"
            "もう一度開いてください"
        )

    @property
    def released(self) -> bool:
        """Whether :meth:`release` has been called."""
        return self._released

    def heartbeat(self) -> None:
        """Write the current time into the lock file, to show the book is still open.

        A lock file that has disappeared is made again.

        Raises:
            LockLostError: someone else's lock file is there now.
            LockError: the lock file cannot be read or written (network gone);
                the next heartbeat tries again.
        """
        if self._released:
            return
        there = read_lock(self.book)
        # An unreadable file is not someone else's: they would have written
        # theirs whole (O_EXCL or os.replace), so it is ours, damaged.
        if there is not None and there.readable and not there.is_same_owner(self.info):
            raise LockLostError(there)
        beat = LockInfo(
            self.info.user,
            self.info.computer,
            self.info.pid,
            self.info.since,
            _now(),
            self.info.app_version,
        )
        content = beat.to_json().encode(_ENCODING)
        try:
            if there is None and _kind(self.path) != "other":
                _create_exclusive(self.path, content)
            else:
                _replace(self.path, content)
        except FileExistsError:
            raise LockLostError(read_lock(self.book)) from None
        except OSError as error:
            raise _cannot_write(error) from error
        self.info = beat

    def release(self) -> None:
        """Remove the lock file if it is still this lock's; releasing twice does nothing.

        A lock file someone else has taken over, or one that cannot be read,
        is left alone. Errors are not raised: the book is being closed anyway,
        and a lock left behind goes stale.
        """
        if self._released:
            return
        self._released = True
        try:
            there = read_lock(self.book)
            if there is not None and there.is_same_owner(self.info):
                unlink_with_retry(self.path)
        except (OSError, LockError):
            pass

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"BookLock({str(self.book)!r}, released={self._released})"


def _cannot_write(error: OSError) -> LockError:
    if isinstance(error, PermissionError):
        reason = "フォルダに書き込む権限がないか、ほかのプログラムがロックファイルを開いています"
    else:
        reason = error.strerror or str(error)
    return LockError(f"ブックのロックファイルを作れません（{reason}）")
