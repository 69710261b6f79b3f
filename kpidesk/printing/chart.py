"""The trend chart of a value row: its actuals by year against the base value, the target
and the 期待値 path (:mod:`kpidesk.printing.chart_expected`).

Geometry and painting are apart, as for the page (:mod:`kpidesk.printing.layout`,
:mod:`kpidesk.printing.paint`).
:func:`chart_geometry` turns one row of a sheet and a rectangle into plain
data (the points, the axis range and ticks, where each label goes), tested
without painting; :func:`paint_chart` draws that on any QPainter: a widget,
a QPdfWriter page or a printer, so the form and the printed page show the
same chart.

Only numbers are plotted. Cells holding words (集計中, —, 認定) or text that
is not understood are skipped; the words of actual cells (never text that
is not understood, such as ``=1+1``: it is a gap) are written small
at their year, and a word target such as 前年比減 is named in the legend
instead of being drawn. A row without a single number draws its frame with
「グラフにできる数値がありません」.

Units: the rectangle's units are taken as points (on paper) or pixels (on
screen); type sizes and line widths are in the same units. Text widths are
those of BIZ UDGothic, whose half-width characters are half an em and the
others a full em, so the geometry needs no font machinery.

Only QtGui is used, never QtWidgets.
"""

from __future__ import annotations

import math
import unicodedata
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPolygonF

from kpidesk import eras, expected, values
from kpidesk.model import Sheet, ValueRow
from kpidesk.printing import chart_expected
from kpidesk.printing.chart_canvas import COLORS as COLORS  # the colours by role
from kpidesk.printing.chart_canvas import FINE, ChartCanvas, brush, paint_scaled

#: The chart's base type size on paper (points).
PRINT_TEXT_SIZE = 7.0

NO_NUMBERS = "グラフにできる数値がありません"
ACTUAL_LABEL = "実績"
BASE_LABEL = "基準"
TARGET_LABEL = "目標"

#: Roughly how many intervals the value axis is divided into.
VALUE_INTERVALS = 4

# --- geometry --------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """A line of text and the box it is drawn in (chart units).

    Attributes:
        text: what is written.
        rect: the box; the text is centred vertically in it.
        size: the type size.
        align: ``left``, ``center`` or ``right`` within the box.
        role: the colour (a key of :data:`COLORS`).
        bold: bold type.
    """

    text: str
    rect: QRectF
    size: float
    align: str = "left"
    role: str = "text"
    bold: bool = False


@dataclass(frozen=True)
class ChartPoint:
    """A plotted value.

    Attributes:
        year: the fiscal year it belongs to.
        value: the number.
        text: the cell's text as typed (``"28,467"``).
        x: the horizontal position (chart units).
        y: the vertical position; larger values are higher, so smaller y.
    """

    year: int
    value: float
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Tick:
    """A mark on an axis: its position and its label."""

    position: float
    label: Label


@dataclass(frozen=True)
class LegendItem:
    """One entry of the legend.

    Attributes:
        kind: ``actual``, ``base``, ``target``, ``expected`` or ``note`` (text only).
        swatch: where its sample line and marker go (empty for a note).
        label: its text.
    """

    kind: str
    swatch: QRectF
    label: Label


@dataclass(frozen=True)
class ChartGeometry:
    """Everything :func:`paint_chart` draws, in the units of the rectangle given.

    Attributes:
        frame: the whole chart.
        plot: the area inside the axes.
        title: the row's label and unit.
        years: every year on the horizontal axis, base year to target year.
        actuals: the actuals that are numbers, in year order.
        base: the base value at its year, or None when it is no number.
        target: the target at the target year, or None when it is no number.
        target_word: a word target (``前年比減``) named in the legend, or "".
        x_ticks: one tick per year, labelled in era form (``R2``).
        y_ticks: the value axis' ticks.
        y_min: the value at the bottom of the plot.
        y_max: the value at the top of the plot.
        labels: the values written beside the points, the base and the target.
        pending: words of actual cells (``集計中``) written at their year.
        legend: the legend's entries.
        message: the text shown instead of a plot when the row has no
            number (then there are no points, ticks or legend), else None.
        text_size: the base type size.
        expected: the 期待値 path, base year first (its ``text`` as printed,
            ``3,568.75``); () when the row has none.
    """

    frame: QRectF
    plot: QRectF
    title: Label
    years: tuple[int, ...]
    actuals: tuple[ChartPoint, ...]
    base: ChartPoint | None
    target: ChartPoint | None
    target_word: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    y_min: float
    y_max: float
    labels: tuple[Label, ...]
    pending: tuple[Label, ...]
    legend: tuple[LegendItem, ...]
    message: Label | None
    text_size: float
    expected: tuple[ChartPoint, ...] = ()

    @property
    def points(self) -> tuple[ChartPoint, ...]:
        """Every plotted point: the base, the actuals and the target."""
        return tuple(
            point for point in (self.base, *self.actuals, self.target) if point is not None
        )


def charted_rows(sheet: Sheet) -> list[int]:
    """The value rows that get a trend chart: all but the 期待値 rows (whose values
    are drawn as the path of their row), in table order."""
    yardsticks = expected.yardsticks(sheet)
    return [index for index in range(len(sheet.rows)) if index not in yardsticks]


def text_width(text: str, size: float) -> float:
    """The width of ``text`` in BIZ UDGothic: half an em per half-width character."""
    ems = _EMS.get(text)
    if ems is None:
        if len(_EMS) > 8192:
            _EMS.clear()
        ems = _EMS[text] = sum(
            1.0 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 0.5 for char in text
        )
    return ems * size


#: Texts' widths in ems (ticks, years and the legend recur on every chart).
_EMS: dict[str, float] = {}


def elide(text: str, size: float, width: float) -> str:
    """``text`` cut with … so that it is no wider than ``width``."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…" if text else ""


