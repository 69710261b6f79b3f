"""Tests for kpidesk.eras: Western fiscal years and Japanese era labels."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpidesk.eras import (
    ERAS,
    MAX_YEAR,
    MIN_YEAR,
    Era,
    FiscalYear,
    era_of,
    kanji_label,
    parse_year,
    short_label,
)


def test_eras_are_showa_heisei_reiwa() -> None:
    assert all(isinstance(era, Era) for era in ERAS)
    assert [(era.letter, era.name, era.first_year) for era in ERAS] == [
        ("S", "昭和", 1926),
        ("H", "平成", 1989),
        ("R", "令和", 2019),
    ]


def test_year_span() -> None:
    assert MIN_YEAR == 1926
    assert MAX_YEAR == 2117  # 令和99年度


# --- labels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "short", "kanji"),
    [
        (1926, "S1", "昭和元年度"),
        (1927, "S2", "昭和2年度"),
        (1988, "S63", "昭和63年度"),
        (1989, "H1", "平成元年度"),
        (1990, "H2", "平成2年度"),
        (2018, "H30", "平成30年度"),
        (2019, "R1", "令和元年度"),
        (2020, "R2", "令和2年度"),
        (2023, "R5", "令和5年度"),
        (2030, "R12", "令和12年度"),
        (2117, "R99", "令和99年度"),
    ],
)
def test_labels(year: int, short: str, kanji: str) -> None:
    assert short_label(year) == short
    assert kanji_label(year) == kanji


def test_labels_go_on_after_reiwa_99() -> None:
    assert short_label(2118) == "R100"
    assert kanji_label(2118) == "令和100年度"


@pytest.mark.parametrize(("year", "letter"), [(1926, "S"), (1988, "S"), (1989, "H"), (2019, "R")])
def test_era_of_uses_the_newest_era_that_has_started(year: int, letter: str) -> None:
    assert era_of(year).letter == letter


@pytest.mark.parametrize("year", [1925, 1868, 0, -1])
def test_labels_refuse_years_before_showa(year: int) -> None:
    with pytest.raises(ValueError, match="昭和より前"):
        short_label(year)
    with pytest.raises(ValueError, match="昭和より前"):
        kanji_label(year)


# --- parse_year ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("R2", 2020),
        ("r2", 2020),
        ("Ｒ２", 2020),
        ("ｒ２", 2020),
        ("R 2", 2020),
        ("R元", 2019),
        ("R1", 2019),
        ("R2年度", 2020),
        ("R2 年度", 2020),
        ("令和2年度", 2020),
        ("令和元年度", 2019),
        ("令和２年", 2020),
        ("令和 2 年度", 2020),
        ("平成30年度", 2018),
        ("平成元年度", 1989),
        ("H30", 2018),
        ("h30", 2018),
        ("Ｈ３０", 2018),
        ("H31", 2019),
        ("H32", 2020),
        ("平成31年度", 2019),
        ("S64", 1989),
        ("S63", 1988),
        ("昭和元年度", 1926),
        ("S1", 1926),
        ("R12", 2030),
        ("R99", 2117),
        ("R02", 2020),
        ("2020", 2020),
        ("２０２０", 2020),
        ("2020年度", 2020),
        ("2020年", 2020),
        ("(R1)", 2019),
        ("（Ｒ１）", 2019),
        ("( R1 )", 2019),
        ("(2020年度)", 2020),
        ("  R2  ", 2020),
        ("\u3000令和2年度\u3000", 2020),
        (" (H30) ", 2018),
    ],
)
def test_parse_year(text: str, year: int) -> None:
    assert parse_year(text) == year


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "年度が書かれていません"),
        ("  ", "年度が書かれていません"),
        ("()", "年度が書かれていません"),
        ("R0", "令和の年は元（1）から99まで"),
        ("H0", "平成の年は元（1）から99まで"),
        ("令和0年度", "令和の年は元（1）から99まで"),
        ("R100", "令和の年は元（1）から99まで"),
        ("S100", "昭和の年は元（1）から99まで"),
        ("1925", "西暦の年度は1926から2117まで"),
        ("2118", "西暦の年度は1926から2117まで"),
        ("0000", "西暦の年度は1926から2117まで"),
        ("X2", "年度として読めません"),
        ("T10", "年度として読めません"),  # 大正 is not supported
        ("令和", "年度として読めません"),
        ("R", "年度として読めません"),
        ("R-1", "年度として読めません"),
        ("R1.5", "年度として読めません"),
        ("元年度", "年度として読めません"),
        ("20", "年度として読めません"),
        ("20200", "年度として読めません"),
        ("(R1", "年度として読めません"),
        ("R1)", "年度として読めません"),
        ("((R1))", "年度として読めません"),
        ("R1 R2", "年度として読めません"),
        ("令和2年度末", "年度として読めません"),
    ],
)
def test_parse_year_refuses_with_a_japanese_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_year(text)


def test_parse_year_message_quotes_the_text() -> None:
    with pytest.raises(ValueError, match="年度として読めません: 来年"):
        parse_year("来年")


# --- FiscalYear ----------------------------------------------------------------------


def test_fiscal_year_labels() -> None:
    year = FiscalYear(2019)
    assert year.western == 2019
    assert year.short == "R1"
    assert year.kanji == "令和元年度"
    assert str(year) == "R1"


@pytest.mark.parametrize(("text", "western"), [("R2", 2020), ("平成30年度", 2018), ("2021", 2021)])
def test_fiscal_year_parse(text: str, western: int) -> None:
    assert FiscalYear.parse(text) == FiscalYear(western)


def test_fiscal_year_parse_refuses_non_years() -> None:
    with pytest.raises(ValueError, match="年度として読めません"):
        FiscalYear.parse("abc")


def test_fiscal_years_order_and_compare_by_western_year() -> None:
    years = [FiscalYear(2020), FiscalYear(2018), FiscalYear(2019)]
    assert sorted(years) == [FiscalYear(2018), FiscalYear(2019), FiscalYear(2020)]
    assert FiscalYear(2018) < FiscalYear(2019)
    assert FiscalYear.parse("H31") == FiscalYear.parse("R元")
    assert len({FiscalYear(2019), FiscalYear.parse("令和元年度")}) == 1


def test_fiscal_year_is_frozen() -> None:
    year = FiscalYear(2020)
    with pytest.raises(dataclasses.FrozenInstanceError):
        year.western = 2021  # type: ignore[misc]


def test_fiscal_year_refuses_years_before_showa() -> None:
    with pytest.raises(ValueError, match="昭和より前"):
        FiscalYear(1925)


# --- round trips ---------------------------------------------------------------------

_years = st.integers(min_value=MIN_YEAR, max_value=MAX_YEAR)


@given(year=_years)
def test_short_label_round_trips(year: int) -> None:
    assert parse_year(short_label(year)) == year


@given(year=_years)
def test_kanji_label_round_trips(year: int) -> None:
    assert parse_year(kanji_label(year)) == year


@given(year=_years)
def test_western_year_round_trips(year: int) -> None:
    assert parse_year(str(year)) == year
    assert parse_year(f"（{year}年度）") == year


@given(year=_years)
def test_fiscal_year_parses_its_own_labels(year: int) -> None:
    fiscal_year = FiscalYear(year)
    assert FiscalYear.parse(fiscal_year.short) == fiscal_year
    assert FiscalYear.parse(fiscal_year.kanji) == fiscal_year
    assert FiscalYear.parse(str(fiscal_year)) == fiscal_year
