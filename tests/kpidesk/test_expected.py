"""The ranks as prefectures judge them: the 期待値, the floor, word and yes/no targets,
provisional values and external factors (kpidesk.expected, kpidesk.evaluation,
kpidesk.ranking)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from kpidesk import evaluation, evaluation_table, expected, ranking
from kpidesk.evaluation import (
    LEGACY_SETTINGS,
    Basis,
    EvaluationSettings,
    ExternalMode,
    RankStatus,
    Rounding,
    evaluate_row,
    evaluate_sheet,
    format_rate,
)
from kpidesk.exchange import jsonio
from kpidesk.model import Cell, Sheet, ValueRow
from kpidesk.samples import sample_sheets

NEW = EvaluationSettings()
NO_FLOOR = dataclasses.replace(NEW, floor=False)

#: Each sample sheet's rank by the rules before the 期待値 (achievement, no floor).
RANKS_BEFORE = {
    "9": "A", "10": "D", "13": "D", "14": "B", "15": "B", "16": None, "17": "A",
    "18": "D", "19": "B", "20": "A", "25": "B", "26": None, "27": "C", "28": "D", "29": "C",
}  # fmt: skip
#: ... and by a new book's defaults (the 期待値, the floor).
RANKS_AFTER = {
    "9": "A", "10": "D", "13": "C", "14": "A", "15": "B", "16": None, "17": "A",
    "18": "A", "19": "D", "20": "A", "25": "A", "26": None, "27": "D", "28": "D", "29": "D",
}  # fmt: skip


@pytest.fixture(scope="module")
def samples() -> dict[str, Sheet]:
    return {sheet.no: sheet for sheet in sample_sheets()}


def row_of(sheet: Sheet, label: str) -> evaluation.RowEvaluation:
    (found,) = [judged for judged in evaluate_sheet(sheet) if judged.label == label]
    return found


def printed(rate: Decimal | None, rounding: Rounding = Rounding.HALF_UP) -> str:
    return format_rate(rate, rounding)


def ibaraki(*actuals: str, yardstick: tuple[str, ...] | None = None) -> Sheet:
    """Ibaraki's 雇用創出数: H27–H31 累計 10,000人, so 期待値 2,000 a year from zero."""
    cells = [Cell(text) for text in (*actuals, *[""] * (5 - len(actuals)))]
    rows = [
        ValueRow(
            label="累計", unit="人/5年", baseline=Cell("8,000"), actuals=cells,
            target=Cell("10,000"),
        )
    ]  # fmt: skip
    if yardstick is not None:
        typed = [Cell(text) for text in (*yardstick, *[""] * (5 - len(yardstick)))]
        rows.append(ValueRow(label="期待値(累計)", unit="人", actuals=typed))
    return Sheet(
        report_year=2017,
        no="1",
        title="雇用創出数",
        baseline_year=2014,
        actual_years=[2015, 2016, 2017, 2018, 2019],
        target_year=2019,
        rows=rows,
    )


# --- each sample sheet the issue names ----------------------------------------------------


def test_no_18_is_ahead_of_its_path_to_20_firms(samples: dict[str, Sheet]) -> None:
    judged = row_of(samples["18"], "累計")
    # 社/4年: the path starts again from zero, so one year of four expects 5.
    assert (judged.expected, judged.expected_source) == (5, expected.LINE)
    assert printed(judged.expected_rate) == "120.0%"
    assert judged.rank(NEW) == "A"
    assert judged.rank(LEGACY_SETTINGS) == "D"  # 30.0 % of the final 20


def test_no_13_is_measured_against_a_path_from_zero(samples: dict[str, Sheet]) -> None:
    judged = row_of(samples["13"], "累計")
    assert judged.expected == 100  # 400 over four years, from zero (人/4年)
    assert printed(judged.expected_rate) == "72.0%"
    assert judged.rank(NEW) == "C"
    # The 単年 row has no target ("—"), so no 期待値 either; the sheet ranks by 累計.
    single = row_of(samples["13"], "単年")
    assert single.expected is None and single.rank(NEW) is None
    assert "目標値が「—」" in single.expected_rate_reason
    assert evaluation.sheet_result(samples["13"], NEW)[1].label == "C"


