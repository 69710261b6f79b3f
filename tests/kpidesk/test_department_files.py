"""Per-department workbooks: file names that every file system takes, all different."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kpidesk import file_names, fileio, limits, samples
from kpidesk.exchange import excel_reader, excel_writer
from kpidesk.fileio import OutputError
from kpidesk.model import Sheet


def sheets_of(*departments: str) -> list[Sheet]:
    base = samples.sample_sheets()[0]
    return [
        dataclasses.replace(base, no=str(number), departments=[department])
        for number, department in enumerate(departments, start=1)
    ]


# As long as a department name may be (limits.MAX_DEPARTMENT_CHARS), yet far
# more than a file name may hold: 96 characters are 288 bytes in UTF-8.
LONG = "観光振興部地域ブランド戦略推進課" * 6
LONGER = LONG + "国際"
HUGE = "課" * limits.MAX_DEPARTMENT_CHARS


def test_long_department_names_are_written_without_error(tmp_path: Path) -> None:
    folder = tmp_path / "担当課ごと"
    sheets = sheets_of(LONG, LONGER, HUGE, "港湾課")
    paths = excel_writer.export_by_department(sheets, folder)
    assert len({path.name for path in paths}) == 4
    assert sorted(path.name for path in folder.iterdir()) == sorted(path.name for path in paths)
    for path in paths:
        assert len(path.name.encode("utf-8")) <= file_names.MAX_FILE_NAME_BYTES
    # Each file holds its own department's sheet: no file replaced another.
    by_department = {}
    for path in paths:
        (sheet,) = excel_reader.read_workbook(path)
        by_department[sheet.departments[0]] = path.name
    assert set(by_department) == {LONG, LONGER, HUGE, "港湾課"}
    assert by_department["港湾課"] == "港湾課.xlsx"
    assert by_department[LONG].startswith("観光振興部地域ブランド戦略推進課")


def test_a_shortened_name_is_the_same_whatever_else_is_exported() -> None:
    alone = file_names.department_file_names([LONG])[LONG]
    together = file_names.department_file_names([LONG, LONGER, "港湾課"])
    assert together[LONG] == alone
    assert together[LONGER] != alone


def test_names_windows_refuses_are_made_safe_and_unique() -> None:
    departments = [
        "CON", "con.txt", "COM1", "LPT¹", "NUL ", "企画課.", " 広報課 ", 'a<b>:"/\\|?*c',
        "a_b_______c", "課\x01係", "", "担当課なし", "ABC", "abc", "..", "A/B", "A_B",
    ]  # fmt: skip
    names = file_names.department_file_names(departments)
    assert len({name.casefold() for name in names.values()}) == len(departments)
    for name in names.values():
        stem = name.removesuffix(".xlsx")
        assert not any(char in name for char in '<>:"/\\|?*\x01')
        assert stem == stem.strip(" .") and stem
        device = stem.split(".")[0].upper()
        assert device not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT¹"}
    assert names["担当課なし"] == "担当課なし.xlsx"
    assert names[""] != names["担当課なし"]
    assert (names["ABC"] == "ABC.xlsx" and names["abc"] == "abc.xlsx") or names["ABC"] != names[
        "abc"
    ]
    assert names["A/B"] != names["A_B"] == "A_B.xlsx"


def test_windows_path_limit_is_kept(windows: None) -> None:
    folder = Path("/") / ("フォルダ" * 55)  # 221 characters: 37 left for a name
    names = file_names.department_file_names([LONG, "港湾課"], folder)
    for name in names.values():
        assert len(str(folder)) + 1 + len(name) < fileio.WINDOWS_MAX_PATH
    assert names["港湾課"] == "港湾課.xlsx"
    assert names[LONG] != file_names.department_file_names([LONG])[LONG]  # cut shorter


def test_a_folder_too_deep_for_windows_is_refused_before_anything_is_written(
    tmp_path: Path, windows: None
) -> None:
    folder = tmp_path.joinpath(*["深いフォルダ" * 10] * 4)  # 240 characters below tmp_path
    with pytest.raises(OutputError, match="保存先のフォルダのパスが長すぎて"):
        excel_writer.export_by_department(sheets_of("港湾課"), folder)
    assert not folder.exists()


def test_renamed_departments_are_reported_in_japanese() -> None:
    names = file_names.department_file_names([LONG, "港湾課", "", "CON"])
    lines = file_names.renamed_departments(names)
    assert len(lines) == 2
    assert any(line.startswith(f"「{LONG}」→ ") for line in lines)
    assert "「CON」→ _CON.xlsx" in lines


def test_long_names_that_differ_only_at_the_end_keep_their_ends() -> None:
    common = "観光振興部国際観光推進課インバウンド誘客推進班" * 4
    first, second = common[:99] + "甲", common[:99] + "乙"
    names = file_names.department_file_names([first, second])
    assert names[first] != names[second]
    assert "…" in names[first] and names[first].split("~")[0].endswith("推進班甲")
    assert names[second].split("~")[0].endswith("推進班乙")
    assert names[first].startswith("観光振興部国際観光推進課")
    for name in names.values():
        assert len(name.encode("utf-8")) <= file_names.MAX_FILE_NAME_BYTES


def test_a_department_named_like_the_template_never_overwrites_it(tmp_path: Path) -> None:
    from kpidesk.resources import resource_path

    template = tmp_path / "A課.xlsx"
    template.write_bytes(resource_path("templates", "kpi_sheet.xlsx").read_bytes())
    before = template.read_bytes()
    with pytest.raises(OutputError, match="テンプレートと同じファイル"):
        excel_writer.export_by_department(sheets_of("A課", "B課"), tmp_path, template=template)
    assert template.read_bytes() == before
    assert not (tmp_path / "B課.xlsx").exists()  # nothing was written


def test_numbered_names_stay_within_the_room_a_deep_folder_leaves(windows: None) -> None:
    folder = Path("/") / ("フォルダ" * 58 + "a")  # 234 characters: 24 left for a name
    room = fileio.name_room(folder)
    departments = ["a/bbbbbbbb", "a:bbbbbbbb"]
    tagged = file_names.department_file_names(departments, folder)
    # A third department named exactly like one of the tagged names forces numbering.
    departments.append(tagged["a/bbbbbbbb"].removesuffix(".xlsx"))
    names = file_names.department_file_names(departments, folder)
    assert len(set(names.values())) == 3
    assert all(len(name) <= room for name in names.values()), names
