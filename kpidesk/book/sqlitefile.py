"""Opening a SQLite file safely: checking it before anything writes to it.

A file is checked from its header bytes and through a read-only connection
(``PRAGMA quick_check`` included) before it is opened for writing, so that
a file that is refused (another program's, a newer version's, a damaged
one) is never changed. SQLite's errors are turned into :class:`BookError`
with a Japanese message here.

``quick_check`` reads the whole file: for a 5,000-sheet, 48 MB book about
40 ms when the file is in the OS cache, about 0.5 s from a cold local disk,
and what reading 48 MB costs on a network folder.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kpidesk.book.errors import (
    BUSY_READING,
    BUSY_WRITING,
    DAMAGED,
    EMPTY_FILE,
    FULL_READING,
    FULL_WRITING,
    NOT_SQLITE,
    OTHER_PROGRAM,
    UNFINISHED_FOREIGN,
    BookError,
    BusyError,
    DiskFullError,
    NewerVersionError,
    NotABookError,
)
from kpidesk.book.schema import APPLICATION_ID, SCHEMA_VERSION

#: How long a write waits for another program (or PC) to finish its own.
#: Read when a book is opened, unless ``Book.open(busy_timeout=...)`` is given.
BUSY_TIMEOUT_SECONDS = 5.0

_SQLITE_MAGIC = b"SQLite format 3\x00"
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
    if code == sqlite3.SQLITE_READONLY:
        message = (
            "ブックが読み取り専用のため書き込めません（ファイルやフォルダの権限を確かめてください）"
        )
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

    Programming errors (``ProgrammingError``, ``InterfaceError``) and
    constraint violations pass through: they are bugs, not user situations.

    Args:
        writing: the block saves (see :func:`translate`).
    """
    try:
        yield
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError, sqlite3.IntegrityError):
        raise
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
    """

    version: int
    wal: bool
    unfinished: bool


def check_file(path: Path, *, timeout: float | None = None) -> int:
    """Check a file without changing it; return its schema version.

    See :func:`inspect_file`, which this calls.
    """
    return inspect_file(path, timeout=timeout).version


def inspect_file(path: Path, *, timeout: float | None = None) -> FileCheck:
    """Check a file without changing it.

    First the 100-byte header is read as plain bytes; then the file is
    opened read-only, its marks are read and ``PRAGMA quick_check`` reads
    every page of a book. A file in WAL mode is read with ``immutable=1``,
    because a read-only connection would otherwise leave ``-wal`` and
    ``-shm`` files beside it. A book with a hot journal (left by a crash
    during a save) passes on its header alone: only a read-write
    connection can roll the unfinished save back, and ``Book._prepare``
    checks the book again once it has.

    Args:
        path: the file.
        timeout: how long to wait for another program's save to finish
            (:data:`BUSY_TIMEOUT_SECONDS` when None).

    Raises:
        BookError: the file cannot be read (or one of the subclasses below).
        NotABookError: not a KPI Desk book, or damaged.
        NewerVersionError: made by a newer KPI Desk.
    """
    try:
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
    wal = header[18] == 2 or header[19] == 2
    try:
        checker = sqlite3.connect(
            file_uri(path, "ro", immutable=wal),
            uri=True,
            timeout=BUSY_TIMEOUT_SECONDS if timeout is None else timeout,
        )
    except sqlite3.Error as error:
        raise translate(error) from error
    try:
        application_id = checker.execute("PRAGMA application_id").fetchone()[0]
        version = checker.execute("PRAGMA user_version").fetchone()[0]
        has_tables = checker.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        version = classify(application_id, version, has_tables)
        if application_id == APPLICATION_ID and version >= 1:
            # Reading the table list is not enough to notice a cut-off file in
            # every case; touching the sheets table reads its root page.
            checker.execute("SELECT count(*) FROM sheets").fetchone()
        quick_check(checker)
    except sqlite3.DatabaseError as error:
        code = primary_code(error)
        if getattr(error, "sqlite_errorcode", 0) == sqlite3.SQLITE_READONLY_ROLLBACK:
            if header_application_id == APPLICATION_ID:
                return FileCheck(header_version, wal, unfinished=True)
            raise NotABookError(UNFINISHED_FOREIGN) from error
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR):
            raise translate(error) from error
        raise NotABookError(DAMAGED) from error
    finally:
        checker.close()
    return FileCheck(version, wal, unfinished=False)


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
    return sqlite3.connect(
        target,
        uri=uri,
        timeout=BUSY_TIMEOUT_SECONDS if timeout is None else timeout,
        isolation_level=None,
    )


def writable(path: Path) -> bool:
    """Whether this user may write ``path`` (a file, or a folder to make files in).

    ``os.access`` sees the read-only attribute and POSIX permissions; on
    Windows it does not see ACLs or a share's permissions (nor a folder's
    read-only attribute, which Windows ignores). Those show up as
    SQLITE_READONLY or SQLITE_CANTOPEN on the first save instead.
    """
    return os.access(path, os.W_OK)
