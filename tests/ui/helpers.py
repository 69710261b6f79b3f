"""Typing as a person does, Japanese included.

pytest-qt's ``keyClicks`` aborts on non-ASCII text, so Japanese goes in the
way an input method delivers it: a ``QInputMethodEvent`` whose commit
string is the text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget


def type_text(widget: QWidget, text: str) -> None:
    """Type ``text`` into ``widget`` at its cursor, as an IME commits it."""
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
    QApplication.processEvents()


def replace_text(widget: QWidget, text: str) -> None:
    """Select everything in ``widget`` and type ``text`` over it."""
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    select_all = getattr(widget, "selectAll", None)
    if select_all is not None:
        select_all()
    type_text(widget, text)
