"""The kill loop, short: a book killed while saving with SIGKILL loses nothing.

The 200-kill run is ``bench/torture_kill.py``; this runs the same loop with
12 kills, then checks that the checks themselves notice a lost save and a
damaged book.
"""

from __future__ import annotations

import dataclasses
import signal
from pathlib import Path

import pytest

from bench.torture_kill import (
    BOOK_NAME,
    Entry,
    TortureResult,
    check_book,
    integrity_check,
    run_torture,
    token,
)
from kpidesk.book.store import Book

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

KILLS = 12


@pytest.fixture(scope="module")
def torture(tmp_path_factory: pytest.TempPathFactory) -> tuple[TortureResult, Path]:
    folder = tmp_path_factory.mktemp("torture")
    return run_torture(folder, kills=KILLS, seed=7), folder


def test_a_killed_store_loses_no_reported_save(torture: tuple[TortureResult, Path]) -> None:
    result, _ = torture
    assert result.kills == KILLS
    assert result.worker_errors == []
    assert result.corrupt == []
    assert result.lost == []
    assert result.saves_reported > KILLS  # the workers did save between the kills
    assert result.saves_verified == result.saves_reported
    assert result.sheet_saves_verified == result.sheet_saves_reported > result.saves_reported
    assert set(result.saves_by_op) == {"import_sheets", "save_sheet:bullet", "save_sheet:cell"}
    assert result.checks == KILLS + 1


def test_the_checks_notice_a_lost_save(torture: tuple[TortureResult, Path]) -> None:
    _, folder = torture
    book = folder / BOOK_NAME
    with Book.open(book, create=False) as store:
        sheet = store.list_sheets()[0]
    real = Entry(sheet.report_year, sheet.no, sheet.revision, token(sheet), 0, "save_sheet:cell")
    assert check_book(book, [real]).lost == {}
    later = dataclasses.replace(real, revision=real.revision + 1)
    other = dataclasses.replace(real, token="0" * 24)
    missing = dataclasses.replace(real, no="no such No")
    lost = check_book(book, [later, other, missing]).lost
    assert set(lost) == {later, other, missing}
    # An old revision with other content is found in the history.
    old = dataclasses.replace(real, revision=1, token="0" * 24)
    assert set(check_book(book, [old]).lost) == {old}
    assert set(check_book(book, [], [old]).lost) == set()  # without history: a later save


def test_the_checks_notice_a_damaged_book(
    torture: tuple[TortureResult, Path], tmp_path: Path
) -> None:
    _, folder = torture
    damaged = tmp_path / "damaged.kpidb"
    data = bytearray((folder / BOOK_NAME).read_bytes())
    page = 4096
    for start in range(page, len(data) - page, 3 * page):  # garble every 3rd page
        data[start + 100 : start + 300] = bytes(range(200))
    damaged.write_bytes(bytes(data))
    assert integrity_check(folder / BOOK_NAME) == "ok"
    check = check_book(damaged, [])
    assert check.corrupt
    assert check.problem
