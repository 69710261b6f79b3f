"""File names made from data (a sheet's No, a department), safe on Windows and Linux.

A name that comes from what someone typed may hold characters Windows
refuses (``1/2``, ``a:b``), be a device name Windows reserves (``CON``,
``COM1``), end in a dot or a space, which Windows drops, or be longer than
a file name may be. :func:`safe_file_name` is the one function that makes
such a name safe; the export names offered in the save dialogs
(:func:`export_file_name`), the drafts of unsaved sheets and the
per-department workbooks all go through it.

One workbook per department (``観光振興課.xlsx``): every name is worked out
before anything is written, and no two departments ever get the same file
(:func:`department_file_names`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from kpidesk import eras
from kpidesk.fileio import TEMP_NAME_LENGTH, OutputError, name_room

#: Characters Windows refuses in a file name (``/`` and NUL are refused by Linux too).
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
#: Direction controls: a name holding them is shown in another order than it has
#: (``…\u202egpj.exe`` is shown as ``…exe.jpg``).
_DIRECTION_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Device names Windows reserves, whatever follows after a dot (``CON.txt``) or
#: spaces (``CON .txt``); the digits of COM and LPT include ¹ ² ³, as Windows reads them.
_RESERVED_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"})
_NUMBERED_DEVICES = ("COM", "LPT")
_DEVICE_DIGITS = "0123456789¹²³"
#: What leading and trailing characters go (Windows drops trailing dots and spaces).
_STRIPPED = " .\u3000"
#: The longest file name made here, in UTF-8 bytes (suffix included).
#: Linux allows 255 bytes (85 Japanese characters), Windows 255 UTF-16 units,
#: encrypted home folders 143 bytes.
MAX_FILE_NAME_BYTES = 120
#: What a name with nothing left in it becomes, unless the caller says otherwise.
DEFAULT_FALLBACK = "無題"
#: How many characters of a long name's end :func:`safe_file_name` keeps after ``…``.
_KEPT_END = 8
#: How many characters beyond what can fit a long name keeps at each end before it is
#: cleaned, for the dots, spaces and combining marks that may be stripped there.
_LOOSE_ROOM = 64
_NO_DEPARTMENT = "担当課なし"
#: A name offered for an export of sheets (``KPI分析シート_No10.pdf``).
EXPORT_STEM = "KPI分析シート"
#: A name offered for the 総括 of a report year (``総括_R2.pdf``).
SUMMARY_STEM = "総括"


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def stable_tag(text: str) -> str:
    """A short tag (``~1a2b3c4d``) that tells apart texts whose file names would be the same."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return "~" + digest[:8]


def _is_reserved(name: str) -> bool:
    """Whether Windows takes ``name`` (a file name, suffix included) for a device."""
    device = name.split(".")[0].rstrip(" ").upper()
    if device in _RESERVED_DEVICES:
        return True
    return len(device) == 4 and device[:3] in _NUMBERED_DEVICES and device[3] in _DEVICE_DIGITS


def _replaced(char: str) -> str:
    if _WINDOWS_FORBIDDEN.fullmatch(char) or char in _DIRECTION_CONTROLS:
        return "_"
    if unicodedata.category(char) in ("Cc", "Cs"):  # controls, lone surrogates
        return "_"
    return char


def _clean(name: str, fallback: str) -> str:
    """``name`` with what Windows or Linux refuse replaced, before any suffix; never empty."""
    stem = "".join(_replaced(char) for char in name).strip(_STRIPPED)
    return stem or fallback


def _safe_stem(name: str, suffix: str, fallback: str) -> str:
    """``name`` cleaned (:func:`_clean`), with a leading ``_`` when Windows reserves it."""
    stem = _clean(name, fallback)
    return "_" + stem if _is_reserved(stem + suffix) else stem


def _without_loose_ends(text: str, *, head: bool) -> str:
    """``text`` without dots and spaces at the cut, nor a combining mark cut from its base."""
    if head:
        text = text.rstrip(_STRIPPED)
        while text and unicodedata.combining(text[-1]):
            text = text[:-1]
        return text.rstrip(_STRIPPED)
    text = text.lstrip(_STRIPPED)
    while text and unicodedata.combining(text[0]):
        text = text[1:]
    return text


