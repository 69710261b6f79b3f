"""Two states of a sheet field by field, side by side: for imports and the history.

The window shows what an import would change before anything is written, so
nobody overwrites a colleague's paragraph without seeing it first; the
history dialog shows two saved versions of a sheet the same way.
"""

from __future__ import annotations

import copy
import difflib
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kpidesk import eras
from kpidesk.evaluation import KIND_NAMES, TARGET_DIRECTION_NAMES
from kpidesk.model import BULLET_SECTIONS, SOURCE_FIELDS, Sheet


class Status(enum.Enum):
    """How an incoming sheet relates to the book."""

    NEW = "新規"
    CHANGED = "変更あり"
    SAME = "変更なし"


@dataclass(frozen=True)
class Change:
    """One field of two sheets side by side, with both texts in full.

    Attributes:
        where: the field, in the form's words (``KPI名``, ``単年 R3実績値``,
            ``取組状況 2段落目``).
        before: the old (or the book's) text; "" when the field is new.
        after: the new (or the incoming) text; "" when the field is gone.
    """

    where: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        """True when the two texts differ."""
        return self.before != self.after


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


@dataclass(frozen=True)
class _Field:
    """One field of one sheet: where it is, what a change list calls it, its text."""

    where: str
    part: str
    text: str


#: How a row setting left to the rules reads beside one set by hand.
AUTOMATIC = "自動"
_ROW_SETTINGS = ("目標の向き", "区分", "期待値の対象")


def _years_text(sheet: Sheet) -> str:
    return "、".join(label.replace(" ", "") for label in sheet.column_labels())


def _fields(sheet: Sheet, *, paragraphs: bool = True) -> list[_Field]:
    """Every field of a sheet in the form's order: header, value table, source, paragraphs."""
    header = [
        ("No", sheet.no),
        ("担当課", sheet.departments_text),
        ("KPI名", sheet.title),
        ("施策", sheet.section),
        ("表の列", _years_text(sheet)),
    ]
    fields = [_Field(where, where, text) for where, text in header]
    if sheet.planning_comment:  # listed only when given, as most sheets have none
        fields.append(_Field("企画課コメント", "企画課コメント", sheet.planning_comment))
    labels = [label.replace(" ", "") for label in sheet.column_labels()]
    labels_seen = [row.label for row in sheet.rows]
    for number, row in enumerate(sheet.rows, start=1):
        unique = row.label and labels_seen.count(row.label) == 1
        name = row.label if unique else f"{number}行目{f'（{row.label}）' if row.label else ''}"
        fields.append(_Field(f"{number}行目 項目", "項目", row.label))
        fields.append(_Field(f"{name} 単位", "単位", row.unit))
        # Set by hand in the 評価 box; listed only when set, as "auto" is the rule.
        if row.target_direction:
            direction = TARGET_DIRECTION_NAMES.get(row.target_direction, row.target_direction)
            fields.append(_Field(f"{name} 目標の向き", "目標の向き", direction))
        if row.kind:
            fields.append(_Field(f"{name} 区分", "区分", KIND_NAMES.get(row.kind, row.kind)))
        if row.measures:
            fields.append(_Field(f"{name} 期待値の対象", "期待値の対象", row.measures))
        if row.external or row.external_reason:
            shown = "あり" if row.external else "なし"
            reason = f"（{row.external_reason}）" if row.external_reason else ""
            fields.append(_Field(f"{name} 外的要因", "外的要因", shown + reason))
        cells = [row.baseline, *row.actuals, row.target]
        fields.extend(
            _Field(f"{name} {label}", label, cell.text)
            for label, cell in zip(labels, cells, strict=False)
        )
    # Under the table, as on the form; listed only when given, as they are optional.
    fields.extend(
        _Field(label, label, getattr(sheet, attr))
        for attr, label in SOURCE_FIELDS
        if getattr(sheet, attr)
    )
    if paragraphs:
        for attr, heading in BULLET_SECTIONS:
            fields.extend(
                _Field(f"{heading} {index}段落目", heading, text)
                for index, text in enumerate(sheet.text_section(attr), start=1)
            )
    return fields


def _aligned_paragraphs(old: list[str], new: list[str], heading: str) -> list[Change]:
    """Two states of a section's paragraphs, matched by content, not position.

    A paragraph added at the top is one added paragraph, not every paragraph
    changed: unchanged paragraphs pair up wherever they moved to, changed
    ones pair up in place, and the rest are added or removed. Each is named
    by its number in the new state (in the old one when removed).
    """
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        olds, news = old[old_start:old_end], new[new_start:new_end]
        paired = min(len(olds), len(news)) if tag == "replace" else 0
        if tag == "equal":
            paired = len(olds)
        for offset in range(paired):
            number = new_start + offset + 1
            changes.append(Change(f"{heading} {number}段落目", olds[offset], news[offset]))
        for offset in range(paired, len(news)):
            changes.append(Change(f"{heading} {new_start + offset + 1}段落目", "", news[offset]))
        for offset in range(paired, len(olds)):
            number = old_start + offset + 1
            changes.append(Change(f"{heading} {number}段落目", olds[offset], ""))
    return changes


