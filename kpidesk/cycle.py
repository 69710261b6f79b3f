"""The three-way comparison behind hand out (配布) and collect (回収).

A sheet handed out to a department comes back in its returned file; the
origin book may have changed it meanwhile. Each sheet is judged from three
versions by their content hashes (:func:`content_hash`): as handed out, as
returned, and as in the origin book now (:func:`compare`).

A sheet the department deleted from its file is reported, never deleted in
the origin book: the planning division decides that itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kpidesk import limits
from kpidesk.exchange.jsonio import sheet_to_dict
from kpidesk.model import Sheet


class Outcome(StrEnum):
    """What collecting does with one sheet, and how it is reported (Japanese)."""

    #: Changed only by the department: the returned version is taken.
    TAKEN = "取り込み"
    #: Changed only in the origin book: the department's unchanged copy is ignored.
    KEPT = "元のブックの変更を維持"
    #: Changed on neither side (or the same way on both).
    UNCHANGED = "変更なし"
    #: Changed on both sides (or changed by one and deleted by the other).
    CONFLICT = "競合"
    #: New in the department's file, under a No the origin book does not have.
    ADDED = "追加"
    #: Deleted from the department's file: reported, the origin keeps it.
    DELETED_THERE = "課のファイルで削除（元のブックには残します）"
    #: Deleted in the origin book since; the department did not change it.
    DELETED_HERE = "元のブックで削除済み（取り込みません）"
    #: A version collected (or handed out) before the one collected last: an old copy.
    OLDER = "以前に回収した古い版（取り込みません）"


#: The outcomes whose returned version is written to the origin book.
WRITTEN = frozenset({Outcome.TAKEN, Outcome.ADDED})


def content_hash(sheet: Sheet) -> str:
    """A stable hash of what a sheet says, without the book's bookkeeping.

    The sheet's interchange form (no id, revision or update time), with
    sorted keys, hashed with SHA-256: two sheets that read the same have
    the same hash in every book.
    """
    text = json.dumps(sheet_to_dict(sheet), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compare(handed: str | None, returned: str | None, origin: str | None) -> Outcome:
    """The outcome for one sheet from its three content hashes.

    Args:
        handed: the hash as handed out (None: the sheet was not handed out).
        returned: the hash in the returned file (None: not in it).
        origin: the hash in the origin book now (None: not in it).
    """
    if handed is None:
        if returned is None:
            return Outcome.UNCHANGED
        if origin is None:
            return Outcome.ADDED
        return Outcome.UNCHANGED if returned == origin else Outcome.CONFLICT
    if returned is None:
        return Outcome.DELETED_THERE
    department_changed = returned != handed
    if origin is None:
        return Outcome.CONFLICT if department_changed else Outcome.DELETED_HERE
    origin_changed = origin != handed
    if department_changed and origin_changed:
        return Outcome.UNCHANGED if returned == origin else Outcome.CONFLICT
    if department_changed:
        return Outcome.TAKEN
    if origin_changed:
        return Outcome.KEPT
    return Outcome.UNCHANGED


#: A department's status (提出状況) in the 配布記録, in the order of the cycle.
NOT_RETURNED = "未提出"
RETURNED = "提出済"
SENT_BACK = "差戻し"
CONFIRMED = "確定"
STATUSES = (NOT_RETURNED, RETURNED, SENT_BACK, CONFIRMED)

#: The longest 配布記録 or origin mark read from a book; a longer one is not used.
MAX_RECORD_CHARS = 5_000_000
#: How many hand-outs the origin book remembers (the oldest go first).
MAX_LOG_ENTRIES = 2_000
#: How many sheets one handed-out file may list.
MAX_MARKED_SHEETS = 20_000
#: How many earlier versions of one sheet a hand-out remembers, to tell an old copy.
MAX_EARLIER_VERSIONS = 10
#: The longest 配布記録 written; the oldest hand-outs go first to keep below it.
MAX_LOG_CHARS = MAX_RECORD_CHARS * 4 // 5
_MAX_TEXT = 500
_HASH_CHARS = 64


def _text(data: dict[str, Any], key: str, *, allow_empty: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > _MAX_TEXT or (not value and not allow_empty):
        raise ValueError(key)
    return value


def _year(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if type(value) is not int or limits.year_problem(value, "") is not None:
        raise ValueError(key)
    return value


def _hashes(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > MAX_MARKED_SHEETS:
        raise ValueError("hashes")
    result: dict[str, str] = {}
    for no, digest in value.items():
        if (
            not isinstance(no, str)
            or not no
            or len(no) > limits.MAX_NO_CHARS
            or not isinstance(digest, str)
            or len(digest) != _HASH_CHARS
            or digest.strip("0123456789abcdef")
        ):
            raise ValueError("hashes")
        result[no] = digest
    return result


def _earlier(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or len(value) > MAX_MARKED_SHEETS:
        raise ValueError("earlier")
    result: dict[str, list[str]] = {}
    for no, digests in value.items():
        if not isinstance(digests, list) or len(digests) > MAX_EARLIER_VERSIONS:
            raise ValueError("earlier")
        result[no] = [_hashes({no: digest})[no] for digest in digests]
    return result


def _older(
    handed: dict[str, str],
    collected: dict[str, str],
    earlier: dict[str, list[str]],
    no: str,
    digest: str,
) -> bool:
    last = {**handed, **collected}.get(no)
    before = [*earlier.get(no, []), *([handed[no]] if no in handed else [])]
    return digest != last and digest in before


def _remember(
    earlier: dict[str, list[str]], before: dict[str, str], settled: dict[str, str]
) -> None:
    """Keep in ``earlier`` each version of ``before`` that ``settled`` replaces."""
    for no, digest in settled.items():
        old = before.get(no)
        if old is not None and old != digest:
            kept = [h for h in earlier.get(no, []) if h not in (old, digest)]
            earlier[no] = [*kept, old][-MAX_EARLIER_VERSIONS:]


def _load(text: str | None) -> Any:
    if text is None or len(text) > MAX_RECORD_CHARS:
        raise ValueError("size")
    try:
        return json.loads(text)
    except (RecursionError, ValueError):
        raise ValueError("json") from None


@dataclass(frozen=True)
class HandoutMark:
    """What a handed-out book says about where it came from.

    Attributes:
        handout_id: a random id of this hand-out, also in the origin's 配布記録.
        origin_book_id: the origin book's id (``kpidesk.book.identity``).
        report_year: the report year handed out.
        department: the department it was handed out to.
        handed_out_at: when (ISO 8601 local time).
        handed_out_by: by whom (login name).
        revisions: per No, the sheet's revision in the origin book then.
        hashes: per No, its :func:`content_hash` then.
    """

    handout_id: str
    origin_book_id: str
    report_year: int
    department: str
    handed_out_at: str
    handed_out_by: str
    revisions: dict[str, int] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The mark as stored in the handed-out book."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> HandoutMark:
        """Read a stored mark as untrusted input.

        Raises:
            ValueError: it is missing or not a mark KPI Desk writes.
        """
        data = _load(text)
        if not isinstance(data, dict):
            raise ValueError("mark")
        revisions = data.get("revisions", {})
        if not isinstance(revisions, dict) or not all(
            isinstance(no, str) and type(revision) is int and 0 < revision < 2**62
            for no, revision in revisions.items()
        ):
            raise ValueError("revisions")
        return cls(
            handout_id=_text(data, "handout_id"),
            origin_book_id=_text(data, "origin_book_id"),
            report_year=_year(data, "report_year"),
            department=_text(data, "department", allow_empty=True),
            handed_out_at=_text(data, "handed_out_at"),
            handed_out_by=_text(data, "handed_out_by", allow_empty=True),
            revisions=dict(revisions),
            hashes=_hashes(data.get("hashes", {})),
        )


@dataclass(frozen=True)
class ReturnMark:
    """Who saved a handed-out book to return it (「提出用に保存」), and when.

    Attributes:
        returned_by: the login name ("" when unknown).
        returned_at: when (ISO 8601 local time).
    """

    returned_by: str
    returned_at: str

    def to_json(self) -> str:
        """The mark as stored in the copy saved for returning."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> ReturnMark:
        """Read a stored mark as untrusted input.

        Raises:
            ValueError: it is missing or not a mark KPI Desk writes.
        """
        data = _load(text)
        if not isinstance(data, dict):
            raise ValueError("mark")
        by = _text(data, "returned_by", allow_empty=True)
        at = _text(data, "returned_at")
        if not by.isprintable() or not at.isprintable():
            raise ValueError("text")
        return cls(returned_by=by, returned_at=at)

    def label(self) -> str:
        """「提出: tanaka 2026-05-01 10:00」 as the collect preview shows it."""
        at = self.returned_at
        if len(at) >= 16 and at[10] == "T":
            at = f"{at[:10]} {at[11:16]}"
        return f"提出: {self.returned_by or '（不明）'} {at}"


