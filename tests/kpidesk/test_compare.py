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
    assert compare.plan_counts(plans) == "新規 1件、変更あり 1件、変更なし 13件"
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


def test_side_by_side_shows_every_field_changed_or_not() -> None:
    old = samples.sample_sheets()[0]  # No 9
    new = copy.deepcopy(old)
    new.rows[0].actuals[1] = Cell("4,321")
    new.efforts[1] += "さらに追記。"
    lines = compare.side_by_side(old, new)
    wheres = [line.where for line in lines]
    assert wheres[:5] == ["No", "担当課", "KPI名", "施策", "表の列"]
    assert wheres[5:8] == ["1行目 項目", "単年 単位", "単年 戦略策定時実績値(R1)"]
    assert wheres[-1] == f"今後の方向性 {len(old.direction)}段落目"
    paragraphs = len(old.efforts) + len(old.issues) + len(old.direction)
    assert len(lines) == 5 + 2 + len(old.all_cells()) + paragraphs
    assert [line.where for line in lines if line.changed] == ["単年 R3実績値", "取組状況 2段落目"]
    assert Change("単年 R2実績値", "5,081", "5,081") in lines
    assert Change("単年 R3実績値", "", "4,321") in lines
    # The import preview lists exactly the changed lines.
    assert compare.compare_sheets(old, new).changes == [line for line in lines if line.changed]


def test_side_by_side_puts_added_paragraphs_and_columns_in_place() -> None:
    old = samples.sample_sheets()[0]
    new = copy.deepcopy(old)
    new.efforts.append("増えた段落")
    new.actual_years.append(2024)
    new.rows[0].actuals.append(Cell("4,000"))
    wheres = [line.where for line in compare.side_by_side(old, new)]
    last_effort = f"取組状況 {len(old.efforts)}段落目"
    assert wheres[wheres.index(last_effort) + 1] == f"取組状況 {len(old.efforts) + 1}段落目"
    assert (
        wheres.index("単年 R5実績値")
        < wheres.index("単年 R6実績値")
        < wheres.index("課題等 1段落目")
    )
    # Removed: shown with an empty right side.
    lines = compare.side_by_side(new, old)
    assert Change(f"取組状況 {len(old.efforts) + 1}段落目", "増えた段落", "") in lines


def test_change_summary_names_columns_and_counts_paragraphs() -> None:
    old = samples.sample_sheets()[0]
    new = copy.deepcopy(old)
    assert compare.change_words(None, old) == "新規作成"
    assert compare.change_words(old, new) == "変更なし"
    new.rows[0].actuals[1] = Cell("4,321")
    new.efforts[0] = "書き直した"
    new.efforts[2] = "これも"
    assert compare.change_words(old, new) == "R3実績値、取組状況 2段落"
    new.title = "新しい名前"
    new.issues.append("増えた課題")
    new.direction.pop()
    new.rows[0].unit = "件"
    assert compare.change_words(old, new) == "KPI名、単位、R3実績値、取組状況 2段落 ほか2件"


def test_change_summary_of_two_rows_names_each_column_once() -> None:
    old = samples.sample_sheets()[1]  # No 10: two rows
    new = copy.deepcopy(old)
    new.rows[0].actuals[1] = Cell("8")
    new.rows[1].actuals[1] = Cell("認定")
    assert compare.change_words(old, new) == "R3実績値"


def test_a_paragraph_added_at_the_top_is_one_change_not_all() -> None:
    old = samples.sample_sheets()[0]  # No 9: four paragraphs of 取組状況
    new = copy.deepcopy(old)
    new.efforts.insert(0, "前年比の文")
    changed = [change for change in compare.side_by_side(old, new) if change.changed]
    assert changed == [Change("取組状況 1段落目", "", "前年比の文")]
    assert compare.change_words(old, new) == "取組状況 1段落"


def test_hand_set_direction_and_kind_are_changes() -> None:
    old = samples.sample_sheets()[0]
    new = copy.deepcopy(old)
    new.rows[0].target_direction = "up"
    new.rows[0].kind = "cumulative"
    assert [c for c in compare.side_by_side(old, new) if c.changed] == [
        Change("単年 目標の向き", "自動", "増やす"),
        Change("単年 区分", "自動", "累計"),
    ]


def test_imports_that_cannot_carry_row_settings_keep_the_books() -> None:
    book = samples.sample_sheets()[1]  # No 10: 市町村(累計) and 県
    book.rows[0].target_direction = "up"
    book.rows[1].kind = "single"
    incoming = samples.sample_sheets()[1]
    incoming.rows[0].actuals[1] = Cell("5")
    carried = compare.carry_row_settings(incoming, book)
    assert [(row.target_direction, row.kind) for row in carried.rows] == [
        ("up", ""),
        ("", "single"),
    ]
    assert carried.rows[0].actuals[1].text == "5"
    assert incoming.rows[0].target_direction == ""  # the incoming sheet is not changed
    # A row whose label moved is not given another row's settings.
    incoming.rows.reverse()
    moved = compare.carry_row_settings(incoming, book)
    assert [(row.target_direction, row.kind) for row in moved.rows] == [("", ""), ("", "")]
    assert compare.carry_row_settings(incoming, None) is incoming


def test_the_expected_row_and_external_factor_of_a_row_are_changes_and_are_kept() -> None:
    old = samples.sample_sheets()[2]  # No 13: 単年 and 累計
    new = copy.deepcopy(old)
    new.rows[0].measures = "累計"
    new.rows[1].external = True
    new.rows[1].external_reason = "新型コロナウイルス感染症の影響"
    assert [c for c in compare.side_by_side(old, new) if c.changed] == [
        Change("単年 期待値の対象", "自動", "累計"),
        Change("累計 外的要因", "", "あり（新型コロナウイルス感染症の影響）"),
    ]
    # An import from text or Excel, which cannot carry them, keeps the book's.
    incoming = samples.sample_sheets()[2]
    carried = compare.carry_row_settings(incoming, new)
    assert [(row.measures, row.external, row.external_reason) for row in carried.rows] == [
        ("累計", False, ""),
        ("", True, "新型コロナウイルス感染症の影響"),
    ]
