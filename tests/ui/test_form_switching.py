"""Going from sheet to sheet: the form reuses its widgets, yet shows only the open sheet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from kpidesk import samples
from kpidesk.book.store import Book
from kpidesk.model import Cell, Sheet, ValueRow
from ui.bullets import GrowingTextEdit
from ui.dialogs.messages import Choice
from ui.main_window import MainWindow
from ui.value_table import header_labels

#: A sheet of three value rows and many paragraphs, and one of one row and few.
BIG_NO, SMALL_NO = "90", "91"
#: A paragraph that wraps onto a second line on the form.
LONG_PARAGRAPH = "長い段落の文です。" * 14


def _row(label: str, unit: str, values: list[str], target: str, **more: object) -> ValueRow:
    return ValueRow(
        label=label,
        unit=unit,
        baseline=Cell(values[0]),
        actuals=[Cell(text) for text in values[1:]],
        target=Cell(target),
        **more,  # type: ignore[arg-type]
    )


@pytest.fixture
def switching_book(tmp_path: Path) -> Path:
    """The sample book with a three-row sheet (90) and a one-row sheet (91) added."""
    path = tmp_path / "切替.kpidb"
    samples.create_sample_book(path).close()
    model = samples.sample_sheets()[0]
    years = len(model.actual_years)
    big = dataclasses.replace(
        model,
        no=BIG_NO,
        title="三行のシート",
        rows=[
            _row("単年", "件", ["100"] + ["110"] * years, "200"),
            _row("累計", "件", ["300"] + ["333"] * years, "900"),
            _row(
                "県",
                "%",
                ["1.5"] + ["2.5"] * years,
                "5.0",
                external=True,
                external_reason="台風の影響",
            ),
        ],
        efforts=["取組一", "取組二", "取組三", "取組四", LONG_PARAGRAPH],
        issues=["課題一", LONG_PARAGRAPH],
        direction=["方向一", "方向二", "方向三"],
        opinions=["意見一"],
    )
    small = dataclasses.replace(  # two years fewer: two columns fewer
        model,
        no=SMALL_NO,
        title="一行のシート",
        actual_years=model.actual_years[:-2],
        rows=[_row("単年", "人", ["7"] + ["8"] * (years - 2), "9")],
        efforts=["ただ一つの取組"],
        issues=[],
        direction=["方向のみ"],
        opinions=[],
    )
    with Book.open(path, create=False) as book:
        for sheet in (big, small):
            book.save_sheet(dataclasses.replace(sheet, id=None, revision=0))
    return path


def select_no(window: MainWindow, no: str) -> Sheet:
    """Choose sheet ``no`` in the list as the user does; the sheet as the book has it."""
    book = window.session.book
    sheet_id = next(entry.id for entry in book.list_entries() if entry.no == no)
    panel = window.list_panel
    index = panel.proxy.mapFromSource(panel.model.index(panel.model.row_of(sheet_id), 0))
    panel.table.setCurrentIndex(index)
    QApplication.processEvents()
    return book.get_sheet(sheet_id)


def shown_paragraphs(window: MainWindow, section: str) -> list[str]:
    """The paragraphs of ``section`` a user sees, top to bottom."""
    editor = window.form.sections[section]
    shown = [e for e in editor.findChildren(GrowingTextEdit) if e.isVisibleTo(editor)]
    shown.sort(key=lambda e: e.mapTo(editor, e.rect().topLeft()).y())
    return [e.toPlainText() for e in shown]


def shown_table(window: MainWindow) -> list[list[str]]:
    model = window.form.value_table.model
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def shown_evaluation_labels(window: MainWindow) -> list[str]:
    """The row names of the 評価 box's blocks a user sees."""
    panel = window.form.evaluation
    labels = [
        label
        for label in panel.findChildren(QLabel)
        if label.objectName().endswith("_label") and label.isVisibleTo(panel)
    ]
    labels.sort(key=lambda label: label.mapTo(panel, label.rect().topLeft()).y())
    return [label.text() for label in labels]


