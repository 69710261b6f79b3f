"""シート → 履歴: saved versions listed, compared side by side, and one restored."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QKeySequence

from kpidesk import compare
from kpidesk.book.errors import DiskFullError
from kpidesk.book.store import Book
from tests.ui.helpers import type_text
from tests.ui.test_main_window import cell, header, select_no
from ui import colours
from ui.actions import Action
from ui.dialogs.history import HistoryDialog, saved_at_text
from ui.main_window import MainWindow

ADDED = "さらに、SNSでの注意喚起を毎週行った。"


def edit_no_9_twice(window: MainWindow) -> tuple[int, str]:
    """Type a new R3 value, save; add to 取組状況 2, save. Return (R3 column, paragraph 2)."""
    select_no(window, "9")
    model = window.form.value_table.model
    r3 = header(window).index("R3実績値")
    assert model.setData(model.index(0, r3), "4,321")
    window.actions[Action.SAVE].trigger()
    editor = window.form.sections["efforts"].editors[1]
    original = editor.toPlainText()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    type_text(editor, ADDED)
    window.actions[Action.SAVE].trigger()
    assert not window.isWindowModified()
    return r3, original


def version_rows(dialog: HistoryDialog) -> list[list[str]]:
    table = dialog.versions_table
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def select_rows(dialog: HistoryDialog, *rows: int) -> None:
    """Click the first row, Ctrl+click the others (the last one clicked is current)."""
    table = dialog.versions_table
    table.clearSelection()
    flags = QItemSelectionModel.SelectionFlag
    for row in rows:
        table.selectionModel().setCurrentIndex(
            table.model().index(row, 0), flags.Select | flags.Rows
        )


def shown(dialog: HistoryDialog, where: str) -> tuple[str, str, str]:
    """The comparison's line for a place, with its mark if any."""
    return next(row for row in dialog.table.shown_rows() if row[0].endswith(where))


def test_history_lists_compares_and_restores(window: MainWindow, qtbot) -> None:
    r3, paragraph = edit_no_9_twice(window)
    sheet_id = window.session.document.sheet.id
    dialog = window.sheets.history_dialog()
    qtbot.addWidget(dialog)
    dialog.show()

    # Three versions, newest first, with date, user and what changed.
    rows = version_rows(dialog)
    assert [row[0] for row in rows] == ["3（最新）", "2", "1"]
    assert {row[2] for row in rows} == {window.session.book.user}
    assert all(len(row[1]) == len("2026/11/29 22:15") and row[1][4] == "/" for row in rows)
    assert [row[3] for row in rows] == ["取組状況 1段落", "R3実績値", "新規作成"]

    # One version: compared with the one before it. The newest cannot be restored over itself.
    assert dialog.table.marked_places() == ["取組状況 2段落目"]
    assert dialog_restore_disabled(dialog)
    assert shown(dialog, "取組状況 2段落目")[1:] == (paragraph, paragraph + ADDED)

    # Versions 3 and 1: both changes marked, everything else shown plainly.
    select_rows(dialog, 0, 2)
    titles = [dialog.table.horizontalHeaderItem(column).text() for column in (1, 2)]
    assert titles[0].startswith("版 1（") and titles[1].startswith("版 3（")
    assert dialog.table.marked_places() == ["単年 R3実績値", "取組状況 2段落目"]
    assert shown(dialog, "単年 R3実績値") == ("◆ 単年 R3実績値", "", "4,321")
    assert shown(dialog, "単年 R2実績値") == ("単年 R2実績値", "5,081", "5,081")
    assert shown(dialog, "KPI名") == ("KPI名", "刑法犯認知件数", "刑法犯認知件数")
    places = [row[0] for row in dialog.table.shown_rows()]
    marked_row = places.index("◆ 単年 R3実績値")
    plain_row = places.index("単年 R2実績値")
    background = dialog.table.item(marked_row, 2).background().color()
    assert background == colours.tint(colours.Mark.CHANGED).background == QColor("#fff4d6")
    assert dialog.table.item(plain_row, 2).background().style() == Qt.BrushStyle.NoBrush
    assert "2か所" in dialog.comparing.text()
    dialog.only_changed.setChecked(True)
    assert [row[0] for row in dialog.table.shown_rows()] == [
        "◆ 単年 R3実績値",
        "◆ 取組状況 2段落目",
    ]

    # Version 1 (clicked last) can be restored.
    assert dialog.restore_button.isEnabled()
    assert dialog.restore_button.text() == "この版（版 1）に戻す(&R)"
    dialog.restore_button.click()

    # The form shows version 1, saved as version 4; the dialog closed.
    assert not dialog.isVisible()
    assert cell(window, 0, r3) == ""
    assert window.form.sections["efforts"].editors[1].toPlainText() == paragraph
    assert not window.isWindowModified()
    history = window.session.book.history(sheet_id)
    assert [entry.revision for entry in history] == [4, 3, 2, 1]
    assert history[0].sheet == history[-1].sheet
    assert window.session.book.get_sheet(sheet_id).revision == 4
    assert window.session.document.sheet.revision == 4

    # Ctrl+Z brings back what the form showed before the restore, unsaved.
    with qtbot.waitActive(window):  # as when the modal dialog closes
        window.activateWindow()
    qtbot.keySequence(window.form.edits["title"], QKeySequence("Ctrl+Z"))
    assert cell(window, 0, r3) == "4,321"
    assert window.form.sections["efforts"].editors[1].toPlainText() == paragraph + ADDED
    assert window.isWindowModified()
    assert window.session.book.get_sheet(sheet_id).rows[0].actuals[1].text == ""
    assert window.session.save()
    history = window.session.book.history(sheet_id)
    assert len(history) == 5 and history[0].sheet == history[2].sheet

    # The list of the reopened dialog tells what each restore changed.
    again = window.sheets.history_dialog()
    qtbot.addWidget(again)
    assert [row[3] for row in version_rows(again)][:2] == [
        "R3実績値、取組状況 1段落",
        "R3実績値、取組状況 1段落",
    ]


