"""Which sheets to export or print: the open one, the selected ones, a department's, all."""

from __future__ import annotations

import enum

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ui import geometry


class Scope(enum.Enum):
    """The choices of :class:`ScopeDialog`."""

    CURRENT = "current"
    SELECTED = "selected"
    DEPARTMENT = "department"
    BOOK = "book"


class ScopeDialog(QDialog):
    """Asks which sheets to use, with the count of each choice."""

    def __init__(
        self,
        title: str,
        *,
        current: str | None,
        selected_count: int,
        departments: list[str],
        department: str | None,
        book_count: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        geometry.fit_dialog(self)
        self.group = QButtonGroup(self)
        self.buttons: dict[Scope, QRadioButton] = {
            Scope.CURRENT: QRadioButton(
                f"表示中のシート（{current}）" if current else "表示中のシート"
            ),
            Scope.SELECTED: QRadioButton(f"一覧で選択したシート（{selected_count}件）"),
            Scope.DEPARTMENT: QRadioButton("担当課のシート"),
            Scope.BOOK: QRadioButton(f"ブックのすべてのシート（{book_count}件）"),
        }
        for button in self.buttons.values():
            self.group.addButton(button)
        self.buttons[Scope.CURRENT].setEnabled(current is not None)
        self.buttons[Scope.SELECTED].setEnabled(selected_count > 0)
        self.buttons[Scope.DEPARTMENT].setEnabled(bool(departments))
        self.department_combo = QComboBox()
        self.department_combo.addItems(departments)
        if department in departments:
            self.department_combo.setCurrentText(department)
        self.department_combo.activated.connect(
            lambda: self.buttons[Scope.DEPARTMENT].setChecked(True)
        )
        default = Scope.CURRENT if current is not None else Scope.BOOK
        if selected_count > 1:
            default = Scope.SELECTED
        self.buttons[default].setChecked(True)

        grid = QGridLayout()
        grid.addWidget(self.buttons[Scope.CURRENT], 0, 0, 1, 2)
        grid.addWidget(self.buttons[Scope.SELECTED], 1, 0, 1, 2)
        grid.addWidget(self.buttons[Scope.DEPARTMENT], 2, 0)
        grid.addWidget(self.department_combo, 2, 1)
        grid.addWidget(self.buttons[Scope.BOOK], 3, 0, 1, 2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("どのシートを使いますか？"))
        layout.addLayout(grid)
        layout.addWidget(buttons)

    def scope(self) -> Scope:
        """The choice made."""
        return next(scope for scope, button in self.buttons.items() if button.isChecked())

    def department(self) -> str:
        """The department chosen for :attr:`Scope.DEPARTMENT`."""
        return self.department_combo.currentText()
