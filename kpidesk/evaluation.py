"""How far each KPI has come: rates, ranks and the year-on-year change.

Plain functions over a :class:`~kpidesk.model.Sheet`; nothing here draws or
stores. Every rate is a :class:`~decimal.Decimal` percentage kept exact until
it is printed, so 129.075 % rounds to 129.1 % (round half up) or 129.0 %
(truncate) as the book says, never to whatever binary floating point makes
of it. The book's settings are :class:`~kpidesk.ranking.EvaluationSettings`
(re-exported here); :mod:`kpidesk.expected` works out the 期待値 and
:mod:`kpidesk.evaluation_summary` counts the ranks (総括).

The rules, per value row:

* **Newest actual**: the newest actual column holding a number. A number
  may carry a mark (``7,077（速報値）``, 暫定値, 見込み, 確定値) and is judged
  as its number; a rank resting on 速報値, 暫定値 or 見込み says so. A newer
  column that says 集計中 is named in the note, which begins 「前年度値で評価」
  (R2 is still being counted, so R1 is judged).
* **Previous year**: the actual of the year before, or the base value when
  the base is of that year. A *cumulative* row whose base is the total of an
  earlier period (its unit says so: ``人/4年``) starts again from zero, so in
  the first year after the base the change is the year's whole count and has
  no percentage; a cumulative row with a plain unit (``市町村``) keeps
  counting from its base.
* **Direction**: set by hand per row, else from a word target (前年比減 goes
  down, 前年比増 up), else from the base and the target (a target above the
  base goes up); a cumulative row always goes up.
* **期待値** (expected value) of the judged year: where a straight line from
  the base value in the base year to the target in the target year stands
  that year (from zero for a row that starts again from zero), unless a
  期待値 row gives that year's value (:mod:`kpidesk.expected`). No 14:
  3,425 (R1) to 4,000 (R5) expects 3,568.75 in R2; No 18: 0 to 20 over four
  years expects 5 after the first.
* **期待値 rows**: a row labelled 期待値… or 目安値… (or marked so by hand) is
  the yardstick of another row and is itself never ranked nor counted.
* **The four rates**: achievement = actual ÷ target (target ÷ actual for a
  target that goes down); progress = (actual − base) ÷ (target − base);
  against the 期待値: actual ÷ 期待値 (期待値 ÷ actual going down) and
  (actual − base) ÷ (期待値 − base). A cumulative row that starts again from
  zero uses zero as its base. When a ratio has no meaning (a target or
  期待値 of zero or below, or an actual of zero or below going down), the
  row is ranked by the progress rate of the same kind instead, and says so.
* **Rank**: from the rate the book's basis names — achievement against the
  期待値 for a new book, the achievement rate for a book made before —
  rounded as printed, against thresholds set per book.
* **Floor** (a book setting, on for a new book): an actual worse than the
  base value (below it for a target that goes up, above it for one that
  goes down) gets the lowest rank whatever its rate, and says why (No 19:
  36,665 TEU against a base of 37,163). A row that starts again from zero
  has no base to fall below.
* **Word and yes/no targets are met or not**: 前年比減 / 前年比増 compares
  the actual with the previous year's (which stands in for the target in
  the achievement rate); met gets the best rank, not met the lowest. A
  yes/no target (a word such as 認定) is met when that word is typed as the
  year's actual (any width), not met for anything else (認定なし); it is
  judged once the year has an actual. Neither has a progress rate nor a
  floor.
* **外的要因** (external factor, set per row with its reason): by the book's
  setting, ranked as usual and marked 参考, or 評価対象外 (no rank, left out
  of the counts).
* **Progress rates that mislead** are printed in words
  (:func:`~kpidesk.ranking.describe_progress`): below zero 「基準値を下回る」,
  above 200 % 「目標達成済」.
* **A sheet's rank** is that of its first row that is ranked (or left out
  for an external factor); 期待値 rows are passed over
  (:func:`~kpidesk.ranking.sheet_rank_row`).

A row that cannot be judged gives None with the reason in Japanese.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpidesk import eras, expected, limits, values
from kpidesk.evaluation_text import change_sentence as change_sentence
from kpidesk.evaluation_text import change_text as change_text
from kpidesk.evaluation_text import change_unit as change_unit
from kpidesk.evaluation_text import describe_rate as describe_rate
from kpidesk.evaluation_text import place_sentence as place_sentence
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.ranking import HUNDRED as HUNDRED
from kpidesk.ranking import LEGACY_SETTINGS as LEGACY_SETTINGS
from kpidesk.ranking import NOT_JUDGED as NOT_JUDGED
from kpidesk.ranking import RANK_COLOURS as RANK_COLOURS
from kpidesk.ranking import Basis as Basis
from kpidesk.ranking import EvaluationSettings as EvaluationSettings
from kpidesk.ranking import ExternalMode as ExternalMode
from kpidesk.ranking import RankInputs as RankInputs
from kpidesk.ranking import RankLevel as RankLevel
from kpidesk.ranking import RankResult as RankResult
from kpidesk.ranking import RankStatus as RankStatus
from kpidesk.ranking import Rounding as Rounding
from kpidesk.ranking import describe_progress as describe_progress
from kpidesk.ranking import format_rate as format_rate
from kpidesk.ranking import format_threshold as format_threshold
from kpidesk.ranking import rank_colours as rank_colours
from kpidesk.ranking import rank_index as rank_index
from kpidesk.ranking import rank_of as rank_of
from kpidesk.ranking import rank_row, sheet_rank_row
from kpidesk.ranking import round_rate as round_rate

if TYPE_CHECKING:
    from kpidesk.model import ListEntry

#: The words that make a target relative to the previous year, with the direction they ask for.
WORD_TARGETS: dict[str, str] = {"前年比減": "down", "前年比増": "up"}

#: How a row's kind and direction are shown.
KIND_NAMES: dict[str, str] = {"single": "単年", "cumulative": "累計"}
TARGET_DIRECTION_NAMES: dict[str, str] = {"up": "増やす", "down": "減らす"}


@dataclass(frozen=True)
class RowEvaluation:
    """The judgement of one value row.

    Rates are percentages, unrounded; ``None`` means not judged, with the
    reason beside it. ``expected_rate`` and ``expected_progress`` are the
    rates against the 期待値 (``expected``) of the judged year. A 期待値 row
    (``is_yardstick``) has no figures of its own.
    """

    index: int
    label: str
    unit: str
    kind: str
    target_direction: str | None
    target_direction_source: str
    latest_year: int | None
    latest_text: str
    latest: Decimal | None
    previous_year: int | None
    previous: Decimal | None
    change: Decimal | None
    change_percent: Decimal | None
    change_reason: str
    target_text: str
    target: Decimal | None
    word_target: str | None
    achievement: Decimal | None
    achievement_reason: str
    progress: Decimal | None
    progress_reason: str
    achieved: bool | None
    note: str = ""
    baseline: Decimal | None = field(default=None)
    #: The 期待値 of the judged year, where it came from (:data:`kpidesk.expected.LINE`
    #: or TYPED), the 期待値 row that gave it, and why there is none.
    expected: Decimal | None = None
    expected_source: str = ""
    expected_row: int | None = None
    expected_reason: str = ""
    expected_rate: Decimal | None = None
    expected_rate_reason: str = ""
    expected_progress: Decimal | None = None
    expected_progress_reason: str = ""
    #: "word" (前年比減), "yesno" (認定) or "" (ranked by a rate), and what was met.
    binary: str = ""
    verdict: str = ""
    #: "" or the sentence saying the actual is worse than the base value.
    below_base: str = ""
    #: The mark the judged actual carries (速報値…), and whether an older year was judged.
    latest_mark: str = ""
    earlier_year: bool = False
    external: bool = False
    external_reason: str = ""
    #: For a 期待値 row: it is one, and the row it measures (None: no such row).
    is_yardstick: bool = False
    yardstick_of: int | None = None

    @property
    def provisional(self) -> bool:
        """True when the judged actual is marked 速報値, 暫定値 or 見込み."""
        return self.latest_mark in values.PROVISIONAL_MARKS

    def rank_inputs(self) -> RankInputs:
        """What the row's rank is read from, whatever the settings (kept for the list)."""
        rates = {
            Basis.ACHIEVEMENT: (self.achievement, self.achievement_reason),
            Basis.PROGRESS: (self.progress, self.progress_reason),
            Basis.EXPECTED: (self.expected_rate, self.expected_rate_reason),
            Basis.EXPECTED_PROGRESS: (self.expected_progress, self.expected_progress_reason),
        }
        return RankInputs(
            row=self.index,
            label=self.label.strip(),
            achievement=self.achievement,
            progress=self.progress,
            expected=self.expected_rate,
            expected_progress=self.expected_progress,
            reasons=tuple(
                (basis.value, rates[basis][1])
                for basis in Basis
                if rates[basis][0] is None and rates[basis][1]
            ),
            binary=self.binary,
            met=self.achieved if self.binary else None,
            verdict=self.verdict,
            below_base=self.below_base,
            mark=self.latest_mark,
            earlier_year=self.earlier_year,
            external=self.external,
            external_reason=self.external_reason,
        )

    def rank_result(self, settings: EvaluationSettings) -> RankResult:
        """The rank under ``settings`` with the rate it came from and why."""
        if self.is_yardstick:
            return RankResult(None, RankStatus.UNRANKED, reason=yardstick_reason(self))
        return rank_row(self.rank_inputs(), settings)

    def rank_rate(self, settings: EvaluationSettings) -> tuple[Decimal | None, str]:
        """The rate the rank is read from, and the reason when there is none."""
        result = self.rank_result(settings)
        if self.binary and result.label is not None:
            return self.achievement, self.achievement_reason
        return result.rate, result.reason

    def ranked_by_progress(self, settings: EvaluationSettings) -> bool:
        """True when the rank comes from a progress rate (by setting or as a fallback)."""
        basis = self.rank_result(settings).basis
        return basis is not None and basis.is_progress

    def rank(self, settings: EvaluationSettings) -> str | None:
        """The rank label, or None when the row is not ranked."""
        return self.rank_result(settings).label

    def progress_text(self, rounding: Rounding) -> str:
        """The progress rate as printed, in words where a figure would mislead."""
        return describe_progress(
            self.progress, rounding, reached=self._reached(), direction=self.target_direction
        )

    def expected_progress_text(self, rounding: Rounding) -> str:
        """The progress rate against the 期待値 as printed (words where a figure would mislead)."""
        return describe_progress(
            self.expected_progress,
            rounding,
            reached=self._reached(),
            direction=self.target_direction,
        )

    def _reached(self) -> bool | None:
        if self.binary or self.latest is None or self.target is None:
            return None
        if self.target_direction == "up":
            return self.latest >= self.target
        if self.target_direction == "down":
            return self.latest <= self.target
        return None


