"""The 別記様式2 page laid out as plain drawing items, and the decisions that shape it.

:func:`layout_sheet` turns a sheet into A4 pages of text lines, boxes and,
when asked, each value row's trend chart, all in points (1/72 inch). The
decisions in it (which type size, what goes on which page) are plain
functions tested on their own. Text is measured through the
:class:`Measure` protocol, so this module needs no Qt; the painter in
:mod:`kpidesk.printing.paint` measures with Qt and draws the items.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kpidesk import values, wording
from kpidesk.model import (
    BULLET_SECTIONS,
    ITEM_HEADING,
    OPINION_SECTION,
    SOURCE_FIELDS,
    TEXT_SECTIONS,
    UNIT_HEADING,
    Sheet,
    value_column_headings,
)
from kpidesk.printing.chart import charted_rows

if TYPE_CHECKING:
    from kpidesk.evaluation_summary import RankCounts

# --- page geometry (points, 1/72 inch) ---------------------------------------

PAGE_WIDTH = 595.276  # A4, 210 mm
PAGE_HEIGHT = 841.89  # A4, 297 mm
MARGIN_LEFT = 42.5  # 15 mm
MARGIN_RIGHT = 42.5
MARGIN_TOP = 34.0
MARGIN_BOTTOM = 48.0  # the footer sits in here
CONTENT_LEFT = MARGIN_LEFT
CONTENT_RIGHT = PAGE_WIDTH - MARGIN_RIGHT
CONTENT_WIDTH = CONTENT_RIGHT - CONTENT_LEFT
CONTENT_BOTTOM = PAGE_HEIGHT - MARGIN_BOTTOM
FOOTER_Y = PAGE_HEIGHT - 30.0

#: Type sizes (points).
FORM_MARK_SIZE = 9.0
TITLE_SIZE = 15.0
SECTION_SIZE = 8.5
HEADER_LABEL_SIZE = 9.0
HEADER_VALUE_SIZE = 10.5
TABLE_HEADER_SIZE = 8.0
TABLE_VALUE_SIZE = 9.5
BOX_HEADING_SIZE = 10.0
SOURCE_SIZE = 8.0
FOOTER_SIZE = 8.0
#: The text of the boxes shrinks in these steps before a second page is used.
BODY_SIZES = (10.5, 10.0, 9.5, 9.0, 8.5, 8.0)
MIN_BODY_SIZE = BODY_SIZES[-1]

LINE_SPACING = 1.45  # line advance as a multiple of the type size
CELL_PADDING = 3.0
BOX_PADDING = 5.0
BULLET = "・"
CONTINUED = "（続き）"

HEADER_FILL = "#eef1f5"

# --- drawing items -----------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One line of text, its top-left corner and its box (points)."""

    x: float
    y: float
    width: float
    height: float
    text: str
    size: float
    bold: bool = False
    align: str = "left"  # left, center, right


@dataclass(frozen=True)
class Box:
    """A rectangle: ruled, filled or both."""

    x: float
    y: float
    width: float
    height: float
    fill: str | None = None
    ruled: bool = True


@dataclass(frozen=True)
class Chart:
    """The trend chart of one value row (drawn by :func:`kpidesk.printing.chart.paint_chart`).

    Attributes:
        x, y, width, height: the chart's rectangle (points).
        sheet: the sheet whose row is drawn.
        row_index: which value row.
        fingerprint: the sheet's :func:`sheet_fingerprint` when the layout was
            kept (:class:`LayoutCache`), so the chart's geometry can be kept by
            it too; None otherwise.
    """

    x: float
    y: float
    width: float
    height: float
    sheet: Sheet = field(compare=False)
    row_index: int = 0
    fingerprint: Hashable = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RankChart:
    """The rank-distribution bar chart of a 総括 (drawn by
    :func:`kpidesk.printing.rank_chart.paint_rank_chart`).

    Attributes:
        x, y, width, height: the chart's rectangle (points).
        counts: the counts it shows.
    """

    x: float
    y: float
    width: float
    height: float
    counts: RankCounts = field(compare=False)


