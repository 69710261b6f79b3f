"""Backups against what goes wrong in real folders: killed backups, books sharing a stem,
backups of another book, names of earlier versions, and names no backup of ours has.

Every hostile folder is made here: leftovers of a backup killed half-way,
books whose names differ only after their last dot, backup files copied in
from another book.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kpidesk import samples
from kpidesk.book import backups
from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from tests.conftest import REPO

DAY = datetime(2026, 11, 30, 9, 0, 0)


def make_book(path: Path, *, created_at: str | None = None, title: str | None = None) -> Path:
    """A sample book; ``created_at`` and the title of sheet 2020/9 set when given."""
    path.parent.mkdir(exist_ok=True)
    samples.create_sample_book(path).close()
    if created_at is not None:
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE meta SET value = ? WHERE key = 'created_at'", [created_at])
        connection.close()
    if title is not None:
        with Book.open(path, create=False) as store:
            sheet = store.find_sheet(2020, "9")
            sheet.title = title
            store.save_sheet(sheet)
    return path


def title_of(path: Path) -> str:
    with Book.open(path, create=False, read_only=True) as store:
        return store.find_sheet(2020, "9").title


def take(path: Path, reason: str, when: datetime, *, keep: int = 10) -> Path:
    with Book.open(path, create=False) as store:
        return backups.take_backup(store, reason, keep=keep, now=when)


def age(path: Path, minutes: float) -> None:
    """Make a file look untouched for ``minutes``."""
    moment = datetime.now().timestamp() - minutes * 60
    os.utime(path, (moment, moment))


# --- leftovers of killed backups


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs a process that can be killed")
def test_a_backup_killed_half_way_leaves_nothing_after_the_next_backup(tmp_path: Path) -> None:
    book = make_book(tmp_path / "報告.kpidb")
    script = textwrap.dedent(
        """
        import os, signal, sys
        from kpidesk.book import backups
        from kpidesk.book.store import Book

        store = Book.open(sys.argv[1], create=False)
        # Killed once the copy is written, before it is moved into place.
        os.fsync = lambda descriptor: os.kill(os.getpid(), signal.SIGKILL)
        backups.take_backup(store, "import")
        """
    )
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", script, str(book)], cwd=REPO, capture_output=True, check=False
        )
        assert result.returncode == -signal.SIGKILL
    folder = backups.backup_folder(book)
    leftovers = [entry for entry in folder.iterdir() if entry.name.endswith(".tmp")]
    assert len(leftovers) == 3
    assert all(entry.name.startswith("~kd") for entry in leftovers)
    for entry in leftovers:
        age(entry, 30)
    assert backups.list_backups(book) == []

    made = take(book, "import", DAY)
    assert sorted(entry.name for entry in folder.iterdir()) == [made.name]


def test_leftovers_and_their_journals_are_removed_only_when_old(tmp_path: Path) -> None:
    book = make_book(tmp_path / "報告.kpidb")
    folder = backups.backup_folder(book)
    folder.mkdir()
    old = folder / ".報告.kpidb-20261101-080000-import.kpidb.k2j4x9_a.tmp"
    old_journal = folder / ".報告.kpidb-20261101-080000-import.kpidb.k2j4x9_a.tmp-journal"
    fresh = folder / ".報告.kpidb-20261130-085959-import.kpidb.q8w7e6r5.tmp"
    someone_elses = folder / "メモ.tmp"
    for path in (old, old_journal, fresh, someone_elses):
        path.write_bytes(b"\0" * 4096)
    for path in (old, old_journal, someone_elses):
        age(path, 60)

    assert sorted(backups.prune(book, 10)) == []  # nothing pruned
    assert not old.exists() and not old_journal.exists()
    assert fresh.exists()  # maybe a backup being written right now
    assert someone_elses.exists()  # not ours


def test_opening_removes_leftovers_even_without_a_new_backup(tmp_path: Path) -> None:
    book = make_book(tmp_path / "報告.kpidb")
    with Book.open(book, create=False) as store:
        assert backups.backup_on_open(store, now=DAY) is not None
        leftover = (
            backups.backup_folder(book) / ".報告.kpidb-20261130-090000-open.kpidb.abcd1234.tmp"
        )
        leftover.write_bytes(b"\0" * 4096)
        age(leftover, 60)
        assert backups.backup_on_open(store, now=DAY + timedelta(hours=1)) is None
    assert not leftover.exists()


def test_a_leftover_another_program_holds_open_is_left_and_the_backup_still_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to remove a file that is open: PermissionError, as it raises it."""
    book = make_book(tmp_path / "報告.kpidb")
    folder = backups.backup_folder(book)
    folder.mkdir()
    held = folder / ".報告.kpidb-20261101-080000-import.kpidb.held0000.tmp"
    loose = folder / ".報告.kpidb-20261102-080000-import.kpidb.loose000.tmp"
    for path in (held, loose):
        path.write_bytes(b"\0" * 4096)
        age(path, 60)
    unlink = Path.unlink

    def windows_unlink(self: Path, missing_ok: bool = False) -> None:
        if self.name == held.name:
            raise PermissionError(13, "プロセスはファイルにアクセスできません", str(self))
        unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", windows_unlink)
    made = take(book, "import", DAY)
    assert made.exists()
    assert held.exists() and not loose.exists()