def nice_range(
    low: float, high: float, intervals: int = VALUE_INTERVALS, *, whole: bool = False
) -> tuple[float, float, float]:
    """A rounded axis range around ``low`` to ``high`` and its tick step.

    The range keeps a little room above and below the values (never
    crossing zero when the values do not), and its ends are multiples of a
    step of 1, 2, 2.5 or 5 times a power of ten. Equal values get a range
    around them.

    Args:
        low: the smallest value.
        high: the largest value.
        intervals: about how many steps the range should have.
        whole: the values are whole numbers, so the step is one too (no 2.5).

    Returns:
        (bottom, top, step), with bottom < top.
    """
    if high < low:
        low, high = high, low
    if math.isclose(low, high, rel_tol=1e-12, abs_tol=1e-12) and low == 0:
        high = 1.0
    else:
        if math.isclose(low, high, rel_tol=1e-12, abs_tol=1e-12):
            pad = abs(low) * 0.1
        else:
            pad = (high - low) * 0.08
        low = max(low - pad, 0.0) if low >= 0 else low - pad
        high = min(high + pad, 0.0) if high <= 0 else high + pad
    raw = (high - low) / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    step = 10 * magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        candidate = multiple * magnitude
        if whole and (candidate < 1 or not math.isclose(candidate, round(candidate))):
            continue
        if candidate >= raw * 0.999:
            step = candidate
            break
    bottom = math.floor(low / step + 1e-9) * step
    top = math.ceil(high / step - 1e-9) * step
    if top <= bottom:
        top = bottom + step
    return bottom, top, step


def _decimals(step: float) -> int:
    """How many decimal places tick labels need for a step (2.5 needs 1, 0.02 needs 2)."""
    for places in range(0, 10):
        if math.isclose(step * 10**places, round(step * 10**places), abs_tol=1e-6):
            return places
    return 9


def tick_text(value: float, places: int) -> str:
    """A tick's label: thousands separated, ``places`` decimals, ``-`` for negatives."""
    number = Decimal(f"{value:.{places}f}")
    if number.is_zero():
        number = abs(number)
    return values.format_number(number)


