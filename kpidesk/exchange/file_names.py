"""File names for workbooks named after departments, safe on Windows and Linux.

One workbook per department (``観光振興課.xlsx``): a department's name may
hold characters Windows refuses, be a reserved device name, or be longer
than a file name may be. Every name is worked out before anything is
written, and no two departments ever get the same file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from kpidesk.fileio import TEMP_NAME_LENGTH, OutputError, name_room

_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)
#: The longest department file name, in UTF-8 bytes (``.xlsx`` included).
#: Linux allows 255 bytes (85 Japanese characters), Windows 255 UTF-16 units,
#: encrypted home folders 143 bytes.
MAX_FILE_NAME_BYTES = 120
_RESERVED_DIGITS = "123456789¹²³"
_NO_DEPARTMENT = "担当課なし"


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _stable_tag(department: str) -> str:
    """A short tag that tells apart departments whose file names would be the same."""
    digest = hashlib.sha256(department.encode("utf-8", "surrogatepass")).hexdigest()
    return "~" + digest[:8]


def _safe_stem(department: str) -> str:
    """The department with what Windows or Linux refuse in a file name replaced."""
    stem = _WINDOWS_FORBIDDEN.sub("_", department)
    stem = "".join("_" if 0xD800 <= ord(char) <= 0xDFFF else char for char in stem)
    stem = stem.strip(" .\u3000")  # Windows drops trailing dots and spaces
    if not stem:
        return _NO_DEPARTMENT
    device = stem.split(".")[0].rstrip(" ").upper()
    if device in _WINDOWS_RESERVED or (
        len(device) == 4 and device[:3] in ("COM", "LPT") and device[3] in _RESERVED_DIGITS
    ):
        stem = "_" + stem
    return stem


def _shortened(stem: str, tag: str, limit_bytes: int, limit_units: int) -> str:
    """``stem`` cut so that ``stem + tag + .xlsx`` fits both limits.

    The end of the name is kept after ``…`` (``観光振興部…推進班甲~1a2b3c4d.xlsx``):
    long department names often differ only there.
    """
    suffix = tag + ".xlsx"

    def fits(name: str) -> bool:
        return _utf8_length(name) <= limit_bytes and _utf16_length(name) <= limit_units

    if fits(stem + suffix):
        return stem + suffix
    tail = stem[-_KEPT_END:].lstrip(" .\u3000")
    while tail and unicodedata.combining(tail[0]):
        tail = tail[1:]  # a mark without the character it goes with
    head = stem[: len(stem) - _KEPT_END]
    while head and not fits(head + "…" + tail + suffix):
        head = head[:-1]
    head = head.rstrip(" .\u3000")
    while head and unicodedata.combining(head[-1]):
        head = head[:-1]
    if head and tail:
        return head + "…" + tail + suffix
    while stem and not fits(stem + suffix):  # no room for both ends
        stem = stem[:-1]
    stem = stem.rstrip(" .\u3000")
    while stem and unicodedata.combining(stem[-1]):
        stem = stem[:-1]
    return (stem or _NO_DEPARTMENT[:2]) + suffix


#: How many characters of a long department name's end its file name keeps.
_KEPT_END = 8


def department_file_names(departments: Iterable[str], folder: Path | None = None) -> dict[str, str]:
    """A file name for each department's workbook (``観光振興課.xlsx``), all different.

    Names are safe on Windows and Linux: characters such as ``/ \\ : * ? " < > |``
    become ``_``, reserved names (``CON``, ``COM1``…) get a leading ``_``,
    leading and trailing dots and spaces go, and no department gives an empty
    name (``担当課なし.xlsx``). A name longer than :data:`MAX_FILE_NAME_BYTES`
    (or than the path allows in ``folder``: on Windows,
    ``kpidesk.fileio.name_room``) is cut and tagged with a
    short hash of the whole department name (``観光…課~1a2b3c4d.xlsx``), as is
    any name that would otherwise be the same as another department's
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
    limit_bytes = MAX_FILE_NAME_BYTES
    unique = sorted(set(departments))
    stems = {department: _safe_stem(department) for department in unique}
    plain = {department: stems[department] + ".xlsx" for department in unique}
    clashes: dict[str, list[str]] = {}
    for department in unique:
        clashes.setdefault(plain[department].casefold(), []).append(department)
    names: dict[str, str] = {}
    for department in unique:
        name = plain[department]
        fits = _utf8_length(name) <= limit_bytes and _utf16_length(name) <= limit_units
        group = clashes[name.casefold()]
        kept = [other for other in group if other == stems[other]]
        alone = len(group) == 1 or (kept == [department])
        if not (fits and alone):
            tag = _stable_tag(department)
            name = _shortened(stems[department], tag, limit_bytes, limit_units)
        names[department] = name
    taken: set[str] = set()
    for department in unique:  # a hash clash, in theory: number it
        name, number = names[department], 2
        while name.casefold() in taken:
            name = names[department].removesuffix(".xlsx") + f"_{number}.xlsx"
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
