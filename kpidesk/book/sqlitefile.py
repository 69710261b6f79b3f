"""Opening a SQLite file safely: checking it before anything writes to it.

A file is checked from its header bytes and through a read-only connection
(``PRAGMA quick_check`` and the schema check of
:mod:`kpidesk.book.schemacheck` included) before it is opened for writing,
so that a file that is refused (another program's, a newer version's, a
damaged one, one carrying SQL of its own) is never changed. A ``-wal``
file beside it (left by another program that used WAL) is checked
together with it on a copy in a temporary folder, because opening the file
itself would merge it. Every connection is hardened (:func:`harden`).
SQLite's errors are turned into :class:`BookError` with a Japanese message
here.

``quick_check`` reads the whole file: for a 5,000-sheet, 48 MB book about
40 ms when the file is in the OS cache, about 0.5 s from a cold local disk,
and what reading 48 MB costs on a network folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kpidesk.book.errors import (
    BOOK_MOVED,
    BUSY_READING,
    BUSY_WRITING,
    DAMAGED,
    EMPTY_FILE,
    FULL_READING,
    FULL_WRITING,
    INCONSISTENT_ROWS,
    JOURNAL_NOTE,
    NOT_A_PLAIN_FILE,
    NOT_ROLLED_BACK,
    NOT_SQLITE,
    ODD_SIDE_FILE,
    OTHER_PROGRAM,
    UNCHECKED_SIDE_FILE,
    UNFINISHED_FOREIGN,
    WAL_NOTE,
    WRITE_FAILED,
    BookError,
    BusyError,
    DiskFullError,
    NewerVersionError,
    NotABookError,
)
from kpidesk.book.schema import APPLICATION_ID, SCHEMA_VERSION
from kpidesk.book.schemacheck import check_schema, expected_schema

#: How long a write waits for another program (or PC) to finish its own.
#: Read when a book is opened, unless ``Book.open(busy_timeout=...)`` is given.
BUSY_TIMEOUT_SECONDS = 5.0

_SQLITE_MAGIC = b"SQLite format 3\x00"
#: SQLITE_READONLY_DBMOVED (not named by every Python's sqlite3 module).
_SQLITE_READONLY_DBMOVED = 1032
_HEADER_SIZE = 100


def file_uri(path: Path, mode: str, *, immutable: bool = False) -> str:
    """A SQLite URI for ``path`` that survives spaces, Japanese and Windows paths.

    Every character of the path is percent-encoded (``/``, ``\\`` and ``:``
    too), so the URI never has an authority part; this keeps Windows drive
    letters and UNC paths (``\\\\server\\share``) working, which
    ``Path.as_uri()`` does not do for SQLite.
    """
    uri = f"file:{quote(os.fspath(path.absolute()), safe='')}?mode={mode}"
    if immutable:
        uri += "&immutable=1"
    return uri


def primary_code(error: sqlite3.Error) -> int:
    """The primary SQLite result code of an error (0 when unknown)."""
    return int(getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF


def translate(error: sqlite3.Error, *, writing: bool = False) -> BookError:
    """A user-facing BookError for an error SQLite raised on an open book.

    Args:
        error: what SQLite raised.
        writing: it was raised while saving (the message then says so).
    """
    code = primary_code(error)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        # The busy timeout has already been waited out: SQLite retried for that long.
        return BusyError(BUSY_WRITING if writing else BUSY_READING)
    if code == sqlite3.SQLITE_FULL:
        return DiskFullError(FULL_WRITING if writing else FULL_READING)
    if getattr(error, "sqlite_errorcode", 0) == _SQLITE_READONLY_DBMOVED:
        # SQLite noticed that the file it has open was deleted, renamed or replaced.
        message = BOOK_MOVED
    elif code == sqlite3.SQLITE_READONLY:
        message = (
            "ブックが読み取り専用のため書き込めません（ファイルやフォルダの権限を確かめてください）"
        )
    elif code == sqlite3.SQLITE_IOERR and writing:
        message = WRITE_FAILED
    elif code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
        message = (
            "ブックの読み書きに失敗しました（ネットワークの切断や、ファイルの移動が考えられます）"
        )
    elif code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        message = DAMAGED
    else:
        message = f"ブックを読み書きできませんでした（{error}）"
    return BookError(message)


@contextlib.contextmanager
def sqlite_errors(*, writing: bool = False) -> Iterator[None]:
    """Turn SQLite's operational errors into BookError with a Japanese message.

    Programming errors (``ProgrammingError``, ``InterfaceError``) pass
    through: they are bugs, not user situations. A constraint violation
    cannot come from KPI Desk's own writes (each checks first), only from
    rows another program left inconsistent, such as a history row for a
    revision not yet saved; the transaction is rolled back and that is said.

    Args:
        writing: the block saves (see :func:`translate`).
    """
    try:
        yield
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise
    except sqlite3.IntegrityError as error:
        raise BookError(INCONSISTENT_ROWS) from error
    except sqlite3.DatabaseError as error:
        raise translate(error, writing=writing) from error


def classify(application_id: int, version: int, has_tables: bool) -> int:
    """Decide from a file's marks whether it may be opened; return its version.

    Raises:
        NotABookError: another program's file.
        NewerVersionError: a book from a newer KPI Desk.
    """
    if application_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise NewerVersionError(version, SCHEMA_VERSION)
        if version < 1 and has_tables:
            raise NotABookError(DAMAGED)
        return max(version, 0)
    if application_id == 0 and version == 0 and not has_tables:
        return 0  # an empty SQLite file: ours to initialise
    raise NotABookError(OTHER_PROGRAM)


@dataclass(frozen=True)
class FileCheck:
    """What checking an existing file found.

    Attributes:
        version: the book's schema version (0: an empty SQLite file).
        wal: the header says the file is in WAL mode.
        unfinished: a save cut off by a crash is waiting to be rolled back
            (a hot journal); only the header could be checked.
        wal_file: a ``-wal`` file with changes in it is beside the file; the
            file was checked with them, and opening it for writing merges them.
        pages: see :func:`inspect_file` (``pages_later``).
    """

    version: int
    wal: bool
    unfinished: bool
    wal_file: bool = False
    #: With ``pages_later``: the check of every page, still running (None when done).
    pages: PageCheck | None = None


def check_file(path: Path, *, timeout: float | None = None) -> int:
    """Check a file without changing it; return its schema version.

    See :func:`inspect_file`, which this calls.
    """
    return inspect_file(path, timeout=timeout).version


def inspect_file(
    path: Path, *, timeout: float | None = None, pages_later: bool = False
) -> FileCheck:
    """Check a file without changing it.

    First the 100-byte header is read as plain bytes; then the file is
    opened read-only, its marks are read, its schema is compared with
    KPI Desk's (:func:`kpidesk.book.schemacheck.check_schema`) and
    ``PRAGMA quick_check`` reads every page of a book. A file in WAL mode
    (or with an empty ``-wal`` beside it) is read with ``immutable=1``,
    because a read-only connection would otherwise leave ``-wal`` and
    ``-shm`` files beside it. A ``-wal`` file with something in it holds
    changes SQLite would merge into the file on opening:
    the file and that ``-wal`` are then copied to a temporary folder and the
    copy is checked, so that what is checked is what opening would give,
    and a refused file (and its ``-wal``) is left as it was. A book with a
    hot journal (left by a crash during a save) passes on its header alone:
    only a read-write connection can roll the unfinished save back, and
    ``Book._prepare`` checks the book again once it has.

    Args:
        path: the file.
        timeout: how long to wait for another program's save to finish
            (:data:`BUSY_TIMEOUT_SECONDS` when None).
        pages_later: a book of the current schema in the usual state (not in
            WAL mode, no save to roll back) has its pages checked on a thread
            of its own (:class:`PageCheck`, in :attr:`FileCheck.pages`),
            while the caller goes on; any other file is checked whole now.

    Raises:
        BookError: the file cannot be read (or one of the subclasses below).
        NotABookError: not a KPI Desk book, or damaged.
        ForeignSchemaError: a book with tables, indexes, triggers or views
            KPI Desk does not make.
        NewerVersionError: made by a newer KPI Desk.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise BookError(NOT_A_PLAIN_FILE)  # a named pipe would block the read below
        check_side_files(path)
        with path.open("rb") as stream:
            header = stream.read(_HEADER_SIZE)
    except PermissionError as error:
        raise BookError("ファイルを読めません（アクセスが許可されていません）") from error
    except OSError as error:
        raise BookError(f"ファイルを読めません（{error.strerror or error}）") from error
    if not header:
        raise NotABookError(EMPTY_FILE)
    if not header.startswith(_SQLITE_MAGIC):
        raise NotABookError(NOT_SQLITE)
    if len(header) < _HEADER_SIZE:
        raise NotABookError(DAMAGED)
    header_version = int.from_bytes(header[60:64], "big", signed=True)
    header_application_id = int.from_bytes(header[68:72], "big")
    if header_application_id not in (0, APPLICATION_ID):
        raise NotABookError(OTHER_PROGRAM)
    if header_application_id == APPLICATION_ID and header_version > SCHEMA_VERSION:
        raise NewerVersionError(header_version, SCHEMA_VERSION)
    timeout = BUSY_TIMEOUT_SECONDS if timeout is None else timeout
    wal_path = wal_file(path)
    if _holds_changes(wal_path):
        return FileCheck(_check_with_wal(path, wal_path, timeout), True, False, wal_file=True)
    # An empty -wal beside the file is read as WAL mode too: immutable=1
    # keeps SQLite from making a -shm file for it.
    wal = header[18] == 2 or header[19] == 2 or os.path.lexists(wal_path)
    try:
        checker = open_checker(file_uri(path, "ro", immutable=wal), timeout)
    except sqlite3.Error as error:
        raise translate(error) from error
    unfinished = False
    pages = None
    try:
        version = check_contents(checker, pages=not pages_later)
        if pages_later:
            if version == SCHEMA_VERSION and not wal:
                pages = PageCheck(file_uri(path, "ro"), timeout)
            else:
                quick_check(checker)
    except sqlite3.DatabaseError as error:
        if getattr(error, "sqlite_errorcode", 0) == sqlite3.SQLITE_READONLY_ROLLBACK:
            if header_application_id != APPLICATION_ID:
                raise NotABookError(UNFINISHED_FOREIGN) from error
            unfinished = True
        else:
            raise _checking_error(error) from error
    finally:
        checker.close()
    if unfinished:
        # The journal puts pages back into the file when the book is opened
        # for writing; what they make is checked first, on a copy of both.
        version = _check_unfinished(path, journal_file(path), timeout)
        return FileCheck(version, wal, unfinished=True)
    return FileCheck(version, wal, unfinished=False, pages=pages)