def test_no_14_is_ahead_of_its_straight_line(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["14"], 0)
    assert judged.expected == Decimal("3568.75")  # 3,425 + (4,000 − 3,425) ÷ 4
    assert expected.format_expected(judged.expected) == "3,568.75"
    assert printed(judged.expected_rate) == "103.3%"
    assert printed(judged.expected_progress) == "183.0%"  # 263 of the expected 143.75
    assert (judged.rank(NEW), judged.rank(LEGACY_SETTINGS)) == ("A", "B")


def test_no_19_below_its_base_gets_the_lowest_rank_and_says_why(
    samples: dict[str, Sheet],
) -> None:
    judged = evaluate_row(samples["19"], 0)
    assert printed(judged.expected_rate) == "94.3%"  # 36,665 of 38,872.25: B by the rate
    result = judged.rank_result(NEW)
    assert (result.label, result.floored, result.rate is not None) == ("D", True, True)
    assert result.rule == (
        "実績値（36,665）が基準値（37,163）を下回っているため、率にかかわらずDとしています"
    )
    assert judged.rank(NO_FLOOR) == "B"
    assert judged.rank(LEGACY_SETTINGS) == "B"


def test_no_27_falls_below_its_base_and_its_progress_is_said_in_words(
    samples: dict[str, Sheet],
) -> None:
    judged = evaluate_row(samples["27"], 0)
    assert judged.expected == Decimal("772.25")
    assert printed(judged.expected_rate) == "61.2%"
    assert (judged.rank(NEW), judged.rank(NO_FLOOR), judged.rank(LEGACY_SETTINGS)) == (
        "D", "C", "C",
    )  # fmt: skip
    # -783.8 % is no figure to print: the actual moved away from the target.
    assert printed(judged.progress) == "-783.8%"
    assert judged.progress_text(Rounding.HALF_UP) == "基準値を下回る"
    assert judged.expected_progress_text(Rounding.HALF_UP) == "基準値を下回る"


def test_no_9_a_met_word_target_is_the_best_rank(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["9"], 0)
    assert (judged.binary, judged.achieved) == ("word", True)
    assert judged.expected is None and "前年比減" in judged.expected_reason
    for settings in (NEW, LEGACY_SETTINGS, dataclasses.replace(NEW, basis=Basis.PROGRESS)):
        assert judged.rank(settings) == "A"
    assert judged.rank_result(NEW).rule == "前年の6,498に対して5,081のため、目標「前年比減」を達成"


def test_no_10_yes_no_row_is_judged_once_it_has_an_actual(samples: dict[str, Sheet]) -> None:
    sheet = samples["10"]
    county = row_of(sheet, "県")
    assert (county.binary, county.achieved, county.latest_year) == ("yesno", False, 2020)
    assert county.rank(NEW) == "D"  # was "—"
    assert county.rank(LEGACY_SETTINGS) is None  # a book ranked before: as it did
    assert county.rank_result(NEW).rule == "R2の実績が「認定なし」のため、目標「認定」を未達成"
    # 認定 typed (in any width) as the year's actual: met, the best rank.
    certified = dataclasses.replace(sheet, rows=[*sheet.rows])
    certified.rows[1] = dataclasses.replace(
        sheet.rows[1], actuals=[Cell("認定"), Cell("集計中"), Cell(""), Cell("")]
    )
    judged = evaluate_row(certified, 1)
    assert (judged.achieved, judged.rank(NEW), judged.latest_text) == (True, "A", "認定")
    # The newer 集計中 is passed over, and said.
    assert judged.note == "前年度値で評価。R3の実績値が集計中です。R2の実績で評価しています"
    towns = row_of(sheet, "市町村(累計)")
    assert towns.expected == Decimal("13.25")  # 3 towards 44: a running total from its base
    assert printed(towns.expected_rate) == "22.6%" and towns.rank(NEW) == "D"
    assert not towns.below_base  # 3 is the base: not worse than it


