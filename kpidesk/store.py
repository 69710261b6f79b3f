"""The book: one SQLite file of sheets (DESIGN.md section 3).

A book (suggested suffix ``.kpidb``) holds sheets identified by
(report year, No). This is the only module that knows SQL; everything else
speaks :class:`~kpidesk.model.Sheet`.

How a book is kept:

* The schema version is ``PRAGMA user_version``; the schema changes only
  through the numbered functions in :data:`_MIGRATIONS`, each run in one
  transaction that also sets the new version. Before an existing book is
  migrated, a copy is taken with the sqlite3 backup API into
  ``<stem>_backups/`` beside it.
* ``PRAGMA application_id`` marks the file as ours. A file is checked from
  its header bytes and through a read-only connection before it is opened
  for writing, so a file that is refused (another program's, a newer
  version's, a damaged one) is never changed.
* An existing book is checked with ``PRAGMA quick_check`` before it is
  opened, so a damaged book is refused before anything is written to it.
  It reads the whole file: for a 5,000-sheet, 48 MB book about 40 ms when
  the file is in the OS cache, about 0.5 s from a cold local disk, and what
  reading 48 MB costs on a network folder.
* A book can be opened read-only (``mode=ro``): nothing is ever written to
  it, and every write method raises :class:`ReadOnlyError` first.
* Every write is one ``BEGIN IMMEDIATE`` transaction. Each sheet carries a
  revision; a save against a stale revision is refused, and each save
  appends a snapshot of the sheet to the ``history`` table.
* Search uses FTS5 with the trigram tokenizer; terms shorter than three
  characters, which trigrams cannot match, fall back to ``LIKE``.
* Beside its JSON, each sheets row keeps the columns a list of sheets shows
  (:class:`~kpidesk.model.SheetSummary`), written on every save, so a list
  of thousands of sheets is read without loading any sheet in full.

All messages of the exceptions are Japanese sentences meant for the user.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

from sqlite_utils import Database

from kpidesk import __version__, eras, evaluation
from kpidesk.exchange import jsonio
from kpidesk.fileio import unique_path
from kpidesk.lock import this_user
from kpidesk.model import (
    Sheet,
    SheetSummary,
    no_sort_key,
    sheet_sort_key,
    summarize,
    summary_sort_key,
)
from kpidesk.rollover import rolled_over

#: The newest schema this program knows (``PRAGMA user_version``).
SCHEMA_VERSION = 4
#: ``PRAGMA application_id`` of a book: "KPID" in ASCII.
APPLICATION_ID = 0x4B504944
#: The suggested file suffix of a book (also used for backup copies).
BOOK_SUFFIX = ".kpidb"
#: How long a write waits for another program (or PC) to finish its own.
#: Read when a book is opened, unless ``Store.open(busy_timeout=...)`` is given.
BUSY_TIMEOUT_SECONDS = 5.0

_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
#: The columns the full-text index covers (and the LIKE fallback searches).
_SEARCH_COLUMNS = ("no", "departments", "title", "efforts", "issues", "direction")
#: The shortest term the trigram tokenizer can match.
_TRIGRAM = 3
#: The columns of a sheets row that make a SheetSummary, in its field order.
_SUMMARY_COLUMNS = (
    "id",
    "report_year",
    "no",
    "departments_json",
    "title",
    "latest_text",
    "latest_year",
    "target_text",
    "unit",
    "updated_at",
    "revision",
    "eval_achievement",
    "eval_progress",
    "eval_word",
    "eval_reason",
    "eval_label",
)
_SUMMARY_SELECT = "SELECT " + ", ".join(f"s.{c}" for c in _SUMMARY_COLUMNS) + " FROM sheets AS s"
_DEPARTMENT_SEPARATOR = "、"
_BULLET_SEPARATOR = "\n"

_NOT_SQLITE = "KPI Desk のブックではありません（SQLiteファイルではありません）"
_EMPTY_FILE = "KPI Desk のブックではありません（中身のない空のファイルです）"
_OTHER_PROGRAM = "KPI Desk のブックではありません（他のプログラムのSQLiteファイルです）"
_DAMAGED = (
    "ブックが壊れているため開けません（ファイルが途中で切れているか、中身が壊れています）。"
    "バックアップから戻してください"
)
_UNFINISHED_FOREIGN = (
    "KPI Desk のブックか確かめられません（書き込みが途中で終わったままのSQLiteファイルです）"
)
_UNFINISHED_READ_ONLY = (
    "このブックは前回の保存が途中で終わったままのため、読み取り専用では開けません。"
    "書き込みできる状態で一度開くと、保存前の状態に戻ります"
)
_BUSY_WRITING = (
    "ほかの人（または他のプログラム）が保存中でブックを使っているため、保存できませんでした。"
    "しばらくしてからもう一度保存してください"
)
_BUSY_READING = (
    "ブックを他の人（または他のプログラム）が使っているため、読み込めませんでした。"
    "しばらくしてからもう一度行ってください"
)
_FULL_WRITING = (
    "ディスクの空きが足りないため保存できません。"
    "不要なファイルを消して空きを作ってから、もう一度保存してください（ブックは保存前のままです）"
)
_FULL_READING = "ディスクの空きが足りないため、ブックを読み込めませんでした"


class StoreError(Exception):
    """A book cannot be opened, read or written; ``str(error)`` says why in Japanese."""


class NotABookError(StoreError):
    """The file is not a KPI Desk book: not SQLite, another program's, empty or damaged."""


class NewerVersionError(StoreError):
    """The book was made by a newer KPI Desk; this program must not change it.

    Attributes:
        version: the book's schema version.
    """

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__(
            "このブックは新しい版の KPI Desk で作られています"
            f"（ブックの形式 {version}、この KPI Desk が扱えるのは {SCHEMA_VERSION} まで）。"
            "新しい版の KPI Desk で開いてください"
        )


