"""Hand out (配布): one book per department, remembering where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpidesk.book import cyclestore
from kpidesk.book.store import Book
from kpidesk.cycle import HandoutMark, content_hash, read_log
from kpidesk.handout import HandoutError, distribute
from kpidesk.model import Sheet
from kpidesk.samples import create_sample_book


def test_each_department_gets_its_sheets_and_the_origin(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with create_sample_book(tmp_path / "origin.kpidb") as origin:
        departments = origin.departments(2020)
        paths = distribute(origin, out, 2020)
        origin_id = origin.identity().book_id
        log, note = read_log(cyclestore.read_text(origin, cyclestore.META_HANDOUT_LOG))
        expected = {d: origin.list_sheets(report_year=2020, department=d) for d in departments}
    assert note == ""
    assert len(paths) == len(departments) == len(log)
    assert {path.name for path in paths} == {f"2020_{d}.kpidb" for d in departments}
    for path in paths:
        with Book.open(path, read_only=True) as handed:
            mark = HandoutMark.from_json(cyclestore.read_text(handed, cyclestore.META_HANDOUT))
            sheets = handed.list_sheets()
        assert mark.origin_book_id == origin_id
        assert path.name == f"2020_{mark.department}.kpidb"
        assert [sheet.no for sheet in sheets] == [s.no for s in expected[mark.department]]
        assert sheets == expected[mark.department]
        assert mark.hashes == {sheet.no: content_hash(sheet) for sheet in sheets}


def test_hostile_department_names_stay_in_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with Book.open(tmp_path / "origin.kpidb") as origin:
        origin.import_sheets(
            [
                Sheet(report_year=2020, no="1", departments=["CON"]),
                Sheet(report_year=2020, no="2", departments=["../../外"]),
                Sheet(report_year=2020, no="3", departments=['課:*?"<>|. ']),
            ]
        )
        paths = distribute(origin, out, 2020)
    assert len(paths) == 3
    assert all(path.parent == out for path in paths)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    assert not (tmp_path / "外.kpidb").exists()


def test_an_existing_file_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "2020_観光振興課.kpidb").write_text("大事なファイル", encoding="utf-8")
    with (
        create_sample_book(tmp_path / "origin.kpidb") as origin,
        pytest.raises(HandoutError, match="上書きしません"),
    ):
        distribute(origin, out, 2020)
    assert [p.name for p in out.iterdir()] == ["2020_観光振興課.kpidb"]


def test_an_unknown_department_is_refused(tmp_path: Path) -> None:
    with (
        create_sample_book(tmp_path / "origin.kpidb") as origin,
        pytest.raises(HandoutError, match="シートがない担当課"),
    ):
        distribute(origin, tmp_path, 2020, ["存在しない課"])


def test_the_folder_handed_out_into_is_made_when_new(tmp_path: Path) -> None:
    with create_sample_book(tmp_path / "本庁.kpidb") as book:
        paths = distribute(book, tmp_path / "令和2年度" / "配布", departments=["港湾課"])
    assert [path.name for path in paths] == ["2020_港湾課.kpidb"]
    assert paths[0].parent == tmp_path / "令和2年度" / "配布"
    (tmp_path / "ファイル").write_text("", encoding="utf-8")
    with (
        create_sample_book(tmp_path / "別.kpidb") as book,
        pytest.raises(HandoutError, match="ファイル"),
    ):
        distribute(book, tmp_path / "ファイル")
