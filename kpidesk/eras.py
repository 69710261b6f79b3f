"""Japanese fiscal years: Western years and their era labels.

KPI Desk keeps every year as a Western fiscal year (an ``int``: 2019 is
令和元年度). The sheets print years as short era labels (``R1``, ``H30``) and
people type them in many ways (``令和元年度``, ``Ｒ２``, ``(H30)``, ``2020``);
this module converts between the two.

A year is labelled with the newest era that has started by then, so 2019 is
``R1`` and 1989 is ``H1``. When reading, an era year past the era's end is
accepted as the plans of the time wrote it (``H31`` and ``H32`` are 2019 and
2020, ``S64`` is 1989), up to year 99 of any era.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kpidesk.values import normalize_width


@dataclass(frozen=True)
class Era:
    """One Japanese era.

    Attributes:
        letter: the one-letter abbreviation (``R``).
        name: the era's name in kanji (``令和``).
        first_year: the Western year of the era's first fiscal year (2019).
    """

    letter: str
    name: str
    first_year: int

    def western(self, era_year: int) -> int:
        """The Western year of year ``era_year`` of this era (1 is the first)."""
        return self.first_year + era_year - 1


#: The eras KPI Desk knows, oldest first.
ERAS: tuple[Era, ...] = (
    Era("S", "昭和", 1926),
    Era("H", "平成", 1989),
    Era("R", "令和", 2019),
)

#: The highest era year that is read (R99 is 2117).
MAX_ERA_YEAR = 99
#: The earliest year that has a label (昭和元年度).
MIN_YEAR = ERAS[0].first_year
#: The latest year :func:`parse_year` accepts (令和99年度), so that every
#: year it returns reads back from its own label.
MAX_YEAR = ERAS[-1].western(MAX_ERA_YEAR)

_ERA_BY_KEY: dict[str, Era] = {
    **{era.letter: era for era in ERAS},
    **{era.letter.lower(): era for era in ERAS},
    **{era.name: era for era in ERAS},
}

_ERA_PATTERN = re.compile(
    r"(?P<era>[SHRshr]|昭和|平成|令和)\s*(?P<year>[0-9]+|元)\s*(?:年度|年)?",
)
_WESTERN_PATTERN = re.compile(r"(?P<year>[0-9]{4})\s*(?:年度|年)?")
_PARENTHESIZED = re.compile(r"\((?P<inner>.*)\)")


def era_of(year: int) -> Era:
    """The era a Western year is labelled with: the newest one that has started.

    Args:
        year: a Western fiscal year, 1926 or later.

    Returns:
        The era (2019 gives 令和, 2018 gives 平成).

    Raises:
        ValueError: if the year is before 昭和 (1926).
    """
    for era in reversed(ERAS):
        if year >= era.first_year:
            return era
    raise ValueError(f"昭和より前の年度は扱えません: {year}")


def short_label(year: int) -> str:
    """The short era label of a year, as the sheets print it.

    Years after 令和99年度 (2117) are still labelled (``R100``) so that any
    stored year can be shown, although :func:`parse_year` does not read them.

    Args:
        year: a Western fiscal year, 1926 or later.

    Returns:
        The label: ``R2`` for 2020, ``R1`` for 2019, ``H30`` for 2018.

    Raises:
        ValueError: if the year is before 昭和 (1926).
    """
    era = era_of(year)
    return f"{era.letter}{year - era.first_year + 1}"


def kanji_label(year: int) -> str:
    """The full era label of a fiscal year, with 元 for an era's first year.

    Args:
        year: a Western fiscal year, 1926 or later.

    Returns:
        The label: ``令和2年度`` for 2020, ``令和元年度`` for 2019.

    Raises:
        ValueError: if the year is before 昭和 (1926).
    """
    era = era_of(year)
    era_year = year - era.first_year + 1
    return f"{era.name}{'元' if era_year == 1 else era_year}年度"


def parse_year(text: str) -> int:
    """Read a fiscal year typed as an era label or a Western year.

    Accepted: ``R2``, ``r2``, ``R 2``, ``R元``, ``R2年度``, ``令和2年度``,
    ``令和元年度``, ``令和２年``, ``H30``, ``H31`` (2019), ``S64`` (1989),
    ``2020``, ``2020年度``, in full-width or half-width characters, with
    surrounding spaces and one pair of surrounding parentheses (``(R1)``,
    ``（Ｒ１）``).

    Args:
        text: the year as typed.

    Returns:
        The Western fiscal year, from 1926 to 2117 (令和99年度).

    Raises:
        ValueError: with a Japanese message, if the text is not a year, an
            era year is 0 or above 99, or a Western year is outside that span.
    """
    normalized = normalize_width(text).strip()
    parenthesized = _PARENTHESIZED.fullmatch(normalized)
    if parenthesized is not None:
        normalized = parenthesized.group("inner").strip()
    if not normalized:
        raise ValueError("年度が書かれていません（例: R2、令和2年度、2020）")

    match = _ERA_PATTERN.fullmatch(normalized)
    if match is not None:
        era = _ERA_BY_KEY[match.group("era")]
        digits = match.group("year")
        era_year = 1 if digits == "元" else int(digits)
        if not 1 <= era_year <= MAX_ERA_YEAR:
            raise ValueError(
                f"{era.name}の年は元（1）から{MAX_ERA_YEAR}までで書いてください: {text.strip()}"
            )
        return era.western(era_year)

    match = _WESTERN_PATTERN.fullmatch(normalized)
    if match is not None:
        year = int(match.group("year"))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(
                f"西暦の年度は{MIN_YEAR}から{MAX_YEAR}までで書いてください: {text.strip()}"
            )
        return year

    raise ValueError(f"年度として読めません: {text.strip()}（例: R2、令和2年度、2020）")


@dataclass(frozen=True, order=True)
class FiscalYear:
    """A fiscal year, ordered and compared by its Western year.

    Attributes:
        western: the Western fiscal year (2019 for 令和元年度), 1926 or later.
    """

    western: int

    def __post_init__(self) -> None:
        """Refuse years that have no era label."""
        era_of(self.western)

    @property
    def short(self) -> str:
        """The short era label (``R2``)."""
        return short_label(self.western)

    @property
    def kanji(self) -> str:
        """The full era label (``令和2年度``)."""
        return kanji_label(self.western)

    @classmethod
    def parse(cls, text: str) -> FiscalYear:
        """Read a fiscal year as :func:`parse_year` does.

        Args:
            text: the year as typed.

        Returns:
            The fiscal year.

        Raises:
            ValueError: if the text is not a year.
        """
        return cls(parse_year(text))

    def __str__(self) -> str:
        """The short era label."""
        return self.short
