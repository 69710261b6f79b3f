"""The distribute, collect and status commands."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from kpidesk import cli
from kpidesk.book import lock
from kpidesk.book.store import Book
from kpidesk.model import Sheet
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


def _edit_workbook(path: Path, no: str, text: str) -> None:
    import openpyxl

    from kpidesk.exchange.excel_template import name_destination, range_top_left

    wb = openpyxl.load_workbook(path)
    ws = wb[f"No{no}"]
    destination = name_destination(ws.defined_names["KPI_EFFORTS"])
    assert destination is not None
    ws.cell(*range_top_left(destination[1])).value = text
    wb.save(path)


def test_distribute_with_excel_and_collect_a_workbook(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    out = tmp_path / "out"
    args = ("distribute", "--db", str(origin), "--out", str(out), "--department", "観光振興課")
    code, text, _ = _run(*args, "--excel")
    workbook = out / "2020_観光振興課.xlsx"
    assert code == 0 and f"配布しました: {workbook}" in text
    assert (out / "2020_観光振興課.kpidb").exists()
    _edit_workbook(workbook, "28", "・課の版")
    _edit_workbook(workbook, "29", "・課の版")
    _edit_origin(origin, "29")

    code, text, err = _run("collect", "--db", str(origin), str(workbook))
    assert code == 1
    assert "取り込み1件" in text and "No 29（" in err and "競合が1件あります" in err
    with Book.open(origin, read_only=True) as book:
        assert book.find_sheet(2020, "28").efforts == ["課の版"]  # type: ignore[union-attr]
        assert book.find_sheet(2020, "29").efforts == ["企画課の版"]  # type: ignore[union-attr]

    code, _, err = _run("collect", "--db", str(origin), "--take-theirs", str(workbook))
    assert code == 0, err
    with Book.open(origin, read_only=True) as book:
        assert book.find_sheet(2020, "29").efforts == ["課の版"]  # type: ignore[union-attr]
    code, text, _ = _run("collect", "--db", str(origin), str(workbook))
    assert code == 0 and "回収済みで、その後変更されていません" in text


def test_collect_refuses_an_exported_workbook(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    exported = tmp_path / "書き出し.xlsx"
    assert _run("export-xlsx", "--db", str(origin), "-o", str(exported))[0] == 0
    code, _, err = _run("collect", "--db", str(origin), str(exported))
    assert code == 1 and "配布したファイルではありません" in err


def test_import_excel_of_a_handed_out_workbook_suggests_collect(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    out = tmp_path / "out"
    args = ("--db", str(origin), "--out", str(out), "--department", "観光振興課", "--excel")
    assert _run("distribute", *args)[0] == 0
    workbook = out / "2020_観光振興課.xlsx"
    _edit_workbook(workbook, "28", "・課の版")
    code, _, err = _run("import-xlsx", str(workbook), "--db", str(origin), "--replace")
    assert code == 0
    assert "配布したファイルです" in err and "kpidesk collect" in err
    with Book.open(origin, read_only=True) as book:
        assert book.find_sheet(2020, "28").efforts == ["課の版"]  # type: ignore[union-attr]
    other = tmp_path / "other.kpidb"
    create_sample_book(other).close()
    code, _, err = _run("import-xlsx", str(workbook), "--db", str(other), "--replace")
    assert code == 0 and "配布したファイル" not in err


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


def test_distribute_says_which_sheets_have_no_department(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    with create_sample_book(origin) as book:
        book.save_sheet(Sheet(report_year=2020, no="900", title="担当課をまだ決めていない"))
    code, text, err = _run("distribute", "--db", str(origin), "--out", str(tmp_path / "out"))
    assert code == 0 and "書き出しました" in text
    assert "注意: 担当課のないシート1件は配布していません（No 900）" in err
