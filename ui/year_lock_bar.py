"""The banner above the form that says the open sheet's report year is locked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QWidget

from kpidesk import eras

#: The banner's colours: a pale yellow note, as office programs show a protected document.
_STYLE = """
#yearLockBar { background: #fff4ce; border: 1px solid #e0c36a; border-radius: 3px; }
#yearLockBar QLabel { background: transparent; color: #3b2f00; }
"""


class YearLockBar(QFrame):
    """Says that the open sheet's report year is locked, with a button to lift the lock.

    Hidden while the open sheet can be edited. The window lifts the lock
    (after asking) when the button is pressed.

    Signals:
        unlock_requested(int): the user pressed ロックを解除… (the locked year).
    """

    unlock_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("yearLockBar")
        self.setStyleSheet(_STYLE)
        self._year: int | None = None
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        self.label = QLabel()
        self.label.setObjectName("yearLockText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.unlock_button = QPushButton("ロックを解除…")
        self.unlock_button.setObjectName("unlockYear")
        self.unlock_button.setToolTip("この報告年度のシートを再び変更できるようにします")
        self.unlock_button.clicked.connect(self.on_unlock_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 6, 4)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    @property
    def year(self) -> int | None:
        """The locked year shown, or None while hidden."""
        return self._year

    def show_lock(
        self, year: int | None, *, rolled_over: bool = False, can_unlock: bool = True
    ) -> None:
        """Show that ``year`` is locked (None: hide the banner).

        Args:
            year: the open sheet's locked report year, or None.
            rolled_over: the book already has a later report year (say 年度更新済み).
            can_unlock: offer the button (not for a book opened read-only).
        """
        self._year = year
        if year is None:
            self.hide()
            return
        why = "（年度更新済み）" if rolled_over else ""
        self.label.setText(f"{eras.kanji_label(year)}の報告はロックされています{why}。")
        self.label.setToolTip(
            "ロックした報告年度のシートは、見ることはできますが、変更・削除・取り込みはできません"
        )
        self.unlock_button.setVisible(can_unlock)
        self.show()

    @Slot()
    def on_unlock_button_clicked(self) -> None:
        if self._year is not None:
            self.unlock_requested.emit(self._year)
