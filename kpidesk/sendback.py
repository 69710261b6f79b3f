"""差戻し (send back) and 確定 (confirm): the planning division's answer to a return.

Sending back writes the department a new file, as a hand-out does, with the
planning division's 企画課コメント on the sheets concerned, so that the
department sees why; the next collect compares against that file. Confirming
closes the department's year: a later collect is refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Mapping
from pathlib import Path

from kpidesk import limits
from kpidesk.book import cyclestore
from kpidesk.book.lock import this_user
from kpidesk.book.schema import iso_now
from kpidesk.book.store import Book
from kpidesk.cycle import (
    CONFIRMED,
    NOT_RETURNED,
    SENT_BACK,
    HandoutMark,
    LogEntry,
    content_hash,
    latest_entry,
    log_to_json,
    read_log,
)
from kpidesk.file_names import safe_file_name
from kpidesk.fileio import unlink_with_retry
from kpidesk.handout import (
    HandoutError,
    inside,
    prepare_folder,
    workbook_path,
    write_book,
    write_workbook,
)
from kpidesk.paths import BOOK_SUFFIX

#: How many 差戻し files of one department may stand side by side in a folder.
_MAX_NUMBERED = 99


def _year_and_entries(book: Book, department: str, year: int | None) -> tuple[int, list[LogEntry]]:
    years = book.report_years()
    if not years:
        raise HandoutError("ブックにシートがありません")
    year = max(years) if year is None else year
    entries, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
    if latest_entry(entries, year, department) is None:
        raise HandoutError(f"{year}年度に{department}へ配布した記録がありません")
    return year, entries


def _target(out_dir: Path, year: int, department: str, *, excel: bool) -> Path:
    """A free file name ``<year>_<department>_差戻し.kpidb`` (numbered when taken), its
    workbook's name free too when ``excel``."""
    for number in range(1, _MAX_NUMBERED + 1):
        stem = f"{year}_{department}_差戻し{number if number > 1 else ''}"
        target = inside(out_dir, safe_file_name(stem, BOOK_SUFFIX, fallback=str(year)))
        paths = [target, workbook_path(target)] if excel else [target]
        if not any(path.exists() or path.is_symlink() for path in paths):
            return target
    raise HandoutError(f"保存先に差戻しのファイルが多すぎます: {out_dir}")


def send_back(
    book: Book,
    department: str,
    out_dir: Path,
    year: int | None = None,
    comments: Mapping[str, str] | None = None,
) -> Path:
    """Send ``department``'s sheets back with comments; return the new file's path.

    Each sheet named in ``comments`` (by No) gets the comment as its
    企画課コメント, as a new revision whose history says 「差戻し: 課名」.
    The department gets a new file with all its sheets of the year and a
    fresh hand-out mark (and its Excel workbook beside it, when the hand-out
    it replaces had one), and its status becomes 差戻し; all recorded in
    the origin book in one transaction after the file is written.

    Raises:
        HandoutError: never handed out, no comment, a No the department has
            not, a comment too long, or the file cannot be written.
        StaleRevisionError, BookError: the origin book cannot be written.
    """
    year, entries = _year_and_entries(book, department, year)
    comments = {no: text for no, text in (comments or {}).items() if text.strip()}
    if not comments:
        raise HandoutError(
            "差し戻すシートの企画課コメントを1件以上書いてください（直してほしいことを伝えるため）"
        )
    sheets = book.list_sheets(report_year=year, department=department)
    nos = {sheet.no for sheet in sheets}
    unknown = [no for no in comments if no not in nos]
    if unknown:
        raise HandoutError(f"{year}年度の{department}のシートにない No です: {'、'.join(unknown)}")
    changed: list = []
    for index, sheet in enumerate(sheets):
        if sheet.no in comments:
            text = limits.clean_text(comments[sheet.no].strip())
            sheets[index] = dataclasses.replace(sheet, planning_comment=text)
            problems = limits.sheet_problems(sheets[index])
            if problems:
                raise HandoutError(limits.problems_text(problems))
            changed.append(sheets[index])
    out_dir = prepare_folder(Path(out_dir))
    previous = latest_entry(entries, year, department)
    excel = previous is not None and bool(previous.excel_handed)
    target = _target(out_dir, year, department, excel=excel)
    origin_id = book.identity(assign=True).book_id
    now, user = iso_now(), this_user()
    mark = HandoutMark(
        handout_id=uuid.uuid4().hex,
        origin_book_id=origin_id,
        report_year=year,
        department=department,
        handed_out_at=now,
        handed_out_by=user,
        revisions={s.no: s.revision + (s.no in comments) for s in sheets},
        hashes={sheet.no: content_hash(sheet) for sheet in sheets},
    )
    entry = LogEntry.for_mark(mark, target.name, SENT_BACK)
    entries.append(entry)
    write_book(target, sheets, mark)
    written = [target]
    try:
        if excel:  # the department works in Excel: its 差戻し comes as a workbook too
            entry.excel_handed = write_workbook(workbook_path(target), sheets, mark)
            written.append(workbook_path(target))
        cyclestore.write_collected(
            book,
            changed,
            expected_revisions={sheet.key: sheet.revision for sheet in changed},
            saved_by=f"差戻し: {department} {user}".strip(),
            log=log_to_json(entries),
        )
    except BaseException:
        for path in written:  # no file stays that the origin has no record of
            with contextlib.suppress(OSError):
                unlink_with_retry(path)
        raise
    return target


def confirm(book: Book, department: str, year: int | None = None) -> LogEntry:
    """Mark ``department``'s return of ``year`` 確定; a later collect is refused.

    Raises:
        HandoutError: never handed out, not returned since the last hand-out
            or 差戻し, or conflicts still open.
        BookError: the origin book cannot be written.
    """
    year, entries = _year_and_entries(book, department, year)
    entry = latest_entry(entries, year, department)
    assert entry is not None  # checked above
    if entry.state() in (NOT_RETURNED, SENT_BACK):
        raise HandoutError(f"{year}年度の{department}はまだ提出されていないため、確定できません")
    if entry.conflicts:
        raise HandoutError(
            f"{year}年度の{department}に競合が残っているため、確定できません"
            f"（No {'、'.join(entry.conflicts)}）"
        )
    entry.status = CONFIRMED
    cyclestore.write_text(book, cyclestore.META_HANDOUT_LOG, log_to_json(entries))
    return entry
