"""表示: the window's size on the screen, and the sheet list folded away or shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, QTimer, Slot

from ui import geometry
from ui.actions import Action
from ui.controllers.base import Controller

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: The first window's size when no size was saved (made smaller to fit the screen).
DEFAULT_SIZE = QSize(1366, 768)


#: The least width of the form beside the list when the window is first opened.
FORM_WIDTH = 620
#: The least width of the list beside the form.
LIST_WIDTH = 300
#: The list is never made narrower than this to give the form room.
LIST_LEAST = 200


def first_split(width: int) -> list[int]:
    """The widths of the list and the form in a window ``width`` wide, first time.

    The list gets half (at most 620 pixels), but the form never less than
    :data:`FORM_WIDTH` while the list keeps :data:`LIST_WIDTH` (on a
    1024-pixel screen the list gives way).
    """
    form = max(width - min(width // 2, 620), min(FORM_WIDTH, width - LIST_WIDTH))
    return [max(width - form, 0), form]


class View(Controller):
    """Fits the window to the screen and folds the sheet list away (F9).

    When the form needs more width than its side of the window (larger text,
    a smaller window, a sheet with wider content), the list gives way down
    to :data:`LIST_LEAST`, so the form's right-hand columns (目標値, 評価)
    are not hidden behind a sideways scroll bar.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._fitting = QTimer(self)
        self._fitting.setSingleShot(True)
        self._fitting.setInterval(0)
        self._fitting.timeout.connect(self.make_room_for_form)
        window.splitter.installEventFilter(self)
        # A sheet with wider content (two value rows' 評価 settings, a long
        # change such as 「0市町村(0.0%)」) asks the form's page for a new
        # layout; the list gives way when the page's least width grew, not at
        # every edit (which would undo a splitter the user dragged).
        self._page = window.form.widget()
        self._page_least = 0
        self._page_laid_out = QTimer(self)
        self._page_laid_out.setSingleShot(True)
        self._page_laid_out.setInterval(0)
        self._page_laid_out.timeout.connect(self._make_room_if_page_grew)
        self._page.installEventFilter(self)
        # The splitter keeps a part no narrower than its least size (the
        # list's grows with its text); this lets the list give way further.
        window.list_panel.setMinimumWidth(LIST_LEAST)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize and watched is self.window.splitter:
            self.make_room_for_form_soon()
        elif kind == QEvent.Type.LayoutRequest and watched is self._page:
            self._page_laid_out.start()
        return False

    @Slot()
    def _make_room_if_page_grew(self) -> None:
        least = self._page.minimumSizeHint().width()
        grew = least > self._page_least
        self._page_least = least
        if grew:
            self.make_room_for_form()

    def form_shortfall(self) -> int:
        """How many pixels the form is narrower than its content needs (0: none)."""
        form = self.window.form
        page = form.widget()
        need = (
            page.minimumSizeHint().width()
            + form.verticalScrollBar().sizeHint().width()
            + 2 * form.frameWidth()
        )
        return max(need - form.width(), 0)

    def make_room_for_form_soon(self) -> None:
        """:meth:`make_room_for_form` once the form has laid out its new text."""
        self._fitting.start()

    @Slot()
    def make_room_for_form(self) -> None:
        """Narrow the list (not below :data:`LIST_LEAST`) until the form fits its side."""
        if not self.list_shown():
            return
        short = self.form_shortfall()
        splitter = self.window.splitter
        sizes = splitter.sizes()
        if not short or len(sizes) != 2 or sizes[0] <= LIST_LEAST:
            return
        list_width = max(LIST_LEAST, sizes[0] - short)
        splitter.setSizes([list_width, sizes[1] + sizes[0] - list_width])

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
        if shown:
            self.make_room_for_form_soon()
