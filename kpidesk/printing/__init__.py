"""Printing: the 別記様式2 page and the trend chart, for PDF files, the preview and the printer.

layout: page geometry, drawing items and the layout decisions (no Qt).
paint: laid-out pages drawn on a PDF writer or printer; the PDF of sheets.
chart: the trend chart of a value row, its geometry and its painter.
fonts: the bundled BIZ UDGothic, its family name and loading it once.
sfnt: font files read and written again under another family name (no Qt).
"""
