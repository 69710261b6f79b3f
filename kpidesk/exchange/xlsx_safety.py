"""Reading untrusted .xlsx workbooks safely.

Every workbook KPI Desk reads goes through :func:`checked_package`: a
template then through :func:`load_untrusted` (openpyxl), a filled-in
workbook through ``kpidesk.exchange.xlsx_cells`` (its own XML reading,
DTDs forbidden). Before any XML is parsed a file is checked:
its size, the unpacked size of the whole package and of each XML part, the
compression ratio of each part (zip bombs), and old or encrypted formats;
both parse XML through defusedxml, which refuses entities.
Each refusal is an :class:`ExcelError` with a Japanese message;
:class:`ExcelError` is the error of every Excel module.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import openpyxl
from openpyxl.workbook.workbook import Workbook

#: Refuse files larger than this before reading them.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Refuse workbooks whose parts add up to more than this when unpacked.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
#: Refuse a part larger than 1 MB that unpacks to more than this many times its size.
MAX_COMPRESSION_RATIO = 100
#: Refuse zips with more parts than this.
MAX_ZIP_MEMBERS = 10_000
#: Refuse a worksheet part (``xl/worksheets/*.xml``) larger than this when
#: unpacked: a sheet's worksheet is about 20 KB, and openpyxl needs some 20
#: times a worksheet's size in memory to read it.
MAX_WORKSHEET_BYTES = 4 * 1024 * 1024
#: Refuse a shared-strings part (``xl/sharedStrings.xml``) larger than this
#: when unpacked; other XML parts (where a crafted workbook could put a
#: worksheet under another name) are held to the same limit.
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
#: The most cells all merged ranges of a workbook may cover (the form uses a few hundred).
MAX_MERGED_CELLS = 100_000


@dataclass(frozen=True)
class Budget:
    """Tighter bounds for a workbook of a known, small kind (a department's returned
    workbook): openpyxl takes about two seconds a megabyte of XML, and memory besides.

    Attributes:
        max_unpacked_bytes: all parts together, unpacked.
        max_worksheets: worksheet parts.
    """

    max_unpacked_bytes: int
    max_worksheets: int


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MB = 1024 * 1024


class ExcelError(ValueError):
    """A workbook cannot be written or read (message in Japanese)."""


def _read_limited(source: Path | BinaryIO, what: str) -> bytes:
    """The bytes of a file or stream, refusing anything over :data:`MAX_FILE_BYTES`.

    Raises:
        ExcelError: the file is too large.
        OSError: a path cannot be read.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExcelError(_too_large(what, size))
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    else:
        data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ExcelError(_too_large(what, len(data)))
    return data


def _too_large(what: str, size: int) -> str:
    return (
        f"{what}が大きすぎるため読みません（{size / _MB:.0f} MB、上限 {MAX_FILE_BYTES // _MB} MB）"
    )


def _check_package(data: bytes, what: str, budget: Budget | None = None) -> None:
    """Refuse what openpyxl should never see: other formats, broken zips, zip bombs.

    Raises:
        ExcelError: with a Japanese message saying what is wrong.
    """
    if data.startswith(_OLE_MAGIC):
        raise ExcelError(
            f"{what}はパスワードで保護されているか、古い形式（.xls）のExcelファイルです。"
            "Excelでパスワードを解除し、「Excel ブック (*.xlsx)」として保存し直してください"
        )
    if not data.startswith(b"PK"):
        raise ExcelError(f"{what}はExcelのブック（.xlsx）ではありません")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise ExcelError(
            f"{what}は壊れているか、途中までしかありません（Excelのブックとして開けません）"
        ) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ExcelError(f"{what}は部品の数が多すぎるため読みません（{len(infos)}個）")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ExcelError(
            f"{what}は展開すると大きすぎるため読みません（{total / _MB:.0f} MB、"
            f"上限 {MAX_UNCOMPRESSED_BYTES // _MB} MB）"
        )
    if budget is not None:
        _check_budget(infos, what, budget)
    for info in infos:
        if info.file_size > _MB and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ExcelError(
                f"{what}は異常に高い圧縮率の部品（{info.filename}）を含むため読みません"
                "（zip爆弾のおそれがあります）"
            )
    for info in infos:
        _check_part_size(info, what)
    _check_merged_cells(data, infos, what)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ExcelError(
            f"{what}はExcelのブック（.xlsx）ではありません"
            "（ブックの部品 xl/workbook.xml がありません）"
        )


_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_SHARED_STRINGS_PART = "xl/sharedstrings.xml"
_XML_PART = re.compile(r".+\.(xml|rels)", re.IGNORECASE)


