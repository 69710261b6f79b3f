"""The bundled BIZ UDGothic: its files, its family name, and loading it into Qt once.

The window's text, the form's charts and every printed page use this one
font, so a PDF looks the same on every machine whatever fonts it has.

Windows 10 (1809 and later) installs a BIZ UDGothic of its own, under the
same family name as the bundled files but in another version. Which of two
fonts of one family Qt draws with is not something Qt promises, so the
bundled faces are registered under a family name of their own
(:data:`BUNDLED_FAMILY`): that name can only mean the bundled files, and a
PDF embeds them, whatever the PC has installed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QFont, QFontDatabase, QRawFont

from kpidesk.printing import glyphs, sfnt
from kpidesk.resources import resource_path

#: The family name the bundled faces are registered under (their own is "BIZ UDGothic").
#: Use the name :func:`load_fonts` returns: it is the one Qt gave them.
BUNDLED_FAMILY = "BIZ UDGothic KPI Desk"
#: The bundled faces, in ``resources/fonts/``.
FONT_FILES = ("BIZUDGothic-Regular.ttf", "BIZUDGothic-Bold.ttf")
#: The PostScript name of each face (what a PDF calls it) and whether it is the bold one.
POSTSCRIPT_NAMES = {b"BIZUDGothic-Regular": False, b"BIZUDGothic-Bold": True}

_loaded_family: str | None = None
#: What Qt leaves out of a family name when it makes a PostScript name of it.
_NOT_IN_POSTSCRIPT = re.compile(r"[ ()<>\[\]{}/%]")


def pdf_face_names(family: str) -> dict[bytes, bool]:
    """Every name a PDF of ours may give a bundled face, with whether it is the bold one.

    Qt writes the face's PostScript name where the font engine reports one
    (FreeType, on Linux). Where it does not (Windows' engines may not), Qt
    makes one of the family, the style and the weight, as
    ``BIZUDGothicKPIDesk-0-400``; both are accepted.
    """
    made = _NOT_IN_POSTSCRIPT.sub("", family).encode("ascii", "ignore")
    return {**POSTSCRIPT_NAMES, made + b"-0-400": False, made + b"-0-700": True}


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
        regular, bold = (_register(name) for name in FONT_FILES)
        if bold != regular:
            raise RuntimeError(f"フォントの書体名が一致しません: {regular} / {bold}")
        _loaded_family = regular
        # Lines shaped before were shaped in faces registered before.
        glyphs.SHAPED.clear()
    return _loaded_family


def _register(name: str) -> str:
    """Register a bundled face under :data:`BUNDLED_FAMILY`; return the family Qt gave it."""
    path = resource_path("fonts", name)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RuntimeError(f"フォントを読み込めません: {name}（{error.strerror}）") from error
    try:
        data = sfnt.renamed(data, BUNDLED_FAMILY)
    except ValueError as error:
        raise RuntimeError(f"フォントを読み込めません: {name}（{error}）") from error
    font_id = QFontDatabase.addApplicationFontFromData(QByteArray(data))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise RuntimeError(f"フォントを読み込めません: {name}")
    return families[0]


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
