"""Collect (回収): take returned department books back into the origin book.

:func:`plan_collect` reads a returned file as untrusted input and says, per
sheet, what collecting would do (``kpidesk.cycle.compare``), or why the
whole file is refused; :func:`apply_collect` writes what the plans take, in
one transaction after a backup, and records the return in the origin's
配布記録. A conflict is never written unless the caller decides it
(``theirs``); a sheet the department deleted is only reported.
"""

from __future__ import annotations

import dataclasses
import stat
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from kpidesk import limits
from kpidesk.book import cyclestore
from kpidesk.book.backups import take_backup
from kpidesk.book.errors import BookError
from kpidesk.book.lock import this_user
from kpidesk.book.schema import iso_now
from kpidesk.book.store import Book
from kpidesk.collect_excel import (
    UnreadableWorkbook,
    is_workbook,
    read_returned_workbook,
    settled_read_hashes,
    workbook_versions,
)
from kpidesk.cycle import (
    CONFIRMED,
    RETURNED,
    SENT_BACK,
    WRITTEN,
    HandoutMark,
    LogEntry,
    Outcome,
    ReturnMark,
    compare,
    content_hash,
    latest_entry,
    log_to_json,
    read_log,
)
from kpidesk.model import Sheet

#: The largest returned file read (a department's book is far smaller).
MAX_RETURNED_BYTES = 200 * 1024 * 1024
#: How many new sheets one returned file may add.
MAX_ADDED_SHEETS = 200


class Decision(StrEnum):
    """How a conflict of a collect is decided (all at once, or one sheet at a time)."""

    #: Leave them open: the origin's sheet stays as it is.
    OPEN = "open"
    #: Take the department's version.
    THEIRS = "theirs"
    #: Keep the origin's version, and count the department's as seen.
    OURS = "ours"
    #: Write a version merged from both (given per sheet), and count the department's as seen.
    MERGED = "merged"


@dataclass(frozen=True)
class SheetPlan:
    """What collecting does with one sheet.

    Attributes:
        report_year: the sheet's report year.
        no: its No.
        outcome: the three-way judgement.
        returned: the department's version (None: not in the returned file).
        origin: the origin book's version now (None: not in the book).
        base: for a conflict, the version both started from, when the
            origin's history still has it (None: unknown).
    """

    report_year: int
    no: str
    outcome: Outcome
    returned: Sheet | None
    origin: Sheet | None
    base: Sheet | None = None


@dataclass
class CollectPlan:
    """What collecting one returned file would do.

    Attributes:
        path: the returned file.
        refusal: why nothing of it is collected ("" when it can be).
        department: the department it says it is from ("" when unknown).
        entry: the origin's record of this hand-out (None when refused).
        sheets: per sheet, what collecting does.
        already: the file was collected before and has not changed since.
        returned: per No, the content hash of the returned sheet.
        return_mark: who saved the file to return it, and when (None: not
            recorded, or unreadable).
        excel_read: per No, the hash of the sheet as read from a returned
            Excel workbook ({}: the file is a book; ``kpidesk.collect_excel``).
    """

    path: Path
    refusal: str = ""
    department: str = ""
    entry: LogEntry | None = None
    sheets: list[SheetPlan] = field(default_factory=list)
    already: bool = False
    returned: dict[str, str] = field(default_factory=dict)
    return_mark: ReturnMark | None = None
    excel_read: dict[str, str] = field(default_factory=dict)

    def of(self, *outcomes: Outcome) -> list[SheetPlan]:
        """The sheet plans with any of these outcomes."""
        return [plan for plan in self.sheets if plan.outcome in outcomes]


@dataclass(frozen=True)
class CollectResult:
    """What a collect wrote.

    Attributes:
        written: the sheets written, as saved.
        conflicts: the sheet plans left in conflict (not written).
        backup: the backup taken before writing (None: nothing written).
    """

    written: list[Sheet]
    conflicts: list[SheetPlan]
    backup: Path | None


def _refused(path: Path, reason: str, department: str = "") -> CollectPlan:
    return CollectPlan(
        path=path, refusal=f"{reason}（何も取り込んでいません）", department=department
    )


def _return_mark(text: str | None) -> ReturnMark | None:
    """The file's 「提出」 mark, read as untrusted input (None when missing or unusable)."""
    try:
        return ReturnMark.from_json(text)
    except ValueError:
        return None


