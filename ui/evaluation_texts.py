"""What the 評価 box and the list say of a row's evaluation, as text.

The figures of a row (the newest actual, the change, the year's 期待値 and
the rates, progress in words where a figure would mislead), the flags its
rank carries (速報値に基づく, 前年度値で評価, 参考（外的要因）,
評価対象外（外的要因）), the reasons shown under it, and how a 期待値 row
is named. Plain functions over :mod:`kpidesk.evaluation`; no widgets.
"""

from __future__ import annotations

import dataclasses
import re

from kpidesk import eras, evaluation, expected, values
from kpidesk.evaluation import Basis, EvaluationSettings, RankResult, RankStatus, RowEvaluation
from kpidesk.model import Sheet
from ui.wrapping import kept_together

#: The figures of a row, in column order: (key, heading).
FIGURES: tuple[tuple[str, str], ...] = (
    ("latest", "最新実績"),
    ("change", "前年比"),
    ("expected", "期待値"),
    ("expected_rate", "対期待値"),
    ("achievement", "達成率"),
    ("progress", "進捗率"),
    ("rank", "評価"),
)


def rank_flags(
    result: RankResult,
    mark: str,
    earlier: str = evaluation.EARLIER_YEAR_NOTE,
    *,
    reason: str = "",
) -> list[str]:
    """What a rank rests on, in a few words each: left out or 参考 for an external
    factor, a provisional value (``速報値に基づく``), an older year's value.

    Args:
        result: the rank.
        mark: the judged value's mark (``速報値``).
        earlier: what to say when an older year's value was judged.
        reason: the external factor's reason, named in its flag when given
            (``参考（外的要因: 新型コロナウイルス感染症の影響）``).
    """
    why = f": {reason.strip()}" if reason.strip() else ""
    if result.status is RankStatus.EXCLUDED:
        return [f"評価対象外（外的要因{why}）"]
    flags = [f"参考（外的要因{why}）"] if result.reference else []
    if result.provisional and mark:
        flags.append(f"{mark}に基づく")
    if result.earlier_year:
        flags.append(earlier)
    return flags


def row_flags(judged: RowEvaluation, result: RankResult) -> list[str]:
    """The flags of a row in the 評価 box: as :func:`rank_flags`, an older year named
    (``R1の値で評価``) unless it is the year before a 集計中 one."""
    earlier = evaluation.EARLIER_YEAR_NOTE
    if not judged.note.startswith(earlier) and judged.latest_year is not None:
        earlier = f"{eras.short_label(judged.latest_year)}の値で評価"
    return rank_flags(result, judged.latest_mark, earlier)


def rank_column(result: RankResult) -> str | None:
    """The :data:`FIGURES` key of the rate the rank was read from, or None."""
    if result.label is None or result.basis is None:
        return None
    if result.basis.against_expected:
        return "expected_rate"
    return "progress" if result.basis.is_progress else "achievement"


def _expected_rate_is_progress(result: RankResult, settings: EvaluationSettings) -> bool:
    """Whether the 対期待値 column shows the progress against the 期待値 (by the
    book's basis, or as the basis falls back on it)."""
    return Basis.EXPECTED_PROGRESS in (settings.basis, result.basis)


def latest_text(judged: RowEvaluation) -> str:
    """``5,081（R2）``; a marked value as ``7,077（R3・速報値）``; "—" without one."""
    if judged.latest_year is None:
        return evaluation.NOT_JUDGED
    year = eras.short_label(judged.latest_year)
    if judged.latest_mark and judged.latest is not None:
        return f"{values.format_number(judged.latest)}（{year}・{judged.latest_mark}）"
    return f"{values.normalize_width(judged.latest_text.strip())}（{year}）"


