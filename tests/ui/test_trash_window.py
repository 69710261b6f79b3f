"""シート → 削除したシート…: a deleted sheet comes back into the list, or goes for good."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel

from kpidesk.book import backups
from kpidesk.model import Sheet
from tests.ui.test_main_window import select_no, shown_nos
from ui.actions import Action
from ui.dialogs.trash import TrashDialog
from ui.main_window import MainWindow

#: Choose one row whatever keys an earlier test left held down.
ONE_ROW = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows


def delete_no(window: MainWindow, answers, no: str) -> None:
    select_no(window, no)
    answers.confirm_answer = True
    window.actions[Action.DELETE_SHEET].trigger()
    assert no not in shown_nos(window)


def rows(dialog: TrashDialog) -> list[list[str]]:
    table = dialog.table
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def test_the_sheet_menu_offers_the_deleted_sheets(window: MainWindow) -> None:
    menu = next(m for m in window.menuBar().actions() if m.text() == "シート(&S)").menu()
    assert "削除したシート(&T)…" in [action.text() for action in menu.actions()]


def test_a_deleted_sheet_is_listed_and_restored_into_the_list(window: MainWindow, answers) -> None:
    delete_no(window, answers, "28")
    delete_no(window, answers, "9")
    dialog = window.trash.trash_dialog()
    listed = rows(dialog)
    assert [row[0] for row in listed] == ["9", "28"]  # newest first
    assert listed[0][1:3] == ["刑法犯認知件数", "令和2年度"]
    assert listed[0][4] == window.session.book.user
    dialog.table.setCurrentCell(
        1,
        0,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    dialog.restore_button.click()
    assert "28" in shown_nos(window)
    assert window.form.edits["no"].text() == "28"  # opened, and chosen in the list
    assert window.list_panel.current_sheet_id() == window.session.document.sheet.id
    assert [row[0] for row in rows(dialog)] == ["9"]
    assert (
        window.statusBar().currentMessage() == "令和2年度 No 28「クルーズ船寄港数」を元に戻しました"
    )
    assert answers.errors == []


def test_restore_is_refused_when_the_no_is_taken(window: MainWindow, answers) -> None:
    delete_no(window, answers, "9")
    window.session.book.save_sheet(Sheet(report_year=2020, no="9", title="新しい9"))
    window.session.reload_list()
    dialog = window.trash.trash_dialog()
    dialog.restore_button.click()
    assert answers.errors == [
        "令和2年度 No 9 のシートが今はブックにあるため、元に戻せません。\n"
        "今のシートの No を変えるか削除してから戻してください"
        "（削除したシートはそのまま残っています）。"
    ]
    assert [row[0] for row in rows(dialog)] == ["9"]


def test_restore_is_refused_in_a_locked_year(window: MainWindow, answers) -> None:
    delete_no(window, answers, "9")
    window.session.book.lock_year(2020)
    dialog = window.trash.trash_dialog()
    dialog.restore_button.click()
    assert answers.errors[0].startswith("令和2年度はロックされているため、No 9 を元に戻せません。")
    assert "9" not in shown_nos(window)


def test_emptying_the_trash_asks_backs_up_and_removes_for_good(
    window: MainWindow, answers, demo_book: Path
) -> None:
    delete_no(window, answers, "9")
    delete_no(window, answers, "28")
    dialog = window.trash.trash_dialog()
    answers.confirm_answer = False
    dialog.empty_button.click()
    assert len(rows(dialog)) == 2
    answers.confirm_answer = True
    dialog.empty_button.click()
    assert "空にしたごみ箱のシートは元に戻せません" in answers.asked[-1]
    assert rows(dialog) == []
    assert dialog.empty_label.isVisibleTo(dialog)
    assert any("ごみ箱を空にする前" in b.reason for b in backups.list_backups(demo_book))


def test_restoring_asks_to_save_the_open_sheet_first(window: MainWindow, answers) -> None:
    from ui.dialogs.messages import Choice

    delete_no(window, answers, "28")
    select_no(window, "10")
    title = window.form.edits["title"]
    title.setText("")
    title.insert("まだ保存していない題")
    dialog = window.trash.trash_dialog()
    dialog.table.setCurrentCell(0, 0, ONE_ROW)
    answers.save_choice = Choice.CANCEL
    dialog.restore_button.click()
    assert "28" not in shown_nos(window)
    assert title.text() == "まだ保存していない題"
    answers.save_choice = Choice.SAVE
    dialog.restore_button.click()
    assert "28" in shown_nos(window)
    assert window.session.book.find_sheet(2020, "10").title == "まだ保存していない題"
