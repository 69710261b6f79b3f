"""The banner above the form that says the open sheet's report year is locked."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QWidget

from kpidesk import eras
from ui.notice_bar import NoticeBar


class YearLockBar(NoticeBar):
    """Says that the open sheet's report year is locked, with a button to lift the lock.

    Hidden while the open sheet can be edited. The window lifts the lock
    (after asking) when the button is pressed.

    Signals:
        unlock_requested(int): the user pressed ロックを解除… (the locked year).
    """

    unlock_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("yearLockBar", parent)
        self._year: int | None = None
        self.label.setObjectName("yearLockText")
        self.unlock_button = self.button
        self.unlock_button.setObjectName("unlockYear")
        self.action_requested.connect(self.on_action_requested)

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
            self.show_notice("")
            return
        why = "（年度更新済み）" if rolled_over else ""
        self.show_notice(
            f"{eras.kanji_label(year)}の報告はロックされています{why}。",
            "ロックを解除…" if can_unlock else "",
            "ロックした報告年度のシートは、見ることはできますが、変更・削除・取り込みはできません",
        )
        self.unlock_button.setToolTip("この報告年度のシートを再び変更できるようにします")

    @Slot()
    def on_action_requested(self) -> None:
        if self._year is not None:
            self.unlock_requested.emit(self._year)
