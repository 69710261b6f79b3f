"""The three-way comparison of hand out and collect (kpidesk.cycle)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kpidesk.cycle import (
    MAX_LOG_ENTRIES,
    HandoutMark,
    LogEntry,
    Outcome,
    compare,
    content_hash,
    log_to_json,
    read_log,
)
from kpidesk.model import Sheet


def _sheet(**changes: object) -> Sheet:
    return dataclasses.replace(
        Sheet(report_year=2020, no="1", departments=["観光振興課"], title="観光客数"), **changes
    )


def test_content_hash_ignores_the_books_bookkeeping() -> None:
    stored = _sheet(id=7, revision=3, updated_at="2026-04-01T09:00:00")
    assert content_hash(stored) == content_hash(_sheet())


def test_content_hash_changes_with_the_content() -> None:
    assert content_hash(_sheet(title="宿泊者数")) != content_hash(_sheet())
    assert content_hash(_sheet(efforts=["新しい取組"])) != content_hash(_sheet())


@pytest.mark.parametrize(
    ("handed", "returned", "origin", "expected"),
    [
        ("h", "h", "h", Outcome.UNCHANGED),
        ("h", "r", "h", Outcome.TAKEN),  # only theirs
        ("h", "h", "o", Outcome.KEPT),  # only ours
        ("h", "r", "o", Outcome.CONFLICT),  # both
        ("h", "x", "x", Outcome.UNCHANGED),  # both the same way
        (None, "r", None, Outcome.ADDED),
        (None, "r", "o", Outcome.CONFLICT),  # added under a No the origin has
        (None, "o", "o", Outcome.UNCHANGED),
        ("h", None, "h", Outcome.DELETED_THERE),  # deleted by the department
        ("h", None, "o", Outcome.DELETED_THERE),
        ("h", "h", None, Outcome.DELETED_HERE),  # deleted in the origin
        ("h", "r", None, Outcome.CONFLICT),  # deleted in the origin, changed there
    ],
)
def test_compare(
    handed: str | None, returned: str | None, origin: str | None, expected: Outcome
) -> None:
    assert compare(handed, returned, origin) is expected


def _mark(**changes: object) -> str:
    data: dict[str, object] = {
        "handout_id": "a" * 32,
        "origin_book_id": "b" * 32,
        "report_year": 2020,
        "department": "観光振興課",
        "handed_out_at": "2026-04-01T09:00:00",
        "handed_out_by": "planning",
        "revisions": {"1": 3},
        "hashes": {"1": "0" * 64},
    }
    data.update(changes)
    return json.dumps(data)


def test_a_mark_kpidesk_writes_is_read() -> None:
    mark = HandoutMark.from_json(_mark())
    assert HandoutMark.from_json(mark.to_json()) == mark


@pytest.mark.parametrize(
    "text",
    [
        None,
        "not json",
        "[1]",
        "[" * 100_000,
        _mark(report_year=True),
        _mark(report_year=99999),
        _mark(hashes={"1": "z" * 64}),
        _mark(hashes={"1": 5}),
        _mark(revisions={"1": -1}),
        _mark(department=["x"]),
        _mark(handout_id=""),
        _mark(handed_out_by="x" * 100_000),
    ],
)
def test_a_mark_not_written_by_kpidesk_is_refused(text: str | None) -> None:
    with pytest.raises(ValueError):
        HandoutMark.from_json(text)


def test_an_unreadable_log_is_not_used_and_said() -> None:
    entries, note = read_log("{broken")
    assert entries == [] and "配布記録が読めない" in note
    good = LogEntry("a" * 32, "課", 2020, "2020_課.kpidb", "2026-04-01T09:00:00", "me")
    entries, note = read_log(log_to_json([good]).replace("[{", '[{"x": 1}, 7, {', 1))
    assert entries == [good] and "2件が読めない" in note


def test_the_log_keeps_only_the_newest_entries() -> None:
    entry = LogEntry("a" * 32, "課", 2020, "f.kpidb", "2026-04-01T09:00:00", "me")
    entries, _ = read_log(log_to_json([entry] * (MAX_LOG_ENTRIES + 5)))
    assert len(entries) == MAX_LOG_ENTRIES
