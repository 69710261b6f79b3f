"""Fixtures for driving the real window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kpidesk import samples
from ui.app import create_application
from ui.dialogs import import_preview, messages
from ui.main_window import MainWindow
from ui.settings import Settings


class Answers:
    """Records the window's questions and answers them as a test says."""

    def __init__(self) -> None:
        self.save_choice = messages.Choice.CANCEL
        self.confirm_answer = False
        self.choose_answer = -1
        self.proceed_answer = True
        self.asked: list[str] = []
        self.errors: list[str] = []
        self.infos: list[str] = []
        self.import_plans: list[list] = []


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    """Replace every message box by a recorder (no modal dialog ever blocks a test)."""
    recorded = Answers()

    def ask_save_changes(parent: object, text: str) -> messages.Choice:
        recorded.asked.append(text)
        return recorded.save_choice

    def confirm(parent: object, title: str, text: str) -> bool:
        recorded.asked.append(text)
        return recorded.confirm_answer

    def choose(parent: object, title: str, text: str, options: list[str]) -> int:
        recorded.asked.append(text)
        return recorded.choose_answer

    def ask_proceed(parent: object, title: str, text: str, proceed: str, back: str) -> bool:
        recorded.asked.append(f"{text}\n[{proceed} / {back}]")
        return recorded.proceed_answer

    def confirm_import(parent: object, plans: list, source: str) -> bool:
        recorded.import_plans.append(plans)
        return recorded.confirm_answer

    monkeypatch.setattr(import_preview, "confirm_import", confirm_import)
    monkeypatch.setattr(messages, "ask_save_changes", ask_save_changes)
    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "choose", choose)
    monkeypatch.setattr(messages, "ask_proceed", ask_proceed)
    monkeypatch.setattr(messages, "show_error", lambda parent, text: recorded.errors.append(text))
    monkeypatch.setattr(messages, "show_info", lambda parent, text: recorded.infos.append(text))
    return recorded


@pytest.fixture
def app(qapp: object) -> object:
    """The application with KPI Desk's font and translation."""
    return create_application()


@pytest.fixture
def settings(private_data_dir: Path) -> Settings:
    return Settings(private_data_dir / "settings.ini")


@pytest.fixture
def demo_book(tmp_path: Path) -> Path:
    """A fresh book of the 15 sample sheets on disk."""
    path = tmp_path / "見本 ブック.kpidb"
    samples.create_sample_book(path).close()
    return path


@pytest.fixture
def make_window(qtbot, app, settings: Settings, answers: Answers) -> Iterator:
    """Open windows on books; each is closed after the test."""
    from kpidesk.book.store import Book

    windows: list[MainWindow] = []

    def make(path: Path) -> MainWindow:
        window = MainWindow(settings)
        qtbot.addWidget(window)
        window.session.set_book(Book.open(path, create=False))
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.session.document is not None:
            window.session.document.undo_stack.setClean()
        window.close()


@pytest.fixture
def window(make_window, demo_book: Path) -> MainWindow:
    """A window on a fresh sample book."""
    return make_window(demo_book)
