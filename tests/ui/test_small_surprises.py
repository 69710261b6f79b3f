"""Small things that surprised new staff: each is checked as the user sees it."""

from __future__ import annotations

import dataclasses

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.helpers import type_text
from tests.ui.palettes import MIN_CONTRAST, applied, contrast, dark_palette
from tests.ui.test_main_window import select_no, shown_nos
from ui.actions import Action
from ui.dialogs.scope import ScopeDialog
from ui.main_window import MainWindow


def choose_department(window: MainWindow, name: str) -> None:
    combo = window.list_panel.department_combo
    combo.setCurrentIndex(combo.findData(name))


def test_filtering_the_open_sheet_away_says_so_and_one_click_brings_it_back(
    window: MainWindow,
) -> None:
    select_no(window, "9")  # 生活安全企画課
    notice = window.list_panel.filter_notice
    assert not notice.isVisible()
    choose_department(window, "港湾課")
    assert "9" not in shown_nos(window)
    assert window.session.document.sheet.no == "9"  # still in the form
    assert notice.isVisible()
    assert notice.text == (
        "表示中のシート（No 9）は、フィルター（担当課: 港湾課）で一覧に出ていません"
    )
    assert notice.button.text() == "フィルターを解除"
    notice.button.click()
    assert "9" in shown_nos(window)
    assert window.list_panel.current_sheet_id() == window.session.document.sheet.id
    assert window.list_panel.department_combo.currentData() is None
    assert not notice.isVisible()


def test_an_empty_list_names_the_filters_and_clears_them(window: MainWindow) -> None:
    panel = window.list_panel
    window.session.open_sheet(None)
    choose_department(window, "港湾課")
    panel.search_edit.setText("xyz")
    assert shown_nos(window) == []
    assert panel.filter_notice.isVisible()
    assert panel.filter_notice.text == (
        "フィルター（担当課: 港湾課、検索: xyz）に合うシートがありません"
    )
    panel.filter_notice.button.click()
    assert len(shown_nos(window)) == 15
    assert panel.search_edit.text() == ""
    assert not panel.filter_notice.isVisible()
    # With a sheet open, the note says it is hidden too.
    select_no(window, "9")
    panel.search_edit.setText("xyz")
    assert panel.filter_notice.text == (
        "フィルター（検索: xyz）に合うシートがありません"
        "（表示中のシート No 9 も一覧に出ていません）"
    )


def test_a_sheet_open_in_another_year_is_named_with_its_year(window: MainWindow) -> None:
    book = window.session.book
    sheet = book.find_sheet(2020, "28")
    book.save_sheet(dataclasses.replace(sheet, id=None, no="1", report_year=2021))
    window.list_panel.set_book(book)
    window.session.open_sheet(book.find_sheet(2021, "1").id)
    window.list_panel.show_report_year(2020)
    notice = window.list_panel.filter_notice
    assert "No 1" in notice.text and "報告年度: R2（2020）" in notice.text
    notice.button.click()
    assert window.list_panel.report_year() == 2021
    assert shown_nos(window) == ["1"]
    assert not notice.isVisible()
    QApplication.processEvents()
    assert window.list_panel.table.currentIndex().data(Qt.ItemDataRole.DisplayRole) == "1"


