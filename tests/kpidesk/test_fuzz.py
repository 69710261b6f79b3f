"""Fuzzing of the three imports: text, JSON and Excel.

Each target gets arbitrary input and mutations of a real one (the sample
text, the interchange JSON of the samples, a workbook KPI Desk exported). A
reader must either return sheets or raise its own error (TextImportError,
JsonFormatError, ExcelError): anything else is a crash. Whatever it returns
is then imported into a book in memory that already holds three of the
sample sheets, with and without ``replace``: the import must change every
sheet it was given (each one's content as given, its revision one up) and
nothing else, or raise a BookError and change nothing (no partial import).

The examples are derandomized, so every run (and CI) tries the same ones.
Each fuzzing function is called from a plain test that then checks that the
examples reached both outcomes (sheets imported, input refused), so the
fuzzing cannot silently stop reaching the store. Run with ``-s`` to see how
many examples each target ran and how they ended.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import zipfile
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.exceptions import IllegalCharacterError

from kpidesk import samples
from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from kpidesk.exchange import excel_reader, excel_writer, jsonio, textimport, xlsx_safety
from kpidesk.model import Sheet
from tests.conftest import SAMPLE_TEXT

#: Examples per fuzzing function (the Excel ones are slower: openpyxl), times
#: ``KPIDESK_FUZZ_SCALE`` (default 1; e.g. 20 for a long run by hand).
SCALE = float(os.environ.get("KPIDESK_FUZZ_SCALE", "1"))
TEXT_EXAMPLES = 200
JSON_EXAMPLES = 200
XLSX_EXAMPLES = 150
MEMBER_EXAMPLES = 100
WORKBOOK_EXAMPLES = 60


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


#: (target, outcome) -> examples; printed by each test.
OUTCOMES: Counter[tuple[str, str]] = Counter()


def _report(target: str) -> Counter[str]:
    counts = Counter({outcome: n for (t, outcome), n in OUTCOMES.items() if t == target})
    print(f"\n{target}: {sum(counts.values())} examples: {dict(sorted(counts.items()))}")
    return counts


# --- the store: all or nothing ----------------------------------------------------


@cache
def _samples() -> tuple[Sheet, ...]:
    return tuple(samples.sample_sheets())


def _token(sheet: Sheet) -> str:
    text = json.dumps(jsonio.sheet_to_dict(sheet), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _state(store: Book) -> dict[tuple[int, str], tuple[int, str]]:
    return {sheet.key: (sheet.revision, _token(sheet)) for sheet in store.list_sheets()}


def import_all_or_nothing(sheets: list[Sheet], *, replace: bool) -> str:
    """Import into a book of three sample sheets; check all or nothing; the outcome."""
    store = Book.memory()
    try:
        store.import_sheets(list(_samples()[:3]))
        before = _state(store)
        try:
            saved = store.import_sheets(sheets, replace=replace)
        except BookError as error:
            assert _state(store) == before, "a refused import changed the book"
            return f"refused by the store: {type(error).__name__}"
        after = _state(store)
        given = {sheet.key: sheet for sheet in sheets}
        assert len(saved) == len(sheets) == len(given)
        assert set(after) == set(before) | set(given)
        for key, sheet in given.items():
            revision, token = after[key]
            assert token == _token(sheet), f"{key} was not stored as given"
            assert revision == before.get(key, (0, ""))[0] + 1
        for key in set(before) - set(given):
            assert after[key] == before[key], f"{key} changed although not imported"
        return "imported"
    finally:
        store.close()


def read_then_import(
    target: str, read: Callable[[], list[Sheet]], error: type[Exception], replace: bool
) -> None:
    """Run a reader: its own error or sheets, which then go through the store."""
    try:
        sheets = read()
    except error:
        OUTCOMES[target, f"{error.__name__}"] += 1
        return
    assert isinstance(sheets, list) and all(isinstance(s, Sheet) for s in sheets)
    OUTCOMES[target, import_all_or_nothing(sheets, replace=replace)] += 1


# --- mutations ---------------------------------------------------------------------

_NOISE = st.sampled_from(
    [
        "\t",
        " ",
        "\u3000",
        "\n",
        "\r",
        "\x00",
        "\x0b",
        "\u2028",
        "\ufeff",
        "-",
        "・",
        "No",
        "No 9",
        "No\t",
        "１２",
        "(",
        ")",
        "（R",
        "実績値",
        "目標値",
        "R99",
        "H30",
        "令和元",
        "△",
        ",",
        ".",
        "%",
        '"',
        "<",
        "&",
        "]]>",
        '<!DOCTYPE x [<!ENTITY e "a">]>',
        "&e;",
        "&#0;",
        "&#xD800;",
        "\\",
        "{",
        "}",
        "[",
        "]",
        ":",
        "null",
        "9" * 30,
        "1e999",
        "\U0001f600",
    ]
)
#: Any character but a lone surrogate (no file can hold one; see the surrogate test below).
_CHARACTERS = st.characters(codec="utf-8")
_SNIPPET = st.one_of(_NOISE, st.text(max_size=8))


@st.composite
def mutated_text(draw: st.DrawFn, original: str, max_ops: int = 6) -> str:
    """``original`` with a few characters replaced, deleted, inserted or moved."""
    text = original
    for _ in range(draw(st.integers(1, max_ops))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["replace", "delete", "insert", "duplicate", "truncate"]))
        if op == "replace" and at < len(text):
            text = text[:at] + draw(_CHARACTERS) + text[at + 1 :]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 200)) :]
        elif op == "insert":
            text = text[:at] + draw(_SNIPPET) + text[at:]
        elif op == "duplicate":
            text = text[:at] + text[at : at + draw(st.integers(1, 200))] + text[at:]
        elif op == "truncate" and draw(st.integers(0, 3)) == 0:
            text = text[:at]
    return text


@st.composite
def mutated_lines(draw: st.DrawFn, original: str) -> str:
    """``original`` with lines deleted, inserted, duplicated, swapped or changed."""
    lines = original.splitlines()
    for _ in range(draw(st.integers(1, 10))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "change", "blank"]))
        if not lines:
            lines = [draw(_SNIPPET)]
        elif op == "delete":
            del lines[at : at + draw(st.integers(1, 5))]
        elif op == "insert":
            source = st.sampled_from(original.splitlines()) | _SNIPPET
            lines.insert(at, draw(source))
        elif op == "duplicate":
            lines[at:at] = lines[at : at + draw(st.integers(1, 12))]
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "change":
            lines[at] = draw(mutated_text(lines[at], 3))
        else:
            lines[at] = ""
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


@st.composite
def mutated_bytes(draw: st.DrawFn, original: bytes, max_ops: int = 4) -> bytes:
    """``original`` with bits flipped, bytes set, inserted or deleted, or cut short."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, max_ops))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "zero"]))
        if not data:
            break
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[at] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80, ord("<"), ord("0")]))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[at:]
        else:
            data[at : at + 16] = bytes(len(data[at : at + 16]))
    return bytes(data)


