"""The one vocabulary of KPI Desk: a ``Sheet`` with its value rows and cells.

A sheet is one KPI分析シート (form 別記様式2) of one report year. Years are
Western fiscal years (2019 is 令和元年度); ``kpidesk.eras`` converts them to
and from era labels. A cell keeps the text exactly as typed or printed and
exposes its parsed number, when it has one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from kpidesk import eras, limits, ranking, values

DEFAULT_BASELINE_LABEL = "戦略策定時実績値"

#: A value row's target direction: "" follows from base and target (or
#: from a word target such as 前年比減), "up" and "down" are set by hand.
TARGET_DIRECTIONS: tuple[str, ...] = ("", "up", "down")
#: A value row's kind: "" follows from its label (累計 in it means
#: cumulative), "single" and "cumulative" are set by hand.
ROW_KINDS: tuple[str, ...] = ("", "single", "cumulative")

#: The reason offered for a row's 外的要因 (external factor).
EXTERNAL_REASON_SUGGESTION = "新型コロナウイルス感染症の影響"

#: The three text sections of the form, in order: (attribute, heading).
TEXT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("efforts", "取組状況"),
    ("issues", "課題等"),
    ("direction", "今後の方向性"),
)
#: The reviewer's box after the three sections: (attribute, heading). It is
#: printed only when it has text, so a sheet without it prints as the form.
OPINION_SECTION: tuple[str, str] = ("opinions", "企画課・有識者意見")
#: Every bullet section of a sheet, in order: the three of the form, then the reviewer's.
BULLET_SECTIONS: tuple[tuple[str, str], ...] = (*TEXT_SECTIONS, OPINION_SECTION)
#: Where a KPI's value comes from and when it is published, each one line:
#: (attribute, label). Optional; printed under the value table when any is set.
SOURCE_FIELDS: tuple[tuple[str, str], ...] = (
    ("source", "出典"),
    ("published", "公表時期"),
    ("next_release", "次回公表予定"),
)


@dataclass(frozen=True)
class Cell:
    """One value of the value table, kept exactly as typed.

    Attributes:
        text: the text as typed or printed (``"6,498"``, ``"△1,417"``, ``"集計中"``).
    """

    text: str = ""

    @property
    def parsed(self) -> values.ParsedValue:
        """What the text means: a number, a known word, empty or not understood."""
        return values.parse_value(self.text)

    @property
    def number(self) -> Decimal | None:
        """The parsed number, or None when the text is not a number or has more
        digits than KPI Desk computes with (:func:`kpidesk.limits.number_within_limits`)."""
        number = self.parsed.number
        if number is None or not limits.number_within_limits(number):
            return None
        return number

    @property
    def is_empty(self) -> bool:
        """True when nothing (or only spaces) was typed."""
        return not self.text.strip()


@dataclass
class ValueRow:
    """One line of the value table: a label, a unit and a cell per column.

    Attributes:
        label: the row's name (``単年``, ``累計``, ``市町村(累計)``, ``県``).
        unit: the unit printed beside the base value (``件/年``, ``%``).
        baseline: the value when the strategy was made.
        actuals: one cell per actual year of the sheet, in year order.
        target: the target value.
        target_direction: "" (follows from base and target), "up" or "down";
            see :data:`TARGET_DIRECTIONS`.
        kind: "" (follows from the label), "single" or "cumulative"; see
            :data:`ROW_KINDS`.
        measures: set by hand, the label of the row this row is the
            期待値 (yardstick) of; "" leaves it to the row's own label
            (``期待値``, ``目安値(累計)``; see :mod:`kpidesk.expected`).
        external: the row is marked 外的要因: an external factor (such as
            COVID-19) weighs on it; the book's settings say what that does.
        external_reason: the reason given with it (:data:`EXTERNAL_REASON_SUGGESTION`).
    """

    label: str = ""
    unit: str = ""
    baseline: Cell = field(default_factory=Cell)
    actuals: list[Cell] = field(default_factory=list)
    target: Cell = field(default_factory=Cell)
    target_direction: str = ""
    kind: str = ""
    measures: str = ""
    external: bool = False
    external_reason: str = ""

    def latest_actual(self, years: list[int]) -> tuple[int, Cell] | None:
        """The newest (year, cell) with something typed, or None."""
        for year, cell in reversed(list(zip(years, self.actuals, strict=False))):
            if not cell.is_empty:
                return year, cell
        return None


class _SheetIdentity:
    """What a sheet and its list entry share: the key and the departments as printed."""

    report_year: int
    no: str
    departments: Sequence[str]

    @property
    def key(self) -> tuple[int, str]:
        """The sheet's identity in a book: (report year, No)."""
        return self.report_year, self.no

    @property
    def departments_text(self) -> str:
        """The departments joined as printed on the form (``観光振興課、港湾課``)."""
        return "、".join(self.departments)


