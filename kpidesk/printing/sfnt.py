"""TrueType font files read and written again with other names (no Qt).

The bundled BIZ UDGothic is registered with Qt under a family name of its
own (see :mod:`kpidesk.printing.fonts`): its 'name' table is rewritten, every
other table is kept byte for byte.
"""

from __future__ import annotations

import array
import struct
import sys
from collections.abc import Mapping

#: Name IDs of the 'name' table (OpenType spec).
COPYRIGHT, FAMILY, SUBFAMILY, UNIQUE_ID, FULL_NAME, VERSION, POSTSCRIPT_NAME = range(7)
TYPOGRAPHIC_FAMILY = 16
#: (platform, encoding, language, name ID) of a name record.
NameKey = tuple[int, int, int, int]

_UTF16_PLATFORMS = (0, 3)  # Unicode and Windows
_MACINTOSH = 1
#: The table that signs the file: rewriting a name would break it, so it is dropped.
_SIGNATURE = b"DSIG"
_CHECKSUM_MAGIC = 0xB1B0AFBA


def _directory(data: bytes) -> dict[bytes, tuple[int, int, int]]:
    """The table directory of a font file: (checksum, offset, length) by tag."""
    try:
        version, count = struct.unpack_from(">IH", data, 0)
        if version not in (0x00010000, 0x4F54544F, 0x74727565):  # 1.0, 'OTTO', 'true'
            raise ValueError("not a TrueType or OpenType font")
        found = {}
        for number in range(count):
            tag, checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * number)
            if offset + length > len(data):
                raise ValueError(f"table {tag!r} runs past the end of the file")
            found[tag] = (checksum, offset, length)
    except struct.error as error:
        raise ValueError(f"damaged font file: {error}") from error
    return found


def tables(data: bytes) -> dict[bytes, bytes]:
    """The tables of a TrueType or OpenType font file, by tag.

    Raises:
        ValueError: ``data`` is not a single font (a collection, or damaged).
    """
    return {
        tag: data[offset : offset + length] for tag, (_, offset, length) in _directory(data).items()
    }


def _decode(platform: int, raw: bytes) -> str:
    if platform in _UTF16_PLATFORMS:
        return raw.decode("utf-16-be")
    return raw.decode("mac_roman")


def _encode(platform: int, text: str) -> bytes:
    if platform in _UTF16_PLATFORMS:
        return text.encode("utf-16-be")
    return text.encode("mac_roman")


def _name_records(table: bytes) -> list[tuple[NameKey, bytes]]:
    try:
        format_, count, storage = struct.unpack_from(">HHH", table, 0)
        if format_ != 0:
            raise ValueError(f"'name' table format {format_} is not handled")
        records = []
        for number in range(count):
            *key, length, offset = struct.unpack_from(">6H", table, 6 + 12 * number)
            raw = table[storage + offset : storage + offset + length]
            if len(raw) != length:
                raise ValueError("a name runs past the end of the 'name' table")
            records.append(((key[0], key[1], key[2], key[3]), raw))
    except struct.error as error:
        raise ValueError(f"damaged 'name' table: {error}") from error
    return records


def names(data: bytes) -> dict[NameKey, str]:
    """Every name of a font file, by (platform, encoding, language, name ID)."""
    found = {}
    for key, raw in _name_records(tables(data)[b"name"]):
        try:
            found[key] = _decode(key[0], raw)
        except UnicodeDecodeError:
            continue
    return found


def renamed(data: bytes, family: str) -> bytes:
    """``data`` (a font file) with its family called ``family``, in every language.

    The family (and typographic family) become ``family``, the full name
    becomes ``family`` and the style (``BIZ UDGothic Bold`` →
    ``{family} Bold``), and the unique ID says ``family`` too; the PostScript
    name, the version, the glyphs and every other table stay as they are.

    Raises:
        ValueError: ``data`` is not a font file this can rewrite.
    """
    directory = _directory(data)
    # The tables kept are views of ``data``, copied once, into the new file.
    view = memoryview(data)
    parts: dict[bytes, bytes | memoryview] = {
        tag: view[offset : offset + length] for tag, (_, offset, length) in directory.items()
    }
    records = _name_records(bytes(parts[b"name"]))
    texts = {key: _decode(key[0], raw) for key, raw in records}
    new_records = []
    for key, raw in records:
        platform, encoding, language, name_id = key
        text = texts[key]
        if name_id in (FAMILY, TYPOGRAPHIC_FAMILY):
            text = family
        elif name_id == FULL_NAME:
            style = texts.get((platform, encoding, language, SUBFAMILY), "Regular")
            text = family if style == "Regular" else f"{family} {style}"
        elif name_id == UNIQUE_ID:
            text = f"{text};{family}"
        else:
            new_records.append((key, raw))
            continue
        new_records.append((key, _encode(platform, text)))
    parts[b"name"] = _name_table(new_records)
    parts.pop(_SIGNATURE, None)
    # The tables kept as they are keep their checksums (summing 4 MB of glyphs
    # again would slow every start).
    kept = {tag: directory[tag][0] for tag in parts if tag not in (b"name", b"head")}
    return _font_file(struct.unpack_from(">I", data, 0)[0], parts, kept)


def _name_table(records: list[tuple[NameKey, bytes]]) -> bytes:
    records = sorted(records, key=lambda record: record[0])
    storage = bytearray()
    head = bytearray(struct.pack(">HHH", 0, len(records), 6 + 12 * len(records)))
    for key, raw in records:
        head += struct.pack(">6H", *key, len(raw), len(storage))
        storage += raw
    return bytes(head + storage)


def _checksum(data: bytes) -> int:
    words = array.array("I", bytes(data) + b"\0" * (-len(data) % 4))
    if sys.byteorder == "little":
        words.byteswap()
    return sum(words) & 0xFFFFFFFF


def _font_file(
    version: int, parts: Mapping[bytes, bytes | memoryview], checksums: Mapping[bytes, int]
) -> bytes:
    """A font file of ``parts``, with its table directory and checksums as the spec says.

    ``checksums`` gives the checksum of tables that are known already.
    """
    head = bytearray(parts[b"head"])
    head[8:12] = bytes(4)  # checkSumAdjustment, set once the whole file's sum is known
    parts = {**parts, b"head": bytes(head)}
    count = len(parts)
    power = 1 << (count.bit_length() - 1)
    directory = bytearray(struct.pack(">IHHHH", version, count, power * 16,
                                      power.bit_length() - 1, count * 16 - power * 16))  # fmt: skip
    offset = 12 + 16 * count
    total = 0
    for tag in sorted(parts):
        checksum = checksums[tag] if tag in checksums else _checksum(parts[tag])
        total += checksum
        directory += struct.pack(">4sIII", tag, checksum, offset, len(parts[tag]))
        offset += len(parts[tag]) + (-len(parts[tag]) % 4)
    # Every table starts on a four-byte boundary, so the file's sum is the sum of the parts'.
    total += _checksum(bytes(directory))
    head[8:12] = struct.pack(">I", (_CHECKSUM_MAGIC - total) & 0xFFFFFFFF)
    parts[b"head"] = bytes(head)
    pieces: list[bytes | memoryview] = [bytes(directory)]
    for tag in sorted(parts):
        pieces += (parts[tag], b"\0" * (-len(parts[tag]) % 4))
    return b"".join(pieces)
