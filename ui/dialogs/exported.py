"""The message after an export: what was written, with 「ファイルを開く」 and 「フォルダーを開く」.

The message does not wait for an answer (it is opened, not executed), so
the window stays usable behind it and nothing waits on the user.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QDir, QProcess, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.dialogs import messages

OPEN_FILE = "ファイルを開く(&O)"
OPEN_FOLDER = "フォルダーを開く(&F)"
CLOSE = "閉じる"


def open_file(parent: QWidget | None, path: Path) -> bool:
    """Open ``path`` in the program Windows gives its kind (Excel, the PDF reader …)."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    messages.show_error(parent, f"ファイルを開けませんでした。\n{path}")
    return False


def open_folder(parent: QWidget | None, folder: Path, select: Path | None = None) -> bool:
    """Show ``folder`` in the file manager; on Windows with ``select`` chosen in Explorer.

    Explorer is started directly, never through a shell, with the path as an
    argument of its own, so no character of a file name can do harm.
    """
    if select is not None and sys.platform == "win32":
        started = QProcess.startDetached(
            "explorer.exe", ["/select,", QDir.toNativeSeparators(str(select))]
        )
        # PySide6 gives (started, process id); a failure falls back to the folder.
        if started[0] if isinstance(started, tuple) else started:
            return True
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return True
    messages.show_error(parent, f"フォルダーを開けませんでした。\n{folder}")
    return False


def show_written(
    parent: QWidget, text: str, *, file: Path | None = None, folder: Path
) -> QMessageBox:
    """Say ``text`` (what was written) with buttons to open ``file`` (if one) and ``folder``.

    Returns:
        The message, already shown; it deletes itself when closed.
    """
    box = QMessageBox(parent)
    box.setObjectName("writtenMessage")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("書き出しました")
    box.setText(text)
    open_file_button = box.addButton(OPEN_FILE, QMessageBox.ButtonRole.ActionRole) if file else None
    open_folder_button = box.addButton(OPEN_FOLDER, QMessageBox.ButtonRole.ActionRole)
    close = box.addButton(CLOSE, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(close)
    box.setEscapeButton(close)

    def clicked(button: object) -> None:
        if file is not None and button is open_file_button:
            open_file(parent, file)
        elif button is open_folder_button:
            open_folder(parent, folder, file)

    box.buttonClicked.connect(clicked)
    box.open()
    return box
