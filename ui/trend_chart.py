"""The form's trend charts: one small chart per value row (期待値 rows are drawn as the
path of their row), drawn by kpidesk.printing.chart."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QFontInfo, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from kpidesk.model import Sheet
from kpidesk.printing import chart, fonts

#: The size of one row's chart (pixels); the widget stacks them top to bottom.
CHART_WIDTH = 460
CHART_HEIGHT = 180
#: The space between two charts.
CHART_SPACING = 8


class TrendChart(QWidget):
    """Each value row's actuals by year against its base value, target and 期待値 path.

    The charts are stacked one per row but the 期待値 rows and are drawn by
    :func:`kpidesk.printing.chart.paint_chart`, the same function that prints them.
    Call :meth:`set_sheet` again after the sheet's values change.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trendChart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._sheet: Sheet | None = None
        self._charted: list[int] = []
        #: The geometries drawn last and the (width, type size) they were made for.
        self._drawn: tuple[tuple[int, float], dict[int, chart.ChartGeometry]] | None = None
        self.setToolTip("実績値の推移（基準値・目標値・期待値と比べて）")

    def sheet(self) -> Sheet | None:
        """The sheet shown, or None."""
        return self._sheet

    def set_sheet(self, sheet: Sheet | None) -> None:
        """Show the charts of ``sheet``'s value rows (none for None or a sheet without rows)."""
        self._sheet = sheet
        # Nothing is drawn or measured until the charts are painted (when in view).
        self._charted = chart.charted_rows(sheet) if sheet is not None else []
        self._drawn = None
        self.updateGeometry()
        self.update()

    def charted_rows(self) -> list[int]:
        """The value rows charted, top to bottom (all but the 期待値 rows)."""
        return list(self._charted)

    def row_count(self) -> int:
        """How many charts are shown."""
        return len(self._charted)

    def sizeHint(self) -> QSize:
        rows = self.row_count()
        return QSize(CHART_WIDTH, rows * CHART_HEIGHT + max(rows - 1, 0) * CHART_SPACING)

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(320, hint.height())

    def text_size(self) -> float:
        """The charts' type size: a little smaller than the widget's own text (pixels)."""
        return max(QFontInfo(self.font()).pixelSize() * 0.85, 8.0)

    def chart_rects(self) -> list[QRectF]:
        """Where each row's chart is drawn, top to bottom."""
        width = max(self.width(), 1) - 1
        return [
            QRectF(0.5, 0.5 + index * (CHART_HEIGHT + CHART_SPACING), width, CHART_HEIGHT - 1)
            for index in range(self.row_count())
        ]

    def geometries(self) -> list[chart.ChartGeometry]:
        """The geometry of each row's chart at the widget's present size."""
        return [self._geometry(position) for position in range(len(self._charted))]

    def _geometry(self, position: int) -> chart.ChartGeometry:
        """The ``position``-th chart's geometry, made once for the sheet, width and type size."""
        assert self._sheet is not None
        size = self.text_size()
        key = (self.width(), size)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = key, {}
        made = self._drawn[1]
        if position not in made:
            rect = self.chart_rects()[position]
            made[position] = chart.chart_geometry(
                self._sheet, self._charted[position], rect, text_size=size
            )
        return made[position]

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._sheet is None:
            return
        painter = QPainter(self)
        try:
            family = fonts.load_fonts()
            exposed = QRectF(event.rect())
            for position, rect in enumerate(self.chart_rects()):
                if rect.intersects(exposed):  # only the charts in view are measured and drawn
                    chart.paint_geometry(painter, self._geometry(position), font_family=family)
        finally:
            painter.end()
