"""The whole hand out → edit in departments → collect cycle on the sample book.

Three department files are edited by separate processes at the same time,
while the origin book changes one of the same sheets; collecting every
file then takes every department change, reports the one conflict, and
loses nothing.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from pathlib import Path

from kpidesk import cli
from kpidesk.book.store import Book
from kpidesk.samples import create_sample_book

REPO = Path(__file__).resolve().parents[2]
_EDIT = """
import dataclasses, sys
from kpidesk.book.store import Book
with Book.open(sys.argv[1]) as book:
    sheet = book.list_sheets()[0]
    book.save_sheet(dataclasses.replace(sheet, efforts=[*sheet.efforts, sys.argv[2]]))
    print(sheet.no)
"""


def test_sample_cycle(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    create_sample_book(origin).close()
    out = tmp_path / "out"
    out.mkdir()
    assert cli.main(["distribute", "--db", str(origin), "--out", str(out)], out=io.StringIO()) == 0
    files = sorted(out.glob("*.kpidb"))
    with Book.open(origin, read_only=True) as book:
        before = {sheet.key: sheet for sheet in book.list_sheets()}
        assert len(files) == len(book.departments(2020))
    edited = files[:3]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _EDIT, str(path), f"{path.stem}の取組"],
            stdout=subprocess.PIPE,
            cwd=REPO,
            text=True,
        )
        for path in edited
    ]
    nos = [child.communicate(timeout=120)[0].strip() for child in children]
    assert all(child.returncode == 0 for child in children)
    clash = nos[0]
    with Book.open(origin) as book:  # the planning division changes one of them meanwhile
        sheet = book.find_sheet(2020, clash)
        assert sheet is not None
        book.save_sheet(dataclasses.replace(sheet, issues=["企画課の修正"]))

    err = io.StringIO()
    code = cli.main(["collect", "--db", str(origin), *map(str, files)], out=io.StringIO(), err=err)

    assert code == 1
    assert err.getvalue().count("両方で変更されています") == 1
    assert f"No {clash}（" in err.getvalue()
    with Book.open(origin, read_only=True) as book:
        after = {sheet.key: sheet for sheet in book.list_sheets()}
    assert after.keys() == before.keys()  # nothing lost, nothing added
    assert after[(2020, clash)].issues == ["企画課の修正"]  # the conflict left as it was
    for path, no in list(zip(edited, nos, strict=True))[1:]:
        assert after[(2020, no)].efforts[-1] == f"{path.stem}の取組"
    untouched = set(before) - {(2020, no) for no in nos}
    assert all(after[key] == before[key] for key in untouched)
