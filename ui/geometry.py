"""Windows that fit the screen: the first size, a restored size, every dialog.

A window never opens larger than the available area of the screen it is on
(the desktop without the taskbar, in the scaled pixels Qt works in), never
off every screen that exists now, and never smaller than it can be used at.
A dialog gets this by calling :func:`fit_dialog` instead of ``resize`` in
its ``__init__``: it then opens within the screen of its parent, centred on
it, at the size the user last gave that kind of dialog (kept in the main
window's settings).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QDialog, QFrame, QLayout, QScrollArea, QWidget

from ui.settings import Settings

#: How much of the available area a first window takes at most.
SCREEN_SHARE = 0.9
#: The least size a restored main window comes back at (smaller is of no use).
MIN_WINDOW_SIZE = QSize(640, 480)
#: Room kept for a window's frame and title bar before it has one (Windows 10/11 at 100 %).
FRAME_ALLOWANCE = QSize(16, 40)

_FITTER_NAME = "dialogFitter"


def screen_of(widget: QWidget | None) -> QScreen:
    """The screen ``widget`` (or its window) is on; the primary screen for none."""
    if widget is not None:
        screen = widget.window().screen()
        if screen is not None:
            return screen
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    return screen


def available_area(widget: QWidget | None) -> QRect:
    """The available geometry of the screen ``widget`` is on (taskbar excluded)."""
    return screen_of(widget).availableGeometry()


def _frame_margins(widget: QWidget) -> QSize:
    """How much the window frame adds to ``widget``'s size (a guess before it is shown)."""
    frame, inner = widget.frameGeometry(), widget.geometry()
    if widget.isVisible() and frame != inner:
        return QSize(frame.width() - inner.width(), frame.height() - inner.height())
    parent = widget.parentWidget()
    if parent is not None and parent.window().isVisible():
        top = parent.window()
        margins = QSize(
            top.frameGeometry().width() - top.geometry().width(),
            top.frameGeometry().height() - top.geometry().height(),
        )
        if not margins.isEmpty():
            return margins
    return FRAME_ALLOWANCE


def first_window_size(area: QRect, wanted: QSize) -> QSize:
    """``wanted``, made smaller to take at most :data:`SCREEN_SHARE` of ``area``."""
    return QSize(
        min(wanted.width(), int(area.width() * SCREEN_SHARE)),
        min(wanted.height(), int(area.height() * SCREEN_SHARE)),
    )


def fitted_size(size: QSize, area: QRect, frame: QSize, minimum: QSize = QSize(0, 0)) -> QSize:  # noqa: B008
    """``size`` no larger than ``area`` (less the frame) and no smaller than ``minimum``."""
    room = QSize(max(area.width() - frame.width(), 1), max(area.height() - frame.height(), 1))
    width = max(min(size.width(), room.width()), min(minimum.width(), room.width()))
    height = max(min(size.height(), room.height()), min(minimum.height(), room.height()))
    return QSize(width, height)


def placed_inside(top_left: QPoint, size: QSize, area: QRect) -> QPoint:
    """``top_left`` moved as little as needed for a window of ``size`` to lie inside ``area``."""
    x = min(max(top_left.x(), area.left()), max(area.right() + 1 - size.width(), area.left()))
    y = min(max(top_left.y(), area.top()), max(area.bottom() + 1 - size.height(), area.top()))
    return QPoint(x, y)


