"""Hostile inputs, tried as an attacker would: how many does KPI Desk handle?

Each case makes one bad or extreme input in a scratch folder (a book
altered by someone else, a JSON, text or Excel file crafted to break the
readers, hostile settings stored in a book) and runs the command-line
program on it in a child process, as a user of ``main.py`` would, with a
time limit and a memory limit. The outcome of a case is one of:

* ``handled``: the program finished within the limits, exited 0 or with one
  Japanese line (exit 1), and the book afterwards opens, passes
  ``PRAGMA integrity_check``, still holds every sheet it held before
  exactly as it was, and nothing stored in the book ran;
* ``hung``: the time limit (or the memory limit) was reached;
* ``crashed``: an unexpected error (exit 3, a traceback, a signal);
* ``executed``: SQL stored in a hostile book ran (its marker is found);
* ``lost``: the book is damaged, gone, or lost or changed a sheet; or a
  later ``evaluate`` / ``export-json`` on it fails (the input made the book
  unusable).

Usage (from the repository root)::

    .venv/bin/python bench/hostile.py [--only SUBSTRING] [--timeout 60] [--write]

``--write`` appends the counts and every case that was not handled to
``bench/RESULTS.md``. Scratch files go to a temporary folder that is removed
afterwards.
"""

# ruff: noqa: E402 - the repository goes first on sys.path before its modules are imported
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path[:1] = [str(Path(__file__).resolve().parent.parent), *sys.path[:1]]

from bench._common import (
    REPO,
    append_section,
    cpu_model,
    markdown_table,
    now_stamp,
    short_commit,
    text_table,
)

#: Seconds a command may take before the case counts as hung.
DEFAULT_TIMEOUT = 60.0
#: Address space a command may use before the case counts as hung (bytes).
MEMORY_LIMIT = 6 * 1024**3
#: The marker SQL stored in a hostile book writes when it runs.
MARKER = "pwned-by-the-book"


# --- what a case is -----------------------------------------------------------


@dataclass
class Trial:
    """One prepared case: the commands to run and the book to check afterwards.

    Attributes:
        commands: each a list of arguments to ``main.py``; run in order.
        book: the book whose sheets must survive (None: nothing to check).
        follow_up: also run ``evaluate`` and ``export-json`` on the book
            afterwards; they must succeed (the input must not have made the
            book unusable).
        expected_sheets: how many sheets the book must hold afterwards (an
            import that exits 0 must not have dropped one silently).
        untouched: files that must be byte for byte as they were (a book
            that is refused, and the files beside it).
    """

    commands: list[list[str]]
    book: Path | None = None
    follow_up: bool = True
    expected_sheets: int | None = None
    untouched: list[Path] = field(default_factory=list)


@dataclass
class Case:
    name: str
    kind: str
    make: Callable[[Path], Trial]


@dataclass
class Outcome:
    case: Case
    result: str
    detail: str = ""
    seconds: float = 0.0


@dataclass
class BookState:
    """What a book held before a case: each sheet's stored JSON by its key."""

    sheets: dict[tuple[int, str], str] = field(default_factory=dict)


# --- books ----------------------------------------------------------------------


def _sample_json(count: int = 3) -> str:
    from kpidesk import samples
    from kpidesk.exchange import jsonio

    return jsonio.dumps(samples.sample_sheets()[:count])


_BASE_BOOK: bytes | None = None


def base_book(folder: Path, name: str = "book.kpidb") -> Path:
    """A book holding three sample sheets, made once and copied."""
    global _BASE_BOOK
    if _BASE_BOOK is None:
        from kpidesk.book.store import Book
        from kpidesk.exchange import jsonio

        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "base.kpidb"
            with Book.open(path) as book:
                book.import_sheets(jsonio.loads(_sample_json()))
            _BASE_BOOK = path.read_bytes()
    path = folder / name
    path.write_bytes(_BASE_BOOK)
    return path


def raw_sql(path: Path, *statements: str, params: tuple = ()) -> None:
    """Alter a book behind KPI Desk's back, as another tool would."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            connection.execute(statement, params if "?" in statement else ())
    finally:
        connection.close()


def book_state(path: Path) -> BookState | None:
    """The sheets of a book read through a copy (so nothing is written to it)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = _copy_with_journals(path, Path(scratch))
        try:
            connection = sqlite3.connect(copy)
            rows = connection.execute("SELECT report_year, no, data FROM sheets").fetchall()
            connection.close()
        except sqlite3.Error:
            return None
    return BookState({(int(year), str(no)): str(data) for year, no, data in rows})


def _copy_with_journals(path: Path, folder: Path) -> Path:
    copy = folder / path.name
    shutil.copyfile(path, copy)
    for suffix in ("-journal", "-wal"):
        side = Path(str(path) + suffix)
        if side.exists():
            shutil.copyfile(side, Path(str(copy) + suffix))
    return copy


