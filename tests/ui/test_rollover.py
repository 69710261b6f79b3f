"""The yearly roll-over and the year locks, driven through the window."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kpidesk.book import backups
from kpidesk.book.store import Book
from kpidesk.exchange import jsonio
from tests.ui.helpers import type_text
from tests.ui.test_main_window import select_no, shown_nos
from ui.actions import Action
from ui.dialogs.rollover import RolloverDialog
from ui.main_window import MainWindow

SAMPLE_NOS = [
    "9",
    "10",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "20",
    "25",
    "26",
    "27",
    "28",
    "29",
]
LOCKED_2020 = "令和2年度の報告はロックされているため変更できません"


def show_year(window: MainWindow, year: int | None) -> None:
    """Choose a report year in the list's filter, as the user does."""
    combo = window.list_panel.year_combo
    combo.setCurrentIndex(combo.findData(year))
    QApplication.processEvents()


def open_sheet(window: MainWindow, year: int, no: str) -> None:
    show_year(window, year)
    select_no_of_year(window, year, no)


def select_no_of_year(window: MainWindow, year: int, no: str) -> None:
    sheet_id = window.session.book.find_sheet(year, no).id
    assert window.list_panel.select_sheet(sheet_id)
    QApplication.processEvents()
    assert window.session.document.sheet.key == (year, no)


class Dialogs:
    """The roll-over dialogs the window shows, answered as a test says.

    Attributes:
        shown: every dialog shown, in order.
        years: (from, to) to choose before answering; None keeps the defaults.
        press_ok: press 年度更新する (when it is enabled) rather than キャンセル.
    """

    def __init__(self) -> None:
        self.shown: list[RolloverDialog] = []
        self.years: tuple[int, int] | None = None
        self.press_ok = True


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    recorded = Dialogs()

    def answer(dialog: RolloverDialog) -> int:
        recorded.shown.append(dialog)
        if recorded.years is not None:
            source, target = recorded.years
            dialog.from_combo.setCurrentIndex(dialog.from_combo.findData(source))
            dialog.to_combo.setCurrentIndex(dialog.to_combo.findData(target))
        if recorded.press_ok and dialog.ok_button.isEnabled():
            dialog.ok_button.click()
        else:
            dialog.reject()
        return dialog.result()

    monkeypatch.setattr(RolloverDialog, "exec", answer)
    return recorded


@pytest.fixture
def rolled(window: MainWindow) -> MainWindow:
    """The sample book rolled over from 2020 to 2021 in the window."""
    assert window.years.rollover(2020, 2021) == 15
    return window


def test_rollover_from_the_window_shows_the_new_year(
    window: MainWindow, dialogs: Dialogs, demo_book: Path
) -> None:
    select_no(window, "17")
    assert window.actions[Action.ROLLOVER].isEnabled()
    window.actions[Action.ROLLOVER].trigger()
    dialog = dialogs.shown[-1]
    assert (dialog.from_year(), dialog.to_year()) == (2020, 2021)
    assert dialog.from_combo.currentText() == "令和2年度（2020）・15シート"
    assert dialog.summary_label.text().startswith(
        "令和2年度の15シートをもとに、令和3年度のシートを15件作ります。"
    )
    assert "令和2年度の報告はロックされ" in dialog.summary_label.text()

    assert window.list_panel.report_year() == 2021
    assert window.list_panel.year_combo.currentText() == "R3（2021）"
    assert shown_nos(window) == SAMPLE_NOS
    assert window.list_panel.count_label.text() == "15 / 30 件"
    # The sheet that was open is open again, as the new year's copy, and can be edited.
    assert window.session.document.sheet.key == (2021, "17")
    assert not window.year_lock_bar.isVisible()
    assert not window.form.edits["title"].isReadOnly()
    assert window.session.book.locked_years() == {2020}
    assert "令和2年度の15シートから令和3年度のシートを作り" in window.statusBar().currentMessage()
    assert [backup.reason for backup in backups.list_backups(demo_book)] == [
        "年度更新の前",
        "開いたとき",
    ]
    # The newest year is offered next; a second roll-over onto 2021 cannot be chosen.
    dialogs.press_ok = False
    window.actions[Action.ROLLOVER].trigger()
    dialog = dialogs.shown[-1]
    assert (dialog.from_year(), dialog.to_year()) == (2021, 2022)
    dialog.from_combo.setCurrentIndex(dialog.from_combo.findData(2020))
    assert not dialog.ok_button.isEnabled()
    assert dialog.error_label.text().endswith(
        "できません。\nNo 9、No 10、No 13、No 14、No 15、No 16、No 17、No 18、No 19、No 20 ほか5件"
    )
    assert window.session.book.report_years() == [2021, 2020]


