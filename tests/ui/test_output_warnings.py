"""Warnings before bad output from the window: saving values that are not understood."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QDialog

from tests.ui.helpers import replace_text
from tests.ui.test_main_window import header, select_no
from ui.actions import Action
from ui.dialogs.new_sheet import NewSheetDialog
from ui.main_window import MainWindow


def put(window: MainWindow, column: str, text: str) -> None:
    model = window.form.value_table.model
    assert model.setData(model.index(0, header(window).index(column)), text)


def test_saving_values_not_understood_asks_once_naming_the_cells(
    window: MainWindow, answers
) -> None:
    select_no(window, "15")
    put(window, "R3実績値", "abc")
    put(window, "R4実績値", "=1+1")
    put(window, "R5実績値", "12a")

    answers.proceed_answer = False  # 戻って直す
    window.actions[Action.SAVE].trigger()
    [question] = answers.asked
    assert "「R3実績値（単年）: abc」" in question
    assert "「R4実績値（単年）: =1+1」" in question
    assert "「R5実績値（単年）: 12a」" in question
    assert question.endswith("[保存する / 戻って直す]")
    assert window.isWindowModified()
    assert window.session.book.find_sheet(2020, "15").rows[0].actuals[2].text == ""

    answers.proceed_answer = True  # 保存する
    window.actions[Action.SAVE].trigger()
    assert len(answers.asked) == 2
    assert not window.isWindowModified()
    assert window.session.book.find_sheet(2020, "15").rows[0].actuals[2].text == "abc"

    # The same cells again: not asked a second time.
    replace_text(window.form.edits["title"], "別の名前")
    window.actions[Action.SAVE].trigger()
    assert len(answers.asked) == 2
    assert window.session.book.find_sheet(2020, "15").title == "別の名前"

    # A new value not understood is asked about, naming only what is there.
    put(window, "R3実績値", "4,5,6")
    window.actions[Action.SAVE].trigger()
    assert len(answers.asked) == 3
    assert "「R3実績値（単年）: 4,5,6」" in answers.asked[-1]


def test_saving_good_values_asks_nothing(window: MainWindow, answers) -> None:
    select_no(window, "15")
    put(window, "R3実績値", "１２３")
    put(window, "R4実績値", "集計中")
    window.actions[Action.SAVE].trigger()
    assert answers.asked == []
    assert not window.isWindowModified()


def test_a_new_no_without_a_number_is_said_before_it_is_kept(qtbot) -> None:
    dialog = NewSheetDialog(lambda year, no: False)
    qtbot.addWidget(dialog)
    dialog.no_edit.setText("abc")
    dialog.on_buttons_accepted()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "No「abc」に数字がありません" in dialog.error_label.text()
    assert "もう一度 OK" in dialog.error_label.text()
    dialog.on_buttons_accepted()  # OK again: the No is kept as typed
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.no() == "abc"


def test_numbered_nos_are_taken_at_once(qtbot) -> None:
    for no in ("9", "10-2", "１０(1)", "No.12"):
        dialog = NewSheetDialog(lambda year, no: False)
        qtbot.addWidget(dialog)
        dialog.no_edit.setText(no)
        dialog.on_buttons_accepted()
        assert dialog.result() == QDialog.DialogCode.Accepted, no
        assert dialog.error_label.text() == ""


def test_an_excel_export_that_would_cut_a_box_asks_first(
    window: MainWindow, answers, tmp_path
) -> None:
    book = window.session.book
    sheet = book.find_sheet(2020, "9")
    long = dataclasses.replace(
        sheet, efforts=["観光客の誘致に向けてプロモーションを実施した。" * 90]
    )
    book.save_sheet(long)
    path = tmp_path / "out.xlsx"
    answers.proceed_answer = False  # やめる
    assert window.exchange.export_xlsx([long], path) == 0
    assert not path.exists()
    [question] = answers.asked
    assert "2020年度 No 9 の取組状況" in question
    assert question.endswith("[続ける / やめる]")
    assert window.exchange.export_xlsx_by_department([long], tmp_path / "課") == []
    assert not (tmp_path / "課").exists()
    answers.proceed_answer = True  # 続ける
    assert window.exchange.export_xlsx([long], path) == 1
    assert path.exists()
    # The message after the export still says what was cut.
    from PySide6.QtWidgets import QMessageBox

    [done] = [b for b in window.findChildren(QMessageBox, "writtenMessage") if b.isVisible()]
    assert done.text().endswith("（1か所の欄は、Excelでは途中までしか表示されません）")
