"""Where the program's own files are: the same lookup from source and frozen.

PyInstaller unpacks bundled data under ``sys._MEIPASS``; from source the
``resources/`` folder sits beside ``kpidesk/``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def base_dir() -> Path:
    """The folder that holds ``resources/``."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    """The path of a bundled resource, e.g. ``resource_path("samples", "x.txt")``.

    Raises:
        FileNotFoundError: the resource is not there (a broken installation).
    """
    path = base_dir().joinpath("resources", *parts)
    if not path.exists():
        raise FileNotFoundError(f"プログラムの部品が見つかりません: {path}")
    return path
