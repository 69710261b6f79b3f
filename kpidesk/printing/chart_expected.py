"""The 期待値 path of a trend chart: where a value row should stand each year.

The path is the row's 期待値 for each actual year, as the evaluation reads
it (:func:`kpidesk.evaluation.expected_path`): the straight line from the
base value (zero for a running total that starts again) to the target, or
the values typed in the row's 期待値 row where it has them. The chart draws
it as a dash-dotted line from the base year, so an actual above the line is
ahead of pace. 期待値 rows get no chart of their own
(:func:`kpidesk.printing.layout.charted_rows`): their values are that path.

Only QtGui is used, never QtWidgets; :mod:`kpidesk.printing.chart` places
the points and calls :func:`draw_path` and :func:`draw_swatch`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

from kpidesk import evaluation, expected
from kpidesk.model import Sheet

#: The legend's word for the path.
EXPECTED_LABEL = "期待値"
#: The path's colour (the other lines are blue, grey and red) and its dash-dot
#: pattern (in line widths), which keeps it apart on a grey printer too.
EXPECTED_COLOR = "#7d3c98"
EXPECTED_DASH = (5.0, 2.0, 1.2, 2.0)


def path_values(sheet: Sheet, row_index: int) -> tuple[tuple[int, float, str], ...]:
    """(year, 期待値, as printed) of the row's path, base year first; () when it has none.

    The path starts at the base value in the base year (zero for a row that
    starts again from zero) when the line has a start, passes each actual
    year that has a 期待値 and ends at the target in the target year. A row
    with a word or yes/no target, and a 期待値 row, have no path.
    """
    path = evaluation.expected_path(sheet, row_index)
    found = {year: found.value for year, found in path if found.value is not None}
    if not found:
        return ()
    row = sheet.rows[row_index]
    from_zero = evaluation.row_kind(row) == "cumulative" and evaluation.restarts_from_zero(row)
    for year in (sheet.baseline_year, sheet.target_year):
        if year not in found:
            end = expected.expected_value(sheet, row_index, year, from_zero=from_zero)
            if end.value is not None and end.source == expected.LINE:
                found[year] = end.value
    return tuple(
        (year, float(value), expected.format_expected(value))
        for year, value in sorted(found.items())
    )


def path_pen(width: float) -> QPen:
    """The path's pen, ``width`` wide in the painter's units."""
    pen = QPen(QColor(EXPECTED_COLOR))
    pen.setWidthF(width)
    pen.setStyle(Qt.PenStyle.CustomDashLine)
    pen.setDashPattern(list(EXPECTED_DASH))
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


#: The path's and the markers' pens by width, made once for every chart drawn.
_PENS: dict[float, tuple[QPen, QPen]] = {}
_WHITE = QBrush(QColor("#ffffff"))


def _pens(width: float) -> tuple[QPen, QPen]:
    found = _PENS.get(width)
    if found is None:
        if len(_PENS) > 32:
            _PENS.clear()
        marker = QPen(QColor(EXPECTED_COLOR))
        marker.setWidthF(width * 0.8)
        found = _PENS[width] = (path_pen(width), marker)
    return found


def draw_path(
    painter: QPainter, line: Sequence[QPointF], markers: Sequence[QPointF], width: float
) -> None:
    """The path through ``line`` (painter units), ``width`` wide, with a small open
    square at each of ``markers``; the painter's pen and brush are left changed."""
    dashed, marker = _pens(width)
    if len(line) > 1:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(dashed)
        path = QPainterPath(line[0])
        for point in line[1:]:
            path.lineTo(point)
        painter.drawPath(path)
    painter.setPen(marker)
    painter.setBrush(_WHITE)
    half = width * 1.8
    for point in markers:
        painter.drawRect(QRectF(point.x() - half, point.y() - half, 2 * half, 2 * half))


def draw_swatch(painter: QPainter, left: QPointF, right: QPointF, width: float) -> None:
    """The legend's sample of the path: the line with one marker in its middle."""
    middle = QPointF((left.x() + right.x()) / 2, (left.y() + right.y()) / 2)
    draw_path(painter, [left, right], [middle], width)
