"""The window on Windows' file habits: files held for a moment by an antivirus scan or the
search indexer, paths longer than MAX_PATH, and file names made from a sheet's No.

Windows is simulated (``sys.platform``); what the user is told is read from the status
bar and the recorded message boxes.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from PySide6.QtWidgets import QApplication, QFileDialog

from kpidesk import samples
from kpidesk.book import backups, lock, recovery
from kpidesk.book.store import Book
from kpidesk.exchange import jsonio
from tests.conftest import Held, deep_folder, simulate_windows
from tests.kpidesk.test_file_names import windows_takes
from tests.ui.helpers import replace_text
from ui.main_window import MainWindow


def open_no(window: MainWindow, no: str) -> None:
    sheet_id = next(s.id for s in window.session.book.list_entries() if s.no == no)
    window.session.open_sheet(sheet_id)
    QApplication.processEvents()


# --- files held for a moment


def test_an_old_backup_held_by_another_program_does_not_stop_an_import(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [opened] = backups.list_backups(demo_book)  # taken when the window opened the book
    window.settings.backups_keep = 1
    simulate_windows(monkeypatch)
    Held(monkeypatch, "unlink", times=None, match=lambda path: path == opened.path)
    sheets = [dataclasses.replace(samples.sample_sheets()[0], title="取り込んだKPI名")]
    source = tmp_path / "取り込み.json"
    jsonio.write_file(sheets, source)
    answers.confirm_answer = True

    assert window.exchange.import_json(source) == 1
    shown = window.statusBar().currentMessage()
    assert shown.startswith("1件のシートを取り込みました: 取り込み.json。")
    assert "古いバックアップを1件削除できませんでした（ほかのプログラムが開いています）" in shown
    assert opened.path.name in shown
    assert answers.errors == []
    assert opened.path.exists()


def test_a_draft_another_program_holds_is_a_status_note_after_saving(
    window: MainWindow, answers, demo_book: Path, monkeypatch: pytest.MonkeyPatch, qtbot
) -> None:
    open_no(window, "9")
    replace_text(window.form.edits["title"], "保存するKPI名")
    window.drafts.write_draft()
    [draft] = recovery.list_drafts()
    simulate_windows(monkeypatch)
    Held(monkeypatch, "unlink", times=None, match=lambda path: path == draft.path)

    assert window.session.save()
    qtbot.waitUntil(lambda: "控えを削除できませんでした" in window.statusBar().currentMessage())
    shown = window.statusBar().currentMessage()
    assert shown.startswith("保存しました: No 9")
    assert "次に起動したときに控えが表示されたら、「破棄する」を選んでください" in shown
    assert answers.errors == []
    with Book.open(demo_book, create=False, read_only=True) as store:
        assert store.find_sheet(2020, "9").title == "保存するKPI名"


# --- long paths


def test_a_book_too_deep_for_its_files_is_opened_read_only_and_nothing_is_written(
    window: MainWindow, answers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stem = "報告書" * 10
    book = deep_folder(tmp_path, 237 - len(stem) - len(".kpidb") - 1) / f"{stem}.kpidb"
    samples.create_sample_book(book).close()
    before = book.read_bytes()
    simulate_windows(monkeypatch)

    assert window.session.open_book(book)
    [said] = answers.infos
    assert said.startswith(
        f"ブックの場所のパスが長すぎるため、Windows ではこのブックに書き込めません: {book}"
    )
    assert "読み取り専用で開きます" in said
    assert window.session.book.read_only
    assert window.session.book_lock is None
    assert sorted(path.name for path in book.parent.iterdir()) == [book.name]  # no lock, no backups
    assert book.read_bytes() == before


def test_saving_as_a_book_too_deep_for_its_files_writes_nothing(
    window: MainWindow, answers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stem = "報告書" * 10
    target = deep_folder(tmp_path, 237 - len(stem) - len(".kpidb") - 1) / f"{stem}.kpidb"
    simulate_windows(monkeypatch)
    assert not window.files.save_book_as(target)
    [said] = answers.errors
    assert said.startswith(f"保存できませんでした: {target}\n")
    assert "パスが長すぎる" in said
    assert list(target.parent.iterdir()) == []
    assert not lock.lock_path(target).exists()


# --- the names offered for exports

NOS = ["CON", "1/2", "a:b", "  ", "x" * 300]


@pytest.mark.parametrize("no", NOS)
@pytest.mark.parametrize("export", ["xlsx", "pdf"])
def test_the_name_offered_for_exporting_a_sheet_is_safe_whatever_its_no(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, demo_book: Path, export: str, no: str
) -> None:
    sheet = dataclasses.replace(samples.sample_sheets()[0], no=no)
    monkeypatch.setattr(window.printing, "choose_sheets", lambda title: [sheet])
    offered: list[str] = []

    def save_name(parent: object, title: str, suggested: str, *args: object) -> tuple[str, str]:
        offered.append(suggested)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    if export == "xlsx":
        window.exchange.ask_export_xlsx()
    else:
        window.printing.ask_export_pdf()
    [suggested] = offered
    path = Path(suggested)
    assert path.parent == demo_book.parent  # "1/2" made no folder of its own
    assert windows_takes(path.name), path.name
    assert path.name.startswith("KPI分析シート") and path.suffix == f".{export}"


def test_the_name_offered_for_an_ordinary_no_is_unchanged(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered: list[str] = []
    monkeypatch.setattr(
        window.printing, "choose_sheets", lambda title: [samples.sample_sheets()[0]]
    )
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda parent, title, suggested, *args: (offered.append(suggested), ("", ""))[1],
    )
    window.printing.ask_export_pdf()
    window.exchange.ask_export_xlsx()
    no = samples.sample_sheets()[0].no
    assert [Path(name).name for name in offered] == [
        f"KPI分析シート_No{no}.pdf",
        f"KPI分析シート_No{no}.xlsx",
    ]


def test_an_old_backup_held_when_the_book_is_opened_is_said_after_opening(
    window: MainWindow, answers, demo_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.session.set_book(None)
    with Book.open(demo_book, create=False) as store:  # yesterday's: today's is yet to come
        for backup in backups.list_backups(demo_book):
            backup.path.unlink()
        old = backups.take_backup(store, "open", now=datetime.now() - timedelta(days=1))
    window.settings.backups_keep = 1
    simulate_windows(monkeypatch)
    Held(monkeypatch, "unlink", times=None, match=lambda path: path == old)

    assert window.session.open_book(demo_book)
    QApplication.processEvents()  # the opening backup is taken once the window is shown
    shown = window.statusBar().currentMessage()
    assert shown.startswith(f"開きました: {demo_book}。古いバックアップを1件削除できませんでした")
    assert old.exists() and len(backups.list_backups(demo_book)) == 2
