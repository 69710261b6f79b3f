"""The sample sheets: 15 published sheets of Kumamoto Prefecture's R2 report.

``make run`` on first use and ``main.py --demo`` start from a book made here.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from kpidesk.book.store import Book
from kpidesk.exchange import textimport
from kpidesk.fileio import unlink_with_retry
from kpidesk.model import Sheet
from kpidesk.resources import resource_path

SAMPLE_TEXT = ("samples", "kpi_sheets_kumamoto_r2.txt")


def sample_text_path() -> Path:
    """The bundled published text the samples come from."""
    return resource_path(*SAMPLE_TEXT)


def sample_sheets() -> list[Sheet]:
    """The sample sheets, read from the bundled text."""
    result = textimport.read_file(sample_text_path())
    if result.problems:
        raise textimport.TextImportError(
            "見本のテキストを読めません: " + "; ".join(map(str, result.problems))
        )
    return result.sheets


def create_sample_book(path: Path) -> Book:
    """Make a new book at ``path`` holding the sample sheets and open it.

    Raises:
        FileExistsError: something is already at ``path``.
    """
    if path.exists():
        raise FileExistsError(f"既にファイルがあります: {path}")
    sheets = sample_sheets()
    store = Book.open(path)
    try:
        store.import_sheets(sheets)
    except BaseException:
        store.close()
        with contextlib.suppress(OSError):  # the error that stopped it is the one to say
            unlink_with_retry(path)
        raise
    return store