#: Beyond this a figure has more digits than a float (or a page) can show: not drawn.
LARGEST_DRAWN = 1e15


def _number(text: str) -> float | None:
    """The value to draw, or None (no number, or one too large to place on a page)."""
    number = values.parse_value(text).number
    if number is None:
        return None
    value = float(number)
    return value if abs(value) < LARGEST_DRAWN else None


def chart_years(sheet: Sheet) -> tuple[int, ...]:
    """The years on the horizontal axis: base year to target year (and any actual year)."""
    years = [sheet.baseline_year, *sheet.actual_years, sheet.target_year]
    return tuple(range(min(years), max(years) + 1))


def chart_title(row: ValueRow) -> str:
    """The chart's heading: the row's label and its unit (``単年（単位: 件/年）``)."""
    unit = f"単位: {row.unit}" if row.unit.strip() else ""
    if row.label.strip() and unit:
        return f"{row.label}（{unit}）"
    return row.label.strip() or unit


def has_numbers(sheet: Sheet, row_index: int) -> bool:
    """Whether a row has any number to draw (base, an actual or the target)."""
    row = sheet.rows[row_index]
    return any(cell.number is not None for cell in (row.baseline, *row.actuals, row.target))


def _label(
    text: str, x: float, y: float, size: float, align: str, role: str, bold: bool = False
) -> Label:
    """A label whose box starts at (x, y) (left), is centred on x, or ends at x (right)."""
    width = text_width(text, size)
    left = x if align == "left" else x - width / 2 if align == "center" else x - width
    return Label(text, QRectF(left, y, width, size * 1.3), size, align, role, bold)


def _overlap(rect: QRectF, taken: Sequence[QRectF]) -> float:
    """The area of ``rect`` covered by the rectangles in ``taken``."""
    total = 0.0
    for other in taken:
        common = rect.intersected(other)
        if common.width() > TOUCH and common.height() > TOUCH:  # touching is no overlap
            total += common.width() * common.height()
    return total


#: Rectangles that share less than this (chart units) merely touch.
TOUCH = 1e-3


#: The least room between two value labels side by side, in text heights: without
#: it 「基準 28,461」 and 「28,467」 read as one run of figures.
LABEL_SPACING = 0.5


def _place(
    candidates: Iterable[Label], dots: Sequence[QRectF], placed: list[QRectF], bounds: QRectF
) -> Label:
    """The first candidate inside ``bounds``, clear of the ``dots`` and of the labels
    already ``placed`` (with :data:`LABEL_SPACING` beside them), else the least covered
    of those inside (of all when none is inside). The one chosen joins ``placed``.

    ``candidates`` may be lazy: those after the one chosen are not made.
    """

    def covered(label: Label) -> float:
        room = label.size * LABEL_SPACING
        spaced = label.rect.adjusted(-room, 0, room, 0)
        return _overlap(label.rect, dots) + _overlap(spaced, placed)

    made: list[Label] = []
    for label in candidates:
        if bounds.contains(label.rect) and covered(label) == 0.0:
            chosen = label
            break
        made.append(label)
    else:
        inside = [label for label in made if bounds.contains(label.rect)] or made
        chosen = min(inside, key=covered)
    placed.append(chosen.rect)
    return chosen


