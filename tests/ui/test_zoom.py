"""表示 → 拡大 / 縮小 / 100%: the form's and the list's text size, remembered."""

from __future__ import annotations

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.test_main_window import select_no
from ui.actions import Action
from ui.main_window import MainWindow
from ui.settings import Settings


def point_sizes(window: MainWindow) -> tuple[float, float, float]:
    """The KPI名 field's, a value cell's and the sheet list's text size."""
    return (
        window.form.edits["title"].font().pointSizeF(),
        window.form.value_table.table.font().pointSizeF(),
        window.list_panel.table.font().pointSizeF(),
    )


def test_zoom_in_and_out_change_the_form_and_the_list(window: MainWindow) -> None:
    base = QApplication.font().pointSizeF()
    assert point_sizes(window) == (base, base, base)
    title = window.form.findChild(QLabel, "formTitle")
    title_size = title.font().pointSizeF()
    window.actions[Action.ZOOM_IN].trigger()
    window.actions[Action.ZOOM_IN].trigger()
    assert point_sizes(window) == pytest.approx((base * 1.25,) * 3)
    assert title.font().pointSizeF() == pytest.approx(title_size * 1.25)
    assert window.statusBar().currentMessage() == "文字の大きさ: 125%"
    for _ in range(10):
        window.actions[Action.ZOOM_OUT].trigger()
    assert point_sizes(window) == pytest.approx((base * 0.8,) * 3)
    window.actions[Action.ZOOM_RESET].trigger()
    assert point_sizes(window) == (base, base, base)


def test_the_value_rows_grow_with_the_text(window: MainWindow) -> None:
    table = window.form.value_table.table
    height = table.height()
    for _ in range(8):
        window.actions[Action.ZOOM_IN].trigger()
    QApplication.processEvents()
    assert window.zoom.percent() == 200
    assert table.height() > height


def test_the_size_comes_back_after_a_restart(
    make_window, demo_book, settings: Settings, qtbot
) -> None:
    window = make_window(demo_book)
    base = QApplication.font().pointSizeF()
    window.actions[Action.ZOOM_IN].trigger()
    window.close()
    settings.sync()
    again = make_window(demo_book)
    assert Settings(settings.path).zoom_percent == 110
    assert point_sizes(again) == pytest.approx((base * 1.1,) * 3)


def test_zoom_shortcuts(window: MainWindow) -> None:
    zoom_in = [key.toString() for key in window.actions[Action.ZOOM_IN].shortcuts()]
    assert zoom_in == ["Ctrl++", "Ctrl+="]
    assert window.actions[Action.ZOOM_OUT].shortcut().toString() == "Ctrl+-"
    assert window.actions[Action.ZOOM_RESET].shortcut().toString() == "Ctrl+0"


def _odd_sizes(window: MainWindow, expected: float) -> list[str]:
    """Every text of the form and the list not drawn at ``expected`` points (the heading aside)."""
    from PySide6.QtWidgets import QWidget

    title = window.form.findChild(QLabel, "formTitle")
    odd = []
    for panel in (window.form, window.list_panel):
        for widget in panel.findChildren(QWidget):
            if widget is title or not widget.isVisibleTo(window):
                continue
            size = widget.font().pointSizeF()
            if abs(size - expected) > 0.01:
                name = widget.objectName() or type(widget).__name__
                text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
                odd.append(f"{name}「{text}」{size}")
    return odd


def test_100_percent_after_a_remembered_size_resets_every_text(
    make_window, demo_book, settings: Settings
) -> None:
    from tests.ui.test_main_window import select_no

    window = make_window(demo_book)
    for _ in range(2):
        window.actions[Action.ZOOM_IN].trigger()
    window.close()
    settings.sync()
    again = make_window(demo_book)
    base = QApplication.font().pointSizeF()
    select_no(again, "17")
    select_no(again, "9")
    assert _odd_sizes(again, base * 1.25) == []
    again.actions[Action.ZOOM_RESET].trigger()
    select_no(again, "17")
    assert _odd_sizes(again, base) == []
    again.actions[Action.ZOOM_IN].trigger()
    assert _odd_sizes(again, base * 1.1) == []


