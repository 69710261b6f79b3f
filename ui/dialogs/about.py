"""ヘルプ → バージョン情報: the version and the licences of what is bundled."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from kpidesk import APP_TITLE, __version__
from kpidesk.resources import resource_path
from ui import geometry

#: (name, licence) of every bundled library and font.
LICENCES = (
    ("BIZ UDGothic (フォント)", "SIL Open Font License 1.1 — 全文は下に"),
    ("Qt / PySide6", "GNU LGPL v3"),
    ("openpyxl", "MIT License"),
    ("sqlite-utils", "Apache License 2.0"),
    ("SQLite", "Public Domain"),
    ("defusedxml", "Python Software Foundation License"),
    ("Python", "Python Software Foundation License"),
)


def about_text() -> str:
    """The text of the dialog, versions first."""
    lines = [
        f"{APP_TITLE} {__version__}",
        "KPI分析シート（別記様式2）の作成・保管・提出のためのアプリ",
        "",
        f"Python {platform.python_version()} / PySide6 {PySide6.__version__} / Qt {qVersion()}",
        "",
        "同梱しているもののライセンス:",
        *(f"・{name}: {licence}" for name, licence in LICENCES),
        "",
        resource_path("fonts", "OFL.txt").read_text(encoding="utf-8"),
    ]
    return "\n".join(lines)


class AboutDialog(QDialog):
    """Shows :func:`about_text`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("バージョン情報")
        geometry.fit_dialog(self, 560, 480)
        heading = QLabel(f"<b>{APP_TITLE}</b> バージョン {__version__}")
        self.text = QTextBrowser()
        self.text.setObjectName("aboutText")
        self.text.setPlainText(about_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
