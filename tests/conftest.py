"""Test set-up: headless Qt, a private data folder, the gui marker."""

from __future__ import annotations

import gc
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SAMPLE_TEXT = REPO / "resources" / "samples" / "kpi_sheets_kumamoto_r2.txt"

#: For tests that delete or replace a book's file while a book has it open:
#: Windows refuses that (SQLite opens the file without FILE_SHARE_DELETE).
deletes_an_open_book = pytest.mark.skipif(
    sys.platform == "win32", reason="Windows refuses to delete or replace an open book"
)
#: For tests that kill a process with SIGKILL (there is no such signal on Windows).
needs_sigkill = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL is POSIX; Windows ends a process otherwise"
)


def python_output(script: str, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """The lines a new Python (this one) running ``script`` with ``args`` in the
    repository prints, offscreen; ``env`` replaces the environment when given.

    Raises:
        AssertionError: the script failed (with what it wrote to stderr).
    """
    environment = dict(os.environ if env is None else env, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def squash(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines where the layout wrapped."""
    return re.sub(r"\s+", "", text)


def libreoffice_pdf(workbook: bytes, folder: Path, stem: str = "book") -> Path:
    """Print a workbook to PDF with LibreOffice (skipped without it, failed under CI on Linux).

    .ci/run installs LibreOffice on Linux; the Windows workflow does not (and
    the fonts set up below are fontconfig's, which LibreOffice on Windows
    does not read), so there the tests that need it are skipped.
    """
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") and sys.platform.startswith("linux"):
            pytest.fail(
                "LibreOffice (soffice) is required under CI: install libreoffice-calc-nogui"
            )
        pytest.skip("LibreOffice (soffice) is not installed")
    book = folder / f"{stem}.xlsx"
    book.write_bytes(workbook)
    # The workbook asks for BIZ UDゴシック, which every Windows 10/11 PC has;
    # LibreOffice is shown the bundled copy, as a machine without it would
    # otherwise print the text in whatever font it finds.
    fonts_conf = folder / "fonts.conf"
    fonts_conf.write_text(
        '<?xml version="1.0"?><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{REPO / 'resources' / 'fonts'}</dir>"
        f"<cachedir>{folder / 'fontcache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    result = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
         "--convert-to", "pdf", "--outdir", str(folder), str(book)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "FONTCONFIG_FILE": str(fonts_conf)},
    )  # fmt: skip
    pdf = folder / f"{stem}.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr
    return pdf


@pytest.fixture(autouse=True)
def private_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep logs and settings of every test out of the user's real folders."""
    path = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("KPIDESK_DATA_DIR", str(path))
    return path


@pytest.fixture(autouse=True)
def garbage_collector_on() -> Iterator[None]:
    """Every test ends with Python's garbage collector on and nothing frozen: the
    window's start (``main.main``) turns it off until the window is painted."""
    yield
    gc.enable()
    gc.unfreeze()


def simulate_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, KPI Desk sees Windows where it asks (``sys.platform``): a file held
    by another program is tried again (here without pausing), and paths are limited
    to MAX_PATH (long paths turned off)."""
    from kpidesk import fileio

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(fileio, "HELD_PAUSE_SECONDS", 0, raising=False)
    # Long paths off, as on most office PCs (a Windows CI runner may have them on).
    monkeypatch.setattr(fileio, "long_paths_enabled", lambda: False)


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate Windows for the whole test (:func:`simulate_windows`)."""
    simulate_windows(monkeypatch)


#: The page size of the books KPI Desk makes.
PAGE_SIZE = 4096


def a_leaf_page(path: Path, table: str) -> int:
    """The number of the right-most leaf page of a table whose root is an interior page."""
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        [root] = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", [table]
        ).fetchone()
    finally:
        connection.close()
    page = path.read_bytes()[(root - 1) * PAGE_SIZE : root * PAGE_SIZE]
    assert page[0] == 0x05  # an interior table page: its rows are on other pages
    return int.from_bytes(page[8:12], "big")  # the right-most child


def damage_a_page(
    path: Path, table: str = "sheets", offset: int = 8, junk: bytes = b"\xff" * 16
) -> None:
    """Overwrite part of a leaf page of ``table``: the header, marks and schema still
    read well, and only ``PRAGMA quick_check`` (reading every page) notices."""
    data = bytearray(path.read_bytes())
    start = (a_leaf_page(path, table) - 1) * PAGE_SIZE + offset
    data[start : start + len(junk)] = junk
    path.write_bytes(bytes(data))


def deep_folder(base: Path, length: int) -> Path:
    """A folder below ``base`` (made) whose path has exactly ``length`` characters.

    Its names are ASCII: SQLite on Linux opens no path longer than 512 bytes.
    """
    folder = base
    while len(str(folder)) < length:
        room = length - len(str(folder)) - 1
        step = room if room <= 80 else 60
        folder = folder / ("shared-folder-" * 6)[:step]
    assert len(str(folder)) == length
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: What Windows says when another program has the file open (WinError 32).
IN_USE = "The process cannot access the file because it is being used by another process"


class Held:
    """Makes ``os.replace`` or ``Path.unlink`` fail as Windows does while another program
    (an antivirus scan, the search indexer) has the file open: the first ``times``
    calls on a matching path raise ``PermissionError(13, IN_USE, name, 32)``, the
    rest work (``times=None``: every call fails).

    Attributes:
        calls: the paths of every matching call, in order.
    """

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        operation: str,
        *,
        times: int | None,
        match: Callable[[Path], bool] = lambda path: True,
    ) -> None:
        self.calls: list[Path] = []
        self.times = times
        self.match = match
        if operation == "replace":
            real_replace = os.replace

            def replace(source: object, target: object, **kwargs: object) -> None:
                self.check(Path(os.fspath(target)))  # type: ignore[arg-type]
                real_replace(source, target, **kwargs)  # type: ignore[arg-type]

            monkeypatch.setattr(os, "replace", replace)
        elif operation == "unlink":
            real_unlink = Path.unlink

            def unlink(path: Path, missing_ok: bool = False) -> None:
                self.check(path)
                real_unlink(path, missing_ok=missing_ok)

            monkeypatch.setattr(Path, "unlink", unlink)
        else:
            raise ValueError(operation)

    def check(self, path: Path) -> None:
        if not self.match(path):
            return
        self.calls.append(path)
        if self.times is None or len(self.calls) <= self.times:
            raise PermissionError(13, IN_USE, str(path), 32)


def pytest_configure(config: pytest.Config) -> None:
    """One QApplication for the whole run, made before any test draws.

    The core's renderer makes a bare QGuiApplication when it finds none (as on
    the command line); made first, that would stop pytest-qt from giving the
    window tests their QApplication. The command-line path without any
    application is tested in a child process (tests/kpidesk/test_cli.py).
    """
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        config._kpidesk_qapp = QApplication(["kpidesk-tests"])  # type: ignore[attr-defined]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a QApplication as ``gui``."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "qapp" in fixtures or "qtbot" in fixtures:
            item.add_marker(pytest.mark.gui)
