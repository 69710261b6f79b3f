"""Parse and format the values of a KPI sheet's value table.

A cell of the value table (別記様式2) holds either a number as printed
(``6,498``, ``77.6``, ``△1,417``), one of a few known words (``集計中``,
``—``, ``認定なし``, ``認定``, ``前年比減``, ``前年比増``), or nothing yet.
This module tells which, without ever changing the text a person typed:
the model keeps the text and asks :func:`parse_value` what it means.

A number may carry a mark saying how final it is, after it in brackets of
either width or after a space: ``7,077（速報値）``, ``7,077(速報値)``,
``7,077 速報``; also 暫定値 (暫定), 見込み (見込) and 確定値 (確定). Such a
cell is the number it shows, and :attr:`ParsedValue.mark` names the mark in
its canonical spelling; the text stays as typed.

Numbers are :class:`decimal.Decimal` and keep the precision as typed
(``77.60`` stays ``Decimal('77.60')``), so nothing is rounded behind the
user's back. :func:`format_number` writes a number back in the form the
sheets print it, with thousands separators and the chosen negative mark.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

#: Every word that may stand in a cell instead of a number, with its meaning.
#: The keys are the canonical spellings; :data:`WORD_ALIASES` maps other
#: spellings of the same word onto them.
KNOWN_WORDS: dict[str, str] = {
    "集計中": "集計中（実績値がまだ確定していない）",
    "—": "該当なし",
    "認定なし": "認定なし",
    "認定": "認定あり",
    "前年比減": "目標: 前年より減らす",
    "前年比増": "目標: 前年より増やす",
}

#: Other spellings of the known words, mapped to their canonical spelling.
#: A lone dash of any common kind means "—" (not applicable). The katakana
#: long vowel mark ``ー`` is deliberately not one of them.
WORD_ALIASES: dict[str, str] = {
    "―": "—",  # U+2015 horizontal bar
    "-": "—",  # U+002D hyphen-minus
    "－": "—",  # U+FF0D full-width hyphen-minus
    "‐": "—",  # U+2010 hyphen
    "‑": "—",  # U+2011 non-breaking hyphen
    "‒": "—",  # U+2012 figure dash
    "–": "—",  # U+2013 en dash
    "−": "—",  # U+2212 minus sign
}

#: The marks a number may carry (canonical spelling), with their meaning.
MARKS: dict[str, str] = {
    "速報値": "速報値（あとで改められることがある）",
    "暫定値": "暫定値（あとで改められることがある）",
    "見込み": "見込み（実績が出る前の見込みの値）",
    "確定値": "確定値（改められた後の値）",
}
#: Other spellings of the marks, mapped to their canonical spelling.
MARK_ALIASES: dict[str, str] = {
    "速報": "速報値",
    "暫定": "暫定値",
    "見込": "見込み",
    "確定": "確定値",
}
#: The marks that say a value is not final: a rank resting on one is provisional.
PROVISIONAL_MARKS: frozenset[str] = frozenset({"速報値", "暫定値", "見込み"})
# Every spelling, longest first, so that 速報値 is not read as 速報 followed by 値.
_MARK_SPELLINGS = sorted([*MARKS, *MARK_ALIASES], key=len, reverse=True)

#: Marks that may stand before a negative number; △ and ▲ are the Japanese
#: accounting marks. ``－`` (full-width) is read as ``-`` by :func:`normalize_width`.
NEGATIVE_SIGNS = frozenset({"-", "−", "△", "▲"})

#: Marks :func:`format_number` can write before a negative number.
NEGATIVE_MARKS: tuple[str, ...] = ("-", "△", "▲")

PROBLEM_NOT_A_VALUE = "数値でも既知の語（集計中、—、認定 など）でもありません"
PROBLEM_BAD_GROUPING = "桁区切りのカンマの位置が正しくありません（例: 28,461）"
PROBLEM_TRAILING_TEXT = "数値のあとに文字があります。単位は単位欄に書いてください"

# Full-width forms of the printable ASCII characters (U+FF01 to U+FF5E) and
# the ideographic space. NFKC maps each of them to exactly one ASCII character.
_WIDTH_TABLE: dict[int, str] = {
    code: unicodedata.normalize("NFKC", chr(code)) for code in (*range(0xFF01, 0xFF5F), 0x3000)
}

_SIGNS = "".join(sorted(NEGATIVE_SIGNS)) + "+"
_NUMBER = re.compile(
    rf"(?P<sign>[{re.escape(_SIGNS)}]?)\s*"
    r"(?P<int>[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)"
    r"(?P<frac>\.[0-9]+)?"
)
# A number whose only fault is where its commas are (``1,2,3``, ``12,34``).
_LOOSE_GROUPING = re.compile(rf"[{re.escape(_SIGNS)}]?\s*[0-9][0-9,]*(?:\.[0-9]+)?")
# A number followed by something that is neither a digit nor punctuation (``5件``).
_TRAILING_TEXT = re.compile(rf"[{re.escape(_SIGNS)}]?\s*[0-9][0-9,]*(?:\.[0-9]+)?\s*[^\s0-9,.]+")


def normalize_width(text: str) -> str:
    """Turn full-width ASCII characters into their half-width forms.

    Only the full-width forms of printable ASCII (``０``-``９``, ``Ａ``-``Ｚ``,
    ``ａ``-``ｚ``, ``，．－＋（）`` and the like, U+FF01 to U+FF5E) and the
    full-width space (U+3000) are changed, each by Unicode NFKC to its one
    ASCII character. Everything else, including ``△``, ``▲``, kana, kanji,
    half-width katakana and circled digits, is left exactly as it was.

    Args:
        text: any text.

    Returns:
        The text with full-width ASCII replaced by ASCII; same length.
    """
    return text.translate(_WIDTH_TABLE)


class ValueKind(enum.Enum):
    """What a cell's text turned out to be."""

    EMPTY = "empty"
    NUMBER = "number"
    WORD = "word"
    INVALID = "invalid"