def test_no_15_is_judged_on_the_year_before_and_says_so(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["15"], 0)
    assert judged.latest_year == 2019 and judged.earlier_year
    assert judged.note.startswith(evaluation.EARLIER_YEAR_NOTE + "。")
    assert judged.expected == Decimal("28809.4")  # one year of five from H30
    assert printed(judged.expected_rate) == "98.8%" and judged.rank(NEW) == "B"
    assert judged.rank_result(NEW).earlier_year
    line = evaluation_table.evaluation_line(samples["15"], judged, NEW)
    assert line.remarks.startswith("前年度値で評価。")


def test_no_17_is_past_its_target(samples: dict[str, Sheet]) -> None:
    judged = evaluate_row(samples["17"], 0)
    assert judged.expected == Decimal("34.25")
    assert printed(judged.expected_rate) == "119.7%" and judged.rank(NEW) == "A"
    assert judged.progress_text(Rounding.HALF_UP) == "目標達成済"  # 700 %


def test_every_sample_sheet_ranks_as_before_by_old_rules_and_as_an_officer_would_by_new(
    samples: dict[str, Sheet],
) -> None:
    before = {no: evaluation.sheet_result(s, LEGACY_SETTINGS)[1].label for no, s in samples.items()}
    after = {no: evaluation.sheet_result(s, NEW)[1].label for no, s in samples.items()}
    assert before == RANKS_BEFORE
    assert after == RANKS_AFTER


# --- the 期待値: the line, typed 期待値 rows, rounding --------------------------------------


def test_a_cumulative_row_from_zero_follows_ibarakis_published_rates() -> None:
    sheet = ibaraki("2,748", "5,163", "7,077（速報値）")
    judged = evaluate_row(sheet, 0)
    assert (judged.latest_year, judged.expected) == (2017, 6000)
    assert [(year, path.value) for year, path in evaluation.expected_path(sheet, 0)] == [
        (2015, 2000), (2016, 4000), (2017, 6000), (2018, 8000), (2019, 10000),
    ]  # fmt: skip
    # 7,077 ÷ 6,000 = 117.95 %: on the 0.05 edge.
    assert printed(judged.expected_rate, Rounding.TRUNCATE) == "117.9%"
    assert printed(judged.expected_rate, Rounding.HALF_UP) == "118.0%"
    # 5,163 ÷ 4,000 = 129.075 %: published as 129.0 % (truncated).
    second = evaluate_row(ibaraki("2,748", "5,163"), 0)
    assert printed(second.expected_rate, Rounding.TRUNCATE) == "129.0%"
    assert printed(second.expected_rate, Rounding.HALF_UP) == "129.1%"
    assert printed(evaluate_row(ibaraki("2,748"), 0).expected_rate) == "137.4%"


def test_the_rank_follows_the_rate_as_rounded_at_the_edge() -> None:
    # 99.95 %: half up prints 100.0 % (A), truncation 99.9 % (B).
    sheet = ibaraki("2,748", "3,998")
    judged = evaluate_row(sheet, 0)
    assert judged.expected_rate == Decimal("99.95")
    assert judged.rank(NEW) == "A"
    assert judged.rank(dataclasses.replace(NEW, rounding=Rounding.TRUNCATE)) == "B"


