"""Time exporting many sheets to one Excel workbook and importing it back.

Usage (from the repository root)::

    .venv/bin/python bench/bench_excel.py [--sizes 200 1000] [--runs 5] [--seed 1]
        [--write] [--profile] [--keep]

For each size N the sheets are ``make_sheets(N, seed)`` of
``bench/make_book.py`` (Nos ``"1"`` to ``"N"``, report year 2020), kept in
memory; no book is made. Sheets the template cannot hold (more than
``excel_template.MAX_VALUE_ROWS`` value rows or ``excel_template.MAX_ACTUAL_YEARS`` actual
years) would be left out and the report says how many; the generator makes
1 or 2 value rows and 4 or 5 actual years, so none are. Each run:

export
    ``kpidesk.exchange.excel_writer.export_workbook(sheets, BytesIO())`` with the bundled
    template: checking the sheets, loading the template, one worksheet per
    sheet, 一覧, and ``Workbook.save`` into memory. Split for information at
    the ``progress`` call after the last sheet's worksheet: before it (check,
    template, worksheets) and after it (一覧 and the save).
import
    ``kpidesk.exchange.excel_reader.read_workbook(BytesIO(data))`` of the bytes just written
    (the safety checks, then the package's XML read by
    ``kpidesk.exchange.xlsx_cells``: workbook, names, number formats and every
    sheet worksheet).
round trip
    Not timed: ``jsonio.dumps`` of the imported sheets must equal
    ``jsonio.dumps`` of the exported ones, on every run.

``--runs`` runs per size after a warm-up round trip of 5 sheets; the garbage
collector runs (untimed) before each timing. Target: ≤ 5 ms per sheet each
way (the median run's seconds divided by the sheets). CPU time (user +
system of this process) is reported beside the wall time because the
machine may be shared; so is the load average at the start and the end.
``--write`` appends a dated section to ``bench/RESULTS.md``. ``--profile``
runs one export and one import of the largest size under cProfile instead
of timing them and prints where the time goes (``--keep`` keeps the
``.prof`` files and the workbooks in a temporary folder).

This is a script run by hand; it is never part of the tests. It measures
the code of the repository it lives in (put first on ``sys.path``).
"""

# ruff: noqa: E402 - the repository goes first on sys.path before its modules are imported

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(REPO), *sys.path[:1]]

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl

from bench._common import (
    append_section,
    commit_with_changes,
    cpu_model,
    load_average,
    markdown_table,
    now_stamp,
    positive,
    text_table,
)
from bench.make_book import make_sheets
from kpidesk.exchange import excel_reader, excel_template, excel_writer, jsonio
from kpidesk.model import Sheet, sheet_sort_key

RESULTS = REPO / "bench" / "RESULTS.md"

#: The target, each way: the median run, per sheet.
TARGET_MS_PER_SHEET = 5.0
#: Sheets of the warm-up round trip.
WARM_UP_SHEETS = 5
DEFAULT_SIZES = (200, 1000)


# --- figures ------------------------------------------------------------------


@dataclass
class Figure:
    """Repeated timings of one thing in seconds (wall and CPU)."""

    name: str
    sheets: int
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    size: int | None = None
    target: float | None = None  # ms per sheet

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def ms_per_sheet(self) -> float:
        return self.median * 1000.0 / self.sheets

    @property
    def cpu_ms_per_sheet(self) -> float | None:
        if not self.cpu:
            return None
        return statistics.median(self.cpu) * 1000.0 / self.sheets

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "pass" if self.ms_per_sheet <= self.target else "FAIL"


TABLE_HEADER = [
    "figure",
    "sheets",
    "runs",
    "median s",
    "min s",
    "max s",
    "ms/sheet",
    "min–max ms/sheet",
    "CPU ms/sheet",
    "workbook MB",
    "target ms/sheet",
    "result",
]


def table_rows(figures: list[Figure]) -> list[list[str]]:
    rows = []
    for figure in figures:
        low, high = (1000.0 * s / figure.sheets for s in (min(figure.seconds), max(figure.seconds)))
        cpu = figure.cpu_ms_per_sheet
        rows.append(
            [
                figure.name,
                f"{figure.sheets:,}",
                str(len(figure.seconds)),
                f"{figure.median:.2f}",
                f"{min(figure.seconds):.2f}",
                f"{max(figure.seconds):.2f}",
                f"{figure.ms_per_sheet:.1f}",
                f"{low:.1f}–{high:.1f}",
                "" if cpu is None else f"{cpu:.1f}",
                "" if figure.size is None else f"{figure.size / 1e6:.2f}",
                "" if figure.target is None else f"≤ {figure.target:.0f}",
                figure.verdict,
            ]
        )
    return rows


