"""The yearly roll-over (年度更新): next report year's sheets made from this year's.

A roll-over copies every sheet of one report year into the next, keeping its
No, departments, title, section, values and text, so that staff start the new
report from what they wrote last year; the old year is then locked
(``Book.rollover`` does both in one transaction). This module holds the pure
part: what one sheet becomes.
"""

from __future__ import annotations

import copy
import dataclasses

from kpidesk.model import Cell, Sheet, no_sort_key


def rolled_over(sheet: Sheet, to_year: int) -> Sheet:
    """The sheet ``sheet`` becomes in the report of ``to_year``.

    Everything typed is kept as it stands (values, words, text, the base and
    target columns, 出典 and its timing), except the 企画課・有識者意見, which
    was about the year just reported. When the new report year comes after the last actual
    column, columns are added up to it (none skipped) with an empty cell in
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
    if not copied.actual_years or to_year > copied.actual_years[-1]:
        # Every year up to the new one gets its column: none is skipped.
        first = copied.actual_years[-1] + 1 if copied.actual_years else to_year
        for year in range(first, to_year + 1):
            copied.actual_years.append(year)
            for row in copied.rows:
                row.actuals.append(Cell())
    # The reviewer's comment was on the year just reported: the new one starts without it.
    copied.opinions = []
    copied.planning_comment = ""  # a 差戻し of the year just reported, settled with it
    return dataclasses.replace(copied, report_year=to_year, id=None, revision=0, updated_at="")


def rollover_warnings(sheets: list[Sheet], to_year: int, *, excel_years: int) -> list[str]:
    """What the user should know before rolling ``sheets`` over to ``to_year``.

    Args:
        sheets: the sheets of the year being rolled over.
        to_year: the new report year.
        excel_years: how many actual columns the Excel template holds.

    Returns:
        Japanese sentences (none when nothing is unusual).
    """
    warnings = []
    past_target = sorted(
        {sheet.no for sheet in sheets if to_year > sheet.target_year}, key=no_sort_key
    )
    if past_target:
        warnings.append(
            f"{_count(past_target)}は目標年度を過ぎた年度の報告になります"
            "（新しい戦略のシートは新しく作るのが普通です）"
        )
    too_wide = sorted(
        (
            sheet.no
            for sheet in sheets
            if len(rolled_over(sheet, to_year).actual_years) > excel_years
        ),
        key=no_sort_key,
    )
    if too_wide:
        warnings.append(
            f"{_count(too_wide)}は実績値の列が{excel_years}列を超えるため、"
            "Excelには書き出せません（PDF・印刷はできます）"
        )
    return warnings


def _count(nos: list[str]) -> str:
    shown = "、".join(f"No {no}" for no in nos[:5])
    return f"{shown}ほか{len(nos) - 5}件" if len(nos) > 5 else shown
