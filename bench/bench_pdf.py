"""Time exporting a big book to one PDF, with LibreOffice's PDF export beside it.

Usage (from the repository root)::

    .venv/bin/python bench/bench_pdf.py [--book BOOK] [--sheets 1000] [--runs 5]
        [--cli-runs 2] [--lo-runs 1] [--no-libreoffice] [--write] [--profile] [--keep]

Without ``--book`` a book of ``--sheets`` sheets is made with
``bench/make_book.py`` in a temporary folder (never in the repository); a
given book is read only. Every sheet of the book goes into one PDF. Figures:

KPI Desk, in process
    ``kpidesk.render.pdf_bytes(sheets, book_name)`` on the sheets already
    read with ``Store.list_sheets()``, ``--runs`` times after one warm-up
    run on 5 sheets (so creating the QGuiApplication and loading the fonts
    are not counted). The same number of runs again split in two, mirroring
    ``pdf_bytes``: ``render.layout_document`` (measuring and wrapping with
    ``QtMeasure``) and ``render.paint_pages`` on a ``QPdfWriter`` writing into
    a ``QBuffer`` (the PDF is finished when the painter ends, inside it).
KPI Desk, cold
    The first ``pdf_bytes`` of all the sheets in a fresh process (a child of
    this script), from before the QGuiApplication is made and the fonts are
    loaded; the child's imports and ``list_sheets`` are timed apart.
KPI Desk, command line
    ``python main.py export-pdf --db BOOK -o OUT.pdf`` as a subprocess,
    timed from outside (interpreter start, imports, reading the book,
    rendering, writing the file), ``--cli-runs`` times.
LibreOffice
    A plain .xlsx with the same sheets (see :func:`write_workbook`: one
    worksheet per sheet, A4 portrait, fit to one page wide) is converted with
    ``soffice --headless --convert-to pdf``, timed from outside,
    ``--lo-runs`` times, after one throwaway conversion of a tiny workbook
    that creates LibreOffice's user profile. LibreOffice is a benchmark tool
    only (Debian: ``apt-get install --no-install-recommends
    libreoffice-calc-nogui``); ``--no-libreoffice`` skips it.

Pages are counted with ``pdfinfo`` (poppler-utils) or pdfplumber. The
target is ≤ 5 ms per page for KPI Desk (the median of the in-process runs).
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
import math
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
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

BENCH = REPO / "bench"
MAKE_BOOK = BENCH / "make_book.py"
MAIN = REPO / "main.py"
RESULTS = BENCH / "RESULTS.md"

#: KPI Desk's target: the median in-process export, per page.
TARGET_MS_PER_PAGE = 5.0
#: Sheets of the warm-up run (loads the fonts and Qt's text machinery).
WARM_UP_SHEETS = 5
#: A subprocess (CLI, LibreOffice, the cold child) that takes longer is stopped.
SUBPROCESS_TIMEOUT = 1800.0
#: The font of the LibreOffice workbook (installed system-wide by fonts-morisawa-bizud-gothic).
WORKBOOK_FONT = "BIZ UDGothic"


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


def _width(text: str) -> int:
    """Terminal columns of ``text`` (full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "FW" else 1 for char in text)


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain table for the terminal."""
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        pairs = zip(cells, widths, strict=True)
        return "  ".join(cell + " " * (width - _width(cell)) for cell, width in pairs).rstrip()

    return "\n".join([line(header), line(["-" * width for width in widths]), *map(line, rows)])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


# --- the machine --------------------------------------------------------------


def _run_text(command: list[str], cwd: Path = REPO) -> str:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, check=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def machine_facts() -> dict[str, str]:
    import PySide6
    from PySide6.QtCore import qVersion

    commit = _run_text(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = _run_text(["git", "status", "--porcelain", "--", "kpidesk", "main.py"])
    return {
        "commit": commit + (" (with uncommitted changes in kpidesk/ or main.py)" if dirty else ""),
        "python": platform.python_version(),
        "qt": f"PySide6 {PySide6.__version__}, Qt {qVersion()}",
        "cpus": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "qpa": os.environ.get("QT_QPA_PLATFORM", ""),
        "load": _load(),
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


def first_page_text(pdf: Path) -> str:
    """The text of page 1, with all white space removed."""
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        text = document.pages[0].extract_text() or ""
    return re.sub(r"\s+", "", text)


def check_first_page(name: str, pdf: Path, sheet: object) -> str:
    """Whether page 1 of ``pdf`` shows the first sheet's No, department and title."""
    from kpidesk.model import Sheet

    assert isinstance(sheet, Sheet)
    text = first_page_text(pdf)
    wanted = [sheet.no, sheet.departments[0] if sheet.departments else "", sheet.title]
    missing = [w for w in wanted if re.sub(r"\s+", "", w) not in text]
    if missing:
        return f"{name}: page 1 lacks {missing!r}"
    return f"{name}: page 1 shows No {sheet.no}, {wanted[1]} and 「{sheet.title}」"