def yardstick_reason(judged: RowEvaluation) -> str:
    """What a 期待値 row says instead of a rank."""
    if judged.yardstick_of is None:
        return "期待値の行ですが、対応する値の行がありません（評価しません）"
    return f"{judged.yardstick_of + 1}行目の期待値の行です（評価しません）"


def row_kind(row: ValueRow) -> str:
    """ "single" or "cumulative": as set on the row, else 累計 in the label means cumulative."""
    return row.kind or automatic_kind(row.label)


def automatic_kind(label: str) -> str:
    """The kind a row gets when none is set: cumulative when 累計 is in its label."""
    return "cumulative" if "累計" in values.normalize_width(label) else "single"


def automatic_target_direction(row: ValueRow) -> str | None:
    """The direction a row gets when none is set, or None when it cannot be told."""
    return _target_direction(
        dataclasses.replace(row, target_direction=""), row_kind(row), _word(row)
    )[0]


def _word(row: ValueRow) -> str | None:
    """The row's word target (前年比減 / 前年比増), or None."""
    word = row.target.parsed.word
    return word if word in WORD_TARGETS else None


def _year_label(year: int) -> str:
    """``R2``; a year before 昭和 (only ever the year before a sheet's first) as ``1925年度``."""
    try:
        return eras.short_label(year)
    except ValueError:
        return f"{year}年度"