def carry_row_settings(incoming: Sheet, existing: Sheet | None) -> Sheet:
    """``incoming`` with the hand-set settings of ``existing``'s rows: direction
    and kind, the row a 期待値 row measures, and the 外的要因 with its reason.

    Published text and Excel workbooks cannot carry what the 評価 box sets
    on a row; an import from them keeps the book's settings for every row
    whose label is the same at the same position, instead of resetting them.

    The same sources cannot carry 出典, 公表時期, 次回公表予定 or the
    企画課・有識者意見 either (the published text has no place for them, nor
    a workbook made from an older template): when the incoming sheet has
    none of them, the book's are kept, so a reviewer's comment is never
    wiped out by re-importing the published text. Nor can they carry the
    企画課コメント of a sheet sent back: an incoming sheet without one keeps
    the book's.
    """
    if existing is None:
        return incoming
    carried = copy.deepcopy(incoming)
    for row, old in zip(carried.rows, existing.rows, strict=False):
        if row.label != old.label:
            continue
        if not row.target_direction and not row.kind:
            row.target_direction, row.kind = old.target_direction, old.kind
        if not row.measures:
            row.measures = old.measures
        if not row.external and not row.external_reason:
            row.external, row.external_reason = old.external, old.external_reason
    if not any(getattr(carried, name) for name in _CARRIED_SHEET_FIELDS):
        for name in _CARRIED_SHEET_FIELDS:
            setattr(carried, name, copy.deepcopy(getattr(existing, name)))
    if not carried.planning_comment:
        carried.planning_comment = existing.planning_comment
    return carried


#: The sheet's own fields that published text and older workbooks cannot carry.
_CARRIED_SHEET_FIELDS = ("source", "published", "next_release", "opinions")


def _aligned(old: Sheet, new: Sheet) -> list[tuple[str, Change]]:
    """(part, change) for every field either sheet has, in the form's order.

    A field only the new sheet has comes right after the field before it in
    the new sheet (an added paragraph after the paragraph above it).
    """
    old_fields = {field.where: field for field in _fields(old, paragraphs=False)}
    new_fields = {field.where: field for field in _fields(new, paragraphs=False)}
    order = list(old_fields)
    anchor = -1
    for where in new_fields:
        if where in old_fields:
            anchor = order.index(where)
        else:
            anchor += 1
            order.insert(anchor, where)
    aligned: list[tuple[str, Change]] = []
    for where in order:
        before, after = old_fields.get(where), new_fields.get(where)
        part = after.part if after is not None else old_fields[where].part
        missing = AUTOMATIC if part in _ROW_SETTINGS else ""
        change = Change(where, before.text if before else missing, after.text if after else missing)
        aligned.append((part, change))
    for attr, heading in BULLET_SECTIONS:
        aligned.extend(
            (heading, change)
            for change in _aligned_paragraphs(
                old.text_section(attr), new.text_section(attr), heading
            )
        )
    return aligned


def side_by_side(old: Sheet, new: Sheet) -> list[Change]:
    """Every field of two states of a sheet, changed or not, in the form's order."""
    return [change for _, change in _aligned(old, new)]


def compare_sheets(old: Sheet | None, new: Sheet) -> SheetPlan:
    """What replacing ``old`` (None: nothing) by ``new`` changes."""
    if old is None:
        changes = [Change(field.where, "", field.text) for field in _fields(new) if field.text]
        return SheetPlan(new, Status.NEW, changes)
    changes = [change for change in side_by_side(old, new) if change.changed]
    status = Status.CHANGED if changes else Status.SAME
    return SheetPlan(new, status, changes, book_revision=old.revision)


#: How many changed parts :func:`change_words` names before ``ほかN件``.
CHANGE_WORDS_PARTS = 4


def change_words(old: Sheet | None, new: Sheet) -> str:
    """What changed from ``old`` to ``new`` in a few words: ``R3実績値、取組状況 2段落``.

    Cells are named by their column, paragraphs counted per section, the
    header fields named as on the form. ``old`` None is a new sheet (``新規作成``).
    """
    if old is None:
        return "新規作成"
    counts: dict[str, int] = {}
    for part, change in _aligned(old, new):
        if change.changed:
            counts[part] = counts.get(part, 0) + 1
    if not counts:
        return "変更なし"
    headings = {heading for _, heading in BULLET_SECTIONS}
    parts = [f"{part} {count}段落" if part in headings else part for part, count in counts.items()]
    shown = "、".join(parts[:CHANGE_WORDS_PARTS])
    rest = len(parts) - CHANGE_WORDS_PARTS
    return f"{shown} ほか{rest}件" if rest > 0 else shown


def plan_import(
    incoming: Sequence[Sheet], find: Callable[[int, str], Sheet | None]
) -> list[SheetPlan]:
    """For each incoming sheet, what it would change in the book.

    Args:
        incoming: the sheets to import.
        find: the book's sheet with a (report year, No), or None.
    """
    return [compare_sheets(find(sheet.report_year, sheet.no), sheet) for sheet in incoming]


def plan_counts(plans: Sequence[SheetPlan]) -> str:
    """``新規 2件、変更あり 1件、変更なし 12件``."""
    counts = {status: sum(plan.status is status for plan in plans) for status in Status}
    return "、".join(f"{status.value} {count}件" for status, count in counts.items())
