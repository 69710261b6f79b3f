"""Every colour the program adds stays readable in the light, dark and High Contrast themes.

Each test runs under the default light palette, a Windows 11 dark-mode
palette and a High Contrast one (yellow text on black), applied to the application as
Windows' theme would be, and checks what the user sees: every cell or label
the program colours has a text colour whose WCAG contrast against the
background behind it is at least 4.5.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QWidget

from kpidesk import compare
from kpidesk.model import Cell
from tests.ui.palettes import MIN_CONTRAST, applied, contrast, dark_palette, high_contrast_palette
from tests.ui.test_main_window import select_no
from ui.main_window import MainWindow

THEMES = {"light": None, "dark": dark_palette, "high contrast": high_contrast_palette}


@pytest.fixture(params=list(THEMES))
def theme(request: pytest.FixtureRequest, app: object) -> Iterator[str]:
    """The application in each theme in turn; its palette is put back afterwards."""
    make = THEMES[request.param]
    with applied(make() if make is not None else None):
        yield request.param


def _colour(value: object, fallback: QColor) -> QColor:
    if isinstance(value, QBrush):
        return value.color()
    if isinstance(value, QColor):
        return value
    return fallback


def cells(model: QAbstractItemModel) -> list[tuple[int, int]]:
    """Every (row, column) of a table or list model."""
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
    return [(row, column) for row in range(model.rowCount()) for column in range(columns)]


def unreadable_cells(model: QAbstractItemModel) -> list[str]:
    """The cells whose text, as drawn, has too little contrast against their background."""
    palette = QApplication.palette()
    found = []
    for row, column in cells(model):
        index = model.index(row, column)
        background = _colour(
            index.data(Qt.ItemDataRole.BackgroundRole), palette.color(QPalette.ColorRole.Base)
        )
        text = _colour(
            index.data(Qt.ItemDataRole.ForegroundRole), palette.color(QPalette.ColorRole.Text)
        )
        ratio = contrast(text, background)
        if ratio < MIN_CONTRAST:
            found.append(f"{index.data()!r}: {text.name()} on {background.name()} ({ratio:.1f})")
    return found


def tinted_without_text(model: QAbstractItemModel) -> list[str]:
    """The cells given a background but left with the theme's text colour, whatever it is."""
    return [
        model.index(row, column).data()
        for row, column in cells(model)
        if model.index(row, column).data(Qt.ItemDataRole.BackgroundRole) is not None
        and model.index(row, column).data(Qt.ItemDataRole.ForegroundRole) is None
    ]


def coloured_cells(model: QAbstractItemModel) -> int:
    """How many cells have a background or text colour of their own."""
    return sum(
        model.index(row, column).data(role) is not None
        for row, column in cells(model)
        for role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole)
    )


def background_shown(widget: QWidget) -> QColor:
    """The colour that fills most of ``widget`` as drawn."""
    image = widget.grab().toImage()
    counts: dict[int, int] = {}
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixel(x, y)
            counts[pixel] = counts.get(pixel, 0) + 1
    return QColor.fromRgb(max(counts, key=counts.__getitem__))


def text_shown(label: QLabel) -> QColor:
    """The colour ``label`` draws its text in (its style sheet included)."""
    label.ensurePolished()
    return label.palette().color(label.foregroundRole())


def assert_readable(text: QColor, background: QColor, what: str) -> None:
    ratio = contrast(text, background)
    assert ratio >= MIN_CONTRAST, f"{what}: {text.name()} on {background.name()} ({ratio:.1f})"


def test_value_table_marks_stay_readable(theme: str, window: MainWindow) -> None:
    select_no(window, "9")
    model = window.form.value_table.model
    model.setData(model.index(0, 4), "5千件")  # not a value: marked
    model.setData(model.index(0, 5), "集計中")  # a known word: coloured
    QApplication.processEvents()
    assert coloured_cells(model) >= 3  # the invalid cell, the two words
    assert unreadable_cells(model) == []
    assert tinted_without_text(model) == []


def test_sheet_list_ranks_stay_readable(theme: str, window: MainWindow) -> None:
    model = window.list_panel.proxy
    assert coloured_cells(model) >= 10
    assert unreadable_cells(model) == []
    assert tinted_without_text(model) == []


def test_side_by_side_changes_stay_readable(theme: str, window: MainWindow, qtbot) -> None:
    from ui.side_by_side import SideBySideTable

    sheets = window.session.book.list_sheets()
    sheets[0].title = "別の題名"
    sheets[0].efforts[0] = "書き直した段落"
    plan = compare.plan_import(sheets, window.session.book.find_sheet)[0]
    table = SideBySideTable("ブックの内容（今）", "版 3")
    qtbot.addWidget(table)
    table.show_changes(plan.changes)
    assert table.marked_places()
    assert coloured_cells(table.model()) >= 6
    assert unreadable_cells(table.model()) == []
    assert tinted_without_text(table.model()) == []


def test_import_preview_stays_readable(theme: str, window: MainWindow, qtbot) -> None:
    from ui.dialogs.import_preview import ImportPreviewDialog

    sheets = window.session.book.list_sheets()
    sheets[0].efforts[0] = "取り込む側で書き直した段落"
    sheets[1].rows[0].actuals[1] = Cell("5")
    dialog = ImportPreviewDialog(
        compare.plan_import(sheets, window.session.book.find_sheet), "changed.json"
    )
    qtbot.addWidget(dialog)
    dialog.show_same.setChecked(True)  # 変更あり and 変更なし, each with its colour
    listed = dialog.sheet_list.model()
    assert coloured_cells(listed) >= 2  # the two 変更あり sheets
    assert unreadable_cells(listed) == []
    assert tinted_without_text(listed) == []
    assert unreadable_cells(dialog.table.model()) == []


