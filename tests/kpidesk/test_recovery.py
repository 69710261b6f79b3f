"""Drafts of unsaved sheets survive the program."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kpidesk import samples
from kpidesk.book import recovery


def test_write_list_and_clear_drafts(tmp_path: Path) -> None:
    book = tmp_path / "本庁 ブック.kpidb"
    sheet = samples.sample_sheets()[0]
    sheet.id, sheet.revision = 7, 3
    sheet.title = "書きかけのKPI名"
    path = recovery.write_draft(book, sheet, now=datetime(2026, 11, 30, 10, 0, 0))
    assert path.parent == recovery.drafts_dir()
    [draft] = recovery.list_drafts()
    assert draft.book == book.absolute()
    assert draft.sheet == sheet and draft.sheet.id == 7 and draft.sheet.revision == 3
    assert draft.written_at == datetime(2026, 11, 30, 10, 0, 0)
    # A second write of the same sheet replaces the draft.
    sheet.title = "もっと書いた"
    recovery.write_draft(book, sheet)
    assert [d.sheet.title for d in recovery.list_drafts()] == ["もっと書いた"]
    recovery.clear_draft(book, sheet)
    assert recovery.list_drafts() == []


def test_broken_draft_files_are_skipped(tmp_path: Path) -> None:
    (recovery.drafts_dir() / "broken.json").write_text("{", encoding="utf-8")
    (recovery.drafts_dir() / "other.json").write_text('{"format": "x"}', encoding="utf-8")
    assert recovery.list_drafts() == []
