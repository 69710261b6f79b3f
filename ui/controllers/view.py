"""表示: the window's size on the screen, and the sheet list folded away or shown."""

from __future__ import annotations

from PySide6.QtCore import QSize, QTimer, Slot

from ui import geometry
from ui.actions import Action
from ui.controllers.base import Controller

#: The first window's size when no size was saved (made smaller to fit the screen).
DEFAULT_SIZE = QSize(1366, 768)


#: The least width of the form beside the list when the window is first opened.
FORM_WIDTH = 620
#: The least width of the list beside the form.
LIST_WIDTH = 300


def first_split(width: int) -> list[int]:
    """The widths of the list and the form in a window ``width`` wide, first time.

    The list gets half (at most 620 pixels), but the form never less than
    :data:`FORM_WIDTH` while the list keeps :data:`LIST_WIDTH` (on a
    1024-pixel screen the list gives way).
    """
    form = max(width - min(width // 2, 620), min(FORM_WIDTH, width - LIST_WIDTH))
    return [max(width - form, 0), form]


class View(Controller):
    """Fits the window to the screen and folds the sheet list away (F9)."""

    def restore_geometry(self) -> None:
        """The saved size and place, fitted to a screen that exists now; else a first size."""
        window, settings = self.window, self.window.settings
        geometry.restore_window(window, settings.window_geometry, DEFAULT_SIZE)
        if not settings.window_state.isEmpty():
            window.restoreState(settings.window_state)
        if settings.splitter_state.isEmpty() or not window.splitter.restoreState(
            settings.splitter_state
        ):
            # Once the splitter has its width: before, Qt shares out any sizes by the stretch.
            QTimer.singleShot(0, self._first_split)
        self.show_list(not settings.list_hidden)

    @Slot()
    def _first_split(self) -> None:
        splitter = self.window.splitter
        splitter.setSizes(first_split(splitter.width()))

    def save_geometry(self) -> None:
        """Keep the window's size and place, its splitter and whether the list is shown."""
        window, settings = self.window, self.window.settings
        settings.window_geometry = window.saveGeometry()
        settings.window_state = window.saveState()
        settings.splitter_state = window.splitter.saveState()
        settings.list_hidden = not self.list_shown()

    def list_shown(self) -> bool:
        """Whether the sheet list is shown beside the form."""
        return not self.window.list_panel.isHidden()

    @Slot()
    def toggle_list(self) -> None:
        """Fold the sheet list away, or show it again (表示 → シート一覧, F9)."""
        self.show_list(not self.list_shown())
        if self.list_shown():
            self.window.list_panel.table.setFocus()
        self.status(
            "シート一覧を表示しました（F9 でたたみます）"
            if self.list_shown()
            else "シート一覧をたたみました（F9 で戻ります）"
        )

    @Slot()
    def find(self) -> None:
        """Go to the search box (編集 → 検索), showing the list if it was folded away."""
        self.show_list(True)
        self.window.list_panel.focus_search()

    def show_list(self, shown: bool) -> None:
        """Show or fold away the sheet list; the menu item's check follows."""
        self.window.list_panel.setVisible(shown)
        self.window.actions[Action.TOGGLE_LIST].setChecked(shown)
