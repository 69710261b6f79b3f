"""編集 → 検索と置換… (Ctrl+H): a preview of every hit, then the chosen ones replaced."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from kpidesk.book import backups
from tests.ui.test_main_window import select_no
from ui.actions import Action
from ui.dialogs.find_replace import FindReplaceDialog
from ui.main_window import MainWindow


def preview(dialog: FindReplaceDialog) -> list[list[str]]:
    table = dialog.table
    return [
        [table.item(row, column).text() for column in range(1, table.columnCount())]
        for row in range(table.rowCount())
    ]


def search(window: MainWindow, text: str, replacement: str, *, book: bool) -> FindReplaceDialog:
    dialog = window.find_replace.find_replace_dialog()
    dialog.find_edit.setText(text)
    dialog.replace_edit.setText(replacement)
    (dialog.book_scope if book else dialog.sheet_scope).setChecked(True)
    dialog.search_button.click()
    return dialog


def test_ctrl_h_opens_find_and_replace(window: MainWindow, qtbot, monkeypatch) -> None:
    opened: list[FindReplaceDialog] = []
    monkeypatch.setattr(FindReplaceDialog, "exec", lambda self: opened.append(self) or 0)
    title = window.form.edits["title"]
    title.setFocus()
    title.setSelection(0, 3)
    qtbot.keySequence(title, QKeySequence("Ctrl+H"))
    assert len(opened) == 1
    assert opened[0].find_edit.text() == "刑法犯"
    assert window.actions[Action.FIND_REPLACE].shortcut().toString() == "Ctrl+H"
    assert window.actions[Action.HISTORY].shortcut().toString() == "Ctrl+Shift+H"


def test_replacing_in_the_open_sheet_is_one_undo_step(window: MainWindow) -> None:
    select_no(window, "28")
    sheet = window.session.document.sheet
    dialog = search(window, "クルーズ", "客船", book=False)
    rows = preview(dialog)
    assert rows[0][:2] == ["R2 No 28「クルーズ船寄港数」", "KPI名"]
    assert rows[0][2:] == ["クルーズ船寄港数", "客船船寄港数"]
    assert dialog.count_label.text().startswith(f"{len(rows)}か所が見つかりました（1シート）")
    # Only the KPI名: the other hits are left as they are.
    for row in range(1, len(rows)):
        dialog.table.item(row, 0).setCheckState(Qt.CheckState.Unchecked)
    others = [text for text in sheet.efforts if "クルーズ" in text]
    dialog.replace_button.click()
    assert window.form.edits["title"].text() == "客船船寄港数"
    assert [t for t in window.session.document.sheet.efforts if "クルーズ" in t] == others
    assert window.session.document.undo_stack.count() == 1
    assert window.statusBar().currentMessage() == "1か所を置換しました（元に戻す で戻せます）"
    window.actions[Action.UNDO].trigger()
    assert window.form.edits["title"].text() == "クルーズ船寄港数"


def test_replacing_across_the_book_saves_each_sheet_after_a_backup(
    window: MainWindow, answers, demo_book: Path
) -> None:
    book = window.session.book
    dialog = search(window, "観光振興課", "観光戦略課", book=True)
    rows = preview(dialog)
    sheets = {row[0] for row in rows}
    assert len(sheets) >= 2 and all(row[1] == "担当課" for row in rows)
    before = {sheet.id: sheet.revision for sheet in book.list_sheets()}
    dialog.replace_button.click()
    assert answers.errors == []
    assert "観光振興課" not in book.departments(2020)
    assert window.list_panel.department_combo.findText("観光戦略課") >= 0
    changed = [s for s in book.list_sheets() if s.revision != before[s.id]]
    assert len(changed) == len(sheets)
    assert all(s.revision == before[s.id] + 1 for s in changed)
    assert "置換の前" in [b.reason for b in backups.list_backups(demo_book)]
    assert dialog.count_label.text() == (
        f"{len(sheets)}件のシートで置換しました。戻すときは［置換を元に戻す］を押してください。"
    )
    assert answers.asked[0].startswith(
        f"{len(sheets)}件のシートの{len(rows)}か所で「観光振興課」を「観光戦略課」に置換して保存します。"
    )
    assert answers.asked[0].endswith("[置換する / やめる]")


def test_replacing_across_the_book_is_confirmed_first(window: MainWindow, answers) -> None:
    dialog = search(window, "観光振興課", "観光戦略課", book=True)
    answers.proceed_answer = False
    dialog.replace_button.click()
    assert "観光振興課" in window.session.book.departments(2020)
    assert "置換の前" not in [b.reason for b in backups.list_backups(window.session.book.path)]
    assert dialog.table.rowCount() > 0  # the preview stays to be looked at again
    assert dialog.undo_button.isHidden()


def test_a_replace_across_the_book_can_be_undone(window: MainWindow, answers) -> None:
    book = window.session.book
    select_no(window, "28")
    dialog = search(window, "観光振興課", "観光戦略課", book=True)
    assert dialog.undo_button.isHidden()
    dialog.replace_button.click()
    assert window.form.edits["departments"].text() == "観光戦略課、港湾課"
    assert not dialog.undo_button.isHidden()
    # Reopening the dialog still offers it.
    again = window.find_replace.find_replace_dialog()
    assert not again.undo_button.isHidden()
    assert "置換「観光振興課」→「観光戦略課」" in again.undo_button.toolTip()

    again.undo_button.click()

    assert "観光戦略課" not in book.departments(2020)
    assert "観光振興課" in book.departments(2020)
    assert window.form.edits["departments"].text() == "観光振興課、港湾課"
    assert again.count_label.text().startswith("置換「観光振興課」→「観光戦略課」")
    assert again.count_label.text().endswith("を元に戻しました（2件のシート）。")
    assert again.undo_button.isHidden()
    assert window.find_replace.find_replace_dialog().undo_button.isHidden()
    assert answers.infos == []


def test_undo_leaves_a_sheet_edited_since_and_says_so(window: MainWindow, answers) -> None:
    book = window.session.book
    dialog = search(window, "観光振興課", "観光戦略課", book=True)
    dialog.replace_button.click()
    edited = book.find_sheet(2020, "28")
    edited.title = "あとで直した題"
    book.save_sheet(edited)
    dialog.undo_button.click()
    assert book.find_sheet(2020, "28").title == "あとで直した題"
    assert "観光戦略課" in book.find_sheet(2020, "28").departments
    assert (
        "No 28 は置換のあとに変更・削除・ロックされたため、そのままにしました" in answers.infos[0]
    )


def test_after_a_replace_the_same_places_are_not_offered_again(window: MainWindow) -> None:
    select_no(window, "28")
    dialog = search(window, "クルーズ", "クルーズ客船", book=False)
    dialog.replace_button.click()
    assert "クルーズ客船" in window.form.edits["title"].text()
    assert dialog.table.rowCount() == 0
    assert not dialog.replace_button.isEnabled()
    assert "か所を置換しました。" in dialog.count_label.text()


def test_a_locked_year_is_shown_but_not_replaced(window: MainWindow, answers) -> None:
    window.session.book.lock_year(2020)
    window.session.update_year_lock()
    dialog = search(window, "観光振興課", "観光戦略課", book=True)
    assert preview(dialog)[0][0].startswith("【ロック中】R2 No ")
    assert "置換しません" in dialog.count_label.text()
    assert not dialog.replace_button.isEnabled()
    assert "観光振興課" in window.session.book.departments(2020)


def test_across_the_book_unsaved_edits_are_saved_first_when_asked(
    window: MainWindow, answers
) -> None:
    from ui.dialogs.messages import Choice

    select_no(window, "28")
    title = window.form.edits["title"]
    title.setText("")
    title.insert("観光振興課のクルーズ船寄港数")
    dialog = search(window, "観光振興課", "観光戦略課", book=True)
    assert "KPI名" in [row[1] for row in preview(dialog)]  # the edit is searched as it stands
    answers.save_choice = Choice.CANCEL
    dialog.replace_button.click()
    assert "観光振興課" in window.session.book.departments(2020)
    answers.save_choice = Choice.SAVE
    dialog.replace_button.click()
    assert "No 28「観光振興課のクルーズ船寄港数」への変更を保存しますか？" in answers.asked
    assert window.session.book.find_sheet(2020, "28").title == "観光戦略課のクルーズ船寄港数"
    assert window.form.edits["title"].text() == "観光戦略課のクルーズ船寄港数"
    assert not window.isWindowModified()


def test_enter_in_the_search_box_searches_once(window: MainWindow, qtbot) -> None:
    dialog = window.find_replace.find_replace_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    searches: list[None] = []
    dialog.search_requested.connect(lambda: searches.append(None))
    dialog.find_edit.setText("刑法犯")
    qtbot.keyClick(dialog.find_edit, Qt.Key.Key_Return)
    assert len(searches) == 1
    assert dialog.count_label.text().endswith("か所が見つかりました（1シート）。")


def test_searching_again_empties_the_list_before_filling_it(
    window: MainWindow, monkeypatch
) -> None:
    dialog = search(window, "観光", "観光", book=True)
    first = preview(dialog)
    counts: list[int] = []
    set_count = dialog.table.setRowCount
    monkeypatch.setattr(dialog.table, "setRowCount", lambda n: counts.append(n) or set_count(n))
    dialog.search_button.click()
    assert counts[0] == 0
    assert preview(dialog) == first


def test_in_a_handed_out_book_the_planning_fields_and_departments_are_left_alone(
    make_window, demo_book: Path, tmp_path: Path, answers
) -> None:
    import dataclasses

    from kpidesk.book.store import Book
    from kpidesk.handout import distribute

    with Book.open(demo_book) as book:
        sheet = book.find_sheet(2020, "28")
        book.save_sheet(
            dataclasses.replace(sheet, planning_comment="観光の数字を確認", opinions=["観光は好調"])
        )
        [path] = distribute(book, tmp_path / "配布", 2020, ["観光振興課"])
    window = make_window(path)
    dialog = search(window, "観光", "観光", book=True)
    rows = {(row[0], row[1]): row for row in preview(dialog)}
    kept = [key for key in rows if key[0].startswith("【")]
    assert ("【企画課の欄】R2 No 28「クルーズ船寄港数」", "企画課コメント") in kept
    assert ("【企画課の欄】R2 No 28「クルーズ船寄港数」", "企画課・有識者意見 1段落目") in kept
    assert ("【配布された担当課】R2 No 28「クルーズ船寄港数」", "担当課") in kept
    assert all(key[1] in ("企画課コメント", "担当課") or "企画課" in key[1] for key in kept)
    dialog.replace_edit.setText("観光・交流")
    dialog.search_button.click()
    dialog.replace_button.click()
    with Book.open(path, read_only=True) as book:
        sheet = book.find_sheet(2020, "28")
    assert sheet.planning_comment == "観光の数字を確認"
    assert sheet.opinions == ["観光は好調"]
    assert sheet.departments[0] == "観光振興課"
