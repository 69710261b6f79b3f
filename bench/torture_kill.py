"""Kill a saving store with SIGKILL again and again; check that nothing is lost.

Usage (from the repository root)::

    .venv/bin/python bench/torture_kill.py [--kills 200] [--seed 1] [--book PATH]
        [--folder DIR] [--write] [--keep]

The book (the 15 sample sheets, or a copy of ``--book``; the given book is
never changed) lives in a new temporary folder (under ``--folder`` when
given, to try another file system, such as a network share). Then, ``--kills``
times:

1. A worker is started in a child process, ``python bench/torture_kill.py
   --worker BOOK LOG --seed S --generation N``. It prints ``OPENING``, opens
   the book with ``Book.open``, prints ``READY`` and saves in a loop,
   alternately ``Book.save_sheet`` of a random sheet with one cell or one
   bullet changed, and ``Book.import_sheets(..., replace=True)`` of a batch
   of 2 to 4 changed sheets (now and then with a new sheet). After each save
   that returned, it appends one JSON line to LOG (one ``os.write``) and
   fsyncs it: what was reported as done, each saved sheet's key, the
   revision the save gave it and a content token (a SHA-256 of the sheet's
   interchange JSON as saved).
2. The parent kills it with SIGKILL: most times (``save``) a random 5-200 ms
   after ``READY``; in a share of the runs (``open``) 0-4 ms after
   ``OPENING``, while ``Book.open`` may be rolling back the journal a kill
   left behind. The delays come from ``random.Random(seed)``.
3. A torn last line of LOG (a kill during its write; never seen in practice)
   is cut off: it was never reported.
4. A copy of the book as the kill left it (with its ``-journal``, when there
   is one) is opened with ``Book.open`` (which rolls a hot journal back),
   checked against the log (below) and with ``PRAGMA integrity_check``
   through a plain read-only ``sqlite3`` connection. The next worker starts
   on the book itself, hot journal and all.

At the end the book itself gets the same checks, over every line of the log.
A logged save is *verified* when the book's sheet with that key has a
revision at least the logged one; when the revision is the same, the sheet's
token equals the logged one (a higher revision is a later save that was not
reported before the kill, which is fine); and the sheet's history holds the
logged revision with the logged token (each save writes its history row in
the same transaction). Otherwise the save is *lost*. A book is *corrupt*
when ``Book.open`` refuses it or ``integrity_check`` says anything but
``ok``. Expected: 0 corrupt, 0 lost, 0 worker errors.

A SIGKILL tests what a crash of the program does, not a power cut: what the
kernel has of the file survives the process, so SQLite's fsyncs are not put
to the test here.

``--write`` appends a dated section to ``bench/RESULTS.md``; ``--keep``
keeps the temporary folder (book, log, workers' stderr). The functions can
be imported from the repository root (``from bench.torture_kill import
run_torture``); ``tests/kpidesk/test_torture.py`` runs a short loop.
POSIX only (SIGKILL).
"""

# ruff: noqa: E402 - the repository goes first on sys.path before its modules are imported

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[:1] = [str(REPO), *sys.path[:1]]

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import random
import selectors
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from bench._common import append_section, commit_with_changes, cpu_model, load_average, now_stamp
from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from kpidesk.exchange import jsonio
from kpidesk.model import Cell, Sheet

RESULTS = REPO / "bench" / "RESULTS.md"
BOOK_NAME = "torture.kpidb"
LOG_NAME = "saves.log"
STDERR_NAME = "worker-stderr.txt"

#: The share of kills aimed at ``Book.open`` rather than at the saving loop.
OPEN_SHARE = 0.15
#: Kill delays in seconds: after ``OPENING`` and after ``READY``.
OPEN_DELAY = (0.0, 0.004)
SAVE_DELAY = (0.005, 0.2)
#: How long the parent waits for a worker's line before giving up.
LINE_TIMEOUT = 60.0
#: A worker left alone stops by itself after this long (the parent died).
WORKER_LIFETIME = 120.0
#: The first bytes of a rollback journal whose pages were synced: a hot journal.
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
#: Bullets the worker adds start with this, so it can replace its own.
BULLET_MARK = "（耐久試験）"


# --- the content token ----------------------------------------------------------


