"""Long paths: without long paths enabled (the default), Windows cannot make a path of more
than 259 characters. A book deep in a shared folder may fit while its lock, journal or
backups do not; an export may not fit either. Each is said in Japanese before anything
is written.

Windows is simulated (``sys.platform``) in a deep temporary folder.
"""

from __future__ import annotations

import io
import os
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest

from kpidesk import cli, fileio, samples
from kpidesk.book import backups, lock, sidefiles
from kpidesk.book.errors import PathTooLongError
from kpidesk.book.store import Book
from kpidesk.fileio import OutputError
from tests.conftest import SAMPLE_TEXT, deep_folder, simulate_windows

DAY = datetime(2026, 11, 30, 9, 0, 0)
TEMP_NAME = re.compile(r"~kd\w{8}\.tmp")


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(arg) for arg in args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def book_of_length(base: Path, length: int, stem: str = "報告書" * 10) -> Path:
    """A book path of ``length`` characters, named ``stem`` + ``.kpidb`` (its folder made)."""
    return deep_folder(base, length - len(stem) - len(".kpidb") - 1) / f"{stem}.kpidb"


# --- the rule


def test_windows_allows_259_characters_counting_the_whole_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fits = "/" + "a" * 258
    unc = "\\\\server\\share\\" + "x" * 244
    assert fileio.path_limit(fits) is None  # not Windows: no limit
    simulate_windows(monkeypatch)
    assert fileio.path_limit(fits) == 259 and fileio.path_length(fits) == 259
    assert fileio.path_length(fits + "b") == 260
    assert fileio.path_length(unc) == 259  # a UNC path counts from its two backslashes
    assert fileio.path_length("\\\\server\\share\\報告𩸽") == 19  # UTF-16 units
    assert fileio.path_limit("\\\\?\\C:\\" + "a" * 300) is None  # long-path form


# --- books


def test_a_new_book_whose_backups_would_not_fit_is_refused_before_anything_is_written(
    tmp_path: Path, windows: None
) -> None:
    book = book_of_length(tmp_path, 237)  # fits; its backups would not
    with pytest.raises(PathTooLongError) as refused:
        Book.open(book, create=True)
    message = str(refused.value)
    assert f"パスが長すぎるため、Windows ではこのブックに書き込めません: {book}" in message
    assert "バックアップ" in message and "259文字まで" in message
    assert "何も書き込んでいません" in message
    assert list(book.parent.iterdir()) == []


@pytest.mark.parametrize(("length", "what"), [(237, "バックアップ"), (256, "ロックファイル")])
def test_an_existing_book_whose_files_would_not_fit_is_neither_written_nor_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, length: int, what: str
) -> None:
    book = book_of_length(tmp_path, length)
    samples.create_sample_book(book).close()  # made where no limit applies
    before = book.read_bytes()
    simulate_windows(monkeypatch)

    with pytest.raises(PathTooLongError) as refused:
        Book.open(book, create=False)
    assert str(book) in str(refused.value) and what in str(refused.value)
    with pytest.raises(lock.LockError) as not_locked:
        lock.BookLock.acquire(book)
    assert str(book) in str(not_locked.value)
    assert sorted(path.name for path in book.parent.iterdir()) == [book.name]
    assert book.read_bytes() == before
    with Book.open(book, create=False, read_only=True) as store:  # it can still be read
        assert store.count_sheets() == 15


def test_backups_are_named_without_the_book_name_twice(tmp_path: Path) -> None:
    book = tmp_path / "報告.kpidb"
    samples.create_sample_book(book).close()
    namesake = tmp_path / "報告.db"
    namesake.write_bytes(book.read_bytes())
    with Book.open(book, create=False) as store:
        made = backups.take_backup(store, "import", now=DAY)
    with Book.open(namesake, create=False) as store:
        theirs = backups.take_backup(store, "import", now=DAY)
    assert made == tmp_path / "報告_backups" / "20261130-090000-import.kpidb"
    assert theirs == tmp_path / "報告_backups" / "報告.db-20261130-090000-import.kpidb"
    assert backups.migration_backup_path(book, 6, now=DAY).name == (
        "before-v6-20261130-090000.kpidb"
    )
    assert [b.path for b in backups.list_backups(book)] == [made]
    assert [b.path for b in backups.list_backups(namesake)] == [theirs]


