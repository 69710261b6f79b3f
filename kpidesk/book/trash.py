"""削除したシート: the sheets deleted from a book, kept as their history until emptied.

A deleted sheet's row is gone but its saved versions stay in ``history``
(see :meth:`Book.history`). This module lists them, puts the last saved
version back under the sheet's own id (so its history goes on), and removes
the kept history for good. When and by whom a sheet was deleted is recorded
in the book's ``meta`` table (JSON under :data:`META_DELETED`) by
:func:`delete_sheet`; a sheet deleted otherwise (an older program, the
command line) has no such record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kpidesk.book import sqlitefile
from kpidesk.book.errors import BookError, DuplicateSheetError, NotFoundError
from kpidesk.book.rows import (
    delete_sheet_row,
    id_of,
    load_sheet,
    reinsert_sheet,
    stored_form,
    stored_years,
    with_bookkeeping,
)
from kpidesk.book.schema import iso_now
from kpidesk.book.store import Book
from kpidesk.model import Sheet

#: The key of the record of deletions in the book's ``meta`` table.
META_DELETED = "deleted_sheets"


@dataclass(frozen=True)
class DeletedSheet:
    """A sheet in the trash.

    Attributes:
        sheet: its last saved version (id: the deleted sheet's id).
        saved_at, saved_by: when and by whom that version was saved.
        versions: how many saved versions are kept.
        deleted_at, deleted_by: when and by whom it was deleted ("" when not known).
    """

    sheet: Sheet
    saved_at: str
    saved_by: str
    versions: int
    deleted_at: str = ""
    deleted_by: str = ""


def _records(book: Book) -> dict[str, Any]:
    text = book._meta(META_DELETED)
    try:
        records = json.loads(text) if text else {}
    except (ValueError, RecursionError):  # a damaged or hostile book
        return {}
    return records if isinstance(records, dict) else {}


def _write_records(book: Book, records: dict[str, Any]) -> None:
    """Store the deletion records inside the caller's transaction."""
    book._write_meta(META_DELETED, json.dumps(records, ensure_ascii=False))


def delete_sheet(book: Book, sheet_id: int) -> None:
    """Delete a sheet, as :meth:`Book.delete_sheet`, and record when and by whom.

    Raises:
        NotFoundError: there is no such sheet.
        YearLockedError: its report year is locked.
        ReadOnlyError: the book was opened read-only.
        BookError: the book cannot be written.
    """
    book._check_writable()
    with sqlitefile.sqlite_errors(writing=True), book._transaction():
        # Read inside the write lock: a colleague's deletion a moment ago is kept.
        records = _records(book)
        book._check_unlocked(stored_years(book._db, [sheet_id]))
        if not delete_sheet_row(book._db, sheet_id):
            raise NotFoundError(sheet_id)
        # Newest last: the order tells deletions of the same second apart.
        records.pop(str(sheet_id), None)
        records[str(sheet_id)] = {"at": iso_now(), "by": book.user}
        _write_records(book, records)


def deleted_sheets(book: Book) -> list[DeletedSheet]:
    """Every sheet in the trash, the most recently deleted first.

    A sheet with no record of its deletion is placed by its last save.
    """
    with sqlitefile.sqlite_errors():
        rows = book._db.execute(
            "SELECT h.sheet_id, h.revision, h.saved_at, h.data, h.saved_by, h.report_year, h.no,"
            " (SELECT count(*) FROM history AS c WHERE c.sheet_id = h.sheet_id)"
            " FROM history AS h"
            " WHERE h.sheet_id NOT IN (SELECT id FROM sheets)"
            " AND h.revision = (SELECT max(revision) FROM history AS m"
            "                   WHERE m.sheet_id = h.sheet_id)"
        ).fetchall()
    records = _records(book)
    order = {key: position for position, key in enumerate(records)}
    found = []
    for sheet_id, revision, saved_at, data, saved_by, year, no, versions in rows:
        try:
            sheet = load_sheet(sheet_id, revision, str(saved_at), data, (year, no))
        except BookError:
            continue  # a damaged version cannot be shown nor restored
        record = records.get(str(sheet_id))
        record = record if isinstance(record, dict) else {}
        found.append(
            DeletedSheet(
                sheet,
                str(saved_at),
                str(saved_by or ""),
                int(versions),
                str(record.get("at") or ""),
                str(record.get("by") or ""),
            )
        )
    found.sort(
        key=lambda item: (
            item.deleted_at or item.saved_at,
            order.get(str(item.sheet.id), -1),
            item.sheet.id,
        ),
        reverse=True,
    )
    return found


def restore_sheet(book: Book, sheet_id: int) -> Sheet:
    """Put the last saved version of a deleted sheet back into the book.

    The sheet keeps its id and history; the restored state is one more
    version in it. Nothing changes when the sheet cannot be restored.

    Returns:
        The restored sheet with its id, revision and updated_at.

    Raises:
        NotFoundError: no deleted sheet has this id (restored or emptied meanwhile).
        YearLockedError: its report year is locked.
        DuplicateSheetError: the book has a sheet with its (report year, No) now.
        ReadOnlyError: the book was opened read-only.
        BookError: the book cannot be written.
    """
    book._check_writable()
    now = iso_now()
    with sqlitefile.sqlite_errors(writing=True), book._transaction():
        records = _records(book)
        db = book._db
        row = db.execute(
            "SELECT revision, saved_at, data, report_year, no FROM history WHERE sheet_id = ?"
            " AND sheet_id NOT IN (SELECT id FROM sheets) ORDER BY revision DESC LIMIT 1",
            [sheet_id],
        ).fetchone()
        if row is None:
            raise NotFoundError(sheet_id)
        revision, saved_at, data, year, no = row
        sheet = load_sheet(sheet_id, revision, str(saved_at), data, (year, no))
        book._check_unlocked({sheet.report_year})
        if id_of(db, sheet.key) is not None:
            raise DuplicateSheetError([sheet.key])
        stored, stored_data = stored_form(sheet)
        reinsert_sheet(db, sheet_id, revision + 1, stored, stored_data, now, book.user)
        if records.pop(str(sheet_id), None) is not None:
            _write_records(book, records)
    return with_bookkeeping(stored, sheet_id, revision + 1, now)


def purge(book: Book, sheet_ids: list[int]) -> int:
    """Remove the kept history of these deleted sheets for good; return how many went.

    Ids of sheets the book holds now are ignored: only the trash is emptied.

    Raises:
        ReadOnlyError: the book was opened read-only.
        BookError: the book cannot be written.
    """
    book._check_writable()
    removed = 0
    with sqlitefile.sqlite_errors(writing=True), book._transaction():
        records = _records(book)
        for sheet_id in sheet_ids:
            cursor = book._db.execute(
                "DELETE FROM history WHERE sheet_id = ?"
                " AND sheet_id NOT IN (SELECT id FROM sheets)",
                [sheet_id],
            )
            if cursor.rowcount > 0:
                removed += 1
                records.pop(str(sheet_id), None)
        if removed:
            _write_records(book, records)
    return removed