def scope_dialog_shown(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> ScopeDialog:
    """The scope dialog 印刷プレビュー asks with (cancelled)."""
    shown: list[ScopeDialog] = []

    def exec_(dialog: ScopeDialog) -> int:
        shown.append(dialog)
        return ScopeDialog.DialogCode.Rejected

    monkeypatch.setattr(ScopeDialog, "exec", exec_)
    window.actions[Action.PRINT_PREVIEW].trigger()
    return shown[0]


def test_the_scope_dialog_offers_the_open_sheets_department(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_no(window, "28")  # 観光振興課、港湾課: neither is the first department
    dialog = scope_dialog_shown(window, monkeypatch)
    assert dialog.department_combo.itemText(0) != "観光振興課"
    assert dialog.department_combo.currentText() == "観光振興課"


def test_the_scope_dialog_offers_the_department_the_list_shows(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_no(window, "28")
    choose_department(window, "港湾課")
    assert scope_dialog_shown(window, monkeypatch).department_combo.currentText() == "港湾課"


def test_adding_a_paragraph_with_none_being_edited_adds_it_last(window: MainWindow) -> None:
    select_no(window, "9")
    section = window.form.sections["issues"]
    before = list(window.session.document.sheet.issues)
    assert len(before) == 3
    window.form.edits["title"].setFocus()  # no paragraph of 課題等 is being edited
    section.add_button.click()
    assert window.session.document.sheet.issues == [*before, ""]
    QApplication.processEvents()
    assert QApplication.focusWidget() is section.editors[3]


def test_adding_a_paragraph_while_editing_one_adds_it_after_that_one(window: MainWindow) -> None:
    select_no(window, "9")
    section = window.form.sections["issues"]
    before = list(window.session.document.sheet.issues)
    section.editors[0].setFocus()
    section.add_button.click()
    assert window.session.document.sheet.issues == [before[0], "", *before[1:]]


THEMES = {"light": None, "dark": dark_palette}


def shown_colour(widget: QWidget, role: QPalette.ColorRole) -> QColor:
    """The colour ``widget`` draws ``role`` in, as it is now (disabled or not)."""
    widget.ensurePolished()
    group = QPalette.ColorGroup.Active if widget.isEnabled() else QPalette.ColorGroup.Disabled
    return widget.palette().color(group, role)


def over(colour: QColor, background: QColor) -> QColor:
    """``colour`` as drawn over ``background`` (Qt's placeholder is the text half transparent)."""
    alpha = colour.alphaF()
    return QColor.fromRgbF(
        *(
            getattr(colour, part)() * alpha + getattr(background, part)() * (1 - alpha)
            for part in ("redF", "greenF", "blueF")
        )
    )


@pytest.mark.parametrize("theme", list(THEMES))
def test_an_empty_departments_field_shows_an_example_not_data(
    theme: str, window: MainWindow
) -> None:
    make = THEMES[theme]
    with applied(make() if make is not None else None):
        select_no(window, "9")
        edit = window.form.edits["departments"]
        edit.setFocus()
        edit.selectAll()
        QTest.keyClick(edit, Qt.Key.Key_Delete)
        assert edit.text() == ""
        assert edit.placeholderText() == "例: 観光振興課、港湾課"
        base = shown_colour(edit, QPalette.ColorRole.Base)
        placeholder = over(shown_colour(edit, QPalette.ColorRole.PlaceholderText), base)
        assert contrast(placeholder, base) >= MIN_CONTRAST
        # Lighter than what is typed, so it does not pass for a value.
        assert contrast(placeholder, base) < contrast(
            shown_colour(edit, QPalette.ColorRole.Text), base
        )
        assert edit.font().italic()
        type_text(edit, "港湾課")
        assert not edit.font().italic()
        window.session.document.undo_stack.setClean()


@pytest.mark.parametrize("theme", list(THEMES))
def test_grey_help_text_is_readable(theme: str, window: MainWindow) -> None:
    make = THEMES[theme]
    with applied(make() if make is not None else None):
        select_no(window, "9")
        section = window.form.sections["opinions"]
        assert section.bullets() == []
        label = section.empty_label
        assert label.isVisible() and "段落はありません" in label.text()
        text = shown_colour(label, label.foregroundRole())
        background = shown_colour(section, QPalette.ColorRole.Window)
        assert contrast(text, background) >= MIN_CONTRAST, (text.name(), background.name())
        assert text != shown_colour(window.form.edits["title"], QPalette.ColorRole.Text)  # grey


def test_the_new_sheet_dialog_shows_its_departments_hint_whole(app, qtbot) -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    from ui.dialogs.new_sheet import NewSheetDialog

    dialog = NewSheetDialog(exists=lambda year, no: False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    edit = dialog.departments_edit
    italic = QFont(edit.font())
    italic.setItalic(True)
    assert edit.width() > QFontMetrics(italic).horizontalAdvance(edit.placeholderText())
