"""Helpers shared by the bench scripts: machine facts, tables and RESULTS.md.

Used by ``bench_window.py``, ``bench_pdf.py``, ``bench_excel.py`` and
``torture_kill.py``. Imports nothing from the repository (and Qt only inside
:func:`qt_versions`), so a script may import it before setting up its
environment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"


# --- tables -------------------------------------------------------------------


def positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text}")
    return value


def display_width(text: str) -> int:
    """Terminal columns of ``text`` (full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "FW" else 1 for char in text)


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain table for the terminal."""
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        pairs = zip(cells, widths, strict=True)
        return "  ".join(
            cell + " " * (width - display_width(cell)) for cell, width in pairs
        ).rstrip()

    _record_table(header, rows)
    return "\n".join([line(header), line(["-" * width for width in widths]), *map(line, rows)])


#: When set, every table :func:`text_table` makes is also appended to this file
#: as one JSON line (``bench_all.py`` reads the scripts' figures from it).
TABLES_ENV = "KPIDESK_BENCH_TABLES"


def _record_table(header: list[str], rows: list[list[str]]) -> None:
    path = os.environ.get(TABLES_ENV)
    if not path:
        return
    record = {"script": Path(sys.argv[0]).name, "header": header, "rows": rows}
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of ``header`` and ``rows`` (no alignment markers)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


# --- the machine --------------------------------------------------------------


def run_text(command: list[str], cwd: Path = REPO, timeout: float = 30) -> str:
    """The stripped standard output of ``command``, or ``""`` when it fails."""
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, check=True, timeout=timeout
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def git(*args: str, timeout: float = 30) -> str:
    """The output of ``git ARGS`` in the repository, or ``""`` when it fails."""
    return run_text(["git", *args], cwd=REPO, timeout=timeout)


def short_commit(timeout: float = 30) -> str:
    """The short hash of ``HEAD``, or ``"unknown"``."""
    return git("rev-parse", "--short", "HEAD", timeout=timeout) or "unknown"


def commit_with_changes(*paths: str) -> str:
    """The short hash of ``HEAD``, naming up to six uncommitted changes under ``paths``."""
    commit = short_commit()
    dirty = [
        line.split(None, 1)[-1]
        for line in git("status", "--porcelain", "--", *paths).splitlines()
        if line.strip()
    ]
    if dirty:
        shown = ", ".join(dirty[:6]) + (", …" if len(dirty) > 6 else "")
        commit += f" (with uncommitted changes: {shown})"
    return commit


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo``, else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def qt_versions() -> str:
    """PySide6's and Qt's versions (imports PySide6)."""
    import PySide6
    from PySide6.QtCore import qVersion

    return f"PySide6 {PySide6.__version__}, Qt {qVersion()}"


# --- results ------------------------------------------------------------------


def now_stamp() -> str:
    """The local date and time of a RESULTS.md section heading."""
    return datetime.now().strftime("%Y-%m-%d %H:%M")


def append_section(section: str, intro: str | None = None, path: Path = RESULTS) -> None:
    """Append ``section`` to ``path`` after one blank line.

    A missing file starts with ``intro``; without ``intro`` it must exist.
    """
    if intro is None:
        text = path.read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8") if path.exists() else intro
    path.write_text(text.rstrip("\n") + "\n\n" + section, encoding="utf-8")