def test_notice_bars_stay_readable(theme: str, window: MainWindow) -> None:
    window.year_lock_bar.show_lock(2020)
    window.book_notice_bar.show_notice("このブックは読み取り専用で開いています。", "もう一度開く")
    QApplication.processEvents()
    for bar in (window.year_lock_bar, window.book_notice_bar):
        assert bar.isVisible()
        assert_readable(text_shown(bar.label), background_shown(bar), bar.objectName())


def test_the_planning_comment_stays_readable(theme: str, window: MainWindow) -> None:
    select_no(window, "9")
    document = window.session.document
    assert document is not None
    document.edit("企画課コメント", lambda sheet: setattr(sheet, "planning_comment", "要確認"))
    QApplication.processEvents()
    bar = window.form.planning_comment
    assert bar.isVisible()
    assert_readable(text_shown(bar.label), background_shown(bar), bar.objectName())


def test_evaluation_rank_stays_readable(theme: str, window: MainWindow) -> None:
    select_no(window, "9")
    rank = window.form.evaluation.findChild(QLabel, "eval_0_rank")
    assert rank is not None and rank.text() == "A"
    assert_readable(text_shown(rank), background_shown(rank), "評価")


def test_evaluation_notes_and_headings_stay_readable(theme: str, window: MainWindow) -> None:
    select_no(window, "10")  # its 県 row says why it is not judged
    panel = window.form.evaluation
    background = background_shown(panel)
    labels = [panel.findChild(QLabel, "evaluationScheme"), panel.findChild(QLabel, "eval_1_note")]
    labels += [label for label in panel.findChildren(QLabel) if label.text() == "評価"]
    for label in labels:
        assert label is not None and label.text()
        assert_readable(text_shown(label), background, label.objectName() or label.text())


def test_evaluation_flags_and_expected_rows_stay_readable(theme: str, window: MainWindow) -> None:
    select_no(window, "15")  # judged on R1: its flag says 前年度値で評価
    panel = window.form.evaluation
    flags = panel.findChild(QLabel, "eval_0_flags")
    assert flags is not None and flags.text() == "前年度値で評価"
    assert_readable(text_shown(flags), background_shown(panel), "前年度値で評価")
    # A row made a 期待値 row shows its path and a quiet note instead of figures.
    select_no(window, "18")
    combo = panel.findChild(QComboBox, "eval_0_measures")
    combo.setCurrentIndex(combo.findData("累計"))
    combo.activated.emit(combo.currentIndex())
    QApplication.processEvents()
    background = background_shown(panel)
    for name in ("eval_0_path", "eval_0_note", "evalHeading_expected"):
        label = panel.findChild(QLabel, name)
        assert label is not None and label.text(), name
        assert_readable(text_shown(label), background, name)
    window.session.document.undo_stack.setClean()


def test_dialog_messages_stay_readable(theme: str, qtbot) -> None:
    from kpidesk.evaluation import EvaluationSettings
    from ui.dialogs.evaluation_settings import EvaluationSettingsDialog
    from ui.dialogs.new_sheet import NewSheetDialog
    from ui.dialogs.rollover import RolloverDialog

    new_sheet = NewSheetDialog(lambda year, no: False)
    rollover = RolloverDialog({2020: ["9"]})
    settings = EvaluationSettingsDialog(EvaluationSettings(), False)
    for dialog in (new_sheet, rollover, settings):
        qtbot.addWidget(dialog)
    labels = (new_sheet.error_label, rollover.error_label, rollover.warning_label,
              settings.error_label)  # fmt: skip
    for label in labels:
        label.setText("保存できません")
        background = label.window().palette().color(QPalette.ColorRole.Window)
        assert_readable(text_shown(label), background, label.objectName())
    # The explanations of the evaluation settings are quiet grey, yet readable.
    notes = [
        label
        for label in settings.findChildren(QLabel)
        if label.objectName().startswith("basisNote_")
    ]
    assert len(notes) == 4
    background = settings.palette().color(QPalette.ColorRole.Window)
    for label in [*notes, settings.lowest_note]:
        assert_readable(text_shown(label), background, label.text())


def test_colours_follow_a_change_of_theme(app, window: MainWindow, qtbot) -> None:
    """Switching Windows to dark mode while the program runs recolours what it shows."""
    from ui.side_by_side import SideBySideTable

    select_no(window, "9")
    model = window.form.value_table.model
    model.setData(model.index(0, 4), "5千件")
    window.year_lock_bar.show_lock(2020)
    sheets = window.session.book.list_sheets()
    sheets[0].title = "別の題名"
    table = SideBySideTable("今", "版 3")
    qtbot.addWidget(table)
    table.show_changes(compare.plan_import(sheets, window.session.book.find_sheet)[0].changes)
    QApplication.processEvents()
    ranks = window.list_panel.proxy
    assert coloured_cells(ranks) >= 10  # painted in the light theme first
    with applied(dark_palette()):
        QApplication.processEvents()
        assert unreadable_cells(model) == []
        tints = [
            ranks.index(row, column).data(Qt.ItemDataRole.BackgroundRole)
            for row, column in cells(ranks)
        ]
        assert [
            t.color().name() for t in tints if t is not None and t.color().lightnessF() > 0.5
        ] == []
        assert unreadable_cells(table.model()) == []
        bar = window.year_lock_bar
        assert_readable(text_shown(bar.label), background_shown(bar), "ロックの帯")
        rank = window.form.evaluation.findChild(QLabel, "eval_0_rank")
        assert_readable(text_shown(rank), background_shown(rank), "評価")
        # A dark theme gets a dark tint, not a pale patch under light text.
        assert QColor(background_shown(bar)).lightnessF() < 0.5
