"""Asks the No and report year of a new (or duplicated) sheet."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kpidesk import eras
from kpidesk.model import no_has_number, split_departments
from ui import colours, geometry, placeholders

YEARS = range(2015, 2041)


class NewSheetDialog(QDialog):
    """No, report year and departments of a sheet to create.

    ``exists(report_year, no)`` tells whether that key is taken; the dialog
    refuses it with a message instead of closing. A No without a number
    (``abc``) is allowed, as in imported sheets, but said first: OK a second
    time keeps it.
    """

    def __init__(
        self,
        exists: Callable[[int, str], bool],
        *,
        title: str = "新しいシート",
        no: str = "",
        report_year: int = 2020,
        departments: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        geometry.fit_dialog(self)
        self._exists = exists
        #: The No without a number already warned about (OK again keeps it).
        self._warned_no: str | None = None
        self.no_edit = QLineEdit(no)
        self.no_edit.setObjectName("newNo")
        self.year_combo = QComboBox()
        self.year_combo.setObjectName("newReportYear")
        for year in YEARS:
            self.year_combo.addItem(f"{eras.kanji_label(year)}（{year}）", year)
        index = self.year_combo.findData(report_year)
        if index < 0:
            self.year_combo.addItem(
                f"{eras.kanji_label(report_year)}（{report_year}）", report_year
            )
            index = self.year_combo.count() - 1
        self.year_combo.setCurrentIndex(index)
        self.departments_edit = QLineEdit(departments)
        self.departments_edit.setObjectName("newDepartments")
        self.departments_edit.setPlaceholderText("複数のときは「、」で区切ります")
        placeholders.quiet_placeholder(self.departments_edit)
        # Wide enough for its hint, and for two departments' names.
        italic = QFont(self.departments_edit.font())
        italic.setItalic(True)
        hint = QFontMetrics(italic).horizontalAdvance(self.departments_edit.placeholderText())
        self.departments_edit.setMinimumWidth(hint + 24)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        colours.colour_label(self.error_label, colours.Ink.ERROR)
        form = QFormLayout()
        form.addRow("No", self.no_edit)
        form.addRow("報告年度", self.year_combo)
        form.addRow("担当課", self.departments_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def no(self) -> str:
        """The No typed (spaces trimmed)."""
        return self.no_edit.text().strip()

    def report_year(self) -> int:
        """The report year chosen."""
        return int(self.year_combo.currentData())

    def departments(self) -> list[str]:
        """The departments typed, in order (「、」 or similar separators)."""
        return split_departments(self.departments_edit.text())

    @Slot()
    def on_buttons_accepted(self) -> None:
        if not self.no():
            self.error_label.setText("No を入力してください")
            self.no_edit.setFocus()
            return
        if self._exists(self.report_year(), self.no()):
            self.error_label.setText(
                f"{eras.kanji_label(self.report_year())}の No {self.no()} は既にあります"
            )
            self.no_edit.setFocus()
            return
        if not no_has_number(self.no()) and self._warned_no != self.no():
            self._warned_no = self.no()
            self.error_label.setText(
                f"No「{self.no()}」に数字がありません。No はふつう 9、10-2 のような番号です"
                "（数字のない No は一覧で番号の後に並びます）。\n"
                "このままでよければ、もう一度 OK を押してください。"
            )
            self.no_edit.setFocus()
            return
        self.accept()
