"""The subcommands, run as a user runs them: exit codes, messages, the book after."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpidesk import cli, fileio
from kpidesk.book.store import Book
from kpidesk.exchange import jsonio, textimport
from tests.conftest import REPO, SAMPLE_TEXT


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(arg) for arg in args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "b.kpidb"
    code, out, err = run("import-text", SAMPLE_TEXT, "--db", path)
    assert (code, err) == (0, "")
    assert out == f"15件のシートを取り込みました（2020年度）: {path}\n"
    return path


def test_import_text_then_export_json_gives_the_text_exactly(book: Path, tmp_path: Path) -> None:
    out_json = tmp_path / "out.json"
    code, out, _ = run("export-json", "--db", book, "-o", out_json)
    assert code == 0
    assert out == f"15件のシートを書き出しました: {out_json}\n"
    exported = jsonio.read_file(out_json)
    expected = textimport.parse(SAMPLE_TEXT.read_text(encoding="utf-8")).sheets
    assert exported == expected
    assert out_json.read_text(encoding="utf-8") == jsonio.dumps(expected)


def test_text_json_json_round_trip_is_byte_identical(book: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    other = tmp_path / "other.kpidb"
    assert run("export-json", "--db", book, "-o", first)[0] == 0
    assert run("import-json", first, "--db", other)[0] == 0
    assert run("export-json", "--db", other, "-o", second)[0] == 0
    assert second.read_bytes() == first.read_bytes()


def test_export_selection_by_no_department_and_year(book: Path, tmp_path: Path) -> None:
    out_json = tmp_path / "some.json"
    assert run("export-json", "--db", book, "-o", out_json, "--no", "28", "--no", "9")[0] == 0
    assert [s.no for s in jsonio.read_file(out_json)] == ["9", "28"]
    assert run("export-json", "--db", book, "-o", out_json, "--department", "港湾課")[0] == 0
    assert [s.no for s in jsonio.read_file(out_json)] == ["28"]
    assert run("export-json", "--db", book, "-o", out_json, "--year", "R2")[0] == 0
    assert len(jsonio.read_file(out_json)) == 15


def test_import_with_given_year(tmp_path: Path) -> None:
    path, out_json = tmp_path / "y.kpidb", tmp_path / "y.json"
    assert run("import-text", SAMPLE_TEXT, "--db", path, "--year", "令和3年度")[0] == 0
    assert run("export-json", "--db", path, "-o", out_json)[0] == 0
    assert {s.report_year for s in jsonio.read_file(out_json)} == {2021}


def test_clash_is_refused_naming_the_sheets_and_replace_overwrites(book: Path, tmp_path) -> None:
    before = digest(book)
    code, out, err = run("import-text", SAMPLE_TEXT, "--db", book)
    assert code == 1 and out == ""
    assert err.startswith("エラー: ")
    assert "No 9" in err and "No 29" in err and "--replace" in err
    assert err.count("\n") == 1
    assert digest(book) == before

    changed = SAMPLE_TEXT.read_text(encoding="utf-8").replace("5,081", "5,082")
    source = tmp_path / "changed.txt"
    source.write_text(changed, encoding="utf-8")
    assert run("import-text", source, "--db", book, "--replace")[0] == 0
    out_json = tmp_path / "r.json"
    assert run("export-json", "--db", book, "-o", out_json, "--no", "9")[0] == 0
    assert jsonio.read_file(out_json)[0].rows[0].actuals[0].text == "5,082"


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str | Path], str]]:
    not_text = tmp_path / "binary.txt"
    not_text.write_bytes(bytes(range(128, 256)) * 4)
    json_as_text = tmp_path / "data.txt"
    json_as_text.write_text('{"format": "kpidesk-sheets"}', encoding="utf-8")
    no_sheets = tmp_path / "empty.txt"
    no_sheets.write_text("KPI分析シート\n<別記様式2>\n", encoding="utf-8")
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"format": "kpidesk-sheets", "version": 1, "sheets": [', "utf-8")
    wrong_json = tmp_path / "wrong.json"
    wrong_json.write_text('{"format": "kpidesk-sheets", "version": 1, "sheets": [{}]}', "utf-8")
    unplaced = tmp_path / "unplaced.txt"
    unplaced.write_text("前書き\n" + SAMPLE_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    return {
        "missing text": (["import-text", tmp_path / "nothing.txt"], "見つかりません"),
        "folder as text": (["import-text", tmp_path], "フォルダ"),
        "unknown encoding": (["import-text", not_text], "文字コード"),
        "json given as text": (["import-text", json_as_text], "見つかりません"),
        "text with no sheets": (["import-text", no_sheets], "見つかりません"),
        "unplaced lines": (["import-text", unplaced], "取り込めない行が1行"),
        "missing json": (["import-json", tmp_path / "nothing.json"], "見つかりません"),
        "broken json": (["import-json", broken_json], "JSONとして読めません"),
        "json of the wrong shape": (["import-json", wrong_json], "sheets[0]"),
        "text given as json": (["import-json", SAMPLE_TEXT], "JSONとして読めません"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing text",
        "folder as text",
        "unknown encoding",
        "json given as text",
        "text with no sheets",
        "unplaced lines",
        "missing json",
        "broken json",
        "json of the wrong shape",
        "text given as json",
    ],
)
def test_bad_input_leaves_the_book_unchanged(book: Path, tmp_path: Path, case: str) -> None:
    args, message = _bad_inputs(tmp_path)[case]
    before = digest(book)
    code, out, err = run(*args, "--db", book)
    assert code == 1
    assert out == ""
    first_line = err.splitlines()[0]
    assert first_line.startswith("エラー: ") and message in first_line
    assert "Traceback" not in err
    assert digest(book) == before
    # A book that did not exist is not left behind either.
    fresh = tmp_path / "fresh.kpidb"
    assert run(*args, "--db", fresh)[0] == 1
    assert not fresh.exists()


def test_unplaced_lines_are_listed_with_their_numbers(tmp_path: Path) -> None:
    args, _ = _bad_inputs(tmp_path)["unplaced lines"]
    code, _, err = run(*args, "--db", tmp_path / "x.kpidb")
    assert code == 1
    assert err.splitlines()[1] == "  1行目: どのシートにも属さない行です「前書き」"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export-json", "-o", "x.json"], "必須の指定がありません: --db"),
        (["import-text"], "必須の指定がありません"),
        (["frobnicate"], "知らないコマンドです"),
        (["import-text", "x.txt", "--db", "b.kpidb", "--year", "来年"], "年度として読めません"),
    ],
)
def test_usage_mistakes_get_one_japanese_line(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("エラー: ") and message in err


def test_export_refusals(book: Path, tmp_path: Path) -> None:
    not_a_book = tmp_path / "notes.kpidb"
    not_a_book.write_text("メモ", encoding="utf-8")
    before = digest(not_a_book)
    cases = [
        (["--db", tmp_path / "missing.kpidb", "-o", tmp_path / "o.json"], "ありません"),
        (["--db", not_a_book, "-o", tmp_path / "o.json"], "KPI Desk のブックではありません"),
        (["--db", book, "-o", tmp_path / "o.json", "--no", "99"], "ブックにない No です: 99"),
        (["--db", book, "-o", tmp_path / "o.json", "--department", "総務課"], "条件に合う"),
        (["--db", book, "-o", tmp_path / "no" / "dir" / "o.json"], "保存先のフォルダがありません"),
    ]
    for args, message in cases:
        code, _out, err = run("export-json", *args)
        assert code == 1, args
        assert err.startswith("エラー: ") and message in err, err
    assert not (tmp_path / "missing.kpidb").exists()
    assert not (tmp_path / "o.json").exists()
    assert digest(not_a_book) == before


def test_export_does_not_replace_a_file_when_it_fails(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "keep.json"
    target.write_text("前の内容", encoding="utf-8")
    written: list[Path] = []

    def disk_full(fd: int) -> None:
        # The failure comes while the temporary file is written, after the data went in.
        temp = next(tmp_path.glob("~kd*.tmp"))
        assert temp.stat().st_size > 0
        written.append(temp)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", disk_full)
    code, out, err = run("export-json", "--db", book, "-o", target)
    assert written, "the export never reached the temporary file"
    assert (code, out) == (1, "")
    assert err == f"エラー: ディスクの空きが足りないため書き込めません: {target}\n"
    assert target.read_text(encoding="utf-8") == "前の内容"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _main_py(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_main_py_runs_the_documented_commands(tmp_path: Path) -> None:
    result = _main_py("import-text", str(SAMPLE_TEXT), "--db", "b.kpidb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = _main_py("export-json", "--db", "b.kpidb", "-o", "out.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert len(document["sheets"]) == 15
    result = _main_py("import-json", "missing.json", "--db", "b.kpidb", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "エラー: ファイルが見つかりません: missing.json\n"
    # PDF from the command line: no window, no display.
    env_free = _main_py("export-pdf", "--db", "b.kpidb", "-o", "all.pdf", cwd=tmp_path)
    assert env_free.returncode == 0, env_free.stderr
    assert env_free.stdout == "15件のシートをPDF（15ページ）に書き出しました: all.pdf\n"
    assert (tmp_path / "all.pdf").read_bytes().startswith(b"%PDF")


def test_export_pdf_writes_the_chosen_sheets(book: Path, tmp_path: Path) -> None:
    import pdfplumber

    out_pdf = tmp_path / "産業支援課.pdf"
    code, out, err = run("export-pdf", "--db", book, "-o", out_pdf, "--department", "産業支援課")
    assert (code, err) == (0, "")
    assert out == f"3件のシートをPDF（3ページ）に書き出しました: {out_pdf}\n"
    with pdfplumber.open(out_pdf) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert ["製造品出荷額" in texts[0], "IT関連産業の売上高" in texts[1]] == [True, True]
    assert "b 令和2年度報告 No 15" in texts[0]  # the footer names the book by its title


@pytest.mark.parametrize("target", ["missing/out.pdf", "a-folder"])
def test_export_pdf_to_an_unwritable_place_leaves_nothing(
    book: Path, tmp_path: Path, target: str
) -> None:
    (tmp_path / "a-folder").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run("export-pdf", "--db", book, "-o", tmp_path / target)
    assert code == 1 and out == ""
    assert err.startswith("エラー: ") and err.count("\n") == 1
    assert (
        ("フォルダがありません" in err)
        or ("書き込めません" in err)
        or ("同じ名前のフォルダ" in err)
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert list((tmp_path / "a-folder").iterdir()) == []


# --- Excel ------------------------------------------------------------------------


def test_export_xlsx_then_import_xlsx_gives_the_same_json(book: Path, tmp_path: Path) -> None:
    import openpyxl

    out_xlsx = tmp_path / "提出.xlsx"
    code, out, err = run("export-xlsx", "--db", book, "-o", out_xlsx)
    assert (code, err) == (0, "")
    assert out == f"15件のシートをExcelに書き出しました: {out_xlsx}\n"
    assert openpyxl.load_workbook(out_xlsx).sheetnames[:3] == ["一覧", "No9", "No10"]
    other = tmp_path / "other.kpidb"
    code, out, err = run("import-xlsx", out_xlsx, "--db", other)
    assert (code, err) == (0, "")
    assert out == f"15件のシートを取り込みました（2020年度）: {other}\n"
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert run("export-json", "--db", book, "-o", first)[0] == 0
    assert run("export-json", "--db", other, "-o", second)[0] == 0
    assert second.read_bytes() == first.read_bytes()


def test_export_xlsx_selection_and_template(book: Path, tmp_path: Path) -> None:
    import openpyxl

    from kpidesk.exchange import excel_template

    out_xlsx = tmp_path / "some.xlsx"
    args = ["export-xlsx", "--db", book, "-o", out_xlsx, "--no", "28", "--no", "9"]
    code, out, _ = run(*args, "--template", excel_template.default_template_path())
    assert code == 0 and out.startswith("2件のシートを")
    assert openpyxl.load_workbook(out_xlsx).sheetnames == ["一覧", "No9", "No28"]
    assert run("export-xlsx", "--db", book, "-o", out_xlsx, "--department", "港湾課")[0] == 0
    assert openpyxl.load_workbook(out_xlsx).sheetnames == ["一覧", "No28"]


def test_export_xlsx_per_department_makes_the_folder(book: Path, tmp_path: Path) -> None:
    folder = tmp_path / "課ごと"
    code, out, err = run("export-xlsx", "--db", book, "-o", folder, "--per-department")
    assert (code, err) == (0, "")
    assert out == f"15件のシートを担当課ごとに12個のExcelファイルに書き出しました: {folder}\n"
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 12 and "観光振興課.xlsx" in names and "港湾課.xlsx" in names
    only = tmp_path / "港湾"
    args = ["export-xlsx", "--db", book, "-o", only, "--per-department", "--department", "港湾課"]
    assert run(*args)[0] == 0
    assert [path.name for path in only.iterdir()] == ["港湾課.xlsx"]


def test_import_xlsx_clash_is_refused_and_replace_overwrites(book: Path, tmp_path: Path) -> None:
    import openpyxl

    out_xlsx = tmp_path / "b.xlsx"
    assert run("export-xlsx", "--db", book, "-o", out_xlsx)[0] == 0
    before = digest(book)
    code, out, err = run("import-xlsx", out_xlsx, "--db", book)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "No 9" in err and "No 29" in err and "--replace" in err
    assert digest(book) == before
    wb = openpyxl.load_workbook(out_xlsx)
    wb["No9"]["D8"] = 5082  # typed over 5,081: the cell keeps its #,##0 format
    wb.save(out_xlsx)
    assert run("import-xlsx", out_xlsx, "--db", book, "--replace")[0] == 0
    out_json = tmp_path / "r.json"
    assert run("export-json", "--db", book, "-o", out_json, "--no", "9")[0] == 0
    assert jsonio.read_file(out_json)[0].rows[0].actuals[0].text == "5,082"


def _bad_workbooks(tmp_path: Path, book: Path) -> dict[str, tuple[Path, str]]:
    import openpyxl

    good = tmp_path / "good.xlsx"
    assert run("export-xlsx", "--db", book, "-o", good)[0] == 0
    data = good.read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 3])
    ole = tmp_path / "locked.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    text = tmp_path / "text.xlsx"
    text.write_text("No 9 刑法犯認知件数", encoding="utf-8")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (4 * 1024 * 1024))
    wb = openpyxl.load_workbook(good)
    wb["No10"]["B4"] = None
    no_number = tmp_path / "no-number.xlsx"
    wb.save(no_number)
    only_list = tmp_path / "list.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "一覧"
    wb.save(only_list)
    return {
        "missing": (tmp_path / "nothing.xlsx", "ファイルが見つかりません"),
        "folder": (tmp_path, "フォルダ"),
        "text": (text, "Excelのブック（.xlsx）ではありません"),
        "password": (ole, "パスワードで保護されているか"),
        "truncated": (truncated, "途中までしかありません"),
        "zip bomb": (bomb, "zip爆弾"),
        "not a sheet": (no_number, "ワークシート「No10」はKPI分析シートの形ではありません"),
        "only the list": (only_list, "ワークシートがありません"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "folder",
        "text",
        "password",
        "truncated",
        "zip bomb",
        "not a sheet",
        "only the list",
    ],
)
def test_bad_workbooks_leave_the_book_unchanged(book: Path, tmp_path: Path, case: str) -> None:
    source, message = _bad_workbooks(tmp_path, book)[case]
    before = digest(book)
    code, out, err = run("import-xlsx", source, "--db", book)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("エラー: ") and message in err, err
    assert "Traceback" not in err
    assert digest(book) == before
    fresh = tmp_path / "fresh.kpidb"
    assert run("import-xlsx", source, "--db", fresh)[0] == 1
    assert not fresh.exists()


def test_export_xlsx_refusals_leave_nothing_behind(book: Path, tmp_path: Path) -> None:
    import openpyxl

    from kpidesk.exchange import excel_template

    no_title = tmp_path / "t.xlsx"
    wb = openpyxl.load_workbook(excel_template.default_template_path())
    del wb.defined_names["KPI_TITLE"]
    wb.save(no_title)
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    target = tmp_path / "o.xlsx"
    cases = [
        (["-o", target, "--template", no_title], f"名前 KPI_TITLE がありません: {no_title}"),
        (["-o", target, "--template", tmp_path / "none.xlsx"], "テンプレートが見つかりません"),
        (["-o", target, "--no", "99"], "ブックにない No です: 99"),
        (["-o", tmp_path / "no" / "dir" / "o.xlsx"], "保存先のフォルダがありません"),
        (["-o", tmp_path / "a-folder"], "同じ名前のフォルダがあります"),
        (["-o", a_file, "--per-department"], "フォルダではなくファイルです"),
    ]  # fmt: skip
    before = sorted(p.name for p in tmp_path.iterdir())
    for args, message in cases:
        code, out, err = run("export-xlsx", "--db", book, *args)
        assert code == 1 and out == "", args
        assert err.count("\n") == 1 and err.startswith("エラー: ") and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert list((tmp_path / "a-folder").iterdir()) == []
    assert a_file.read_text(encoding="utf-8") == "x"


def test_main_py_runs_the_excel_commands(tmp_path: Path) -> None:
    assert (
        _main_py("import-text", str(SAMPLE_TEXT), "--db", "b.kpidb", cwd=tmp_path).returncode == 0
    )
    result = _main_py("export-xlsx", "--db", "b.kpidb", "-o", "out.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "15件のシートをExcelに書き出しました: out.xlsx\n"
    result = _main_py("import-xlsx", "out.xlsx", "--db", "c.kpidb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "15件のシートを取り込みました（2020年度）: c.kpidb\n"


def test_atomic_output_names_another_file_that_fails_inside(tmp_path: Path) -> None:
    from kpidesk.fileio import OutputError, atomic_output

    target = tmp_path / "out.bin"
    with pytest.raises(FileNotFoundError) as caught, atomic_output(target) as stream:
        stream.write(b"x")
        (tmp_path / "missing-template.xlsx").read_bytes()
    assert not isinstance(caught.value, OutputError)
    assert "missing-template.xlsx" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
@pytest.mark.usefixtures("umask_022")
def test_a_new_output_file_gets_the_mode_open_gives_under_the_umask(tmp_path: Path) -> None:
    reference = tmp_path / "reference.bin"
    with reference.open("wb"):
        pass
    target = tmp_path / "new.bin"
    fileio.write_bytes_atomic(target, b"data")
    assert target.read_bytes() == b"data"
    assert _mode(target) == _mode(reference) == 0o644


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664])
def test_an_overwritten_output_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "old.bin"
    target.write_bytes(b"old")
    target.chmod(mode)
    fileio.write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert _mode(target) == mode


@pytest.mark.parametrize(
    "args", [["--help"], ["-h"], *([name, "--help"] for name in cli.SUBCOMMANDS)]
)
def test_help_is_in_japanese(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(args)
    assert caught.value.code == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert printed.out.startswith("使い方: kpidesk")
    for english in (
        "usage:",
        "options:",
        "positional arguments",
        "show this help message",
        "show program's",
    ):
        assert english not in printed.out, printed.out
    assert "オプション:" in printed.out
    assert re.search(r"^  -h, --help +この使い方を表示する$", printed.out, re.MULTILINE)


def test_excel_round_trip_keeps_the_books_row_settings(book: Path, tmp_path: Path) -> None:
    with Book.open(book) as store:
        sheet = store.find_sheet(2020, "27")
        sheet.rows[0].target_direction = "down"
        sheet.rows[0].kind = "cumulative"
        store.save_sheet(sheet)
    workbook = tmp_path / "27.xlsx"
    assert run("export-xlsx", "--db", book, "-o", workbook, "--no", "27")[0] == 0
    code, _, err = run("import-xlsx", workbook, "--db", book, "--replace")
    assert code == 0, err
    with Book.open(book, read_only=True) as store:
        row = store.find_sheet(2020, "27").rows[0]
    assert (row.target_direction, row.kind) == ("down", "cumulative")


def test_reading_commands_work_on_a_book_that_cannot_be_written(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.kpidesk.test_store import refuse_writing

    refuse_writing(monkeypatch, book)
    code, out, err = run("evaluate", "--db", book, "--no", "27")
    assert (code, err) == (0, "")
    assert "61.2%" in out  # 473 of the 期待値 772.25
    code, _, err = run("export-summary", "--db", book, "-o", tmp_path / "s.xlsx")
    assert (code, err) == (0, "")
    # Commands that change the book say so, without the window's question.
    code, _, err = run("rollover", "--db", book, "--from", "2020")
    assert code == 1
    assert "書き込みできません" in err and "開きますか" not in err
    code, _, err = run("import-text", SAMPLE_TEXT, "--db", book, "--replace")
    assert code == 1 and "開きますか" not in err


@pytest.mark.parametrize("code_page", ["cp1252", "cp932"])
def test_output_redirected_in_a_windows_code_page_never_fails(
    tmp_path: Path, code_page: str
) -> None:
    # On Windows a redirected stdout gets the ANSI code page; the Japanese
    # lines used to fail with UnicodeEncodeError after the book was written.
    book = tmp_path / "本庁.kpidb"
    env = {**os.environ, "PYTHONIOENCODING": code_page, "QT_QPA_PLATFORM": "offscreen"}
    imported = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "import-text", str(SAMPLE_TEXT), "--db", str(book)],
        capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    said = imported.stdout.decode(code_page)
    if code_page == "cp932":
        assert "15件のシートを取り込みました" in said
    else:  # cp1252 has no Japanese: escaped, never a failure
        assert "15\\u4ef6" in said
    refused = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "import-json", str(tmp_path / "ない.json"),
         "--db", str(book)],
        capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert refused.returncode == cli.EXIT_FAILED
    assert refused.stderr.decode(code_page).startswith(
        "エラー: " if code_page == "cp932" else "\\u30a8\\u30e9\\u30fc: "
    )


def test_a_console_that_cannot_show_a_character_gets_an_escape_not_a_failure() -> None:
    class Console(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    raw = io.BytesIO()
    console = cli.safe_output(Console(raw, encoding="cp932"))
    assert console is not None
    print("𠮷田課の刑法犯認知件数", file=console)
    console.flush()
    written = raw.getvalue().decode("cp932")
    assert "田課の刑法犯認知件数" in written and "\\U00020bb7" in written


def test_a_book_someone_else_has_open_is_not_written_by_a_command(tmp_path: Path) -> None:
    from kpidesk.book import lock

    book = tmp_path / "本庁.kpidb"
    assert cli.main(["import-text", str(SAMPLE_TEXT), "--db", str(book)]) == cli.EXIT_OK
    assert not lock.lock_path(book).exists()  # the command's own lock is gone
    source = tmp_path / "one.json"
    source.write_text(jsonio.dumps(textimport.read_file(SAMPLE_TEXT).sheets[:1]), encoding="utf-8")
    # Another PC's KPI Desk has the book open (a fresh heartbeat).
    held = lock.BookLock.acquire(book)
    data = json.loads(lock.lock_path(book).read_text(encoding="utf-8"))
    data.update(user="yamada", computer="PC-ANOTHER")
    lock.lock_path(book).write_text(json.dumps(data), encoding="utf-8")
    before = hashlib.sha256(book.read_bytes()).hexdigest()

    for arguments in (
        ["import-json", str(source), "--replace"],
        ["rollover", "--from", "2020"],
        ["lock-year", "--year", "2020"],
    ):
        err = io.StringIO()
        code = cli.main([*arguments, "--db", str(book)], out=io.StringIO(), err=err)
        assert code == cli.EXIT_HELD == 2, err.getvalue()
        assert "yamada" in err.getvalue() and "PC-ANOTHER" in err.getvalue()
        assert "変更していません" in err.getvalue()
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before
    assert json.loads(lock.lock_path(book).read_text(encoding="utf-8"))["user"] == "yamada"
    # Reading commands work as before.
    out = tmp_path / "out.json"
    assert cli.main(["export-json", "--db", str(book), "-o", str(out)]) == cli.EXIT_OK
    del held


def test_importing_the_published_text_again_keeps_the_source_and_the_reviewers_comment(
    tmp_path: Path,
) -> None:
    book_path = tmp_path / "本庁.kpidb"
    assert run("import-text", SAMPLE_TEXT, "--db", book_path)[0] == 0
    with Book.open(book_path, create=False) as book:
        sheet = book.find_sheet(2020, "9")
        sheet.source = "犯罪統計"
        sheet.opinions = ["高齢者の被害に注意が必要。"]
        book.save_sheet(sheet)
    code, _, err = run("import-text", SAMPLE_TEXT, "--db", book_path, "--replace")
    assert code == 0, err
    with Book.open(book_path, create=False) as book:
        sheet = book.find_sheet(2020, "9")
    assert sheet.source == "犯罪統計"
    assert sheet.opinions == ["高齢者の被害に注意が必要。"]
