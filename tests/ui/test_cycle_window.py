"""The yearly cycle in the window: 配布…, 回収…, 提出状況… and the department's banner."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import pytest

from PySide6.QtWidgets import QDialog, QFileDialog, QLabel

from kpidesk.book.store import Book
from kpidesk.collect import Decision
from kpidesk.handout import distribute
from kpidesk.model import Cell
from ui.actions import Action
from ui.dialogs.cycle import CollectPreviewDialog, HandoutDialog, SendBackDialog, StatusDialog

DEPARTMENT = "観光振興課"


def _edit(path: Path, no: str, efforts: list[str]) -> None:
    with Book.open(path) as book:
        sheet = book.find_sheet(2020, no)
        assert sheet is not None
        book.save_sheet(dataclasses.replace(sheet, efforts=efforts))


@pytest.fixture
def handed(demo_book: Path, tmp_path: Path) -> Path:
    """観光振興課's file of the sample book, handed out (its sheets: No 28 and 29)."""
    with Book.open(demo_book) as book:
        [path] = distribute(book, tmp_path / "配布", 2020, [DEPARTMENT])
    return path


def test_hand_out_writes_a_file_per_checked_department(
    window, answers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "選んだフォルダ"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
    shown: list[tuple[list[str], str]] = []

    def run(dialog: HandoutDialog) -> int:
        shown.append((dialog.departments(), dialog.folder_edit.text()))
        dialog.on_browse_clicked()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(HandoutDialog, "exec", run)
    window.actions[Action.DISTRIBUTE].trigger()
    [(departments, proposed)] = shown
    assert len(departments) == 12
    assert proposed == str(window.session.book.path.parent / "配布_2020")
    files = sorted(path.name for path in folder.iterdir())
    assert len(files) == 12 and f"2020_{DEPARTMENT}.kpidb" in files
    assert answers.errors == []
    assert "12件のファイルを書き出しました" in answers.infos[-1]


def test_hand_out_refuses_to_overwrite_in_japanese(
    window, answers, monkeypatch: pytest.MonkeyPatch, handed: Path
) -> None:
    dialog = window.cycle.handout_dialog()
    assert dialog is not None
    answers.confirm_answer = True
    assert window.cycle.distribute(2020, [DEPARTMENT, "港湾課"], handed.parent) == []
    assert "配布できませんでした" in answers.errors[-1]
    assert "上書きしません" in answers.errors[-1]
    assert answers.errors[-1].count(str(handed.parent)) == 1
    assert f"ファイル: {handed.name}" in answers.errors[-1]


def test_a_second_hand_out_asks_first_naming_the_departments_and_their_status(
    make_window, demo_book: Path, handed: Path, answers, tmp_path: Path
) -> None:
    _edit(handed, "28", ["課で書いた28"])
    window = make_window(demo_book)
    dialog = window.cycle.collect_dialog([handed])
    assert dialog is not None
    window.cycle.collect(dialog)
    again = tmp_path / "二回目"
    assert window.cycle.distribute(2020, [DEPARTMENT, "港湾課"], again) == []
    question = answers.asked[-1]
    assert "令和2年度に、次の担当課にはすでに配布しています" in question
    assert f"{DEPARTMENT}（提出済）" in question and "港湾課" not in question
    assert "前に配布したファイルは回収できなくなり" in question
    assert not again.exists()
    status = window.cycle.status_dialog()
    assert status is not None and status.shown_rows()[0][7] == "提出済"
    answers.confirm_answer = True
    written = window.cycle.distribute(2020, [DEPARTMENT, "港湾課"], again)
    assert [path.name for path in written] == [
        f"2020_{DEPARTMENT}.kpidb",
        "2020_港湾課.kpidb",
    ]
    assert "2件のファイルを書き出しました" in answers.infos[-1]


def test_collect_preview_shows_taken_and_conflict_and_takes_the_chosen_version(
    make_window, demo_book: Path, handed: Path, answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(handed, "28", ["課で書いた28"])
    _edit(handed, "29", ["課で書いた29"])
    _edit(demo_book, "29", ["企画課が直した29"])
    window = make_window(demo_book)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *args: ([str(handed), str(demo_book)], "")
    )
    seen: list[list[tuple[str, str, str, str]]] = []
    compared: list[list[str]] = []

    notes: list[str] = []

    def run(dialog: CollectPreviewDialog) -> int:
        seen.append(dialog.shown_rows())
        notes.extend(dialog.table.item(row, 4).text() for row in range(dialog.table.rowCount()))
        row = dialog.conflict_row(handed.name, "29")
        compared.append(dialog.compare_dialog(row).table.marked_places())
        dialog.choose(row, Decision.THEIRS)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CollectPreviewDialog, "exec", run)
    window.actions[Action.COLLECT].trigger()
    [rows] = seen
    assert (handed.name, DEPARTMENT, "28", "取り込む") in rows
    assert (handed.name, DEPARTMENT, "29", "競合") in rows
    assert (demo_book.name, "", "", "取り込みません") in rows
    title = window.session.book.find_sheet(2020, "28").title
    assert (
        notes[rows.index((handed.name, DEPARTMENT, "28", "取り込む"))] == f"{title}: 取組状況 2段落"
    )
    assert compared[0] != []
    book = window.session.book
    assert book.find_sheet(2020, "28").efforts == ["課で書いた28"]
    assert book.find_sheet(2020, "29").efforts == ["課で書いた29"]
    message = window.statusBar().currentMessage()
    assert "2件のシートを取り込みました" in message
    assert message.endswith("（取り込めないファイル1件）")
    assert answers.errors == []


