"""Placeholders that look like placeholders: an example in quiet italic, never like data.

An empty field's grey example (「例: 観光振興課、港湾課」) was taken for a value
already filled in. :func:`quiet_placeholder` gives the field's placeholder the
quiet grey that stays readable (:data:`ui.colours.MIN_CONTRAST`) and shows
it in italic while the field is empty.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLineEdit

from ui import colours
from ui.font_style import set_font_style

#: How an example starts, so that it reads as one.
EXAMPLE = "例: "


def example(text: str) -> str:
    """``text`` as an example: 「例: text」."""
    return text if text.startswith(EXAMPLE) else EXAMPLE + text


def _colour(edit: QLineEdit) -> None:
    wanted = colours.ink(colours.Ink.QUIET)
    if edit.palette().color(QPalette.ColorRole.PlaceholderText) != wanted:
        tinted = QPalette(edit.palette())
        tinted.setColor(QPalette.ColorRole.PlaceholderText, wanted)
        edit.setPalette(tinted)


def _slant(edit: QLineEdit) -> None:
    set_font_style(edit, italic=not edit.text() and bool(edit.placeholderText()))


def quiet_placeholder(edit: QLineEdit, example_text: str | None = None) -> None:
    """Draw ``edit``'s placeholder in quiet italic while the field is empty.

    ``example_text``: the placeholder, an example of what to type (shown as
    「例: …」); None keeps the placeholder the field has (a hint such as
    「検索（…）」).
    """
    if example_text is not None:
        edit.setPlaceholderText(example(example_text))
    colours.follow_palette(edit, lambda: _colour(edit))
    edit.textChanged.connect(lambda _text: _slant(edit))
    _slant(edit)
