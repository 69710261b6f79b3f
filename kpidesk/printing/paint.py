"""Laid-out pages drawn on a PDF writer, a printer or the print preview, and the PDF itself.

:func:`paint_pages` draws the items of :mod:`kpidesk.printing.layout` on
any QPagedPaintDevice, so what is printed is what is saved as PDF;
:func:`pdf_bytes` and :func:`write_pdf` lay sheets out and make the PDF,
:func:`summary_pages` and :func:`write_summary_pdf` do the same for the 総括
(:mod:`kpidesk.printing.summary_page`).
:class:`QtMeasure` measures text with the same Qt fonts the painter draws
with.

Only QtGui is used (fonts, QTextLayout, QPainter, QPdfWriter), never
QtWidgets, so PDF export runs from the command line without a window.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, BinaryIO

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextLayout,
    QTextOption,
)

from kpidesk import __version__, wording
from kpidesk.evaluation_summary import EvaluationSummary
from kpidesk.model import Sheet
from kpidesk.printing import glyphs
from kpidesk.printing.chart import PRINT_TEXT_SIZE, paint_chart
from kpidesk.printing.fonts import (
    characters_in_face,
    drawing_font,
    load_fonts,
    pdf_face_names,
)
from kpidesk.printing.layout import (
    CONTENT_LEFT,
    CONTENT_WIDTH,
    FOOTER_SIZE,
    FOOTER_Y,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Box,
    Chart,
    Page,
    RankChart,
    Text,
    footer_texts,
    layout_document,
    line_height,
)
from kpidesk.printing.pdftext import complete_text_layer, is_outside_bmp
from kpidesk.printing.rank_chart import paint_rank_chart
from kpidesk.printing.summary_page import layout_summaries

RULE_COLOR = "#222222"
#: The charts' type size on the page (points).
CHART_TEXT_SIZE = PRINT_TEXT_SIZE

# --- measuring -----------------------------------------------------------------


class QtMeasure:
    """Measures with Qt's text layout and the bundled font (needs a QGuiApplication).

    Fonts are set in pixels of a tenth of a point, so measuring does not
    depend on the screen's resolution; the painter scales to the device.
    """

    SCALE = 10.0

    def __init__(self, family: str | None = None) -> None:
        self.family = family or load_fonts()
        #: Measures alike measure the same: layouts made with one are kept for another.
        self.cache_key = ("QtMeasure", self.family, self.SCALE)
        self._fonts: dict[tuple[float, bool], QFont] = {}
        self._cache: dict[tuple[str, float, float, bool], list[str]] = {}
        self._widths: dict[tuple[str, float, bool], float] = {}

    def font(self, size: float, bold: bool = False) -> QFont:
        """The font for a type size, in tenth-of-a-point pixels."""
        key = (size, bold)
        font = self._fonts.get(key)
        if font is None:
            font = self._fonts[key] = drawing_font(self.family, round(size * self.SCALE), bold)
        return font

    def width(self, text: str, size: float, bold: bool = False) -> float:
        key = (text, size, bold)
        found = self._widths.get(key)
        if found is None:
            layout = QTextLayout(text, self.font(size, bold))
            layout.beginLayout()
            line = layout.createLine()
            line.setLineWidth(1e9)
            layout.endLayout()
            found = self._widths[key] = line.naturalTextWidth() / self.SCALE
        return found

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        key = (text, size, width, bold)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        lines: list[str] = []
        for paragraph in text.split("\n"):
            lines.extend(self._wrap_paragraph(paragraph, size, width, bold))
        self._cache[key] = lines
        return lines

    def _wrap_paragraph(self, text: str, size: float, width: float, bold: bool) -> list[str]:
        if not text:
            return [""]
        layout = QTextLayout(text, self.font(size, bold))
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        lines = []
        limit = width * self.SCALE
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(limit)
            lines.append(text[line.textStart() : line.textStart() + line.textLength()])
        layout.endLayout()
        return [line.rstrip("\n") for line in lines]


# --- painting ------------------------------------------------------------------


def ensure_application() -> QGuiApplication:
    """A QGuiApplication with the bundled fonts (made offscreen when there is no screen)."""
    app = QGuiApplication.instance()
    if app is None:
        if (
            sys.platform.startswith("linux")
            and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY")
        ):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["kpidesk"])
    load_fonts()
    assert isinstance(app, QGuiApplication)
    return app


_ALIGN_FLAGS = {
    align: int(horizontal | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextDontClip)
    for align, horizontal in (
        ("left", Qt.AlignmentFlag.AlignLeft),
        ("center", Qt.AlignmentFlag.AlignHCenter),
        ("right", Qt.AlignmentFlag.AlignRight),
    )
}


class _Painter:
    """Draws items with as few state changes and Qt text layouts as possible.

    Every line was already wrapped by the layout, so it is drawn at its
    baseline without Qt laying it out again: a text drawn before (a
    heading, a unit, a department) from its glyph runs
    (:mod:`kpidesk.printing.glyphs`), a new one with ``drawText``, at its
    point when left-aligned, else through ``drawText(rect)``.
    """

    def __init__(self, painter: QPainter, measure: QtMeasure) -> None:
        self.painter = painter
        self.measure = measure
        scale = QtMeasure.SCALE
        self.scale = scale
        self.rule = QPen(QColor(RULE_COLOR))
        self.rule.setWidthF(0.6 * scale)
        self.text_pen = QPen(QColor("#000000"))
        self.footer_pen = QPen(QColor("#444444"))
        self.fills: dict[str, QColor] = {}
        self.metrics: dict[tuple[float, bool], tuple[float, float]] = {}
        self.font_key: tuple[float, bool] | None = None
        self.pen: QPen | None = None
        self.note = getattr(painter, "note", None)

    def use_pen(self, pen: QPen) -> None:
        if self.pen is not pen:
            self.painter.setPen(pen)
            self.pen = pen

    def use_font(self, size: float, bold: bool) -> tuple[float, float]:
        key = (size, bold)
        if self.font_key != key:
            font = self.measure.font(size, bold)
            self.painter.setFont(font)
            self.font_key = key
        return self.font_metrics(size, bold)

    def font_metrics(self, size: float, bold: bool) -> tuple[float, float]:
        """The ascent and descent of the font of a type size."""
        key = (size, bold)
        found = self.metrics.get(key)
        if found is None:
            metrics = QFontMetricsF(self.measure.font(size, bold))
            found = self.metrics[key] = (metrics.ascent(), metrics.descent())
        return found

    def box(self, item: Box) -> None:
        scale = self.scale
        rect = QRectF(item.x * scale, item.y * scale, item.width * scale, item.height * scale)
        if item.fill:
            color = self.fills.get(item.fill)
            if color is None:
                color = self.fills[item.fill] = QColor(item.fill)
            self.painter.fillRect(rect, color)
        if item.ruled:
            self.use_pen(self.rule)
            self.painter.drawRect(rect)

    def chart(self, item: Chart | RankChart) -> None:
        painter = self.painter
        painter.save()
        try:
            painter.scale(self.scale, self.scale)  # the chart is laid out in points
            rect = QRectF(item.x, item.y, item.width, item.height)
            family = self.measure.family
            if isinstance(item, RankChart):
                paint_rank_chart(
                    painter, rect, item.counts, font_family=family, text_size=CHART_TEXT_SIZE
                )
            else:
                paint_chart(
                    painter,
                    rect,
                    item.sheet,
                    item.row_index,
                    font_family=family,
                    text_size=CHART_TEXT_SIZE,
                    fingerprint=item.fingerprint,
                )
        finally:
            painter.restore()
        self.pen = None
        self.font_key = None

    def text(self, item: Text, pen: QPen | None = None) -> None:
        if not item.text:
            return
        scale = self.scale
        self.use_pen(pen or self.text_pen)
        size, bold = item.size, item.bold
        measure = self.measure
        key = (item.text, measure.family, round(size * QtMeasure.SCALE), bold)
        shaped = glyphs.SHAPED.line(key, lambda: measure.font(size, bold))
        if shaped is None:
            ascent, descent = self.use_font(size, bold)
        else:
            ascent, descent = self.font_metrics(size, bold)
        baseline = item.y * scale + (item.height * scale - ascent - descent) / 2 + ascent
        if shaped is not None:
            x = item.x * scale
            if item.align == "center":
                x += (item.width * scale - shaped.width) / 2
            elif item.align == "right":
                x += item.width * scale - shaped.width
            glyphs.draw(self.painter, x, baseline, shaped)
            if self.note is not None:
                self.note(item.text, bold)
        elif item.align == "left":
            self.painter.drawText(QPointF(item.x * scale, baseline), item.text)
        else:
            rect = QRectF(item.x * scale, item.y * scale, item.width * scale, item.height * scale)
            self.painter.drawText(rect, _ALIGN_FLAGS[item.align], item.text)


def _paint_page(draw: _Painter, page: Page, footer: tuple[str, str]) -> None:
    draw.painter.setBrush(Qt.BrushStyle.NoBrush)
    for item in page.items:
        if isinstance(item, Box):
            draw.box(item)
        elif isinstance(item, (Chart, RankChart)):
            draw.chart(item)
        else:
            draw.text(item)
    left, right = footer
    height = line_height(FOOTER_SIZE)
    draw.text(
        Text(CONTENT_LEFT, FOOTER_Y, CONTENT_WIDTH, height, left, FOOTER_SIZE), draw.footer_pen
    )
    draw.text(
        Text(CONTENT_LEFT, FOOTER_Y, CONTENT_WIDTH, height, right, FOOTER_SIZE, align="right"),
        draw.footer_pen,
    )


def paint_pages(
    device: QPagedPaintDevice,
    pages: Sequence[Page],
    book_name: str,
    *,
    painter: QPainter | None = None,
    progress: Callable[[int, int], None] | None = None,
    only: Collection[int] | None = None,
) -> None:
    """Draw pages on a PDF writer or a printer, one page each.

    The device's origin must be the paper's corner (``QPrinter.setFullPage(True)``).
    On paper other than A4 portrait (Letter, landscape) the A4 page is scaled
    down to fit and centred, so nothing is cut off.

    Args:
        device: the PDF writer or printer.
        pages: the laid-out pages.
        book_name: for the footer.
        painter: an active painter on ``device`` (the preview gives one).
        progress: called with (done, total) after each page; an exception it
            raises stops the drawing and, on a printer, cancels the job.
        only: page numbers (1-based) to draw, e.g. a print dialog's range;
            the footer keeps each page's number in the whole document.
    """
    measure = QtMeasure(load_fonts())
    own = painter is None
    if painter is None:
        painter = QPainter()
        if not painter.begin(device):
            raise OSError("印刷先（PDF・プリンター）を開けません")
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        dots_per_point_x = device.logicalDpiX() / 72.0
        dots_per_point_y = device.logicalDpiY() / 72.0
        paper = device.pageLayout().fullRectPoints()
        fit = min(1.0, paper.width() / PAGE_WIDTH, paper.height() / PAGE_HEIGHT)
        painter.translate(
            (paper.width() - PAGE_WIDTH * fit) / 2 * dots_per_point_x,
            (paper.height() - PAGE_HEIGHT * fit) / 2 * dots_per_point_y,
        )
        painter.scale(
            fit * dots_per_point_x / QtMeasure.SCALE, fit * dots_per_point_y / QtMeasure.SCALE
        )
        draw = _Painter(painter, measure)
        total = len(pages)
        wanted = [number for number in range(1, total + 1) if only is None or number in only]
        for done, number in enumerate(wanted, start=1):
            if done > 1 and not device.newPage():
                raise OSError("次のページを用意できません")
            # A new page may reset the painter's pen and font.
            draw.pen = None
            draw.font_key = None
            page = pages[number - 1]
            _paint_page(draw, page, footer_texts(page, number, total, book_name))
            if progress is not None:
                progress(done, len(wanted))
    except BaseException:
        # A printer must drop the job, not print the pages drawn so far.
        abort = getattr(device, "abort", None)
        if callable(abort):
            abort()
        raise
    finally:
        if own:
            painter.end()


def a4_layout() -> QPageLayout:
    """A4 portrait with no margins: the layout keeps its own margins."""
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(0, 0, 0, 0),
    )


PDF_RESOLUTION = 600


class _TextLog(QPainter):
    """A painter that notes each text it draws and whether it was bold, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn: list[tuple[str, bool]] = []

    def drawText(self, *args: Any) -> None:
        text = next((arg for arg in args if isinstance(arg, str)), "")
        self.drawn.append((text, self.font().bold()))
        super().drawText(*args)

    def note(self, text: str, bold: bool) -> None:
        """Note a text drawn from its glyph runs (:mod:`kpidesk.printing.glyphs`)."""
        self.drawn.append((text, bold))


