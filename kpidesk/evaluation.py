"""How far each KPI has come: rates, ranks and the year-on-year change.

Plain functions over a :class:`~kpidesk.model.Sheet`; nothing here draws or
stores. Every rate is a :class:`~decimal.Decimal` percentage kept exact until
it is printed, so 129.075 % rounds to 129.1 % (round half up) or 129.0 %
(truncate) as the book says, never to whatever binary floating point makes
of it.

The rules, per value row:

* **Newest actual**: the newest actual column holding a number. A newer
  column that says 集計中 is named in the note (R2 is still being counted,
  so R1 is judged).
* **Previous year**: the actual of the year before, or the base value when
  the base is of that year. A *cumulative* row whose base is the total of an
  earlier period (its unit says so: ``人/4年``) starts again from zero, so in
  the first year after the base the change is the year's whole count and has
  no percentage; a cumulative row with a plain unit (``市町村``) keeps
  counting from its base.
* **Direction**: set by hand per row, else from a word target (前年比減 goes
  down, 前年比増 up), else from the base and the target (a target above the
  base goes up); a cumulative row always goes up.
* **Achievement rate**: actual ÷ target for a target that goes up, target ÷
  actual for one that goes down. A word target is judged against the
  previous year's actual, which then stands in for the target.
* **Progress rate**: (actual − base) ÷ (target − base); a cumulative row
  that starts again from zero uses zero as its base.
* When the achievement rate has no meaning (a target of zero or below, or
  an actual of zero or below for a target that goes down), the row is
  ranked by its progress rate instead, and says so.
* **Rank**: from the achievement rate (or the progress rate when the book
  says so; rows with a word target always use the achievement rate),
  rounded as printed, against thresholds set per book. A word target that
  is not met (前年比減 with the same count as the year before) never gets the
  best rank.

A row that cannot be judged gives None with the reason in Japanese.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from kpidesk import eras, limits, values
from kpidesk.model import Cell, Sheet, ValueRow

HUNDRED = Decimal(100)
_TENTH = Decimal("0.1")

#: The words that make a target relative to the previous year, with the direction they ask for.
WORD_TARGETS: dict[str, str] = {"前年比減": "down", "前年比増": "up"}

#: How a row's kind and direction are shown.
KIND_NAMES: dict[str, str] = {"single": "単年", "cumulative": "累計"}
TARGET_DIRECTION_NAMES: dict[str, str] = {"up": "増やす", "down": "減らす"}

#: What "not judged" looks like wherever a rate or rank is printed.
NOT_JUDGED = "—"

#: Colours of the ranks, best to worst, as (text, background) in #rrggbb:
#: green, blue, orange, red. A scheme with another number of ranks spreads
#: over them (:func:`rank_colours`); the list, the form and Excel all use these.
RANK_COLOURS: tuple[tuple[str, str], ...] = (
    ("#1b5e20", "#c8e6c9"),
    ("#0d47a1", "#bbdefb"),
    ("#8a4b00", "#ffe0b2"),
    ("#b71c1c", "#ffcdd2"),
)


class Rounding(enum.Enum):
    """How printed rates are brought to 0.1 %."""

    HALF_UP = "half_up"
    TRUNCATE = "truncate"

    @property
    def label(self) -> str:
        """The Japanese name shown in the settings."""
        return "四捨五入" if self is Rounding.HALF_UP else "切り捨て"


class Basis(enum.Enum):
    """Which rate a rank is read from."""

    ACHIEVEMENT = "achievement"
    PROGRESS = "progress"

    @property
    def label(self) -> str:
        """The Japanese name shown in the settings."""
        return "達成率" if self is Basis.ACHIEVEMENT else "進捗率"


@dataclass(frozen=True)
class RankLevel:
    """One rank: the label given when the rate is at least ``threshold`` percent."""

    label: str
    threshold: Decimal


@dataclass(frozen=True)
class EvaluationSettings:
    """A book's rank scheme.

    Attributes:
        basis: which rate ranks are read from.
        levels: the ranks from best to worst, each with its lowest rate
            (percent); thresholds strictly fall.
        lowest_label: the rank below the last level.
        rounding: how rates are printed and ranked (to 0.1 %).
    """

    basis: Basis = Basis.ACHIEVEMENT
    levels: tuple[RankLevel, ...] = (
        RankLevel("A", Decimal(100)),
        RankLevel("B", Decimal(80)),
        RankLevel("C", Decimal(50)),
    )
    lowest_label: str = "D"
    rounding: Rounding = Rounding.HALF_UP

    def __post_init__(self) -> None:
        labels = self.labels
        if not limits.MIN_RANKS <= len(labels) <= limits.MAX_RANKS:
            raise ValueError(
                f"評価の段階は{limits.MIN_RANKS}から{limits.MAX_RANKS}までにしてください"
                f"（{len(labels):,}段階）"
            )
        if any(not isinstance(label, str) for label in labels):
            raise ValueError("評価の記号が文字ではありません")
        if any(not label.strip() for label in labels):
            raise ValueError("評価の記号が空です")
        for label in labels:
            if len(label) > limits.MAX_RANK_LABEL_CHARS:
                raise ValueError(
                    f"評価の記号は{limits.MAX_RANK_LABEL_CHARS}文字までにしてください"
                    f"（{len(label):,}文字）"
                )
            char = limits.unsafe_character(label)
            if char is not None or "\n" in label or "\r" in label or "\t" in label:
                shown = limits.describe_character(char) if char else "改行・タブ"
                raise ValueError(f"評価の記号に使えない文字（{shown}）があります")
        if NOT_JUDGED in (label.strip() for label in labels):
            raise ValueError(
                f"「{NOT_JUDGED}」は評価できない行の印のため、評価の記号には使えません"
            )
        if len(set(labels)) != len(labels):
            raise ValueError("評価の記号が重複しています")
        thresholds = [level.threshold for level in self.levels]
        if any(
            not isinstance(threshold, Decimal) or not threshold.is_finite()
            for threshold in thresholds
        ):
            raise ValueError("しきい値が数ではありません")
        low, high = limits.MIN_THRESHOLD, limits.MAX_THRESHOLD
        if any(not low <= threshold <= high for threshold in thresholds):
            raise ValueError(
                f"しきい値は{format_threshold(low)}%から{format_threshold(high)}%までにしてください"
            )
        places = limits.MAX_THRESHOLD_PLACES
        if any(threshold != round(threshold, places) for threshold in thresholds):
            raise ValueError(f"しきい値は小数第{places}位までにしてください")
        if any(a <= b for a, b in itertools.pairwise(thresholds)):
            raise ValueError("しきい値は上の評価ほど大きくしてください")

    @property
    def labels(self) -> list[str]:
        """Every rank label, best first."""
        return [level.label for level in self.levels] + [self.lowest_label]

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready data (thresholds as text, exact)."""
        return {
            "basis": self.basis.value,
            "levels": [{"label": lv.label, "threshold": str(lv.threshold)} for lv in self.levels],
            "lowest_label": self.lowest_label,
            "rounding": self.rounding.value,
        }

    @classmethod
    def from_dict(cls, data: Any) -> EvaluationSettings:
        """Settings from :meth:`to_dict`'s form.

        Raises:
            ValueError: the data is not in that form (message in Japanese).
        """
        try:
            if not isinstance(data["levels"], list) or len(data["levels"]) >= limits.MAX_RANKS:
                raise ValueError(
                    f"評価の段階は{limits.MIN_RANKS}から{limits.MAX_RANKS}までにしてください"
                )
            levels = tuple(
                RankLevel(_setting_text(item["label"]), _setting_threshold(item["threshold"]))
                for item in data["levels"]
            )
            return cls(
                basis=Basis(data["basis"]),
                levels=levels,
                lowest_label=_setting_text(data["lowest_label"]),
                rounding=Rounding(data["rounding"]),
            )
        except (KeyError, TypeError, ArithmeticError) as error:
            raise ValueError(f"評価の設定が読めません（{error}）") from error