def _version_with_hash(origin: Book, current: Sheet | None, digest: str) -> Sheet | None:
    """The saved version of ``current`` in ``origin``'s history whose content hash is ``digest``."""
    if current is None or current.id is None:
        return None
    for saved in origin.history(current.id):
        if content_hash(saved.sheet) == digest:
            return saved.sheet
    return None


def _trespass(
    origin: Book, entry: LogEntry, sheets: list[Sheet], currents: Mapping[str, Sheet | None]
) -> str:
    """Why the returned ``sheets`` reach beyond what the department may change ("" if not).

    A department returns the sheets handed to it, and may add new ones of its
    own; it may not take over another department's sheet (nor one of its own
    under its No typed another way, ``２９`` for ``29``), change who a sheet
    belongs to, write the 企画課コメント (only clear it) or the
    企画課・有識者意見, or add more than
    :data:`MAX_ADDED_SHEETS` sheets. Every sheet must also be within the bounds
    any saved sheet keeps (``kpidesk.limits``).
    """
    base = entry.base()
    widths = {unicodedata.normalize("NFKC", no): no for no in base}
    added = 0
    for sheet in sheets:
        no = limits.short_no(sheet.no)
        problems = limits.sheet_problems(sheet)
        if problems:
            return f"No {no}: {limits.problems_text(problems)}"
        current = currents.get(sheet.no)
        if sheet.no not in base:
            normal = unicodedata.normalize("NFKC", sheet.no)
            twin = widths.get(normal) or (
                normal
                if normal != sheet.no and origin.find_sheet(entry.report_year, normal)
                else None
            )
            if twin is not None:
                return (
                    f"No {no} は No {limits.short_no(twin)} と同じ番号です（全角と半角などの"
                    f"違い）。No を {limits.short_no(twin)} に戻してから提出してもらってください"
                )
            if current is not None and entry.department not in current.departments:
                return (
                    f"配布していないシート No {no} があります"
                    f"（元のブックでは{current.departments_text}の担当です）"
                )
            others = [name for name in sheet.departments if name != entry.department]
            if current is None and others:
                return (
                    f"追加したシート No {no} に、ほかの担当課（{'、'.join(others)}）が"
                    "入っています。担当課を加えるのは企画課です"
                )
            added += current is None
            continue
        comment_kept = sheet.planning_comment in ("", getattr(current, "planning_comment", ""))
        if current is None or (
            sheet.departments == current.departments
            and comment_kept
            and sheet.opinions == current.opinions
        ):
            continue
        handed = _version_with_hash(origin, current, base[sheet.no])
        if sheet.departments != current.departments and (
            handed is None or sheet.departments != handed.departments
        ):
            return (
                f"No {no} の担当課が変えられています（元のブックでは{current.departments_text}）。"
                "担当課を変えるのは企画課です"
            )
        if not comment_kept and (
            handed is None or sheet.planning_comment != handed.planning_comment
        ):
            return (
                f"No {no} の企画課コメントが書き換えられています。"
                "企画課コメントは企画課だけが書けます"
            )
        if sheet.opinions != current.opinions and (
            handed is None or sheet.opinions != handed.opinions
        ):
            return (
                f"No {no} の企画課・有識者意見が書き換えられています。この欄は企画課だけが書けます"
            )
    if added > MAX_ADDED_SHEETS:
        return f"追加したシートが多すぎます（{added:,}件、上限 {MAX_ADDED_SHEETS}件）"
    return ""


