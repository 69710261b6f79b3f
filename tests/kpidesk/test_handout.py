"""Hand out (配布): one book per department, remembering where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpidesk.book import cyclestore
from kpidesk.book.store import Book
from kpidesk.cycle import CONFIRMED, HandoutMark, content_hash, log_to_json, read_log
from kpidesk.handout import AlreadyHandedOut, HandoutError, distribute
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


def test_files_in_the_way_are_named_once_with_their_folder(tmp_path: Path) -> None:
    out = tmp_path / "配布先のとても長いフォルダ名"
    with create_sample_book(tmp_path / "origin.kpidb") as origin:
        written = distribute(origin, out, 2020)
        with pytest.raises(HandoutError) as refused:
            distribute(origin, out, 2020, again=True)
    message = str(refused.value)
    assert "上書きしません" in message
    assert message.count(str(out)) == 1
    assert f"フォルダ: {out}\n" in message
    assert "ファイル: 2020_" in message and f"ほか{len(written) - 10}件" in message
    assert len(message) < 400


def test_a_second_hand_out_of_the_year_is_refused_unless_asked(tmp_path: Path) -> None:
    with create_sample_book(tmp_path / "origin.kpidb") as origin:
        distribute(origin, tmp_path / "一回目", 2020, ["観光振興課", "港湾課"])
        entries, _ = read_log(cyclestore.read_text(origin, cyclestore.META_HANDOUT_LOG))
        entries[0].status = CONFIRMED
        cyclestore.write_text(origin, cyclestore.META_HANDOUT_LOG, log_to_json(entries))
        with pytest.raises(AlreadyHandedOut) as refused:
            distribute(origin, tmp_path / "二回目", 2020, ["観光振興課", "港湾課", "商工政策課"])
        assert str(refused.value) == (
            "観光振興課（確定）、港湾課（未提出）: すでに配布しています。"
            "もう一度配布すると、前に配布したファイルは回収できなくなります"
        )
        assert not (tmp_path / "二回目").exists()
        entries, _ = read_log(cyclestore.read_text(origin, cyclestore.META_HANDOUT_LOG))
        assert [entry.state() for entry in entries] == ["確定", "未提出"]
        again = distribute(origin, tmp_path / "二回目", 2020, ["観光振興課"], again=True)
    assert [path.name for path in again] == ["2020_観光振興課.kpidb"]
