"""The rank-distribution bar chart of the 総括: how many KPIs got each rank.

As for the trend chart (:mod:`kpidesk.printing.chart`), geometry and
painting are apart: :func:`rank_chart_geometry` turns a group's counts
(:class:`kpidesk.evaluation_summary.RankCounts`) and a rectangle into plain
data (one bar per rank, then 「—」 for the items not judged and 評価対象外
when any item was left out; the value axis; the labels), tested without
painting; :func:`paint_rank_chart` draws it on any QPainter, so the 総括
window, the PDF page and the printer show the same chart. It is white paper
in any theme, as the trend chart is, with the trend chart's type, greys and
axis helpers.

Each rank's bar has the rank's colours as the list, the form and Excel show
them (:func:`kpidesk.ranking.rank_colours`: the pale colour filled, the
strong one as its edge and its label); each bar is labelled with its count
and share, ``6（40%）``, as the 総括's sentence prints them.

Only QtGui is used, never QtWidgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter

from kpidesk import evaluation_summary, ranking
from kpidesk.evaluation_summary import EXCLUDED_COLOURS, NOT_JUDGED_COLOURS, RankCounts
from kpidesk.printing.chart import (
    PRINT_TEXT_SIZE,
    Label,
    Tick,
    elide,
    nice_range,
    text_width,
    tick_text,
)
from kpidesk.printing.chart_canvas import ChartCanvas, paint_scaled

#: What the chart says when the group has no items.
NO_ITEMS = "対象の項目がありません"
#: The category under the bar of the items left out for an external factor.
EXCLUDED_LABEL = evaluation_summary.EXCLUDED_NAME
#: How much of its slot a bar takes.
BAR_SHARE = 0.56


@dataclass(frozen=True)
class Bar:
    """One bar of the chart.

    Attributes:
        name: the rank label, 「—」 or 評価対象外.
        count: how many items.
        rect: the bar (zero height for no items).
        edge: its edge colour and that of its category label (#rrggbb).
        fill: its fill colour.
        value: its count and share above it (``6（40%）``).
        category: its name under the axis.
        dashed: drawn with a dashed edge (the items left out).
    """

    name: str
    count: int
    rect: QRectF
    edge: str
    fill: str
    value: Label
    category: Label
    dashed: bool = False


@dataclass(frozen=True)
class RankChartGeometry:
    """Everything :func:`paint_rank_chart` draws, in the units of the rectangle given.

    Attributes:
        frame: the whole chart.
        plot: the area inside the axes.
        title: 評価の分布 and how many items the shares are of.
        bars: one per rank, then 「—」, then 評価対象外 when any item was left out.
        y_ticks: the count axis' ticks.
        message: the text shown instead of bars when the group has no items, else None.
        text_size: the base type size.
    """

    frame: QRectF
    plot: QRectF
    title: Label
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    message: Label | None
    text_size: float


def chart_title(counts: RankCounts) -> str:
    """``評価の分布（15項目）``, with the items left out after it."""
    title = f"評価の分布（{counts.counted}項目）"
    if counts.excluded:
        title += f"　ほかに{evaluation_summary.EXCLUDED_NAME} {counts.excluded}項目"
    return title


def _columns(counts: RankCounts) -> list[tuple[str, int, tuple[str, str], bool]]:
    """(name, count, (edge, fill), counted in the shares) for each bar, in order."""
    columns = [
        (label, count, ranking.rank_colours(index, len(counts.labels)), True)
        for index, (label, count) in enumerate(zip(counts.labels, counts.counts, strict=True))
    ]
    columns.append(
        (evaluation_summary.NOT_JUDGED_NAME, counts.not_judged, NOT_JUDGED_COLOURS, True)
    )
    if counts.excluded:
        columns.append((EXCLUDED_LABEL, counts.excluded, EXCLUDED_COLOURS, False))
    return columns


def rank_chart_geometry(
    counts: RankCounts, rect: QRectF, *, text_size: float = PRINT_TEXT_SIZE
) -> RankChartGeometry:
    """Lay the chart of ``counts`` out in ``rect``.

    Args:
        counts: the group's counts (usually the whole report year's).
        rect: where the chart goes, in the painter's units.
        text_size: the base type size in those units.
    """
    size = text_size
    pad = size * 0.9
    inner = rect.adjusted(pad, pad * 0.6, -pad, -pad * 0.6)
    title = Label(
        elide(chart_title(counts), size * 1.1, inner.width()),
        QRectF(inner.left(), inner.top(), inner.width(), size * 1.6),
        size * 1.1,
        bold=True,
    )
    if counts.total == 0:
        message = Label(NO_ITEMS, QRectF(rect), size, align="center", role="muted")
        return RankChartGeometry(QRectF(rect), QRectF(), title, (), (), message, size)

    columns = _columns(counts)
    highest = max(count for _, count, _, _ in columns)
    bottom, top, step = nice_range(0.0, float(max(highest, 1)), whole=True)
    places = 0
    tick_values = []
    value = bottom
    while value <= top + step * 1e-6:
        tick_values.append(value)
        value += step
    axis_width = max(text_width(tick_text(v, places), size) for v in tick_values) + size * 0.6
    category_height = size * 1.8
    plot = QRectF(
        inner.left() + axis_width,
        title.rect.bottom() + size * 1.8,  # room for the tallest bar's label
        inner.width() - axis_width,
        0.0,
    )
    plot.setBottom(inner.bottom() - category_height)

    def y_of(count: float) -> float:
        return plot.bottom() - (count - bottom) / (top - bottom) * plot.height()

    y_ticks = tuple(
        Tick(
            y_of(v),
            Label(
                tick_text(v, places),
                QRectF(inner.left(), y_of(v) - size, axis_width - size * 0.5, size * 2),
                size,
                align="right",
                role="muted",
            ),
        )
        for v in tick_values
    )
    slot = plot.width() / len(columns)
    bars: list[Bar] = []
    for number, (name, count, (edge, fill), shared) in enumerate(columns):
        centre = plot.left() + slot * (number + 0.5)
        width = min(slot * BAR_SHARE, size * 9)
        bar = QRectF(centre - width / 2, y_of(count), width, plot.bottom() - y_of(count))
        share = evaluation_summary.percent_text(counts.share(count)) if shared else ""
        text = f"{count}（{share}）" if share else str(count)
        if text_width(text, size) > slot - size * 0.2:
            text = str(count)
        value_label = Label(
            text,
            QRectF(centre - slot / 2, bar.top() - size * 1.6, slot, size * 1.5),
            size,
            align="center",
        )
        category = Label(
            elide(name, size * 1.1, slot - size * 0.2),
            QRectF(centre - slot / 2, plot.bottom() + size * 0.3, slot, size * 1.5),
            size * 1.1,
            align="center",
            bold=True,
        )
        bars.append(Bar(name, count, bar, edge, fill, value_label, category, dashed=not shared))
    return RankChartGeometry(QRectF(rect), plot, title, tuple(bars), y_ticks, None, size)


# --- painting ----------------------------------------------------------------------


def paint_rank_geometry(
    painter: QPainter, geometry: RankChartGeometry, *, font_family: str | None = None
) -> None:
    """Draw a rank chart's geometry with the trend chart's canvas; the painter's units
    are the geometry's units."""
    paint_scaled(painter, font_family, lambda canvas: _paint(canvas, geometry))


