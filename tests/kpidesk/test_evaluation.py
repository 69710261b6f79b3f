"""Tests for kpidesk.evaluation: rates, ranks and the year-on-year change."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from kpidesk import evaluation
from kpidesk.evaluation import (
    Basis,
    EvaluationSettings,
    RankLevel,
    Rounding,
    change_sentence,
    change_text,
    evaluate_row,
    format_rate,
    rank_of,
)
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.samples import sample_sheets

#: The rules against the final target (a book made before the 期待値): most
#: tests here are of those rates; tests/kpidesk/test_expected.py has the rest.
DEFAULT = evaluation.LEGACY_SETTINGS


@pytest.fixture(scope="module")
def samples() -> dict[str, Sheet]:
    return {sheet.no: sheet for sheet in sample_sheets()}


def printed(rate: Decimal | None) -> str:
    return format_rate(rate, Rounding.HALF_UP)


def make_sheet(*rows: ValueRow, years: tuple[int, ...] = (2020, 2021, 2022, 2023)) -> Sheet:
    return Sheet(
        report_year=2021,
        no="1",
        title="テスト指標",
        baseline_year=2019,
        actual_years=list(years),
        target_year=2023,
        rows=list(rows),
    )


def row(base: str, actuals: list[str], target: str, **fields: str) -> ValueRow:
    cells = actuals + [""] * (4 - len(actuals))
    return ValueRow(
        label=fields.pop("label", "単年"),
        unit=fields.pop("unit", "件/年"),
        baseline=Cell(base),
        actuals=[Cell(text) for text in cells],
        target=Cell(target),
        **fields,
    )


# --- the sample sheets the issue names


def test_no_9_is_achieved_with_the_published_change(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["9"], 0)
    assert (judged.latest_year, judged.latest) == (2020, Decimal(5081))
    assert judged.word_target == "前年比減"
    assert judged.achieved is True
    assert judged.change == Decimal(-1417)
    assert change_text(judged, Rounding.HALF_UP) == "-1,417件(-21.8%)"
    # Against the previous year's actual, which stands in for the target.
    assert printed(judged.achievement) == "127.9%"
    assert judged.rank(DEFAULT) == "A"
    assert judged.progress is None
    assert "前年比減" in judged.progress_reason


def test_no_9_sentence_matches_the_published_wording(samples: dict[str, Sheet]) -> None:
    sheet = samples["9"]
    sentence = change_sentence(sheet, evaluate_row(sheet, 0), Rounding.HALF_UP)
    assert sentence == "令和2年度の刑法犯認知件数は、前年比：-1,417件(-21.8%)の5,081件となった。"
    assert "前年比：-1,417件(-21.8%)" in sheet.efforts[0]  # as the published sheet has it


def test_no_17_ranks_a(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["17"], 0)
    assert (judged.latest, judged.target, judged.baseline) == (41, 35, 34)
    assert judged.target_direction == "up"
    assert printed(judged.achievement) == "117.1%"
    assert printed(judged.progress) == "700.0%"
    assert judged.achieved is True
    assert judged.rank(DEFAULT) == "A"
    assert change_text(judged, Rounding.HALF_UP) == "+7件(+20.6%)"


def test_no_27_has_a_negative_progress(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["27"], 0)
    assert (judged.latest, judged.baseline, judged.target) == (473, 763, 800)
    assert judged.progress is not None and judged.progress < 0
    assert printed(judged.progress) == "-783.8%"
    assert printed(judged.achievement) == "59.1%"
    assert judged.rank(DEFAULT) == "C"
    assert judged.rank(dataclasses.replace(DEFAULT, basis=Basis.PROGRESS)) == "D"
    assert judged.achieved is False


def test_no_16_cannot_be_judged_and_says_why(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["16"], 0)
    assert judged.latest is None and judged.achievement is None and judged.progress is None
    assert judged.rank(DEFAULT) is None
    assert judged.achievement_reason == "R2の実績値が集計中です"
    assert evaluation.describe_rate(
        judged.achievement, judged.achievement_reason, Rounding.HALF_UP
    ) == ("—（R2の実績値が集計中です）")


def test_no_26_cannot_be_judged_and_says_why(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["26"], 0)
    assert judged.achievement is None and judged.rank(DEFAULT) is None
    assert judged.achievement_reason == "R2の実績値が「—」（該当なし）です"
    assert change_text(judged, Rounding.HALF_UP) is None


def test_no_15_is_judged_on_the_newest_number_and_says_so(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["15"], 0)
    assert (judged.latest_year, judged.latest) == (2019, Decimal(28467))
    assert judged.note == "前年度値で評価。R2の実績値が集計中です。R1の実績で評価しています"
    assert judged.earlier_year
    assert printed(judged.achievement) == "94.3%"


def test_every_sample_row_is_judged_or_gives_a_reason(samples: dict[str, Sheet]) -> None:
    for sheet in samples.values():
        for judged in evaluation.evaluate_sheet(sheet):
            assert judged.achievement is not None or judged.achievement_reason
            assert judged.progress is not None or judged.progress_reason


# --- rounding


@pytest.mark.parametrize(
    ("rate", "half_up", "truncate"),
    [
        ("129.075", "129.1%", "129.0%"),
        ("120.75", "120.8%", "120.7%"),
        ("99.95", "100.0%", "99.9%"),
        ("-783.78", "-783.8%", "-783.7%"),
        ("0.04", "0.0%", "0.0%"),
    ],
)
def test_both_rounding_modes(rate: str, half_up: str, truncate: str) -> None:
    assert format_rate(Decimal(rate), Rounding.HALF_UP) == half_up
    assert format_rate(Decimal(rate), Rounding.TRUNCATE) == truncate


def test_rates_come_from_exact_arithmetic_not_floats() -> None:
    # 1,032.6 of 800 is exactly 129.075 %: a float would make it 129.07499…
    judged = evaluate_row(make_sheet(row("700", ["1,032.6"], "800", unit="件")), 0)
    assert judged.achievement == Decimal("129.075")
    assert format_rate(judged.achievement, Rounding.HALF_UP) == "129.1%"
    assert format_rate(judged.achievement, Rounding.TRUNCATE) == "129.0%"
    # 241.5 of 200 is exactly 120.75 %.
    judged = evaluate_row(make_sheet(row("100", ["241.5"], "200")), 0)
    assert format_rate(judged.achievement, Rounding.HALF_UP) == "120.8%"
    assert format_rate(judged.achievement, Rounding.TRUNCATE) == "120.7%"


def test_the_rank_follows_the_printed_rate() -> None:
    # 99.95 % prints as 100.0 % when rounding half up, so it ranks A there.
    assert rank_of(Decimal("99.95"), DEFAULT) == "A"
    assert (
        rank_of(Decimal("99.95"), dataclasses.replace(DEFAULT, rounding=Rounding.TRUNCATE)) == "B"
    )
    assert rank_of(Decimal("80"), DEFAULT) == "B"
    assert rank_of(Decimal("79.9"), DEFAULT) == "C"
    assert rank_of(Decimal("49.9"), DEFAULT) == "D"
    assert rank_of(Decimal("-20"), DEFAULT) == "D"
    assert rank_of(None, DEFAULT) is None


def test_custom_labels_and_thresholds() -> None:
    marks = EvaluationSettings(
        levels=(
            RankLevel("◎", Decimal(100)),
            RankLevel("○", Decimal(70)),
            RankLevel("△", Decimal(40)),
        ),
        lowest_label="×",
    )
    assert [rank_of(Decimal(rate), marks) for rate in ("120", "70", "69.9", "40", "10")] == [
        "◎",
        "○",
        "△",
        "△",
        "×",
    ]
    assert EvaluationSettings.from_dict(marks.to_dict()) == marks


@pytest.mark.parametrize(
    ("levels", "lowest", "message"),
    [
        ((RankLevel("A", Decimal(80)), RankLevel("B", Decimal(90))), "D", "大きく"),
        ((RankLevel("A", Decimal(100)), RankLevel("A", Decimal(50))), "D", "重複"),
        ((RankLevel("A", Decimal(100)),), " ", "空"),
    ],
)
def test_bad_schemes_are_refused(levels: tuple[RankLevel, ...], lowest: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EvaluationSettings(levels=levels, lowest_label=lowest)


# --- directions, kinds and words


def test_a_target_that_goes_down_divides_target_by_actual() -> None:
    judged = evaluate_row(make_sheet(row("200", ["160"], "120")), 0)
    assert judged.target_direction == "down" and judged.target_direction_source == "auto"
    assert printed(judged.achievement) == "75.0%"  # 120 ÷ 160
    assert printed(judged.progress) == "50.0%"  # (160 − 200) ÷ (120 − 200)
    assert judged.achieved is False
    assert evaluate_row(make_sheet(row("200", ["110"], "120")), 0).achieved is True


def test_a_direction_set_on_the_row_wins() -> None:
    # Base and target equal: the direction cannot follow from them...
    keep = evaluate_row(make_sheet(row("50", ["45"], "50")), 0)
    assert keep.achievement is None and "向き" in keep.achievement_reason
    # ...until the row says which way is better.
    down = evaluate_row(make_sheet(row("50", ["45"], "50", target_direction="down")), 0)
    assert down.target_direction_source == "set"
    assert printed(down.achievement) == "111.1%"
    assert down.progress is None and "同じ" in down.progress_reason


def test_a_cumulative_row_counts_from_zero() -> None:
    sheet = make_sheet(row("260", ["72", "150"], "400", label="累計", unit="人/4年"))
    first_year = dataclasses.replace(
        sheet, rows=[row("260", ["72"], "400", label="累計", unit="人/4年")]
    )
    judged = evaluate_row(first_year, 0)
    assert judged.kind == "cumulative" and judged.target_direction == "up"
    assert judged.change == 72 and judged.change_percent is None
    assert "累計の初年度" in judged.change_reason
    assert printed(judged.progress) == "18.0%"  # 72 of 400 from zero, not from 260
    second = evaluate_row(sheet, 0)
    assert second.change == 78
    assert change_text(second, Rounding.HALF_UP) == "+78人(+108.3%)"
    assert printed(second.achievement) == "37.5%"


def test_the_kind_set_on_the_row_wins_over_the_label() -> None:
    single = evaluate_row(make_sheet(row("260", ["300"], "400", label="累計", kind="single")), 0)
    assert single.kind == "single"
    assert printed(single.progress) == "28.6%"  # (300 − 260) ÷ (400 − 260)


def test_word_target_not_met() -> None:
    judged = evaluate_row(make_sheet(row("100", ["120"], "前年比減")), 0)
    assert judged.achieved is False
    assert printed(judged.achievement) == "83.3%"
    # Not met is not met: the lowest rank, whatever the rate or the basis.
    assert judged.rank(EvaluationSettings()) == "D"
    assert judged.rank(dataclasses.replace(DEFAULT, binary_targets=True)) == "D"
    assert judged.rank(DEFAULT) == "B"  # a book ranked before: by its rate, as it did
    # 前年比増 against the previous actual column, not the base.
    judged = evaluate_row(make_sheet(row("100", ["80", "90"], "前年比増")), 0)
    assert (judged.previous, judged.latest, judged.achieved) == (80, 90, True)
    assert printed(judged.achievement) == "112.5%"


def test_missing_base_and_word_cells_say_why() -> None:
    no_base = evaluate_row(make_sheet(row("", ["6"], "20")), 0)
    assert no_base.achievement is None and "基準値" in no_base.achievement_reason
    assert "基準値" in no_base.change_reason
    word = evaluate_row(make_sheet(row("10", ["認定なし"], "20", unit="")), 0)
    assert word.achievement_reason == "R2の実績値が「認定なし」で数値ではありません"
    empty = evaluate_row(make_sheet(row("10", [], "20")), 0)
    assert empty.achievement_reason == "実績値がまだありません"
    invalid = evaluate_row(make_sheet(row("10", ["5件"], "20")), 0)
    assert "数値として読めません" in invalid.achievement_reason


def test_percent_units_change_in_points() -> None:
    judged = evaluate_row(make_sheet(row("40.0", ["42.5"], "50.0", unit="%")), 0)
    assert change_text(judged, Rounding.HALF_UP) == "+2.5ポイント"


def test_the_list_shows_the_first_row_with_a_rate(samples: dict[str, Sheet]) -> None:
    # No 13's first row (単年) has target —; its second row (累計) is judged.
    shown = evaluation.list_evaluation(samples["13"])
    assert shown is not None and shown.label == "累計"
    assert printed(shown.achievement) == "18.0%"


def test_rank_colours_run_from_green_to_red_whatever_the_number_of_ranks() -> None:
    green, red = evaluation.RANK_COLOURS[0], evaluation.RANK_COLOURS[-1]
    for count in (2, 3, 4, 6):
        assert evaluation.rank_colours(0, count) == green
        assert evaluation.rank_colours(count - 1, count) == red
    assert [evaluation.rank_colours(i, 4) for i in range(4)] == list(evaluation.RANK_COLOURS)


def test_a_cumulative_running_total_keeps_counting_from_its_base(samples: dict[str, Sheet]) -> None:
    # No 10: 3 municipalities in R1 and still 3 in R2, towards 44: nothing changed.
    judged = evaluate_row(samples["10"], 0)
    assert judged.kind == "cumulative"
    assert judged.change == 0
    assert printed(judged.progress) == "0.0%"
    assert printed(judged.achievement) == "6.8%"


def test_a_target_of_zero_going_down_is_ranked_by_progress() -> None:
    reached = evaluate_row(make_sheet(row("10", ["0"], "0", unit="人")), 0)
    assert reached.target_direction == "down" and reached.achieved is True
    assert reached.achievement is None and "進捗率で評価" in reached.achievement_reason
    assert printed(reached.progress) == "100.0%"
    assert reached.rank(DEFAULT) == "A"
    assert reached.ranked_by_progress(DEFAULT)
    halfway = evaluate_row(make_sheet(row("10", ["5"], "0", unit="人")), 0)
    assert halfway.rank(DEFAULT) == "C"  # 50 % of the way, not 0 %


def test_a_target_below_zero_going_up_is_ranked_by_progress() -> None:
    judged = evaluate_row(make_sheet(row("△1,200", ["△600"], "0", unit="人")), 0)
    assert judged.target_direction == "up" and judged.achievement is None
    assert printed(judged.progress) == "50.0%"
    assert judged.rank(DEFAULT) == "C"


def test_an_unmet_word_target_never_gets_the_best_rank() -> None:
    same = evaluate_row(make_sheet(row("6,498", ["6,498"], "前年比減")), 0)
    assert same.achieved is False
    assert printed(same.achievement) == "100.0%"
    assert same.rank(EvaluationSettings()) == "D"  # not met: the lowest, never B as before
    assert same.rank(DEFAULT) == "B"  # a book ranked before: never the best, as it did


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("件/年", "件"), ("件／年", "件"), ("回/年度", "回"), ("人／４年", "人"), ("%", "ポイント")],
)
def test_change_units_drop_the_period_in_any_width(unit: str, expected: str) -> None:
    assert evaluation.change_unit(unit) == expected


def test_a_change_that_rounds_to_zero_keeps_its_sign(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["15"], 0)  # 28,461 -> 28,467
    assert change_text(judged, Rounding.HALF_UP) == "+6億円(+0.0%)"


def test_sentences_of_several_rows_stay_in_row_order(samples: dict[str, Sheet]) -> None:
    sheet = samples["13"]  # 単年 and 累計
    sheet = dataclasses.replace(
        sheet, rows=[row("50", ["72"], "100", label="単年", unit="人/年"), sheet.rows[1]]
    )
    first = change_sentence(sheet, evaluate_row(sheet, 0), Rounding.HALF_UP)
    second = change_sentence(sheet, evaluate_row(sheet, 1), Rounding.HALF_UP)
    assert first is not None and second is not None
    assert first.startswith("令和2年度の熊本県UIJターン") and "（単年）は、前年比：+22人" in first
    efforts = evaluation.place_sentence(sheet.efforts, first)
    efforts = evaluation.place_sentence(efforts, second)
    assert efforts[:2] == [first, second]
    assert efforts[2:] == sheet.efforts
    # An outdated sentence of the same row is replaced where it stands.
    newer = first.replace("+22人", "+30人")
    assert evaluation.place_sentence(efforts, newer)[:2] == [newer, second]


def test_last_years_sentence_is_replaced_after_a_roll_over(samples: dict[str, Sheet]) -> None:
    sheet = samples["27"]
    old = "令和2年度の延べ宿泊者数は、前年比：-290万人(-38.0%)の473万人となった。"
    new = "令和3年度の延べ宿泊者数は、前年比：+347万人(+73.4%)の820万人となった。"
    assert evaluation.place_sentence([old, *sheet.efforts], new) == [new, *sheet.efforts]


def test_full_width_digits_typed_with_the_ime_read_as_half_width(samples: dict[str, Sheet]) -> None:
    sheet = dataclasses.replace(samples["27"], rows=[row("763", ["８２０"], "800", unit="万人/年")])
    sentence = change_sentence(sheet, evaluate_row(sheet, 0), Rounding.HALF_UP)
    assert sentence == "令和2年度の延べ宿泊者数は、前年比：+57万人(+7.5%)の820万人となった。"


def test_the_not_judged_mark_cannot_be_a_rank() -> None:
    with pytest.raises(ValueError, match="評価できない行の印"):
        EvaluationSettings(lowest_label="—")
    assert evaluation.format_threshold(Decimal("100.0")) == "100"
    assert evaluation.format_threshold(Decimal("90.5")) == "90.5"