class ReadOnlyError(StoreError):
    """A write was asked of a book opened read-only; nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            "読み取り専用で開いているため保存できません。"
            "変更を残すには、別の名前で保存するか、書き込みできる状態で開き直してください"
        )


class ReadOnlyFileError(StoreError):
    """The book's file (or its folder) cannot be written; it may be opened read-only.

    ``Store.open(path, read_only=True)`` opens it.

    Attributes:
        folder: the folder is what cannot be written (SQLite writes its
            journal there while saving), not the file.
    """

    def __init__(self, *, folder: bool = False) -> None:
        self.folder = folder
        if folder:
            what = (
                "このブックのあるフォルダに書き込みできません（読み取り専用か、権限がありません）"
            )
        else:
            what = "このファイルは書き込みできません（読み取り専用）"
        super().__init__(f"{what}。読み取り専用で開きますか")


class BusyError(StoreError):
    """Someone else kept the book locked for longer than the busy timeout; try again later."""


class DiskFullError(StoreError):
    """The disk is full; the save was rolled back and the book is as it was."""


class NotFoundError(StoreError):
    """No sheet has the id (it may have been deleted elsewhere).

    Attributes:
        sheet_id: the id asked for.
    """

    def __init__(self, sheet_id: int) -> None:
        self.sheet_id = sheet_id
        super().__init__(
            f"シートが見つかりません（ID {sheet_id}）。他の場所で削除された可能性があります"
        )


class StaleRevisionError(StoreError):
    """The sheet was saved elsewhere since it was loaded; the save was refused.

    Attributes:
        sheet_id: the sheet's id.
        expected: the revision the caller loaded.
        actual: the revision now in the book.
    """

    def __init__(self, sheet_id: int, expected: int, actual: int) -> None:
        self.sheet_id = sheet_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            "このシートは読み込んだ後に別の場所で変更されています"
            f"（読み込んだ版 {expected}、ブックの版 {actual}）。"
            "変更内容を控えてから、シートを開き直してください"
        )


class DuplicateSheetError(StoreError):
    """Sheets with these (report year, No) already exist, or are given twice.

    Attributes:
        keys: the clashing (report_year, no) keys, in year and No order.
    """

    def __init__(self, keys: Sequence[tuple[int, str]], *, within_import: bool = False) -> None:
        self.keys: list[tuple[int, str]] = sorted(
            set(keys), key=lambda key: (key[0], no_sort_key(key[1]))
        )
        names = _describe_keys(self.keys)
        if within_import:
            message = f"取り込むシートの中で {names} が重複しています"
        else:
            message = f"{names} は既にあります"
        super().__init__(message)


class YearLockedError(StoreError):
    """The sheet's report year is locked (after a roll-over); unlock it to change it.

    Attributes:
        year: the locked report year.
    """

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"{eras.kanji_label(year)}の報告はロックされているため変更できません。"
            "変更するには、先に「ブック」→「報告年度のロックを解除」でロックを外してください"
        )


def _describe_keys(keys: Sequence[tuple[int, str]]) -> str:
    """``2020年度 No 9、No 10、2021年度 No 3`` for sorted keys."""
    parts: list[str] = []
    year: int | None = None
    for report_year, no in keys:
        parts.append(f"No {no}" if report_year == year else f"{report_year}年度 No {no}")
        year = report_year
    return _DEPARTMENT_SEPARATOR.join(parts)


@dataclass(frozen=True)
class HistoryEntry:
    """One saved state of a sheet.

    Attributes:
        revision: the revision this save gave the sheet.
        saved_at: when it was saved (ISO 8601 local time, seconds).
        sheet: the sheet as saved, with ``id``, ``revision`` and ``updated_at`` set.
        saved_by: the login name of who saved it ("" before schema 4).
    """

    revision: int
    saved_at: str
    sheet: Sheet
    saved_by: str = ""


# --- schema -------------------------------------------------------------------


def _migrate_1(db: Database) -> None:
    """Version 1: the sheets, their history, and facts about the book.

    The SQL is written out rather than generated so that a migration makes
    the same schema forever, whatever library version runs it.
    """
    # PRAGMA values cannot be bound; APPLICATION_ID is this module's constant.
    db.execute(f"PRAGMA application_id = {int(APPLICATION_ID)}")
    # AUTOINCREMENT: an id is never reused, so a new sheet never inherits
    # the history of a deleted one.
    db.execute(
        """
        CREATE TABLE sheets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            report_year INTEGER NOT NULL,
            no TEXT NOT NULL,
            departments TEXT NOT NULL DEFAULT '',
            departments_json TEXT NOT NULL DEFAULT '[]',
            title TEXT NOT NULL DEFAULT '',
            section TEXT NOT NULL DEFAULT '',
            efforts TEXT NOT NULL DEFAULT '',
            issues TEXT NOT NULL DEFAULT '',
            direction TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL,
            revision INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (report_year, no)
        )
        """
    )
    # No foreign key to sheets: the history of a deleted sheet stays, so
    # that it can still be shown and restored.
    db.execute(
        """
        CREATE TABLE history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sheet_id INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            report_year INTEGER NOT NULL,
            no TEXT NOT NULL,
            data TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            UNIQUE (sheet_id, revision)
        )
        """
    )
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["meta"].insert_all(
        [
            {"key": "created_at", "value": _now()},
            {"key": "created_by", "value": f"KPI Desk {__version__}"},
        ]
    )


def _migrate_2(db: Database) -> None:
    """Version 2: the trigram full-text index over the searchable columns.

    ``enable_fts`` fills the index from the rows already there and adds
    triggers that keep it in step with every insert, update and delete.
    """
    db["sheets"].enable_fts(_SEARCH_COLUMNS, tokenize="trigram", create_triggers=True)


def _migrate_3(db: Database) -> None:
    """Version 3: the columns a list of sheets shows (``kpidesk.model.summarize``).

    The rows already there are filled in from their JSON. A row whose JSON
    cannot be read keeps the empty defaults, so that one damaged sheet does
    not keep the whole book from opening; opening that sheet still says it
    is damaged, and saving it again writes its summary.
    """
    for statement in (
        "ALTER TABLE sheets ADD COLUMN latest_text TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sheets ADD COLUMN latest_year INTEGER",
        "ALTER TABLE sheets ADD COLUMN target_text TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sheets ADD COLUMN unit TEXT NOT NULL DEFAULT ''",
    ):
        db.execute(statement)
    updates: list[tuple[str, int | None, str, str, int]] = []
    for sheet_id, data in db.execute("SELECT id, data FROM sheets").fetchall():
        try:
            sheet = jsonio.sheet_from_dict(json.loads(data), f"ID {sheet_id}")
        except (ValueError, TypeError, RecursionError):
            continue
        updates.append((*summarize(sheet), int(sheet_id)))
    db.conn.executemany(
        "UPDATE sheets SET latest_text = ?, latest_year = ?, target_text = ?, unit = ?"
        " WHERE id = ?",
        updates,
    )


def _migrate_4(db: Database) -> None:
    """Version 4: who saved each version, and each sheet's rates for the list.

    The rates (``kpidesk.evaluation.list_evaluation``) are kept unrounded as
    text, so that the list ranks thousands of sheets without reading their
    JSON whatever thresholds and rounding the book is later given. Rows
    whose JSON cannot be read keep the empty defaults, as in version 3.
    """
    for statement in (
        "ALTER TABLE history ADD COLUMN saved_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sheets ADD COLUMN eval_achievement TEXT",
        "ALTER TABLE sheets ADD COLUMN eval_progress TEXT",
        "ALTER TABLE sheets ADD COLUMN eval_word INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE sheets ADD COLUMN eval_reason TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE sheets ADD COLUMN eval_label TEXT NOT NULL DEFAULT ''",
    ):
        db.execute(statement)
    updates: list[tuple[Any, ...]] = []
    for sheet_id, data in db.execute("SELECT id, data FROM sheets").fetchall():
        try:
            sheet = jsonio.sheet_from_dict(json.loads(data), f"ID {sheet_id}")
        except (ValueError, TypeError, RecursionError):
            continue
        columns = _evaluation_columns(sheet)
        updates.append((*columns.values(), int(sheet_id)))
    db.conn.executemany(
        "UPDATE sheets SET eval_achievement = ?, eval_progress = ?, eval_word = ?,"
        " eval_reason = ?, eval_label = ? WHERE id = ?",
        updates,
    )


#: The schema changes in order; running 1..N on an empty file gives version N.
_MIGRATIONS: dict[int, Callable[[Database], None]] = {
    1: _migrate_1,
    2: _migrate_2,
    3: _migrate_3,
    4: _migrate_4,
}

#: Keys of the book's settings in the ``meta`` table.
_META_EVALUATION = "evaluation"
_META_PRINT_CHART = "print_chart"
_META_LOCKED_YEARS = "locked_years"


# --- opening ------------------------------------------------------------------


def _now() -> str:
    """The local time as ISO 8601 with seconds (``2024-05-01T09:30:00``)."""
    return datetime.now().isoformat(timespec="seconds")


def _file_uri(path: Path, mode: str, *, immutable: bool = False) -> str:
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


def _primary_code(error: sqlite3.Error) -> int:
    """The primary SQLite result code of an error (0 when unknown)."""
    return int(getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF


def _translate(error: sqlite3.Error, *, writing: bool = False) -> StoreError:
    """A user-facing StoreError for an error SQLite raised on an open book.

    Args:
        error: what SQLite raised.
        writing: it was raised while saving (the message then says so).
    """
    code = _primary_code(error)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        # The busy timeout has already been waited out: SQLite retried for that long.
        return BusyError(_BUSY_WRITING if writing else _BUSY_READING)
    if code == sqlite3.SQLITE_FULL:
        return DiskFullError(_FULL_WRITING if writing else _FULL_READING)
    if code == sqlite3.SQLITE_READONLY:
        message = (
            "ブックが読み取り専用のため書き込めません（ファイルやフォルダの権限を確かめてください）"
        )
    elif code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
        message = (
            "ブックの読み書きに失敗しました（ネットワークの切断や、ファイルの移動が考えられます）"
        )
    elif code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        message = _DAMAGED
    else:
        message = f"ブックを読み書きできませんでした（{error}）"
    return StoreError(message)


@contextlib.contextmanager
def _sqlite_errors(*, writing: bool = False) -> Iterator[None]:
    """Turn SQLite's operational errors into StoreError with a Japanese message.

    Programming errors (``ProgrammingError``, ``InterfaceError``) and
    constraint violations pass through: they are bugs, not user situations.

    Args:
        writing: the block saves (see :func:`_translate`).
    """
    try:
        yield
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError, sqlite3.IntegrityError):
        raise
    except sqlite3.DatabaseError as error:
        raise _translate(error, writing=writing) from error


def _classify(application_id: int, version: int, has_tables: bool) -> int:
    """Decide from a file's marks whether it may be opened; return its version.

    Raises:
        NotABookError: another program's file.
        NewerVersionError: a book from a newer KPI Desk.
    """
    if application_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise NewerVersionError(version)
        if version < 1 and has_tables:
            raise NotABookError(_DAMAGED)
        return max(version, 0)
    if application_id == 0 and version == 0 and not has_tables:
        return 0  # an empty SQLite file: ours to initialise
    raise NotABookError(_OTHER_PROGRAM)


@dataclass(frozen=True)
class _FileCheck:
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


def _older_for_read_only(version: int) -> str:
    """Why a book of an older schema (or an empty SQLite file) cannot be opened read-only."""
    if version < 1:
        return (
            "このファイルはまだ中身のないSQLiteファイルのため、読み取り専用では開けません。"
            "書き込みできる状態で開いてください"
        )
    return (
        f"このブックは古い形式（形式 {version}）のため、読み取り専用では開けません。"
        "書き込みできる状態で一度開くと新しい形式に移ります（移す前にバックアップを取ります）"
    )


def _check_existing_file(path: Path, *, timeout: float | None = None) -> int:
    """Check a file without changing it; return its schema version.

    See :func:`_inspect_existing_file`, which this calls.
    """
    return _inspect_existing_file(path, timeout=timeout).version


def _inspect_existing_file(path: Path, *, timeout: float | None = None) -> _FileCheck:
    """Check a file without changing it.

    First the 100-byte header is read as plain bytes; then the file is
    opened read-only, its marks are read and ``PRAGMA quick_check`` reads
    every page of a book. A file in WAL mode is read with ``immutable=1``,
    because a read-only connection would otherwise leave ``-wal`` and
    ``-shm`` files beside it. A book with a hot journal (left by a crash
    during a save) passes on its header alone: only a read-write
    connection can roll the unfinished save back, and ``Store._prepare``
    checks the book again once it has.

    Args:
        path: the file.
        timeout: how long to wait for another program's save to finish
            (:data:`BUSY_TIMEOUT_SECONDS` when None).

    Raises:
        StoreError: the file cannot be read (or one of the subclasses below).
        NotABookError: not a KPI Desk book, or damaged.
        NewerVersionError: made by a newer KPI Desk.
    """
    try:
        with path.open("rb") as stream:
            header = stream.read(_HEADER_SIZE)
    except PermissionError as error:
        raise StoreError("ファイルを読めません（アクセスが許可されていません）") from error
    except OSError as error:
        raise StoreError(f"ファイルを読めません（{error.strerror or error}）") from error
    if not header:
        raise NotABookError(_EMPTY_FILE)
    if not header.startswith(_SQLITE_MAGIC):
        raise NotABookError(_NOT_SQLITE)
    if len(header) < _HEADER_SIZE:
        raise NotABookError(_DAMAGED)
    header_version = int.from_bytes(header[60:64], "big", signed=True)
    header_application_id = int.from_bytes(header[68:72], "big")
    if header_application_id not in (0, APPLICATION_ID):
        raise NotABookError(_OTHER_PROGRAM)
    if header_application_id == APPLICATION_ID and header_version > SCHEMA_VERSION:
        raise NewerVersionError(header_version)
    wal = header[18] == 2 or header[19] == 2
    try:
        checker = sqlite3.connect(
            _file_uri(path, "ro", immutable=wal),
            uri=True,
            timeout=BUSY_TIMEOUT_SECONDS if timeout is None else timeout,
        )
    except sqlite3.Error as error:
        raise _translate(error) from error
    try:
        application_id = checker.execute("PRAGMA application_id").fetchone()[0]
        version = checker.execute("PRAGMA user_version").fetchone()[0]
        has_tables = checker.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        version = _classify(application_id, version, has_tables)
        if application_id == APPLICATION_ID and version >= 1:
            # Reading the table list is not enough to notice a cut-off file in
            # every case; touching the sheets table reads its root page.
            checker.execute("SELECT count(*) FROM sheets").fetchone()
        _quick_check(checker)
    except sqlite3.DatabaseError as error:
        code = _primary_code(error)
        if getattr(error, "sqlite_errorcode", 0) == sqlite3.SQLITE_READONLY_ROLLBACK:
            if header_application_id == APPLICATION_ID:
                return _FileCheck(header_version, wal, unfinished=True)
            raise NotABookError(_UNFINISHED_FOREIGN) from error
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR):
            raise _translate(error) from error
        raise NotABookError(_DAMAGED) from error
    finally:
        checker.close()
    return _FileCheck(version, wal, unfinished=False)


def _quick_check(connection: sqlite3.Connection) -> None:
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
        raise NotABookError(_DAMAGED)


def _connect(target: str, *, uri: bool, timeout: float | None = None) -> sqlite3.Connection:
    """A connection whose transactions this module opens itself.

    ``isolation_level=None`` stops the sqlite3 module from opening implicit
    transactions; every write goes through ``Store._transaction``. While
    another connection holds the lock, SQLite retries for ``timeout``
    seconds (:data:`BUSY_TIMEOUT_SECONDS` when None) before giving up with
    SQLITE_BUSY, which :func:`_translate` turns into :class:`BusyError`.
    """
    return sqlite3.connect(
        target,
        uri=uri,
        timeout=BUSY_TIMEOUT_SECONDS if timeout is None else timeout,
        isolation_level=None,
    )


def _writable(path: Path) -> bool:
    """Whether this user may write ``path`` (a file, or a folder to make files in).

    ``os.access`` sees the read-only attribute and POSIX permissions; on
    Windows it does not see ACLs or a share's permissions (nor a folder's
    read-only attribute, which Windows ignores). Those show up as
    SQLITE_READONLY or SQLITE_CANTOPEN on the first save instead.
    """
    return os.access(path, os.W_OK)


# --- the store ----------------------------------------------------------------


class Store:
    """A book of sheets in one SQLite file (or in memory, for tests).

    Create one with :meth:`open` or :meth:`memory`; close it with
    :meth:`close` or use it as a context manager.

    Attributes:
        path: the book's file, or None for an in-memory book.
    """

    def __init__(
        self, connection: sqlite3.Connection, path: Path | None, *, read_only: bool = False
    ) -> None:
        """Wrap an open connection; use :meth:`open` or :meth:`memory` instead."""
        self.path = path
        self._db = Database(connection, execute_plugins=False)
        self._closed = False
        self._read_only = read_only
        #: Who saves: the login name written beside each version in the history.
        self.user = this_user()

    @property
    def read_only(self) -> bool:
        """Whether the book was opened read-only (every write raises :class:`ReadOnlyError`)."""
        return self._read_only

    # --- opening and closing

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        create: bool = True,
        read_only: bool = False,
        busy_timeout: float | None = None,
    ) -> Store:
        """Open the book at ``path``, creating it when missing and ``create`` is true.

        An existing file is checked (``PRAGMA quick_check`` included) before
        it is opened for writing; a file that is refused is left byte for
        byte as it was. An older book is copied into ``<stem>_backups/`` and
        then migrated to the current schema.

        Args:
            path: the book's file.
            create: make a new book when the file is missing.
            read_only: open without ever writing (SQLite ``mode=ro``): no
                migration, no journal, and every write method raises
                :class:`ReadOnlyError`. The file must exist and be a book of
                the current schema.
            busy_timeout: how many seconds a read or save waits for another
                program's save before giving up (:data:`BUSY_TIMEOUT_SECONDS`
                when None).

        Raises:
            StoreError: the file is missing (and ``create`` is false, or
                ``read_only`` is true), is a folder, or cannot be read or
                written; read-only, the book is of an older schema or has a
                save cut off by a crash.
            ReadOnlyFileError: the file or its folder cannot be written (and
                ``read_only`` is false); it can be opened with ``read_only``.
            NotABookError: the file is not a KPI Desk book, is empty or is damaged.
            NewerVersionError: the book was made by a newer KPI Desk.
        """
        path = Path(path)
        timeout = BUSY_TIMEOUT_SECONDS if busy_timeout is None else busy_timeout
        if path.is_dir():
            raise StoreError("フォルダが指定されています。ブックのファイルを指定してください")
        if not path.exists():
            if read_only or not create:
                raise StoreError("ブックのファイルがありません")
            if not path.parent.is_dir():
                raise StoreError("保存先のフォルダがありません")
            if not _writable(path.parent):
                raise StoreError(
                    "保存先のフォルダに書き込みできません（読み取り専用か、権限がありません）"
                )
            return cls._connect_and_prepare(path, "rwc", existing_version=0, timeout=timeout)
        check = _inspect_existing_file(path, timeout=timeout)
        if read_only:
            return cls._open_read_only(path, check, timeout=timeout)
        # SQLite would open an unwritable file read-only without a word, and
        # fail only at the first save; say so now, while the user can choose.
        if not _writable(path):
            raise ReadOnlyFileError()
        if not _writable(path.parent):  # the rollback journal is made beside the book
            raise ReadOnlyFileError(folder=True)
        return cls._connect_and_prepare(
            path,
            "rw",
            existing_version=check.version,
            timeout=timeout,
            recheck=check.unfinished,
        )

    @classmethod
    def _connect_and_prepare(
        cls,
        path: Path,
        mode: str,
        *,
        existing_version: int,
        timeout: float,
        recheck: bool = False,
    ) -> Store:
        """Open ``path`` read-write and bring its schema up to date.

        Args:
            recheck: run ``PRAGMA quick_check`` once the connection has rolled
                back a save cut off by a crash (the file could not be fully
                checked before).
        """
        try:
            connection = _connect(_file_uri(path, mode), uri=True, timeout=timeout)
        except sqlite3.Error as error:
            raise _translate(error) from error
        store = cls(connection, path)
        try:
            store._prepare(backup_allowed=existing_version >= 1, recheck=recheck)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _open_read_only(cls, path: Path, check: _FileCheck, *, timeout: float) -> Store:
        """Open a checked book with a read-only connection that never writes.

        A book in WAL mode (switched by another tool: KPI Desk never uses
        WAL) is read with ``immutable=1``, as it was checked, so that no
        ``-wal`` or ``-shm`` file is made beside it.
        """
        if check.unfinished:
            raise StoreError(_UNFINISHED_READ_ONLY)
        if check.version < SCHEMA_VERSION:
            raise StoreError(_older_for_read_only(check.version))
        try:
            connection = _connect(
                _file_uri(path, "ro", immutable=check.wal), uri=True, timeout=timeout
            )
        except sqlite3.Error as error:
            raise _translate(error) from error
        store = cls(connection, path, read_only=True)
        try:
            with _sqlite_errors():
                # The file may have been replaced since it was checked.
                version = _classify(
                    connection.execute("PRAGMA application_id").fetchone()[0],
                    store._user_version(),
                    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0,
                )
            if version < SCHEMA_VERSION:
                raise StoreError(_older_for_read_only(version))
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def memory(cls) -> Store:
        """A new, empty book in memory (for tests and scratch work)."""
        store = cls(_connect(":memory:", uri=False), None)
        store._prepare(backup_allowed=False)
        return store

    def _prepare(self, *, backup_allowed: bool, recheck: bool = False) -> None:
        """Set the connection up and run the migrations still to be done.

        Args:
            backup_allowed: copy the book before migrating it.
            recheck: run ``PRAGMA quick_check`` (see :meth:`_connect_and_prepare`).
        """
        conn = self._db.conn
        with _sqlite_errors():
            conn.execute("PRAGMA foreign_keys = ON")
            if self.path is not None:
                # Keep the rollback journal (DELETE), never WAL: books live on
                # shared network folders, where WAL's shared-memory file does
                # not work. A book some other tool switched to WAL goes back.
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() == "wal":
                    conn.execute("PRAGMA journal_mode = DELETE")
            if recheck:
                # Reading the schema above has rolled the unfinished save back.
                _quick_check(conn)
            # Check again on the read-write connection: the file may have been
            # replaced since it was checked, and a recovered one is read only now.
            has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
            version = _classify(
                conn.execute("PRAGMA application_id").fetchone()[0],
                self._user_version(),
                has_tables,
            )
            if version >= SCHEMA_VERSION:
                return
            if backup_allowed and version >= 1 and self.path is not None:
                self._backup_before_migrating(version)
            for number in range(version + 1, SCHEMA_VERSION + 1):
                with self._transaction():
                    # Another program may have migrated while we waited for the lock.
                    if self._user_version() >= number:
                        continue
                    _MIGRATIONS[number](self._db)
                    # PRAGMA values cannot be bound; number is our own integer.
                    conn.execute(f"PRAGMA user_version = {int(number)}")

    def _user_version(self) -> int:
        return int(self._db.conn.execute("PRAGMA user_version").fetchone()[0])

    def _backup_before_migrating(self, version: int) -> None:
        """Copy the book into ``<stem>_backups/`` before migrating it from ``version``."""
        assert self.path is not None
        folder = self.path.parent / f"{self.path.stem}_backups"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"{self.path.stem}-before-v{SCHEMA_VERSION}-{stamp}"
        try:
            folder.mkdir(exist_ok=True)
            self._copy_to(unique_path(folder, name, BOOK_SUFFIX))
        except (OSError, sqlite3.Error) as error:
            raise StoreError(
                f"ブックを新しい形式（{version} → {SCHEMA_VERSION}）に移す前のバックアップを"
                f"作れませんでした（{error}）。ブックは変更していません"
            ) from error

    def _copy_to(self, target: Path) -> None:
        """Copy the whole book into a new SQLite file at ``target`` (backup API)."""
        copy = sqlite3.connect(os.fspath(target))
        try:
            self._db.conn.backup(copy)
        finally:
            copy.close()

    def close(self) -> None:
        """Close the book; closing twice does nothing."""
        if not self._closed:
            self._closed = True
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path else ":memory:"
        return f"Store({where}, read-only)" if self._read_only else f"Store({where})"

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, taking the write lock at its start.

        ``BEGIN IMMEDIATE`` (not sqlite-utils' deferred ``atomic()``) makes a
        second writer wait for the busy timeout up front, instead of failing
        with a deadlock when a read turns into a write half-way.

        Raises:
            ReadOnlyError: the book was opened read-only (before SQLite is touched).
        """
        self._check_writable()
        conn = self._db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _check_writable(self) -> None:
        """Refuse a write on a read-only book before anything touches SQLite.

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        if self._read_only:
            raise ReadOnlyError()

    # --- reading

    def count_sheets(self) -> int:
        """How many sheets the book holds."""
        with _sqlite_errors():
            return int(self._db.execute("SELECT count(*) FROM sheets").fetchone()[0])

    def get_sheet(self, sheet_id: int) -> Sheet:
        """The sheet with this id.

        Raises:
            NotFoundError: there is no such sheet.
        """
        with _sqlite_errors():
            row = self._db.execute(
                "SELECT id, revision, updated_at, data FROM sheets WHERE id = ?", [sheet_id]
            ).fetchone()
        if row is None:
            raise NotFoundError(sheet_id)
        return _load(*row)

    def find_sheet(self, report_year: int, no: str) -> Sheet | None:
        """The sheet with this (report year, No), or None."""
        with _sqlite_errors():
            row = self._db.execute(
                "SELECT id, revision, updated_at, data FROM sheets"
                " WHERE report_year = ? AND no = ?",
                [report_year, no],
            ).fetchone()
        return None if row is None else _load(*row)

    def list_sheets(
        self,
        *,
        report_year: int | None = None,
        department: str | None = None,
        query: str | None = None,
    ) -> list[Sheet]:
        """The sheets that match every given condition, in No order.

        Args:
            report_year: only sheets of this report year.
            department: only sheets that list exactly this department among theirs.
            query: search words separated by spaces (half- or full-width);
                every word must appear in the No, departments, title or a
                bullet. Words of three or more characters use the full-text
                index, shorter ones a plain substring match. Nothing the user
                types is read as search syntax.

        Returns:
            The sheets sorted with :func:`kpidesk.model.sheet_sort_key`.
        """
        where, params = _conditions(report_year=report_year, department=department, query=query)
        sql = f"SELECT s.id, s.revision, s.updated_at, s.data FROM sheets AS s{where} ORDER BY s.id"
        with _sqlite_errors():
            rows = self._db.execute(sql, params).fetchall()
        return sorted((_load(*row) for row in rows), key=sheet_sort_key)

    def list_summaries(
        self, *, report_year: int | None = None, department: str | None = None
    ) -> list[SheetSummary]:
        """What a list shows of the sheets that match every given condition, in No order.

        Only the summary columns are read, never a sheet's JSON, so this
        stays quick for thousands of sheets. The conditions mean what they
        mean for :meth:`list_sheets`; to search as well, keep the summaries
        whose id is in :meth:`search_ids`.

        Returns:
            The summaries sorted with :func:`kpidesk.model.summary_sort_key`,
            in the same order :meth:`list_sheets` gives the sheets.
        """
        where, params = _conditions(report_year=report_year, department=department, query=None)
        with _sqlite_errors():
            rows = self._db.execute(f"{_SUMMARY_SELECT}{where} ORDER BY s.id", params).fetchall()
        return sorted((_summary(row) for row in rows), key=summary_sort_key)

    def get_summary(self, sheet_id: int) -> SheetSummary:
        """What a list shows of the sheet with this id (its JSON is not read).

        Raises:
            NotFoundError: there is no such sheet.
        """
        with _sqlite_errors():
            row = self._db.execute(f"{_SUMMARY_SELECT} WHERE s.id = ?", [sheet_id]).fetchone()
        if row is None:
            raise NotFoundError(sheet_id)
        return _summary(row)

    def search_ids(self, query: str) -> set[int]:
        """The ids of the sheets a search finds, as :meth:`list_sheets` ``query=`` finds them.

        A query of nothing but spaces finds every sheet.
        """
        where, params = _conditions(report_year=None, department=None, query=query)
        with _sqlite_errors():
            rows = self._db.execute(f"SELECT s.id FROM sheets AS s{where}", params).fetchall()
        return {int(row[0]) for row in rows}

    def report_years(self) -> list[int]:
        """The report years the book has sheets for, newest first."""
        with _sqlite_errors():
            rows = self._db.execute(
                "SELECT DISTINCT report_year FROM sheets ORDER BY report_year DESC"
            ).fetchall()
        return [int(row[0]) for row in rows]

    def departments(self, report_year: int | None = None) -> list[str]:
        """Every department named by a sheet (of one report year, if given), sorted."""
        sql = "SELECT DISTINCT d.value FROM sheets AS s, json_each(s.departments_json) AS d"
        params: list[Any] = []
        if report_year is not None:
            sql += " WHERE s.report_year = ?"
            params.append(report_year)
        with _sqlite_errors():
            rows = self._db.execute(sql, params).fetchall()
        return sorted(str(row[0]) for row in rows if str(row[0]).strip())

    def history(self, sheet_id: int) -> list[HistoryEntry]:
        """Every saved state of a sheet, newest first.

        The history of a deleted sheet is kept and still returned; an id
        that never existed gives an empty list.
        """
        with _sqlite_errors():
            rows = self._db.execute(
                "SELECT revision, saved_at, data, saved_by FROM history WHERE sheet_id = ?"
                " ORDER BY revision DESC",
                [sheet_id],
            ).fetchall()
        return [
            HistoryEntry(
                revision, saved_at, _load(sheet_id, revision, saved_at, data), str(saved_by)
            )
            for revision, saved_at, data, saved_by in rows
        ]

    # --- the book's settings

    def evaluation_settings(self) -> evaluation.EvaluationSettings:
        """The book's rank scheme (the default A/B/C/D one when never set or unreadable)."""
        text = self._meta(_META_EVALUATION)
        if text is None:
            return evaluation.EvaluationSettings()
        try:
            return evaluation.EvaluationSettings.from_dict(json.loads(text))
        except ValueError:
            return evaluation.EvaluationSettings()

    def set_evaluation_settings(self, settings: evaluation.EvaluationSettings) -> None:
        """Keep a new rank scheme in the book (one transaction).

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        self._set_meta(_META_EVALUATION, json.dumps(settings.to_dict(), ensure_ascii=False))

    def print_chart(self) -> bool:
        """Whether PDFs and prints of this book carry each sheet's trend chart."""
        return self._meta(_META_PRINT_CHART) == "1"

    def set_print_chart(self, on: bool) -> None:
        """Turn the trend chart on printed pages on or off for this book.

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        self._set_meta(_META_PRINT_CHART, "1" if on else "0")

    def locked_years(self) -> set[int]:
        """The report years whose sheets cannot be changed until unlocked."""
        text = self._meta(_META_LOCKED_YEARS)
        try:
            years = json.loads(text) if text else []
        except ValueError:
            return set()
        return {int(year) for year in years if isinstance(year, int)}

    def lock_year(self, year: int) -> None:
        """Lock a report year: its sheets can no longer be saved, imported over or deleted.

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        self._set_meta(_META_LOCKED_YEARS, json.dumps(sorted(self.locked_years() | {year})))

    def unlock_year(self, year: int) -> None:
        """Lift the lock of a report year on purpose.

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        self._set_meta(_META_LOCKED_YEARS, json.dumps(sorted(self.locked_years() - {year})))

    def _meta(self, key: str) -> str | None:
        with _sqlite_errors():
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._check_writable()
        with _sqlite_errors(writing=True), self._transaction():
            self._write_meta(key, value)

    def _write_meta(self, key: str, value: str) -> None:
        """Set a meta value inside the caller's transaction."""
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def _check_unlocked(self, years: set[int]) -> None:
        """Raise YearLockedError for the first locked year among ``years`` (in a transaction)."""
        locked = sorted(years & self.locked_years())
        if locked:
            raise YearLockedError(locked[0])

    # --- writing

    def save_sheet(self, sheet: Sheet) -> Sheet:
        """Save one sheet in one transaction and record it in the history.

        A sheet without an id is added with revision 1. A sheet with an id
        replaces the stored one only if the book still holds the revision
        the sheet was loaded at; the revision then goes up by one.

        Returns:
            A new Sheet equal to the one given, with ``id``, ``revision``
            and ``updated_at`` set. The caller's object is not changed.

        Raises:
            DuplicateSheetError: another sheet already has this (report year, No).
            StaleRevisionError: the sheet was saved elsewhere since it was loaded.
            NotFoundError: the sheet was deleted elsewhere.
            ReadOnlyError: the book was opened read-only.
            BusyError: someone else kept the book locked for the busy timeout.
            DiskFullError: the disk is full (nothing was written).
            StoreError: the sheet's content is invalid, or the book cannot be written.
        """
        self._check_writable()
        stored, data = _stored_form(sheet)
        now = _now()
        with _sqlite_errors(writing=True), self._transaction():
            self._check_unlocked({sheet.report_year, *self._stored_years([sheet.id])})
            if sheet.id is None:
                if self._id_of(sheet.key) is not None:
                    raise DuplicateSheetError([sheet.key])
                sheet_id, revision = self._insert(stored, data, now), 1
            else:
                sheet_id = sheet.id
                current = self._revision_of(sheet_id)
                if current is None:
                    raise NotFoundError(sheet_id)
                if current != sheet.revision:
                    raise StaleRevisionError(sheet_id, sheet.revision, current)
                if self._id_of(sheet.key) not in (None, sheet_id):
                    raise DuplicateSheetError([sheet.key])
                revision = self._update(sheet_id, current, stored, data, now)
        return _with_bookkeeping(stored, sheet_id, revision, now)

    def import_sheets(
        self,
        sheets: Sequence[Sheet],
        *,
        replace: bool = False,
        progress: Callable[[int, int], None] | None = None,
        expected_revisions: Mapping[tuple[int, str], int] | None = None,
    ) -> list[Sheet]:
        """Add many sheets in one transaction: all of them or none.

        Sheets are matched to the book by (report year, No); their ``id``
        and ``revision`` are ignored.

        Args:
            sheets: the sheets to add.
            replace: overwrite sheets the book already has with the same
                (report year, No), keeping their id and history (revision + 1).
                Without it, any such clash refuses the whole import.
            progress: called with (done, total) after each sheet is written;
                an exception it raises (a cancel) rolls the whole import back.
            expected_revisions: the revision each key had when the user saw
                what the import would change (0: not in the book yet); if any
                sheet changed since, nothing is written.

        Returns:
            The saved sheets, in the order given, with id, revision and updated_at set.

        Raises:
            DuplicateSheetError: naming every clash with the book (without
                ``replace``), or every key given more than once.
            ReadOnlyError: the book was opened read-only.
            BusyError: someone else kept the book locked for the busy timeout.
            DiskFullError: the disk is full (nothing was written).
            StoreError: a sheet's content is invalid, or the book cannot be written.
        """
        self._check_writable()
        counts = Counter(sheet.key for sheet in sheets)
        repeated = [key for key, count in counts.items() if count > 1]
        if repeated:
            raise DuplicateSheetError(repeated, within_import=True)
        prepared = [_stored_form(sheet) for sheet in sheets]
        now = _now()
        saved: list[Sheet] = []
        with _sqlite_errors(writing=True), self._transaction():
            existing = {
                (int(year), str(no)): (int(sheet_id), int(revision))
                for sheet_id, year, no, revision in self._db.execute(
                    "SELECT id, report_year, no, revision FROM sheets"
                )
            }
            self._check_unlocked({year for year, _ in counts})
            clashes = [key for key in counts if key in existing]
            if clashes and not replace:
                raise DuplicateSheetError(clashes)
            for key, expected in (expected_revisions or {}).items():
                sheet_id, actual = existing.get(key, (0, 0))
                if actual != expected:
                    raise StaleRevisionError(sheet_id, expected, actual)
            for done, (stored, data) in enumerate(prepared, start=1):
                if stored.key in existing:
                    sheet_id, current = existing[stored.key]
                    revision = self._update(sheet_id, current, stored, data, now)
                else:
                    sheet_id, revision = self._insert(stored, data, now), 1
                saved.append(_with_bookkeeping(stored, sheet_id, revision, now))
                if progress is not None:
                    progress(done, len(prepared))
        return saved

    def rollover(
        self,
        from_year: int,
        to_year: int | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Sheet]:
        """The yearly roll-over (年度更新), in one transaction: all of it or nothing.

        Every sheet of ``from_year`` is added to ``to_year`` as
        :func:`kpidesk.rollover.rolled_over` makes it, and ``from_year`` is
        locked (:meth:`lock_year`), so that last year's report stays as it
        was submitted while the new one is written.

        Args:
            from_year: the report year to roll over from.
            to_year: the new report year (default: the year after ``from_year``).
            progress: called with (done, total) after each sheet is written;
                an exception it raises (a cancel) rolls the whole roll-over back.

        Returns:
            The new sheets, in No order, with id, revision and updated_at set.

        Raises:
            StoreError: ``from_year`` has no sheets, ``to_year`` is not after
                it, or the book cannot be written.
            DuplicateSheetError: ``to_year`` already has sheets with some of
                the same Nos (naming every one).
            YearLockedError: ``to_year`` is locked.
            ReadOnlyError: the book was opened read-only.
            BusyError: someone else kept the book locked for the busy timeout.
            DiskFullError: the disk is full (nothing was written).
        """
        self._check_writable()
        to_year = from_year + 1 if to_year is None else to_year
        if to_year <= from_year:
            raise StoreError(
                f"年度更新の先（{to_year}年度）は元の報告年度（{from_year}年度）より後にしてください"
            )
        now = _now()
        made: list[Sheet] = []
        with _sqlite_errors(writing=True), self._transaction():
            sources = self.list_sheets(report_year=from_year)
            if not sources:
                raise StoreError(f"{from_year}年度のシートがないため、年度更新できません")
            self._check_unlocked({to_year})
            clashes = [
                (to_year, sheet.no)
                for sheet in sources
                if self._id_of((to_year, sheet.no)) is not None
            ]
            if clashes:
                raise DuplicateSheetError(clashes)
            for done, source in enumerate(sources, start=1):
                stored, data = _stored_form(rolled_over(source, to_year))
                sheet_id = self._insert(stored, data, now)
                made.append(_with_bookkeeping(stored, sheet_id, 1, now))
                if progress is not None:
                    progress(done, len(sources))
            self._write_meta(
                _META_LOCKED_YEARS, json.dumps(sorted(self.locked_years() | {from_year}))
            )
        return made

    def delete_sheet(self, sheet_id: int) -> None:
        """Delete a sheet; its history stays in the book.

        Raises:
            NotFoundError: there is no such sheet.
            ReadOnlyError: the book was opened read-only.
            StoreError: the book cannot be written.
        """
        self._check_writable()
        with _sqlite_errors(writing=True), self._transaction():
            self._check_unlocked(self._stored_years([sheet_id]))
            cursor = self._db.execute("DELETE FROM sheets WHERE id = ?", [sheet_id])
            if cursor.rowcount == 0:
                raise NotFoundError(sheet_id)

    def backup_to(self, target: Path) -> None:
        """Write a consistent copy of the whole book to ``target``.

        The copy is made with SQLite's backup API into a temporary file
        beside ``target`` and moved into place when complete, so a failure
        never leaves half a book; an existing ``target`` is replaced.

        Raises:
            StoreError: ``target`` is this book itself, or cannot be written.
        """
        target = Path(target)
        if self.path is not None and target.absolute() == self.path.absolute():
            raise StoreError("開いているブック自身にはバックアップを書き込めません")
        try:
            handle, temp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
        except OSError as error:
            raise StoreError(
                f"バックアップを書き込めません（{error.strerror or error}）"
            ) from error
        os.close(handle)
        temp_path = Path(temp_name)
        try:
            self._copy_to(temp_path)
            os.replace(temp_path, target)
        except (OSError, sqlite3.Error) as error:
            temp_path.unlink(missing_ok=True)
            raise StoreError(f"バックアップを書き込めません（{error}）") from error

    @staticmethod
    def peek_sheet_count(path: Path) -> int:
        """How many sheets a book file holds, read without changing the file.

        Used to describe and check backups; an older book is not migrated.
        The file is checked as :meth:`open` checks it (``PRAGMA quick_check``
        included), so a damaged backup is refused here.

        Raises:
            StoreError: the file is not a readable KPI Desk book.
        """
        _check_existing_file(Path(path))
        try:
            connection = sqlite3.connect(_file_uri(Path(path), "ro", immutable=True), uri=True)
        except sqlite3.Error as error:
            raise _translate(error) from error
        try:
            return int(connection.execute("SELECT count(*) FROM sheets").fetchone()[0])
        except sqlite3.Error as error:
            raise _translate(error) from error
        finally:
            connection.close()

    # --- rows

    def _id_of(self, key: tuple[int, str]) -> int | None:
        row = self._db.execute(
            "SELECT id FROM sheets WHERE report_year = ? AND no = ?", list(key)
        ).fetchone()
        return None if row is None else int(row[0])

    def _stored_years(self, sheet_ids: Sequence[int | None]) -> set[int]:
        """The report years the book holds for these ids (unknown ids and None ignored)."""
        years = set()
        for sheet_id in sheet_ids:
            if sheet_id is None:
                continue
            row = self._db.execute(
                "SELECT report_year FROM sheets WHERE id = ?", [sheet_id]
            ).fetchone()
            if row is not None:
                years.add(int(row[0]))
        return years

    def _revision_of(self, sheet_id: int) -> int | None:
        row = self._db.execute("SELECT revision FROM sheets WHERE id = ?", [sheet_id]).fetchone()
        return None if row is None else int(row[0])

    def _insert(self, sheet: Sheet, data: str, now: str) -> int:
        """Add a sheet row (revision 1) and its first snapshot; return its id."""
        table = self._db["sheets"]
        table.insert({**_columns(sheet, data), "revision": 1, "created_at": now, "updated_at": now})
        sheet_id = int(table.last_rowid or 0)
        self._snapshot(sheet_id, 1, sheet, data, now)
        return sheet_id

    def _update(self, sheet_id: int, current: int, sheet: Sheet, data: str, now: str) -> int:
        """Replace a sheet row at revision ``current`` and snapshot it; return the new revision."""
        revision = current + 1
        self._db["sheets"].update(
            sheet_id, {**_columns(sheet, data), "revision": revision, "updated_at": now}
        )
        self._snapshot(sheet_id, revision, sheet, data, now)
        return revision

    def _snapshot(self, sheet_id: int, revision: int, sheet: Sheet, data: str, now: str) -> None:
        self._db["history"].insert(
            {
                "sheet_id": sheet_id,
                "revision": revision,
                "report_year": sheet.report_year,
                "no": sheet.no,
                "data": data,
                "saved_at": now,
                "saved_by": self.user,
            }
        )