def _describe_missing(cell: Cell, what: str, year: int | None = None) -> str:
    """Why a cell does not give a number, in Japanese."""
    where = f"{_year_label(year)}の" if year is not None else ""
    parsed = cell.parsed
    if parsed.kind is values.ValueKind.EMPTY:
        return f"{where}{what}がありません"
    if parsed.word == "集計中":
        return f"{where}{what}が集計中です"
    if parsed.word == "—":
        return f"{where}{what}が「—」（該当なし）です"
    if parsed.kind is values.ValueKind.WORD:
        return f"{where}{what}が「{cell.text.strip()}」で数値ではありません"
    if parsed.number is not None:
        return (
            f"{where}{what}の桁が多すぎるため計算できません（整数部{limits.MAX_INTEGER_DIGITS}桁・"
            f"小数部{limits.MAX_FRACTION_DIGITS}桁まで）"
        )
    return f"{where}{what}「{cell.text.strip()}」が数値として読めません"


#: What the note of a row judged on the year before a 集計中 one begins with.
EARLIER_YEAR_NOTE = "前年度値で評価"


def _latest(
    sheet: Sheet, row: ValueRow, usable: Callable[[Cell], bool] | None = None
) -> tuple[int | None, Cell | None, str]:
    """The newest actual holding a number (or one ``usable`` accepts): (year, cell, note);
    or (None, newest cell, reason)."""
    cells = list(zip(sheet.actual_years, row.actuals, strict=False))
    newest: tuple[int, Cell] | None = None
    for year, cell in reversed(cells):
        if cell.is_empty:
            continue
        if newest is None:
            newest = (year, cell)
        if cell.number is not None if usable is None else usable(cell):
            note = ""
            if newest[0] != year:
                note = (
                    f"{_describe_missing(newest[1], '実績値', newest[0])}。"
                    f"{_year_label(year)}の実績で評価しています"
                )
                if newest[1].parsed.word == "集計中" and newest[0] - 1 == year:
                    note = f"{EARLIER_YEAR_NOTE}。{note}"
            return year, cell, note
    if newest is None:
        return None, None, "実績値がまだありません"
    return None, newest[1], _describe_missing(newest[1], "実績値", newest[0])


