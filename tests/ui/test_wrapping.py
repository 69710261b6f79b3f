"""Where labels may break Japanese text (ui.wrapping), laid out by Qt as a label does."""

from __future__ import annotations

from PySide6.QtGui import QFont

from tests.ui.test_evaluation_ui import wrapped_lines
from tests.ui.test_main_window import select_no
from tests.ui.test_small_surprises import choose_department
from ui.main_window import MainWindow
from ui.wrapping import LONGEST_KEPT, WORD_JOINER, clause_text, clauses, kept_together, plain

NOTICE = "表示中のシート（No 26）は、フィルター（検索: 18）で一覧に出ていません"


def test_clauses_end_after_commas_and_brackets() -> None:
    assert clauses(NOTICE) == [
        "表示中のシート",
        "（No 26）",
        "は、",
        "フィルター",
        "（検索: 18）",
        "で一覧に出ていません",
    ]
    assert clauses("") == []


def test_the_text_is_kept_as_written() -> None:
    assert plain(clause_text(NOTICE)) == NOTICE
    shown = kept_together("A 100%以上、", "（減らす目標は ", "x")
    assert plain(shown) == "A 100%以上、（減らす目標は x"
    # A space inside a phrase becomes a no-break space; one that ends it stays.
    j = WORD_JOINER
    assert kept_together("A 1、", "は ") == f"A{j}\u00a0{j}1{j}、は "


def test_a_long_phrase_is_left_to_break_anywhere() -> None:
    long = "あ" * (LONGEST_KEPT + 1)
    assert kept_together(long) == long
    assert WORD_JOINER in kept_together("あ" * LONGEST_KEPT)


def test_a_notice_breaks_only_between_its_clauses() -> None:
    font = QFont()
    ends = {len("".join(clauses(NOTICE)[: n + 1])) for n in range(len(clauses(NOTICE)))}
    text = clause_text(NOTICE)
    for width in range(120, 700, 3):
        lines = [plain(line) for line in wrapped_lines(text, font, width)]
        assert "".join(lines) == NOTICE
        breaks = {len("".join(lines[: n + 1])) for n in range(len(lines) - 1)}
        assert breaks <= ends, (width, lines)


def test_the_filter_notice_never_leaves_a_lone_kana(window: MainWindow) -> None:
    select_no(window, "9")
    choose_department(window, "港湾課")
    notice = window.list_panel.filter_notice
    assert notice.text == (
        "表示中のシート（No 9）は、フィルター（担当課: 港湾課）で一覧に出ていません"
    )
    label = notice.label
    for width in range(150, 700, 3):
        lines = [plain(line) for line in wrapped_lines(label.text(), label.font(), width)]
        assert "".join(lines) == notice.text
        assert len(lines) == 1 or not lines[-1] or len(lines[-1]) >= 4, (width, lines)


def test_a_mark_stays_on_its_character() -> None:
    """A decomposed ガ (カ + U+3099, as pasted from a Mac), a variation selector and a
    zero-width joiner sequence get no word joiner inside them."""
    j = WORD_JOINER
    assert kept_together("カ\u3099ー") == f"カ\u3099{j}ー"
    assert kept_together("葛\U000e0100城") == f"葛\U000e0100{j}城"
    assert kept_together("a\u200db") == "a\u200db"
