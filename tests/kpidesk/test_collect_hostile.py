"""A returned file is written by someone else: what it may not do to the origin book."""

from __future__ import annotations

import dataclasses
import io
import os
import sys
from pathlib import Path

import pytest

from kpidesk import cli, collect, cycle, limits
from kpidesk.book.store import Book
from kpidesk.collect import Decision, apply_collect, plan_collect
from kpidesk.cycle import LogEntry, Outcome, log_to_json, read_log
from kpidesk.handout import distribute, save_for_return
from kpidesk.model import Sheet
from kpidesk.samples import create_sample_book

DEPARTMENT = "観光振興課"
SHARED = "28"  # 観光振興課 and 港湾課


@pytest.fixture
def handed(tmp_path: Path) -> tuple[Path, Path]:
    origin = tmp_path / "origin.kpidb"
    with create_sample_book(origin) as book:
        [path] = distribute(book, tmp_path / "out", 2020, [DEPARTMENT])
    return origin, path


def _edit(path: Path, no: str, **changes: object) -> None:
    with Book.open(path) as book:
        sheet = book.find_sheet(2020, no)
        assert sheet is not None
        book.save_sheet(dataclasses.replace(sheet, **changes))


def _refusal_and_sheets(origin: Path, path: Path) -> tuple[str, list[Sheet]]:
    with Book.open(origin) as book:
        before = book.list_sheets()
        plan = plan_collect(book, path)
        if not plan.refusal:
            apply_collect(book, plan, Decision.THEIRS)
        assert book.list_sheets() == before or not plan.refusal
        return plan.refusal, book.list_sheets()


