"""A banner above the form: a pale yellow note with one button, as office programs show."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QWidget

#: The banner's colours: a pale yellow note, as office programs show a protected document.
_STYLE = """
QFrame#{name} {{ background: #fff4ce; border: 1px solid #e0c36a; border-radius: 3px; }}
QFrame#{name} QLabel {{ background: transparent; color: #3b2f00; }}
"""


class NoticeBar(QFrame):
    """A note with a warning icon and an optional button; hidden while there is nothing to say.

    Signals:
        action_requested(): the user pressed the button.
    """

    action_requested = Signal()

    def __init__(self, name: str = "noticeBar", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(_STYLE.format(name=name))
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        self.label = QLabel()
        self.label.setObjectName(f"{name}Text")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QPushButton()
        self.button.setObjectName(f"{name}Button")
        self.button.clicked.connect(self.on_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 6, 4)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_notice(self, text: str, button: str = "", tooltip: str = "") -> None:
        """Show ``text`` (with a button labelled ``button`` unless it is ""); "" hides the bar."""
        if not text:
            self.hide()
            return
        self.label.setText(text)
        self.label.setToolTip(tooltip)
        self.button.setText(button)
        self.button.setVisible(bool(button))
        self.show()

    @property
    def text(self) -> str:
        """The note shown ("" while hidden)."""
        return self.label.text() if not self.isHidden() else ""

    @Slot()
    def on_button_clicked(self) -> None:
        self.action_requested.emit()
