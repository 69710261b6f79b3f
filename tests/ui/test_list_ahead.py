"""Left alone, the sheet list lays out every row's texts ahead (``LayoutAhead``).

A jump across the list then paints rows whose texts are ready, and looks
exactly as Qt draws them; a paint (the user at work) pauses the walk; new
widths, a new theme or new rows are laid out again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from PySide6.QtWidgets import QApplication

from kpidesk.book.store import Book
from tests.ui.palettes import applied, dark_palette
from tests.ui.test_list_drawing import assert_drawn_as_qt_draws, kept_texts
from ui.main_window import MainWindow
from ui.sheet_list import Col

#: Sheets in the book: many screens of the list.
SHEETS = 180


@pytest.fixture
def long_book(demo_book: Path) -> Path:
    """The sample book with its sheets copied under other numbers, to :data:`SHEETS` sheets."""
    with Book.open(demo_book) as book:
        originals = book.list_sheets()
        copy = 0
        while book.count_sheets() < SHEETS:
            sheet = originals[copy % len(originals)]
            copy += 1
            title = f"{sheet.title}{copy}"
            book.save_sheet(dataclasses.replace(sheet, id=None, no=f"{900 + copy}", title=title))
    return demo_book


@pytest.fixture
def long_window(make_window, long_book: Path) -> MainWindow:
    window = make_window(long_book)
    QApplication.processEvents()
    return window


def left_alone(qtbot, window: MainWindow) -> None:
    ahead = window.list_panel.delegate.ahead
    qtbot.waitUntil(ahead.is_done, timeout=10_000)


def jump_to_the_end(window: MainWindow) -> None:
    panel = window.list_panel
    panel.table.setCurrentIndex(panel.proxy.index(panel.proxy.rowCount() - 1, Col.NO))
    QApplication.processEvents()


def assert_ready_for_a_jump(qtbot, window: MainWindow) -> None:
    """Once left alone, a jump to the end lays out no text and draws as Qt draws."""
    left_alone(qtbot, window)
    before = kept_texts(window)
    jump_to_the_end(window)
    assert kept_texts(window) == before
    assert_drawn_as_qt_draws(window)


def test_left_alone_the_list_has_every_rows_texts_ready_for_a_jump(qtbot, long_window) -> None:
    panel = long_window.list_panel
    assert panel.proxy.rowCount() >= SHEETS - 20  # the sample's year holds most of them
    shown_at_first = kept_texts(long_window)
    left_alone(qtbot, long_window)
    assert kept_texts(long_window) > shown_at_first + 2 * panel.proxy.rowCount() // 2

    before = kept_texts(long_window)
    jump_to_the_end(long_window)
    last = panel.proxy.rowCount() - 1
    assert panel.table.rowAt(panel.table.viewport().height() - 2) == last  # scrolled there
    assert kept_texts(long_window) == before  # nothing laid out at the jump
    assert long_window.form.edits["title"].text() == panel.proxy.index(last, Col.TITLE).data()
    assert_drawn_as_qt_draws(long_window)


def test_a_list_never_left_alone_lays_out_nothing_ahead(
    qtbot, long_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = long_window.list_panel
    ahead = panel.delegate.ahead
    monkeypatch.setattr(ahead, "IDLE_MS", 1000)
    panel.table.viewport().repaint()  # the pause starts again, at its new length
    shown_at_first = kept_texts(long_window)
    for step in range(8):  # the user keeps choosing sheets in view, for longer than the pause
        panel.table.setCurrentIndex(panel.proxy.index(1 - step % 2, Col.NO))
        qtbot.wait(300)
    assert not ahead.is_done()
    # Only the first row's own texts, drawn by Qt while it was the current one.
    assert kept_texts(long_window) <= shown_at_first + len(Col)
    qtbot.waitUntil(ahead.is_done, timeout=10_000)  # then left alone
    assert kept_texts(long_window) > shown_at_first + panel.proxy.rowCount()


def test_new_column_widths_are_laid_out_again(qtbot, long_window) -> None:
    left_alone(qtbot, long_window)
    long_window.resize(1100, 768)  # KPI名 takes what is left: a narrower title column
    QApplication.processEvents()
    assert_ready_for_a_jump(qtbot, long_window)


def test_another_theme_is_laid_out_again(qtbot, long_window) -> None:
    left_alone(qtbot, long_window)
    with applied(dark_palette()):
        QApplication.processEvents()
        assert_ready_for_a_jump(qtbot, long_window)


def test_rows_found_by_a_search_are_ready_too(qtbot, long_window) -> None:
    left_alone(qtbot, long_window)
    panel = long_window.list_panel
    panel.search_edit.setText("1")
    qtbot.waitUntil(lambda: panel.proxy.rowCount() < SHEETS, timeout=5_000)
    assert_ready_for_a_jump(qtbot, long_window)


def test_under_a_style_that_draws_cells_its_own_way_nothing_is_laid_out_ahead(
    qtbot, long_window
) -> None:
    from tests.ui.test_list_drawing import _OwnCells

    table = long_window.list_panel.table
    style = _OwnCells("Fusion")
    table.setStyle(style)
    try:
        QApplication.processEvents()
        left_alone(qtbot, long_window)
        before = kept_texts(long_window)
        jump_to_the_end(long_window)
        assert kept_texts(long_window) == before
        assert before <= 3  # the check's samples: Qt draws every cell itself
    finally:
        table.setStyle(None)


def test_a_list_longer_than_the_texts_kept_never_pushes_out_what_is_shown(
    qtbot, long_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import list_delegate

    monkeypatch.setattr(list_delegate, "_KEPT_TEXTS", 300)  # fewer than the book's texts
    panel = long_window.list_panel
    panel.delegate.forget()
    panel.table.viewport().repaint()
    left_alone(qtbot, long_window)
    assert kept_texts(long_window) <= 300
    before = set(panel.delegate._texts)
    panel.table.viewport().repaint()  # what the list shows was kept: nothing laid out again
    assert set(panel.delegate._texts) == before
    assert_drawn_as_qt_draws(long_window)
