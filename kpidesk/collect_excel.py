"""Collect (回収) of an Excel workbook handed out beside a department's book.

A department that works in Excel only returns the workbook hand out made
for it (``kpidesk.exchange.handout_workbook``), which carries the same mark
as the book. ``kpidesk.collect.plan_collect`` reads it with
:func:`read_returned_workbook` and runs the same checks and the same
three-way rules (``kpidesk.cycle.compare``) as for a book, fed with hashes
:func:`workbook_versions` makes equivalent to a book's.

Whether the department changed a sheet does not depend on how faithfully a
sheet survives Excel: the 配布記録 keeps the hash of each sheet as read back
from the workbook when it was handed out (``LogEntry.excel_handed``), and
of what collect last took from a workbook (``LogEntry.excel_collected``).
A sheet reading the same is unchanged, and stands for the version handed
out; a changed one is what the workbook says with the fields Excel cannot
carry taken from the origin book (``compare.carry_row_settings``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from kpidesk.compare import carry_row_settings
from kpidesk.cycle import HandoutMark, LogEntry, content_hash
from kpidesk.model import Sheet

#: The suffix of a workbook.
WORKBOOK_SUFFIX = ".xlsx"

_ZIP_MAGIC = b"PK\x03\x04"
_SQLITE_MAGIC = b"SQLite format 3\x00"


class UnreadableWorkbook(Exception):
    """A returned workbook cannot be read (message in Japanese)."""


def is_workbook(path: Path) -> bool:
    """Whether ``path`` is a workbook: by its content (a zip), else by its suffix.

    A book renamed ``.xlsx`` is still a book, and a workbook renamed ``.kpidb``
    still a workbook.
    """
    try:
        with Path(path).open("rb") as stream:
            head = stream.read(len(_SQLITE_MAGIC))
    except OSError:
        head = b""
    if head.startswith(_ZIP_MAGIC):
        return True
    if head.startswith(_SQLITE_MAGIC):
        return False
    return Path(path).suffix.lower() == WORKBOOK_SUFFIX


def read_returned_workbook(path: Path) -> tuple[str | None, list[Sheet]]:
    """The mark text (None: no usable mark) and the sheets of a returned workbook.

    The workbook is untrusted: it is loaded once, through the checks every
    workbook passes (``xlsx_safety.checked_package``, then ``xlsx_cells``).

    Raises:
        UnreadableWorkbook: it is not a safe, readable workbook of sheets.
    """
    from kpidesk.exchange import handout_workbook  # openpyxl only when a workbook comes back
    from kpidesk.exchange.xlsx_safety import ExcelError

    try:
        return handout_workbook.read_handout_workbook(path, budget=handout_workbook.RETURNED)
    except (ExcelError, OSError) as error:
        raise UnreadableWorkbook(str(error)) from error


def excel_base(entry: LogEntry) -> dict[str, str]:
    """Per No, the hash as read from a workbook that a returned workbook is compared with."""
    return {**entry.excel_handed, **entry.excel_collected}


def workbook_versions(
    origin: Book, entry: LogEntry, sheets: Iterable[Sheet]
) -> tuple[dict[str, Sheet], dict[str, str], dict[str, str]]:
    """The returned sheets, their hashes for ``compare`` and their hashes as read.

    Per No: the version written if taken (the workbook's sheet with the
    fields Excel cannot carry from the origin's sheet now); as the returned
    hash, the one collect compares against when the sheet reads as it did
    when handed out or last collected, else the hash of that version; and
    the hash of the sheet as read (kept when collected).
    """
    base = entry.base()
    read_base = excel_base(entry)
    returned: dict[str, Sheet] = {}
    hashes: dict[str, str] = {}
    read: dict[str, str] = {}
    for sheet in sheets:
        read[sheet.no] = content_hash(sheet)
        carried = carry_row_settings(sheet, origin.find_sheet(entry.report_year, sheet.no))
        returned[sheet.no] = carried
        unchanged = sheet.no in base and read_base.get(sheet.no) == read[sheet.no]
        hashes[sheet.no] = base[sheet.no] if unchanged else content_hash(carried)
    return returned, hashes, read


def settled_read_hashes(
    entry: LogEntry, read: dict[str, str], open_nos: list[str]
) -> dict[str, str]:
    """What :attr:`LogEntry.excel_collected` becomes after collecting a workbook read as
    ``read``: a conflict left open keeps its earlier hash, so it is found again next time."""
    before = excel_base(entry)
    settled = dict(read)
    for no in open_nos:
        settled.pop(no, None)
        if no in before:
            settled[no] = before[no]
    return settled


def mark_of_book(mark_text: str | None, book: Book) -> HandoutMark | None:
    """The hand-out mark read from a workbook, when it says it was handed out from
    ``book`` (None: no usable mark, another book's, or ``book`` cannot be read)."""
    try:
        mark = HandoutMark.from_json(mark_text)
        book_id = book.identity().book_id
    except (ValueError, BookError):
        return None
    return mark if book_id and mark.origin_book_id == book_id else None


def import_note(mark_text: str | None, db: Path) -> str:
    """What ``import-excel`` says when the workbook was handed out from the book at ``db``
    ("" otherwise): 回収 (``collect``) would compare it three ways instead."""
    if mark_text is None or not Path(db).is_file():
        return ""
    try:
        with Book.open(db, create=False, read_only=True) as book:
            mark = mark_of_book(mark_text, book)
    except (BookError, OSError):
        return ""
    if mark is None:
        return ""
    return (
        f"このブックから{mark.department or '担当課なし'}に配布したファイルです。"
        "回収（kpidesk collect）で取り込むと、配布後の元のブックの変更と比べて"
        "競合を確かめます。ここでは通常の取り込みをします"
    )