# --- KPI Desk in process --------------------------------------------------------


def time_pdf_bytes(sheets: list, book_name: str, runs: int) -> tuple[Figure, bytes]:
    from kpidesk import render

    figure = Figure("KPI Desk: pdf_bytes (in process, warm)", target=TARGET_MS_PER_PAGE)
    data = b""
    for run in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        data, pages = render.pdf_bytes(sheets, book_name)
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

    from kpidesk import __version__, render

    started, cpu_started = time.perf_counter(), time.process_time()
    render.ensure_application()
    pages = render.layout_document(sheets, render.QtMeasure(render.load_fonts()))
    laid_out, cpu_laid_out = time.perf_counter(), time.process_time()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(render.a4_layout())
    writer.setResolution(render.PDF_RESOLUTION)
    writer.setCreator(f"KPI Desk {__version__}")
    writer.setTitle(book_name or "KPI分析シート")
    painting, cpu_painting = time.perf_counter(), time.process_time()
    render.paint_pages(writer, pages, book_name)
    painted, cpu_painted = time.perf_counter(), time.process_time()
    del writer
    buffer.close()
    size = len(bytes(data.data()))
    finished, cpu_finished = time.perf_counter(), time.process_time()
    wall = [laid_out - started, painted - painting, finished - started]
    cpu = [cpu_laid_out - cpu_started, cpu_painted - cpu_painting, cpu_finished - cpu_started]
    return wall, cpu, len(pages), size


def time_split(sheets: list, book_name: str, runs: int) -> list[Figure]:
    layout = Figure("  of which render.layout_document")
    paint = Figure("  of which render.paint_pages on QPdfWriter → QBuffer")
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
    from kpidesk import render
    from kpidesk.store import Store

    imported = time.perf_counter()
    with Store.open(book, create=False) as store:
        sheets = store.list_sheets()
    listed, cpu = time.perf_counter(), time.process_time()
    data, pages = render.pdf_bytes(sheets, book.name)
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
    imports = Figure("  child: import kpidesk.render + store (info)", [facts["imports"]])
    listing = Figure("  child: Store.list_sheets() (info)", [facts["list_sheets"]])
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