# --- the machine --------------------------------------------------------------


def machine_facts() -> dict[str, str]:
    commit = commit_with_changes("kpidesk", "resources", "main.py")
    try:
        import lxml  # noqa: F401 - openpyxl writes and reads faster with it

        xml = "with lxml"
    except ImportError:
        xml = "without lxml"
    return {
        "commit": commit,
        "python": platform.python_version(),
        "openpyxl": f"openpyxl {openpyxl.__version__} ({xml})",
        "cpus": str(os.cpu_count()),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "load": load_average(),
    }


# --- sheets -------------------------------------------------------------------


def fits(sheet: Sheet) -> bool:
    """Whether the template can hold the sheet (its rows and actual years)."""
    return (
        len(sheet.rows) <= excel_template.MAX_VALUE_ROWS
        and len(sheet.actual_years) <= excel_template.MAX_ACTUAL_YEARS
    )


def bench_sheets(count: int, seed: int) -> tuple[list[Sheet], str]:
    """The synthetic sheets that fit the template, in export order, and a note on them."""
    made = list(make_sheets(count, seed=seed))
    kept = sorted((sheet for sheet in made if fits(sheet)), key=sheet_sort_key)
    rows = sorted({len(sheet.rows) for sheet in made})
    years = sorted({len(sheet.actual_years) for sheet in made})
    dropped = len(made) - len(kept)
    note = (
        f"`make_sheets({count}, seed={seed})`: {rows[0]}–{rows[-1]} value rows (template ≤ "
        f"{excel_template.MAX_VALUE_ROWS}), {years[0]}–{years[-1]} actual years (template ≤ "
        f"{excel_template.MAX_ACTUAL_YEARS}); "
        + (f"{dropped:,} that do not fit left out" if dropped else "all fit, none left out")
    )
    return kept, note


# --- timing -------------------------------------------------------------------


