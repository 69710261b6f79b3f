"""How much of everything a sheet may hold, and which characters it may not.

A book may come from anyone, so every way a sheet comes in (text, JSON and
Excel imports, the form) checks it against the same bounds with
:func:`sheet_problems`, and every text that comes in has the characters an
Excel workbook cannot carry replaced by :func:`clean_text`. The bounds are
far above what any real sheet needs (a KPI name of a few dozen characters,
a text section of a few hundred) and only stop input that would make the
program or a workbook unusable.

Unsafe characters are replaced by U+FFFD (the replacement character ``�``)
rather than removed or refused: removing them could silently join two
figures (``1`` U+000B ``000`` would become ``1000``), and refusing would
turn away a whole import for one invisible character. ``�`` stays where the
character was, so the person sees what changed, and it never reads as part
of a number.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from kpidesk import eras

if TYPE_CHECKING:
    from kpidesk.model import Sheet

#: The report, base, actual and target years a sheet may have.
MIN_YEAR = eras.MIN_YEAR
MAX_YEAR = 2200
#: Characters of a No (``9``, ``10-2``).
MAX_NO_CHARS = 30
#: Departments of one sheet, and characters of each.
MAX_DEPARTMENTS = 20
MAX_DEPARTMENT_CHARS = 100
#: Characters of the KPI name and of the strategy section heading.
MAX_TITLE_CHARS = 1_000
MAX_SECTION_CHARS = 1_000
#: Characters of the 出典 line, and of 公表時期 and 次回公表予定 each.
MAX_SOURCE_CHARS = 1_000
MAX_RELEASE_CHARS = 200
#: Characters of a sheet's 企画課コメント (差戻し).
MAX_PLANNING_COMMENT_CHARS = 2_000
#: Characters of the value table's base column label, a row's label and unit.
MAX_BASELINE_LABEL_CHARS = 100
MAX_ROW_LABEL_CHARS = 200
MAX_UNIT_CHARS = 50
#: Characters of the reason given with a row's 外的要因 (external factor).
MAX_EXTERNAL_REASON_CHARS = 200
#: Characters of one cell of the value table.
MAX_CELL_CHARS = 200
#: Value rows of one sheet, and actual years (columns) of one sheet.
MAX_ROWS = 50
MAX_ACTUAL_YEARS = 30
#: Bullets of one text section, and characters of the whole section (its
#: bullets joined by line breaks): with a mark before each bullet, a section
#: within these still fits one Excel cell (32,767 characters).
MAX_BULLETS = 500
MAX_TEXT_SECTION_CHARS = 30_000
#: Digits a number of the value table may have before and after the point.
#: Rates of such numbers still fit the 28 digits of decimal arithmetic.
MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 6

#: Rank thresholds (percent) a book's evaluation settings may have.
MIN_THRESHOLD = Decimal(-100_000)
MAX_THRESHOLD = Decimal(100_000)
#: Decimal places of a rank threshold.
MAX_THRESHOLD_PLACES = 4
#: Ranks of a scheme (the lowest included), and characters of a rank's label.
MIN_RANKS = 2
MAX_RANKS = 6
MAX_RANK_LABEL_CHARS = 8
#: Characters of a book setting as stored; anything longer is not read.
MAX_SETTING_CHARS = 10_000
#: Locked report years a book may list.
MAX_LOCKED_YEARS = 300

#: What stands in for a character a workbook cannot carry.
REPLACEMENT = "\ufffd"

# Characters XML 1.0 cannot carry (controls other than tab, LF and CR; lone
# surrogates; U+FFFE and U+FFFF) and the other noncharacters, which Unicode
# keeps for a program's internal use and never for text exchanged.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)
# The same characters of the first plane, and every character beyond it: a
# set regular expressions test with one table look-up per character, where
# _UNSAFE's 34 characters beyond the first plane are tried one by one (ten
# times slower, and every text of every sheet read is looked at).
_UNSAFE_OR_ASTRAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U00010000-\U0010ffff]"
)

_TEXT_SECTION_NAMES = {
    "efforts": "取組状況",
    "issues": "課題等",
    "direction": "今後の方向性",
    "opinions": "企画課・有識者意見",
}
#: The one-line source fields: attribute -> (label, most characters).
_SOURCE_FIELD_LIMITS = {
    "source": ("出典", MAX_SOURCE_CHARS),
    "published": ("公表時期", MAX_RELEASE_CHARS),
    "next_release": ("次回公表予定", MAX_RELEASE_CHARS),
}


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` a workbook cannot carry, or None."""
    match = _UNSAFE_OR_ASTRAL.search(text)
    while match is not None:
        char = match.group()
        if char <= "\uffff" or ord(char) & 0xFFFE == 0xFFFE:
            return char
        match = _UNSAFE_OR_ASTRAL.search(text, match.end())
    return None


