"""The yearly roll-over (年度更新) and the year locks: the pure copy, the store, the command."""

from __future__ import annotations

import copy
import dataclasses
import io
from pathlib import Path

import pytest

from kpidesk import cli, samples
from kpidesk.book import backups
from kpidesk.book.errors import BookError, DuplicateSheetError, ReadOnlyError, YearLockedError
from kpidesk.book.store import Book
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.rollover import rolled_over, rollover_warnings


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(arg) for arg in args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def without_years(sheet: Sheet) -> dict[str, object]:
    """What a roll-over keeps: everything but the report year and the bookkeeping."""
    data = dataclasses.asdict(sheet)
    for key in ("report_year", "id", "revision", "updated_at"):
        del data[key]
    return data


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "見本.kpidb"
    samples.create_sample_book(path).close()
    return path


@pytest.fixture
def store(book: Path) -> Book:
    with Book.open(book, create=False) as opened:
        yield opened


def short_sheet() -> Sheet:
    """A sheet whose actual columns stop at its report year (R2)."""
    return Sheet(
        report_year=2020,
        no="9",
        departments=["警察本部生活安全企画課", "くらしの安全推進課"],
        title="刑法犯認知件数",
        section="1 安全・安心",
        baseline_year=2019,
        actual_years=[2020],
        target_year=2023,
        rows=[
            ValueRow("単年", "件/年", Cell("6,498"), [Cell("5,081")], Cell("前年比減")),
            ValueRow("累計", "件", Cell("—"), [Cell("集計中")], Cell("")),
        ],
        efforts=["防犯カメラの設置を支援した。"],
        issues=["高齢者の被害が多い。"],
        direction=["広報を続ける。"],
        id=7,
        revision=3,
        updated_at="2021-03-31T17:00:00",
    )


# --- the pure copy


def test_a_rolled_over_sheet_keeps_everything_but_its_report_year() -> None:
    sheet = samples.sample_sheets()[0]
    saved = dataclasses.replace(sheet, id=4, revision=2, updated_at="2021-03-31T17:00:00")
    new = rolled_over(saved, 2021)
    assert new.report_year == 2021
    assert (new.id, new.revision, new.updated_at) == (None, 0, "")
    assert new.actual_years == sheet.actual_years  # 2021 already has its column
    assert without_years(new) == without_years(sheet)


def test_the_new_year_gets_an_empty_actual_column_when_it_has_none() -> None:
    sheet = short_sheet()
    new = rolled_over(sheet, 2021)
    assert new.actual_years == [2020, 2021]
    assert [[cell.text for cell in row.actuals] for row in new.rows] == [
        ["5,081", ""],
        ["集計中", ""],
    ]
    assert [row.target.text for row in new.rows] == ["前年比減", ""]
    assert new.efforts == sheet.efforts and new.direction == sheet.direction
    assert new.column_labels()[2] == "R3実績値"


def test_the_original_sheet_is_not_changed() -> None:
    sheet = short_sheet()
    before = copy.deepcopy(sheet)
    new = rolled_over(sheet, 2022)
    new.rows[0].actuals[0] = Cell("1")
    new.efforts.append("追記")
    new.departments.append("別の課")
    assert sheet == before
    assert sheet.actual_years == [2020] and len(sheet.rows[0].actuals) == 1
    assert (sheet.id, sheet.revision) == (7, 3)


def test_a_year_inside_the_columns_adds_none() -> None:
    sheet = dataclasses.replace(short_sheet(), actual_years=[2019])
    for row in sheet.rows:
        row.actuals = [Cell("1")]
    sheet.report_year = 2018
    assert rolled_over(sheet, 2019).actual_years == [2019]  # already there
    sheet.actual_years = [2025]  # a new year before the last column: nothing to add
    assert rolled_over(sheet, 2020).actual_years == [2025]


