"""Collect (回収): returned department books compared three ways and taken back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kpidesk.book import cyclestore
from kpidesk.book.backups import list_backups
from kpidesk.book.store import Book
from kpidesk.collect import Decision, apply_collect, plan_collect
from kpidesk.cycle import Outcome, read_log, status_rows
from kpidesk.handout import distribute, save_for_return
from kpidesk.model import Sheet
from kpidesk.samples import create_sample_book

DEPARTMENT = "観光振興課"


@pytest.fixture
def handed(tmp_path: Path) -> tuple[Path, Path]:
    """The sample book and its file handed out to 観光振興課."""
    out = tmp_path / "out"
    out.mkdir()
    origin = tmp_path / "origin.kpidb"
    with create_sample_book(origin) as book:
        [path] = distribute(book, out, 2020, [DEPARTMENT])
    return origin, path


def _edit(path: Path, no: str, **changes: object) -> None:
    with Book.open(path) as book:
        sheet = next(s for s in book.list_sheets() if s.no == no)
        book.save_sheet(dataclasses.replace(sheet, **changes))


def _nos(path: Path) -> list[str]:
    with Book.open(path, read_only=True) as book:
        return [sheet.no for sheet in book.list_sheets()]


def test_only_theirs_is_taken_with_a_backup_and_history(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    no = _nos(path)[0]
    _edit(path, no, efforts=["課で書いた取組"])
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        assert plan.refusal == ""
        assert [p.no for p in plan.of(Outcome.TAKEN)] == [no]
        result = apply_collect(book, plan)
        sheet = book.find_sheet(2020, no)
        assert sheet is not None
        history = book.history(sheet.id or 0)
        log, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
    assert sheet.efforts == ["課で書いた取組"]
    assert sheet.revision == 2
    assert history[0].saved_by.startswith(f"回収: {DEPARTMENT} ({path.name})")
    assert result.backup is not None and result.backup.exists()
    assert [b.reason for b in list_backups(origin)] == ["回収の前"]
    assert log[0].returned_file == path.name and log[0].changed == 1


def test_only_ours_is_kept(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    no = _nos(path)[0]
    _edit(origin, no, issues=["企画課が直した課題"])
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        assert [p.no for p in plan.of(Outcome.KEPT)] == [no]
        assert apply_collect(book, plan).written == []
        sheet = book.find_sheet(2020, no)
    assert sheet is not None and sheet.issues == ["企画課が直した課題"]


def test_both_changed_is_a_conflict_never_written(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    no = _nos(path)[0]
    _edit(path, no, efforts=["課の版"])
    _edit(origin, no, efforts=["企画課の版"])
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        result = apply_collect(book, plan)
        again = plan_collect(book, path)
        sheet = book.find_sheet(2020, no)
        log, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
    assert [p.no for p in result.conflicts] == [no]
    assert sheet is not None and sheet.efforts == ["企画課の版"]
    assert log[0].conflicts == [no]
    assert [p.no for p in again.of(Outcome.CONFLICT)] == [no]  # still open next time


@pytest.mark.parametrize(
    ("decision", "kept"), [(Decision.THEIRS, "課の版"), (Decision.OURS, "企画")]
)
def test_conflicts_decided_at_once(
    handed: tuple[Path, Path], decision: Decision, kept: str
) -> None:
    origin, path = handed
    no = _nos(path)[0]
    _edit(path, no, efforts=["課の版"])
    _edit(origin, no, efforts=["企画"])
    with Book.open(origin) as book:
        result = apply_collect(book, plan_collect(book, path), decision)
        sheet = book.find_sheet(2020, no)
        again = plan_collect(book, path)
    assert result.conflicts == []
    assert sheet is not None and sheet.efforts == [kept]
    assert again.of(Outcome.CONFLICT) == []


def test_conflicts_decided_sheet_by_sheet(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    first, second = _nos(path)
    for no in (first, second):
        _edit(path, no, efforts=["課の版"])
        _edit(origin, no, efforts=["企画"])
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        assert [p.no for p in plan.of(Outcome.CONFLICT)] == [first, second]
        result = apply_collect(book, plan, decisions={(2020, first): Decision.THEIRS})
        taken, left = book.find_sheet(2020, first), book.find_sheet(2020, second)
        again = plan_collect(book, path)
    assert [s.no for s in result.written] == [first]
    assert [c.no for c in result.conflicts] == [second]
    assert taken is not None and taken.efforts == ["課の版"]
    assert left is not None and left.efforts == ["企画"]
    assert [p.no for p in again.of(Outcome.CONFLICT)] == [second]


def test_status_rows_say_where_each_hand_out_stands(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    with Book.open(origin) as book:
        before = status_rows(read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))[0])
        _edit(path, _nos(path)[0], efforts=["課の版"])
        apply_collect(book, plan_collect(book, path))
        after = status_rows(read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))[0])
    assert [(r.department, r.returned_at, r.changed, r.state) for r in before] == [
        (DEPARTMENT, "-", "-", "未提出")
    ]
    assert [(r.changed, r.conflicts, r.state) for r in after] == [("1", "-", "提出済")]


def test_added_and_deleted_by_the_department(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    nos = _nos(path)
    with Book.open(path) as book:
        book.save_sheet(Sheet(report_year=2020, no="99", departments=[DEPARTMENT], title="新"))
        book.delete_sheet(book.find_sheet(2020, nos[0]).id or 0)  # type: ignore[union-attr]
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        assert [p.no for p in plan.of(Outcome.ADDED)] == ["99"]
        assert [p.no for p in plan.of(Outcome.DELETED_THERE)] == [nos[0]]
        apply_collect(book, plan)
        added = book.find_sheet(2020, "99")
        still = book.find_sheet(2020, nos[0])
    assert added is not None and added.title == "新"
    assert still is not None  # the department's deletion is never applied


def test_added_under_an_existing_no_of_the_department_is_a_conflict(
    handed: tuple[Path, Path],
) -> None:
    origin, path = handed
    with Book.open(origin) as book:  # the planning division gives the department one more
        other = next(s for s in book.list_sheets() if DEPARTMENT not in s.departments)
        book.save_sheet(dataclasses.replace(other, departments=[*other.departments, DEPARTMENT]))
    with Book.open(path) as book:
        book.save_sheet(Sheet(report_year=2020, no=other.no, departments=[DEPARTMENT]))
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
    assert [p.no for p in plan.of(Outcome.CONFLICT)] == [other.no]


def test_another_departments_sheet_cannot_be_taken_over(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    with Book.open(origin) as book:
        other = next(s for s in book.list_sheets() if DEPARTMENT not in s.departments)
    with Book.open(path) as book:
        book.save_sheet(Sheet(report_year=2020, no=other.no, departments=[DEPARTMENT], title="x"))
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        assert plan.refusal and plan.sheets == []
        with pytest.raises(ValueError):
            apply_collect(book, plan, Decision.THEIRS)
        kept = book.find_sheet(2020, other.no)
    assert f"配布していないシート No {other.no}" in plan.refusal
    assert other.departments_text in plan.refusal
    assert kept == other


def test_collected_twice_unchanged_is_reported(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    _edit(path, _nos(path)[0], efforts=["一度だけ"])
    with Book.open(origin) as book:
        apply_collect(book, plan_collect(book, path))
        again = plan_collect(book, path)
    assert again.already
    assert again.of(Outcome.TAKEN, Outcome.ADDED, Outcome.CONFLICT) == []


def test_a_file_from_another_book_is_refused(handed: tuple[Path, Path], tmp_path: Path) -> None:
    _, path = handed
    with create_sample_book(tmp_path / "other.kpidb") as other:
        other.identity(assign=True)
        plan = plan_collect(other, path)
    assert "別のブックから配布されたファイル" in plan.refusal


def test_a_plain_book_is_refused(handed: tuple[Path, Path], tmp_path: Path) -> None:
    origin, _ = handed
    with create_sample_book(tmp_path / "plain.kpidb"):
        pass
    with Book.open(origin) as book:
        plan = plan_collect(book, tmp_path / "plain.kpidb")
        not_a_book = tmp_path / "x.kpidb"
        not_a_book.write_bytes(b"not sqlite")
        broken = plan_collect(book, not_a_book)
    assert "配布したファイルではありません" in plan.refusal
    assert "読めません" in broken.refusal


def test_a_sheet_of_another_year_is_refused(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    with Book.open(path) as book:
        book.save_sheet(Sheet(report_year=2021, no="1", departments=[DEPARTMENT]))
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
    assert "別の年度（2021年度）のシート" in plan.refusal


def test_a_sheet_of_another_department_is_refused(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    _edit(path, _nos(path)[0], departments=["別の課"])
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
    assert f"担当課が{DEPARTMENT}でないシート" in plan.refusal


def test_a_forged_mark_is_refused(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    with Book.open(path) as book:
        cyclestore.write_text(book, cyclestore.META_HANDOUT, '{"handout_id": [1]}')
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
    assert "配布したファイルではありません" in plan.refusal


def test_a_copy_saved_to_return_says_who_and_when(
    handed: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpidesk import handout

    origin, path = handed
    monkeypatch.setattr(handout, "this_user", lambda: "tanaka")
    target = tmp_path / "提出.kpidb"
    with Book.open(path) as book:
        mark = save_for_return(book, target)
    assert mark.returned_by == "tanaka"
    with Book.open(origin) as book:
        plan = plan_collect(book, target)
    assert plan.refusal == "" and plan.return_mark == mark
    assert plan.return_mark.label() == (
        f"提出: tanaka {mark.returned_at[:10]} {mark.returned_at[11:16]}"
    )


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        '["list"]',
        '{"returned_by": "x"}',
        '{"returned_by": 3, "returned_at": "2026-05-01T10:00:00"}',
        '{"returned_by": "a\\u0000b", "returned_at": "2026-05-01T10:00:00"}',
        '{"returned_by": "' + "x" * 600 + '", "returned_at": "2026-05-01T10:00:00"}',
    ],
)
def test_an_unusable_return_mark_is_ignored(handed: tuple[Path, Path], stored: str) -> None:
    origin, path = handed
    with Book.open(path) as book:
        cyclestore.write_text(book, cyclestore.META_RETURNED, stored)
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
    assert plan.refusal == "" and plan.return_mark is None


def test_a_conflict_decided_by_a_merged_version(handed: tuple[Path, Path]) -> None:
    from kpidesk.merge import merge_parts, merged_sheet

    origin, path = handed
    no = _nos(path)[0]
    _edit(path, no, efforts=["課の取組"], issues=["課の課題"])
    _edit(origin, no, issues=["企画課の課題"])
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        [conflict] = plan.of(Outcome.CONFLICT)
        assert conflict.origin is not None and conflict.returned is not None
        assert conflict.base is not None and conflict.base.efforts != ["課の取組"]
        parts = merge_parts(conflict.origin, conflict.returned, conflict.base)
        assert [(p.label, p.changed, p.take_theirs) for p in parts] == [
            ("取組状況", "部局で変更", True),
            ("課題等", "両方で変更", True),
        ]
        merged = merged_sheet(conflict.origin, conflict.returned, {"efforts"})
        result = apply_collect(
            book, plan, decisions={(2020, no): Decision.MERGED}, merged={(2020, no): merged}
        )
        sheet = book.find_sheet(2020, no)
        again = plan_collect(book, path)
    assert result.conflicts == [] and len(result.written) == 1
    assert sheet is not None
    assert (sheet.efforts, sheet.issues) == (["課の取組"], ["企画課の課題"])
    assert again.already


def test_merged_without_a_version_is_left_open(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    no = _nos(path)[0]
    _edit(path, no, efforts=["課の版"])
    _edit(origin, no, efforts=["企画課の版"])
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        result = apply_collect(book, plan, decisions={(2020, no): Decision.MERGED})
        sheet = book.find_sheet(2020, no)
    assert [p.no for p in result.conflicts] == [no]
    assert sheet is not None and sheet.efforts == ["企画課の版"]


def test_who_returned_the_file_is_kept_in_the_status(
    handed: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpidesk import handout

    origin, path = handed
    _edit(path, _nos(path)[0], efforts=["課の取組"])
    monkeypatch.setattr(handout, "this_user", lambda: "tanaka")
    target = tmp_path / "提出.kpidb"
    with Book.open(path) as book:
        save_for_return(book, target)
    with Book.open(origin) as book:
        apply_collect(book, plan_collect(book, target))
        entries, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
    [row] = status_rows(entries)
    assert row.returned_by == "tanaka"


def test_a_sheet_changed_after_the_preview_refuses_the_whole_collect(
    handed: tuple[Path, Path],
) -> None:
    from kpidesk.book.errors import StaleRevisionError

    origin, path = handed
    first, second = _nos(path)[:2]
    _edit(path, first, efforts=["課の取組1"])
    _edit(path, second, efforts=["課の取組2"])
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        assert len(plan.of(Outcome.TAKEN)) == 2
        sheet = book.find_sheet(2020, second)
        book.save_sheet(dataclasses.replace(sheet, issues=["プレビューの後に直した課題"]))
        with pytest.raises(StaleRevisionError):
            apply_collect(book, plan)
        kept = [book.find_sheet(2020, no) for no in (first, second)]
        log, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
        again = plan_collect(book, path)
    assert kept[0].efforts != ["課の取組1"] and kept[1].issues == ["プレビューの後に直した課題"]
    assert log[0].returned_at == ""
    assert [p.no for p in again.of(Outcome.TAKEN)] == [first]
    assert [p.no for p in again.of(Outcome.CONFLICT)] == [second]
