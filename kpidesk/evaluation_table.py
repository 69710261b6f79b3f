"""The 評価一覧 (evaluation table): one printed line per value row.

What the Excel 評価一覧, the 一覧 of the Excel export and ``main.py
evaluate`` show of each value row is made here once, as text, so that they
never disagree: the base value and the newest actual with their years
(``6,498 (R1)``, ``5,081 (R2)``), the year-on-year change
(``-1,417件(-21.8%)``), the year's 期待値 (``3,568.75``), the rates rounded
as the book says (``127.9%``; a progress rate that would mislead in words,
``基準値を下回る``), the rank, and a remark saying why a rate is "—", which
year was judged, and which rule set the rank (the floor, a word target, an
external factor, a 速報値).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpidesk import eras, evaluation, expected, values
from kpidesk.evaluation import NOT_JUDGED, EvaluationSettings, RankResult, RowEvaluation
from kpidesk.model import Sheet, sheet_sort_key


@dataclass(frozen=True)
class EvaluationLine:
    """One value row of the evaluation table, as printed.

    Attributes:
        sheet: the sheet the row belongs to.
        evaluation: the row's evaluation.
        baseline: the base value with its year (``6,498 (R1)``), or "".
        latest: the newest actual with its year (``5,081 (R2)``); when no
            actual is a number, the newest text typed (``集計中 (R2)``); "".
        change: the year-on-year change (``-1,417件(-21.8%)``) or "—".
        target: the target with its year (``前年比減 (R5)``), or "".
        achievement: the achievement rate as printed (``127.9%``) or "—".
        progress: the progress rate as a figure (``-783.8%``) or "—".
        achievement_rounded: the achievement rate rounded as printed (percent), or None.
        progress_rounded: the progress rate rounded as printed (percent), or None.
        rank: the rank label, or None when the row is not judged.
        rank_index: 0 for the best rank, 1 for the next...; None when not judged.
        rank_reason: why there is no rank, or "".
        remarks: the note (which year was judged), the rule that set the rank
            and the reasons for each "—", joined into sentences; "" when
            there is nothing to say.
        result: the rank with the rate it was read from and its flags.
        expected: the 期待値 of the judged year as printed (``3,568.75``) or "—".
        expected_rate: the rate against the 期待値 as printed, or "—".
        expected_progress: the progress against the 期待値's, in words where a
            figure would mislead (:func:`kpidesk.ranking.describe_progress`).
        progress_words: the progress rate the same way (``基準値を下回る``).
        expected_rate_rounded: the rate against the 期待値, rounded as printed, or None.
        expected_progress_rounded: the progress against the 期待値's, rounded, or None.
    """

    sheet: Sheet
    evaluation: RowEvaluation
    baseline: str
    latest: str
    change: str
    target: str
    achievement: str
    progress: str
    achievement_rounded: Decimal | None
    progress_rounded: Decimal | None
    rank: str | None
    rank_index: int | None
    rank_reason: str
    remarks: str
    result: RankResult | None = None
    expected: str = NOT_JUDGED
    expected_rate: str = NOT_JUDGED
    expected_progress: str = NOT_JUDGED
    progress_words: str = NOT_JUDGED
    expected_rate_rounded: Decimal | None = None
    expected_progress_rounded: Decimal | None = None

    @property
    def rank_text(self) -> str:
        """The rank label, or "—"."""
        return self.rank if self.rank is not None else NOT_JUDGED

    def to_dict(self) -> dict[str, Any]:
        """The line as JSON-ready data with stable English keys.

        Numbers are JSON numbers (exact integers stay integers); rates come
        both raw (``achievement``, unrounded percent) and as printed
        (``achievement_text``, rounded as the book says; progress rates in
        words where a figure would mislead). ``rate`` is the one the rank was
        read from (``rate_basis``), ``flags`` what the rank rests on.
        """
        sheet, ev = self.sheet, self.evaluation
        row = sheet.rows[ev.index]
        result = self.result
        return {
            "report_year": sheet.report_year,
            "no": sheet.no,
            "departments": list(sheet.departments),
            "title": sheet.title,
            "row": ev.index + 1,
            "label": ev.label,
            "unit": ev.unit,
            "kind": ev.kind,
            "direction": ev.target_direction,
            "baseline_text": row.baseline.text,
            "baseline_year": sheet.baseline_year,
            "latest_text": ev.latest_text,
            "latest_year": ev.latest_year,
            "latest": json_number(ev.latest),
            "previous_year": ev.previous_year,
            "previous": json_number(ev.previous),
            "change": json_number(ev.change),
            "change_percent": json_number(ev.change_percent),
            "change_text": self.change,
            "change_reason": ev.change_reason,
            "target_text": ev.target_text,
            "target_year": sheet.target_year,
            "target": json_number(ev.target),
            "achievement": json_number(ev.achievement),
            "achievement_text": self.achievement,
            "achievement_reason": ev.achievement_reason,
            "progress": json_number(ev.progress),
            "progress_text": self.progress_words,
            "progress_reason": ev.progress_reason,
            "expected": json_number(ev.expected),
            "expected_text": self.expected,
            "expected_source": ev.expected_source or None,
            "expected_row": None if ev.expected_row is None else ev.expected_row + 1,
            "expected_reason": ev.expected_reason,
            "expected_rate": json_number(ev.expected_rate),
            "expected_rate_text": self.expected_rate,
            "expected_rate_reason": ev.expected_rate_reason,
            "expected_progress": json_number(ev.expected_progress),
            "expected_progress_text": self.expected_progress,
            "expected_progress_reason": ev.expected_progress_reason,
            "rate": json_number(None if result is None else result.rate),
            "rate_basis": None if result is None or result.basis is None else result.basis.value,
            "rank": self.rank,
            "rank_status": None if result is None else result.status.value,
            "rank_reason": self.rank_reason,
            "reason": "" if result is None else result.rule or result.reason,
            "flags": _flags(ev, result),
            "note": ev.note,
            "remarks": self.remarks,
        }


def _flags(ev: RowEvaluation, result: RankResult | None) -> dict[str, Any]:
    """What a row's rank rests on, for the JSON of ``main.py evaluate``."""
    return {
        "provisional": ev.provisional,
        "mark": ev.latest_mark or None,
        "previous_year_value": ev.earlier_year,
        "external": ev.external,
        "external_reason": ev.external_reason,
        "reference": result is not None and result.reference,
        "excluded": result is not None and result.status is evaluation.RankStatus.EXCLUDED,
        "below_base": bool(ev.below_base),
        "floored": result is not None and result.floored,
        "binary": ev.binary or None,
        "met": ev.achieved if ev.binary else None,
        "yardstick": ev.is_yardstick,
        "yardstick_of": None if ev.yardstick_of is None else ev.yardstick_of + 1,
    }


