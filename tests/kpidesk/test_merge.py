"""A sheet merged part by part from the origin's and the department's versions."""

from __future__ import annotations

import dataclasses

import pytest

from kpidesk.merge import CHANGED_MARK, TABLE, merge_parts, merged_sheet
from kpidesk.model import Cell, Sheet, ValueRow


def _sheet(**changes: object) -> Sheet:
    rows = [
        ValueRow(
            label="観光客数",
            unit="万人",
            baseline=Cell("100"),
            actuals=[Cell("110")],
            target=Cell("150"),
        ),
        ValueRow(
            label="宿泊者数",
            unit="万人",
            baseline=Cell("50"),
            actuals=[Cell("52")],
            target=Cell("70"),
        ),
    ]
    base = Sheet(
        report_year=2020,
        no="9",
        departments=["観光振興課"],
        title="観光客数",
        baseline_year=2019,
        actual_years=[2020],
        target_year=2024,
        rows=rows,
        efforts=["取組1"],
        issues=["課題1"],
        id=7,
        revision=3,
    )
    return dataclasses.replace(base, **changes)


def test_only_the_parts_that_differ_are_listed_in_the_form_order() -> None:
    ours = _sheet(planning_comment="出典を確認")
    theirs = _sheet(title="観光入込客数", source="観光統計", issues=["課題1", "課題2"])
    theirs.rows[1] = dataclasses.replace(theirs.rows[1], actuals=[Cell("55")])
    parts = merge_parts(ours, theirs)
    assert [(p.key, p.label) for p in parts] == [
        ("title", "KPI名"),
        ("planning_comment", "企画課コメント"),
        ("row:2", "2行目（宿泊者数）"),
        ("source", "出典"),
        ("issues", "課題等"),
    ]
    assert "55" in parts[2].theirs and "52" in parts[2].ours
    assert parts[4].theirs == "課題1\n課題2"


def test_the_merged_sheet_takes_the_chosen_parts_and_keeps_its_identity() -> None:
    ours = _sheet(efforts=["企画課の取組"])
    theirs = _sheet(title="新しい名前", efforts=["課の取組"], id=99, revision=1)
    theirs.rows[0] = dataclasses.replace(theirs.rows[0], actuals=[Cell("120")])
    merged = merged_sheet(ours, theirs, {"row:1", "title"})
    assert merged.title == "新しい名前" and merged.rows[0].actuals == [Cell("120")]
    assert merged.efforts == ["企画課の取組"]
    assert (merged.id, merged.revision, merged.no) == (7, 3, "9")
    assert ours.rows[0].actuals == [Cell("110")]  # the origin's version is not changed


def test_tables_of_different_shapes_are_one_part() -> None:
    ours = _sheet()
    theirs = _sheet(actual_years=[2020, 2021])
    theirs.rows = [dataclasses.replace(row, actuals=[Cell("1"), Cell("2")]) for row in theirs.rows]
    parts = merge_parts(ours, theirs)
    assert [p.key for p in parts] == [TABLE]
    merged = merged_sheet(ours, theirs, {TABLE})
    assert merged.actual_years == [2020, 2021] and merged.rows == theirs.rows


def test_a_part_that_is_not_there_is_refused() -> None:
    with pytest.raises(KeyError):
        merged_sheet(_sheet(), _sheet(title="別"), {"efforts"})


def test_with_the_version_handed_out_each_part_starts_on_the_side_that_changed_it() -> None:
    base = _sheet()
    ours = _sheet(issues=["企画課が直した課題"], planning_comment="出典を確認")
    theirs = _sheet(efforts=["課の取組"], title="課が直した名前", planning_comment="確認しました")
    theirs.rows[0] = dataclasses.replace(theirs.rows[0], actuals=[Cell("120")])
    parts = merge_parts(ours, theirs, base)
    assert [(p.key, p.changed, p.take_theirs) for p in parts] == [
        ("title", "部局で変更", True),
        ("planning_comment", "両方で変更", False),
        ("row:1", "部局で変更", True),
        ("efforts", "部局で変更", True),
        ("issues", "企画課で変更", False),
    ]
    merged = merged_sheet(ours, theirs, {p.key for p in parts if p.take_theirs})
    assert merged.efforts == ["課の取組"] and merged.issues == ["企画課が直した課題"]
    assert merged.planning_comment == "出典を確認"


def test_without_it_every_part_starts_on_the_department_but_the_comment() -> None:
    parts = merge_parts(_sheet(planning_comment="a"), _sheet(title="b", planning_comment="c"))
    assert [(p.changed, p.take_theirs) for p in parts] == [("", True), ("", False)]


def test_the_cells_that_differ_are_marked_in_both_versions_one_per_line() -> None:
    ours = _sheet()
    theirs = _sheet()
    theirs.rows[0] = dataclasses.replace(theirs.rows[0], actuals=[Cell("8,000")])
    [part] = merge_parts(ours, theirs)
    assert part.theirs.splitlines() == [
        "観光客数（万人）",
        "戦略策定時実績値 (R1): 100",
        "◆R2実績値: 8,000",
        "目標値 (R6): 150",
    ]
    assert part.ours.splitlines()[2] == "◆R2実績値: 110"
    assert [line for line in part.ours.splitlines() if line.startswith("◆")] == ["◆R2実績値: 110"]


def test_the_mark_is_the_one_of_the_side_by_side_view() -> None:
    from ui.side_by_side import CHANGED_MARK as SIDE_BY_SIDE_MARK

    assert CHANGED_MARK == SIDE_BY_SIDE_MARK


def test_a_table_of_another_shape_marks_what_reads_otherwise() -> None:
    ours = _sheet()
    theirs = _sheet(actual_years=[2020, 2021])
    theirs.rows = [
        dataclasses.replace(row, actuals=[row.actuals[0], Cell("9")]) for row in theirs.rows
    ]
    [part] = merge_parts(ours, theirs)
    marked = [line for line in part.theirs.splitlines() if line.startswith(CHANGED_MARK)]
    assert marked == ["◆R3実績値: 9", "◆R3実績値: 9"]
    assert not any(line.startswith(CHANGED_MARK) for line in part.ours.splitlines())