def test_rollover_to_a_later_year_chosen_in_the_dialog(
    window: MainWindow, dialogs: Dialogs
) -> None:
    dialogs.years = (2020, 2024)
    window.actions[Action.ROLLOVER].trigger()
    assert window.list_panel.report_year() == 2024
    assert len(shown_nos(window)) == 15
    assert window.session.document.sheet.key == (2024, "9")
    assert window.session.document.sheet.actual_years[-1] == 2024
    assert (
        window.form.value_table.model.headerData(
            window.form.value_table.model.columnCount() - 2, Qt.Orientation.Horizontal
        ).replace("\n", "")
        == "R6実績値"
    )


def test_a_locked_year_opens_read_only_under_a_banner(rolled: MainWindow, qtbot) -> None:
    window = rolled
    open_sheet(window, 2020, "9")
    bar = window.year_lock_bar
    assert bar.isVisible()
    assert bar.text == "令和2年度の報告はロックされています（年度更新済み）。"
    assert bar.unlock_button.isVisible()
    assert bar.y() < window.form.y()  # above the form

    # Typing and pasting change nothing: header, value cells, paragraphs. No input
    # method reaches a read-only field (Qt turns it off), so Japanese cannot either.
    QApplication.clipboard().setText("貼り付け")
    title = window.form.edits["title"]
    paragraph = window.form.sections["efforts"].editors[0]
    before = paragraph.toPlainText()
    for field in (title, paragraph):
        assert field.isReadOnly()
        assert not field.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)
        field.setFocus()
        qtbot.keyClicks(field, "abc")
        qtbot.keyClick(field, Qt.Key.Key_Backspace)
        qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert title.text() == "刑法犯認知件数"
    assert paragraph.toPlainText() == before
    table = window.form.value_table.table
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 2))
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    qtbot.keyClicks(table, "123")
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    assert table.state() != table.State.EditingState
    assert window.session.document.sheet == window.session.book.find_sheet(2020, "9")
    assert not window.session.document.is_modified()
    assert not window.form.sections["efforts"].add_button.isEnabled()
    assert not window.form.value_table.add_row_button.isEnabled()
    # Nothing that would change it is offered.
    for key in (Action.SAVE, Action.DELETE_SHEET, Action.LOCK_YEAR, Action.UNDO):
        assert not window.actions[key].isEnabled(), key
    assert window.actions[Action.UNLOCK_YEAR].isEnabled()

    # The new year's sheets are not locked.
    select_no_of_year(window, 2020, "10")
    show_year(window, 2021)
    select_no_of_year(window, 2021, "10")
    assert not bar.isVisible()
    assert not window.form.edits["title"].isReadOnly()
    assert window.actions[Action.SAVE].isEnabled()


