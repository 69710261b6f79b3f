"""Excel number formats: numbers written as typed and read back as shown."""

from __future__ import annotations

import pytest

from kpidesk.exchange import numformat


@pytest.mark.parametrize(
    ("text", "value", "number_format"),
    [
        ("6,498", 6498, "#,##0"),
        ("6498", 6498, "0"),
        ("77.6", 77.6, "#,##0.0"),
        ("77.60", 77.6, "#,##0.00"),
        ("0", 0, "#,##0"),
        ("3", 3, "#,##0"),
        ("0.5", 0.5, "#,##0.0"),
        ("-1,417", -1417, "#,##0"),
        ("-1417", -1417, "0"),
        ("△1,417", -1417, '#,##0;"△"#,##0'),
        ("▲2.5", -2.5, '#,##0.0;"▲"#,##0.0'),
        ("−12", -12, '#,##0;"−"#,##0'),
        ("1,234,567.891", 1234567.891, "#,##0.000"),
        ("999999999999999", 999999999999999, "0"),
    ],
)
def test_a_typed_number_is_written_with_a_format_that_shows_it_exactly(
    text: str, value: float, number_format: str
) -> None:
    assert numformat.typed_number(text) == (value, number_format)
    assert numformat.format_cell_number(value, number_format) == text


@pytest.mark.parametrize(
    "text",
    ["６，４９８", " 6,498", "6,498 ", "+5", "007", "-0", "△0", "1,2,3", "12,34",
     "1234567890123456", "6,498件", "集計中", "—", "-", "", "1e3", "５"],
)  # fmt: skip
def test_text_no_format_reproduces_stays_text(text: str) -> None:
    assert numformat.typed_number(text) is None


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (5081, "General", "5081"),
        (77.6, "General", "77.6"),
        (1e-07, "General", "0.0000001"),
        (5081.0, "General", "5081"),
        (0.776, "0.0%", "77.6%"),
        (-1417, "#,##0_);(#,##0)", "(1,417)"),
        (1417, "#,##0_);(#,##0)", "1,417 "),
        (-1417, '#,##0;"△ "#,##0', "△ 1,417"),
        (-1417, "#,##0;[Red]-#,##0", "-1,417"),
        (12.345, "0.00", "12.35"),
        (7, "000", "007"),
        (1234567, "#,##0,", "1,235"),
        (42, '0"件"', "42件"),
        (0, '#,##0;-#,##0;"ゼロ"', "ゼロ"),
        (43831, "yyyy/m/d", "43831"),
        (1.5, "0.0E+00", "1.5"),
    ],
)
def test_numbers_read_back_as_their_format_shows_them(
    value: float, number_format: str, text: str
) -> None:
    assert numformat.cell_text(value, number_format) == text


def test_cell_text_of_other_kinds() -> None:
    assert numformat.cell_text(None) == ""
    # Line ends as the cell holds them; Excel's escape of a carriage return read back.
    assert numformat.cell_text("a\r\nb\rc") == "a\r\nb\rc"
    assert numformat.cell_text("a_x000D_\nb") == "a\r\nb"
    assert numformat.cell_text(True) == "TRUE"
