"""Tests for kpidesk.values: reading and writing the values of the value table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpidesk.values import (
    KNOWN_WORDS,
    NEGATIVE_MARKS,
    PROBLEM_BAD_GROUPING,
    PROBLEM_NOT_A_VALUE,
    PROBLEM_TRAILING_TEXT,
    WORD_ALIASES,
    ParsedValue,
    ValueKind,
    format_number,
    normalize_width,
    parse_value,
)

# --- normalize_width --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("０１２３４５６７８９", "0123456789"),
        ("ＡＢＣＸＹＺ", "ABCXYZ"),
        ("ａｂｃ", "abc"),
        ("６，４９８", "6,498"),
        ("７７．６", "77.6"),
        ("－１＋２", "-1+2"),
        ("（Ｒ１）", "(R1)"),
        ("Ｒ２\u3000年度", "R2 年度"),
        ("%％", "%%"),
    ],
)
def test_normalize_width_turns_full_width_ascii_into_ascii(text: str, expected: str) -> None:
    assert normalize_width(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "△1,417",
        "▲1,417",
        "集計中",
        "認定なし",
        "前年比減",
        "—",
        "―",
        "−",
        "ー",  # katakana long vowel mark
        "ｶﾀｶﾅ",  # half-width katakana stays half-width
        "①",  # circled digit is not turned into 1
        "㎡",
        "kg/10a/年",
        "市町村(累計)",
    ],
)
def test_normalize_width_leaves_everything_else_alone(text: str) -> None:
    assert normalize_width(text) == text


# --- parse_value: numbers -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6,498", Decimal("6498")),
        ("77.6", Decimal("77.6")),
        ("0", Decimal("0")),
        ("28,461", Decimal("28461")),
        ("6498", Decimal("6498")),
        ("1,234,567", Decimal("1234567")),
        ("1,234.50", Decimal("1234.50")),
        ("６，４９８", Decimal("6498")),
        ("７７．６", Decimal("77.6")),
        ("-1,417", Decimal("-1417")),
        ("−1,417", Decimal("-1417")),  # U+2212 minus sign
        ("－1,417", Decimal("-1417")),  # full-width hyphen-minus
        ("－１，４１７", Decimal("-1417")),
        ("△1,417", Decimal("-1417")),
        ("▲1,417", Decimal("-1417")),
        ("△ 1,417", Decimal("-1417")),
        ("+5", Decimal("5")),
        ("＋５", Decimal("5")),
        ("-21.8", Decimal("-21.8")),
        ("  6,498  ", Decimal("6498")),
        ("\u30006,498\u3000", Decimal("6498")),
        ("\t77.6\n", Decimal("77.6")),
    ],
)
def test_parse_value_reads_numbers(text: str, expected: Decimal) -> None:
    parsed = parse_value(text)
    assert parsed == ParsedValue(ValueKind.NUMBER, number=expected)
    assert parsed.is_number
    assert parsed.is_valid
    assert parsed.word is None
    assert parsed.problem == ""


@pytest.mark.parametrize(
    ("text", "exponent"),
    [("77.60", -2), ("77.6", -1), ("6,498", 0), ("0.000", -3), ("１．５０", -2)],
)
def test_parse_value_keeps_the_typed_precision(text: str, exponent: int) -> None:
    number = parse_value(text).number
    assert number is not None
    assert number.as_tuple().exponent == exponent


def test_parse_value_keeps_trailing_zeros_exactly() -> None:
    number = parse_value("77.60").number
    assert str(number) == "77.60"


@pytest.mark.parametrize("text", ["-0", "△0", "−0.00"])
def test_parse_value_reads_negative_zero_as_zero(text: str) -> None:
    number = parse_value(text).number
    assert number is not None
    assert number.is_zero()
    assert not number.is_signed()


# --- parse_value: words and empty ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("集計中", "集計中"),
        ("—", "—"),  # U+2014 em dash, the canonical spelling
        ("-", "—"),
        ("―", "—"),  # U+2015 horizontal bar
        ("－", "—"),  # U+FF0D full-width hyphen-minus
        ("‐", "—"),  # U+2010 hyphen
        ("−", "—"),  # U+2212 minus sign
        ("–", "—"),  # U+2013 en dash
        ("認定なし", "認定なし"),
        ("認定", "認定"),
        ("前年比減", "前年比減"),
        ("前年比増", "前年比増"),
        (" 集計中 ", "集計中"),
        ("\u3000認定なし\u3000", "認定なし"),
    ],
)
def test_parse_value_reads_known_words(text: str, word: str) -> None:
    parsed = parse_value(text)
    assert parsed == ParsedValue(ValueKind.WORD, word=word)
    assert parsed.is_valid
    assert not parsed.is_number
    assert parsed.number is None


def test_known_words_are_the_words_of_real_sheets() -> None:
    assert set(KNOWN_WORDS) == {"集計中", "—", "認定なし", "認定", "前年比減", "前年比増"}
    assert all(meaning for meaning in KNOWN_WORDS.values())


def test_every_alias_is_a_dash_for_a_known_word() -> None:
    assert set(WORD_ALIASES.values()) <= set(KNOWN_WORDS)
    for alias, word in WORD_ALIASES.items():
        assert parse_value(alias).word == word


def test_katakana_long_vowel_mark_is_not_a_dash() -> None:
    parsed = parse_value("ー")
    assert parsed.kind is ValueKind.INVALID


@pytest.mark.parametrize("text", ["", " ", "\u3000", "\t \n", "\u3000 \u3000"])
def test_parse_value_reads_blank_as_empty(text: str) -> None:
    parsed = parse_value(text)
    assert parsed == ParsedValue(ValueKind.EMPTY)
    assert parsed.is_valid
    assert not parsed.is_number
    assert parsed.number is None
    assert parsed.word is None


# --- parse_value: invalid -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("abc", PROBLEM_NOT_A_VALUE),
        ("1.2.3", PROBLEM_NOT_A_VALUE),
        ("NaN", PROBLEM_NOT_A_VALUE),
        ("nan", PROBLEM_NOT_A_VALUE),
        ("Infinity", PROBLEM_NOT_A_VALUE),
        ("-inf", PROBLEM_NOT_A_VALUE),
        ("1e3", PROBLEM_NOT_A_VALUE),
        ("1E+3", PROBLEM_NOT_A_VALUE),
        (".5", PROBLEM_NOT_A_VALUE),
        ("5.", PROBLEM_NOT_A_VALUE),
        ("+", PROBLEM_NOT_A_VALUE),
        ("△", PROBLEM_NOT_A_VALUE),
        ("--5", PROBLEM_NOT_A_VALUE),
        ("ー", PROBLEM_NOT_A_VALUE),
        ("集計", PROBLEM_NOT_A_VALUE),
        ("1,2,3", PROBLEM_BAD_GROUPING),
        ("12,34", PROBLEM_BAD_GROUPING),
        ("1234,567", PROBLEM_BAD_GROUPING),
        ("0,123", PROBLEM_BAD_GROUPING),
        ("6,498,", PROBLEM_BAD_GROUPING),
        (",498", PROBLEM_NOT_A_VALUE),
        ("5件", PROBLEM_TRAILING_TEXT),
        ("6,498 件/年", PROBLEM_TRAILING_TEXT),
        ("77.6%", PROBLEM_TRAILING_TEXT),
    ],
)
def test_parse_value_explains_what_it_cannot_read(text: str, problem: str) -> None:
    parsed = parse_value(text)
    assert parsed.kind is ValueKind.INVALID
    assert not parsed.is_valid
    assert not parsed.is_number
    assert parsed.number is None
    assert parsed.word is None
    assert parsed.problem == problem


def test_problem_texts_are_japanese() -> None:
    assert PROBLEM_NOT_A_VALUE == "数値でも既知の語（集計中、—、認定 など）でもありません"
    for problem in (PROBLEM_NOT_A_VALUE, PROBLEM_BAD_GROUPING, PROBLEM_TRAILING_TEXT):
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in problem)


def test_parse_value_is_cached() -> None:
    assert parse_value("6,498") is parse_value("6,498")


# --- format_number ------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "mark", "expected"),
    [
        (Decimal("77.60"), "-", "77.60"),
        (Decimal("77.6"), "-", "77.6"),
        (Decimal("6498"), "-", "6,498"),
        (Decimal("28461"), "-", "28,461"),
        (Decimal("0"), "-", "0"),
        (Decimal("0.00"), "-", "0.00"),
        (Decimal("-0"), "△", "0"),
        (Decimal("999"), "-", "999"),
        (Decimal("1000"), "-", "1,000"),
        (Decimal("1234567.891"), "-", "1,234,567.891"),
        (Decimal("-1417"), "-", "-1,417"),
        (Decimal("-1417"), "△", "△1,417"),
        (Decimal("-1417"), "▲", "▲1,417"),
        (Decimal("-21.8"), "△", "△21.8"),
        (Decimal("1417"), "△", "1,417"),
        (Decimal("1E+3"), "-", "1,000"),
        (Decimal("-1.5E+4"), "-", "-15,000"),
        (Decimal("1E-7"), "-", "0.0000001"),
    ],
)
def test_format_number(number: Decimal, mark: str, expected: str) -> None:
    assert format_number(number, negative_mark=mark) == expected


def test_format_number_uses_hyphen_by_default() -> None:
    assert format_number(Decimal("-1417")) == "-1,417"


@pytest.mark.parametrize("mark", ["", "−", "－", "▽", "minus", "--"])
def test_format_number_refuses_other_negative_marks(mark: str) -> None:
    with pytest.raises(ValueError, match="負の数の記号"):
        format_number(Decimal("-1"), negative_mark=mark)


@pytest.mark.parametrize("number", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_format_number_refuses_non_finite_numbers(number: Decimal) -> None:
    with pytest.raises(ValueError, match="有限の数ではありません"):
        format_number(number)


def test_format_number_does_not_round_long_numbers() -> None:
    number = Decimal("-12345678901234567890123456789.5")
    assert format_number(number) == "-12,345,678,901,234,567,890,123,456,789.5"
    assert parse_value(format_number(number)).number == number


# --- round trips ---------------------------------------------------------------

_decimals = st.builds(
    lambda integer, places: Decimal(integer).scaleb(-places),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=0, max_value=4),
)


@given(number=_decimals, mark=st.sampled_from(NEGATIVE_MARKS))
def test_format_then_parse_gives_the_same_number(number: Decimal, mark: str) -> None:
    text = format_number(number, negative_mark=mark)
    parsed = parse_value(text)
    assert parsed.kind is ValueKind.NUMBER
    assert parsed.number == number
    assert parsed.number is not None
    assert parsed.number.as_tuple().exponent == number.as_tuple().exponent


@given(number=_decimals, mark=st.sampled_from(NEGATIVE_MARKS))
def test_formatted_text_round_trips_as_text(number: Decimal, mark: str) -> None:
    text = format_number(number, negative_mark=mark)
    parsed_number = parse_value(text).number
    assert parsed_number is not None
    assert format_number(parsed_number, negative_mark=mark) == text


@given(number=_decimals)
def test_full_width_formatted_text_reads_the_same(number: Decimal) -> None:
    text = format_number(number)
    full_width = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)
    assert parse_value(full_width).number == number


# --- parse_value: numbers with a mark (速報値, 暫定値, 見込み, 確定値) ---------------


@pytest.mark.parametrize(
    ("text", "number", "mark"),
    [
        ("7,077（速報値）", "7077", "速報値"),
        ("7,077(速報値)", "7077", "速報値"),
        ("7,077 (速報値)", "7077", "速報値"),
        ("7,077 速報", "7077", "速報値"),
        ("7,077速報値", "7077", "速報値"),
        ("７，０７７（速報値）", "7077", "速報値"),
        ("7,077\u3000速報", "7077", "速報値"),
        ("77.6（暫定値）", "77.6", "暫定値"),
        ("77.6 暫定", "77.6", "暫定値"),
        ("△1,417(見込み)", "-1417", "見込み"),
        ("12 見込", "12", "見込み"),
        ("5,163（確定値）", "5163", "確定値"),
        ("5,163 確定", "5163", "確定値"),
        ("5,163（ 速報値 ）", "5163", "速報値"),
    ],
)
def test_a_number_may_carry_a_mark(text: str, number: str, mark: str) -> None:
    parsed = parse_value(text)
    assert parsed.kind is ValueKind.NUMBER and parsed.is_valid
    assert parsed.number == Decimal(number)
    assert parsed.mark == mark
    assert parsed.provisional is (mark != "確定値")


@pytest.mark.parametrize(
    "text",
    ["速報値", "（速報値）", "7,077（速報）値", "7,077（未定）", "7,077 速報値値", "認定（速報）"],
)
def test_a_mark_alone_or_an_unknown_one_is_no_number(text: str) -> None:
    parsed = parse_value(text)
    assert parsed.number is None and parsed.mark == ""


def test_numbers_without_a_mark_have_none() -> None:
    assert parse_value("7,077").mark == "" and not parse_value("7,077").provisional
