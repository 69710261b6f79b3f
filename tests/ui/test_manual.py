"""ヘルプ: the manual window (contents, search, F1 per window), the shortcut list
and the manual's PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from kpidesk import manual
from kpidesk.book import backups
from kpidesk.printing import manual_pdf
from ui import actions
from ui.actions import Action
from ui.bullets import GrowingTextEdit
from ui.controllers.help import page_for
from ui.dialogs.backups import BackupDialog
from ui.dialogs.evaluation_settings import EvaluationSettingsDialog
from ui.dialogs.manual import ManualWindow
from ui.dialogs.shortcuts import ShortcutsDialog, on_keyboard, shortcut_rows


def _manual_windows() -> list[ManualWindow]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ManualWindow) and w.isVisible()
    ]


def _press_f1(qtbot, widget: QWidget) -> ManualWindow:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    QApplication.processEvents()
    before = set(map(id, _manual_windows()))
    qtbot.keyClick(QApplication.focusWidget() or widget, Qt.Key.Key_F1)
    shown = [w for w in _manual_windows() if id(w) not in before] or _manual_windows()
    assert shown, "F1 opened no manual"
    return shown[-1]


# --- the pages ----------------------------------------------------------------------


def test_every_image_and_link_a_page_names_is_there() -> None:
    folder = manual.manual_dir()
    pages = manual.pages()
    assert [page.id for page in pages][:3] == ["start", "find-edit", "values"]
    named = set()
    for page in pages:
        assert page.markdown.startswith(f"# {page.title}\n"), page.file_name
        for image in page.images():
            assert re.fullmatch(r"images/[a-z0-9-]+\.png", image), f"{page.file_name}: {image}"
            assert (folder / image).is_file(), f"{page.file_name} shows {image}, which is missing"
            named.add(image)
        for link in page.links():
            manual.page(link)  # raises KeyError for a link to no page
    # Every screenshot tools/manual_shots.py makes is used by some page.
    made = {f"images/{path.name}" for path in (folder / "images").glob("*.png")}
    assert made == named


def test_manual_covers_what_staff_need() -> None:
    titles = [page.title for page in manual.pages()]
    for heading in ("はじめて使うとき", "値と記号", "文章の欄", "保存と元に戻す", "Excel と PDF",
                    "印刷", "評価の見方", "評価の設定", "バックアップと復元", "共有フォルダー",
                    "企画課の方へ"):  # fmt: skip
        assert any(heading in title for title in titles), heading
    text = manual.page("texts").plain_text()
    assert "Ctrl+Enter" in text and "Alt+↑" in text and "Alt+Delete" in text
    evaluation = manual.page("evaluation").plain_text()
    assert "−783.8 %" in evaluation and "No 27" in evaluation
    office = manual.page("office").plain_text()
    for words in (
        "Ctrl+H",
        "Ctrl+Shift+H",
        "削除したシート",
        "フォルダーを開く",
        "F9",
        "戻って直す",
    ):
        assert words in office, words


def test_search_lists_pages_with_the_words_in_context() -> None:
    hits = manual.search("進捗率")
    assert hits[0].page.id == "evaluation"
    assert "進捗率" in hits[0].snippet
    assert manual.search("進捗率 マイナス")[0].page.id == "evaluation"
    assert manual.search("ｃｔｒｌ＋ｅｎｔｅｒ")[0].page.id == "texts"  # full width, any case
    assert manual.search("存在しない言葉") == []


# --- the window -------------------------------------------------------------------


def test_manual_window_search_and_hit_opens_the_page(qtbot, app) -> None:
    window = ManualWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.contents.count() == len(manual.pages())
    assert window.browser.toPlainText().startswith("はじめて使うとき")

    qtbot.keyClicks(window.search_edit, "Alt+Delete")
    assert window.hit_titles()[0] == "文章の欄"
    assert window.hits_label.text() == f"「Alt+Delete」: {window.hits.count()}ページ"
    window.hits.itemClicked.emit(window.hits.item(0))
    assert window.page_id == "texts"
    assert window.browser.toPlainText().startswith("文章の欄")
    assert window.browser.textCursor().selectedText() == "Alt+Delete"

    window.search_edit.setText("ないことば")
    assert window.hits.count() == 0 and "見つかりません" in window.hits_label.text()
    window.search_edit.clear()
    window.contents.setCurrentRow(manual.pages().index(manual.page("backups")))
    assert window.browser.toPlainText().startswith("バックアップと復元")


def test_manual_window_follows_links_and_shows_images(qtbot, app) -> None:
    window = ManualWindow()
    qtbot.addWidget(window)
    window.show_page("evaluation")
    from PySide6.QtCore import QUrl

    window.browser.anchorClicked.emit(QUrl("09-evaluation-settings.md"))
    assert window.page_id == "evaluation-settings"
    window.browser.anchorClicked.emit(QUrl("https://example.com/"))
    assert window.page_id == "evaluation-settings"  # offline: no browser, no page change
    image = window.browser.document().resource(
        window.browser.document().ResourceType.ImageResource.value,
        QUrl("images/evaluation-settings.png"),
    )
    assert image is not None and not image.isNull()


def test_f1_in_the_form_opens_the_page_of_the_part_in_use(qtbot, window) -> None:
    window.session.open_sheet(_sheet_id(window, "27"))
    assert window.actions[Action.MANUAL].shortcut() == QKeySequence("F1")
    table = window.findChild(QWidget, "valueTable")
    assert _press_f1(qtbot, table).page_id == "values"
    assert window.help.manual_window.browser.toPlainText().startswith("値と記号")
    combo = window.findChild(QWidget, "evaluationPanel").findChildren(QWidget)[0]
    assert page_for(combo) == "evaluation"
    editor = _paragraph(window)
    assert _press_f1(qtbot, editor).page_id == "texts"
    assert _press_f1(qtbot, window.list_panel.search_edit).page_id == "find-edit"


def _paragraph(window) -> GrowingTextEdit:
    """The first paragraph of 取組状況 of the open sheet (No 27 unless one is open)."""
    if window.session.document is None:
        window.session.open_sheet(_sheet_id(window, "27"))
        QApplication.processEvents()
    return window.form.sections["efforts"].editors[0]


def _sheet_id(window, no: str) -> int:
    return next(s.id for s in window.session.book.list_sheets() if s.no == no)


@pytest.mark.parametrize(
    ("make_dialog", "page_id", "title"),
    [
        (lambda w: EvaluationSettingsDialog(w.session.book.evaluation_settings(), False, w),
         "evaluation-settings", "評価の設定"),
        (lambda w: BackupDialog("x.kpidb", backups.list_backups(w.session.book.path), w),
         "backups", "バックアップと復元"),
        (lambda w: w.printing.preview_dialog([w.session.book.list_sheets()[0]]),
         "printing", "印刷"),
        (lambda w: _scope(w, "Excelに書き出し"), "excel-pdf", "Excel と PDF に書き出す"),
        (lambda w: _scope(w, "印刷"), "printing", "印刷"),
        (lambda w: w.cycle.status_dialog(), "planning", "企画課の方へ"),
    ],
    ids=["evaluation-settings", "backups", "print-preview", "excel-export", "print-scope",
         "submission-status"],
)  # fmt: skip
def test_f1_in_a_dialog_opens_its_page(qtbot, window, make_dialog, page_id, title) -> None:
    dialog = make_dialog(window)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.show()
    qtbot.waitExposed(dialog)
    focus = dialog.focusWidget() or dialog
    shown = _press_f1(qtbot, focus)
    assert shown.page_id == page_id
    assert shown.browser.toPlainText().startswith(title)
    # Over a modal dialog the manual is the dialog's own window, so it can be used.
    assert shown.parentWidget() is dialog
    dialog.close()


def _scope(window, title: str) -> QWidget:
    from ui.dialogs.scope import ScopeDialog

    return ScopeDialog(title, current="No 9", selected_count=0, departments=[], department=None,
                       book_count=15, parent=window)  # fmt: skip


# --- shortcuts ------------------------------------------------------------------


def test_shortcut_list_has_every_key_of_the_window(qtbot, window) -> None:
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    rows = dialog.rows()
    assert rows == shortcut_rows()
    listed = {(row.what, row.keys) for row in rows}
    for key in Action:
        sequences = [s for s in window.actions[key].shortcuts() if on_keyboard(s)]
        if sequences:
            shown = [row for row in rows if row.what == _plain(window.actions[key].text())]
            assert shown, f"{key} has a shortcut but is not listed"
            for sequence in sequences:
                native = sequence.toString(QKeySequence.SequenceFormat.NativeText)
                assert native in shown[0].keys, (key, native, shown[0].keys)
    assert ("上書き保存", "Ctrl+S") in listed
    assert ("操作マニュアル", "F1") in listed
    assert ("やり直し", "Ctrl+Y / Ctrl+Shift+Z") in listed
    # No key an office keyboard lacks (Linux binds F14 to 元に戻す, F16 to コピー …).
    assert not [row for row in rows if re.search(r"\bF(1[3-9]|2\d|3[0-5])\b", row.keys)]
    assert [on_keyboard(QKeySequence(k)) for k in ("F1", "F12", "F13", "F14", "Ctrl+F20")] == [
        True, True, False, False, False
    ]  # fmt: skip
    form = [(row.what, row.keys) for row in rows if row.place == "フォームの文章の欄"]
    assert form == [("段落を追加", "Ctrl+Enter"), ("段落を上へ移動", "Alt+↑"),
                    ("段落を下へ移動", "Alt+↓"), ("段落を削除", "Alt+Delete")]  # fmt: skip
    assert len(form) == len(GrowingTextEdit.PARAGRAPH_KEYS)


def _plain(text: str) -> str:
    return text.split("(&")[0]


def test_paragraph_keys_do_what_the_list_says(qtbot, window) -> None:
    # The keys come from GrowingTextEdit.PARAGRAPH_KEYS, as the list above does.
    editor = _paragraph(window)
    window.activateWindow()
    editor.setFocus()
    efforts = lambda: window.session.document.sheet.efforts  # noqa: E731
    count, first = len(efforts()), efforts()[0]
    keypad_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier
    qtbot.keyClick(editor, Qt.Key.Key_Enter, keypad_ctrl)  # the keypad's Enter too
    assert len(efforts()) == count + 1 and efforts()[1] == ""
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert efforts()[:2] == ["", first]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete, Qt.KeyboardModifier.AltModifier)
    assert len(efforts()) == count and efforts()[0] == first
    assert window.form.sections["efforts"].editors[0].toolTip() == (
        "Ctrl+Enter: 段落を追加　Alt+↑: 段落を上へ移動　"
        "Alt+↓: 段落を下へ移動　Alt+Delete: 段落を削除"
    )


# --- the PDF ----------------------------------------------------------------------


def test_manual_pdf_has_every_heading_and_page_numbers(app, tmp_path: Path) -> None:
    path = tmp_path / "manual.pdf"
    manual_pdf.write_manual_pdf(path)
    text = _pdf_text(path)
    for page in manual.pages():
        assert page.title in text, page.title
    count = int(re.search(r"1 / (\d+)", text).group(1))
    assert count >= len(manual.pages()) + 1
    assert f"{count} / {count}" in text
    assert "BIZUDGothic" in path.read_bytes().decode("latin-1")  # the bundled font, embedded


def test_manual_pdf_from_the_help_menu(window, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    out = tmp_path / "マニュアル.pdf"
    offered: list[str] = []

    def save_as(parent, caption, folder, filter_):
        offered.append(folder)
        return str(out), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window.actions[Action.MANUAL_PDF].trigger()
    assert "評価の見方" in _pdf_text(out)
    assert str(out) in window.statusBar().currentMessage()
    # Offered beside the book (not the home folder), and said with ファイルを開く.
    assert Path(offered[0]).parent == window.session.book.path.parent
    [done] = [b for b in window.findChildren(QMessageBox, "writtenMessage") if b.isVisible()]
    assert str(out) in done.text()
    assert "ファイルを開く(&O)" in [button.text() for button in done.buttons()]


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_help_menu_lists_manual_shortcuts_pdf_and_about(window) -> None:
    titles = dict(actions.MENUS)
    assert titles["ヘルプ(&H)"] == (Action.MANUAL, Action.SHORTCUTS, Action.MANUAL_PDF, None,
                                   Action.ABOUT)  # fmt: skip
    menu = next(m for m in window.menuBar().actions() if m.text() == "ヘルプ(&H)").menu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["操作マニュアル(&M)", "ショートカット一覧(&K)", "マニュアルをPDFに保存(&P)…",
                     "バージョン情報(&A)…"]  # fmt: skip


def test_every_f1_mapping_names_a_widget_and_a_page_that_exist() -> None:
    # A renamed dialog or object would otherwise silently open the first page.
    from PySide6 import QtPrintSupport

    from tests.conftest import REPO
    from ui.controllers.help import CONTEXT_PAGES, SCOPE_PAGES

    code = "\n".join(path.read_text("utf-8") for path in (REPO / "ui").rglob("*.py"))
    for name, page_id in CONTEXT_PAGES.items():
        manual.page(page_id)
        assert (
            f"class {name}(" in code
            or f'setObjectName("{name}")' in code
            or hasattr(QtPrintSupport, name)
        ), name
    for _, page_id in SCOPE_PAGES:
        manual.page(page_id)


@pytest.mark.parametrize("keys", ["Esc", "Ctrl+W"])
def test_manual_window_closes_with_esc_and_ctrl_w(qtbot, app, keys) -> None:
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    window = ManualWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    window.browser.setFocus()
    QTest.keySequence(window.browser, QKeySequence(keys))
    qtbot.waitUntil(lambda: not window.isVisible())


def test_long_contents_titles_wrap_rather_than_scroll_sideways(qtbot, app) -> None:
    window = ManualWindow()
    qtbot.addWidget(window)
    window.resize(700, 500)
    window.show()
    qtbot.waitExposed(window)
    contents = window.contents
    assert contents.horizontalScrollBar().maximum() == 0
    longest = max(range(contents.count()), key=lambda row: len(contents.item(row).text()))
    rect = contents.visualItemRect(contents.item(longest))
    assert rect.right() <= contents.viewport().width()
    assert rect.height() > contents.visualItemRect(contents.item(0)).height()


def test_search_finds_katakana_for_letters_and_shows_the_text_as_written() -> None:
    hits = manual.search("エクセル")
    assert hits and hits[0].page.id == "excel-pdf"
    assert "Excel" in hits[0].snippet
    snippets = [hit.snippet for hit in manual.search("ctrl+s")]
    assert any("Ctrl+S" in snippet for snippet in snippets)
    assert not any("ctrl+s" in snippet for snippet in snippets)
