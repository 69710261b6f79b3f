"""The book: one SQLite file of sheets, identified by (report year, No).

:class:`Book` opens, reads and writes a book; everything outside
``kpidesk.book`` speaks :class:`~kpidesk.model.Sheet`, never SQL.

* Opening (``kpidesk.book.opening``): an existing file is checked
  (``kpidesk.book.sqlitefile``) before it is opened for writing, its schema
  against the one KPI Desk makes (``kpidesk.book.schemacheck``), so that no
  SQL stored in a book from someone else ever runs. Before an older book is
  migrated (``kpidesk.book.schema``), a copy of it is put in its backup folder.
* A book can be opened read-only (``mode=ro``): nothing is ever written to
  it, and every write method raises :class:`ReadOnlyError` first.
* Every write is one ``BEGIN IMMEDIATE`` transaction. Each sheet carries a
  revision; a save against a stale revision is refused, and each save
  appends a snapshot of the sheet to the ``history`` table.
* The book's settings (rank scheme, charts on printed pages, locked report
  years) are kept in its ``meta`` table.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from kpidesk import limits
from kpidesk.book import opening, sqlitefile
from kpidesk.book import settings as stored_settings
from kpidesk.book.database import BookDatabase
from kpidesk.book.errors import (
    IDS_EXHAUSTED,
    INDEX_BROKEN_READ_ONLY,
    INDEX_REBUILT,
    BookError,
    DuplicateSheetError,
    NotFoundError,
    ReadOnlyError,
    StaleRevisionError,
    YearLockedError,
)
from kpidesk.book.lock import this_user
from kpidesk.book.rows import (
    LIST_SELECT,
    delete_sheet_row,
    id_of,
    insert_sheet,
    list_entry_from_row,
    load_sheet,
    read_list_entries,
    revision_of,
    stored_form,
    stored_int,
    stored_years,
    update_sheet,
    with_bookkeeping,
)
from kpidesk.book.schema import (
    META_LOCKED_YEARS,
    is_search_index_error,
    iso_now,
)
from kpidesk.book.search import ids_query, where_clause
from kpidesk.fileio import atomic_file
from kpidesk.model import ListEntry, Sheet, sheet_sort_key
from kpidesk.rollover import rolled_over

#: The largest rowid SQLite gives; an AUTOINCREMENT table past it is full.
_LAST_ROWID = 2**63 - 1


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


class Book(stored_settings.BookSettings, opening.BookOpening):
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
        self._db = BookDatabase(connection)
        self._closed = False
        self._read_only = read_only
        #: The search index is being made anew (a failure then is not retried).
        self._rebuilding = False
        #: Who saves: the login name written beside each version in the history.
        self.user = this_user()
        #: Run once, before the first write transaction (the window's day's backup).
        self.before_first_write: Callable[[], None] | None = None
        #: The check of every page still running (``check_pages_later``), or None.
        self._pages: sqlitefile.PageCheck | None = None

    @property
    def read_only(self) -> bool:
        """Whether the book was opened read-only (every write raises :class:`ReadOnlyError`)."""
        return self._read_only

    # --- opening and closing

    def _copy_to(self, target: Path) -> None:
        """Write a consistent copy of the whole book to ``target``, replacing it atomically.

        SQLite's backup API copies the pages inside one read transaction, a
        few at a time (a 60 MB book serialized whole took twice its size in
        memory); it goes through a temporary file beside ``target``, so a
        failure never leaves half a book.
        """
        with atomic_file(target) as temp:
            copy = sqlite3.connect(temp)
            try:
                copy.execute(
                    "PRAGMA journal_mode=OFF"
                )  # the temporary file is thrown away on failure
                self._db.conn.backup(copy)
            finally:
                copy.close()

    def close(self) -> None:
        """Close the book; closing twice does nothing.

        A check of its pages still running is waited for (its connection
        keeps the file open: Windows could not move or delete it).
        """
        if not self._closed:
            self._closed = True
            if self._pages is not None:
                with contextlib.suppress(BookError):
                    self._pages.result()
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
        return f"Book({where}, read-only)" if self._read_only else f"Book({where})"

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
        self.confirm_pages()
        if (first := self.before_first_write) is not None:
            self.before_first_write = None  # once, and not again for its own writes
            first()
        conn = self._db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except (sqlite3.ProgrammingError, sqlite3.InterfaceError, sqlite3.IntegrityError):
            sqlitefile.roll_back(conn)
            raise
        except sqlite3.Error as error:
            # After a full disk or an I/O error SQLite may have given up
            # half-way: the book is read again, so that it is as before when we say so.
            settle = sqlitefile.primary_code(error) in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR)
            if not sqlitefile.roll_back(conn, settle=settle):
                raise sqlitefile.not_rolled_back(error, self.path) from error
            if sqlitefile.primary_code(error) == sqlite3.SQLITE_FULL and self._ids_exhausted():
                raise BookError(IDS_EXHAUSTED) from error
            if is_search_index_error(error) and not self._rebuilding:
                # Another program changed or damaged the index: it is made
                # anew from the sheets, and the save can simply be repeated.
                self._rebuild_search_index()
                raise BookError(INDEX_REBUILT) from error
            raise
        except MemoryError as error:
            # SQLite's "out of memory" (SQLITE_NOMEM): a damaged full-text
            # index can ask for sizes no computer has.
            sqlitefile.roll_back(conn)
            if self._rebuilding:
                raise
            self._rebuild_search_index()
            raise BookError(INDEX_REBUILT) from error
        except BaseException:
            sqlitefile.roll_back(conn)
            raise

    def _ids_exhausted(self) -> bool:
        """Whether the numbers SQLite gives new rows have run out (only a tampered book's can)."""
        with contextlib.suppress(sqlite3.Error):
            row = self._db.execute(
                "SELECT max(seq) FROM sqlite_sequence WHERE name IN ('sheets', 'history')"
            ).fetchone()
            return row is not None and isinstance(row[0], int) and row[0] >= _LAST_ROWID
        return False

    def _search(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """The rows of a query that may search the full-text index.

        An index another program changed or damaged is made anew from the
        sheets and the query run again; a book opened read-only says so.
        """
        with sqlitefile.sqlite_errors():
            try:
                return self._db.execute(sql, params).fetchall()
            except (sqlite3.DatabaseError, MemoryError) as error:
                # MemoryError: SQLite's "out of memory", as a damaged index can give.
                if not isinstance(error, MemoryError) and not is_search_index_error(error):
                    raise
                if self._read_only:
                    raise BookError(INDEX_BROKEN_READ_ONLY) from error
        self._rebuild_search_index()
        with sqlitefile.sqlite_errors():
            return self._db.execute(sql, params).fetchall()

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
        with sqlitefile.sqlite_errors():
            return int(self._db.execute("SELECT count(*) FROM sheets").fetchone()[0])

    def get_sheet(self, sheet_id: int) -> Sheet:
        """The sheet with this id.

        Raises:
            NotFoundError: there is no such sheet.
        """
        with sqlitefile.sqlite_errors():
            row = self._db.execute(
                "SELECT id, revision, updated_at, data, report_year, no FROM sheets WHERE id = ?",
                [sheet_id],
            ).fetchone()
        if row is None:
            raise NotFoundError(sheet_id)
        return load_sheet(*row[:4], key=row[4:])

    def find_sheet(self, report_year: int, no: str) -> Sheet | None:
        """The sheet with this (report year, No), or None."""
        with sqlitefile.sqlite_errors():
            row = self._db.execute(
                "SELECT id, revision, updated_at, data, report_year, no FROM sheets"
                " WHERE report_year = ? AND no = ?",
                [report_year, no],
            ).fetchone()
        return None if row is None else load_sheet(*row[:4], key=row[4:])

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
        where, params = where_clause(report_year=report_year, department=department, query=query)
        sql = (
            "SELECT s.id, s.revision, s.updated_at, s.data, s.report_year, s.no"
            f" FROM sheets AS s{where} ORDER BY s.id"
        )
        rows = self._search(sql, params)
        return sorted((load_sheet(*row[:4], key=row[4:]) for row in rows), key=sheet_sort_key)

    def list_entries(
        self, *, report_year: int | None = None, department: str | None = None
    ) -> list[ListEntry]:
        """What a list shows of the sheets that match every given condition, in No order.

        Only the list columns are read, never a sheet's JSON, so this
        stays quick for thousands of sheets. The conditions mean what they
        mean for :meth:`list_sheets`; to search as well, keep the entries
        whose id is in :meth:`search_ids`.

        Returns:
            The entries sorted with :func:`kpidesk.model.list_sort_key`,
            in the same order :meth:`list_sheets` gives the sheets.
        """
        where, params = where_clause(report_year=report_year, department=department, query=None)
        with sqlitefile.sqlite_errors():
            return read_list_entries(self._db, where, params)

    def get_list_entry(self, sheet_id: int) -> ListEntry:
        """What a list shows of the sheet with this id (its JSON is not read).

        Raises:
            NotFoundError: there is no such sheet.
        """
        with sqlitefile.sqlite_errors():
            row = self._db.execute(f"{LIST_SELECT} WHERE s.id = ?", [sheet_id]).fetchone()
        if row is None:
            raise NotFoundError(sheet_id)
        return list_entry_from_row(row)

    def search_ids(self, query: str) -> set[int]:
        """The ids of the sheets a search finds, as :meth:`list_sheets` ``query=`` finds them.

        A query of nothing but spaces finds every sheet.
        """
        if self._read_only:  # its indexes were not checked against the sheets on opening
            where, params = where_clause(report_year=None, department=None, query=query)
            rows = self._search(f"SELECT s.id FROM sheets AS s{where}", params)
        else:
            rows = self._search(*ids_query(query))
        return {int(row[0]) for row in rows}

    def report_years(self) -> list[int]:
        """The report years the book has sheets for, newest first (damaged ones left out)."""
        with sqlitefile.sqlite_errors():
            rows = self._db.execute(
                "SELECT DISTINCT report_year FROM sheets ORDER BY report_year DESC"
            ).fetchall()
        return [row[0] for row in rows if limits.year_problem(row[0], "") is None]

    def departments(self, report_year: int | None = None) -> list[str]:
        """Every department named by a sheet (of one report year, if given), sorted."""
        sql = "SELECT DISTINCT d.value FROM sheets AS s, json_each(s.departments_json) AS d"
        params: list[Any] = []
        if report_year is not None:
            sql += " WHERE s.report_year = ?"
            params.append(report_year)
        with sqlitefile.sqlite_errors():
            rows = self._db.execute(sql, params).fetchall()
        return sorted(str(row[0]) for row in rows if str(row[0]).strip())

    def history(self, sheet_id: int) -> list[HistoryEntry]:
        """Every saved state of a sheet, newest first.

        The history of a deleted sheet is kept and still returned; an id
        that never existed gives an empty list.
        """
        with sqlitefile.sqlite_errors():
            rows = self._db.execute(
                "SELECT revision, saved_at, data, saved_by FROM history WHERE sheet_id = ?"
                " ORDER BY revision DESC",
                [sheet_id],
            ).fetchall()
        return [
            HistoryEntry(
                revision, saved_at, load_sheet(sheet_id, revision, saved_at, data), str(saved_by)
            )
            for revision, saved_at, data, saved_by in rows
        ]

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
            BookError: the sheet's content is invalid, or the book cannot be written.
        """
        self._check_writable()
        stored, data = stored_form(sheet)
        now = iso_now()
        with sqlitefile.sqlite_errors(writing=True), self._transaction():
            self._check_unlocked({sheet.report_year, *stored_years(self._db, [sheet.id])})
            if sheet.id is None:
                if id_of(self._db, sheet.key) is not None:
                    raise DuplicateSheetError([sheet.key])
                sheet_id, revision = insert_sheet(self._db, stored, data, now, self.user), 1
            else:
                sheet_id = sheet.id
                current = revision_of(self._db, sheet_id)
                if current is None:
                    raise NotFoundError(sheet_id)
                if current != sheet.revision:
                    raise StaleRevisionError(sheet_id, sheet.revision, current)
                if id_of(self._db, sheet.key) not in (None, sheet_id):
                    raise DuplicateSheetError([sheet.key])
                revision = update_sheet(self._db, sheet_id, current, stored, data, now, self.user)
        return with_bookkeeping(stored, sheet_id, revision, now)

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
            BookError: a sheet's content is invalid, or the book cannot be written.
        """
        self._check_writable()
        counts = Counter(sheet.key for sheet in sheets)
        repeated = [key for key, count in counts.items() if count > 1]
        if repeated:
            raise DuplicateSheetError(repeated, within_import=True)
        prepared = [stored_form(sheet) for sheet in sheets]
        now = iso_now()
        saved: list[Sheet] = []
        with sqlitefile.sqlite_errors(writing=True), self._transaction():
            existing = {
                (stored_int(year, "報告年度", sheet_id), str(no)): (
                    stored_int(sheet_id, "ID", sheet_id),
                    stored_int(revision, "版", sheet_id),
                )
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
                    revision = update_sheet(
                        self._db, sheet_id, current, stored, data, now, self.user
                    )
                else:
                    sheet_id, revision = insert_sheet(self._db, stored, data, now, self.user), 1
                saved.append(with_bookkeeping(stored, sheet_id, revision, now))
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
            BookError: ``from_year`` has no sheets, ``to_year`` is not after
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
        now = iso_now()
        made: list[Sheet] = []
        with sqlitefile.sqlite_errors(writing=True), self._transaction():
            self.check_rollover(from_year, to_year)
            sources = self.list_sheets(report_year=from_year)
            for done, source in enumerate(sources, start=1):
                stored, data = stored_form(rolled_over(source, to_year))
                sheet_id = insert_sheet(self._db, stored, data, now, self.user)
                made.append(with_bookkeeping(stored, sheet_id, 1, now))
                if progress is not None:
                    progress(done, len(sources))
            self._write_meta(
                META_LOCKED_YEARS, json.dumps(sorted(self.locked_years() | {from_year}))
            )
        return made

    def check_rollover(self, from_year: int, to_year: int) -> None:
        """Refuse a roll-over from ``from_year`` to ``to_year`` that could not be done.

        :meth:`rollover` checks the same inside its transaction; called
        before it, this refuses without writing anything (no backup either).

        Raises:
            BookError: ``from_year`` has no sheets, or ``to_year`` is not after it.
            DuplicateSheetError: ``to_year`` already has sheets with some of
                the same Nos (naming every one).
            YearLockedError: ``to_year`` is locked.
        """
        if to_year <= from_year:
            raise BookError(
                f"年度更新の先（{to_year}年度）は元の報告年度（{from_year}年度）より後にしてください"
            )
        nos = [entry.no for entry in self.list_entries(report_year=from_year)]
        if not nos:
            raise BookError(f"{from_year}年度のシートがないため、年度更新できません")
        with sqlitefile.sqlite_errors():
            self._check_unlocked({to_year})
            clashes = [(to_year, no) for no in nos if id_of(self._db, (to_year, no)) is not None]
        if clashes:
            raise DuplicateSheetError(clashes)

    def delete_sheet(self, sheet_id: int) -> None:
        """Delete a sheet; its history stays in the book.

        Raises:
            NotFoundError: there is no such sheet.
            ReadOnlyError: the book was opened read-only.
            BookError: the book cannot be written.
        """
        self._check_writable()
        with sqlitefile.sqlite_errors(writing=True), self._transaction():
            self._check_unlocked(stored_years(self._db, [sheet_id]))
            if not delete_sheet_row(self._db, sheet_id):
                raise NotFoundError(sheet_id)

    def backup_to(self, target: Path) -> None:
        """Write a consistent copy of the whole book to ``target``.

        A failure never leaves half a book; an existing ``target`` is replaced.
        The book's own path may be written only when its file is no longer
        there (deleted or moved away while the book was open).

        Raises:
            BookError: ``target`` is this book itself, or cannot be written.
            NotABookError: the check of its pages begun on opening found it
                damaged (``check_pages_later``): no backup of it is made.
        """
        self.confirm_pages()
        target = Path(target)
        if (
            self.path is not None
            and target.absolute() == self.path.absolute()
            and os.path.lexists(target)
        ):
            raise BookError("開いているブック自身にはバックアップを書き込めません")
        try:
            self._copy_to(target)
        except (OSError, sqlite3.Error) as error:
            raise BookError(f"バックアップを書き込めません（{error}）") from error

    @staticmethod
    def peek_sheet_count(path: Path) -> int:
        """How many sheets a book file holds, read without changing the file.

        Used to describe and check backups; an older book is not migrated.
        The file is checked as :meth:`open` checks it (``PRAGMA quick_check``
        included), so a damaged backup is refused here.

        Raises:
            BookError: the file is not a readable KPI Desk book.
        """
        sqlitefile.check_file(Path(path))
        try:
            connection = sqlitefile.open_checker(
                sqlitefile.file_uri(Path(path), "ro", immutable=True),
                sqlitefile.BUSY_TIMEOUT_SECONDS,
            )
        except sqlite3.Error as error:
            raise sqlitefile.translate(error) from error
        try:
            return int(connection.execute("SELECT count(*) FROM sheets").fetchone()[0])
        except sqlite3.Error as error:
            raise sqlitefile.translate(error) from error
        finally:
            connection.close()