# --- books that share a stem


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("報告.kpidb", "報告.db"),
        ("報告 v1.2", "報告 v1.3"),  # saved without a suffix: both have the stem 報告 v1
        ("報告", "報告.kpidb"),
    ],
)
def test_books_sharing_a_stem_keep_their_own_backups(
    tmp_path: Path, first: str, second: str
) -> None:
    one = make_book(tmp_path / first, title="一つ目のブック")
    # A copy of the first one (its id comes along) that has gone its own way since.
    take(one, "manual", DAY - timedelta(days=30))
    for backup in backups.list_backups(one):
        backup.path.unlink()
    two = tmp_path / second
    two.write_bytes(one.read_bytes())
    with Book.open(two, create=False) as store:
        sheet = store.find_sheet(2020, "9")
        sheet.title = "二つ目のブック"
        store.save_sheet(sheet)
    assert backups.backup_folder(one) == backups.backup_folder(two)

    for day in range(3):
        take(one, "import", DAY + timedelta(days=day), keep=3)
    for day in range(3, 6):
        take(two, "import", DAY + timedelta(days=day), keep=3)
    take(one, "import", DAY + timedelta(days=6), keep=3)  # prunes only the first one's

    ones, twos = backups.list_backups(one), backups.list_backups(two)
    assert [b.taken_at.day for b in ones] == [6, 2, 1]  # 12-06, 12-02, 12-01
    assert [b.taken_at.day for b in twos] == [5, 4, 3]
    assert {title_of(b.path) for b in ones} == {"一つ目のブック"}
    assert {title_of(b.path) for b in twos} == {"二つ目のブック"}
    assert len(list(backups.backup_folder(one).iterdir())) == 6


def test_a_backup_of_another_book_is_not_put_in_place_of_the_book(tmp_path: Path) -> None:
    book = make_book(tmp_path / "報告.kpidb", title="報告のシート")
    other = make_book(tmp_path / "別の課" / "報告.kpidb", title="別の課のシート")
    stranger = take(other, "manual", DAY)
    take(book, "manual", DAY)
    before = book.read_bytes()

    with pytest.raises(BookError, match="別のブックのもの") as refused:
        backups.restore_over(stranger, book)
    assert "新しいファイルとして復元" in str(refused.value)
    assert "削除" not in str(refused.value)
    assert book.read_bytes() == before
    assert [b.reason for b in backups.list_backups(book)] == ["手動"]  # no safety copy either

    # Restoring it as a new file is still possible.
    copy = tmp_path / "見るだけ.kpidb"
    backups.restore_as_copy(stranger, copy)
    assert title_of(copy) == "別の課のシート"


def test_a_backup_of_the_book_taken_before_it_had_an_id_is_restored(tmp_path: Path) -> None:
    book = make_book(tmp_path / "報告.kpidb", title="最初")
    folder = backups.backup_folder(book)
    folder.mkdir()
    early = folder / "報告.kpidb-20261101-080000-manual.kpidb"
    early.write_bytes(book.read_bytes())  # taken by a version that gave no id
    take(book, "import", DAY)  # the book gets its id now
    with Book.open(book, create=False) as store:
        assert store.identity().book_id
        sheet = store.find_sheet(2020, "9")
        sheet.title = "後の変更"
        store.save_sheet(sheet)

    backups.restore_over(early, book)
    assert title_of(book) == "最初"


