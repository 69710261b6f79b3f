"""The bounds of a sheet and the characters a workbook cannot carry (kpidesk.limits)."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from kpidesk import limits, samples
from kpidesk.evaluation import EvaluationSettings, RankLevel
from kpidesk.exchange import excel_reader, excel_writer
from kpidesk.model import Cell, no_sort_key


def test_nos_of_any_length_sort_as_numbers() -> None:
    nos = ["1" * 5000, "10-2", "10", "9", "０９", "x", "1" * 4999 + "2", "٣"]
    assert sorted(nos, key=no_sort_key) == [
        "٣",
        "０９",
        "9",
        "10",
        "10-2",
        "1" * 5000,
        "1" * 4999 + "2",
        "x",
    ]


@pytest.mark.parametrize(
    ("text", "usable"),
    [
        ("999,999,999,999,999", True),
        ("1,000,000,000,000,000", False),
        ("0.000001", True),
        ("0.0000001", False),
        ("△999999999999999.999999", True),
        ("9" * 4400, False),
    ],
)
def test_a_cell_is_a_number_only_within_the_digits_computed_with(text: str, usable: bool) -> None:
    assert (Cell(text).number is not None) is usable


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufdd0", "\ufdef"]
    + [chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF)],
)
def test_every_character_a_workbook_cannot_carry_is_replaced(char: str) -> None:
    assert limits.unsafe_character(f"a{char}b") == char
    assert limits.clean_text(f"a{char}b") == "a\ufffdb"


def test_text_a_workbook_carries_is_left_as_it_is() -> None:
    text = "\t\n\r 葛󠄀飾区 𠮷 \u3000 \x7f \u0085 \ufffd \ufffc \U0010fffd"
    assert limits.clean_text(text) == text
    assert limits.unsafe_character(text) is None


def test_an_unsafe_character_after_characters_beyond_the_first_plane_is_found() -> None:
    # The look-up passes over 𠮷 and emoji (beyond the first plane, and safe)
    # before it comes to the noncharacter.
    text = "𠮷野家 😀 の件数\U0001fffe、U+FFFE\ufffe"
    assert limits.unsafe_character(text) == "\U0001fffe"
    assert limits.clean_text(text) == "𠮷野家 😀 の件数\ufffd、U+FFFE\ufffd"


def test_a_sheet_with_every_unsafe_character_reads_back_from_its_workbook() -> None:
    sheet = samples.sample_sheets()[0]
    every = "".join(
        ["\x01", "\ud800", "\ufdd0"]
        + [chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF)]
    )
    sheet.title = f"刑法犯{every}認知件数"
    sheet.departments = [f"生活安全{every}企画課"]
    sheet.rows[0].unit = f"件{every}/年"
    assert limits.clean_sheet(sheet) == 3
    stream = io.BytesIO()
    excel_writer.export_workbook([sheet], stream)
    (back,) = excel_reader.read_workbook(io.BytesIO(stream.getvalue()))
    assert back.title == "刑法犯" + "\ufffd" * len(every) + "認知件数"
    assert back.rows[0].unit == "件" + "\ufffd" * len(every) + "/年"
    assert openpyxl.load_workbook(io.BytesIO(stream.getvalue())).sheetnames


@pytest.mark.parametrize(
    ("levels", "lowest", "message"),
    [
        ((RankLevel("A", Decimal("1E+999999999")),), "B", "しきい値は-100,000%から100,000%"),
        ((RankLevel("A", Decimal("-100001")),), "B", "しきい値は-100,000%から100,000%"),
        ((RankLevel("A", Decimal("50.00001")),), "B", "小数第4位まで"),
        ((RankLevel("A", Decimal("sNaN")),), "B", "しきい値が数ではありません"),
        ((RankLevel("A" * 9, Decimal(50)),), "B", "8文字まで"),
        ((RankLevel("A\n", Decimal(50)),), "B", "改行・タブ"),
        ((), "A", "2から6まで"),
        (tuple(RankLevel(str(n), Decimal(90 - n)) for n in range(6)), "Z", "2から6まで"),
    ],
)
def test_rank_settings_beyond_the_bounds_are_refused(
    levels: tuple[RankLevel, ...], lowest: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        EvaluationSettings(levels=levels, lowest_label=lowest)


def test_rank_settings_within_the_bounds_are_taken() -> None:
    levels = tuple(
        RankLevel(label, Decimal(t))
        for label, t in zip("SABCD", (100000, 80.5, 0, -5, -100000), strict=True)
    )
    settings = EvaluationSettings(levels=levels, lowest_label="とても悪い段階")
    assert EvaluationSettings.from_dict(settings.to_dict()) == settings


def test_a_no_with_a_tab_is_named_readably_and_the_advice_is_to_fix_it() -> None:
    import dataclasses

    from kpidesk import samples
    from kpidesk.book.errors import BookError
    from kpidesk.book.store import Book

    sheet = dataclasses.replace(samples.sample_sheets()[0], no="9\t1")
    with Book.memory() as book, pytest.raises(BookError) as refused:
        book.save_sheet(sheet)
    message = str(refused.value)
    assert "No 9?1: No に改行やタブ、制御文字は使えません" in message
    assert "\t" not in message
    assert "その欄を直してから保存してください" in message and "短くして" not in message


@pytest.mark.parametrize(
    "char",
    [*"\u202a\u202b\u202c\u202d\u202e", *"\u2066\u2067\u2068\u2069", *"\u200e\u200f\u061c"],
)
def test_a_no_with_a_direction_control_is_refused_and_shown_without_it(char: str) -> None:
    # An override can make No 10 show as 01 in the list; the readers took it.
    import dataclasses

    from kpidesk import samples
    from kpidesk.book.errors import BookError
    from kpidesk.book.store import Book
    from kpidesk.exchange import jsonio

    sheet = dataclasses.replace(samples.sample_sheets()[0], no=f"{char}10")
    [problem] = limits.sheet_problems(sheet)
    assert (
        problem
        == "2020年度 No ?10: No に文字の向きを変える見えない制御文字（U+202E など）は使えません"
    )
    with pytest.raises(jsonio.JsonFormatError) as refused:
        jsonio.loads(jsonio.dumps([sheet]))
    assert "No ?10" in str(refused.value) and char not in str(refused.value)
    with Book.memory() as book, pytest.raises(BookError) as refused_save:
        book.save_sheet(sheet)
    assert "その欄を直してから保存してください" in str(refused_save.value)
    assert char not in str(refused_save.value)
