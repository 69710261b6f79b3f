"""Giving the PDF's text layer the characters outside the BMP that Qt leaves out.

Qt's PDF writer maps each embedded glyph back to its text in the font's
ToUnicode CMap, but only looks for BMP code points (U+0000-U+FFFF): a glyph
drawn for 𩸽 (U+29E3D) gets no entry, so copying or searching the PDF loses
the character although it is drawn. This module adds the missing entries to
a PDF that Qt wrote, as an incremental update (the bytes Qt wrote are kept
and new versions of the ToUnicode streams are appended).

Which glyph is which character is learnt by lining up, per bundled face,
the glyphs without text in the order the page content shows them with the
characters outside the BMP in the order they were drawn. Only when the two
line up exactly (the same count, one character per glyph and one glyph per
character) is anything added; any other PDF is returned unchanged. The
missing glyph (a character no font has, drawn as a box) is given U+FFFD
instead of nothing.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Mapping

#: A character is drawn as this when no font has it (its text in the PDF).
REPLACEMENT = "\ufffd"

_OBJECT = re.compile(rb"(?:^|[\r\n])(\d+) 0 obj\s")
_REF = rb"(\d+) 0 R"
_STREAM = re.compile(rb"stream\r?\n")
_TOKEN = re.compile(
    rb"\s*(?:(?P<hex><[0-9A-Fa-f\s]*>)|(?P<dict><<|>>)|(?P<name>/[^\s/<>\[\]()%{}]*)"
    rb"|(?P<array>[\[\]])|(?P<literal>[({}%])|(?P<word>[^\s/<>\[\]()%{}]+))"
)
_BFRANGE_ENTRY = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<[0-9A-Fa-f]*>|\[[^\]]*\])")
_VARIATION_SELECTORS = range(0xE0100, 0xE01F0)
_BFCHAR_CHUNK = 100


class _Unsupported(Exception):
    """The PDF is not one this module understands; it is left as it is."""


def is_outside_bmp(char: str) -> bool:
    """A character Qt's ToUnicode CMap cannot hold (not a variation selector)."""
    code = ord(char)
    return code > 0xFFFF and code not in _VARIATION_SELECTORS


class _Pdf:
    """The objects of a PDF written in one piece (no updates, no object streams)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.starts: dict[int, int] = {}
        for match in _OBJECT.finditer(data):
            number = int(match.group(1))
            if number in self.starts:
                raise _Unsupported("an object appears twice")
            self.starts[number] = match.end()

    def head(self, number: int) -> bytes:
        """The object's text up to its stream (or its end)."""
        start = self.starts.get(number)
        if start is None:
            raise _Unsupported(f"no object {number}")
        end = self.data.find(b"endobj", start)
        stream = _STREAM.search(self.data, start, end if end >= 0 else len(self.data))
        stop = stream.start() if stream is not None else end
        if stop < 0:
            raise _Unsupported(f"object {number} has no end")
        return self.data[start:stop]

    def stream(self, number: int) -> bytes:
        """The object's stream, decompressed."""
        head = self.head(number)
        start = self.starts[number] + len(head)
        match = _STREAM.match(self.data, start)
        if match is None:
            raise _Unsupported(f"object {number} has no stream")
        length_ref = re.search(rb"/Length\s+" + _REF, head)
        if length_ref is not None:
            length = int(self.head(int(length_ref.group(1))).strip())
        else:
            found = re.search(rb"/Length\s+(\d+)", head)
            if found is None:
                raise _Unsupported(f"object {number} has no length")
            length = int(found.group(1))
        raw = self.data[match.end() : match.end() + length]
        filters = re.search(rb"/Filter\s*(\S+)", head)
        if filters is None:
            return raw
        if filters.group(1) != b"/FlateDecode":
            raise _Unsupported(f"object {number} has filter {filters.group(1)!r}")
        return zlib.decompress(raw)

    def ref(self, number: int, key: bytes) -> int:
        found = re.search(rb"/" + key + rb"\s+" + _REF, self.head(number))
        if found is None:
            raise _Unsupported(f"object {number} has no {key!r}")
        return int(found.group(1))


def _mapped_codes(cmap: bytes) -> set[int]:
    """The codes a ToUnicode CMap gives text to (Qt writes bfrange sections only)."""
    codes: set[int] = set()
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high in _BFRANGE_ENTRY.findall(section):
            codes.update(range(int(low, 16), int(high, 16) + 1))
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code in re.findall(rb"<([0-9A-Fa-f]+)>\s*<[0-9A-Fa-f]*>", section):
            codes.add(int(code, 16))
    return codes