def _with_text_layer(data: bytes, drawn: Sequence[tuple[str, bool]]) -> bytes:
    """The PDF with text for the characters outside the BMP Qt leaves out of it."""
    if max((max(text) for text, _ in drawn if text), default="") <= "\uffff":
        return data  # everything is in the BMP (looked at in C, not character by character)
    outside = {char for text, _ in drawn for char in text if is_outside_bmp(char)}
    if not outside:
        return data
    has_glyph = {
        bold: characters_in_face(
            {char for text, is_bold in drawn if is_bold == bold for char in text} & outside, bold
        )
        for bold in (False, True)
    }
    return complete_text_layer(data, drawn, pdf_face_names(load_fonts()), has_glyph)


def pdf_bytes(
    sheets: Sequence[Sheet],
    book_name: str = "",
    *,
    progress: Callable[[int, int], None] | None = None,
    chart: bool = False,
) -> tuple[bytes, int]:
    """The PDF of ``sheets`` (one or more pages each) and its number of pages.

    Args:
        sheets: the sheets, in order.
        book_name: the book's file name; its title (:func:`kpidesk.wording.book_title`)
            names it in the footer and is the PDF's title.
        progress: called with (done, total) after each page.
        chart: print each sheet's trend charts (the book's
            :meth:`~kpidesk.store.Store.print_chart` setting).

    Raises:
        OSError: the PDF could not be drawn.
    """
    ensure_application()
    with collector_paused():
        pages = layout_document(sheets, QtMeasure(load_fonts()), chart=chart)
        title = wording.book_title(book_name) or "KPI分析シート"
        return pages_pdf_bytes(pages, book_name, title, progress=progress)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a while (as it was, after).

    An export makes no reference cycles (what it makes is freed as its last
    reference goes), but it keeps thousands of layouts and chart geometries
    (:data:`~kpidesk.printing.layout.LAYOUTS`, :data:`~kpidesk.printing.chart.GEOMETRIES`),
    and every full collection walks all of them again: about a tenth of a
    first export's time. Cycles made meanwhile elsewhere wait for the next collection.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def pages_pdf_bytes(
    pages: Sequence[Page],
    book_name: str,
    title: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[bytes, int]:
    """The PDF of laid-out pages and its number of pages.

    Args:
        pages: the pages (of :func:`layout_document`, :func:`summary_pages`).
        book_name: for the footer.
        title: the PDF's title.
        progress: called with (done, total) after each page.

    Raises:
        OSError: the PDF could not be drawn.
    """
    ensure_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(a4_layout())
    writer.setResolution(PDF_RESOLUTION)
    writer.setCreator(f"KPI Desk {__version__}")
    writer.setTitle(title)
    painter = _TextLog()
    if not painter.begin(writer):
        raise OSError("印刷先（PDF・プリンター）を開けません")
    try:
        paint_pages(writer, pages, book_name, painter=painter, progress=progress)
    finally:
        painter.end()
    del writer
    buffer.close()
    return _with_text_layer(bytes(data.data()), painter.drawn), len(pages)


