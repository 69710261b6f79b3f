"""Printing: the 別記様式2 page, the 総括 page and their charts, for PDF files, the preview
and the printer.

layout: page geometry, drawing items and the layout decisions (no Qt).
summary_page: the 総括 page laid out with the same items (no Qt).
paint: laid-out pages drawn on a PDF writer or printer; the PDF of sheets and of the 総括.
chart: the trend chart of a value row, its geometry and its painter.
rank_chart: the 総括's bar chart of the ranks, its geometry and its painter.
fonts: the bundled BIZ UDGothic, its family name and loading it once.
sfnt: font files read and written again under another family name (no Qt).
"""
