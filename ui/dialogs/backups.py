"""ファイル → バックアップから復元…: the book's backups, restored as a copy or over the book."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kpidesk.book.backups import Backup
from ui import geometry


class BackupDialog(QDialog):
    """Lists backups with their date, reason and sheet count.

    ``result_action`` after ``exec()``: ``"copy"`` (restore as a new file),
    ``"over"`` (restore over the book) or ``""``. Without ``over_allowed``
    (the book's file is gone or cannot be opened) only ``"copy"`` is offered.
    """

    def __init__(
        self,
        book_name: str,
        backups: list[Backup],
        parent: QWidget | None = None,
        *,
        over_allowed: bool = True,
    ):
        super().__init__(parent)
        self.setWindowTitle("バックアップから復元")
        geometry.fit_dialog(self, 640, 420)
        self.backups = backups
        self.result_action = ""
        heading = QLabel(
            f"{book_name} のバックアップ（新しい順）。復元するものを選んでください。"
            if backups
            else f"{book_name} のバックアップはまだありません。"
        )
        heading.setWordWrap(True)
        self.table = QTableWidget(len(backups), 3)
        self.table.setObjectName("backups")
        self.table.setHorizontalHeaderLabels(["日時", "理由", "シート数"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, backup in enumerate(backups):
            count = backup.sheet_count()
            for column, text in enumerate((
                backup.taken_at.strftime("%Y-%m-%d %H:%M:%S"),
                backup.reason,
                f"{count}件" if count is not None else "読めません",
            )):  # fmt: skip
                self.table.setItem(row, column, QTableWidgetItem(text))
        if backups:
            self.table.selectRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("新しいファイルとして復元…")
        self.over_button = QPushButton("このブックに上書きして復元…")
        for button in (self.copy_button, self.over_button):
            button.setEnabled(bool(backups))
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        if not over_allowed:
            self.over_button.setEnabled(False)
            self.over_button.setToolTip(
                "ブックのファイルがないか開けないため、新しいファイルとしてだけ復元できます"
            )
        self.copy_button.clicked.connect(lambda: self._finish("copy"))
        self.over_button.clicked.connect(lambda: self._finish("over"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _finish(self, action: str) -> None:
        self.result_action = action
        self.accept()

    def chosen(self) -> Backup | None:
        """The backup on the selected row."""
        row = self.table.currentRow()
        return self.backups[row] if 0 <= row < len(self.backups) else None