def test_a_typed_expected_row_overrides_the_line_and_is_never_ranked() -> None:
    sheet = ibaraki("2,748", "5,163", "7,077", yardstick=("2,000", "4,000", "7,000"))
    kpi, yardstick = evaluate_sheet(sheet)
    assert (kpi.expected, kpi.expected_source, kpi.expected_row) == (7000, expected.TYPED, 1)
    assert printed(kpi.expected_rate) == "101.1%"  # 7,077 of the revised 7,000
    assert [path.value for _, path in evaluation.expected_path(sheet, 0)] == [
        2000, 4000, 7000, 8000, 10000,
    ]  # fmt: skip
    assert (yardstick.is_yardstick, yardstick.yardstick_of) == (True, 0)
    assert yardstick.rank(NEW) is None and yardstick.rank(LEGACY_SETTINGS) is None
    assert yardstick.rank_result(NEW).reason == "1行目の期待値の行です（評価しません）"
    assert [inputs.row for inputs in evaluation.sheet_rank_inputs([kpi, yardstick])] == [0]


def rows_sheet(*rows: ValueRow) -> Sheet:
    return Sheet(
        report_year=2020, no="1", baseline_year=2019, actual_years=[2020, 2021],
        target_year=2023, rows=list(rows),
    )  # fmt: skip


