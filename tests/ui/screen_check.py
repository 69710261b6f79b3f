"""Run in a child process on one screen size: open the window and its dialogs, report where.

``python -m tests.ui.screen_check OUT.json [SCREENSHOT_FOLDER]`` with
``QT_QPA_PLATFORM=offscreen:configfile=…`` (the screen's size) and, for a
scaled laptop, ``QT_SCALE_FACTOR``. It opens the window with no saved
settings on the sample book, opens a sheet, then opens each dialog the menus
lead to (each ``exec`` shows the dialog, notes where it is and closes it),
and writes what it saw: the screen's available area and every window's frame.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from kpidesk import samples
from kpidesk.book.store import Book
from ui.actions import Action
from ui.app import create_application
from ui.dialogs import messages
from ui.dialogs.scope import ScopeDialog
from ui.main_window import MainWindow
from ui.settings import Settings

#: The menu actions whose dialogs are opened, in order.
DIALOG_ACTIONS = (
    Action.PRINT_PREVIEW,
    Action.HISTORY,
    Action.SUMMARY,
    Action.EVALUATION_SETTINGS,
    Action.NEW_SHEET,
    Action.ROLLOVER,
    Action.SUBMISSION_STATUS,
    Action.ABOUT,
)


def _rect(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def main(out: Path, shots: Path | None) -> None:
    app = create_application()
    seen: list[dict[str, object]] = []

    def note(widget: QWidget, name: str) -> None:
        for _ in range(3):
            app.processEvents()
        seen.append({"name": name, "frame": _rect(widget.frameGeometry())})
        if shots is not None:
            widget.grab().save(str(shots / f"{name}.png"))

    def exec_(dialog: QDialog) -> int:
        dialog.show()
        note(dialog, type(dialog).__name__)
        dialog.hide()
        if isinstance(dialog, ScopeDialog):  # go on to the preview
            return QDialog.DialogCode.Accepted
        return QDialog.DialogCode.Rejected

    QDialog.exec = exec_  # type: ignore[method-assign]
    for name in ("show_error", "show_info"):
        setattr(messages, name, lambda parent, text: None)
    messages.confirm = lambda parent, title, text: False  # type: ignore[assignment]

    folder = Path(tempfile.mkdtemp())
    path = folder / "見本.kpidb"
    samples.create_sample_book(path).close()
    window = MainWindow(Settings(folder / "settings.ini"))
    window.session.set_book(Book.open(path, create=False))
    window.show()
    window.list_panel.select_sheet(window.list_panel.visible_sheet_ids()[0])
    note(window, "MainWindow")
    page = window.form.widget()
    for action in DIALOG_ACTIONS:
        window.actions[action].trigger()
    result = {
        "available": _rect(window.screen().availableGeometry()),
        "windows": seen,
        "form_width": window.form.viewport().width(),
        "form_needs": page.minimumSizeHint().width(),
        "list_shown": window.list_panel.isVisible(),
    }
    window.session.document.undo_stack.setClean()  # type: ignore[union-attr]
    window.close()
    out.write_text(json.dumps(result), encoding="utf-8")
    QApplication.processEvents()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