@dataclass
class Sheet(_SheetIdentity):
    """One KPI analysis sheet of one report year.

    A sheet is identified in a book by (report_year, no). ``id``, ``revision``
    and ``updated_at`` are the book's bookkeeping and take no part in equality.

    Attributes:
        report_year: the fiscal year being reported on (2020 for the R2 report).
        no: the KPI number as printed (``"9"``).
        departments: 担当課, one or more.
        title: the KPI's name.
        section: the strategy section heading the sheet belongs to.
        baseline_label: the first column's name without its year.
        baseline_year: the year of the base value.
        actual_years: one year per actual column, ascending.
        target_year: the year of the target.
        rows: the value rows.
        efforts: 取組状況, one paragraph per bullet.
        issues: 課題等, one paragraph per bullet.
        direction: 今後の方向性, one paragraph per bullet.
        source: 出典, the statistic the values come from ("" when not given).
        published: 公表時期, when that statistic is published (``毎年8月``).
        next_release: 次回公表予定, when its next figure is due (``令和4年8月``),
            which tells why the newest actual reads 集計中.
        opinions: 企画課・有識者意見, the reviewer's comment, one paragraph per bullet.
        planning_comment: 企画課コメント, why the planning division sent the
            sheet back (差戻し); shown at the top of the form until cleared.
    """

    report_year: int
    no: str
    departments: list[str] = field(default_factory=list)
    title: str = ""
    section: str = ""
    baseline_label: str = DEFAULT_BASELINE_LABEL
    baseline_year: int = 2019
    actual_years: list[int] = field(default_factory=list)
    target_year: int = 2023
    rows: list[ValueRow] = field(default_factory=list)
    efforts: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    direction: list[str] = field(default_factory=list)
    source: str = ""
    published: str = ""
    next_release: str = ""
    opinions: list[str] = field(default_factory=list)
    planning_comment: str = ""
    id: int | None = field(default=None, compare=False)
    revision: int = field(default=0, compare=False)
    updated_at: str = field(default="", compare=False)

    def column_labels(self) -> list[str]:
        """The value columns' headings on one line each: ``戦略策定時実績値 (R1)``, ``R2実績値``."""
        return [
            label.replace("\n(", " (").replace("\n", "")
            for label in value_column_headings(self, break_baseline=False)
        ]

    def latest_actual(self) -> tuple[int, Cell] | None:
        """The newest actual with something typed in the first row that has one."""
        for row in self.rows:
            found = row.latest_actual(self.actual_years)
            if found is not None:
                return found
        return None

    def text_section(self, name: str) -> list[str]:
        """The bullets of one bullet section by attribute name (``efforts``... ``opinions``)."""
        if name not in {attr for attr, _ in BULLET_SECTIONS}:
            raise KeyError(name)
        return getattr(self, name)

    def all_cells(self) -> list[Cell]:
        """Every cell of the value table, row by row."""
        return [cell for row in self.rows for cell in (row.baseline, *row.actuals, row.target)]

    def all_texts(self) -> list[str]:
        """Every text the sheet shows: header, table, source fields, bullets and 企画課コメント."""
        texts = [self.no, *self.departments, self.title, self.section, self.baseline_label]
        texts += [text for row in self.rows for text in (row.label, row.unit)]
        texts += [cell.text for cell in self.all_cells()]
        texts += [getattr(self, name) for name, _ in SOURCE_FIELDS]
        texts += [bullet for name, _ in BULLET_SECTIONS for bullet in getattr(self, name)]
        return [*texts, self.planning_comment]


_NO_PATTERN = re.compile(r"(\d+)")
_DEPARTMENT_SEPARATORS = re.compile(r"[、,，]")


def split_departments(text: str) -> list[str]:
    """``観光振興課、港湾課`` -> [``観光振興課``, ``港湾課``] (also split at commas)."""
    parts = (part.strip(" \t\u3000") for part in _DEPARTMENT_SEPARATORS.split(text))
    return [part for part in parts if part]


#: A No's place in a list: see :func:`no_sort_key`.
NoSortKey = tuple[int, int, str, str]


def no_sort_key(no: str) -> NoSortKey:
    """Sort key that orders Nos as numbers, then by text (``9`` < ``10`` < ``10-2``).

    Nos without a number sort after those with one. The number is compared
    by its count of digits, then digit by digit, never converted, so that a
    No of any length sorts.
    """
    if no.isascii() and no.isdigit():  # most Nos: the same key, found sooner
        digits = no.lstrip("0")
        return 0, len(digits), digits, no
    normalized = values.normalize_width(no)
    match = _NO_PATTERN.search(normalized)
    if match is None:
        return 1, 0, "", normalized
    digits = "".join(str(unicodedata.decimal(char)) for char in match.group(1)).lstrip("0")
    return 0, len(digits), digits, normalized


def no_has_number(no: str) -> bool:
    """Whether a No holds a number (``9``, ``10-2``, ``１０(1)``), as the printed Nos do.

    Any text is a No (imports keep what the source has); one without a
    number sorts after the numbered ones and is worth a word when typed.
    """
    return no_sort_key(no)[0] == 0


