"""Which book the window starts with, and the application set-up."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import REPO, python_output
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


def test_qt_fills_shapes_in_place_unless_the_user_says_otherwise() -> None:
    environ: dict[str, str] = {}
    app_module.paint_in_place(environ)
    assert environ == {"QT_NO_GUI_THREADPOOL": "1"}

    chosen = {"QT_NO_GUI_THREADPOOL": "yes"}
    app_module.paint_in_place(chosen)
    assert chosen == {"QT_NO_GUI_THREADPOOL": "yes"}


def test_the_application_is_made_with_fills_in_place(tmp_path: Path) -> None:
    """Qt reads the setting once, at its first fill: it must be there when the app is made."""
    environment = {k: v for k, v in os.environ.items() if k != "QT_NO_GUI_THREADPOOL"}
    script = (
        "import os\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from ui import app\n"
        "class Recording(QApplication):\n"
        "    def __init__(self, argv):\n"
        "        print(os.environ.get('QT_NO_GUI_THREADPOOL'))\n"
        "        super().__init__(argv)\n"
        "app.QApplication = Recording\n"
        "print(type(app.create_application()).__name__)\n"
    )
    assert python_output(script, env=environment) == ["1", "Recording"]


def test_importing_the_window_gives_python_its_own_import_back() -> None:
    # PySide's import reads the source of every module imported after it (for
    # __feature__, which nothing here uses); the window's modules come after.
    script = (
        "import builtins, sys\n"
        "import PySide6.QtCore\n"
        "print(builtins.__import__ is builtins.__feature_import__)\n"
        "import ui\n"
        "print(builtins.__import__ is builtins.__orig_import__)\n"
        "from ui import main_window\n"
        "from shibokensupport import feature\n"
        "print('ui.main_window' in feature.pyside_feature_dict)\n"
        "print(ui.use_plain_import())\n"
    )
    assert python_output(script) == ["True", "True", "False", "False"]


def test_nothing_opts_in_to_pysides_features() -> None:
    # Modules imported after ui are not seen by PySide's feature switching.
    statement = re.compile(r"^\s*(from\s+__feature__\s+import|import\s+__feature__)", re.MULTILINE)
    sources = [REPO / "main.py", *(p for d in ("kpidesk", "ui") for p in (REPO / d).rglob("*.py"))]
    assert [p.name for p in sources if statement.search(p.read_text(encoding="utf-8"))] == []