def plan_collect(origin: Book, returned_path: Path) -> CollectPlan:
    """What collecting ``returned_path`` into ``origin`` would do; nothing is written.

    The returned file is opened read-only after the checks any book passes
    on opening; a returned Excel workbook made by hand out (told by its
    content) is read as ``kpidesk.collect_excel`` says, with the same checks.
    It is refused (:attr:`CollectPlan.refusal`) when it is not a book,
    not a handed-out book, from another book, for a hand-out the origin has
    no record of (or, for a workbook, one made without workbooks), holding
    a sheet of another year, or a sheet that does not name the department
    it claims.
    """
    path = Path(returned_path)
    returned_text: str | None = None
    try:
        status = path.stat()
    except OSError as error:
        return _refused(path, f"ファイルを読めません: {error.strerror or error}")
    if not stat.S_ISREG(status.st_mode):  # a folder, a device or a pipe that would never end
        return _refused(path, "ファイルではありません（フォルダや特殊なファイルです）")
    size = status.st_size
    if size > MAX_RETURNED_BYTES:
        return _refused(
            path,
            f"ファイルが大きすぎます（{size / 2**20:,.0f} MB、"
            f"上限 {MAX_RETURNED_BYTES // 2**20} MB）",
        )
    workbook = is_workbook(path)
    try:
        if workbook:
            mark_text, sheets = read_returned_workbook(path)
        else:
            with Book.open(path, create=False, read_only=True) as handed:
                mark_text = cyclestore.read_text(handed, cyclestore.META_HANDOUT)
                returned_text = cyclestore.read_text(handed, cyclestore.META_RETURNED)
                sheets = handed.list_sheets()
    except UnreadableWorkbook as error:
        return _refused(path, f"Excelのブックとして読めません: {error}")
    except (BookError, OSError) as error:
        return _refused(path, f"KPI Desk のブックとして読めません: {error}")
    try:
        mark = HandoutMark.from_json(mark_text)
    except ValueError:
        return _refused(path, "配布したファイルではありません（配布の記録がないか、読めません）")
    department = mark.department
    origin_id = origin.identity().book_id
    if not origin_id or mark.origin_book_id != origin_id:
        return _refused(path, "別のブックから配布されたファイルです", department)
    entries, _ = read_log(cyclestore.read_text(origin, cyclestore.META_HANDOUT_LOG))
    entry = next((e for e in entries if e.handout_id == mark.handout_id), None)
    if entry is None:
        return _refused(path, "このブックの配布記録にない配布のファイルです", department)
    latest = latest_entry(entries, entry.report_year, entry.department)
    if latest is not None and latest.state() == CONFIRMED:
        return _refused(
            path, f"{entry.report_year}年度の{entry.department}の提出は確定済みです", department
        )
    if latest is not None and latest.handout_id != entry.handout_id:
        what = "差戻し" if latest.status == SENT_BACK else "配布"
        return _refused(
            path,
            f"古いファイルです（{entry.handed_out_at[:10]}の配布のもの）。"
            f"{latest.handed_out_at[:16].replace('T', ' ')}に{what}した新しいファイル"
            f"「{latest.file_name}」で提出してもらってください（このファイルで直したところは、"
            "新しいファイルに写す必要があります）",
            department,
        )
    if (entry.department, entry.report_year) != (mark.department, mark.report_year):
        return _refused(
            path,
            f"配布記録（{entry.report_year}年度・{entry.department}）と"
            f"ファイルの記録（{mark.report_year}年度・{mark.department}）が違います",
            department,
        )
    other_years = sorted({s.report_year for s in sheets if s.report_year != entry.report_year})
    if other_years:
        years = "、".join(f"{year}年度" for year in other_years)
        return _refused(
            path,
            f"{entry.report_year}年度の配布に、別の年度（{years}）のシートがあります",
            department,
        )
    foreign = [s.no for s in sheets if entry.department not in s.departments]
    if foreign:
        return _refused(
            path,
            f"{entry.department}に配布したファイルに、担当課が{entry.department}でない"
            f"シートがあります（No {'、'.join(foreign)}）",
            department,
        )
    if workbook and not entry.excel_handed:
        return _refused(
            path,
            "この配布ではExcelのブックを作っていないため、Excelのブックからは回収できません"
            "（配布したブック（.kpidb）を戻してもらってください）",
            department,
        )
    returned = {sheet.no: sheet for sheet in sheets}
    hashes = {no: content_hash(sheet) for no, sheet in returned.items()}
    excel_read: dict[str, str] = {}
    if workbook:
        returned, hashes, excel_read = workbook_versions(origin, entry, sheets)
    base = entry.base()
    currents = {no: origin.find_sheet(entry.report_year, no) for no in set(base) | set(returned)}
    trespass = _trespass(origin, entry, list(returned.values()), currents)
    if trespass:
        return _refused(path, trespass, department)
    plans: list[SheetPlan] = []
    for no in sorted(currents):
        current = currents[no]
        outcome = compare(
            base.get(no), hashes.get(no), None if current is None else content_hash(current)
        )
        if no in hashes and (
            entry.is_older(no, hashes[no])
            or (no in excel_read and entry.is_older(no, excel_read[no], as_read=True))
        ):
            outcome = Outcome.OLDER
        handed = None
        if outcome is Outcome.CONFLICT and no in base:
            handed = _version_with_hash(origin, current, base[no])
        plans.append(SheetPlan(entry.report_year, no, outcome, returned.get(no), current, handed))
    already = bool(entry.returned_at) and hashes == entry.collected
    return CollectPlan(
        path=path,
        department=department,
        entry=entry,
        sheets=plans,
        already=already and not any(p.outcome in WRITTEN for p in plans),
        returned=hashes,
        return_mark=_return_mark(returned_text),
        excel_read=excel_read,
    )


