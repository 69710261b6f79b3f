"""The distribute, collect and status commands."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from kpidesk import cli
from kpidesk.book import lock
from kpidesk.book.store import Book
from kpidesk.samples import create_sample_book


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _edit(path: Path, **changes: object) -> str:
    with Book.open(path) as book:
        sheet = book.list_sheets()[0]
        book.save_sheet(dataclasses.replace(sheet, **changes))
    return sheet.no


def test_distribute_collect_status(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    out = tmp_path / "out"
    out.mkdir()
    code, text, _ = _run("distribute", "--db", str(origin), "--out", str(out), "--year", "R2")
    assert code == 0
    files = sorted(out.glob("*.kpidb"))
    assert f"{len(files)}件のファイルを書き出しました" in text
    taken = _edit(files[0], efforts=["課の取組"])
    clash = _edit(files[1], efforts=["課の版"])
    _edit_origin(origin, clash)

    code, text, err = _run("collect", "--db", str(origin), str(files[0]), str(files[1]))
    assert code == 1
    assert "取り込み1件" in text
    assert f"No {clash}（" in err and "競合が1件あります" in err
    with Book.open(origin, read_only=True) as book:
        assert book.find_sheet(2020, taken).efforts == ["課の取組"]  # type: ignore[union-attr]
        assert book.find_sheet(2020, clash).efforts == ["企画課の版"]  # type: ignore[union-attr]

    code, text, _ = _run("status", "--db", str(origin))
    assert code == 0
    assert "競合あり" in text and "提出済" in text and "未提出" in text

    code, text, err = _run("collect", "--db", str(origin), "--take-theirs", str(files[1]))
    assert code == 0, err
    with Book.open(origin, read_only=True) as book:
        assert book.find_sheet(2020, clash).efforts == ["課の版"]  # type: ignore[union-attr]
    code, text, _ = _run("collect", "--db", str(origin), str(files[1]))
    assert code == 0 and "回収済みで、その後変更されていません" in text


def _edit_origin(origin: Path, no: str) -> None:
    with Book.open(origin) as book:
        sheet = book.find_sheet(2020, no)
        assert sheet is not None
        book.save_sheet(dataclasses.replace(sheet, efforts=["企画課の版"]))


def test_collect_refuses_a_book_held_by_another(tmp_path: Path, monkeypatch) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    out = tmp_path / "out"
    out.mkdir()
    assert _run("distribute", "--db", str(origin), "--out", str(out))[0] == 0
    monkeypatch.setattr(lock, "this_user", lambda: "someone-else")
    held = lock.BookLock.acquire(origin)
    monkeypatch.undo()
    try:
        code, _, err = _run("collect", "--db", str(origin), *map(str, out.glob("*.kpidb")))
    finally:
        held.release()
    assert code == 2 and "閉じてから" in err


def test_collect_refuses_a_file_that_was_not_handed_out(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    plain = tmp_path / "plain.kpidb"
    create_sample_book(plain).close()
    code, _, err = _run("collect", "--db", str(origin), str(plain))
    assert code == 1 and "配布したファイルではありません" in err


def test_distribute_again_needs_again(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    db = ("--db", str(origin), "--department", "港湾課")
    assert _run("distribute", *db, "--out", str(tmp_path / "一回目"))[0] == 0
    code, _, err = _run("distribute", *db, "--out", str(tmp_path / "二回目"))
    assert code != 0
    assert "港湾課（未提出）: すでに配布しています" in err and "--again" in err
    assert not (tmp_path / "二回目").exists()
    code, _, err = _run("distribute", *db, "--out", str(tmp_path / "二回目"), "--again")
    assert code == 0, err
    assert (tmp_path / "二回目" / "2020_港湾課.kpidb").exists()