# --- sheets <-> rows ----------------------------------------------------------


def _stored_form(sheet: Sheet) -> tuple[Sheet, str]:
    """The sheet as it will read back from the book, and its stored JSON.

    Reading the JSON back before writing it means a sheet the book could not
    load again (an empty No, a year out of range, a row with the wrong
    number of actuals) is refused now, not found broken later.

    Raises:
        StoreError: the sheet's content is invalid.
    """
    data = jsonio.sheet_to_dict(sheet)
    try:
        stored = jsonio.sheet_from_dict(data, f"{sheet.report_year}年度 No {sheet.no}")
    except jsonio.JsonFormatError as error:
        raise StoreError(f"シートの内容が正しくないため保存できません（{error}）") from error
    return stored, json.dumps(data, ensure_ascii=False)


def _columns(sheet: Sheet, data: str) -> dict[str, Any]:
    """The columns of a sheets row other than the bookkeeping ones (summary included)."""
    latest_text, latest_year, target_text, unit = summarize(sheet)
    return {
        "report_year": sheet.report_year,
        "no": sheet.no,
        "departments": _DEPARTMENT_SEPARATOR.join(sheet.departments),
        "departments_json": json.dumps(sheet.departments, ensure_ascii=False),
        "title": sheet.title,
        "section": sheet.section,
        "efforts": _BULLET_SEPARATOR.join(sheet.efforts),
        "issues": _BULLET_SEPARATOR.join(sheet.issues),
        "direction": _BULLET_SEPARATOR.join(sheet.direction),
        "data": data,
        "latest_text": latest_text,
        "latest_year": latest_year,
        "target_text": target_text,
        "unit": unit,
        **_evaluation_columns(sheet),
    }