def test_a_sheet_without_actual_columns_gets_the_new_year() -> None:
    sheet = Sheet(report_year=2020, no="1", rows=[ValueRow("単年")])
    new = rolled_over(sheet, 2021)
    assert new.actual_years == [2021]
    assert new.rows[0].actuals == [Cell()]


@pytest.mark.parametrize("to_year", [2020, 2019])
def test_rolling_back_or_onto_the_same_year_is_refused(to_year: int) -> None:
    with pytest.raises(ValueError, match="より後"):
        rolled_over(short_sheet(), to_year)


# --- the store


def test_store_rollover_makes_every_sheet_and_locks_the_old_year(store: Book) -> None:
    old = store.list_sheets(report_year=2020)
    calls: list[tuple[int, int]] = []
    made = store.rollover(2020, progress=lambda done, total: calls.append((done, total)))
    assert [sheet.no for sheet in made] == [sheet.no for sheet in old]
    assert all(sheet.report_year == 2021 and sheet.revision == 1 for sheet in made)
    assert calls == [(done, 15) for done in range(1, 16)]
    new = store.list_sheets(report_year=2021)
    assert [sheet.id for sheet in new] == [sheet.id for sheet in made]
    assert [without_years(sheet) for sheet in new] == [without_years(sheet) for sheet in old]
    assert store.list_sheets(report_year=2020) == old  # untouched
    assert store.locked_years() == {2020}
    assert store.report_years() == [2021, 2020]
    assert [entry.revision for entry in store.history(made[0].id)] == [1]


def test_store_rollover_to_a_later_year_adds_that_column(store: Book) -> None:
    made = store.rollover(2020, 2024)
    assert {sheet.report_year for sheet in made} == {2024}
    no9 = store.find_sheet(2024, "9")
    assert no9.actual_years == [2020, 2021, 2022, 2023, 2024]
    assert [cell.text for cell in no9.rows[0].actuals] == ["5,081", "", "", "", ""]
    assert store.locked_years() == {2020}


def test_saving_a_locked_year_is_refused_until_it_is_unlocked(store: Book) -> None:
    store.rollover(2020)
    sheet = store.find_sheet(2020, "9")
    sheet.title = "変えた名前"
    with pytest.raises(YearLockedError, match="令和2年度の報告はロックされているため") as caught:
        store.save_sheet(sheet)
    assert caught.value.year == 2020
    assert store.find_sheet(2020, "9").title == "刑法犯認知件数"
    with pytest.raises(YearLockedError):
        store.delete_sheet(sheet.id)
    new = store.find_sheet(2021, "9")  # the new year is open for edits
    new.title = "今年の名前"
    assert store.save_sheet(new).revision == 2
    store.unlock_year(2020)
    assert store.locked_years() == set()
    assert store.save_sheet(sheet).title == "変えた名前"


def test_rolling_over_onto_existing_nos_writes_nothing(store: Book) -> None:
    existing = dataclasses.replace(store.find_sheet(2020, "17"), id=None, report_year=2021)
    existing.title = "先に作った"
    store.save_sheet(existing)
    other = dataclasses.replace(store.find_sheet(2020, "9"), id=None, report_year=2021)
    store.save_sheet(other)
    with pytest.raises(DuplicateSheetError) as caught:
        store.rollover(2020)
    assert caught.value.keys == [(2021, "9"), (2021, "17")]
    assert str(caught.value) == "2021年度 No 9、No 17 は既にあります"
    assert len(store.list_entries(report_year=2021)) == 2
    assert store.find_sheet(2021, "17").title == "先に作った"
    assert store.locked_years() == set()


def test_a_roll_over_is_all_or_nothing(store: Book) -> None:
    def fail_at_the_eighth(done: int, total: int) -> None:
        if done == 8:
            raise KeyboardInterrupt  # a cancel, or anything else, half-way

    with pytest.raises(KeyboardInterrupt):
        store.rollover(2020, progress=fail_at_the_eighth)
    assert store.report_years() == [2020]
    assert store.count_sheets() == 15
    assert store.locked_years() == set()
    assert store.rollover(2020)  # and it can be done again afterwards