def check_book(path: Path, before: BookState) -> tuple[str, str]:
    """("", "") when the book is sound and kept its sheets, else (result, why)."""
    if not path.exists():
        return "lost", "the book is gone"
    with tempfile.TemporaryDirectory() as scratch:
        copy = _copy_with_journals(path, Path(scratch))
        try:
            connection = sqlite3.connect(copy)
            connection.execute("PRAGMA trusted_schema = OFF")
            integrity = connection.execute("PRAGMA integrity_check").fetchall()
            markers = connection.execute(
                "SELECT count(*) FROM meta WHERE value = ?", (MARKER,)
            ).fetchone()[0]
            has_marker_table = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'marker'"
            ).fetchone()[0]
            if has_marker_table:
                markers += connection.execute("SELECT count(*) FROM marker").fetchone()[0]
            rows = connection.execute("SELECT report_year, no, data FROM sheets").fetchall()
            connection.close()
        except sqlite3.Error as error:
            return "lost", f"the book cannot be read: {error}"
    if integrity != [("ok",)]:
        return "lost", f"integrity_check: {integrity[:2]}"
    if markers:
        return "executed", "the SQL stored in the book ran"
    after = {(int(year), str(no)): str(data) for year, no, data in rows}
    for key, data in before.sheets.items():
        if key not in after:
            return "lost", f"sheet {key} is gone"
        if after[key] != data:
            return "lost", f"sheet {key} changed"
    return "", ""


# --- running ----------------------------------------------------------------------


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_command(arguments: list[str], timeout: float, cwd: Path) -> tuple[str, str]:
    """Run ``main.py`` with ``arguments``: ("", "") when it behaved, else (result, why)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(cwd)}
    try:
        done = subprocess.run(
            [sys.executable, str(REPO / "main.py"), *arguments],
            cwd=cwd,
            env=env,
            capture_output=True,
            timeout=timeout,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "hung", f"no answer after {timeout:.0f} s: {arguments[0]}"
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode < 0:
        return "crashed", f"{arguments[0]}: signal {-done.returncode}"
    if "MemoryError" in stderr:
        return "hung", f"{arguments[0]}: memory limit"
    if done.returncode == 3 or "Traceback" in stderr:
        return "crashed", f"{arguments[0]}: {stderr.strip().splitlines()[-1][:160]}"
    if done.returncode not in (0, 1):
        return "crashed", f"{arguments[0]}: exit {done.returncode}: {stderr.strip()[:160]}"
    if done.returncode == 1 and not any(ord(char) > 0x3000 for char in stderr):
        return "crashed", f"{arguments[0]}: no Japanese message: {stderr.strip()[:160]}"
    return "", ""


def _bytes_of(path: Path) -> bytes | None:
    """A plain file's bytes (None: not there, or not a plain file)."""
    return path.read_bytes() if path.is_file() and not path.is_symlink() else None


def run_case(case: Case, folder: Path, timeout: float) -> Outcome:
    started = time.perf_counter()
    try:
        trial = case.make(folder)
    except Exception as error:  # a mistake of this script, not of KPI Desk
        return Outcome(case, "not run", f"making the input failed: {error!r}"[:200])
    before = book_state(trial.book) if trial.book and trial.book.exists() else None
    kept = {path: _bytes_of(path) for path in trial.untouched}
    result, detail = "", ""
    for arguments in trial.commands:
        result, detail = run_command(arguments, timeout, folder)
        if result:
            break
    changed = [path.name for path, data in kept.items() if _bytes_of(path) != data]
    if not result and changed:
        result, detail = "lost", f"changed although refused: {', '.join(changed)}"
    if not result and trial.book is not None and trial.expected_sheets is not None:
        after = book_state(trial.book) if trial.book.exists() else None
        count = len(after.sheets) if after is not None else 0
        if count != trial.expected_sheets:
            result = "lost"
            detail = f"{count} sheets imported, not {trial.expected_sheets}"
    if not result and trial.book is not None and before is not None:
        result, detail = check_book(trial.book, before)
        if not result and trial.follow_up:
            for arguments in (
                ["evaluate", "--db", str(trial.book)],
                ["export-json", "--db", str(trial.book), "-o", str(folder / "after.json")],
            ):
                result, detail = run_command(arguments, timeout, folder)
                if result:
                    result = "lost" if result == "crashed" else result
                    detail = f"afterwards {detail}"
                    break
    return Outcome(case, result or "handled", detail, time.perf_counter() - started)


# --- the cases: books altered by someone else -------------------------------------


#: Commands that write to a book (each given ``--db BOOK`` and a JSON to import).
def _saving_commands(book: Path, folder: Path) -> list[list[str]]:
    extra = folder / "extra.json"
    sheets = json.loads(_sample_json(4))
    sheets["sheets"] = sheets["sheets"][3:]
    extra.write_text(json.dumps(sheets, ensure_ascii=False), encoding="utf-8")
    return [["import-json", str(extra), "--db", str(book)]]


def _reading_commands(book: Path, folder: Path) -> list[list[str]]:
    return [
        ["evaluate", "--db", str(book)],
        ["export-json", "--db", str(book), "-o", str(folder / "out.json")],
        ["export-summary", "--db", str(book), "-o", str(folder / "summary.xlsx")],
        ["export-xlsx", "--db", str(book), "-o", str(folder / "out.xlsx")],
        ["export-pdf", "--db", str(book), "-o", str(folder / "out.pdf")],
        ["rollover", "--db", str(book), "--from", "2020"],
    ]


_MARK = f"UPDATE meta SET value = '{MARKER}' WHERE key = 'created_by'"

