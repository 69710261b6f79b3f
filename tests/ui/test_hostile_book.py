"""The window on a book altered by another program, and the settings dialog's bounds."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from kpidesk.evaluation import EvaluationSettings
from ui.dialogs.evaluation_settings import EvaluationSettingsDialog
from ui.main_window import MainWindow


def tamper(path: Path, no: str, long_no: str, threshold: str) -> None:
    """Give sheet ``no`` a No of thousands of digits and the book a threshold of 10^999999999."""
    connection = sqlite3.connect(path)
    try:
        sheet_id, data = connection.execute(
            "SELECT id, data FROM sheets WHERE no = ?", [no]
        ).fetchone()
        document = json.loads(data)
        document["no"] = long_no
        connection.execute(
            "UPDATE sheets SET data = ?, no = ? WHERE id = ?",
            [json.dumps(document, ensure_ascii=False), long_no, sheet_id],
        )
        settings = EvaluationSettings().to_dict()
        settings["levels"][0]["threshold"] = threshold
        connection.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('evaluation', ?)",
            [json.dumps(settings)],
        )
        connection.commit()
    finally:
        connection.close()


def test_the_window_opens_a_book_with_a_huge_no_and_threshold_and_says_so(
    make_window, demo_book: Path, tmp_path: Path
) -> None:
    long_no = "9" * 5000
    tamper(demo_book, "9", long_no, "1e999999999")
    window: MainWindow = make_window(demo_book)
    book = window.session.book
    assert book is not None
    assert len(window.list_panel.visible_sheet_ids()) == 15
    assert long_no in [entry.no for entry in book.list_entries()]
    assert book.evaluation_settings() == EvaluationSettings()

    other = tmp_path / "other.kpidb"
    shutil.copy(demo_book, other)
    assert window.session.open_book(other)
    bar = window.book_notice_bar
    assert bar.isVisibleTo(window)
    assert bar.text.startswith(
        "注意: ブックに保存された評価の設定が使えないため、既定の設定（A・B・C・D）"
    )
    assert bar.button.text() == "評価の設定…"
    # Saving the settings again puts sound ones in the book: the note goes.
    assert window.years.apply_evaluation_settings(EvaluationSettings(), False)
    assert not bar.isVisibleTo(window) and bar.text == ""


def test_the_settings_dialog_refuses_characters_a_workbook_cannot_carry(app) -> None:
    dialog = EvaluationSettingsDialog(EvaluationSettings(), False)
    dialog.label_edits[0].setText("A\ufffe")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "評価の記号に使えない文字（U+FFFE）があります" in dialog.error_label.text()
    dialog.label_edits[0].setText("A\x07")
    dialog.accept()
    assert "U+0007" in dialog.error_label.text()
    dialog.label_edits[0].setText("とても" * 5)
    assert dialog.label_edits[0].text() == "とてもとてもとて"  # 8 characters at most
    dialog.threshold_spins[0].setValue(1e300)
    assert dialog.threshold_spins[0].value() == 100_000.0


def test_pasted_characters_a_workbook_cannot_carry_never_come_back_with_undo(
    window: MainWindow, answers
) -> None:
    from PySide6.QtWidgets import QApplication

    sheet_id = next(s.id for s in window.session.book.list_entries() if s.no == "9")
    window.session.open_sheet(sheet_id)
    title = window.form.edits["title"]
    before = title.text()
    title.setFocus()
    title.selectAll()
    QApplication.clipboard().setText("刑法\u0007犯\ufffe認知\uffff件数")
    title.paste()
    QApplication.processEvents()

    cleaned = "刑法\ufffd犯\ufffd認知\ufffd件数"
    assert window.session.document.sheet.title == cleaned
    assert title.text() == cleaned
    assert window.session.save()
    window.session.undo_group.undo()
    assert title.text() == before
    window.session.undo_group.redo()
    assert title.text() == cleaned and window.session.document.sheet.title == cleaned
    assert not window.session.document.is_modified()  # the book holds exactly this
    assert window.session.book.find_sheet(2020, "9").title == cleaned


def test_a_pdf_with_characters_the_font_has_not_says_which(
    window: MainWindow, answers, tmp_path: Path
) -> None:
    from ui.dialogs.scope import Scope

    sheet_id = next(s.id for s in window.session.book.list_entries() if s.no == "9")
    window.session.open_sheet(sheet_id)
    sheets = window.printing.sheets_in_scope(Scope.CURRENT)
    assert window.printing.export_pdf(sheets, tmp_path / "plain.pdf") == 1
    assert answers.infos == []  # the samples print as they are

    sheets[0].departments = ["\U00020bb7田課"]  # 𠮷田課: 𠮷 is not in BIZ UDGothic
    sheets[0].title = "\U00029e3dの漁獲量"  # 𩸽 is
    assert window.printing.export_pdf(sheets, tmp_path / "names.pdf") == 1
    told = answers.infos[-1]
    assert told.startswith("PDFに書き出しました。") and "\U00020bb7（U+20BB7）" in told
    assert "\U00029e3d" not in told and "□" in told
