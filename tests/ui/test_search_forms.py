"""The window's search box finds sheets however their words are written."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from kpidesk.book.store import Book
from tests.kpidesk.test_search_normalisation import KATSUSHIKA_VS, written_sheets
from tests.ui.helpers import replace_text, type_text
from ui.main_window import MainWindow
from ui.sheet_list import Col


def shown(window: MainWindow) -> list[tuple[str, str, str]]:
    """(No, 担当課, KPI名) of every row the list shows."""
    proxy = window.list_panel.proxy
    return [
        tuple(proxy.index(row, column).data() for column in (Col.NO, Col.DEPARTMENTS, Col.TITLE))
        for row in range(proxy.rowCount())
    ]


def test_the_list_finds_words_written_another_way_and_shows_them_as_typed(
    make_window, tmp_path: Path
) -> None:
    path = tmp_path / "表記.kpidb"
    with Book.open(path) as book:
        book.import_sheets(written_sheets())
    window = make_window(path)
    panel = window.list_panel

    type_text(panel.search_edit, "葛飾区")
    assert shown(window) == [
        ("2", KATSUSHIKA_VS + "連携室", "パンフレットの配布部数"),
    ]
    replace_text(panel.search_edit, "ｋｐｉ")
    assert shown(window) == [
        ("3", "生活安全企画課", "ＫＰＩ達成率（Ｗｉ－Ｆｉ整備）"),
        ("4", "生活安全企画課", "KPI 123 wi-fi"),
    ]
    replace_text(panel.search_edit, "ガイドブック")
    assert [row[0] for row in shown(window)] == ["1", "4"]
    assert shown(window)[0][2] == unicodedata.normalize("NFD", "ガイドブックの配布部数")
    replace_text(panel.search_edit, "１２３")
    assert panel.count_label.text() == "2 / 7 件"
    panel.search_edit.clear()
    assert len(shown(window)) == 7
