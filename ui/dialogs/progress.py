"""A progress dialog for long work that the user can cancel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

#: Work shorter than this (ms) shows no dialog at all.
MINIMUM_DURATION_MS = 400


class Cancelled(Exception):
    """The user pressed キャンセル in a progress dialog."""


@contextmanager
def progress(parent: QWidget | None, label: str) -> Iterator[Callable[[int, int], None]]:
    """A ``(done, total)`` callback that shows progress and raises ``Cancelled``.

    The dialog appears only when the work takes longer than a moment.
    """
    dialog = QProgressDialog(label, "キャンセル", 0, 100, parent)
    dialog.setWindowTitle("KPI Desk")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(MINIMUM_DURATION_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def report(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)
        QApplication.processEvents()
        if dialog.wasCanceled():
            raise Cancelled

    try:
        yield report
    finally:
        dialog.close()
        dialog.deleteLater()