def test_a_wider_sheet_narrows_the_list_rather_than_hiding_the_forms_right_side(
    window: MainWindow, qtbot
) -> None:
    """No 10 (two rows, 「0市町村(0.0%)」) needs more width than No 9: choosing it after
    No 9 on a 1024-wide window narrows the list, not hides 目標値 and 評価 to the right."""
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    select_no(window, "9")
    QApplication.processEvents()
    form = window.form
    need = (
        form.widget().minimumSizeHint().width()
        + form.verticalScrollBar().sizeHint().width()
        + 2 * form.frameWidth()
    )
    total = sum(window.splitter.sizes())
    window.splitter.setSizes([total - need, need])  # No 9 just fits
    QApplication.processEvents()
    assert window.view.form_shortfall() == 0
    list_width = window.splitter.sizes()[0]
    select_no(window, "10")
    QApplication.processEvents()
    QApplication.processEvents()
    assert window.form.horizontalScrollBar().maximum() == 0
    assert window.view.form_shortfall() == 0
    assert window.splitter.sizes()[0] < list_width
    rank = window.findChild(QLabel, "eval_0_rank")
    assert rank is not None and rank.text() == "D"
    assert rank.visibleRegion().boundingRect().width() == rank.width()  # not cut at the right


def test_larger_text_narrows_the_list_rather_than_hiding_the_forms_right_side(
    window: MainWindow, qtbot
) -> None:
    from ui.controllers.view import LIST_LEAST

    window.resize(960, 700)
    window.show()
    qtbot.waitExposed(window)
    window.splitter.setSizes([330, 630])
    QApplication.processEvents()
    assert window.view.form_shortfall() == 0
    list_width = window.splitter.sizes()[0]
    window.actions[Action.ZOOM_IN].trigger()
    window.actions[Action.ZOOM_IN].trigger()
    QApplication.processEvents()
    QApplication.processEvents()
    assert window.view.form_shortfall() == 0
    assert window.form.horizontalScrollBar().maximum() == 0
    assert LIST_LEAST <= window.splitter.sizes()[0] < list_width
    # Larger still, the list stops giving way at its least width.
    for _ in range(6):
        window.actions[Action.ZOOM_IN].trigger()
    QApplication.processEvents()
    QApplication.processEvents()
    assert window.splitter.sizes()[0] == LIST_LEAST


def test_the_value_tables_headings_and_item_names_are_never_cut(window: MainWindow, qtbot) -> None:
    """At 1024 wide, and at 拡大, 「戦略策定時」 and every heading line fit their column, and
    「市町村(累計)」 stays on one line; a wide window shares the rest of the width out."""
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    select_no(window, "10")
    table = window.form.value_table.table
    header = table.horizontalHeader()

    def check() -> None:
        QApplication.processEvents()
        QApplication.processEvents()
        model = table.model()
        for column in range(model.columnCount()):
            heading = model.headerData(column, Qt.Orientation.Horizontal)
            widest = max(
                header.fontMetrics().horizontalAdvance(line) for line in heading.split("\n")
            )
            assert header.sectionSize(column) > widest, heading
        item = model.index(0, 0).data()
        assert item == "市町村(累計)"
        assert header.sectionSize(0) > table.fontMetrics().horizontalAdvance(item)
        assert window.form.horizontalScrollBar().maximum() == 0

    check()
    window.actions[Action.ZOOM_IN].trigger()
    check()
    window.actions[Action.ZOOM_OUT].trigger()
    window.resize(1600, 900)
    QApplication.processEvents()
    QApplication.processEvents()
    assert header.length() == table.viewport().width()


def test_typing_does_not_undo_a_list_the_user_widened(window: MainWindow, qtbot) -> None:
    """The list gives way when a sheet needs more room, not at every edit: a list the user
    dragged wider stays as wide while they type into the form."""
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    select_no(window, "10")
    QApplication.processEvents()
    QApplication.processEvents()
    total = sum(window.splitter.sizes())
    window.splitter.setSizes([total - 400, 400])  # the user drags the list wider
    QApplication.processEvents()
    QApplication.processEvents()
    widened = window.splitter.sizes()[0]
    assert widened == total - 400  # the drag holds, though the form is now short
    assert window.view.form_shortfall() > 0
    table = window.form.value_table.table
    model = window.form.value_table.model
    table.setFocus()
    table.setCurrentIndex(model.index(0, 4))
    qtbot.keyClicks(table, "5")  # the cell's editor opens with the first key
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    for _ in range(3):
        QApplication.processEvents()
    assert model.index(0, 4).data() == "5"
    assert window.splitter.sizes()[0] == widened
    # A sheet that needs more room than the one before still gets it.
    select_no(window, "9")
    select_no(window, "10")
    QApplication.processEvents()
    QApplication.processEvents()
    assert window.splitter.sizes()[0] < widened