def _ends(name: str, most: int = MAX_FILE_NAME_BYTES) -> str:
    """A long ``name`` cut to the two ends a file name of ``most`` characters can keep.

    The middle of a name longer than that is never looked at, so a name of
    any length (from a hostile book, say) costs no more than a short one.
    """
    room = most + _LOOSE_ROOM
    return name if len(name) <= 2 * room else name[:room] + name[-room:]


def _shortened(stem: str, end: str, limit_bytes: int, limit_units: int) -> str:
    """``stem + end`` cut so that it fits both limits, keeping the stem's end after ``…``
    (``観光振興部…推進班甲~1a2b3c4d.xlsx``): long names often differ only there."""

    def fits(name: str) -> bool:
        return _utf8_length(name) <= limit_bytes and _utf16_length(name) <= limit_units

    if fits(stem + end):
        return stem + end
    # Every character takes at least one byte and one unit: no more can fit,
    # so a name of any length is cut in steps of a few hundred at most.
    most = min(limit_bytes, limit_units)
    tail = _without_loose_ends(stem[-_KEPT_END:], head=False)
    head = stem[: len(stem) - _KEPT_END][:most]
    while head and not fits(head + "…" + tail + end):
        head = head[:-1]
    head = _without_loose_ends(head, head=True)
    if head and tail:
        return head + "…" + tail + end
    stem = stem[:most]
    while stem and not fits(stem + end):  # no room for both ends
        stem = stem[:-1]
    return (_without_loose_ends(stem, head=True) or "_") + end


def safe_file_name(
    name: str,
    suffix: str = "",
    *,
    tag: str = "",
    fallback: str = DEFAULT_FALLBACK,
    max_bytes: int = MAX_FILE_NAME_BYTES,
    max_units: int | None = None,
) -> str:
    """``name + tag + suffix`` made a file name that Windows and Linux both take.

    * ``\\ / : * ? " < > |``, control characters, direction controls and
      lone surrogates become ``_``;
    * leading and trailing dots and spaces (full-width too) go: Windows
      drops the trailing ones, so the file would get another name;
    * a device name Windows reserves (``CON``, ``PRN``, ``AUX``, ``NUL``,
      ``COM0``–``COM9``, ``LPT0``–``LPT9``, ``COM¹`` ``COM²`` ``COM³`` and
      ``LPT¹`` …, ``CONIN$``, ``CONOUT$``), in any case and also with an
      extension or spaces after it (``CON.txt``, ``CON .x``), gets a
      leading ``_``;
    * nothing left gives ``fallback``;
    * a name longer than ``max_bytes`` UTF-8 bytes or ``max_units`` UTF-16
      units (suffix and tag included) is cut, keeping its end after ``…``.

    Args:
        name: the name from the data, without suffix.
        suffix: the file's suffix (``.xlsx``), taken as it is.
        tag: put between the name and the suffix (``~1a2b3c4d``, see :func:`stable_tag`).
        fallback: the name when nothing is left of ``name``.
        max_bytes: the longest file name in UTF-8 bytes.
        max_units: the longest file name in UTF-16 units (default: ``max_bytes``).
    """
    units = max_bytes if max_units is None else max_units
    name = _ends(name, min(max_bytes, units))
    made = _shortened(_safe_stem(name, suffix, fallback), tag + suffix, max_bytes, units)
    if _is_reserved(made):  # what was cut made it a device name (``CON`` + combining marks)
        made = _shortened("_" + made.removesuffix(tag + suffix), tag + suffix, max_bytes, units)
    return made


def export_file_name(nos: Sequence[str], suffix: str) -> str:
    """The file name offered for an export of sheets with these Nos.

    One sheet: ``KPI分析シート_No10.pdf`` (its No made safe by
    :func:`safe_file_name`; a blank No is left out); several or none:
    ``KPI分析シート.pdf``.
    """
    if len(nos) == 1 and _clean(_ends(nos[0]), ""):
        return safe_file_name(f"{EXPORT_STEM}_No{nos[0].strip(_STRIPPED)}", suffix)
    return EXPORT_STEM + suffix


