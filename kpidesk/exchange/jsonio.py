"""The interchange JSON: sheets to JSON and back.

The shape::

    {"format": "kpidesk-sheets", "version": 1, "sheets": [ {...}, ... ]}

Output is UTF-8 with ``ensure_ascii=False``, sheets ordered by No as a number,
then by text, so the same sheets always give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kpidesk import limits
from kpidesk.model import (
    ROW_KINDS,
    SOURCE_FIELDS,
    TARGET_DIRECTIONS,
    Cell,
    Sheet,
    ValueRow,
    sheet_sort_key,
)

FORMAT_NAME = "kpidesk-sheets"
FORMAT_VERSION = 1


class JsonFormatError(ValueError):
    """The JSON is broken or not in the interchange shape (message in Japanese)."""


def sheet_to_dict(sheet: Sheet) -> dict[str, Any]:
    """The interchange form of one sheet (no book bookkeeping).

    The optional 出典, 公表時期, 次回公表予定 and 企画課・有識者意見 are
    written only when given, so that a file without them reads and writes
    back byte for byte, and a book's stored sheets stay as they were.
    """
    data: dict[str, Any] = {
        "report_year": sheet.report_year,
        "no": sheet.no,
        "departments": list(sheet.departments),
        "title": sheet.title,
        "section": sheet.section,
        "baseline_label": sheet.baseline_label,
        "baseline_year": sheet.baseline_year,
        "actual_years": list(sheet.actual_years),
        "target_year": sheet.target_year,
        "rows": [_row_to_dict(row) for row in sheet.rows],
        "efforts": list(sheet.efforts),
        "issues": list(sheet.issues),
        "direction": list(sheet.direction),
    }
    for key in _OPTIONAL_TEXT_KEYS:
        if getattr(sheet, key):
            data[key] = getattr(sheet, key)
    if sheet.opinions:
        data["opinions"] = list(sheet.opinions)
    if sheet.planning_comment:
        data["planning_comment"] = sheet.planning_comment
    return data


#: The sheet's one-line texts that are written only when given.
_OPTIONAL_TEXT_KEYS = tuple(attribute for attribute, _ in SOURCE_FIELDS)


def _row_to_dict(row: ValueRow) -> dict[str, Any]:
    """One value row; the hand-set direction, kind, 期待値 target and 外的要因
    only when set, so that files without them read and write back byte for byte."""
    data: dict[str, Any] = {
        "label": row.label,
        "unit": row.unit,
        "baseline": row.baseline.text,
        "actuals": [cell.text for cell in row.actuals],
        "target": row.target.text,
    }
    if row.target_direction:
        data["target_direction"] = row.target_direction
    if row.kind:
        data["kind"] = row.kind
    if row.measures:
        data["measures"] = row.measures
    if row.external:
        data["external"] = True
    if row.external_reason:
        data["external_reason"] = row.external_reason
    return data


_YEAR = f"西暦の年度（{limits.MIN_YEAR}から{limits.MAX_YEAR}までの整数）"


class _Reader:
    """Checks one value of the JSON at a time and names where it went wrong."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, expected: str) -> JsonFormatError:
        return JsonFormatError(
            f"JSONの形式が正しくありません: {self.where}.{key} には{expected}が必要です"
        )

    def text(self, data: dict[str, Any], key: str, *, default: str | None = None) -> str:
        if key not in data and default is not None:
            return default
        value = data.get(key)
        if not isinstance(value, str):
            raise self.fail(key, "文字列")
        return value

    def flag(self, data: dict[str, Any], key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(key, "真偽値（true か false）")
        return value

    def choice(self, data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
        value = data.get(key, "")
        if value not in allowed:
            shown = "、".join(f'"{item}"' for item in allowed if item)
            raise self.fail(key, f"{shown} のいずれか")
        return str(value)

    def year(self, data: dict[str, Any], key: str) -> int:
        value = data.get(key)
        if limits.year_problem(value, key) is not None:
            raise self.fail(key, _YEAR)
        return value

    def texts(
        self, data: dict[str, Any], key: str, *, default: list[str] | None = None
    ) -> list[str]:
        if key not in data and default is not None:
            return default
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, "文字列のリスト")
        return list(value)

    def years(self, data: dict[str, Any], key: str) -> list[int]:
        value = data.get(key)
        if not isinstance(value, list) or any(
            limits.year_problem(item, key) is not None for item in value
        ):
            raise self.fail(key, f"{_YEAR}のリスト")
        return list(value)


def sheet_from_dict(data: Any, where: str = "sheet") -> Sheet:
    """Build a sheet from its interchange form, checking every key.

    Raises:
        JsonFormatError: a key is missing or has the wrong type.
    """
    if not isinstance(data, dict):
        raise JsonFormatError(
            f"JSONの形式が正しくありません: {where} はオブジェクトである必要があります"
        )
    read = _Reader(where)
    actual_years = read.years(data, "actual_years")
    raw_rows = data.get("rows")
    if not isinstance(raw_rows, list):
        raise read.fail("rows", "リスト")
    rows = []
    for index, raw_row in enumerate(raw_rows):
        row_where = f"{where}.rows[{index}]"
        if not isinstance(raw_row, dict):
            raise JsonFormatError(
                f"JSONの形式が正しくありません: {row_where} はオブジェクトである必要があります"
            )
        row_read = _Reader(row_where)
        actuals = row_read.texts(raw_row, "actuals")
        if len(actuals) != len(actual_years):
            raise JsonFormatError(
                f"JSONの形式が正しくありません: {row_where}.actuals の数（{len(actuals)}）が"
                f"actual_years の数（{len(actual_years)}）と一致しません"
            )
        rows.append(
            ValueRow(
                label=row_read.text(raw_row, "label"),
                unit=row_read.text(raw_row, "unit", default=""),
                baseline=Cell(row_read.text(raw_row, "baseline")),
                actuals=[Cell(text) for text in actuals],
                target=Cell(row_read.text(raw_row, "target")),
                target_direction=row_read.choice(raw_row, "target_direction", TARGET_DIRECTIONS),
                kind=row_read.choice(raw_row, "kind", ROW_KINDS),
                measures=row_read.text(raw_row, "measures", default=""),
                external=row_read.flag(raw_row, "external"),
                # A one-line field: a line break from a file cannot start a line of its own
                # wherever the reason is printed (the evaluate table, the 評価一覧).
                external_reason=_one_line(row_read.text(raw_row, "external_reason", default="")),
            )
        )
    no = read.text(data, "no")
    if not no.strip():
        raise read.fail("no", "空でない文字列")
    return Sheet(
        report_year=read.year(data, "report_year"),
        no=no,
        departments=read.texts(data, "departments"),
        title=read.text(data, "title"),
        section=read.text(data, "section", default=""),
        baseline_label=read.text(data, "baseline_label"),
        baseline_year=read.year(data, "baseline_year"),
        actual_years=actual_years,
        target_year=read.year(data, "target_year"),
        rows=rows,
        efforts=read.texts(data, "efforts", default=[]),
        issues=read.texts(data, "issues", default=[]),
        direction=read.texts(data, "direction", default=[]),
        source=read.text(data, "source", default=""),
        published=read.text(data, "published", default=""),
        next_release=read.text(data, "next_release", default=""),
        opinions=read.texts(data, "opinions", default=[]),
        planning_comment=read.text(data, "planning_comment", default=""),
    )


def dumps(sheets: Iterable[Sheet]) -> str:
    """The interchange JSON of the sheets, ordered by No, ending in a newline."""
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "sheets": [sheet_to_dict(sheet) for sheet in sorted(sheets, key=sheet_sort_key)],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def loads(text: str) -> list[Sheet]:
    """Sheets from interchange JSON text.

    Characters a workbook cannot carry are replaced by U+FFFD
    (:func:`kpidesk.limits.clean_sheet`) and every sheet is checked against
    :func:`kpidesk.limits.sheet_problems`.

    Raises:
        JsonFormatError: the text is not JSON, or not in the interchange shape.
    """
    try:
        # A BOM is no part of JSON: a file may carry more than the one read_file drops.
        document = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        reason = _decode_reason(error.msg)
        raise JsonFormatError(
            f"JSONとして読めません（{error.lineno}行{error.colno}列: {reason}）。"
            "テキストエディタでその場所を直してから取り込んでください"
        ) from None
    except RecursionError:
        raise JsonFormatError("JSONの入れ子が深すぎて読めません") from None
    except ValueError:  # an integer of thousands of digits
        raise JsonFormatError("JSONに桁が多すぎて読めない数があります") from None
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate escape ("\ud800") parses as JSON but is no character.
        raise JsonFormatError(
            "JSONに文字として使えないもの（対になっていないサロゲート）があります"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise JsonFormatError(f'KPI Desk のJSON（"format": "{FORMAT_NAME}"）ではありません')
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise JsonFormatError(
            f"対応していないJSONの版です（version: {version!r}、対応: {FORMAT_VERSION}）"
        )
    raw_sheets = document.get("sheets")
    if not isinstance(raw_sheets, list):
        raise JsonFormatError("JSONの形式が正しくありません: sheets にはリストが必要です")
    sheets = [sheet_from_dict(raw, f"sheets[{index}]") for index, raw in enumerate(raw_sheets)]
    for sheet in sheets:
        limits.clean_sheet(sheet)
    problems = [problem for sheet in sheets for problem in limits.sheet_problems(sheet)]
    if problems:
        raise JsonFormatError(
            f"{limits.problems_text(problems)}。JSONを直してから取り込んでください"
        )
    seen: set[tuple[int, str]] = set()
    for sheet in sheets:
        if sheet.key in seen:
            raise JsonFormatError(
                f"同じシートが2回あります（{sheet.report_year}年度 No {sheet.no}）"
            )
        seen.add(sheet.key)
    return sheets


# What json's messages say, in Japanese; a message is found by how it starts.
_DECODE_REASONS: tuple[tuple[str, str], ...] = (
    ("Expecting value", "値（文字列・数・リスト・オブジェクト）があるはずの所にありません"),
    ("Extra data", "JSONの終わりの後に余分なものがあります"),
    ("Unterminated string", '文字列を閉じる「"」がありません'),
    (
        "Expecting property name",
        'キーは「"」で囲んでください（最後の項目の後の余分な「,」もこうなります）',
    ),
    ("Invalid control character", "文字列の中に制御文字（タブ・改行など）がそのまま入っています"),
    ("Expecting ',' delimiter", "「,」がありません"),
    ("Expecting ':' delimiter", "キーの後の「:」がありません"),
    ("Invalid \\uXXXX escape", "「\\u」の後が16進数4桁ではありません"),
    ("Invalid \\escape", "文字列の中の「\\」の後が正しくありません"),
    ("Illegal trailing comma", "最後の項目の後に余分な「,」があります"),
    ("Unexpected UTF-8 BOM", "先頭にBOMがあります"),
)


def _decode_reason(message: str) -> str:
    """json's message about broken JSON, in Japanese."""
    for start, reason in _DECODE_REASONS:
        if message.startswith(start):
            return reason
    return "JSONの書き方が正しくありません"


def write_file(sheets: Iterable[Sheet], path: Path) -> None:
    """Write the interchange JSON to a file (UTF-8)."""
    path.write_text(dumps(sheets), encoding="utf-8", newline="\n")


def read_file(path: Path) -> list[Sheet]:
    """Read interchange JSON from a file (UTF-8, with or without BOM).

    Raises:
        JsonFormatError: the file is not UTF-8 or not interchange JSON.
        OSError: the file cannot be read.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JsonFormatError("JSONファイルがUTF-8ではありません") from None
    return loads(text)


#: Line and paragraph breaks, and the direction controls that reorder what follows them.
_BREAKS_AND_DIRECTIONS = dict.fromkeys(
    map(ord, "\n\r\v\f\x85\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), " "
)


def _one_line(text: str) -> str:
    """``text`` on one line, read as written (breaks and direction controls as spaces)."""
    return text.translate(_BREAKS_AND_DIRECTIONS)