def _shown_glyphs(content: bytes, fonts: Mapping[bytes, int]) -> Iterator[tuple[int, int]]:
    """(font object, glyph code) of every glyph a page's content shows, in order."""
    font: int | None = None
    operands: list[tuple[str, bytes]] = []
    position = 0
    while position < len(content):
        match = _TOKEN.match(content, position)
        if match is None or match.end() == position:
            break  # only white space is left
        position = match.end()
        kind = match.lastgroup or ""
        token = match.group(kind)
        if kind == "literal":
            raise _Unsupported("literal strings or comments in the content")
        if kind != "word" or (not token[:1].isalpha() and token[:1] not in b"'\""):
            operands.append((kind, token))
            continue
        if token == b"Tf":
            names = [value for what, value in operands if what == "name"]
            if not names or names[-1][1:] not in fonts:
                raise _Unsupported("a font that is not in the page's resources")
            font = fonts[names[-1][1:]]
        elif token == b"Tj":
            if font is None or not operands or operands[-1][0] != "hex":
                raise _Unsupported("text shown without a font or as other than hex")
            digits = re.sub(rb"\s", b"", operands[-1][1][1:-1])
            if len(digits) % 4:
                raise _Unsupported("a code that is not two bytes")
            for index in range(0, len(digits), 4):
                yield font, int(digits[index : index + 4], 16)
        elif token in (b"TJ", b"'", b'"', b"BI"):
            raise _Unsupported(f"operator {token!r}")
        operands = []


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _with_entries(cmap: bytes, entries: Mapping[int, str]) -> bytes:
    """The CMap with bfchar entries for ``entries`` added before ``endcmap``."""
    end = cmap.rfind(b"endcmap")
    if end < 0:
        raise _Unsupported("a ToUnicode stream without endcmap")
    items = sorted(entries.items())
    sections = []
    for start in range(0, len(items), _BFCHAR_CHUNK):
        chunk = items[start : start + _BFCHAR_CHUNK]
        lines = "".join(f"<{code:04X}> <{_utf16_hex(text)}>\n" for code, text in chunk)
        sections.append(f"{len(chunk)} beginbfchar\n{lines}endbfchar\n")
    return cmap[:end] + "".join(sections).encode("ascii") + cmap[end:]


