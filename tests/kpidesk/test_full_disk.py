"""A save that runs out of room on a real file system leaves the book exactly as it was.

``PRAGMA max_page_count`` (test_store) fails before SQLite writes a page;
a real full disk fails while SQLite is writing pages into the file, after
which SQLite may give the transaction up with the file changed and a hot
journal beside it. Two real failures are used here: a 1.2 MB tmpfs mounted
in the test (as root, where mounting is allowed), and, on any POSIX
machine, a child process whose file size limit (``RLIMIT_FSIZE``) makes the
kernel refuse writes past it (EFBIG) in the middle of the save.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpidesk.book.errors import FULL_WRITING, WRITE_FAILED, DiskFullError
from kpidesk.book.store import Book
from kpidesk.model import Sheet
from tests.conftest import python_output


def small_sheets(count: int, report_year: int = 2020) -> list[Sheet]:
    return [
        Sheet(report_year=report_year, no=str(n), title=f"指標 {n}", efforts=["取組。" * 80])
        for n in range(1, count + 1)
    ]


def big_sheets(count: int) -> list[Sheet]:
    """Sheets that need many new pages (about 60 KB of text each)."""
    bullet = "詐欺の被害を防ぐため、金融機関と連携して声かけを行った。" * 30
    return [
        Sheet(report_year=2021, no=str(n), title="大きな指標", efforts=[bullet] * 25)
        for n in range(1, count + 1)
    ]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def assert_book_as_before(path: Path, digest: str, sheets: list[Sheet]) -> None:
    assert sha256(path) == digest
    assert beside(path) == [path.name]  # no -journal left
    with Book.open(path, create=False) as book:
        assert book._db.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert book.list_sheets() == sheets


# --- a real small file system -------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` (skips the test where that is not allowed)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system of ``folder`` up, then give back about ``leave`` bytes."""
    filler = folder / "filler.bin"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(descriptor, b"\0" * 65536)
        with contextlib.suppress(OSError):
            while True:
                os.write(descriptor, b"\0" * 4096)
    finally:
        os.close(descriptor)
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def test_an_import_on_a_full_tmpfs_leaves_the_book_as_it_was(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "1200k") as disk:
        path = disk / "報告.kpidb"
        with Book.open(path) as book:
            book.import_sheets(small_sheets(30))
            before = book.list_sheets()
        digest = sha256(path)
        filler = fill(disk, leave=200_000)

        with Book.open(path) as book:
            with pytest.raises(DiskFullError) as caught:
                book.import_sheets(big_sheets(40))
            assert str(caught.value) == FULL_WRITING
            assert "ブックは保存前のままです" in FULL_WRITING
            assert beside(path) == [path.name]
            assert sha256(path) == digest
            with pytest.raises(DiskFullError):
                book.save_sheet(big_sheets(1)[0])
            assert book.list_sheets() == before
        assert_book_as_before(path, digest, before)

        # With room again, the same import goes through.
        filler.unlink()
        with Book.open(path) as book:
            book.import_sheets(big_sheets(3))
            assert book.count_sheets() == 33


# --- a file size limit in a child process ------------------------------------------

_CHILD = """
import json, resource, signal, sys
from pathlib import Path
from kpidesk.book.store import Book
from kpidesk.model import Sheet
path, limit, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
bullet = "詐欺の被害を防ぐため、金融機関と連携して声かけを行った。" * 30
sheets = [Sheet(report_year=2021, no=str(n), title="大きな指標", efforts=[bullet] * 25)
          for n in range(1, count + 1)]
with Book.open(path, create=False) as book:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        book.import_sheets(sheets)
        outcome = {"saved": True}
    except Exception as error:
        outcome = {"saved": False, "type": type(error).__name__, "message": str(error)}
print(json.dumps(outcome, ensure_ascii=False))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("room", [0, 4096, 65536, 1_000_000])
def test_an_import_that_cannot_grow_the_file_leaves_the_book_as_it_was(
    tmp_path: Path, room: int
) -> None:
    path = tmp_path / "報告.kpidb"
    with Book.open(path) as book:
        book.import_sheets(small_sheets(30))
        before = book.list_sheets()
    digest = sha256(path)

    printed = python_output(_CHILD, str(path), str(path.stat().st_size + room), "60")
    outcome = json.loads("\n".join(printed))
    assert outcome == {"saved": False, "type": "BookError", "message": WRITE_FAILED}
    assert "ブックは保存前のままです" in WRITE_FAILED
    assert_book_as_before(path, digest, before)