class PageCheck:
    """``PRAGMA quick_check`` of a file whose other checks passed, on a thread of its own.

    Opening a book reads every page of it so that a damaged one is refused.
    For the book the window starts with, that read (60 ms for 5,000 sheets,
    far longer from a network folder) runs while the window is being built:
    SQLite lets the other thread run while it reads. The book waits for it
    before its first write, and the window before it shows the book
    (``Book.confirm_pages``).
    """

    def __init__(self, uri: str, timeout: float) -> None:
        """Start checking the file at ``uri`` (opened with :func:`open_checker`)."""
        self._uri = uri
        self._timeout = timeout
        self._error: BookError | None = None
        self._thread = threading.Thread(target=self._run, name="KPI Desk page check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._error = self._check()
        except BaseException as error:  # a check that did not end has not passed
            self._error = BookError(f"ブックを確かめられませんでした（{error!r}）")

    def _check(self) -> BookError | None:
        """The check itself: what it found wrong, or None."""
        try:
            checker = open_checker(self._uri, self._timeout)
        except sqlite3.Error as error:
            return translate(error)
        try:
            quick_check(checker)
        except BookError as error:
            return error
        except sqlite3.DatabaseError as error:
            return _checking_error(error)
        except MemoryError:
            # SQLite's "out of memory" (SQLITE_NOMEM), as damaged pages can give.
            return NotABookError(DAMAGED)
        finally:
            checker.close()
        return None

    def result(self) -> None:
        """Wait for the check to end.

        Raises:
            NotABookError: the book is damaged.
            BookError: it could not be read to the end.
        """
        self._thread.join()
        if self._error is not None:
            # Raised again at every call: without the last one's traceback.
            raise self._error.with_traceback(None)


def _holds_changes(wal_path: Path) -> bool:
    """Whether a ``-wal`` file is there and not empty (or cannot be looked at)."""
    if not os.path.lexists(wal_path):
        return False
    try:
        return wal_path.stat().st_size > 0
    except OSError:
        return True  # a dangling link, say: copying it says what is wrong


def check_side_files(path: Path) -> None:
    """Refuse a file whose ``-journal``, ``-wal`` or ``-shm`` is there but not a plain file.

    SQLite opens the ``-journal`` beside a file to see whether a save was
    cut off, and the ``-wal`` and ``-shm`` in WAL mode: a named pipe there
    blocks it for ever, and a folder, a link (one that leads nowhere or to
    itself too) or a device gives errors that look like a lost network. Each
    is looked at with ``lstat`` (links not followed) before any connection
    is made; on Windows there are no named pipes, but links and folders.

    Raises:
        BookError: one of them is not a plain file (or cannot be looked at),
            the message naming it.
    """
    for beside in (journal_file(path), wal_file(path), shm_file(path)):
        try:
            mode = os.lstat(beside).st_mode
        except FileNotFoundError:
            continue
        except OSError as error:
            raise BookError(
                UNCHECKED_SIDE_FILE.format(name=beside.name, reason=error.strerror or error)
            ) from error
        if not stat.S_ISREG(mode):
            raise BookError(ODD_SIDE_FILE.format(name=beside.name))


@contextlib.contextmanager
def checked_reader(path: Path, *, timeout: float | None = None) -> Iterator[sqlite3.Connection]:
    """A read-only connection to another file (a backup, a file beside the book), checked first.

    The file is opened ``immutable`` (nothing is read or made beside it) and
    checked as a book is (:func:`check_contents`) before the caller reads
    anything: a view or trigger of the file never runs.

    Raises:
        BookError: the file is not a KPI Desk book that can be read (as
            :func:`inspect_file`).
    """
    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise BookError(NOT_A_PLAIN_FILE)
    except OSError as error:
        raise BookError(f"ファイルを読めません（{error.strerror or error}）") from error
    check_side_files(path)
    timeout = BUSY_TIMEOUT_SECONDS if timeout is None else timeout
    try:
        connection = open_checker(file_uri(path, "ro", immutable=True), timeout)
    except sqlite3.Error as error:
        raise translate(error) from error
    try:
        try:
            check_contents(connection)
        except sqlite3.DatabaseError as error:
            raise _checking_error(error) from error
        yield connection
    finally:
        connection.close()


def journal_file(path: Path) -> Path:
    """The rollback journal SQLite keeps beside ``path`` while it saves."""
    return path.with_name(f"{path.name}-journal")


def wal_file(path: Path) -> Path:
    """The ``-wal`` file SQLite keeps beside ``path`` in WAL mode."""
    return path.with_name(f"{path.name}-wal")


def shm_file(path: Path) -> Path:
    """The ``-shm`` file SQLite keeps beside ``path`` in WAL mode."""
    return path.with_name(f"{path.name}-shm")


def open_checker(uri: str, timeout: float) -> sqlite3.Connection:
    """A hardened connection for checking a file (``mode=ro``; ``rw`` only for a copy)."""
    checker = sqlite3.connect(uri, uri=True, timeout=timeout)
    try:
        harden(checker)
    except BaseException:
        checker.close()
        raise
    return checker


def check_contents(connection: sqlite3.Connection, *, pages: bool = True) -> int:
    """Check an open file's marks, schema and pages; return its schema version.

    ``pages`` false leaves out :func:`quick_check`, for the caller to run.

    Only the schema table and SQLite's own checks are read before the
    schema is known to be KPI Desk's: no view or trigger of the file runs.

    Raises:
        NotABookError: another program's file, or damaged.
        ForeignSchemaError: a schema KPI Desk does not make.
        NewerVersionError: made by a newer KPI Desk.
        sqlite3.DatabaseError: SQLite could not read it (the caller translates).
    """
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    has_tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    version = classify(application_id, version, has_tables)
    check_schema(connection, version)
    if application_id == APPLICATION_ID and version >= 1:
        # Reading the table list is not enough to notice a cut-off file in
        # every case; touching the sheets table reads its root page.
        connection.execute("SELECT count(*) FROM sheets").fetchone()
    if pages:
        quick_check(connection)
    return version


def _checking_error(error: sqlite3.DatabaseError) -> BookError:
    """What an error of SQLite while checking a file means to the user."""
    code = primary_code(error)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR):
        return translate(error)
    return NotABookError(DAMAGED)