def describe_character(char: str) -> str:
    """A character as a person can find it: ``U+FFFE``."""
    return f"U+{ord(char):04X}"


#: What a message must not show as it is: it would break or garble the line.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The invisible characters that set the direction of the text after them
# (marks, embeddings, overrides, isolates): in a No they can make it show
# reversed or out of place in the list.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """The text with every character a workbook cannot carry replaced by U+FFFD."""
    if unsafe_character(text) is None:
        return text
    return _UNSAFE.sub(REPLACEMENT, text)


def clean_texts(texts: Iterable[str]) -> list[str]:
    """:func:`clean_text` of each text."""
    return [clean_text(text) for text in texts]


def clean_sheet(sheet: Sheet) -> int:
    """Replace in place, in every text of the sheet, the characters a workbook cannot carry.

    Returns:
        How many texts were changed.
    """
    changed = 0

    def clean(text: str) -> str:
        nonlocal changed
        cleaned = clean_text(text)
        changed += cleaned != text
        return cleaned

    from kpidesk.model import Cell  # the model imports this module

    sheet.no = clean(sheet.no)
    sheet.departments = [clean(name) for name in sheet.departments]
    sheet.title = clean(sheet.title)
    sheet.section = clean(sheet.section)
    sheet.baseline_label = clean(sheet.baseline_label)
    for attribute in (*_SOURCE_FIELD_LIMITS, "planning_comment"):
        setattr(sheet, attribute, clean(getattr(sheet, attribute)))
    for row in sheet.rows:
        row.label = clean(row.label)
        row.unit = clean(row.unit)
        row.baseline = Cell(clean(row.baseline.text))
        row.actuals = [Cell(clean(cell.text)) for cell in row.actuals]
        row.target = Cell(clean(row.target.text))
        row.measures = clean(row.measures)
        row.external_reason = clean(row.external_reason)
    for attribute in _TEXT_SECTION_NAMES:
        setattr(sheet, attribute, [clean(text) for text in getattr(sheet, attribute)])
    return changed


def number_within_limits(number: Decimal) -> bool:
    """Whether a number of the value table is one KPI Desk computes with.

    At most :data:`MAX_INTEGER_DIGITS` digits before the point and
    :data:`MAX_FRACTION_DIGITS` after it; anything larger is kept as text.
    """
    if not number.is_finite():
        return False
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if exponent < -MAX_FRACTION_DIGITS:
        return False
    return number.adjusted() < MAX_INTEGER_DIGITS