def value_row(label: str, base: str, actual: str, target: str, **fields: object) -> ValueRow:
    return ValueRow(
        label=label, unit="人", baseline=Cell(base), actuals=[Cell(actual), Cell("")],
        target=Cell(target), **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_yardstick_names_its_row_or_takes_the_nearest_above_or_below() -> None:
    single = value_row("単年", "100", "110", "140")
    total = value_row("累計", "100", "110", "140")
    named = value_row("期待値（累計）", "", "105", "")  # full-width brackets
    nearest = value_row("目安値", "", "120", "")
    sheet = rows_sheet(single, named, total, nearest)
    assert expected.yardsticks(sheet) == {1: 2, 3: 2}
    assert expected.yardsticks(rows_sheet(value_row("期待値", "", "1", ""), single)) == {0: 1}
    assert expected.yardsticks(rows_sheet(value_row("期待値", "", "1", ""))) == {0: None}
    # The first yardstick of a row with a number for the year wins: 105.
    assert evaluate_row(sheet, 2).expected == 105
    assert evaluate_row(sheet, 0).expected == 110  # 単年: its own line, 100 → 140


def test_a_row_can_be_made_a_yardstick_by_hand() -> None:
    total = value_row("累計", "100", "110", "140")
    revised = value_row("見直し後の見込み", "", "115", "", measures="累計")
    sheet = rows_sheet(value_row("単年", "100", "120", "140"), total, revised)
    assert expected.yardsticks(sheet) == {2: 1}
    assert evaluate_row(sheet, 1).expected == 115
    assert evaluate_row(sheet, 2).is_yardstick
    # Without the mark it is a KPI row of its own (its target is empty: not judged).
    plain = dataclasses.replace(
        sheet, rows=[*sheet.rows[:2], dataclasses.replace(revised, measures="")]
    )
    assert expected.yardsticks(plain) == {}
    assert evaluate_row(plain, 1).expected == 110


def test_a_target_that_goes_down_inverts_the_rate_against_the_path() -> None:
    judged = evaluate_row(rows_sheet(value_row("単年", "200", "160", "120")), 0)
    assert judged.target_direction == "down" and judged.expected == 180
    assert printed(judged.expected_rate) == "112.5%"  # 180 ÷ 160
    assert printed(judged.expected_progress) == "200.0%"  # (160 − 200) ÷ (180 − 200)
    worse = evaluate_row(rows_sheet(value_row("単年", "200", "210", "120")), 0)
    assert worse.below_base == "実績値（210）が基準値（200）を上回っている"
    assert worse.rank(NEW) == "D" and worse.rank(NO_FLOOR) == "B"  # 180 ÷ 210 = 85.7 %


def test_a_path_without_a_base_says_how_to_give_one() -> None:
    judged = evaluate_row(rows_sheet(value_row("単年", "", "110", "140")), 0)
    assert judged.expected is None and judged.rank(NEW) is None
    assert "期待値の行を加えると評価できます" in judged.rank_result(NEW).reason
    typed = rows_sheet(
        value_row("単年", "", "110", "140", target_direction="up"),
        value_row("期待値", "", "100", ""),
    )
    assert evaluate_row(typed, 0).rank(NEW) == "A"  # 110 of the typed 100


def test_expected_progress_is_a_basis_of_its_own(samples: dict[str, Sheet]) -> None:
    settings = dataclasses.replace(NEW, basis=Basis.EXPECTED_PROGRESS)
    judged = evaluate_row(samples["14"], 0)
    result = judged.rank_result(settings)
    assert (result.label, result.basis) == ("A", Basis.EXPECTED_PROGRESS)
    assert judged.ranked_by_progress(settings) and not judged.ranked_by_progress(NEW)


# --- provisional values and external factors ----------------------------------------------


def test_a_provisional_value_is_judged_as_its_number_and_says_so(
    samples: dict[str, Sheet],
) -> None:
    sheet = samples["14"]
    marked = dataclasses.replace(
        sheet,
        rows=[
            dataclasses.replace(
                sheet.rows[0], actuals=[Cell("3,688（速報値）"), *sheet.rows[0].actuals[1:]]
            )
        ],
    )
    judged = evaluate_row(marked, 0)
    assert (judged.latest, judged.latest_text, judged.latest_mark) == (
        3688, "3,688（速報値）", "速報値",
    )  # fmt: skip
    assert judged.provisional and judged.rank(NEW) == "A"
    assert judged.rank_result(NEW).provisional
    line = evaluation_table.evaluation_line(marked, judged, NEW)
    assert line.latest == "3,688（速報値） (R2)"
    assert "速報値による評価。" in line.remarks
    assert line.to_dict()["flags"]["provisional"] and line.to_dict()["flags"]["mark"] == "速報値"
    # A revised (確定値) value is no provisional one.
    confirmed = dataclasses.replace(
        marked,
        rows=[
            dataclasses.replace(
                marked.rows[0], actuals=[Cell("3,688 確定"), *marked.rows[0].actuals[1:]]
            )
        ],
    )
    assert not evaluate_row(confirmed, 0).provisional
    # The text goes through the interchange JSON exactly as typed.
    (back,) = jsonio.loads(jsonio.dumps([marked]))
    assert back.rows[0].actuals[0].text == "3,688（速報値）"


def test_an_external_factor_marks_the_rank_or_leaves_the_row_out(
    samples: dict[str, Sheet],
) -> None:
    sheet = samples["27"]
    hit = dataclasses.replace(
        sheet,
        rows=[
            dataclasses.replace(
                sheet.rows[0], external=True, external_reason="新型コロナウイルス感染症の影響"
            )
        ],
    )
    judged = evaluate_row(hit, 0)
    reference = judged.rank_result(NEW)
    assert (reference.label, reference.reference, reference.status) == (
        "D", True, RankStatus.RANKED,
    )  # fmt: skip
    line = evaluation_table.evaluation_line(hit, judged, NEW)
    assert "外的要因（新型コロナウイルス感染症の影響）のため参考。" in line.remarks
    excluded = judged.rank_result(dataclasses.replace(NEW, external=ExternalMode.EXCLUDED))
    assert (excluded.label, excluded.status) == (None, RankStatus.EXCLUDED)
    assert excluded.reason == "外的要因（新型コロナウイルス感染症の影響）のため評価対象外です"


# --- the settings ----------------------------------------------------------------------------


def test_settings_stored_before_read_as_they_ranked_then() -> None:
    stored = {
        "basis": "achievement",
        "levels": [{"label": "A", "threshold": "100"}, {"label": "B", "threshold": "80"}],
        "lowest_label": "C",
        "rounding": "truncate",
    }
    settings = EvaluationSettings.from_dict(stored)
    assert (settings.basis, settings.floor, settings.external) == (
        Basis.ACHIEVEMENT, False, ExternalMode.REFERENCE,
    )  # fmt: skip
    assert EvaluationSettings.from_dict(settings.to_dict()) == settings
    assert EvaluationSettings.from_dict(LEGACY_SETTINGS.to_dict()) == LEGACY_SETTINGS
    assert (NEW.basis, NEW.floor) == (Basis.EXPECTED, True)
    for bad in ({"floor": "yes"}, {"external": "ignore"}, {"basis": "elapsed"}):
        with pytest.raises(ValueError):
            EvaluationSettings.from_dict({**stored, **bad})


def test_rank_inputs_go_through_their_json_and_refuse_what_they_do_not_write(
    samples: dict[str, Sheet],
) -> None:
    for sheet in samples.values():
        for inputs in evaluation.sheet_rank_inputs(evaluate_sheet(sheet)):
            assert ranking.RankInputs.from_json(inputs.to_json()) == inputs
    read = ranking.RankInputs.from_json(
        {"row": 0, "expected": "1E+999999", "mark": "うそ", "met": "yes", "binary": "x",
         "label": "x" * 10_000, "reasons": {"expected": 5}}
    )  # fmt: skip
    assert read == ranking.RankInputs()
    assert ranking.RankInputs.from_json({"row": -1}) is None
    assert ranking.RankInputs.from_json([]) is None


@pytest.mark.parametrize(
    ("rate", "reached", "direction", "shown"),
    [
        ("-783.78", False, "up", "基準値を下回る"),
        ("-0.01", False, "down", "基準値を上回る"),
        ("200.04", True, "up", "200.0%"),
        ("200.05", True, "up", "目標達成済"),
        ("349.5", False, "up", "期待値を大きく上回る"),
        ("109.1", True, "up", "109.1%"),
    ],
)
def test_progress_rates_that_mislead_are_said_in_words(
    rate: str, reached: bool, direction: str, shown: str
) -> None:
    text = ranking.describe_progress(
        Decimal(rate), Rounding.HALF_UP, reached=reached, direction=direction
    )
    assert text == shown


def test_a_published_text_with_marked_values_reads_them_as_typed() -> None:
    from kpidesk.exchange import textimport
    from tests.conftest import SAMPLE_TEXT

    text = SAMPLE_TEXT.read_text(encoding="utf-8").replace(
        "単年\t3,425 人/年\t3,688\t", "単年\t3,425（確定値） 人/年\t3,688（速報値）\t", 1
    )
    result = textimport.parse(text)
    assert result.problems == []
    (no14,) = [sheet for sheet in result.sheets if sheet.no == "14"]
    row = no14.rows[0]
    assert (row.baseline.text, row.unit, row.actuals[0].text) == (
        "3,425（確定値）", "人/年", "3,688（速報値）",
    )  # fmt: skip
    judged = evaluate_row(no14, 0)
    assert (judged.baseline, judged.latest, judged.latest_mark) == (3425, 3688, "速報値")
    assert judged.rank(NEW) == "A" and judged.provisional


def test_a_book_ranked_before_keeps_word_targets_ranked_by_their_rate() -> None:
    from kpidesk.ranking import LEGACY_SETTINGS, EvaluationSettings

    sheet = sample_sheets()[0]  # No 9: 前年比減
    sheet.rows[0].actuals[0] = Cell("6,498")  # the same as the year before: not met
    unmet = evaluation.evaluate_row(sheet, 0)
    assert unmet.rank_result(EvaluationSettings()).label == "D"  # met or not
    assert unmet.rank_result(LEGACY_SETTINGS).label == "B"  # as books ranked before
    yes_no = evaluation.evaluate_row(sample_sheets()[1], 1)  # No 10 県: 認定なし
    assert yes_no.rank_result(EvaluationSettings()).label == "D"
    before = yes_no.rank_result(LEGACY_SETTINGS)
    assert before.label is None and "評価しません" in before.reason
    stored = EvaluationSettings.from_dict({**EvaluationSettings().to_dict()})
    assert stored.binary_targets
    stored_before = LEGACY_SETTINGS.to_dict()
    del stored_before["binary_targets"]  # settings stored before the key was
    assert not EvaluationSettings.from_dict(stored_before).binary_targets
