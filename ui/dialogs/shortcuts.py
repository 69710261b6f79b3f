"""ヘルプ → ショートカット一覧: every key of the window, read from where the keys are defined.

The menus' keys come from the action table (:mod:`ui.actions`), the
paragraph keys from :class:`ui.bullets.GrowingTextEdit`, so the list
cannot drift from what the keys do.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui import actions
from ui.bullets import GrowingTextEdit, key_label


class ShortcutRow(NamedTuple):
    """One line of the list: where, what and which keys."""

    place: str
    what: str
    keys: str


def _plain(text: str) -> str:
    """A menu text without its mnemonic and dots: ``上書き保存(&S)`` → ``上書き保存``."""
    return text.split("(&")[0].replace("&", "").rstrip("…")


def on_keyboard(sequence: QKeySequence) -> bool:
    """Whether a key sequence is typed on an office keyboard: letters, F1–F12, arrows and
    the like, not F13–F35 or a Help, media or 保存 key some platforms also bind."""
    if sequence.count() == 0:
        return False
    key = sequence[0].key().value
    if Qt.Key.Key_F13.value <= key <= Qt.Key.Key_F35.value:
        return False
    return key < Qt.Key.Key_Super_L.value


def shortcut_rows() -> list[ShortcutRow]:
    """Every key: the menus' actions in menu order, then the form's own keys."""
    rows = []
    for title, keys in actions.MENUS:
        for key in keys:
            if key is None:
                continue
            sequences = [sequence for sequence in actions.shortcuts(key) if on_keyboard(sequence)]
            if sequences:
                shown = " / ".join(key_label(sequence.toString()) for sequence in sequences)
                rows.append(ShortcutRow(_plain(title), _plain(actions.spec_text(key)), shown))
    for sequence, what, _, _ in GrowingTextEdit.PARAGRAPH_KEYS:
        rows.append(ShortcutRow("フォームの文章の欄", what, key_label(sequence)))
    return rows


class ShortcutsDialog(QDialog):
    """The table of :func:`shortcut_rows`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("ショートカット一覧")
        rows = shortcut_rows()
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("shortcutTable")
        self.table.setHorizontalHeaderLabels(["場所", "操作", "キー"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, line in enumerate(rows):
            for column, text in enumerate(line):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("F1 を押すと、その画面の説明を操作マニュアルで開きます。")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(640, 480)

    def rows(self) -> list[ShortcutRow]:
        """The table's lines as shown."""
        return [
            ShortcutRow(*(self.table.item(row, column).text() for column in range(3)))
            for row in range(self.table.rowCount())
        ]
