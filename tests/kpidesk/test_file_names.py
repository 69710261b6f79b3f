"""File names made from data: one function makes them safe on Windows (and Linux)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from kpidesk import file_names, samples
from kpidesk.book import recovery
from kpidesk.file_names import (
    MAX_FILE_NAME_BYTES,
    department_file_names,
    export_file_name,
    safe_file_name,
)

#: What Windows refuses or changes in a file name, checked without the code under test.
FORBIDDEN = set('\\/:*?"<>|') | {chr(code) for code in range(32)}
DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{kind}{digit}" for kind in ("COM", "LPT") for digit in "0123456789¹²³"
}


def windows_takes(name: str) -> bool:
    """Whether Windows would make a file of exactly this name (and Linux too)."""
    device = name.split(".")[0].rstrip(" ").upper()
    return (
        bool(name)
        and not FORBIDDEN & set(name)
        and name == name.rstrip(" .")
        and device not in DEVICES
        and len(name.encode("utf-8")) <= MAX_FILE_NAME_BYTES
        and len(name.encode("utf-16-le")) // 2 <= 255
    )


RESERVED = [
    "CON", "con", "Con", "CON.txt", "CON .x", "CON  .tar.gz", "PRN", "AUX", "NUL", "nul.",
    "CONIN$", "conout$",
    *(f"COM{digit}" for digit in "0123456789¹²³"),
    *(f"LPT{digit}" for digit in "0123456789¹²³"),
    "com0.txt", "lpt9 .x",
]  # fmt: skip


@pytest.mark.parametrize("name", RESERVED)
def test_names_windows_reserves_get_a_leading_underscore(name: str) -> None:
    safe = safe_file_name(name, ".xlsx")
    assert windows_takes(safe), safe
    assert safe == "_" + name.rstrip(" .") + ".xlsx"


@pytest.mark.parametrize("name", ["CONSOLE", "COM10", "LPT", "COMA", "NULL", "AUX1", "CON_"])
def test_names_that_only_look_reserved_are_kept(name: str) -> None:
    assert safe_file_name(name, ".pdf") == name + ".pdf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("1/2", "1_2"),
        ("a:b", "a_b"),
        ('a\\b*c?d"e<f>g|h', "a_b_c_d_e_f_g_h"),
        ("改行\nタブ\t制御\x00\x1f\x7f", "改行_タブ_制御___"),
        ("右から左\u202egpj.exe", "右から左_gpj.exe"),
        ("末尾の点...", "末尾の点"),
        ("末尾の空白  \u3000", "末尾の空白"),
        ("  前後 . ", "前後"),
        ("..", "無題"),
        ("", "無題"),
        ("   ", "無題"),
        ("?", "_"),
    ],
)
def test_characters_windows_refuses_and_loose_ends_are_made_safe(name: str, expected: str) -> None:
    safe = safe_file_name(name, ".json")
    assert safe == expected + ".json"
    assert windows_takes(safe)


def test_an_empty_name_gets_the_fallback_the_caller_chooses() -> None:
    assert safe_file_name(" . ", ".xlsx", fallback="担当課なし") == "担当課なし.xlsx"


@pytest.mark.parametrize(
    "name",
    ["観" * 300, "a" * 300, "😀" * 100, "観光振興部" * 20 + "…" + "推進班甲", "a" * 100 + " " * 30],
)
def test_a_long_name_is_cut_to_fit_keeping_its_end(name: str) -> None:
    safe = safe_file_name(name, ".xlsx")
    assert windows_takes(safe)
    assert len(safe.encode("utf-8")) <= MAX_FILE_NAME_BYTES
    assert safe.endswith(".xlsx")
    stem = safe.removesuffix(".xlsx")
    assert stem.endswith(name.rstrip(" .")[-4:])  # the end, which tells similar names apart


def test_a_limit_in_characters_is_kept_too() -> None:
    safe = safe_file_name("観" * 100, ".xlsx", max_units=30)
    assert len(safe) <= 30 and windows_takes(safe)


def test_departments_reserved_as_com0_and_lpt0_are_made_safe() -> None:
    assert file_names.department_file_name("COM0") == "_COM0.xlsx"
    assert file_names.department_file_name("lpt0") == "_lpt0.xlsx"
    assert file_names.department_file_name("CONIN$") == "_CONIN$.xlsx"


# --- the names offered for exports


@pytest.mark.parametrize("no", ["CON", "1/2", "a:b", "  ", "x" * 300, "No.", "10"])
def test_the_name_offered_for_an_export_is_safe_for_any_no(no: str) -> None:
    for suffix in (".xlsx", ".pdf"):
        name = file_names.export_file_name([no], suffix)
        assert windows_takes(name), name
        assert name.startswith("KPI分析シート") and name.endswith(suffix)
    assert file_names.export_file_name(["10"], ".pdf") == "KPI分析シート_No10.pdf"
    assert file_names.export_file_name(["  "], ".pdf") == "KPI分析シート.pdf"
    assert file_names.export_file_name(["1", "2"], ".pdf") == "KPI分析シート.pdf"


# --- drafts of sheets not yet in the book


@pytest.mark.parametrize("no", ["CON", "1/2", "a:b", "x" * 300, "1_2"])
def test_a_draft_of_a_new_sheet_is_written_whatever_its_no(tmp_path: Path, no: str) -> None:
    book = tmp_path / "報告.kpidb"
    sheet = dataclasses.replace(samples.sample_sheets()[0], id=None, no=no)
    path = recovery.write_draft(book, sheet)
    assert path.parent == recovery.drafts_dir()
    assert windows_takes(path.name), path.name
    [draft] = recovery.list_drafts()
    assert draft.sheet.no == no
    recovery.clear_draft(book, sheet)
    assert recovery.list_drafts() == []


def test_drafts_of_nos_that_would_share_a_name_are_kept_apart(tmp_path: Path) -> None:
    book = tmp_path / "報告.kpidb"
    base = samples.sample_sheets()[0]
    for no in ("1/2", "1_2", "1:2"):
        recovery.write_draft(book, dataclasses.replace(base, id=None, no=no))
    drafts = recovery.list_drafts()
    assert sorted(draft.sheet.no for draft in drafts) == ["1/2", "1:2", "1_2"]
    assert all(json.loads(draft.path.read_text(encoding="utf-8")) for draft in drafts)


@pytest.mark.parametrize("device", ["CON", "aux", "com1", "NUL     ", "PRN"])
def test_a_device_name_left_after_cutting_combining_marks_is_still_made_safe(device: str) -> None:
    name = safe_file_name(device + "\u0301" * 200, ".xlsx")
    assert not file_names._is_reserved(name) and name.startswith("_")


def test_a_name_of_millions_of_characters_is_cut_from_its_ends_alone() -> None:
    # From a book edited outside KPI Desk: its middle is never looked at, so the
    # name is made at once (cut a character at a time, it took minutes).
    huge = "観光振興" * 1_000_000 + "推進班"
    short = "観光振興" * 100 + "推進班"
    assert safe_file_name(huge, ".xlsx") == safe_file_name(short, ".xlsx")
    assert export_file_name([huge], ".pdf") == export_file_name([short], ".pdf")
    names = department_file_names([huge, huge + "甲"])
    assert len(set(names.values())) == 2
    assert all(len(name.encode()) <= 120 for name in names.values())


def test_the_summary_is_offered_under_its_report_year() -> None:
    assert file_names.summary_file_name(2020, ".pdf") == "総括_R2.pdf"
    assert file_names.summary_file_name(2018, ".pdf") == "総括_H30.pdf"
    assert file_names.summary_file_name(None, ".pdf") == "総括.pdf"