# Possessive quantifiers (``*+``, ``++``) never give back what they took, so
# that a unit from outside, however long or strange, is read in one pass.
_PERIOD_UNIT = re.compile(r"/\s*+([0-9]++)\s*+年(?:度)?\s*+$")


def restarts_from_zero(row: ValueRow) -> bool:
    """Whether a cumulative row counts again from zero: its unit is a total over
    several years (``人/4年``), so its base is an earlier period's total."""
    match = _PERIOD_UNIT.search(values.normalize_width(row.unit).replace("／", "/"))
    if match is None:
        return False
    # Compared as text, so that thousands of digits are no int() to refuse.
    years = match.group(1).lstrip("0")
    return len(years) > 1 or years >= "2"


def _previous(
    sheet: Sheet, row: ValueRow, year: int, from_zero: bool
) -> tuple[Decimal | None, str]:
    """The value of the year before ``year``: (number, reason when None)."""
    before = year - 1
    if before in sheet.actual_years:
        cell = row.actuals[sheet.actual_years.index(before)]
        if cell.number is not None:
            return cell.number, ""
        return None, _describe_missing(cell, "実績値", before)
    if sheet.baseline_year == before:
        if from_zero:
            return Decimal(0), ""
        if row.baseline.number is not None:
            return row.baseline.number, ""
        return None, _describe_missing(row.baseline, "基準値", before)
    return None, f"{_year_label(before)}の実績値がシートにありません"


