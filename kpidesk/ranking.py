"""A book's rank scheme, and how a rank is read from what a row gives.

:class:`EvaluationSettings` is what a book keeps: which rate ranks
(:class:`Basis`), the ranks and their thresholds, the rounding, the floor
rule and what an external factor does. :class:`RankInputs` is what one value
row gives, whatever the settings (its rates against the final target and
against the year's 期待値, a met or unmet word or yes/no target, whether the
actual is worse than the base value, its mark, its 外的要因); a book keeps
these beside each sheet so that its list ranks thousands of sheets without
reading them. :func:`rank_row` reads the rank from the two, by the rules
stated in :mod:`kpidesk.evaluation`.
"""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from kpidesk import limits, values

HUNDRED = Decimal(100)
_TENTH = Decimal("0.1")
#: Beyond this (percent) a progress rate says nothing a figure should say.
MEANINGFUL_PROGRESS = Decimal(200)

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
    """Which rate a rank is read from (see :mod:`kpidesk.evaluation`)."""

    EXPECTED = "expected"
    EXPECTED_PROGRESS = "expected_progress"
    ACHIEVEMENT = "achievement"
    PROGRESS = "progress"

    @property
    def label(self) -> str:
        """The Japanese name shown in the settings."""
        return _BASIS_LABELS[self]

    @property
    def formula(self) -> str:
        """How the rate is worked out, in Japanese."""
        return _BASIS_FORMULAS[self]

    @property
    def against_expected(self) -> bool:
        """True for the rates against the year's 期待値, False for those against the target."""
        return self in (Basis.EXPECTED, Basis.EXPECTED_PROGRESS)

    @property
    def is_progress(self) -> bool:
        """True for the rates of progress from the base value."""
        return self in (Basis.PROGRESS, Basis.EXPECTED_PROGRESS)


_BASIS_LABELS = {
    Basis.EXPECTED: "期待値に対する達成率",
    Basis.EXPECTED_PROGRESS: "期待値に対する進捗率",
    Basis.ACHIEVEMENT: "達成率",
    Basis.PROGRESS: "進捗率",
}
_BASIS_FORMULAS = {
    Basis.EXPECTED: "実績÷その年度の期待値（減らす目標は 期待値÷実績）",
    Basis.EXPECTED_PROGRESS: "（実績−基準値）÷（期待値−基準値）",
    Basis.ACHIEVEMENT: "実績÷目標（減らす目標は 目標÷実績）",
    Basis.PROGRESS: "（実績−基準値）÷（目標−基準値）",
}


class ExternalMode(enum.Enum):
    """What a row marked 外的要因 (an external factor such as COVID-19) gets."""

    REFERENCE = "reference"
    EXCLUDED = "excluded"

    @property
    def label(self) -> str:
        """The Japanese name shown in the settings."""
        return "参考として評価" if self is ExternalMode.REFERENCE else "評価対象外"


@dataclass(frozen=True)
class RankLevel:
    """One rank: the label given when the rate is at least ``threshold`` percent."""

    label: str
    threshold: Decimal


