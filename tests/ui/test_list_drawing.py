"""The sheet list draws its cells from text laid out once, and looks exactly as Qt draws it.

Each test grabs the list as the user sees it and compares it, pixel for
pixel, with the same list drawn by Qt's own item drawing
(``QStyledItemDelegate``): in the light and dark themes, larger text, with
a row selected, and under a style that draws cells its own way (where the
list must fall back to Qt's drawing).
"""

from __future__ import annotations

import pytest

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyledItemDelegate,
    QStyleOption,
)

from tests.ui.palettes import applied, dark_palette
from tests.ui.test_main_window import select_no
from ui.actions import Action
from ui.main_window import MainWindow
from ui.sheet_list import Col


def shown(window: MainWindow) -> QImage:
    QApplication.processEvents()
    return window.list_panel.table.viewport().grab().toImage()


def drawn_by_qt(window: MainWindow) -> QImage:
    """The list as Qt's own item drawing shows it."""
    table = window.list_panel.table
    ours = table.itemDelegate()
    plain = QStyledItemDelegate(table)
    table.setItemDelegate(plain)
    try:
        return shown(window)
    finally:
        table.setItemDelegate(ours)


def kept_texts(window: MainWindow) -> int:
    return len(window.list_panel.delegate._texts)


def assert_drawn_as_qt_draws(window: MainWindow) -> None:
    ours = shown(window)
    assert ours == drawn_by_qt(window)
    assert shown(window) == ours  # and the list is drawn as before afterwards


def test_the_list_looks_as_qt_draws_it(window: MainWindow) -> None:
    select_no(window, "14")
    assert_drawn_as_qt_draws(window)
    assert kept_texts(window) > 50  # its texts were laid out once and kept


def test_the_list_looks_as_qt_draws_it_with_larger_text(window: MainWindow) -> None:
    for _ in range(3):
        window.actions[Action.ZOOM_IN].trigger()
    assert_drawn_as_qt_draws(window)


def test_the_list_looks_as_qt_draws_it_in_the_dark_theme(window: MainWindow) -> None:
    shown(window)
    with applied(dark_palette()):
        assert_drawn_as_qt_draws(window)


@pytest.mark.parametrize("width", [1024, 1600])
def test_the_list_looks_as_qt_draws_it_at_another_width(window: MainWindow, width: int) -> None:
    window.resize(width, 768)
    assert_drawn_as_qt_draws(window)


class _OwnCells(QProxyStyle):
    """A style that draws a list cell's background its own way (as Windows' styles do)."""

    def drawPrimitive(self, element, option: QStyleOption, painter, widget=None) -> None:
        if element == QStyle.PrimitiveElement.PE_PanelItemViewItem:
            painter.fillRect(option.rect.adjusted(1, 1, -1, -1), "#fff0f0")
        super().drawPrimitive(element, option, painter, widget)


def test_under_a_style_that_draws_cells_its_own_way_qt_draws_them(window: MainWindow) -> None:
    table = window.list_panel.table
    style = _OwnCells("Fusion")
    table.setStyle(style)
    try:
        ours = shown(window)
        assert ours == drawn_by_qt(window)
        cell = table.visualRect(window.list_panel.proxy.index(1, 0))  # an unselected row
        corner = cell.topRight() + QPoint(-3, 3)
        ratio = ours.devicePixelRatio()
        seen = ours.pixelColor(int(corner.x() * ratio), int(corner.y() * ratio))
        assert seen.name() == "#fff0f0"  # the style's own cells, seen
    finally:
        table.setStyle(None)


@pytest.mark.parametrize("title", ["区切り\tタブ", "一行目\n二行目", "段落\u2029区切り"])
def test_a_title_with_a_tab_or_a_line_break_looks_as_qt_draws_it(
    make_window, demo_book, title: str
) -> None:
    from kpidesk.book.store import Book

    with Book.open(demo_book) as book:
        sheet = book.find_sheet(2020, "10")
        sheet.title = title
        book.save_sheet(sheet)
    window = make_window(demo_book)
    select_no(window, "14")
    titles = [
        window.list_panel.proxy.index(row, Col.TITLE).data()
        for row in range(window.list_panel.proxy.rowCount())
    ]
    assert any(shown.startswith(title[:2]) for shown in titles)  # No 10 is in view
    assert_drawn_as_qt_draws(window)


def test_choosing_sheets_leaves_the_header_alone_and_a_click_on_it_still_sorts(
    window: MainWindow,
) -> None:
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtTest import QTest

    from tests.ui.test_main_window import shown_nos

    table = window.list_panel.table
    header = table.horizontalHeader()

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    paints = Paints()
    header.viewport().installEventFilter(paints)
    table.setFocus()
    QApplication.processEvents()
    for _ in range(5):
        down = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(table, down)
        QApplication.processEvents()
    assert table.currentIndex().row() == 5
    assert Paints.count == 0  # the header shows nothing of the row chosen

    first = shown_nos(window)[0]
    middle = QPoint(header.sectionViewportPosition(Col.NO) + 10, header.height() // 2)
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    QApplication.processEvents()
    assert shown_nos(window)[-1] == first  # No, the other way round
