"""Where hand out (配布) and collect (回収) keep their records in a book.

Both live in the book's ``meta`` table, as JSON text, so that no new table
(and no new schema version) is needed:

* :data:`META_HANDOUT` in a handed-out department book: where it came from;
* :data:`META_RETURNED` in a copy saved to return: who saved it and when;
* :data:`META_HANDOUT_LOG` in the origin book: what was handed out to whom,
  and when each file came back (配布記録).

This module only stores and fetches the text; ``kpidesk.cycle`` reads it
as untrusted input. :func:`write_collected` writes what a collect takes,
sheets and record together, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kpidesk.book import sqlitefile
from kpidesk.book.errors import StaleRevisionError
from kpidesk.book.rows import (
    id_of,
    insert_sheet,
    revision_of,
    stored_form,
    update_sheet,
    with_bookkeeping,
)
from kpidesk.book.schema import iso_now
from kpidesk.book.store import Book
from kpidesk.model import Sheet

#: The key of a handed-out book's origin in its ``meta`` table.
META_HANDOUT = "handout"
#: The key of the origin book's record of hand-outs and returns.
META_HANDOUT_LOG = "handout_log"
#: The key of who saved a handed-out book for returning, and when.
META_RETURNED = "returned"


def read_text(book: Book, key: str) -> str | None:
    """The stored text under ``key`` in the book's ``meta`` table (None: not there)."""
    return book._meta(key)


def write_text(book: Book, key: str, value: str) -> None:
    """Store ``value`` under ``key`` in one transaction.

    Raises:
        ReadOnlyError: the book was opened read-only.
        BookError: the book cannot be written.
    """
    book._set_meta(key, value)


def write_collected(
    book: Book,
    sheets: Sequence[Sheet],
    *,
    expected_revisions: Mapping[tuple[int, str], int],
    saved_by: str,
    log: str,
) -> list[Sheet]:
    """Write collected sheets and the updated 配布記録 ``log`` in one transaction.

    Each sheet is matched by (report year, No): an existing one gets a new
    revision, a new one is added; every write gets a history entry saying
    ``saved_by``.

    Args:
        expected_revisions: each key's revision when the collect was planned
            (0: not in the book); if any changed since, nothing is written.

    Raises:
        StaleRevisionError: a sheet changed since the collect was planned.
        YearLockedError: a sheet's report year is locked.
        ReadOnlyError, BusyError, DiskFullError, BookError: as for any write.
    """
    book._check_writable()
    prepared = [stored_form(sheet) for sheet in sheets]
    now = iso_now()
    saved: list[Sheet] = []
    db = book._db
    with sqlitefile.sqlite_errors(writing=True), book._transaction():
        book._check_unlocked({sheet.report_year for sheet in sheets})
        for stored, data in prepared:
            sheet_id = id_of(db, stored.key)
            current = 0 if sheet_id is None else (revision_of(db, sheet_id) or 0)
            expected = expected_revisions.get(stored.key, 0)
            if current != expected:
                raise StaleRevisionError(sheet_id or 0, expected, current)
            if sheet_id is None:
                sheet_id, revision = insert_sheet(db, stored, data, now, saved_by), 1
            else:
                revision = update_sheet(db, sheet_id, current, stored, data, now, saved_by)
            saved.append(with_bookkeeping(stored, sheet_id, revision, now))
        book._write_meta(META_HANDOUT_LOG, log)
    return saved
