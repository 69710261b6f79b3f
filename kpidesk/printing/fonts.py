"""The bundled BIZ UDGothic: its files, its family name, and loading it into Qt once.

The window's text, the form's charts and every printed page use this one
font, so a PDF looks the same on every machine whatever fonts it has.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from PySide6.QtGui import QFont, QFontDatabase, QRawFont

from kpidesk.resources import resource_path

#: The family name of the bundled font (what Qt calls it once it is loaded).
FONT_FAMILY = "BIZ UDGothic"
#: The bundled faces, in ``resources/fonts/``.
FONT_FILES = ("BIZUDGothic-Regular.ttf", "BIZUDGothic-Bold.ttf")
#: The PostScript name of each face (what a PDF calls it) and whether it is the bold one.
POSTSCRIPT_NAMES = {b"BIZUDGothic-Regular": False, b"BIZUDGothic-Bold": True}

_loaded_family: str | None = None


def drawing_font(family: str, pixels: int, bold: bool = False) -> QFont:
    """A font for the page and the chart, set in whole pixels without hinting or kerning.

    Text then measures the same whatever the device or screen resolution;
    the painter scales the pixels to the device.
    """
    font = QFont(family)
    font.setPixelSize(pixels)
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setKerning(False)
    return font


def load_fonts() -> str:
    """Load BIZ UDGothic Regular and Bold once; return the family name Qt gives them.

    Needs a QGuiApplication (or QApplication).

    Raises:
        RuntimeError: a font file is missing or cannot be read.
    """
    global _loaded_family
    if _loaded_family is None:
        family = FONT_FAMILY
        for name in FONT_FILES:
            font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
            if font_id < 0:
                raise RuntimeError(f"フォントを読み込めません: {name}")
            family = QFontDatabase.applicationFontFamilies(font_id)[0]
        _loaded_family = family
    return _loaded_family


def characters_in_face(chars: Iterable[str], bold: bool) -> frozenset[str]:
    """Those of ``chars`` that the bundled regular (or bold) face has a glyph for."""
    for name in FONT_FILES:
        if ("Bold" in name) == bold:
            raw = QRawFont(str(resource_path("fonts", name)), 12.0)
            return frozenset(char for char in set(chars) if raw.supportsCharacter(ord(char)))
    return frozenset()


#: Characters that are never drawn as glyphs of their own (spaces, controls,
#: variation selectors and other combining or format characters).
_NOT_DRAWN = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Mn", "Me"})


def missing_characters(texts: Iterable[str]) -> list[str]:
    """The characters of ``texts`` neither bundled face can draw (printed as a box), in order.

    The bundled BIZ UDGothic covers JIS X 0213 and more, but not every
    character a name may use (𠮷 of 𠮷田, for one).
    """
    wanted = dict.fromkeys(
        char
        for text in texts
        for char in text
        if ord(char) > 0x7F and unicodedata.category(char) not in _NOT_DRAWN
    )
    drawn = characters_in_face(wanted, bold=False) & characters_in_face(wanted, bold=True)
    return [char for char in wanted if char not in drawn]