def _append_update(pdf: _Pdf, streams: Mapping[int, bytes]) -> bytes:
    """``pdf`` with new versions of the given stream objects appended as an update."""
    data = pdf.data
    previous = re.findall(rb"startxref\s+(\d+)", data)
    trailer = data[data.rfind(b"trailer") :]
    size = re.search(rb"/Size\s+(\d+)", trailer)
    root = re.search(rb"/Root\s+" + _REF, trailer)
    if not previous or size is None or root is None:
        raise _Unsupported("no trailer")
    keep = [
        found.group(0)
        for key in (rb"/Info\s+" + _REF, rb"/ID\s*\[[^\]]*\]")
        if (found := re.search(key, trailer)) is not None
    ]
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets: dict[int, int] = {}
    for number, body in sorted(streams.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n<< /Length %d >>\nstream\n" % (number, len(body))
        out += body + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    for number, offset in sorted(offsets.items()):
        out += b"%d 1\n%010d 00000 n \n" % (number, offset)
    out += b"trailer\n<< /Size %s /Root %s 0 R /Prev %s " % (
        size.group(1),
        root.group(1),
        previous[-1],
    )
    out += b" ".join(keep) + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def complete_text_layer(
    pdf: bytes,
    drawn: Iterable[tuple[str, bool]],
    faces: Mapping[bytes, bool],
    has_glyph: Mapping[bool, frozenset[str]],
) -> bytes:
    """A PDF written by Qt with text for the glyphs of characters outside the BMP.

    Args:
        pdf: the PDF as QPdfWriter wrote it.
        drawn: every text drawn, in drawing order, with whether it was bold.
        faces: the PostScript name of each bundled face (``BIZUDGothic-Bold``)
            and whether it is the bold one.
        has_glyph: for regular (False) and bold (True), the characters outside
            the BMP in ``drawn`` that the face has a glyph for.

    Returns:
        The PDF with the missing ToUnicode entries added, or ``pdf`` itself
        when nothing is missing or the glyphs cannot be told apart for sure.
    """
    try:
        return _complete(pdf, drawn, faces, has_glyph)
    except (_Unsupported, ValueError, zlib.error):
        return pdf


def _complete(
    data: bytes,
    drawn: Iterable[tuple[str, bool]],
    faces: Mapping[bytes, bool],
    has_glyph: Mapping[bool, frozenset[str]],
) -> bytes:
    pdf = _Pdf(data)
    faces_by_object: dict[int, bool] = {}
    cmap_of: dict[int, int] = {}
    for number in pdf.starts:
        head = pdf.head(number)
        if re.search(rb"/Subtype\s*/Type0\b", head) is None:
            continue
        base = re.search(rb"/BaseFont\s*/(\S+?)(?=[\s/>])", head)
        if base is None or base.group(1) not in faces:
            continue
        faces_by_object[number] = faces[base.group(1)]
        cmap_of[number] = pdf.ref(number, b"ToUnicode")
    if not faces_by_object:
        return data
    mapped = {font: _mapped_codes(pdf.stream(cmap_of[font])) for font in faces_by_object}

    shown: list[tuple[int, int]] = []
    for page in _page_objects(pdf, data):
        fonts = _page_fonts(pdf, page)
        content = pdf.stream(pdf.ref(page, b"Contents"))
        shown.extend(_shown_glyphs(content, fonts))

    entries: dict[int, dict[int, str]] = {font: {} for font in faces_by_object}
    for bold in (False, True):
        fonts = {font for font, is_bold in faces_by_object.items() if is_bold == bold}
        glyphs = [
            (font, code)
            for font, code in shown
            if font in fonts and code != 0 and code not in mapped[font]
        ]
        chars = [
            char
            for text, text_bold in drawn
            if text_bold == bold
            for char in text
            if char in has_glyph.get(bold, frozenset())
        ]
        if len(glyphs) != len(chars):
            raise _Unsupported("the glyphs without text do not line up with the characters")
        by_glyph: dict[tuple[int, int], str] = {}
        by_char: dict[str, tuple[int, int]] = {}
        for glyph, char in zip(glyphs, chars, strict=True):
            if by_glyph.setdefault(glyph, char) != char:
                raise _Unsupported("one glyph for two characters")
            if by_char.setdefault(char, glyph) != glyph:
                raise _Unsupported("two glyphs for one character")
        for (font, code), char in by_glyph.items():
            entries[font][code] = char
    for font, code in shown:
        if font in entries and code == 0:
            entries[font][0] = REPLACEMENT
    updated = {
        cmap_of[font]: _with_entries(_without_notdef(pdf.stream(cmap_of[font])), codes)
        for font, codes in entries.items()
        if codes
    }
    if not updated:
        return data
    return _append_update(pdf, updated)


def _without_notdef(cmap: bytes) -> bytes:
    """The CMap without Qt's entry mapping the missing glyph to U+0000."""
    return cmap.replace(b"<0000> <0000> <0000>\n", b"", 1)


def _root(data: bytes) -> int:
    found = re.findall(rb"/Root\s+" + _REF, data[data.rfind(b"trailer") :])
    if not found:
        raise _Unsupported("no root")
    return int(found[-1])


def _page_objects(pdf: _Pdf, data: bytes) -> list[int]:
    """The page objects in order (Qt writes one flat page tree)."""
    pages = pdf.ref(_root(data), b"Pages")
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", pdf.head(pages))
    if kids is None:
        raise _Unsupported("no pages")
    numbers = [int(number) for number in re.findall(_REF, kids.group(1))]
    for number in numbers:
        if re.search(rb"/Type\s*/Page\b(?!s)", pdf.head(number)) is None:
            raise _Unsupported("a page tree of more than one level")
    return numbers


def _page_fonts(pdf: _Pdf, page: int) -> dict[bytes, int]:
    """The page's font resources: name (without the slash) to font object."""
    head = pdf.head(page)
    inline = re.search(rb"/Resources\s+" + _REF, head)
    resources = pdf.head(int(inline.group(1))) if inline is not None else head
    found = re.search(rb"/Font\s*<<(.*?)>>", resources, re.S)
    if found is None:
        return {}
    return {
        name: int(number)
        for name, number in re.findall(rb"/([^\s/<>\[\]()]+)\s+" + _REF, found.group(1))
    }