def chart_geometry(
    sheet: Sheet, row_index: int, rect: QRectF, *, text_size: float = PRINT_TEXT_SIZE
) -> ChartGeometry:
    """Where everything of one row's trend chart goes inside ``rect``.

    Args:
        sheet: the sheet (its years and rows).
        row_index: which value row.
        rect: the chart's rectangle, in points or pixels.
        text_size: the type size of ticks and labels, in the same units.

    Returns:
        The chart's geometry.

    Raises:
        IndexError: the sheet has no such row.
    """
    row = sheet.rows[row_index]
    size = text_size
    title_size = size * 1.15
    pad = size * 0.7
    years = chart_years(sheet)
    title = Label(
        elide(chart_title(row), title_size, rect.width() - 2 * pad),
        QRectF(rect.left() + pad, rect.top() + pad * 0.6, rect.width() - 2 * pad, title_size * 1.3),
        title_size,
        bold=True,
    )
    header_bottom = title.rect.bottom() + size * 0.5

    base_value = _number(row.baseline.text)
    target_value = _number(row.target.text)
    actual_values = [
        (year, cell.text, _number(cell.text))
        for year, cell in zip(sheet.actual_years, row.actuals, strict=False)
    ]
    path = chart_expected.path_values(sheet, row_index)
    numbers = [value for _, _, value in actual_values if value is not None]
    numbers += [value for value in (base_value, target_value) if value is not None]
    # Ticks stay whole for whole values, though the path may pass between them.
    whole = all(value == int(value) for value in numbers)
    numbers += [value for _, value, _ in path]
    target_parsed = row.target.parsed
    # Only a known word is named: text not understood (``=1+1``, ``12a``) is a gap.
    target_word = (
        row.target.text.strip()
        if target_parsed.word is not None and target_parsed.word != "—"
        else ""
    )

    if not numbers:
        body = QRectF(
            rect.left() + pad,
            header_bottom,
            rect.width() - 2 * pad,
            max(rect.bottom() - pad - header_bottom, size),
        )
        message = Label(NO_NUMBERS, body, size * 1.1, "center", "muted")
        return ChartGeometry(
            frame=QRectF(rect),
            plot=body,
            title=title,
            years=years,
            actuals=(),
            base=None,
            target=None,
            target_word=target_word,
            x_ticks=(),
            y_ticks=(),
            y_min=0.0,
            y_max=0.0,
            labels=(),
            pending=(),
            legend=(),
            message=message,
            text_size=size,
        )

    # The legend stands right of the title, or under it when both do not fit one line.
    legend_args = (size, base_value is not None, target_value is not None, target_word, bool(path))
    legend = _legend(rect.right() - pad, title.rect.center().y(), *legend_args)
    title_end = title.rect.left() + text_width(title.text, title_size)
    if _left_edge(legend) < title_end + size:
        middle = title.rect.bottom() + size * 0.7
        legend = _legend(rect.right() - pad, middle, *legend_args)
        header_bottom = middle + size * 0.65 + size * 0.5

    bottom, top, step = nice_range(min(numbers), max(numbers), whole=whole)
    places = _decimals(step)
    tick_values = [bottom + index * step for index in range(round((top - bottom) / step) + 1)]
    tick_texts = [tick_text(value, places) for value in tick_values]
    axis_width = max(text_width(text, size) for text in tick_texts) + size * 0.6

    plot = QRectF(
        rect.left() + pad + axis_width,
        header_bottom + size * 0.4,
        rect.width() - 2 * pad - axis_width - size * 0.4,
        0.0,
    )
    plot.setBottom(rect.bottom() - pad * 0.6 - size * 1.5)
    if plot.height() < size:
        plot.setHeight(size)

    inset = min(plot.width() * 0.07, size * 3.0)
    span = max(years[-1] - years[0], 1)

    def x_of(year: int) -> float:
        if len(years) == 1:
            return plot.center().x()
        return plot.left() + inset + (year - years[0]) / span * (plot.width() - 2 * inset)

    def y_of(value: float) -> float:
        return plot.bottom() - (value - bottom) / (top - bottom) * plot.height()

    actuals = tuple(
        ChartPoint(year, value, text.strip(), x_of(year), y_of(value))
        for year, text, value in actual_values
        if value is not None
    )

    def marker(year: int, value: Decimal | None, text: str) -> ChartPoint | None:
        """The base or target point, when it has a number."""
        if value is None:
            return None
        return ChartPoint(year, value, text.strip(), x_of(year), y_of(value))

    base = marker(sheet.baseline_year, base_value, row.baseline.text)
    target = marker(sheet.target_year, target_value, row.target.text)
    expected_points = tuple(
        ChartPoint(year, value, text, x_of(year), y_of(value)) for year, value, text in path
    )

    x_ticks = tuple(
        Tick(
            x_of(year),
            _label(
                eras.short_label(year),
                x_of(year),
                plot.bottom() + size * 0.35,
                size,
                "center",
                "text",
            ),
        )
        for year in years
    )
    y_ticks = tuple(
        Tick(
            y_of(value),
            Label(
                text,
                QRectF(
                    rect.left() + pad,
                    y_of(value) - size * 0.65,
                    axis_width - size * 0.5,
                    size * 1.3,
                ),
                size,
                "right",
                "muted",
            ),
        )
        for value, text in zip(tick_values, tick_texts, strict=True)
    )

    # Value labels: the actuals first (above their dot, below when that is
    # crowded), then the base and the target, each where it overlaps nothing.
    dot = size * 0.45
    dots = [QRectF(p.x - dot, p.y - dot, 2 * dot, 2 * dot) for p in (base, *actuals, target) if p]
    placed: list[QRectF] = []
    # Labels stay between the axes, though they may rise into the space above the plot.
    bounds = QRectF(
        plot.left(), header_bottom, rect.right() - plot.left(), plot.bottom() - header_bottom
    )
    labels: list[Label] = []
    gap = size * 0.35
    height = size * 1.3
    for index, point in enumerate(actuals):
        # The label's box has some leading above and below the type: it may touch the dot.
        above, below = point.y - dot - height, point.y + dot
        # A dip (lower than its neighbours) is labelled underneath, clear of its lines.
        neighbours = [p.value for p in actuals[max(index - 1, 0) : index + 2] if p is not point]
        dip = bool(neighbours) and all(value > point.value for value in neighbours)
        tops = (below, above) if dip else (above, below)
        labels.append(
            _place(
                (_label(point.text, point.x, top, size, "center", "actual", True) for top in tops),
                dots,
                placed,
                bounds,
            )
        )
    if base is not None:
        text = f"{BASE_LABEL} {base.text}"
        places = (
            (base.x + dot, base.y - gap - height, "left"),
            (base.x + dot, base.y + gap, "left"),
            (base.x, base.y - dot - gap - height, "center"),
            (base.x, base.y + dot + gap, "center"),
        )
        labels.append(
            _place(
                (_label(text, x, y, size, align, "base") for x, y, align in places),
                dots,
                placed,
                bounds,
            )
        )
    if target is not None:
        text = f"{TARGET_LABEL} {target.text}"
        places = (
            (target.x - dot - gap, target.y - gap - height, "right"),
            (target.x - dot - gap, target.y + gap, "right"),
            (target.x, target.y - dot - gap - height, "center"),
        )
        labels.append(
            _place(
                (_label(text, x, y, size, align, "target") for x, y, align in places),
                dots,
                placed,
                bounds,
            )
        )

    pending = tuple(
        _label(text.strip(), x_of(year), plot.bottom() - size * 1.5, size * 0.9, "center", "muted")
        for year, text, value in actual_values
        if value is None and values.parse_value(text).word is not None
    )

    return ChartGeometry(
        frame=QRectF(rect),
        plot=plot,
        title=title,
        years=years,
        actuals=actuals,
        base=base,
        target=target,
        target_word=target_word,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        y_min=bottom,
        y_max=top,
        labels=tuple(labels),
        pending=pending,
        legend=legend,
        message=None,
        text_size=size,
        expected=expected_points,
    )