def summary_file_name(report_year: int | None, suffix: str) -> str:
    """The file name offered for the 総括 of a report year: ``総括_R2.pdf``
    (``総括.pdf`` without a year)."""
    if report_year is None:
        return SUMMARY_STEM + suffix
    return safe_file_name(f"{SUMMARY_STEM}_{eras.short_label(report_year)}", suffix)


def department_file_names(departments: Iterable[str], folder: Path | None = None) -> dict[str, str]:
    """A file name for each department's workbook (``観光振興課.xlsx``), all different.

    Names are made safe by :func:`safe_file_name` (no department gives
    ``担当課なし.xlsx``, a reserved name gets a leading ``_``). A name longer
    than :data:`MAX_FILE_NAME_BYTES`, or than the path allows in ``folder``
    (on Windows, ``kpidesk.fileio.name_room``), is cut and tagged with a
    short hash of the whole department name (``観光…課~1a2b3c4d.xlsx``), as
    is any name that would otherwise be the same as another department's
    (ignoring case), so no workbook replaces another. The same department
    always gets the same name.

    Args:
        departments: the departments (``""``: sheets without one).
        folder: the folder the files go into (None: the path is not measured).

    Raises:
        OutputError: the folder's path leaves no room for a file name (message
            in Japanese).
    """
    limit_units = MAX_FILE_NAME_BYTES
    room = name_room(folder) if folder is not None else None
    if room is not None:
        if room < max(24, TEMP_NAME_LENGTH):
            raise OutputError(
                f"保存先のフォルダのパスが長すぎて、担当課ごとのファイル名を付けられません: "
                f"{folder}。もっと短いパスのフォルダ（例: デスクトップ）を選んでください"
            )
        limit_units = min(limit_units, room)
    unique = sorted(set(departments))
    # A name too long to fit is tagged anyway: its stem is only used to find clashes.
    stems = {
        department: _safe_stem(_ends(department), ".xlsx", _NO_DEPARTMENT) for department in unique
    }
    clashes: dict[str, list[str]] = {}
    for department in unique:
        clashes.setdefault((stems[department] + ".xlsx").casefold(), []).append(department)
    names: dict[str, str] = {}
    for department in unique:
        name = safe_file_name(department, ".xlsx", fallback=_NO_DEPARTMENT, max_units=limit_units)
        fits = name == stems[department] + ".xlsx"
        group = clashes[(stems[department] + ".xlsx").casefold()]
        kept = [other for other in group if other == stems[other]]
        alone = len(group) == 1 or kept == [department]
        if not (fits and alone):
            name = safe_file_name(
                department,
                ".xlsx",
                tag=stable_tag(department),
                fallback=_NO_DEPARTMENT,
                max_units=limit_units,
            )
        names[department] = name
    taken: set[str] = set()
    for department in unique:  # a hash clash, in theory: number it
        name, number = names[department], 2
        while name.casefold() in taken:  # numbered within the same room
            tag = f"{stable_tag(department)}_{number}"
            name = safe_file_name(
                department, ".xlsx", tag=tag, fallback=_NO_DEPARTMENT, max_units=limit_units
            )
            number += 1
        taken.add(name.casefold())
        names[department] = name
    return names


def department_file_name(department: str) -> str:
    """A Windows-safe file name for one department's workbook (``観光振興課.xlsx``).

    As :func:`department_file_names` names it when exported with no other.
    """
    return department_file_names([department])[department]


def renamed_departments(names: dict[str, str]) -> list[str]:
    """Japanese lines for the departments whose file name is not simply their name."""
    return [
        f"「{department or _NO_DEPARTMENT}」→ {name}"
        for department, name in sorted(names.items())
        if name != f"{department}.xlsx" and (department or name != f"{_NO_DEPARTMENT}.xlsx")
    ]
