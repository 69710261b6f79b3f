"""Lines of text shaped once and drawn again as glyph runs.

A printed book repeats the same short texts on every page: the form's
headings, 担当課, units, the year columns, the charts' ticks and legend.
``QPainter.drawText`` shapes its text anew on every call, which is most of
the cost of a PDF page; a line shaped once by ``QTextLayout`` can be drawn
again from its glyph runs for half of that. Shaping and caching a text
seen only once costs more than drawing it, so a text is shaped on its
second drawing, and only texts of one line are (anything with a line or
tab character is left to ``drawText``).

The glyphs are the same that ``drawText`` lays out (same font, same
shaping), so the page looks the same and its text layer reads the same.
The cache is bounded (least recently used entries go first).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QGlyphRun, QPainter, QTextLayout

#: Lines kept shaped (a thousand-sheet book repeats about 1,600 texts).
SHAPED_LIMIT = 4096
#: Texts remembered as seen once before they are forgotten all together.
SEEN_LIMIT = 65536
#: Characters that make a text more than one plain line.
_NOT_ONE_LINE = frozenset("\n\r\t\u2028\u2029\x0b\x0c")


class ShapedLine(NamedTuple):
    """A line's glyph runs, its ascent (the runs' baseline) and its advance width."""

    runs: list[QGlyphRun]
    ascent: float
    width: float


#: (text, family, pixel size, bold).
Key = tuple[str, str, int, bool]


class ShapedLines:
    """Shapes lines of text on their second drawing and keeps the most recent."""

    def __init__(self, limit: int = SHAPED_LIMIT, seen_limit: int = SEEN_LIMIT) -> None:
        self.limit = limit
        self.seen_limit = seen_limit
        self._lines: OrderedDict[Key, ShapedLine] = OrderedDict()
        self._seen: set[Key] = set()

    def __len__(self) -> int:
        return len(self._lines)

    def clear(self) -> None:
        """Forget every shaped line."""
        self._lines.clear()
        self._seen.clear()

    def line(self, key: Key, font: Callable[[], QFont]) -> ShapedLine | None:
        """The shaped line of ``key``, or None when it is to be drawn with ``drawText``.

        Args:
            key: (text, family, pixel size, bold) of ``font()``.
            font: makes the font the text is drawn in (called only to shape it).
        """
        lines = self._lines
        found = lines.get(key)
        if found is not None:
            lines.move_to_end(key)
            return found
        text = key[0]
        if key not in self._seen or not _NOT_ONE_LINE.isdisjoint(text):
            if len(self._seen) >= self.seen_limit:
                self._seen.clear()
            self._seen.add(key)
            return None
        self._seen.discard(key)
        found = lines[key] = shape(text, font())
        if len(lines) > self.limit:
            lines.popitem(last=False)
        return found


def shape(text: str, font: QFont) -> ShapedLine:
    """``text`` laid out on one line in ``font``, as ``drawText`` lays it out."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(1e9)
    line.setPosition(QPointF(0.0, 0.0))
    layout.endLayout()
    return ShapedLine(layout.glyphRuns(), line.ascent(), line.horizontalAdvance())


def draw(painter: QPainter, x: float, baseline: float, line: ShapedLine) -> None:
    """Draw a shaped line with its baseline's left end at (x, baseline), in the pen's colour."""
    origin = QPointF(x, baseline - line.ascent)
    for run in line.runs:
        painter.drawGlyphRun(origin, run)


#: The lines shaped for the printed pages and the charts, shared by every export.
SHAPED = ShapedLines()
