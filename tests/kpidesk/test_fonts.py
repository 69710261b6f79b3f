"""The bundled BIZ UDGothic is the font the window and the PDF use, whatever the PC has.

Windows 10 (1809 and later) installs a BIZ UDGothic of its own under the
bundled font's family name. Here that is simulated on Linux by a font
installed for fontconfig under the same family name and vendor (DejaVu Sans
renamed), in a child process: before the bundled faces had a family name of
their own, Qt drew and embedded the installed one for bold text.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from pdfminer.cmapdb import CMapParser, FileUnicodeMap
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontInfo, QImage, QPainter, QRawFont

from kpidesk import samples
from kpidesk.printing import chart, chart_canvas, fonts, paint, sfnt
from kpidesk.resources import resource_path
from tests.conftest import python_output

ROOT = Path(__file__).resolve().parents[2]
#: The bundled files by the PostScript name a PDF gives them.
BUNDLED = {
    "BIZUDGothic-Regular": "BIZUDGothic-Regular.ttf",
    "BIZUDGothic-Bold": "BIZUDGothic-Bold.ttf",
}
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@dataclass
class EmbeddedFace:
    """A font a PDF embeds: its PostScript name, its file (a subset) and its characters."""

    name: str
    data: bytes
    text_of_glyph: dict[int, str]


def embedded_faces(pdf: bytes) -> list[EmbeddedFace]:
    """Every composite (Type0) font in ``pdf`` with its FontFile2 and its ToUnicode map."""
    document = PDFDocument(PDFParser(io.BytesIO(pdf)))
    found = []
    for xref in document.xrefs:
        for number in xref.get_objids():
            font = resolve1(document.getobj(number))
            if not isinstance(font, dict) or getattr(font.get("Subtype"), "name", "") != "Type0":
                continue
            descendant = resolve1(resolve1(font["DescendantFonts"])[0])
            descriptor = resolve1(descendant["FontDescriptor"])
            cmap = FileUnicodeMap()
            CMapParser(cmap, io.BytesIO(resolve1(font["ToUnicode"]).get_data())).run()
            found.append(
                EmbeddedFace(
                    font["BaseFont"].name,
                    resolve1(descriptor["FontFile2"]).get_data(),
                    dict(cmap.cid2unichr),
                )
            )
    return found


def glyph_metrics(data: bytes) -> list[tuple[int, int, int, int, int]]:
    """(advance, xMin, yMin, xMax, yMax) of every glyph of a TrueType file, in font units."""
    tables = sfnt.tables(data)
    count = struct.unpack_from(">H", tables[b"maxp"], 4)[0]
    long_offsets = struct.unpack_from(">h", tables[b"head"], 50)[0] == 1
    advances = struct.unpack_from(">H", tables[b"hhea"], 34)[0]
    if long_offsets:
        offsets = list(struct.unpack_from(f">{count + 1}I", tables[b"loca"]))
    else:
        offsets = [2 * o for o in struct.unpack_from(f">{count + 1}H", tables[b"loca"])]
    found = []
    for glyph in range(count):
        advance = struct.unpack_from(">H", tables[b"hmtx"], 4 * min(glyph, advances - 1))[0]
        box = (0, 0, 0, 0)
        if offsets[glyph + 1] > offsets[glyph]:
            box = struct.unpack_from(">4h", tables[b"glyf"], offsets[glyph] + 2)
        found.append((advance, *box))
    return found


def english_names(data: bytes) -> dict[int, str]:
    return {key[3]: text for key, text in sfnt.names(data).items() if key[:3] == (3, 1, 0x409)}


def mismatches(face: EmbeddedFace, family: str) -> list[str]:
    """How ``face`` differs from the bundled file of its name (empty: it is that file)."""
    if face.name not in BUNDLED:
        return [f"{face.name} is not a bundled face"]
    path = resource_path("fonts", BUNDLED[face.name])
    bundled = english_names(path.read_bytes())
    embedded = english_names(face.data)
    found = [
        f"name {name_id}: {embedded.get(name_id)!r}, bundled {bundled[name_id]!r}"
        for name_id in (sfnt.VERSION, sfnt.POSTSCRIPT_NAME)
        if embedded.get(name_id) != bundled[name_id]
    ]
    if embedded.get(sfnt.FAMILY) != family:
        found.append(f"family {embedded.get(sfnt.FAMILY)!r}, registered {family!r}")
    raw = QRawFont(str(path), 2048, QFont.HintingPreference.PreferNoHinting)  # font units
    metrics = glyph_metrics(face.data)
    for glyph, text in face.text_of_glyph.items():
        if len(text) != 1 or not 0 < glyph < len(metrics):
            continue
        [index] = raw.glyphIndexesForString(text)
        advance = raw.advancesForGlyphIndexes([index])[0].x()
        box = raw.boundingRect(index)
        expected = (advance, box.left(), -box.bottom(), box.right(), -box.top())
        if any(abs(a - b) > 2 for a, b in zip(metrics[glyph], expected, strict=True)):
            found.append(f"{text}: {metrics[glyph]} in the PDF, {expected} in the bundled file")
    return found


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    data, _ = paint.pdf_bytes(samples.sample_sheets()[:2], "見本.kpidb", chart=True)
    return data


def test_renaming_changes_the_names_only() -> None:
    data = resource_path("fonts", "BIZUDGothic-Bold.ttf").read_bytes()
    renamed = sfnt.renamed(data, "Other Family")
    before, after = sfnt.tables(data), sfnt.tables(renamed)
    assert set(before) - set(after) == {b"DSIG"}  # the signature no longer holds
    assert [tag for tag in after if tag not in (b"name", b"head")] == [
        tag for tag in after if after[tag] == before[tag] and tag not in (b"name", b"head")
    ]
    assert after[b"head"][:8] == before[b"head"][:8] and after[b"head"][12:] == before[b"head"][12:]
    names = sfnt.names(renamed)
    assert {text for key, text in names.items() if key[3] == sfnt.FAMILY} == {"Other Family"}
    assert {text for key, text in names.items() if key[3] == sfnt.FULL_NAME} == {
        "Other Family Bold"
    }
    assert english_names(renamed)[sfnt.POSTSCRIPT_NAME] == "BIZUDGothic-Bold"
    assert english_names(renamed)[sfnt.VERSION] == english_names(data)[sfnt.VERSION]
    words = struct.unpack(f">{len(renamed) // 4}I", renamed)
    assert sum(words) & 0xFFFFFFFF == 0xB1B0AFBA  # the whole file's checksum, as the spec says


def test_load_fonts_returns_the_family_qt_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[int] = []
    add = QFontDatabase.addApplicationFontFromData

    def spy(data: object) -> int:
        registered.append(add(data))
        return registered[-1]

    monkeypatch.setattr(fonts, "_loaded_family", None)
    monkeypatch.setattr(fonts.QFontDatabase, "addApplicationFontFromData", spy)
    family = fonts.load_fonts()
    assert len(registered) == 2
    assert [QFontDatabase.applicationFontFamilies(i) for i in registered] == [[family]] * 2
    assert family == fonts.BUNDLED_FAMILY
    assert QFontInfo(QFont(family)).family() == family
    assert set(QFontDatabase.styles(family)) == {"Regular", "Bold"}


def test_page_and_chart_use_the_family_qt_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_loaded_family", None)
    monkeypatch.setattr(
        fonts.QFontDatabase, "applicationFontFamilies", lambda font_id: ["登録された名前"]
    )
    assert fonts.load_fonts() == "登録された名前"
    measure = paint.QtMeasure()
    assert measure.font(10, bold=True).family() == "登録された名前"
    used: list[str] = []
    monkeypatch.setattr(
        chart_canvas, "drawing_font", lambda family, *args: used.append(family) or QFont()
    )
    image = QImage(460, 180, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    chart.paint_chart(painter, QRectF(0, 0, 460, 180), samples.sample_sheets()[0], 0)
    painter.end()
    assert used and set(used) == {"登録された名前"}


def test_the_pdf_embeds_the_bundled_faces(sample_pdf: bytes) -> None:
    faces = embedded_faces(sample_pdf)
    assert sorted(face.name for face in faces) == ["BIZUDGothic-Bold", "BIZUDGothic-Regular"]
    for face in faces:
        assert len(face.text_of_glyph) > 40
        assert mismatches(face, fonts.load_fonts()) == []


def _installed_namesake(folder: Path, source: Path, target: str) -> None:
    """Install ``source`` for fontconfig as a BIZ UDGothic of vendor MRSW, as Windows has."""
    data = bytearray(sfnt.renamed(source.read_bytes(), "BIZ UDGothic"))
    count = struct.unpack_from(">H", data, 4)[0]
    for number in range(count):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * number)
        if tag == b"OS/2":
            data[offset + 58 : offset + 62] = b"MRSW"  # achVendID, fontconfig's foundry
    (folder / target).write_bytes(bytes(data))


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not (DEJAVU / "DejaVuSans-Bold.ttf").exists(),
    reason="simulates an installed namesake through fontconfig, with DejaVu Sans",
)
def test_an_installed_namesake_is_neither_drawn_nor_embedded(tmp_path: Path) -> None:
    installed = tmp_path / "fonts"
    installed.mkdir()
    _installed_namesake(installed, DEJAVU / "DejaVuSans.ttf", "namesake-Regular.ttf")
    _installed_namesake(installed, DEJAVU / "DejaVuSans-Bold.ttf", "namesake-Bold.ttf")
    config = tmp_path / "fonts.conf"
    config.write_text(
        textwrap.dedent(f"""\
            <?xml version="1.0"?>
            <!DOCTYPE fontconfig SYSTEM "fonts.dtd">
            <fontconfig>
              <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
              <dir>{installed}</dir>
              <cachedir>{tmp_path / "cache"}</cachedir>
            </fontconfig>
            """),
        encoding="utf-8",
    )
    pdf = tmp_path / "sheets.pdf"
    script = (
        "import sys\n"
        "from kpidesk import samples\n"
        "from kpidesk.printing import fonts, paint\n"
        "with open(sys.argv[1], 'wb') as out:\n"
        "    paint.write_pdf(samples.sample_sheets()[:2], out, 'x', chart=True)\n"
        "print(fonts.load_fonts())\n"
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(config),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    family = python_output(script, str(pdf), env=env)[-1]
    faces = embedded_faces(pdf.read_bytes())
    assert [problem for face in faces for problem in mismatches(face, family)] == []
    assert sorted(face.name for face in faces) == ["BIZUDGothic-Bold", "BIZUDGothic-Regular"]