def _check_with_wal(path: Path, wal_path: Path, timeout: float) -> int:
    """Check ``path`` with the changes of the ``-wal`` beside it, on a copy of both.

    The copy is opened in a temporary folder, where SQLite may make its
    ``-shm`` file and read the ``-wal`` as it would beside the book; the
    book and its ``-wal`` are only read.

    Raises:
        BookError: as :func:`inspect_file`, the message saying that the
            ``-wal`` was checked with the file.
    """
    return _check_on_copy(path, wal_path, "ro", WAL_NOTE.format(wal=wal_path.name), timeout)


def _check_unfinished(path: Path, journal_path: Path, timeout: float) -> int:
    """Check what ``path`` becomes once its hot journal is rolled back, on a copy of both.

    Only a connection that may write rolls a hot journal back, and it does
    so into the file; a journal made by anyone could put any pages there.
    The copy in a temporary folder is rolled back and checked instead, so
    that a refused book and its journal are left as they were.

    Raises:
        BookError: as :func:`inspect_file`.
    """
    return _check_on_copy(
        path, journal_path, "rw", JOURNAL_NOTE.format(journal=journal_path.name), timeout
    )


#: The largest -wal or journal checked on a copy: this many times the book,
#: plus the slack below (a journal holds at most the pages a save changed; a
#: -wal a few rounds of them).
_SIDE_FILE_FACTOR = 4
_SIDE_FILE_SLACK = 64 * 1024**2
#: The temporary folders of those copies; one left by a killed check is
#: removed by the next check after an hour.
_COPY_PREFIX = "kpidesk-check-"
_STALE_COPY_SECONDS = 3600