def json_number(number: Decimal | None) -> int | float | None:
    """A Decimal as a JSON number: an int when whole, else a float; None stays None."""
    if number is None:
        return None
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def with_year(text: str, year: int | None) -> str:
    """``6,498 (R1)``; the text alone without a year or for "—", "" without text."""
    text = text.strip()
    if not text:
        return ""
    if year is None or values.parse_value(text).word == NOT_JUDGED:
        return text
    return f"{text} ({eras.short_label(year)})"


def _latest(sheet: Sheet, ev: RowEvaluation) -> str:
    if ev.is_yardstick:
        return ""  # a 期待値 row's values are the path, not an actual
    if ev.latest_year is not None:
        return with_year(ev.latest_text, ev.latest_year)
    typed = sheet.rows[ev.index].latest_actual(sheet.actual_years)
    return "" if typed is None else with_year(typed[1].text, typed[0])


def _remarks(ev: RowEvaluation, result: RankResult, settings: EvaluationSettings) -> str:
    """The note, the rule that set the rank, its flags and every distinct reason for a "—",
    as sentences."""
    flags = []
    if result.reference:
        why = f"（{ev.external_reason.strip()}）" if ev.external_reason.strip() else ""
        flags.append(f"外的要因{why}のため参考")
    if result.provisional:
        flags.append(f"{ev.latest_mark}による評価")
    if settings.basis.against_expected:
        rates = ((ev.expected_rate, ev.expected_rate_reason),)
        rates += ((ev.expected_progress, ev.expected_progress_reason),)
    else:
        rates = ((ev.achievement, ev.achievement_reason), (ev.progress, ev.progress_reason))
    parts: list[str] = []
    for text in (
        ev.note,
        result.rule,
        *flags,
        result.reason if result.label is None else "",
        *(reason for rate, reason in rates if rate is None),
        ev.change_reason if ev.change is None else "",
    ):
        for sentence in text.split("。"):
            sentence = sentence.strip()
            if sentence and sentence not in parts:
                parts.append(sentence)
    return "".join(part + "。" for part in parts)