def _evaluation_columns(sheet: Sheet) -> dict[str, Any]:
    """The rates of :func:`kpidesk.evaluation.list_evaluation`'s row, for the list."""
    judged = evaluation.list_evaluation(sheet)
    if judged is None:
        return {
            "eval_achievement": None,
            "eval_progress": None,
            "eval_word": 0,
            "eval_reason": "",
            "eval_label": "",
        }
    reason = judged.achievement_reason if judged.achievement is None else ""
    if reason and len(sheet.rows) > 1 and judged.label.strip():
        reason = f"{judged.label.strip()}: {reason}"
    return {
        "eval_achievement": None if judged.achievement is None else str(judged.achievement),
        "eval_progress": None if judged.progress is None else str(judged.progress),
        "eval_word": int(judged.word_target is not None),
        "eval_reason": reason,
        "eval_label": judged.label.strip() if len(sheet.rows) > 1 else "",
    }


def _decimal_or_none(text: Any) -> Decimal | None:
    if text is None:
        return None
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _with_bookkeeping(sheet: Sheet, sheet_id: int, revision: int, updated_at: str) -> Sheet:
    return dataclasses.replace(sheet, id=sheet_id, revision=revision, updated_at=updated_at)


def _load(sheet_id: int, revision: int, updated_at: str, data: str) -> Sheet:
    """A sheet from its stored JSON and bookkeeping.

    Raises:
        StoreError: the stored JSON cannot be read (the book is damaged).
    """
    try:
        sheet = jsonio.sheet_from_dict(json.loads(data), f"ID {sheet_id}")
    except (ValueError, RecursionError) as error:  # JsonFormatError is a ValueError
        raise StoreError(
            f"ブックのシート（ID {sheet_id}）が壊れていて読めません（{error}）"
        ) from error
    return _with_bookkeeping(sheet, int(sheet_id), int(revision), str(updated_at))