def _sheet_title(no: str, used: set[str]) -> str:
    """``No{no}`` made a valid, unique worksheet title (31 characters, no []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", f"No{no}")[:31]
    title, n = base, 2
    while title in used:
        suffix = f"_{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


#: Column widths (characters of '0') of the workbook: 項目, 単位, then the year columns.
LABEL_COLUMN_WIDTH = 16.0
UNIT_COLUMN_WIDTH = 10.0
YEAR_COLUMN_WIDTH = 11.0
BODY_FONT_SIZE = 10.5


def _bullet_height(text: str, total_width: float) -> float:
    """A row height (points) for a wrapped bullet: its lines estimated from its length.

    LibreOffice 7.4 puts about 1.45 column-width units per full-width
    character at 10.5 pt (measured on its PDFs); half-width ones count half.
    """
    units = sum(2 if unicodedata.east_asian_width(char) in "FWA" else 1 for char in text)
    lines = max(1, math.ceil(units / (total_width * 1.3)))
    return lines * BODY_FONT_SIZE * 1.5 + 4


def write_workbook(sheets: list, path: Path) -> None:
    """A plain .xlsx with one worksheet per sheet, for LibreOffice to print.

    Each worksheet (title ``No{no}``): the title KPI分析シート, a row No /
    担当課, a row KPI名 (merged, wrapped), the value table (header 項目, 単位
    and the year columns of ``Sheet.column_labels()``, then one row per value
    row, every value as its text, numbers right-aligned, thin borders), then
    each of 取組状況, 課題等, 今後の方向性 as a filled heading row and one row
    per bullet (``・`` + text, merged over the table's width, wrapped, with a
    row height estimated from the text's length). Font BIZ UDGothic; A4
    portrait, fit to one page wide and as many pages tall as needed.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from kpidesk import values
    from kpidesk.model import TEXT_SECTIONS

    thin = Side(style="thin", color="222222")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="EEF1F5")
    plain = Font(name=WORKBOOK_FONT, size=BODY_FONT_SIZE)
    bold = Font(name=WORKBOOK_FONT, size=BODY_FONT_SIZE, bold=True)
    title_font = Font(name=WORKBOOK_FONT, size=15, bold=True)
    small = Font(name=WORKBOOK_FONT, size=8.5)
    wrap = Alignment(wrap_text=True, vertical="top")
    centered = Alignment(horizontal="center", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.no, used))
        columns = 2 + len(sheet.column_labels())
        last = get_column_letter(columns)
        widths = [LABEL_COLUMN_WIDTH, UNIT_COLUMN_WIDTH] + [YEAR_COLUMN_WIDTH] * (columns - 2)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        total_width = sum(widths)

        ws.append(["<別記様式2>"])
        ws.merge_cells(f"A1:{last}1")
        ws["A1"].alignment = Alignment(horizontal="right")
        ws["A1"].font = small
        ws.append(["KPI分析シート"])
        ws.merge_cells(f"A2:{last}2")
        ws["A2"].font = title_font
        ws["A2"].alignment = Alignment(horizontal="center")
        ws.append([sheet.section])
        ws["A3"].font = small
        ws.append(["No", sheet.no, "担当課", sheet.departments_text])
        ws.merge_cells(f"D4:{last}4")
        ws.append(["KPI名", sheet.title])
        ws.merge_cells(f"B5:{last}5")
        ws.row_dimensions[5].height = 30
        for row in ws.iter_rows(min_row=4, max_row=5, max_col=columns):
            for cell in row:
                cell.border = border
                cell.font = plain
                cell.alignment = wrap
        for ref in ("A4", "C4", "A5"):
            ws[ref].font, ws[ref].fill, ws[ref].alignment = bold, fill, centered
        ws["B5"].font = bold
        ws.append([])

        ws.append(["項目", "単位", *sheet.column_labels()])
        header_row = ws.max_row
        ws.row_dimensions[header_row].height = 30
        for cell in ws[header_row]:
            cell.font, cell.fill, cell.alignment, cell.border = bold, fill, centered, border
        for value_row in sheet.rows:
            texts = [value_row.baseline.text, *(c.text for c in value_row.actuals)]
            texts.append(value_row.target.text)
            ws.append([value_row.label, value_row.unit, *texts])
            for cell in ws[ws.max_row]:
                cell.font, cell.border = plain, border
                is_number = cell.column > 2 and values.parse_value(str(cell.value or "")).is_number
                cell.alignment = right if is_number else Alignment(vertical="center")

        for attr, heading in TEXT_SECTIONS:
            ws.append([])
            ws.append([heading])
            row = ws.max_row
            ws.merge_cells(f"A{row}:{last}{row}")
            ws[f"A{row}"].font, ws[f"A{row}"].fill = bold, fill
            for bullet in sheet.text_section(attr):
                text = "・" + bullet
                ws.append([text])
                row = ws.max_row
                ws.merge_cells(f"A{row}:{last}{row}")
                ws[f"A{row}"].font, ws[f"A{row}"].alignment = plain, wrap
                ws.row_dimensions[row].height = _bullet_height(text, total_width)

        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages tall as the content needs
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
    workbook.save(path)


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