def _left_edge(legend: Sequence[LegendItem]) -> float:
    """Where the legend begins on the left."""
    return min(
        (item.swatch.left() if not item.swatch.isEmpty() else item.label.rect.left())
        for item in legend
    )


def _legend(
    right: float,
    middle: float,
    size: float,
    base: bool,
    target: bool,
    target_word: str,
    expected: bool,
) -> tuple[LegendItem, ...]:
    """The legend, right-aligned at ``right`` on a line centred at ``middle``."""
    entries = [("actual", ACTUAL_LABEL)]
    if base:
        entries.append(("base", BASE_LABEL))
    if target:
        entries.append(("target", TARGET_LABEL))
    elif target_word:
        entries.append(("note", f"{TARGET_LABEL}: {target_word}"))
    if expected:
        entries.append(("expected", chart_expected.EXPECTED_LABEL))
    swatch_width = size * 2.2
    gap = size * 0.4
    items: list[LegendItem] = []
    x = right
    for kind, text in reversed(entries):
        label = _label(text, x, middle - size * 0.65, size, "right", "text")
        x -= label.rect.width()
        swatch = QRectF()
        if kind != "note":
            swatch = QRectF(x - gap - swatch_width, middle - size * 0.5, swatch_width, size)
            x = swatch.left()
        items.append(LegendItem(kind, swatch, label))
        x -= size * 1.2
    return tuple(reversed(items))