def test_a_department_cannot_drop_its_co_owner(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    _edit(path, SHARED, departments=[DEPARTMENT], efforts=["港湾課を外した"])
    refusal, sheets = _refusal_and_sheets(origin, path)
    assert f"No {SHARED} の担当課が変えられています" in refusal
    shared = next(s for s in sheets if s.no == SHARED)
    assert "港湾課" in shared.departments and shared.efforts != ["港湾課を外した"]


def test_a_department_cannot_write_the_planning_comment(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    _edit(path, SHARED, planning_comment="企画課確認済み（問題なし）")
    refusal, sheets = _refusal_and_sheets(origin, path)
    assert "企画課コメントは企画課だけが書けます" in refusal
    assert next(s for s in sheets if s.no == SHARED).planning_comment == ""


def test_a_new_sheet_may_not_name_another_department(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    with Book.open(path) as book:
        book.save_sheet(Sheet(report_year=2020, no="900", departments=[DEPARTMENT, "港湾課"]))
    refusal, sheets = _refusal_and_sheets(origin, path)
    assert "追加したシート No 900 に、ほかの担当課（港湾課）" in refusal
    assert "900" not in {s.no for s in sheets}


def test_a_flood_of_new_sheets_is_refused(
    handed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    origin, path = handed
    monkeypatch.setattr(collect, "MAX_ADDED_SHEETS", 3)
    with Book.open(path) as book:
        for number in range(4):
            book.save_sheet(Sheet(report_year=2020, no=f"90{number}", departments=[DEPARTMENT]))
    refusal, sheets = _refusal_and_sheets(origin, path)
    assert "追加したシートが多すぎます（4件、上限 3件）" in refusal
    assert not {s.no for s in sheets} & {"900", "901", "902", "903"}


def test_a_sheet_past_the_bounds_is_refused_before_any_backup(
    handed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpidesk.book.backups import list_backups

    origin, path = handed
    _edit(path, SHARED, title="とても長いKPI名")
    monkeypatch.setattr(limits, "MAX_TITLE_CHARS", 5)
    refusal, _ = _refusal_and_sheets(origin, path)
    assert refusal.startswith(f"No {SHARED}: ") and "KPI名" in refusal
    assert list_backups(origin) == []


def test_a_file_too_large_is_not_opened(
    handed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    origin, path = handed
    monkeypatch.setattr(collect, "MAX_RETURNED_BYTES", 1024)
    refusal, _ = _refusal_and_sheets(origin, path)
    assert "ファイルが大きすぎます" in refusal


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes in the file system are POSIX")
def test_a_pipe_is_refused_without_waiting_for_it(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    pipe = path.with_name("pipe.kpidb")
    os.mkfifo(pipe)
    refusal, _ = _refusal_and_sheets(origin, pipe)
    assert "ファイルではありません" in refusal


def test_an_older_copy_after_a_newer_one_is_not_taken(
    handed: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, path = handed
    _edit(path, SHARED, efforts=["第1版"])
    with Book.open(path) as book:
        save_for_return(book, tmp_path / "第1版.kpidb")
    _edit(path, SHARED, efforts=["第2版"])
    with Book.open(origin) as book:
        apply_collect(book, plan_collect(book, tmp_path / "第1版.kpidb"))
        apply_collect(book, plan_collect(book, path))
        old = plan_collect(book, tmp_path / "第1版.kpidb")
        assert [p.no for p in old.of(Outcome.OLDER)] == [SHARED]
        assert apply_collect(book, old).written == []
        sheet = book.find_sheet(2020, SHARED)
        again = plan_collect(book, path)
    assert sheet is not None and sheet.efforts == ["第2版"]
    assert again.already


def test_the_file_as_handed_out_after_a_collect_is_an_older_copy(
    handed: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, path = handed
    untouched = tmp_path / "untouched.kpidb"
    untouched.write_bytes(path.read_bytes())
    _edit(path, SHARED, efforts=["課の取組"])
    with Book.open(origin) as book:
        apply_collect(book, plan_collect(book, path))
        plan = plan_collect(book, untouched)
        apply_collect(book, plan)
        sheet = book.find_sheet(2020, SHARED)
    assert [p.no for p in plan.of(Outcome.OLDER)] == [SHARED]
    assert sheet is not None and sheet.efforts == ["課の取組"]


def test_the_log_stays_readable_dropping_the_oldest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cycle, "MAX_LOG_CHARS", 2_000)
    entries = [
        LogEntry(f"id{n:04d}", DEPARTMENT, 2020, f"{n}.kpidb", "2026-04-01", "", {"1": "a" * 64})
        for n in range(40)
    ]
    text = log_to_json(entries)
    kept, note = read_log(text)
    assert len(text) <= 2_000 and note == ""
    assert kept[-1].handout_id == "id0039" and 1 < len(kept) < 40


def test_status_prints_control_characters_escaped(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    name = "\u202e課\x9b2J"
    with create_sample_book(origin) as book:
        book.save_sheet(Sheet(report_year=2020, no="900", departments=[name]))
        distribute(book, tmp_path / "out", 2020, [name])
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["status", "--db", str(origin)], out=out, err=err) == 0
    text = out.getvalue()
    assert "\\u202e課\\x9b2J" in text
    assert "\u202e" not in text and "\x9b" not in text


def test_a_no_typed_in_full_width_is_not_a_new_sheet(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    _edit(origin, "29", issues=["企画課の修正"])
    with Book.open(path) as book:
        sheet = book.find_sheet(2020, "29")
        book.delete_sheet(sheet.id)
        book.save_sheet(dataclasses.replace(sheet, no="２９", id=None, revision=0, efforts=["課"]))
    refusal, sheets = _refusal_and_sheets(origin, path)
    assert "No ２９ は No 29 と同じ番号です" in refusal
    assert "２９" not in {s.no for s in sheets}


def test_a_department_cannot_write_the_opinions_box(handed: tuple[Path, Path]) -> None:
    origin, path = handed
    _edit(path, SHARED, opinions=["有識者も了承済み"])
    refusal, sheets = _refusal_and_sheets(origin, path)
    assert "企画課・有識者意見が書き換えられています" in refusal
    assert next(s for s in sheets if s.no == SHARED).opinions == []