def summary_pages(summaries: Sequence[EvaluationSummary]) -> list[Page]:
    """The 総括 pages of each report year's summary, one year after the other."""
    ensure_application()
    return layout_summaries(summaries, QtMeasure(load_fonts()))


def write_summary_pdf(
    summaries: Sequence[EvaluationSummary], stream: BinaryIO, book_name: str = ""
) -> int:
    """Write the 総括 of each report year (:func:`summary_pages`) to ``stream`` as a PDF;
    return the number of pages.

    Raises:
        OSError: the PDF could not be drawn.
    """
    title = "KPI評価の総括" + (f"　{book_name}" if book_name else "")
    data, page_count = pages_pdf_bytes(summary_pages(summaries), book_name, title)
    stream.write(data)
    return page_count


def write_pdf(
    sheets: Sequence[Sheet],
    stream: BinaryIO,
    book_name: str = "",
    *,
    progress: Callable[[int, int], None] | None = None,
    chart: bool = False,
) -> int:
    """Write the PDF of ``sheets`` to ``stream``; return the number of pages.

    ``chart`` prints each sheet's trend charts, as in :func:`pdf_bytes`.
    """
    data, page_count = pdf_bytes(sheets, book_name, progress=progress, chart=chart)
    stream.write(data)
    return page_count
