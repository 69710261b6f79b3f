"""The 企画課コメント: why the planning division sent a sheet back (差戻し)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from kpidesk import compare, limits, samples
from kpidesk.book.store import Book
from kpidesk.exchange import jsonio
from kpidesk.model import Sheet
from kpidesk.rollover import rolled_over

COMMENT = "R2実績値の出典を確認してください。"


def commented() -> Sheet:
    return dataclasses.replace(samples.sample_sheets()[0], planning_comment=COMMENT)


def test_the_comment_goes_through_json_and_only_when_set() -> None:
    plain = samples.sample_sheets()[0]
    assert "planning_comment" not in jsonio.sheet_to_dict(plain)
    data = jsonio.sheet_to_dict(commented())
    assert data["planning_comment"] == COMMENT
    assert jsonio.loads(jsonio.dumps([commented()]))[0].planning_comment == COMMENT


def test_a_comment_that_is_not_text_is_refused_on_reading() -> None:
    data = jsonio.sheet_to_dict(samples.sample_sheets()[0])
    data["planning_comment"] = ["not", "text"]
    document = json.loads(jsonio.dumps([]))
    document["sheets"] = [data]
    try:
        jsonio.loads(json.dumps(document, ensure_ascii=False))
    except jsonio.JsonFormatError as error:
        assert "planning_comment" in str(error)
    else:
        raise AssertionError("a list was read as a comment")


def test_the_book_keeps_the_comment(tmp_path: Path) -> None:
    with Book.open(tmp_path / "b.kpidb") as book:
        saved = book.save_sheet(commented())
        assert book.get_sheet(saved.id).planning_comment == COMMENT


def test_re_importing_published_text_keeps_the_comment() -> None:
    incoming = samples.sample_sheets()[0]
    carried = compare.carry_row_settings(incoming, commented())
    assert carried.planning_comment == COMMENT
    replaced = dataclasses.replace(incoming, planning_comment="別のコメント")
    assert compare.carry_row_settings(replaced, commented()).planning_comment == "別のコメント"


def test_the_compare_view_names_the_comment() -> None:
    changes = compare.compare_sheets(samples.sample_sheets()[0], commented()).changes
    assert [(c.where, c.after) for c in changes] == [("企画課コメント", COMMENT)]
    assert COMMENT in commented().all_texts()


def test_a_roll_over_clears_the_comment() -> None:
    sheet = commented()
    assert rolled_over(sheet, sheet.report_year + 1).planning_comment == ""


def test_an_overlong_or_unsafe_comment_is_caught() -> None:
    long = dataclasses.replace(
        commented(), planning_comment="あ" * (limits.MAX_PLANNING_COMMENT_CHARS + 1)
    )
    assert any("企画課コメント" in problem for problem in limits.sheet_problems(long))
    assert limits.sheet_problems(commented()) == []
    unsafe = dataclasses.replace(commented(), planning_comment="確認\x00してください")
    assert limits.clean_sheet(unsafe) == 1
    assert unsafe.planning_comment == f"確認{limits.REPLACEMENT}してください"