# --- text ----------------------------------------------------------------------------


@cache
def _sample_text() -> str:
    return SAMPLE_TEXT.read_text(encoding="utf-8")


_TEXT_WORDS = st.sampled_from(
    [
        "No 9\t生活安全企画課",
        "No\t観光振興課",
        "12",
        "刑法犯認知件数\t",
        "\t戦略策定時 実績値 (R1)\tR2実績値\tR3実績値\t目標値 (R5)",
        "\t戦略策定時 実績値 (H30)\tR1実績値\t目標値 (R99)",
        "戦略策定時 実績値 (令和元年度)\t目標値 (R5)",
        "単年\t6,498 件/年\t5,081\t\t前年比減",
        "累計\t—\t集計中\t認定なし",
        "取組状況",
        "課題等",
        "今後の方向性",
        "- 取り組んだ。",
        "・続き",
        "KPI分析シート",
        "<別記様式2>",
        "2 新型コロナウイルス感染症 を踏まえた対応",
    ]
)
_SHEETISH_TEXT = st.lists(st.one_of(_TEXT_WORDS, _SNIPPET), max_size=40).map("\n".join)
_TEXT_INPUT = st.one_of(
    st.text(max_size=300),
    _SHEETISH_TEXT,
    st.builds(lambda: _sample_text()).flatmap(mutated_lines),
    st.builds(lambda: _sample_text()).flatmap(mutated_text),
)


