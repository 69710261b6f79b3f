"""What an import would change, before it is written."""

from __future__ import annotations

import copy

from kpidesk import compare, samples
from kpidesk.compare import Change, Status
from kpidesk.model import Cell


def test_new_sheet_lists_its_filled_fields() -> None:
    sheet = samples.sample_sheets()[0]
    plan = compare.compare_sheets(None, sheet)
    assert plan.status is Status.NEW
    assert Change("KPI名", "", "刑法犯認知件数") in plan.changes
    assert Change("単年 R2実績値", "", "5,081") in plan.changes
    assert Change("取組状況 1段落目", "", sheet.efforts[0]) in plan.changes
    assert all(change.before == "" for change in plan.changes)


def test_same_sheet_has_no_changes() -> None:
    sheet = samples.sample_sheets()[0]
    plan = compare.compare_sheets(sheet, copy.deepcopy(sheet))
    assert plan.status is Status.SAME and plan.changes == []


def test_changed_cells_and_paragraphs_side_by_side() -> None:
    old = samples.sample_sheets()[1]  # No 10: two rows
    new = copy.deepcopy(old)
    new.rows[1].actuals[1] = Cell("認定")
    new.efforts[1] = "書き直した段落"
    new.issues.append("増えた課題")
    new.direction.pop()
    new.departments = ["教育政策課", "学校安全課"]
    plan = compare.compare_sheets(old, new)
    assert plan.status is Status.CHANGED
    assert plan.changes == [
        Change("担当課", "教育政策課", "教育政策課、学校安全課"),
        Change("県 R3実績値", "", "認定"),
        Change("取組状況 2段落目", old.efforts[1], "書き直した段落"),
        Change("課題等 3段落目", "", "増えた課題"),
        Change("今後の方向性 2段落目", old.direction[1], ""),
    ]


def test_changed_years_and_added_rows_are_shown() -> None:
    old = samples.sample_sheets()[0]
    new = copy.deepcopy(old)
    new.actual_years = [2020, 2021, 2022, 2023, 2024]
    new.rows[0].actuals.append(Cell("4,000"))
    plan = compare.compare_sheets(old, new)
    wheres = [change.where for change in plan.changes]
    assert "表の列" in wheres
    assert "単年 R6実績値" in wheres


def test_plan_import_and_summary() -> None:
    sheets = samples.sample_sheets()
    book = {sheet.key: sheet for sheet in sheets[:14]}
    incoming = copy.deepcopy(sheets)
    incoming[0].title = "変わった"
    plans = compare.plan_import(incoming, lambda year, no: book.get((year, no)))
    assert [plan.status for plan in plans].count(Status.SAME) == 13
    assert plans[0].status is Status.CHANGED and plans[14].status is Status.NEW
    assert compare.summary(plans) == "新規 1件、変更あり 1件、変更なし 13件"
    assert plans[0].label == "R2 No 9 変わった"


def test_rows_with_the_same_label_are_told_apart() -> None:
    old = samples.sample_sheets()[1]
    old.rows[0].label = "県"  # both rows are now 県
    new = copy.deepcopy(old)
    new.rows[0].actuals[1] = Cell("7")
    plan = compare.compare_sheets(old, new)
    assert plan.status is Status.CHANGED
    assert plan.changes == [Change("1行目（県） R3実績値", "", "7")]
    assert plan.book_revision == old.revision
