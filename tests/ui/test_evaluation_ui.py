"""The 評価 column of the list, the 評価 box of the form and the evaluation settings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextLayout, QTextOption
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton

from kpidesk.book.store import Book
from kpidesk.evaluation import Basis, EvaluationSettings, RankLevel, Rounding
from tests.ui.test_main_window import header, select_no, shown_nos
from ui.actions import Action
from ui.dialogs.evaluation_settings import EvaluationSettingsDialog
from ui.evaluation_texts import scheme_phrases
from ui.main_window import MainWindow
from ui.sheet_list import Col
from ui.wrapping import WORD_JOINER, kept_together

MARKS = EvaluationSettings(
    levels=(RankLevel("◎", Decimal(100)), RankLevel("○", Decimal(80)), RankLevel("△", Decimal(50))),
    lowest_label="×",
)


def ranks(window: MainWindow) -> dict[str, str]:
    proxy = window.list_panel.proxy
    return {
        proxy.index(row, Col.NO).data(): proxy.index(row, Col.RANK).data()
        for row in range(proxy.rowCount())
    }


def figure(window: MainWindow, row: int, key: str) -> str:
    label = window.form.evaluation.findChild(QLabel, f"eval_{row}_{key}")
    assert label is not None, key
    return label.text()


def test_the_list_shows_a_rank_per_sheet(window: MainWindow) -> None:
    shown = ranks(window)
    # A new book ranks by the year's 期待値, with the floor.
    assert shown["9"] == "A"  # 前年比減 met: 5,081 after 6,498
    assert shown["17"] == "A"  # 41 of the 期待値 34.25
    assert shown["27"] == "D"  # 473, below its base of 763
    assert shown["14"] == "A"  # 3,688 of the 期待値 3,568.75: 103.3 %
    assert shown["16"] == "—" and shown["26"] == "—"
    assert shown["13"] == "C"  # its cumulative row: 72 of the 期待値 100
    model = window.list_panel.model
    row16 = model.row_of(next(s.id for s in window.session.book.list_entries() if s.no == "16"))
    tip = model.index(row16, Col.RANK).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "評価できません: R2の実績値が集計中です"
    row17 = model.row_of(next(s.id for s in window.session.book.list_entries() if s.no == "17"))
    assert model.index(row17, Col.RANK).data(Qt.ItemDataRole.ToolTipRole) == (
        "期待値に対する達成率 119.7%"
    )
    green = model.index(row17, Col.RANK).data(Qt.ItemDataRole.BackgroundRole).color().name()
    assert green == "#c8e6c9"
    # No 13's rank comes from its second row: the tooltip names it.
    row13 = model.row_of(next(s.id for s in window.session.book.list_entries() if s.no == "13"))
    assert model.index(row13, Col.RANK).data(Qt.ItemDataRole.ToolTipRole) == (
        "累計の行: 期待値に対する達成率 72.0%"
    )
    row27 = model.row_of(next(s.id for s in window.session.book.list_entries() if s.no == "27"))
    assert model.index(row27, Col.RANK).data(Qt.ItemDataRole.ToolTipRole) == (
        "期待値に対する達成率 61.2%、"
        "実績値（473）が基準値（763）を下回っているため、率にかかわらずDとしています"
    )


def test_the_list_sorts_and_filters_by_rank(window: MainWindow) -> None:
    window.list_panel.table.sortByColumn(Col.RANK, Qt.SortOrder.AscendingOrder)
    order = [ranks(window)[no] for no in shown_nos(window)]
    assert order == sorted(order, key=lambda rank: "ABCD—".index(rank))
    combo = window.list_panel.rank_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "（すべて）", "A", "B", "C", "D", "—（評価なし）",
    ]  # fmt: skip
    combo.setCurrentIndex(combo.findData("C"))
    assert sorted(shown_nos(window), key=int) == ["13"]
    assert window.list_panel.count_label.text() == "1 / 15 件"
    combo.setCurrentIndex(combo.findData("—"))
    assert sorted(shown_nos(window), key=int) == ["16", "26"]


def test_a_saved_actual_changes_the_rank_in_the_list(window: MainWindow) -> None:
    select_no(window, "27")
    model = window.form.value_table.model
    r2 = header(window).index("R2実績値")
    assert model.setData(model.index(0, r2), "820")
    assert figure(window, 0, "rank") == "A"  # the form judges as you type
    window.actions[Action.SAVE].trigger()
    assert ranks(window)["27"] == "A"


def test_the_form_shows_rates_rank_and_change(window: MainWindow) -> None:
    select_no(window, "9")
    assert figure(window, 0, "latest") == "5,081（R2）"
    assert figure(window, 0, "change") == "-1,417件(-21.8%)"
    assert figure(window, 0, "achievement") == "127.9%"
    assert figure(window, 0, "progress") == "—"
    assert figure(window, 0, "rank") == "A"
    assert "前年比減" in figure(window, 0, "note") and "達成" in figure(window, 0, "note")
    select_no(window, "27")
    assert figure(window, 0, "progress") == "基準値を下回る"  # not -783.8 %
    assert figure(window, 0, "rank") == "D"  # below its base
    select_no(window, "16")
    assert figure(window, 0, "rank") == "—"
    assert figure(window, 0, "note") == "R2の実績値が集計中です"


def test_the_sentence_button_inserts_the_published_wording_and_undoes(window: MainWindow) -> None:
    select_no(window, "27")
    efforts = window.form.sections["efforts"]
    before = efforts.bullets()
    button = window.form.evaluation.findChild(QPushButton, "eval_0_insert")
    button.click()
    QApplication.processEvents()
    assert efforts.bullets()[0] == (
        "令和2年度の延べ宿泊者数は、前年比：-290万人(-38.0%)の473万人となった。"
    )
    assert efforts.editors[0].toPlainText() == efforts.bullets()[0]
    assert window.isWindowModified()
    # A second click after changing the value replaces the sentence, not repeats it.
    model = window.form.value_table.model
    assert model.setData(model.index(0, header(window).index("R2実績値")), "500")
    window.form.evaluation.findChild(QPushButton, "eval_0_insert").click()
    assert efforts.bullets()[0].startswith("令和2年度の延べ宿泊者数は、前年比：-263万人(-34.5%)")
    assert len(efforts.bullets()) == len(before) + 1
    window.actions[Action.UNDO].trigger()
    window.actions[Action.UNDO].trigger()
    window.actions[Action.UNDO].trigger()
    assert efforts.bullets() == before


def test_no_sentence_without_a_change(window: MainWindow) -> None:
    select_no(window, "16")
    button = window.form.evaluation.findChild(QPushButton, "eval_0_insert")
    assert not button.isEnabled()
    assert "計算できない" in button.toolTip()


def test_setting_the_direction_on_a_row_rejudges_and_is_saved(
    window: MainWindow, demo_book: Path
) -> None:
    select_no(window, "17")
    combo = window.form.evaluation.findChild(QComboBox, "eval_0_direction")
    assert combo.currentText() == "目標の向き: 自動（増やす）"
    combo.setCurrentIndex(combo.findData("down"))
    combo.activated.emit(combo.currentIndex())
    QApplication.processEvents()
    assert figure(window, 0, "achievement") == "85.4%"  # 35 ÷ 41
    assert figure(window, 0, "rank") == "D"  # going down, 41 is worse than the base of 34
    window.actions[Action.SAVE].trigger()
    with Book.open(demo_book, read_only=True) as book:
        assert book.find_sheet(2020, "17").rows[0].target_direction == "down"
    assert ranks(window)["17"] == "D"
    window.actions[Action.UNDO].trigger()
    assert figure(window, 0, "rank") == "A"


def test_read_only_books_cannot_change_directions(make_window, demo_book: Path) -> None:
    window = make_window(demo_book)
    window.form.set_read_only(True)
    select_no(window, "9")
    assert not window.form.evaluation.findChild(QComboBox, "eval_0_direction").isEnabled()
    assert not window.form.evaluation.findChild(QPushButton, "eval_0_insert").isEnabled()


def test_new_settings_rank_again_everywhere_and_stay_with_the_book(
    window: MainWindow, make_window, demo_book: Path
) -> None:
    select_no(window, "27")
    assert window.years.apply_evaluation_settings(MARKS, True)
    assert ranks(window)["9"] == "◎" and ranks(window)["27"] == "×"
    assert figure(window, 0, "rank") == "×"
    combo = window.list_panel.rank_combo
    assert combo.itemText(1) == "◎"
    progress = EvaluationSettings(basis=Basis.PROGRESS, rounding=Rounding.TRUNCATE)
    assert window.years.apply_evaluation_settings(progress, False)
    assert ranks(window)["27"] == "D"  # progress -783.8 %
    assert ranks(window)["9"] == "A"  # a met word target is met, whatever the rate
    window.close()
    again = make_window(demo_book)
    assert again.session.book.evaluation_settings() == progress
    assert ranks(again)["27"] == "D"


def test_the_settings_dialog_reads_and_refuses(app) -> None:
    dialog = EvaluationSettingsDialog(EvaluationSettings(), False)
    assert [dialog.label_edits[i].text() for i in range(4)] == ["A", "B", "C", "D"]
    assert dialog.threshold_spins[1].value() == 80.0
    dialog.label_edits[0].setText("S")
    dialog.threshold_spins[0].setValue(120.0)
    dialog.count_spin.setValue(5)
    dialog.threshold_spins[3].setValue(20.0)
    dialog.label_edits[4].setText("E")
    dialog.findChild(type(dialog.chart_check), "printChart").setChecked(True)
    dialog.findChild(type(dialog.basis_buttons.buttons()[0]), "rounding_truncate").setChecked(True)
    settings = dialog.settings()
    assert settings.labels == ["S", "B", "C", "D", "E"]
    assert [level.threshold for level in settings.levels] == [120, 80, 50, 20]
    assert settings.rounding is Rounding.TRUNCATE and dialog.print_chart()
    # Thresholds that do not fall are refused with a message; the dialog stays open.
    dialog.threshold_spins[1].setValue(130.0)
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "しきい値" in dialog.error_label.text()
    dialog.label_edits[1].setText("S")
    dialog.threshold_spins[1].setValue(80.0)
    dialog.accept()
    assert "重複" in dialog.error_label.text()


def test_the_sentence_button_shows_where_it_wrote(window: MainWindow, qtbot) -> None:
    window.resize(1366, 768)
    select_no(window, "13")
    button = window.form.evaluation.findChild(QPushButton, "eval_1_insert")
    button.click()
    assert window.statusBar().currentMessage() == "前年比の文を取組状況に入れました"
    editor = window.form.sections["efforts"].editors[0]
    qtbot.waitUntil(lambda: editor.visibleRegion().boundingRect().height() > 0)
    button.click()
    assert window.statusBar().currentMessage() == "前年比の文は既に取組状況に入っています"


def test_the_wheel_over_a_row_setting_does_not_change_it(window: MainWindow, qtbot) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    select_no(window, "13")
    combo = window.form.evaluation.findChild(QComboBox, "eval_1_kind")
    window.form.edits["title"].setFocus()
    before = combo.currentIndex()
    wheel = QWheelEvent(
        QPointF(5, 5), QPointF(combo.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(combo, wheel)
    assert combo.currentIndex() == before
    assert not window.isWindowModified()


def test_the_rank_scheme_beside_the_heading_is_shown_whole(window: MainWindow) -> None:
    """The scheme's text (達成率で評価（A 100%以上…）) wraps within its box, never cut at
    the top or the bottom, however wide the window and whichever basis is set."""
    label = window.form.evaluation.findChild(QLabel, "evaluationScheme")
    for width, basis in ((1366, Basis.ACHIEVEMENT), (1024, Basis.ACHIEVEMENT), (900, None)):
        window.resize(width, 768)
        if basis is not None:
            window.list_panel.set_evaluation_settings(EvaluationSettings(basis=basis))
            window.form.set_evaluation_settings(EvaluationSettings(basis=basis))
        select_no(window, "9")
        QApplication.processEvents()
        assert label.text().replace(WORD_JOINER, "").startswith(("達成率で評価", "期待値に対する"))
        assert label.height() >= label.heightForWidth(label.width()), (width, label.text())


def wrapped_lines(text: str, font: QFont, width: int) -> list[str]:
    """The lines Qt wraps ``text`` into at ``width`` pixels, as a word-wrapping label does."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        lines.append(text[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return [line.replace(WORD_JOINER, "") for line in lines]


