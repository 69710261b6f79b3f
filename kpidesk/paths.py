"""Where KPI Desk keeps the user's files: data folder, log, default book.

``KPIDESK_DATA_DIR`` overrides the data folder (tests, the smoke test and
portable installs use it).
"""

from __future__ import annotations

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
