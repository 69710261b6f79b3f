"""A book's settings as stored in its ``meta`` table, read as untrusted input.

A book may have been made or changed by anyone, so each setting is checked
like any input: a value that is not what KPI Desk writes is not used, the
default takes its place, and the reason is given in Japanese so that the
window and the commands can say so.
"""

from __future__ import annotations

import json
from typing import Any

from kpidesk import evaluation, limits

#: What the window and the commands say after a setting that could not be used.
_FIX = "評価の設定を開いて保存し直すと、この注意は出なくなります"


def _json(text: str) -> Any:
    """JSON of a stored setting; ValueError when it is too long or not JSON."""
    if len(text) > limits.MAX_SETTING_CHARS:
        raise ValueError(f"長すぎます（{len(text):,}文字）")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("入れ子が深すぎます") from None
    except ValueError:  # not JSON, or an integer of thousands of digits
        raise ValueError("JSONとして読めません") from None


def read_evaluation(text: str | None) -> tuple[evaluation.EvaluationSettings, str]:
    """The rank scheme stored as ``text``, and "" or why the default is used instead."""
    if text is None:
        return evaluation.EvaluationSettings(), ""
    try:
        return evaluation.EvaluationSettings.from_dict(_json(text)), ""
    except (ValueError, TypeError, ArithmeticError) as error:
        reason = str(error).removeprefix("評価の設定が読めません")
        default = "・".join(evaluation.EvaluationSettings().labels)
        return evaluation.EvaluationSettings(), (
            f"ブックに保存された評価の設定が使えないため、既定の設定（{default}）で評価しています"
            f"（{reason.strip('（）') or '形が正しくありません'}）。{_FIX}"
        )


def read_locked_years(text: str | None) -> tuple[set[int], str]:
    """The locked report years stored as ``text``, and "" or why some were not used."""
    if not text:
        return set(), ""
    try:
        years = _json(text)
    except ValueError as error:
        return set(), f"ブックに保存された年度のロックが読めません（{error}）"
    if not isinstance(years, list) or len(years) > limits.MAX_LOCKED_YEARS:
        return set(), "ブックに保存された年度のロックが読めません（形が正しくありません）"
    usable = {year for year in years if limits.year_problem(year, "") is None}
    if any(limits.year_problem(year, "") is not None for year in years):
        return (
            usable,
            "ブックに保存された年度のロックに、年度ではない値があります（使っていません）",
        )
    return usable, ""


def read_print_chart(text: str | None) -> tuple[bool, str]:
    """Whether printed pages carry the chart, stored as ``text``; and "" or a note."""
    if text in (None, "0", "1"):
        return text == "1", ""
    return False, "ブックに保存された推移グラフの設定が読めないため、グラフを入れずに印刷します"
