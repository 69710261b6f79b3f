"""ヘルプ: the manual (F1 opens the page of the window or part of the form in use),
the shortcut list, the manual as PDF and the About box.

F1 in the main window is the 操作マニュアル action; in a dialog (which
blocks the main window's shortcuts) an event filter on the dialog catches
the key once the focused widget has let it pass, as every widget does with
F1. The filter is put on each of the window's dialogs when it gets the
focus, never on the whole application, which would run Python for every
event of the program (the window switched sheets at half the speed). Both
look up the page from the focused widget upwards in :data:`CONTEXT_PAGES`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from kpidesk.fileio import atomic_output
from ui.controllers.base import PDF_FILTER, Controller
from ui.dialogs import messages

# The manual, the shortcut list and the About box (the licences read from the
# installed packages) are imported when first shown, not at start.
if TYPE_CHECKING:
    from ui.dialogs.manual import ManualWindow
    from ui.main_window import MainWindow

#: The manual page of a widget, by its object name or its class name; the
#: nearest match from the focused widget up to its window wins.
CONTEXT_PAGES: dict[str, str] = {
    # The main window and the form
    "valueTable": "values",
    "ValueTableEditor": "values",
    "evaluationPanel": "evaluation",
    "chartBox": "evaluation",
    "BulletSectionEditor": "texts",
    "GrowingTextEdit": "texts",
    "SheetListPanel": "find-edit",
    "sheetForm": "find-edit",
    "mainWindow": "start",
    # Dialogs
    "QPrintPreviewDialog": "printing",
    "QPrintDialog": "printing",
    "evaluationSettingsDialog": "evaluation-settings",
    "summaryDialog": "evaluation",
    "BackupDialog": "backups",
    "HistoryDialog": "saving",
    "NewSheetDialog": "find-edit",
    "ImportPreviewDialog": "excel-pdf",
    "RolloverDialog": "planning",
    "HandoutDialog": "planning",
    "CollectPreviewDialog": "planning",
    "CompareDialog": "planning",
    "MergeDialog": "planning",
    "StatusDialog": "planning",
    "SendBackDialog": "planning",
    "shortcutsDialog": "start",
    "FindReplaceDialog": "office",
    "TrashDialog": "office",
}
#: The scope dialog asks for PDF, Excel and printing alike: its title decides.
SCOPE_PAGES = (("印刷", "printing"), ("Excel", "excel-pdf"), ("PDF", "excel-pdf"))


def page_for(widget: QWidget | None) -> str:
    """The manual page for ``widget`` (the focused one): see :data:`CONTEXT_PAGES`."""
    while widget is not None:
        if type(widget).__name__ == "ScopeDialog":
            title = widget.windowTitle()
            return next((page for word, page in SCOPE_PAGES if word in title), "excel-pdf")
        for name in (widget.objectName(), type(widget).__name__):
            if name in CONTEXT_PAGES:
                return CONTEXT_PAGES[name]
        widget = widget.parentWidget()
    return "start"


def _is_manual(widget: QWidget) -> bool:
    """Whether ``widget`` is a manual window (there is none before its module is imported)."""
    module = sys.modules.get("ui.dialogs.manual")
    return module is not None and isinstance(widget, module.ManualWindow)


class Help(Controller):
    """The ヘルプ menu's work, and F1 wherever the user is.

    Attributes:
        manual_window: the manual's window once opened from the main window.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.manual_window: ManualWindow | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    @Slot(QWidget, QWidget)
    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Listen for F1 on a dialog of this window as soon as it has the focus."""
        if new is None:
            return
        top = new.window()
        if top is not self.window and not _is_manual(top) and self._belongs_to_window(top):
            top.installEventFilter(self)  # once: installing again only moves it first

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """F1 in a dialog of this window (the menu's F1 cannot reach past a modal dialog)."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.HelpContents)
            and isinstance(watched, QWidget)
        ):
            self.show_manual(page_for(QApplication.focusWidget() or watched), watched.window())
            return True
        return super().eventFilter(watched, event)

    def _belongs_to_window(self, top: QWidget) -> bool:
        """Whether a top-level widget is a dialog of this main window (not another's)."""
        parent = top.parentWidget()
        while parent is not None:
            if parent is self.window:
                return True
            parent = parent.parentWidget()
        return False

    @Slot()
    def show_context_manual(self) -> None:
        """F1 / 操作マニュアル: the page for the focused part of the window."""
        # The window's focus child: the part last used, even when the manual is active.
        self.show_manual(page_for(self.window.focusWidget() or self.window))

    def show_manual(self, page_id: str, over: QWidget | None = None) -> ManualWindow:
        """Open the manual at ``page_id``; over a modal dialog, as that dialog's child.

        A window under a modal dialog cannot be used, so the manual opened from
        a dialog belongs to the dialog and closes with it.
        """
        from ui.dialogs.manual import ManualWindow

        if over is not None and over is not self.window:
            manual = ManualWindow(over)
            manual.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        else:
            if self.manual_window is None:
                self.manual_window = ManualWindow(self.window)
            manual = self.manual_window
        manual.show_page(page_id)
        manual.show()
        manual.raise_()
        manual.activateWindow()
        return manual

    @Slot()
    def show_shortcuts(self) -> None:
        from ui.dialogs.shortcuts import ShortcutsDialog

        ShortcutsDialog(self.window).exec()

    @Slot()
    def show_about(self) -> None:
        from ui.dialogs.about import AboutDialog

        AboutDialog(self.window).exec()

    @Slot()
    def ask_save_manual_pdf(self) -> None:
        """Save the whole manual as a printable PDF (A4, page numbers)."""
        name, _ = QFileDialog.getSaveFileName(
            self.window,
            "マニュアルをPDFに保存",
            str(self.dialog_folder() / "KPI Desk 操作マニュアル.pdf"),
            PDF_FILTER,
        )
        if not name:
            return
        self.save_manual_pdf(Path(name))

    def save_manual_pdf(self, path: Path) -> bool:
        """Write the manual's PDF to ``path``; say how it went."""
        from kpidesk.printing import manual_pdf

        try:
            with atomic_output(path) as stream:
                stream.write(manual_pdf.manual_pdf_bytes())
        except OSError as error:
            messages.show_error(
                self.window, f"マニュアルのPDFを保存できませんでした。\n{path}\n{error}"
            )
            return False
        self.status(f"マニュアルをPDFに保存しました: {path}")
        from ui.dialogs import exported

        exported.show_written(
            self.window, f"マニュアルをPDFに保存しました。\n{path}", file=path, folder=path.parent
        )
        return True