def token(sheet: Sheet) -> str:
    """A short SHA-256 of a sheet's interchange JSON (no id, revision or time)."""
    text = json.dumps(jsonio.sheet_to_dict(sheet), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Entry:
    """One sheet of a save that was reported as done."""

    report_year: int
    no: str
    revision: int
    token: str
    generation: int
    op: str

    @property
    def key(self) -> tuple[int, str]:
        return self.report_year, self.no

    def describe(self) -> str:
        return f"{self.report_year}年度 No {self.no} revision {self.revision} ({self.op})"


# --- the worker (child process) -------------------------------------------------


def _change_cell(sheet: Sheet, rng: random.Random) -> bool:
    """Type a new number into one actual cell; False when the sheet has none."""
    cells = [(row, i) for row in sheet.rows for i in range(len(row.actuals))]
    if not cells:
        return False
    row, index = rng.choice(cells)
    row.actuals[index] = Cell(f"{rng.randrange(1, 10**7):,}")
    return True


def _change_bullet(bullets: list[str], tag: str) -> list[str]:
    """Replace the worker's own last bullet (or add one) with a bullet naming ``tag``."""
    kept = bullets[:-1] if bullets and bullets[-1].startswith(BULLET_MARK) else bullets
    return [*kept, f"{BULLET_MARK}保存 {tag} の内容を書き換えた。"]


def _logged(op: str, saved: Iterable[Sheet]) -> tuple[str, list[list[object]]]:
    return op, [[s.report_year, s.no, s.revision, token(s)] for s in saved]


def save_one(
    store: Book, keys: list[tuple[int, str]], rng: random.Random, tag: str
) -> tuple[str, list[list[object]]]:
    """``save_sheet`` of a random sheet with a cell or a bullet changed; (op, sheets) to log."""
    sheet = store.find_sheet(*rng.choice(keys))
    assert sheet is not None, "a sheet disappeared"  # the worker never deletes
    if rng.random() < 0.5 and _change_cell(sheet, rng):
        op = "save_sheet:cell"
    else:
        sheet.efforts = _change_bullet(sheet.efforts, tag)
        op = "save_sheet:bullet"
    return _logged(op, [store.save_sheet(sheet)])


def import_batch(
    store: Book, keys: list[tuple[int, str]], rng: random.Random, tag: str, new_no: str
) -> tuple[str, list[list[object]]]:
    """``import_sheets(replace=True)`` of 2-4 changed sheets, now and then with a new one."""
    batch = []
    for key in rng.sample(keys, min(len(keys), rng.randint(2, 4))):
        sheet = store.find_sheet(*key)
        assert sheet is not None, "a sheet disappeared"
        sheet.issues = _change_bullet(sheet.issues, tag)
        _change_cell(sheet, rng)
        batch.append(sheet)
    if rng.random() < 0.25:
        batch.append(dataclasses.replace(batch[0], no=new_no, title=f"{batch[0].title}（{tag}）"))
    saved = store.import_sheets(batch, replace=True)
    keys.extend(sheet.key for sheet in saved if sheet.key not in keys)
    return _logged("import_sheets", saved)


def worker(book: Path, log: Path, seed: int, generation: int) -> None:
    """Save in a loop until killed, logging each save that returned (never returns)."""
    rng = random.Random(f"{seed}:{generation}")
    parent = os.getppid()
    print("OPENING", flush=True)
    store = Book.open(book, create=False)
    keys = [summary.key for summary in store.list_entries()]
    if len(keys) < 2:
        raise SystemExit("the book needs at least 2 sheets")
    # A book imports sqlite-utils at its first write (kpidesk.book.database):
    # imported before READY, so that the kills after READY meet saves, not the import.
    import sqlite_utils  # noqa: F401

    print("READY", flush=True)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    deadline = time.monotonic() + WORKER_LIFETIME
    step = 0
    while time.monotonic() < deadline and os.getppid() == parent:
        step += 1
        tag = f"g{generation}-{step}"
        if step % 2:
            op, sheets = save_one(store, keys, rng, tag)
        else:
            op, sheets = import_batch(store, keys, rng, tag, f"{1000 + generation}-{step}")
        record = {"generation": generation, "step": step, "op": op, "sheets": sheets}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        if os.write(fd, line) != len(line):
            raise SystemExit("short write to the log")
        os.fsync(fd)
    raise SystemExit("the worker ran out of time (was it not killed?)")


# --- the log --------------------------------------------------------------------


def read_log(log: Path, offset: int = 0) -> tuple[list[list[Entry]], int, int]:
    """The saves logged in the log's complete lines from ``offset``.

    A last line without its newline (a kill during the write) is cut off the
    file: it was never reported.

    Returns:
        One list of entries per save (a line), the offset after the last
        complete line, and 1 when a torn line was cut off (else 0).
    """
    if not log.exists():
        return [], offset, 0
    data = log.read_bytes()[offset:]
    end = data.rfind(b"\n") + 1
    torn = 0
    if end < len(data):
        torn = 1
        with log.open("r+b") as stream:
            stream.truncate(offset + end)
    saves = []
    for line in data[:end].decode("utf-8").splitlines():
        record = json.loads(line)
        generation, op = int(record["generation"]), str(record["op"])
        saves.append(
            [
                Entry(int(year), str(no), int(revision), str(sheet_token), generation, op)
                for year, no, revision, sheet_token in record["sheets"]
            ]
        )
    return saves, offset + end, torn


# --- checking a book ------------------------------------------------------------


def integrity_check(book: Path) -> str:
    """``PRAGMA integrity_check`` through a plain read-only connection (``ok`` when sound).

    The book must have no hot journal left (open it with ``Book.open`` first).
    """
    uri = f"file:{quote(os.fspath(book.absolute()))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as error:
        return f"cannot open: {error}"
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.Error as error:
        return f"integrity_check failed: {error}"
    finally:
        connection.close()
    return "; ".join(str(row[0]) for row in rows)


def verify(store: Book, entries: Iterable[Entry], *, history: bool = True) -> dict[Entry, str]:
    """Check that every logged save is in the book.

    Returns:
        Each entry that is not in the book, with what the book has instead
        (an empty dict when all are there).
    """
    by_key: dict[tuple[int, str], list[Entry]] = {}
    for entry in entries:
        by_key.setdefault(entry.key, []).append(entry)
    lost: dict[Entry, str] = {}
    for key, items in by_key.items():
        current = store.find_sheet(*key)
        if current is None:
            lost.update((entry, "the sheet is not in the book") for entry in items)
            continue
        current_token = token(current)
        tokens = {}
        if history:
            assert current.id is not None
            tokens = {h.revision: token(h.sheet) for h in store.history(current.id)}
        for entry in items:
            if current.revision < entry.revision:
                lost[entry] = f"the book has revision {current.revision}"
            elif current.revision == entry.revision and current_token != entry.token:
                lost[entry] = "the book has other content at that revision"
            elif history and tokens.get(entry.revision) != entry.token:
                found = "other content" if entry.revision in tokens else "no such revision"
                lost[entry] = f"the history has {found}"
    return lost


@dataclass
class BookCheck:
    """What checking one book found."""

    opened: bool = False
    open_error: str = ""
    integrity: str = ""
    lost: dict[Entry, str] = field(default_factory=dict)
    sheets: int = 0

    @property
    def corrupt(self) -> bool:
        return not self.opened or self.integrity != "ok"

    @property
    def problem(self) -> str:
        return self.open_error or self.integrity


def check_book(
    book: Path, entries: Iterable[Entry], latest: Iterable[Entry] = (), *, history: bool = True
) -> BookCheck:
    """Open ``book`` with ``Book.open`` and verify the logged saves, then ``integrity_check``.

    ``entries`` are checked against the history too; ``latest`` (the last
    logged save of each sheet) only against the sheets as they are.
    """
    result = BookCheck()
    try:
        store = Book.open(book, create=False)
    except BookError as error:
        result.open_error = f"Book.open: {type(error).__name__}: {error}"
        return result
    result.opened = True
    try:
        result.sheets = store.count_sheets()
        result.lost = verify(store, entries, history=history)
        for entry, why in verify(store, latest, history=False).items():
            result.lost.setdefault(entry, why)
    finally:
        store.close()
    result.integrity = integrity_check(book)
    return result


def check_as_killed(
    book: Path, scratch: Path, entries: Iterable[Entry], latest: Iterable[Entry]
) -> BookCheck:
    """:func:`check_book` on a copy of the book (and its journal) as the kill left it."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    copy = scratch / book.name
    shutil.copyfile(book, copy)
    journal = Path(f"{book}-journal")
    if journal.exists():
        shutil.copyfile(journal, Path(f"{copy}-journal"))
    try:
        return check_book(copy, entries, latest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --- the kill loop (parent) ------------------------------------------------------


@dataclass
class TortureResult:
    """The figures of a kill loop.

    A *save* is one reported ``save_sheet`` or ``import_sheets`` call (one
    line of the log); a *sheet save* is one sheet of it.
    """

    kills: int = 0
    open_kills: int = 0
    save_kills: int = 0
    journals_left: int = 0
    hot_journals: int = 0
    saves_reported: int = 0
    saves_verified: int = 0
    sheet_saves_reported: int = 0
    sheet_saves_verified: int = 0
    checks: int = 0
    corrupt: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    worker_errors: list[str] = field(default_factory=list)
    torn_lines: int = 0
    saves_by_op: dict[str, int] = field(default_factory=dict)
    max_revision: int = 0
    final_sheets: int = 0
    book_bytes: int = 0
    elapsed: float = 0.0

    @property
    def lost_saves(self) -> int:
        return self.saves_reported - self.saves_verified

    @property
    def ok(self) -> bool:
        return not (self.corrupt or self.lost or self.worker_errors) and self.saves_reported > 0


def journal_state(book: Path) -> str:
    """``none``, ``hot`` (a journal to roll back) or ``cold`` (left before any page was
    written to the book: its header's magic is still zero, SQLite ignores it)."""
    journal = Path(f"{book}-journal")
    try:
        with journal.open("rb") as stream:
            head = stream.read(len(JOURNAL_MAGIC))
    except FileNotFoundError:
        return "none"
    return "hot" if head == JOURNAL_MAGIC else "cold"


def _wait_for_line(proc: subprocess.Popen, wanted: str, buffer: bytearray) -> bool:
    """Read the worker's stdout until a line ``wanted``; False at its end or a timeout."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    marker = wanted.encode() + b"\n"
    deadline = time.monotonic() + LINE_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            at = buffer.find(marker)
            if at >= 0 and (at == 0 or buffer[at - 1 : at] == b"\n"):
                del buffer[: at + len(marker)]
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return False
            chunk = os.read(fd, 4096)
            if not chunk:
                return False
            buffer.extend(chunk)


def _stderr_tail(path: Path, offset: int) -> str:
    text = path.read_bytes()[offset:].decode("utf-8", errors="replace").strip()
    return " | ".join(text.splitlines()[-3:]) or "(nothing on stderr)"


def make_start_book(book: Path, source: Path | None) -> None:
    """The 15 sample sheets, or a copy of ``source`` (given 2 sheets or more), at ``book``."""
    from kpidesk import samples

    if source is None:
        samples.create_sample_book(book).close()
        return
    shutil.copyfile(source, book)
    with Book.open(book, create=False) as store:
        if store.count_sheets() < 2:
            raise SystemExit(f"{source} has fewer than 2 sheets")


def _worker_command(work: Path, log: Path, seed: int, generation: int) -> list[str]:
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        str(work),
        str(log),
        "--seed",
        str(seed),
        "--generation",
        str(generation),
    ]


def run_torture(
    folder: Path,
    *,
    kills: int = 200,
    seed: int = 1,
    book: Path | None = None,
    progress: Callable[[int, TortureResult], None] | None = None,
) -> TortureResult:
    """Run the kill loop in ``folder`` (an existing, empty folder); return the figures."""
    started = time.perf_counter()
    work = folder / BOOK_NAME
    log = folder / LOG_NAME
    stderr_path = folder / STDERR_NAME
    scratch = folder / "as-killed"
    make_start_book(work, book)
    env = {**os.environ, "KPIDESK_DATA_DIR": str(folder / "data")}
    rng = random.Random(seed)
    result = TortureResult()
    saves: list[list[Entry]] = []
    latest: dict[tuple[int, str], Entry] = {}
    offset = 0
    for generation in range(kills):
        phase = "open" if rng.random() < OPEN_SHARE else "save"
        delay = rng.uniform(*(OPEN_DELAY if phase == "open" else SAVE_DELAY))
        stderr_offset = stderr_path.stat().st_size if stderr_path.exists() else 0
        with (
            stderr_path.open("ab") as stderr,
            subprocess.Popen(
                _worker_command(work, log, seed, generation),
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
            ) as proc,
        ):
            buffer = bytearray()
            reached = _wait_for_line(proc, "OPENING", buffer) and (
                phase == "open" or _wait_for_line(proc, "READY", buffer)
            )
            if reached:
                time.sleep(delay)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            returncode = proc.wait()
        if returncode != -signal.SIGKILL:
            result.worker_errors.append(
                f"worker {generation} ({phase}) ended by itself with {returncode}: "
                + _stderr_tail(stderr_path, stderr_offset)
            )
        result.kills += 1
        result.open_kills += phase == "open"
        result.save_kills += phase == "save"
        kind = journal_state(work)
        result.journals_left += kind != "none"
        result.hot_journals += kind == "hot"
        new, offset, torn = read_log(log, offset)
        result.torn_lines += torn
        saves.extend(new)
        result.saves_reported = len(saves)
        new_entries = [entry for save in new for entry in save]
        latest.update((entry.key, entry) for entry in new_entries)
        check = check_as_killed(work, scratch, new_entries, latest.values())
        result.checks += 1
        if check.corrupt:
            result.corrupt.append(f"after kill {generation + 1}: {check.problem}")
        result.lost.extend(
            f"after kill {generation + 1}: {entry.describe()}: {why}"
            for entry, why in check.lost.items()
        )
        if progress is not None:
            progress(generation + 1, result)
    entries = [entry for save in saves for entry in save]
    final = check_book(work, entries)
    result.checks += 1
    if final.corrupt:
        result.corrupt.append(f"at the end: {final.problem}")
    result.lost.extend(
        f"at the end: {entry.describe()}: {why}" for entry, why in final.lost.items()
    )
    result.saves_reported = len(saves)
    result.sheet_saves_reported = len(entries)
    if final.opened:
        result.saves_verified = sum(all(e not in final.lost for e in save) for save in saves)
        result.sheet_saves_verified = sum(e not in final.lost for e in entries)
    for save in saves:
        op = save[0].op
        result.saves_by_op[op] = result.saves_by_op.get(op, 0) + 1
    result.max_revision = max((entry.revision for entry in entries), default=0)
    result.final_sheets = final.sheets
    result.book_bytes = work.stat().st_size
    result.elapsed = time.perf_counter() - started
    return result


# --- the report --------------------------------------------------------------------


def _commit() -> str:
    return commit_with_changes("kpidesk", "main.py")


def _machine() -> str:
    cpu = cpu_model()
    load = load_average()
    return (
        f"{cpu}, {os.cpu_count()} CPUs; {platform.platform()}; Python "
        f"{platform.python_version()}; SQLite {sqlite3.sqlite_version}; load average "
        f"(1, 5, 15 min) at the end {load}"
    )


def figure_rows(result: TortureResult) -> list[tuple[str, str, str]]:
    """(figure, value, expected) rows of the report."""
    ops = ", ".join(f"{op} {count:,}" for op, count in sorted(result.saves_by_op.items()))
    return [
        ("kills (SIGKILL)", f"{result.kills:,}", ""),
        ("of which aimed at Book.open (0-4 ms after OPENING)", f"{result.open_kills:,}", ""),
        ("of which in the saving loop (5-200 ms after READY)", f"{result.save_kills:,}", ""),
        ("kills that left a -journal file", f"{result.journals_left:,}", ""),
        ("of which hot (to be rolled back by the next Book.open)", f"{result.hot_journals:,}", ""),
        ("saves reported (log lines)", f"{result.saves_reported:,}", ""),
        ("by call", ops, ""),
        ("saves verified", f"{result.saves_verified:,}", "all"),
        (
            "sheet saves reported / verified",
            (f"{result.sheet_saves_reported:,} / {result.sheet_saves_verified:,}"),
            "equal",
        ),
        ("books checked (a copy after each kill, the book at the end)", f"{result.checks:,}", ""),
        (
            "corrupt books (Book.open refused or integrity_check not ok)",
            f"{len(result.corrupt):,}",
            "0",
        ),
        ("lost saves", f"{result.lost_saves:,}", "0"),
        ("lost-save findings (each kill's check and the end)", f"{len(result.lost):,}", "0"),
        ("workers that ended by themselves", f"{len(result.worker_errors):,}", "0"),
        ("torn log lines cut off", f"{result.torn_lines:,}", ""),
        (
            "sheets at the end / highest revision",
            (f"{result.final_sheets:,} / {result.max_revision:,}"),
            "",
        ),
        ("book size at the end", f"{result.book_bytes / 1024 / 1024:.1f} MB", ""),
        ("elapsed", f"{result.elapsed:.1f} s", ""),
    ]


def _problems(result: TortureResult, limit: int = 20) -> list[str]:
    lines = []
    for title, items in (
        ("corrupt", result.corrupt),
        ("lost", result.lost),
        ("worker error", result.worker_errors),
    ):
        lines.extend(f"{title}: {item}" for item in items[:limit])
        if len(items) > limit:
            lines.append(f"{title}: … {len(items) - limit} more")
    return lines


def report(result: TortureResult, args: argparse.Namespace) -> tuple[str, str]:
    """The terminal text and the RESULTS.md section."""
    commit = _commit()
    machine = _machine()
    rows = figure_rows(result)
    verdict = "pass" if result.ok else "FAIL"
    width = max(len(name) for name, _, _ in rows)
    terminal = "\n".join(
        [
            f"commit {commit}",
            f"machine: {machine}",
            "",
            *(
                f"{name.ljust(width)}  {value}" + (f"  (expected {exp})" if exp else "")
                for name, value, exp in rows
            ),
            "",
            *_problems(result),
            f"result: {verdict}",
        ]
    )
    command = " ".join([".venv/bin/python", "bench/torture_kill.py", *sys.argv[1:]])
    book = f"a copy of {args.book}" if args.book else "the 15 sample sheets"
    section = "\n".join(
        [
            f"## {now_stamp()} — kill loop — commit {commit}",
            "",
            f"- Command: `{command}` (`bench/torture_kill.py`, see `bench/README.md`)",
            f"- Machine: {machine}",
            f"- Book: {book}, in a temporary folder on "
            f"{'the folder ' + str(args.folder) if args.folder else 'the local disk'}; "
            f"seed {args.seed}",
            "- Each kill: a worker process opens the book with `Book.open` and saves in a loop "
            "(`save_sheet` of a random sheet with a cell or a bullet changed, then "
            "`import_sheets(replace=True)` of 2-4 changed sheets, a quarter of them with a new "
            "sheet), logging each save that returned (fsynced); SIGKILL "
            f"{SAVE_DELAY[0] * 1000:.0f}-{SAVE_DELAY[1] * 1000:.0f} ms after `READY`, or, "
            f"in {OPEN_SHARE:.0%} of the kills, {OPEN_DELAY[0] * 1000:.0f}-"
            f"{OPEN_DELAY[1] * 1000:.0f} ms into `Book.open`; the next worker starts on the "
            "book as left. After each kill a copy of the book (with its journal) is opened "
            "with `Book.open`, its new logged saves checked (the sheet's revision, content "
            "token and history row) and `PRAGMA integrity_check` run read-only; at the end the "
            "book itself, against the whole log.",
            "",
            "| figure | value | expected |",
            "|---|---|---|",
            *(f"| {name} | {value} | {exp} |" for name, value, exp in rows),
            "",
            f"Result: {verdict}" + ("." if result.ok else ":"),
            *(f"- {line}" for line in _problems(result)),
            "",
        ]
    )
    return terminal, section


def append_results(section: str) -> None:
    append_section(section, path=RESULTS)


# --- main ---------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Kill a saving store with SIGKILL again and again; check nothing is lost."
    )
    parser.add_argument("--kills", type=int, default=200, help="how many times to kill")
    parser.add_argument("--seed", type=int, default=1, help="seed of the delays and the saves")
    parser.add_argument("--book", type=Path, help="start from a copy of this book")
    parser.add_argument("--folder", type=Path, help="make the temporary folder in here")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--worker", nargs=2, metavar=("BOOK", "LOG"), help=argparse.SUPPRESS)
    parser.add_argument("--generation", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.kills < 1:
        parser.error("--kills must be 1 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.worker:
        worker(Path(args.worker[0]), Path(args.worker[1]), args.seed, args.generation)
        return 1
    if not hasattr(signal, "SIGKILL"):
        raise SystemExit("SIGKILL is needed (POSIX only)")
    folder = Path(tempfile.mkdtemp(prefix="kpidesk-torture-", dir=args.folder))
    if folder.resolve().is_relative_to(REPO):
        shutil.rmtree(folder)
        raise SystemExit(f"the temporary folder is inside the repository: {folder}")

    def progress(done: int, result: TortureResult) -> None:
        if done % 10 == 0 or done == args.kills:
            print(
                f"{done:4d} kills, {result.saves_reported:,} saves reported so far, "
                f"{len(result.corrupt)} corrupt, {len(result.lost)} lost",
                flush=True,
            )

    try:
        result = run_torture(
            folder, kills=args.kills, seed=args.seed, book=args.book, progress=progress
        )
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    terminal, section = report(result, args)
    print()
    print(terminal)
    if args.write:
        append_results(section)
        print(f"\nappended to {RESULTS.relative_to(REPO)}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
