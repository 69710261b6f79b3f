"""The canvas the trend chart (:mod:`kpidesk.printing.chart`) and the 総括's rank chart
(:mod:`kpidesk.printing.rank_chart`) draw on: their colours, and fonts, pens and
brushes made once for every chart drawn.

Only QtGui is used, never QtWidgets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from kpidesk.printing import glyphs
from kpidesk.printing.fonts import drawing_font, load_fonts

if TYPE_CHECKING:
    from kpidesk.printing.chart import Label

#: Colours by role; the lines also differ by dash and marker, so a grey
#: printer keeps them apart.
COLORS = {
    "text": "#222222",
    "muted": "#6b6b6b",
    "frame": "#b8b8b8",
    "axis": "#555555",
    "grid": "#e2e2e2",
    "zero": "#9a9a9a",
    "actual": "#1f5aa6",
    "base": "#7a7a7a",
    "target": "#c0392b",
}


#: Drawing happens on a grid this many times finer than the chart's units, so
#: that type sizes such as 7.5 points can be set as whole pixel sizes.
FINE = 10.0


class _Font(NamedTuple):
    """A chart font, its metrics, its pixel size and how far a baseline stands below
    the middle of a label's box."""

    font: QFont
    metrics: QFontMetricsF
    pixels: int
    middle: float


#: Fonts by (family, type size, bold), for every chart drawn.
_FONTS: dict[tuple[str, float, bool], _Font] = {}
#: Pens and brushes by what they are made of, for every chart drawn; never changed once made.
_PENS: dict[tuple[object, ...], QPen] = {}
_BRUSHES: dict[str, QBrush] = {}


def _kept_pen(key: tuple[object, ...], make: Callable[[], QPen]) -> QPen:
    found = _PENS.get(key)
    if found is None:
        if len(_PENS) > 256:
            _PENS.clear()
        found = _PENS[key] = make()
    return found


def brush(colour: str) -> QBrush:
    """A solid brush of a colour given as ``#rrggbb``, shared: not to be changed."""
    found = _BRUSHES.get(colour)
    if found is None:
        if len(_BRUSHES) > 64:
            _BRUSHES.clear()
        found = _BRUSHES[colour] = QBrush(QColor(colour))
    return found


