"""A book's list rows read into ListEntries (kpidesk.book.rows, kpidesk.model)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from kpidesk import limits
from kpidesk.book.errors import BookError
from kpidesk.book.rows import LIST_COLUMNS, list_entries_from_rows, list_entry_from_row
from kpidesk.model import LIST_ENTRY_FIELDS, ListEntry, no_sort_key

_SECTION = "1 熊本地震からの創造的復興と地方創生"


def _row(**changes: object) -> tuple[object, ...]:
    values: dict[str, object] = {
        "id": 7,
        "report_year": 2020,
        "no": "12",
        "departments_json": '["観光振興課", "港湾課"]',
        "title": "観光客数",
        "latest_text": "5,081",
        "latest_year": 2019,
        "target_text": "6,000",
        "unit": "千人",
        "updated_at": "2020-06-01T09:00:00",
        "revision": 3,
        "eval_achievement": "70.88607594936708860759493671",
        "eval_progress": "-64.3",
        "eval_word": 0,
        "eval_reason": "",
        "eval_label": "",
        "eval_rates": "[]",
        "section": _SECTION,
    }
    values.update(changes)
    assert tuple(values) == LIST_COLUMNS
    return tuple(values.values())


def test_a_row_gives_the_entry_the_dataclass_would_make() -> None:
    entry = list_entry_from_row(_row())
    made = ListEntry(
        id=7,
        report_year=2020,
        no="12",
        departments=("観光振興課", "港湾課"),
        title="観光客数",
        latest_text="5,081",
        latest_year=2019,
        target_text="6,000",
        unit="千人",
        updated_at="2020-06-01T09:00:00",
        revision=3,
        achievement=Decimal("70.88607594936708860759493671"),
        progress=Decimal("-64.3"),
        section=_SECTION,
        eval_rates="[]",
    )
    assert entry == made
    assert hash(entry) == hash(made)
    assert set(vars(entry)) == set(LIST_ENTRY_FIELDS)
    assert tuple(f.name for f in dataclasses.fields(ListEntry)) == LIST_ENTRY_FIELDS
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.title = "x"  # type: ignore[misc]
    assert entry.rank_rows == ()


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        (None, None),
        ("70.50", Decimal("70.50")),
        (" 70.5 ", Decimal("70.5")),
        (" " * 90 + "70.5", Decimal("70.5")),  # long, but a rate once read
        ("NaN", None),
        ("Infinity", None),
        ("1E+30", None),
        ("abc", None),
        (70.5, Decimal("70.5")),  # a number another program stored
    ],
)
def test_stored_rates_are_read_as_before(stored: object, read: Decimal | None) -> None:
    entry = list_entry_from_row(_row(eval_achievement=stored))
    assert entry.achievement == read
    if read is not None:
        assert str(entry.achievement) == str(read)


def test_unsafe_text_and_sections_are_cleaned_in_every_row_that_has_them() -> None:
    bad_section = "施策\x01" + "x" * limits.MAX_SECTION_CHARS
    rows = [
        _row(id=1, no="1", section=bad_section, title="題\ufffe名"),
        _row(id=2, no="2", section=bad_section),
        _row(id=3, no="3", section=None),
    ]
    first, second, third = list_entries_from_rows(rows)
    cleaned = limits.clean_text(bad_section[: limits.MAX_SECTION_CHARS])
    assert first.section == second.section == cleaned
    assert limits.REPLACEMENT in cleaned and len(cleaned) == limits.MAX_SECTION_CHARS
    assert first.title == f"題{limits.REPLACEMENT}名"
    assert second.title == "観光客数"
    assert third.section == ""


def test_a_damaged_row_is_left_out_and_the_rest_are_in_no_order() -> None:
    rows = [_row(id=1, no="10"), _row(id=2, no="9", revision="x"), _row(id=3, no="009")]
    assert [e.id for e in list_entries_from_rows(rows)] == [3, 1]
    with pytest.raises(BookError):
        list_entry_from_row(rows[1])


@pytest.mark.parametrize(
    ("no", "key"),
    [
        ("12", (0, 2, "12", "12")),
        ("007", (0, 1, "7", "007")),
        ("0", (0, 0, "", "0")),
        ("０7", (0, 1, "7", "07")),
        ("10-2", (0, 2, "10", "10-2")),
        ("", (1, 0, "", "")),
    ],
)
def test_no_sort_keys(no: str, key: tuple[int, int, str, str]) -> None:
    assert no_sort_key(no) == key