def test_a_conflict_left_for_later_keeps_the_origin(
    make_window, demo_book: Path, handed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(handed, "29", ["課で書いた29"])
    _edit(demo_book, "29", ["企画課が直した29"])
    window = make_window(demo_book)
    dialog = window.cycle.collect_dialog([handed])
    assert dialog is not None
    assert window.cycle.collect(dialog) == 0
    assert window.session.book.find_sheet(2020, "29").efforts == ["企画課が直した29"]
    assert "未決の競合1件" in window.statusBar().currentMessage()
    status = window.cycle.status_dialog()
    assert status is not None
    shown = [row[1:2] + row[6:] for row in status.shown_rows()]
    assert shown == [(DEPARTMENT, "No 29", "提出済（競合あり）")]


def test_status_shows_who_has_returned(
    make_window, demo_book: Path, handed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(handed, "28", ["課で書いた28"])
    window = make_window(demo_book)
    dialog = window.cycle.collect_dialog([handed])
    assert dialog is not None
    window.cycle.collect(dialog)
    shown: list[list[tuple[str, ...]]] = []

    def run(status: StatusDialog) -> int:
        shown.append(status.shown_rows())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(StatusDialog, "exec", run)
    window.actions[Action.SUBMISSION_STATUS].trigger()
    [[row]] = shown
    assert row[0] == "令和2年度（2020）"
    assert row[1] == DEPARTMENT
    assert row[3] != "-" and row[4:] == ("-", "1", "-", "提出済")


def test_a_handed_out_book_shows_its_banner_and_saves_a_copy_to_return(
    make_window, handed: Path, answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(handed)
    text = window.book_notice_bar.text
    assert text.startswith(f"配布されたブックです: {DEPARTMENT}（令和2年度）、")
    assert "に 企画課の " in text and "さんが配布" in text
    assert window.book_notice_bar.button.text() == "提出用に保存…"
    proposed: list[str] = []

    def ask(parent: object, title: str, name: str, filters: str) -> tuple[str, str]:
        proposed.append(name)
        return name, ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    window.book_notice_bar.button.click()
    target = handed.with_name(f"{handed.stem}_提出.kpidb")
    assert proposed == [str(target)]
    with Book.open(target, read_only=True) as copy:
        assert sorted(sheet.no for sheet in copy.list_sheets()) == ["28", "29"]
    assert "提出用に保存しました" in answers.infos[-1]


def test_the_collect_preview_says_who_returned_the_file_and_when(
    make_window, demo_book: Path, handed: Path, answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpidesk import handout

    monkeypatch.setattr(handout, "this_user", lambda: "tanaka")
    department = make_window(handed)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (args[2], ""))
    department.book_notice_bar.button.click()
    target = handed.with_name(f"{handed.stem}_提出.kpidb")
    window = make_window(demo_book)
    dialog = window.cycle.collect_dialog([target, handed])
    assert dialog is not None
    text = dialog.returns_label.text()
    assert text.startswith(f"{target.name}: 提出: tanaka 20")
    assert handed.name + ":" not in text
    assert not dialog.returns_label.isHidden()


def test_a_plain_book_has_no_hand_out_banner(window) -> None:
    assert "配布されたブック" not in window.book_notice_bar.text


@pytest.mark.parametrize(
    ("state", "tinted"),
    [
        ("未提出", False),
        ("提出済", True),
        ("差戻し", True),
        ("確定", True),
        ("提出済（競合あり）", True),
    ],
)
def test_each_state_reads_at_a_glance(app, qtbot, state: str, tinted: bool) -> None:
    from PySide6.QtCore import Qt

    from kpidesk.cycle import StatusRow
    from tests.ui.palettes import MIN_CONTRAST, contrast

    row = StatusRow(2020, "観光振興課", "2026-04-01 09:00", "-", "-", "-", "-", state)
    dialog = StatusDialog([row])
    qtbot.addWidget(dialog)
    item = dialog.table.item(0, 7)
    assert item.text() == state
    background = item.data(Qt.ItemDataRole.BackgroundRole)
    assert (background is not None) == tinted
    if tinted:
        text = item.data(Qt.ItemDataRole.ForegroundRole)
        assert contrast(text.color(), background.color()) >= MIN_CONTRAST


def test_confirmed_is_told_apart_from_returned_in_every_theme(app, qtbot) -> None:
    from PySide6.QtCore import Qt

    from kpidesk.cycle import StatusRow
    from tests.ui.palettes import MIN_CONTRAST, applied, contrast, dark_palette

    for palette in (None, dark_palette()):
        with applied(palette):
            rows = [
                StatusRow(2020, name, "2026-04-01 09:00", "-", "-", "-", "-", state)
                for name, state in (("観光振興課", "提出済"), ("港湾課", "確定"))
            ]
            dialog = StatusDialog(rows)
            qtbot.addWidget(dialog)
            returned, confirmed = (dialog.table.item(row, 7) for row in (0, 1))
            background = confirmed.data(Qt.ItemDataRole.BackgroundRole).color()
            assert background != returned.data(Qt.ItemDataRole.BackgroundRole).color()
            text = confirmed.data(Qt.ItemDataRole.ForegroundRole).color()
            assert contrast(text, background) >= MIN_CONTRAST


@pytest.mark.parametrize(
    ("state", "offered"),
    [
        ("未提出", False),
        ("提出済", True),
        ("提出済（競合あり）", True),
        ("差戻し", True),
        ("確定", False),
    ],
)
def test_send_back_is_offered_only_for_an_answer_not_yet_confirmed(
    app, qtbot, state: str, offered: bool
) -> None:
    from kpidesk.cycle import StatusRow

    row = StatusRow(2020, "観光振興課", "2026-04-01 09:00", "-", "-", "-", "-", state)
    dialog = StatusDialog([row], writable=True)
    qtbot.addWidget(dialog)
    dialog.select(0)
    assert dialog.send_back_button.isEnabled() == offered
    assert (dialog.send_back_button.toolTip() == "") == offered


def _collected(make_window, demo_book: Path, handed: Path):
    """A window on the sample book after 観光振興課's edited No 28 was collected."""
    _edit(handed, "28", ["課で書いた28"])
    window = make_window(demo_book)
    dialog = window.cycle.collect_dialog([handed])
    assert dialog is not None
    window.cycle.collect(dialog)
    return window


def test_send_back_from_the_status_writes_the_file_with_the_comment(
    make_window, demo_book: Path, handed: Path, answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _collected(make_window, demo_book, handed)
    status = window.cycle.status_dialog()
    assert status is not None
    status.select(0)
    assert status.send_back_button.isEnabled() and status.confirm_button.isEnabled()
    asked: list[tuple[list[str], str]] = []

    def run(dialog) -> int:
        nos = [dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())]
        asked.append((nos, dialog.folder_edit.text()))
        assert not dialog.ok_button.isEnabled()
        dialog.set_comment("29", "目標値の根拠を書いてください")
        assert dialog.ok_button.isEnabled()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SendBackDialog, "exec", run)
    status.send_back_button.click()
    [(nos, folder)] = asked
    assert nos == ["28", "29"]
    assert folder == str(demo_book.parent / "配布_2020")
    written = demo_book.parent / "配布_2020" / f"2020_{DEPARTMENT}_差戻し.kpidb"
    assert written.exists()
    assert str(written) in answers.infos[-1] and answers.errors == []
    assert status.shown_rows()[0][7] == "差戻し"
    book = window.session.book
    assert book.find_sheet(2020, "29").planning_comment == "目標値の根拠を書いてください"
    with Book.open(written, read_only=True) as copy:
        assert copy.find_sheet(2020, "29").planning_comment == "目標値の根拠を書いてください"


def test_confirm_from_the_status_refuses_a_later_collect(
    make_window, demo_book: Path, handed: Path, answers
) -> None:
    window = _collected(make_window, demo_book, handed)
    status = window.cycle.status_dialog()
    assert status is not None
    status.select(0)
    answers.confirm_answer = True
    status.confirm_button.click()
    assert answers.asked[-1].startswith(f"令和2年度の{DEPARTMENT}の提出を確定しますか？")
    assert status.shown_rows()[0][7] == "確定"
    assert not status.confirm_button.isEnabled()
    _edit(handed, "29", ["確定の後に書いた29"])
    dialog = window.cycle.collect_dialog([handed])
    assert dialog is not None
    assert dialog.shown_rows() == [(handed.name, DEPARTMENT, "", "取り込みません")]
    assert "確定済み" in dialog.table.item(0, 4).text()


def test_confirm_before_a_return_is_refused_in_japanese(
    make_window, demo_book: Path, handed: Path, answers
) -> None:
    window = make_window(demo_book)
    status = window.cycle.status_dialog()
    assert status is not None
    status.select(0)
    assert not status.confirm_button.isEnabled()
    assert window.cycle.confirm(status.rows[0]) is False
    assert "確定できませんでした" in answers.errors[-1]
    assert "まだ提出されていない" in answers.errors[-1]


def test_send_back_and_confirm_are_off_in_a_read_only_book(
    make_window, demo_book: Path, handed: Path
) -> None:
    window = make_window(demo_book)
    window.session.set_book(Book.open(demo_book, create=False, read_only=True))
    assert window.session.book.read_only
    status = window.cycle.status_dialog()
    assert status is not None
    status.select(0)
    assert not status.send_back_button.isEnabled()
    assert not status.confirm_button.isEnabled()


def test_a_conflict_merged_part_by_part_in_the_preview(
    make_window, demo_book: Path, handed: Path, answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.dialogs.merge import MergeDialog

    with Book.open(handed) as book:
        sheet = book.find_sheet(2020, "29")
        book.save_sheet(dataclasses.replace(sheet, efforts=["課で書いた29"], issues=["課の課題"]))
    with Book.open(demo_book) as book:
        sheet = book.find_sheet(2020, "29")
        book.save_sheet(dataclasses.replace(sheet, issues=["企画課が直した課題"]))
    window = make_window(demo_book)
    dialog = window.cycle.collect_dialog([handed])
    assert dialog is not None
    row = dialog.conflict_row(handed.name, "29")
    shown: list[list[tuple[str, str, str]]] = []

    def run(merge: MergeDialog) -> int:
        shown.append(merge.shown_rows())
        merge.choose("issues", theirs=False)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(MergeDialog, "exec", run)
    box = dialog.table.cellWidget(row, 4)
    box.setCurrentIndex(box.findData(Decision.MERGED))
    box.activated.emit(box.currentIndex())
    assert shown == [[("取組状況", "部局で変更", "部局の版"), ("課題等", "両方で変更", "部局の版")]]
    assert box.currentText() == "統合した版（作成済み）"
    monkeypatch.setattr(MergeDialog, "exec", lambda merge: shown.append(merge.shown_rows()) or 0)
    box.activated.emit(box.currentIndex())  # chosen again: reopened as it was left
    assert shown[-1] == [
        ("取組状況", "部局で変更", "部局の版"),
        ("課題等", "両方で変更", "企画課の版"),
    ]
    assert box.currentText() == "統合した版（作成済み）"
    assert window.cycle.collect(dialog) == 1
    merged = window.session.book.find_sheet(2020, "29")
    assert (merged.efforts, merged.issues) == (["課で書いた29"], ["企画課が直した課題"])
    assert answers.errors == []


def test_a_merge_cancelled_leaves_the_conflict_for_later(
    make_window, demo_book: Path, handed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.dialogs.merge import MergeDialog

    _edit(handed, "29", ["課で書いた29"])
    _edit(demo_book, "29", ["企画課が直した29"])
    window = make_window(demo_book)
    dialog = window.cycle.collect_dialog([handed])
    assert dialog is not None
    row = dialog.conflict_row(handed.name, "29")
    monkeypatch.setattr(MergeDialog, "exec", lambda merge: QDialog.DialogCode.Rejected)
    box = dialog.table.cellWidget(row, 4)
    box.setCurrentIndex(box.findData(Decision.MERGED))
    box.activated.emit(box.currentIndex())
    assert box.currentData() == Decision.OPEN
    assert window.cycle.collect(dialog) == 0
    assert window.session.book.find_sheet(2020, "29").efforts == ["企画課が直した29"]


def _edit_workbook(path: Path, no: str, text: str) -> None:
    import openpyxl

    from kpidesk.exchange.excel_template import name_destination, range_top_left

    wb = openpyxl.load_workbook(path)
    ws = wb[f"No{no}"]
    destination = name_destination(ws.defined_names["KPI_EFFORTS"])
    assert destination is not None
    ws.cell(*range_top_left(destination[1])).value = text
    wb.save(path)


@pytest.fixture
def handed_workbook(demo_book: Path, tmp_path: Path) -> Path:
    """観光振興課's Excel workbook of the sample book, handed out with its book."""
    with Book.open(demo_book) as book:
        paths = distribute(book, tmp_path / "配布", 2020, [DEPARTMENT], excel=True)
    return paths[1]


def test_hand_out_with_the_excel_box_checked_writes_workbooks_too(
    window, answers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "配布先"

    def run(dialog: HandoutDialog) -> int:
        assert not dialog.excel()
        dialog.excel_box.setChecked(True)
        dialog.folder_edit.setText(str(folder))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(HandoutDialog, "exec", run)
    window.actions[Action.DISTRIBUTE].trigger()
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 24
    assert f"2020_{DEPARTMENT}.kpidb" in names and f"2020_{DEPARTMENT}.xlsx" in names
    assert answers.errors == []
    assert "24件のファイルを書き出しました" in answers.infos[-1]
    assert f"2020_{DEPARTMENT}.xlsx" in answers.infos[-1]


def test_collect_a_returned_workbook_through_the_preview(
    make_window, demo_book: Path, handed_workbook: Path, answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit_workbook(handed_workbook, "28", "・Excelで書いた28")
    _edit_workbook(handed_workbook, "29", "・Excelで書いた29")
    _edit(demo_book, "29", ["企画課が直した29"])
    window = make_window(demo_book)
    filters: list[str] = []

    def open_files(*args: str) -> tuple[list[str], str]:
        filters.append(args[3])
        return [str(handed_workbook)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", open_files)
    seen: list[list[tuple[str, str, str, str]]] = []

    def run(dialog: CollectPreviewDialog) -> int:
        seen.append(dialog.shown_rows())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CollectPreviewDialog, "exec", run)
    window.actions[Action.COLLECT].trigger()
    assert "*.xlsx" in filters[0].split(";;")[0]
    [rows] = seen
    assert (handed_workbook.name, DEPARTMENT, "28", "取り込む") in rows
    assert (handed_workbook.name, DEPARTMENT, "29", "競合") in rows
    book = window.session.book
    assert book.find_sheet(2020, "28").efforts == ["Excelで書いた28"]
    assert book.find_sheet(2020, "29").efforts == ["企画課が直した29"]
    assert "未決の競合1件" in window.statusBar().currentMessage()
    assert answers.errors == []


@pytest.mark.parametrize(("choice", "collected", "imported"), [(0, 1, 0), (1, 0, 1), (-1, 0, 0)])
def test_an_excel_import_of_a_handed_out_workbook_offers_to_collect_it(
    make_window,
    demo_book: Path,
    handed_workbook: Path,
    answers,
    monkeypatch: pytest.MonkeyPatch,
    choice: int,
    collected: int,
    imported: int,
) -> None:
    _edit_workbook(handed_workbook, "28", "・Excelで書いた28")
    window = make_window(demo_book)
    answers.choose_answer = choice
    previews: list[CollectPreviewDialog] = []

    def run(dialog: CollectPreviewDialog) -> int:
        previews.append(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CollectPreviewDialog, "exec", run)
    window.exchange.import_xlsx(handed_workbook)
    assert "配布したファイルです" in answers.asked[-1]
    assert len(previews) == collected and len(answers.import_plans) == imported
    efforts = window.session.book.find_sheet(2020, "28").efforts
    assert (efforts == ["Excelで書いた28"]) == bool(collected)


def test_the_merge_marks_the_changed_number_and_says_where_the_old_version_stays(
    make_window, demo_book: Path, handed: Path, qtbot
) -> None:
    with Book.open(handed) as book:
        sheet = book.find_sheet(2020, "29")
        rows = list(sheet.rows)
        rows[0] = dataclasses.replace(rows[0], actuals=[Cell("8,000"), *rows[0].actuals[1:]])
        book.save_sheet(dataclasses.replace(sheet, rows=rows))
    _edit(demo_book, "29", ["企画課が直した29"])
    window = make_window(demo_book)
    dialog = window.cycle.collect_dialog([handed])
    assert dialog is not None
    merge = dialog.merge_dialog(dialog.conflict_row(handed.name, "29"))
    qtbot.addWidget(merge)
    [row] = [n for n, part in enumerate(merge.parts) if part.key == "row:1"]
    ours = merge.table.item(row, 1).text().splitlines()
    theirs = merge.table.item(row, 2).text().splitlines()
    assert [line for line in theirs if line.startswith("◆")] == ["◆R2実績値: 8,000"]
    marked = [line for line in ours if line.startswith("◆")]
    assert len(marked) == 1 and marked[0].startswith("◆R2実績値: ")
    heading = merge.findChildren(QLabel)[0].text()
    assert "元に戻すこともできます" not in heading
    assert "シートの履歴（シート → 履歴…）と回収のときのバックアップに残ります" in heading


def test_a_sent_back_file_says_so_and_names_the_commented_sheets(
    make_window, demo_book: Path, handed: Path
) -> None:
    from kpidesk.collect import apply_collect, plan_collect
    from kpidesk.sendback import send_back

    _edit(handed, "28", ["課で書いた28"])
    with Book.open(demo_book) as book:
        apply_collect(book, plan_collect(book, handed))
        back = send_back(
            book, DEPARTMENT, handed.parent, 2020, {"28": "出典を確認", "29": "根拠を"}
        )
    text = make_window(back).book_notice_bar.text
    assert text.startswith("差戻しされました。企画課コメントのあるシート: No 28、No 29\n")
    assert f"{DEPARTMENT}（令和2年度）、" in text and "さんが差戻し" in text
    assert "配布されたブックです" not in text


def test_the_planning_tools_are_off_in_a_handed_out_book_and_say_why(
    make_window, demo_book: Path, handed: Path
) -> None:
    planning = (
        Action.DISTRIBUTE,
        Action.COLLECT,
        Action.SUBMISSION_STATUS,
        Action.ROLLOVER,
        Action.LOCK_YEAR,
        Action.UNLOCK_YEAR,
    )
    why = "配布されたブックでは使えません（企画課の元のブックで行います）"
    department = make_window(handed)
    for key in planning:
        action = department.actions[key]
        assert not action.isEnabled(), key
        assert action.statusTip() == why and why in action.toolTip()
    assert department.actions[Action.SAVE].isEnabled() or department.session.document is None
    origin = make_window(demo_book)
    for key in (Action.DISTRIBUTE, Action.COLLECT, Action.SUBMISSION_STATUS, Action.ROLLOVER):
        assert origin.actions[key].isEnabled(), key
        assert why not in origin.actions[key].statusTip()


def test_reading_the_returned_files_can_be_cancelled(
    make_window, demo_book: Path, handed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.dialogs import progress

    window = make_window(demo_book)
    reports: list[tuple[int, int]] = []

    @contextlib.contextmanager
    def cancelling(parent, label):
        def report(done: int, total: int) -> None:
            reports.append((done, total))
            if done == 1:
                raise progress.Cancelled

        yield report

    monkeypatch.setattr("ui.dialogs.progress.progress", cancelling)
    assert window.cycle.collect_dialog([handed, handed]) is None
    assert reports == [(0, 2), (1, 2)]
    assert "回収をやめました" in window.statusBar().currentMessage()