def test_ctrl_shift_h_opens_the_history(window: MainWindow, qtbot, monkeypatch) -> None:
    opened: list[HistoryDialog] = []
    monkeypatch.setattr(HistoryDialog, "exec", lambda self: opened.append(self) or 0)
    select_no(window, "17")
    assert window.actions[Action.HISTORY].shortcut() == QKeySequence("Ctrl+Shift+H")
    assert window.actions[Action.HISTORY].isEnabled()
    qtbot.keySequence(window.form.edits["title"], QKeySequence("Ctrl+Shift+H"))
    assert len(opened) == 1
    dialog = opened[0]
    assert dialog.windowTitle() == f"履歴 - No 17「{window.session.document.sheet.title}」"
    saved_at = dialog.versions[0].entry.saved_at  # 2026-11-29T22:15:03
    assert saved_at_text(saved_at) == f"{saved_at[:10].replace('-', '/')} {saved_at[11:16]}"
    assert version_rows(dialog) == [
        ["1（最新）", saved_at_text(saved_at), window.session.book.user, "新規作成"]
    ]
    assert dialog_restore_disabled(dialog)
    assert dialog.table.horizontalHeaderItem(1).text() == "（前の版なし）"
    assert dialog.table.marked_places() == []
    window.session.open_sheet(None)
    assert not window.actions[Action.HISTORY].isEnabled()


def dialog_restore_disabled(dialog: HistoryDialog) -> bool:
    return not dialog.restore_button.isEnabled() and bool(dialog.restore_button.toolTip())


