"""Search finds a sheet however its words were written, and leaves them as written.

A query and the sheets are compared in one search form: composed and
decomposed kana (NFC and NFD), ideographic variation selectors, full-width
and half-width Latin letters, digits and katakana, upper and lower case.
What the book stores and shows is the text exactly as typed.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpidesk.book.sqlitefile as sqlitefile_module
from kpidesk.book.errors import BookError
from kpidesk.book.schema import SCHEMA_VERSION
from kpidesk.book.search import MAX_TERMS, search_form
from kpidesk.book.store import Book
from kpidesk.exchange import jsonio
from kpidesk.model import Sheet
from tests.kpidesk.test_store import make_old_book, make_sheet, pragma, raw

#: 葛 with the variation selector the ward's own name asks for (U+E0100).
KATSUSHIKA_VS = "葛\U000e0100飾区"
NFD = "NFD"


def nfd(text: str) -> str:
    return unicodedata.normalize(NFD, text)


def found(book: Book, query: str) -> list[str]:
    """The Nos of the sheets a search finds, as the list shows them."""
    ids = book.search_ids(query)
    return [entry.no for entry in book.list_entries() if entry.id in ids]


def written_sheets() -> list[Sheet]:
    """Sheets whose words are written in the ways people and other programs write them."""
    return [
        make_sheet("1", title=nfd("ガイドブックの配布部数"), departments=("観光振興課",)),
        make_sheet("2", title="パンフレットの配布部数", departments=(KATSUSHIKA_VS + "連携室",)),
        make_sheet("3", title="ＫＰＩ達成率（Ｗｉ－Ｆｉ整備）", efforts=("１２３件を整備した。",)),
        make_sheet("4", title="KPI 123 wi-fi", issues=("ｶﾞｲﾄﾞﾌﾞｯｸを作った。",)),
        make_sheet("5", title="刑法犯認知件数", direction=("ヴィジョンを示す。",)),
        # Typed on Windows: FULLWIDTH TILDE and FULLWIDTH HYPHEN-MINUS.
        make_sheet("6", title="受付期間 4月～6月", section="3 観光の振興", efforts=("前年比－5%",)),
        # Typed on a Mac or copied from a PDF: WAVE DASH and MINUS SIGN.
        make_sheet("7", title="受付期間 7月〜9月", efforts=("前年比−8%",)),
    ]


@pytest.fixture(name="book")
def book_fixture() -> Book:
    book = Book.memory()
    book.import_sheets(written_sheets())
    return book


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # NFC query, NFD text (and the other way round), long and short words.
        ("ガイドブック", ["1", "4"]),
        (nfd("パンフレット"), ["2"]),
        ("ガイ", ["1", "4"]),
        (nfd("パン"), ["2"]),
        # Variation selectors: a plain query finds the ward as the ward writes it.
        ("葛飾区", ["2"]),
        ("葛飾", ["2"]),
        (KATSUSHIKA_VS, ["2"]),
        # Full-width and half-width Latin letters and digits, any case.
        ("KPI", ["3", "4"]),
        ("ＫＰＩ", ["3", "4"]),
        ("kpi", ["3", "4"]),
        ("Kp", ["3", "4"]),
        ("123", ["3", "4"]),
        ("１２３", ["3", "4"]),
        ("12", ["3", "4"]),
        ("WI-FI", ["3", "4"]),
        ("ｗｉ－ｆｉ", ["3", "4"]),
        # Half-width katakana and full-width katakana.
        ("ｶﾞｲﾄﾞ", ["1", "4"]),
        ("ｶﾞｲ", ["1", "4"]),
        # A spacing sound mark typed for the combining one (ウ゛ for ヴ).
        ("ウ゛ィジョン", ["5"]),
        ("ヴ", ["5"]),
        # Words that are still not there.
        ("ガイドライン", []),
        ("ビジョン", []),
        ("認知件数 ｋｐｉ", []),
        ("認知件数", ["5"]),
        # The wave dash and the minus of Windows and of the Mac are one each.
        ("4月〜6月", ["6"]),
        ("4月～6月", ["6"]),
        ("7月～9月", ["7"]),
        ("−5%", ["6"]),
        ("-8%", ["7"]),
        ("－8", ["7"]),
        # 施策 (the section) is searched too.
        ("観光の振興", ["6"]),
    ],
)
def test_a_word_is_found_however_it_is_written(book: Book, query: str, expected: list[str]) -> None:
    assert found(book, query) == expected
    assert [(sheet.no) for sheet in book.list_sheets(query=query)] == expected


def test_the_stored_text_stays_exactly_as_typed(book: Book) -> None:
    for sheet in written_sheets():
        stored = book.find_sheet(sheet.report_year, sheet.no)
        assert stored is not None
        assert book_view(stored) == book_view(sheet)
    entries = {entry.no: entry for entry in book.list_entries()}
    assert entries["1"].title == nfd("ガイドブックの配布部数")
    assert entries["2"].departments == (KATSUSHIKA_VS + "連携室",)
    assert entries["3"].title == "ＫＰＩ達成率（Ｗｉ－Ｆｉ整備）"
    exported = json.loads(jsonio.dumps(book.list_sheets()))
    assert exported["sheets"][0]["title"] == nfd("ガイドブックの配布部数")
    assert exported["sheets"][1]["departments"] == [KATSUSHIKA_VS + "連携室"]


def book_view(sheet: Sheet) -> Sheet:
    return dataclasses.replace(sheet, id=None, revision=None, updated_at=None)


def test_search_follows_a_sheet_saved_under_other_words_and_deleted(book: Book) -> None:
    sheet = book.find_sheet(2020, "3")
    assert sheet is not None
    saved = book.save_sheet(dataclasses.replace(sheet, title="ﾊﾟﾝﾌﾚｯﾄの在庫"))
    assert found(book, "ＫＰＩ達成率") == []
    assert found(book, "パンフレット") == ["2", "3"]
    book.delete_sheet(saved.id or 0)
    assert found(book, "パンフレット") == ["2"]
    assert found(book, "123") == ["4"]


def test_a_version_4_book_is_migrated_and_its_sheets_found_by_plain_words(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v4.kpidb"
    make_old_book(path, written_sheets()[1], version=4)
    with raw(path) as connection:
        connection.execute(
            "INSERT INTO sheets (report_year, no, title, data, revision, created_at, updated_at)"
            " VALUES (2020, '10', ?, '{\"broken', 1, '2021-04-01', '2021-04-01')",
            [nfd("ＫＰＩガイド")],
        )
        assert "search_text" not in str(
            connection.execute("SELECT sql FROM sqlite_master WHERE name = 'sheets_fts'").fetchall()
        )

    with Book.open(path) as book:
        assert found(book, "葛飾区") == ["2"]
        assert found(book, "パンフレット") == ["2"]
        # A sheet whose JSON is damaged is still found by the words in its columns.
        assert found(book, "kpiガイド") == ["10"]
        assert found(book, "ｶﾞｲ") == ["10"]

    assert pragma(path, "user_version") == SCHEMA_VERSION
    backups = list((tmp_path / "v4_backups").iterdir())
    assert [pragma(backup, "user_version") for backup in backups] == [4]


def test_the_index_is_kept_by_a_book_opened_with_trusted_schema_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trigger may not write a full-text index then: the book writes it itself."""
    path = tmp_path / "book.kpidb"
    Book.open(path).close()
    real_connect = sqlitefile_module.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = real_connect(*args, **kwargs)
        connection.execute("PRAGMA trusted_schema = OFF")
        return connection

    monkeypatch.setattr(sqlitefile_module, "connect", connect)
    with Book.open(path) as book:
        saved = book.import_sheets(written_sheets())
        book.save_sheet(dataclasses.replace(saved[2], title="葛飾区の配布部数"))
        book.delete_sheet(saved[3].id or 0)
        assert found(book, "葛飾区") == ["2", "3"]
        assert found(book, "KPI") == []
    with raw(path) as connection:
        triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert triggers.fetchall() == []