def fit_window(widget: QWidget, *, minimum: QSize = QSize(0, 0), centre: bool = False) -> None:  # noqa: B008
    """Resize and move the top-level ``widget`` to lie inside its screen's available area.

    ``centre``: put it in the middle of its parent window (of the screen
    without one) rather than only moving it back inside.
    """
    area = available_area(widget.parentWidget() or widget)
    frame = _frame_margins(widget)
    size = fitted_size(widget.size(), area, frame, minimum)
    if size != widget.size():
        widget.resize(size)
    outer = size + frame
    if centre:
        parent = widget.parentWidget()
        around = parent.window().frameGeometry() if parent is not None else area
        if not area.intersects(around):
            around = area
        top_left = around.center() - QPoint(outer.width() // 2, outer.height() // 2)
    else:
        top_left = widget.frameGeometry().topLeft()
    widget.move(placed_inside(top_left, outer, area))


def show_first_time(window: QWidget, wanted: QSize) -> None:
    """Give a window that has no saved geometry its first size, centred on its screen."""
    area = available_area(window)
    window.resize(first_window_size(area, wanted))
    fit_window(window, centre=True)


def restore_window(window: QWidget, saved: QByteArray, wanted: QSize) -> None:
    """Restore ``saved`` geometry, clamped to a screen that exists now.

    A saved geometry that cannot be read gives the first-time size; one from
    a larger or vanished screen is made to fit the screen the window is on
    now, and one made tiny is brought back to :data:`MIN_WINDOW_SIZE`.
    """
    if saved.isEmpty() or not window.restoreGeometry(saved):
        show_first_time(window, wanted)
        return
    on_screen = any(
        screen.availableGeometry().intersects(window.frameGeometry())
        for screen in QGuiApplication.screens()
    )
    if not on_screen:
        window.move(available_area(None).topLeft())
    if window.isMaximized() or window.isFullScreen():
        return
    fit_window(window, minimum=MIN_WINDOW_SIZE)


def _settings_of(dialog: QDialog) -> Settings | None:
    """The settings of the main window the dialog belongs to, if any."""
    parent = dialog.parentWidget()
    while parent is not None:
        settings = getattr(parent.window(), "settings", None)
        if isinstance(settings, Settings):
            return settings
        parent = parent.window().parentWidget()
    return None


class _DialogFitter(QObject):
    """Fits a dialog to its screen each time it opens, and keeps its size as it closes."""

    def __init__(self, dialog: QDialog, name: str, sized: bool) -> None:
        super().__init__(dialog)
        self.setObjectName(_FITTER_NAME)
        self.name = name
        self.sized = sized
        dialog.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not isinstance(watched, QDialog) or kind not in (QEvent.Type.Show, QEvent.Type.Hide):
            return False
        if event.spontaneous():  # minimised or restored by the system, not opened or closed
            return False
        settings = _settings_of(watched)
        if kind == QEvent.Type.Show:
            size = settings.dialog_size(self.name) if settings is not None else None
            if size is None and not self.sized:
                size = watched.sizeHint()  # Qt would give at most 2/3 of the screen
            if size is not None:
                watched.resize(size.expandedTo(watched.minimumSizeHint()))
            fit_window(watched, centre=True)
        elif settings is not None:
            settings.set_dialog_size(self.name, watched.size())
        return False


def fit_dialog(dialog: QDialog, width: int = 0, height: int = 0, name: str = "") -> None:
    """Open ``dialog`` at ``width`` × ``height`` (0: the size its layout asks for), or the
    size the user last gave it, always within the available area of its parent's screen.

    ``name`` keeps the size apart from other dialogs of the same class
    (default: the class name). Call it once, in the dialog's ``__init__``,
    instead of ``resize``; it works for Qt's own dialogs too (the print preview).
    """
    if width and height:
        dialog.resize(width, height)
    existing = dialog.findChild(_DialogFitter, _FITTER_NAME)
    if existing is not None:
        existing.name = name or type(dialog).__name__
        existing.sized = existing.sized or bool(width and height)
        return
    _DialogFitter(dialog, name or type(dialog).__name__, bool(width and height))


class _FittingScrollArea(QScrollArea):
    """A scroll area that asks for its contents' whole size (Qt's asks for far less)."""

    def sizeHint(self) -> QSize:
        inner = self.widget()
        if inner is None:
            return super().sizeHint()
        bar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        return inner.sizeHint() + QSize(bar, 0)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 120)


def scrolling(contents: QLayout) -> QScrollArea:
    """``contents`` in a frameless scroll area: a dialog as large as they need on a
    large screen, one that scrolls on a small one instead of reaching off it."""
    page = QWidget()
    page.setLayout(contents)
    area = _FittingScrollArea()
    area.setObjectName("fittingScrollArea")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(page)
    return area
