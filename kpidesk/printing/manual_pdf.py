"""The user manual as a printable PDF: every page of :mod:`kpidesk.manual` on A4.

The pages' Markdown is laid out by one QTextDocument in the bundled BIZ
UDGothic (so the PDF reads the same everywhere and its text can be
searched), each page of the manual starting on a new sheet of paper, with
a title page and a page number under every page; the writer is Qt's
QPdfWriter, as for the sheets (:mod:`kpidesk.printing.paint`). Only QtGui
is used, so ``make manual-pdf`` runs without a window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFormat,
    QTextImageFormat,
)

from kpidesk import APP_TITLE, __version__, manual
from kpidesk.printing.fonts import load_fonts

#: The PDF's resolution (dots per inch).
RESOLUTION = 144
#: A screenshot's size on paper: this many of its pixels to a point (a pixel of
#: a 96 dpi screen is 0.75 pt; drawn smaller, they stay sharp).
SCREENSHOT_SCALE = 0.75
#: Margins of every page (mm) and the body text's size (pt).
MARGIN_MM = 18.0
TEXT_POINTS = 10.0
FOOTER_POINTS = 8.0
TITLE = f"{APP_TITLE} 操作マニュアル"


def manual_document(folder: Path | None = None, width: float = 0.0) -> QTextDocument:
    """The whole manual as one document: a title, then each page on a new sheet.

    Images are loaded from the manual's folder and drawn no wider than
    ``width`` (in the layout's pixels of 1/96 inch; 0: as they are).
    """
    folder = folder or manual.manual_dir()
    document = QTextDocument()
    document.setDefaultFont(QFont(load_fonts(), TEXT_POINTS))
    document.setBaseUrl(QUrl.fromLocalFile(str(folder) + "/"))
    cursor = QTextCursor(document)
    cursor.insertHtml(
        f"<h1>{TITLE}</h1><p>{APP_TITLE} {__version__}</p>"
        "<p>このマニュアルは、プログラムの ヘルプ → 操作マニュアル（F1）と同じ内容です。</p>"
        "<h2>目次</h2><ol>"
        + "".join(f"<li>{page.title}</li>" for page in manual.pages(folder))
        + "</ol>"
    )
    for page in manual.pages(folder):
        part = QTextDocument()
        part.setBaseUrl(document.baseUrl())
        part.setMarkdown(page.markdown)
        block = QTextBlockFormat()
        block.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertBlock(block)
        cursor.insertFragment(QTextDocumentFragment(part))
    for name in {image for page in manual.pages(folder) for image in page.images()}:
        image = QImage(str(folder / name))
        if not image.isNull():
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    if width > 0:
        fit_images(document, folder, width, SCREENSHOT_SCALE)
    return document


def fit_images(document: QTextDocument, folder: Path, width: float, scale: float) -> None:
    """Draw every image of ``document`` at ``scale`` times its pixel size, and no wider
    than ``width`` (the images are files under ``folder``)."""
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            form = fragment.charFormat()
            if form.isImageFormat():
                image_format = form.toImageFormat()
                image = QImage(str(folder / image_format.name()))
                if not image.isNull():
                    shown = min(width, image.width() * scale)
                    fitted = QTextImageFormat(image_format)
                    fitted.setWidth(shown)
                    fitted.setHeight(shown * image.height() / image.width())
                    cursor = QTextCursor(document)
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(
                        fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor
                    )
                    cursor.setCharFormat(fitted)
            iterator += 1
        block = block.next()


def manual_pdf_bytes(folder: Path | None = None) -> bytes:
    """The manual as a PDF (A4 portrait, a page number under each page). Needs a QGuiApplication."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(TITLE)
    writer.setCreator(f"{APP_TITLE} {__version__}")
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    body = writer.pageLayout().paintRectPixels(RESOLUTION)
    footer_height = FOOTER_POINTS * RESOLUTION / 72 * 2.5
    # The layout measures images in pixels of 1/96 inch whatever the device.
    document = manual_document(folder, body.width() * 96 / RESOLUTION)
    document.documentLayout().setPaintDevice(writer)
    document.setPageSize(QSizeF(body.width(), body.height() - footer_height))
    page_height = body.height() - footer_height
    count = document.pageCount()
    footer_font = QFont(load_fonts())
    footer_font.setPointSizeF(FOOTER_POINTS)
    painter = QPainter(writer)
    try:
        for number in range(count):
            if number:
                writer.newPage()
            painter.save()
            painter.translate(0, -number * page_height)
            document.drawContents(
                painter, QRectF(0, number * page_height, body.width(), page_height)
            )
            painter.restore()
            painter.setFont(footer_font)
            painter.drawText(
                QRectF(0, page_height, body.width(), footer_height),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                f"{TITLE}　{number + 1} / {count}",
            )
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def write_manual_pdf(path: Path, folder: Path | None = None) -> None:
    """Write :func:`manual_pdf_bytes` to ``path``."""
    path.write_bytes(manual_pdf_bytes(folder))
