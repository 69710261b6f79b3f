"""The 企画課コメント at the top of the form: the department sees why its sheet came back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kpidesk.book.store import Book
from tests.ui.test_source_fields_form import select_no
from ui.actions import Action
from ui.main_window import MainWindow

COMMENT = "R2実績値の出典を確認し、取組状況に数値の根拠を書いてください。"


def commented_book(path: Path, no: str = "9") -> Path:
    with Book.open(path) as book:
        sheet = next(s for s in book.list_sheets() if s.no == no)
        book.save_sheet(dataclasses.replace(sheet, planning_comment=COMMENT))
    return path


def test_the_comment_shows_at_the_top_and_clears_as_an_undoable_edit(
    make_window, demo_book: Path
) -> None:
    window: MainWindow = make_window(commented_book(demo_book))
    select_no(window, "9")
    bar = window.form.planning_comment
    assert bar.isVisible()
    assert bar.text == f"企画課コメント: {COMMENT}"
    assert bar.button.text() == "コメントを消す"

    bar.button.click()
    QApplication.processEvents()
    assert not bar.isVisible()
    assert window.session.document.sheet.planning_comment == ""
    assert window.isWindowModified()
    assert window.session.document.undo_stack.undoText() == "企画課コメントを消す"

    window.actions[Action.UNDO].trigger()
    QApplication.processEvents()
    assert bar.isVisible() and bar.text == f"企画課コメント: {COMMENT}"
    assert not window.isWindowModified()


def test_a_sheet_without_a_comment_shows_none(make_window, demo_book: Path) -> None:
    window: MainWindow = make_window(commented_book(demo_book))
    select_no(window, "10")
    assert not window.form.planning_comment.isVisible()
    select_no(window, "9")
    assert window.form.planning_comment.isVisible()


def test_a_read_only_book_shows_the_comment_but_cannot_clear_it(
    make_window, demo_book: Path
) -> None:
    window: MainWindow = make_window(commented_book(demo_book))
    select_no(window, "9")
    window.form.set_read_only(True)  # as for a book opened read-only or a locked year
    bar = window.form.planning_comment
    assert bar.isVisible() and not bar.button.isEnabled()
    bar.on_button_clicked()
    assert window.session.document.sheet.planning_comment == COMMENT


def test_clearing_the_comment_leaves_the_no_alone(make_window, demo_book: Path, qtbot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window: MainWindow = make_window(commented_book(demo_book))
    select_no(window, "9")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    bar = window.form.planning_comment
    bar.button.setFocus(Qt.FocusReason.MouseFocusReason)
    assert bar.button.hasFocus()
    bar.button.click()
    QApplication.processEvents()
    no = window.form.edits["no"]
    assert not no.hasFocus() and not no.hasSelectedText()
    focused = QApplication.focusWidget()
    assert focused is not None and focused.isVisible()
    QTest.keyClicks(focused, "7")
    QApplication.processEvents()
    assert no.text() == "9"
    assert window.session.document.sheet.no == "9"


def test_a_click_on_clear_puts_the_focus_in_the_first_text_box(
    make_window, demo_book: Path, qtbot
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window: MainWindow = make_window(commented_book(demo_book))
    select_no(window, "9")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.form.edits["source"].setFocus(Qt.FocusReason.MouseFocusReason)
    QTest.mouseClick(window.form.planning_comment.button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert window.session.document.sheet.planning_comment == ""
    assert window.form.sections["efforts"].editors[0].hasFocus()
    assert not window.form.edits["no"].hasSelectedText()
