"""ヘルプ → バージョン情報: the version and the licences of what is bundled.

The font's licence is the SIL Open Font License text of ``resources/fonts/OFL.txt``;
Qt and PySide6 are used under the GNU LGPL v3; every bundled Python
distribution is listed with the licence its own metadata names
(:mod:`kpidesk.licences`, written into the bundle at build time).
"""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from kpidesk import APP_TITLE, __version__
from kpidesk.licences import bundled_distributions
from kpidesk.resources import resource_path
from ui import geometry

#: What is bundled besides the Python distributions: (name, licence).
NOT_PYTHON = (
    ("BIZ UDGothic（フォント）", "SIL Open Font License 1.1（全文は下に）"),
    (
        f"Qt {qVersion()} / PySide6",
        "GNU LGPL v3（https://www.gnu.org/licenses/lgpl-3.0.html）。"
        "Qt のライブラリはプログラムのフォルダーの _internal にあり、差し替えられます",
    ),
    (f"Python {platform.python_version()}", "Python Software Foundation License"),
    ("SQLite", "Public Domain"),
)


def ofl_text() -> str:
    """The font's copyright notice and the OFL 1.1, exactly as in ``resources/fonts/OFL.txt``."""
    return resource_path("fonts", "OFL.txt").read_text(encoding="utf-8").strip()


def about_text() -> str:
    """The text of the dialog, versions first."""
    lines = [
        f"{APP_TITLE} {__version__}",
        "KPI分析シート（別記様式2）の作成・保管・提出のためのアプリ",
        "",
        f"Python {platform.python_version()} / PySide6 {PySide6.__version__} / Qt {qVersion()}",
        "",
        "同梱しているもののライセンス:",
        *(f"・{name}: {licence}" for name, licence in NOT_PYTHON),
        "",
        "同梱している Python のライブラリ（各ライブラリのメタデータに記載のライセンス）:",
        *(f"・{d.name} {d.version}: {d.licence}" for d in bundled_distributions()),
        "（PySide6 と shiboken6 は、選べるライセンスのうち GNU LGPL v3 で使っています）",
        "",
        "BIZ UDGothic のライセンス:",
        "",
        ofl_text(),
    ]
    return "\n".join(lines)


class AboutDialog(QDialog):
    """Shows :func:`about_text`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("バージョン情報")
        geometry.fit_dialog(self, 620, 520)
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