def time_libreoffice(
    soffice: str, sheets: list, folder: Path, runs: int
) -> tuple[list[Figure], Path]:
    profile = folder / "lo"
    tiny = folder / "tiny.xlsx"
    tiny_workbook(tiny)
    print("  LibreOffice: first start (makes its profile) ...", flush=True)
    startup, _, _ = soffice_convert(soffice, profile, tiny, folder / "lo-out-tiny")
    workbook = folder / "book.xlsx"
    print(f"  writing {workbook.name} with openpyxl ...", flush=True)
    started = time.perf_counter()
    write_workbook(sheets, workbook)
    build = Figure("  openpyxl: write the workbook (info)", [time.perf_counter() - started])
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
    return [figure, first, tiny_figure, build], pdf


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
    from kpidesk import render

    render.pdf_bytes(sheets[:WARM_UP_SHEETS], book_name)
    profiler = cProfile.Profile()
    profiler.enable()
    render.pdf_bytes(sheets, book_name)
    profiler.disable()
    print_profile(profiler)


# --- results --------------------------------------------------------------------


RESULTS_INTRO = """# Benchmark results

Figures of the scripts in `bench/` (see `bench/README.md`), newest last.
"""


def append_results(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else RESULTS_INTRO
    RESULTS.write_text(text.rstrip("\n") + "\n\n" + section, encoding="utf-8")


WORKBOOK_NOTE = (
    "a plain .xlsx written by this script with openpyxl (KPI Desk has no Excel export yet): "
    "one worksheet per sheet, titled `No{no}`, in the book's order; on each: <別記様式2>, "
    "KPI分析シート, the strategy section, a ruled row No / 担当課 and a row KPI名 (merged, "
    "wrapped), the value table (header 項目, 単位 and the year columns of "
    "`Sheet.column_labels()`, one row per value row, every value as its text, numbers "
    "right-aligned, thin borders, header fill), then 取組状況, 課題等 and 今後の方向性 each as "
    "a filled heading row and one merged, wrapped row per bullet (・ + text, row height "
    "estimated from its length); font BIZ UDGothic (installed system-wide); A4 portrait, "
    "fit to one page wide (fitToWidth 1, fitToHeight 0: as tall as needed), centred; no "
    "print titles, images or formulas"
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
            f"LibreOffice ({lo_version}): {lo.ms_per_page:.2f} ms per page, "
            f"{lo.ms_per_page / per_page:.1f} × KPI Desk's in-process time per page"
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
            f"## {datetime.now().strftime('%Y-%m-%d %H:%M')} — PDF export — commit "
            f"{facts['commit']}",
            "",
            f"- Command: `{command}` (`bench/bench_pdf.py`, see `bench/README.md`)",
            f"- Machine: {machine}",
            f"- Book: {book_note}",
            "- Times in seconds; ms/page is the median divided by the pages. KPI Desk's "
            f"figure is `render.pdf_bytes` of every sheet, in process, {runs.runs} runs after "
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


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value


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
    from kpidesk import render
    from kpidesk.store import Store

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
    with Store.open(book, create=False) as store:
        started = time.perf_counter()
        sheets = store.list_sheets()
        listing = Figure("Store.list_sheets() of the book (info)", [time.perf_counter() - started])
    book_note += f", {len(sheets):,} sheets, {book.stat().st_size / 1e6:.1f} MB"
    book_name = book.name

    if args.profile:
        profile_run(sheets, book_name)
        return 0

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    print("KPI Desk, cold (fresh process) ...", flush=True)
    cold, child_imports, _ = time_cold(book, env)

    print("KPI Desk, in process ...", flush=True)
    render.pdf_bytes(sheets[:WARM_UP_SHEETS], book_name)  # warm-up: app, fonts, Qt text
    headline, data = time_pdf_bytes(sheets, book_name, args.runs)
    own_pdf = folder / "kpidesk.pdf"
    own_pdf.write_bytes(data)
    split = time_split(sheets, book_name, args.runs)

    print("KPI Desk, command line ...", flush=True)
    cli, cli_pdf = time_cli(book, folder, env, args.cli_runs)

    figures = [headline, *split, cold, child_imports, listing, cli]
    checks = [
        check_first_page("KPI Desk PDF", own_pdf, sheets[0]),
        check_first_page("export-pdf PDF", cli_pdf, sheets[0]),
    ]
    lo_version = "not run"
    if soffice is not None:
        lo_version = libreoffice_version(soffice)
        print(f"LibreOffice ({lo_version}) ...", flush=True)
        lo_figures, lo_pdf = time_libreoffice(soffice, sheets, folder, args.lo_runs)
        figures += lo_figures
        checks.append(check_first_page("LibreOffice PDF", lo_pdf, sheets[0]))
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