# --- backups named by earlier versions


def former_name(book: Path, when: datetime, reason: str) -> str:
    """How earlier versions named a backup: after the book's stem alone."""
    return f"{book.stem}-{when:%Y%m%d-%H%M%S}-{reason}.kpidb"


def test_backups_named_by_an_earlier_version_are_listed_pruned_and_restored(
    tmp_path: Path,
) -> None:
    book = make_book(tmp_path / "報告.kpidb", title="前の版のバックアップ")
    folder = backups.backup_folder(book)
    folder.mkdir()
    for day in range(3):
        (folder / former_name(book, DAY + timedelta(days=day), "import")).write_bytes(
            book.read_bytes()
        )
    with Book.open(book, create=False) as store:
        sheet = store.find_sheet(2020, "9")
        sheet.title = "今"
        store.save_sheet(sheet)

    listed = backups.list_backups(book)
    assert [b.taken_at.day for b in listed] == [2, 1, 30]
    assert {b.reason for b in listed} == {"取り込みの前"}
    backups.restore_over(listed[-1].path, book, keep=3)
    assert title_of(book) == "前の版のバックアップ"

    take(book, "import", DAY + timedelta(days=5), keep=2)
    kept = backups.list_backups(book)
    assert len(kept) == 2 and DAY + timedelta(days=5) in [b.taken_at for b in kept]
    assert sorted(entry.name for entry in folder.iterdir()) == sorted(b.path.name for b in kept)


def test_earlier_backups_of_two_books_sharing_a_stem_go_to_their_own_book(
    tmp_path: Path,
) -> None:
    one = make_book(tmp_path / "報告.kpidb", created_at="2025-04-01T09:00:00", title="一つ目")
    two = make_book(tmp_path / "報告.db", created_at="2025-06-01T09:00:00", title="二つ目")
    folder = backups.backup_folder(one)
    folder.mkdir()
    (folder / former_name(one, DAY, "open")).write_bytes(one.read_bytes())
    (folder / former_name(one, DAY + timedelta(days=1), "open")).write_bytes(two.read_bytes())

    assert [title_of(b.path) for b in backups.list_backups(one)] == ["一つ目"]
    assert [title_of(b.path) for b in backups.list_backups(two)] == ["二つ目"]
    take(one, "import", DAY + timedelta(days=2), keep=1)
    assert [title_of(b.path) for b in backups.list_backups(two)] == ["二つ目"]  # not pruned


@pytest.mark.parametrize(
    "name",
    [
        "報告.kpidb-99999999-999999-import.kpidb",  # no such date
        "報告.kpidb-20261130-090000-IMPORT.kpidb",
        "報告.kpidb-20261130-090000.kpidb",
    ],
)
def test_names_no_backup_of_ours_has_are_not_listed(tmp_path: Path, name: str) -> None:
    book = make_book(tmp_path / "報告.kpidb")
    folder = backups.backup_folder(book)
    folder.mkdir()
    (folder / name).write_bytes(book.read_bytes())
    assert backups.list_backups(book) == []
    take(book, "import", DAY, keep=1)
    assert (folder / name).exists()  # never pruned as ours


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipes_with_a_backups_or_a_namesakes_name_do_not_hang_the_list(
    tmp_path: Path,
) -> None:
    book = make_book(tmp_path / "報告.kpidb")
    folder = backups.backup_folder(book)
    folder.mkdir()
    (folder / former_name(book, DAY, "open")).write_bytes(book.read_bytes())
    pipes = [folder / "報告.kpidb-20261130-090000-import.kpidb", tmp_path / "報告.db"]
    for pipe in pipes:
        os.mkfifo(pipe)
    listed: list[list[backups.Backup]] = []
    worker = threading.Thread(target=lambda: listed.append(backups.list_backups(book)))
    worker.daemon = True
    worker.start()
    worker.join(5)
    if worker.is_alive():
        for pipe in pipes:  # let the blocked reader go before failing
            with contextlib.suppress(OSError):
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("listing the backups hung on a named pipe")
    assert [b.path.name for b in listed[0]] == [former_name(book, DAY, "open")]


