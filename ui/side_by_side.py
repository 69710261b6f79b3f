"""Two states of a sheet side by side, one line per field (the import preview and the history)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from kpidesk.compare import Change
from ui import colours

#: The mark before a changed line's place, so it shows in greyscale too.
CHANGED_MARK = "◆"


class SideBySideTable(QTableWidget):
    """場所 | one state | the other: each field's two texts in full, wrapped.

    With ``mark``, a changed line gets :data:`CHANGED_MARK` before its place
    and the 変更あり tint (:attr:`ui.colours.Mark.CHANGED`) behind it;
    unchanged lines are shown plainly.
    """

    def __init__(self, before: str, after: str, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        # Rows follow the columns' width, so a paragraph is always shown in full.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.set_titles(before, after)
        self._marked_rows: list[int] = []
        colours.follow_palette(self, self._colour_marked_rows)

    def set_titles(self, before: str, after: str) -> None:
        """Name the two text columns (``ブックの内容（今）``, ``版 3（2026/11/29 22:15）``)."""
        self.setHorizontalHeaderLabels(["場所", before, after])

    def show_changes(self, changes: Sequence[Change], *, mark: bool = True) -> None:
        """Show one line per change; with ``mark``, changed lines stand out."""
        self.setRowCount(len(changes))
        self._marked_rows = []
        for number, change in enumerate(changes):
            marked = mark and change.changed
            if marked:
                self._marked_rows.append(number)
            where = f"{CHANGED_MARK} {change.where}" if marked else change.where
            for column, text in enumerate((where, change.before, change.after)):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                self.setItem(number, column, item)
        self._colour_marked_rows()
        self.scrollToTop()

    def _colour_marked_rows(self) -> None:
        """Tint the changed lines in the present theme, their text with them."""
        tint = colours.tint(colours.Mark.CHANGED)
        for row in self._marked_rows:
            for column in range(self.columnCount()):
                item = self.item(row, column)
                if item is not None:
                    item.setBackground(tint.background)
                    item.setForeground(tint.text)

    def shown_rows(self) -> list[tuple[str, str, str]]:
        """The lines as shown: (place, one text, the other) (for tests and accessibility)."""
        return [
            tuple(self.item(row, column).text() for column in range(3))  # type: ignore[misc]
            for row in range(self.rowCount())
        ]

    def marked_places(self) -> list[str]:
        """The places of the lines marked as changed, without the mark."""
        prefix = f"{CHANGED_MARK} "
        return [
            where.removeprefix(prefix)
            for where, _, _ in self.shown_rows()
            if where.startswith(prefix)
        ]
