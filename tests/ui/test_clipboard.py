"""切り取り, コピー, 貼り付け and すべて選択 on fields and on the value table."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from tests.ui.test_main_window import cell, select_no
from ui.actions import Action
from ui.main_window import MainWindow


def edit_menu_texts(window: MainWindow) -> list[str]:
    menu = next(m for m in window.menuBar().actions() if m.text() == "編集(&E)").menu()
    return [action.text() for action in menu.actions() if not action.isSeparator()]


def choose_cells(window: MainWindow, top: int, left: int, bottom: int, right: int) -> None:
    table = window.form.value_table.table
    model = window.form.value_table.model
    table.setFocus()
    table.setCurrentIndex(model.index(top, left))
    table.selectionModel().select(
        QItemSelection(model.index(top, left), model.index(bottom, right)),
        QItemSelectionModel.SelectionFlag.ClearAndSelect,
    )
    QApplication.processEvents()


def test_the_edit_menu_has_cut_copy_paste_and_select_all(window: MainWindow) -> None:
    texts = edit_menu_texts(window)
    for text in ("切り取り(&T)", "コピー(&C)", "貼り付け(&P)", "すべて選択(&A)"):
        assert text in texts
    assert window.actions[Action.PASTE].shortcut().toString() == "Ctrl+V"
    assert window.actions[Action.SELECT_ALL].shortcut().toString() == "Ctrl+A"


def test_copy_and_paste_between_fields_reach_the_sheet(window: MainWindow) -> None:
    select_no(window, "9")
    window.activateWindow()
    title, section = window.form.edits["title"], window.form.edits["section"]
    title.setFocus()
    window.actions[Action.SELECT_ALL].trigger()
    window.actions[Action.COPY].trigger()
    assert QApplication.clipboard().text() == "刑法犯認知件数"
    section.setFocus()
    window.actions[Action.SELECT_ALL].trigger()
    window.actions[Action.PASTE].trigger()
    assert section.text() == "刑法犯認知件数"
    assert window.session.document.sheet.section == "刑法犯認知件数"
    title.setFocus()
    window.actions[Action.SELECT_ALL].trigger()
    window.actions[Action.CUT].trigger()
    assert title.text() == ""
    assert window.session.document.sheet.title == ""


def test_copying_a_block_of_cells_gives_text_excel_pastes(window: MainWindow) -> None:
    select_no(window, "10")
    window.activateWindow()
    choose_cells(window, 0, 0, 1, 3)
    window.actions[Action.COPY].trigger()
    rows = [[cell(window, row, column) for column in range(4)] for row in range(2)]
    assert QApplication.clipboard().text() == "".join("\t".join(r) + "\n" for r in rows)


def test_ctrl_c_in_the_table_copies_the_block(window: MainWindow, qtbot) -> None:
    select_no(window, "10")
    window.activateWindow()
    choose_cells(window, 0, 2, 1, 3)
    QApplication.clipboard().setText("")
    qtbot.keySequence(window.form.value_table.table, QKeySequence("Ctrl+C"))
    expected = "".join(f"{cell(window, r, 2)}\t{cell(window, r, 3)}\n" for r in range(2))
    assert QApplication.clipboard().text() == expected


def test_pasting_excel_cells_fills_a_block_as_one_undo_step(window: MainWindow) -> None:
    select_no(window, "10")
    window.activateWindow()
    before = [cell(window, 0, c) for c in range(2, 4)], [cell(window, 1, c) for c in range(2, 4)]
    choose_cells(window, 0, 2, 0, 2)
    QApplication.clipboard().setText("100\t=1+1\r\nabc\t200\r\n")
    window.actions[Action.PASTE].trigger()
    assert [cell(window, 0, 2), cell(window, 0, 3)] == ["100", "=1+1"]
    assert [cell(window, 1, 2), cell(window, 1, 3)] == ["abc", "200"]
    model = window.form.value_table.model
    # Shaded as not a value, as typing them does.
    assert model.index(0, 3).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index(1, 2).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index(0, 2).data(Qt.ItemDataRole.BackgroundRole) is None
    assert window.session.document.undo_stack.undoText() == "貼り付け"
    window.actions[Action.UNDO].trigger()
    after_undo = (
        [cell(window, 0, c) for c in range(2, 4)],
        [cell(window, 1, c) for c in range(2, 4)],
    )
    assert after_undo == before


def test_a_paste_too_big_is_cut_at_the_table_and_says_so(window: MainWindow) -> None:
    select_no(window, "10")
    window.activateWindow()
    model = window.form.value_table.model
    rows, columns = model.rowCount(), model.columnCount()
    choose_cells(window, rows - 1, columns - 1, rows - 1, columns - 1)
    QApplication.clipboard().setText("1\t2\t3\n4\t5\t6\n")
    window.actions[Action.PASTE].trigger()
    assert (model.rowCount(), model.columnCount()) == (rows, columns)
    assert cell(window, rows - 1, columns - 1) == "1"
    assert window.statusBar().currentMessage() == (
        "貼り付けました。表に入りきらない1行と2列は貼り付けていません（表は広げません）"
    )


def test_cut_empties_the_chosen_cells(window: MainWindow) -> None:
    select_no(window, "10")
    window.activateWindow()
    first = cell(window, 0, 2)
    choose_cells(window, 0, 2, 1, 2)
    window.actions[Action.CUT].trigger()
    assert QApplication.clipboard().text().startswith(first + "\n")
    assert cell(window, 0, 2) == "" and cell(window, 1, 2) == ""


def test_select_all_in_the_table_chooses_every_cell(window: MainWindow) -> None:
    select_no(window, "10")
    window.activateWindow()
    choose_cells(window, 0, 0, 0, 0)
    window.actions[Action.SELECT_ALL].trigger()
    model = window.form.value_table.model
    chosen = window.form.value_table.table.selectionModel().selectedIndexes()
    assert len(chosen) == model.rowCount() * model.columnCount()


def test_delete_on_a_block_clears_it_as_one_undo_step(window: MainWindow, qtbot) -> None:
    select_no(window, "10")
    window.activateWindow()
    before = [cell(window, row, 2) for row in range(2)]
    choose_cells(window, 0, 2, 1, 3)
    qtbot.keyClick(window.form.value_table.table, Qt.Key.Key_Delete)
    assert [cell(window, row, column) for row in range(2) for column in (2, 3)] == [""] * 4
    assert window.session.document.undo_stack.count() == 1
    window.actions[Action.UNDO].trigger()
    assert [cell(window, row, 2) for row in range(2)] == before


@pytest.mark.parametrize("text", ["x" * 200_000, '"' + "y" * 200_000])
def test_a_paste_longer_than_any_cell_is_refused_without_an_error(
    window: MainWindow, answers, text: str
) -> None:
    select_no(window, "10")
    window.activateWindow()
    before = cell(window, 0, 2)
    choose_cells(window, 0, 2, 0, 2)
    QApplication.clipboard().setText(text)
    window.actions[Action.PASTE].trigger()
    assert cell(window, 0, 2) != before
    assert cell(window, 0, 2) == text[:200]
    assert window.statusBar().currentMessage() == (
        "貼り付けました。長すぎる1個のセルは、入る文字数までにしました"
    )
    assert answers.errors == []