def _paint(canvas: ChartCanvas, g: RankChartGeometry) -> None:
    painter = canvas.painter
    unit = g.text_size / PRINT_TEXT_SIZE
    painter.setBrush(QBrush(QColor("#ffffff")))
    painter.setPen(canvas.pen("frame", 0.5 * unit))
    painter.drawRect(canvas.rect(g.frame))
    canvas.text(g.title)
    if g.message is not None:
        canvas.text(g.message)
        return
    plot = g.plot
    grid = canvas.pen("grid", 0.4 * unit)
    for tick in g.y_ticks:
        canvas.line(grid, plot.left(), tick.position, plot.right(), tick.position)
        canvas.text(tick.label)
    for bar in g.bars:
        if bar.rect.height() > 0:
            style = Qt.PenStyle.DashLine if bar.dashed else Qt.PenStyle.SolidLine
            painter.setPen(canvas.pen(bar.edge, 0.8 * unit, style))
            painter.setBrush(QBrush(QColor(bar.fill)))
            painter.drawRect(canvas.rect(bar.rect))
        canvas.text(bar.value)
        canvas.text(bar.category, colour=bar.edge)
    axis = canvas.pen("axis", 0.6 * unit)
    canvas.line(axis, plot.left(), plot.top(), plot.left(), plot.bottom())
    canvas.line(axis, plot.left(), plot.bottom(), plot.right(), plot.bottom())


def paint_rank_chart(
    painter: QPainter,
    rect: QRectF,
    counts: RankCounts,
    *,
    font_family: str | None = None,
    text_size: float = PRINT_TEXT_SIZE,
) -> RankChartGeometry:
    """Draw the rank chart of ``counts`` inside ``rect`` on any painter.

    Args:
        painter: an active painter (a widget's, a PDF page's, a printer's).
        rect: where the chart goes, in the painter's units.
        counts: the group's counts.
        font_family: the family :func:`~kpidesk.printing.fonts.load_fonts`
            returned (the default).
        text_size: the base type size in the painter's units.

    Returns:
        The geometry that was drawn.
    """
    geometry = rank_chart_geometry(counts, rect, text_size=text_size)
    paint_rank_geometry(painter, geometry, font_family=font_family)
    return geometry
