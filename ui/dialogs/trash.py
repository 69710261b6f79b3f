"""シート → 削除したシート…: the deleted sheets, to restore or remove for good."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kpidesk import eras
from kpidesk.book.trash import DeletedSheet
from ui import geometry
from ui.dialogs.history import saved_at_text

HEADINGS = ("No", "KPI名", "報告年度", "削除した日時", "削除した人", "最後の保存")

#: Said in place of a deletion not recorded (an older program, the command line).
UNKNOWN = "不明"


def row_texts(item: DeletedSheet) -> list[str]:
    """One line of the list, as shown."""
    sheet = item.sheet
    saved = saved_at_text(item.saved_at)
    return [
        sheet.no,
        sheet.title,
        eras.kanji_label(sheet.report_year),
        saved_at_text(item.deleted_at) if item.deleted_at else UNKNOWN,
        item.deleted_by or UNKNOWN,
        f"{saved}（{item.saved_by}）" if item.saved_by else saved,
    ]


class TrashDialog(QDialog):
    """The deleted sheets, newest first; the buttons ask the window to act.

    Signals:
        restore_requested(int): 元に戻す the sheet with this id.
        purge_requested(list): 完全に削除 these sheet ids.
        empty_requested(): ごみ箱を空にする.
    """

    restore_requested = Signal(int)
    purge_requested = Signal(list)
    empty_requested = Signal()

    def __init__(
        self, items: Sequence[DeletedSheet], *, writable: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trashDialog")
        self.setWindowTitle("削除したシート")
        self._items: list[DeletedSheet] = []
        self._writable = writable
        self.note = QLabel(
            "削除したシートは、ごみ箱を空にするまでブックに残っています。"
            "元に戻すと、最後に保存した内容で一覧に戻ります。"
        )
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADINGS))
        self.table.setObjectName("deletedSheets")
        self.table.setHorizontalHeaderLabels(list(HEADINGS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty_label = QLabel("削除したシートはありません。")
        self.empty_label.setObjectName("trashEmpty")

        self.restore_button = QPushButton("元に戻す(&R)")
        self.purge_button = QPushButton("完全に削除(&D)…")
        self.empty_button = QPushButton("ごみ箱を空にする(&E)…")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("閉じる")
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.restore_button, self.purge_button, self.empty_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        geometry.fit_dialog(self, 820, 420)

        self.restore_button.clicked.connect(self.on_restore_button_clicked)
        self.purge_button.clicked.connect(
            lambda: self.purge_requested.emit(self.selected_ids()) if self.selected_ids() else None
        )
        self.empty_button.clicked.connect(self.empty_requested)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(self.on_restore_button_clicked)
        self.set_items(items)

    def set_items(self, items: Sequence[DeletedSheet]) -> None:
        """Show these deleted sheets (newest first, as given)."""
        self._items = list(items)
        self.table.setRowCount(len(self._items))
        for row, item in enumerate(self._items):
            for column, text in enumerate(row_texts(item)):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                if column == 0:
                    cell.setData(Qt.ItemDataRole.UserRole, item.sheet.id)
                self.table.setItem(row, column, cell)
        self.empty_label.setVisible(not self._items)
        if self._items:
            # Not selectRow(), which reads the keys held down (Shift, Ctrl).
            self.table.setCurrentCell(
                0, 0, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )  # fmt: skip
        self._update_buttons()

    def selected_ids(self) -> list[int]:
        """The ids of the chosen sheets, in list order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self._items[row].sheet.id for row in rows if self._items[row].sheet.id is not None]

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self._writable and bool(self.selected_ids())
        self.restore_button.setEnabled(chosen and len(self.selected_ids()) == 1)
        self.purge_button.setEnabled(chosen)
        self.empty_button.setEnabled(self._writable and bool(self._items))

    @Slot()
    def on_restore_button_clicked(self) -> None:
        ids = self.selected_ids()
        if self._writable and len(ids) == 1:
            self.restore_requested.emit(ids[0])