@dataclass
class LogEntry:
    """One hand-out in the origin book's 配布記録, and its returns.

    Attributes:
        handout_id: as in the handed-out file's :class:`HandoutMark`.
        department: to whom.
        report_year: which report year.
        file_name: the file handed out.
        handed_out_at: when.
        handed_out_by: by whom.
        handed: per No, the content hash handed out.
        collected: per No, the hash collect last settled on ({} before the first return).
        returned_at: when it was last collected ("" before).
        returned_file: the file last collected ("").
        returned_by: who saved it to return it, as its 提出 mark says ("" when
            not recorded).
        changed: how many sheets the last collect wrote.
        conflicts: the Nos left in conflict by the last collect.
        earlier: per No, the versions settled on before the last (newest
            last), so that an old copy returned after a newer one is told.
        status: one of :data:`STATUSES` as set by collect, 差戻し and 確定;
            "" (an older record) leaves it to :meth:`state`.
        excel_handed: per No, the content hash of the sheet as read back from
            the Excel workbook handed out with the book ({}: no workbook).
        excel_collected: per No, the hash as read from the workbook that
            collect last settled on ({} before a workbook came back).
        excel_earlier: as ``earlier``, for the hashes as read from workbooks.
    """

    handout_id: str
    department: str
    report_year: int
    file_name: str
    handed_out_at: str
    handed_out_by: str
    handed: dict[str, str] = field(default_factory=dict)
    collected: dict[str, str] = field(default_factory=dict)
    returned_at: str = ""
    returned_file: str = ""
    returned_by: str = ""
    changed: int = 0
    conflicts: list[str] = field(default_factory=list)
    earlier: dict[str, list[str]] = field(default_factory=dict)
    status: str = ""
    excel_handed: dict[str, str] = field(default_factory=dict)
    excel_collected: dict[str, str] = field(default_factory=dict)
    excel_earlier: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def for_mark(cls, mark: HandoutMark, file_name: str, status: str = "") -> LogEntry:
        """The 配布記録 entry of a file just handed out (or sent back) with ``mark``."""
        return cls(
            handout_id=mark.handout_id,
            department=mark.department,
            report_year=mark.report_year,
            file_name=file_name,
            handed_out_at=mark.handed_out_at,
            handed_out_by=mark.handed_out_by,
            handed=dict(mark.hashes),
            status=status,
        )

    def state(self) -> str:
        """The status shown: the one recorded, else 未提出 or 提出済 by whether it came back."""
        if self.status in STATUSES:
            return self.status
        return RETURNED if self.returned_at else NOT_RETURNED

    def base(self) -> dict[str, str]:
        """Per No, the version a returned sheet is compared against."""
        return {**self.handed, **self.collected}

    def is_older(self, no: str, digest: str, *, as_read: bool = False) -> bool:
        """Whether ``digest`` is a version of sheet ``no`` settled on before the last one
        (``as_read``: a hash as read from a workbook, against the workbook's versions)."""
        if as_read:
            return _older(self.excel_handed, self.excel_collected, self.excel_earlier, no, digest)
        return _older(self.handed, self.collected, self.earlier, no, digest)

    def settle(self, settled: dict[str, str], *, as_read: bool = False) -> None:
        """Record ``settled`` as what the last collect settled on, remembering the versions
        it replaces (``as_read``: the hashes as read from a workbook)."""
        if as_read:
            _remember(self.excel_earlier, {**self.excel_handed, **self.excel_collected}, settled)
            self.excel_collected = settled
        else:
            _remember(self.earlier, self.base(), settled)
            self.collected = settled

    @classmethod
    def from_dict(cls, data: Any) -> LogEntry:
        """Read one stored entry as untrusted input (ValueError when unusable)."""
        if not isinstance(data, dict):
            raise ValueError("entry")
        conflicts = data.get("conflicts", [])
        if not isinstance(conflicts, list) or not all(
            isinstance(no, str) and len(no) <= limits.MAX_NO_CHARS for no in conflicts
        ):
            raise ValueError("conflicts")
        changed = data.get("changed", 0)
        if type(changed) is not int or not 0 <= changed <= 2**31:
            raise ValueError("changed")
        return cls(
            handout_id=_text(data, "handout_id"),
            department=_text(data, "department", allow_empty=True),
            report_year=_year(data, "report_year"),
            file_name=_text(data, "file_name"),
            handed_out_at=_text(data, "handed_out_at"),
            handed_out_by=_text(data, "handed_out_by", allow_empty=True),
            handed=_hashes(data.get("handed", {})),
            collected=_hashes(data.get("collected", {})),
            returned_at=_text(data, "returned_at", allow_empty=True),
            returned_file=_text(data, "returned_file", allow_empty=True),
            returned_by=_text(data, "returned_by", allow_empty=True),
            changed=changed,
            conflicts=list(conflicts),
            earlier=_earlier(data.get("earlier", {})),
            status=_status(data.get("status", "")),
            excel_handed=_hashes(data.get("excel_handed", {})),
            excel_collected=_hashes(data.get("excel_collected", {})),
            excel_earlier=_earlier(data.get("excel_earlier", {})),
        )


