"""評価一覧をExcelに書き出し: the menu, the file it writes, and failures."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from kpidesk.book.store import Book
from kpidesk.evaluation import LEGACY_SETTINGS, Rounding
from kpidesk.exchange import numformat
from ui.actions import Action
from ui.main_window import MainWindow


def summary_lines(path: Path) -> tuple[Any, dict[tuple[str, str], dict[str, str]]]:
    """The 評価一覧 worksheet and what Excel shows on each line, keyed by (年度?, No, 区分)."""
    ws = openpyxl.load_workbook(path)["評価一覧"]
    headers = [cell.value for cell in ws[3]]
    lines: dict[tuple[str, str], dict[str, str]] = {}
    for row in ws.iter_rows(min_row=4):
        shown = {
            header: numformat.cell_text(cell.value, cell.number_format)
            for header, cell in zip(headers, row, strict=True)
        }
        lines[(shown.get("年度", ""), shown["No"], shown["区分"])] = shown
    return ws, lines


def show_year(window: MainWindow, year: int | None) -> None:
    combo = window.list_panel.year_combo
    combo.setCurrentIndex(combo.findData(year))
    QApplication.processEvents()


def open_no(window: MainWindow, no: str) -> None:
    sheet_id = next(s.id for s in window.session.book.list_entries() if s.no == no)
    assert window.list_panel.select_sheet(sheet_id)
    QApplication.processEvents()
    assert window.session.document is not None and window.session.document.sheet.no == no


def test_the_menu_writes_the_list_years_summary(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[str] = []

    def save_name(parent: object, title: str, folder: str, filters: str) -> tuple[str, str]:
        asked.append(folder)
        return str(tmp_path / Path(folder).name), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    show_year(window, 2020)
    assert window.actions[Action.EXPORT_SUMMARY].isEnabled()
    window.actions[Action.EXPORT_SUMMARY].trigger()
    assert Path(asked[0]).name == "評価一覧_R2.xlsx"
    target = tmp_path / "評価一覧_R2.xlsx"
    ws, lines = summary_lines(target)
    assert ws["A1"].value == "KPI評価一覧（令和2年度）\u3000見本 ブック.kpidb"
    assert len(lines) == 18
    no9 = lines[("", "9", "単年")]
    assert (no9["最新実績"], no9["前年比"], no9["達成率"], no9["評価"]) == (
        "5,081 (R2)", "-1,417件(-21.8%)", "127.9%", "A",
    )  # fmt: skip
    assert (lines[("", "17", "単年")]["達成率"], lines[("", "17", "単年")]["評価"]) == (
        "117.1%", "A",
    )  # fmt: skip
    no27 = lines[("", "27", "単年")]
    # Ranked by the 期待値 with the floor: 473 is below the base of 763.
    assert (no27["達成率"], no27["進捗率"], no27["評価"]) == ("59.1%", "基準値を下回る", "D")
    assert lines[("", "16", "単年")]["備考"] == "R2の実績値が集計中です。"
    assert lines[("", "26", "累計")]["評価"] == "—"
    assert "評価一覧を書き出しました" in window.statusBar().currentMessage()


def test_the_open_sheets_unsaved_edits_and_the_books_rounding_are_used(
    window: MainWindow, tmp_path: Path
) -> None:
    # A book ranking against the final target, as before the 期待値, with truncation.
    window.session.book.set_evaluation_settings(
        dataclasses.replace(LEGACY_SETTINGS, rounding=Rounding.TRUNCATE)
    )
    open_no(window, "27")
    model = window.form.value_table.model
    headers = [
        model.headerData(column, Qt.Orientation.Horizontal).replace("\n", "")
        for column in range(model.columnCount())
    ]
    assert model.setData(model.index(0, headers.index("R2実績値")), "799")
    assert window.isWindowModified()
    target = tmp_path / "edited.xlsx"
    assert window.exchange.export_evaluation_table(target, report_year=2020) == 18
    _, lines = summary_lines(target)
    no27 = lines[("", "27", "単年")]
    assert (no27["最新実績"], no27["達成率"], no27["評価"]) == ("799 (R2)", "99.8%", "B")
    assert no27["進捗率"] == "97.2%"  # (799 - 763) / (800 - 763) = 97.29...%, truncated
    assert lines[("", "9", "単年")]["達成率"] == "127.8%"  # 127.88...%, truncated
    stored = window.session.book.find_sheet(2020, "27")
    assert stored.rows[0].actuals[stored.actual_years.index(2020)].text == "473"  # not saved


def test_all_years_in_the_list_write_the_whole_book_with_a_year_column(
    make_window, demo_book: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with Book.open(demo_book, create=False) as store:
        sheet = store.find_sheet(2020, "17")
        store.import_sheets([dataclasses.replace(sheet, report_year=2021, id=None)])
    window = make_window(demo_book)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda parent, title, folder, filters: (str(out / Path(folder).name), filters),
    )
    show_year(window, None)
    window.actions[Action.EXPORT_SUMMARY].trigger()
    ws, lines = summary_lines(out / "評価一覧.xlsx")
    assert ws["A1"].value.startswith("KPI評価一覧（令和2年度・令和3年度）")
    assert len(lines) == 19
    assert lines[("令和3年度", "17", "単年")]["達成率"] == "117.1%"
    assert lines[("令和2年度", "9", "単年")]["評価"] == "A"
    show_year(window, 2021)
    window.actions[Action.EXPORT_SUMMARY].trigger()
    _, lines = summary_lines(out / "評価一覧_R3.xlsx")
    assert list(lines) == [("", "17", "単年")]


def test_failures_say_why_in_japanese_and_leave_nothing(
    window: MainWindow, answers, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    missing = tmp_path / "ない" / "評価一覧.xlsx"
    assert window.exchange.export_evaluation_table(missing, report_year=2020) == 0
    assert "評価一覧をExcelに書き出せませんでした" in answers.errors[-1]
    assert "保存先のフォルダがありません" in answers.errors[-1]
    assert not missing.parent.exists()

    # A control character another program stored is read as U+FFFD, as
    # every way in replaces it: the workbook is written and reads back.
    target = tmp_path / "評価一覧.xlsx"
    target.write_bytes(b"old")
    sheet = window.session.book.find_sheet(2020, "28")  # not the open sheet
    sheet.title = "制御\x01文字"
    window.session.book.save_sheet(sheet)
    assert window.exchange.export_evaluation_table(target, report_year=2020) > 0
    texts = [
        cell.value
        for row in openpyxl.load_workbook(target).worksheets[0].iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert "制御\ufffd文字" in texts
    assert sorted(path.name for path in tmp_path.iterdir()) == ["評価一覧.xlsx"]

    assert window.exchange.export_evaluation_table(tmp_path / "r5.xlsx", report_year=2023) == 0
    assert answers.errors[-1] == "令和5年度のシートがないため、評価一覧を書き出せません。"
    assert not (tmp_path / "r5.xlsx").exists()


def test_a_cancel_leaves_no_file(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import contextlib
    from collections.abc import Iterator

    from ui.dialogs import progress as progress_dialog
    from ui.dialogs.progress import Cancelled

    @contextlib.contextmanager
    def cancelled_at_the_third(parent: object, label: str) -> Iterator[object]:
        assert "評価一覧" in label

        def report(done: int, total: int) -> None:
            if done == 3:
                raise Cancelled

        yield report

    monkeypatch.setattr(progress_dialog, "progress", cancelled_at_the_third)
    out = tmp_path / "out"
    out.mkdir()
    assert window.exchange.export_evaluation_table(out / "評価一覧.xlsx", report_year=2020) == 0
    assert list(out.iterdir()) == []
    assert window.statusBar().currentMessage() == "評価一覧の書き出しを取り消しました"
