"""The three-way comparison of hand out and collect (kpidesk.cycle)."""

from __future__ import annotations

import dataclasses

import pytest

from kpidesk.cycle import Outcome, compare, content_hash
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
