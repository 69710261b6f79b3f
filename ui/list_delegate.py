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
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import QEvent, QObject, QRect, Qt
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
#: How many laid-out texts are kept (a screen shows a couple of hundred).
_KEPT_TEXTS = 4000


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
        self._options: dict[int, QTextOption] = {}
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)

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
        self._context = context._replace(same_pixels=same)
        return self._context

    # --- the kept texts

    def _static_text(self, text: str, width: int, alignment: int, context: _Context) -> QStaticText:
        key = (text, width, alignment, context.font_key)
        kept = self._texts.get(key)
        if kept is not None:
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