def sheet_sort_key(sheet: Sheet) -> tuple[NoSortKey, int]:
    """Order of sheets in lists and exports: by No as a number, then by report year."""
    return no_sort_key(sheet.no), sheet.report_year


@dataclass(frozen=True)
class ListEntry(_SheetIdentity):
    """What a list of sheets shows of one sheet, without its value table or text.

    A book keeps these columns beside each sheet's JSON, so that a list of
    thousands of sheets is read without loading any of them in full.

    Attributes:
        id: the sheet's id in the book.
        report_year: the fiscal year being reported on.
        no: the KPI number as printed.
        departments: 担当課, one or more.
        title: the KPI's name.
        latest_text: the newest actual typed in the first value row that has
            one, as typed (``"5,081"``); ``""`` when no row has one.
        latest_year: the year of ``latest_text``, or None.
        target_text: the target of that same row (of the first row when no
            row has an actual); ``""`` when the sheet has no rows.
        unit: the unit of that row.
        updated_at: when the sheet was last saved.
        revision: the sheet's revision in the book.
        achievement: the achievement rate (percent, unrounded) of the row
            ``kpidesk.evaluation.list_evaluation`` picks, or None.
        progress: that row's progress rate, or None.
        word_target: whether that row's target is a word (前年比減), which
            is always ranked by its achievement rate.
        evaluation_note: why that row has no rate (or ""), with its label.
        evaluation_label: that row's label when the sheet has several rows, else "".
        section: the strategy section heading the sheet belongs to (for the 総括).
        eval_rates: what each value row but the 期待値 rows gives its rank,
            as the book keeps it (JSON; see :attr:`rank_rows`); "" when the
            book holds none for the sheet (its JSON could not be read).
    """

    id: int
    report_year: int
    no: str
    departments: tuple[str, ...]
    title: str
    latest_text: str
    latest_year: int | None
    target_text: str
    unit: str
    updated_at: str
    revision: int
    achievement: Decimal | None = None
    progress: Decimal | None = None
    word_target: bool = False
    evaluation_note: str = ""
    evaluation_label: str = ""
    section: str = ""
    eval_rates: str = field(default="", repr=False)

    @functools.cached_property
    def rank_rows(self) -> tuple[ranking.RankInputs, ...]:
        """Each value row's :class:`~kpidesk.ranking.RankInputs`, read from
        ``eval_rates`` when first asked for, so that a list of thousands of
        sheets is read as fast as before; () when there are none (the rates
        above are then used)."""
        return ranking.read_rank_rows(self.eval_rates)


def latest_and_target(sheet: Sheet) -> tuple[str, int | None, str, str]:
    """(latest_text, latest_year, target_text, unit) of a sheet, as in :class:`ListEntry`.

    The row used is the first row with an actual typed (the row
    :meth:`Sheet.latest_actual` finds), or the first row when none has one.
    """
    for row in sheet.rows:
        found = row.latest_actual(sheet.actual_years)
        if found is not None:
            year, cell = found
            return cell.text, year, row.target.text, row.unit
    if sheet.rows:
        first = sheet.rows[0]
        return "", None, first.target.text, first.unit
    return "", None, "", ""


#: The names of a ListEntry's fields, in order.
LIST_ENTRY_FIELDS = tuple(f.name for f in fields(ListEntry))


def list_entry_of(values: dict[str, Any]) -> ListEntry:
    """``ListEntry(**values)``, made without the dataclass's ``__init__``.

    A book's list makes one entry per sheet, thousands at a start, and a
    frozen dataclass sets each of its 18 fields through
    ``object.__setattr__``: filling the new entry's ``__dict__`` at once
    gives the same entry in a fraction of the time. ``values`` must name
    every field of :data:`LIST_ENTRY_FIELDS` and nothing else (no field has
    a check or a ``__post_init__`` to miss).
    """
    entry = object.__new__(ListEntry)
    entry.__dict__.update(values)
    return entry


def list_sort_key(entry: ListEntry) -> tuple[NoSortKey, int]:
    """The order of :func:`sheet_sort_key` for list entries: No as a number, then report year."""
    return no_sort_key(entry.no), entry.report_year


#: The headings of the value table's two leading columns.
ITEM_HEADING = "項目"
UNIT_HEADING = "単位"


def value_column_headings(sheet: Sheet, *, break_baseline: bool = True) -> list[str]:
    """The headings of the value columns, broken into lines as on the paper form.

    ``戦略策定時\n実績値\n(R1)``, ``R2\n実績値`` ... ``目標値\n(R5)``. The form,
    the PDF and the Excel workbook all print these; only the Excel template's
    base column keeps its label on one line (``break_baseline=False``).
    """
    baseline = sheet.baseline_label
    if break_baseline and baseline.endswith("実績値") and len(baseline) > len("実績値"):
        baseline = baseline.removesuffix("実績値") + "\n実績値"
    return [
        f"{baseline}\n({eras.short_label(sheet.baseline_year)})",
        *(f"{eras.short_label(year)}\n実績値" for year in sheet.actual_years),
        f"目標値\n({eras.short_label(sheet.target_year)})",
    ]