def _status(value: Any) -> str:
    """A stored status; one KPI Desk does not write is left to :meth:`LogEntry.state`."""
    if not isinstance(value, str):
        raise ValueError("status")
    return value if value in STATUSES else ""


def read_log(text: str | None) -> tuple[list[LogEntry], str]:
    """The 配布記録 stored as ``text``, and "" or why some of it was not used (Japanese)."""
    if text is None:
        return [], ""
    try:
        data = _load(text)
    except ValueError:
        return [], "ブックの配布記録が読めないため、使っていません"
    if not isinstance(data, list):
        return [], "ブックの配布記録の形が正しくないため、使っていません"
    entries: list[LogEntry] = []
    skipped = 0
    for item in data[-MAX_LOG_ENTRIES:]:
        try:
            entries.append(LogEntry.from_dict(item))
        except ValueError:
            skipped += 1
    note = f"ブックの配布記録のうち{skipped}件が読めないため、使っていません" if skipped else ""
    return entries, note


def latest_entry(entries: list[LogEntry], year: int, department: str) -> LogEntry | None:
    """The newest hand-out of ``year`` to ``department`` (None: never handed out)."""
    found = [e for e in entries if (e.report_year, e.department) == (year, department)]
    return found[-1] if found else None


def log_to_json(entries: list[LogEntry]) -> str:
    """The 配布記録 as stored, keeping only the newest :data:`MAX_LOG_ENTRIES`, and
    dropping the oldest further while it is longer than :data:`MAX_LOG_CHARS` (so that
    it can always be read again)."""
    texts = [
        json.dumps(dataclasses.asdict(entry), ensure_ascii=False)
        for entry in entries[-MAX_LOG_ENTRIES:]
    ]
    total = sum(len(text) + 1 for text in texts)
    while len(texts) > 1 and total > MAX_LOG_CHARS:
        total -= len(texts.pop(0)) + 1
    return "[" + ",".join(texts) + "]"


