"""Tests for kpidesk.book.store: the book of sheets in one SQLite file."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlite_utils import Database

import kpidesk.book.schema as schema_module
import kpidesk.book.sqlitefile as sqlitefile_module
from kpidesk import evaluation
from kpidesk.book.errors import (
    BookError,
    BusyError,
    DiskFullError,
    DuplicateSheetError,
    NewerVersionError,
    NotABookError,
    NotFoundError,
    ReadOnlyError,
    ReadOnlyFileError,
    StaleRevisionError,
)
from kpidesk.book.rows import rank_rows_text
from kpidesk.book.schema import APPLICATION_ID, SCHEMA_VERSION
from kpidesk.book.store import Book, HistoryEntry
from kpidesk.exchange import jsonio
from kpidesk.model import Cell, ListEntry, Sheet, ValueRow, latest_and_target, list_sort_key
from tests.conftest import a_leaf_page, damage_a_page

FRAUD_BULLET = "電話で『お金』詐欺の被害が増えたため、金融機関と連携して声かけを行った。"
ISO_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def make_sheet(
    no: str = "9",
    *,
    report_year: int = 2020,
    departments: tuple[str, ...] = ("生活安全企画課",),
    title: str = "刑法犯認知件数",
    efforts: tuple[str, ...] = (FRAUD_BULLET, "防犯ボランティアの活動を支援した。"),
    issues: tuple[str, ...] = ("高齢者の被害が多い。",),
    direction: tuple[str, ...] = ("広報を強化する。",),
    section: str = "2 新型コロナウイルス感染症 を踏まえた対応",
) -> Sheet:
    """A sheet shaped like the published ones (four actual years, one row)."""
    return Sheet(
        report_year=report_year,
        no=no,
        departments=list(departments),
        title=title,
        section=section,
        baseline_year=2019,
        actual_years=[2020, 2021, 2022, 2023],
        target_year=2023,
        rows=[
            ValueRow(
                label="単年",
                unit="件/年",
                baseline=Cell("6,498"),
                actuals=[Cell("5,081"), Cell("△1,417"), Cell("集計中"), Cell("")],
                target=Cell("前年比減"),
            )
        ],
        efforts=list(efforts),
        issues=list(issues),
        direction=list(direction),
    )


def traffic_sheet(report_year: int = 2020) -> Sheet:
    return make_sheet(
        "10",
        report_year=report_year,
        departments=("交通企画課",),
        title="交通事故死者数",
        efforts=("交通安全教室を開いた。",),
        issues=("高齢運転者の事故が多い。",),
        direction=("啓発を続ける。",),
    )


def cruise_sheet(report_year: int = 2020) -> Sheet:
    return make_sheet(
        "28",
        report_year=report_year,
        departments=("観光振興課", "港湾課"),
        title="クルーズ船寄港数",
        efforts=("達成率100%を目指して誘致を行った。",),
        issues=("感染症の影響で寄港が中止された。",),
        direction=("受入れ体制を整える。",),
    )


def book_fields(sheet: Sheet) -> dict[str, object]:
    """Every field of a sheet, bookkeeping included."""
    return dataclasses.asdict(sheet)


def nos(sheets: list[Sheet]) -> list[tuple[int, str]]:
    return [(sheet.report_year, sheet.no) for sheet in sheets]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(path: Path) -> list[str]:
    """Journal, WAL or shared-memory files beside ``path``."""
    return sorted(
        p.name
        for p in path.parent.iterdir()
        if p.name in {f"{path.name}-journal", f"{path.name}-wal", f"{path.name}-shm"}
    )


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection that is always closed."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def pragma(path: Path, name: str) -> object:
    with raw(path) as connection:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]


@pytest.fixture(name="store")
def store_fixture() -> Iterator[Book]:
    """An empty in-memory book."""
    with Book.memory() as book:
        yield book


@pytest.fixture
def filled(store: Book) -> Book:
    """A book with No 9, 10, 28 of 2020 and No 9 of 2021."""
    store.import_sheets(
        [make_sheet(), traffic_sheet(), cruise_sheet(), make_sheet(report_year=2021)]
    )
    return store


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    """A real book on disk with three sheets, closed."""
    path = tmp_path / "book.kpidb"
    with Book.open(path) as book:
        book.import_sheets([make_sheet(), traffic_sheet(), cruise_sheet()])
    return path


# --- saving and loading -----------------------------------------------------------


def test_save_and_load_round_trip_keeps_every_field(store: Book) -> None:
    sheet = make_sheet()

    saved = store.save_sheet(sheet)
    loaded = store.get_sheet(saved.id or 0)

    assert saved == sheet
    assert loaded == sheet
    assert book_fields(loaded) == book_fields(saved)
    assert isinstance(saved.id, int)
    assert saved.revision == 1
    assert ISO_SECONDS.match(saved.updated_at)
    assert loaded.rows[0].actuals[1].text == "△1,417"
    assert loaded.efforts[0] == FRAUD_BULLET
    # The caller's object is not touched.
    assert (sheet.id, sheet.revision, sheet.updated_at) == (None, 0, "")


def test_saved_copy_does_not_share_lists_with_the_callers_sheet(store: Book) -> None:
    sheet = make_sheet()
    saved = store.save_sheet(sheet)

    saved.efforts.append("追加")
    saved.rows[0].unit = "人/年"

    assert sheet.efforts == list(make_sheet().efforts)
    assert sheet.rows[0].unit == "件/年"


def test_find_sheet_by_year_and_no(filled: Book) -> None:
    found = filled.find_sheet(2021, "9")

    assert found is not None
    assert found.key == (2021, "9")
    assert found == make_sheet(report_year=2021)
    assert filled.find_sheet(2021, "10") is None
    assert filled.find_sheet(2020, "９") is None


def test_get_sheet_unknown_id_raises_not_found(store: Book) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.get_sheet(999)
    assert "見つかりません" in str(caught.value)


def test_revision_goes_up_by_one_per_save(store: Book) -> None:
    first = store.save_sheet(make_sheet())
    second = store.save_sheet(dataclasses.replace(first, title="刑法犯認知件数（改）"))
    third = store.save_sheet(second)

    assert [first.revision, second.revision, third.revision] == [1, 2, 3]
    assert first.id == second.id == third.id
    assert store.get_sheet(first.id or 0).revision == 3
    assert store.count_sheets() == 1


def test_stale_save_is_refused_and_the_book_keeps_the_other_save(store: Book) -> None:
    saved = store.save_sheet(make_sheet())
    mine = store.get_sheet(saved.id or 0)
    theirs = store.get_sheet(saved.id or 0)
    store.save_sheet(dataclasses.replace(theirs, title="他の人の変更"))

    with pytest.raises(StaleRevisionError) as caught:
        store.save_sheet(dataclasses.replace(mine, title="私の変更"))

    error = caught.value
    assert (error.sheet_id, error.expected, error.actual) == (saved.id, 1, 2)
    assert "別の場所で変更されています" in str(error)
    current = store.get_sheet(saved.id or 0)
    assert current.title == "他の人の変更"
    assert current.revision == 2
    assert [entry.revision for entry in store.history(saved.id or 0)] == [2, 1]


def test_stale_save_is_refused_across_two_connections(book_path: Path) -> None:
    with Book.open(book_path) as first, Book.open(book_path) as second:
        mine = first.find_sheet(2020, "9")
        theirs = second.find_sheet(2020, "9")
        assert mine is not None and theirs is not None
        second.save_sheet(dataclasses.replace(theirs, title="別のPCで保存"))

        with pytest.raises(StaleRevisionError):
            first.save_sheet(dataclasses.replace(mine, title="このPCで保存"))

        reread = first.find_sheet(2020, "9")
        assert reread is not None
        assert (reread.title, reread.revision) == ("別のPCで保存", 2)


def test_saving_a_deleted_sheet_raises_not_found(store: Book) -> None:
    saved = store.save_sheet(make_sheet())
    store.delete_sheet(saved.id or 0)

    with pytest.raises(NotFoundError):
        store.save_sheet(saved)
    assert store.count_sheets() == 0


def test_new_sheet_with_an_existing_key_is_refused(filled: Book) -> None:
    with pytest.raises(DuplicateSheetError) as caught:
        filled.save_sheet(make_sheet(title="別の指標"))

    assert caught.value.keys == [(2020, "9")]
    assert str(caught.value) == "2020年度 No 9 は既にあります"
    assert filled.count_sheets() == 4
    assert filled.find_sheet(2020, "9") == make_sheet()


def test_changing_the_key_to_another_sheets_key_is_refused(filled: Book) -> None:
    traffic = filled.find_sheet(2020, "10")
    assert traffic is not None

    with pytest.raises(DuplicateSheetError) as caught:
        filled.save_sheet(dataclasses.replace(traffic, no="9"))

    assert caught.value.keys == [(2020, "9")]
    unchanged = filled.find_sheet(2020, "10")
    assert unchanged is not None and unchanged.revision == 1
    moved = filled.save_sheet(dataclasses.replace(traffic, no="11"))
    assert moved.key == (2020, "11")
    assert filled.find_sheet(2020, "10") is None


def test_a_sheet_the_book_could_not_read_back_is_refused(store: Book) -> None:
    empty_no = make_sheet(no=" ")
    wrong_row = make_sheet()
    wrong_row.rows[0].actuals.pop()

    for sheet in (empty_no, wrong_row):
        with pytest.raises(BookError) as caught:
            store.save_sheet(sheet)
        assert "保存できません" in str(caught.value)
    with pytest.raises(BookError):
        store.import_sheets([traffic_sheet(), wrong_row])
    assert store.count_sheets() == 0


# --- history ------------------------------------------------------------------------


def test_history_keeps_every_save_newest_first(store: Book) -> None:
    first = store.save_sheet(make_sheet())
    second = store.save_sheet(dataclasses.replace(first, title="二回目"))
    store.save_sheet(dataclasses.replace(second, title="三回目", efforts=["書き直した。"]))

    entries = store.history(first.id or 0)

    assert all(isinstance(entry, HistoryEntry) for entry in entries)
    assert [entry.revision for entry in entries] == [3, 2, 1]
    assert [entry.sheet.title for entry in entries] == ["三回目", "二回目", "刑法犯認知件数"]
    assert entries[0].sheet.efforts == ["書き直した。"]
    assert entries[2].sheet == make_sheet()
    assert [entry.sheet.revision for entry in entries] == [3, 2, 1]
    assert all(entry.sheet.id == first.id for entry in entries)
    assert all(ISO_SECONDS.match(entry.saved_at) for entry in entries)
    assert entries[0].saved_at == store.get_sheet(first.id or 0).updated_at


def test_history_of_a_deleted_sheet_stays_and_ids_are_not_reused(store: Book) -> None:
    store.save_sheet(traffic_sheet())
    doomed = store.save_sheet(make_sheet())
    store.save_sheet(dataclasses.replace(doomed, title="消す前"))
    store.delete_sheet(doomed.id or 0)

    newcomer = store.save_sheet(cruise_sheet())

    assert [entry.sheet.title for entry in store.history(doomed.id or 0)] == [
        "消す前",
        "刑法犯認知件数",
    ]
    assert newcomer.id != doomed.id
    assert [entry.revision for entry in store.history(newcomer.id or 0)] == [1]
    assert store.history(12345) == []


# --- search -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("認知件数", [(2020, "9"), (2021, "9")]),  # FTS trigram
        ("詐欺", [(2020, "9"), (2021, "9")]),  # two characters: LIKE
        ("お金", [(2020, "9"), (2021, "9")]),  # inside 『』
        ("交通企画課", [(2020, "10")]),  # a department
        ("港湾課", [(2020, "28")]),  # the second of two departments
        ("28", [(2020, "28")]),  # a No
        ("寄港", [(2020, "28")]),
        ("クルーズ船　寄港", [(2020, "28")]),  # full-width space: AND
        ("認知件数 交通", []),  # AND of two terms found in different sheets
        ("存在しない言葉", []),
        ("", [(2020, "9"), (2021, "9"), (2020, "10"), (2020, "28")]),
        ("   ", [(2020, "9"), (2021, "9"), (2020, "10"), (2020, "28")]),
    ],
)
def test_search(filled: Book, query: str, expected: list[tuple[int, str]]) -> None:
    assert nos(filled.list_sheets(query=query)) == expected


def test_search_combines_with_year_and_department_filters(filled: Book) -> None:
    assert nos(filled.list_sheets(query="詐欺", report_year=2021)) == [(2021, "9")]
    assert nos(filled.list_sheets(query="認知件数", report_year=2020)) == [(2020, "9")]
    assert nos(filled.list_sheets(query="詐欺", department="交通企画課")) == []
    assert nos(filled.list_sheets(query="寄港", department="港湾課", report_year=2020)) == [
        (2020, "28")
    ]


def test_filters_without_a_query(filled: Book) -> None:
    assert nos(filled.list_sheets(report_year=2020)) == [(2020, "9"), (2020, "10"), (2020, "28")]
    assert nos(filled.list_sheets(department="観光振興課")) == [(2020, "28")]
    assert nos(filled.list_sheets(department="生活安全企画課")) == [(2020, "9"), (2021, "9")]
    # Departments match exactly, never as a part.
    assert filled.list_sheets(department="港湾") == []
    assert filled.list_sheets(department="観光振興課、港湾課") == []


@pytest.mark.parametrize(
    "query", ['"', "AND", "OR", "NOT", "*", "_", "\\", '"""', "a*b:c^", "NEAR(a b)", "-x"]
)
def test_search_never_reads_user_text_as_syntax(filled: Book, query: str) -> None:
    assert filled.list_sheets(query=query) == []