@fuzz_settings(TEXT_EXAMPLES)
@given(
    text=_TEXT_INPUT,
    report_year=st.none() | st.integers(1800, 2300),
    replace=st.booleans(),
)
def fuzz_text(text: str, report_year: int | None, replace: bool) -> None:
    read_then_import(
        "text",
        lambda: textimport.parse(text, report_year=report_year).sheets,
        textimport.TextImportError,
        replace,
    )


_RAW_TEXT = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(["utf-8", "utf-8-sig", "cp932"]).flatmap(
        lambda encoding: mutated_bytes(_sample_text().encode(encoding, errors="replace"), 6)
    ),
)


@fuzz_settings(TEXT_EXAMPLES)
@given(raw=_RAW_TEXT, replace=st.booleans())
def fuzz_text_bytes(raw: bytes, replace: bool) -> None:
    def read() -> list[Sheet]:
        text, encoding = textimport.decode(raw)
        assert encoding in ("utf-8", "cp932")
        return textimport.parse(text).sheets

    read_then_import("text bytes", read, textimport.TextImportError, replace)


def test_fuzz_text_import() -> None:
    fuzz_text()
    fuzz_text_bytes()
    for target in ("text", "text bytes"):
        counts = _report(target)
        assert counts["imported"] > 0 and counts["TextImportError"] > 0, counts


# --- JSON ----------------------------------------------------------------------------

_JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(1890, 2210)
    | st.floats()
    | st.text(max_size=10)
    | _NOISE
)
_JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=8) | _NOISE, children, max_size=5)
    ),
    max_leaves=25,
)
_SHEET_KEYS = list(jsonio.sheet_to_dict(Sheet(report_year=2020, no="1")))
_ROW_KEYS = ["label", "unit", "baseline", "actuals", "target"]


@cache
def _document() -> dict[str, Any]:
    return json.loads(jsonio.dumps(_samples()[:4]))


def _places(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path into a JSON tree (the root is the empty path)."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_places(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_places(value, (*path, index)))
    return found


@st.composite
def mutated_document(draw: st.DrawFn) -> Any:
    """The samples' interchange JSON with values replaced, removed, retyped or copied."""
    document = json.loads(json.dumps(_document()))
    for _ in range(draw(st.integers(1, 5))):
        path = draw(st.sampled_from(_places(document)))
        if not path:
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        op = draw(st.sampled_from(["replace", "remove", "retype", "copy", "add key"]))
        if op == "replace":
            parent[last] = draw(_JSON_VALUES)
        elif op == "remove":
            del parent[last]
        elif op == "retype":
            value = parent[last]
            parent[last] = draw(
                st.sampled_from(
                    [str(value), [value], {"value": value}, None, len(str(value)), True, 2020.0]
                )
            )
        elif op == "copy":
            other = draw(st.sampled_from(_places(document)))
            source = document
            for step in other:
                source = source[step]
            parent[last] = json.loads(json.dumps(source))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from([*_SHEET_KEYS, *_ROW_KEYS, "x"]))] = draw(_JSON_VALUES)
    return document


_SHEETISH = st.dictionaries(st.sampled_from(_SHEET_KEYS), _JSON_VALUES)
_JSON_DOCUMENTS = st.one_of(
    _JSON_VALUES,
    st.fixed_dictionaries(
        {"format": st.just(jsonio.FORMAT_NAME), "version": st.just(1)},
        optional={"sheets": st.lists(_SHEETISH | _JSON_VALUES, max_size=3)},
    ),
    mutated_document(),
)


