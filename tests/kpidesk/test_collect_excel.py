"""Hand out with Excel workbooks, and collect (回収) of a returned workbook."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from kpidesk.book import cyclestore
from kpidesk.book.store import Book
from kpidesk.collect import Decision, apply_collect, plan_collect
from kpidesk.cycle import HandoutMark, Outcome, read_log
from kpidesk.exchange import excel_reader, handout_workbook
from kpidesk.exchange.excel_template import (
    HANDOUT_MARK_TITLE,
    name_destination,
    range_top_left,
)
from kpidesk.exchange.xlsx_cells import open_untrusted
from kpidesk.handout import HandoutError, distribute
from kpidesk.samples import create_sample_book

DEPARTMENT = "観光振興課"


@pytest.fixture
def handed(tmp_path: Path) -> tuple[Path, Path]:
    """The sample book and the Excel workbook handed out to 観光振興課 (No 28 and 29)."""
    origin = tmp_path / "origin.kpidb"
    with create_sample_book(origin) as book:
        paths = distribute(book, tmp_path / "out", 2020, [DEPARTMENT], excel=True)
    assert [path.suffix for path in paths] == [".kpidb", ".xlsx"]
    return origin, paths[1]


def _cell(ws, name: str) -> tuple[int, int]:
    destination = name_destination(ws.defined_names[name])
    assert destination is not None
    return range_top_left(destination[1])


def _edit_workbook(path: Path, no: str, *, efforts: str = "", actual: float | None = None) -> None:
    """Edit the workbook as a department does in Excel: a text box, a 実績値 cell."""
    wb = openpyxl.load_workbook(path)
    ws = wb[f"No{no}"]
    if efforts:
        ws.cell(*_cell(ws, "KPI_EFFORTS")).value = efforts
    if actual is not None:
        top, left = _cell(ws, "KPI_TABLE")
        ws.cell(top + 1, left + 3).value = actual  # the first row's first 実績値
    wb.save(path)


def _edit_origin(origin: Path, no: str, efforts: list[str]) -> None:
    with Book.open(origin) as book:
        sheet = book.find_sheet(2020, no)
        assert sheet is not None
        book.save_sheet(dataclasses.replace(sheet, efforts=efforts))


def _state(origin: Path) -> tuple[list, str | None]:
    with Book.open(origin, read_only=True) as book:
        return book.list_sheets(), cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG)


def _set_mark(path: Path, text: str | None, rows: list[str] | None = None) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[HANDOUT_MARK_TITLE]
    wb.remove(ws)
    if text is not None or rows is not None:
        ws = wb.create_sheet(HANDOUT_MARK_TITLE)
        for row, chunk in enumerate(rows if rows is not None else [text], start=1):
            ws.cell(row, 1).value = chunk
        ws.sheet_state = "veryHidden"
    wb.save(path)


def test_hand_out_with_excel_writes_a_workbook_with_the_hidden_mark(
    handed: tuple[Path, Path],
) -> None:
    origin, workbook = handed
    book_path = workbook.with_suffix(".kpidb")
    assert book_path.exists() and workbook.name == f"2020_{DEPARTMENT}.xlsx"
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == ["一覧", "No28", "No29", HANDOUT_MARK_TITLE]
    assert wb[HANDOUT_MARK_TITLE].sheet_state == "veryHidden"
    assert [ws.sheet_state for ws in wb.worksheets[:3]] == ["visible"] * 3
    mark = HandoutMark.from_json(
        handout_workbook.mark_text_of(open_untrusted(workbook, "ファイル"))
    )
    with Book.open(book_path, read_only=True) as book:
        assert mark == HandoutMark.from_json(cyclestore.read_text(book, cyclestore.META_HANDOUT))
    [entry] = read_log(_state(origin)[1])[0]
    assert entry.handout_id == mark.handout_id and set(entry.excel_handed) == {"28", "29"}


def test_a_plain_excel_import_of_a_handed_out_workbook_still_reads_its_sheets(
    handed: tuple[Path, Path],
) -> None:
    _, workbook = handed
    sheets = excel_reader.read_workbook(workbook)
    assert [(sheet.report_year, sheet.no) for sheet in sheets] == [(2020, "28"), (2020, "29")]


def test_a_department_edit_in_excel_is_taken_keeping_what_excel_cannot_carry(
    handed: tuple[Path, Path],
) -> None:
    origin, workbook = handed
    with Book.open(origin, read_only=True) as book:
        before = book.find_sheet(2020, "28")
    assert before is not None
    _edit_workbook(workbook, "28", efforts="・Excelで書いた取組", actual=25)
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
        assert plan.refusal == ""
        assert [(p.no, p.outcome) for p in plan.sheets] == [
            ("28", Outcome.TAKEN),
            ("29", Outcome.UNCHANGED),
        ]
        result = apply_collect(book, plan)
        after = book.find_sheet(2020, "28")
        history = book.history(after.id or 0) if after else []
    assert [sheet.no for sheet in result.written] == ["28"]
    assert after is not None and after.efforts == ["Excelで書いた取組"]
    assert after.rows[0].actuals[0].text == "25"
    assert [(r.kind, r.target_direction) for r in after.rows] == [
        (r.kind, r.target_direction) for r in before.rows
    ]
    assert history[0].saved_by.startswith(f"回収: {DEPARTMENT} ({workbook.name})")


def test_an_origin_change_on_another_sheet_is_kept(handed: tuple[Path, Path]) -> None:
    origin, workbook = handed
    _edit_workbook(workbook, "28", efforts="・課の版")
    _edit_origin(origin, "29", ["企画課が直した29"])
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
        assert [(p.no, p.outcome) for p in plan.sheets] == [
            ("28", Outcome.TAKEN),
            ("29", Outcome.KEPT),
        ]
        apply_collect(book, plan)
        kept = book.find_sheet(2020, "29")
    assert kept is not None and kept.efforts == ["企画課が直した29"]


def test_both_changed_is_a_conflict_left_open_then_taken_when_decided(
    handed: tuple[Path, Path],
) -> None:
    origin, workbook = handed
    _edit_workbook(workbook, "29", efforts="・課の版")
    _edit_origin(origin, "29", ["企画課の版"])
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
        assert [p.no for p in plan.of(Outcome.CONFLICT)] == ["29"]
        result = apply_collect(book, plan)
        untouched = book.find_sheet(2020, "29")
        again = plan_collect(book, workbook)
        assert [p.no for p in again.of(Outcome.CONFLICT)] == ["29"]  # still open
        apply_collect(book, again, Decision.THEIRS)
        taken = book.find_sheet(2020, "29")
        last = plan_collect(book, workbook)
    assert [c.no for c in result.conflicts] == ["29"] and result.written == []
    assert untouched is not None and untouched.efforts == ["企画課の版"]
    assert taken is not None and taken.efforts == ["課の版"]
    assert last.already


def test_collected_twice_unchanged_is_reported(handed: tuple[Path, Path]) -> None:
    origin, workbook = handed
    _edit_workbook(workbook, "28", actual=31)
    with Book.open(origin) as book:
        apply_collect(book, plan_collect(book, workbook))
        again = plan_collect(book, workbook)
    assert again.already
    assert again.of(Outcome.TAKEN, Outcome.ADDED, Outcome.CONFLICT) == []


def test_a_worksheet_the_department_added_is_added(handed: tuple[Path, Path]) -> None:
    origin, workbook = handed
    wb = openpyxl.load_workbook(workbook)
    added = wb.copy_worksheet(wb["No28"])  # read by the form's positions: no names copied
    added["B4"] = "99"
    added["B5"] = "課で足したKPI"
    added["D4"] = "観光振興課"  # No 28 is shared with 港湾課; a new sheet is the department's own
    wb.save(workbook)
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
        assert [p.no for p in plan.of(Outcome.ADDED)] == ["99"]
        apply_collect(book, plan)
        sheet = book.find_sheet(2020, "99")
    assert sheet is not None and sheet.title == "課で足したKPI"


def _tampered(text: str) -> str:
    data = json.loads(text)
    data["department"] = "港湾課"
    return json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda text: None, "配布したファイルではありません"),
        (_tampered, "ファイルの記録（2020年度・港湾課）が違います"),
        (
            lambda text: text.replace('"hashes"', '"hashes": 1, "x"'),
            "配布したファイルではありません",
        ),
    ],
)
def test_a_workbook_without_a_usable_mark_is_refused_and_nothing_written(
    handed: tuple[Path, Path], change, said: str
) -> None:
    origin, workbook = handed
    _edit_workbook(workbook, "28", efforts="・課の版")
    text = handout_workbook.mark_text_of(open_untrusted(workbook, "ファイル"))
    assert text is not None
    _set_mark(workbook, change(text))
    before = _state(origin)
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
        with pytest.raises(ValueError):
            apply_collect(book, plan)
    assert said in plan.refusal and "何も取り込んでいません" in plan.refusal
    assert _state(origin) == before


def test_a_workbook_handed_out_from_another_book_is_refused(
    handed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, workbook = handed
    with create_sample_book(tmp_path / "other.kpidb") as other:
        other.identity(assign=True)
        plan = plan_collect(other, workbook)
    assert "別のブックから配布されたファイル" in plan.refusal


def test_a_mark_worksheet_of_too_many_chunks_is_refused(handed: tuple[Path, Path]) -> None:
    origin, workbook = handed
    text = handout_workbook.mark_text_of(open_untrusted(workbook, "ファイル"))
    assert text is not None
    filler = [" "] * handout_workbook.MAX_CHUNKS  # still valid JSON when joined
    _set_mark(workbook, None, rows=[text, *filler])
    assert handout_workbook.mark_text_of(open_untrusted(workbook, "ファイル")) is None
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
    assert "配布したファイルではありません" in plan.refusal


def test_numbers_and_formulas_in_the_mark_are_ignored(handed: tuple[Path, Path]) -> None:
    origin, workbook = handed
    text = handout_workbook.mark_text_of(open_untrusted(workbook, "ファイル"))
    assert text is not None
    rows = [text[:10], 12345, "=A1&A1", text[10:]]
    _set_mark(workbook, None, rows=rows)  # type: ignore[arg-type]
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
    assert plan.refusal == "" and plan.entry is not None


def test_a_workbook_of_a_hand_out_made_without_excel_is_refused(tmp_path: Path) -> None:
    origin = tmp_path / "origin.kpidb"
    with create_sample_book(origin) as book:
        [path] = distribute(book, tmp_path / "out", 2020, [DEPARTMENT])
    with Book.open(path, read_only=True) as handed:
        mark = cyclestore.read_text(handed, cyclestore.META_HANDOUT)
        sheets = handed.list_sheets()
    assert mark is not None
    workbook = tmp_path / "作った.xlsx"
    with workbook.open("wb") as stream:
        handout_workbook.write_handout_workbook(sheets, stream, mark)
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
    assert "Excelのブックを作っていない" in plan.refusal


def test_files_are_told_by_their_content_not_their_name(
    handed: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, workbook = handed
    _edit_workbook(workbook, "28", efforts="・課の版")
    renamed_book = tmp_path / "課.xlsx"
    shutil.copy(workbook.with_suffix(".kpidb"), renamed_book)
    renamed_workbook = tmp_path / "課.kpidb"
    shutil.copy(workbook, renamed_workbook)
    with Book.open(origin) as book:
        as_book = plan_collect(book, renamed_book)
        as_workbook = plan_collect(book, renamed_workbook)
    assert as_book.refusal == "" and as_book.excel_read == {}
    assert as_workbook.refusal == "" and [p.no for p in as_workbook.of(Outcome.TAKEN)] == ["28"]


def test_a_broken_workbook_is_refused_in_japanese(handed: tuple[Path, Path]) -> None:
    origin, workbook = handed
    workbook.write_bytes(b"PK\x03\x04 broken")
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
    assert plan.refusal.startswith("Excelのブックとして読めません")


def test_hand_out_with_excel_never_replaces_a_workbook(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / f"2020_{DEPARTMENT}.xlsx").write_bytes(b"keep")
    with create_sample_book(tmp_path / "origin.kpidb") as book:
        with pytest.raises(HandoutError, match="上書きしません"):
            distribute(book, out, 2020, [DEPARTMENT], excel=True)
        log = cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG)
    assert [p.name for p in out.iterdir()] == [f"2020_{DEPARTMENT}.xlsx"]
    assert log is None


def test_a_workbook_that_cannot_be_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpidesk.exchange.xlsx_safety import ExcelError

    def fail(*args: object, **kwargs: object) -> int:
        raise ExcelError("書けません")

    monkeypatch.setattr(handout_workbook, "write_handout_workbook", fail)
    out = tmp_path / "out"
    with create_sample_book(tmp_path / "origin.kpidb") as book:
        with pytest.raises(HandoutError, match="Excelのブックを作れません"):
            distribute(book, out, 2020, [DEPARTMENT, "港湾課"], excel=True)
        log = cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG)
    assert list(out.iterdir()) == [] and log is None


def test_a_send_back_of_an_excel_department_comes_as_a_workbook_with_the_comments(
    handed: tuple[Path, Path],
) -> None:
    from kpidesk.exchange.excel_reader import read_workbook
    from kpidesk.handout import workbook_path
    from kpidesk.sendback import send_back

    origin, workbook = handed
    _edit_workbook(workbook, "28", actual=31)
    with Book.open(origin) as book:
        apply_collect(book, plan_collect(book, workbook))
        back = send_back(book, DEPARTMENT, workbook.parent, 2020, {"29": "出典を確認してください"})
    returned = workbook_path(back)
    wb = openpyxl.load_workbook(returned)
    comments = wb["企画課コメント"]
    assert wb.active.title == "企画課コメント" and comments.sheet_state == "visible"
    assert [c.value for c in comments[2]][0::2] == ["29", "出典を確認してください"]
    assert {s.no for s in read_workbook(returned)} == {"28", "29"}  # not read as a sheet
    _edit_workbook(returned, "29", efforts="・出典を確かめて直しました")
    with Book.open(origin) as book:
        plan = plan_collect(book, returned)
        assert plan.refusal == "" and [p.no for p in plan.of(Outcome.TAKEN)] == ["29"]
        apply_collect(book, plan)
        sheet = book.find_sheet(2020, "29")
    assert sheet is not None and sheet.efforts == ["出典を確かめて直しました"]


def test_an_older_workbook_after_a_newer_one_is_not_taken_even_when_rows_changed(
    tmp_path: Path,
) -> None:
    origin = tmp_path / "origin.kpidb"
    with create_sample_book(origin) as book:
        sheet = book.find_sheet(2020, "29")
        assert sheet is not None
        sheet.rows[0].target_direction = "up"  # a setting Excel cannot carry, kept by label
        book.save_sheet(sheet)
        [_, workbook] = distribute(book, tmp_path / "out", 2020, [DEPARTMENT], excel=True)
    _edit_workbook(workbook, "29", efforts="・v1 の取組")
    first = tmp_path / "v1.xlsx"
    first.write_bytes(workbook.read_bytes())
    wb = openpyxl.load_workbook(workbook)
    ws = wb["No29"]
    top, left = _cell(ws, "KPI_TABLE")
    ws.cell(top + 1, left).value = "v2で名前を変えた行"
    wb.save(workbook)
    _edit_workbook(workbook, "29", efforts="・v2 の取組")
    with Book.open(origin) as book:
        apply_collect(book, plan_collect(book, first))
        apply_collect(book, plan_collect(book, workbook))
        replay = plan_collect(book, first)
        apply_collect(book, replay)
        sheet = book.find_sheet(2020, "29")
    assert [p.no for p in replay.of(Outcome.OLDER)] == ["29"]
    assert sheet is not None and sheet.efforts == ["v2 の取組"]


def test_a_returned_workbook_beyond_what_a_department_sends_is_not_loaded(
    handed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpidesk.exchange import handout_workbook
    from kpidesk.exchange.xlsx_safety import Budget

    origin, workbook = handed
    monkeypatch.setattr(handout_workbook, "RETURNED", Budget(50 * 1024 * 1024, 2))
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
    assert "ワークシートが多すぎるため読みません" in plan.refusal
    monkeypatch.setattr(handout_workbook, "RETURNED", Budget(10 * 1024, 100))
    with Book.open(origin) as book:
        plan = plan_collect(book, workbook)
    assert "展開すると大きすぎるため読みません" in plan.refusal