def test_wildcards_match_only_themselves(filled: Book) -> None:
    # Only No 28 has a "%" ("達成率100%"); no sheet has "_".
    assert nos(filled.list_sheets(query="%")) == [(2020, "28")]
    assert nos(filled.list_sheets(query="0%")) == [(2020, "28")]  # LIKE, escaped
    assert nos(filled.list_sheets(query="100%")) == [(2020, "28")]  # FTS phrase
    assert filled.list_sheets(query="_") == []
    assert filled.list_sheets(query="1_0") == []
    assert filled.list_sheets(query="%%") == []


def test_search_follows_saves_and_deletes(filled: Book) -> None:
    traffic = filled.find_sheet(2020, "10")
    assert traffic is not None
    renamed = filled.save_sheet(dataclasses.replace(traffic, title="自転車事故件数"))

    assert filled.list_sheets(query="交通事故死者数") == []
    assert nos(filled.list_sheets(query="自転車事故")) == [(2020, "10")]
    filled.delete_sheet(renamed.id or 0)
    assert filled.list_sheets(query="自転車事故") == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "認知件数",
        "詐欺",  # two characters: LIKE
        "お金",
        "課",  # one character
        "28",
        "9",
        "港湾課",
        "クルーズ船　寄港",
        "認知件数 交通",
        "存在しない言葉",
        "%",
        "0%",
        "100%",
        "_",
        "\\",
        '"',
        '"""',
        "AND",
        "NEAR(a b)",
        "a*b:c^",
        "-x",
        "' OR 1=1 --",
        "%'; DROP TABLE sheets; --",
    ],
)
def test_search_ids_finds_what_list_sheets_finds(filled: Book, query: str) -> None:
    expected = {sheet.id for sheet in filled.list_sheets(query=query)}

    assert filled.search_ids(query) == expected
    assert filled.count_sheets() == 4