def _setting_text(value: Any) -> str:
    """A rank label as stored: text, or the settings are not read."""
    if not isinstance(value, str):
        raise TypeError("評価の記号が文字ではありません")
    return value


def _setting_threshold(value: Any) -> Decimal:
    """A threshold as stored (text or a JSON number), checked by :class:`EvaluationSettings`."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError("しきい値が数ではありません")
    if isinstance(value, str) and len(value) > 40:
        raise ValueError("しきい値が長すぎます")
    return Decimal(str(value))


@dataclass(frozen=True)
class RowEvaluation:
    """The judgement of one value row.

    Rates are percentages, unrounded; ``None`` means not judged, with the
    reason beside it.
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

    def rank_rate(self, settings: EvaluationSettings) -> tuple[Decimal | None, str]:
        """The rate the rank is read from, and the reason when there is none."""
        return _rank_rate(
            self.achievement,
            self.progress,
            self.word_target is not None,
            settings,
            (self.achievement_reason, self.progress_reason),
        )

    def ranked_by_progress(self, settings: EvaluationSettings) -> bool:
        """True when the rank comes from the progress rate (by setting or as a fallback)."""
        return (
            self.word_target is None
            and self.progress is not None
            and (settings.basis is Basis.PROGRESS or self.achievement is None)
        )

    def rank(self, settings: EvaluationSettings) -> str | None:
        """The rank label, or None when the row cannot be judged."""
        return sheet_rank(self.achievement, self.progress, self.word_target is not None, settings)


