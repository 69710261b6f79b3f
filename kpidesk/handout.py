"""Hand out (配布): one book per department, holding that department's sheets.

Each handed-out book is a normal KPI Desk book that the department opens
and edits like any other. Its ``meta`` table remembers where it came from
(:class:`kpidesk.cycle.HandoutMark`), and the origin book records what was
handed out to whom (配布記録, :class:`kpidesk.cycle.LogEntry`), so that the
returned file can be collected with a three-way comparison
(``kpidesk.collect``). On request each department also gets an Excel
workbook of the same sheets carrying the same mark (:func:`write_workbook`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from pathlib import Path

from kpidesk import limits
from kpidesk.book import cyclestore
from kpidesk.book.errors import BookError
from kpidesk.book.lock import this_user
from kpidesk.book.schema import iso_now
from kpidesk.book.store import Book
from kpidesk.cycle import (
    HandoutMark,
    LogEntry,
    ReturnMark,
    content_hash,
    entry_state,
    latest_entry,
    log_to_json,
    read_log,
)
from kpidesk.file_names import safe_file_name, stable_tag
from kpidesk.fileio import unlink_with_retry
from kpidesk.model import Sheet
from kpidesk.paths import BOOK_SUFFIX

#: The suffix of a department's Excel workbook.
WORKBOOK_SUFFIX = ".xlsx"

#: The file name of the sheets without a department.
_NO_DEPARTMENT = "担当課なし"


#: How many file names a refusal lists before it says how many more there are.
_NAMES_SHOWN = 10


class HandoutError(Exception):
    """Handing out cannot be done; the message says why, in Japanese."""


class AlreadyHandedOut(HandoutError):
    """Departments already handed out in the year; :func:`distribute` needs ``again``.

    Attributes:
        handed: (department, its status) of each, as :func:`handed_out_already` gives.
    """

    def __init__(self, handed: list[tuple[str, str]]) -> None:
        self.handed = handed
        super().__init__(
            f"{handed_out_text(handed)}: すでに配布しています。"
            "もう一度配布すると、前に配布したファイルは回収できなくなります"
        )


def handed_out_text(handed: list[tuple[str, str]]) -> str:
    """「観光振興課（確定）、港湾課（提出済）」."""
    return "、".join(f"{department or _NO_DEPARTMENT}（{state}）" for department, state in handed)


def handed_out_already(book: Book, year: int, departments: list[str]) -> list[tuple[str, str]]:
    """(department, status) of those of ``departments`` already handed out in ``year``.

    The status is the 提出状況's (未提出, 提出済, 差戻し, 確定, with （競合あり）).

    Raises:
        BookError: the origin book cannot be read.
    """
    entries, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
    found = []
    for department in dict.fromkeys(departments):
        entry = latest_entry(entries, year, department)
        if entry is not None:
            found.append((department, entry_state(entry)))
    return found


def handout_file_names(year: int, departments: list[str]) -> dict[str, str]:
    """A Windows-safe file name per department (``2020_観光振興課.kpidb``), all different.

    Two departments whose names would give the same file name (ignoring
    case) get a short hash of their name as well.
    """
    names = {
        department: safe_file_name(
            f"{year}_{department or _NO_DEPARTMENT}", BOOK_SUFFIX, fallback=str(year)
        )
        for department in departments
    }
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    for department, name in names.items():
        if counts[name.casefold()] > 1:
            names[department] = safe_file_name(
                f"{year}_{department or _NO_DEPARTMENT}",
                BOOK_SUFFIX,
                tag=stable_tag(department),
                fallback=str(year),
            )
    return names


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused when it would be anywhere but directly in ``folder``."""
    target = folder / name
    if target.parent != folder or Path(name).name != name or name in ("", ".", ".."):
        raise HandoutError(f"保存先のフォルダの外に出るファイル名は使えません: {name}")
    return target