# --- painting ----------------------------------------------------------------------


def paint_geometry(
    painter: QPainter, geometry: ChartGeometry, *, font_family: str | None = None
) -> None:
    """Draw a chart's geometry; the painter's units are the geometry's units.

    ``font_family`` defaults to the bundled font's (:func:`~kpidesk.printing.fonts.load_fonts`).
    """
    paint_scaled(painter, font_family, lambda canvas: _paint(canvas, geometry))


#: The dash patterns of the base and the target lines (in line widths).
BASE_DASH = (4.0, 2.5)
TARGET_DASH = (1.5, 2.0)


def _paint(canvas: ChartCanvas, g: ChartGeometry) -> None:
    painter = canvas.painter
    size = g.text_size
    unit = size / PRINT_TEXT_SIZE  # line widths grow with the type
    painter.setBrush(brush("#ffffff"))
    painter.setPen(canvas.pen("frame", 0.5 * unit))
    painter.drawRect(canvas.rect(g.frame))
    canvas.text(g.title)
    if g.message is not None:
        canvas.text(g.message)
        return
    plot = g.plot
    left, right, bottom = plot.left(), plot.right(), plot.bottom()
    painter.setBrush(Qt.BrushStyle.NoBrush)

    # Grid lines and tick marks never touch each other (nor the labels), so each
    # kind is drawn in one call; the axes, which meet, are drawn one by one.
    canvas.lines(
        canvas.pen("grid", 0.4 * unit),
        [(left, tick.position, right, tick.position) for tick in g.y_ticks],
    )
    for tick in g.y_ticks:
        canvas.text(tick.label)
    if g.y_min < 0 < g.y_max:
        zero = bottom - (0 - g.y_min) / (g.y_max - g.y_min) * plot.height()
        canvas.line(canvas.pen("zero", 0.6 * unit), left, zero, right, zero)
    axis = canvas.pen("axis", 0.6 * unit)
    canvas.line(axis, left, plot.top(), left, bottom)
    canvas.line(axis, left, bottom, right, bottom)
    mark = bottom + size * 0.3
    canvas.lines(axis, [(tick.position, bottom, tick.position, mark) for tick in g.x_ticks])
    for tick in g.x_ticks:
        canvas.text(tick.label)
    for label in g.pending:
        canvas.text(label)

    line_width = 0.8 * unit
    custom = Qt.PenStyle.CustomDashLine
    if g.base is not None:
        canvas.line(
            canvas.pen("base", line_width, custom, BASE_DASH), left, g.base.y, right, g.base.y
        )
    if g.target is not None:
        pen = canvas.pen("target", line_width, custom, TARGET_DASH)
        canvas.line(pen, left, g.target.y, right, g.target.y)

    radius = size * 0.38
    if g.expected:
        chart_expected.draw_path(
            painter,
            [canvas.point(p.x, p.y) for p in g.expected],
            [canvas.point(p.x, p.y) for p in g.expected if p.year != g.years[0]],
            unit * FINE,
        )
    if len(g.actuals) > 1:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(canvas.pen("actual", 1.3 * unit))
        painter.drawPolyline(QPolygonF([canvas.point(p.x, p.y) for p in g.actuals]))
    if g.base is not None:
        canvas.dot(g.base.x, g.base.y, radius, "base", filled=False)
    if g.target is not None:
        canvas.diamond(g.target.x, g.target.y, radius * 1.45, "target")
    canvas.dots([(point.x, point.y) for point in g.actuals], radius, "actual")
    for label in g.labels:
        canvas.text(label, halo=True)

    for item in g.legend:
        swatch = item.swatch
        middle = swatch.center().y()
        if item.kind == "actual":
            canvas.line(
                canvas.pen("actual", 1.3 * unit), swatch.left(), middle, swatch.right(), middle
            )
            canvas.dot(swatch.center().x(), middle, radius, "actual")
        elif item.kind == "base":
            pen = canvas.pen("base", line_width, custom, BASE_DASH)
            canvas.line(pen, swatch.left(), middle, swatch.right(), middle)
            canvas.dot(swatch.center().x(), middle, radius, "base", filled=False)
        elif item.kind == "target":
            pen = canvas.pen("target", line_width, custom, TARGET_DASH)
            canvas.line(pen, swatch.left(), middle, swatch.right(), middle)
            canvas.diamond(swatch.center().x(), middle, radius * 1.45, "target")
        elif item.kind == "expected":
            ends = (canvas.point(swatch.left(), middle), canvas.point(swatch.right(), middle))
            chart_expected.draw_swatch(painter, *ends, unit * FINE)
        canvas.text(item.label)


