"""The window on a book carrying SQL of its own: the reason is shown in Japanese, nothing runs."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from ui.main_window import MainWindow


def test_opening_a_book_with_a_trigger_says_why_and_keeps_the_current_book(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "受信"
    folder.mkdir()
    hostile = folder / "届いたブック.kpidb"
    shutil.copyfile(demo_book, hostile)
    connection = sqlite3.connect(hostile, isolation_level=None)
    connection.execute("CREATE TRIGGER x AFTER INSERT ON history BEGIN DELETE FROM sheets; END")
    connection.close()
    before = hashlib.sha256(hostile.read_bytes()).hexdigest()

    assert not window.session.open_book(hostile)

    message = answers.errors[-1]
    assert "ブックを開けません" in message
    assert 'KPI Desk が作らない仕組み（トリガー "x"）' in message
    assert "予期しない" not in message
    assert window.session.book is not None and window.session.book.path == demo_book
    assert hashlib.sha256(hostile.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in folder.iterdir()) == ["届いたブック.kpidb"]
