"""The 期待値 (expected value) of a value row for each year, and 期待値 rows.

A row's 期待値 for a year is where it should stand that year to reach its
target on time: by default a straight line from the base value in the base
year to the target in the target year, read off for the year (No 14: from
3,425 in R1 to 4,000 in R5, so 3,568.75 in R2). A cumulative row that
starts again from zero (``kpidesk.evaluation.restarts_from_zero``) draws its
line from zero (No 18: 20 firms over four years, so 5 after the first).

A value row whose label, read in half-width, begins with 期待値 or 目安値
(``期待値``, ``期待値(累計)``, ``目安値``) is no KPI of its own but the
yardstick of another row, as the published sheets print it: the row whose
label it names in its brackets when one matches (``期待値(累計)`` → the row
labelled ``累計``), else the nearest row above it that is no yardstick,
else the nearest below. A row can also be made a yardstick by hand
(:attr:`kpidesk.model.ValueRow.measures`: the label of the row it measures,
found the same way). The numbers typed in a yardstick's actual columns
replace the straight line for those years; its other cells are not used.

Plain functions; nothing here ranks (``kpidesk.evaluation`` does).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kpidesk import values
from kpidesk.model import Sheet

#: A label beginning with one of these makes a row the yardstick of another.
YARDSTICK_PREFIXES: tuple[str, ...] = ("期待値", "目安値")

#: Where a 期待値 came from: the straight line, or a yardstick row's typed value.
LINE = "line"
TYPED = "typed"

_HUNDREDTH = Decimal("0.01")


def _normal(label: str) -> str:
    """A label as compared: half-width, without spaces."""
    return "".join(values.normalize_width(label).split())


def is_yardstick_label(label: str) -> bool:
    """Whether a label makes its row a yardstick (it begins with 期待値 or 目安値)."""
    return _normal(label).startswith(YARDSTICK_PREFIXES)


def named_row(label: str) -> str:
    """The row label a yardstick's label names in brackets (``期待値(累計)`` → ``累計``), or ""."""
    normal = _normal(label)
    for prefix in YARDSTICK_PREFIXES:
        if normal.startswith(prefix):
            rest = normal[len(prefix) :]
            if rest.startswith("(") and ")" in rest:
                return rest[1 : rest.index(")")]
    return ""


def yardsticks(sheet: Sheet) -> dict[int, int | None]:
    """Each yardstick row of the sheet → the row it measures (None when there is none).

    A row is a yardstick when set by hand (``measures``) or by its label;
    the row it measures is the one named (by hand, or in the label's
    brackets) when a row that is no yardstick has that label, else the
    nearest such row above it, else the nearest below.
    """
    rows = sheet.rows
    marked = {
        index
        for index, row in enumerate(rows)
        if row.measures.strip() or is_yardstick_label(row.label)
    }
    if not marked:
        return {}
    measured = [index for index in range(len(rows)) if index not in marked]
    # Looked up, not searched for each yardstick: a stored sheet of any size is read once.
    first_named: dict[str, int] = {}
    for other in measured:
        first_named.setdefault(_normal(rows[other].label), other)
    found: dict[int, int | None] = {}
    for index in sorted(marked):
        row = rows[index]
        name = _normal(row.measures) or named_row(row.label)
        place = bisect.bisect_left(measured, index)
        if name and name in first_named:
            found[index] = first_named[name]
        elif place > 0:
            found[index] = measured[place - 1]  # the nearest above
        else:
            found[index] = measured[place] if place < len(measured) else None
    return found


def yardstick_rows(
    sheet: Sheet, index: int, marked: dict[int, int | None] | None = None
) -> list[int]:
    """The yardstick rows of value row ``index``, in table order.

    ``marked``: :func:`yardsticks` of the sheet when the caller has it (a
    whole sheet is judged with one look at its rows, whatever their number).
    """
    marked = yardsticks(sheet) if marked is None else marked
    return [yard for yard, measured in marked.items() if measured == index]


def straight_line(
    base: Decimal, target: Decimal, base_year: int, target_year: int, year: int
) -> Decimal:
    """Where the line from ``base`` in ``base_year`` to ``target`` in ``target_year`` stands
    in ``year`` (the base before it starts, the target after it ends); exact."""
    if target_year <= base_year or year >= target_year:
        return target
    if year <= base_year:
        return base
    return base + (target - base) * (year - base_year) / (target_year - base_year)


@dataclass(frozen=True)
class Expected:
    """A row's 期待値 for one year.

    Attributes:
        value: the 期待値, exact, or None (the reason says why).
        source: :data:`LINE` (the straight line), :data:`TYPED` (a yardstick
            row's value) or "" when there is none.
        row: the yardstick row that gave it (index), for :data:`TYPED`.
        reason: why there is no 期待値, in Japanese; "" when there is one.
    """

    value: Decimal | None
    source: str = ""
    row: int | None = None
    reason: str = ""


def expected_value(
    sheet: Sheet,
    index: int,
    year: int,
    *,
    from_zero: bool,
    marked: dict[int, int | None] | None = None,
) -> Expected:
    """The 期待値 of value row ``index`` for ``year``.

    A number typed for that year in one of the row's yardstick rows (the
    first that has one) wins; otherwise the straight line from the base
    value (zero when ``from_zero``) to the target. ``marked`` as for
    :func:`yardstick_rows`.
    """
    if year in sheet.actual_years:
        column = sheet.actual_years.index(year)
        for yard in yardstick_rows(sheet, index, marked):
            actuals = sheet.rows[yard].actuals
            number = actuals[column].number if column < len(actuals) else None
            if number is not None:
                return Expected(number, TYPED, yard)
    row = sheet.rows[index]
    target = row.target.number
    if target is None:
        shown = row.target.text.strip()
        what = f"目標値が「{shown}」で数値でない" if shown else "目標値がない"
        return Expected(None, reason=f"{what}ため期待値を出せません")
    base = Decimal(0) if from_zero else row.baseline.number
    if base is None:
        return Expected(
            None,
            reason="基準値がないため期待値（基準値から目標値への直線）を出せません"
            "（期待値の行を加えると評価できます）",
        )
    return Expected(straight_line(base, target, sheet.baseline_year, sheet.target_year, year), LINE)


def expected_path(
    sheet: Sheet, index: int, *, from_zero: bool, marked: dict[int, int | None] | None = None
) -> list[tuple[int, Expected]]:
    """(year, 期待値) of value row ``index`` for each actual year of the sheet;
    ``marked`` as for :func:`yardstick_rows`."""
    marked = yardsticks(sheet) if marked is None else marked
    return [
        (year, expected_value(sheet, index, year, from_zero=from_zero, marked=marked))
        for year in sheet.actual_years
    ]


def format_expected(value: Decimal | None) -> str:
    """A 期待値 as printed: exact to two decimal places (``3,568.75``), else rounded
    half up to them (``33.33``); ``—`` for none."""
    if value is None:
        return "—"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        value = value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    return values.format_number(value.normalize())