# --- any text ---------------------------------------------------------------------------------

# Characters, and half-width katakana with their sound marks (one character
# once in search form, so a part of a title never splits them).
_JAPANESE = st.sampled_from(
    list("あいうかがきぎぱぴアイウカガキギパピ漢字県市町村課葛飾区ー")
    + list("ABCXYZabcxyz0123456789-")
    + ["Ａ", "Ｂ", "ｃ", "０", "１", "ｱ", "ｲ", "ｶﾞ", "ﾊﾟ", "ｰ"]
)


def _width_flipped(text: str) -> str:
    """Half-width ASCII letters and digits as full-width ones, and the other way round."""
    flipped = []
    for char in text:
        code = ord(char)
        if 0x21 <= code <= 0x7E:
            flipped.append(chr(code + 0xFEE0))
        elif 0xFF01 <= code <= 0xFF5E:
            flipped.append(chr(code - 0xFEE0))
        else:
            flipped.append(char)
    return "".join(flipped)


_WRITINGS = {
    "as typed": lambda text: text,
    "NFD": nfd,
    "NFC": lambda text: unicodedata.normalize("NFC", text),
    "widths": _width_flipped,
    "upper": str.upper,
    "variation selectors": lambda text: "".join(c + "\U000e0100" for c in text),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    characters=st.lists(_JAPANESE, min_size=1, max_size=30),
    start=st.integers(0, 29),
    length=st.integers(1, 8),
    stored=st.sampled_from(sorted(_WRITINGS)),
    typed=st.sampled_from(sorted(_WRITINGS)),
)
def test_any_part_of_a_title_is_found_however_either_side_writes_it(
    characters: list[str], start: int, length: int, stored: str, typed: str
) -> None:
    title = "".join(characters)
    part = "".join(characters[start : start + length]) or title
    book = Book.memory()
    book.save_sheet(make_sheet("1", title=_WRITINGS[stored](title)))
    # Another sheet with none of the characters a part can have.
    # Its section is searched too, so it is one of none of those characters either.
    other = {
        "departments": ("総務部",),
        "section": "総務",
        "efforts": (),
        "issues": (),
        "direction": (),
    }
    book.save_sheet(make_sheet("乙", title="無関係", **other))
    assert found(book, _WRITINGS[typed](part)) == ["1"]


