"""The sheet list's cells, drawn from text laid out once instead of at every paint.

Qt's own drawing of a cell (``QStyledItemDelegate``) asks the model for the
cell's roles and lays its text out anew each time it is painted: a search
keystroke or a step with ↓ repaints a few hundred cells, and most of that
time was spent laying out the same texts again. This delegate draws a
cell that is plainly shown (not selected, not under the mouse, not the
current one) from a ``QStaticText`` kept per text, width, alignment and
font, with the pen and background Qt's style would use. Every other cell
is drawn by Qt.

Whether this gives the same pixels as Qt's drawing depends on the style
(Windows' styles draw a cell's background their own way). The first time
the list is painted with a style, palette and font, one plain cell and
one tinted cell are drawn both ways off screen and compared: if a single
pixel differs, Qt draws every cell from then on.

A jump across the list (Ctrl+End, a sheet chosen far away) paints rows
never painted before, and laying out their texts there and then made it
three times as slow as a step. :class:`LayoutAhead` lays out every row's
texts while the program waits for the user.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPalette,
    QStaticText,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

#: What a cell paints, by role (see ``SheetListModel.painted``).
Cells = dict[int, Any]

#: The roles a cell paints (as ints, the keys of :data:`Cells`) and its alignments.
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
CENTRE = int(Qt.AlignmentFlag.AlignCenter)
#: A cell in any of these states is drawn by Qt (selection, hover and focus
#: look different in every style).
_DRAWN_BY_QT = (
    QStyle.StateFlag.State_Selected
    | QStyle.StateFlag.State_MouseOver
    | QStyle.StateFlag.State_HasFocus
    | QStyle.StateFlag.State_Editing
).value
_ACTIVE = QStyle.StateFlag.State_Active.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
#: The state flags that choose the text colour's palette group.
_GROUP_FLAGS = _ACTIVE | _ENABLED
#: Text Qt lays out in lines or spaces of its own: such a cell is drawn by Qt.
_LINE_BREAKS = re.compile("[\x00-\x1f\x7f\u2028\u2029]")
#: The most sheets whose texts :class:`LayoutAhead` lays out (a sheet's cells
#: and texts take about 5 KB).
AHEAD_ROWS = 10_000
#: How many laid-out texts are kept: every row laid out ahead (a sheet has three
#: texts of its own; the rest, such as ranks and dates, repeat), a few widths.
_KEPT_TEXTS = 4 * AHEAD_ROWS


class _Context(NamedTuple):
    """What every cell of one repaint shares (made when the list's viewport is painted)."""

    margin: int
    font: QFont
    font_key: str
    metrics: QFontMetrics
    elide: Qt.TextElideMode
    #: Qt's style draws kept text exactly as it draws the cells itself.
    same_pixels: bool
    #: The text colour of a plain cell, by its state's Active and Enabled flags.
    pens: dict[int, QColor]


class ListDelegate(QStyledItemDelegate):
    """Draws the list's plainly shown cells from kept ``QStaticText``.

    Args:
        view: the list's table view.
        cells: what the cell at (row, column) of the view's model paints.
    """

    def __init__(self, view: QAbstractItemView, cells: Callable[[int, int], Cells]) -> None:
        super().__init__(view)
        self._view = view
        self._cells = cells
        self._texts: OrderedDict[tuple[str, int, int, str], QStaticText] = OrderedDict()
        #: Whether kept text draws as Qt does, by (style, palette, font): see the module.
        self._checked: dict[tuple[int, int, str], bool] = {}
        self._context: _Context | None = None
        #: The context of the last repaint (what laying out ahead lays out for).
        self._last_context: _Context | None = None
        #: Counts :meth:`forget`: texts laid out ahead before it are gone.
        self._generation = 0
        self._options: dict[int, QTextOption] = {}
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)
        self.ahead = LayoutAhead(self, view)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Paint:
            self._context = None  # made again, once, by the first cell painted
        elif kind == QEvent.Type.StyleChange:
            self.forget()  # another style: compared with Qt's drawing again
        return False

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        state = option.state.value
        context = self._context or self._make_context(option)
        cells = self._cells(index.row(), index.column())
        if (
            state & _DRAWN_BY_QT
            or not context.same_pixels
            or _LINE_BREAKS.search(cells.get(DISPLAY) or "")
        ):
            super().paint(painter, option, index)
            return
        self._paint_kept(painter, option.rect, state, context, cells)

    def _paint_kept(
        self, painter: QPainter, rect: QRect, state: int, context: _Context, cells: Cells
    ) -> None:
        """Draw a plainly shown cell from its kept text, as Qt's style draws it."""
        background = cells.get(BACKGROUND)
        if background is not None:
            origin = painter.brushOrigin()
            painter.setBrushOrigin(rect.topLeft())
            painter.fillRect(rect, background)
            painter.setBrushOrigin(origin)
        text = cells.get(DISPLAY)
        width = rect.width() - 2 * context.margin
        if not text or width <= 0:
            return
        kept = self._static_text(text, width, cells.get(ALIGNMENT, LEFT), context)
        foreground = cells.get(FOREGROUND)
        if foreground is not None:
            painter.setPen(foreground.color())
        else:
            painter.setPen(context.pens[state & _GROUP_FLAGS])
        height = int(kept.size().height())
        painter.drawStaticText(
            rect.x() + context.margin, rect.y() + (rect.height() - height) // 2, kept
        )

    def forget(self) -> None:
        """Lay every text out again, and check the drawing again (the font or theme changed)."""
        self._texts.clear()
        self._checked.clear()
        self._context = None
        self._last_context = None
        self._generation += 1

    def _make_context(self, option: QStyleOptionViewItem) -> _Context:
        style = self._view.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self._view) + 1
        font = QFont(option.font)
        palette = option.palette
        pens = {
            flags: palette.color(_colour_group(flags), QPalette.ColorRole.Text)
            for flags in (0, _ACTIVE, _ENABLED, _ACTIVE | _ENABLED)
        }
        elide = self._view.textElideMode()
        context = _Context(margin, font, font.key(), QFontMetrics(font), elide, False, pens)
        key = (id(style), palette.cacheKey(), context.font_key)
        same = self._checked.get(key)
        if same is None:
            same = self._checked[key] = self._compare(option, context)
        self._context = self._last_context = context._replace(same_pixels=same)
        return self._context

    # --- laying out ahead

    def shape(self) -> tuple[object, ...] | None:
        """What the list's texts are laid out for now: the theme (the kept texts'
        generation), the font and each column's text width (0: hidden); the
        font None when Qt draws the cells. None before the list is painted
        (again, after :meth:`forget` or with another font)."""
        context = self._last_context
        view = self._view
        model = view.model()
        if context is None or model is None or not isinstance(view, QTableView):
            return None
        if not context.same_pixels:
            return self._generation, None, ()
        if view.font().key() != context.font_key:
            return None
        # A cell is its column's width less the grid line (QTableView's paint).
        grid = 1 if view.showGrid() else 0
        margins = 2 * context.margin
        widths = tuple(
            0 if view.isColumnHidden(column) else view.columnWidth(column) - grid - margins
            for column in range(model.columnCount())
        )
        return self._generation, context.font_key, widths

    def room_ahead(self) -> int:
        """How many more texts can be laid out ahead: the kept ones but a tenth, which
        is left for what the list shows (laying out ahead never pushes those out)."""
        return _KEPT_TEXTS - _KEPT_TEXTS // 10 - len(self._texts)

    def lay_out_row(self, row: int, widths: tuple[int, ...]) -> None:
        """Lay out the texts of ``row`` at the text ``widths`` of :meth:`shape`."""
        context = self._last_context
        if context is None:
            return
        for column, width in enumerate(widths):
            cells = self._cells(row, column)
            text = cells.get(DISPLAY)
            if width > 0 and text and not _LINE_BREAKS.search(text):
                self._static_text(text, width, cells.get(ALIGNMENT, LEFT), context)

    # --- the kept texts

    def _static_text(self, text: str, width: int, alignment: int, context: _Context) -> QStaticText:
        key = (text, width, alignment, context.font_key)
        kept = self._texts.get(key)
        if kept is not None:
            self._texts.move_to_end(key)  # the texts shown are the last to go
            return kept
        # The text as it is when it fits, else cut with "…" (one layout either way).
        kept = QStaticText(context.metrics.elidedText(text, context.elide, width))
        kept.setTextFormat(Qt.TextFormat.PlainText)
        kept.setTextWidth(width)
        option = self._options.get(alignment)
        if option is None:
            option = self._options[alignment] = QTextOption(Qt.AlignmentFlag(alignment))
            option.setWrapMode(QTextOption.WrapMode.ManualWrap)
        kept.setTextOption(option)
        kept.prepare(font=context.font)
        if len(self._texts) >= _KEPT_TEXTS:
            self._texts.popitem(last=False)
        self._texts[key] = kept
        return kept

    # --- the check against Qt's own drawing

    def _compare(self, option: QStyleOptionViewItem, context: _Context) -> bool:
        """Draw plain and tinted cells both ways off screen, at the start, middle and end
        of a row, on a plain and an alternate row: the same pixels?"""
        tint = QBrush(QColor("#c6efce"))
        samples: list[Cells] = [
            {DISPLAY: "観光振興課 12,345（R2）とても長い名前の指標", ALIGNMENT: LEFT},
            {DISPLAY: "12,345（R2）", ALIGNMENT: RIGHT},
            {
                DISPLAY: "A",
                ALIGNMENT: CENTRE,
                FOREGROUND: QBrush(QColor("#006100")),
                BACKGROUND: tint,
            },
        ]
        position = QStyleOptionViewItem.ViewItemPosition
        alternate = QStyleOptionViewItem.ViewItemFeature.Alternate
        for cells in samples:
            for where in (position.Beginning, position.Middle, position.End, position.OnlyOne):
                for alternating in (False, True):
                    sample = QStyleOptionViewItem(option)
                    sample.rect = QRect(0, 0, 120, max(option.rect.height(), 8))
                    sample.state = QStyle.StateFlag(option.state.value & ~_DRAWN_BY_QT)
                    sample.viewItemPosition = where
                    sample.features = (
                        sample.features | alternate if alternating else sample.features & ~alternate
                    )
                    if self._drawn_by_qt(sample, cells) != self._drawn_kept(sample, cells, context):
                        return False
        return True

    def _drawn_by_qt(self, plain: QStyleOptionViewItem, cells: Cells) -> QImage:
        sample = QStyleOptionViewItem(plain)
        sample.text = cells[DISPLAY]
        sample.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
        sample.displayAlignment = Qt.AlignmentFlag(cells[ALIGNMENT])
        sample.textElideMode = self._view.textElideMode()
        if FOREGROUND in cells:
            sample.palette.setBrush(QPalette.ColorRole.Text, cells[FOREGROUND])
        if BACKGROUND in cells:
            sample.backgroundBrush = cells[BACKGROUND]
        image = _blank(sample.rect)
        painter = QPainter(image)
        try:
            self._view.style().drawControl(
                QStyle.ControlElement.CE_ItemViewItem, sample, painter, self._view
            )
        finally:
            painter.end()
        return image

    def _drawn_kept(self, sample: QStyleOptionViewItem, cells: Cells, context: _Context) -> QImage:
        image = _blank(sample.rect)
        painter = QPainter(image)
        try:
            self._paint_kept(painter, sample.rect, sample.state.value, context, cells)
        finally:
            painter.end()
        return image