def _timed(call: Callable[[], object]) -> tuple[object, float, float]:
    """``call()`` after a garbage collection; its result, wall and CPU seconds."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - started, time.process_time() - cpu


def export_once(sheets: list[Sheet]) -> tuple[bytes, float, float, float, float]:
    """One export into memory.

    Returns:
        (the workbook, wall seconds, CPU seconds, wall seconds until the last
        sheet's worksheet was made, CPU seconds until then).
    """
    stream = io.BytesIO()
    marks: list[tuple[float, float]] = []
    count = len(sheets)

    def progress(done: int, _total: int) -> None:
        if done == count:
            marks.append((time.perf_counter(), time.process_time()))

    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    written = excel_writer.export_workbook(sheets, stream, progress=progress)
    wall, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    if written != count or not marks:
        raise RuntimeError(f"export_workbook wrote {written} worksheets for {count} sheets")
    return stream.getvalue(), wall, cpu_used, marks[0][0] - started, marks[0][1] - cpu


def import_once(data: bytes) -> tuple[list[Sheet], float, float]:
    sheets, wall, cpu = _timed(lambda: excel_reader.read_workbook(io.BytesIO(data)))
    assert isinstance(sheets, list)
    return sheets, wall, cpu


def first_difference(expected: list[Sheet], got: list[Sheet]) -> str:
    if len(expected) != len(got):
        return f"{len(got)} sheets read back, {len(expected)} written"
    for a, b in zip(expected, got, strict=True):
        if jsonio.dumps([a]) != jsonio.dumps([b]):
            return f"No {a.no} differs"
    return "the JSON differs"


@dataclass
class SizeResult:
    count: int
    note: str
    figures: list[Figure]
    round_trip: str
    ok: bool
    data: bytes


def time_size(count: int, seed: int, runs: int) -> SizeResult:
    sheets, note = bench_sheets(count, seed)
    n = len(sheets)
    expected = jsonio.dumps(sheets)
    export = Figure(f"export {count:,}: export_workbook → BytesIO", n, target=TARGET_MS_PER_SHEET)
    filling = Figure("  of which check, template, worksheets (info)", n)
    saving = Figure("  of which 一覧 + Workbook.save (info)", n)
    reading = Figure(f"import {count:,}: read_workbook(BytesIO)", n, target=TARGET_MS_PER_SHEET)
    failures: list[str] = []
    data = b""
    for run in range(runs):
        data, wall, cpu, fill_wall, fill_cpu = export_once(sheets)
        export.seconds.append(wall)
        export.cpu.append(cpu)
        filling.seconds.append(fill_wall)
        filling.cpu.append(fill_cpu)
        saving.seconds.append(wall - fill_wall)
        saving.cpu.append(cpu - fill_cpu)
        export.size = len(data)
        imported, read_wall, read_cpu = import_once(data)
        reading.seconds.append(read_wall)
        reading.cpu.append(read_cpu)
        if jsonio.dumps(imported) != expected:
            failures.append(f"run {run + 1}: {first_difference(sheets, imported)}")
        del imported
        print(
            f"  {count} sheets, run {run + 1}: export {wall:.2f} s, import {read_wall:.2f} s "
            f"(load average {load_average()})",
            flush=True,
        )
    if failures:
        round_trip = (
            f"Round trip of {n:,} sheets: FAIL in {len(failures)} of {runs} runs "
            f"({'; '.join(failures[:3])})"
        )
    else:
        round_trip = (
            f"Round trip of {n:,} sheets: in all {runs} runs `jsonio.dumps` of the sheets "
            "read back equals that of the sheets exported"
        )
    return SizeResult(
        count, note, [export, filling, saving, reading], round_trip, not failures, data
    )


def warm_up(seed: int) -> None:
    sheets, _ = bench_sheets(WARM_UP_SHEETS, seed)
    data, *_ = export_once(sheets)
    import_once(data)


# --- profile ------------------------------------------------------------------


def _where(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    path = Path(filename)
    try:
        shown = str(path.resolve().relative_to(REPO))
    except ValueError:
        parts = path.parts
        shown = "/".join(
            parts[parts.index("site-packages") + 1 :] if "site-packages" in parts else parts[-2:]
        )
    return f"{name} ({shown}:{line})"


def print_profile(title: str, profiler: cProfile.Profile, limit: int = 30) -> None:
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = max(ct for _, _, _, ct, _ in entries.values())
    print(f"\n=== profile of {title}: {total:.2f} s under cProfile ===")
    for heading, index in (("own time (tottime)", 2), ("cumulative time", 3)):
        print(f"--- by {heading}: share of the total, seconds, calls, function")
        ranked = sorted(entries.items(), key=lambda item: item[1][index], reverse=True)
        for key, (_, calls, tt, ct, _) in ranked[:limit]:
            seconds = tt if index == 2 else ct
            print(f"{100 * seconds / total:5.1f} %  {seconds:6.2f} s  {calls:>10,}  {_where(key)}")


def profile_size(count: int, seed: int, folder: Path, keep: bool) -> None:
    sheets, note = bench_sheets(count, seed)
    print(f"sheets: {note}")
    stream = io.BytesIO()
    profiler = cProfile.Profile()
    profiler.enable()
    excel_writer.export_workbook(sheets, stream)
    profiler.disable()
    print_profile(f"export_workbook of {len(sheets):,} sheets", profiler)
    if keep:
        profiler.dump_stats(folder / f"export-{count}.prof")
        (folder / f"bench-{count}.xlsx").write_bytes(stream.getvalue())
    data = stream.getvalue()
    profiler = cProfile.Profile()
    profiler.enable()
    excel_reader.read_workbook(io.BytesIO(data))
    profiler.disable()
    print_profile(f"read_workbook of {len(sheets):,} sheets", profiler)
    if keep:
        profiler.dump_stats(folder / f"import-{count}.prof")


# --- results ------------------------------------------------------------------


RESULTS_INTRO = """# Benchmark results

Figures of the scripts in `bench/` (see `bench/README.md`), newest last.
"""


def append_results(section: str) -> None:
    append_section(section, RESULTS_INTRO, RESULTS)


def verdicts(results: list[SizeResult]) -> list[str]:
    lines = []
    for result in results:
        for figure in result.figures:
            if figure.target is not None:
                way, count = figure.name.split(":")[0].split(" ")
                lines.append(
                    f"{way.capitalize()} of {count} sheets: "
                    f"{figure.ms_per_sheet:.1f} ms per sheet (median of {len(figure.seconds)} "
                    f"runs, {figure.median:.2f} s), target ≤ {figure.target:.0f} ms per sheet: "
                    f"{figure.verdict}"
                )
    return lines


def report(
    facts: dict[str, str], results: list[SizeResult], args: argparse.Namespace, end_load: str
) -> tuple[str, str]:
    figures = [figure for result in results for figure in result.figures]
    rows = table_rows(figures)
    machine = (
        f"{facts['cpu']}, {facts['cpus']} CPUs; {facts['os']}; Python {facts['python']}; "
        f"{facts['openpyxl']}; load average (1, 5, 15 min) at start {facts['load']}, "
        f"at end {end_load}"
    )
    notes = [f"Sheets ({result.count:,}): {result.note}" for result in results]
    checks = [result.round_trip for result in results]
    lines = verdicts(results)
    terminal = "\n".join(
        [
            f"commit {facts['commit']}",
            f"machine: {machine}",
            *notes,
            "",
            text_table(TABLE_HEADER, rows),
            "",
            *lines,
            *checks,
        ]
    )
    command = " ".join([".venv/bin/python", "bench/bench_excel.py", *sys.argv[1:]])
    section = "\n".join(
        [
            f"## {now_stamp()} — Excel export and import — commit {facts['commit']}",
            "",
            f"- Command: `{command}` (`bench/bench_excel.py`, see `bench/README.md`)",
            f"- Machine: {machine}",
            *(f"- {note}" for note in notes),
            "- Each run exports the sheets with "
            "`kpidesk.exchange.excel_writer.export_workbook(sheets, BytesIO())` "
            "(the bundled template) to one workbook and reads those bytes back "
            f"with `read_workbook(BytesIO(data))`; {args.runs} runs per size after a warm-up "
            f"round trip of {WARM_UP_SHEETS} sheets, a garbage collection before each timing. "
            "Times in seconds; ms/sheet is the median divided by the sheets; CPU ms/sheet is "
            "the median CPU time (user + system of the process) per sheet, which other "
            "programs on the machine do not inflate. The export is split for information at "
            "the `progress` call after the last sheet's worksheet. Target "
            f"≤ {TARGET_MS_PER_SHEET:.0f} ms per sheet each way.",
            "",
            markdown_table(TABLE_HEADER, [[row[0].strip(), *row[1:]] for row in rows]),
            "",
            *(f"- {line}." for line in lines),
            "",
            *(f"- {check}." for check in checks),
            "",
        ]
    )
    return terminal, section


# --- main ---------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time exporting sheets to one Excel workbook and importing it back."
    )
    parser.add_argument(
        "--sizes", type=positive, nargs="+", default=list(DEFAULT_SIZES), help="sheet counts"
    )
    parser.add_argument("--runs", type=positive, default=5, help="runs per size")
    parser.add_argument("--seed", type=int, default=1, help="seed of make_sheets")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--profile", action="store_true", help="profile instead of timing")
    parser.add_argument("--keep", action="store_true", help="keep the workbooks (and profiles)")
    args = parser.parse_args(argv)
    if args.write and args.profile:
        parser.error("--profile distorts the times; it cannot be used with --write")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    folder = Path(tempfile.mkdtemp(prefix="kpidesk-bench-excel-"))
    if folder.resolve().is_relative_to(REPO):
        raise SystemExit(f"the temporary folder is inside the repository: {folder}")
    try:
        return run(args, folder)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: Path) -> int:
    facts = machine_facts()
    warm_up(args.seed)
    if args.profile:
        profile_size(max(args.sizes), args.seed, folder, args.keep)
        return 0
    results = []
    for count in args.sizes:
        print(f"{count:,} sheets ...", flush=True)
        result = time_size(count, args.seed, args.runs)
        if args.keep:
            (folder / f"bench-{count}.xlsx").write_bytes(result.data)
        result.data = b""
        results.append(result)
    terminal, section = report(facts, results, args, load_average())
    print()
    print(terminal)
    if args.write:
        append_results(section)
        print(f"\nappended to {RESULTS.relative_to(REPO)}")
    passed = all(
        result.ok and all(f.verdict != "FAIL" for f in result.figures) for result in results
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