def _summary(row: Sequence[Any]) -> SheetSummary:
    """A SheetSummary from a row of :data:`_SUMMARY_COLUMNS`.

    Raises:
        StoreError: the stored departments cannot be read (the book is damaged).
    """
    (
        sheet_id,
        report_year,
        no,
        departments_json,
        title,
        latest_text,
        latest_year,
        target_text,
        unit,
        updated_at,
        revision,
        eval_achievement,
        eval_progress,
        eval_word,
        eval_reason,
        eval_label,
    ) = row
    try:
        departments = json.loads(departments_json)
    except (ValueError, TypeError) as error:
        raise StoreError(
            f"ブックのシート（ID {sheet_id}）が壊れていて読めません（{error}）"
        ) from error
    if not isinstance(departments, list) or not all(isinstance(d, str) for d in departments):
        raise StoreError(f"ブックのシート（ID {sheet_id}）が壊れていて読めません（担当課）")
    return SheetSummary(
        id=int(sheet_id),
        report_year=int(report_year),
        no=str(no),
        departments=tuple(departments),
        title=str(title),
        latest_text=str(latest_text),
        latest_year=None if latest_year is None else int(latest_year),
        target_text=str(target_text),
        unit=str(unit),
        updated_at=str(updated_at),
        revision=int(revision),
        achievement=_decimal_or_none(eval_achievement),
        progress=_decimal_or_none(eval_progress),
        word_target=bool(eval_word),
        evaluation_note=str(eval_reason or ""),
        evaluation_label=str(eval_label or ""),
    )


