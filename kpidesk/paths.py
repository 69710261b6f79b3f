"""Where KPI Desk keeps the user's files: data folder, log, default book.

``KPIDESK_DATA_DIR`` overrides the data folder (tests, the smoke test and
portable installs use it).
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path

from kpidesk import APP_NAME

DATA_DIR_ENV = "KPIDESK_DATA_DIR"
BOOK_SUFFIX = ".kpidb"


def user_data_dir() -> Path:
    """The per-user folder for logs, recovery drafts and settings (created)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        path = Path(override)
    elif sys.platform == "win32":
        path = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / APP_NAME
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / APP_NAME
    else:
        path = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_file() -> Path:
    """The log file that unexpected errors are written to."""
    return user_data_dir() / "kpidesk.log"


class Whereabouts(enum.Enum):
    """What became of a book's file that is looked for again (the last book, a recent one)."""

    FOUND = "found"
    #: Its folder is there, the file is not: deleted, moved or renamed.
    MISSING = "missing"
    #: Its folder cannot be reached: a network folder that is down, a VPN
    #: that is off, a mapped drive not reconnected (or the folder was removed).
    UNREACHABLE = "unreachable"


def _exists(path: Path) -> bool | None:
    """Whether ``path`` exists; None when asking failed (a share that is down, on Windows)."""
    try:
        return path.exists()
    except OSError:
        return None


def whereabouts(path: Path) -> Whereabouts:
    """Whether the file at ``path`` is there, gone from a folder that is there, or out of reach.

    Never raises: an error while asking (a network path not found, access
    denied to the share) counts as out of reach, never as gone.
    """
    found = _exists(path)
    if found:
        return Whereabouts.FOUND
    if found is None:
        return Whereabouts.UNREACHABLE
    try:
        folder_there = path.parent.is_dir()
    except OSError:
        folder_there = False
    return Whereabouts.MISSING if folder_there else Whereabouts.UNREACHABLE