def paint_chart(
    painter: QPainter,
    rect: QRectF,
    sheet: Sheet,
    row_index: int,
    *,
    font_family: str | None = None,
    text_size: float = PRINT_TEXT_SIZE,
    fingerprint: Hashable = None,
) -> ChartGeometry:
    """Draw the trend chart of one value row inside ``rect`` on any painter.

    Args:
        painter: an active painter (a widget's, a PDF page's, a printer's).
        rect: where the chart goes, in the painter's units.
        sheet: the sheet.
        row_index: which value row.
        font_family: the family :func:`~kpidesk.printing.fonts.load_fonts`
            returned (the default).
        text_size: the base type size in the painter's units.
        fingerprint: the sheet's :func:`~kpidesk.printing.layout.sheet_fingerprint`,
            when known: the geometry is then kept (:data:`GEOMETRIES`).

    Returns:
        The geometry that was drawn (kept ones are shared: not to be changed).
    """
    if fingerprint is None:
        geometry = chart_geometry(sheet, row_index, rect, text_size=text_size)
    else:
        geometry = GEOMETRIES.geometry(fingerprint, sheet, row_index, rect, text_size)
    paint_geometry(painter, geometry, font_family=font_family)
    return geometry


#: Chart geometries kept (a thousand-sheet book has about 1,200 charts).
GEOMETRY_LIMIT = 2500


class GeometryCache:
    """The geometries of the charts drawn most recently, by what their sheets show.

    Keyed by the sheet's fingerprint (:func:`kpidesk.printing.layout.sheet_fingerprint`:
    everything the sheet shows), the row, the rectangle and the type size, so the chart
    of a changed sheet is always placed anew; the least recently used go first.
    """

    def __init__(self, limit: int = GEOMETRY_LIMIT) -> None:
        self.limit = limit
        self._geometries: OrderedDict[Hashable, ChartGeometry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._geometries)

    def clear(self) -> None:
        """Forget every geometry."""
        self._geometries.clear()

    def geometry(
        self, fingerprint: Hashable, sheet: Sheet, row_index: int, rect: QRectF, text_size: float
    ) -> ChartGeometry:
        """:func:`chart_geometry` of the row, kept; ``fingerprint`` is ``sheet``'s."""
        key = (fingerprint, row_index, rect.x(), rect.y(), rect.width(), rect.height(), text_size)
        kept = self._geometries
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
            return found
        found = kept[key] = chart_geometry(sheet, row_index, rect, text_size=text_size)
        if len(kept) > self.limit:
            kept.popitem(last=False)
        return found


#: The geometries kept for every export and print of the process.
GEOMETRIES = GeometryCache()