def _target_direction(row: ValueRow, kind: str, word: str | None) -> tuple[str | None, str, str]:
    """(direction, source, reason when None)."""
    if row.target_direction:
        return row.target_direction, "set", ""
    if word is not None:
        return WORD_TARGETS[word], "word", ""
    if kind == "cumulative":
        return "up", "auto", ""
    base, target = row.baseline.number, row.target.number
    if base is None or target is None:
        return None, "auto", "基準値がないため目標の向きが決まりません（行の設定で指定できます）"
    if target == base:
        return (
            None,
            "auto",
            "基準値と目標値が同じため目標の向きが決まりません（行の設定で指定できます）",
        )
    return ("up" if target > base else "down"), "auto", ""


def evaluate_row(
    sheet: Sheet, index: int, *, marked: dict[int, int | None] | None = None
) -> RowEvaluation:
    """Judge value row ``index`` of ``sheet`` (see the module's rules).

    ``marked``: the sheet's 期待値 rows (``kpidesk.expected.yardsticks``) when
    the caller judges every row; worked out here otherwise.
    """
    row = sheet.rows[index]
    marked = expected.yardsticks(sheet) if marked is None else marked
    if index in marked:
        measured = marked[index]
        reason = yardstick_reason(_blank(sheet, index, "", yardstick_of=measured))
        return _blank(sheet, index, reason, is_yardstick=True, yardstick_of=measured)
    kind = row_kind(row)
    cumulative = kind == "cumulative"
    from_zero = cumulative and restarts_from_zero(row)
    word = _word(row)
    answer = None if word is not None else yes_no_target(row)
    if answer is not None:
        return _evaluate_yes_no(sheet, index, answer)
    direction, source, direction_reason = _target_direction(row, kind, word)
    latest_year, latest_cell, note = _latest(sheet, row)
    latest = latest_cell.number if latest_year is not None and latest_cell else None
    latest_text = latest_cell.text if latest_cell is not None else ""

    previous: Decimal | None = None
    previous_reason = ""
    change = change_percent = None
    change_reason = ""
    if latest is None or latest_year is None:
        change_reason = note
    else:
        previous, previous_reason = _previous(sheet, row, latest_year, from_zero)
        if previous is None:
            change_reason = previous_reason
        else:
            change = latest - previous
            if previous == 0:
                change_reason = (
                    "累計の初年度のため前年比（%）はありません"
                    if from_zero and sheet.baseline_year == latest_year - 1
                    else "前年が0のため前年比（%）を計算できません"
                )
            else:
                change_percent = change / abs(previous) * HUNDRED

    # The target: a number, or for a word target the previous year's actual.
    target: Decimal | None = None
    target_reason = ""
    if word is not None:
        target = previous
        if latest is not None and previous is None:
            target_reason = f"目標が「{word}」ですが、{previous_reason}"
    elif row.target.number is not None:
        target = row.target.number
    else:
        target_reason = _describe_missing(row.target, "目標値")
        if row.target.parsed.kind is values.ValueKind.WORD:
            target_reason = f"目標値が「{row.target.text.strip()}」のため評価できません"

    achievement: Decimal | None = None
    achieved: bool | None = None
    verdict = ""
    if latest is None:
        achievement_reason = note
    elif target is None:
        achievement_reason = target_reason
    elif direction is None:
        achievement_reason = direction_reason
    else:
        achieved = latest >= target if direction == "up" else latest <= target
        if word is not None:
            achieved = latest > target if direction == "up" else latest < target
            verdict = (
                f"前年の{values.format_number(target)}に対して"
                f"{values.normalize_width(latest_text.strip())}のため、"
                f"目標「{word}」を{'達成' if achieved else '未達成'}"
            )
        achievement, achievement_reason = _achievement(latest, target, direction)

    progress: Decimal | None = None
    base = Decimal(0) if from_zero else row.baseline.number
    if word is not None:
        progress_reason = f"目標が「{word}」のため進捗率はありません"
    elif latest is None:
        progress_reason = note
    elif target is None:
        progress_reason = target_reason
    elif base is None:
        progress_reason = _describe_missing(row.baseline, "基準値") + "。進捗率を計算できません"
    elif target == base:
        progress_reason = "目標値が基準値と同じため進捗率を計算できません"
    else:
        progress = (latest - base) / (target - base) * HUNDRED
        progress_reason = ""

    against_expected: dict[str, Any]
    if word is not None:
        no_path = f"目標が「{word}」のため期待値はありません"
        against_expected = _no_expected(no_path)
    elif latest is None or latest_year is None:
        against_expected = _no_expected(note)
    elif row.target.number is None and not expected.yardstick_rows(sheet, index, marked):
        against_expected = _no_expected(target_reason)
    else:
        path = expected.expected_value(
            sheet, index, latest_year, from_zero=from_zero, marked=marked
        )
        against_expected = _against_expected(
            path, latest, base, row.baseline, direction, direction_reason
        )

    return RowEvaluation(
        index=index,
        label=row.label,
        unit=row.unit,
        kind=kind,
        target_direction=direction,
        target_direction_source=source,
        latest_year=latest_year,
        latest_text=latest_text,
        latest=latest,
        previous_year=None if latest_year is None else latest_year - 1,
        previous=previous,
        change=change,
        change_percent=change_percent,
        change_reason=change_reason,
        target_text=row.target.text,
        target=target,
        word_target=word,
        achievement=achievement,
        achievement_reason=achievement_reason,
        progress=progress,
        progress_reason=progress_reason,
        achieved=achieved,
        note=note if latest is not None else "",
        baseline=row.baseline.number,
        **against_expected,
        binary="word" if word is not None else "",
        verdict=verdict,
        below_base=""
        if word is not None or from_zero or latest is None
        else _below_base(latest_text, latest, row.baseline, direction),
        latest_mark=latest_cell.parsed.mark if latest is not None and latest_cell else "",
        earlier_year=latest is not None and bool(note),
        external=row.external,
        external_reason=row.external_reason,
    )