def _blank(rect: QRect) -> QImage:
    image = QImage(rect.size(), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#808080"))
    return image


def _colour_group(flags: int) -> QPalette.ColorGroup:
    """The palette group Qt's style draws a cell's text from, by its Active and Enabled flags."""
    if not flags & _ENABLED:
        return QPalette.ColorGroup.Disabled
    if not flags & _ACTIVE:
        return QPalette.ColorGroup.Inactive
    return QPalette.ColorGroup.Normal


class LayoutAhead(QObject):
    """Lays out the texts of the list's rows while the user leaves the list alone.

    Once the list has not been painted for :data:`IDLE_MS` (nothing chosen,
    scrolled, hovered or typed into the search), it goes through the rows
    shown from the top one down, a few milliseconds at a time, working out
    each row's cells and laying out their texts as a paint would; a paint
    pauses it until the list is left alone again. A jump across the list then
    paints as fast as a step. It walks again when the rows, the columns'
    widths, the font or the theme change; a row already laid out costs a
    look-up.
    """

    #: How long the list must be left alone before (and between) goes.
    IDLE_MS = 300
    #: How long one go lasts.
    GO_SECONDS = 0.004

    def __init__(self, delegate: ListDelegate, view: QAbstractItemView) -> None:
        super().__init__(delegate)
        self._delegate = delegate
        self._view = view
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._go)
        #: The rows still to walk, popped from the end.
        self._rows: list[int] = []
        #: What the rows were (or are being) laid out for (see ``ListDelegate.shape``).
        self._laid_out_for: tuple[object, ...] | None = None
        self._walking = False
        self._model: QAbstractItemModel | None = None
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            if self._timer.isActive():
                self._timer.start(self.IDLE_MS)  # the user is at work: wait for a pause
            else:
                model = self._view.model()
                if model is not self._model:
                    self._follow(model)
                shape = self._delegate.shape()
                if shape is None or shape != self._laid_out_for:
                    self._timer.start(self.IDLE_MS)
        return False

    def _follow(self, model: QAbstractItemModel | None) -> None:
        if self._model is not None:
            for signal in self._row_signals(self._model):
                signal.disconnect(self.forget)
        self._model = model
        if model is not None:
            for signal in self._row_signals(model):
                signal.connect(self.forget)

    @staticmethod
    def _row_signals(model: QAbstractItemModel) -> tuple[Any, ...]:
        return (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved)

    def forget(self) -> None:
        """The rows changed: walk them again after the next paint and a pause."""
        self._timer.stop()
        self._walking = False
        self._laid_out_for = None

    def is_done(self) -> bool:
        """Every row shown is laid out as the list paints it now."""
        return (
            not self._timer.isActive()
            and self._laid_out_for is not None
            and self._laid_out_for == self._delegate.shape()
        )

    def _go(self) -> None:
        started = time.perf_counter()
        self._timer.setInterval(0)
        shape = self._delegate.shape()
        model = self._view.model()
        if shape is None or shape[1] is None or model is None:
            # Not painted yet (the next paint comes back here), or Qt draws the cells.
            self._timer.stop()
            self._walking = False
            self._laid_out_for = shape
            return
        if not self._walking or shape != self._laid_out_for:
            count = model.rowCount()
            first = min(max(self._view.rowAt(0), 0), max(count - 1, 0))
            walk = [*range(first, count), *range(first)][:AHEAD_ROWS]
            self._rows = walk[::-1]
            self._laid_out_for = shape
            self._walking = True
        rows, count, widths = self._rows, model.rowCount(), shape[2]
        assert isinstance(widths, tuple)
        while rows and time.perf_counter() - started < self.GO_SECONDS:
            if self._delegate.room_ahead() <= 0:  # a list too long to keep: the rest as painted
                rows.clear()
                break
            row = rows.pop()
            if row < count:
                self._delegate.lay_out_row(row, widths)
        if not rows:
            self._walking = False
            self._timer.stop()