@dataclass(frozen=True)
class ParsedValue:
    """The meaning of one cell's text.

    Attributes:
        kind: what the text is.
        number: the number when ``kind`` is NUMBER, else None.
        word: the canonical known word (a key of :data:`KNOWN_WORDS`) when
            ``kind`` is WORD, else None.
        problem: a short Japanese explanation when ``kind`` is INVALID, else "".
        mark: the canonical mark (a key of :data:`MARKS`) a number carries,
            else "".
    """

    kind: ValueKind
    number: Decimal | None = None
    word: str | None = None
    problem: str = ""
    mark: str = ""

    @property
    def provisional(self) -> bool:
        """True when the number carries a mark saying it is not final (速報値, 暫定値, 見込み)."""
        return self.mark in PROVISIONAL_MARKS

    @property
    def is_number(self) -> bool:
        """True when the text is a number."""
        return self.kind is ValueKind.NUMBER

    @property
    def is_valid(self) -> bool:
        """True unless the text could not be understood (empty counts as valid)."""
        return self.kind is not ValueKind.INVALID


_EMPTY = ParsedValue(ValueKind.EMPTY)


@functools.lru_cache(maxsize=8192)
def parse_value(text: str) -> ParsedValue:
    """Read one cell's text as a number, a known word or nothing.

    Surrounding whitespace (the full-width space too) is ignored and
    full-width ASCII is read as half-width. A number may carry a sign
    (``-``, ``−``, ``－``, ``△``, ``▲`` or ``+``), thousands separators in
    proper groups of three, and a decimal part; no exponent, NaN or
    Infinity. A lone dash is the word ``—``, not a number. Negative zero
    is read as zero. A number may be followed by a mark (``（速報値）``,
    ``(暫定)``, `` 見込み``; see :data:`MARKS`), given in ``mark``.

    Args:
        text: the cell's text as typed or printed.

    Returns:
        The parsed value. Results are cached and shared; they are immutable.
    """
    stripped = text.strip()
    if not stripped:
        return _EMPTY
    for candidate in (stripped, normalize_width(stripped)):
        word = _canonical_word(candidate)
        if word is not None:
            return ParsedValue(ValueKind.WORD, word=word)
    normalized = normalize_width(stripped)
    number = _number(normalized)
    if number is not None:
        return ParsedValue(ValueKind.NUMBER, number=number)
    marked = _split_mark(normalized)
    if marked is not None:
        number = _number(marked[0])
        if number is not None:
            return ParsedValue(ValueKind.NUMBER, number=number, mark=marked[1])
    return ParsedValue(ValueKind.INVALID, problem=_problem(normalized))