def round_rate(rate: Decimal, rounding: Rounding) -> Decimal:
    """A percentage brought to 0.1 % (truncation goes towards zero)."""
    mode = ROUND_HALF_UP if rounding is Rounding.HALF_UP else ROUND_DOWN
    return rate.quantize(_TENTH, rounding=mode)


def format_rate(rate: Decimal | None, rounding: Rounding) -> str:
    """``117.1%``, ``-783.8%``, or ``—`` for no rate."""
    if rate is None:
        return NOT_JUDGED
    return values.format_number(round_rate(rate, rounding)) + "%"


def format_threshold(threshold: Decimal) -> str:
    """A rank threshold as the legend prints it: ``100``, ``90.5`` (no trailing ``.0``)."""
    if threshold == threshold.to_integral_value():
        threshold = threshold.to_integral_value()
    return values.format_number(threshold)


def rank_of(rate: Decimal | None, settings: EvaluationSettings) -> str | None:
    """The rank label of a rate as printed (rounded), or None for no rate."""
    if rate is None:
        return None
    printed = round_rate(rate, settings.rounding)
    for level in settings.levels:
        if printed >= level.threshold:
            return level.label
    return settings.lowest_label


def rank_index(label: str | None, settings: EvaluationSettings) -> int | None:
    """0 for the best rank, 1 for the next...; None when not ranked or not a label."""
    if label is None or label not in settings.labels:
        return None
    return settings.labels.index(label)


def rank_colours(index: int, count: int) -> tuple[str, str]:
    """(text, background) colour of rank ``index`` (0 is best) among ``count`` ranks."""
    last = len(RANK_COLOURS) - 1
    if count <= 1:
        return RANK_COLOURS[0]
    return RANK_COLOURS[round(min(max(index, 0), count - 1) * last / (count - 1))]


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


def _describe_missing(cell: Cell, what: str, year: int | None = None) -> str:
    """Why a cell does not give a number, in Japanese."""
    where = f"{eras.short_label(year)}の" if year is not None else ""
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


def _latest(sheet: Sheet, row: ValueRow) -> tuple[int | None, Cell | None, str]:
    """The newest actual holding a number: (year, cell, note); or (None, newest cell, reason)."""
    cells = list(zip(sheet.actual_years, row.actuals, strict=False))
    newest: tuple[int, Cell] | None = None
    for year, cell in reversed(cells):
        if cell.is_empty:
            continue
        if newest is None:
            newest = (year, cell)
        if cell.number is not None:
            note = ""
            if newest[0] != year:
                note = (
                    f"{_describe_missing(newest[1], '実績値', newest[0])}。"
                    f"{eras.short_label(year)}の実績で評価しています"
                )
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
    return None, f"{eras.short_label(before)}の実績値がシートにありません"


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


def evaluate_row(sheet: Sheet, index: int) -> RowEvaluation:
    """Judge value row ``index`` of ``sheet`` (see the module's rules)."""
    row = sheet.rows[index]
    kind = row_kind(row)
    cumulative = kind == "cumulative"
    from_zero = cumulative and restarts_from_zero(row)
    word = _word(row)
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


def evaluate_sheet(sheet: Sheet) -> list[RowEvaluation]:
    """Every value row of the sheet, judged."""
    return [evaluate_row(sheet, index) for index in range(len(sheet.rows))]


def rated_row_index(sheet: Sheet) -> int | None:
    """The row a list shows for the sheet: the first with an actual typed, else the first."""
    for index, row in enumerate(sheet.rows):
        if row.latest_actual(sheet.actual_years) is not None:
            return index
    return 0 if sheet.rows else None


def list_evaluation(sheet: Sheet) -> RowEvaluation | None:
    """The row evaluation a list shows for a sheet: the first row that has a
    rate, else the row :func:`rated_row_index` names; None without rows."""
    evaluations = evaluate_sheet(sheet)
    for evaluation in evaluations:
        if evaluation.achievement is not None or evaluation.progress is not None:
            return evaluation
    index = rated_row_index(sheet)
    return None if index is None else evaluations[index]


def sheet_rank(
    achievement: Decimal | None,
    progress: Decimal | None,
    word_target: bool,
    settings: EvaluationSettings,
) -> str | None:
    """The rank of a row from its rates (what a book keeps beside each sheet for its list).

    The achievement rate, or the progress rate when the book says so; a row
    whose achievement rate has no meaning falls back to its progress rate. A
    word target is met only above 100 % (前年比減: fewer than the year
    before), so an unmet one never gets the best rank.
    """
    rate, _ = _rank_rate(achievement, progress, word_target, settings, ("", ""))
    rank = rank_of(rate, settings)
    if (
        word_target
        and rate is not None
        and rate <= HUNDRED
        and rank == settings.labels[0]
        and len(settings.labels) > 1
    ):
        return settings.labels[1]
    return rank