def assert_form_shows(window: MainWindow, sheet: Sheet) -> None:
    form = window.form
    assert form.edits["title"].text() == sheet.title
    model = form.value_table.model
    horizontal = Qt.Orientation.Horizontal
    shown_header = [model.headerData(c, horizontal) for c in range(model.columnCount())]
    assert shown_header == header_labels(sheet)
    assert [row[0] for row in shown_table(window)] == [row.label for row in sheet.rows]
    assert [row[2] for row in shown_table(window)] == [row.baseline.text for row in sheet.rows]
    for section in ("efforts", "issues", "direction", "opinions"):
        assert shown_paragraphs(window, section) == list(getattr(sheet, section)), section
        empty_note = form.sections[section].empty_label
        assert empty_note.isVisibleTo(form.sections[section]) == (not getattr(sheet, section))
    assert shown_evaluation_labels(window) == [row.label for row in sheet.rows]
    panel = form.evaluation
    for index in range(len(sheet.rows)):
        assert panel.findChild(QLabel, f"eval_{index}_label") is not None
    assert panel.findChild(QLabel, f"eval_{len(sheet.rows)}_label") is None
    assert form.trend_chart.sheet() is not None
    assert form.trend_chart.sheet().title == sheet.title


def test_a_smaller_sheet_after_a_bigger_one_shows_nothing_of_it(
    make_window, switching_book: Path
) -> None:
    window = make_window(switching_book)
    big = select_no(window, BIG_NO)
    assert_form_shows(window, big)
    reason = window.form.evaluation.findChild(QLineEdit, "eval_2_external_reason")
    assert reason is not None and reason.text() == "台風の影響"

    small = select_no(window, SMALL_NO)
    assert_form_shows(window, small)
    panel = window.form.evaluation
    assert panel.findChild(QLineEdit, "eval_2_external_reason") is None
    # Nothing of the third row's block is left on screen: no stale figure or reason.
    shown_texts = [
        widget.text()
        for widget in panel.findChildren(QWidget)
        if isinstance(widget, QLabel | QLineEdit) and widget.isVisibleTo(panel)
    ]
    assert "台風の影響" not in shown_texts and "県" not in shown_texts
    assert not any(
        editor.isVisibleTo(window.form) and editor.toPlainText()
        for editor in window.form.findChildren(GrowingTextEdit)
        if editor.toPlainText() in big.efforts
    )

    again = select_no(window, BIG_NO)
    assert_form_shows(window, again)
    reason = panel.findChild(QLineEdit, "eval_2_external_reason")
    assert reason is not None and reason.text() == "台風の影響" and reason.isVisibleTo(panel)


def test_paragraphs_typed_after_switching_go_to_the_open_sheet(
    make_window, switching_book: Path
) -> None:
    window = make_window(switching_book)
    select_no(window, BIG_NO)
    select_no(window, SMALL_NO)
    [editor] = window.form.sections["efforts"].editors
    assert editor.objectName() == "efforts_0" and editor.textCursor().position() == 0
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    editor.insertPlainText("を続ける")
    assert window.session.document.sheet.efforts == ["ただ一つの取組を続ける"]
    assert window.session.document.undo_stack.count() == 1
    window.session.document.undo_stack.undo()
    assert shown_paragraphs(window, "efforts") == ["ただ一つの取組"]


def test_opening_a_sheet_is_no_edit(make_window, switching_book: Path) -> None:
    window = make_window(switching_book)
    for no in (BIG_NO, SMALL_NO, BIG_NO, "9", SMALL_NO):
        select_no(window, no)
        assert not window.session.document.is_modified(), no
        assert window.session.document.undo_stack.count() == 0, no


