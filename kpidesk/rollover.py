"""The yearly roll-over (年度更新): next report year's sheets made from this year's.

A roll-over copies every sheet of one report year into the next, keeping its
No, departments, title, section, values and text, so that staff start the new
report from what they wrote last year; the old year is then locked
(``Store.rollover`` does both in one transaction). This module holds the pure
part: what one sheet becomes.
"""

from __future__ import annotations

import copy
import dataclasses

from kpidesk.model import Cell, Sheet


def rolled_over(sheet: Sheet, to_year: int) -> Sheet:
    """The sheet ``sheet`` becomes in the report of ``to_year``.

    Everything typed is kept as it stands (values, words, text, the base and
    target columns). When the new report year has no actual column yet and
    comes after the last one, a column for it is added with an empty cell in
    every row, ready for the new year's actual. The copy is new to the book:
    its ``id``, ``revision`` and ``updated_at`` are cleared. ``sheet`` itself
    is not changed.

    Args:
        sheet: a sheet of an earlier report year.
        to_year: the new report year.

    Raises:
        ValueError: ``to_year`` is not after the sheet's report year.
    """
    if to_year <= sheet.report_year:
        raise ValueError(
            f"年度更新の先（{to_year}年度）は元の報告年度（{sheet.report_year}年度）より後にしてください"
        )
    copied = copy.deepcopy(sheet)
    add_column = to_year not in copied.actual_years and (
        not copied.actual_years or to_year > copied.actual_years[-1]
    )
    if add_column:
        copied.actual_years.append(to_year)
        for row in copied.rows:
            row.actuals.append(Cell())
    return dataclasses.replace(copied, report_year=to_year, id=None, revision=0, updated_at="")