#: A merged range in a worksheet's XML, as ``A1:C3`` (namespace prefix allowed).
_MERGE_CELL = re.compile(
    rb'<(?:[A-Za-z_][\w.-]{0,40}:)?mergeCell\s[^>]{0,200}?ref="'
    rb'([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})"'
)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def _check_merged_cells(data: bytes, infos: list[zipfile.ZipInfo], what: str) -> None:
    """Refuse merged ranges covering more than :data:`MAX_MERGED_CELLS` cells in all.

    openpyxl makes one object for every cell of a merged range while it
    loads, so a 6 KB file with ``A1:XFD1048576`` would take minutes and all
    the memory before any other check could look at it. The ranges are read
    from the worksheets' XML (each already bounded by :data:`MAX_WORKSHEET_BYTES`).
    """
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in infos:
            if not _WORKSHEET_PART.fullmatch(info.filename):
                continue
            try:
                part = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError):
                raise ExcelError(
                    f"{what}は壊れているか、途中までしかありません（Excelのブックとして開けません）"
                ) from None
            for first_col, first_row, last_col, last_row in _MERGE_CELL.findall(part):
                rows = abs(int(last_row) - int(first_row)) + 1
                columns = abs(_column_number(last_col) - _column_number(first_col)) + 1
                total += rows * columns
                if total > MAX_MERGED_CELLS:
                    raise ExcelError(
                        f"{what}は結合したセルが多すぎるため読みません"
                        f"（{total:,}セル以上、上限 {MAX_MERGED_CELLS:,}セル）"
                    )


def _check_budget(infos: list[zipfile.ZipInfo], what: str, budget: Budget) -> None:
    """Refuse a package beyond ``budget`` (from the zip directory, before unpacking)."""
    worksheets = sum(1 for info in infos if _WORKSHEET_PART.fullmatch(info.filename))
    if worksheets > budget.max_worksheets:
        raise ExcelError(
            f"{what}はワークシートが多すぎるため読みません"
            f"（{worksheets:,}枚、上限 {budget.max_worksheets:,}枚）"
        )
    total = sum(info.file_size for info in infos)
    if total > budget.max_unpacked_bytes:
        raise ExcelError(
            f"{what}は展開すると大きすぎるため読みません（{_size_text(total)}、"
            f"上限 {_size_text(budget.max_unpacked_bytes)}）"
        )


def _check_part_size(info: zipfile.ZipInfo, what: str) -> None:
    """Refuse an XML part whose unpacked size (from the zip directory) is too large.

    The zip directory's size binds: Python's zipfile never unpacks more than it.

    Raises:
        ExcelError: naming the part, its size and the limits.
    """
    name = info.filename
    if _WORKSHEET_PART.fullmatch(name):
        kind, limit = "ワークシートの部品", MAX_WORKSHEET_BYTES
    elif name.lower() == _SHARED_STRINGS_PART:
        kind, limit = "共有文字列の部品", MAX_SHARED_STRINGS_BYTES
    elif _XML_PART.fullmatch(name):
        kind, limit = "部品", MAX_SHARED_STRINGS_BYTES
    else:
        return
    if info.file_size > limit:
        raise ExcelError(
            f"{what}の{kind} {name} は展開すると {_size_text(info.file_size)} あり、"
            "大きすぎるため読みません（上限: ワークシート1枚あたり "
            f"{_size_text(MAX_WORKSHEET_BYTES)}、共有文字列・その他のXMLの部品 "
            f"{_size_text(MAX_SHARED_STRINGS_BYTES)}）"
        )


def _size_text(size: int) -> str:
    """``4 MB``, ``64.5 MB``, ``12 KB``: a size for a message."""
    if size >= _MB:
        return f"{size / _MB:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def checked_package(source: Path | BinaryIO, what: str, budget: Budget | None = None) -> bytes:
    """The bytes of a workbook that passed every check before parsing (within ``budget``).

    Raises:
        ExcelError: the file is too large, not an xlsx package, or a zip bomb.
        OSError: a path cannot be read.
    """
    if not openpyxl.DEFUSEDXML:
        raise ExcelError(
            "Excelファイルを安全に読むための部品（defusedxml）が使えないため、読みません"
        )
    data = _read_limited(source, what)
    _check_package(data, what, budget)
    return data


def load_untrusted(source: Path | BinaryIO, what: str, budget: Budget | None = None) -> Workbook:
    """Check and load a workbook from a file or stream (within ``budget`` when given).

    Raises:
        ExcelError: the file is not a readable, safe xlsx workbook.
        OSError: a path cannot be read.
    """
    data = checked_package(source, what, budget)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(
                io.BytesIO(data), data_only=True, keep_links=False, rich_text=False
            )
    except Exception as error:  # any failure of parsing an untrusted file
        if _is_defused(error):
            raise ExcelError(unsafe_message(what)) from None
        raise ExcelError(unreadable_message(what, error)) from None


def _is_defused(error: BaseException) -> bool:
    """True when defusedxml refused the XML (openpyxl wraps its error in a ValueError)."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unsafe_message(what: str) -> str:
    """The refusal of XML with a DOCTYPE or entities."""
    return f"{what}に安全でない内容（XMLの DOCTYPE・実体参照など）が含まれているため読みません"


def unreadable_message(what: str, error: BaseException) -> str:
    """The refusal of a workbook that cannot be parsed, naming the kind of failure."""
    return (
        f"{what}をExcelのブックとして読めません（壊れているか、対応していない内容です: "
        f"{type(error).__name__}）"
    )