def _achievement(latest: Decimal, target: Decimal, direction: str) -> tuple[Decimal | None, str]:
    """The achievement rate (percent) or the reason there is none."""
    if direction == "up":
        if target <= 0:
            return None, "目標値が0以下のため達成率はありません（進捗率で評価します）"
        return latest / target * HUNDRED, ""
    if latest <= 0 or target <= 0:
        return (
            None,
            "実績値か目標値が0以下のため達成率（目標÷実績）はありません（進捗率で評価します）",
        )
    return target / latest * HUNDRED, ""


def _no_expected(reason: str) -> dict[str, Any]:
    """The 期待値 fields of a row that has no 期待値 (or nothing to hold against one)."""
    return {
        "expected_reason": reason,
        "expected_rate_reason": reason,
        "expected_progress_reason": reason,
    }


def _against_expected(
    path: expected.Expected,
    latest: Decimal,
    base: Decimal | None,
    baseline: Cell,
    direction: str | None,
    direction_reason: str,
) -> dict[str, Any]:
    """The 期待値 fields of a row with an actual: the 期待値 and both rates against it."""
    value = path.value
    fields: dict[str, Any] = {
        "expected": value,
        "expected_source": path.source,
        "expected_row": path.row,
        "expected_reason": path.reason,
    }
    if value is None:
        return {**fields, **_no_expected(path.reason), "expected_reason": path.reason}
    if direction is None:
        fields["expected_rate_reason"] = direction_reason
    elif direction == "up" and value <= 0:
        fields["expected_rate_reason"] = (
            "期待値が0以下のため期待値に対する達成率はありません（期待値に対する進捗率で評価します）"
        )
    elif direction == "down" and (latest <= 0 or value <= 0):
        fields["expected_rate_reason"] = (
            "実績値か期待値が0以下のため期待値に対する達成率（期待値÷実績）はありません"
            "（期待値に対する進捗率で評価します）"
        )
    else:
        ratio = latest / value if direction == "up" else value / latest
        fields["expected_rate"] = ratio * HUNDRED
    if base is None:
        fields["expected_progress_reason"] = (
            _describe_missing(baseline, "基準値") + "。期待値に対する進捗率を計算できません"
        )
    elif value == base:
        fields["expected_progress_reason"] = (
            "期待値が基準値と同じため期待値に対する進捗率を計算できません"
        )
    else:
        fields["expected_progress"] = (latest - base) / (value - base) * HUNDRED
    return fields


