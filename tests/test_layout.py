"""Rules of the code base that hold everywhere."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO


def test_core_never_imports_widgets() -> None:
    offenders = [
        path.relative_to(REPO).as_posix()
        for path in (REPO / "kpidesk").rglob("*.py")
        if re.search(
            r"^\s*(from\s+PySide6\.QtWidgets|import\s+PySide6\.QtWidgets|from\s+PySide6\s+import.*QtWidgets)",
            path.read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    ]
    assert offenders == []


def test_sql_stays_in_the_book_package() -> None:
    pattern = re.compile(r"\b(sqlite3|sqlite_utils)\b")
    book_package = REPO / "kpidesk" / "book"
    offenders = [
        path.relative_to(REPO).as_posix()
        for folder in ("kpidesk", "ui")
        for path in (REPO / folder).rglob("*.py")
        if not path.is_relative_to(book_package)
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_pyside6_survives_many_calls_that_return_nothing() -> None:
    # PySide6 6.12.0 aborts Python 3.11 ("Fatal Python error: none_dealloc")
    # after a few thousand such calls; the pinned 6.11.3 must not.
    code = (
        "from PySide6.QtCore import QObject\n"
        "o = QObject()\n"
        "for i in range(20000):\n"
        "    o.setObjectName('x')\n"
        "    o.blockSignals(False)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_only_the_excel_modules_import_openpyxl() -> None:
    pattern = re.compile(r"^\s*(import|from)\s+openpyxl\b", re.MULTILINE)
    exchange = REPO / "kpidesk" / "exchange"
    offenders = [
        path.relative_to(REPO).as_posix()
        for folder in ("kpidesk", "ui")
        for path in (REPO / folder).rglob("*.py")
        if path.parent != exchange and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
