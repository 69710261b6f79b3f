"""A banner above the form: a tinted note with one button, as office programs show."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QWidget

from ui import colours
from ui.wrapping import clause_text


class NoticeBar(QFrame):
    """A note with a warning icon and an optional button; hidden while there is nothing to say.

    Signals:
        action_requested(): the user pressed the button.
    """

    action_requested = Signal()

    def __init__(self, name: str = "noticeBar", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        self._text = ""
        self.label = QLabel()
        self.label.setObjectName(f"{name}Text")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QPushButton()
        self.button.setObjectName(f"{name}Button")
        self.button.clicked.connect(self.on_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(9, 5, 7, 5)  # inside the 1px border
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._border = QColor()
        colours.follow_palette(self, self._colour)
        self.hide()

    def _colour(self) -> None:
        """Take the notice's colours from the present theme."""
        note, self._border = colours.notice()
        if self.palette().color(QPalette.ColorRole.Window) != note.background:
            tinted = QPalette(self.palette())
            tinted.setColor(QPalette.ColorRole.Window, note.background)
            self.setPalette(tinted)
        colours.set_text_colour(self.label, note.text)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self._border))
        painter.setBrush(self.palette().color(QPalette.ColorRole.Window))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)

    def show_notice(self, text: str, button: str = "", tooltip: str = "") -> None:
        """Show ``text`` (with a button labelled ``button`` unless it is ""); "" hides the bar."""
        if not text:
            self.hide()
            return
        self._text = text
        # Broken between clauses: not a lone 「ん」 under 「…出ていませ」.
        self.label.setText(clause_text(text))
        self.label.setToolTip(tooltip)
        self.button.setText(button)
        self.button.setVisible(bool(button))
        self.show()

    @property
    def text(self) -> str:
        """The note shown ("" while hidden)."""
        return self._text if not self.isHidden() else ""

    @Slot()
    def on_button_clicked(self) -> None:
        self.action_requested.emit()