def _rank_rate(
    achievement: Decimal | None,
    progress: Decimal | None,
    word_target: bool,
    settings: EvaluationSettings,
    reasons: tuple[str, str],
) -> tuple[Decimal | None, str]:
    """(rate, reason when None) a rank is read from; see :func:`sheet_rank`."""
    achievement_reason, progress_reason = reasons
    if word_target:
        return achievement, achievement_reason
    if settings.basis is Basis.PROGRESS or (achievement is None and progress is not None):
        return progress, progress_reason
    return achievement, achievement_reason


# --- wording ------------------------------------------------------------------

# A search starts only at a slash and never backtracks; the spaces before
# the slash are stripped in Python (a leading ``\s*`` would be tried again
# from every space of a long run).
_PERIOD_SUFFIX = re.compile(r"/\s*+[0-9]*+\s*+年(?:度)?$")


def _without_period(unit: str) -> str:
    """``件/年`` -> ``件``, ``人 / 4 年度`` -> ``人``; other units as they are."""
    match = _PERIOD_SUFFIX.search(unit)
    if match is None:
        return unit
    return unit[: match.start()].rstrip() + unit[match.end() :]


def change_unit(unit: str) -> str:
    """The unit of a change: ``件/年`` -> ``件``, ``人/4年`` -> ``人``, ``%`` -> ``ポイント``."""
    stripped = values.normalize_width(unit.strip())
    if stripped == "%":
        return "ポイント"
    return _without_period(stripped)


def _signed(number: Decimal) -> str:
    text = values.format_number(number)
    return "+" + text if number > 0 else text


def _signed_rate(rate: Decimal, rounding: Rounding) -> str:
    """A change in percent with its sign kept even when it rounds to zero (``+0.0``)."""
    text = values.format_number(round_rate(rate, rounding))
    if rate > 0:
        return "+" + text
    if rate < 0 and not text.startswith("-"):
        return "-" + text
    return text


def change_text(evaluation: RowEvaluation, rounding: Rounding) -> str | None:
    """``-1,417件(-21.8%)`` as the published sheets print it, or None without a change."""
    if evaluation.change is None:
        return None
    text = _signed(evaluation.change) + change_unit(evaluation.unit)
    if evaluation.change_percent is not None and change_unit(evaluation.unit) != "ポイント":
        text += f"({_signed_rate(evaluation.change_percent, rounding)}%)"
    return text


def change_sentence(sheet: Sheet, evaluation: RowEvaluation, rounding: Rounding) -> str | None:
    """The 取組状況 sentence for a row's year-on-year change, or None without a change.

    ``令和2年度の刑法犯認知件数は、前年比：-1,417件(-21.8%)の5,081件となった。``
    """
    change = change_text(evaluation, rounding)
    if change is None or evaluation.latest_year is None:
        return None
    subject = sheet.title.strip() or f"No {sheet.no}"
    if len(sheet.rows) > 1 and evaluation.label.strip():
        subject += f"（{evaluation.label.strip()}）"
    unit = _without_period(values.normalize_width(evaluation.unit.strip()))
    year = eras.kanji_label(evaluation.latest_year)
    latest = values.normalize_width(evaluation.latest_text.strip())
    return f"{year}の{subject}は、前年比：{change}の{latest}{unit}となった。"


# The atomic group keeps the first ``年度の`` (a later one could only give a
# match the first gives too), so a paragraph is read once, not once per 年度の.
_SENTENCE = re.compile(r"^(?>\S+?年度の)(?P<subject>.+?)は、前年比：")


def place_sentence(paragraphs: Sequence[str], sentence: str) -> list[str]:
    """取組状況 with the year-on-year ``sentence`` put in.

    An earlier sentence about the same subject (now outdated, of this year or
    of the year before, as a roll-over leaves it) is replaced; otherwise the
    sentence goes after the year-on-year sentences already at the top, so that
    the rows' sentences stay in row order.
    """
    placed = list(paragraphs)
    match = _SENTENCE.match(sentence)
    subject = match.group("subject") if match else None
    for position, paragraph in enumerate(placed):
        earlier = _SENTENCE.match(paragraph)
        if earlier is not None and earlier.group("subject") == subject:
            placed[position] = sentence
            return placed
    position = 0
    while position < len(placed) and _SENTENCE.match(placed[position]):
        position += 1
    placed.insert(position, sentence)
    return placed


def describe_rate(rate: Decimal | None, reason: str, rounding: Rounding) -> str:
    """A rate as printed, or ``— （reason）``."""
    if rate is None:
        return f"{NOT_JUDGED}（{reason}）" if reason else NOT_JUDGED
    return format_rate(rate, rounding)