#: A ``meta`` that never ends: a view over a recursive query without a limit.
ENDLESS_META = (
    "CREATE VIEW meta(key, value) AS WITH RECURSIVE c(x) AS "
    "(VALUES(1) UNION ALL SELECT x + 1 FROM c) SELECT printf('%d', x), x FROM c"
)


def list_in_child(book: Path, seconds: float = 30) -> list[str]:
    """The names :func:`backups.list_backups` gives, listed in another process that is
    killed when it does not finish in ``seconds`` (a query of the file's own runs on)."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from kpidesk.book import backups
        for backup in backups.list_backups(Path(sys.argv[1])):
            print(backup.path.name)
        """
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", script, str(book)],
            cwd=REPO,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"listing the backups hung for more than {seconds} s")
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("where", ["backup", "namesake"])
def test_a_view_in_an_earlier_backup_or_a_namesake_never_runs(tmp_path: Path, where: str) -> None:
    book = make_book(tmp_path / "報告.kpidb")
    folder = backups.backup_folder(book)
    folder.mkdir()
    mine = folder / former_name(book, DAY, "import")
    mine.write_bytes(book.read_bytes())
    hostile = folder / former_name(book, DAY, "open") if where == "backup" else tmp_path / "報告"
    with contextlib.closing(sqlite3.connect(hostile)) as connection:
        connection.execute(ENDLESS_META)
    if where == "backup":
        with contextlib.closing(sqlite3.connect(tmp_path / "報告.db")) as connection:
            connection.execute("CREATE TABLE x(y)")  # a namesake: identities decide
    assert list_in_child(book) == [mine.name]
    if where == "backup":
        assert Book.open(book, create=False).close() is None
        with pytest.raises(BookError):
            backups.restore_over(hostile, book)
        assert backups.list_backups(book)[0].sheet_count() == samples_count(book)


def samples_count(book: Path) -> int:
    with Book.open(book, create=False, read_only=True) as store:
        return store.count_sheets()


def test_backups_dated_in_the_future_never_push_todays_out(tmp_path: Path) -> None:
    # Ten files named for 2099 (junk, or backups of a PC whose clock is ahead).
    path = tmp_path / "本庁.kpidb"
    samples.create_sample_book(path).close()
    folder = backups.backup_folder(path)
    folder.mkdir()
    for day in range(1, 11):
        (folder / f"209901{day:02d}-000000-open.kpidb").write_bytes(b"not a book")
    with Book.open(path, create=False) as store:
        taken = [backups.take_backup(store, "import", keep=10) for _ in range(3)]
    assert all(backup.exists() for backup in taken)
    listed = backups.list_backups(path)
    assert {backup.path for backup in listed} >= set(taken)
    assert len([b for b in listed if b.taken_at.year == 2099]) == 10  # left alone


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="links need rights")
def test_a_backup_folder_that_links_elsewhere_is_neither_used_nor_pruned(tmp_path: Path) -> None:
    other = tmp_path / "別.kpidb"
    samples.create_sample_book(other).close()
    with Book.open(other, create=False) as store:
        theirs = [backups.take_backup(store, "import", keep=10) for _ in range(3)]
    (tmp_path / "本庁_backups").symlink_to(backups.backup_folder(other))
    leftover = backups.backup_folder(other) / "~kd12345678.tmp"
    leftover.write_bytes(b"someone's file")
    old = (datetime.now() - timedelta(hours=1)).timestamp()
    os.utime(leftover, (old, old))
    book = tmp_path / "本庁.kpidb"
    samples.create_sample_book(book).close()
    with Book.open(book, create=False) as store, pytest.raises(BookError, match="リンク"):
        backups.take_backup(store, "import", keep=1)
    assert backups.list_backups(book) == []
    assert backups.prune(book, 1) == [] and backups.clean_leftovers(book) == []
    assert all(backup.exists() for backup in theirs) and leftover.exists()