class ChartCanvas:
    """Draws chart geometry on a painter scaled down by :data:`FINE` (the trend chart
    and the 総括's rank chart alike)."""

    def __init__(self, painter: QPainter, family: str) -> None:
        self.painter = painter
        self.family = family
        self.note = getattr(painter, "note", None)

    def font(self, size: float, bold: bool) -> QFont:
        return self._font(size, bold).font

    def _font(self, size: float, bold: bool) -> _Font:
        key = (self.family, size, bold)
        found = _FONTS.get(key)
        if found is None:
            if len(_FONTS) > 64:
                _FONTS.clear()
            pixels = max(1, round(size * FINE))
            font = drawing_font(self.family, pixels, bold)
            metrics = QFontMetricsF(font)
            middle = (metrics.ascent() - metrics.descent()) / 2
            found = _FONTS[key] = _Font(font, metrics, pixels, middle)
        return found

    def pen(
        self,
        role: str,
        width: float,
        style: Qt.PenStyle = Qt.PenStyle.SolidLine,
        dash: tuple[float, ...] = (),
    ) -> QPen:
        """A pen of a :data:`COLORS` role, or of a colour given as ``#rrggbb``, dashed
        by ``dash`` when given; shared by every chart: not to be changed."""

        def make() -> QPen:
            pen = QPen(QColor(COLORS.get(role, role)))
            pen.setWidthF(width * FINE)
            pen.setStyle(style)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            if dash:
                pen.setDashPattern(list(dash))
            return pen

        return _kept_pen((role, width, style, dash), make)

    def point(self, x: float, y: float) -> QPointF:
        return QPointF(x * FINE, y * FINE)

    def rect(self, rect: QRectF) -> QRectF:
        return QRectF(rect.x() * FINE, rect.y() * FINE, rect.width() * FINE, rect.height() * FINE)

    def line(self, pen: QPen, x1: float, y1: float, x2: float, y2: float) -> None:
        self.painter.setPen(pen)
        self.painter.drawLine(self.point(x1, y1), self.point(x2, y2))

    def lines(self, pen: QPen, ends: Sequence[tuple[float, float, float, float]]) -> None:
        """Lines (x1, y1, x2, y2) that do not touch one another, in one call."""
        if ends:
            self.painter.setPen(pen)
            self.painter.drawLines(
                [QLineF(x1 * FINE, y1 * FINE, x2 * FINE, y2 * FINE) for x1, y1, x2, y2 in ends]
            )

    def text(self, label: Label, *, halo: bool = False, colour: str | None = None) -> None:
        text = label.text
        if not text:
            return
        painter = self.painter
        box = label.rect
        if halo:
            margin = label.size * 0.15
            painter.fillRect(self.rect(box.adjusted(-margin, 0, margin, 0)), _WHITE)
        font = self._font(label.size, label.bold)
        # Placed at its baseline by hand, as a rectangle with alignment flags
        # would: laying a single line out through drawText(rect, flags) costs
        # twice as much, and a PDF page may carry a dozen charts. Ticks,
        # years and the legend recur on every chart: those are drawn from
        # their glyph runs (:mod:`kpidesk.printing.glyphs`).
        shaped = glyphs.SHAPED.line((text, self.family, font.pixels, label.bold), lambda: font.font)
        width = font.metrics.horizontalAdvance(text) if shaped is None else shaped.width
        x = box.x() * FINE
        if label.align == "right":
            x = x + box.width() * FINE - width
        elif label.align != "left":
            x = x + box.width() * FINE / 2 - width / 2
        y = box.y() * FINE + box.height() * FINE / 2 + font.middle
        role = colour or COLORS[label.role]
        painter.setPen(_kept_pen(("text", role), lambda: QPen(QColor(role))))
        if shaped is None:
            painter.setFont(font.font)
            painter.drawText(QPointF(x, y), text)
            return
        glyphs.draw(painter, x, y, shaped)
        if self.note is not None:
            self.note(text, label.bold)

    def dots(
        self, points: Sequence[tuple[float, float]], radius: float, role: str, filled: bool = True
    ) -> None:
        """Round markers at ``points``, filled with the role's colour or white."""
        painter = self.painter
        painter.setPen(self.pen(role, radius * 0.45))
        painter.setBrush(brush(COLORS[role] if filled else "#ffffff"))
        size = radius * FINE
        for x, y in points:
            painter.drawEllipse(QPointF(x * FINE, y * FINE), size, size)

    def dot(self, x: float, y: float, radius: float, role: str, filled: bool = True) -> None:
        self.dots(((x, y),), radius, role, filled)

    def diamond(self, x: float, y: float, radius: float, role: str) -> None:
        self.painter.setPen(self.pen(role, radius * 0.3))
        self.painter.setBrush(brush(COLORS[role]))
        self.painter.drawPolygon(
            QPolygonF(
                [
                    self.point(x, y - radius),
                    self.point(x + radius, y),
                    self.point(x, y + radius),
                    self.point(x - radius, y),
                ]
            )
        )


_WHITE = QColor("#ffffff")


def paint_scaled(
    painter: QPainter, font_family: str | None, draw: Callable[[ChartCanvas], None]
) -> None:
    """Call ``draw`` with a :class:`ChartCanvas` on ``painter``, antialiased and scaled
    by :data:`FINE`; the painter is left as it was."""
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.scale(1 / FINE, 1 / FINE)
        draw(ChartCanvas(painter, font_family or load_fonts()))
    finally:
        painter.restore()
