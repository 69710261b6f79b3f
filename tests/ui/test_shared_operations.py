"""The window and the command line import and roll over through the same operations,
so they refuse, back up and write alike."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import shutil
from pathlib import Path

from kpidesk import cli
from kpidesk.book import backups
from kpidesk.book.store import Book
from kpidesk.exchange import jsonio
from ui.main_window import MainWindow


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_reasons(path: Path) -> list[str]:
    return [b.reason for b in backups.list_backups(path) if b.reason != "開いたとき"]


def test_window_and_command_line_import_alike(
    make_window, answers, demo_book: Path, tmp_path: Path
) -> None:
    other = tmp_path / "コマンド用.kpidb"
    shutil.copy(demo_book, other)
    with Book.open(demo_book) as book:
        changed = dataclasses.replace(book.find_sheet(2020, "9"), title="取り込みで変わる題名")
        book.lock_year(2020)
    with Book.open(other) as book:
        book.lock_year(2020)
    source = tmp_path / "no9.json"
    jsonio.write_file([changed], source)
    answers.confirm_answer = True

    window: MainWindow = make_window(demo_book)
    before = digest(demo_book)
    assert window.exchange.import_json(source) == 0
    assert "ロックされている" in answers.errors[-1]
    err = io.StringIO()
    code = cli.main(
        ["import-json", str(source), "--db", str(other), "--replace"], out=io.StringIO(), err=err
    )
    assert code == 1 and "ロックされている" in err.getvalue()
    assert digest(demo_book) == before
    assert import_reasons(demo_book) == import_reasons(other) == []

    window.session.book.unlock_year(2020)
    with Book.open(other) as book:
        book.unlock_year(2020)
    assert window.exchange.import_json(source) == 1
    code = cli.main(
        ["import-json", str(source), "--db", str(other), "--replace"],
        out=io.StringIO(),
        err=io.StringIO(),
    )
    assert code == 0
    assert import_reasons(demo_book) == import_reasons(other) == ["取り込みの前"]
    assert window.session.book.find_sheet(2020, "9").title == "取り込みで変わる題名"
    with Book.open(other) as book:
        assert book.find_sheet(2020, "9").title == "取り込みで変わる題名"