@given(st.text())
def test_the_search_form_of_a_search_form_is_itself(text: str) -> None:
    form = search_form(text)
    assert search_form(form) == form
    assert search_form(nfd(text)) == form


# --- queries no one types ---------------------------------------------------------------------


def test_a_word_pasted_thousands_of_times_is_searched_once(book: Book) -> None:
    assert found(book, " ".join(["ＫＰＩ", "kpi", "KPI"] * 2_000)) == ["3", "4"]
    assert found(book, "　".join(["葛飾"] * 5_000)) == ["2"]


def test_a_query_of_a_million_characters_finds_nothing_and_fails_nothing(book: Book) -> None:
    assert found(book, "ガ" * 1_000_000) == []
    assert found(book, "％＿\\" * 100_000) == []


def test_too_many_different_words_are_refused_with_a_message(book: Book) -> None:
    words = [f"語{number}" for number in range(MAX_TERMS + 1)]
    with pytest.raises(BookError) as caught:
        book.search_ids(" ".join(words))
    message = str(caught.value)
    assert f"{MAX_TERMS}語まで" in message
    assert not re.search(r"[A-Za-z]", message)
    # As many as allowed are searched (none of these words is there).
    assert found(book, " ".join(words[:MAX_TERMS])) == []
    assert found(book, " ".join(["ＫＰＩ", *words[:1]])) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("刑法\x00犯", ["5"]),
        ("刑\x00法犯", ["5"]),
        ("認知\ud800件数", ["5"]),
        ("\udfff認知件数\x07", ["5"]),
        ("刑法\x1b[31m犯", []),  # the escape goes, "[31m" stays and is not there
        ("\x00", ["1", "2", "3", "4", "5", "6", "7"]),
        ("\ud800 \x7f", ["1", "2", "3", "4", "5", "6", "7"]),
        ("認知件数\tＫＰＩ", []),  # a tab still separates two words
        ("\x00ガ\x01", ["1", "4"]),
    ],
    ids=[
        "nul-long",
        "nul-short",
        "surrogate",
        "both-ends",
        "escape",
        "only-nul",
        "only-junk",
        "tab",
        "short-word",
    ],
)
def test_control_characters_and_lone_surrogates_in_a_query_are_left_out(
    book: Book, query: str, expected: list[str]
) -> None:
    # Before, 刑\x00法犯 failed as 「ブックを読み書きできませんでした（unterminated string）」.
    assert found(book, query) == expected
    assert [sheet.no for sheet in book.list_sheets(query=query)] == expected
