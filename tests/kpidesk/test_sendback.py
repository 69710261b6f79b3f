"""差戻し and 確定: the statuses through hand out, collect, send back, collect again, confirm."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from kpidesk import cli
from kpidesk.book import cyclestore
from kpidesk.book.store import Book
from kpidesk.collect import apply_collect, plan_collect
from kpidesk.cycle import LogEntry, latest_entry, read_log
from kpidesk.handout import HandoutError, distribute
from kpidesk.samples import create_sample_book
from kpidesk.sendback import confirm, send_back

DEPARTMENT = "観光振興課"


def _state(origin: Path, department: str = DEPARTMENT) -> str:
    with Book.open(origin, read_only=True) as book:
        entries, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
    entry = latest_entry(entries, 2020, department)
    assert entry is not None
    return entry.state()


def _edit_first(path: Path, **changes: object) -> str:
    with Book.open(path) as book:
        sheet = book.list_sheets()[0]
        book.save_sheet(dataclasses.replace(sheet, **changes))
    return sheet.no


def _collect(origin: Path, path: Path) -> str:
    with Book.open(origin) as book:
        plan = plan_collect(book, path)
        if not plan.refusal:
            apply_collect(book, plan)
    return plan.refusal


def test_the_cycle_in_the_core(tmp_path: Path) -> None:
    origin, out = tmp_path / "origin.kpidb", tmp_path / "out"
    with create_sample_book(origin) as book:
        [handed] = distribute(book, out, 2020, [DEPARTMENT])
    assert _state(origin) == "未提出"
    no = _edit_first(handed, efforts=["課の取組"])
    assert _collect(origin, handed) == ""
    assert _state(origin) == "提出済"

    with Book.open(origin) as book:
        back = send_back(book, DEPARTMENT, out, 2020, {no: "出典を確認してください"})
        sheet = book.find_sheet(2020, no)
        assert sheet is not None and sheet.planning_comment == "出典を確認してください"
        assert book.history(sheet.id)[0].saved_by.startswith(f"差戻し: {DEPARTMENT}")  # type: ignore[arg-type]
    assert back.name == f"2020_{DEPARTMENT}_差戻し.kpidb"
    assert _state(origin) == "差戻し"
    with Book.open(back, read_only=True) as book:
        assert book.find_sheet(2020, no).planning_comment == "出典を確認してください"  # type: ignore[union-attr]
    with Book.open(origin) as book, pytest.raises(HandoutError, match="まだ提出されていない"):
        confirm(book, DEPARTMENT, 2020)

    _edit_first(back, efforts=["直した取組"], planning_comment="")
    assert _collect(origin, back) == ""
    assert _state(origin) == "提出済"
    with Book.open(origin) as book:
        sheet = book.find_sheet(2020, no)
        assert sheet is not None
        assert (sheet.efforts, sheet.planning_comment) == (["直した取組"], "")
        confirm(book, DEPARTMENT, 2020)
    assert _state(origin) == "確定"

    _edit_first(back, efforts=["確定の後の変更"])
    assert "確定済み" in _collect(origin, back)
    with Book.open(origin, read_only=True) as book:
        assert book.find_sheet(2020, no).efforts == ["直した取組"]  # type: ignore[union-attr]


def test_a_second_send_back_gets_its_own_file(tmp_path: Path) -> None:
    origin, out = tmp_path / "origin.kpidb", tmp_path / "out"
    with create_sample_book(origin) as book:
        distribute(book, out, 2020, [DEPARTMENT])
        no = book.list_sheets(report_year=2020, department=DEPARTMENT)[0].no
        first = send_back(book, DEPARTMENT, out, 2020, {no: "出典を確認してください"})
        second = send_back(book, DEPARTMENT, out, 2020, {no: "もう一度確認してください"})
    assert first != second and second.name == f"2020_{DEPARTMENT}_差戻し2.kpidb"


def test_send_back_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    origin, out = tmp_path / "origin.kpidb", tmp_path / "out"
    with create_sample_book(origin) as book:
        with pytest.raises(HandoutError, match="配布した記録がありません"):
            send_back(book, DEPARTMENT, out, 2020)
        distribute(book, out, 2020, [DEPARTMENT])
        with pytest.raises(HandoutError, match="No です: 999"):
            send_back(book, DEPARTMENT, out, 2020, {"999": "x"})
        no = book.list_sheets(report_year=2020, department=DEPARTMENT)[0].no
        with pytest.raises(HandoutError, match="企画課コメントが長すぎます"):
            send_back(book, DEPARTMENT, out, 2020, {no: "あ" * 3000})
    assert sorted(p.name for p in out.iterdir()) == [f"2020_{DEPARTMENT}.kpidb"]


def test_a_send_back_without_a_comment_is_refused_as_the_window_does(tmp_path: Path) -> None:
    origin, out = tmp_path / "origin.kpidb", tmp_path / "out"
    create_sample_book(origin).close()
    db = ("--db", str(origin))
    assert _run("distribute", *db, "--out", str(out), "--year", "R2")[0] == 0
    with Book.open(origin) as book:
        no = book.list_sheets(report_year=2020, department=DEPARTMENT)[0].no
        for comments in (None, {}, {no: "  "}):
            with pytest.raises(HandoutError, match="企画課コメントを1件以上書いてください"):
                send_back(book, DEPARTMENT, out, 2020, comments)
    code, _, err = _run("send-back", *db, "--department", DEPARTMENT, "--out", str(out))
    assert code != 0 and "企画課コメントを1件以上書いてください" in err
    assert not list(out.glob("*差戻し*")) and _status_line(origin) == "未提出"


def test_a_stored_status_is_read_as_untrusted() -> None:
    base = {
        "handout_id": "a",
        "department": "課",
        "report_year": 2020,
        "file_name": "f",
        "handed_out_at": "t",
        "handed_out_by": "",
    }
    assert LogEntry.from_dict(base).state() == "未提出"  # an older record
    assert LogEntry.from_dict({**base, "returned_at": "t2"}).state() == "提出済"
    assert LogEntry.from_dict({**base, "status": "確定"}).state() == "確定"
    assert LogEntry.from_dict({**base, "status": "承認済み"}).state() == "未提出"
    with pytest.raises(ValueError):
        LogEntry.from_dict({**base, "status": ["確定"]})


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _status_line(origin: Path) -> str:
    code, text, _ = _run("status", "--db", str(origin))
    assert code == 0
    [line] = [line for line in text.splitlines() if f"\t{DEPARTMENT}\t" in line]
    return line.rsplit("\t", 1)[1]


def test_the_cycle_from_the_command_line(tmp_path: Path) -> None:
    origin, out = tmp_path / "origin.kpidb", tmp_path / "out"
    create_sample_book(origin).close()
    db = ("--db", str(origin))
    assert _run("distribute", *db, "--out", str(out), "--year", "R2")[0] == 0
    assert _status_line(origin) == "未提出"
    handed = out / f"2020_{DEPARTMENT}.kpidb"
    no = _edit_first(handed, efforts=["課の取組"])
    assert _run("collect", *db, str(handed))[0] == 0
    assert _status_line(origin) == "提出済"

    code, text, err = _run(
        "send-back", *db, "--department", DEPARTMENT, "--out", str(out), "--comment", f"{no}=再確認"
    )
    assert code == 0, err
    back = out / f"2020_{DEPARTMENT}_差戻し.kpidb"
    assert str(back) in text and _status_line(origin) == "差戻し"
    code, _, err = _run("confirm", *db, "--department", DEPARTMENT)
    assert code != 0 and "まだ提出されていない" in err

    _edit_first(back, planning_comment="")
    assert _run("collect", *db, str(back))[0] == 0
    assert _status_line(origin) == "提出済"
    code, text, _ = _run("confirm", *db, "--department", DEPARTMENT, "--year", "2020")
    assert code == 0 and "確定しました" in text
    assert _status_line(origin) == "確定"
    _edit_first(back, efforts=["遅れた変更"])
    code, _, err = _run("collect", *db, str(back))
    assert code == 1 and "確定済み" in err


def test_send_back_wants_no_equals_text(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    code, _, err = _run(
        "send-back",
        "--db",
        str(origin),
        "--department",
        DEPARTMENT,
        "--out",
        str(tmp_path),
        "--comment",
        "コメントだけ",
    )
    assert code != 0 and "No=コメント" in err


def test_the_file_replaced_by_a_send_back_is_refused(tmp_path: Path) -> None:
    origin, out = tmp_path / "origin.kpidb", tmp_path / "out"
    with create_sample_book(origin) as book:
        [handed] = distribute(book, out, 2020, [DEPARTMENT])
    _edit_first(handed, efforts=["課の取組"])
    assert _collect(origin, handed) == ""
    with Book.open(origin) as book:
        no = book.list_sheets(report_year=2020, department=DEPARTMENT)[0].no
        back = send_back(book, DEPARTMENT, tmp_path / "差戻し先", 2020, {no: "確認してください"})
    assert back.parent == tmp_path / "差戻し先"
    _edit_first(handed, efforts=["古いファイルに続けて書いた取組"])
    refusal = _collect(origin, handed)
    assert "古いファイルです" in refusal and back.name in refusal
    assert _state(origin) == "差戻し"
    _edit_first(back, efforts=["新しいファイルの取組"])
    assert _collect(origin, back) == ""