def figure_texts(judged: RowEvaluation, settings: EvaluationSettings) -> dict[str, str]:
    """What the 評価 box prints for one row, by :data:`FIGURES` key."""
    rounding = settings.rounding
    result = judged.rank_result(settings)
    if _expected_rate_is_progress(result, settings):
        expected_rate = judged.expected_progress_text(rounding)
    else:
        expected_rate = evaluation.format_rate(judged.expected_rate, rounding)
    return {
        "latest": latest_text(judged),
        "change": evaluation.change_text(judged, rounding) or evaluation.NOT_JUDGED,
        "expected": expected.format_expected(judged.expected),
        "expected_rate": expected_rate,
        "achievement": evaluation.format_rate(judged.achievement, rounding),
        "progress": judged.progress_text(rounding),
        "rank": evaluation.NOT_JUDGED if result.label is None else result.label,
    }


#: Where a rate's formula may wrap: before 「÷（」 and around 「（減らす目標は 」.
_FORMULA_BREAKS = re.compile(r"(?=÷（)|(?=（減らす目標は)|(?<=目標は )")


def formula_text(formula: str) -> str:
    """A rate's formula (:attr:`~kpidesk.ranking.Basis.formula`) that a wrapping label
    breaks only between its terms: never 「目標」 over 「÷実績」."""
    return kept_together(*(part for part in _FORMULA_BREAKS.split(formula) if part))


def scheme_phrases(settings: EvaluationSettings) -> list[str]:
    """The rank scheme beside the 評価 heading, in the phrases it may wrap between:
    「達成率で評価」「（A 100%以上、」…「D それ未満／」「四捨五入）」."""
    levels = [
        f"{level.label} {evaluation.format_threshold(level.threshold)}%以上、"
        for level in settings.levels
    ]
    if levels:
        levels[0] = "（" + levels[0]
        lowest = f"{settings.lowest_label} それ未満／"
    else:
        lowest = f"（{settings.lowest_label} それ未満／"
    return [f"{settings.basis.label}で評価", *levels, lowest, f"{settings.rounding.label}）"]


def heading_tips(settings: EvaluationSettings) -> dict[str, str]:
    """What each column heading says on hover, by :data:`FIGURES` key."""
    against = (
        Basis.EXPECTED_PROGRESS if settings.basis is Basis.EXPECTED_PROGRESS else Basis.EXPECTED
    )
    return {
        "latest": "数値の入っている最新の実績値（その年度）",
        "change": "前年の実績（基準値）からの増減",
        "expected": "その年度に期待される値: 基準値から目標値への直線をその年度で読んだ値"
        "（期待値の行があればその値）",
        "expected_rate": f"{against.label}: {against.formula}",
        "achievement": f"最終の目標に対する達成率: {Basis.ACHIEVEMENT.formula}",
        "progress": f"最終の目標に対する進捗率: {Basis.PROGRESS.formula}"
        "（基準値から後退した実績は「基準値を下回る」などの言葉で示します）",
        "rank": f"{settings.basis.label}で評価（太字の率）",
    }


def expected_tip(sheet: Sheet, judged: RowEvaluation) -> str:
    """Where the row's 期待値 comes from, or why there is none."""
    if judged.expected is None or judged.latest_year is None:
        return judged.expected_reason
    year = eras.short_label(judged.latest_year)
    if judged.expected_source == expected.TYPED and judged.expected_row is not None:
        return f"{year}の期待値: {row_name(sheet, judged.expected_row)}の行の値"
    row = sheet.rows[judged.index]
    target = f"目標値{row.target.text.strip()}（{eras.short_label(sheet.target_year)}）"
    start = f"基準値{row.baseline.text.strip()}（{eras.short_label(sheet.baseline_year)}）"
    if evaluation.row_kind(row) == "cumulative" and evaluation.restarts_from_zero(row):
        start = f"0（{eras.short_label(sheet.baseline_year)}。期間ごとに数え直す累計のため）"
    return f"{year}の期待値: {start}から{target}への直線で読んだ値"


