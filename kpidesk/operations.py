"""The operations that change many sheets of a book, shared by the window and the command line.

Each runs in the same order, so that the two can never follow different
policies: first everything that would refuse the operation is checked (a
locked report year, sheets the book already has), then the book is backed
up (an operation is undone by restoring that backup), then everything is
written in one transaction — all of it or nothing. A refused operation takes
no backup and changes nothing. A backup that cannot be taken refuses the
operation too: nothing is written that could not be undone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from kpidesk import compare, replace
from kpidesk.book import backups
from kpidesk.book.errors import DuplicateSheetError, YearLockedError
from kpidesk.book.store import Book
from kpidesk.compare import SheetPlan, Status
from kpidesk.model import Sheet

Progress = Callable[[int, int], None]


def plan_import(
    book: Book, sheets: Sequence[Sheet], *, keep_row_settings: bool = False
) -> list[SheetPlan]:
    """What importing ``sheets`` would change in ``book``, sheet by sheet.

    Args:
        book: the book to import into.
        sheets: the incoming sheets.
        keep_row_settings: for sources that cannot carry a row's hand-set
            target direction and kind (published text, Excel): the book's
            settings of those rows are kept.
    """
    if keep_row_settings:
        sheets = [
            compare.carry_row_settings(sheet, book.find_sheet(*sheet.key)) for sheet in sheets
        ]
    return compare.plan_import(sheets, book.find_sheet)


def locked_year_of(book: Book, plans: Sequence[SheetPlan]) -> int | None:
    """The first locked report year the plans would write into, or None."""
    locked = sorted(
        {plan.sheet.report_year for plan in plans if plan.status is not Status.SAME}
        & book.locked_years()
    )
    return locked[0] if locked else None


def import_sheets(
    book: Book,
    plans: Sequence[SheetPlan],
    *,
    only_changed: bool,
    replace: bool,
    progress: Progress | None = None,
    keep_backups: int = backups.DEFAULT_KEEP,
    notes: list[str] | None = None,
) -> list[Sheet]:
    """Check, back up and write an import planned by :func:`plan_import`.

    Args:
        book: the book (opened for writing).
        plans: the plan, as shown to the user.
        only_changed: write only the sheets that differ from the book (the
            window, after its preview); otherwise every planned sheet.
        replace: overwrite sheets the book already has (keeping their id and
            history); without it, any such sheet refuses the whole import.
        progress: called with (done, total) per sheet written; an exception it
            raises (a cancel) rolls everything back.
        keep_backups: how many backups of the book to keep.
        notes: given, it gets the Japanese notes of the backup (an old backup
            that could not be deleted: no reason to stop the import).

    Returns:
        The sheets written (none when nothing differs).

    Raises:
        YearLockedError: a sheet would go into a locked report year.
        DuplicateSheetError: the same sheet twice in the source, or (without
            ``replace``) naming every sheet the book has.
        StaleRevisionError: a sheet changed in the book since it was planned.
        BookError: the backup or the write failed (the book is as it was).
    """
    chosen = [plan for plan in plans if plan.status is not Status.SAME or not only_changed]
    if not chosen:
        return []
    counts = Counter(plan.sheet.key for plan in chosen)
    repeated = [key for key, count in counts.items() if count > 1]
    if repeated:
        raise DuplicateSheetError(repeated, within_import=True)
    locked = sorted({plan.sheet.report_year for plan in chosen} & book.locked_years())
    if locked:
        raise YearLockedError(locked[0])
    clashes = [plan.sheet.key for plan in chosen if plan.status is not Status.NEW]
    if clashes and not replace:
        raise DuplicateSheetError(clashes)
    _backup(book, "import", keep_backups, notes)
    return book.import_sheets(
        [plan.sheet for plan in chosen],
        replace=replace,
        progress=progress,
        expected_revisions={plan.sheet.key: plan.book_revision for plan in chosen},
    )


def roll_over(
    book: Book,
    from_year: int,
    to_year: int,
    *,
    progress: Progress | None = None,
    keep_backups: int = backups.DEFAULT_KEEP,
    notes: list[str] | None = None,
) -> list[Sheet]:
    """The yearly roll-over: check, back up, then make ``to_year``'s sheets and lock ``from_year``.

    ``notes`` are as in :func:`import_sheets`.

    Returns:
        The new sheets, in No order.

    Raises:
        BookError, DuplicateSheetError, YearLockedError: as
        :meth:`Book.rollover` says, before any backup is taken.
    """
    book.check_rollover(from_year, to_year)
    _backup(book, "rollover", keep_backups, notes)
    return book.rollover(from_year, to_year, progress=progress)


def replace_in_book(
    book: Book,
    hits: Sequence[replace.Hit],
    text: str,
    replacement: str,
    *,
    keep_backups: int = backups.DEFAULT_KEEP,
    notes: list[str] | None = None,
    replaced_from: list[Sheet] | None = None,
) -> list[Sheet]:
    """Replace ``text`` in the fields the hits name, one new revision per sheet changed.

    Sheets are read again from the book: a field changed since the hits were
    found is left alone. A hit in a locked report year refuses the whole
    replace before any backup; then the book is backed up (reason 置換の前)
    and every changed sheet written in one transaction, all or nothing.

    Args:
        replaced_from: given a list, it receives each changed sheet as it was
            before, in the order of the sheets returned (for
            :func:`undo_replace_in_book`).

    Returns:
        The sheets saved (none when nothing changed).

    Raises:
        YearLockedError: a hit is in a locked report year.
        StaleRevisionError: a sheet was saved elsewhere while this ran.
        BookError: the backup or the write failed (the book is as it was).
    """
    locked = sorted({hit.report_year for hit in hits} & book.locked_years())
    if locked:
        raise YearLockedError(locked[0])
    by_sheet: dict[int, list[replace.Hit]] = {}
    for hit in hits:
        if hit.sheet_id is not None:
            by_sheet.setdefault(hit.sheet_id, []).append(hit)
    changed: list[Sheet] = []
    originals: list[Sheet] = []
    revisions: dict[tuple[int, str], int] = {}
    for sheet_id, sheet_hits in by_sheet.items():
        stored = book.get_sheet(sheet_id)
        new = replace.replaced(stored, sheet_hits, text, replacement)
        if new is not None:
            changed.append(new)
            originals.append(stored)
            revisions[stored.key] = stored.revision
    if not changed:
        return []
    _backup(book, "replace", keep_backups, notes)
    saved = book.import_sheets(changed, replace=True, expected_revisions=revisions)
    if replaced_from is not None:
        replaced_from[:] = originals
    return saved


def undo_replace_in_book(
    book: Book, before: Sequence[Sheet], after: Sequence[Sheet]
) -> tuple[list[Sheet], list[Sheet]]:
    """Put back what :func:`replace_in_book` changed, sheet by sheet.

    Each sheet still as the replace left it (same revision) gets its content
    from before the replace as a new revision, all in one transaction; a
    sheet changed, deleted or locked since is left as it is.

    Args:
        before: the sheets as they were before the replace (``replaced_from``).
        after: the sheets the replace saved, in the same order.

    Returns:
        (the sheets put back, as saved; the sheets left alone, as they were before).

    Raises:
        BookError: the book cannot be written (nothing was changed).
    """
    locked = book.locked_years()
    current = {sheet.id: sheet for sheet in book.list_sheets()}
    back: list[Sheet] = []
    left: list[Sheet] = []
    revisions: dict[tuple[int, str], int] = {}
    for old, new in zip(before, after, strict=True):
        now = current.get(new.id)
        if now is None or now.revision != new.revision or now.report_year in locked:
            left.append(old)
            continue
        back.append(old)
        revisions[now.key] = now.revision
    if not back:
        return [], left
    return book.import_sheets(back, replace=True, expected_revisions=revisions), left


def _backup(book: Book, reason: str, keep: int, notes: list[str] | None) -> None:
    """Back up a book that has anything to lose (a new, empty book has not)."""
    if book.path is not None and book.count_sheets() > 0:
        backups.take_backup(book, reason, keep=keep, notes=notes)
