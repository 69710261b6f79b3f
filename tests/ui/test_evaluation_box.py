"""The 評価 box as an officer reads it: the 期待値 and the rate against it, the rank's
flags and reasons, 期待値 rows, the row settings by hand, and the book's settings."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
)

from kpidesk.book.store import Book
from kpidesk.evaluation import Basis, EvaluationSettings, ExternalMode, Rounding
from kpidesk.model import EXTERNAL_REASON_SUGGESTION, Cell, Sheet, ValueRow
from tests.ui.helpers import type_text
from tests.ui.test_evaluation_ui import ranks, wrapped_lines
from tests.ui.test_main_window import select_no
from ui.actions import Action
from ui.dialogs.evaluation_settings import EvaluationSettingsDialog
from ui.main_window import MainWindow
from ui.sheet_list import Col
from ui.wrapping import WORD_JOINER

#: Ibaraki's 雇用創出数: H27–H31 累計 10,000人 with its printed 期待値 row, and
#: the H29 actual marked （速報値）.
EMPLOYMENT = Sheet(
    report_year=2020,
    no="40",
    departments=["労働政策課"],
    title="雇用創出数",
    baseline_year=2014,
    actual_years=[2015, 2016, 2017, 2018, 2019],
    target_year=2019,
    rows=[
        ValueRow(
            "累計",
            "人/5年",
            Cell("—"),
            [Cell("2,748"), Cell("5,163"), Cell("7,077（速報値）"), Cell(), Cell()],
            Cell("10,000"),
        ),
        ValueRow(
            "期待値(累計)",
            "人/5年",
            Cell(),
            [Cell(text) for text in ("2,000", "4,000", "6,000", "8,000", "10,000")],
            Cell(),
        ),
    ],
)


@pytest.fixture
def employment_window(make_window, demo_book: Path) -> MainWindow:
    """A window on the sample book with the 雇用創出数 sheet added, opened on it."""
    with Book.open(demo_book, create=False) as book:
        book.save_sheet(EMPLOYMENT)
    window = make_window(demo_book)
    select_no(window, "40")
    return window


def shown(window: MainWindow, row: int, key: str) -> QLabel:
    label = window.form.evaluation.findChild(QLabel, f"eval_{row}_{key}")
    assert label is not None, key
    return label


def text(window: MainWindow, row: int, key: str) -> str:
    """What the user reads at ``key`` of row ``row``: "" when it is not shown."""
    label = shown(window, row, key)
    return label.text() if label.isVisibleTo(window.form.evaluation) else ""


def control(window: MainWindow, row: int, key: str, kind: type):
    found = window.form.evaluation.findChild(kind, f"eval_{row}_{key}")
    assert found is not None, key
    return found


def choose(combo: QComboBox, value: str) -> None:
    """Pick the item holding ``value`` as a user does (``activated`` follows)."""
    combo.setCurrentIndex(combo.findData(value))
    combo.activated.emit(combo.currentIndex())
    QApplication.processEvents()


def list_tooltip(window: MainWindow, no: str) -> str:
    model = window.list_panel.model
    row = model.row_of(next(s.id for s in window.session.book.list_entries() if s.no == no))
    return model.index(row, Col.RANK).data(Qt.ItemDataRole.ToolTipRole)


def test_no18_is_judged_against_the_years_expected_value(window: MainWindow) -> None:
    select_no(window, "18")
    assert text(window, 1, "latest") == "6（R2）"
    assert text(window, 1, "expected") == "5"  # 20 firms over four years: 5 after the first
    assert text(window, 1, "expected_rate") == "120.0%"
    assert text(window, 1, "achievement") == "30.0%"  # of the final 20: no longer the rank
    assert text(window, 1, "rank") == "A"
    assert shown(window, 1, "expected_rate").font().bold()  # the rate the rank is read from
    assert not shown(window, 1, "achievement").font().bold()
    assert shown(window, 1, "expected").toolTip() == (
        "R2の期待値: 0（R1。期間ごとに数え直す累計のため）から目標値20（R5）への直線で読んだ値"
    )
    headings = [
        label.text()
        for label in window.form.evaluation.findChildren(QLabel)
        if label.objectName().startswith("evalHeading_") and label.isVisibleTo(window.form)
    ]
    assert headings == ["最新実績", "前年比", "期待値", "対期待値", "達成率", "進捗率", "評価"]
    assert text(window, 1, "flags") == ""


def test_the_choosers_of_a_row_show_their_whole_text_after_another_sheet(
    window: MainWindow,
) -> None:
    # The choosers of No 10's second row are shown first, with shorter names
    # (自動（不明）); No 18 renames them (自動（増やす）).
    select_no(window, "10")
    select_no(window, "18")
    direction = control(window, 1, "direction", QComboBox)
    assert direction.currentText() == "目標の向き: 自動（増やす）"
    for combo in window.form.evaluation.findChildren(QComboBox):
        if not combo.isVisibleTo(window.form):
            continue
        # As wide as Qt makes a chooser of these items from the start.
        fresh = QComboBox()
        fresh.setFont(combo.font())
        fresh.addItems([combo.itemText(i) for i in range(combo.count())])
        assert combo.width() >= fresh.sizeHint().width(), combo.currentText()


def test_no19_below_its_base_value_is_the_lowest_rank_with_the_reason(
    window: MainWindow,
) -> None:
    select_no(window, "19")
    assert text(window, 0, "expected") == "38,872.25"
    assert text(window, 0, "expected_rate") == "94.3%"
    assert text(window, 0, "rank") == "D"
    assert text(window, 0, "note").startswith(
        "実績値（36,665）が基準値（37,163）を下回っているため、率にかかわらずDとしています"
    )


def test_no15_says_it_is_judged_on_the_years_before_value(window: MainWindow) -> None:
    select_no(window, "15")
    assert text(window, 0, "latest") == "28,467（R1）"
    assert text(window, 0, "flags") == "前年度値で評価"
    assert text(window, 0, "rank") == "B"
    # The note goes on to say why, without saying 前年度値で評価 twice.
    assert text(window, 0, "note") == "R2の実績値が集計中です。R1の実績で評価しています"


def test_no27_shows_a_meaningless_progress_rate_in_words(window: MainWindow) -> None:
    select_no(window, "27")
    assert text(window, 0, "progress") == "基準値を下回る"
    assert "783" not in " ".join(
        label.text() for label in window.form.evaluation.findChildren(QLabel)
    )
    assert text(window, 0, "rank") == "D"


def test_a_typed_expected_row_gives_the_path_and_is_not_ranked(
    employment_window: MainWindow,
) -> None:
    window = employment_window
    # 7,077 ÷ 6,000 (the typed 期待値 of H29) = 117.95 %, resting on a 速報値.
    assert text(window, 0, "latest") == "7,077（H29・速報値）"
    assert text(window, 0, "expected") == "6,000"
    assert text(window, 0, "expected_rate") == "118.0%"
    assert text(window, 0, "rank") == "A"
    assert text(window, 0, "flags") == "速報値に基づく"
    assert shown(window, 0, "expected").toolTip() == "H29の期待値: 期待値(累計)の行の値"
    # The 期待値 row is the path of its row: no figures, no rank, no row settings but its role.
    assert text(window, 1, "label") == "期待値(累計)"
    assert text(window, 1, "path") == "期待値の行（累計の行の期待値）"
    assert text(window, 1, "rank") == "" and text(window, 1, "expected_rate") == ""
    assert text(window, 1, "note").startswith("評価しません。")
    assert not control(window, 1, "direction", QComboBox).isVisibleTo(window.form)
    assert not control(window, 1, "external", QCheckBox).isVisibleTo(window.form)
    measures = control(window, 1, "measures", QComboBox)
    assert measures.isVisibleTo(window.form)
    assert measures.currentText() == "期待値の行: 自動（累計の行）"
    # The list ranks the sheet by its 累計 row and says the rank rests on a 速報値.
    assert ranks(window)["40"] == "A"
    assert list_tooltip(window, "40") == "期待値に対する達成率 118.0%、速報値に基づく"
    # Truncated as Ibaraki prints it: 117.9 %.
    truncate = EvaluationSettings(rounding=Rounding.TRUNCATE)
    assert window.years.apply_evaluation_settings(truncate, False)
    assert text(window, 0, "expected_rate") == "117.9%"


def test_a_row_made_the_expected_row_by_hand_measures_the_chosen_row(
    window: MainWindow, demo_book: Path
) -> None:
    select_no(window, "18")  # 単年 6 and 累計 6 (expected 5)
    combo = control(window, 0, "measures", QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "期待値の行: 自動（いいえ）",
        "期待値の行: 累計の行",
    ]
    choose(combo, "累計")
    assert text(window, 0, "path") == "期待値の行（累計の行の期待値）"
    assert text(window, 0, "rank") == ""
    assert text(window, 1, "expected") == "6"  # the 単年 row's R2 value
    assert text(window, 1, "expected_rate") == "100.0%"
    assert window.isWindowModified()
    assert window.form.trend_chart.row_count() == 1  # the 期待値 row is drawn as the path
    window.actions[Action.SAVE].trigger()
    with Book.open(demo_book, read_only=True) as book:
        assert book.find_sheet(2020, "18").rows[0].measures == "累計"
    window.actions[Action.UNDO].trigger()
    assert text(window, 0, "path") == "" and text(window, 0, "rank") == "—"
    assert text(window, 1, "expected") == "5" and text(window, 1, "expected_rate") == "120.0%"
    assert control(window, 0, "measures", QComboBox).currentIndex() == 0
    window.actions[Action.REDO].trigger()
    assert control(window, 0, "measures", QComboBox).currentData() == "累計"


def test_an_external_factor_is_marked_and_the_settings_say_what_it_does(
    window: MainWindow, demo_book: Path
) -> None:
    select_no(window, "14")
    external = control(window, 0, "external", QCheckBox)
    reason = control(window, 0, "external_reason", QLineEdit)
    assert not reason.isVisibleTo(window.form)  # asked for once the box is ticked
    external.click()
    QApplication.processEvents()
    assert window.isWindowModified()
    assert reason.isVisibleTo(window.form) and reason.isEnabled()
    assert reason.placeholderText() == f"例: {EXTERNAL_REASON_SUGGESTION}"
    assert text(window, 0, "rank") == "A"
    assert text(window, 0, "flags") == "参考（外的要因）"
    type_text(reason, "新型コロナ")
    assert reason.completer().currentCompletion() == EXTERNAL_REASON_SUGGESTION  # offered
    type_text(reason, "ウイルス感染症の影響")
    assert "外的要因（新型コロナウイルス感染症の影響）のため参考として評価しています" in text(
        window, 0, "note"
    )
    # 評価対象外: no rank, and the box says why.
    excluded = EvaluationSettings(external=ExternalMode.EXCLUDED)
    assert window.years.apply_evaluation_settings(excluded, False)
    assert text(window, 0, "rank") == "—"
    assert text(window, 0, "flags") == "評価対象外（外的要因）"
    assert text(window, 0, "note").startswith(
        "外的要因（新型コロナウイルス感染症の影響）のため評価対象外です"
    )
    window.actions[Action.SAVE].trigger()
    assert ranks(window)["14"] == "—"
    assert list_tooltip(window, "14") == (
        "外的要因（新型コロナウイルス感染症の影響）のため評価対象外です"
    )
    with Book.open(demo_book, read_only=True) as book:
        row = book.find_sheet(2020, "14").rows[0]
        assert (row.external, row.external_reason) == (True, EXTERNAL_REASON_SUGGESTION)
    # The typed reason is one undo step, the tick another.
    window.actions[Action.UNDO].trigger()
    assert reason.text() == "" and external.isChecked()
    window.actions[Action.UNDO].trigger()
    assert not external.isChecked() and not reason.isVisibleTo(window.form)
    assert text(window, 0, "rank") == "A" and text(window, 0, "flags") == ""


def test_the_list_names_the_external_factor_of_a_reference_rank(window: MainWindow) -> None:
    select_no(window, "17")
    control(window, 0, "external", QCheckBox).click()
    type_text(control(window, 0, "external_reason", QLineEdit), EXTERNAL_REASON_SUGGESTION)
    window.actions[Action.SAVE].trigger()
    assert list_tooltip(window, "17") == (
        "期待値に対する達成率 119.7%、参考（外的要因: 新型コロナウイルス感染症の影響）"
    )


def test_read_only_books_cannot_change_the_new_row_settings(make_window, demo_book: Path) -> None:
    window = make_window(demo_book)
    select_no(window, "14")
    window.form.set_read_only(True)  # as for a book opened read-only or a locked year
    assert not control(window, 0, "measures", QComboBox).isEnabled()
    assert not control(window, 0, "external", QCheckBox).isEnabled()
    assert not control(window, 0, "external_reason", QLineEdit).isEnabled()


def test_the_settings_dialog_round_trip_ranks_the_list_again(
    window: MainWindow, make_window, demo_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bool, str, str]] = []

    def fill_in(dialog: EvaluationSettingsDialog) -> int:
        checked = dialog.basis_buttons.checkedButton().objectName()
        external = dialog.external_buttons.checkedButton().objectName()
        seen.append((dialog.floor_check.isChecked(), checked, external))
        dialog.findChild(type(dialog.floor_check), "floor").setChecked(False)
        dialog.basis_buttons.buttons()[2].click()  # 達成率
        dialog.external_buttons.buttons()[1].click()  # 評価対象外にする
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(EvaluationSettingsDialog, "exec", fill_in)
    before = ranks(window)
    assert (before["14"], before["18"], before["19"]) == ("A", "A", "D")
    window.actions[Action.EVALUATION_SETTINGS].trigger()
    assert seen == [(True, "basis_expected", "external_reference")]
    after = ranks(window)
    # Against the final target and without the floor: 92.2 %, 30.0 %, 83.3 %.
    assert (after["14"], after["18"], after["19"]) == ("B", "D", "B")
    select_no(window, "19")
    assert not shown(window, 0, "expected_rate").isVisibleTo(window.form)
    assert text(window, 0, "expected") == "38,872.25"  # still shown beside the rates
    assert shown(window, 0, "achievement").font().bold()
    window.close()
    again = make_window(demo_book)
    stored = again.session.book.evaluation_settings()
    assert stored == dataclasses.replace(
        EvaluationSettings(), basis=Basis.ACHIEVEMENT, floor=False, external=ExternalMode.EXCLUDED
    )
    dialog = EvaluationSettingsDialog(stored, False)
    assert dialog.basis_buttons.checkedButton().objectName() == "basis_achievement"
    assert not dialog.floor_check.isChecked()
    assert dialog.external_buttons.checkedButton().objectName() == "external_excluded"
    assert ranks(again)["19"] == "B"


def test_the_settings_dialog_explains_each_basis(app) -> None:
    dialog = EvaluationSettingsDialog(EvaluationSettings(), False)
    buttons = {button.objectName(): button.text() for button in dialog.basis_buttons.buttons()}
    assert buttons == {
        "basis_expected": "期待値に対する達成率（新しいブックの標準）",
        "basis_expected_progress": "期待値に対する進捗率",
        "basis_achievement": "達成率",
        "basis_progress": "進捗率",
    }
    labels = {basis.value: dialog.findChild(QLabel, f"basisNote_{basis.value}") for basis in Basis}
    notes = {key: label.text().replace(WORD_JOINER, "") for key, label in labels.items()}
    assert notes["expected"].startswith("その年度に期待される値（期待値）に届いたか: 実績÷")
    assert notes["expected"].endswith("（減らす目標は 期待値÷実績）")
    assert notes["progress"].endswith("（実績−基準値）÷（目標−基準値）")
    # However narrow the dialog, a formula's terms are never split: not 「目標」 over 「÷実績」.
    terms = ["実績÷目標", "期待値÷実績", "目標÷実績", "（実績−基準値）", "（目標−基準値）"]
    for label in labels.values():
        metrics = label.fontMetrics()
        for width in range(metrics.horizontalAdvance("（減らす目標は 期待値÷実績）"), 700, 3):
            lines = wrapped_lines(label.text(), label.font(), width)
            for term in terms:
                broken = [term[:cut] for cut in range(1, len(term))]
                for first, second in itertools.pairwise(lines):
                    assert not any(
                        first.endswith(head) and second.startswith(term[len(head) :])
                        for head in broken
                    ), (width, lines)
    assert [b.text() for b in dialog.external_buttons.buttons()] == [
        "参考として評価する",
        "評価対象外にする",
    ]
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "評価に「参考」と添えます。" in texts
    assert "評価せず、件数にも数えません。" in texts
    assert dialog.floor_check.text() == "基準値を下回った実績は最低の評価にする"


def test_the_settings_dialog_sets_whether_word_targets_are_met_or_not(app, qtbot) -> None:
    from kpidesk.ranking import LEGACY_SETTINGS

    dialog = EvaluationSettingsDialog(LEGACY_SETTINGS, False)
    qtbot.addWidget(dialog)
    check = dialog.findChild(QCheckBox, "binaryTargets")
    assert check is not None and not check.isChecked()  # a book ranked before
    assert dialog.settings().binary_targets is False
    check.setChecked(True)
    assert dialog.settings() == dataclasses.replace(LEGACY_SETTINGS, binary_targets=True)
    new_book = EvaluationSettingsDialog(EvaluationSettings(), False)
    qtbot.addWidget(new_book)
    assert new_book.findChild(QCheckBox, "binaryTargets").isChecked()


def test_a_figure_is_drawn_at_the_right_of_its_box_under_its_heading(window: MainWindow) -> None:
    """「+72人」 (No 13's 累計) ends where its heading 前年比 ends even in a box wider than
    the text, as the grid can leave it after a sheet with a longer change."""
    window.resize(1228, 690)
    window.show()
    select_no(window, "13")
    label = window.findChild(QLabel, "eval_1_change")
    assert label is not None and label.text() == "+72人"
    label.resize(label.sizeHint().width() + 60, label.height())
    image = label.grab().toImage()
    background = image.pixelColor(0, image.height() // 2)
    ink = [
        x
        for x in range(image.width())
        for y in range(image.height())
        if abs(image.pixelColor(x, y).lightness() - background.lightness()) > 60
    ]
    assert ink, "no text drawn"
    assert min(ink) > 50  # nothing at the left of the widened box
    assert max(ink) >= image.width() - 6 * image.devicePixelRatio()
