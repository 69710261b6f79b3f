"""The main window driven as a member of staff uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QKeySequence
from PySide6.QtWidgets import QApplication

from kpidesk import compare
from kpidesk.book.store import Book
from kpidesk.exchange import textimport
from kpidesk.model import Cell
from kpidesk.printing import fonts
from tests.conftest import SAMPLE_TEXT, needs_sigkill
from tests.ui.helpers import replace_text, type_text
from ui.actions import Action
from ui.dialogs.messages import Choice
from ui.main_window import MainWindow
from ui.sheet_list import Col
from ui.value_table import ValueTableModel


def shown_nos(window: MainWindow) -> list[str]:
    proxy = window.list_panel.proxy
    return [proxy.index(row, Col.NO).data() for row in range(proxy.rowCount())]


def select_no(window: MainWindow, no: str) -> None:
    sheet_id = next(s.id for s in window.session.book.list_entries() if s.no == no)
    index = window.list_panel.proxy.mapFromSource(
        window.list_panel.model.index(window.list_panel.model.row_of(sheet_id), 0)
    )
    window.list_panel.table.setCurrentIndex(index)
    QApplication.processEvents()


def cell(window: MainWindow, row: int, column: int) -> str:
    model = window.form.value_table.model
    return model.index(row, column).data()


def header(window: MainWindow) -> list[str]:
    model = window.form.value_table.model
    return [
        model.headerData(column, Qt.Orientation.Horizontal).replace("\n", "")
        for column in range(model.columnCount())
    ]


def test_opens_the_book_with_its_list(window: MainWindow) -> None:
    assert shown_nos(window) == [
        "9", "10", "13", "14", "15", "16", "17", "18", "19", "20", "25", "26", "27", "28", "29",
    ]  # fmt: skip
    assert window.list_panel.count_label.text() == "15 / 15 件"
    assert window.windowTitle() == "見本 ブック.kpidb[*] - KPI Desk"
    row9 = [window.list_panel.proxy.index(0, column).data() for column in Col]
    assert row9[:5] == ["9", "生活安全企画課", "刑法犯認知件数", "5,081（R2）", "前年比減"]
    # The first sheet is open in the form.
    assert window.form.edits["title"].text() == "刑法犯認知件数"


def test_filter_by_department_and_search(window: MainWindow) -> None:
    panel = window.list_panel
    departments = [
        panel.department_combo.itemText(i) for i in range(panel.department_combo.count())
    ]
    assert "港湾課" in departments and "産業支援課" in departments
    panel.department_combo.setCurrentIndex(departments.index("産業支援課"))
    assert shown_nos(window) == ["15", "16", "18"]
    assert panel.count_label.text() == "3 / 15 件"
    panel.department_combo.setCurrentIndex(0)

    type_text(panel.search_edit, "詐欺")  # two characters: the LIKE fallback
    assert shown_nos(window) == ["9"]
    replace_text(panel.search_edit, "認知件数")
    assert shown_nos(window) == ["9"]
    replace_text(panel.search_edit, "港湾課")
    assert shown_nos(window) == ["28"]
    replace_text(panel.search_edit, "新型コロナウイルス")
    expected = [
        sheet.no
        for sheet in textimport.parse(SAMPLE_TEXT.read_text(encoding="utf-8")).sheets
        if any(
            "新型コロナウイルス" in text
            for text in (sheet.section, *sheet.efforts, *sheet.issues, *sheet.direction)
        )
    ]
    assert shown_nos(window) == expected
    # Every sample's 施策 is 「2 新型コロナウイルス感染症 を踏まえた対応」.
    assert len(expected) == 15
    replace_text(panel.search_edit, "感染症の影響")
    expected = [
        sheet.no
        for sheet in textimport.parse(SAMPLE_TEXT.read_text(encoding="utf-8")).sheets
        if any("感染症の影響" in text for text in (*sheet.efforts, *sheet.issues, *sheet.direction))
    ]
    assert shown_nos(window) == expected and 0 < len(expected) < 15
    panel.search_edit.clear()
    assert len(shown_nos(window)) == 15


def test_list_sorts_no_as_a_number(window: MainWindow) -> None:
    window.list_panel.table.sortByColumn(Col.NO, Qt.SortOrder.DescendingOrder)
    assert shown_nos(window)[:3] == ["29", "28", "27"]
    assert shown_nos(window)[-2:] == ["10", "9"]


def test_no_15_shows_h30_base_year_and_r1_to_r5(window: MainWindow) -> None:
    select_no(window, "15")
    assert window.form.edits["title"].text() == "製造品出荷額"
    assert header(window) == [
        "項目", "単位", "戦略策定時実績値(H30)", "R1実績値", "R2実績値", "R3実績値",
        "R4実績値", "R5実績値", "目標値(R5)",
    ]  # fmt: skip
    assert [cell(window, 0, column) for column in range(9)] == [
        "単年", "億円/年", "28,461", "28,467", "集計中", "", "", "", "30,203",
    ]  # fmt: skip
    assert window.form.value_table.baseline_year.currentText() == "H30（2018）"


def test_no_10_has_two_value_rows(window: MainWindow) -> None:
    select_no(window, "10")
    assert window.form.value_table.model.rowCount() == 2
    assert cell(window, 1, 0) == "県" and cell(window, 1, 2) == "認定なし"
    assert window.form.sections["efforts"].bullets()[0].startswith("義務教育課程の学校")


def test_new_r3_value_is_saved_and_found_after_reopening(
    window: MainWindow, make_window, demo_book: Path
) -> None:
    select_no(window, "9")
    model = window.form.value_table.model
    r3 = header(window).index("R3実績値")
    assert model.setData(model.index(0, r3), "4,321")
    assert window.isWindowModified()
    assert window.windowTitle().endswith("[*] - KPI Desk")
    window.actions[Action.SAVE].trigger()
    assert not window.isWindowModified()
    window.close()

    again = make_window(demo_book)
    select_no(again, "9")
    assert cell(again, 0, r3) == "4,321"
    row9 = [again.list_panel.proxy.index(0, column).data() for column in Col]
    assert row9[3] == "4,321（R3）"


def test_typed_japanese_title_is_saved(window: MainWindow) -> None:
    select_no(window, "9")
    title = window.form.edits["title"]
    title.setCursorPosition(len(title.text()))
    type_text(title, "（暫定）")
    assert window.session.document.sheet.title == "刑法犯認知件数（暫定）"
    assert window.session.save()
    assert window.session.book.find_sheet(2020, "9").title == "刑法犯認知件数（暫定）"
    assert window.list_panel.proxy.index(0, Col.TITLE).data() == "刑法犯認知件数（暫定）"


def test_invalid_cell_is_marked_but_kept(window: MainWindow) -> None:
    select_no(window, "9")
    model: ValueTableModel = window.form.value_table.model
    index = model.index(0, 4)
    model.setData(index, "5千件")
    assert index.data() == "5千件"
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "単位は単位欄" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, 3).data(Qt.ItemDataRole.BackgroundRole) is None
    window.session.save()
    assert window.session.book.find_sheet(2020, "9").rows[0].actuals[1].text == "5千件"


def test_undo_and_redo_a_bullet_edit(window: MainWindow) -> None:
    select_no(window, "13")
    editor = window.form.sections["issues"].editors[0]
    original = editor.toPlainText()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    type_text(editor, "（追記）")
    type_text(editor, "さらに")
    assert window.session.document.sheet.issues[0] == original + "（追記）さらに"
    # Keystrokes in one paragraph are one step, as in Office.
    window.actions[Action.UNDO].trigger()
    assert window.session.document.sheet.issues[0] == original
    assert window.form.sections["issues"].editors[0].toPlainText() == original
    assert not window.isWindowModified()
    window.actions[Action.REDO].trigger()
    assert window.form.sections["issues"].editors[0].toPlainText() == original + "（追記）さらに"
    assert window.isWindowModified()


def test_ctrl_z_in_a_field_undoes_the_sheet_edit(window: MainWindow, qtbot) -> None:
    select_no(window, "9")
    title = window.form.edits["title"]
    title.setCursorPosition(len(title.text()))
    type_text(title, "X")
    assert title.text() == "刑法犯認知件数X"
    qtbot.keySequence(title, QKeySequence("Ctrl+Z"))
    assert title.text() == "刑法犯認知件数"
    qtbot.keySequence(title, QKeySequence("Ctrl+Y"))
    assert title.text() == "刑法犯認知件数X"


def test_add_move_and_remove_bullets(window: MainWindow) -> None:
    select_no(window, "13")
    section = window.form.sections["efforts"]
    assert len(section.editors) == 1
    section.add_button.click()
    assert len(section.editors) == 2
    type_text(section.editors[1], "新しい段落")
    assert window.session.document.sheet.efforts[1] == "新しい段落"
    section.up_button.click()
    assert window.session.document.sheet.efforts[0] == "新しい段落"
    section.remove_button.click()
    assert window.session.document.sheet.efforts == [
        window.session.book.find_sheet(2020, "13").efforts[0]
    ]
    window.actions[Action.UNDO].trigger()
    assert window.session.document.sheet.efforts[0] == "新しい段落"


def test_add_a_value_row(window: MainWindow) -> None:
    select_no(window, "9")
    editor = window.form.value_table
    editor.table.setCurrentIndex(editor.model.index(0, 0))
    editor.add_row_button.click()
    assert editor.model.rowCount() == 2
    model = editor.model
    model.setData(model.index(1, 0), "累計")
    model.setData(model.index(1, 1), "件/4年")
    model.setData(model.index(1, 2), "25,000")
    window.session.save()
    saved = window.session.book.find_sheet(2020, "9")
    assert [(r.label, r.unit, r.baseline.text) for r in saved.rows] == [
        ("単年", "件/年", "6,498"),
        ("累計", "件/4年", "25,000"),
    ]
    assert len(saved.rows[1].actuals) == 4
    editor.table.setCurrentIndex(model.index(1, 0))
    editor.row_up_button.click()
    assert window.session.document.sheet.rows[0].label == "累計"
    editor.remove_row_button.click()
    assert [r.label for r in window.session.document.sheet.rows] == ["単年"]


def test_changing_the_years_keeps_values_under_their_year(window: MainWindow) -> None:
    select_no(window, "9")
    editor = window.form.value_table
    editor.last_year.setCurrentIndex(editor.last_year.findData(2025))
    editor.on_year_combo_activated()
    assert header(window)[3:9] == ["R2実績値", "R3実績値", "R4実績値", "R5実績値", "R6実績値",
                                   "R7実績値"]  # fmt: skip
    assert cell(window, 0, 3) == "5,081"
    window.actions[Action.UNDO].trigger()
    assert header(window)[-1] == "目標値(R5)" and len(header(window)) == 8


def test_switching_with_unsaved_changes_asks(window: MainWindow, answers) -> None:
    select_no(window, "9")
    title = window.form.edits["title"]
    type_text(title, "変更")
    answers.save_choice = Choice.CANCEL
    select_no(window, "10")
    assert answers.asked == ["No 9「変更刑法犯認知件数」への変更を保存しますか？"]
    assert window.session.document.sheet.no == "9"
    assert window.list_panel.current_sheet_id() == window.session.document.sheet.id

    answers.save_choice = Choice.DISCARD
    select_no(window, "10")
    assert window.session.document.sheet.no == "10"
    assert "変更" not in window.session.book.find_sheet(2020, "9").title

    type_text(window.form.edits["title"], "保存する")
    answers.save_choice = Choice.SAVE
    select_no(window, "13")
    assert window.session.document.sheet.no == "13"
    assert window.session.book.find_sheet(2020, "10").title.startswith("保存する")


def test_delete_asks_and_removes(window: MainWindow, answers) -> None:
    select_no(window, "28")
    answers.confirm_answer = False
    window.actions[Action.DELETE_SHEET].trigger()
    assert "No 28「クルーズ船寄港数」を削除しますか" in answers.asked[-1]
    assert window.session.book.find_sheet(2020, "28") is not None
    answers.confirm_answer = True
    window.actions[Action.DELETE_SHEET].trigger()
    assert window.session.book.find_sheet(2020, "28") is None
    assert "28" not in shown_nos(window)
    assert window.list_panel.count_label.text() == "14 / 14 件"
    assert window.session.document.sheet.no == "29"


def test_new_and_duplicate_sheet(window: MainWindow, monkeypatch) -> None:
    from ui.dialogs import new_sheet

    monkeypatch.setattr(
        new_sheet.NewSheetDialog, "exec", lambda self: self.on_buttons_accepted() or self.result()
    )
    window.actions[Action.NEW_SHEET].trigger()
    assert window.session.document.sheet.no == "30"
    assert window.session.document.sheet.actual_years == [2020, 2021, 2022, 2023]
    assert "30" in shown_nos(window)

    select_no(window, "9")
    window.actions[Action.DUPLICATE_SHEET].trigger()
    assert window.session.document.sheet.no == "9（コピー）"
    assert window.session.document.sheet.title == "刑法犯認知件数"
    assert window.session.book.find_sheet(2020, "9（コピー）") is not None


def test_stale_save_offers_reload(window: MainWindow, answers, demo_book: Path) -> None:
    select_no(window, "9")
    with Book.open(demo_book) as other:
        theirs = other.find_sheet(2020, "9")
        theirs.title = "相手の変更"
        other.save_sheet(theirs)
    type_text(window.form.edits["title"], "自分の変更")
    answers.choose_answer = -1
    assert not window.session.save()
    assert "別の場所で変更されています" in answers.asked[-1]
    assert window.session.book.find_sheet(2020, "9").title == "相手の変更"
    answers.choose_answer = 0
    assert window.session.save()
    assert window.form.edits["title"].text() == "相手の変更"


def test_stale_save_can_keep_mine_as_a_copy(window: MainWindow, answers, demo_book: Path) -> None:
    select_no(window, "9")
    with Book.open(demo_book) as other:
        theirs = other.find_sheet(2020, "9")
        theirs.title = "相手の変更"
        other.save_sheet(theirs)
    replace_text(window.form.edits["title"], "自分の変更")
    answers.choose_answer = 1
    assert window.session.save()
    assert window.session.book.find_sheet(2020, "9").title == "相手の変更"
    assert window.session.book.find_sheet(2020, "9（コピー）").title == "自分の変更"


def test_find_focuses_the_search_box(window: MainWindow, qtbot) -> None:
    window.activateWindow()
    window.actions[Action.FIND].trigger()
    assert QApplication.focusWidget() is window.list_panel.search_edit
    assert window.actions[Action.FIND].shortcut() == QKeySequence(QKeySequence.StandardKey.Find)


def test_standard_shortcuts(window: MainWindow) -> None:
    assert window.actions[Action.SAVE].shortcut().toString() == "Ctrl+S"
    assert window.actions[Action.NEW_SHEET].shortcut().toString() == "Ctrl+N"
    assert window.actions[Action.UNDO].shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Y" in [s.toString() for s in window.actions[Action.REDO].shortcuts()]
    assert window.actions[Action.OPEN_BOOK].shortcut().toString() == "Ctrl+O"


def test_import_text_and_export_json(window: MainWindow, answers, tmp_path: Path) -> None:
    from kpidesk.exchange import jsonio

    answers.confirm_answer = False
    assert window.exchange.import_text(SAMPLE_TEXT) == 0
    assert compare.plan_counts(answers.import_plans[-1]) == "新規 0件、変更あり 0件、変更なし 15件"
    answers.confirm_answer = True
    assert window.exchange.import_text(SAMPLE_TEXT) == 0  # nothing differs: nothing is rewritten
    assert "何も変わりませんでした" in window.statusBar().currentMessage()
    revisions = {sheet.no: sheet.revision for sheet in window.session.book.list_sheets()}
    assert set(revisions.values()) == {1}
    out = tmp_path / "out.json"
    window.list_panel.department_combo.setCurrentIndex(
        window.list_panel.department_combo.findData("港湾課")
    )
    assert window.exchange.export_json(out) == 1
    assert [sheet.no for sheet in jsonio.read_file(out)] == ["28"]
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert window.exchange.import_json(bad) == 0
    assert "JSONとして読めません" in answers.errors[-1]


def test_save_book_as_continues_in_the_copy(window: MainWindow, tmp_path: Path, demo_book) -> None:
    select_no(window, "10")
    target = tmp_path / "コピー.kpidb"
    assert window.files.save_book_as(target)
    assert window.session.book.path == target
    assert window.windowTitle() == "コピー.kpidb[*] - KPI Desk"
    assert window.session.document.sheet.no == "10"
    assert window.settings.recent_books[0] == str(target)


def test_opening_a_bad_file_keeps_the_current_book(window: MainWindow, answers, tmp_path) -> None:
    bad = tmp_path / "bad.kpidb"
    bad.write_text("not a book", encoding="utf-8")
    assert not window.session.open_book(bad)
    assert "KPI Desk のブックではありません" in answers.errors[-1]
    assert len(shown_nos(window)) == 15


def test_settings_remember_book_and_geometry(window: MainWindow, settings, demo_book) -> None:
    window.resize(1000, 700)
    window.close()
    assert settings.last_book == str(demo_book)
    assert not settings.window_geometry.isEmpty()
    assert not settings.splitter_state.isEmpty()


def test_about_lists_licences(app) -> None:
    from ui.dialogs.about import AboutDialog

    dialog = AboutDialog()
    text = dialog.text.toPlainText()
    assert "SIL Open Font License" in text and "LGPL" in text and "openpyxl" in text
    dialog.deleteLater()


def test_app_font_is_bundled_biz_ud_gothic(app) -> None:
    # The family the bundled file was registered under, which no font on the PC has.
    assert QApplication.font().family() == fonts.load_fonts() == fonts.BUNDLED_FAMILY
    assert QFontInfo(QApplication.font()).family() == fonts.BUNDLED_FAMILY


@pytest.mark.parametrize("model_name", ["list", "proxy", "values"])
def test_models_pass_the_model_tester(window: MainWindow, qtmodeltester, model_name: str) -> None:
    select_no(window, "10")
    model = {
        "list": window.list_panel.model,
        "proxy": window.list_panel.proxy,
        "values": window.form.value_table.model,
    }[model_name]
    qtmodeltester.check(model, force_py=True)


def test_cancelled_import_changes_nothing(
    window: MainWindow, answers, monkeypatch, tmp_path
) -> None:
    import contextlib

    from kpidesk.exchange import jsonio
    from ui.dialogs import progress as progress_dialog
    from ui.dialogs.progress import Cancelled

    sheets = textimport.parse(SAMPLE_TEXT.read_text(encoding="utf-8"), report_year=2021).sheets
    source = tmp_path / "r3.json"
    jsonio.write_file(sheets, source)
    calls: list[int] = []

    @contextlib.contextmanager
    def cancel_after_three(parent, label):
        def report(done: int, total: int) -> None:
            calls.append(done)
            if done == 3:
                raise Cancelled

        yield report

    answers.confirm_answer = True
    real_progress = progress_dialog.progress
    monkeypatch.setattr(progress_dialog, "progress", cancel_after_three)
    assert window.exchange.import_json(source) == 0
    assert calls == [1, 2, 3]
    assert window.session.book.report_years() == [2020]
    assert "取り消しました" in window.statusBar().currentMessage()
    monkeypatch.setattr(progress_dialog, "progress", real_progress)
    assert window.exchange.import_json(source) == 15
    assert window.session.book.report_years() == [2021, 2020]


def test_a_value_typed_in_a_cell_is_saved_without_leaving_the_cell(window: MainWindow) -> None:
    select_no(window, "9")
    table = window.form.value_table.table
    index = table.model().index(0, header(window).index("R3実績値"))
    table.setCurrentIndex(index)
    table.edit(index)
    editor = QApplication.focusWidget()
    assert editor is not table and table.viewport().isAncestorOf(editor)
    type_text(editor, "4,321")
    window.actions[Action.SAVE].trigger()  # Ctrl+S, focus still in the cell
    assert window.session.book.find_sheet(2020, "9").rows[0].actuals[1].text == "4,321"
    assert not window.isWindowModified()


def test_closing_with_a_cell_being_typed_asks_to_save(window: MainWindow, answers) -> None:
    select_no(window, "9")
    table = window.form.value_table.table
    index = table.model().index(0, 4)
    table.setCurrentIndex(index)
    table.edit(index)
    type_text(QApplication.focusWidget(), "999")
    answers.save_choice = Choice.CANCEL
    assert not window.close()
    assert answers.asked and window.isVisible()
    assert window.session.document.sheet.rows[0].actuals[1].text == "999"
    answers.save_choice = Choice.SAVE
    assert window.close()
    with Book.open(window.settings.last_book) as book:
        assert book.find_sheet(2020, "9").rows[0].actuals[1].text == "999"


def test_discard_really_throws_the_changes_away(window: MainWindow, answers, monkeypatch) -> None:
    from ui.dialogs import new_sheet

    select_no(window, "9")
    type_text(window.form.edits["title"], "捨てる")
    answers.save_choice = Choice.DISCARD
    monkeypatch.setattr(new_sheet.NewSheetDialog, "exec", lambda self: 0)  # then cancelled
    window.actions[Action.NEW_SHEET].trigger()
    assert window.form.edits["title"].text() == "刑法犯認知件数"
    assert window.session.document.sheet.title == "刑法犯認知件数"
    assert not window.isWindowModified()


def test_ctrl_z_in_a_paragraph_added_later_undoes_the_sheet(window: MainWindow, qtbot) -> None:
    select_no(window, "13")
    section = window.form.sections["efforts"]
    section.add_button.click()
    editor = section.editors[1]
    type_text(editor, "あいう")
    qtbot.keySequence(editor, QKeySequence("Ctrl+Z"))
    assert window.session.document.sheet.efforts[1] == ""
    qtbot.keySequence(section.editors[1], QKeySequence("Ctrl+Z"))
    assert len(window.session.document.sheet.efforts) == 1
    assert not window.isWindowModified()


def test_paragraph_keyboard_shortcuts(window: MainWindow, qtbot) -> None:
    select_no(window, "13")
    section = window.form.sections["direction"]
    first = section.editors[0]
    first.setFocus()
    qtbot.keyClick(first, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(window.session.document.sheet.direction) == 4
    assert QApplication.focusWidget() is section.editors[1]
    type_text(section.editors[1], "追加した段落")
    qtbot.keyClick(section.editors[1], Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert window.session.document.sheet.direction[0] == "追加した段落"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete, Qt.KeyboardModifier.AltModifier)
    assert "追加した段落" not in window.session.document.sheet.direction
    assert len(window.session.document.sheet.direction) == 3


def test_tab_runs_down_the_form(window: MainWindow, qtbot) -> None:
    select_no(window, "13")
    window.activateWindow()
    form = window.form
    form.sections["efforts"].add_button.click()
    QApplication.processEvents()  # new paragraphs are shown by the event loop
    order = []
    widget = form.edits["no"]
    widget.setFocus()
    for _ in range(40):
        order.append(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    names = [w.objectName() for w in order]
    start = names[: names.index("valueTable") + 1]
    assert start == ["no", "departments", "title", "section", "baselineYear",
                     "firstActualYear", "lastActualYear", "targetYear", "valueTable"]  # fmt: skip
    paragraphs = [name for name in names if name.startswith(("efforts_", "issues_", "direction_"))]
    assert paragraphs[:6] == ["efforts_0", "efforts_1", "issues_0", "direction_0", "direction_1",
                              "direction_2"]  # fmt: skip


def test_filtering_never_switches_the_open_sheet(window: MainWindow, answers) -> None:
    select_no(window, "9")
    type_text(window.form.edits["title"], "編集中")
    type_text(window.list_panel.search_edit, "港湾課")
    assert shown_nos(window) == ["28"]
    assert answers.asked == []
    assert window.session.document.sheet.no == "9"
    assert window.list_panel.current_sheet_id() is None
    window.list_panel.search_edit.clear()
    assert window.list_panel.current_sheet_id() == window.session.document.sheet.id
    # Choosing another sheet afterwards still asks.
    answers.save_choice = Choice.CANCEL
    select_no(window, "10")
    assert len(answers.asked) == 1 and window.session.document.sheet.no == "9"


def test_saving_a_sheet_the_filter_hides_keeps_it_open(window: MainWindow) -> None:
    panel = window.list_panel
    panel.department_combo.setCurrentIndex(panel.department_combo.findData("産業支援課"))
    select_no(window, "15")
    replace_text(window.form.edits["departments"], "企業立地課")
    assert window.session.save()
    assert window.session.document.sheet.no == "15"
    assert "15" not in shown_nos(window)
    assert window.session.book.find_sheet(2020, "15").departments == ["企業立地課"]


def test_mouse_wheel_over_a_year_chooser_does_not_change_years(window: MainWindow) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    select_no(window, "9")
    combo = window.form.value_table.last_year
    window.form.edits["title"].setFocus()
    event = QWheelEvent(
        QPointF(5, 5), QPointF(combo.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(combo, event)
    assert combo.currentData() == 2023
    assert window.session.document.sheet.actual_years == [2020, 2021, 2022, 2023]
    assert not window.isWindowModified()


def test_delete_key_clears_a_value_cell(window: MainWindow, qtbot) -> None:
    select_no(window, "9")
    table = window.form.value_table.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 3))
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert window.session.document.sheet.rows[0].actuals[0].text == ""
    window.actions[Action.UNDO].trigger()
    assert window.session.document.sheet.rows[0].actuals[0].text == "5,081"


def test_unexpected_errors_are_logged_and_shown(
    window: MainWindow, answers, private_data_dir
) -> None:
    import sys

    from ui.app import install_excepthook

    previous = sys.excepthook
    install_excepthook(window)
    try:
        try:
            raise ValueError("テスト用の失敗")
        except ValueError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = previous
    assert "予期しないエラー" in answers.errors[-1] and "テスト用の失敗" in answers.errors[-1]
    log = (private_data_dir / "kpidesk.log").read_text(encoding="utf-8")
    assert "ValueError: テスト用の失敗" in log
    assert window.session.document is not None


def test_print_preview_shows_the_same_pages_as_the_pdf(window: MainWindow, qtbot) -> None:
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    from kpidesk.printing import paint
    from ui.dialogs.scope import Scope

    sheets = window.printing.sheets_in_scope(Scope.BOOK)
    _, pdf_pages = paint.pdf_bytes(sheets, window.session.book_name())
    dialog = window.printing.preview_dialog(sheets)
    qtbot.addWidget(dialog)
    dialog.show()
    preview = dialog.findChild(QPrintPreviewWidget)
    preview.updatePreview()
    assert preview.pageCount() == pdf_pages == 15
    dialog.close()


def test_export_pdf_of_the_open_sheet_with_unsaved_edits(window: MainWindow, tmp_path) -> None:
    import pdfplumber

    from ui.dialogs.scope import Scope

    select_no(window, "9")
    replace_text(window.form.edits["title"], "未保存のKPI名")
    target = tmp_path / "no9.pdf"
    assert window.printing.export_pdf(window.printing.sheets_in_scope(Scope.CURRENT), target) == 1
    with pdfplumber.open(target) as pdf:
        assert "未保存のKPI名" in pdf.pages[0].extract_text()


def test_cancelled_pdf_export_leaves_no_file(window: MainWindow, monkeypatch, tmp_path) -> None:
    import contextlib

    from ui.dialogs import progress as progress_dialog
    from ui.dialogs.progress import Cancelled
    from ui.dialogs.scope import Scope

    @contextlib.contextmanager
    def cancel_at_page_5(parent, label):
        def report(done: int, total: int) -> None:
            if done == 5:
                raise Cancelled

        yield report

    monkeypatch.setattr(progress_dialog, "progress", cancel_at_page_5)
    out = tmp_path / "out"
    out.mkdir()
    assert (
        window.printing.export_pdf(window.printing.sheets_in_scope(Scope.BOOK), out / "all.pdf")
        == 0
    )
    assert list(out.iterdir()) == []
    assert "取り消しました" in window.statusBar().currentMessage()


def test_pdf_export_to_an_unwritable_place_says_so(window: MainWindow, answers, tmp_path) -> None:
    from ui.dialogs.scope import Scope

    out = tmp_path / "out"
    (out / "busy.pdf").mkdir(parents=True)  # like a file another program holds
    assert (
        window.printing.export_pdf(window.printing.sheets_in_scope(Scope.CURRENT), out / "busy.pdf")
        == 0
    )
    assert "PDFを書き出せませんでした" in answers.errors[-1]
    assert [p.name for p in out.iterdir()] == ["busy.pdf"]


def test_scope_dialog_offers_the_right_sheets(window: MainWindow) -> None:
    from ui.dialogs.scope import Scope

    panel = window.list_panel
    panel.table.selectAll()
    assert len(window.printing.sheets_in_scope(Scope.SELECTED)) == 15
    departments = window.printing.sheets_in_scope(Scope.DEPARTMENT, "観光振興課")
    assert [sheet.no for sheet in departments] == ["28", "29"]
    assert len(window.printing.sheets_in_scope(Scope.BOOK)) == 15


def test_import_preview_shows_changes_side_by_side(window: MainWindow, qtbot, tmp_path) -> None:
    from ui.dialogs.import_preview import ImportPreviewDialog

    sheets = window.session.book.list_sheets()
    sheets[0].efforts[0] = "取り込む側で書き直した段落"
    sheets[1].rows[0].actuals[1] = Cell("5")
    plans = compare.plan_import(sheets, window.session.book.find_sheet)
    dialog = ImportPreviewDialog(plans, "changed.json")
    qtbot.addWidget(dialog)
    items = [dialog.sheet_list.item(i).text() for i in range(dialog.sheet_list.count())]
    assert items == [
        "［変更あり］R2 No 9 刑法犯認知件数",
        "［変更あり］R2 No 10 学校情報化認定制度で「先進地域」の認定を受けた自治体数",
    ]
    assert dialog.shown_changes() == [
        ("取組状況 1段落目", window.session.book.find_sheet(2020, "9").efforts[0],
         "取り込む側で書き直した段落"),
    ]  # fmt: skip
    dialog.sheet_list.setCurrentRow(1)
    assert dialog.shown_changes() == [("市町村(累計) R3実績値", "", "5")]
    dialog.show_same.setChecked(True)
    assert dialog.sheet_list.count() == 15


def test_excel_export_and_import_through_the_window(window: MainWindow, answers, tmp_path) -> None:
    import openpyxl

    from ui.dialogs.scope import Scope

    select_no(window, "9")
    replace_text(window.form.edits["title"], "Excelで確かめるKPI名")
    target = tmp_path / "book.xlsx"
    assert window.exchange.export_xlsx(window.printing.sheets_in_scope(Scope.BOOK), target) == 15
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames[:2] == ["一覧", "No9"]
    assert "Excelで確かめるKPI名" in [
        cell.value for row in workbook["No9"].iter_rows() for cell in row
    ]
    window.session.save()

    with Book.open(window.session.book.path) as other:  # someone else changes No 9
        theirs = other.find_sheet(2020, "9")
        theirs.title = "別の人の変更"
        other.save_sheet(theirs)
    answers.confirm_answer = True
    assert window.exchange.import_xlsx(target) == 1  # only the changed sheet is written
    assert window.session.book.find_sheet(2020, "10").revision == 1
    plans = answers.import_plans[-1]
    assert compare.plan_counts(plans) == "新規 0件、変更あり 1件、変更なし 14件"
    changed = next(plan for plan in plans if plan.status is compare.Status.CHANGED)
    assert compare.Change("KPI名", "別の人の変更", "Excelで確かめるKPI名") in changed.changes
    assert window.session.book.find_sheet(2020, "9").title == "Excelで確かめるKPI名"


def test_excel_per_department_and_bad_workbooks(window: MainWindow, answers, tmp_path) -> None:
    from ui.dialogs.scope import Scope

    paths = window.exchange.export_xlsx_by_department(
        window.printing.sheets_in_scope(Scope.BOOK), tmp_path / "課"
    )
    assert "観光振興課.xlsx" in [path.name for path in paths]
    # One department's sheets: its own file only, and existing files only after asking.
    only = tmp_path / "一課"
    tourism = window.printing.sheets_in_scope(Scope.DEPARTMENT, "観光振興課")
    paths = window.exchange.export_xlsx_by_department(tourism, only, departments={"観光振興課"})
    assert [path.name for path in paths] == ["観光振興課.xlsx"]
    answers.confirm_answer = False
    assert (
        window.exchange.export_xlsx_by_department(tourism, only, departments={"観光振興課"}) == []
    )
    assert "既にあります" in answers.asked[-1]
    bad = tmp_path / "bad.xlsx"
    bad.write_text("これはExcelではありません", encoding="utf-8")
    before = window.session.book.count_sheets()
    assert window.exchange.import_xlsx(bad) == 0
    assert "取り込めません" in answers.errors[-1]
    assert window.session.book.count_sheets() == before


def test_choosing_an_excel_template(window: MainWindow, answers, tmp_path, settings) -> None:
    import openpyxl

    from kpidesk.exchange import excel_template

    broken = tmp_path / "broken.xlsx"
    workbook = openpyxl.load_workbook(excel_template.default_template_path())
    del workbook.defined_names["KPI_TITLE"]
    workbook.save(broken)
    assert not window.exchange.set_excel_template(broken)
    assert "KPI_TITLE" in answers.errors[-1]
    assert settings.excel_template == ""
    assert window.exchange.set_excel_template(excel_template.default_template_path())
    assert window.exchange.excel_template() == excel_template.default_template_path()


def test_every_menu_has_unique_access_keys(window: MainWindow) -> None:
    import re

    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        keys = [
            match.group(1)
            for action in menu.actions()
            if (match := re.search(r"&(\w)", action.text()))
        ]
        assert len(keys) == len(set(keys)), (menu.title(), keys)


def test_the_menus_say_export_one_way(window: MainWindow) -> None:
    """「PDFに書き出し」「Excelに書き出し」: every export says に, none へ (JSONへ stood out)."""
    texts = [
        action.text()
        for menu_action in window.menuBar().actions()
        for action in menu_action.menu().actions()
    ]
    exports = [text for text in texts if "書き出し" in text]
    assert len(exports) >= 5, exports
    assert [text for text in exports if "へ書き出し" in text] == []
    assert "JSONに書き出し(&E)…" in exports


def test_import_refuses_when_a_sheet_changed_after_the_preview(
    window: MainWindow, answers, monkeypatch, tmp_path
) -> None:
    from kpidesk.exchange import jsonio
    from ui.dialogs import import_preview

    sheets = window.session.book.list_sheets()
    sheets[1].title = "取り込む側のKPI名"
    source = tmp_path / "changed.json"
    jsonio.write_file(sheets, source)

    def colleague_saves_during_the_preview(parent, plans, name) -> bool:
        with Book.open(window.session.book.path) as other:
            theirs = other.find_sheet(2020, "10")
            theirs.title = "同僚の変更"
            other.save_sheet(theirs)
        return True

    monkeypatch.setattr(import_preview, "confirm_import", colleague_saves_during_the_preview)
    assert window.exchange.import_json(source) == 0
    assert "別の場所で変更されました" in answers.errors[-1]
    assert window.session.book.find_sheet(2020, "10").title == "同僚の変更"


def pdf_printer(window: MainWindow, path):
    from PySide6.QtPrintSupport import QPrinter

    printer = window.printing._printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_printing_honours_the_page_range(window: MainWindow, tmp_path) -> None:
    import pdfplumber

    from PySide6.QtPrintSupport import QPrinter

    from kpidesk.printing import fonts, layout, paint
    from ui.dialogs.scope import Scope

    pages = layout.layout_document(
        window.printing.sheets_in_scope(Scope.BOOK), paint.QtMeasure(fonts.load_fonts())
    )
    printer = pdf_printer(window, tmp_path / "printed.pdf")
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)
    assert window.printing.print_pages(pages, printer) == 2
    with pdfplumber.open(tmp_path / "printed.pdf") as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) == 2
    assert "2 / 15" in texts[0] and "教育政策課" in texts[0]
    assert "3 / 15" in texts[1] and "商工政策課" in texts[1]


def test_cancelled_printing_drops_the_job(window: MainWindow, monkeypatch, tmp_path) -> None:
    import contextlib

    from kpidesk.printing import fonts, layout, paint
    from ui.dialogs import progress as progress_dialog
    from ui.dialogs.progress import Cancelled
    from ui.dialogs.scope import Scope

    @contextlib.contextmanager
    def cancel_at_page_3(parent, label):
        def report(done: int, total: int) -> None:
            if done == 3:
                raise Cancelled

        yield report

    monkeypatch.setattr(progress_dialog, "progress", cancel_at_page_3)
    pages = layout.layout_document(
        window.printing.sheets_in_scope(Scope.BOOK), paint.QtMeasure(fonts.load_fonts())
    )
    target = tmp_path / "cancelled.pdf"
    printer = pdf_printer(window, target)
    aborted: list[bool] = []
    monkeypatch.setattr(printer, "abort", lambda: aborted.append(True) or True)
    assert window.printing.print_pages(pages, printer) == 0
    assert aborted == [True]  # a real printer drops the job
    assert not target.exists()  # printing to a file leaves nothing
    assert "取り消しました" in window.statusBar().currentMessage()


def test_letter_paper_scales_the_page_to_fit(window: MainWindow, tmp_path) -> None:
    import pdfplumber

    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize

    from kpidesk.printing import fonts, layout, paint
    from ui.dialogs.scope import Scope

    printer = pdf_printer(window, tmp_path / "letter.pdf")
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.Letter), QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )  # fmt: skip
    pages = layout.layout_document(
        window.printing.sheets_in_scope(Scope.CURRENT), paint.QtMeasure(fonts.load_fonts())
    )
    assert window.printing.print_pages(pages, printer) == 1
    with pdfplumber.open(tmp_path / "letter.pdf") as pdf:
        page = pdf.pages[0]
        assert round(page.height) == 792
        text = page.extract_text()
        assert "1 / 1" in text  # the footer is on the paper
        assert max(char["bottom"] for char in page.chars) < page.height


def test_backups_on_opening_and_importing_and_restoring(
    window: MainWindow, answers, demo_book: Path, tmp_path
) -> None:
    from kpidesk.book import backups
    from kpidesk.exchange import jsonio

    listed = backups.list_backups(demo_book)
    assert [b.reason for b in listed] == ["開いたとき"]  # taken when the window opened the book

    select_no(window, "9")
    replace_text(window.form.edits["title"], "復元で消える変更")
    window.session.save()
    sheets = window.session.book.list_sheets()
    sheets[1].title = "取り込みで変わる"
    source = tmp_path / "in.json"
    jsonio.write_file(sheets, source)
    answers.confirm_answer = True
    assert window.exchange.import_json(source) == 1
    reasons = [b.reason for b in backups.list_backups(demo_book)]
    assert reasons[0] == "取り込みの前"

    # Restore the backup taken on opening, over the book, after confirmation.
    opening = next(b for b in backups.list_backups(demo_book) if b.reason == "開いたとき")
    answers.confirm_answer = False
    assert not window.files.restore_backup_over_book(opening)
    assert window.session.book.find_sheet(2020, "9").title == "復元で消える変更"
    answers.confirm_answer = True
    assert window.files.restore_backup_over_book(opening)
    assert "置き換えますか" in answers.asked[-1]
    assert window.session.book.find_sheet(2020, "9").title == "刑法犯認知件数"
    assert window.session.book.find_sheet(2020, "10").title.startswith("学校情報化")
    assert "復元の前" in [b.reason for b in backups.list_backups(demo_book)]
    assert len(shown_nos(window)) == 15

    copy = tmp_path / "復元したブック.kpidb"
    assert window.files.restore_backup_as_copy(opening, copy)
    assert window.session.book.path == copy


def test_backup_dialog_lists_date_reason_and_count(window: MainWindow, qtbot, demo_book) -> None:
    from kpidesk.book import backups
    from ui.dialogs.backups import BackupDialog

    dialog = BackupDialog(window.session.book_name(), backups.list_backups(demo_book))
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text() == "開いたとき"
    assert dialog.table.item(0, 2).text() == "15件"
    assert dialog.chosen() is not None


def test_a_draft_is_written_within_five_seconds_and_cleared_on_save(
    window: MainWindow, qtbot
) -> None:
    from kpidesk.book import recovery

    select_no(window, "9")
    type_text(window.form.edits["title"], "書きかけ")
    qtbot.waitUntil(lambda: len(recovery.list_drafts()) == 1, timeout=5000)
    [draft] = recovery.list_drafts()
    assert draft.sheet.title == "書きかけ刑法犯認知件数"
    assert draft.book == window.session.book.path.absolute()
    window.session.save()
    assert recovery.list_drafts() == []


@needs_sigkill
def test_drafts_left_by_a_killed_program_are_offered_back(
    make_window, answers, demo_book: Path, tmp_path, private_data_dir
) -> None:
    import os
    import signal
    import subprocess
    import sys

    from kpidesk.book import recovery
    from tests.conftest import REPO

    script = tmp_path / "edit_then_die.py"
    script.write_text(
        f"""