def _below_base(latest_text: str, latest: Decimal, baseline: Cell, direction: str | None) -> str:
    """The sentence saying the actual is worse than the base value, or ""."""
    base = baseline.number
    if base is None or direction is None:
        return ""
    if (latest >= base) if direction == "up" else (latest <= base):
        return ""
    shown = values.normalize_width(latest_text.strip())
    base_shown = values.normalize_width(baseline.text.strip())
    side = "下回" if direction == "up" else "上回"
    return f"実績値（{shown}）が基準値（{base_shown}）を{side}っている"


# --- yes/no targets and 期待値 rows ------------------------------------------------

#: The cell words that are no answer to a yes/no target: the year is passed over.
_NO_ANSWER = ("集計中", "—")


def yes_no_target(row: ValueRow) -> str | None:
    """The target of a yes/no row (a word such as 認定), as typed; None for other rows.

    A target that is text with no digit in it, other than 集計中, — and the
    word targets 前年比減 / 前年比増.
    """
    text = row.target.text.strip()
    parsed = row.target.parsed
    if not text or parsed.kind in (values.ValueKind.NUMBER, values.ValueKind.EMPTY):
        return None
    if parsed.word in _NO_ANSWER or parsed.word in WORD_TARGETS:
        return None
    if any(char.isdigit() for char in text):
        return None
    return text


def _answer(text: str) -> str:
    """A yes/no cell as compared: its known word, else its text half-width without spaces."""
    word = values.parse_value(text).word
    return word if word is not None else "".join(values.normalize_width(text).split())


def _is_answer(cell: Cell) -> bool:
    return not cell.is_empty and cell.parsed.word not in _NO_ANSWER


def _evaluate_yes_no(sheet: Sheet, index: int, answer: str) -> RowEvaluation:
    """Judge a row whose target is a word such as 認定: met when that word is the actual."""
    row = sheet.rows[index]
    year, cell, note = _latest(sheet, row, _is_answer)
    if year is None or cell is None:
        return _blank(sheet, index, note, latest_text=cell.text if cell else "", binary="yesno")
    met = _answer(cell.text) == _answer(answer)
    shown = values.normalize_width(cell.text.strip())
    verdict = (
        f"{_year_label(year)}の実績が「{shown}」のため、"
        f"目標「{answer}」を{'達成' if met else '未達成'}"
    )
    no_rate = f"目標が「{answer}」のため率はありません（達成か未達成かで評価します）"
    return dataclasses.replace(
        _blank(sheet, index, no_rate, latest_text=cell.text, binary="yesno"),
        latest_year=year,
        previous_year=year - 1,
        achieved=met,
        verdict=verdict,
        note=note,
        earlier_year=bool(note),
        change_reason="目標が達成か未達成かの行のため前年比はありません",
    )


def _blank(sheet: Sheet, index: int, reason: str, **fields: Any) -> RowEvaluation:
    """A row's evaluation without figures: every rate missing for ``reason``."""
    row = sheet.rows[index]
    return RowEvaluation(
        index=index,
        label=row.label,
        unit=row.unit,
        kind=row_kind(row),
        target_direction=None,
        target_direction_source="auto",
        latest_year=None,
        latest_text=fields.pop("latest_text", ""),
        latest=None,
        previous_year=None,
        previous=None,
        change=None,
        change_percent=None,
        change_reason=reason,
        target_text=row.target.text,
        target=row.target.number,
        word_target=None,
        achievement=None,
        achievement_reason=reason,
        progress=None,
        progress_reason=reason,
        achieved=None,
        baseline=row.baseline.number,
        **_no_expected(reason),
        external=row.external,
        external_reason=row.external_reason,
        **fields,
    )


def evaluate_sheet(sheet: Sheet) -> list[RowEvaluation]:
    """Every value row of the sheet, judged."""
    marked = expected.yardsticks(sheet)
    return [evaluate_row(sheet, index, marked=marked) for index in range(len(sheet.rows))]


