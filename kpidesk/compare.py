"""What an import would change: sheet by sheet, field by field, side by side.

The window shows this before anything is written, so nobody overwrites a
colleague's paragraph without seeing it first.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest

from kpidesk import eras
from kpidesk.model import TEXT_SECTIONS, Sheet


class Status(enum.Enum):
    """How an incoming sheet relates to the book."""

    NEW = "新規"
    CHANGED = "変更あり"
    SAME = "変更なし"


@dataclass(frozen=True)
class Change:
    """One difference, with both texts in full.

    Attributes:
        where: what differs, in the form's words (``KPI名``, ``単年 R3実績値``,
            ``取組状況 2段落目``).
        before: the book's text ("" when the incoming sheet adds it).
        after: the incoming text ("" when the incoming sheet removes it).
    """

    where: str
    before: str
    after: str


@dataclass
class SheetPlan:
    """What importing one sheet would do.

    Attributes:
        sheet: the incoming sheet.
        status: new, changed or the same as the book's.
        changes: the differences (for a new sheet: every filled field).
        book_revision: the book's revision of the sheet when compared (0: new),
            so the import can refuse if it changed since.
    """

    sheet: Sheet
    status: Status
    changes: list[Change] = field(default_factory=list)
    book_revision: int = 0

    @property
    def label(self) -> str:
        """``R2 No 9 刑法犯認知件数``."""
        return f"{eras.short_label(self.sheet.report_year)} No {self.sheet.no} {self.sheet.title}"


def _years_text(sheet: Sheet) -> str:
    return "、".join(label.replace(" ", "") for label in sheet.column_labels())


def _header_fields(sheet: Sheet) -> list[tuple[str, str]]:
    return [
        ("No", sheet.no),
        ("担当課", sheet.departments_text),
        ("KPI名", sheet.title),
        ("施策", sheet.section),
        ("表の列", _years_text(sheet)),
    ]


def _row_fields(sheet: Sheet) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    labels = [label.replace(" ", "") for label in sheet.column_labels()]
    labels_seen = [row.label for row in sheet.rows]
    for number, row in enumerate(sheet.rows, start=1):
        unique = row.label and labels_seen.count(row.label) == 1
        name = row.label if unique else f"{number}行目{f'（{row.label}）' if row.label else ''}"
        fields.append((f"{number}行目 項目", row.label))
        fields.append((f"{name} 単位", row.unit))
        cells = [row.baseline, *row.actuals, row.target]
        fields.extend(
            (f"{name} {label}", cell.text) for label, cell in zip(labels, cells, strict=False)
        )
    return fields


def compare_sheets(old: Sheet | None, new: Sheet) -> SheetPlan:
    """What replacing ``old`` (None: nothing) by ``new`` changes."""
    if old is None:
        changes = [Change(where, "", text) for where, text in _header_fields(new) if text]
        changes += [Change(where, "", text) for where, text in _row_fields(new) if text]
        for attr, heading in TEXT_SECTIONS:
            changes += [
                Change(f"{heading} {index}段落目", "", text)
                for index, text in enumerate(new.text_section(attr), start=1)
            ]
        return SheetPlan(new, Status.NEW, changes)

    changes = [
        Change(where, before, after)
        for (where, before), (_, after) in zip(
            _header_fields(old), _header_fields(new), strict=True
        )
        if before != after
    ]
    old_rows, new_rows = dict(_row_fields(old)), dict(_row_fields(new))
    for where in [*old_rows, *(key for key in new_rows if key not in old_rows)]:
        before, after = old_rows.get(where, ""), new_rows.get(where, "")
        if before != after:
            changes.append(Change(where, before, after))
    for attr, heading in TEXT_SECTIONS:
        for index, (before, after) in enumerate(
            zip_longest(old.text_section(attr), new.text_section(attr), fillvalue=""), start=1
        ):
            if before != after:
                changes.append(Change(f"{heading} {index}段落目", before, after))
    status = Status.CHANGED if changes else Status.SAME
    return SheetPlan(new, status, changes, book_revision=old.revision)


def plan_import(
    incoming: Sequence[Sheet], find: Callable[[int, str], Sheet | None]
) -> list[SheetPlan]:
    """For each incoming sheet, what it would change in the book.

    Args:
        incoming: the sheets to import.
        find: the book's sheet with a (report year, No), or None.
    """
    return [compare_sheets(find(sheet.report_year, sheet.no), sheet) for sheet in incoming]


def summary(plans: Sequence[SheetPlan]) -> str:
    """``新規 2件、変更あり 1件、変更なし 12件``."""
    counts = {status: sum(plan.status is status for plan in plans) for status in Status}
    return "、".join(f"{status.value} {count}件" for status, count in counts.items())
