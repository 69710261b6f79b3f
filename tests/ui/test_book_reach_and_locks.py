"""Books on a network folder: one out of reach is never replaced, every writable book is locked.

Windows behaviour is simulated: a share that is down is a folder that does
not exist, or a ``Path.exists`` that raises ``OSError`` (WinError 53, "the
network path was not found"), as Windows' Python does for some network errors.
"""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from PySide6.QtWidgets import QFileDialog

from kpidesk import __version__
from kpidesk.book import backups, lock
from kpidesk.book.store import Book
from kpidesk.paths import Whereabouts, whereabouts
from ui import app as app_module
from ui.dialogs import messages
from ui.main_window import MainWindow
from ui.settings import Settings


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ドキュメント" / "KPI Desk" / "KPI分析シート.kpidb"
    monkeypatch.setattr(app_module, "default_book_path", lambda: path)
    return path


@pytest.fixture
def share(tmp_path: Path) -> Path:
    """Where a network share would be mounted; it is down until a test makes the folder."""
    return tmp_path / "share" / "企画課"


def network_path_not_found(monkeypatch: pytest.MonkeyPatch, under: Path) -> None:
    """Make ``Path.exists`` raise for everything under ``under``, as Windows does (WinError 53)."""
    real_exists = Path.exists

    def exists(self: Path, *args: object, **kwargs: object) -> bool:
        if self == under or under in self.parents:
            raise OSError(errno.ENOENT, "ネットワーク パスが見つかりません。", str(self), 53)
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)