def expected_path(sheet: Sheet, index: int) -> list[tuple[int, expected.Expected]]:
    """(year, 期待値) of value row ``index`` for each actual year (for the trend chart);
    [] for a 期待値 row and a row with a word or yes/no target."""
    row = sheet.rows[index]
    marked = expected.yardsticks(sheet)
    if index in marked or _word(row) or yes_no_target(row):
        return []
    from_zero = row_kind(row) == "cumulative" and restarts_from_zero(row)
    return expected.expected_path(sheet, index, from_zero=from_zero, marked=marked)


def rated_row_index(sheet: Sheet) -> int | None:
    """The row a list shows for the sheet: the first with an actual typed, else the first."""
    for index, row in enumerate(sheet.rows):
        if row.latest_actual(sheet.actual_years) is not None:
            return index
    return 0 if sheet.rows else None


def list_evaluation(
    sheet: Sheet, evaluations: Sequence[RowEvaluation] | None = None
) -> RowEvaluation | None:
    """The row evaluation the older list columns show for a sheet: the first row
    that has a rate against the final target, else the row :func:`rated_row_index`
    names; None without rows. ``evaluations``: the sheet's, when already made."""
    evaluations = evaluate_sheet(sheet) if evaluations is None else evaluations
    for evaluation in evaluations:
        if evaluation.achievement is not None or evaluation.progress is not None:
            return evaluation
    index = rated_row_index(sheet)
    return None if index is None else evaluations[index]


def sheet_rank_inputs(evaluations: Sequence[RowEvaluation]) -> list[RankInputs]:
    """What a sheet's rank is read from: the inputs of each row but its 期待値 rows."""
    return [judged.rank_inputs() for judged in evaluations if not judged.is_yardstick]


def sheet_result(
    sheet: Sheet, settings: EvaluationSettings
) -> tuple[RankInputs | None, RankResult]:
    """The row that ranks the sheet (:func:`~kpidesk.ranking.sheet_rank_row`) and its result."""
    return sheet_rank_row(sheet_rank_inputs(evaluate_sheet(sheet)), settings)


def entry_rank(
    entry: ListEntry, settings: EvaluationSettings
) -> tuple[RankInputs | None, RankResult]:
    """The rank a list shows for a sheet, from what the book keeps beside it.

    From the rows' :class:`RankInputs` (the ranking row and its result);
    a list entry without them (a sheet whose JSON the book cannot read) falls
    back on the rates of the older list columns.
    """
    return _entry_rank(entry, settings)


@functools.lru_cache(maxsize=8192)
def _entry_rank(
    entry: ListEntry, settings: EvaluationSettings
) -> tuple[RankInputs | None, RankResult]:
    """:func:`entry_rank`, remembered: a list asks for each shown entry's rank several
    times at every paint (its text, colours and tooltip); both arguments are frozen."""
    if entry.rank_rows:
        return sheet_rank_row(entry.rank_rows, settings)
    return None, rank_row(
        _legacy_inputs(entry.achievement, entry.progress, entry.word_target, entry.evaluation_note),
        settings,
    )


def sheet_rank(
    achievement: Decimal | None,
    progress: Decimal | None,
    word_target: bool,
    settings: EvaluationSettings,
) -> str | None:
    """The rank of a row from its two rates against the final target alone.

    The achievement rate, or the progress rate when the book says so; a row
    whose achievement rate has no meaning falls back to its progress rate. A
    word target is met only above 100 % (前年比減: fewer than the year
    before) and is then ranked best, else lowest. A basis against the
    期待値 gives no rank from these.
    """
    return rank_row(_legacy_inputs(achievement, progress, word_target, ""), settings).label


def _legacy_inputs(
    achievement: Decimal | None, progress: Decimal | None, word_target: bool, reason: str
) -> RankInputs:
    reasons = tuple((basis.value, reason) for basis in Basis if reason)
    if word_target:
        met = None if achievement is None else achievement > HUNDRED
        return RankInputs(achievement=achievement, binary="word", met=met, reasons=reasons)
    return RankInputs(achievement=achievement, progress=progress, reasons=reasons)