@dataclass(frozen=True)
class EvaluationSettings:
    """A book's rank scheme.

    The defaults are those of a new book. Settings stored before the basis
    could be the 期待値 read the two later keys as they ranked then: floor
    off, external factors as 参考 (:meth:`from_dict`).

    Attributes:
        basis: which rate ranks are read from.
        levels: the ranks from best to worst, each with its lowest rate
            (percent); thresholds strictly fall.
        lowest_label: the rank below the last level.
        rounding: how rates are printed and ranked (to 0.1 %).
        floor: an actual worse than the base value gets the lowest rank.
        external: what a row marked 外的要因 gets.
        binary_targets: a word target (前年比減) or a yes/no target (認定) is
            met (best rank) or not (lowest); off, as books ranked before: a
            word target is ranked by its rate and an unmet one never gets
            the best rank, and a yes/no target is not judged.
    """

    basis: Basis = Basis.EXPECTED
    levels: tuple[RankLevel, ...] = (
        RankLevel("A", Decimal(100)),
        RankLevel("B", Decimal(80)),
        RankLevel("C", Decimal(50)),
    )
    lowest_label: str = "D"
    rounding: Rounding = Rounding.HALF_UP
    floor: bool = True
    external: ExternalMode = ExternalMode.REFERENCE
    binary_targets: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.basis, Basis) or not isinstance(self.rounding, Rounding):
            raise ValueError("評価の基準か端数の処理が正しくありません")
        if not isinstance(self.binary_targets, bool):
            raise ValueError("語の目標の扱いが正しくありません")
        if not isinstance(self.floor, bool) or not isinstance(self.external, ExternalMode):
            raise ValueError("基準値を下回る行か外的要因の扱いが正しくありません")
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
            "floor": self.floor,
            "external": self.external.value,
            "binary_targets": self.binary_targets,
        }

    @classmethod
    def from_dict(cls, data: Any) -> EvaluationSettings:
        """Settings from :meth:`to_dict`'s form.

        ``floor``, ``external`` and ``binary_targets`` may be missing
        (settings stored before they were): the floor is then off, external
        factors are 参考 and word targets ranked by their rate, so that such
        a book ranks as it did.

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
                floor=_setting_flag(data.get("floor", False)),
                external=ExternalMode(data.get("external", ExternalMode.REFERENCE.value)),
                binary_targets=_setting_flag(data.get("binary_targets", False)),
            )
        except (KeyError, TypeError, ArithmeticError) as error:
            raise ValueError(f"評価の設定が読めません（{error}）") from error


def _setting_text(value: Any) -> str:
    """A rank label as stored: text, or the settings are not read."""
    if not isinstance(value, str):
        raise TypeError("評価の記号が文字ではありません")
    return value


def _setting_flag(value: Any) -> bool:
    """A yes/no setting as stored: true or false, or the settings are not read."""
    if not isinstance(value, bool):
        raise TypeError("基準値を下回る行の扱いが true か false ではありません")
    return value


def _setting_threshold(value: Any) -> Decimal:
    """A threshold as stored (text or a JSON number), checked by :class:`EvaluationSettings`."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError("しきい値が数ではありません")
    if isinstance(value, str) and len(value) > 40:
        raise ValueError("しきい値が長すぎます")
    return Decimal(str(value))


#: The settings every book ranked by before the 期待値: the achievement rate
#: against the final target, no floor. A book that has sheets and was made
#: before keeps them (``kpidesk.book.schema``).
LEGACY_SETTINGS = EvaluationSettings(basis=Basis.ACHIEVEMENT, floor=False, binary_targets=False)


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


def describe_progress(
    rate: Decimal | None,
    rounding: Rounding,
    *,
    reached: bool | None = None,
    direction: str | None = None,
) -> str:
    """A progress-type rate as printed, in words where a figure would mislead.

    A rate below zero means the actual moved away from the target, past the
    base value: 「基準値を下回る」 (「基準値を上回る」 for a target that goes
    down) rather than ``-783.8%``. Above 200 % it reads 「目標達成済」 when
    the target is reached, else 「期待値を大きく上回る」. Otherwise as
    :func:`format_rate`.

    Args:
        reached: whether the actual has reached the final target.
        direction: "up", "down" or None (the target's direction).
    """
    if rate is None:
        return NOT_JUDGED
    if rate < 0:
        return {"up": "基準値を下回る", "down": "基準値を上回る"}.get(
            direction or "", "基準値より後退"
        )
    if round_rate(rate, rounding) > MEANINGFUL_PROGRESS:
        return "目標達成済" if reached else "期待値を大きく上回る"
    return format_rate(rate, rounding)


# --- ranks from a row's inputs -------------------------------------------------


class RankStatus(enum.Enum):
    """Where a row (or a sheet) stands: ranked, left out, or not judged (yet)."""

    RANKED = "ranked"
    EXCLUDED = "excluded"
    UNRANKED = "unranked"


