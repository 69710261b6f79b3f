"""Opening a book: the checks, the connection, the migrations (part of ``Book``).

An existing file is checked (``kpidesk.book.sqlitefile``) before it is
opened for writing, its schema against the one KPI Desk makes
(``kpidesk.book.schemacheck``), so that no SQL stored in a book from
someone else ever runs. Before an older book is migrated
(``kpidesk.book.schema``), a copy of it is put in its backup folder.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Self

from kpidesk.book import sidefiles, sqlitefile
from kpidesk.book.database import BookDatabase
from kpidesk.book.errors import (
    UNFINISHED_READ_ONLY,
    WAL_READ_ONLY,
    BookError,
    ReadOnlyFileError,
    older_for_read_only,
)
from kpidesk.book.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    rebuild_search_index,
    search_index_sound,
)
from kpidesk.book.schemacheck import check_schema


class BookOpening:
    """How :class:`~kpidesk.book.store.Book` opens a file (its ``open`` and ``memory``)."""

    path: Path | None
    _db: BookDatabase
    _pages: sqlitefile.PageCheck | None
    _rebuilding: bool

    if TYPE_CHECKING:  # Book's own, for the type checker

        def __init__(
            self, connection: sqlite3.Connection, path: Path | None, *, read_only: bool = False
        ) -> None: ...

        def _transaction(self) -> contextlib.AbstractContextManager[None]: ...

        def _copy_to(self, target: Path) -> None: ...

        def close(self) -> None: ...

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        create: bool = True,
        read_only: bool = False,
        busy_timeout: float | None = None,
        check_pages_later: bool = False,
    ) -> Self:
        """Open the book at ``path``, creating it when missing and ``create`` is true.

        An existing file is checked (``PRAGMA quick_check`` included) before
        it is opened for writing; a file that is refused is left byte for
        byte as it was. An older book is copied into its backup folder and
        then migrated to the current schema.

        Args:
            path: the book's file.
            create: make a new book when the file is missing.
            read_only: open without ever writing (SQLite ``mode=ro``): no
                migration, no journal, and every write method raises
                :class:`ReadOnlyError`. The file must exist and be a book of
                the current schema.
            busy_timeout: how many seconds a read or save waits for another
                program's save before giving up (``sqlitefile.BUSY_TIMEOUT_SECONDS``
                when None).
            check_pages_later: read the pages of a book of the current schema
                on a thread while the caller goes on (the window is built
                meanwhile); damage is then raised by :meth:`confirm_pages`,
                which every write calls first.

        Raises:
            BookError: the file is missing (and ``create`` is false, or
                ``read_only`` is true), is a folder, or cannot be read or
                written; read-only, the book is of an older schema or has a
                save cut off by a crash.
            ReadOnlyFileError: the file or its folder cannot be written (and
                ``read_only`` is false); it can be opened with ``read_only``.
            NotABookError: the file is not a KPI Desk book, is empty or is damaged.
            ForeignSchemaError: the book holds tables, indexes, triggers or
                views KPI Desk does not make (or lacks some it makes).
            NewerVersionError: the book was made by a newer KPI Desk.
            PathTooLongError: not ``read_only``, and the files the book makes beside
                itself would be too long for Windows (``kpidesk.book.sidefiles``).
        """
        path = Path(path)
        if path.is_symlink():
            # SQLite follows a link and keeps its journal beside the file it
            # leads to: every check (and the lock) must look there too.
            path = path.resolve()
        timeout = sqlitefile.BUSY_TIMEOUT_SECONDS if busy_timeout is None else busy_timeout
        if path.is_dir():
            raise BookError("フォルダが指定されています。ブックのファイルを指定してください")
        if not path.exists():
            if read_only or not create:
                raise BookError("ブックのファイルがありません")
            if not path.parent.is_dir():
                raise BookError("保存先のフォルダがありません")
            if not sqlitefile.writable(path.parent):
                raise BookError(
                    "保存先のフォルダに書き込みできません（読み取り専用か、権限がありません）"
                )
            return cls._connect_and_prepare(path, "rwc", existing_version=0, timeout=timeout)
        check = sqlitefile.inspect_file(path, timeout=timeout, pages_later=check_pages_later)
        try:
            return cls._open_checked(path, check, read_only=read_only, timeout=timeout)
        except BaseException:
            if check.pages is not None:  # its connection holds the file (Windows)
                with contextlib.suppress(BookError):
                    check.pages.result()
            raise

    @classmethod
    def _open_checked(
        cls, path: Path, check: sqlitefile.FileCheck, *, read_only: bool, timeout: float
    ) -> Self:
        """Open an existing file :func:`sqlitefile.inspect_file` has checked (see :meth:`open`)."""
        if read_only:
            return cls._open_read_only(path, check, timeout=timeout)
        # SQLite would open an unwritable file read-only without a word, and
        # fail only at the first save; say so now, while the user can choose.
        file_writable = sqlitefile.writable(path)
        # The rollback journal is made beside the book: its folder must be writable too.
        if not file_writable or not sqlitefile.writable(path.parent):
            if check.pages is not None:
                check.pages.result()  # a damaged book is refused as such, not as read-only
            raise ReadOnlyFileError(folder=file_writable)
        return cls._connect_and_prepare(
            path,
            "rw",
            existing_version=check.version,
            timeout=timeout,
            recheck=check.unfinished,
            pages=check.pages,
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
        pages: sqlitefile.PageCheck | None = None,
    ) -> Self:
        """Open ``path`` read-write and bring its schema up to date.

        Args:
            recheck: run ``PRAGMA quick_check`` once the connection has rolled
                back a save cut off by a crash (the file could not be fully
                checked before).
            pages: the check of the book's pages still running.

        Raises:
            PathTooLongError: a file the book makes beside itself (journal,
                lock, backups) would be too long for Windows; nothing is written.
        """
        sidefiles.check_room(path)
        try:
            connection = sqlitefile.connect(
                sqlitefile.file_uri(path, mode), uri=True, timeout=timeout
            )
        except sqlite3.Error as error:
            raise sqlitefile.translate(error) from error
        store = cls(connection, path)
        store._pages = pages
        try:
            store._prepare(backup_allowed=existing_version >= 1, recheck=recheck)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _open_read_only(cls, path: Path, check: sqlitefile.FileCheck, *, timeout: float) -> Self:
        """Open a checked book with a read-only connection that never writes.

        A book in WAL mode (switched by another tool: KPI Desk never uses
        WAL) is read with ``immutable=1``, as it was checked, so that no
        ``-wal`` or ``-shm`` file is made beside it.
        """
        if check.unfinished:
            raise BookError(UNFINISHED_READ_ONLY)
        if check.wal_file:
            raise BookError(WAL_READ_ONLY.format(wal=sqlitefile.wal_file(path).name))
        if check.version < SCHEMA_VERSION:
            raise BookError(older_for_read_only(check.version))
        try:
            connection = sqlitefile.connect(
                sqlitefile.file_uri(path, "ro", immutable=check.wal), uri=True, timeout=timeout
            )
        except sqlite3.Error as error:
            raise sqlitefile.translate(error) from error
        store = cls(connection, path, read_only=True)
        store._pages = check.pages
        try:
            with sqlitefile.sqlite_errors():
                # The file may have been replaced since it was checked.
                version = sqlitefile.classify(
                    connection.execute("PRAGMA application_id").fetchone()[0],
                    store._user_version(),
                    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0,
                )
                check_schema(connection, version)
            if version < SCHEMA_VERSION:
                raise BookError(older_for_read_only(version))
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def memory(cls) -> Self:
        """A new, empty book in memory (for tests and scratch work)."""
        store = cls(sqlitefile.connect(":memory:", uri=False), None)
        store._prepare(backup_allowed=False)
        return store

    def _prepare(self, *, backup_allowed: bool, recheck: bool = False) -> None:
        """Set the connection up and run the migrations still to be done.

        Args:
            backup_allowed: copy the book before migrating it.
            recheck: run ``PRAGMA quick_check`` (see :meth:`_connect_and_prepare`).
        """
        conn = self._db.conn
        with sqlitefile.sqlite_errors():
            conn.execute("PRAGMA foreign_keys = ON")
            # Check again on the read-write connection, before anything is
            # written: the file may have been replaced since it was checked,
            # and a recovered one is read only now.
            has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
            if recheck:
                # Reading the schema table has rolled the unfinished save back.
                sqlitefile.quick_check(conn)
            version = sqlitefile.classify(
                conn.execute("PRAGMA application_id").fetchone()[0],
                self._user_version(),
                has_tables,
            )
            check_schema(conn, version)
            if self.path is not None:
                # Keep the rollback journal (DELETE), never WAL: books live on
                # shared network folders, where WAL's shared-memory file does
                # not work. A book some other tool switched to WAL goes back.
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() == "wal":
                    self.confirm_pages()
                    conn.execute("PRAGMA journal_mode = DELETE")
            if version < SCHEMA_VERSION:
                self.confirm_pages()
                self._migrate(version, backup_allowed=backup_allowed)
            if not search_index_sound(self._db):
                self.confirm_pages()
                self._rebuild_search_index()

    def _migrate(self, version: int, *, backup_allowed: bool) -> None:
        """Run the migrations after ``version``, each in its own transaction."""
        conn = self._db.conn
        if backup_allowed and version >= 1 and self.path is not None:
            self._backup_before_migrating(version)
        with sqlitefile.trusting_checked_schema(conn):
            for number in range(version + 1, SCHEMA_VERSION + 1):
                with self._transaction():
                    # Another program may have migrated while we waited for the lock.
                    if self._user_version() >= number:
                        continue
                    MIGRATIONS[number](self._db)
                    # PRAGMA values cannot be bound; number is our own integer.
                    conn.execute(f"PRAGMA user_version = {int(number)}")

    def _rebuild_search_index(self) -> None:
        """Make the full-text index anew from the sheets (it holds nothing else)."""
        self._rebuilding = True
        try:
            with sqlitefile.sqlite_errors(writing=True), self._transaction():
                rebuild_search_index(self._db)
        finally:
            self._rebuilding = False

    def _user_version(self) -> int:
        return int(self._db.conn.execute("PRAGMA user_version").fetchone()[0])

    def _backup_before_migrating(self, version: int) -> None:
        """Copy the book into its backup folder before migrating it from ``version``."""
        # Imported here: backups opens books (this module) to back them up.
        from kpidesk.book.backups import migration_backup_path

        assert self.path is not None
        try:
            self._copy_to(migration_backup_path(self.path, SCHEMA_VERSION))
        except (OSError, sqlite3.Error) as error:
            raise BookError(
                f"ブックを新しい形式（{version} → {SCHEMA_VERSION}）に移す前のバックアップを"
                f"作れませんでした（{error}）。ブックは変更していません"
            ) from error

    def confirm_pages(self) -> None:
        """Wait for the check of every page begun on opening (``check_pages_later``).

        Returns at once when there is none (or it has passed before).

        Raises:
            NotABookError: the book is damaged; raised again at every call, so
                nothing is ever written to it.
            BookError: the book could not be read to the end.
        """
        if self._pages is not None:
            self._pages.result()
            self._pages = None