@fuzz_settings(JSON_EXAMPLES)
@given(document=_JSON_DOCUMENTS, ascii_only=st.booleans(), replace=st.booleans())
def fuzz_json_values(document: Any, ascii_only: bool, replace: bool) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    read_then_import("json values", lambda: jsonio.loads(text), jsonio.JsonFormatError, replace)


_JSON_TEXT = st.one_of(
    st.text(max_size=200),
    st.builds(lambda: jsonio.dumps(_samples()[:3])).flatmap(mutated_text),
)


@fuzz_settings(JSON_EXAMPLES)
@given(text=_JSON_TEXT, replace=st.booleans())
def fuzz_json_text(text: str, replace: bool) -> None:
    read_then_import("json text", lambda: jsonio.loads(text), jsonio.JsonFormatError, replace)


def test_fuzz_json_import() -> None:
    fuzz_json_values()
    fuzz_json_text()
    for target in ("json values", "json text"):
        counts = _report(target)
        assert counts["imported"] > 0 and counts["JsonFormatError"] > 0, counts


def test_deeply_nested_json_is_refused() -> None:
    for text in ("[" * 100_000, '{"a":' * 100_000, "[" * 100_000 + "]" * 100_000):
        with pytest.raises(jsonio.JsonFormatError):
            jsonio.loads(text)


def test_json_with_a_lone_surrogate_is_refused_with_a_message() -> None:
    document = json.loads(jsonio.dumps(_samples()[:2]))
    document["sheets"][1]["title"] = "\ud800"
    text = json.dumps(document)  # ASCII: the title is the escape \ud800
    with pytest.raises(jsonio.JsonFormatError, match="サロゲート"):
        jsonio.loads(text)


# --- Excel -----------------------------------------------------------------------------


@cache
def _workbook_bytes() -> bytes:
    stream = io.BytesIO()
    excel_writer.export_workbook(list(_samples()[:2]), stream)
    return stream.getvalue()


def _read_xlsx(data: bytes, report_year: int | None = None) -> Callable[[], list[Sheet]]:
    return lambda: excel_reader.read_workbook(io.BytesIO(data), report_year=report_year)


@fuzz_settings(XLSX_EXAMPLES)
@given(
    data=st.builds(_workbook_bytes).flatmap(mutated_bytes) | st.binary(max_size=64),
    replace=st.booleans(),
)
def fuzz_xlsx_bytes(data: bytes, replace: bool) -> None:
    read_then_import("xlsx bytes", _read_xlsx(data), xlsx_safety.ExcelError, replace)


@st.composite
def mutated_package(draw: st.DrawFn) -> bytes:
    """The workbook with one or two of its zip members changed, dropped or added."""
    with zipfile.ZipFile(io.BytesIO(_workbook_bytes())) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    for _ in range(draw(st.integers(1, 2))):
        name = draw(st.sampled_from(sorted(members)))
        op = draw(st.sampled_from(["text", "text", "text", "bytes", "drop", "add"]))
        if op == "text":
            text = members[name].decode("utf-8", errors="surrogateescape")
            members[name] = draw(mutated_text(text, 4)).encode("utf-8", errors="surrogateescape")
        elif op == "bytes":
            members[name] = draw(mutated_bytes(members[name]))
        elif op == "drop":
            del members[name]
        else:
            members[f"xl/worksheets/sheet{draw(st.integers(1, 9))}.xml"] = members[name]
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return stream.getvalue()


@fuzz_settings(MEMBER_EXAMPLES)
@given(data=mutated_package(), replace=st.booleans())
def fuzz_xlsx_members(data: bytes, replace: bool) -> None:
    read_then_import("xlsx members", _read_xlsx(data), xlsx_safety.ExcelError, replace)


