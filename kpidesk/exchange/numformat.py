"""Excel number formats: numbers written as typed, cells read back as shown.

Values keep the text as typed: a number is written as a number with a
number format that shows it exactly as typed (``6,498`` is 6498 with
``#,##0``, ``△1,417`` is -1417 with ``#,##0;"△"#,##0``), and read back
through that format (:func:`format_cell_number`, :func:`cell_text`).
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from kpidesk import values

_TYPED_NUMBER = re.compile(
    r"(?P<sign>[-−△▲]?)(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?"
)
#: Excel keeps 15 significant digits.
_MAX_DIGITS = 15


def typed_number(text: str) -> tuple[int | float, str] | None:
    """The number and number format that show ``text`` exactly as typed, if any.

    ``6,498`` gives (6498, ``#,##0``), ``6498`` gives (6498, ``0``), ``77.6``
    gives (77.6, ``#,##0.0``), ``-1,417`` gives (-1417, ``#,##0``) and
    ``△1,417`` gives (-1417, ``#,##0;"△"#,##0``). Text that no number format
    reproduces exactly (full-width digits, spaces, leading zeros, ``+5``,
    more than 15 digits) gives None and is kept as text.

    Args:
        text: a cell's text as typed.

    Returns:
        (value, number_format), or None when the text is to stay text.
    """
    match = _TYPED_NUMBER.fullmatch(text)
    if match is None:
        return None
    int_text = match.group("int")
    int_digits = int_text.replace(",", "")
    frac = match.group("frac") or ""
    if len((int_digits + frac).lstrip("0")) > _MAX_DIGITS:
        return None
    number = Decimal(f"{int_digits}.{frac}" if frac else int_digits)
    grouped = "," in int_text or len(int_digits.lstrip("0")) <= 3
    pattern = "#,##0" if grouped else "0"
    if frac:
        pattern += "." + "0" * len(frac)
    mark = match.group("sign")
    number_format = pattern if mark in ("", "-") else f'{pattern};"{mark}"{pattern}'
    value: int | float = float(number) if frac else int(number)
    if mark:
        value = -value
    if format_cell_number(value, number_format) != text:
        return None
    return value, number_format


def value_number(text: str) -> tuple[int | float, str] | None:
    """The number and number format to write for a value cell, if it is a number.

    As :func:`typed_number`, and also a number the window reads as one but
    typed in full-width characters or with spaces around it (``１２３``,
    ``１，２３４．５``, `` 6,498``): it is written as that number, shown
    in half-width digits (``1,234.5``), so Excel can count with it. The
    number is read by :func:`kpidesk.values.parse_value`, as the window
    reads it; a number with a mark (``7,077（速報値）``) stays text.
    """
    exact = typed_number(text)
    if exact is not None:
        return exact
    parsed = values.parse_value(text)
    if not parsed.is_number or parsed.mark:
        return None
    return typed_number(values.normalize_width(text.strip()))


def _split_sections(number_format: str) -> list[str]:
    sections, current, quoted, escaped = [], [], False, False
    for char in number_format:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
    sections.append("".join(current))
    return sections


@dataclass
class _Section:
    prefix: str = ""
    suffix: str = ""
    integer: str = ""
    fraction: str | None = None
    percent: bool = False


_PLACEHOLDERS = frozenset("0#?")
_LITERAL_CHARS = frozenset("$-+/():!^&'~{}<>= ¥円%")


def _parse_section(section: str) -> _Section | None:
    """A plain number section (``"△"#,##0.0``), or None for dates and the like."""
    result = _Section()
    core: list[str] = []
    seen_number = False
    index = 0
    while index < len(section):
        char = section[index]
        literal: str | None = None
        if char == '"':
            end = section.find('"', index + 1)
            if end < 0:
                return None
            literal, index = section[index + 1 : end], end + 1
        elif char == "\\" and index + 1 < len(section):
            literal, index = section[index + 1], index + 2
        elif char in "_*" and index + 1 < len(section):
            literal, index = (" " if char == "_" else ""), index + 2
        elif char == "[":
            end = section.find("]", index)
            inner = section[index + 1 : end] if end > 0 else ""
            if end < 0 or inner[:1] in "<>=" or inner.lower().startswith(("h", "m", "s")):
                return None
            literal = inner[1:].split("-", 1)[0] if inner.startswith("$") else ""
            index = end + 1
        elif char in _PLACEHOLDERS or char in ",.":
            if result.suffix:
                return None  # a literal inside the number
            core.append(char)
            seen_number = True
            index += 1
            continue
        elif char in _LITERAL_CHARS or unicodedata.east_asian_width(char) in "WF":
            literal, index = char, index + 1
            if char == "%":
                result.percent = True
        else:
            return None  # letters: dates, times, scientific notation
        if seen_number:
            result.suffix += literal
        else:
            result.prefix += literal
    if not any(char in _PLACEHOLDERS for char in core):
        if core:
            return None
        return result  # only literal text (a zero section such as "ゼロ")
    text = "".join(core)
    integer, dot, fraction = text.partition(".")
    result.integer = integer
    result.fraction = fraction if dot else None
    return result


def _render_section(number: Decimal, section: _Section) -> str:
    if not section.integer and section.fraction is None:
        return section.prefix + section.suffix
    integer = section.integer
    scale = len(integer) - len(integer.rstrip(","))
    integer = integer.rstrip(",")
    if section.percent:
        number *= 100
    if scale:
        number /= Decimal(1000) ** scale
    decimals = sum(1 for char in section.fraction or "" if char in _PLACEHOLDERS)
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, frac = format(rounded, "f").partition(".")
    minimum = integer.count("0")
    whole = whole.lstrip("0").rjust(minimum, "0")
    if "," in integer and whole:
        whole = f"{int(whole):,}"
    body = whole + (f".{frac}" if section.fraction is not None else "")
    return section.prefix + body + section.suffix


def _general(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def format_cell_number(value: int | float, number_format: str) -> str:
    """The text Excel shows for a number in a cell with ``number_format``.

    Plain number formats are followed exactly (thousands separators,
    decimal places, zero padding, quoted prefixes and suffixes, negative
    and zero sections, %); formats this does not follow (dates, conditions,
    scientific notation) and ``General`` give the number's shortest exact form.

    Args:
        value: the cell's number.
        number_format: the cell's number format.

    Returns:
        The text (``6,498``, ``△1,417``, ``77.6``).
    """
    if isinstance(value, bool) or not math.isfinite(value):
        return str(value)
    sections = _split_sections(number_format or "General")
    if sections[0].strip().lower() in ("general", "@", ""):
        return _general(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number < 0 and len(sections) > 1:
        chosen, number, sign = sections[1], -number, ""
    elif number == 0 and len(sections) > 2:
        chosen, sign = sections[2], ""
    else:
        chosen, sign = sections[0], "-" if number < 0 else ""
        number = abs(number)
    parsed = _parse_section(chosen)
    if parsed is None:
        return _general(value)
    try:
        text = _render_section(number, parsed)
    except InvalidOperation:
        return _general(value)
    if sign and any(char in "123456789" for char in text):
        text = sign + text
    return text


#: Excel's escape of a character in cell text (``_x000D_`` for a carriage
#: return, ``_x005F_`` for the ``_`` of a literal ``_x000D_``).
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
#: What an escape may stand for: not the control characters, surrogates and
#: non-characters a workbook cannot hold as text (those escapes stay as they are).
_NOT_UNESCAPED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape_text(text: str) -> str:
    """Text as a cell holds it: a carriage return as ``_x000D_``, as Excel writes it.

    XML reading turns a bare carriage return into a line feed, so Excel
    escapes it; a literal ``_x000D_`` in the text is escaped as
    ``_x005F_x000D_`` so that it reads back as typed. :func:`unescape_text`
    is the inverse.
    """
    if "_x" not in text and "\r" not in text:
        return text
    return _LITERAL_ESCAPE.sub("_x005F_", text).replace("\r", "_x000D_")


def unescape_text(text: str) -> str:
    """The characters a cell's ``_xHHHH_`` escapes stand for (written by Excel or
    :func:`escape_text`); an escape of a character a cell cannot hold stays as is."""
    if "_x" not in text:
        return text

    def character(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return match.group(0) if _NOT_UNESCAPED.match(char) else char

    return _ESCAPE.sub(character, text)


def cell_text(value: Any, number_format: str = "General") -> str:
    """The text of a cell as read from a workbook.

    Args:
        value: the cell's value (None, text, number, bool, date or time).
        number_format: the cell's number format.

    Returns:
        Text for a text cell as the cell holds it (Excel's ``_x000D_`` escapes
        read as the characters they stand for, see :func:`unescape_text`), a
        number as its format shows it, ``""`` for an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_cell_number(value, number_format)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value)