def _remove_stale_copies() -> None:
    """Remove the copies a killed check left in the temporary folder (best effort)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for folder in Path(tempfile.gettempdir()).glob(f"{_COPY_PREFIX}*"):
            with contextlib.suppress(OSError):
                if folder.is_dir() and now - folder.stat().st_mtime > _STALE_COPY_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)


def _check_on_copy(path: Path, beside: Path, mode: str, note: str, timeout: float) -> int:
    """Check ``path`` together with the file SQLite keeps ``beside`` it, on a copy of both.

    Args:
        beside: the ``-wal`` or ``-journal`` file, copied with the book.
        mode: how the copy is opened (``rw`` for SQLite to roll a journal back).
        note: added to the message of a refusal, naming what was checked.

    Raises:
        BookError: ``beside`` is far larger than a journal or ``-wal`` of
            this book could be (a copy would fill the temporary folder).
    """
    try:
        book_size, side_size = path.stat().st_size, beside.stat().st_size
    except OSError as error:
        raise BookError(f"ファイルを読めません（{error.strerror or error}）") from error
    if side_size > _SIDE_FILE_FACTOR * book_size + _SIDE_FILE_SLACK:
        megabytes = f"{side_size / 1024**2:,.0f} MB、ブックは {book_size / 1024**2:,.0f} MB"
        raise NotABookError(
            f"ブックと同じフォルダにある「{beside.name}」が、このブックのものとしては大きすぎるため"
            f"（{megabytes}）、ブックを開きません。ブックも「{beside.name}」も変更していません。"
            "ブックを送った人か、フォルダを管理している人に確かめてください"
        )
    _remove_stale_copies()
    with tempfile.TemporaryDirectory(prefix=_COPY_PREFIX) as folder:
        copy = Path(folder) / "book.kpidb"
        try:
            shutil.copyfile(path, copy)
            shutil.copyfile(beside, copy.with_name(f"{copy.name}{beside.name[len(path.name) :]}"))
        except OSError as error:
            raise BookError(
                f"ブックと同じフォルダにある「{beside.name}」を含めてブックを確かめるための"
                f"一時コピーを作れませんでした（{error.strerror or error}）。"
                "ブックは変更していません"
            ) from error
        try:
            checker = open_checker(file_uri(copy, mode), timeout)
        except sqlite3.Error as error:
            raise translate(error) from error
        try:
            return check_contents(checker)
        except BookError as error:
            if isinstance(error, NotABookError):
                # The same error, so that its type and attributes stay; its
                # message says the file beside the book was part of what was checked.
                error.args = (f"{error}{note}",)
            raise
        except sqlite3.DatabaseError as error:
            refusal = _checking_error(error)
            if isinstance(refusal, NotABookError):
                refusal.args = (f"{refusal}{note}",)
            raise refusal from error
        finally:
            checker.close()


def quick_check(connection: sqlite3.Connection) -> None:
    """Read every page of the book and check its structure (``PRAGMA quick_check``).

    ``quick_check`` skips only what ``integrity_check`` adds (that indexes
    match their tables); it still reads the whole file. ``(1)`` stops at the
    first problem found: one is enough to refuse the book.

    Raises:
        NotABookError: the book is damaged.
        sqlite3.DatabaseError: SQLite could not read it (the caller translates).
    """
    rows = connection.execute("PRAGMA quick_check(1)").fetchall()
    if rows != [("ok",)]:
        raise NotABookError(DAMAGED)


def connect(target: str, *, uri: bool, timeout: float | None = None) -> sqlite3.Connection:
    """A connection that never opens a transaction by itself.

    ``isolation_level=None`` stops the sqlite3 module from opening implicit
    transactions; the store opens each write transaction explicitly. While
    another connection holds the lock, SQLite retries for ``timeout``
    seconds (:data:`BUSY_TIMEOUT_SECONDS` when None) before giving up with
    SQLITE_BUSY, which :func:`translate` turns into :class:`BusyError`.
    """
    connection = sqlite3.connect(
        target,
        uri=uri,
        timeout=BUSY_TIMEOUT_SECONDS if timeout is None else timeout,
        isolation_level=None,
    )
    try:
        harden(connection)
    except BaseException:
        connection.close()
        raise
    return connection


#: SQLite's settings for a database from an untrusted source, where the
#: Python ``sqlite3`` module can set them (``Connection.setconfig``, Python
#: 3.12 and later): no writes to the schema table or to the full-text
#: index's shadow tables by SQL, and no extensions.
_DEFENSIVE_CONFIG = (
    ("SQLITE_DBCONFIG_DEFENSIVE", True),
    ("SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION", False),
)


def _decode_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def harden(connection: sqlite3.Connection) -> None:
    """Set a new connection up for a file that may come from anyone.

    ``trusted_schema`` is turned off: until the schema has been checked,
    no function or virtual table may run from the file's triggers, views or
    column definitions. A connection that writes turns it on only while it migrates a
    checked book (:func:`trusting_checked_schema`).
    Where the ``sqlite3`` module offers ``setconfig`` (Python 3.12+), the
    settings of :data:`_DEFENSIVE_CONFIG` are made as well, and views are
    turned off while KPI Desk's schema has none; on Python 3.11
    they cannot be, and the schema check is what keeps a book's SQL out.
    Loading extensions stays off: the ``sqlite3`` module never enables it.
    ``cell_size_check`` makes SQLite check each page's cells as it reads them.
    Text that is not valid UTF-8 (another program can store any bytes as
    text) is read with U+FFFD in place of what cannot be decoded, instead of
    making every query that meets it fail.
    """
    connection.text_factory = _decode_text
    connection.execute("PRAGMA trusted_schema = OFF")
    connection.execute("PRAGMA cell_size_check = ON")
    setconfig = getattr(connection, "setconfig", None)
    if setconfig is None:
        return
    settings = list(_DEFENSIVE_CONFIG)
    if not any(kind == "view" for kind, _ in expected_schema(SCHEMA_VERSION)):
        settings.append(("SQLITE_DBCONFIG_ENABLE_VIEW", False))  # KPI Desk makes no view
    for name, value in settings:
        option = getattr(sqlite3, name, None)
        if option is not None:
            # An older SQLite library may not know an option; the others still apply.
            with contextlib.suppress(sqlite3.Error):
                setconfig(option, value)


@contextlib.contextmanager
def trusting_checked_schema(connection: sqlite3.Connection) -> Iterator[None]:
    """Let a connection whose schema has been checked run its triggers while migrating.

    Books of schema 2 to 4 keep their full-text index up to date with
    triggers that write to an FTS5 virtual table; SQLite does not mark FTS5
    as safe for untrusted schemas, so with ``trusted_schema`` off the
    migrations that change sheets would fail ("unsafe use of virtual
    table"). Once :func:`check_schema` has passed, every trigger in the
    book is one KPI Desk made; the current schema has none, so the setting
    goes back off when the migrations are done.
    """
    connection.execute("PRAGMA trusted_schema = ON")
    try:
        yield
    finally:
        connection.execute("PRAGMA trusted_schema = OFF")


def roll_back(connection: sqlite3.Connection, *, settle: bool = False) -> bool:
    """Undo a failed write transaction; return whether the book is as before it.

    After a full disk or an I/O error, SQLite may already have given the
    transaction up half-way, leaving changed pages in the file and the
    journal beside it (a hot journal) until the book is next read; closing
    the book then would leave it so. With ``settle``, the book is read once
    more, which makes SQLite put the saved pages back from the journal and
    remove it: SQLite reads nothing while a hot journal is left, so a read
    that succeeds shows that the book is back as it was.

    Returns:
        False when the rollback or that read failed: the journal is then
        still needed to put the book back, and is left where it is.
    """
    try:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        if settle:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        return False
    return not connection.in_transaction


def not_rolled_back(error: sqlite3.Error, path: Path | None) -> BookError:
    """The error for a failed save whose rollback could not be confirmed (see :func:`roll_back`)."""
    full = primary_code(error) == sqlite3.SQLITE_FULL
    message = NOT_ROLLED_BACK.format(
        what="ディスクの空きが足りない" if full else "ブックに書き込めなかった",
        journal=f"{path.name if path is not None else 'ブック'}-journal",
        advice="保存先のディスクの空きを増やしてから、" if full else "",
    )
    return DiskFullError(message) if full else BookError(message)


def writable(path: Path) -> bool:
    """Whether this user may write ``path`` (a file, or a folder to make files in).

    ``os.access`` sees the read-only attribute and POSIX permissions; on
    Windows it does not see ACLs or a share's permissions (nor a folder's
    read-only attribute, which Windows ignores). Those show up as
    SQLITE_READONLY or SQLITE_CANTOPEN on the first save instead.
    """
    return os.access(path, os.W_OK)