_CELL_VALUES = st.one_of(
    st.none(),
    st.text(max_size=20),
    _NOISE,
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(datetime.datetime(1900, 3, 1), datetime.datetime(2200, 1, 1)),
    st.dates(datetime.date(1900, 3, 1), datetime.date(2200, 1, 1)),
    st.times(),
    st.sampled_from(["=1+1", "=A1", "#N/A", "#DIV/0!", "R2実績値", "目標値 (R5)", "令和2年度"]),
)
_NUMBER_FORMATS = st.one_of(
    st.sampled_from(
        [
            "General",
            "0",
            "0.00",
            "#,##0",
            "#,##0.0_ ",
            "0.0%",
            '#,##0"円"',
            "#,##0;[Red]-#,##0",
            "#,##0;△#,##0;-",
            ";;;",
            "@",
            "yyyy/m/d",
            "[$-ja-JP]ggge年",
            "0.0E+00",
            "# ?/?",
            '"',
            "[",
            "0;0;0;0;0",
        ]
    ),
    st.text(max_size=12),
)


class _Unclosable(io.BytesIO):
    """A stream that stays open: when openpyxl fails half-way through a save, its zip
    is closed only when collected, and would then write to a closed stream."""

    def close(self) -> None:
        pass


@st.composite
def mutated_workbook(draw: st.DrawFn) -> bytes:
    """The workbook changed through openpyxl: cells, formats, titles, names, worksheets."""
    wb = openpyxl.load_workbook(io.BytesIO(_workbook_bytes()))
    for _ in range(draw(st.integers(1, 6))):
        ws = draw(st.sampled_from(wb.worksheets))
        op = draw(
            st.sampled_from(["value"] * 4 + ["format"] * 2 + ["title", "name", "drop", "merge"])
        )
        row, column = draw(st.integers(1, 24)), draw(st.integers(1, 11))
        if op == "value":
            cell = ws.cell(row, column)
            value = draw(_CELL_VALUES)
            if not isinstance(cell, MergedCell):
                with contextlib.suppress(IllegalCharacterError):  # openpyxl refuses it
                    cell.value = value
        elif op == "format":
            ws.cell(row, column).number_format = draw(_NUMBER_FORMATS)
        elif op == "title":
            title = draw(st.text(min_size=1, max_size=31) | st.sampled_from(["一覧", "No9"]))
            assume(not excel_writer._WORKSHEET_TITLE_FORBIDDEN.search(title))
            ws.title = title
        elif op == "name" and ws.defined_names:
            name = draw(st.sampled_from(sorted(ws.defined_names)))
            if draw(st.booleans()):
                del ws.defined_names[name]
            else:
                ws.defined_names[name].attr_text = f"'{ws.title}'!$B${row}"
        elif op == "drop" and len(wb.worksheets) > 1:
            wb.remove(ws)
        elif op == "merge":
            ws.merge_cells(start_row=row, start_column=column, end_row=row + 1, end_column=column)
    stream = _Unclosable()
    try:
        wb.save(stream)
    except Exception:  # openpyxl cannot write it: not a case for our reader
        reject()
    return stream.getvalue()


@fuzz_settings(WORKBOOK_EXAMPLES)
@given(
    data=mutated_workbook(),
    report_year=st.none() | st.integers(1800, 2300),
    replace=st.booleans(),
)
def fuzz_xlsx_workbook(data: bytes, report_year: int | None, replace: bool) -> None:
    read_then_import(
        "xlsx workbook", _read_xlsx(data, report_year), xlsx_safety.ExcelError, replace
    )


def test_fuzz_xlsx_import() -> None:
    fuzz_xlsx_bytes()
    fuzz_xlsx_members()
    fuzz_xlsx_workbook()
    imported = 0
    for target in ("xlsx bytes", "xlsx members", "xlsx workbook"):
        counts = _report(target)
        assert counts["ExcelError"] > 0, counts
        imported += counts["imported"]
    assert imported > 0
