"""Drafts of unsaved sheets, so a crash, a power cut or a killed process loses nothing.

While a sheet has unsaved changes the window writes its draft here within a
few seconds of the last keystroke; saving or discarding removes it. On the
next start, the drafts left behind are offered back. Saved work never
depends on a draft: drafts live in the user's data folder, not in the book.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kpidesk.exchange import jsonio
from kpidesk.file_names import safe_file_name, stable_tag
from kpidesk.fileio import unlink_with_retry, write_bytes_atomic
from kpidesk.model import Sheet
from kpidesk.paths import user_data_dir

DRAFT_VERSION = 1


@dataclass(frozen=True)
class Draft:
    """An unsaved state of a sheet left behind.

    Attributes:
        path: the draft file.
        book: the book the sheet belongs to.
        sheet: the sheet as it was being edited (its ``id`` and ``revision``
            are those of the book's copy it started from).
        written_at: when the draft was last written.
    """

    path: Path
    book: Path
    sheet: Sheet
    written_at: datetime


def drafts_dir() -> Path:
    """The folder of drafts in the user's data folder (created)."""
    path = user_data_dir() / "drafts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _draft_path(book: Path, sheet: Sheet) -> Path:
    """``<book key>-<sheet id>.json``; a sheet not yet in the book is named by its year
    and No, made safe for a file name (and then tagged, so that no two Nos share one)."""
    book_key = hashlib.sha256(os.fsdecode(book.absolute()).encode("utf-8")).hexdigest()[:16]
    if sheet.id is not None:
        return drafts_dir() / f"{book_key}-{sheet.id}.json"
    name = f"{book_key}-new-{sheet.report_year}-{sheet.no}"
    safe = safe_file_name(name, ".json")
    if safe != f"{name}.json":
        safe = safe_file_name(name, ".json", tag=stable_tag(sheet.no))
    return drafts_dir() / safe


def write_draft(book: Path, sheet: Sheet, *, now: datetime | None = None) -> Path:
    """Write (or replace) the draft of ``sheet`` of ``book``."""
    path = _draft_path(book, sheet)
    document = {
        "format": "kpidesk-draft",
        "version": DRAFT_VERSION,
        "book": os.fsdecode(book.absolute()),
        "sheet_id": sheet.id,
        "revision": sheet.revision,
        "written_at": (now or datetime.now()).isoformat(timespec="seconds"),
        "sheet": jsonio.sheet_to_dict(sheet),
    }
    write_bytes_atomic(path, json.dumps(document, ensure_ascii=False).encode("utf-8"))
    return path


def clear_draft(book: Path, sheet: Sheet) -> None:
    """Forget the draft of ``sheet`` (it was saved or discarded).

    Raises:
        OSError: the draft cannot be removed (another program has held it for
            longer than :func:`kpidesk.fileio.unlink_with_retry` waits).
    """
    unlink_with_retry(_draft_path(book, sheet))


def list_drafts() -> list[Draft]:
    """Every draft left behind, oldest first; unreadable files are skipped."""
    drafts = []
    for path in sorted(drafts_dir().glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") != "kpidesk-draft":
                continue
            sheet = jsonio.sheet_from_dict(document["sheet"])
            sheet.id = document.get("sheet_id")
            sheet.revision = int(document.get("revision") or 0)
            written_at = datetime.fromisoformat(document["written_at"])
            drafts.append(Draft(path, Path(document["book"]), sheet, written_at))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(drafts, key=lambda draft: draft.written_at)


def discard(draft: Draft) -> None:
    """Delete a draft the user chose not to restore.

    Raises:
        OSError: as :func:`clear_draft`.
    """
    unlink_with_retry(draft.path)