def test_unsaved_edits_are_compared_and_a_restore_asks_first(
    window: MainWindow, answers, qtbot
) -> None:
    r3, _ = edit_no_9_twice(window)
    title = window.form.edits["title"]
    title.setCursorPosition(len(title.text()))
    type_text(title, "（改）")
    dialog = window.sheets.history_dialog()
    qtbot.addWidget(dialog)

    # The unsaved state heads the list and is compared with the newest version.
    assert version_rows(dialog)[0] == ["編集中", "（未保存）", "—", "KPI名"]
    assert dialog.table.marked_places() == ["KPI名"]
    assert dialog.table.horizontalHeaderItem(2).text() == "編集中の内容（未保存）"
    assert dialog_restore_disabled(dialog)  # the unsaved state is no saved version

    # Restoring asks whether to throw the edits away; いいえ changes nothing.
    select_rows(dialog, 3)
    answers.confirm_answer = False
    dialog.restore_button.click()
    assert "保存していない変更" in answers.asked[-1]
    assert title.text() == "刑法犯認知件数（改）"
    assert window.session.book.get_sheet(window.session.document.sheet.id).revision == 3

    answers.confirm_answer = True
    dialog.restore_button.click()
    assert title.text() == "刑法犯認知件数"
    assert cell(window, 0, r3) == ""
    assert window.session.book.get_sheet(window.session.document.sheet.id).revision == 4
    assert not window.isWindowModified()
    window.actions[Action.UNDO].trigger()  # back to version 3, not to the dropped edits
    assert cell(window, 0, r3) == "4,321"
    assert title.text() == "刑法犯認知件数"


def test_no_restore_in_a_read_only_book_or_a_locked_year(
    make_window, demo_book: Path, answers, qtbot
) -> None:
    with Book.open(demo_book, create=False) as book:
        sheet = book.find_sheet(2020, "9")
        sheet.title = "変えた題名"
        book.save_sheet(sheet)

    window = make_window(demo_book)
    window.session.set_book(Book.open(demo_book, create=False, read_only=True), remember=False)
    select_no(window, "9")
    dialog = window.sheets.history_dialog()
    qtbot.addWidget(dialog)
    select_rows(dialog, 0, 1)
    assert dialog.table.marked_places() == ["KPI名"]  # comparing still works
    assert dialog_restore_disabled(dialog)
    assert "読み取り専用" in dialog.restore_button.toolTip()
    assert dialog.refusal_label.text() == dialog.restore_button.toolTip()
    assert not window.sheets.restore_version(dialog.versions[1].entry)
    assert "読み取り専用" in answers.errors[-1]

    window.session.set_book(None)
    with Book.open(demo_book, create=False) as book:
        book.lock_year(2020)
    window.session.set_book(Book.open(demo_book, create=False), remember=False)
    select_no(window, "9")
    dialog = window.sheets.history_dialog()
    qtbot.addWidget(dialog)
    select_rows(dialog, 0, 1)
    assert dialog_restore_disabled(dialog)
    assert "ロック" in dialog.restore_button.toolTip()
    assert not window.sheets.restore_version(dialog.versions[1].entry)
    assert window.form.edits["title"].text() == "変えた題名"
    assert len(window.session.book.history(window.session.document.sheet.id)) == 2


def test_a_failed_save_leaves_the_form_as_it_was(
    window: MainWindow, answers, qtbot, monkeypatch
) -> None:
    r3, _ = edit_no_9_twice(window)
    dialog = window.sheets.history_dialog()
    qtbot.addWidget(dialog)
    select_rows(dialog, 2)

    def disk_full(sheet: object) -> None:
        raise DiskFullError("ディスクがいっぱいです")

    monkeypatch.setattr(window.session.book, "save_sheet", disk_full)
    dialog.restore_button.click()
    assert answers.errors[-1] == "保存できませんでした。\nディスクがいっぱいです"
    assert not dialog.result()  # not accepted: the dialog stays for another try
    assert cell(window, 0, r3) == "4,321"
    assert not window.isWindowModified()
    monkeypatch.undo()
    assert len(window.session.book.history(window.session.document.sheet.id)) == 3


def test_the_import_preview_shares_the_side_by_side_table(window: MainWindow, qtbot) -> None:
    from ui.dialogs.import_preview import ImportPreviewDialog
    from ui.side_by_side import SideBySideTable

    sheets = window.session.book.list_sheets()
    sheets[0].title = "取り込む題名"
    dialog = ImportPreviewDialog(
        compare.plan_import(sheets, window.session.book.find_sheet), "x.json"
    )
    qtbot.addWidget(dialog)
    assert isinstance(dialog.table, SideBySideTable)
    # Every line of an import preview is a change: none carries a mark.
    assert dialog.shown_changes() == [("KPI名", "刑法犯認知件数", "取り込む題名")]
    assert dialog.table.marked_places() == []
