"""Printing: the 別記様式2 page and the trend chart, for PDF files, the preview and the printer.

chart: the trend chart of a value row, its geometry and its painter.
"""
