"""Reopening a book returns to the sheet, report year and filters it was left at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from PySide6.QtWidgets import QApplication

from kpidesk.book.store import Book
from tests.ui.test_main_window import select_no, shown_nos
from ui.main_window import MainWindow
from ui.settings import Settings


def choose(combo, text: str) -> None:
    combo.setCurrentIndex(combo.findText(text))
    QApplication.processEvents()


def reopen(make_window, window: MainWindow, path: Path, settings: Settings) -> MainWindow:
    window.close()
    settings.sync()
    return make_window(path)


def test_reopening_brings_back_the_sheet_and_the_filters(
    make_window, demo_book: Path, settings: Settings
) -> None:
    window = make_window(demo_book)
    panel = window.list_panel
    choose(panel.department_combo, "観光振興課")
    panel.search_edit.setText("クルーズ")
    select_no(window, "28")
    assert window.form.edits["title"].text() == "クルーズ船寄港数"

    again = reopen(make_window, window, demo_book, settings)
    panel = again.list_panel
    assert again.form.edits["no"].text() == "28"
    assert again.form.edits["title"].text() == "クルーズ船寄港数"
    assert panel.department_combo.currentText() == "観光振興課"
    assert panel.search_edit.text() == "クルーズ"
    assert shown_nos(again) == ["28"]
    assert panel.current_sheet_id() == again.session.document.sheet.id


def test_the_report_year_all_is_remembered(
    make_window, demo_book: Path, settings: Settings
) -> None:
    window = make_window(demo_book)
    choose(window.list_panel.year_combo, "（すべて）")
    select_no(window, "19")
    again = reopen(make_window, window, demo_book, settings)
    assert again.list_panel.year_combo.currentText() == "（すべて）"
    assert again.form.edits["no"].text() == "19"


def test_a_deleted_sheet_falls_back_quietly_to_the_first(
    make_window, demo_book: Path, settings: Settings, answers
) -> None:
    window = make_window(demo_book)
    choose(window.list_panel.department_combo, "観光振興課")
    select_no(window, "28")
    window.close()
    with Book.open(demo_book) as book:
        book.delete_sheet(book.find_sheet(2020, "28").id)
    again = make_window(demo_book)
    assert again.list_panel.department_combo.currentText() == "観光振興課"
    assert shown_nos(again) == ["29"]
    assert again.form.edits["no"].text() == "29"
    assert answers.errors == []


def test_each_book_keeps_its_own_place(
    make_window, demo_book: Path, settings: Settings, tmp_path: Path
) -> None:
    other_book = tmp_path / "別のブック.kpidb"
    shutil.copy(demo_book, other_book)
    window = make_window(demo_book)
    select_no(window, "20")
    window.close()
    other = make_window(other_book)
    select_no(other, "13")
    other.close()
    assert make_window(demo_book).form.edits["no"].text() == "20"
    assert make_window(other_book).form.edits["no"].text() == "13"


def test_a_sheet_the_filter_hid_comes_back_with_its_note(
    make_window, demo_book: Path, settings: Settings
) -> None:
    window = make_window(demo_book)
    select_no(window, "17")
    choose(window.list_panel.department_combo, "観光企画課")
    assert window.form.edits["no"].text() == "17"
    assert not window.list_panel.filter_notice.isHidden()

    again = reopen(make_window, window, demo_book, settings)
    panel = again.list_panel
    assert panel.department_combo.currentText() == "観光企画課"
    assert again.form.edits["no"].text() == "17"
    assert again.form.edits["title"].text() == "企業立地件数"
    assert shown_nos(again) == ["27"]
    assert not panel.filter_notice.isHidden()
    assert "表示中のシート（No 17）" in panel.filter_notice.text


DAMAGED_VIEWS = {
    "a list": '{"a": 1}, "b"',
    "deep JSON": '"' + "[" * 100_000 + '"',
    "a byte array": "@ByteArray(abc)",
    "a size": "@Size(10 20)",
    "a huge year": '"{\\"BOOK\\": {\\"year\\": 1' + "0" * 40 + ', \\"sheet\\": \\"x\\"}}"',
}


@pytest.mark.parametrize("damage", DAMAGED_VIEWS)
def test_a_damaged_place_in_the_settings_opens_the_first_sheet(
    make_window, demo_book: Path, settings: Settings, answers, damage: str
) -> None:
    settings.sync()
    text = DAMAGED_VIEWS[damage].replace("BOOK", str(demo_book).replace("\\\\", "\\\\\\\\"))
    settings.path.write_text(f"[books]\nviews={text}\n", encoding="utf-8")
    settings.qsettings.sync()
    window = make_window(demo_book)
    assert window.form.edits["no"].text() == shown_nos(window)[0]
    assert answers.errors == []


def test_the_place_is_written_once_a_moment_after_the_typing_stops(
    make_window, demo_book: Path, settings: Settings
) -> None:
    """Each keystroke of a search does not write the settings file (slow on a
    share or under an antivirus); the place is written once, a moment later."""
    window = make_window(demo_book)
    box = window.list_panel.search_edit
    for end in range(1, len("クルーズ") + 1):
        box.setText("クルーズ"[:end])
        QApplication.processEvents()
    assert "クルーズ" not in Settings(settings.path).book_views
    timer = window.last_view._write_timer
    assert timer.isActive()
    timer.timeout.emit()  # the moment has passed
    assert "クルーズ" in Settings(settings.path).book_views


def test_the_place_is_written_when_the_program_ends_without_closing_its_window(
    make_window, demo_book: Path, settings: Settings
) -> None:
    """Windows ends a program at log-off without closing its window."""
    window = make_window(demo_book)
    window.list_panel.search_edit.setText("クルーズ")
    QApplication.processEvents()
    QApplication.instance().aboutToQuit.emit()
    assert "クルーズ" in Settings(settings.path).book_views
