"""The window when a book's files are hostile or vanish: a book deleted or replaced
while open, a lock from a clock in 2099, a link as the lock file, a backup of
another book offered for restoring.

What the user is told is read from the recorded message boxes.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from PySide6.QtWidgets import QApplication, QFileDialog

from kpidesk import samples
from kpidesk.book import backups, lock
from kpidesk.book.store import Book
from tests.conftest import deletes_an_open_book
from tests.ui.helpers import replace_text
from ui.actions import Action
from ui.dialogs.backups import BackupDialog
from ui.dialogs.messages import Choice
from ui.main_window import MainWindow


def select_no(window: MainWindow, no: str) -> None:
    sheet_id = next(s.id for s in window.session.book.list_entries() if s.no == no)
    window.session.open_sheet(sheet_id)
    QApplication.processEvents()


def title_in(path: Path, no: str = "9") -> str:
    with Book.open(path, create=False, read_only=True) as store:
        return store.find_sheet(2020, no).title


def other_book(path: Path, title: str) -> Path:
    path.parent.mkdir(exist_ok=True)
    with samples.create_sample_book(path) as store:
        sheet = store.find_sheet(2020, "9")
        sheet.title = title
        store.save_sheet(sheet)
    return path


def no_invitation_to_delete(text: str) -> bool:
    return "削除して" not in text and "消して" not in text


@deletes_an_open_book
def test_a_book_deleted_while_open_says_so_and_the_edits_go_into_a_new_file(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_no(window, "9")
    replace_text(window.form.edits["title"], "消される前に直した題名")
    demo_book.unlink()

    assert not window.session.save()
    told = answers.errors[-1]
    assert "削除" in told and "名前を付けて保存" in told
    assert "読み取り専用" not in told and no_invitation_to_delete(told)
    assert window.session.document.is_modified()  # the edits are still there

    # ファイル → 名前を付けて保存: no question about saving first (it cannot be done).
    target = tmp_path / "救出" / "本庁 救出.kpidb"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(target), ""))
    )
    answers.save_choice = Choice.SAVE
    asked = len(answers.asked)
    window.files.ask_save_book_as()
    assert len(answers.asked) == asked
    assert window.session.book.path == target
    assert window.session.document is not None and not window.session.document.is_modified()
    assert window.session.document.sheet.title == "消される前に直した題名"
    assert title_in(target) == "消される前に直した題名"
    assert not demo_book.exists()  # nothing written back where the book was


@deletes_an_open_book
def test_a_book_replaced_while_open_says_so_and_the_replacement_is_left_alone(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path
) -> None:
    replacement = other_book(tmp_path / "置き換え" / "新版.kpidb", "置き換えた人の題名")
    select_no(window, "9")
    replace_text(window.form.edits["title"], "開いていた人の題名")
    replacement.replace(demo_book)
    before = demo_book.read_bytes()

    window.session._heartbeat.timeout.emit()  # the minute's check notices it
    told = answers.errors[-1]
    assert "置き換えられました" in told and "名前を付けて保存" in told
    assert "読み取り専用" not in told and no_invitation_to_delete(told)
    assert not window.session.save()
    assert "置き換えられました" in answers.errors[-1]
    window.session._heartbeat.timeout.emit()
    assert len(answers.errors) == 2  # said once by the heartbeat, once by the save
    assert demo_book.read_bytes() == before
    assert title_in(demo_book) == "置き換えた人の題名"


def test_a_lock_with_a_heartbeat_in_2099_can_be_taken_over(
    window: MainWindow, answers, demo_book: Path
) -> None:
    window.session.set_book(None)
    lock.lock_path(demo_book).write_text(
        json.dumps({
            "user": "yamada", "computer": "PC-FUTURE", "pid": 4242,
            "since": "2026-01-05T09:00:00+09:00", "heartbeat": "2099-01-01T09:00:00+09:00",
        }),
        encoding="utf-8",
    )  # fmt: skip
    answers.choose_answer = 2  # 引き継いで開く
    assert window.session.open_book(demo_book)
    assert "時計" in answers.asked[-1] and "引き継いで" in answers.asked[-1]
    assert not window.session.book.read_only
    assert lock.read_lock(demo_book).pid == os.getpid()
    window.close()
    assert lock.read_lock(demo_book) is None


@pytest.mark.skipif(os.name == "nt", reason="making links needs rights on Windows")
def test_a_link_to_nowhere_as_the_lock_does_not_keep_the_book_read_only(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path
) -> None:
    window.session.set_book(None)
    lock.lock_path(demo_book).symlink_to(tmp_path / "消えたフォルダ" / "lock")
    assert window.session.open_book(demo_book)
    assert answers.infos == [] and answers.errors == []
    assert not window.session.book.read_only
    assert lock.read_lock(demo_book).pid == os.getpid()
    assert not (tmp_path / "消えたフォルダ").exists()


def test_a_backup_of_another_book_is_not_restored_over_the_book(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path
) -> None:
    stranger_book = other_book(tmp_path / "別の課" / "見本 ブック.kpidb", "別の課の題名")
    with Book.open(stranger_book, create=False) as store:
        taken = backups.take_backup(store, "manual")
    stranger = backups.Backup(taken, datetime(2026, 11, 30, 9, 0), "手動")
    before = title_in(demo_book)

    answers.confirm_answer = True
    assert not window.files.restore_backup_over_book(stranger)
    told = answers.errors[-1]
    assert "別のブック" in told and "新しいファイルとして復元" in told
    assert no_invitation_to_delete(told)
    assert window.session.book is not None and window.session.book.path == demo_book
    assert title_in(demo_book) == before
    assert lock.read_lock(demo_book) is None or lock.read_lock(demo_book).pid == os.getpid()


def choose_in_backup_dialog(monkeypatch: pytest.MonkeyPatch, action: str) -> list:
    """Make the backup dialog pick its newest backup and ``action``; record the dialogs."""
    shown: list = []

    def exec_(dialog: BackupDialog) -> int:
        # The user clicks the button the dialog shows, when it can be clicked.
        shown.append(dialog)
        button = dialog.copy_button if action == "copy" else dialog.over_button
        assert button.isVisibleTo(dialog)
        if button.isEnabled():
            button.click()
        return dialog.result()

    monkeypatch.setattr(BackupDialog, "exec", exec_)
    return shown


@deletes_an_open_book
def test_a_deleted_book_shows_a_banner_and_is_saved_again_under_its_own_name(
    window: MainWindow, answers, demo_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_no(window, "9")
    replace_text(window.form.edits["title"], "消される前に直した題名")
    demo_book.unlink()
    window.session._heartbeat.timeout.emit()  # the minute's check notices it

    bar = window.book_notice_bar
    assert bar.isVisibleTo(window) and "名前を付けて保存" in bar.text
    assert bar.button.text() == "名前を付けて保存…"
    assert not window.actions[Action.SAVE].isEnabled()
    assert not window.actions[Action.IMPORT_JSON].isEnabled()
    assert window.actions[Action.SAVE_BOOK_AS].isEnabled()

    # The dialog suggests the book's own name: nothing is there any more, so it is taken.
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(demo_book), ""))
    )
    bar.button.click()
    assert answers.errors[1:] == []
    assert window.session.book.path == demo_book
    assert title_in(demo_book) == "消される前に直した題名"
    assert not bar.isVisibleTo(window)
    assert window.actions[Action.SAVE].isEnabled()


@deletes_an_open_book
def test_a_backup_is_not_restored_over_a_book_whose_file_is_gone(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Book.open(demo_book, create=False, read_only=True):
        pass
    assert backups.list_backups(demo_book)  # the one taken on opening
    select_no(window, "9")
    demo_book.unlink()
    window.session._heartbeat.timeout.emit()

    # Opening a restored copy would close the open book and what only it
    # holds: the user is asked to save it under a name first.
    shown = choose_in_backup_dialog(monkeypatch, "copy")
    answers.confirm_answer = True
    window.files.ask_restore_backup()
    assert shown == []
    assert "名前を付けて保存" in answers.errors[-1] and no_invitation_to_delete(answers.errors[-1])
    assert window.session.book is not None  # what is open is kept
    assert not demo_book.exists()
    # Asked directly, it refuses too, and the open book stays.
    assert not window.files.restore_backup_over_book(backups.list_backups(demo_book)[0])
    assert "削除" in answers.errors[-1] and no_invitation_to_delete(answers.errors[-1])
    assert window.session.book is not None and window.session.document is not None


def test_a_damaged_book_offers_its_backups_restored_as_a_new_file(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert backups.list_backups(demo_book)  # the one taken when the window opened it
    window.session.set_book(None)
    data = demo_book.read_bytes()
    demo_book.write_bytes(data[: len(data) // 2])  # cut off half-way
    damaged = demo_book.read_bytes()

    target = tmp_path / "復元した本庁.kpidb"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(target), ""))
    )
    shown = choose_in_backup_dialog(monkeypatch, "copy")
    answers.choose_answer = 0  # バックアップから復元…
    assert not window.session.open_book(demo_book)

    asked = answers.asked[-1]
    assert "壊れて" in asked and "バックアップが 1 件あります" in asked
    assert not shown[0].over_button.isEnabled()
    assert window.session.book is not None and window.session.book.path == target
    assert window.session.book.count_sheets() == 15
    assert demo_book.read_bytes() == damaged  # the damaged file is left as it was


def test_restoring_as_a_new_file_onto_a_taken_name_asks_for_another(
    window: MainWindow, answers, demo_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = tmp_path / "使用中.kpidb"
    taken.write_bytes(b"someone else's file")
    free = tmp_path / "復元先.kpidb"
    names = iter([str(taken), str(free)])
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (next(names), ""))
    )
    choose_in_backup_dialog(monkeypatch, "copy")
    window.files.ask_restore_backup()

    assert "既にファイルがあります" in answers.errors[-1]
    assert taken.read_bytes() == b"someone else's file"
    assert window.session.book.path == free and window.session.book.count_sheets() == 15
