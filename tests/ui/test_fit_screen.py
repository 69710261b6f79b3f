"""Windows fit the screen they open on: the first window, a restored one, every dialog.

The screen sizes staff have — 1024×768, 1366×768 and a 1920×1080 laptop at
150 % — are each run in a child process (:mod:`tests.ui.screen_check`),
since Qt's screen is fixed once the application starts: the offscreen
platform is given the screen's size and ``QT_SCALE_FACTOR`` the scaling.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout, QWidget

from tests.conftest import REPO
from ui import geometry
from ui.actions import Action
from ui.controllers.view import DEFAULT_SIZE
from ui.main_window import MainWindow
from ui.settings import Settings

SCREENS = {
    "1024x768": (1024, 768, 1.0),
    "1366x768": (1366, 768, 1.0),
    "1920x1080 at 150 %": (1920, 1080, 1.5),
}


def run_on_screen(tmp_path: Path, width: int, height: int, scale: float) -> dict:
    """What :mod:`tests.ui.screen_check` saw on a screen of this size and scaling."""
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps({"screens": [{"name": "screen", "x": 0, "y": 0, "width": width,
                                 "height": height, "logicalDpi": 96, "dpr": 1}]}),
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "seen.json"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCALE_FACTOR": str(scale),
    }
    shots = os.environ.get("KPIDESK_SCREENSHOTS")  # a folder: keep what was seen, to look at
    args = [sys.executable, "-m", "tests.ui.screen_check", str(out)]
    if shots:
        folder = Path(shots) / f"{width}x{height}x{scale}"
        folder.mkdir(parents=True, exist_ok=True)
        args.append(str(folder))
    result = subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_window_opens_inside_the_screen(screen: str, tmp_path: Path) -> None:
    width, height, scale = SCREENS[screen]
    seen = run_on_screen(tmp_path, width, height, scale)
    area = QRect(*seen["available"])
    assert area.width() == round(width / scale)
    names = [window["name"] for window in seen["windows"]]
    # The window and a dialog of every menu that has one, the print preview among them.
    assert {"MainWindow", "QPrintPreviewDialog", "HistoryDialog", "SummaryDialog",
            "EvaluationSettingsDialog", "NewSheetDialog", "StatusDialog"} <= set(names)  # fmt: skip
    outside = [
        f"{window['name']} {window['frame']}"
        for window in seen["windows"]
        if not area.contains(QRect(*window["frame"]))
    ]
    assert outside == []
    main = QRect(*seen["windows"][0]["frame"])
    # Not more than about 90 % of the screen the first time.
    assert main.width() <= area.width() * 0.91 and main.height() <= area.height() * 0.91
    # The whole width of the form shows beside the list: nothing to scroll sideways.
    assert seen["list_shown"]
    assert seen["form_needs"] <= seen["form_width"]


def test_a_saved_size_from_a_larger_screen_comes_back_inside_this_one(
    qtbot, app, settings: Settings
) -> None:
    big = QWidget()
    qtbot.addWidget(big)
    big.setGeometry(2200, 1400, 2400, 1300)  # a second monitor that is no longer there
    settings.window_geometry = big.saveGeometry()
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    area = window.screen().availableGeometry()
    assert area.contains(window.frameGeometry())


def test_a_saved_size_made_tiny_comes_back_usable(qtbot, app, settings: Settings) -> None:
    tiny = QWidget()
    qtbot.addWidget(tiny)
    tiny.setGeometry(100, 100, 120, 40)
    settings.window_geometry = tiny.saveGeometry()
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert window.width() >= geometry.MIN_WINDOW_SIZE.width()
    assert window.height() >= geometry.MIN_WINDOW_SIZE.height()
    assert window.screen().availableGeometry().contains(window.frameGeometry())


def test_the_first_size_is_at_most_nine_tenths_of_the_screen(qtbot, app, settings) -> None:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    area = window.screen().availableGeometry()  # 800×800 offscreen: smaller than 1366×768
    assert window.width() == min(DEFAULT_SIZE.width(), int(area.width() * 0.9))
    assert window.height() == min(DEFAULT_SIZE.height(), int(area.height() * 0.9))


class _Sized(QDialog):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        QVBoxLayout(self).addWidget(QLabel("中身"))
        geometry.fit_dialog(self, 1200, 1000)


def test_a_dialog_opens_inside_its_parents_screen_and_remembers_its_size(
    qtbot, app, settings: Settings
) -> None:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    area = window.screen().availableGeometry()
    dialog = _Sized(window)
    dialog.show()
    assert area.contains(dialog.frameGeometry())  # asked for 1200×1000 on 800×800
    dialog.resize(500, 300)
    dialog.reject()
    assert settings.dialog_size("_Sized") == QSize(500, 300)
    again = _Sized(window)
    again.show()
    assert again.size() == QSize(500, 300)
    assert area.contains(again.frameGeometry())
    again.reject()


def test_f9_folds_the_list_away_and_back(window: MainWindow, settings: Settings) -> None:
    action = window.actions[Action.TOGGLE_LIST]
    assert action.shortcut().toString() == "F9"
    assert "F9" in action.statusTip()
    view_menu = next(m for m in window.menuBar().actions() if m.text() == "表示(&V)")
    assert action in view_menu.menu().actions()
    width = window.form.width()
    action.trigger()
    QApplication.processEvents()  # the splitter lays itself out again
    assert not window.list_panel.isVisible()
    assert window.form.width() > width
    assert "F9" in window.statusBar().currentMessage()
    window.view.save_geometry()  # as on closing
    assert settings.list_hidden
    action.trigger()
    QApplication.processEvents()
    assert window.list_panel.isVisible()
    assert window.form.width() == width


def test_search_shows_a_folded_list(window: MainWindow) -> None:
    window.actions[Action.TOGGLE_LIST].trigger()
    window.actions[Action.FIND].trigger()
    assert window.list_panel.isVisible()
    assert window.actions[Action.TOGGLE_LIST].isChecked()


def test_a_folded_list_stays_folded_on_the_next_start(qtbot, app, settings: Settings) -> None:
    settings.list_hidden = True
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert not window.list_panel.isVisible()
    assert not window.actions[Action.TOGGLE_LIST].isChecked()


def test_a_narrow_list_gives_up_the_update_time_before_the_kpi_name(window: MainWindow) -> None:
    from ui.sheet_list import TITLE_WIDTH, Col

    table = window.list_panel.table
    window.splitter.setSizes([900, 466])
    QApplication.processEvents()
    assert not table.isColumnHidden(Col.UPDATED)
    window.splitter.setSizes([520, 846])  # the list beside the form on a 150 % laptop
    QApplication.processEvents()
    assert table.isColumnHidden(Col.UPDATED)
    assert not table.isColumnHidden(Col.TARGET)
    assert table.columnWidth(Col.TITLE) >= TITLE_WIDTH
    window.splitter.setSizes([330, 1036])  # as on a 1024-pixel screen
    QApplication.processEvents()
    assert [table.isColumnHidden(c) for c in (Col.UPDATED, Col.TARGET, Col.LATEST)] == [
        True, True, True
    ]  # fmt: skip
    assert table.columnWidth(Col.TITLE) >= TITLE_WIDTH
    assert table.horizontalScrollBar().maximum() == 0
    window.splitter.setSizes([900, 466])
    QApplication.processEvents()
    assert not any(table.isColumnHidden(c) for c in (Col.UPDATED, Col.TARGET, Col.LATEST))


@pytest.mark.parametrize("width", [1000, 800])
def test_evaluation_settings_need_no_sideways_scroll(app, qtbot, width: int) -> None:
    from PySide6.QtWidgets import QScrollArea

    from kpidesk.evaluation import EvaluationSettings
    from ui.dialogs.evaluation_settings import EvaluationSettingsDialog

    dialog = EvaluationSettingsDialog(EvaluationSettings(), False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(width, 600)
    qtbot.waitUntil(lambda: dialog.width() == width)
    area = dialog.findChild(QScrollArea, "fittingScrollArea")
    QApplication.processEvents()
    assert area.horizontalScrollBar().maximum() == 0
    # Every explanation shows whole: none is cut at the right or the bottom.
    for label in area.widget().findChildren(QLabel):
        if label.isVisible() and label.text():
            right = label.mapTo(area.viewport(), label.rect().topRight()).x()
            assert right <= area.viewport().width(), label.text()
            assert label.height() >= label.heightForWidth(label.width()), label.text()