def test_search_ids_is_not_trivially_empty(filled: Book) -> None:
    ids = {sheet.key: sheet.id for sheet in filled.list_sheets()}

    assert filled.search_ids("") == set(ids.values())
    assert filled.search_ids("詐欺") == {ids[(2020, "9")], ids[(2021, "9")]}
    assert filled.search_ids("港湾課") == {ids[(2020, "28")]}
    assert filled.search_ids("クルーズ船　寄港") == {ids[(2020, "28")]}
    assert filled.search_ids("認知件数 交通") == set()


# --- summaries ----------------------------------------------------------------------


def two_row_sheet() -> Sheet:
    """No 31: the first row has no actual yet, the second has two."""
    sheet = make_sheet("31", departments=("地域振興課", "移住定住促進課"), title="移住者数")
    sheet.rows = [
        ValueRow(
            label="単年",
            unit="人/年",
            baseline=Cell("120"),
            actuals=[Cell(""), Cell("  "), Cell(""), Cell("")],
            target=Cell("150"),
        ),
        ValueRow(
            label="累計",
            unit="人",
            baseline=Cell("300"),
            actuals=[Cell("80"), Cell("1,204"), Cell(""), Cell("")],
            target=Cell("1,500"),
        ),
    ]
    return sheet


def no_actuals_sheet() -> Sheet:
    """No 32: two rows, nothing typed in any actual."""
    sheet = make_sheet("32", title="満足度")
    sheet.rows = [
        ValueRow(label="県", unit="%", actuals=[Cell("")] * 4, target=Cell("60.0")),
        ValueRow(label="市町村", unit="件", actuals=[Cell("")] * 4, target=Cell("10")),
    ]
    return sheet


def no_rows_sheet() -> Sheet:
    """No 33: no value rows at all."""
    sheet = make_sheet("33", title="指標なし")
    sheet.rows = []
    return sheet


def summary_of(sheet: Sheet) -> ListEntry:
    """The summary of a sheet read from the book, built from the sheet itself."""
    latest_text, latest_year, target_text, unit = latest_and_target(sheet)
    assert sheet.id is not None
    judged = evaluation.list_evaluation(sheet)
    reason = "" if judged is None or judged.achievement is not None else judged.achievement_reason
    if reason and len(sheet.rows) > 1 and judged is not None and judged.label:
        reason = f"{judged.label}: {reason}"
    return ListEntry(
        id=sheet.id,
        report_year=sheet.report_year,
        no=sheet.no,
        departments=tuple(sheet.departments),
        title=sheet.title,
        latest_text=latest_text,
        latest_year=latest_year,
        target_text=target_text,
        unit=unit,
        updated_at=sheet.updated_at,
        revision=sheet.revision,
        achievement=None if judged is None else judged.achievement,
        progress=None if judged is None else judged.progress,
        word_target=judged is not None and judged.word_target is not None,
        evaluation_note=reason,
        evaluation_label=judged.label if judged is not None and len(sheet.rows) > 1 else "",
        section=sheet.section,
        eval_rates=rank_rows_text(evaluation.evaluate_sheet(sheet)),
    )


@pytest.mark.parametrize(
    ("sheet", "expected"),
    [
        (make_sheet(), ("集計中", 2022, "前年比減", "件/年")),
        (two_row_sheet(), ("1,204", 2021, "1,500", "人")),
        (no_actuals_sheet(), ("", None, "60.0", "%")),
        (no_rows_sheet(), ("", None, "", "")),
    ],
)
def test_summarize(store: Book, sheet: Sheet, expected: tuple[str, int | None, str, str]) -> None:
    assert latest_and_target(sheet) == expected

    saved = store.save_sheet(sheet)
    summary = store.get_list_entry(saved.id or 0)

    assert (summary.latest_text, summary.latest_year, summary.target_text, summary.unit) == (
        expected
    )
    assert (summary.id, summary.revision, summary.updated_at) == (
        saved.id,
        1,
        saved.updated_at,
    )
    assert (summary.key, summary.title) == (sheet.key, sheet.title)
    assert summary.departments == tuple(sheet.departments)


def test_summary_departments_text_and_sort_key(store: Book) -> None:
    store.import_sheets([two_row_sheet(), make_sheet("10-2"), make_sheet("9", report_year=2021)])
    store.save_sheet(make_sheet("9"))

    summaries = store.list_entries()

    assert [s.key for s in summaries] == [(2020, "9"), (2021, "9"), (2020, "10-2"), (2020, "31")]
    assert summaries[-1].departments_text == "地域振興課、移住定住促進課"
    assert summaries[0].departments_text == "生活安全企画課"
    assert sorted(reversed(summaries), key=list_sort_key) == summaries
    with pytest.raises(dataclasses.FrozenInstanceError):
        summaries[0].title = "変更"  # type: ignore[misc]


def test_get_list_entry_of_an_unknown_id_raises_not_found(filled: Book) -> None:
    with pytest.raises(NotFoundError):
        filled.get_list_entry(999)


@pytest.mark.parametrize(
    ("report_year", "department"),
    [
        (None, None),
        (2020, None),
        (2021, None),
        (1999, None),
        (None, "生活安全企画課"),
        (None, "港湾課"),
        (None, "港湾"),
        (2020, "生活安全企画課"),
    ],
)
def test_list_entries_matches_list_sheets(
    filled: Book, report_year: int | None, department: str | None
) -> None:
    filled.import_sheets([two_row_sheet(), no_actuals_sheet(), no_rows_sheet()])
    # Full-width "９" sorts with "9" as a number; both orders must agree on the tie.
    filled.save_sheet(make_sheet("９", title="全角の番号"))

    sheets = filled.list_sheets(report_year=report_year, department=department)
    summaries = filled.list_entries(report_year=report_year, department=department)

    assert summaries == [summary_of(sheet) for sheet in sheets]


def test_summaries_follow_saves_imports_and_deletes(filled: Book) -> None:
    sheet = filled.find_sheet(2020, "9")
    assert sheet is not None
    changed = dataclasses.replace(
        sheet,
        title="刑法犯認知件数（改）",
        departments=["生活安全企画課", "刑事企画課"],
        rows=[
            ValueRow(
                label="単年",
                unit="件",
                actuals=[Cell("5,081"), Cell("4,900"), Cell("4,700"), Cell("4,500")],
                target=Cell("4,000"),
            )
        ],
    )

    saved = filled.save_sheet(changed)

    summary = filled.get_list_entry(sheet.id or 0)
    assert summary == summary_of(saved)
    assert (summary.latest_text, summary.latest_year) == ("4,500", 2023)
    assert (summary.target_text, summary.unit, summary.revision) == ("4,000", "件", 2)
    assert summary.departments_text == "生活安全企画課、刑事企画課"

    [replaced, added] = filled.import_sheets(
        [dataclasses.replace(two_row_sheet(), no="9"), no_rows_sheet()], replace=True
    )

    assert replaced.id == sheet.id
    summary = filled.get_list_entry(sheet.id or 0)
    assert summary == summary_of(replaced)
    assert (summary.title, summary.latest_text, summary.latest_year) == ("移住者数", "1,204", 2021)
    assert (summary.target_text, summary.unit, summary.revision) == ("1,500", "人", 3)
    assert filled.get_list_entry(added.id or 0).latest_text == ""
    assert filled.list_entries() == [summary_of(s) for s in filled.list_sheets()]

    filled.delete_sheet(sheet.id or 0)
    with pytest.raises(NotFoundError):
        filled.get_list_entry(sheet.id or 0)
    assert sheet.id not in {s.id for s in filled.list_entries()}