def _number(normalized: str) -> Decimal | None:
    """The number ``normalized`` spells (nothing before or after it), or None."""
    match = _NUMBER.fullmatch(normalized)
    if match is None:
        return None
    digits = match.group("int").replace(",", "") + (match.group("frac") or "")
    number = Decimal(digits)
    if match.group("sign") in NEGATIVE_SIGNS and not number.is_zero():
        number = number.copy_negate()
    return number


def _split_mark(normalized: str) -> tuple[str, str] | None:
    """(what comes before, canonical mark) when ``normalized`` ends with a mark, else None.

    The mark is in brackets (``(速報値)``; full-width ones are already
    half-width here) or written bare (``速報``), with or without a space
    before it. Read from the end without a pattern, so any text is read once.
    """
    if normalized.endswith(")"):
        opening = normalized.rfind("(")
        if opening < 0:
            return None
        spelled = normalized[opening + 1 : -1].strip()
        before = normalized[:opening]
    else:
        spelled = next((s for s in _MARK_SPELLINGS if normalized.endswith(s)), "")
        before = normalized[: len(normalized) - len(spelled)]
    mark = spelled if spelled in MARKS else MARK_ALIASES.get(spelled)
    if mark is None:
        return None
    return before.rstrip(), mark


def split_marked(text: str) -> tuple[str, str] | None:
    """A number typed with its mark, in its two parts as typed: ``("7,077", "（速報値）")``.

    None for any other text. Printed in a narrow cell, the mark goes on a
    line of its own rather than being broken in the middle.
    """
    stripped = text.strip()
    if not parse_value(stripped).mark:
        return None
    normalized = normalize_width(stripped)  # one character for each: the places agree
    if normalized.endswith(")"):
        start = normalized.rfind("(")
    else:
        spelled = next((s for s in _MARK_SPELLINGS if normalized.endswith(s)), "")
        start = len(normalized) - len(spelled)
    return stripped[:start].rstrip(), stripped[start:]


def _canonical_word(text: str) -> str | None:
    """The canonical known word spelled by ``text``, or None."""
    if text in KNOWN_WORDS:
        return text
    return WORD_ALIASES.get(text)


def _problem(normalized: str) -> str:
    """The most helpful explanation of why ``normalized`` is not a value."""
    if "," in normalized and _LOOSE_GROUPING.fullmatch(normalized):
        return PROBLEM_BAD_GROUPING
    if _TRAILING_TEXT.fullmatch(normalized):
        return PROBLEM_TRAILING_TEXT
    return PROBLEM_NOT_A_VALUE


def format_number(number: Decimal, *, negative_mark: str = "-") -> str:
    """Write a number as the sheets print it.

    Thousands are separated by commas, the decimal places are exactly those
    of ``number`` (``Decimal('77.60')`` gives ``77.60``), and scientific
    notation is never used (``Decimal('1E+3')`` gives ``1,000``). Zero is
    written without a sign.

    Args:
        number: a finite Decimal.
        negative_mark: what to write before a negative number: ``-``, ``△``
            or ``▲``.

    Returns:
        The formatted text, which :func:`parse_value` reads back to an equal
        Decimal with the same exponent (for exponents of zero or less).

    Raises:
        ValueError: if ``negative_mark`` is not one of the allowed marks or
            ``number`` is NaN or infinite.
    """
    if negative_mark not in NEGATIVE_MARKS:
        allowed = "、".join(NEGATIVE_MARKS)
        raise ValueError(f"負の数の記号は {allowed} のいずれかです: {negative_mark!r}")
    if not number.is_finite():
        raise ValueError(f"有限の数ではありません: {number}")
    body = format(number.copy_abs(), ",f")
    if number.is_signed() and not number.is_zero():
        return negative_mark + body
    return body