def evaluation_line(
    sheet: Sheet, ev: RowEvaluation, settings: EvaluationSettings
) -> EvaluationLine:
    """The printed line of one evaluated value row."""
    row = sheet.rows[ev.index]
    rounding = settings.rounding
    result = ev.rank_result(settings)
    rank = result.label

    def rounded(rate: Decimal | None) -> Decimal | None:
        return None if rate is None else evaluation.round_rate(rate, rounding)

    return EvaluationLine(
        sheet=sheet,
        evaluation=ev,
        baseline=with_year(row.baseline.text, sheet.baseline_year),
        latest=_latest(sheet, ev),
        change=evaluation.change_text(ev, rounding) or NOT_JUDGED,
        target=with_year(row.target.text, sheet.target_year),
        achievement=evaluation.format_rate(ev.achievement, rounding),
        progress=evaluation.format_rate(ev.progress, rounding),
        achievement_rounded=rounded(ev.achievement),
        progress_rounded=rounded(ev.progress),
        rank=rank,
        rank_index=evaluation.rank_index(rank, settings),
        rank_reason="" if rank is not None else result.reason,
        remarks=_remarks(ev, result, settings),
        result=result,
        expected=expected.format_expected(ev.expected),
        expected_rate=evaluation.format_rate(ev.expected_rate, rounding),
        expected_progress=ev.expected_progress_text(rounding),
        progress_words=ev.progress_text(rounding),
        expected_rate_rounded=rounded(ev.expected_rate),
        expected_progress_rounded=rounded(ev.expected_progress),
    )


def evaluation_lines(
    sheets: Sequence[Sheet],
    settings: EvaluationSettings,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[EvaluationLine]:
    """Every value row of the sheets, judged and printed, by report year, then No.

    Args:
        sheets: the sheets; a sheet without value rows gives no line.
        settings: the book's rank scheme and rounding.
        progress: called with (done, total) after each sheet; an exception
            it raises aborts.
    """
    ordered = sorted(sheets, key=lambda sheet: (sheet.report_year, sheet_sort_key(sheet)))
    lines: list[EvaluationLine] = []
    for done, sheet in enumerate(ordered, start=1):
        lines += [evaluation_line(sheet, ev, settings) for ev in evaluation.evaluate_sheet(sheet)]
        if progress is not None:
            progress(done, len(ordered))
    return lines


def _percent(threshold: Decimal) -> str:
    return evaluation.format_threshold(threshold) + "%"


def legend(settings: EvaluationSettings) -> str:
    """The rank scheme in one line.

    ``評価（達成率）: A 100%以上　B 80%以上100%未満　C 50%以上80%未満　D 50%未満``,
    then how the rate is worked out, which rows are judged how and the rounding.
    """
    basis = settings.basis
    parts: list[str] = []
    upper: Decimal | None = None
    for level in settings.levels:
        bound = f"{_percent(level.threshold)}以上"
        if upper is not None:
            bound += f"{_percent(upper)}未満"
        parts.append(f"{level.label} {bound}")
        upper = level.threshold
    best, lowest = settings.labels[0], settings.lowest_label
    if upper is not None:
        parts.append(f"{lowest} {_percent(upper)}未満")
    else:
        parts.append(lowest)
    words = "・".join(evaluation.WORD_TARGETS)
    rule = f"評価（{basis.label}）: " + "　".join(parts)
    if basis.against_expected:
        notes = [
            "期待値は基準値から目標値への直線をその年度で読んだ値（期待値の行があればその値）",
            "期待値に対する達成率は実績÷期待値（減らす目標は期待値÷実績）",
            "期待値に対する進捗率は（実績−基準値）÷（期待値−基準値）",
        ]
    else:
        notes = [
            "達成率は実績÷目標（減らす目標は目標÷実績）",
            "進捗率は（実績−基準値）÷（目標−基準値）",
        ]
    if settings.binary_targets:
        notes.append(f"目標が{words}・認定などの行は達成なら{best}、未達成なら{lowest}")
    else:
        notes.append(
            f"目標が{words}の行は前年に対する達成率で評価（未達成は{best}にしない）。"
            "目標が認定などの語の行は評価しない"
        )
    if settings.floor:
        notes.append(f"実績が基準値より悪い行は{lowest}")
    notes.append(f"外的要因の行は{settings.external.label}")
    notes += [
        f"率は0.1%未満を{settings.rounding.label}",
        f"{NOT_JUDGED}は評価できない行（理由は備考）",
    ]
    return rule + "。" + "。".join(notes) + "。"


def report_years_label(sheets: Sequence[Sheet]) -> str:
    """``令和2年度``, or ``令和2年度・令和3年度`` for several report years."""
    return "・".join(eras.kanji_label(year) for year in sorted({s.report_year for s in sheets}))
