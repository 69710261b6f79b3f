"""An evaluation in words: the year-on-year change and its 取組状況 sentence.

``-1,417件(-21.8%)`` as the published sheets print it, the sentence
``令和2年度の刑法犯認知件数は、前年比：-1,417件(-21.8%)の5,081件となった。``
and where it goes among the 取組状況 paragraphs. Re-exported by
:mod:`kpidesk.evaluation`, whose :class:`~kpidesk.evaluation.RowEvaluation`
these read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from kpidesk import eras, values
from kpidesk.model import Sheet
from kpidesk.ranking import NOT_JUDGED, Rounding, format_rate, round_rate

if TYPE_CHECKING:
    from kpidesk.evaluation import RowEvaluation


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