def test_the_chart_shows_the_sheet_opened_while_it_was_out_of_view(
    make_window, switching_book: Path
) -> None:
    window = make_window(switching_book)
    window.resize(1024, 480)
    form = window.form
    select_no(window, BIG_NO)
    form.ensureWidgetVisible(form.trend_chart)
    QApplication.processEvents()
    form.verticalScrollBar().setValue(0)
    QApplication.processEvents()
    assert form.trend_chart.visibleRegion().isEmpty()

    small = select_no(window, SMALL_NO)
    form.ensureWidgetVisible(form.trend_chart)
    QApplication.processEvents()
    assert not form.trend_chart.visibleRegion().isEmpty()
    [geometry] = form.trend_chart.geometries()
    assert [point.value for point in geometry.actuals] == [8.0] * len(small.actual_years)
    assert form.chart_box.isVisibleTo(form)


def form_geometry(window: MainWindow) -> list[tuple[str, int, int]]:
    """Where the form's boxes and paragraphs are on its page: (name, top, height)."""
    form = window.form
    page = form.widget()
    paragraphs = [editor for section in form.sections.values() for editor in section.editors]
    boxes = [form.value_table, form.evaluation, form.chart_box, *form.sections.values()]
    return [
        (widget.objectName(), widget.mapTo(page, QPoint(0, 0)).y(), widget.height())
        for widget in [*boxes, *paragraphs]
    ] + [("page", 0, page.height())]


def test_a_sheet_is_laid_out_by_its_first_paint(make_window, switching_book: Path) -> None:
    """No box of the form moves or grows after the switch was painted (no flicker)."""
    window = make_window(switching_book)
    for no, width in (
        (BIG_NO, 1366),
        (SMALL_NO, 1366),
        (BIG_NO, 1200),
        ("9", 1200),
        (BIG_NO, 1366),
    ):
        if window.width() != width:
            window.resize(width, 768)
            for _ in range(5):
                QApplication.processEvents()
        sheet = select_no(window, no)  # one pass of the event loop, which paints
        painted = form_geometry(window)
        for _ in range(5):
            QApplication.processEvents()
        assert form_geometry(window) == painted, no
        assert_form_shows(window, sheet)
        for editor in window.form.sections["issues"].editors:
            if editor.toPlainText() == LONG_PARAGRAPH:  # two lines, all of it in view
                assert editor.height() > 2 * editor.fontMetrics().lineSpacing()


def test_a_field_with_the_same_text_on_the_next_sheet_starts_afresh(
    make_window, switching_book: Path, answers
) -> None:
    """The next sheet's field shows no selection, and its own undo cannot bring back
    what was typed on the sheet before (both sheets have the same 施策)."""
    answers.save_choice = Choice.DISCARD
    window = make_window(switching_book)
    big = select_no(window, BIG_NO)
    section = window.form.edits["section"]
    section.setFocus()
    section.end(False)
    section.insert("を追加")  # typed, then taken back by hand: the field's undo has it
    for _ in "を追加":
        section.backspace()
    assert section.text() == big.section and section.isUndoAvailable()
    assert select_no(window, SMALL_NO).no == window.session.document.sheet.no == SMALL_NO
    assert section.text() == big.section
    assert not section.isUndoAvailable() and section.cursorPosition() == 0

    departments = window.form.edits["departments"]
    departments.selectAll()
    again = select_no(window, BIG_NO)
    assert departments.text() == again.departments_text and departments.text()
    assert not departments.hasSelectedText() and departments.cursorPosition() == 0
    assert not window.session.document.is_modified()


def painted_form(window: MainWindow) -> QImage:
    """The form as it is on screen (what was painted, kept between paints)."""
    form = window.form
    shown = window.screen().grabWindow(window.winId())
    place = QRect(form.mapTo(window, QPoint(0, 0)), form.size())
    return shown.copy(place).toImage().convertToFormat(QImage.Format.Format_RGB32)


