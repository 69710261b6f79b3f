"""Shows what an import will change, sheet by sheet and side by side, before writing."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kpidesk.compare import SheetPlan, Status, plan_counts
from ui import colours, geometry
from ui.side_by_side import SideBySideTable

#: The tint of each kind of incoming sheet in the list (None: the list's own colours).
STATUS_MARKS = {
    Status.NEW: colours.Mark.NEW,
    Status.CHANGED: colours.Mark.CHANGED,
    Status.SAME: None,
}


class ImportPreviewDialog(QDialog):
    """The incoming sheets on the left; the chosen sheet's changes on the right."""

    def __init__(self, plans: Sequence[SheetPlan], source: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("取り込みの確認")
        geometry.fit_dialog(self, 1100, 640)
        self.plans = list(plans)
        heading = QLabel(
            f"{source} から{len(self.plans)}件のシートを取り込みます"
            f"（{plan_counts(self.plans)}）。\n"
            "内容を確かめてから「取り込む」を押してください。既にあるシートは上書きされ、"
            "上書き前の内容は履歴に残ります。"
        )
        heading.setWordWrap(True)
        self.show_same = QCheckBox("変更なしのシートも表示する")
        self.sheet_list = QListWidget()
        self.sheet_list.setObjectName("importSheets")
        self.table = SideBySideTable("ブックの内容（今）", "取り込む内容")
        self.table.setObjectName("importChanges")
        splitter = QSplitter()
        splitter.addWidget(self.sheet_list)
        splitter.addWidget(self.table)
        splitter.setSizes([320, 780])
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton(
            "取り込む(&I)", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.show_same)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.show_same.toggled.connect(self._fill_list)
        colours.follow_palette(self.sheet_list, self._colour_list)
        self.sheet_list.currentRowChanged.connect(self.on_sheet_list_current_row_changed)
        self._fill_list()

    def _shown(self) -> list[SheetPlan]:
        if self.show_same.isChecked():
            return self.plans
        return [plan for plan in self.plans if plan.status is not Status.SAME]

    @Slot()
    def _fill_list(self) -> None:
        self.sheet_list.clear()
        for plan in self._shown():
            self.sheet_list.addItem(QListWidgetItem(f"［{plan.status.value}］{plan.label}"))
        self._colour_list()
        if self.sheet_list.count():
            self.sheet_list.setCurrentRow(0)
        else:
            self.table.setRowCount(0)

    def _colour_list(self) -> None:
        """Tint each listed sheet by its kind, in the present theme."""
        for row, plan in enumerate(self._shown()[: self.sheet_list.count()]):
            mark = STATUS_MARKS[plan.status]
            item = self.sheet_list.item(row)
            if mark is None:
                item.setData(Qt.ItemDataRole.BackgroundRole, None)
                item.setData(Qt.ItemDataRole.ForegroundRole, None)
                continue
            tint = colours.tint(mark)
            item.setBackground(tint.background)
            item.setForeground(tint.text)

    @Slot(int)
    def on_sheet_list_current_row_changed(self, row: int) -> None:
        shown = self._shown()
        if not 0 <= row < len(shown):
            self.table.setRowCount(0)
            return
        # Every line here is a change: no marks needed.
        self.table.show_changes(shown[row].changes, mark=False)

    def shown_changes(self) -> list[tuple[str, str, str]]:
        """The rows of the change table as shown (for tests and accessibility)."""
        return self.table.shown_rows()


def confirm_import(parent: QWidget | None, plans: Sequence[SheetPlan], source: str) -> bool:
    """Show the preview; True when the user chose 取り込む."""
    dialog = ImportPreviewDialog(plans, source, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted
