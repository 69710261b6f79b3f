"""Time exporting a big book to one PDF, with LibreOffice's PDF export beside it.

Usage (from the repository root)::

    .venv/bin/python bench/bench_pdf.py [--book BOOK] [--sheets 1000] [--runs 5]
        [--cli-runs 2] [--lo-runs 1] [--no-libreoffice] [--write] [--profile] [--keep]

Without ``--book`` a book of ``--sheets`` sheets is made with
``bench/make_book.py`` in a temporary folder (never in the repository); a
given book is read only. Every sheet of the book goes into one PDF. Figures:

KPI Desk, in process
    ``kpidesk.printing.paint.pdf_bytes(sheets, book_name)`` on the sheets already
    read with ``Book.list_sheets()``, ``--runs`` times after one warm-up
    run on 5 sheets (so creating the QGuiApplication and loading the fonts
    are not counted). The same number of runs again split in two, mirroring
    ``pdf_bytes``: ``layout.layout_document`` (measuring and wrapping with
    ``QtMeasure``) and ``paint.paint_pages`` on a ``QPdfWriter`` writing into
    a ``QBuffer`` (the PDF is finished when the painter ends, inside it).
    Then ``--runs`` more with ``chart=True`` (a 推移グラフ box on every
    sheet, as when the book's setting is on), for information.
KPI Desk, cold
    The first ``pdf_bytes`` of all the sheets in a fresh process (a child of
    this script), from before the QGuiApplication is made and the fonts are
    loaded; the child's imports and ``list_sheets`` are timed apart.
KPI Desk, command line
    ``python main.py export-pdf --db BOOK -o OUT.pdf`` as a subprocess,
    timed from outside (interpreter start, imports, reading the book,
    rendering, writing the file), ``--cli-runs`` times.
LibreOffice
    The workbook KPI Desk's Excel export writes of the same sheets
    (``kpidesk.exchange.excel_writer.export_workbook`` with the bundled template, timed for
    information: 一覧, then one worksheet per sheet, each A4 portrait on one
    page) is converted with ``soffice --headless --convert-to pdf``, timed
    from outside, ``--lo-runs`` times, after one throwaway conversion of a
    tiny workbook that creates LibreOffice's user profile. The PDF is
    checked: 一覧's pages first, then one page per sheet worksheet, the
    first and last showing the first and last sheet. Sheets the template
    cannot hold (more value rows or actual years; never in a made book) are
    left out of the workbook, and the report says so. LibreOffice is a
    benchmark tool only (Debian: ``apt-get install --no-install-recommends
    libreoffice-calc-nogui``); ``--no-libreoffice`` skips it.

Pages are counted with ``pdfinfo`` (poppler-utils) or pdfplumber. The
targets are ≤ 3 ms per page for KPI Desk (the median of the in-process runs)
and ≤ 4 ms per page with a 推移グラフ box on every page.
Everything runs with ``QT_QPA_PLATFORM=offscreen``. ``--write`` appends a
dated section to ``bench/RESULTS.md``. ``--profile`` runs ``pdf_bytes`` once
more under cProfile (after the warm-up) instead of timing, and prints where
the time goes with each function's share of the total.

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
import json
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from bench._common import (
    append_section,
    cpu_model,
    load_average,
    markdown_table,
    now_stamp,
    positive,
    qt_versions,
    run_text,
    short_commit,
    text_table,
)

BENCH = REPO / "bench"
MAKE_BOOK = BENCH / "make_book.py"
MAIN = REPO / "main.py"
RESULTS = BENCH / "RESULTS.md"

#: KPI Desk's targets: the median in-process export, per page, without and with charts.
TARGET_MS_PER_PAGE = 3.0
TARGET_MS_PER_CHART_PAGE = 4.0
#: Sheets of the warm-up run (loads the fonts and Qt's text machinery).
WARM_UP_SHEETS = 5
#: A subprocess (CLI, LibreOffice, the cold child) that takes longer is stopped.
SUBPROCESS_TIMEOUT = 1800.0


# --- figures ------------------------------------------------------------------


@dataclass
class Figure:
    """Repeated timings of one thing in seconds, with what it produced.

    ``cpu`` holds the CPU seconds (user + system) of each run, when known:
    the machine may be shared, and CPU time does not count the time other
    programs took the processor away.
    """

    name: str
    seconds: list[float] = field(default_factory=list)
    pages: int | None = None
    size: int | None = None
    target: float | None = None  # ms per page
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def ms_per_page(self) -> float | None:
        if not self.pages:
            return None
        return self.median * 1000.0 / self.pages

    @property
    def cpu_ms_per_page(self) -> float | None:
        if not self.pages or not self.cpu:
            return None
        return statistics.median(self.cpu) * 1000.0 / self.pages

    @property
    def verdict(self) -> str:
        if self.target is None or self.ms_per_page is None:
            return ""
        return "pass" if self.ms_per_page <= self.target else "FAIL"


TABLE_HEADER = [
    "figure",
    "runs",
    "median s",
    "min s",
    "max s",
    "pages",
    "ms/page",
    "CPU ms/page",
    "PDF MB",
    "target ms/page",
    "result",
]


def table_rows(figures: list[Figure]) -> list[list[str]]:
    rows = []
    for figure in figures:
        per_page, cpu_per_page = figure.ms_per_page, figure.cpu_ms_per_page
        rows.append(
            [
                figure.name,
                str(len(figure.seconds)),
                f"{figure.median:.2f}",
                f"{min(figure.seconds):.2f}",
                f"{max(figure.seconds):.2f}",
                "" if figure.pages is None else f"{figure.pages:,}",
                "" if per_page is None else f"{per_page:.2f}",
                "" if cpu_per_page is None else f"{cpu_per_page:.2f}",
                "" if figure.size is None else f"{figure.size / 1e6:.1f}",
                "" if figure.target is None else f"≤ {figure.target:.0f}",
                figure.verdict,
            ]
        )
    return rows


# --- the machine --------------------------------------------------------------


def _run_text(command: list[str], cwd: Path = REPO) -> str:
    return run_text(command, cwd=cwd, timeout=60)


def machine_facts() -> dict[str, str]:
    commit = short_commit(timeout=60)
    dirty = _run_text(["git", "status", "--porcelain", "--", "kpidesk", "main.py"])
    return {
        "commit": commit + (" (with uncommitted changes in kpidesk/ or main.py)" if dirty else ""),
        "python": platform.python_version(),
        "qt": qt_versions(),
        "cpus": str(os.cpu_count()),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "qpa": os.environ.get("QT_QPA_PLATFORM", ""),
        "load": load_average(),
    }


def children_cpu() -> float:
    """CPU seconds used so far by the waited-for child processes (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def libreoffice_version(soffice: str) -> str:
    return _run_text([soffice, "--version"]) or "unknown"


# --- books and PDFs -----------------------------------------------------------


def make_big_book(folder: Path, sheets: int) -> Path:
    """A new book of ``sheets`` sheets in ``folder``, made by make_book.py."""
    path = folder / f"bench-{sheets}.kpidb"
    print(f"making a book of {sheets:,} sheets in {folder} ...", flush=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))  # this repository's kpidesk
    command = [sys.executable, str(MAKE_BOOK), str(path), "--sheets", str(sheets)]
    subprocess.run(command, cwd=REPO, env=env, check=True)
    return path


def count_pages(pdf: Path) -> int:
    """The number of pages of a PDF file."""
    if shutil.which("pdfinfo"):
        info = _run_text(["pdfinfo", str(pdf)])
        match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
        if match:
            return int(match.group(1))
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        return len(document.pages)


def pages_text(pdf: Path, first: int = 0, last: int | None = None) -> list[str]:
    """The text of pages ``first`` to ``last`` (0 is page 1; all by default), white space removed.

    Read by ``pdftotext`` (poppler-utils) where it is installed.

    pdfminer (under pdfplumber) reads the subset TrueType fonts that
    LibreOffice 7.4 embeds as one repeated character (「担担担…」), where
    poppler reads them right; pdfplumber is the fallback.
    """
    if shutil.which("pdftotext"):
        span = ["-f", str(first + 1)] + ([] if last is None else ["-l", str(last + 1)])
        text = _run_text(["pdftotext", "-enc", "UTF-8", *span, str(pdf), "-"])
        pages = text.split("\f")
    else:
        import pdfplumber

        with pdfplumber.open(pdf) as document:
            chosen = document.pages[first : None if last is None else last + 1]
            pages = [page.extract_text() or "" for page in chosen]
    return [re.sub(r"\s+", "", page) for page in pages]


def page_text(pdf: Path, index: int = 0) -> str:
    """The text of page ``index`` (0 is page 1), with all white space removed."""
    pages = pages_text(pdf, index, index)
    return pages[0] if pages else ""


def check_page(name: str, pdf: Path, sheet: object, index: int = 0) -> str:
    """Whether page ``index`` (0 is page 1) of ``pdf`` shows the sheet's No, 担当課 and title."""
    from kpidesk.model import Sheet

    assert isinstance(sheet, Sheet)
    # LibreOffice centres the label KPI名 beside a title of two lines, and the
    # text comes out between them: 「…（市町村分）KPI名その1」.
    text = page_text(pdf, index).replace("KPI名", "")
    wanted = [sheet.no, sheet.departments[0] if sheet.departments else "", sheet.title]
    missing = [w for w in wanted if re.sub(r"\s+", "", w) not in text]
    if missing:
        return f"{name}: page {index + 1} lacks {missing!r}"
    return f"{name}: page {index + 1} shows No {sheet.no}, {wanted[1]} and 「{sheet.title}」"


# --- KPI Desk in process --------------------------------------------------------


def time_pdf_bytes(
    sheets: list, book_name: str, runs: int, *, chart: bool = False
) -> tuple[Figure, bytes]:
    from kpidesk.printing import paint

    figure = (
        Figure(
            "KPI Desk: pdf_bytes with 推移グラフ boxes (in process, warm)",
            target=TARGET_MS_PER_CHART_PAGE,
        )
        if chart
        else Figure("KPI Desk: pdf_bytes (in process, warm)", target=TARGET_MS_PER_PAGE)
    )
    data = b""
    for run in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        data, pages = paint.pdf_bytes(sheets, book_name, chart=chart)
        figure.seconds.append(time.perf_counter() - started)
        figure.cpu.append(time.process_time() - cpu)
        figure.pages, figure.size = pages, len(data)
        print(f"  pdf_bytes run {run + 1}: {figure.seconds[-1]:.2f} s", flush=True)
    return figure, data


def split_once(sheets: list, book_name: str) -> tuple[list[float], list[float], int, int]:
    """``pdf_bytes`` done by hand.

    Returns:
        (layout, paint, total) seconds, the same in CPU seconds, pages, bytes.
    """
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QPdfWriter

    from kpidesk import __version__
    from kpidesk.printing import fonts, layout, paint

    started, cpu_started = time.perf_counter(), time.process_time()
    paint.ensure_application()
    pages = layout.layout_document(sheets, paint.QtMeasure(fonts.load_fonts()))
    laid_out, cpu_laid_out = time.perf_counter(), time.process_time()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(paint.a4_layout())
    writer.setResolution(paint.PDF_RESOLUTION)
    writer.setCreator(f"KPI Desk {__version__}")
    writer.setTitle(book_name or "KPI分析シート")
    painting, cpu_painting = time.perf_counter(), time.process_time()
    paint.paint_pages(writer, pages, book_name)
    painted, cpu_painted = time.perf_counter(), time.process_time()
    del writer
    buffer.close()
    size = len(bytes(data.data()))
    finished, cpu_finished = time.perf_counter(), time.process_time()
    wall = [laid_out - started, painted - painting, finished - started]
    cpu = [cpu_laid_out - cpu_started, cpu_painted - cpu_painting, cpu_finished - cpu_started]
    return wall, cpu, len(pages), size


def time_split(sheets: list, book_name: str, runs: int) -> list[Figure]:
    layout = Figure("  of which layout.layout_document")
    paint = Figure("  of which paint.paint_pages on QPdfWriter → QBuffer")
    total = Figure("KPI Desk: layout + paint by hand (in process, warm)")
    for run in range(runs):
        wall, cpu, pages, size = split_once(sheets, book_name)
        for figure, seconds, cpu_seconds in zip((layout, paint, total), wall, cpu, strict=True):
            figure.seconds.append(seconds)
            figure.cpu.append(cpu_seconds)
            figure.pages = pages
        total.size = size
        print(f"  split run {run + 1}: layout {wall[0]:.2f} s, paint {wall[1]:.2f} s", flush=True)
    return [total, layout, paint]


def cold_child(book: Path) -> None:
    """Run in a fresh process: one cold ``pdf_bytes`` of the whole book; print JSON."""
    started = time.perf_counter()
    from kpidesk.book.store import Book
    from kpidesk.printing import paint

    imported = time.perf_counter()
    with Book.open(book, create=False) as store:
        sheets = store.list_sheets()
    listed, cpu = time.perf_counter(), time.process_time()
    data, pages = paint.pdf_bytes(sheets, book.name)
    rendered, cpu_rendered = time.perf_counter(), time.process_time()
    print(
        json.dumps(
            {
                "imports": imported - started,
                "list_sheets": listed - imported,
                "pdf_bytes": rendered - listed,
                "pdf_bytes_cpu": cpu_rendered - cpu,
                "pages": pages,
                "size": len(data),
            }
        )
    )


def time_cold(book: Path, env: dict[str, str]) -> tuple[Figure, Figure, Figure]:
    command = [sys.executable, str(Path(__file__).resolve()), "--cold-child", str(book)]
    done = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=SUBPROCESS_TIMEOUT,
    )
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    cold = Figure(
        "KPI Desk: first pdf_bytes in a fresh process (cold, info)",
        [facts["pdf_bytes"]],
        facts["pages"],
        facts["size"],
        cpu=[facts["pdf_bytes_cpu"]],
    )
    imports = Figure("  child: import kpidesk.printing.paint + store (info)", [facts["imports"]])
    listing = Figure("  child: Book.list_sheets() (info)", [facts["list_sheets"]])
    return cold, imports, listing


def time_cli(book: Path, folder: Path, env: dict[str, str], runs: int) -> tuple[Figure, Path]:
    figure = Figure("KPI Desk: main.py export-pdf (subprocess)")
    out = folder / "cli.pdf"
    for run in range(runs):
        out.unlink(missing_ok=True)
        command = [sys.executable, str(MAIN), "export-pdf", "--db", str(book), "-o", str(out)]
        started, cpu = time.perf_counter(), children_cpu()
        subprocess.run(
            command, cwd=REPO, env=env, check=True, capture_output=True, timeout=SUBPROCESS_TIMEOUT
        )
        figure.seconds.append(time.perf_counter() - started)
        figure.cpu.append(children_cpu() - cpu)
        print(f"  export-pdf run {run + 1}: {figure.seconds[-1]:.2f} s", flush=True)
    figure.pages, figure.size = count_pages(out), out.stat().st_size
    return figure, out


# --- LibreOffice ----------------------------------------------------------------


def excel_sheets(sheets: list) -> tuple[list, int]:
    """The sheets the Excel template can hold, in the workbook's order, and how many cannot.

    The bundled template holds ``excel.MAX_VALUE_ROWS`` value rows and
    ``excel.MAX_ACTUAL_YEARS`` actual years; ``export_workbook`` refuses a
    sheet with more. A made book's sheets all fit (1 or 2 rows, 4 or 5 years).
    """
    from kpidesk.exchange import excel_template as excel
    from kpidesk.model import sheet_sort_key

    kept = [
        sheet
        for sheet in sheets
        if len(sheet.rows) <= excel.MAX_VALUE_ROWS
        and len(sheet.actual_years) <= excel.MAX_ACTUAL_YEARS
    ]
    return sorted(kept, key=sheet_sort_key), len(sheets) - len(kept)


def write_workbook(sheets: list, path: Path) -> None:
    """KPI Desk's Excel export of ``sheets`` to one workbook at ``path`` (bundled template)."""
    from kpidesk.exchange import excel_writer as excel

    with path.open("wb") as stream:
        excel.export_workbook(sheets, stream)


def tiny_workbook(path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["KPI分析シート", "warm-up"])
    workbook.save(path)


def soffice_convert(
    soffice: str, profile: Path, source: Path, outdir: Path
) -> tuple[float, float, Path]:
    """Convert ``source`` to PDF in ``outdir``; return the seconds, CPU seconds and the PDF."""
    outdir.mkdir(parents=True, exist_ok=True)
    command = [
        soffice,
        "--headless",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        str(source),
    ]
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, check=True, capture_output=True, timeout=SUBPROCESS_TIMEOUT)
    elapsed, cpu = time.perf_counter() - started, children_cpu() - cpu
    pdf = outdir / (source.stem + ".pdf")
    if not pdf.exists():
        raise RuntimeError(f"LibreOffice wrote no PDF for {source}")
    return elapsed, cpu, pdf


@dataclass
class LibreOfficeRun:
    """What the LibreOffice comparison made: its figures, the PDF and the workbook's sheets."""

    figures: list[Figure]
    pdf: Path
    sheets: list  # the sheets in the workbook, in its order (after 一覧)
    left_out: int  # sheets of the book the template cannot hold


def time_libreoffice(soffice: str, sheets: list, folder: Path, runs: int) -> LibreOfficeRun:
    profile = folder / "lo"
    tiny = folder / "tiny.xlsx"
    tiny_workbook(tiny)
    print("  LibreOffice: first start (makes its profile) ...", flush=True)
    startup, _, _ = soffice_convert(soffice, profile, tiny, folder / "lo-out-tiny")
    workbook = folder / "book.xlsx"
    ordered, left_out = excel_sheets(sheets)
    print(
        f"  writing {workbook.name} with kpidesk.exchange.excel_writer.export_workbook ...",
        flush=True,
    )
    started, cpu = time.perf_counter(), time.process_time()
    write_workbook(ordered, workbook)
    build = Figure(
        "  KPI Desk: excel.export_workbook → book.xlsx (info)",
        [time.perf_counter() - started],
        cpu=[time.process_time() - cpu],
    )
    build.size = workbook.stat().st_size
    warm_tiny, _, _ = soffice_convert(soffice, profile, tiny, folder / "lo-out-tiny")
    figure = Figure("LibreOffice: soffice --convert-to pdf book.xlsx (warm profile)")
    pdf = folder / "lo-out" / "book.pdf"
    for run in range(runs):
        elapsed, cpu, pdf = soffice_convert(soffice, profile, workbook, folder / "lo-out")
        figure.seconds.append(elapsed)
        figure.cpu.append(cpu)
        print(f"  LibreOffice run {run + 1}: {elapsed:.2f} s", flush=True)
    figure.pages, figure.size = count_pages(pdf), pdf.stat().st_size
    first = Figure("  LibreOffice: first start, 1-cell workbook (profile made, info)", [startup])
    tiny_figure = Figure("  LibreOffice: 1-cell workbook, warm (start-up floor, info)", [warm_tiny])
    return LibreOfficeRun([figure, first, tiny_figure, build], pdf, ordered, left_out)


#: Text on every page of 一覧 (its title row is repeated as a print title).
SUMMARY_MARK = "KPI分析シート一覧"


def summary_pages(pdf: Path) -> int:
    """How many pages at the start of the PDF are 一覧 (they show its title)."""
    pages = pages_text(pdf)
    for index, text in enumerate(pages):
        if SUMMARY_MARK not in text:
            return index
    return len(pages)


def check_libreoffice_pdf(lo: LibreOfficeRun) -> list[str]:
    """Where 一覧 ends, one page per sheet worksheet, and the first and last sheet's pages."""
    pages = lo.figures[0].pages or 0
    summary = summary_pages(lo.pdf)
    sheets = len(lo.sheets)
    lines = [
        f"LibreOffice PDF: {pages:,} pages: 一覧 on pages 1–{summary} ({summary} pages), then "
        + (
            f"{pages - summary:,} pages for the {sheets:,} sheet worksheets (one each)"
            if pages - summary == sheets
            else f"{pages - summary:,} pages for {sheets:,} sheet worksheets: NOT one each"
        )
    ]
    if lo.left_out:
        lines.append(
            f"LibreOffice workbook: {lo.left_out:,} sheets of the book left out (more value rows "
            "or actual years than the template holds)"
        )
    lines.append(check_page("LibreOffice PDF", lo.pdf, lo.sheets[0], summary))
    lines.append(check_page("LibreOffice PDF", lo.pdf, lo.sheets[-1], pages - 1))
    return lines


# --- profile --------------------------------------------------------------------