#: SQL another tool could leave in a book, each meant to run when KPI Desk saves.
HOSTILE_SCHEMA = {
    "trigger after insert on history": (
        "CREATE TRIGGER evil AFTER INSERT ON history BEGIN "
        "UPDATE sheets SET title = 'x'; DELETE FROM sheets WHERE no = '9'; "
        f"{_MARK}; END"
    ),
    "trigger after insert on sheets": (
        f"CREATE TRIGGER evil AFTER INSERT ON sheets BEGIN {_MARK}; END"
    ),
    "trigger before update on sheets": (
        f"CREATE TRIGGER evil BEFORE UPDATE ON sheets BEGIN {_MARK}; END"
    ),
    "trigger on meta": f"CREATE TRIGGER evil AFTER UPDATE ON meta BEGIN {_MARK}; END",
    "RAISE trigger": (
        "CREATE TRIGGER evil BEFORE INSERT ON sheets BEGIN SELECT RAISE(ABORT, 'no'); END"
    ),
    "trigger on the search index": (
        f"CREATE TRIGGER evil AFTER INSERT ON sheets_fts_data BEGIN {_MARK}; END"
    ),
    "extra table": "CREATE TABLE marker (x)",
    "extra column": "ALTER TABLE sheets ADD COLUMN extra TEXT",
    "extra index": "CREATE INDEX evil_index ON sheets (title)",
    "view": "CREATE VIEW evil_view AS SELECT * FROM sheets",
    "expression index calling a function": ("CREATE INDEX evil_index ON sheets (length(title))"),
}


def _schema_case(name: str, statement: str) -> Case:
    def make(folder: Path) -> Trial:
        book = base_book(folder)
        raw_sql(book, statement)
        return Trial(_saving_commands(book, folder), book)

    return Case(f"book with {name}, then an import", "book", make)


def _view_named_sheets(folder: Path) -> Trial:
    book = base_book(folder)
    raw_sql(
        book,
        "ALTER TABLE sheets RENAME TO real_sheets",
        "CREATE VIEW sheets AS SELECT * FROM real_sheets",
    )
    return Trial(_saving_commands(book, folder), None)