def prepare_folder(out_dir: Path) -> Path:
    """``out_dir``, made when it is not there yet (a new folder for the year's files).

    Raises:
        HandoutError: it is a file, or it cannot be made.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise HandoutError(f"保存先がフォルダではなくファイルです: {out_dir}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HandoutError(
            f"保存先のフォルダを作れません: {out_dir}（{error.strerror or error}）"
        ) from error
    return out_dir


def distribute(
    book: Book,
    out_dir: Path,
    year: int | None = None,
    departments: list[str] | None = None,
    *,
    excel: bool = False,
    again: bool = False,
) -> list[Path]:
    """Write one handed-out book per department into ``out_dir``; return their paths.

    A sheet with several departments goes to each of them. The origin book
    is given its id when it has none, and records each hand-out in its
    配布記録. No file in ``out_dir`` is replaced: when one of the names is
    taken, nothing is written.

    Args:
        book: the origin book (open for writing).
        out_dir: an existing folder.
        year: the report year (default: the latest the book holds).
        departments: only these departments (default: all of the year's).
        excel: also write each department's Excel workbook beside its book
            (:func:`write_workbook`), for departments that work in Excel
            only; the paths returned are then book, workbook, book, ….
        again: hand out departments already handed out in ``year`` too; the
            file handed out before can then no longer be collected.

    Raises:
        AlreadyHandedOut: a department already handed out, without ``again``.
        HandoutError: nothing to hand out, a department that has no sheets,
            a file already there, or a file that cannot be written.
        BookError: the origin book cannot be read or written.
    """
    years = book.report_years()
    if not years:
        raise HandoutError("ブックにシートがありません")
    year = max(years) if year is None else year
    known = book.departments(year)
    wanted = list(dict.fromkeys(departments)) if departments else known
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise HandoutError(
            f"{year}年度のシートがない担当課です: {'、'.join(unknown)}"
            f"（この年度の担当課: {'、'.join(known) or 'なし'}）"
        )
    if not wanted:
        raise HandoutError(f"{year}年度のシートがありません")
    if not again:
        handed = handed_out_already(book, year, wanted)
        if handed:
            raise AlreadyHandedOut(handed)
    out_dir = prepare_folder(Path(out_dir))
    names = handout_file_names(year, wanted)
    targets = {department: inside(out_dir, names[department]) for department in wanted}
    workbooks = {department: workbook_path(path) for department, path in targets.items()}
    planned = [*targets.values(), *(workbooks.values() if excel else ())]
    taken = [path.name for path in planned if path.exists() or path.is_symlink()]
    if taken:
        more = len(taken) - _NAMES_SHOWN
        listed = "、".join(taken[:_NAMES_SHOWN]) + (f" ほか{more}件" if more > 0 else "")
        raise HandoutError(
            "保存先に同じ名前のファイルがあるため、配布しませんでした（上書きしません）。\n"
            f"フォルダ: {out_dir}\nファイル: {listed}"
        )
    origin_id = book.identity(assign=True).book_id
    if not origin_id:
        raise HandoutError("元のブックに識別子を付けられないため、配布できません")
    entries, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
    now, user = iso_now(), this_user()
    written: list[Path] = []
    try:
        for department in wanted:
            sheets = book.list_sheets(report_year=year, department=department)
            mark = HandoutMark(
                handout_id=uuid.uuid4().hex,
                origin_book_id=origin_id,
                report_year=year,
                department=department,
                handed_out_at=now,
                handed_out_by=user,
                revisions={sheet.no: sheet.revision for sheet in sheets},
                hashes={sheet.no: content_hash(sheet) for sheet in sheets},
            )
            target = targets[department]
            write_book(target, sheets, mark)
            written.append(target)
            entry = LogEntry.for_mark(mark, target.name)
            if excel:
                entry.excel_handed = write_workbook(workbooks[department], sheets, mark)
                written.append(workbooks[department])
            entries.append(entry)
        cyclestore.write_text(book, cyclestore.META_HANDOUT_LOG, log_to_json(entries))
    except BaseException:
        for path in written:  # no file stays that the origin has no record of
            with contextlib.suppress(OSError):
                unlink_with_retry(path)
        raise
    return written


def without_department(book: Book, year: int) -> list[str]:
    """The Nos of ``year``'s sheets that name no department: hand out leaves them out."""
    return [sheet.no for sheet in book.list_sheets(report_year=year) if not sheet.departments]


def left_out_text(nos: list[str]) -> str:
    """What hand out says of the sheets it left out ("" when none)."""
    if not nos:
        return ""
    shown = "、".join(f"No {limits.short_no(no)}" for no in nos[:10])
    more = f" ほか{len(nos) - 10}件" if len(nos) > 10 else ""
    return (
        f"担当課のないシート{len(nos)}件は配布していません（{shown}{more}）。"
        "配布するには、シートに担当課を入れてください"
    )


def write_book(target: Path, sheets: list[Sheet], mark: HandoutMark) -> None:
    """Make the department's book at ``target`` with ``sheets`` and its mark."""
    fresh = [dataclasses.replace(sheet, id=None, revision=0, updated_at="") for sheet in sheets]
    try:
        with Book.open(target) as handed:
            handed.import_sheets(fresh)
            cyclestore.write_text(handed, cyclestore.META_HANDOUT, mark.to_json())
    except BookError:
        with contextlib.suppress(OSError):
            unlink_with_retry(target)
        raise
    except OSError as error:
        raise HandoutError(f"配布するファイルを書けません: {target}（{error}）") from error


def workbook_path(book_path: Path) -> Path:
    """Where the department's Excel workbook goes: beside its book, with the same stem."""
    return book_path.with_name(book_path.stem + WORKBOOK_SUFFIX)


def write_workbook(target: Path, sheets: list[Sheet], mark: HandoutMark) -> dict[str, str]:
    """Make the department's Excel workbook at ``target`` with ``sheets`` and ``mark``.

    The workbook is read back as collect will read it, and the content hash
    of each sheet as read is returned (per No): the 配布記録 keeps them, so
    that collecting tells a sheet the department changed from one that only
    reads differently after Excel's round trip. ``target`` is never
    replaced, and does not stay when anything fails.

    Raises:
        HandoutError: the workbook cannot be written or read back.
    """
    from kpidesk.exchange import handout_workbook  # openpyxl only when asked for
    from kpidesk.exchange.xlsx_safety import ExcelError

    try:
        stream = target.open("xb")
    except OSError as error:
        raise HandoutError(f"配布するファイルを書けません: {target}（{error}）") from error
    try:
        with stream:
            handout_workbook.write_handout_workbook(sheets, stream, mark.to_json())
        mark_text, read = handout_workbook.read_handout_workbook(target)
        if mark_text != mark.to_json():
            raise ExcelError("配布の記録を読み戻せません")
    except BaseException as error:
        with contextlib.suppress(OSError):
            unlink_with_retry(target)
        if isinstance(error, (ExcelError, OSError)):
            raise HandoutError(
                f"配布するExcelのブックを作れません: {target.name}（{error}）"
            ) from error
        raise
    return {sheet.no: content_hash(sheet) for sheet in read}


def save_for_return(book: Book, target: Path) -> ReturnMark:
    """Save a copy of the handed-out ``book`` at ``target``, marked with who and when.

    The copy is the whole book; the mark (:class:`kpidesk.cycle.ReturnMark`)
    is only shown when collecting, it changes no sheet. A copy that cannot
    be marked is removed again.

    Raises:
        BookError: the copy cannot be written.
    """
    target = Path(target)
    book.backup_to(target)
    mark = ReturnMark(returned_by=this_user(), returned_at=iso_now())
    try:
        with Book.open(target, create=False) as copy:
            cyclestore.write_text(copy, cyclestore.META_RETURNED, mark.to_json())
    except BaseException:
        with contextlib.suppress(OSError):
            unlink_with_retry(target)
        raise
    return mark