def _where(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name  # a built-in or a C++ method: {method 'drawText' of ...}
    path = Path(filename)
    try:
        shown = str(path.resolve().relative_to(REPO))
    except ValueError:
        shown = "/".join(path.parts[-2:])
    return f"{name} ({shown}:{line})"


def print_profile(profiler: cProfile.Profile, limit: int = 25) -> None:
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = max(ct for _, _, _, ct, _ in entries.values())  # pdf_bytes itself
    print(f"\n=== profile of one pdf_bytes of the whole book: {total:.2f} s under cProfile ===")
    for title, index in (("own time (tottime)", 2), ("cumulative time", 3)):
        print(f"--- by {title}: share of the total, seconds, calls, function")
        ranked = sorted(entries.items(), key=lambda item: item[1][index], reverse=True)
        for key, (_, calls, tt, ct, _) in ranked[:limit]:
            seconds = tt if index == 2 else ct
            print(f"{100 * seconds / total:5.1f} %  {seconds:6.2f} s  {calls:>9,}  {_where(key)}")


def profile_run(sheets: list, book_name: str) -> None:
    from kpidesk.printing import paint

    paint.pdf_bytes(sheets[:WARM_UP_SHEETS], book_name)
    profiler = cProfile.Profile()
    profiler.enable()
    paint.pdf_bytes(sheets, book_name)
    profiler.disable()
    print_profile(profiler)


# --- results --------------------------------------------------------------------


RESULTS_INTRO = """# Benchmark results

Figures of the scripts in `bench/` (see `bench/README.md`), newest last.
"""


def append_results(section: str) -> None:
    append_section(section, RESULTS_INTRO, RESULTS)


WORKBOOK_NOTE = (
    "the workbook written by KPI Desk's Excel export, "
    "`kpidesk.exchange.excel_writer.export_workbook(sheets, file)` with the bundled "
    "別記様式2 template (`resources/templates/kpi_sheet.xlsx`), of the "
    "same sheets (those the template can hold; all of a made book's) ordered by No: first 一覧 "
    "(one line per value row, A4 landscape, fit to one page wide, title rows repeated on each "
    "page), then one worksheet per sheet (`No1`, `No2`, …), each a copy of the template's "
    "worksheet filled in (A4 portrait, fit to one page wide and one page tall, print area "
    "set, font BIZ UDゴシック, installed system-wide); LibreOffice prints every worksheet, "
    "一覧 included"
)


def report(
    facts: dict[str, str],
    book_note: str,
    figures: list[Figure],
    lo_version: str,
    checks: list[str],
    runs: argparse.Namespace,
) -> tuple[str, str]:
    rows = table_rows(figures)
    machine = (
        f"{facts['cpu']}, {facts['cpus']} CPUs; {facts['os']}; Python {facts['python']}; "
        f"{facts['qt']}; QT_QPA_PLATFORM={facts['qpa']}; load average at start {facts['load']}"
    )
    headline = figures[0]
    per_page = headline.ms_per_page or 0.0
    verdict = (
        f"KPI Desk: {per_page:.2f} ms per page (median of {len(headline.seconds)} runs), "
        f"target ≤ {TARGET_MS_PER_PAGE:.0f} ms per page: {headline.verdict}"
    )
    lo = next((f for f in figures if f.name.startswith("LibreOffice")), None)
    cli = next((f for f in figures if "export-pdf" in f.name), None)
    comparison = ""
    if lo is not None and lo.ms_per_page and per_page:
        comparison = (
            f"LibreOffice ({lo_version}): {lo.median:.2f} s for the workbook, "
            f"{lo.ms_per_page:.2f} ms per page over its {lo.pages:,} pages (一覧 included), "
            f"{lo.median / headline.median:.1f} × KPI Desk's in-process time"
        )
        if cli is not None and cli.ms_per_page:
            comparison += f" and {lo.median / cli.median:.1f} × `main.py export-pdf`'s"
        comparison += "."
    terminal = "\n".join(
        [
            f"commit {facts['commit']}",
            f"machine: {machine}",
            f"book: {book_note}",
            f"LibreOffice: {lo_version}",
            "",
            text_table(TABLE_HEADER, rows),
            "",
            verdict,
            comparison,
            *checks,
        ]
    )
    command = " ".join([".venv/bin/python", "bench/bench_pdf.py", *sys.argv[1:]])
    section = "\n".join(
        [
            f"## {now_stamp()} — PDF export — commit {facts['commit']}",
            "",
            f"- Command: `{command}` (`bench/bench_pdf.py`, see `bench/README.md`)",
            f"- Machine: {machine}",
            f"- Book: {book_note}",
            "- Times in seconds; ms/page is the median divided by the pages. KPI Desk's "
            f"figure is `paint.pdf_bytes` of every sheet, in process, {runs.runs} runs after "
            f"a warm-up on {WARM_UP_SHEETS} sheets; target ≤ {TARGET_MS_PER_PAGE:.0f} ms per "
            "page. The command line and LibreOffice are timed from outside, process start "
            "included. CPU ms/page: the median CPU time (user + system, of the process or "
            "of the child processes) per page, which other programs on the machine do not "
            "inflate.",
            f"- LibreOffice: {lo_version}, `soffice --headless "
            "-env:UserInstallation=file://… --convert-to pdf --outdir DIR book.xlsx`, "
            "after a throwaway conversion of a 1-cell workbook that made the profile.",
            f"- The LibreOffice workbook: {WORKBOOK_NOTE}.",
            "",
            markdown_table(TABLE_HEADER, [[row[0].strip(), *row[1:]] for row in rows]),
            "",
            f"{verdict}. {comparison}",
            "",
            *(f"- {check}" for check in checks),
            "",
        ]
    )
    return terminal, section


# --- main -----------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time exporting a big book to one PDF.")
    parser.add_argument("--book", type=Path, help="an existing book (read only)")
    parser.add_argument("--sheets", type=positive, default=1000, help="sheets of a made book")
    parser.add_argument("--runs", type=positive, default=5, help="in-process runs")
    parser.add_argument("--cli-runs", type=positive, default=2, help="runs of main.py export-pdf")
    parser.add_argument("--lo-runs", type=positive, default=1, help="LibreOffice conversions")
    parser.add_argument("--no-libreoffice", action="store_true", help="skip LibreOffice")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--profile", action="store_true", help="profile instead of timing")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--cold-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write and args.profile:
        parser.error("--profile distorts the times; it cannot be used with --write")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if args.cold_child is not None:
        cold_child(args.cold_child)
        return 0
    folder = Path(tempfile.mkdtemp(prefix="kpidesk-bench-pdf-"))
    if folder.resolve().is_relative_to(REPO):
        raise SystemExit(f"the temporary folder is inside the repository: {folder}")
    os.environ["KPIDESK_DATA_DIR"] = str(folder / "data")
    try:
        return run(args, folder)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: Path) -> int:
    from kpidesk.book.store import Book
    from kpidesk.printing import paint

    soffice = None if args.no_libreoffice else shutil.which("soffice")
    if not args.no_libreoffice and soffice is None and not args.profile:
        raise SystemExit(
            "soffice not found: apt-get install -y --no-install-recommends "
            "libreoffice-calc-nogui (or run with --no-libreoffice)"
        )
    facts = machine_facts()
    if args.book is not None:
        book = args.book.resolve()
        book_note = f"{args.book}"
    else:
        book = make_big_book(folder, args.sheets)
        book_note = (
            f"{args.sheets:,} sheets made by `bench/make_book.py --sheets {args.sheets}`"
            f" (seed 1) in {folder}"
        )
    with Book.open(book, create=False) as store:
        started = time.perf_counter()
        sheets = store.list_sheets()
        listing = Figure("Book.list_sheets() of the book (info)", [time.perf_counter() - started])
    book_note += f", {len(sheets):,} sheets, {book.stat().st_size / 1e6:.1f} MB"
    book_name = book.name

    if args.profile:
        profile_run(sheets, book_name)
        return 0

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    print("KPI Desk, cold (fresh process) ...", flush=True)
    cold, child_imports, _ = time_cold(book, env)

    print("KPI Desk, in process ...", flush=True)
    paint.pdf_bytes(sheets[:WARM_UP_SHEETS], book_name)  # warm-up: app, fonts, Qt text
    headline, data = time_pdf_bytes(sheets, book_name, args.runs)
    own_pdf = folder / "kpidesk.pdf"
    own_pdf.write_bytes(data)
    split = time_split(sheets, book_name, args.runs)
    with_charts, _ = time_pdf_bytes(sheets, book_name, args.runs, chart=True)

    print("KPI Desk, command line ...", flush=True)
    cli, cli_pdf = time_cli(book, folder, env, args.cli_runs)

    figures = [headline, *split, with_charts, cold, child_imports, listing, cli]
    checks = [
        check_page("KPI Desk PDF", own_pdf, sheets[0]),
        check_page("export-pdf PDF", cli_pdf, sheets[0]),
    ]
    lo_version = "not run"
    if soffice is not None:
        lo_version = libreoffice_version(soffice)
        print(f"LibreOffice ({lo_version}) ...", flush=True)
        lo = time_libreoffice(soffice, sheets, folder, args.lo_runs)
        figures += lo.figures
        checks += check_libreoffice_pdf(lo)
    if args.keep:
        print(f"PDFs kept in {folder}")

    terminal, section = report(facts, book_note, figures, lo_version, checks, args)
    print()
    print(terminal)
    if args.write:
        append_results(section)
        print(f"\nappended to {RESULTS.relative_to(REPO)}")
    return 0 if headline.verdict == "pass" else 1


if __name__ == "__main__":
    sys.exit(main())