def notes(judged: RowEvaluation, settings: EvaluationSettings) -> list[str]:
    """The reasons and remarks shown under a row's figures, without repeats.

    Which year was judged and why (its 「前年度値で評価」 is a flag: see
    :func:`row_flags`), the rule that set the rank (the floor, a word or
    yes/no target), the external factor, why there is no rank, why the
    rate ranked falls back on another, and why a figure shown is "—".
    """
    result = judged.rank_result(settings)
    against = settings.basis.against_expected
    # 「前年度値で評価」 stands among the flags; the note goes on to say why.
    note = judged.note.removeprefix(evaluation.EARLIER_YEAR_NOTE + "。")
    texts = [note, result.rule]
    if result.status is RankStatus.EXCLUDED:
        texts.append(result.reason)
    elif result.reference:
        reason = judged.external_reason.strip()
        texts.append(f"外的要因{f'（{reason}）' if reason else ''}のため参考として評価しています")
    if result.label is None:
        texts.append(result.reason)
    if result.basis is not None and result.basis is not settings.basis:
        texts.append(judged.rank_inputs().reason(settings.basis))
    if judged.change is None or judged.change_percent is None:
        texts.append(judged.change_reason)
    if not judged.binary:
        if against and judged.expected is None:
            texts.append(judged.expected_reason)
        if judged.progress is None:
            texts.append(judged.progress_reason)
    found: list[str] = []
    for text in texts:
        if text and text not in found:
            found.append(text)
    return found


def row_name(sheet: Sheet, index: int) -> str:
    """A value row as named in sentences: its label, or ``2行目`` without one."""
    label = sheet.rows[index].label.strip()
    return label or f"{index + 1}行目"


def path_text(sheet: Sheet, judged: RowEvaluation) -> str:
    """What a 期待値 row shows in place of figures: ``期待値の行（累計の行の期待値）``."""
    if judged.yardstick_of is None:
        return "期待値の行（対応する値の行がありません）"
    return f"期待値の行（{row_name(sheet, judged.yardstick_of)}の行の期待値）"


def path_note(sheet: Sheet, judged: RowEvaluation) -> str:
    """The sentence under a 期待値 row."""
    if judged.yardstick_of is None:
        return "評価しません。期待値を与える値の行がないため、この行の値は使われません"
    name = row_name(sheet, judged.yardstick_of)
    return (
        f"評価しません。この行の値が、その年度の{name}の行の期待値になります"
        "（値のない年度は、目標値への直線で読んだ値）"
    )


#: The chooser's item that leaves a row's 期待値 role to its label.
AUTOMATIC = ""


def measure_choices(sheet: Sheet, index: int) -> list[tuple[str, str]]:
    """The choices of 「この行を期待値の行にする」 for row ``index``: (value, text).

    First 自動 (by the row's label: 期待値… or 目安値… makes it one), then one
    per other row it can measure (a row with a label that is no 期待値 row
    itself); a value set before that names no such row is kept as a choice.
    """
    row = sheet.rows[index]
    rows = list(sheet.rows)
    rows[index] = dataclasses.replace(row, measures="")
    by_label = expected.yardsticks(dataclasses.replace(sheet, rows=rows))
    if index not in by_label:
        automatic = "いいえ"
    elif by_label[index] is None:
        automatic = "対応する行なし"
    else:
        automatic = f"{row_name(sheet, by_label[index])}の行"
    choices = [(AUTOMATIC, f"期待値の行: 自動（{automatic}）")]
    yardsticks = expected.yardsticks(sheet)
    seen: set[str] = set()
    for other, candidate in enumerate(sheet.rows):
        label = candidate.label.strip()
        if other == index or not label or other in yardsticks or label in seen:
            continue
        seen.add(label)
        choices.append((label, f"期待値の行: {label}の行"))
    measures = row.measures.strip()
    if measures and measures not in seen:
        choices.append((measures, f"期待値の行: {measures}の行"))
    return choices