@contextlib.contextmanager
def column_reads(store: Book) -> Iterator[set[tuple[str, str]]]:
    """Record every (table, column) the store's connection reads inside the block."""
    reads: set[tuple[str, str]] = set()

    def authorizer(action: int, table: str | None, column: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_READ and table is not None and column is not None:
            reads.add((table, column))
        return sqlite3.SQLITE_OK

    connection = store._db.conn
    connection.set_authorizer(authorizer)
    try:
        yield reads
    finally:
        connection.set_authorizer(None)


def test_list_entries_never_reads_the_sheets_json(filled: Book) -> None:
    # Prepared once before the authorizer is set, to show a cached statement
    # is checked again.
    filled.list_entries()
    filled.list_sheets()

    with column_reads(filled) as reads:
        summaries = filled.list_entries()
        filled.list_entries(report_year=2020, department="港湾課")
        filled.get_list_entry(summaries[0].id)

    assert len(summaries) == 4
    assert ("sheets", "data") not in reads
    assert {("sheets", "latest_text"), ("sheets", "departments_json")} <= reads

    # The check itself works: loading sheets does read the JSON.
    with column_reads(filled) as reads:
        filled.list_sheets()
    assert ("sheets", "data") in reads


# --- import -------------------------------------------------------------------------


def test_import_adds_all_sheets_in_order(store: Book) -> None:
    saved = store.import_sheets([cruise_sheet(), make_sheet(), traffic_sheet()])

    assert nos(saved) == [(2020, "28"), (2020, "9"), (2020, "10")]
    assert all(sheet.revision == 1 and sheet.id is not None for sheet in saved)
    assert nos(store.list_sheets()) == [(2020, "9"), (2020, "10"), (2020, "28")]
    assert store.get_sheet(saved[0].id or 0) == cruise_sheet()


def test_import_with_clashes_writes_nothing_and_names_every_clash(store: Book) -> None:
    store.import_sheets([make_sheet(), traffic_sheet()])
    before = store.list_sheets()

    with pytest.raises(DuplicateSheetError) as caught:
        store.import_sheets(
            [make_sheet("11", title="新しい指標"), traffic_sheet(), make_sheet(title="上書き?")]
        )

    assert caught.value.keys == [(2020, "9"), (2020, "10")]
    assert str(caught.value) == "2020年度 No 9、No 10 は既にあります"
    assert store.list_sheets() == before
    assert [sheet.revision for sheet in store.list_sheets()] == [1, 1]
    assert store.find_sheet(2020, "11") is None


def test_duplicate_message_names_every_year() -> None:
    error = DuplicateSheetError([(2021, "3"), (2020, "10"), (2020, "9")])

    assert error.keys == [(2020, "9"), (2020, "10"), (2021, "3")]
    assert str(error) == "2020年度 No 9、No 10、2021年度 No 3 は既にあります"


def test_import_with_replace_overwrites_and_keeps_history(store: Book) -> None:
    original = store.save_sheet(make_sheet())

    saved = store.import_sheets(
        [make_sheet(title="取り込み直した指標"), traffic_sheet()], replace=True
    )

    assert saved[0].id == original.id
    assert saved[0].revision == 2
    assert saved[1].revision == 1
    current = store.get_sheet(original.id or 0)
    assert current.title == "取り込み直した指標"
    assert [(e.revision, e.sheet.title) for e in store.history(original.id or 0)] == [
        (2, "取り込み直した指標"),
        (1, "刑法犯認知件数"),
    ]
    assert store.count_sheets() == 2


def test_import_ignores_ids_of_the_given_sheets(store: Book) -> None:
    foreign = dataclasses.replace(make_sheet(), id=77, revision=5)

    [saved] = store.import_sheets([foreign])

    assert saved.revision == 1
    assert store.get_sheet(saved.id or 0) == make_sheet()


def test_duplicates_within_one_import_are_refused(store: Book) -> None:
    with pytest.raises(DuplicateSheetError) as caught:
        store.import_sheets([make_sheet(), traffic_sheet(), make_sheet(title="二枚目")])

    assert caught.value.keys == [(2020, "9")]
    assert "重複" in str(caught.value)
    assert store.count_sheets() == 0
    with pytest.raises(DuplicateSheetError):
        store.import_sheets([make_sheet(), make_sheet()], replace=True)
    assert store.count_sheets() == 0


# --- delete, years and departments --------------------------------------------------


def test_delete(filled: Book) -> None:
    traffic = filled.find_sheet(2020, "10")
    assert traffic is not None

    filled.delete_sheet(traffic.id or 0)

    assert filled.count_sheets() == 3
    with pytest.raises(NotFoundError):
        filled.get_sheet(traffic.id or 0)
    with pytest.raises(NotFoundError):
        filled.delete_sheet(traffic.id or 0)


def test_report_years_and_departments(filled: Book) -> None:
    filled.save_sheet(traffic_sheet(report_year=2019))

    assert filled.report_years() == [2021, 2020, 2019]
    assert filled.departments() == sorted(["交通企画課", "生活安全企画課", "観光振興課", "港湾課"])
    assert filled.departments(2021) == ["生活安全企画課"]
    assert filled.departments(2019) == ["交通企画課"]
    assert filled.departments(1999) == []


def test_an_empty_book(store: Book) -> None:
    assert store.count_sheets() == 0
    assert store.list_sheets() == []
    assert store.list_sheets(query="認知件数") == []
    assert store.report_years() == []
    assert store.departments() == []


# --- files --------------------------------------------------------------------------


def test_a_new_book_is_marked_and_uses_the_rollback_journal(tmp_path: Path) -> None:
    path = tmp_path / "new.kpidb"

    with Book.open(path) as book:
        assert book.path == path
        book.save_sheet(make_sheet())

    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "journal_mode") == "delete"
    with raw(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"sheets", "history", "meta", "sheets_fts"} <= tables
    assert leftovers(path) == []
    assert not (tmp_path / "new_backups").exists()
    with Book.open(path, create=False) as book:
        assert book.list_sheets() == [make_sheet()]


def test_a_path_with_japanese_and_a_space_works(tmp_path: Path) -> None:
    folder = tmp_path / "令和2年度 KPI"
    folder.mkdir()
    path = folder / "熊本 戦略#1.kpidb"

    with Book.open(path) as book:
        book.save_sheet(make_sheet())
    with Book.open(path, create=False) as book:
        assert nos(book.list_sheets(query="詐欺")) == [(2020, "9")]
    assert sorted(p.name for p in folder.iterdir()) == ["熊本 戦略#1.kpidb"]


def test_open_without_create_on_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing.kpidb"

    with pytest.raises(BookError) as caught:
        Book.open(path, create=False)

    assert "ありません" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_open_in_a_missing_folder_or_on_a_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(BookError) as caught:
        Book.open(tmp_path / "no such folder" / "book.kpidb")
    assert "フォルダがありません" in str(caught.value)

    with pytest.raises(BookError) as caught:
        Book.open(tmp_path)
    assert "フォルダ" in str(caught.value)


def test_an_empty_sqlite_file_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    with raw(path) as connection:
        connection.execute("CREATE TABLE t (x)")
        connection.execute("DROP TABLE t")
    assert path.read_bytes().startswith(b"SQLite format 3\x00")

    with Book.open(path) as book:
        book.save_sheet(make_sheet())

    assert pragma(path, "application_id") == APPLICATION_ID
    assert not (tmp_path / "empty_backups").exists()


