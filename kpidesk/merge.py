"""A version of a sheet merged by hand from two others, part by part.

When a collect finds a sheet changed both by the department and in the
origin book (a conflict), the planning division may take the department's
version, keep its own, or merge the two: :func:`merge_parts` lists the parts
in which the two versions differ, each with both texts, and
:func:`merged_sheet` builds the sheet that takes the chosen parts from the
department's version and everything else from the origin's. The merged
sheet is then an ordinary sheet: the form edits it further, with undo.

A part is a whole field (KPI名, 出典), a whole text section (取組状況 with
all its paragraphs) or a whole value row; when the two versions have
different columns or a different number of rows, the value table is one
part, since a row cannot be moved between tables of different shapes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from kpidesk.model import BULLET_SECTIONS, SOURCE_FIELDS, Sheet, ValueRow

#: The header fields merged one by one: (attribute, label).
_HEADER_FIELDS = (("departments", "担当課"), ("title", "KPI名"), ("section", "施策"))
#: What makes the value table's shape: a row fits only a table of the same shape.
_TABLE_SHAPE = ("baseline_label", "baseline_year", "actual_years", "target_year")
#: The key of the whole value table as one part.
TABLE = "table"
#: Put before a value cell that differs between the two versions, as 並べて比較
#: marks a changed line (``ui.side_by_side.CHANGED_MARK``).
CHANGED_MARK = "◆"


#: Who changed a part since it was handed out, when the version handed out is known.
BY_DEPARTMENT = "部局で変更"
BY_ORIGIN = "企画課で変更"
BY_BOTH = "両方で変更"


@dataclass(frozen=True)
class MergePart:
    """One part in which the two versions differ.

    Attributes:
        key: what :func:`merged_sheet` is told to take (``title``, ``row:2``,
            ``efforts``, :data:`TABLE`).
        label: the part in the form's words (``KPI名``, ``2行目（観光客数）``).
        ours: the origin's text of it, as shown side by side.
        theirs: the department's text of it.
        changed: who changed it since it was handed out (:data:`BY_DEPARTMENT`,
            :data:`BY_ORIGIN`, :data:`BY_BOTH`; "" when that version is unknown).
        take_theirs: whether the merge starts with the department's version
            of it: the side that changed it, the department's when both did
            or when unknown, but the origin's 企画課コメント.
    """

    key: str
    label: str
    ours: str
    theirs: str
    changed: str = ""
    take_theirs: bool = True


def _cells(sheet: Sheet, row: ValueRow | None) -> dict[str, str]:
    """Per column heading, the cell's text as shown (``{}``: no such row)."""
    if row is None:
        return {}
    cells = [row.baseline, *row.actuals, row.target]
    return {
        label: cell.text or "（空欄）"
        for label, cell in zip(sheet.column_labels(), cells, strict=False)
    }


def _row_text(sheet: Sheet, row: ValueRow, other: Sheet, other_row: ValueRow | None) -> str:
    """The row's heading, then a line per cell; a cell that reads otherwise in
    ``other_row`` (of the other version, ``other``) gets :data:`CHANGED_MARK`."""
    theirs = _cells(other, other_row)
    lines = [
        f"{CHANGED_MARK if theirs.get(label) != text else ''}{label}: {text}"
        for label, text in _cells(sheet, row).items()
    ]
    unit = f"（{row.unit}）" if row.unit else ""
    heading = f"{row.label}{unit}"
    if other_row is None or (other_row.label, other_row.unit) != (row.label, row.unit):
        heading = f"{CHANGED_MARK}{heading}"
    return "\n".join([heading, *lines])


def _table_text(sheet: Sheet, other: Sheet) -> str:
    columns = "、".join(label.replace(" ", "") for label in sheet.column_labels())
    rows = "\n".join(
        _row_text(sheet, row, other, other.rows[index] if index < len(other.rows) else None)
        for index, row in enumerate(sheet.rows)
    )
    return f"列: {columns}\n{rows}"


def _same_shape(ours: Sheet, theirs: Sheet) -> bool:
    return len(ours.rows) == len(theirs.rows) and all(
        getattr(ours, name) == getattr(theirs, name) for name in _TABLE_SHAPE
    )