@pytest.mark.parametrize(
    ("from_year", "to_year", "message"),
    [
        (2019, None, "2019年度のシートがないため、年度更新できません"),
        (2020, 2020, "年度更新の先（2020年度）は元の報告年度（2020年度）より後にしてください"),
        (2020, 2018, "より後にしてください"),
    ],
)
def test_a_roll_over_with_nothing_to_copy_is_refused(
    store: Book, from_year: int, to_year: int | None, message: str
) -> None:
    with pytest.raises(BookError, match=message):
        store.rollover(from_year, to_year)
    assert store.report_years() == [2020]
    assert store.locked_years() == set()


def test_a_locked_new_year_is_refused(store: Book) -> None:
    store.lock_year(2021)
    with pytest.raises(YearLockedError) as caught:
        store.rollover(2020)
    assert caught.value.year == 2021
    assert store.report_years() == [2020]
    assert store.locked_years() == {2021}


def test_a_read_only_book_cannot_be_rolled_over(book: Path) -> None:
    before = book.read_bytes()
    with Book.open(book, create=False, read_only=True) as store, pytest.raises(ReadOnlyError):
        store.rollover(2020)
    assert book.read_bytes() == before


def test_other_locked_years_stay_locked(store: Book) -> None:
    store.lock_year(2015)
    store.rollover(2020)
    assert store.locked_years() == {2015, 2020}


# --- the command line


def test_cli_rollover_makes_the_2021_report_and_locks_2020(book: Path) -> None:
    with Book.open(book, create=False) as store:
        old = store.list_sheets(report_year=2020)
    code, out, err = run("rollover", "--db", book, "--from", "2020")
    assert (code, err) == (0, "")
    assert out == (
        f"2020年度の15シートから2021年度のシートを作り、2020年度をロックしました: {book}\n"
    )
    with Book.open(book, create=False) as store:
        new = store.list_sheets(report_year=2021)
        assert len(new) == 15
        assert [without_years(sheet) for sheet in new] == [without_years(sheet) for sheet in old]
        assert store.find_sheet(2021, "9").rows[0].actuals[0].text == "5,081"
        assert store.find_sheet(2021, "9").efforts == store.find_sheet(2020, "9").efforts
        assert store.locked_years() == {2020}
        sheet = store.find_sheet(2020, "9")
        sheet.title = "変えた名前"
        with pytest.raises(YearLockedError):
            store.save_sheet(sheet)
    taken = backups.list_backups(book)
    assert [backup.reason for backup in taken] == ["年度更新の前"]
    assert taken[0].sheet_count() == 15  # the book as it was before


def test_cli_rollover_takes_era_years_and_a_target_year(book: Path) -> None:
    code, out, _ = run("rollover", "--db", book, "--from", "R2", "--to", "令和4年度")
    assert code == 0
    assert "2022年度のシートを作り" in out
    with Book.open(book, create=False) as store:
        assert store.report_years() == [2022, 2020]


def test_cli_rollover_twice_is_refused_and_changes_nothing(book: Path) -> None:
    assert run("rollover", "--db", book, "--from", "2020")[0] == 0
    before = book.read_bytes()
    code, out, err = run("rollover", "--db", book, "--from", "2020")
    assert (code, out) == (1, "")
    assert err.startswith("エラー: 2021年度 No 9、No 10、")
    assert "は既にあります。年度更新できません" in err
    assert len(err.splitlines()) == 1
    assert book.read_bytes() == before
    assert len(backups.list_backups(book)) == 1  # no backup for a refused roll-over


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2019"], "2019年度のシートがないため、年度更新できません"),
        (["--from", "2020", "--to", "2020"], "より後にしてください"),
    ],
)
def test_cli_rollover_errors_are_one_japanese_line(
    book: Path, args: list[str], message: str
) -> None:
    before = book.read_bytes()
    code, out, err = run("rollover", "--db", book, *args)
    assert (code, out) == (1, "")
    assert err.startswith("エラー: ") and message in err
    assert len(err.splitlines()) == 1
    assert book.read_bytes() == before


