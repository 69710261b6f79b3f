"""Make the manual's screenshots from the real window: ``make manual-shots``.

Opens KPI Desk offscreen on a fresh copy of the sample book, shows the
window, the parts of the form and the dialogs the manual's pages name, and
saves each as a PNG into ``resources/manual/images/`` (the names the pages
use). Run it again whenever the window changes; tests/ui/test_manual.py
checks that every image a page names is there.

    QT_QPA_PLATFORM=offscreen python tools/manual_shots.py [OUT_FOLDER]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QImage, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

#: The main window's size in the screenshots (a common office screen).
WINDOW_SIZE = (1280, 760)
#: No screenshot is wider than this (pixels); wider ones are scaled down.
MAX_WIDTH = 960


def settle() -> None:
    """Let layouts and deferred updates finish before a grab."""
    for _ in range(5):
        QApplication.processEvents()


def save(widget: QWidget | QPixmap, folder: Path, name: str) -> Path:
    """Grab a widget (or take a pixmap), scale it to :data:`MAX_WIDTH` at most, save it."""
    settle()
    pixmap = widget if isinstance(widget, QPixmap) else widget.grab()
    if pixmap.width() > MAX_WIDTH:
        pixmap = pixmap.scaledToWidth(MAX_WIDTH, Qt.TransformationMode.SmoothTransformation)
    # 256 colours are plenty for a window and make the file a sixth of the size.
    image = pixmap.toImage().convertToFormat(
        QImage.Format.Format_Indexed8,
        Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.PreferDither,
    )
    path = folder / name
    if not image.save(str(path), "PNG", 0):
        raise SystemExit(f"could not save {path}")
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def make_shots(folder: Path) -> list[Path]:
    """Make every screenshot into ``folder``; return their paths."""
    from kpidesk import samples
    from kpidesk.book import backups
    from kpidesk.book.store import Book
    from kpidesk.handout import distribute
    from kpidesk.sendback import send_back
    from ui.app import create_application
    from ui.dialogs.backups import BackupDialog
    from ui.dialogs.evaluation_settings import EvaluationSettingsDialog
    from ui.dialogs.scope import ScopeDialog
    from ui.main_window import MainWindow
    from ui.settings import Settings

    app = create_application()
    app.setStyle("Fusion")
    work = Path(tempfile.mkdtemp(prefix="kpidesk-shots-"))
    book_path = work / "KPI分析シート.kpidb"
    samples.create_sample_book(book_path).close()
    window = MainWindow(Settings(work / "settings.ini"))
    window.session.set_book(Book.open(book_path, create=False))
    window.resize(*WINDOW_SIZE)
    window.show()
    book = window.session.book
    assert book is not None
    ids = {sheet.no: sheet.id for sheet in book.list_sheets()}

    def open_no(no: str) -> None:
        window.list_panel.select_sheet(ids[no])
        settle()

    def child(name: str) -> QWidget:
        found = window.findChild(QWidget, name)
        if found is None:
            raise SystemExit(f"no widget {name!r} in the window")
        return found

    def in_form(name: str) -> QWidget:
        """A part of the form, scrolled into view."""
        widget = child(name)
        window.form.ensureWidgetVisible(widget)
        return widget

    def dialog_shot(dialog: QWidget, name: str, size: tuple[int, int] | None = None) -> Path:
        if size is not None:
            dialog.resize(*size)
        dialog.show()
        path = save(dialog, folder, name)
        dialog.close()
        return path

    shots: list[Path] = []
    open_no("10")
    shots.append(save(window, folder, "main.png"))
    shots.append(save(window.list_panel, folder, "list.png"))
    open_no("15")
    shots.append(save(child("valueTable").parentWidget(), folder, "values.png"))
    open_no("9")
    shots.append(save(in_form("section_efforts"), folder, "texts.png"))
    open_no("27")
    shots.append(save(in_form("evaluationPanel"), folder, "evaluation.png"))

    printing = window.printing
    scope = ScopeDialog(
        "Excelに書き出し",
        current="No 27",
        selected_count=1,
        departments=book.departments(None),
        department=None,
        book_count=book.count_sheets(),
        parent=window,
    )
    shots.append(dialog_shot(scope, "scope.png"))
    preview = printing.preview_dialog([window.session.document.sheet])
    shots.append(dialog_shot(preview, "print-preview.png", (820, 760)))
    settings_dialog = EvaluationSettingsDialog(
        book.evaluation_settings(), book.print_chart(), window
    )
    shots.append(dialog_shot(settings_dialog, "evaluation-settings.png"))

    backups.take_backup(book, "import")
    backup_dialog = BackupDialog(book_path.name, backups.list_backups(book_path), window)
    shots.append(dialog_shot(backup_dialog, "backups.png"))

    distribute(book, work / "配布_R2", None, None)
    send_back(
        book, "観光企画課", work / "配布_R2", None, {"27": "R2の実績値の出典を書いてください。"}
    )
    status = window.cycle.status_dialog()
    assert status is not None
    shots.append(dialog_shot(status, "status.png", (900, 420)))

    manual = window.help.show_manual("evaluation")
    manual.search_edit.setText("進捗率")
    shots.append(dialog_shot(manual, "manual.png", (960, 640)))

    if window.session.document is not None:
        window.session.document.undo_stack.setClean()
    window.close()
    return shots


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "resources" / "manual" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    make_shots(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