def apply_collect(
    origin: Book,
    plan: CollectPlan,
    decision: Decision = Decision.OPEN,
    decisions: Mapping[tuple[int, str], Decision] | None = None,
    merged: Mapping[tuple[int, str], Sheet] | None = None,
) -> CollectResult:
    """Write what ``plan`` takes into ``origin``: all of it, or nothing.

    Taken and added sheets (and, with ``THEIRS``, the conflicting ones the
    department returned) are written in one transaction, after a backup,
    each as a new revision whose history says 「回収: 課名 (ファイル名)」;
    the return is recorded in the origin's 配布記録 in the same transaction.

    Args:
        decision: how the conflicts are decided.
        decisions: per (report year, No), how that sheet's conflict is
            decided instead of ``decision`` (the window asks sheet by sheet).
        merged: per (report year, No), the version written for a conflict
            decided ``MERGED`` (``kpidesk.merge``); a conflict decided so
            without one is left open.

    Raises:
        ValueError: the plan was refused.
        StaleRevisionError: a sheet changed in the origin since the plan was made.
        BookError: the backup or the write failed (nothing was written).
    """
    if plan.refusal or plan.entry is None:
        raise ValueError(plan.refusal or "refused")
    conflicts = plan.of(Outcome.CONFLICT)
    chosen = plan.of(*WRITTEN)
    per_sheet = decisions or {}

    versions = merged or {}

    def decided(conflict: SheetPlan) -> Decision:
        key = (conflict.report_year, conflict.no)
        picked = per_sheet.get(key, decision)
        return Decision.OPEN if picked is Decision.MERGED and key not in versions else picked

    chosen += [p for p in conflicts if decided(p) is Decision.THEIRS and p.returned is not None]
    chosen += [
        dataclasses.replace(
            p,
            returned=dataclasses.replace(
                versions[(p.report_year, p.no)], report_year=p.report_year, no=p.no
            ),
        )
        for p in conflicts
        if decided(p) is Decision.MERGED
    ]
    open_conflicts = [p for p in conflicts if decided(p) is Decision.OPEN]
    entries, _ = read_log(cyclestore.read_text(origin, cyclestore.META_HANDOUT_LOG))
    entry = next((e for e in entries if e.handout_id == plan.entry.handout_id), None)
    if entry is None:
        raise BookError("配布記録が変わったため、回収できません。もう一度やり直してください")
    base = entry.base()
    settled = dict(plan.returned)
    for kept in [*open_conflicts, *plan.of(Outcome.OLDER)]:  # the same base next time
        settled.pop(kept.no, None)
        if kept.no in base:
            settled[kept.no] = base[kept.no]
    entry.settle(settled)
    if plan.excel_read:
        open_nos = [kept.no for kept in [*open_conflicts, *plan.of(Outcome.OLDER)]]
        entry.settle(settled_read_hashes(entry, plan.excel_read, open_nos), as_read=True)
    entry.returned_at = iso_now()
    entry.returned_file = plan.path.name[:200]
    entry.returned_by = plan.return_mark.returned_by if plan.return_mark is not None else ""
    entry.changed = len(chosen)
    entry.conflicts = [conflict.no for conflict in open_conflicts]
    entry.status = RETURNED
    sheets = [
        dataclasses.replace(p.returned, id=None, revision=0, updated_at="")
        for p in chosen
        if p.returned is not None
    ]
    expected = {(p.report_year, p.no): 0 if p.origin is None else p.origin.revision for p in chosen}
    backup = take_backup(origin, "collect") if sheets and origin.path is not None else None
    saved_by = f"回収: {plan.department} ({plan.path.name}) {this_user()}".strip()
    written = cyclestore.write_collected(
        origin, sheets, expected_revisions=expected, saved_by=saved_by, log=log_to_json(entries)
    )
    return CollectResult(written=written, conflicts=open_conflicts, backup=backup)