def test_cli_rollover_needs_an_existing_book(tmp_path: Path) -> None:
    missing = tmp_path / "ない.kpidb"
    code, _, err = run("rollover", "--db", missing, "--from", "2020")
    assert code == 1 and err.startswith("エラー: ")
    assert not missing.exists()


def test_cli_rollover_needs_from(book: Path) -> None:
    code, _, err = run("rollover", "--db", book)
    assert code == cli.EXIT_USAGE
    assert "必須の指定がありません: --from" in err


def test_cli_unlock_and_lock_a_year(book: Path) -> None:
    assert run("rollover", "--db", book, "--from", "2020")[0] == 0
    assert run("unlock-year", "--db", book, "--year", "R2") == (
        0,
        f"2020年度のロックを解除しました: {book}\n",
        "",
    )
    with Book.open(book, create=False) as store:
        assert store.locked_years() == set()
    assert run("unlock-year", "--db", book, "--year", "2020")[1].startswith(
        "2020年度はロックされていません（何も変えていません）"
    )
    assert run("lock-year", "--db", book, "--year", "2020") == (
        0,
        f"2020年度をロックしました: {book}\n",
        "",
    )
    with Book.open(book, create=False) as store:
        assert store.locked_years() == {2020}


def sample(no: str) -> Sheet:
    return next(sheet for sheet in samples.sample_sheets() if sheet.no == no)


def test_rolling_past_the_last_column_adds_every_year_between() -> None:
    sheet = sample("15")  # actuals R1-R5 (2019-2023), report 2020
    later = rolled_over(sheet, 2025)
    assert later.actual_years == [2019, 2020, 2021, 2022, 2023, 2024, 2025]
    assert all(len(row.actuals) == 7 for row in later.rows)


def test_warnings_name_sheets_past_their_target_or_too_wide_for_excel() -> None:
    sheets = [sample("9"), sample("15")]  # target R5; actual columns 4 and 5
    assert rollover_warnings(sheets, 2021, excel_years=5) == []
    warnings = rollover_warnings(
        [dataclasses.replace(s, report_year=2023) for s in sheets], 2024, excel_years=5
    )
    assert warnings == [
        "No 9、No 15は目標年度を過ぎた年度の報告になります"
        "（新しい戦略のシートは新しく作るのが普通です）",
        "No 15は実績値の列が5列を超えるため、Excelには書き出せません（PDF・印刷はできます）",
    ]


def test_cli_rollover_warns_past_the_target_year(book: Path) -> None:
    code, out, err = run("rollover", "--db", book, "--from", "2020", "--to", "2024")
    assert (code, err) == (0, "")
    assert "注意: No 9、No 10" in out and "目標年度を過ぎた" in out
    assert "Excelには書き出せません" in out


def test_cli_lock_year_refuses_a_year_without_sheets(book: Path) -> None:
    code, _, err = run("lock-year", "--db", book, "--year", "2030")
    assert code == 1
    assert "2030年度のシートがブックにありません" in err


def test_the_reviewers_comment_stays_with_the_year_it_was_on() -> None:
    sheet = dataclasses.replace(
        samples.sample_sheets()[0],
        source="熊本県警察本部「犯罪統計」",
        next_release="令和4年3月",
        opinions=["件数は減少しているが、高齢者の被害に注意が必要。"],
    )
    new = rolled_over(sheet, 2021)
    assert new.opinions == []
    assert (new.source, new.next_release) == ("熊本県警察本部「犯罪統計」", "令和4年3月")
    assert sheet.opinions  # the original keeps it
