"""The toolbar's undo and redo buttons keep a fixed label; the step is in the tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QToolBar, QToolButton

from tests.ui.helpers import type_text
from tests.ui.test_main_window import select_no
from ui.actions import Action
from ui.main_window import MainWindow


def toolbar_button(window: MainWindow, key: Action) -> QToolButton:
    toolbar = window.findChild(QToolBar, "mainToolbar")
    button = toolbar.widgetForAction(window.actions[key])
    assert isinstance(button, QToolButton)
    return button


def test_the_undo_button_does_not_grow_while_typing(window: MainWindow) -> None:
    select_no(window, "9")
    undo, redo = toolbar_button(window, Action.UNDO), toolbar_button(window, Action.REDO)
    width, print_x = undo.width(), toolbar_button(window, Action.PRINT).x()
    title = window.form.edits["title"]
    title.setCursorPosition(len(title.text()))
    type_text(title, "（長い説明を足した見出し）")
    QApplication.processEvents()
    assert undo.text() == "元に戻す"
    assert undo.width() == width
    assert toolbar_button(window, Action.PRINT).x() == print_x
    step = window.session.document.undo_stack.undoText()
    assert step
    assert step in undo.toolTip()
    assert window.actions[Action.UNDO].statusTip() == f"元に戻す: {step}"
    # The menu still names the step, as Office does.
    assert window.actions[Action.UNDO].text() == f"元に戻す(&U) {step}"
    window.actions[Action.UNDO].trigger()
    QApplication.processEvents()
    assert redo.text() == "やり直し"
    assert step in redo.toolTip()
    assert undo.toolTip() == "元に戻す（直前の変更を取り消します）"