import os, signal, sys, time
sys.path.insert(0, {str(REPO)!r})
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtWidgets import QApplication
from kpidesk.book import recovery
from kpidesk.book.store import Book
from ui.app import create_application
from ui.main_window import MainWindow
from ui.settings import Settings
app = create_application()
window = MainWindow(Settings(Path({str(tmp_path / "s.ini")!r})))
window.session.set_book(Book.open(Path({str(demo_book)!r}), create=False))
window.show()
window.form.edits["title"].setText("停電で消えるはずだった題名")
window.form.on_header_edited("title", "停電で消えるはずだった題名")
deadline = time.monotonic() + 5
while not recovery.list_drafts() and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.05)
os.kill(os.getpid(), signal.SIGKILL)
""",
        encoding="utf-8",
    )
    env = {**os.environ, "KPIDESK_DATA_DIR": str(private_data_dir)}
    result = subprocess.run([sys.executable, str(script)], env=env, timeout=120, check=False)
    assert result.returncode == -signal.SIGKILL
    with Book.open(demo_book, create=False) as book:
        assert book.find_sheet(2020, "9").title == "刑法犯認知件数"  # never saved
    assert [d.sheet.title for d in recovery.list_drafts()] == ["停電で消えるはずだった題名"]

    window = make_window(demo_book)
    answers.choose_answer = 0  # 復元する
    assert window.drafts.offer_drafts() == 1
    assert "停電で消えるはずだった題名" in answers.asked[-1]
    assert window.session.document.sheet.no == "9"
    assert window.form.edits["title"].text() == "停電で消えるはずだった題名"
    assert window.isWindowModified()
    window.actions[Action.UNDO].trigger()  # the restore is one undo step
    assert window.form.edits["title"].text() == "刑法犯認知件数"
    window.actions[Action.REDO].trigger()
    assert window.session.save()
    assert window.session.book.find_sheet(2020, "9").title == "停電で消えるはずだった題名"
    assert recovery.list_drafts() == []


def test_discarded_drafts_are_gone(window: MainWindow, answers) -> None:
    from kpidesk.book import recovery

    sheet = window.session.book.find_sheet(2020, "10")
    sheet.title = "要らない下書き"
    recovery.write_draft(window.session.book.path, sheet)
    answers.choose_answer = 1  # 破棄する
    assert window.drafts.offer_drafts() == 0
    assert recovery.list_drafts() == []
    assert window.session.book.find_sheet(2020, "10").title != "要らない下書き"


def test_a_book_someone_else_has_open_opens_read_only(
    make_window, answers, demo_book: Path, monkeypatch
) -> None:
    import json

    from kpidesk.book import lock

    holder = lock.BookLock.acquire(demo_book)
    data = json.loads(lock.lock_path(demo_book).read_text(encoding="utf-8"))
    data.update(user="yamada", computer="PC-ANOTHER")
    lock.lock_path(demo_book).write_text(json.dumps(data), encoding="utf-8")
    first = make_window(demo_book)  # the fixture opens without asking
    first.session.set_book(None)
    before = demo_book.read_bytes()

    answers.choose_answer = 0  # 読み取り専用で開く
    assert first.session.open_book(demo_book)
    assert "yamada" in answers.asked[-1] and "PC-ANOTHER" in answers.asked[-1]
    assert first.session.book.read_only
    assert first.windowTitle().startswith("見本 ブック.kpidb（読み取り専用）")
    assert not first.actions[Action.SAVE].isEnabled()
    assert first.form.edits["title"].isReadOnly()
    assert first.book_notice_bar.text.startswith("読み取り専用で開いています。")
    assert len(shown_nos(first)) == 15
    first.session.set_book(None)
    assert not first.book_notice_bar.isVisibleTo(first)
    assert demo_book.read_bytes() == before
    del holder


def test_a_stale_lock_can_be_taken_over(window: MainWindow, answers, demo_book: Path) -> None:
    import json

    from kpidesk.book import lock

    window.session.set_book(None)
    lock.lock_path(demo_book).write_text(
        json.dumps({
            "user": "crashed", "computer": lock.this_computer(), "pid": 999999,
            "since": "2026-01-01T09:00:00", "heartbeat": "2026-01-01T09:00:00",
        }),
        encoding="utf-8",
    )  # fmt: skip
    assert window.session.open_book(demo_book)
    assert "異常終了" in answers.infos[-1] and "crashed" in answers.infos[-1]
    assert not window.session.book.read_only
    assert lock.read_lock(demo_book).pid != 999999  # ours now
    window.close()
    assert lock.read_lock(demo_book) is None  # released on close
