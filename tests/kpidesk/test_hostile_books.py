"""Books made or changed by someone else: SQL stored in them never runs, a -wal never slips past.

Every hostile file is made here: a real book whose schema gained a trigger,
a view, a table, an index or a column, lost or changed one of its own, or
has a ``-wal`` file beside it holding changes. Opening must refuse each one
with a Japanese message naming what is wrong, and leave the file (and its
``-wal``) byte for byte as it was; a book as KPI Desk makes it, fresh or
migrated, still opens.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import sqlite3
import struct
from pathlib import Path

import pytest

import kpidesk.book.errors as errors_module
from kpidesk.book import schemacheck, sqlitefile
from kpidesk.book.errors import (
    BookError,
    ForeignSchemaError,
    NotABookError,
)
from kpidesk.book.schema import APPLICATION_ID, SCHEMA_VERSION
from kpidesk.book.store import Book
from tests.kpidesk.test_store import (
    cruise_sheet,
    make_old_book,
    make_sheet,
    raw,
    traffic_sheet,
)

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_state(folder: Path) -> dict[str, str]:
    """Every file of the folder with the hash of its bytes."""
    return {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    """A real book with three sheets, closed, alone in its folder."""
    folder = tmp_path / "books"
    folder.mkdir()
    path = folder / "報告.kpidb"
    with Book.open(path) as book:
        book.import_sheets([make_sheet(), traffic_sheet(), cruise_sheet()])
    return path


def assert_refused_untouched(
    path: Path, error_type: type[BookError], *words: str, read_only: bool = False
) -> BookError:
    """Open ``path``, expect ``error_type``, and check nothing beside it changed."""
    before = folder_state(path.parent)
    with pytest.raises(error_type) as caught:
        Book.open(path, read_only=read_only)
    assert folder_state(path.parent) == before
    message = str(caught.value)
    assert JAPANESE.search(message)
    for word in words:
        assert word in message
    assert "消して" not in message and "削除して" not in message
    return caught.value


def alter(path: Path, *statements: str) -> None:
    """Run SQL on a closed book with a plain connection, as another tool would."""
    with raw(path) as connection:
        for statement in statements:
            connection.execute(statement)


# --- SQL stored in a book ---------------------------------------------------------

#: (id, statements that make the book hostile, words the refusal must say).
HOSTILE_SCHEMAS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "trigger-deletes-and-changes-figures",
        (
            "CREATE TRIGGER x AFTER INSERT ON history BEGIN"
            " UPDATE sheets SET data = replace(data, '5,081', '9,999');"
            " DELETE FROM sheets WHERE no = '10'; DELETE FROM history WHERE sheet_id < 3; END",
        ),
        ("KPI Desk が作らない仕組み", 'トリガー "x"'),
    ),
    (
        "raise-trigger",
        ("CREATE TRIGGER stop BEFORE UPDATE ON sheets BEGIN SELECT RAISE(ABORT, 'no'); END",),
        ('トリガー "stop"',),
    ),
    (
        "trigger-on-meta",
        (
            "CREATE TRIGGER m AFTER UPDATE ON meta BEGIN"
            " INSERT INTO meta (key, value) VALUES ('x', 'y'); END",
        ),
        ('トリガー "m"',),
    ),
    (
        "view-named-sheets",
        (
            "ALTER TABLE sheets RENAME TO sheets_real",
            "CREATE VIEW sheets AS SELECT * FROM sheets_real WHERE no <> '10'",
        ),
        ('ビュー "sheets"', 'テーブル "sheets_real"'),
    ),
    ("extra-view", ("CREATE VIEW v AS SELECT no FROM sheets",), ('ビュー "v"',)),
    ("extra-table", ("CREATE TABLE notes (x TEXT)",), ('テーブル "notes"',)),
    ("extra-index", ("CREATE INDEX by_title ON sheets (title)",), ('インデックス "by_title"',)),
    (
        "expression-index",
        ("CREATE INDEX odd ON sheets (length(title) % 2)",),
        ('インデックス "odd"',),
    ),
    (
        "extra-column",
        ("ALTER TABLE sheets ADD COLUMN extra TEXT DEFAULT 'x'",),
        ("KPI Desk の作るものと違う", 'テーブル "sheets"'),
    ),
    (
        "check-constraint-in-table",
        (
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = replace(sql, 'title TEXT NOT NULL DEFAULT ''''',"
            " 'title TEXT NOT NULL DEFAULT '''' CHECK (length(title) < 3)') WHERE name = 'sheets'",
        ),
        ('テーブル "sheets"',),
    ),
    (
        "shadow-table-changed",
        (
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = replace(sql, 'block BLOB', 'block BLOB"
            " DEFAULT (randomblob(9))') WHERE name = 'sheets_fts_data'",
        ),
        ('テーブル "sheets_fts_data"',),
    ),
    (
        "many-things",
        (
            "CREATE TABLE a (x)",
            "CREATE TABLE b (x)",
            "CREATE VIEW c AS SELECT 1",
            "CREATE TRIGGER d AFTER INSERT ON a BEGIN DELETE FROM b; END",
        ),
        ('トリガー "d"、ビュー "c"、テーブル "a" ほか 1 件',),
    ),
]


@pytest.mark.parametrize(
    ("statements", "words"),
    [case[1:] for case in HOSTILE_SCHEMAS],
    ids=[case[0] for case in HOSTILE_SCHEMAS],
)
def test_a_book_carrying_sql_of_its_own_is_refused_untouched(
    book_path: Path, statements: tuple[str, ...], words: tuple[str, ...]
) -> None:
    alter(book_path, *statements)

    error = assert_refused_untouched(book_path, ForeignSchemaError, *words)

    assert isinstance(error, NotABookError)
    assert "バックアップから戻してください" in str(error)
    assert_refused_untouched(book_path, ForeignSchemaError, *words, read_only=True)
    with pytest.raises(ForeignSchemaError):
        Book.peek_sheet_count(book_path)


def test_the_trigger_of_the_report_never_runs_on_a_save(book_path: Path) -> None:
    # What the report describes: the first import ran the book's trigger.
    alter(book_path, HOSTILE_SCHEMAS[0][1][0])
    with raw(book_path) as connection:
        before = connection.execute("SELECT no, data, revision FROM sheets").fetchall()

    with pytest.raises(ForeignSchemaError), Book.open(book_path) as book:
        book.import_sheets([make_sheet("11")])

    with raw(book_path) as connection:
        assert connection.execute("SELECT no, data, revision FROM sheets").fetchall() == before
        assert connection.execute("SELECT count(*) FROM history").fetchone()[0] == 3


def test_an_older_book_carrying_a_trigger_is_refused_before_any_backup_or_migration(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v2.kpidb"
    make_old_book(path, make_sheet(), version=2)
    alter(path, "CREATE TRIGGER t AFTER UPDATE ON sheets BEGIN DELETE FROM history; END")

    assert_refused_untouched(path, ForeignSchemaError, 'トリガー "t"')

    assert sorted(p.name for p in tmp_path.iterdir()) == ["v2.kpidb"]  # no backup folder
    with raw(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2


#: Changes to the triggers schema 2 to 4 kept the search index with (none since 5).
OWN_TRIGGER_CHANGES = [
    (
        (
            "DROP TRIGGER sheets_au",
            "CREATE TRIGGER sheets_au AFTER UPDATE ON sheets BEGIN DELETE FROM history; END",
        ),
        ('トリガー "sheets_au"', "違う"),
    ),
    (("DROP TRIGGER sheets_ai",), ('トリガー "sheets_ai"', "欠けて")),
]


@pytest.mark.parametrize(("statements", "words"), OWN_TRIGGER_CHANGES, ids=["replaced", "missing"])
def test_an_older_book_whose_own_triggers_were_changed_is_refused_untouched(
    tmp_path: Path, statements: tuple[str, ...], words: tuple[str, ...]
) -> None:
    path = tmp_path / "v4.kpidb"
    make_old_book(path, make_sheet(), version=4)
    alter(path, *statements)

    assert_refused_untouched(path, ForeignSchemaError, *words)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["v4.kpidb"]  # no backup folder


def test_a_name_from_the_file_is_shown_safely(book_path: Path) -> None:
    name = "a\nb\x1b[31m" + "長" * 100
    quoted = name.replace('"', '""')
    alter(book_path, f'CREATE TABLE "{quoted}" (x)')

    error = assert_refused_untouched(book_path, ForeignSchemaError)

    message = str(error)
    assert "\n" not in message and "\x1b" not in message
    assert 'テーブル "a?b?[31m' in message
    assert "長" * 40 not in message and "…" in message


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
def test_books_made_by_every_version_open_and_migrate(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.kpidb"
    make_old_book(path, make_sheet(), version=version)

    with Book.open(path) as book:
        assert book.list_sheets(query="認知件数") == [make_sheet()]
        book.save_sheet(make_sheet("11"))
    with Book.open(path) as book:  # the migrated book passes the check as well
        assert book.count_sheets() == 2
    with Book.open(path, read_only=True) as book:
        assert book.count_sheets() == 2


def test_a_migrated_book_has_the_schema_of_a_new_one(tmp_path: Path) -> None:
    old, new = tmp_path / "old.kpidb", tmp_path / "new.kpidb"
    make_old_book(old, make_sheet(), version=1)
    Book.open(old).close()
    Book.open(new).close()

    with raw(old) as a, raw(new) as b:
        assert schemacheck.read_schema(a) == schemacheck.read_schema(b)
        assert schemacheck.read_schema(a) == dict(schemacheck.expected_schema(SCHEMA_VERSION))


def test_quoting_written_by_older_sqlite_utils_is_accepted(tmp_path: Path) -> None:
    # sqlite-utils 3 quoted identifiers with brackets: [sheets_fts], new.[no], in
    # the search index and triggers of schema 2 to 4.
    path = tmp_path / "v4.kpidb"
    make_old_book(path, make_sheet(), version=4)
    with raw(path) as connection:
        rows = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            " OR name IN ('meta', 'sheets_fts')"
        ).fetchall()
        connection.execute("PRAGMA writable_schema = ON")
        for name, sql in rows:
            bracketed = re.sub(r'"([^"]*)"', r"[\1]", sql).replace("BEGIN\n", "BEGIN ")
            assert bracketed != sql
            connection.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", [bracketed, name])

    with Book.open(path) as book:
        saved = book.save_sheet(make_sheet("11", title="詐欺の相談件数"))
        assert book.search_ids("相談件数") == {saved.id}


def test_statistics_written_by_analyze_are_accepted(book_path: Path) -> None:
    alter(book_path, "ANALYZE")
    with raw(book_path) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "sqlite_stat1" in names

    with Book.open(book_path) as book:
        book.save_sheet(make_sheet("11"))
        assert book.count_sheets() == 4


def test_a_changed_statistics_table_is_refused(book_path: Path) -> None:
    alter(
        book_path,
        "ANALYZE",
        "PRAGMA writable_schema = ON",
        "UPDATE sqlite_master SET sql = 'CREATE TABLE sqlite_stat1(tbl,idx,stat,x DEFAULT 1)'"
        " WHERE name = 'sqlite_stat1'",
    )

    assert_refused_untouched(book_path, ForeignSchemaError, 'テーブル "sqlite_stat1"')


def test_sql_tokens_ignore_spacing_comments_and_quoting_only() -> None:
    tokens = schemacheck.sql_tokens
    assert tokens('CREATE TABLE "meta" ( "key" TEXT )') == tokens(
        "create table [meta] (`key` text) -- note\n"
    )
    assert tokens("SELECT 'a  b'") != tokens("SELECT 'a b'")
    assert tokens('SELECT "x"') != tokens("SELECT x")  # a quoted word is not a keyword
    assert tokens("SELECT 1 /* c */ + 2") == tokens("SELECT 1+2")
    assert tokens(None) == ()
    # Unclosed quotes and comments end at the end of the text, in linear time.
    assert tokens("'" + "a" * 100_000)[0][0] == "string"
    assert tokens("/*" + "*" * 100_000) == ()


def test_every_connection_is_hardened(book_path: Path) -> None:
    with sqlitefile.open_checker(sqlitefile.file_uri(book_path, "ro"), 1.0) as checker:
        assert checker.execute("PRAGMA trusted_schema").fetchone()[0] == 0
    with Book.open(book_path, read_only=True) as book:
        assert book._db.conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0
    # A book that writes trusts its own (checked) schema only while it migrates.
    old = book_path.with_name("v4.kpidb")
    make_old_book(old, make_sheet(), version=4)
    for path in (book_path, old):
        with Book.open(path) as book:
            assert book._db.conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0
            book.save_sheet(make_sheet("11"))
            assert book.search_ids("認知件数")
    connection = sqlitefile.connect(sqlitefile.file_uri(book_path, "rw"), uri=True)
    try:
        assert connection.execute("PRAGMA trusted_schema").fetchone()[0] == 0
        if hasattr(connection, "getconfig"):
            assert connection.getconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE)
            assert not connection.getconfig(sqlite3.SQLITE_DBCONFIG_ENABLE_VIEW)
    finally:
        connection.close()


# --- a -wal beside the file ---------------------------------------------------------


def with_wal(
    source: Path, target: Path, *statements: str, header_from_before: bool = False
) -> None:
    """Make ``target`` and ``target-wal`` as a program in WAL mode leaves them while open.

    The statements run on a copy of ``source`` in WAL mode; the file and its
    ``-wal`` are copied before that connection closes (closing would merge them).

    Args:
        header_from_before: ``target`` is ``source`` as it was before WAL mode
            (its header says rollback journal), with the ``-wal`` beside it.
    """
    scratch = source.with_name(f"scratch-{target.name}")
    shutil.copyfile(source, scratch)
    with raw(scratch) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA wal_autocheckpoint = 0")
        for statement in statements:
            connection.execute(statement)
        shutil.copyfile(source if header_from_before else scratch, target)
        shutil.copyfile(f"{scratch}-wal", f"{target}-wal")
    scratch.unlink()


def test_another_programs_file_with_a_wal_is_refused_unchanged(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    alter(empty, "CREATE TABLE t (x)", "DROP TABLE t")  # an empty SQLite file: ours to use
    folder = tmp_path / "other"
    folder.mkdir()
    path = folder / "顧客.kpidb"
    with_wal(
        empty,
        path,
        "PRAGMA application_id = 1234",
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
        "INSERT INTO customers (name) VALUES ('山田')",
    )
    with raw(empty) as connection:  # the file alone still looks like an empty SQLite file
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0

    error = assert_refused_untouched(path, NotABookError, "他のプログラム", "顧客.kpidb-wal")

    assert "変更していません" in str(error)
    assert_refused_untouched(path, NotABookError, "他のプログラム", read_only=True)


@pytest.mark.parametrize("header_from_before", [False, True], ids=["wal-header", "rollback-header"])
def test_a_trigger_in_a_wal_is_refused_unchanged(
    book_path: Path, tmp_path: Path, header_from_before: bool
) -> None:
    path = tmp_path / "books" / "hostile.kpidb"
    with_wal(
        book_path,
        path,
        "CREATE TRIGGER x AFTER INSERT ON history BEGIN DELETE FROM sheets; END",
        header_from_before=header_from_before,
    )

    error = assert_refused_untouched(path, ForeignSchemaError, 'トリガー "x"', "hostile.kpidb-wal")

    assert error.entries == ['トリガー "x"']


def wal_checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes), continued from (s0, s1)."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for x0, x1 in zip(words[::2], words[1::2], strict=True):
        s0 = (s0 + x0 + s1) & 0xFFFFFFFF
        s1 = (s1 + x1 + s0) & 0xFFFFFFFF
    return s0, s1


def damage_a_wal_page(wal: Path, page_number: int, offset: int, junk: bytes) -> None:
    """Write ``junk`` into the last copy of a page in a -wal, keeping every checksum valid."""
    data = bytearray(wal.read_bytes())
    magic, _, page_size = struct.unpack(">III", data[:12])
    big_endian = bool(magic & 1)
    frame_size = 24 + page_size
    frames = range(32, len(data) - frame_size + 1, frame_size)
    damaged = max(f for f in frames if struct.unpack(">I", data[f : f + 4])[0] == page_number)
    start = damaged + 24 + offset
    data[start : start + len(junk)] = junk
    s0, s1 = struct.unpack(">II", data[24:32])
    for frame in frames:
        s0, s1 = wal_checksum(bytes(data[frame : frame + 8]), s0, s1, big_endian)
        s0, s1 = wal_checksum(bytes(data[frame + 24 : frame + frame_size]), s0, s1, big_endian)
        data[frame + 16 : frame + 24] = struct.pack(">II", s0, s1)
    wal.write_bytes(bytes(data))


def test_a_damaged_page_in_a_wal_is_not_merged_into_a_healthy_book(tmp_path: Path) -> None:
    source = tmp_path / "source.kpidb"
    with Book.open(source) as book:
        book.import_sheets([make_sheet(str(n)) for n in range(1, 41)])
    with raw(source) as connection:
        [root] = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'sheets'"
        ).fetchone()
    page = source.read_bytes()[(root - 1) * 4096 : root * 4096]
    assert page[0] == 0x05  # an interior page: its right-most child is a leaf
    leaf = int.from_bytes(page[8:12], "big")
    folder = tmp_path / "books"
    folder.mkdir()
    path = folder / "healthy.kpidb"
    with_wal(source, path, "UPDATE sheets SET title = title || '（改）'")
    damage_a_wal_page(Path(f"{path}-wal"), leaf, 8, b"\xff" * 16)
    # The damage is in what SQLite would read: the file with its -wal.
    check = tmp_path / "check"
    check.mkdir()
    shutil.copyfile(path, check / "c.kpidb")
    shutil.copyfile(f"{path}-wal", check / "c.kpidb-wal")
    with raw(check / "c.kpidb") as connection:
        assert connection.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok"

    assert_refused_untouched(path, NotABookError, "壊れて", "healthy.kpidb-wal")

    # The book itself was never touched: without the -wal it is still whole.
    alone = tmp_path / "alone.kpidb"
    shutil.copyfile(path, alone)
    with Book.open(alone) as book:
        assert book.count_sheets() == 40


def test_a_books_own_changes_in_a_wal_are_checked_then_kept(
    book_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "books" / "edited.kpidb"
    with_wal(book_path, path, "UPDATE sheets SET title = '交通事故死傷者数' WHERE no = '10'")

    assert_refused_untouched(
        path, BookError, "edited.kpidb-wal", "読み取り専用では開けません", read_only=True
    )

    with Book.open(path) as book:
        titles = {entry.no: entry.title for entry in book.list_entries()}
        assert titles["10"] == "交通事故死傷者数"
        book.save_sheet(make_sheet("11"))
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    with raw(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


# --- messages -----------------------------------------------------------------------


def test_no_message_invites_deleting_files() -> None:
    texts = [value for value in vars(errors_module).values() if isinstance(value, str)]
    assert len(texts) > 10
    for text in texts:
        assert not re.search(r"(消|削除|消去)して", text), text
    assert "消したり" in errors_module.NOT_ROLLED_BACK  # it says not to


def test_a_save_whose_rollback_cannot_be_confirmed_says_so_and_keeps_the_journal(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The book is made to run out of pages (SQLITE_FULL); the rollback is
    # then made to report that it could not be confirmed, as when the disk
    # fails for the rollback too.
    real_roll_back = sqlitefile.roll_back

    def unconfirmed(connection: sqlite3.Connection, *, settle: bool = False) -> bool:
        real_roll_back(connection, settle=settle)
        return not settle

    monkeypatch.setattr(sqlitefile, "roll_back", unconfirmed)
    with Book.open(book_path) as book:
        pages = book._db.conn.execute("PRAGMA page_count").fetchone()[0]
        book._db.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(errors_module.DiskFullError) as caught:
            book.import_sheets([make_sheet(str(n), title="長い" * 450) for n in range(100, 200)])

    message = str(caught.value)
    assert "戻せたことも確かめられませんでした" in message
    assert "「報告.kpidb-journal」" in message and "消したり" in message
    assert "ブックは保存前のままです" not in message
    assert "開き直すと、保存前の状態に戻ります" in message


def test_an_empty_wal_beside_a_book_holds_no_changes(book_path: Path) -> None:
    Path(f"{book_path}-wal").write_bytes(b"")
    before = folder_state(book_path.parent)

    with Book.open(book_path, read_only=True) as book:
        assert book.count_sheets() == 3
    assert folder_state(book_path.parent) == before

    with Book.open(book_path) as book:
        book.save_sheet(make_sheet("11"))
    # SQLite leaves an empty -wal of a book in rollback mode alone, and so does KPI Desk.
    assert sorted(p.name for p in book_path.parent.iterdir()) == [book_path.name, "報告.kpidb-wal"]
    assert Path(f"{book_path}-wal").read_bytes() == b""
    with Book.open(book_path, read_only=True) as book:
        assert book.count_sheets() == 4


def test_a_journal_that_would_put_a_trigger_back_leaves_book_and_journal_untouched(
    book_path: Path,
) -> None:
    # A hot journal holds the pages a save changed, as they were before; made
    # from a book with a trigger, rolling it back puts the trigger in place.
    crafted = book_path.with_name("crafted.kpidb")
    alter(book_path, HOSTILE_SCHEMAS[0][1][0])
    with raw(book_path) as connection:
        connection.execute("PRAGMA cache_size = 2")  # spill changed pages into the file
        connection.execute("BEGIN")
        connection.execute("DROP TRIGGER x")
        for _ in range(4):
            connection.execute("UPDATE sheets SET data = data || data")
        connection.execute("UPDATE sheets_fts SET search_text = 'x' || search_text")
        shutil.copyfile(book_path, crafted)
        shutil.copyfile(f"{book_path}-journal", f"{crafted}-journal")
        connection.execute("ROLLBACK")
    before = {p.name: sha256(p) for p in crafted.parent.iterdir() if p.name.startswith("crafted")}
    assert sorted(before) == ["crafted.kpidb", "crafted.kpidb-journal"]

    with pytest.raises(ForeignSchemaError) as caught:
        Book.open(crafted)

    after = {p.name: sha256(p) for p in crafted.parent.iterdir() if p.name.startswith("crafted")}
    assert after == before
    message = str(caught.value)
    assert 'トリガー "x"' in message and "「crafted.kpidb-journal」" in message
    assert "消して" not in message and "削除して" not in message


# --- rows another program left inconsistent ----------------------------------------

#: (id, SQL run behind KPI Desk's back, the command run next).
INCONSISTENT_ROWS = [
    (
        "history-row-of-the-next-sheet",
        "INSERT INTO history (sheet_id, revision, report_year, no, data, saved_at)"
        " VALUES (4, 1, 2020, 'x', '{}', '')",
        "import-new",
    ),
    (
        "history-row-of-the-next-revision",
        "INSERT INTO history (sheet_id, revision, report_year, no, data, saved_at)"
        " VALUES (1, 2, 2020, 'x', '{}', '')",
        "import-replace",
    ),
    ("revision-as-text", "UPDATE sheets SET revision = 'x' WHERE id = 1", "import-replace"),
    (
        "no-in-the-json-differs",
        "UPDATE sheets SET data = json_set(data, '$.no', '10') WHERE id = 1",
        "rollover",
    ),
    (
        "year-in-the-json-differs",
        "UPDATE sheets SET data = json_set(data, '$.report_year', 2021) WHERE id = 1",
        "rollover",
    ),
]


@pytest.mark.parametrize(
    ("statement", "command"),
    [case[1:] for case in INCONSISTENT_ROWS],
    ids=[case[0] for case in INCONSISTENT_ROWS],
)
def test_rows_left_inconsistent_by_another_program_are_said_so_and_nothing_is_written(
    book_path: Path, tmp_path: Path, statement: str, command: str
) -> None:
    import io

    from kpidesk import cli
    from kpidesk.exchange import jsonio

    alter(book_path, statement)
    rows = "SELECT * FROM sheets ORDER BY id", "SELECT * FROM history ORDER BY id"
    with raw(book_path) as connection:
        before = [connection.execute(sql).fetchall() for sql in rows]
    source = tmp_path / "sheets.json"
    sheets = [make_sheet("11")] if command == "import-new" else [make_sheet(), traffic_sheet()]
    source.write_text(jsonio.dumps(sheets), encoding="utf-8")
    arguments = {
        "import-new": ["import-json", str(source)],
        "import-replace": ["import-json", str(source), "--replace"],
        "rollover": ["rollover", "--from", "2020"],
    }[command]
    err = io.StringIO()

    code = cli.main([*arguments, "--db", str(book_path)], out=io.StringIO(), err=err)

    assert code == cli.EXIT_FAILED, err.getvalue()
    message = err.getvalue()
    assert JAPANESE.search(message) and "予期しないエラー" not in message
    assert "消して" not in message and "削除して" not in message
    with raw(book_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [connection.execute(sql).fetchall() for sql in rows] == before


# --- the full-text index: derived data, made anew when it was changed -------------


def test_an_index_whose_settings_were_changed_is_made_anew_on_opening(book_path: Path) -> None:
    alter(book_path, "INSERT OR REPLACE INTO sheets_fts_config VALUES ('version', 99)")

    with Book.open(book_path) as book:
        saved = book.save_sheet(make_sheet("11", title="詐欺の相談件数"))
        assert book.search_ids("相談件数") == {saved.id}
        assert book.search_ids("認知件数") == {book.find_sheet(2020, "9").id}


def test_a_damaged_index_is_made_anew_and_the_save_can_be_repeated(book_path: Path) -> None:
    with raw(book_path) as connection:
        connection.execute("UPDATE sheets_fts_data SET block = randomblob(length(block))")

    with Book.open(book_path) as book:
        sheet = book.find_sheet(2020, "9")
        sheet.title = "刑法犯の認知件数"
        with pytest.raises(BookError) as refused:
            book.save_sheet(sheet)
        message = str(refused.value)
        assert "索引" in message and "作り直しました" in message and "もう一度保存" in message
        assert book.find_sheet(2020, "9").title == "刑法犯認知件数"  # nothing was saved
        saved = book.save_sheet(sheet)
        assert book.search_ids("刑法犯の認知") == {saved.id}


def test_a_damaged_index_is_made_anew_when_a_search_needs_it(book_path: Path) -> None:
    with raw(book_path) as connection:
        connection.execute("UPDATE sheets_fts_data SET block = randomblob(length(block))")

    with Book.open(book_path, read_only=True) as book, pytest.raises(BookError) as refused:
        book.search_ids("認知件数")
    assert "読み取り専用" in str(refused.value) and "索引" in str(refused.value)
    with Book.open(book_path) as book:
        assert book.search_ids("認知件数") == {book.find_sheet(2020, "9").id}


@pytest.mark.parametrize("table", ["sheets", "history"])
def test_numbers_run_out_by_another_program_are_not_called_a_full_disk(
    book_path: Path, table: str
) -> None:
    alter(book_path, f"UPDATE sqlite_sequence SET seq = {2**63 - 1} WHERE name = '{table}'")

    with Book.open(book_path) as book, pytest.raises(BookError) as refused:
        book.save_sheet(make_sheet("11"))
        book.save_sheet(dataclasses.replace(book.find_sheet(2020, "9"), title="x"))
    message = str(refused.value)
    assert "番号が上限に達している" in message and "ディスク" not in message
    with Book.open(book_path) as book:
        assert book.count_sheets() == 3


@pytest.mark.parametrize("column", ["title", "no", "departments_json", "eval_reason"])
def test_text_that_is_not_utf8_is_read_with_u_fffd_not_a_failure(
    book_path: Path, column: str
) -> None:
    alter(book_path, f"UPDATE sheets SET {column} = CAST(x'fffe41' AS TEXT) WHERE no = '10'")

    for read_only in (True, False):
        with Book.open(book_path, read_only=read_only) as book:
            entries = book.list_entries()
            assert len(entries) >= 2
            texts = [entry.title for entry in entries] + [entry.no for entry in entries]
            assert column in ("departments_json", "eval_reason") or any(
                "\ufffd" in text for text in texts
            )
            assert book.search_ids("認知件数") == {book.find_sheet(2020, "9").id}


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="links need rights")
def test_a_link_to_a_book_with_a_wal_is_checked_where_sqlite_looks(
    book_path: Path, tmp_path: Path
) -> None:
    # SQLite keeps the -wal beside the file a link leads to, not beside the link.
    target = tmp_path / "elsewhere" / "real.kpidb"
    target.parent.mkdir()
    with_wal(book_path, target, HOSTILE_SCHEMAS[0][1][0])
    link = book_path.parent / "link.kpidb"
    link.symlink_to(target)
    before = folder_state(target.parent)

    with pytest.raises(ForeignSchemaError):
        Book.open(link)

    assert folder_state(target.parent) == before


def test_a_sheet_left_out_of_the_index_is_put_back_on_opening(book_path: Path) -> None:
    with raw(book_path) as connection:
        nine = connection.execute("SELECT id FROM sheets WHERE no = '9'").fetchone()[0]
        connection.execute("DELETE FROM sheets_fts WHERE rowid = ?", [nine])

    with Book.open(book_path, read_only=True) as book:
        assert book.search_ids("認知件数") == set()  # read-only: nothing is written
    with Book.open(book_path) as book:
        assert book.search_ids("認知件数") == {nine}


@pytest.mark.parametrize("suffix", ["-journal", "-wal"])
def test_a_huge_sparse_file_beside_a_book_is_refused_without_copying_it(
    book_path: Path, suffix: str
) -> None:
    side = Path(f"{book_path}{suffix}")
    with side.open("wb") as stream:
        stream.write(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" if suffix == "-journal" else b"\x37\x7f")
        stream.truncate(5 * 1024**3)  # 5 GB that take no room on the disk

    def state() -> tuple[str, dict[str, tuple[int, int]]]:
        files = {
            p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in book_path.parent.iterdir()
        }
        return sha256(book_path), files

    before = state()
    with pytest.raises(NotABookError) as refused:
        Book.open(book_path)

    message = str(refused.value)
    assert f"「報告.kpidb{suffix}」" in message and "大きすぎる" in message
    assert "消して" not in message and "削除して" not in message
    assert state() == before


def test_a_damaged_index_that_makes_sqlite_run_out_of_memory_is_made_anew(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite says "out of memory" (Python's MemoryError) when a damaged index
    # entry claims an impossible size; which error comes depends on the damage.
    from kpidesk.book import rows

    real_index = rows._index
    calls: list[int] = []

    def damaged(*args: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise MemoryError
        real_index(*args)

    monkeypatch.setattr(rows, "_index", damaged)
    with Book.open(book_path) as book:
        sheet = book.find_sheet(2020, "9")
        sheet.title = "刑法犯の認知件数"
        with pytest.raises(BookError) as refused:
            book.save_sheet(sheet)
        assert "作り直しました" in str(refused.value)
        assert book.find_sheet(2020, "9").title == "刑法犯認知件数"
        saved = book.save_sheet(sheet)
        assert book.search_ids("刑法犯の認知") == {saved.id}