def make_old_book(path: Path, sheet: Sheet, *, version: int = 1) -> None:
    """A book as an older program left it: migrations 1..version only, one sheet.

    The sheet goes in with the columns of version 1, right after migration 1;
    the later migrations then fill in what they add (the search index
    included), as they do for a book that was saved under each version.
    """
    with raw(path) as connection:
        db = Database(connection)
        with db.atomic():
            schema_module.MIGRATIONS[1](db)
            connection.execute(
                "INSERT INTO sheets (report_year, no, departments, departments_json, title,"
                " section, efforts, issues, direction, data, revision, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    sheet.report_year,
                    sheet.no,
                    "、".join(sheet.departments),
                    json.dumps(sheet.departments, ensure_ascii=False),
                    sheet.title,
                    sheet.section,
                    "\n".join(sheet.efforts),
                    "\n".join(sheet.issues),
                    "\n".join(sheet.direction),
                    json.dumps(jsonio.sheet_to_dict(sheet), ensure_ascii=False),
                    1,
                    "2021-04-01T09:00:00",
                    "2021-04-01T09:00:00",
                ],
            )
            for number in range(2, version + 1):
                schema_module.MIGRATIONS[number](db)
            connection.execute(f"PRAGMA user_version = {version}")


def test_migrations_are_numbered_up_to_the_schema_version() -> None:
    assert SCHEMA_VERSION == 7
    assert sorted(schema_module.MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def test_a_version_1_book_is_backed_up_then_migrated(tmp_path: Path) -> None:
    path = tmp_path / "戦略 ブック.kpidb"
    make_old_book(path, make_sheet(), version=1)
    assert pragma(path, "user_version") == 1

    with Book.open(path) as book:
        found = book.list_sheets(query="認知件数")
        assert nos(found) == [(2020, "9")]
        assert found[0] == make_sheet()
        assert (found[0].revision, found[0].updated_at) == (1, "2021-04-01T09:00:00")
        assert nos(book.list_sheets(query="詐欺")) == [(2020, "9")]
        # Migration 3 filled in the summary from the sheet's JSON.
        assert book.get_list_entry(found[0].id or 0).latest_text == "集計中"
        saved = book.save_sheet(found[0])
        assert saved.revision == 2

    assert pragma(path, "user_version") == SCHEMA_VERSION
    backups = list((tmp_path / "戦略 ブック_backups").iterdir())
    assert len(backups) == 1
    assert re.fullmatch(rf"before-v{SCHEMA_VERSION}-\d{{8}}-\d{{6}}\.kpidb", backups[0].name)
    # The backup is the book as it was before the migration.
    assert pragma(backups[0], "user_version") == 1
    assert pragma(backups[0], "application_id") == APPLICATION_ID
    with raw(backups[0]) as connection:
        assert connection.execute("SELECT no, title FROM sheets").fetchall() == [
            ("9", "刑法犯認知件数")
        ]
    # Opening the migrated book again takes no further backup.
    with Book.open(path) as book:
        assert book.count_sheets() == 1
    assert len(list((tmp_path / "戦略 ブック_backups").iterdir())) == 1


def test_a_version_2_book_is_migrated_and_its_summaries_filled_in(tmp_path: Path) -> None:
    path = tmp_path / "v2.kpidb"
    make_old_book(path, two_row_sheet(), version=2)
    with raw(path) as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(sheets)")}
    assert pragma(path, "user_version") == 2
    assert "latest_text" not in columns

    with Book.open(path) as book:
        [sheet_id] = book.search_ids("")
        summary = book.get_list_entry(sheet_id)
        sheet = two_row_sheet()
        assert summary == ListEntry(
            id=sheet_id,
            report_year=2020,
            no="31",
            departments=("地域振興課", "移住定住促進課"),
            title="移住者数",
            latest_text="1,204",
            latest_year=2021,
            target_text="1,500",
            unit="人",
            updated_at="2021-04-01T09:00:00",
            revision=1,
            # Migration 4 filled in the rates of the 累計 row: 1,204 of 1,500,
            # counted on from its base of 300 (its unit names no period).
            achievement=Decimal(1204) / Decimal(1500) * 100,
            progress=Decimal(1204 - 300) / Decimal(1500 - 300) * 100,
            evaluation_label="累計",
            section=sheet.section,
            # Migration 6: what each row ranks by, whatever the settings.
            eval_rates=rank_rows_text(evaluation.evaluate_sheet(sheet)),
        )
        assert summary.rank_rows == tuple(
            evaluation.sheet_rank_inputs(evaluation.evaluate_sheet(sheet))
        )
        assert book.list_entries() == [summary]
        assert book.search_ids("移住") == {sheet_id}  # the v2 index still works
        assert book.get_sheet(sheet_id) == two_row_sheet()

    assert pragma(path, "user_version") == SCHEMA_VERSION
    backups = list((tmp_path / "v2_backups").iterdir())
    assert [pragma(backup, "user_version") for backup in backups] == [2]
    assert backups[0].name.startswith(f"before-v{SCHEMA_VERSION}-")


def test_a_version_3_book_gets_rates_and_an_empty_saved_by(tmp_path: Path) -> None:
    path = tmp_path / "v3.kpidb"
    make_old_book(path, two_row_sheet(), version=3)
    with raw(path) as connection:
        connection.execute(
            "INSERT INTO history (sheet_id, revision, report_year, no, data, saved_at)"
            " SELECT id, 1, report_year, no, data, updated_at FROM sheets"
        )

    with Book.open(path) as book:
        [summary] = book.list_entries()
        assert summary.achievement is not None
        assert evaluation.format_rate(summary.achievement, evaluation.Rounding.HALF_UP) == "80.3%"
        [entry] = book.history(summary.id)
        assert entry.saved_by == ""
        book.user = "tanaka"
        book.save_sheet(book.get_sheet(summary.id))
        assert [entry.saved_by for entry in book.history(summary.id)] == ["tanaka", ""]


def test_migration_3_leaves_a_damaged_sheets_summary_empty(tmp_path: Path) -> None:
    path = tmp_path / "damaged.kpidb"
    make_old_book(path, make_sheet(), version=2)
    with raw(path) as connection:
        connection.execute(
            "INSERT INTO sheets (report_year, no, data, revision, created_at, updated_at)"
            " VALUES (2020, '10', '{\"broken', 1, '2021-04-01', '2021-04-01')"
        )

    with Book.open(path) as book:
        good, damaged = book.list_entries()
        assert (good.no, good.latest_text, good.latest_year) == ("9", "集計中", 2022)
        assert (damaged.no, damaged.latest_text, damaged.latest_year) == ("10", "", None)
        assert (damaged.target_text, damaged.unit, damaged.departments) == ("", "", ())
        with pytest.raises(BookError, match="壊れて"):
            book.get_sheet(damaged.id)

    assert pragma(path, "user_version") == SCHEMA_VERSION


def assert_refused_untouched(path: Path, error_type: type[BookError], *words: str) -> BookError:
    """Open ``path``, expect ``error_type``, and check the folder is as it was."""
    before_hash = sha256(path)
    before_files = sorted(p.name for p in path.parent.iterdir())

    with pytest.raises(error_type) as caught:
        Book.open(path)

    assert sha256(path) == before_hash
    assert sorted(p.name for p in path.parent.iterdir()) == before_files
    assert leftovers(path) == []
    for word in words:
        assert word in str(caught.value)
    return caught.value


def test_a_book_from_a_newer_version_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "future.kpidb"
    with raw(path) as connection:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        connection.execute("CREATE TABLE sheets (id INTEGER PRIMARY KEY, future TEXT)")

    error = assert_refused_untouched(path, NewerVersionError, "新しい版の KPI Desk")

    assert isinstance(error, NewerVersionError)
    assert error.version == SCHEMA_VERSION + 1


def test_a_text_file_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "notes.kpidb"
    path.write_text("No 9 生活安全企画課\n刑法犯認知件数\n", encoding="utf-8")

    assert_refused_untouched(path, NotABookError, "別の種類のファイル", "テキストから取り込み")


def test_an_empty_file_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "empty.kpidb"
    path.write_bytes(b"")

    assert_refused_untouched(path, NotABookError, "KPI Desk のブックではありません")


@pytest.mark.parametrize("application_id", [0, 0x12345678])
def test_another_programs_sqlite_file_is_refused_unchanged(
    tmp_path: Path, application_id: int
) -> None:
    path = tmp_path / "other.sqlite"
    with raw(path) as connection:
        connection.execute(f"PRAGMA application_id = {application_id}")
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO customers (name) VALUES ('山田')")

    assert_refused_untouched(path, NotABookError, "他のプログラム")


def test_another_programs_wal_file_is_refused_without_leaving_files(tmp_path: Path) -> None:
    path = tmp_path / "other-wal.sqlite"
    with raw(path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("CREATE TABLE t (x)")
    assert leftovers(path) == []

    assert_refused_untouched(path, NotABookError, "他のプログラム")


def test_a_book_switched_to_wal_by_another_tool_goes_back_to_the_rollback_journal(
    book_path: Path,
) -> None:
    with raw(book_path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")

    with Book.open(book_path) as book:
        assert nos(book.list_sheets(query="認知件数")) == [(2020, "9")]

    assert pragma(book_path, "journal_mode") == "delete"
    assert leftovers(book_path) == []


@pytest.mark.parametrize("size", [50, 1000, 4096, 8192])
def test_a_truncated_book_is_refused_unchanged(book_path: Path, size: int) -> None:
    data = book_path.read_bytes()
    assert len(data) > 8192
    book_path.write_bytes(data[:size])
    # 1000 bytes still start with a valid header that names our book.
    assert book_path.read_bytes()[:16] == b"SQLite format 3\x00"

    assert_refused_untouched(book_path, NotABookError, "壊れて")


def test_a_save_cut_off_by_a_crash_is_rolled_back_on_open(book_path: Path) -> None:
    crashed = book_path.with_name("crashed.kpidb")
    with raw(book_path) as connection:
        connection.execute("PRAGMA cache_size = 2")  # spill changed pages into the file
        connection.execute("BEGIN")
        connection.execute("UPDATE sheets SET title = 'half-written' || title")
        connection.execute("UPDATE sheets SET data = data || data")
        # The book writes its search index with the rows: many more pages.
        connection.execute("UPDATE sheets_fts SET search_text = 'half-written' || search_text")
        # Copying the file and its journal mid-transaction is what a crash leaves.
        shutil.copyfile(book_path, crashed)
        shutil.copyfile(f"{book_path}-journal", f"{crashed}-journal")
        connection.execute("ROLLBACK")
    assert leftovers(crashed) == ["crashed.kpidb-journal"]
    assert sha256(crashed) != sha256(book_path)  # half-written pages are in the file

    with Book.open(crashed) as book:
        assert book.list_sheets() == [make_sheet(), traffic_sheet(), cruise_sheet()]
    assert leftovers(crashed) == []


def test_a_locked_book_gives_a_clear_message(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlitefile_module, "BUSY_TIMEOUT_SECONDS", 0.05)
    with Book.open(book_path) as book, raw(book_path) as other:
        other.execute("BEGIN IMMEDIATE")
        sheet = book.find_sheet(2020, "9")
        assert sheet is not None

        with pytest.raises(BookError) as caught:
            book.save_sheet(dataclasses.replace(sheet, title="保存できない"))

        assert "使っている" in str(caught.value)
        other.execute("ROLLBACK")
        assert book.save_sheet(dataclasses.replace(sheet, title="保存できた")).revision == 2


def test_backup_to_makes_a_book_with_the_same_sheets(book_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "控え" / "backup copy.kpidb"
    target.parent.mkdir()

    with Book.open(book_path) as book:
        sheet = book.find_sheet(2020, "9")
        assert sheet is not None
        book.save_sheet(dataclasses.replace(sheet, title="控えを取る前の変更"))
        book.backup_to(target)
        expected = book.list_sheets()
        with pytest.raises(BookError):
            book.backup_to(book_path)

    assert sorted(p.name for p in target.parent.iterdir()) == ["backup copy.kpidb"]
    with Book.open(target, create=False) as copy:
        assert copy.list_sheets() == expected
        assert [book_fields(s) for s in copy.list_sheets()] == [book_fields(s) for s in expected]
        assert [e.revision for e in copy.history(expected[0].id or 0)] == [2, 1]
        assert nos(copy.list_sheets(query="控えを取る前")) == [(2020, "9")]


def test_backup_to_from_memory_replaces_an_existing_file(filled: Book, tmp_path: Path) -> None:
    target = tmp_path / "out.kpidb"
    target.write_text("古い内容", encoding="utf-8")

    filled.backup_to(target)

    with Book.open(target, create=False) as copy:
        assert copy.list_sheets() == filled.list_sheets()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.kpidb"]


def test_memory_store_has_no_path_and_closes_twice(store: Book) -> None:
    assert store.path is None
    store.close()
    store.close()


def test_import_reports_progress_and_a_cancel_rolls_everything_back(store: Book) -> None:
    sheets = [make_sheet(no=str(number)) for number in range(1, 6)]
    seen: list[tuple[int, int]] = []
    store.import_sheets(sheets[:2], progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]

    class Cancelled(Exception):
        pass

    def cancel_at_two(done: int, total: int) -> None:
        if done == 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        store.import_sheets(sheets[2:], progress=cancel_at_two)
    assert [sheet.no for sheet in store.list_sheets()] == ["1", "2"]


def test_import_refuses_sheets_changed_since_they_were_compared(store: Book) -> None:
    [saved] = store.import_sheets([make_sheet(no="1")])
    changed = dataclasses.replace(saved, title="取り込む側")
    with pytest.raises(StaleRevisionError):
        store.import_sheets(
            [changed, make_sheet(no="2")],
            replace=True,
            expected_revisions={(2020, "1"): saved.revision + 1, (2020, "2"): 0},
        )
    assert [sheet.no for sheet in store.list_sheets()] == ["1"]
    with pytest.raises(StaleRevisionError):
        store.import_sheets([make_sheet(no="1")], replace=True, expected_revisions={(2020, "1"): 0})
    store.import_sheets([changed], replace=True, expected_revisions={(2020, "1"): saved.revision})
    assert store.find_sheet(2020, "1").title == "取り込む側"


# --- read-only books ----------------------------------------------------------------


def folder_state(path: Path) -> tuple[str, list[str]]:
    """The book's hash and the names beside it."""
    return sha256(path), sorted(p.name for p in path.parent.iterdir())


def test_a_read_only_book_reads_and_refuses_every_write_untouched(book_path: Path) -> None:
    before = folder_state(book_path)

    with Book.open(book_path, read_only=True) as book:
        assert book.read_only
        assert "read-only" in repr(book)
        assert book.list_sheets() == [make_sheet(), traffic_sheet(), cruise_sheet()]
        assert nos(book.list_sheets(query="詐欺")) == [(2020, "9")]
        assert len(book.list_entries()) == 3
        sheet = book.find_sheet(2020, "9")
        assert sheet is not None
        statements: list[str] = []
        book._db.conn.set_trace_callback(statements.append)

        writes = [
            lambda: book.save_sheet(dataclasses.replace(sheet, title="変更")),
            lambda: book.save_sheet(make_sheet("99")),
            lambda: book.save_sheet(make_sheet("")),  # refused as read-only before as invalid
            lambda: book.import_sheets([make_sheet("50")]),
            lambda: book.import_sheets([make_sheet("9")], replace=True),
            lambda: book.delete_sheet(sheet.id or 0),
        ]
        for write in writes:
            with pytest.raises(ReadOnlyError) as caught:
                write()
            assert "読み取り専用で開いているため保存できません" in str(caught.value)
        assert statements == []  # SQLite was not asked to do anything
        assert book.count_sheets() == 3

    assert folder_state(book_path) == before
    assert leftovers(book_path) == []
    with Book.open(book_path) as book:
        assert not book.read_only


def test_a_read_only_book_can_be_copied(book_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "コピー.kpidb"
    before = folder_state(book_path)

    with Book.open(book_path, read_only=True) as book:
        book.backup_to(target)

    with Book.open(target, create=False) as copy:
        assert copy.list_sheets() == [make_sheet(), traffic_sheet(), cruise_sheet()]
        copy.save_sheet(make_sheet("11"))
    assert sha256(book_path) == before[0]


def test_a_read_only_book_is_read_while_someone_else_saves(book_path: Path) -> None:
    with Book.open(book_path) as writer, Book.open(book_path, read_only=True) as reader:
        sheet = writer.find_sheet(2020, "9")
        assert sheet is not None
        writer.save_sheet(dataclasses.replace(sheet, title="別の人の変更"))
        assert reader.find_sheet(2020, "9").title == "別の人の変更"
        with raw(book_path) as other:
            other.execute("BEGIN IMMEDIATE")  # a save in progress does not stop reading
            other.execute("UPDATE sheets SET title = 'まだ保存中' WHERE no = '9'")
            assert reader.find_sheet(2020, "9").title == "別の人の変更"
            other.execute("ROLLBACK")


def test_read_only_never_creates_a_book(tmp_path: Path) -> None:
    with pytest.raises(BookError) as caught:
        Book.open(tmp_path / "missing.kpidb", read_only=True)

    assert "ありません" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_book_is_not_migrated_when_opened_read_only(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.kpidb"
    make_old_book(path, make_sheet(), version=version)
    before = folder_state(path)

    with pytest.raises(BookError) as caught:
        Book.open(path, read_only=True)

    assert f"古い形式（形式 {version}）" in str(caught.value)
    assert "一度開く" in str(caught.value)
    assert folder_state(path) == before
    assert pragma(path, "user_version") == version


def test_an_empty_sqlite_file_is_not_initialised_read_only(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    with raw(path) as connection:
        connection.execute("CREATE TABLE t (x)")
        connection.execute("DROP TABLE t")
    before = folder_state(path)

    with pytest.raises(BookError, match="読み取り専用では開けません"):
        Book.open(path, read_only=True)

    assert folder_state(path) == before


def test_read_only_refuses_what_a_normal_open_refuses(tmp_path: Path) -> None:
    text = tmp_path / "notes.kpidb"
    text.write_text("メモ", encoding="utf-8")
    future = tmp_path / "future.kpidb"
    with raw(future) as connection:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        connection.execute("CREATE TABLE sheets (id INTEGER PRIMARY KEY)")
    before = {p.name: sha256(p) for p in tmp_path.iterdir()}

    with pytest.raises(NotABookError):
        Book.open(text, read_only=True)
    with pytest.raises(NewerVersionError):
        Book.open(future, read_only=True)

    assert {p.name: sha256(p) for p in tmp_path.iterdir()} == before


def test_a_wal_book_is_read_only_without_leaving_files(book_path: Path) -> None:
    with raw(book_path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
    before = folder_state(book_path)

    with Book.open(book_path, read_only=True) as book:
        assert book.count_sheets() == 3

    assert folder_state(book_path) == before
    assert pragma(book_path, "journal_mode") == "wal"  # not switched back: nothing written


def crashed_copy(book_path: Path) -> Path:
    """A copy of the book with a save cut off half-way (a hot journal beside it)."""
    crashed = book_path.with_name("crashed.kpidb")
    with raw(book_path) as connection:
        connection.execute("PRAGMA cache_size = 2")
        connection.execute("BEGIN")
        connection.execute("UPDATE sheets SET title = 'half-written' || title")
        connection.execute("UPDATE sheets SET data = data || data")
        connection.execute("UPDATE sheets_fts SET search_text = 'half-written' || search_text")
        shutil.copyfile(book_path, crashed)
        shutil.copyfile(f"{book_path}-journal", f"{crashed}-journal")
        connection.execute("ROLLBACK")
    return crashed


def test_a_book_with_an_unfinished_save_is_not_opened_read_only(book_path: Path) -> None:
    crashed = crashed_copy(book_path)
    before = folder_state(crashed)
    journal = sha256(Path(f"{crashed}-journal"))

    with pytest.raises(BookError) as caught:
        Book.open(crashed, read_only=True)

    assert "途中で終わったまま" in str(caught.value)
    assert folder_state(crashed) == before
    assert sha256(Path(f"{crashed}-journal")) == journal


# --- files that cannot be written ---------------------------------------------------


def refuse_writing(monkeypatch: pytest.MonkeyPatch, *refused: Path) -> None:
    """Make ``os.access(path, os.W_OK)`` false for these paths.

    Tests run as root in CI, where ``chmod 0444`` does not stop writing.
    """
    real_access = os.access
    names = {os.fspath(path.absolute()) for path in refused}

    def access(path: str | os.PathLike[str], mode: int, **kwargs: object) -> bool:
        if mode & os.W_OK and os.fspath(Path(path).absolute()) in names:
            return False
        return real_access(path, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlitefile_module.os, "access", access)


def test_a_read_only_file_is_refused_with_the_offer_to_open_it_read_only(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_writing(monkeypatch, book_path)

    error = assert_refused_untouched(book_path, ReadOnlyFileError, "書き込みできません")

    assert str(error) == (
        "このファイルは書き込みできません（読み取り専用）。読み取り専用で開きますか"
    )
    assert isinstance(error, ReadOnlyFileError) and not error.folder
    before = folder_state(book_path)
    with Book.open(book_path, read_only=True) as book:
        assert book.count_sheets() == 3
    assert folder_state(book_path) == before


def test_a_book_in_a_read_only_folder_is_refused(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_writing(monkeypatch, book_path.parent)

    error = assert_refused_untouched(book_path, ReadOnlyFileError, "フォルダに書き込みできません")

    assert isinstance(error, ReadOnlyFileError) and error.folder
    assert "読み取り専用で開きますか" in str(error)
    with Book.open(book_path, read_only=True) as book:
        assert book.count_sheets() == 3


def test_a_new_book_in_a_read_only_folder_is_not_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_writing(monkeypatch, tmp_path)

    with pytest.raises(BookError) as caught:
        Book.open(tmp_path / "new.kpidb")

    assert "保存先のフォルダに書き込みできません" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_read_only_file_says_it_is_damaged_first(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book_path.write_bytes(book_path.read_bytes()[:4096])
    refuse_writing(monkeypatch, book_path)

    assert_refused_untouched(book_path, NotABookError, "壊れて")


# --- damaged pages (PRAGMA quick_check) --------------------------------------------


@pytest.fixture
def big_book(tmp_path: Path) -> Path:
    """A closed book of 40 sheets, so that each table spans many pages."""
    path = tmp_path / "big.kpidb"
    with Book.open(path) as book:
        book.import_sheets([make_sheet(str(number)) for number in range(1, 41)])
    return path


@pytest.mark.parametrize("table", ["sheets", "history"])
@pytest.mark.parametrize(
    ("offset", "junk"),
    [(8, b"\xff" * 16), (0, b"\x00" * 512)],
    ids=["cell-pointers", "torn-sector"],
)
def test_a_book_with_a_damaged_page_is_refused_unchanged(
    big_book: Path, table: str, offset: int, junk: bytes
) -> None:
    assert a_leaf_page(big_book, table) > 2
    damage_a_page(big_book, table, offset, junk)
    # The header is intact and the cheap checks pass: only quick_check notices.
    assert pragma(big_book, "user_version") == SCHEMA_VERSION
    assert pragma(big_book, "application_id") == APPLICATION_ID
    with raw(big_book) as connection:
        assert connection.execute("SELECT count(*) FROM sheets").fetchone()[0] == 40

    assert_refused_untouched(big_book, NotABookError, "壊れて", "バックアップ")
    before = folder_state(big_book)
    with pytest.raises(NotABookError):
        Book.open(big_book, read_only=True)
    with pytest.raises(NotABookError):
        Book.peek_sheet_count(big_book)
    assert folder_state(big_book) == before


def test_a_damaged_page_found_by_the_check_run_later_stops_every_write(big_book: Path) -> None:
    damage_a_page(big_book)
    before = folder_state(big_book)
    # The header, marks and schema pass; the pages are read on a thread meanwhile.
    book = Book.open(big_book, check_pages_later=True)
    try:
        with pytest.raises(NotABookError, match="壊れて"):
            book.save_sheet(make_sheet("41"))
        with pytest.raises(NotABookError, match="壊れて"):
            book.confirm_pages()  # and again: nothing is ever written
        with pytest.raises(NotABookError, match="壊れて"):
            book.delete_sheet(1)
    finally:
        book.close()
    assert folder_state(big_book) == before


def test_a_damaged_book_checked_later_is_not_backed_up(big_book: Path, tmp_path: Path) -> None:
    damage_a_page(big_book)
    target = tmp_path / "backup.kpidb"
    with (
        Book.open(big_book, check_pages_later=True) as book,
        pytest.raises(NotABookError, match="壊れて"),
    ):
        book.backup_to(target)
    assert not target.exists()


@pytest.mark.parametrize("failure", [MemoryError(), RuntimeError("想定外")])
def test_a_page_check_that_fails_unexpectedly_does_not_pass(
    big_book: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    def failing(connection: sqlite3.Connection) -> None:
        raise failure

    monkeypatch.setattr(sqlitefile_module, "quick_check", failing)
    monkeypatch.setattr("threading.excepthook", lambda args: None)
    with Book.open(big_book, check_pages_later=True) as book:
        for _ in range(2):  # and again: nothing is ever written
            with pytest.raises(BookError):
                book.confirm_pages()
        with pytest.raises(BookError):
            book.save_sheet(make_sheet("41"))
        assert book.count_sheets() == 40


def test_a_sound_book_checked_later_is_written_once_its_pages_passed(big_book: Path) -> None:
    with Book.open(big_book, check_pages_later=True) as book:
        saved = book.save_sheet(make_sheet("41"))
        book.confirm_pages()
        assert book.get_sheet(saved.id).no == "41" and book.count_sheets() == 41


def test_a_damaged_book_that_cannot_be_written_is_refused_as_damaged(
    big_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    damage_a_page(big_book)
    monkeypatch.setattr(sqlitefile_module, "writable", lambda path: False)
    with pytest.raises(NotABookError, match="壊れて"):
        Book.open(big_book, check_pages_later=True)


def test_an_older_book_is_checked_whole_before_it_is_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.kpidb"
    make_old_book(path, make_sheet(), version=SCHEMA_VERSION - 1)
    started: list[str] = []
    monkeypatch.setattr(sqlitefile_module, "PageCheck", lambda uri, timeout: started.append(uri))
    checked: list[bool] = []
    real_quick_check = sqlitefile_module.quick_check
    monkeypatch.setattr(
        sqlitefile_module,
        "quick_check",
        lambda connection: checked.append(True) or real_quick_check(connection),
    )
    with Book.open(path, check_pages_later=True) as book:
        assert book.count_sheets() == 1
    assert started == [] and checked == [True]


def test_a_book_recovered_from_an_unfinished_save_is_checked_again(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed = crashed_copy(book_path)
    checked: list[bool] = []
    real_quick_check = sqlitefile_module.quick_check

    def spy(connection: sqlite3.Connection) -> None:
        checked.append(connection.in_transaction)
        real_quick_check(connection)

    monkeypatch.setattr(sqlitefile_module, "quick_check", spy)

    with Book.open(crashed) as book:
        assert book.count_sheets() == 3

    # The read-only check stopped at the hot journal: a copy of the book and
    # its journal was rolled back and checked, then the read-write connection
    # checked the book once it had rolled the save back.
    assert checked == [False, False]
    assert leftovers(crashed) == []


# --- busy and full ------------------------------------------------------------------


def test_a_save_while_someone_else_saves_waits_then_says_try_again(book_path: Path) -> None:
    with Book.open(book_path, busy_timeout=0.2) as book, raw(book_path) as other:
        sheet = book.find_sheet(2020, "9")
        assert sheet is not None
        other.execute("BEGIN IMMEDIATE")  # someone else's save holds the write lock
        before = sha256(book_path)

        started = time.monotonic()
        with pytest.raises(BusyError) as caught:
            book.save_sheet(dataclasses.replace(sheet, title="保存できない"))
        waited = time.monotonic() - started

        assert 0.15 <= waited < 5  # SQLite retried for the busy timeout, not 5 s
        message = str(caught.value)
        assert "ほかの人" in message and "保存中" in message
        assert "しばらくしてからもう一度保存してください" in message
        with pytest.raises(BusyError):
            book.import_sheets([make_sheet("11")])
        with pytest.raises(BusyError):
            book.delete_sheet(sheet.id or 0)
        assert sha256(book_path) == before
        other.execute("ROLLBACK")

        assert book.save_sheet(dataclasses.replace(sheet, title="保存できた")).revision == 2
        assert book.count_sheets() == 3


def test_a_read_while_someone_else_commits_says_try_again(book_path: Path) -> None:
    with Book.open(book_path, busy_timeout=0.1) as book, raw(book_path) as other:
        other.execute("BEGIN EXCLUSIVE")  # a commit in progress keeps readers out

        with pytest.raises(BusyError) as caught:
            book.count_sheets()

        assert "読み込めませんでした" in str(caught.value)
        other.execute("ROLLBACK")
        assert book.count_sheets() == 3


def test_the_busy_timeout_defaults_to_the_module_setting(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlitefile_module, "BUSY_TIMEOUT_SECONDS", 0.1)
    with Book.open(book_path) as book, raw(book_path) as other:
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(BusyError):
            book.save_sheet(make_sheet("11"))
        assert time.monotonic() - started < 3
        other.execute("ROLLBACK")


def big_sheet(no: str) -> Sheet:
    """A sheet whose bullets need many new pages."""
    return make_sheet(no, efforts=tuple(f"{n}: {FRAUD_BULLET * 20}" for n in range(40)))


@contextlib.contextmanager
def disk_full(book: Book) -> Iterator[None]:
    """Let the book grow by no page (SQLite then fails as on a full disk)."""
    conn = book._db.conn
    page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {page_count}")
    try:
        yield
    finally:
        conn.execute("PRAGMA max_page_count = 4294967294")


def test_a_save_on_a_full_disk_is_refused_and_the_book_is_unchanged(book_path: Path) -> None:
    with Book.open(book_path) as book:
        sheet = book.find_sheet(2020, "9")
        assert sheet is not None
        before_sheets = book.list_sheets()
        before_hash = sha256(book_path)

        with disk_full(book):
            with pytest.raises(DiskFullError) as caught:
                book.save_sheet(big_sheet("11"))
            assert "ディスクの空きが足りないため保存できません" in str(caught.value)
            with pytest.raises(DiskFullError):
                book.save_sheet(dataclasses.replace(big_sheet("9"), id=sheet.id, revision=1))
            with pytest.raises(DiskFullError):
                book.import_sheets([big_sheet(str(n)) for n in range(40, 50)])

            assert book.list_sheets() == before_sheets
            assert [e.revision for e in book.history(sheet.id or 0)] == [1]
            assert not book._db.conn.in_transaction
        assert sha256(book_path) == before_hash
        assert leftovers(book_path) == []

        # With room again, the same save goes through.
        saved = book.save_sheet(big_sheet("11"))
        assert book.get_sheet(saved.id or 0) == big_sheet("11")

    with Book.open(book_path) as book:
        assert book.count_sheets() == 4
        assert book.find_sheet(2020, "9") == make_sheet()