@dataclass(frozen=True)
class StatusRow:
    """One hand-out as the 提出状況 shows it (the window and ``kpidesk status``).

    Attributes:
        report_year: the report year handed out.
        department: to whom.
        handed_out_at: when.
        returned_at: when last collected ("-" before).
        returned_by: who saved the collected file to return it ("-" when unknown).
        changed: how many sheets the last collect wrote ("-" before).
        conflicts: the Nos left in conflict, joined ("-" when none).
        state: 未提出, 提出済, 差戻し or 確定, with （競合あり） while conflicts are open.
    """

    report_year: int
    department: str
    handed_out_at: str
    returned_at: str
    returned_by: str
    changed: str
    conflicts: str
    state: str


def entry_state(entry: LogEntry) -> str:
    """The hand-out's state: the one recorded (未提出 / 提出済 / 差戻し / 確定), with
    （競合あり） while conflicts are left open."""
    return entry.state() + ("（競合あり）" if entry.conflicts else "")


def status_rows(entries: list[LogEntry]) -> list[StatusRow]:
    """The 提出状況 of the 配布記録 ``entries``: one row per department and year, its newest
    hand-out (or 差戻し), in the order they were first handed out."""
    latest = {(entry.report_year, entry.department): entry for entry in entries}
    return [
        StatusRow(
            report_year=entry.report_year,
            department=entry.department,
            handed_out_at=entry.handed_out_at,
            returned_at=entry.returned_at or "-",
            returned_by=(entry.returned_by or "-") if entry.returned_at else "-",
            changed=str(entry.changed) if entry.returned_at else "-",
            conflicts="、".join(f"No {no}" for no in entry.conflicts) or "-",
            state=entry_state(entry),
        )
        for entry in latest.values()
    ]