#: Binary rows: a word target (前年比減, 前年比増) or a yes/no target (認定).
BINARY_KINDS = ("word", "yesno")
#: The longest text :meth:`RankInputs.from_json` keeps of a stored sentence.
_MAX_STORED_TEXT = 1_000


@dataclass(frozen=True)
class RankInputs:
    """What one value row's rank is read from, whatever the book's settings.

    Rates are unrounded percentages, None when the row has none (the reason
    is in ``reasons``).

    Attributes:
        row: the row's index in its sheet.
        label: the row's label.
        achievement: actual against the final target.
        progress: progress from the base value towards the final target.
        expected: actual against the year's 期待値.
        expected_progress: progress from the base value against the 期待値's.
        reasons: (basis value, why that rate is missing) for each missing rate.
        binary: "" for a row ranked by a rate, else one of :data:`BINARY_KINDS`.
        met: for a binary row, whether its target is met; None when not judged.
        verdict: for a binary row, what was met or not, in Japanese.
        below_base: "" or the sentence saying the actual is worse than the base.
        mark: the canonical mark of the judged actual (``速報値``), or "".
        earlier_year: an older year's actual was judged, the newest not being a number.
        external: the row is marked 外的要因.
        external_reason: the reason given with it.
    """

    row: int = 0
    label: str = ""
    achievement: Decimal | None = None
    progress: Decimal | None = None
    expected: Decimal | None = None
    expected_progress: Decimal | None = None
    reasons: tuple[tuple[str, str], ...] = ()
    binary: str = ""
    met: bool | None = None
    verdict: str = ""
    below_base: str = ""
    mark: str = ""
    earlier_year: bool = False
    external: bool = False
    external_reason: str = ""

    def rate(self, basis: Basis) -> Decimal | None:
        """The unrounded rate of ``basis``, or None."""
        rate: Decimal | None = getattr(self, basis.value)
        return rate

    def reason(self, basis: Basis) -> str:
        """Why the rate of ``basis`` is missing ("" when it is not)."""
        return dict(self.reasons).get(basis.value, "")

    @property
    def provisional(self) -> bool:
        """True when the judged actual is marked as not final (速報値, 暫定値, 見込み)."""
        return self.mark in values.PROVISIONAL_MARKS

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data: rates as exact text, and only what is set."""
        data: dict[str, Any] = {"row": self.row}
        for key, value in (("label", self.label), *_text_fields(self)):
            if value:
                data[key] = value
        for basis in Basis:
            rate = self.rate(basis)
            if rate is not None:
                data[basis.value] = str(rate)
        if self.reasons:
            data["reasons"] = dict(self.reasons)
        if self.met is not None:
            data["met"] = self.met
        for key in ("earlier_year", "external"):
            if getattr(self, key):
                data[key] = True
        return data

    @classmethod
    def from_json(cls, data: Any) -> RankInputs | None:
        """Inputs from :meth:`to_json`'s form, read as untrusted: None when not an
        object; a value that is not what :meth:`to_json` writes is left out."""
        if not isinstance(data, dict):
            return None
        row = data.get("row")
        if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < limits.MAX_ROWS:
            return None
        reasons = data.get("reasons")
        kept_reasons: list[tuple[str, str]] = []
        if isinstance(reasons, dict):
            for key in _RATE_KEYS:
                reason = _stored_text(reasons.get(key), _MAX_STORED_TEXT)
                if reason:
                    kept_reasons.append((key, reason))
        texts = {
            key: _stored_text(data[key], most) for key, most in _STORED_TEXTS.items() if key in data
        }
        binary, mark, met = data.get("binary"), data.get("mark"), data.get("met")
        return cls(
            row=row,
            **{key: stored_rate(data[key]) for key in _RATE_KEYS if key in data},
            reasons=tuple(kept_reasons),
            binary=binary if isinstance(binary, str) and binary in BINARY_KINDS else "",
            met=met if isinstance(met, bool) else None,
            mark=mark if isinstance(mark, str) and mark in values.MARKS else "",
            earlier_year=data.get("earlier_year") is True,
            external=data.get("external") is True,
            **texts,
        )


#: The rates' keys (the values of :class:`Basis`; read often, and an enum's value is slow).
_RATE_KEYS = tuple(basis.value for basis in Basis)
#: The texts :meth:`RankInputs.from_json` reads, with the most characters it keeps of each.
_STORED_TEXTS = {
    "label": limits.MAX_ROW_LABEL_CHARS,
    "verdict": _MAX_STORED_TEXT,
    "below_base": _MAX_STORED_TEXT,
    "external_reason": limits.MAX_EXTERNAL_REASON_CHARS,
}


#: The longest ``eval_rates`` read back (50 rows of a few hundred characters each).
_MAX_RANK_ROWS_CHARS = 200_000


def read_rank_rows(text: Any) -> tuple[RankInputs, ...]:
    """A sheet's rows' inputs as a book keeps them (``eval_rates``: a JSON list of
    :meth:`RankInputs.to_json`), read as untrusted input: () when the text is
    empty or not wholly in that form (the list then falls back on the older
    rate columns)."""
    if not isinstance(text, str) or not text or len(text) > _MAX_RANK_ROWS_CHARS:
        return ()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return ()
    if not isinstance(data, list) or len(data) > limits.MAX_ROWS:
        return ()
    try:
        rows = [RankInputs.from_json(item) for item in data]
    except (TypeError, ValueError, ArithmeticError, RecursionError):  # a value of another shape
        return ()
    if any(row is None for row in rows):
        return ()
    return tuple(row for row in rows if row is not None)


def _text_fields(inputs: RankInputs) -> tuple[tuple[str, str], ...]:
    return (
        ("binary", inputs.binary),
        ("verdict", inputs.verdict),
        ("below_base", inputs.below_base),
        ("mark", inputs.mark),
        ("external_reason", inputs.external_reason),
    )


def _stored_text(value: Any, most: int) -> str:
    """A stored text shown safely, or "" when it is not text or too long."""
    if not isinstance(value, str) or not value or len(value) > most:
        return ""
    return limits.clean_text(value)


#: The longest text :func:`stored_rate` reads as a rate.
MAX_STORED_RATE_CHARS = 80


def stored_rate(value: Any) -> Decimal | None:
    """A rate stored as text, or None when it is not one KPI Desk can round and rank.

    Finite, and small enough that rounding it to 0.1 % stays within the 28
    digits of decimal arithmetic (a book may come from anyone).
    """
    if not isinstance(value, str) or len(value) > MAX_STORED_RATE_CHARS:
        return None
    try:
        rate = Decimal(value)
    except InvalidOperation:
        return None
    if not rate.is_finite() or rate.adjusted() > 24:
        return None
    return rate


@dataclass(frozen=True)
class RankResult:
    """A row's (or a sheet's) rank under a book's settings, and why.

    Attributes:
        label: the rank, or None.
        status: ranked, excluded (外的要因, 評価対象外) or not judged.
        rate: the unrounded rate the rank was read from (None for a binary row).
        basis: which rate that is: the book's, or the one it falls back on.
        reason: why there is no rank; "" when ranked.
        rule: a rule that set the rank whatever the rate (the floor, a word
            or yes/no target met or not), in Japanese; "" when none did.
        floored: the floor rule gave the lowest rank.
        reference: the row is marked 外的要因 and ranked as 参考.
        provisional: the rank rests on a value marked 速報値, 暫定値 or 見込み.
        earlier_year: the rank rests on an older year's actual (前年度値で評価).
    """

    label: str | None
    status: RankStatus
    rate: Decimal | None = None
    basis: Basis | None = None
    reason: str = ""
    rule: str = ""
    floored: bool = False
    reference: bool = False
    provisional: bool = False
    earlier_year: bool = False


#: The rate a basis falls back on when its own has no meaning.
_FALLBACK = {Basis.ACHIEVEMENT: Basis.PROGRESS, Basis.EXPECTED: Basis.EXPECTED_PROGRESS}


def rank_row(inputs: RankInputs, settings: EvaluationSettings) -> RankResult:
    """The rank of one row under ``settings`` (rules: :mod:`kpidesk.evaluation`)."""
    flags = {
        "provisional": inputs.provisional,
        "earlier_year": inputs.earlier_year,
        "reference": inputs.external,
    }
    if inputs.external and settings.external is ExternalMode.EXCLUDED:
        why = f"（{inputs.external_reason.strip()}）" if inputs.external_reason.strip() else ""
        return RankResult(
            None,
            RankStatus.EXCLUDED,
            reason=f"外的要因{why}のため評価対象外です",
            provisional=inputs.provisional,
            earlier_year=inputs.earlier_year,
        )
    labels = settings.labels
    if inputs.binary and not settings.binary_targets:
        return _rank_as_before(inputs, settings, flags)
    if inputs.binary:
        if inputs.met is None:
            return RankResult(None, RankStatus.UNRANKED, reason=inputs.reason(settings.basis))
        label = labels[0] if inputs.met else labels[-1]
        return RankResult(label, RankStatus.RANKED, rule=inputs.verdict, **flags)
    basis = settings.basis
    rate = inputs.rate(basis)
    if rate is None and basis in _FALLBACK and inputs.rate(_FALLBACK[basis]) is not None:
        basis = _FALLBACK[basis]
        rate = inputs.rate(basis)
    if rate is None:
        return RankResult(None, RankStatus.UNRANKED, reason=inputs.reason(settings.basis))
    label = rank_of(rate, settings)
    if settings.floor and inputs.below_base:
        rule = f"{inputs.below_base}ため、率にかかわらず{labels[-1]}としています"
        return RankResult(
            labels[-1], RankStatus.RANKED, rate, basis, rule=rule, floored=True, **flags
        )
    return RankResult(label, RankStatus.RANKED, rate, basis, **flags)


def _rank_as_before(
    inputs: RankInputs, settings: EvaluationSettings, flags: dict[str, bool]
) -> RankResult:
    """A word or yes/no target ranked as before they were met or not (``binary_targets`` off).

    A word target (前年比減) is ranked by its achievement rate against the
    year before, and one not met never gets the best rank; a yes/no target
    (認定) is not judged.
    """
    labels = settings.labels
    rate = inputs.rate(Basis.ACHIEVEMENT) if inputs.binary == "word" else None
    if rate is None:
        reason = inputs.reason(Basis.ACHIEVEMENT)
        if inputs.binary == "yesno" or not reason:
            reason = (
                "目標が「認定」などの語のため、今の評価の設定では評価しません"
                "（評価の設定で、達成か未達成かで評価するようにできます）"
            )
        return RankResult(None, RankStatus.UNRANKED, reason=reason)
    label = rank_of(rate, settings)
    if not inputs.met and label == labels[0] and len(labels) > 1:
        label = labels[1]
    return RankResult(label, RankStatus.RANKED, rate, Basis.ACHIEVEMENT, **flags)


def sheet_rank_row(
    rows: Sequence[RankInputs], settings: EvaluationSettings
) -> tuple[RankInputs | None, RankResult]:
    """The row that ranks a sheet, and its result.

    The first row that is ranked under ``settings``, or that would be but is
    left out for an external factor (the sheet is then left out); when no
    row is, the first row, with why it is not judged. ``rows`` never holds a
    期待値 row (it ranks nothing).
    """
    results = [(inputs, rank_row(inputs, settings)) for inputs in rows]
    for inputs, result in results:
        if result.status is not RankStatus.UNRANKED:
            return inputs, result
    if results:
        return results[0]
    return None, RankResult(None, RankStatus.UNRANKED, reason="値の行がありません")