@dataclass
class Page:
    """One page of drawing items.

    Attributes:
        sheet_no: the No of the sheet on the page.
        continued: True on a sheet's second and later pages.
        body_size: the type size of the boxes' text.
        items: what to draw, in order.
        report_year: the report year of the sheet on the page (for the
            footer), or None.
        footer_mark: what the footer names instead of the No (``総括``), or "".
    """

    sheet_no: str
    continued: bool = False
    body_size: float = BODY_SIZES[0]
    items: list[Text | Box | Chart | RankChart] = field(default_factory=list)
    report_year: int | None = None
    footer_mark: str = ""

    def charts(self) -> list[Chart]:
        """The trend charts drawn on the page."""
        return [item for item in self.items if isinstance(item, Chart)]

    def texts(self) -> list[str]:
        """Every text drawn on the page, in drawing order."""
        return [item.text for item in self.items if isinstance(item, Text)]


# --- measuring ---------------------------------------------------------------


class Measure(Protocol):
    """How wide text is and where it wraps (a fake one makes layout testable)."""

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """The advance width of ``text`` in points."""
        ...

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """``text`` broken into lines no wider than ``width`` (Japanese rules)."""
        ...


def line_height(size: float) -> float:
    """The advance from one line to the next for a type size."""
    return size * LINE_SPACING


# --- layout decisions (plain functions) ------------------------------------------


def choose_body_size(
    fits: Callable[[float], bool], sizes: Sequence[float] = BODY_SIZES
) -> float | None:
    """The largest type size at which the boxes fit on one page, or None.

    Args:
        fits: tells whether everything fits one page at a size.
        sizes: the sizes to try, largest first.
    """
    for size in sizes:
        if fits(size):
            return size
    return None


@dataclass(frozen=True)
class FlowLine:
    """A line of a box's text as it flows down the pages.

    Attributes:
        section: the box (``efforts``, ``issues``, ``direction``, ``opinions``).
        text: the line's text.
        first: True for the first line of a bullet (it carries the ・).
    """

    section: str
    text: str
    first: bool


