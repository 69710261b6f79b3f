"""The list's filter: what it keeps of the selection, the sort and the rows while narrowing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kpidesk.model import ListEntry
from tests.ui.helpers import replace_text, type_text
from ui.main_window import MainWindow
from ui.sheet_list import Col, EntryRole


def shown(window: MainWindow) -> list[ListEntry]:
    proxy = window.list_panel.proxy
    return [proxy.index(row, 0).data(EntryRole) for row in range(proxy.rowCount())]


def selected_nos(window: MainWindow) -> list[str]:
    panel = window.list_panel
    return sorted((panel.proxy.index(index.row(), Col.NO).data() for index in
                   panel.table.selectionModel().selectedRows()), key=int)  # fmt: skip


def test_narrowing_keeps_the_selected_rows_still_shown(window: MainWindow) -> None:
    panel = window.list_panel
    panel.table.selectAll()
    QApplication.processEvents()
    assert len(selected_nos(window)) == 15

    type_text(panel.search_edit, "数")  # the open sheet, 刑法犯認知件数, among them
    nos = [entry.no for entry in shown(window)]
    assert 1 < len(nos) < 15
    assert selected_nos(window) == sorted(nos, key=int)
    assert panel.count_label.text() == f"{len(nos)} / 15 件"

    panel.search_edit.clear()
    assert len(shown(window)) == 15
    assert selected_nos(window) == sorted(nos, key=int)  # hidden rows came back unselected
    # The open sheet stayed open and current throughout.
    assert window.form.edits["title"].text() == "刑法犯認知件数"
    assert panel.current_sheet_id() == window.session.document.sheet.id


def test_sorting_a_narrowed_list_keeps_it_narrowed(window: MainWindow) -> None:
    panel = window.list_panel
    type_text(panel.search_edit, "年")
    before = {entry.id for entry in shown(window)}
    assert 1 < len(before) < 15

    panel.table.sortByColumn(Col.TITLE, Qt.SortOrder.DescendingOrder)
    QApplication.processEvents()
    titles = [entry.title for entry in shown(window)]
    assert {entry.id for entry in shown(window)} == before
    assert titles == sorted(titles, reverse=True)

    panel.table.sortByColumn(Col.NO, Qt.SortOrder.AscendingOrder)
    QApplication.processEvents()
    assert [int(entry.no) for entry in shown(window)] == sorted(
        int(entry.no) for entry in shown(window)
    )


def test_a_sheet_saved_with_the_searched_word_joins_the_narrowed_list(
    window: MainWindow,
) -> None:
    panel = window.list_panel
    type_text(panel.search_edit, "ゑ")
    assert shown(window) == []
    assert "表示中のシート No 9" in panel.filter_notice.text

    replace_text(window.form.edits["title"], "ゑびすの認知件数")
    assert window.session.save()
    QApplication.processEvents()

    assert [entry.no for entry in shown(window)] == ["9"]
    assert panel.proxy.index(0, Col.TITLE).data() == "ゑびすの認知件数"
    assert panel.current_sheet_id() == window.session.document.sheet.id
    assert panel.filter_notice.text == ""