def test_nothing_of_the_sheet_before_stays_on_screen(make_window, switching_book: Path) -> None:
    """Only what changed is painted again after a switch, yet the form on screen is
    the open sheet's as drawn afresh, also after the window was made narrower."""
    window = make_window(switching_book)
    window.resize(1366, 700)
    for no in (BIG_NO, SMALL_NO, "9", BIG_NO, "resize", SMALL_NO, BIG_NO, "10"):
        if no == "resize":
            window.resize(1100, 650)
        else:
            select_no(window, no)
        QApplication.processEvents()
        fresh = window.form.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        assert painted_form(window) == fresh, no


class PaintCounter(QObject):
    """Counts the paints of the widgets it watches."""

    def __init__(self) -> None:
        super().__init__()
        self.paints: dict[str, int] = {}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            name = watched.objectName()
            self.paints[name] = self.paints.get(name, 0) + 1
        return False


def test_each_figure_of_the_evaluation_is_painted_once_after_a_switch(
    make_window, switching_book: Path
) -> None:
    window = make_window(switching_book)
    panel = window.form.evaluation
    select_no(window, BIG_NO)
    counter = PaintCounter()
    figures = [
        label
        for label in panel.findChildren(QLabel)
        if label.objectName().startswith("eval_")
        and label.objectName().endswith(("_latest", "_change", "_rank"))
    ]
    for label in figures:
        label.installEventFilter(counter)
    select_no(window, SMALL_NO)
    for _ in range(5):
        QApplication.processEvents()
    counter.paints.clear()
    select_no(window, BIG_NO)
    for _ in range(5):
        QApplication.processEvents()
    assert len(figures) == 9 and counter.paints
    assert set(counter.paints.values()) == {1}, counter.paints


def test_typing_lines_into_a_paragraph_low_in_the_form_keeps_the_cursor_in_view(
    window: MainWindow,
) -> None:
    from PySide6.QtGui import QTextCursor

    from tests.ui.helpers import type_text

    form = window.form
    section = list(form.sections.values())[-1]
    if not section.editors:
        section.add_button.click()
    editor = section.editors[-1]
    form.verticalScrollBar().setValue(0)
    editor.setFocus()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    for line in range(30):  # the paragraph grows line after line, past the form's bottom
        type_text(editor, f"行{line}を書き足します。" * 4)
    QApplication.processEvents()
    cursor = editor.cursorRect()
    seen = editor.viewport().mapTo(form.viewport(), cursor.center())
    assert form.viewport().rect().contains(seen)
    assert form.verticalScrollBar().value() > 0


@pytest.mark.parametrize("keys", ["Ctrl+Return", "Alt+Down"])
def test_a_paragraph_added_or_moved_at_the_bottom_of_the_form_is_scrolled_into_view(
    window: MainWindow, keys: str
) -> None:
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    form = window.form
    shown = 0
    for section in form.sections.values():
        if len(section.editors) < 2:
            continue
        editor = section.editors[0]
        editor.setFocus()
        QApplication.processEvents()
        # The paragraph's last line at the bottom edge of what the form shows.
        top = editor.mapTo(form.widget(), editor.rect().topLeft()).y()
        bottom = top + editor.height() - form.viewport().height() + 2
        form.verticalScrollBar().setValue(max(0, bottom))
        QApplication.processEvents()
        combination = QKeySequence(keys)[0]
        QTest.keyClick(editor, combination.key(), combination.keyboardModifiers())
        for _ in range(5):
            QApplication.processEvents()
        focused = QApplication.focusWidget()
        assert isinstance(focused, GrowingTextEdit) and focused is not editor
        cursor = focused.viewport().mapTo(form.viewport(), focused.cursorRect().center())
        assert form.viewport().rect().contains(cursor), (section.section, keys)
        shown += 1
        window.session.document.undo_stack.undo()
        QApplication.processEvents()
    assert shown >= 2
