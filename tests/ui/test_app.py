"""Which book the window starts with, and the application set-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui import app as app_module
from ui.settings import Settings


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ドキュメント" / "KPI Desk" / "KPI分析シート.kpidb"
    monkeypatch.setattr(app_module, "default_book_path", lambda: path)
    return path


def test_first_use_makes_the_sample_book_and_says_so(settings: Settings, documents: Path) -> None:
    initial = app_module.open_initial_book(None, False, settings)
    assert initial.book is not None and initial.book.path == documents
    assert initial.book.count_sheets() == 15
    assert "初めての起動" in initial.message and str(documents) in initial.message
    assert not initial.is_error and initial.remember
    initial.book.close()


def test_next_start_opens_the_last_book_quietly(
    settings: Settings, documents: Path, demo_book: Path
) -> None:
    settings.add_recent_book(demo_book)
    initial = app_module.open_initial_book(None, False, settings)
    assert initial.book is not None and initial.book.path == demo_book
    assert initial.message == ""
    assert not documents.exists()
    initial.book.close()


def test_file_argument_opens_that_file(settings: Settings, documents: Path, demo_book) -> None:
    initial = app_module.open_initial_book(demo_book, False, settings)
    assert initial.book is not None and initial.book.path == demo_book
    initial.book.close()


def test_bad_file_argument_is_reported_and_left_alone(
    settings: Settings, documents: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "メモ.kpidb"
    bad.write_bytes(b"not a book")
    initial = app_module.open_initial_book(bad, False, settings)
    assert initial.book is None and initial.is_error
    assert "ブックを開けません" in initial.message
    assert bad.read_bytes() == b"not a book"


def test_demo_is_a_fresh_temporary_copy(settings: Settings, documents: Path) -> None:
    first = app_module.open_initial_book(None, True, settings)
    second = app_module.open_initial_book(None, True, settings)
    assert first.book is not None and second.book is not None
    assert first.book.path != second.book.path
    assert first.book.count_sheets() == 15
    assert not first.remember
    assert not documents.exists()
    first.book.close()
    second.book.close()


def test_gui_arguments() -> None:
    args = app_module.parse_gui_arguments(["book.kpidb"])
    assert args.file == Path("book.kpidb") and not args.demo
    assert app_module.parse_gui_arguments(["--demo"]).demo


def test_qt_dialogs_speak_japanese(app) -> None:
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "キャンセル"


def test_qts_own_buttons_speak_japanese(app) -> None:
    """The bundled qtbase_ja translation is installed: Qt's standard buttons read in Japanese."""
    from PySide6.QtWidgets import QDialogButtonBox

    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    texts = {button.text() for button in box.buttons()}
    assert texts == {"保存", "キャンセル"}
