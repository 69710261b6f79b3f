"""表示 → 拡大 / 縮小 / 100%: the size of the form's and the list's text, remembered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QHeaderView, QLabel

from ui.controllers.base import Controller

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: The sizes offered, in percent of the program's font, as Office steps them.
STEPS = (80, 90, 100, 110, 125, 150, 175, 200)


def nearest_step(percent: int) -> int:
    """The step closest to ``percent`` (a hand-edited settings value stays in range)."""
    return min(STEPS, key=lambda step: (abs(step - percent), step))


class Zoom(Controller):
    """Text size of the form and the list; kept in the settings (``view/zoom``)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        # The form's heading is drawn larger than the text: it keeps its ratio.
        self._title = window.form.findChild(QLabel, "formTitle")
        self._title_ratio = (
            self._title.font().pointSizeF() / window.form.font().pointSizeF()
            if self._title is not None
            else 1.0
        )

    def percent(self) -> int:
        """The size now shown."""
        return nearest_step(self.window.settings.zoom_percent)

    def restore(self) -> None:
        """Show the size remembered from the last time."""
        self._show(self.percent())

    def _show(self, percent: int) -> None:
        size = QApplication.font().pointSizeF() * percent / 100
        if self._title is not None:
            title_font = QFont(self._title.font())
            title_font.setPointSizeF(size * self._title_ratio)
            self._title.setFont(title_font)
        for widget in (self.window.form, self.window.list_panel):
            font = QFont(widget.font())
            font.setPointSizeF(size)
            widget.setFont(font)
            # A list's column headings take the style's heading font, not their parent's.
            for header in widget.findChildren(QHeaderView):
                header_font = QFont(header.font())
                header_font.setPointSizeF(size)
                header.setFont(header_font)

    def set_percent(self, percent: int) -> None:
        """Show the text at ``percent`` (a step) and remember it."""
        percent = nearest_step(percent)
        self.window.settings.zoom_percent = percent
        self._show(percent)
        self.window.view.make_room_for_form_soon()
        self.status(f"文字の大きさ: {percent}%")

    @Slot()
    def zoom_in(self) -> None:
        index = STEPS.index(self.percent())
        self.set_percent(STEPS[min(index + 1, len(STEPS) - 1)])

    @Slot()
    def zoom_out(self) -> None:
        index = STEPS.index(self.percent())
        self.set_percent(STEPS[max(index - 1, 0)])

    @Slot()
    def reset(self) -> None:
        self.set_percent(100)
