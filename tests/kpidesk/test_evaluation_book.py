"""A book's ranks: settings kept across versions, the list's rank inputs, migration 6."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

from sqlite_utils import Database

from kpidesk import evaluation, evaluation_summary
from kpidesk.book import schema as schema_module
from kpidesk.book.schema import META_EVALUATION, SCHEMA_VERSION
from kpidesk.book.store import Book
from kpidesk.evaluation import LEGACY_SETTINGS, Basis, EvaluationSettings, ExternalMode
from kpidesk.exchange import jsonio
from kpidesk.model import Cell, Sheet
from kpidesk.samples import sample_sheets
from tests.kpidesk.test_expected import RANKS_AFTER, RANKS_BEFORE
from tests.kpidesk.test_store import pragma, raw


def make_version_5_book(path: Path, sheets: list[Sheet], settings: object = None) -> None:
    """A book as KPI Desk left it before the 期待値: migrations 1..5 and these sheets.

    The sheets go in right after migration 1, as in ``test_store.make_old_book``;
    the later migrations fill in what they add. ``settings``: the rank scheme
    stored in ``meta`` (None: none, as a book whose settings were never saved).
    """
    with raw(path) as connection:
        db = Database(connection)
        with db.atomic():
            schema_module.MIGRATIONS[1](db)
            for sheet in sheets:
                connection.execute(
                    "INSERT INTO sheets (report_year, no, departments, departments_json, title,"
                    " section, data, revision, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    [
                        sheet.report_year,
                        sheet.no,
                        "、".join(sheet.departments),
                        json.dumps(sheet.departments, ensure_ascii=False),
                        sheet.title,
                        sheet.section,
                        json.dumps(jsonio.sheet_to_dict(sheet), ensure_ascii=False),
                        "2021-04-01T09:00:00",
                        "2021-04-01T09:00:00",
                    ],
                )
            for number in range(2, 6):
                schema_module.MIGRATIONS[number](db)
            if settings is not None:
                connection.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [META_EVALUATION, json.dumps(settings, ensure_ascii=False)],
                )
            connection.execute("PRAGMA user_version = 5")


def list_ranks(book: Book) -> dict[str, str | None]:
    settings = book.evaluation_settings()
    return {
        entry.no: evaluation.entry_rank(entry, settings)[1].label for entry in book.list_entries()
    }


def test_a_version_5_book_keeps_ranking_as_it_did(tmp_path: Path) -> None:
    path = tmp_path / "r2.kpidb"
    make_version_5_book(path, sample_sheets())

    with Book.open(path) as book:
        assert pragma(path, "user_version") == SCHEMA_VERSION
        # It kept no settings: it ranked by the defaults of its day, now kept in it.
        assert book.evaluation_settings() == LEGACY_SETTINGS
        assert book.settings_problems() == []
        assert list_ranks(book) == RANKS_BEFORE
        assert all(entry.rank_rows for entry in book.list_entries())
        summary = evaluation_summary.summarize(book.list_sheets(), book.evaluation_settings())
        assert {item.sheet.no: item.result.label for item in summary.items} == RANKS_BEFORE
        # Choosing the 期待値 later ranks the list anew without saving any sheet.
        book.set_evaluation_settings(EvaluationSettings())
        assert list_ranks(book) == RANKS_AFTER


def test_settings_a_version_5_book_saved_are_kept_with_the_floor_off(tmp_path: Path) -> None:
    path = tmp_path / "progress.kpidb"
    stored = {**LEGACY_SETTINGS.to_dict(), "basis": "progress"}
    del stored["floor"], stored["external"]
    make_version_5_book(path, sample_sheets(), settings=stored)

    with Book.open(path) as book:
        settings = book.evaluation_settings()
        assert (settings.basis, settings.floor, settings.external) == (
            Basis.PROGRESS, False, ExternalMode.REFERENCE,
        )  # fmt: skip
        ranks = list_ranks(book)
        assert ranks["27"] == "D" and ranks["17"] == "A"  # -783.8 % and 700 % of progress
        assert ranks["19"] == "D"  # -7.3 %: D by its rate, not by a floor


def test_an_empty_version_5_book_and_a_new_book_rank_by_the_expected_value(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.kpidb"
    make_version_5_book(empty, [])
    with Book.open(empty) as book:
        assert book.evaluation_settings() == EvaluationSettings()
    with Book.open(tmp_path / "new.kpidb") as book:
        assert book.evaluation_settings() == EvaluationSettings()
        book.import_sheets(sample_sheets())
        assert list_ranks(book) == RANKS_AFTER
    with raw(tmp_path / "new.kpidb") as connection:
        [stored] = connection.execute(
            "SELECT value FROM meta WHERE key = ?", [META_EVALUATION]
        ).fetchone()
    assert json.loads(stored)["basis"] == "expected" and json.loads(stored)["floor"] is True


def test_migration_6_leaves_a_damaged_sheet_to_its_older_columns(tmp_path: Path) -> None:
    path = tmp_path / "damaged.kpidb"
    make_version_5_book(path, sample_sheets()[:1])
    with raw(path) as connection:
        connection.execute(
            "INSERT INTO sheets (report_year, no, data, revision, created_at, updated_at)"
            " VALUES (2020, '99', '{\"broken', 1, '2021-04-01', '2021-04-01')"
        )

    with Book.open(path) as book:
        good, damaged = book.list_entries()
        assert good.rank_rows and list_ranks(book)["9"] == "A"
        assert damaged.no == "99" and damaged.rank_rows == ()
        assert evaluation.entry_rank(damaged, book.evaluation_settings())[1].label is None


def test_rank_inputs_a_book_holds_are_read_as_untrusted(tmp_path: Path) -> None:
    path = tmp_path / "hostile.kpidb"
    with Book.open(path) as book:
        book.import_sheets(sample_sheets()[:3])
    hostile = [
        "not json",
        "[" * 100_000,
        json.dumps([{"row": 0, "expected": "1E+999999"}, "x"]),
        json.dumps([{"row": 0}] * 51),
        "x" * 300_000,
    ]
    with raw(path) as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM sheets ORDER BY id")]
        for sheet_id, text in zip(ids, hostile, strict=False):
            connection.execute("UPDATE sheets SET eval_rates = ? WHERE id = ?", [text, sheet_id])
    with Book.open(path) as book:
        entries = book.list_entries()
        assert [entry.rank_rows for entry in entries] == [(), (), ()]
        # The older columns still rank them (No 9: a met 前年比減).
        assert list_ranks(book)["9"] == "A"
        # Saving a sheet writes its inputs again.
        sheet = book.find_sheet(2020, "9")
        assert sheet is not None
        book.save_sheet(dataclasses.replace(sheet, title=sheet.title + "（改）"))
        assert book.get_list_entry(sheet.id or 0).rank_rows


def test_a_sheet_judged_in_the_first_year_of_showa_never_stops_the_book(tmp_path: Path) -> None:
    # Its year before (1925) has no era label: it is named by its Western year.
    first = dataclasses.replace(
        sample_sheets()[0], report_year=1926, baseline_year=1926, actual_years=[1926, 1927],
        target_year=1930,
    )  # fmt: skip
    first.rows[0].actuals = [Cell("5,081"), Cell("")]
    judged = evaluation.evaluate_sheet(first)
    assert judged[0].latest == 5081 and "1925年度" in judged[0].change_reason
    path = tmp_path / "昭和.kpidb"
    make_version_5_book(path, [first, *sample_sheets()[1:3]])
    with Book.open(path) as book:  # migrated to version 6
        assert len(book.list_entries()) == 3


def test_a_stored_rank_input_of_another_shape_is_left_out_not_raised() -> None:
    from kpidesk.ranking import read_rank_rows

    [row] = read_rank_rows('[{"row": 0, "mark": {}, "binary": [], "achievement": "90"}]')
    assert (row.mark, row.binary, row.achievement) == ("", "", Decimal("90"))


def test_a_sheet_of_many_expected_rows_is_judged_with_one_look_at_its_rows(monkeypatch) -> None:
    from kpidesk import expected

    base = sample_sheets()[3]
    rows = [dataclasses.replace(base.rows[0], label="期待値" if i % 2 else f"行{i}")
            for i in range(400)]  # fmt: skip
    looks = []
    real = expected.yardsticks
    monkeypatch.setattr(expected, "yardsticks", lambda sheet: looks.append(1) or real(sheet))
    judged = evaluation.evaluate_sheet(dataclasses.replace(base, rows=rows))
    assert len(judged) == 400 and len(looks) == 1
    assert judged[1].is_yardstick and judged[1].yardstick_of == 0
