"""Words that more than one output prints, decided once.

The Excel form, the PDF and the window name the same things the same way:
the report year heading at the top of a sheet (:func:`report_year_heading`),
the book in a footer (:func:`book_title`, :func:`footer_text`) and a value
cell that is not understood (:func:`cell_place`, :func:`invalid_values`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kpidesk import eras, values
from kpidesk.model import Sheet

#: The file ending of a book, left out of its title.
_BOOK_SUFFIXES = (".kpidb", ".db", ".sqlite")


def report_year_heading(year: int) -> str:
    """The heading of a sheet's report year, top left on the form: ``令和2年度``.

    The Excel form's ``KPI_REPORT_YEAR`` cell and the PDF's page top print it.
    """
    return eras.kanji_label(year)


def book_title(book_name: str) -> str:
    """What a footer calls a book: its name without the file ending (``本庁`` for
    ``本庁.kpidb``); a name without one is kept as it is."""
    for suffix in _BOOK_SUFFIXES:
        if book_name.lower().endswith(suffix) and len(book_name) > len(suffix):
            return book_name[: -len(suffix)]
    return book_name


def footer_text(book_name: str, report_year: int | None, mark: str) -> str:
    """A page's footer: the book's title, the report year and the sheet
    (``本庁　令和2年度報告　No 9``); parts that are empty are left out."""
    year = f"{eras.kanji_label(report_year)}報告" if report_year is not None else ""
    return "　".join(part for part in (book_title(book_name), year, mark) if part)


def cell_place(sheet: Sheet, row_index: int, column: int) -> str:
    """A value cell named as a person finds it: ``R2実績値（観光客数）``.

    ``column`` counts the value columns: 0 is the base value, then the
    actual years, then the target. A row without a label is named by its
    place (``2行目``).
    """
    row = sheet.rows[row_index]
    if column == 0:
        heading = sheet.baseline_label
    elif column <= len(sheet.actual_years):
        heading = f"{eras.short_label(sheet.actual_years[column - 1])}実績値"
    else:
        heading = "目標値"
    label = row.label.strip() or f"{row_index + 1}行目"
    return f"{heading}（{label}）"


@dataclass(frozen=True)
class InvalidValue:
    """A value cell whose text is neither a number nor a known word.

    Attributes:
        place: the cell as :func:`cell_place` names it.
        text: the text as typed.
        problem: why it is not a value (from :func:`kpidesk.values.parse_value`).
    """

    place: str
    text: str
    problem: str

    def __str__(self) -> str:
        return f"{self.place}: {self.text.strip()}"


def invalid_values(sheet: Sheet) -> list[InvalidValue]:
    """Every value cell of a sheet that is not understood, in table order."""
    found: list[InvalidValue] = []
    for row_index, row in enumerate(sheet.rows):
        cells = [(0, row.baseline), *enumerate(row.actuals, start=1)]
        cells.append((len(sheet.actual_years) + 1, row.target))
        for column, cell in cells:
            parsed = values.parse_value(cell.text)
            if not parsed.is_valid:
                place = cell_place(sheet, row_index, column)
                found.append(InvalidValue(place, cell.text, parsed.problem))
    return found
