"""The form's 出典, 公表時期 and 次回公表予定 fields and its 企画課・有識者意見 box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from tests.ui.helpers import replace_text, type_text
from ui.actions import Action
from ui.main_window import MainWindow


def select_no(window: MainWindow, no: str) -> None:
    sheet_id = next(s.id for s in window.session.book.list_entries() if s.no == no)
    window.session.open_sheet(sheet_id)
    QApplication.processEvents()


def test_the_source_fields_are_labelled_and_empty_for_an_old_sheet(window: MainWindow) -> None:
    select_no(window, "9")
    form = window.form
    for attr, placeholder in (
        ("source", "例: 総務省「住民基本台帳人口移動報告」"),
        ("published", "例: 毎年8月"),
        ("next_release", "例: 令和4年8月"),
    ):
        edit = form.edits[attr]
        assert edit.text() == ""
        assert edit.placeholderText() == placeholder
        assert edit.isVisible()
    assert form.sections["opinions"].isVisible()
    assert form.sections["opinions"].bullets() == []
    assert not window.isWindowModified()


def test_typing_a_source_marks_the_sheet_modified_and_undo_restores_it(
    window: MainWindow, qtbot
) -> None:
    select_no(window, "9")
    edit = window.form.edits["next_release"]
    type_text(edit, "令和4年3月")
    assert window.session.document.sheet.next_release == "令和4年3月"
    assert window.isWindowModified()
    assert window.session.document.undo_stack.undoText() == "次回公表予定の変更"
    qtbot.keySequence(edit, QKeySequence("Ctrl+Z"))
    assert edit.text() == ""
    assert window.session.document.sheet.next_release == ""
    assert not window.isWindowModified()
    window.actions[Action.REDO].trigger()
    assert edit.text() == "令和4年3月"


def test_the_fields_and_the_opinions_are_saved_in_the_book(window: MainWindow) -> None:
    select_no(window, "9")
    form = window.form
    replace_text(form.edits["source"], "警察庁「犯罪統計」")
    replace_text(form.edits["published"], "毎年3月")
    section = form.sections["opinions"]
    section.add_button.click()
    type_text(section.editors[0], "順調に推移している。")
    assert window.session.save()
    stored = window.session.book.find_sheet(2020, "9")
    assert (stored.source, stored.published, stored.next_release) == (
        "警察庁「犯罪統計」",
        "毎年3月",
        "",
    )
    assert stored.opinions == ["順調に推移している。"]
    # Opening another sheet and coming back shows what was saved.
    select_no(window, "10")
    assert form.edits["source"].text() == ""
    select_no(window, "9")
    assert form.edits["source"].text() == "警察庁「犯罪統計」"
    assert [editor.toPlainText() for editor in section.editors] == ["順調に推移している。"]


def test_an_opinion_paragraph_is_undone_like_the_other_sections(window: MainWindow) -> None:
    select_no(window, "13")
    section = window.form.sections["opinions"]
    section.add_button.click()
    type_text(section.editors[0], "有識者の意見")
    assert window.session.document.sheet.opinions == ["有識者の意見"]
    assert window.session.document.undo_stack.undoText() == "企画課・有識者意見 1段落目の変更"
    window.actions[Action.UNDO].trigger()
    assert window.session.document.sheet.opinions == [""]
    window.actions[Action.UNDO].trigger()
    assert window.session.document.sheet.opinions == []
    assert section.editors == []
    assert not window.isWindowModified()


def test_a_read_only_book_shows_the_fields_without_letting_them_change(
    window: MainWindow,
) -> None:
    select_no(window, "9")
    window.form.set_read_only(True)
    assert window.form.edits["source"].isReadOnly()
    assert not window.form.sections["opinions"].add_button.isEnabled()
    window.form.set_read_only(False)


def test_tab_goes_from_the_table_buttons_through_the_source_fields(
    window: MainWindow, qtbot
) -> None:
    select_no(window, "9")
    window.activateWindow()
    form = window.form
    form.edits["source"].setFocus()
    names = []
    for _ in range(3):
        names.append(QApplication.focusWidget().objectName())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert names == ["source", "published", "next_release"]