def test_unlocking_from_the_banner_makes_the_form_editable(
    rolled: MainWindow, answers, qtbot, demo_book: Path
) -> None:
    window = rolled
    open_sheet(window, 2020, "9")
    bar = window.year_lock_bar
    answers.confirm_answer = False
    qtbot.mouseClick(bar.unlock_button, Qt.MouseButton.LeftButton)
    assert "令和2年度の報告のロックを解除しますか" in answers.asked[-1]
    assert bar.isVisible() and window.form.edits["title"].isReadOnly()
    assert window.session.book.locked_years() == {2020}

    answers.confirm_answer = True
    qtbot.mouseClick(bar.unlock_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    title = window.form.edits["title"]
    assert not title.isReadOnly()
    assert window.session.book.locked_years() == set()
    title.end(False)
    type_text(title, "（改）")
    assert window.session.document.sheet.title == "刑法犯認知件数（改）"
    assert window.actions[Action.SAVE].isEnabled()
    window.actions[Action.SAVE].trigger()
    assert not window.isWindowModified()
    with Book.open(demo_book, create=False, read_only=True) as other:
        assert other.find_sheet(2020, "9").title == "刑法犯認知件数（改）"
        assert other.find_sheet(2021, "9").title == "刑法犯認知件数"


def test_lock_year_asks_and_locks_the_shown_year(window: MainWindow, answers) -> None:
    select_no(window, "13")
    assert window.actions[Action.LOCK_YEAR].isEnabled()
    assert not window.actions[Action.UNLOCK_YEAR].isEnabled()
    answers.confirm_answer = False
    window.actions[Action.LOCK_YEAR].trigger()
    assert "令和2年度の報告をロックしますか" in answers.asked[-1]
    assert window.session.book.locked_years() == set()
    assert not window.year_lock_bar.isVisible()

    answers.confirm_answer = True
    window.actions[Action.LOCK_YEAR].trigger()
    assert window.session.book.locked_years() == {2020}
    assert window.year_lock_bar.isVisible()
    assert window.year_lock_bar.text == "令和2年度の報告はロックされています。"
    assert window.form.edits["title"].isReadOnly()
    assert not window.actions[Action.LOCK_YEAR].isEnabled()
    assert not window.actions[Action.SAVE].isEnabled()

    window.actions[Action.UNLOCK_YEAR].trigger()  # the menu's way, for the shown year
    assert "令和2年度の報告のロックを解除しますか" in answers.asked[-1]
    assert window.session.book.locked_years() == set()
    assert not window.form.edits["title"].isReadOnly()


def test_unlock_asks_which_year_when_the_shown_one_is_not_locked(
    rolled: MainWindow, answers
) -> None:
    window = rolled
    window.session.book.lock_year(2015)
    window.session.open_sheet(window.session.book.find_sheet(2021, "9").id)
    answers.choose_answer = 1
    answers.confirm_answer = True
    window.actions[Action.UNLOCK_YEAR].trigger()
    assert answers.asked[-2] == "ロックを解除する報告年度を選んでください。"
    assert "平成27年度の報告のロックを解除しますか" in answers.asked[-1]
    assert window.session.book.locked_years() == {2020}


def test_unsaved_edits_survive_a_lock_made_elsewhere(
    window: MainWindow, answers, demo_book: Path
) -> None:
    select_no(window, "9")
    window.form.edits["title"].end(False)
    type_text(window.form.edits["title"], "（編集中）")
    with Book.open(demo_book, create=False) as other:  # another PC locks 2020 meanwhile
        other.lock_year(2020)
    window.actions[Action.SAVE].trigger()
    assert LOCKED_2020 in answers.errors[-1]
    assert window.session.document.sheet.title == "刑法犯認知件数（編集中）"
    assert window.isWindowModified()
    assert window.year_lock_bar.isVisible()
    assert window.form.edits["title"].isReadOnly()
    assert not window.actions[Action.SAVE].isEnabled()

    answers.confirm_answer = True
    window.year_lock_bar.unlock_button.click()
    assert window.actions[Action.SAVE].isEnabled()
    window.actions[Action.SAVE].trigger()
    assert window.session.book.find_sheet(2020, "9").title == "刑法犯認知件数（編集中）"


def test_delete_and_import_on_a_locked_year_are_refused(
    rolled: MainWindow, answers, tmp_path: Path
) -> None:
    window = rolled
    open_sheet(window, 2020, "28")
    answers.confirm_answer = True
    window.sheets.delete_sheet()  # the action is off; the book refuses it too
    assert LOCKED_2020 in answers.errors[-1]
    assert window.session.book.find_sheet(2020, "28") is not None
    assert window.session.document.sheet.key == (2020, "28")

    changed = dataclasses.replace(
        window.session.book.find_sheet(2020, "28"), title="取り込みで変更"
    )
    source = tmp_path / "changed.json"
    source.write_text(jsonio.dumps([changed]), encoding="utf-8")
    previews = len(answers.import_plans)
    backups_before = len(backups.list_backups(window.session.book.path))
    assert window.exchange.import_json(source) == 0
    assert "取り込めません" in answers.errors[-1] and LOCKED_2020 in answers.errors[-1]
    assert window.session.book.find_sheet(2020, "28").title == "クルーズ船寄港数"
    # Refused before the preview, and before any backup is taken.
    assert len(answers.import_plans) == previews
    assert len(backups.list_backups(window.session.book.path)) == backups_before


def test_a_read_only_book_shows_the_banner_without_the_button(
    rolled: MainWindow, demo_book: Path
) -> None:
    window = rolled
    window.session.set_book(Book.open(demo_book, create=False, read_only=True))
    open_sheet(window, 2020, "9")
    assert window.year_lock_bar.isVisible()
    assert not window.year_lock_bar.unlock_button.isVisible()
    for key in (Action.ROLLOVER, Action.LOCK_YEAR, Action.UNLOCK_YEAR):
        assert not window.actions[key].isEnabled(), key


def test_the_dialog_refuses_a_year_that_has_the_nos_or_is_locked(app) -> None:
    dialog = RolloverDialog(
        {2020: ["9", "10", "17"], 2021: ["17", "9"], 2019: ["1"]}, locked={2022}
    )
    assert [dialog.from_combo.itemData(i) for i in range(dialog.from_combo.count())] == [
        2021,
        2020,
        2019,
    ]
    assert dialog.from_year() == 2021  # the newest by default
    dialog.from_combo.setCurrentIndex(dialog.from_combo.findData(2020))
    assert dialog.to_year() == 2021
    assert dialog.clashes() == ["9", "17"]
    assert dialog.error_label.text() == (
        "令和3年度には既に同じ No のシートがあるため、年度更新できません。\nNo 9、No 17"
    )
    assert dialog.error_label.isVisibleTo(dialog)
    assert not dialog.ok_button.isEnabled()
    dialog.to_combo.setCurrentIndex(dialog.to_combo.findData(2022))
    assert "ロックされているため" in dialog.error_label.text()
    assert not dialog.ok_button.isEnabled()
    dialog.to_combo.setCurrentIndex(dialog.to_combo.findData(2023))
    assert dialog.error_label.text() == ""
    assert not dialog.error_label.isVisibleTo(dialog)
    assert dialog.ok_button.isEnabled()
    assert dialog.sheet_count() == 3
    dialog.from_combo.setCurrentIndex(dialog.from_combo.findData(2019))
    assert dialog.to_year() == 2020  # the year after the new source
    assert [dialog.to_combo.itemData(i) for i in range(dialog.to_combo.count())] == list(
        range(2020, 2025)
    )
    dialog.deleteLater()


def test_the_year_filter_marks_locked_years(window: MainWindow, answers) -> None:
    answers.confirm_answer = True
    combo = window.list_panel.year_combo
    assert combo.currentText() == "R2（2020）"
    assert window.years.lock_year(2020)
    assert combo.currentText() == "R2（2020） ロック中"
    assert window.years.unlock_year(2020)
    assert combo.currentText() == "R2（2020）"


def test_the_dialog_warns_before_rolling_past_the_target_year(window: MainWindow) -> None:
    nos = {2020: [s.no for s in window.session.book.list_entries(report_year=2020)]}
    dialog = RolloverDialog(nos, warnings=window.years.rollover_warnings)
    assert dialog.warning_label.isHidden()  # 2020 -> 2021: nothing unusual
    dialog.to_combo.setCurrentIndex(dialog.to_combo.findData(2024))
    assert not dialog.warning_label.isHidden()
    assert "目標年度を過ぎた" in dialog.warning_label.text()
    assert dialog.ok_button.isEnabled()  # a warning, not a refusal


def test_a_new_sheet_goes_into_a_year_that_can_be_changed(
    rolled: MainWindow, answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.dialogs import new_sheet

    monkeypatch.setattr(
        new_sheet.NewSheetDialog, "exec", lambda self: self.on_buttons_accepted() or self.result()
    )
    show_year(rolled, 2020)  # the locked year is shown
    rolled.actions[Action.NEW_SHEET].trigger()
    assert rolled.session.document.sheet.report_year == 2021
    assert rolled.session.book.find_sheet(2021, rolled.session.document.sheet.no) is not None
    assert not answers.errors


def test_the_whole_book_prints_one_year_after_another(rolled: MainWindow) -> None:
    from ui.dialogs.scope import Scope

    sheets = rolled.printing.sheets_in_scope(Scope.BOOK)
    years = [sheet.report_year for sheet in sheets]
    assert years == sorted(years) and len(sheets) == 30
    assert [sheet.no for sheet in sheets[:3]] == ["9", "10", "13"]


def test_the_edit_menu_cannot_paste_or_cut_into_a_locked_year(
    rolled: MainWindow, monkeypatch
) -> None:
    from ui.actions import Action

    window = rolled
    open_sheet(window, 2020, "9")
    QApplication.clipboard().setText("貼り付け")
    paragraph = window.form.sections["efforts"].editors[0]
    before = paragraph.toPlainText()
    for field in (window.form.edits["title"], paragraph):
        # The menu acts on the focused field (offscreen, a window is not always active).
        monkeypatch.setattr(QApplication, "focusWidget", staticmethod(lambda f=field: f))
        window.actions[Action.PASTE].trigger()
        assert window.statusBar().currentMessage() == "この欄は変更できないため、貼り付けられません"
        window.actions[Action.SELECT_ALL].trigger()
        window.actions[Action.CUT].trigger()
    assert window.form.edits["title"].text() == "刑法犯認知件数"
    assert paragraph.toPlainText() == before
    assert QApplication.clipboard().text() == before  # the cut only copied