def paginate(
    sections: Sequence[tuple[str, list[FlowLine]]],
    *,
    first_space: float,
    next_space: float,
    heading_height: float,
    line_advance: float,
    box_padding: float = 2 * BOX_PADDING,
) -> list[list[tuple[str, list[FlowLine]]]]:
    """Share the boxes' lines out over pages.

    A box starts on a page only with its heading and at least one line; a
    box cut by a page break continues on the next page under its heading
    marked (続き). Every line goes on exactly one page.

    Args:
        sections: each box's name and lines, in order.
        first_space: the height left for boxes on the first page.
        next_space: the height for boxes on each later page.
        heading_height: the height of a box's heading band.
        line_advance: the height of one line of text.
        box_padding: the space a box takes besides its heading and lines.

    Returns:
        Per page, the boxes (name, lines) drawn on it.
    """
    pages: list[list[tuple[str, list[FlowLine]]]] = [[]]
    space = first_space
    box_overhead = heading_height + box_padding
    for name, lines in sections:
        remaining = list(lines) or [FlowLine(name, "", True)]
        while remaining:
            room = int((space - box_overhead) // line_advance) if space > box_overhead else 0
            if room < 1:
                if not pages[-1] and space == next_space:
                    room = 1  # a page too small for one line still takes one
                else:
                    pages.append([])
                    space = next_space
                    continue
            taken, remaining = remaining[:room], remaining[room:]
            pages[-1].append((name, taken))
            space -= box_overhead + len(taken) * line_advance
    return pages


# --- the layout ----------------------------------------------------------------


def table_header_labels(sheet: Sheet) -> list[str]:
    """The value table's header, broken into lines as on the paper form: 項目, 単位,
    then the value columns, as the Excel form has them."""
    return [ITEM_HEADING, UNIT_HEADING, *value_column_headings(sheet)]


class _Cursor:
    """Builds one page's items from the top down."""

    def __init__(self, page: Page, top: float) -> None:
        self.page = page
        self.y = top

    def add(self, item: Text | Box | Chart | RankChart) -> None:
        self.page.items.append(item)


def _cell_lines(
    measure: Measure, text: str, size: float, width: float, bold: bool = False
) -> list[str]:
    return measure.wrap(text, size, max(width - 2 * CELL_PADDING, size), bold)


def _grid_row(
    cursor: _Cursor,
    measure: Measure,
    cells: Sequence[tuple[float, str, float, bool, str, str | None]],
    min_height: float,
) -> None:
    """One row of ruled cells: (width, text, size, bold, align, fill) each."""
    wrapped = [
        _cell_lines(measure, text, size, width, bold) for width, text, size, bold, _, _ in cells
    ]
    height = max(
        min_height,
        *(
            len(lines) * line_height(size) + 2 * CELL_PADDING
            for lines, (_, _, size, _, _, _) in zip(wrapped, cells, strict=True)
        ),
    )
    x = CONTENT_LEFT
    for lines, (width, _, size, bold, align, fill) in zip(wrapped, cells, strict=True):
        cursor.add(Box(x, cursor.y, width, height, fill=fill))
        block = len(lines) * line_height(size)
        y = cursor.y + (height - block) / 2
        for line in lines:
            cursor.add(
                Text(
                    x + CELL_PADDING,
                    y,
                    width - 2 * CELL_PADDING,
                    line_height(size),
                    line,
                    size,
                    bold,
                    align,
                )
            )
            y += line_height(size)
        x += width
    cursor.y += height


def _heading(cursor: _Cursor, measure: Measure, sheet: Sheet, continued: bool) -> None:
    """The page top: the report year and 別記様式2, the title, the strategy section."""
    for text, align in (
        (wording.report_year_heading(sheet.report_year), "left"),
        ("<別記様式2>", "right"),
    ):
        cursor.add(
            Text(
                CONTENT_LEFT,
                cursor.y,
                CONTENT_WIDTH,
                line_height(FORM_MARK_SIZE),
                text,
                FORM_MARK_SIZE,
                align=align,
            )
        )
    cursor.y += line_height(FORM_MARK_SIZE)
    title = "KPI分析シート" + (CONTINUED if continued else "")
    cursor.add(
        Text(
            CONTENT_LEFT,
            cursor.y,
            CONTENT_WIDTH,
            line_height(TITLE_SIZE),
            title,
            TITLE_SIZE,
            bold=True,
            align="center",
        )
    )
    cursor.y += line_height(TITLE_SIZE) + 4
    if sheet.section and not continued:
        for line in measure.wrap(sheet.section, SECTION_SIZE, CONTENT_WIDTH):
            cursor.add(
                Text(
                    CONTENT_LEFT,
                    cursor.y,
                    CONTENT_WIDTH,
                    line_height(SECTION_SIZE),
                    line,
                    SECTION_SIZE,
                )
            )
            cursor.y += line_height(SECTION_SIZE)
        cursor.y += 2


LABEL_WIDTH = 48.0
NO_WIDTH = 62.0
DEPARTMENT_LABEL_WIDTH = 52.0


def _header_grid(cursor: _Cursor, measure: Measure, sheet: Sheet) -> None:
    """No, 担当課 and KPI名, ruled as on the form."""
    rest = CONTENT_WIDTH - LABEL_WIDTH - NO_WIDTH - DEPARTMENT_LABEL_WIDTH
    _grid_row(
        cursor,
        measure,
        [
            (LABEL_WIDTH, "No", HEADER_LABEL_SIZE, True, "center", HEADER_FILL),
            (NO_WIDTH, sheet.no, HEADER_VALUE_SIZE, False, "center", None),
            (DEPARTMENT_LABEL_WIDTH, "担当課", HEADER_LABEL_SIZE, True, "center", HEADER_FILL),
            (rest, sheet.departments_text, HEADER_VALUE_SIZE, False, "left", None),
        ],
        22.0,
    )
    _grid_row(
        cursor,
        measure,
        [
            (LABEL_WIDTH, "KPI名", HEADER_LABEL_SIZE, True, "center", HEADER_FILL),
            (CONTENT_WIDTH - LABEL_WIDTH, sheet.title, HEADER_VALUE_SIZE, True, "left", None),
        ],
        26.0,
    )


def _value_align(text: str) -> str:
    return "right" if values.parse_value(text).is_number else "center"


#: The most value columns (base, actuals, target) shown at full size; more shrink the table.
FULL_SIZE_COLUMNS = 7
MIN_TABLE_SIZE = 6.0


def table_sizes(columns: int) -> tuple[float, float]:
    """Header and value type sizes for a table of ``columns`` value columns.

    Up to seven columns (a base year, five actual years and a target) use
    the normal sizes; a wider table shrinks so that numbers such as
    ``△1,417`` still fit their cell on one line.
    """
    factor = min(1.0, FULL_SIZE_COLUMNS / max(columns, 1))
    return (
        max(MIN_TABLE_SIZE, round(TABLE_HEADER_SIZE * factor * 2) / 2),
        max(MIN_TABLE_SIZE, round(TABLE_VALUE_SIZE * factor * 2) / 2),
    )


def _value_text(measure: Measure, text: str, size: float, width: float) -> str:
    """A value as its cell prints it: a marked number too wide for one line puts its
    mark on the next line (``7,077`` / ``（速報値）``) rather than breaking it."""
    parts = values.split_marked(text)
    if parts is None or len(_cell_lines(measure, text, size, width)) == 1:
        return text
    return "\n".join(parts)


#: The widths of the value table's 項目 and 単位 columns (points).
ITEM_WIDTH = 70.0
UNIT_WIDTH = 56.0


def _value_table(cursor: _Cursor, measure: Measure, sheet: Sheet) -> None:
    """The header row of year columns and one line per value row."""
    columns = 2 + len(sheet.actual_years)  # base, actuals, target
    unit = (CONTENT_WIDTH - ITEM_WIDTH - UNIT_WIDTH) / (columns + 0.6)
    widths = [ITEM_WIDTH, UNIT_WIDTH, unit * 1.6, *([unit] * (columns - 1))]
    header_size, value_size = table_sizes(columns)
    labels = table_header_labels(sheet)
    _grid_row(
        cursor,
        measure,
        [
            (width, label, header_size, True, "center", HEADER_FILL)
            for width, label in zip(widths, labels, strict=True)
        ],
        30.0,
    )
    for row in sheet.rows:
        typed = [cell.text for cell in (row.baseline, *row.actuals, row.target)]
        texts = [
            _value_text(measure, text, value_size, width)
            for text, width in zip(typed, widths[2:], strict=True)
        ]
        aligns = [_value_align(text) for text in typed]
        cells = [
            (widths[0], row.label, value_size, False, "left", None),
            (widths[1], row.unit, value_size, False, "center", None),
        ]
        cells += [
            (width, text, value_size, False, align, None)
            for width, text, align in zip(widths[2:], texts, aligns, strict=True)
        ]
        _grid_row(cursor, measure, cells, 22.0)


#: What separates the source fields on their line.
SOURCE_SEPARATOR = "　"
#: The space between the value table and the source line under it.
SOURCE_GAP = 3.0


def source_text(sheet: Sheet) -> str:
    """The line under the value table: ``出典：…　公表時期：…　次回公表予定：…``.

    Only the fields that are given are named; "" when none is (no line is printed).
    """
    return SOURCE_SEPARATOR.join(
        f"{label}：{getattr(sheet, attr)}" for attr, label in SOURCE_FIELDS if getattr(sheet, attr)
    )


def _source_line(cursor: _Cursor, measure: Measure, sheet: Sheet) -> None:
    """Where the values come from and when they are published, small, under the table."""
    text = source_text(sheet)
    if not text:
        return
    cursor.y += SOURCE_GAP
    for line in measure.wrap(text, SOURCE_SIZE, CONTENT_WIDTH):
        cursor.add(
            Text(CONTENT_LEFT, cursor.y, CONTENT_WIDTH, line_height(SOURCE_SIZE), line, SOURCE_SIZE)
        )
        cursor.y += line_height(SOURCE_SIZE)


BOX_HEADING_HEIGHT = line_height(BOX_HEADING_SIZE) + 4
BOX_GAP = 8.0


def printed_sections(sheet: Sheet) -> list[tuple[str, str]]:
    """The boxes a sheet prints: the form's three always, the reviewer's when it has text."""
    sections = list(TEXT_SECTIONS)
    if any(text.strip() for text in sheet.opinions):
        sections.append(OPINION_SECTION)
    return sections


def _flow_lines(measure: Measure, sheet: Sheet, size: float) -> list[tuple[str, list[FlowLine]]]:
    """Each box's bullets wrapped at ``size``, with a hanging indent after ・."""
    indent = measure.width(BULLET, size)
    width = CONTENT_WIDTH - 2 * BOX_PADDING - indent
    sections = []
    for attr, _ in printed_sections(sheet):
        lines: list[FlowLine] = []
        for bullet in sheet.text_section(attr):
            for index, text in enumerate(measure.wrap(bullet, size, width)):
                lines.append(FlowLine(attr, text, index == 0))
        sections.append((attr, lines))
    return sections


def _boxes_height(sections: Sequence[tuple[str, list[FlowLine]]], size: float) -> float:
    return sum(
        BOX_HEADING_HEIGHT + 2 * BOX_PADDING + max(len(lines), 1) * line_height(size) + BOX_GAP
        for _, lines in sections
    )


def _draw_box(
    cursor: _Cursor,
    measure: Measure,
    name: str,
    lines: list[FlowLine],
    size: float,
    continued: bool,
) -> None:
    heading = dict(BULLET_SECTIONS)[name] + (CONTINUED if continued else "")
    height = BOX_HEADING_HEIGHT + 2 * BOX_PADDING + max(len(lines), 1) * line_height(size)
    top = _box_frame(cursor, height, heading)
    indent = measure.width(BULLET, size)
    y = top + BOX_HEADING_HEIGHT + BOX_PADDING
    x = CONTENT_LEFT + BOX_PADDING
    width = CONTENT_WIDTH - 2 * BOX_PADDING - indent
    for line in lines:
        if line.first and line.text:
            cursor.add(Text(x, y, indent, line_height(size), BULLET, size))
        cursor.add(Text(x + indent, y, width, line_height(size), line.text, size))
        y += line_height(size)
    cursor.y = top + height + BOX_GAP


def _continuation_heading(cursor: _Cursor, measure: Measure, sheet: Sheet) -> None:
    _heading(cursor, measure, sheet, continued=True)
    text = f"No {sheet.no}　{sheet.title}"
    for line in measure.wrap(text, HEADER_VALUE_SIZE, CONTENT_WIDTH, bold=True):
        cursor.add(
            Text(
                CONTENT_LEFT,
                cursor.y,
                CONTENT_WIDTH,
                line_height(HEADER_VALUE_SIZE),
                line,
                HEADER_VALUE_SIZE,
                bold=True,
            )
        )
        cursor.y += line_height(HEADER_VALUE_SIZE)
    cursor.y += 4


CHART_BOX_TITLE = "推移グラフ"
#: The height of one row's trend chart on the page, and the space between charts.
CHART_HEIGHT = 118.0
CHART_GAP = 6.0
#: Charts side by side in the box; a sheet of one row has one full-width chart.
CHARTS_PER_LINE = 2


def chart_lines(row_count: int, per_line: int = CHARTS_PER_LINE) -> list[list[int]]:
    """The value rows' indices in the lines of the chart box (``[[0, 1], [2]]``)."""
    return [
        list(range(start, min(start + per_line, row_count)))
        for start in range(0, row_count, per_line)
    ]


def chart_box_height(lines: int) -> float:
    """The height of a chart box holding ``lines`` lines of charts."""
    return BOX_HEADING_HEIGHT + 2 * BOX_PADDING + lines * CHART_HEIGHT + (lines - 1) * CHART_GAP


def _box_frame(cursor: _Cursor, height: float, heading: str) -> float:
    """A box of the page at the cursor with its shaded heading; returns its top."""
    top = cursor.y
    cursor.add(Box(CONTENT_LEFT, top, CONTENT_WIDTH, height))
    cursor.add(Box(CONTENT_LEFT, top, CONTENT_WIDTH, BOX_HEADING_HEIGHT, fill=HEADER_FILL))
    cursor.add(
        Text(
            CONTENT_LEFT + BOX_PADDING,
            top + 2,
            CONTENT_WIDTH - 2 * BOX_PADDING,
            line_height(BOX_HEADING_SIZE),
            heading,
            BOX_HEADING_SIZE,
            bold=True,
        )
    )
    return top


def _draw_chart_box(cursor: _Cursor, sheet: Sheet, lines: list[list[int]], continued: bool) -> None:
    """The 推移グラフ box with the charts of ``lines``."""
    height = chart_box_height(len(lines))
    top = _box_frame(cursor, height, CHART_BOX_TITLE + (CONTINUED if continued else ""))
    columns = min(CHARTS_PER_LINE, len(charted_rows(sheet)))
    inner = CONTENT_WIDTH - 2 * BOX_PADDING
    width = (inner - (columns - 1) * CHART_GAP) / columns
    y = top + BOX_HEADING_HEIGHT + BOX_PADDING
    for line in lines:
        x = CONTENT_LEFT + BOX_PADDING
        for index in line:
            cursor.add(Chart(x, y, width, CHART_HEIGHT, sheet, index))
            x += width + CHART_GAP
        y += CHART_HEIGHT + CHART_GAP
    cursor.y = top + height + BOX_GAP


def _chart_boxes(pages: list[Page], cursor: _Cursor, measure: Measure, sheet: Sheet) -> _Cursor:
    """Lay the chart box out from ``cursor`` on, continued on new pages as needed.

    A line of charts is never cut; a box that does not fit goes on under its
    heading marked (続き) on the next page. Returns the cursor below the box.
    """
    charted = charted_rows(sheet)
    remaining = [[charted[place] for place in line] for line in chart_lines(len(charted))]
    continued = False
    fresh = False
    while remaining:
        free = CONTENT_BOTTOM - cursor.y - chart_box_height(1)
        room = 0 if free < 0 else 1 + int(free // (CHART_HEIGHT + CHART_GAP))
        if room < 1:
            if not fresh:
                page = Page(sheet.no, continued=True, report_year=sheet.report_year)
                pages.append(page)
                cursor = _Cursor(page, MARGIN_TOP)
                _continuation_heading(cursor, measure, sheet)
                fresh = True
                continue
            room = 1  # a page too small for one chart still takes one
        taken, remaining = remaining[:room], remaining[room:]
        _draw_chart_box(cursor, sheet, taken, continued)
        continued = True
        fresh = False
    return cursor


def layout_sheet(sheet: Sheet, measure: Measure, *, chart: bool = False) -> list[Page]:
    """Lay one sheet out on as many A4 pages as its text needs (usually one).

    The boxes' type shrinks step by step (:data:`BODY_SIZES`) until the sheet
    fits one page; at the smallest size the boxes continue on further
    pages marked (続き). No text is ever dropped. The 出典 line under the
    value table and the 企画課・有識者意見 box after 今後の方向性 are printed
    only when the sheet has them, so a sheet without them prints as the form.

    Args:
        sheet: the sheet.
        measure: measures and wraps text.
        chart: put a 推移グラフ box with each value row's trend chart
            between the value table and the text boxes (a 期待値 row has
            none: it is drawn as the path of its row).
    """
    first = Page(sheet.no, report_year=sheet.report_year)
    pages = [first]
    cursor = _Cursor(first, MARGIN_TOP)
    _heading(cursor, measure, sheet, continued=False)
    _header_grid(cursor, measure, sheet)
    cursor.y += 8
    _value_table(cursor, measure, sheet)
    _source_line(cursor, measure, sheet)
    cursor.y += 10
    if chart and charted_rows(sheet):
        cursor = _chart_boxes(pages, cursor, measure, sheet)
    last = pages[-1]
    boxes_top = cursor.y
    space = CONTENT_BOTTOM - boxes_top
    flows: dict[float, list[tuple[str, list[FlowLine]]]] = {}

    def fits(size: float) -> bool:
        flows[size] = _flow_lines(measure, sheet, size)
        return _boxes_height(flows[size], size) - BOX_GAP <= space

    size = choose_body_size(fits)
    if size is not None:
        last.body_size = size
        for name, lines in flows[size]:
            _draw_box(cursor, measure, name, lines, size, continued=False)
        return pages

    size = MIN_BODY_SIZE
    probe = _Cursor(Page(sheet.no), MARGIN_TOP)
    _continuation_heading(probe, measure, sheet)
    shares = paginate(
        flows[size],
        first_space=space,
        next_space=CONTENT_BOTTOM - probe.y,
        heading_height=BOX_HEADING_HEIGHT,
        line_advance=line_height(size),
        box_padding=2 * BOX_PADDING + BOX_GAP,
    )
    started: set[str] = set()
    for number, boxes in enumerate(shares):
        if number == 0:
            page = last
        else:
            page = Page(sheet.no, continued=True, report_year=sheet.report_year)
            cursor = _Cursor(page, MARGIN_TOP)
            _continuation_heading(cursor, measure, sheet)
            pages.append(page)
        page.body_size = size
        for name, lines in boxes:
            _draw_box(cursor, measure, name, lines, size, continued=name in started)
            started.add(name)
    return pages


def layout_document(
    sheets: Iterable[Sheet], measure: Measure, *, chart: bool = False
) -> list[Page]:
    """Every sheet's pages, one after the other (with trend charts when ``chart``).

    A sheet laid out before with the same content, measure and ``chart``
    is not laid out again (:data:`LAYOUTS`).
    """
    return [page for sheet in sheets for page in LAYOUTS.layout(sheet, measure, chart=chart)]


def sheet_fingerprint(value: object) -> Hashable:
    """Everything a sheet shows, as nested tuples: equal for sheets that print the same.

    Every field that takes part in equality is in it (``id``, ``revision``
    and ``updated_at`` do not), so a field added to the model is in it too.
    """
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(sheet_fingerprint(item) for item in value)
    names = _COMPARED.get(type(value))
    if names is None:
        if not dataclasses.is_dataclass(value):
            raise TypeError(f"cannot fingerprint {type(value).__name__}")
        names = _COMPARED[type(value)] = tuple(
            item.name for item in dataclasses.fields(value) if item.compare
        )
    return (type(value).__name__, *(sheet_fingerprint(getattr(value, name)) for name in names))


_COMPARED: dict[type, tuple[str, ...]] = {}

#: Sheets whose layouts are kept (their pages take a few kilobytes each).
LAYOUT_LIMIT = 2000


class LayoutCache:
    """The pages of the sheets laid out most recently, by what the sheets show.

    Keyed by the sheet's :func:`sheet_fingerprint`, the measure's
    ``cache_key`` (a measure without one is never cached) and ``chart``, so
    a changed sheet is always laid out anew. Each call gets pages of its
    own, whose charts draw the sheet it passed.
    """

    def __init__(self, limit: int = LAYOUT_LIMIT) -> None:
        self.limit = limit
        self._pages: OrderedDict[Hashable, list[Page]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        """Forget every layout."""
        self._pages.clear()

    def layout(self, sheet: Sheet, measure: Measure, *, chart: bool = False) -> list[Page]:
        """:func:`layout_sheet` of ``sheet``, from the cache when it holds it."""
        measure_key = getattr(measure, "cache_key", None)
        if measure_key is None:
            return layout_sheet(sheet, measure, chart=chart)
        fingerprint = sheet_fingerprint(sheet)
        key = (fingerprint, measure_key, chart)
        pages = self._pages.get(key)
        if pages is None:
            pages = layout_sheet(sheet, measure, chart=chart)
            if chart:
                pages = _copies(pages, None, fingerprint)
            self._pages[key] = _copies(pages, None)
            if len(self._pages) > self.limit:
                self._pages.popitem(last=False)
            return pages
        self._pages.move_to_end(key)
        return _copies(pages, sheet)


def _copies(pages: Sequence[Page], sheet: Sheet | None, fingerprint: Hashable = None) -> list[Page]:
    """Pages of their own (items are frozen); charts draw ``sheet`` when given, and carry
    ``fingerprint`` when given."""
    changes: dict[str, object] = {}
    if sheet is not None:
        changes["sheet"] = sheet
    if fingerprint is not None:
        changes["fingerprint"] = fingerprint
    copies = []
    for page in pages:
        items = list(page.items)
        if changes:
            items = [
                dataclasses.replace(item, **changes) if isinstance(item, Chart) else item
                for item in items
            ]
        copies.append(dataclasses.replace(page, items=items))
    return copies


#: The layouts kept for every export and print of the process.
LAYOUTS = LayoutCache()


def footer_texts(page: Page, number: int, total: int, book_name: str) -> tuple[str, str]:
    """The footer: the book's title (not its file name), the report year and the No
    (or the page's own mark, such as 総括) on the left, the page number on the right;
    worded by :func:`kpidesk.wording.footer_text`."""
    mark = (page.footer_mark or f"No {page.sheet_no}") + (CONTINUED if page.continued else "")
    return wording.footer_text(book_name, page.report_year, mark), f"{number} / {total}"