def test_the_rank_scheme_wraps_only_between_its_phrases(window: MainWindow) -> None:
    """However narrow the box, 「四捨五入）」 or 「B 80%以上、」 is never split over two lines:
    the text breaks only where one phrase ends (Qt breaks Japanese anywhere)."""
    label = window.form.evaluation.findChild(QLabel, "evaluationScheme")
    settings = EvaluationSettings(
        levels=(RankLevel("S", Decimal("120")), RankLevel("A ランク", Decimal("100"))),
        lowest_label="B",
    )
    for shown in (EvaluationSettings(), settings):
        window.form.set_evaluation_settings(shown)
        phrases = scheme_phrases(shown)
        assert label.text() == kept_together(*phrases)
        plain = "".join(phrases)
        ends = {len("".join(phrases[: n + 1])) for n in range(len(phrases))}
        widest = max(label.fontMetrics().horizontalAdvance(p) for p in phrases)
        wrapped = 0
        for width in range(widest + 2, label.fontMetrics().horizontalAdvance(plain) + 2):
            lines = wrapped_lines(label.text(), label.font(), width)
            assert "".join(lines).replace("\u00a0", " ") == plain
            wrapped += len(lines) > 1
            breaks = [len("".join(lines[: n + 1])) for n in range(len(lines) - 1)]
            assert set(breaks) <= ends, (width, lines)
        assert wrapped > 10  # the widths tried did wrap the text
