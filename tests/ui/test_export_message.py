"""After an export, a message says what was written and opens the file or its folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from tests.ui.test_main_window import select_no
from ui.dialogs import exported
from ui.dialogs.scope import Scope
from ui.main_window import MainWindow


class Opened:
    """Records what would have been opened instead of starting a program."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.urls: list[str] = []
        self.started: list[tuple[str, list[str]]] = []
        self.explorer_starts = True

        def open_url(url: QUrl) -> bool:
            self.urls.append(url.toLocalFile())
            return True

        def start_detached(program: str, arguments: list[str]) -> tuple[bool, int]:
            self.started.append((program, arguments))
            return self.explorer_starts, 4242 if self.explorer_starts else -1

        monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
        monkeypatch.setattr(QProcess, "startDetached", start_detached)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Opened:
    return Opened(monkeypatch)


def the_message(window: MainWindow) -> QMessageBox:
    boxes = [box for box in window.findChildren(QMessageBox, "writtenMessage") if box.isVisible()]
    assert len(boxes) == 1
    return boxes[0]


def button_texts(box: QMessageBox) -> list[str]:
    return [button.text() for button in box.buttons()]


def click(box: QMessageBox, text: str) -> None:
    next(button for button in box.buttons() if button.text() == text).click()


def test_after_a_pdf_export_the_message_opens_the_file(
    window: MainWindow, opened: Opened, tmp_path: Path
) -> None:
    select_no(window, "9")
    target = tmp_path / "no9.pdf"
    window.printing.export_pdf(window.printing.sheets_in_scope(Scope.CURRENT), target)
    box = the_message(window)
    assert str(target) in box.text() and "PDF（1ページ）に書き出しました" in box.text()
    assert sorted(button_texts(box)) == sorted(
        ["ファイルを開く(&O)", "フォルダーを開く(&F)", "閉じる"]
    )
    click(box, "ファイルを開く(&O)")
    assert opened.urls == [str(target)]


def test_after_an_excel_export_the_message_opens_the_folder(
    window: MainWindow, opened: Opened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    target = tmp_path / "book.xlsx"
    window.exchange.export_xlsx(window.printing.sheets_in_scope(Scope.BOOK), target)
    box = the_message(window)
    assert "15件のシートをExcelに書き出しました" in box.text()
    click(box, "フォルダーを開く(&F)")
    assert opened.urls == [str(tmp_path)]
    assert opened.started == []


def test_on_windows_the_folder_opens_in_explorer_with_the_file_chosen(
    window: MainWindow, opened: Opened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    target = tmp_path / "評価 一覧 & R2.xlsx"
    window.exchange.export_evaluation_table(target, report_year=2020)
    box = the_message(window)
    assert "評価一覧を書き出しました" in box.text()
    click(box, "フォルダーを開く(&F)")
    # Explorer itself, never a shell; the path is an argument of its own.
    assert opened.started == [("explorer.exe", ["/select,", str(target)])]
    assert opened.urls == []


def test_the_json_export_says_what_was_written(
    window: MainWindow, opened: Opened, tmp_path: Path
) -> None:
    target = tmp_path / "sheets.json"
    window.exchange.export_json(target)
    box = the_message(window)
    assert "15件のシートをJSONに書き出しました" in box.text()
    click(box, "閉じる")
    assert opened.urls == [] and opened.started == []


def test_many_files_by_department_offer_only_the_folder(
    window: MainWindow, opened: Opened, tmp_path: Path
) -> None:
    paths = window.exchange.export_xlsx_by_department(
        window.printing.sheets_in_scope(Scope.BOOK), tmp_path
    )
    box = the_message(window)
    assert f"担当課ごとに{len(paths)}個のExcelブックを書き出しました" in box.text()
    assert sorted(button_texts(box)) == sorted(["フォルダーを開く(&F)", "閉じる"])
    click(box, "フォルダーを開く(&F)")
    assert opened.urls == [str(tmp_path)]


def test_a_file_that_cannot_be_opened_says_so(
    window: MainWindow, answers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    assert not exported.open_file(window, tmp_path / "gone.pdf")
    assert answers.errors == [f"ファイルを開けませんでした。\n{tmp_path / 'gone.pdf'}"]


def test_when_explorer_does_not_start_the_folder_opens_anyway(
    window: MainWindow, opened: Opened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    opened.explorer_starts = False
    assert exported.open_folder(window, tmp_path, tmp_path / "kpi.xlsx")
    assert opened.started == [("explorer.exe", ["/select,", str(tmp_path / "kpi.xlsx")])]
    assert opened.urls == [str(tmp_path)]