def test_backups_named_after_the_whole_book_name_are_still_read_and_pruned(
    tmp_path: Path,
) -> None:
    book = tmp_path / "報告.kpidb"
    samples.create_sample_book(book).close()
    folder = backups.backup_folder(book)
    folder.mkdir()
    earlier = folder / "報告.kpidb-20261101-080000-import.kpidb"
    earlier.write_bytes(book.read_bytes())
    with Book.open(book, create=False) as store:
        made = backups.take_backup(store, "open", now=DAY)
    assert [(b.path, b.reason) for b in backups.list_backups(book)] == [
        (made, "開いたとき"),
        (earlier, "取り込みの前"),
    ]
    with Book.open(book, create=False) as store:
        backups.take_backup(store, "manual", keep=2, now=DAY.replace(hour=10))
    assert not earlier.exists() and made.exists()


def test_a_deep_book_is_used_with_backups_that_fit(tmp_path: Path, windows: None) -> None:
    # Backups named after the book twice would be 277 characters long here.
    book = book_of_length(tmp_path, 197, stem="地域振興部総合政策課KPI分析シート" * 2)
    with Book.open(book, create=True) as store:
        samples_added = store.import_sheets(samples.sample_sheets())
        made = backups.take_backup(store, "rollover", now=DAY)
    assert samples_added
    assert fileio.path_length(made) <= 259
    assert backups.list_backups(book)[0].path == made


def test_temporary_files_have_short_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources: list[str] = []
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        sources.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    fileio.write_bytes_atomic(tmp_path / ("とても長いファイル名" * 8 + ".json"), b"{}")
    held = lock.BookLock.acquire(tmp_path / ("とても長いブック名" * 8 + ".kpidb"))
    held.heartbeat()
    held.release()
    assert len(sources) == 2
    assert all(TEMP_NAME.fullmatch(name) for name in sources), sources


# --- exports


@pytest.mark.parametrize(
    ("folder_length", "name"),
    [
        (200, "KPI分析シート_" + "観光振興課" * 12 + ".pdf"),  # the file itself: 271
        (250, "a.pdf"),  # the file fits (256), the temporary file beside it would not
    ],
)
def test_an_export_too_long_for_windows_is_refused_before_anything_is_written(
    tmp_path: Path, windows: None, folder_length: int, name: str
) -> None:
    target = deep_folder(tmp_path, folder_length) / name
    with pytest.raises(OutputError) as refused:
        fileio.write_bytes_atomic(target, b"%PDF")
    assert str(refused.value).startswith(f"保存先のパスが長すぎるため書き込めません: {target}")
    assert "Windows では259文字まで" in str(refused.value)
    assert list(target.parent.iterdir()) == []


def test_the_command_line_says_so_and_writes_nothing(tmp_path: Path, windows: None) -> None:
    book = book_of_length(tmp_path, 237)
    code, out, err = run("import-text", SAMPLE_TEXT, "--db", book)
    assert (code, out) == (1, "")
    assert err.startswith("エラー: ブックの場所のパスが長すぎるため") and str(book) in err
    assert list(book.parent.iterdir()) == []

    short = tmp_path / "本庁.kpidb"
    samples.create_sample_book(short).close()
    target = deep_folder(tmp_path, 250) / "book.json"
    code, out, err = run("export-json", "--db", short, "-o", target)
    assert (code, out) == (1, "")
    assert "保存先のパスが長すぎるため書き込めません" in err
    assert list(target.parent.iterdir()) == []


def test_a_deep_book_can_still_be_read_by_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = book_of_length(tmp_path, 237)
    samples.create_sample_book(book).close()
    simulate_windows(monkeypatch)
    code, out, err = run("export-json", "--db", book, "-o", tmp_path / "all.json")
    assert (code, err) == (0, "") and out.startswith("15件のシートを書き出しました")
    assert sorted(path.name for path in book.parent.iterdir()) == [book.name]
    assert sidefiles.room_problem(book) is not None


def test_windows_with_long_paths_turned_on_has_no_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    simulate_windows(monkeypatch)
    deep = "C:\\" + "\\".join(["地方創生 総合戦略 KPI 分析"] * 20) + "\\本庁.kpidb"
    assert fileio.path_limit(deep) == fileio.WINDOWS_MAX_PATH - 1
    monkeypatch.setattr(fileio, "long_paths_enabled", lambda: True)
    assert fileio.path_limit(deep) is None


def test_long_paths_are_off_where_the_registry_cannot_be_read() -> None:
    if sys.platform != "win32":
        assert fileio.long_paths_enabled() is False  # no registry here
    else:
        assert isinstance(fileio.long_paths_enabled(), bool)