def _value(sheet: Sheet, key: str) -> object:
    """What part ``key`` of ``sheet`` holds, for comparing (None: the sheet has no such part)."""
    if key == TABLE:
        return tuple(getattr(sheet, name) for name in (*_TABLE_SHAPE, "rows"))
    if key.startswith("row:"):
        index = int(key[4:]) - 1
        return sheet.rows[index] if index < len(sheet.rows) else None
    return getattr(sheet, key)


def _who(key: str, ours: Sheet, theirs: Sheet, base: Sheet | None) -> tuple[str, bool]:
    """(who changed part ``key``, whether the merge starts with the department's)."""
    if base is None:
        return "", key != "planning_comment"
    value = _value(base, key)
    origin_changed = _value(ours, key) != value
    department_changed = _value(theirs, key) != value
    if department_changed and origin_changed:
        return BY_BOTH, key != "planning_comment"
    if origin_changed:
        return BY_ORIGIN, False
    return BY_DEPARTMENT, True


def merge_parts(ours: Sheet, theirs: Sheet, base: Sheet | None = None) -> list[MergePart]:
    """The parts in which ``ours`` (the origin's) and ``theirs`` (the department's) differ,
    in the form's order.

    Args:
        base: the version handed out, when known: each part then says who
            changed it, and starts on that side.
    """
    found: list[tuple[str, str, str, str]] = []
    for attr, label in _HEADER_FIELDS:
        if getattr(ours, attr) != getattr(theirs, attr):
            if attr == "departments":
                found.append((attr, label, ours.departments_text, theirs.departments_text))
            else:
                found.append((attr, label, getattr(ours, attr), getattr(theirs, attr)))
    if ours.planning_comment != theirs.planning_comment:
        found.append(
            ("planning_comment", "企画課コメント", ours.planning_comment, theirs.planning_comment)
        )
    if not _same_shape(ours, theirs):
        found.append(
            (TABLE, "値の表（列と行すべて）", _table_text(ours, theirs), _table_text(theirs, ours))
        )
    else:
        for number, (mine, other) in enumerate(zip(ours.rows, theirs.rows, strict=True), start=1):
            if mine != other:
                name = other.label or mine.label
                label = f"{number}行目（{name}）" if name else f"{number}行目"
                found.append(
                    (
                        f"row:{number}",
                        label,
                        _row_text(ours, mine, theirs, other),
                        _row_text(theirs, other, ours, mine),
                    )
                )
    for attr, label in SOURCE_FIELDS:
        if getattr(ours, attr) != getattr(theirs, attr):
            found.append((attr, label, getattr(ours, attr), getattr(theirs, attr)))
    for attr, heading in BULLET_SECTIONS:
        mine, other = ours.text_section(attr), theirs.text_section(attr)
        if mine != other:
            found.append((attr, heading, "\n".join(mine), "\n".join(other)))
    parts = []
    for key, label, mine_text, other_text in found:
        known = base
        if known is not None and key.startswith("row:") and not _same_shape(ours, known):
            known = None  # a row of a table of another shape is not the same row
        changed, take = _who(key, ours, theirs, known)
        parts.append(MergePart(key, label, mine_text, other_text, changed, take))
    return parts


def merged_sheet(ours: Sheet, theirs: Sheet, take: set[str] | frozenset[str]) -> Sheet:
    """``ours`` with the parts named in ``take`` (keys of :func:`merge_parts`) from ``theirs``.

    The merged sheet keeps ``ours``'s identity (report year, No, id and
    revision), so it is saved as the next revision of the origin's sheet.

    Raises:
        KeyError: a key that is not a part of these two versions.
    """
    known = {part.key for part in merge_parts(ours, theirs)}
    unknown = set(take) - known
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    result = copy.deepcopy(ours)
    for key in take:
        if key == TABLE:
            for name in (*_TABLE_SHAPE, "rows"):
                setattr(result, name, copy.deepcopy(getattr(theirs, name)))
        elif key.startswith("row:"):
            index = int(key[4:]) - 1
            result.rows[index] = copy.deepcopy(theirs.rows[index])
        else:
            setattr(result, key, copy.deepcopy(getattr(theirs, key)))
    return result
