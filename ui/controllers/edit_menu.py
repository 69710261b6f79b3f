"""The 編集 menu's 切り取り, コピー, 貼り付け and すべて選択, acting on the focused field.

A one-line field or a text box does what it always does (its own clipboard
handling, so the edit reaches the sheet as typing does). The value table
copies and pastes blocks of cells as tab-separated text, as Excel does.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from ui.controllers.base import Controller


class Clipboard(Controller):
    """Cut, copy, paste and select all for the widget that has the keyboard focus."""

    def _text_field(self) -> QLineEdit | QPlainTextEdit | QTextEdit | None:
        """The focused text field (a chooser's or a cell editor's line edit included)."""
        focus: QWidget | None = QApplication.focusWidget()
        if isinstance(focus, QComboBox) and focus.isEditable():
            return focus.lineEdit()
        if isinstance(focus, QAbstractSpinBox):
            return focus.findChild(QLineEdit)
        if isinstance(focus, QLineEdit | QPlainTextEdit | QTextEdit):
            return focus
        return None

    def _table_has_focus(self) -> bool:
        return QApplication.focusWidget() is self.window.form.value_table.table

    @Slot()
    def cut(self) -> None:
        field = self._text_field()
        if field is not None and field.isReadOnly():
            field.copy()  # as Office does in a protected field: copied, nothing removed
            self.status("この欄は変更できないため、コピーだけしました")
        elif field is not None:
            field.cut()
        elif self._table_has_focus():
            editor = self.window.form.value_table
            if editor.is_read_only():
                self.status("このシートは変更できないため、切り取れません")
                return
            QApplication.clipboard().setText(editor.copied_text())
            editor.clear_chosen("切り取り")

    @Slot()
    def copy(self) -> None:
        field = self._text_field()
        if field is not None:
            field.copy()
        elif self._table_has_focus():
            text = self.window.form.value_table.copied_text()
            if text:
                QApplication.clipboard().setText(text)
        elif isinstance(focus := QApplication.focusWidget(), QAbstractItemView):
            # Another list (the sheet list): the current cell's text, as Qt's views do.
            current = focus.currentIndex()
            if current.isValid():
                QApplication.clipboard().setText(str(current.data() or ""))

    @Slot()
    def paste(self) -> None:
        field = self._text_field()
        if field is not None and field.isReadOnly():
            # Qt's paste() does not ask whether a text box is read-only.
            self.status("この欄は変更できないため、貼り付けられません")
            return
        if field is not None:
            field.paste()
            return
        if not self._table_has_focus():
            return
        editor = self.window.form.value_table
        if editor.is_read_only():
            self.status("このシートは変更できないため、貼り付けられません")
            return
        pasted = editor.paste_text(QApplication.clipboard().text())
        if pasted is None:
            return
        note = pasted.cut_off_text()
        if note:
            self.status(f"貼り付けました。{note}", 0)
        else:
            self.status(f"{pasted.rows}行×{pasted.columns}列を貼り付けました")

    @Slot()
    def select_all(self) -> None:
        field = self._text_field()
        if field is not None:
            field.selectAll()
        elif self._table_has_focus():
            self.window.form.value_table.select_all_cells()
        elif isinstance(focus := QApplication.focusWidget(), QAbstractItemView):
            focus.selectAll()