class Choices:
    """Answers ``messages.choose`` from a list, recording what it was asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: int) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, list[str]]] = []
        self.before_answer: list = []
        monkeypatch.setattr(messages, "choose", self.choose)

    def choose(self, parent: object, title: str, text: str, options: list[str]) -> int:
        self.asked.append((text, list(options)))
        if self.before_answer:
            self.before_answer.pop(0)()
        return self.answers.pop(0) if self.answers else -1


def someone_elses_lock(book: Path) -> None:
    """Write the lock of a colleague on another PC who has ``book`` open right now."""
    now = datetime.now(UTC)
    info = lock.LockInfo("鈴木", "PC-KIKAKU-07", 4242, now, now, __version__)
    lock.lock_path(book).write_text(info.to_json(), encoding="utf-8")


def holds_lock(window: MainWindow, book: Path) -> bool:
    """Whether the window holds the lock on ``book``, and the file on disk says so."""
    held = window.session.book_lock
    there = lock.read_lock(book)
    return (
        held is not None
        and not held.released
        and held.book.resolve() == book.resolve()
        and there is not None
        and there.is_same_owner(held.info)
        and there.pid == os.getpid()
        and window.session._heartbeat.isActive()
    )


@pytest.fixture
def blank_window(qtbot, app, settings: Settings, answers):
    """A window with no book, as at start-up before the first book is shown."""
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    yield window
    if window.session.document is not None:
        window.session.document.undo_stack.setClean()
    window.close()


# --- where a book is -----------------------------------------------------------


def test_a_book_is_found_missing_or_out_of_reach(
    tmp_path: Path, share: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "ある.kpidb"
    here.write_bytes(b"")
    assert whereabouts(here) is Whereabouts.FOUND
    assert whereabouts(tmp_path / "消えた.kpidb") is Whereabouts.MISSING
    assert whereabouts(share / "ブック.kpidb") is Whereabouts.UNREACHABLE
    share.mkdir(parents=True)
    network_path_not_found(monkeypatch, share)
    assert whereabouts(share / "ブック.kpidb") is Whereabouts.UNREACHABLE  # never raises


# --- start-up ---------------------------------------------------------------


def test_a_last_book_out_of_reach_is_not_replaced_by_the_sample(
    settings: Settings, documents: Path, share: Path
) -> None:
    last = share / "KPI分析シート.kpidb"
    settings.add_recent_book(last)
    initial = app_module.open_initial_book(None, False, settings)
    assert initial.book is None
    assert initial.lost == last and initial.lost_how is Whereabouts.UNREACHABLE
    assert "初めての起動" not in initial.message
    assert not documents.exists()  # no sample book was made in its place
    assert settings.last_book == str(last)


def test_a_last_book_whose_share_raises_is_out_of_reach(
    settings: Settings, documents: Path, share: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    last = share / "KPI分析シート.kpidb"
    settings.add_recent_book(last)
    network_path_not_found(monkeypatch, share)
    initial = app_module.open_initial_book(None, False, settings)
    assert initial.book is None and initial.lost_how is Whereabouts.UNREACHABLE
    assert not documents.exists()


def test_a_last_book_deleted_from_its_folder_is_said_to_be_missing(
    settings: Settings, documents: Path, tmp_path: Path
) -> None:
    last = tmp_path / "消えたブック.kpidb"
    settings.add_recent_book(last)
    initial = app_module.open_initial_book(None, False, settings)
    assert initial.book is None and initial.lost_how is Whereabouts.MISSING
    text = app_module.lost_book_text(last, Whereabouts.MISSING, last=True)
    assert "前回使ったブックが見つかりません" in text and str(last) in text
    assert not documents.exists()


def test_documents_on_a_share_that_is_down_is_said_so(
    settings: Settings, documents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    network_path_not_found(monkeypatch, documents.parent.parent)
    initial = app_module.open_initial_book(None, False, settings)
    assert initial.book is None and initial.is_error
    assert "接続できません" in initial.message and str(documents) in initial.message


def test_the_window_asks_which_book_and_the_sample_is_not_remembered(
    blank_window: MainWindow, settings: Settings, documents: Path, share: Path, monkeypatch, qtbot,
    answers,
) -> None:  # fmt: skip
    last = share / "KPI分析シート.kpidb"
    settings.add_recent_book(last)
    choices = Choices(monkeypatch, 2)  # 見本で開く
    blank_window.files.show_initial_book(app_module.open_initial_book(None, False, settings))
    qtbot.waitUntil(lambda: blank_window.session.book is not None)
    text, options = choices.asked[0]
    assert options == ["再試行", "別のブックを開く…", "見本で開く"]
    assert "接続できません" in text and str(last) in text
    assert blank_window.session.book.path == documents
    assert blank_window.session.book.count_sheets() == 15
    assert settings.last_book == str(last)  # the next start looks for it again
    assert settings.recent_books[0] == str(last)
    assert holds_lock(blank_window, documents)
    qtbot.waitUntil(lambda: bool(answers.infos))
    assert "最近使ったブック" in answers.infos[-1] and "初めての起動" not in answers.infos[-1]


def test_retry_opens_the_book_once_the_share_is_back(
    blank_window: MainWindow, settings: Settings, documents: Path, share: Path, monkeypatch, qtbot
) -> None:
    last = share / "KPI分析シート.kpidb"
    settings.add_recent_book(last)
    choices = Choices(monkeypatch, 0, 0)  # 再試行 twice

    def share_comes_back() -> None:
        share.mkdir(parents=True)
        from kpidesk import samples

        samples.create_sample_book(last).close()

    # Still down at the first retry; back before the second.
    choices.before_answer = [lambda: None, share_comes_back]
    blank_window.files.show_initial_book(app_module.open_initial_book(None, False, settings))
    qtbot.waitUntil(lambda: blank_window.session.book is not None)
    assert len(choices.asked) == 2
    assert blank_window.session.book.path == last
    assert holds_lock(blank_window, last)
    assert not documents.exists()


def test_closing_the_question_opens_nothing(
    blank_window: MainWindow, settings: Settings, documents: Path, share: Path, monkeypatch, qtbot
) -> None:
    last = share / "KPI分析シート.kpidb"
    settings.add_recent_book(last)
    choices = Choices(monkeypatch)  # closed with ×
    blank_window.files.show_initial_book(app_module.open_initial_book(None, False, settings))
    qtbot.waitUntil(lambda: bool(choices.asked))
    assert blank_window.session.book is None
    assert "ブックを開いていません" in blank_window.statusBar().currentMessage()
    assert not documents.exists() and settings.last_book == str(last)


def test_another_book_can_be_chosen_instead(
    blank_window: MainWindow, settings: Settings, documents: Path, share: Path, demo_book: Path,
    monkeypatch, qtbot,
) -> None:  # fmt: skip
    settings.add_recent_book(share / "KPI分析シート.kpidb")
    Choices(monkeypatch, 1)  # 別のブックを開く…
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(demo_book), ""))
    blank_window.files.show_initial_book(app_module.open_initial_book(None, False, settings))
    qtbot.waitUntil(lambda: blank_window.session.book is not None)
    assert blank_window.session.book.path == demo_book
    assert settings.last_book == str(demo_book)  # chosen by the user: remembered
    assert not documents.exists()


# --- recent books -------------------------------------------------------------


def test_a_recent_book_out_of_reach_stays_on_the_list(
    window: MainWindow, settings: Settings, share: Path, monkeypatch
) -> None:
    far = share / "令和7年度.kpidb"
    settings.add_recent_book(far)
    shown = window.session.book
    choices = Choices(monkeypatch)  # closed
    window.files.open_recent(far)
    text, options = choices.asked[0]
    assert "接続できません" in text and options == ["再試行", "別のブックを開く…"]
    assert str(far) in settings.recent_books
    assert window.session.book is shown  # the open book stays open


def test_a_recent_book_deleted_from_its_folder_leaves_the_list(
    window: MainWindow, settings: Settings, tmp_path: Path, answers
) -> None:
    gone = tmp_path / "消えた.kpidb"
    settings.add_recent_book(gone)
    window.files.open_recent(gone)
    assert "見つかりません" in answers.errors[-1]
    assert str(gone) not in settings.recent_books


# --- the heartbeat ------------------------------------------------------------


def wait_for_opening_backup(qtbot, book: Path) -> None:
    """The opening backup is taken once the window has been painted."""
    qtbot.waitUntil(lambda: bool(backups.list_backups(book)))


def test_a_lock_file_that_cannot_be_written_for_a_moment_is_kept(
    make_window, demo_book: Path, answers, monkeypatch, qtbot
) -> None:
    window = make_window(demo_book)
    window.session.set_book(None)
    assert window.session.open_book(demo_book)
    wait_for_opening_backup(qtbot, demo_book)
    held = window.session.book_lock
    assert holds_lock(window, demo_book)

    def network_gone(path: Path, content: bytes) -> None:
        raise OSError(errno.EIO, "指定されたネットワーク名は利用できません。", str(path), 64)

    monkeypatch.setattr(lock, "_replace", network_gone)
    window.session._heartbeat.timeout.emit()
    assert answers.errors == []  # no dialog for a moment's trouble
    assert "再試行します" in window.statusBar().currentMessage()
    assert window.session.book_lock is held and window.session._heartbeat.isActive()

    monkeypatch.undo()
    before = lock.read_lock(demo_book).heartbeat
    window.session._heartbeat.timeout.emit()
    assert lock.read_lock(demo_book).heartbeat > before  # the next beat wrote it
    assert "再び更新できました" in window.statusBar().currentMessage()
    window.close()
    assert lock.read_lock(demo_book) is None  # and it is removed on closing


def test_a_lock_taken_over_by_someone_else_stops_the_heartbeat(
    make_window, demo_book: Path, answers
) -> None:
    window = make_window(demo_book)
    window.session.set_book(None)
    assert window.session.open_book(demo_book)
    someone_elses_lock(demo_book)
    window.session._heartbeat.timeout.emit()
    assert "鈴木" in answers.errors[-1]
    assert window.session.book_lock is None and not window.session._heartbeat.isActive()
    window.close()
    assert lock.read_lock(demo_book).user == "鈴木"  # theirs is left alone


def test_a_lock_file_being_deleted_by_its_owner_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = tmp_path / "ブック.kpidb"
    real_create = lock._create_exclusive
    refusals = [PermissionError(13, "アクセスが拒否されました。", str(book), 5)] * 3

    def create(path: Path, content: bytes) -> None:
        if refusals:
            raise refusals.pop()
        real_create(path, content)

    monkeypatch.setattr(lock, "_create_exclusive", create)
    with lock.BookLock.acquire(book) as held:
        assert lock.read_lock(book).is_same_owner(held.info)
    assert refusals == []


def test_a_folder_that_keeps_refusing_is_called_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def create(path: Path, content: bytes) -> None:
        raise PermissionError(13, "アクセスが拒否されました。", str(path), 5)

    monkeypatch.setattr(lock, "_create_exclusive", create)
    monkeypatch.setattr(lock, "_RETRY_PAUSE_SECONDS", 0)
    with pytest.raises(lock.LockError, match="書き込む権限がないか"):
        lock.BookLock.acquire(tmp_path / "ブック.kpidb")


# --- every book open for writing holds its lock -----------------------------------


def test_a_new_book_is_locked(blank_window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "新しいブック.kpidb"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    blank_window.files.new_book()
    assert blank_window.session.book.path == target
    assert holds_lock(blank_window, target)
    blank_window.close()
    assert lock.read_lock(target) is None


def test_a_book_saved_under_a_new_name_is_locked_and_the_old_lock_given_up(
    make_window, demo_book: Path, tmp_path: Path
) -> None:
    window = make_window(demo_book)
    window.session.set_book(None)
    assert window.session.open_book(demo_book)
    target = tmp_path / "写し.kpidb"
    assert window.files.save_book_as(target)
    assert holds_lock(window, target)
    assert lock.read_lock(demo_book) is None


def test_save_as_over_a_book_someone_else_has_open_is_refused(
    make_window, demo_book: Path, tmp_path: Path, answers
) -> None:
    window = make_window(demo_book)
    theirs = tmp_path / "鈴木さんのブック.kpidb"
    Book.open(theirs, create=True).close()
    before = theirs.read_bytes()
    someone_elses_lock(theirs)
    assert not window.files.save_book_as(theirs)
    assert "鈴木" in answers.errors[-1] and "別の名前" in answers.errors[-1]
    assert theirs.read_bytes() == before
    assert window.session.book.path == demo_book


def test_a_backup_restored_as_a_new_file_is_locked(
    make_window, demo_book: Path, tmp_path: Path, qtbot
) -> None:
    window = make_window(demo_book)
    window.session.set_book(None)
    assert window.session.open_book(demo_book)
    wait_for_opening_backup(qtbot, demo_book)
    backup = backups.list_backups(demo_book)[0]
    target = tmp_path / "復元.kpidb"
    assert window.files.restore_backup_as_copy(backup, target)
    assert window.session.book.path == target
    assert holds_lock(window, target)
    assert lock.read_lock(demo_book) is None


def test_a_backup_restored_over_the_book_keeps_it_locked_throughout(
    make_window, demo_book: Path, answers, monkeypatch, qtbot
) -> None:
    window = make_window(demo_book)
    window.session.set_book(None)
    assert window.session.open_book(demo_book)
    wait_for_opening_backup(qtbot, demo_book)
    held = window.session.book_lock
    seen: list[bool] = []
    real_restore = backups.restore_over

    def restore_over(backup: Path, book: Path, **kwargs: object) -> Path:
        seen.append(lock.read_lock(book).is_same_owner(held.info))
        return real_restore(backup, book, **kwargs)

    monkeypatch.setattr(backups, "restore_over", restore_over)
    answers.confirm_answer = True
    assert window.files.restore_backup_over_book(backups.list_backups(demo_book)[0])
    assert seen == [True]
    assert window.session.book_lock is held and holds_lock(window, demo_book)


def test_a_copy_of_a_book_someone_else_has_open_is_locked(
    blank_window: MainWindow, demo_book: Path, tmp_path: Path, monkeypatch
) -> None:
    someone_elses_lock(demo_book)
    target = tmp_path / "コピー.kpidb"
    Choices(monkeypatch, 1)  # コピーを作って開く
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert blank_window.session.open_book(demo_book)
    assert blank_window.session.book.path == target and not blank_window.session.book.read_only
    assert holds_lock(blank_window, target)
    assert lock.read_lock(demo_book).user == "鈴木"


def test_the_same_users_other_window_is_not_called_someone_else(
    blank_window: MainWindow, demo_book: Path, monkeypatch
) -> None:
    now = datetime.now(UTC)
    mine = lock.LockInfo(lock.this_user(), lock.this_computer(), os.getppid(), now, now, "0")
    lock.lock_path(demo_book).write_text(mine.to_json(), encoding="utf-8")
    choices = Choices(monkeypatch)  # closed
    assert not blank_window.session.open_book(demo_book)
    text, _ = choices.asked[0]
    assert "このパソコンの別の KPI Desk" in text and "ほかの人" not in text
    someone_elses_lock(demo_book)
    assert not blank_window.session.open_book(demo_book)
    assert "鈴木" in choices.asked[1][0] and "別の KPI Desk" not in choices.asked[1][0]