def printable(text: str) -> str:
    """The text as a terminal may show it: controls, line breaks, tabs and direction
    controls written as ``\\x1b`` / ``\\u202e``, so that a stored name cannot move the
    cursor, recolour the terminal or turn a line around."""

    def escaped(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _BIDI_CONTROLS.sub(escaped, _CONTROLS.sub(escaped, text))


def short_no(no: str) -> str:
    """A No as a message shows it: line breaks, tabs and controls as ``?``, a very long one cut.

    Direction controls are shown as ``?`` too, so that they cannot turn the message around.
    """
    shown = _BIDI_CONTROLS.sub("?", _CONTROLS.sub("?", no[: MAX_NO_CHARS + 1]))
    if len(no) <= MAX_NO_CHARS:
        return shown
    return f"{shown[:MAX_NO_CHARS]}…（{len(no):,}文字）"


def sheet_label(sheet: Sheet) -> str:
    """``2020年度 No 9``, with a very long No cut."""
    return f"{_year_text(sheet.report_year)}年度 No {short_no(sheet.no)}"


def _year_text(year: object) -> str:
    """A year as a message shows it; a huge number or another value is not written out."""
    if isinstance(year, int) and not isinstance(year, bool) and abs(year) < 10**6:
        return str(year)
    return "（範囲外）"


def year_problem(year: object, what: str) -> str | None:
    """Why ``year`` is not a usable year, or None when it is."""
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        return f"{what}（{_year_text(year)}）は{MIN_YEAR}〜{MAX_YEAR}年度で指定してください"
    return None


def _too_long(text: str, limit: int, what: str) -> str | None:
    if len(text) > limit:
        return f"{what}が長すぎます（{len(text):,}文字、上限 {limit:,}文字）"
    return None


def _cell_problem(text: str, what: str) -> str | None:
    from kpidesk import values  # the model imports this module

    problem = _too_long(text, MAX_CELL_CHARS, what)
    if problem is not None:
        return problem
    number = values.parse_value(text).number
    if number is not None and not number_within_limits(number):
        return (
            f"{what}の数値「{text.strip()}」は桁が多すぎます"
            f"（整数部{MAX_INTEGER_DIGITS}桁・小数部{MAX_FRACTION_DIGITS}桁まで）"
        )
    return None


def sheet_problems(sheet: Sheet) -> list[str]:
    """What in a sheet is beyond the bounds, in Japanese, each naming the sheet and the field.

    An empty list means the sheet may be imported or saved. Characters are
    not checked here; :func:`clean_sheet` replaces the unsafe ones.
    """
    found: list[str | None] = [
        year_problem(sheet.report_year, "報告年度"),
        year_problem(sheet.baseline_year, "基準値の年度"),
        year_problem(sheet.target_year, "目標値の年度"),
        _too_long(sheet.no, MAX_NO_CHARS, "No"),
        "No に改行やタブ、制御文字は使えません" if _CONTROLS.search(sheet.no) else None,
        "No に文字の向きを変える見えない制御文字（U+202E など）は使えません"
        if _BIDI_CONTROLS.search(sheet.no)
        else None,
        _too_long(sheet.title, MAX_TITLE_CHARS, "KPI名"),
        _too_long(sheet.section, MAX_SECTION_CHARS, "施策"),
        _too_long(sheet.baseline_label, MAX_BASELINE_LABEL_CHARS, "値の表の基準値の見出し"),
    ]
    found += [
        _too_long(getattr(sheet, attribute), limit, label)
        for attribute, (label, limit) in _SOURCE_FIELD_LIMITS.items()
    ]
    found.append(_too_long(sheet.planning_comment, MAX_PLANNING_COMMENT_CHARS, "企画課コメント"))
    if len(sheet.departments) > MAX_DEPARTMENTS:
        found.append(
            f"担当課が多すぎます（{len(sheet.departments):,}件、上限 {MAX_DEPARTMENTS}件）"
        )
    found += [_too_long(name, MAX_DEPARTMENT_CHARS, "担当課の名前") for name in sheet.departments]
    years = sheet.actual_years
    if len(years) > MAX_ACTUAL_YEARS:
        found.append(f"実績値の年度が多すぎます（{len(years):,}列、上限 {MAX_ACTUAL_YEARS}列）")
    else:
        year_problems = [year_problem(year, "実績値の年度") for year in years]
        found += year_problems
        if not any(year_problems) and any(a >= b for a, b in itertools.pairwise(years)):
            found.append("実績値の年度は古い順に、重ならないように並べてください")
    if len(sheet.rows) > MAX_ROWS:
        found.append(f"値の行が多すぎます（{len(sheet.rows):,}行、上限 {MAX_ROWS}行）")
    else:
        # The base column as the form heads it (戦略策定時実績値), cut when very long.
        baseline = sheet.baseline_label[:20] or "戦略策定時実績値"
        for number, row in enumerate(sheet.rows, start=1):
            where = f"値の{number}行目"
            found.append(_too_long(row.label, MAX_ROW_LABEL_CHARS, f"{where}の項目"))
            found.append(_too_long(row.unit, MAX_UNIT_CHARS, f"{where}の単位"))
            found.append(_cell_problem(row.baseline.text, f"{where}の{baseline}"))
            found += [_cell_problem(cell.text, f"{where}の実績値") for cell in row.actuals]
            found.append(_cell_problem(row.target.text, f"{where}の目標値"))
            found.append(_too_long(row.measures, MAX_ROW_LABEL_CHARS, f"{where}の期待値の対象"))
            found.append(
                _too_long(row.external_reason, MAX_EXTERNAL_REASON_CHARS, f"{where}の外的要因")
            )
    for attribute, heading in _TEXT_SECTION_NAMES.items():
        bullets: list[str] = getattr(sheet, attribute)
        if len(bullets) > MAX_BULLETS:
            found.append(f"{heading}の項目が多すぎます（{len(bullets):,}個、上限 {MAX_BULLETS}個）")
        else:
            found.append(_too_long("\n".join(bullets), MAX_TEXT_SECTION_CHARS, heading))
    label = sheet_label(sheet)
    return [f"{label}: {problem}" for problem in found if problem is not None]


def problems_text(problems: list[str], *, listed: int = 3) -> str:
    """The first few problems joined into one message, with how many more there are."""
    text = "。".join(problems[:listed])
    if len(problems) > listed:
        text += f"（ほか{len(problems) - listed}件）"
    return text
