"""Bold and italic text that still follows the size of its window part.

A copy of ``widget.font()`` carries the point size it had, and once set on
the widget that size no longer follows the parent's: after 表示 → 拡大 or
100% such a label would keep the old size. A font that names only its
weight and slant leaves the size (and family) to the parent. (A style
sheet's ``font-weight`` fixes the size the same way, so it is not used.)
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget


def set_font_style(
    widget: QWidget, *, bold: bool | None = None, italic: bool | None = None
) -> None:
    """Draw ``widget``'s text bold and/or italic (None: as it is), its size left to its parent."""
    current = widget.font()
    bold = current.bold() if bold is None else bold
    italic = current.italic() if italic is None else italic
    if current.bold() == bold and current.italic() == italic:
        return
    font = QFont()
    font.setBold(bold)
    font.setItalic(italic)
    widget.setFont(font)