def _wal_beside(damaged: bool) -> Callable[[Path], Trial]:
    def make(folder: Path) -> Trial:
        book = base_book(folder)
        connection = sqlite3.connect(book, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA wal_autocheckpoint = 0")
        connection.execute(f"CREATE TRIGGER evil AFTER INSERT ON history BEGIN {_MARK}; END")
        # Keep the -wal: copy book and -wal while the connection is open.
        shutil.copyfile(book, folder / "keep.kpidb")
        shutil.copyfile(str(book) + "-wal", folder / "keep.kpidb-wal")
        connection.close()
        shutil.copyfile(folder / "keep.kpidb", book)
        wal = (folder / "keep.kpidb-wal").read_bytes()
        if damaged:
            wal = wal[:64] + bytes(len(wal) - 64)
        Path(str(book) + "-wal").write_bytes(wal)
        return Trial(_saving_commands(book, folder), None)

    return make


def _foreign_with_wal(folder: Path) -> Trial:
    other = folder / "other.kpidb"
    connection = sqlite3.connect(other, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.execute("CREATE TABLE accounts (id, balance)")
    connection.execute("INSERT INTO accounts VALUES (1, 100)")
    shutil.copyfile(other, folder / "keep")
    shutil.copyfile(str(other) + "-wal", folder / "keep-wal")
    connection.close()
    shutil.copyfile(folder / "keep", other)
    shutil.copyfile(folder / "keep-wal", str(other) + "-wal")
    return Trial(_saving_commands(other, folder), None)


def _stored_case(name: str, change: Callable[[Path], None], reading: bool = True) -> Case:
    def make(folder: Path) -> Trial:
        book = base_book(folder)
        change(book)
        commands = _reading_commands(book, folder) if reading else []
        return Trial(commands + _saving_commands(book, folder), book)

    return Case(f"book with {name}", "stored", make)


def _set_data(book: Path, edit: Callable[[dict], None], column: str | None = None) -> None:
    connection = sqlite3.connect(book, isolation_level=None)
    sheet_id, data = connection.execute("SELECT id, data FROM sheets ORDER BY id").fetchone()
    value = json.loads(data)
    edit(value)
    connection.execute(
        "UPDATE sheets SET data = ? WHERE id = ?", (json.dumps(value, ensure_ascii=False), sheet_id)
    )
    if column:
        connection.execute(f"UPDATE sheets SET {column} WHERE id = ?", (sheet_id,))
    connection.close()


def _huge_no(book: Path) -> None:
    no = "9" * 5000

    def edit(value: dict) -> None:
        value["no"] = no

    _set_data(book, edit)
    raw_sql(book, "UPDATE sheets SET no = ? WHERE id = 1", params=(no,))


def _setting(key: str, value: str) -> Callable[[Path], None]:
    def change(book: Path) -> None:
        raw_sql(
            book,
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            params=(key, value),
        )

    return change


def _threshold_settings(value: str, label: str = "A") -> Callable[[Path], None]:
    """Rank settings whose first threshold is ``value`` (raw JSON) and label ``label``."""
    data = {
        "basis": "achievement",
        "levels": [{"label": label, "threshold": "@@"}, {"label": "B", "threshold": "80"}],
        "lowest_label": "D",
        "rounding": "half_up",
    }
    return _setting("evaluation", json.dumps(data, ensure_ascii=False).replace('"@@"', value))


def _data_edit(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    return lambda book: _set_data(book, edit)


def _set_row(key: str, value: object) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["rows"][0][key] = value

    return edit


def _set_field(key: str, value: object) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data[key] = value

    return edit


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


def _raw_data(text: str) -> Callable[[Path], None]:
    return lambda book: raw_sql(book, "UPDATE sheets SET data = ? WHERE id = 1", params=(text,))


# --- the cases: files to import ----------------------------------------------------


def _import_case(name: str, kind: str, suffix: str, content: Callable[[], bytes]) -> Case:
    command = {"json": "import-json", "text": "import-text", "xlsx": "import-xlsx"}[kind]

    def make(folder: Path) -> Trial:
        book = base_book(folder)
        source = folder / f"source{suffix}"
        source.write_bytes(content())
        return Trial([[command, str(source), "--db", str(book)]], book)

    return Case(f"{kind}: {name}", kind, make)


def _json_with(edit: Callable[[dict], None]) -> Callable[[], bytes]:
    def content() -> bytes:
        data = json.loads(_sample_json(4))
        data["sheets"] = data["sheets"][3:]
        edit(data["sheets"][0])
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    return content


def _json_text(transform: Callable[[str], str]) -> Callable[[], bytes]:
    def content() -> bytes:
        data = json.loads(_sample_json(4))
        data["sheets"] = data["sheets"][3:]
        return transform(json.dumps(data, ensure_ascii=False)).encode("utf-8", "surrogatepass")

    return content


def _sample_text() -> str:
    from kpidesk import samples

    return samples.sample_text_path().read_text(encoding="utf-8")


def _text_with(transform: Callable[[str], str], encoding: str = "utf-8") -> Callable[[], bytes]:
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    return lambda: transform(_sample_text()).encode(encoding, errors)


def _first_header_line(text: str) -> str:
    for line in text.splitlines():
        if "R1" in line or "Ｒ１" in line or "R2" in line:
            return line
    return text.splitlines()[0]


def _spaces_before_r1(count: int, spaces: str = " ") -> Callable[[str], str]:
    """The first table header with ``count`` spaces and no closing parenthesis in ``(R1)``."""

    def transform(text: str) -> str:
        line = _first_header_line(text)
        return text.replace(line, line.replace("(R1)", "(" + spaces * count + "R1", 1), 1)

    return transform


def _workbook_bytes(edit: Callable[[object], None] | None = None) -> bytes:
    """A workbook KPI Desk exported of one sample sheet, optionally edited with openpyxl."""
    import openpyxl

    from kpidesk.exchange import excel_writer, jsonio

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "sheet.xlsx"
        sheets = jsonio.loads(_sample_json(4))[3:]
        excel_writer.export_workbook(sheets, path)
        if edit is not None:
            workbook = openpyxl.load_workbook(path)
            edit(workbook)
            workbook.save(path)
        return path.read_bytes()


def _zip_members(members: dict[str, bytes], base: bytes | None = None) -> bytes:
    """A zip with ``members`` replacing or adding to those of ``base``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        if base is not None:
            with zipfile.ZipFile(io.BytesIO(base)) as source:
                for info in source.infolist():
                    if info.filename not in members:
                        target.writestr(info, source.read(info))
        for name, data in members.items():
            target.writestr(name, data)
    return out.getvalue()


def _xlsx_member(name: str, transform: Callable[[bytes], bytes]) -> Callable[[], bytes]:
    def content() -> bytes:
        base = _workbook_bytes()
        with zipfile.ZipFile(io.BytesIO(base)) as source:
            data = source.read(name)
        return _zip_members({name: transform(data)}, base)

    return content


def _set_cell(value: str) -> Callable[[object], None]:
    def edit(workbook: object) -> None:
        sheet = workbook.worksheets[0]  # type: ignore[attr-defined]
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and len(cell.value) > 8:
                    cell.value = value
                    return

    return edit


_SHEET_XML = "xl/worksheets/sheet2.xml"
_MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _worksheet_with(doctype: bytes, text: bytes) -> bytes:
    """A worksheet whose cell A1 holds ``text`` (an entity reference), after ``doctype``."""
    return (
        b'<?xml version="1.0"?>' + doctype + b"<worksheet " + _MAIN_NS + b"><sheetData>"
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + text + b"</t></is></c></row>"
        b"</sheetData></worksheet>"
    )


_BILLION_LAUGHS = _worksheet_with(
    b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10)
    )
    + b"]>",
    b"&lol9;",
)
_EXTERNAL_ENTITY = _worksheet_with(
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;"
)


def cases() -> list[Case]:
    """Every hostile case, in the order they are run."""
    found: list[Case] = []
    add = found.append

    # Books carrying SQL or shapes KPI Desk does not make.
    for name, statement in HOSTILE_SCHEMA.items():
        add(_schema_case(name, statement))
    add(Case("book with a view named sheets", "book", _view_named_sheets))
    add(Case("book with a -wal carrying a trigger", "book", _wal_beside(False)))
    add(Case("book with a damaged -wal", "book", _wal_beside(True)))
    add(Case("another program's file with a -wal", "book", _foreign_with_wal))

    # Books whose stored content is hostile.
    stored = {
        "a No of 5,000 digits": _huge_no,
        "a value of 5,000 digits": _data_edit(_set_row("baseline", "9" * 5000)),
        "an actual of 5,000 digits": _data_edit(
            lambda data: data["rows"][0]["actuals"].__setitem__(0, "9" * 5000)
        ),
        "a target of 1e999999999": _data_edit(_set_row("target", "1e999999999")),
        "a target of 10,000 digits after the point": _data_edit(
            _set_row("target", "0." + "1" * 10000)
        ),
        "a report year of 10^18": _data_edit(_set_field("report_year", 10**18)),
        "a report year of 5,000 digits": _data_edit(_set_field("report_year", 10**4999)),
        "a target year of -1": _data_edit(_set_field("target_year", -1)),
        "1,000 actual years": _data_edit(
            lambda data: (
                data.__setitem__("actual_years", list(range(1000, 2000))),
                [row.__setitem__("actuals", [""] * 1000) for row in data["rows"]],
            )
        ),
        "10,000 value rows": _data_edit(
            lambda data: data.__setitem__("rows", data["rows"] * 10000)
        ),
        "a title of 1,000,000 characters": _data_edit(_set_field("title", "長" * 1_000_000)),
        "U+FFFE and U+FFFF in the title": _data_edit(_set_field("title", "a\ufffeb\uffffc")),
        "control characters in the efforts": _data_edit(
            _set_field("efforts", ["\x00\x01\x08\x0b\x1b[31m"])
        ),
        "a lone surrogate in the title": _raw_data('{"title": "\\ud800"}'),
        "JSON that is not JSON": _raw_data("{not json"),
        "JSON nested 100,000 deep": _raw_data("[" * 100_000 + "]" * 100_000),
        "JSON of the wrong type": _raw_data("[1, 2, 3]"),
        "an empty data column": _raw_data(""),
        "departments JSON that is not a list": lambda book: raw_sql(
            book, "UPDATE sheets SET departments_json = '{\"a\": 1}' WHERE id = 1"
        ),
        "a list column of 5,000 digits": lambda book: raw_sql(
            book, "UPDATE sheets SET eval_achievement = ? WHERE id = 1", params=("9" * 5000,)
        ),
        "a NaN list rate": lambda book: raw_sql(
            book, "UPDATE sheets SET eval_progress = 'NaN' WHERE id = 1"
        ),
        "a revision of text": lambda book: raw_sql(
            book, "UPDATE sheets SET revision = 'x' WHERE id = 1"
        ),
        "a rank threshold of 1e999999999": _threshold_settings("1e999999999"),
        "a rank threshold of NaN": _threshold_settings("NaN"),
        "a rank threshold of -Infinity": _threshold_settings("-Infinity"),
        "a rank threshold of 5,000 digits": _threshold_settings("9" * 5000),
        "a rank threshold of text": _threshold_settings('"abc"'),
        "rank settings nested 100,000 deep": _setting("evaluation", "[" * 100_000),
        'a rank threshold of "1e999999999" as text': _threshold_settings('"1e999999999"'),
        'a rank threshold of "-1e-999999999" as text': _threshold_settings('"-1e-999999999"'),
        "a rank label of 1,000,000 characters": _threshold_settings('"50"', "A" * 1_000_000),
        "10,000 rank levels": _setting(
            "evaluation",
            json.dumps(
                {
                    "basis": "achievement",
                    "levels": [{"label": "A", "threshold": str(i)} for i in range(10_000)],
                    "lowest_label": "D",
                    "rounding": "half_up",
                }
            ),
        ),
        "a locked year of 5,000 digits": _setting("locked_years", "[" + "9" * 5000 + "]"),
        "locked years that are not a list": _setting("locked_years", '{"a": 1}'),
        "locked years of 1e999999999": _setting("locked_years", "[1e999999999]"),
        "a print-chart setting of 1 MB": _setting("print_chart", "1" * 1_000_000),
        "a history row of 5,000 digits": lambda book: raw_sql(
            book, "UPDATE history SET revision = ? WHERE id = 1", params=("9" * 5000,)
        ),
    }
    for name, change in stored.items():
        add(_stored_case(name, change))

    # JSON to import.
    json_cases: dict[str, Callable[[], bytes]] = {
        "a No of 5,000 digits": _json_with(_set_field("no", "9" * 5000)),
        "a No of 100,000 characters": _json_with(_set_field("no", "N" * 100_000)),
        "a No with control characters": _json_with(_set_field("no", "1\x00\x1b")),
        "a No with a line break": _json_with(_set_field("no", "1\n2")),
        "a report year of 5,000 digits": _json_with(_set_field("report_year", 10**4999)),
        "a report year of 99999": _json_with(_set_field("report_year", 99999)),
        "a report year of -5": _json_with(_set_field("report_year", -5)),
        "a report year of 1e308": _json_with(_set_field("report_year", 1e308)),
        "a value of 5,000 digits": _json_with(_set_row("baseline", "9" * 5000)),
        "a value of 1e999999999": _json_with(_set_row("baseline", "1e999999999")),
        "a value of 100,000 characters": _json_with(_set_row("baseline", "1" * 100_000)),
        "a unit of 100,000 characters": _json_with(_set_row("unit", "件" * 100_000)),
        "a title of 1,000,000 characters": _json_with(_set_field("title", "長" * 1_000_000)),
        "10,000 departments": _json_with(
            _set_field("departments", [f"課{i}" for i in range(10_000)])
        ),
        "a department of 10,000 characters": _json_with(_set_field("departments", ["課" * 10_000])),
        "100,000 efforts": _json_with(_set_field("efforts", ["あ"] * 100_000)),
        "1,000 actual years": _json_with(
            lambda data: (
                data.__setitem__("actual_years", list(range(1000, 2000))),
                [row.__setitem__("actuals", [""] * 1000) for row in data["rows"]],
            )
        ),
        "10,000 value rows": _json_with(
            lambda data: data.__setitem__("rows", data["rows"] * 10_000)
        ),
        "U+FFFE and U+FFFF in the title": _json_with(_set_field("title", "a\ufffeb\uffffc")),
        "control characters in the efforts": _json_with(
            _set_field("efforts", ["\x00\x01\x08\x0b\x1b[31m"])
        ),
        "a lone surrogate in the title": _json_text(
            lambda text: text.replace('"title": "', '"title": "\\ud800', 1)
        ),
        "nesting 100,000 deep": lambda: b"[" * 100_000 + b"]" * 100_000,
        "an integer of 100,000 digits": lambda: (
            b'{"format": "kpidesk-sheets", "version": ' + b"9" * 100_000 + b', "sheets": []}'
        ),
        "NaN and Infinity": _json_text(lambda text: text.replace("2020", "NaN", 1)),
        "a number of 1e999999999": _json_text(
            lambda text: text.replace('"report_year": 2020', '"report_year": 1e999999999', 1)
        ),
        "100 MB of spaces": lambda: b" " * 100_000_000 + b"{}",
        "not UTF-8": lambda: '{"シート": 1}'.encode("cp932"),
        "UTF-16 with a BOM": lambda: _sample_json(1).encode("utf-16"),
        "a UTF-8 BOM": lambda: b"\xef\xbb\xbf" + _sample_json(1).encode("utf-8"),
        "an empty file": lambda: b"",
        "binary garbage": lambda: bytes(range(256)) * 4000,
        "duplicate keys": _json_text(lambda text: text.replace('"no": "', '"no": "1", "no": "', 1)),
        "10,000 sheets": lambda: json.dumps(
            {
                **json.loads(_sample_json(1)),
                "sheets": [
                    {**json.loads(_sample_json(1))["sheets"][0], "no": f"9{i}"}
                    for i in range(10_000)
                ],
            },
            ensure_ascii=False,
        ).encode("utf-8"),
    }
    for name, content in json_cases.items():
        add(_import_case(name, "json", ".json", content))

    # Text to import.
    text_cases: dict[str, Callable[[], bytes]] = {
        "500 spaces before R1": _text_with(_spaces_before_r1(500)),
        "2,000 spaces before R1": _text_with(_spaces_before_r1(2000)),
        "20,000 spaces before R1": _text_with(_spaces_before_r1(20_000)),
        "20,000 full-width spaces before R1": _text_with(_spaces_before_r1(20_000, "\u3000")),
        "a line of 10,000,000 characters": _text_with(lambda text: text + "あ" * 10_000_000),
        "a line of 1,000,000 digits": _text_with(lambda text: text + "1" * 1_000_000),
        "1,000,000 digits and spaces": _text_with(lambda text: text + "1 " * 500_000),
        "a No line of 100,000 digits": _text_with(lambda text: "9" * 100_000 + " 題\n" + text),
        "100,000 headings": _text_with(lambda text: "1 見出し\n" * 100_000 + text),
        "100,000 parentheses": _text_with(lambda text: text + "（" * 100_000 + "\n"),
        "100,000 years in parentheses": _text_with(lambda text: text + "（R1" * 100_000 + "\n"),
        "a value of 5,000 digits": _text_with(lambda text: text.replace("5,081", "9" * 5000, 1)),
        "U+FFFE and U+FFFF": _text_with(lambda text: text.replace("刑法", "刑\ufffe\uffff法", 1)),
        "NUL bytes": _text_with(lambda text: text.replace("刑法", "刑\x00法", 1)),
        "a lone surrogate": _text_with(lambda text: text.replace("刑法", "刑\ud800法", 1)),
        "Shift_JIS": _text_with(lambda text: text, "cp932"),
        "UTF-16 with a BOM": _text_with(lambda text: text, "utf-16"),
        "invalid Shift_JIS bytes": lambda: (
            _sample_text().encode("cp932", "replace") + b"\x81\xff\xfc\x00"
        ),
        "binary garbage": lambda: bytes(range(256)) * 4000,
        "an empty file": lambda: b"",
        "100 MB of newlines": lambda: b"\n" * 100_000_000,
        "NFD text": _text_with(lambda text: __import__("unicodedata").normalize("NFD", text)),
        "CR line ends only": _text_with(lambda text: text.replace("\n", "\r")),
    }
    for name, content in text_cases.items():
        add(_import_case(name, "text", ".txt", content))

    # Excel workbooks to import.
    xlsx_cases: dict[str, Callable[[], bytes]] = {
        "not a zip": lambda: b"PK\x03\x04" + bytes(1000),
        "an empty file": lambda: b"",
        "a zip of 1 GB of zeros": lambda: _zip_members(
            {_SHEET_XML: bytes(10**9)}, _workbook_bytes()
        ),
        "a worksheet of a billion laughs": _xlsx_member(_SHEET_XML, lambda _data: _BILLION_LAUGHS),
        "an external entity": _xlsx_member(_SHEET_XML, lambda _data: _EXTERNAL_ENTITY),
        "a path traversal member": lambda: _zip_members(
            {"../../evil.txt": b"x"}, _workbook_bytes()
        ),
        "a dimension of a million rows": _xlsx_member(
            _SHEET_XML,
            lambda data: data.replace(
                b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="', 1
            ),
        ),
        "a formula cell": lambda: _workbook_bytes(_set_cell('=cmd|"/c calc"!A1')),
        "a cell of 32,767 characters": lambda: _workbook_bytes(_set_cell("長" * 32_767)),
        "a cell with a line break and CR": lambda: _workbook_bytes(_set_cell("a\r\nb\rc")),
        "XML nested 100,000 deep": _xlsx_member(
            _SHEET_XML, lambda _data: b"<a>" * 100_000 + b"</a>" * 100_000
        ),
        "a worksheet that is not XML": _xlsx_member(_SHEET_XML, lambda _data: b"\xff\xfe garbage"),
        "10,000 worksheets": lambda: _workbook_bytes(
            lambda workbook: [workbook.create_sheet(f"s{i}") for i in range(10_000)]  # type: ignore[attr-defined]
        ),
    }
    for name, content in xlsx_cases.items():
        add(_import_case(name, "xlsx", ".xlsx", content))
    found.extend(later_cases())
    return found


# --- the cases: found by trying as an attacker, after the first round ---------------


def _journal_putting_back(folder: Path) -> Trial:
    """A hot journal made from a book with a trigger: rolling it back puts the trigger in."""
    book = base_book(folder, "source.kpidb")
    raw_sql(book, f"CREATE TRIGGER evil AFTER INSERT ON history BEGIN {_MARK}; END")
    target = folder / "book.kpidb"
    connection = sqlite3.connect(book, isolation_level=None)
    connection.execute("PRAGMA cache_size = 2")
    connection.execute("BEGIN")
    connection.execute("DROP TRIGGER evil")
    for _ in range(4):
        connection.execute("UPDATE sheets SET data = data || data")
    with contextlib.suppress(sqlite3.OperationalError):  # books before schema 5 have no column
        connection.execute("UPDATE sheets_fts SET search_text = 'x' || search_text")
    shutil.copyfile(book, target)
    shutil.copyfile(str(book) + "-journal", str(target) + "-journal")
    connection.execute("ROLLBACK")
    connection.close()
    journal = Path(str(target) + "-journal")
    return Trial(_saving_commands(target, folder), None, untouched=[target, journal])


def _header_only_journal(folder: Path) -> Trial:
    """A stray journal that says the book had one page: rolling it back cuts the book."""
    book = base_book(folder)
    header = bytes.fromhex("d9d505f920a163d7") + (0).to_bytes(4, "big") + bytes(4)
    header += (1).to_bytes(4, "big") + (512).to_bytes(4, "big") + (4096).to_bytes(4, "big")
    journal = Path(str(book) + "-journal")
    journal.write_bytes(header.ljust(512, b"\0"))
    return Trial(_reading_commands(book, folder)[:2], None, untouched=[book, journal])


def _odd_journal(kind: str) -> Callable[[Path], Trial]:
    def make(folder: Path) -> Trial:
        book = base_book(folder)
        journal = Path(str(book) + "-journal")
        if kind == "pipe":
            os.mkfifo(journal)
        elif kind == "folder":
            journal.mkdir()
        else:
            journal.symlink_to("/dev/zero")
        commands = _reading_commands(book, folder)[:1] + _saving_commands(book, folder)
        return Trial(commands, None, untouched=[book])

    return make


def _endless_view_in_a_backup(folder: Path) -> Trial:
    """A backup named as earlier versions did, whose meta is an endless view."""
    book = base_book(folder, "報告.kpidb")
    namesake = sqlite3.connect(folder / "報告.db")  # backups are then told apart by identity
    namesake.execute("CREATE TABLE notes (x)")
    namesake.close()
    backups = folder / "報告_backups"
    backups.mkdir()
    connection = sqlite3.connect(backups / "報告-20240101-000000-open.kpidb")
    connection.execute(
        "CREATE VIEW meta (key, value) AS WITH RECURSIVE c(x) AS"
        " (VALUES (1) UNION ALL SELECT x + 1 FROM c) SELECT printf('%d', x), x FROM c"
    )
    connection.close()
    return Trial(_saving_commands(book, folder), book)


def _text_into_new_book(transform: Callable[[str], str]) -> Callable[[Path], Trial]:
    """The sample text, changed, imported into a new book: all 15 sheets must arrive."""

    def make(folder: Path) -> Trial:
        source = folder / "source.txt"
        source.write_text(transform(_sample_text()), encoding="utf-8")
        book = folder / "new.kpidb"
        return Trial([["import-text", str(source), "--db", str(book)]], book, expected_sheets=15)

    return make


def _before_no_10(char: str) -> Callable[[str], str]:
    return lambda text: text.replace("No 10\t", char + "No 10\t", 1).replace(
        "No10\t", char + "No10\t", 1
    )


def _padded_template(folder: Path) -> Trial:
    """The bundled template padded with 120,000 cells outside the form, within the part limit."""
    import openpyxl

    from kpidesk.resources import resource_path

    template = folder / "big.xlsx"
    workbook = openpyxl.load_workbook(resource_path("templates", "kpi_sheet.xlsx"))
    sheet = workbook.worksheets[0]
    for row in range(200, 200 + 4000):
        for column in range(30, 60):
            sheet.cell(row=row, column=column, value=1)
    workbook.save(template)
    book = base_book(folder)
    export = ["export-xlsx", "--db", str(book), "-o", str(folder / "out.xlsx")]
    return Trial([[*export, "--template", str(template)]], book)


def later_cases() -> list[Case]:
    """The cases found by trying as an attacker, after the first round was fixed."""
    found = [
        Case("book with a -journal that puts a trigger back", "book", _journal_putting_back),
        Case("book with a stray header-only -journal", "book", _header_only_journal),
        Case("book with a named pipe as its -journal", "book", _odd_journal("pipe")),
        Case("book with a folder as its -journal", "book", _odd_journal("folder")),
        Case("book with a link to /dev/zero as its -journal", "book", _odd_journal("link")),
        Case("book whose earlier backup has an endless view", "book", _endless_view_in_a_backup),
        _stored_case(
            "a changed search index setting",
            lambda book: raw_sql(
                book, "INSERT OR REPLACE INTO sheets_fts_config VALUES ('version', 99)"
            ),
        ),
        _stored_case(
            "a garbled search index",
            lambda book: raw_sql(
                book, "UPDATE sheets_fts_data SET block = randomblob(length(block))"
            ),
        ),
        _stored_case(
            "row numbers run out",
            lambda book: raw_sql(book, f"UPDATE sqlite_sequence SET seq = {2**63 - 1}"),
        ),
        _stored_case(
            "a history row ahead of its sheet",
            lambda book: raw_sql(
                book,
                "INSERT INTO history (sheet_id, revision, report_year, no, data, saved_at)"
                " VALUES (4, 1, 2020, 'x', '{}', '')",
            ),
        ),
        _stored_case(
            "a JSON whose No differs from its row",
            lambda book: raw_sql(
                book, "UPDATE sheets SET data = json_set(data, '$.no', '10') WHERE id = 1"
            ),
        ),
        _import_case(
            "two BOMs", "json", ".json", lambda: "\ufeff\ufeff".encode() + _sample_json(1).encode()
        ),
        Case("xlsx: a template padded with 120,000 cells", "xlsx", _padded_template),
    ]
    for name, char in (
        ("a BOM", "\ufeff"),
        ("a zero-width space", "\u200b"),
        ("a word joiner", "\u2060"),
        ("a no-break space", "\u00a0"),
        ("a left-to-right mark", "\u200e"),
        ("a soft hyphen", "\u00ad"),
    ):
        found.append(
            Case(f"text: {name} before No 10", "text", _text_into_new_book(_before_no_10(char)))
        )
    return found


# --- the report ------------------------------------------------------------------


def report(outcomes: list[Outcome]) -> tuple[str, str]:
    """A terminal table and a Markdown section of the outcomes."""
    counts = Counter(outcome.result for outcome in outcomes)
    order = ["handled", "hung", "crashed", "executed", "lost", "not run"]
    summary = ", ".join(f"{name} {counts.get(name, 0)}" for name in order)
    bad = [outcome for outcome in outcomes if outcome.result != "handled"]
    rows = [[o.case.kind, o.case.name, o.result, o.detail] for o in bad]
    by_kind = Counter(outcome.case.kind for outcome in outcomes)
    kinds = ", ".join(f"{kind} {count}" for kind, count in by_kind.items())
    terminal = f"{len(outcomes)} cases ({kinds}): {summary}"
    if rows:
        terminal += "\n\n" + text_table(["kind", "case", "result", "detail"], rows)
    markdown = f"- Cases: {len(outcomes)} ({kinds})\n- Outcomes: {summary}\n"
    if rows:
        markdown += "\n" + markdown_table(["kind", "case", "result", "detail"], rows) + "\n"
    return terminal, markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the cases whose name contains this")
    parser.add_argument("--kind", help="run only the cases of this kind (book, stored, json, …)")
    parser.add_argument(
        "--later", action="store_true", help="run only the cases found after the first round"
    )
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    # The cases themselves write numbers of thousands of digits.
    sys.set_int_max_str_digits(0)
    selected = [
        case
        for case in (later_cases() if args.later else cases())
        if (not args.only or args.only in case.name) and (not args.kind or args.kind == case.kind)
    ]
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="kpidesk-hostile-") as scratch:
        for number, case in enumerate(selected, 1):
            folder = Path(scratch) / f"case{number:03d}"
            folder.mkdir()
            outcome = run_case(case, folder, args.timeout)
            outcomes.append(outcome)
            print(
                f"[{number}/{len(selected)}] {outcome.result:8} {outcome.seconds:6.1f}s "
                f"{case.kind}: {case.name} {outcome.detail}",
                flush=True,
            )
            shutil.rmtree(folder, ignore_errors=True)
    terminal, markdown = report(outcomes)
    print("\n" + terminal)
    if args.write:
        section = (
            f"## {now_stamp()} — hostile inputs, commit {short_commit()}\n\n"
            "- Command: `.venv/bin/python bench/hostile.py --write`\n"
            f"- Machine: {cpu_model()}, {os.cpu_count()} CPUs; Python {sys.version.split()[0]}\n"
            f"- Each case runs `main.py` in a child process (limit {args.timeout:.0f} s, "
            f"{MEMORY_LIMIT // 1024**3} GB of address space); see the docstring of "
            "`bench/hostile.py` for what each outcome means.\n"
            f"{markdown}"
        )
        append_section(section)
    return 0 if all(outcome.result == "handled" for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
