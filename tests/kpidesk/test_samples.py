"""The bundled sample book that `make run` and `--demo` start from."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpidesk import samples
from kpidesk.resources import resource_path


def test_sample_book_holds_the_fifteen_sheets(tmp_path: Path) -> None:
    path = tmp_path / "見本 ブック.kpidb"
    with samples.create_sample_book(path) as store:
        sheets = store.list_sheets()
    assert [sheet.no for sheet in sheets] == [
        "9", "10", "13", "14", "15", "16", "17", "18", "19", "20", "25", "26", "27", "28", "29",
    ]  # fmt: skip
    assert sheets[0].title == "刑法犯認知件数"
    assert all(sheet.revision == 1 for sheet in sheets)


def test_sample_book_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "existing.kpidb"
    path.write_text("大事なファイル", encoding="utf-8")
    with pytest.raises(FileExistsError):
        samples.create_sample_book(path)
    assert path.read_text(encoding="utf-8") == "大事なファイル"


def test_missing_resource_is_named() -> None:
    with pytest.raises(FileNotFoundError, match="no-such-file"):
        resource_path("no-such-file")