# --- search -------------------------------------------------------------------


def _conditions(
    *, report_year: int | None, department: str | None, query: str | None
) -> tuple[str, list[Any]]:
    """The WHERE clause over ``sheets AS s`` for these conditions, and its parameters.

    The clause starts with `` WHERE `` and is ``""`` when there is no
    condition. Every search word must appear in a searched column: words of
    three or more characters through the trigram index, shorter ones through
    an escaped ``LIKE``. The user's text only ever goes into parameters.
    """
    conditions: list[str] = []
    params: list[Any] = []
    if report_year is not None:
        conditions.append("s.report_year = ?")
        params.append(report_year)
    if department is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM json_each(s.departments_json) AS d WHERE d.value = ?)"
        )
        params.append(department)
    for term in split_query(query or ""):
        if len(term) >= _TRIGRAM:
            conditions.append("s.id IN (SELECT rowid FROM sheets_fts WHERE sheets_fts MATCH ?)")
            params.append(_fts_phrase(term))
        else:
            pattern = f"%{_escape_like(term)}%"
            conditions.append(
                "(" + " OR ".join(f"s.{c} LIKE ? ESCAPE '\\'" for c in _SEARCH_COLUMNS) + ")"
            )
            params.extend([pattern] * len(_SEARCH_COLUMNS))
    if not conditions:
        return "", params
    return " WHERE " + " AND ".join(conditions), params


def split_query(query: str) -> list[str]:
    """The words of a search, split on any whitespace (full-width spaces too)."""
    return query.split()


def _fts_phrase(term: str) -> str:
    """The term as one quoted FTS5 phrase, so none of it is read as FTS syntax."""
    return '"' + term.replace('"', '""') + '"'


def _escape_like(term: str) -> str:
    """The term with LIKE's wildcards escaped (for ``ESCAPE '\\'``)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
