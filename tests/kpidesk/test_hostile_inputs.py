"""Hostile and runaway input: sheets beyond every bound, and books altered by another program.

Each file and book here is made by the test. The imports must refuse what is
beyond :mod:`kpidesk.limits` with a Japanese message naming the sheet, the
field and the limit; a book holding such things already must still list,
export, evaluate and roll over, or say in Japanese what is wrong.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpidesk import cli, limits, samples
from kpidesk.book.store import Book
from kpidesk.evaluation import EvaluationSettings
from kpidesk.exchange import excel_reader, excel_writer, jsonio
from kpidesk.model import Cell
from tests.conftest import REPO


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(arg) for arg in args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def sample_document() -> dict[str, Any]:
    return json.loads(jsonio.dumps(samples.sample_sheets()[:2]))


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.kpidb"
    source = write_json(tmp_path / "sample.json", sample_document())
    assert run("import-json", source, "--db", path)[0] == 0
    return path


def tamper(path: Path, sql: str, *params: Any) -> None:
    """Change a book as another program would, without KPI Desk."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


def tamper_sheet(path: Path, no: str, change: Any) -> None:
    """Rewrite one stored sheet's JSON (and its No column) with ``change``."""
    connection = sqlite3.connect(path)
    try:
        sheet_id, data = connection.execute(
            "SELECT id, data FROM sheets WHERE no = ?", [no]
        ).fetchone()
        document = json.loads(data)
        change(document)
        connection.execute(
            "UPDATE sheets SET data = ?, no = ? WHERE id = ?",
            [json.dumps(document, ensure_ascii=False), str(document["no"]), sheet_id],
        )
        connection.commit()
    finally:
        connection.close()


# --- imports refuse what is beyond the bounds ----------------------------------------

LONG_TEXT = "取組" * (limits.MAX_TEXT_SECTION_CHARS // 2 + 1)

BEYOND_BOUNDS: list[tuple[str, Any, str]] = [
    ("no of 5,000 digits", lambda s: s.__setitem__("no", "1" * 5000), "Noが長すぎます"),
    ("no with a line break", lambda s: s.__setitem__("no", "9\n10"), "改行やタブ"),
    ("title", lambda s: s.__setitem__("title", "長" * 1001), "KPI名が長すぎます"),
    ("section", lambda s: s.__setitem__("section", "節" * 1001), "施策が長すぎます"),
    (
        "departments",
        lambda s: s.__setitem__("departments", [f"課{n}" for n in range(21)]),
        "担当課が多すぎます（21件、上限 20件）",
    ),
    (
        "department name",
        lambda s: s.__setitem__("departments", ["課" * 101]),
        "担当課の名前が長すぎます",
    ),
    ("text section", lambda s: s.__setitem__("efforts", [LONG_TEXT]), "取組状況が長すぎます"),
    (
        "bullets",
        lambda s: s.__setitem__("issues", ["・"] * 501),
        "課題等の項目が多すぎます（501個、上限 500個）",
    ),
    (
        "rows",
        lambda s: s.__setitem__("rows", s["rows"] * 51),
        "値の行が多すぎます（51行、上限 50行）",
    ),
    ("row label", lambda s: s["rows"][0].__setitem__("label", "項" * 201), "項目が長すぎます"),
    ("unit", lambda s: s["rows"][0].__setitem__("unit", "件" * 51), "単位が長すぎます"),
    (
        "cell of 5,000 characters",
        lambda s: s["rows"][0].__setitem__("target", "1" * 5000),
        "値の1行目の目標値が長すぎます（5,000文字、上限 200文字）",
    ),
    (
        "number of 40 digits",
        lambda s: s["rows"][0].__setitem__("baseline", "9" * 40),
        "整数部15桁・小数部6桁まで",
    ),
    (
        "number of 7 decimals",
        lambda s: s["rows"][0].__setitem__("baseline", "0.0000001"),
        "値の1行目の戦略策定時実績値の数値「0.0000001」は桁が多すぎます",
    ),
    ("report year 1900", lambda s: s.__setitem__("report_year", 1900), "report_year"),
    ("target year 9999", lambda s: s.__setitem__("target_year", 9999), "target_year"),
    (
        "actual years not in order",
        lambda s: s["actual_years"].reverse(),
        "実績値の年度は古い順",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [case[1:] for case in BEYOND_BOUNDS],
    ids=[case[0] for case in BEYOND_BOUNDS],
)
def test_json_import_refuses_a_sheet_beyond_the_bounds(
    tmp_path: Path, change: Any, message: str
) -> None:
    document = sample_document()
    change(document["sheets"][0])
    source = write_json(tmp_path / "hostile.json", document)
    code, out, err = run("import-json", source, "--db", tmp_path / "new.kpidb")
    assert code == 1, out
    assert message in err
    assert "2020年度 No " in err or "report_year" in err or "target_year" in err
    assert "予期しない" not in err
    assert not (tmp_path / "new.kpidb").exists()


def test_json_with_an_integer_of_thousands_of_digits_is_refused(tmp_path: Path) -> None:
    text = json.dumps(sample_document()).replace(
        '"report_year": 2020', '"report_year": 1' + "0" * 5000, 1
    )
    source = tmp_path / "hostile.json"
    source.write_text(text, encoding="utf-8")
    code, _, err = run("import-json", source, "--db", tmp_path / "new.kpidb")
    assert code == 1
    assert "桁が多すぎて読めない数があります" in err


def test_the_bounds_take_real_sheets(tmp_path: Path) -> None:
    document = sample_document()
    sheet = document["sheets"][0]
    sheet["title"] = "長" * 1000
    sheet["efforts"] = ["取" * 9_000, "組" * 9_000]
    sheet["rows"][0]["baseline"] = "999,999,999,999,999.999999"
    source = write_json(tmp_path / "big.json", document)
    code, _, err = run("import-json", source, "--db", tmp_path / "book.kpidb")
    assert (code, err) == (0, ""), err
    code, _, err = run("evaluate", "--db", tmp_path / "book.kpidb")
    assert code == 0, err


def test_text_import_leaves_out_a_sheet_whose_no_has_thousands_of_digits(tmp_path: Path) -> None:
    text = (
        f"No {'1' * 5000}\t生活安全企画課\n刑法犯認知件数\n"
        "\t戦略策定時 実績値 (R1)\tR2実績値\t目標値 (R5)\n"
        "単年\t6,498 件/年\t5,081\t前年比減\n取組状況\n- 取組\n"
    )
    source = tmp_path / "hostile.txt"
    source.write_text(text, encoding="utf-8")
    code, _, err = run("import-text", source, "--db", tmp_path / "new.kpidb")
    assert code == 1
    assert "Noが長すぎます（5,000文字、上限 30文字）" in err
    assert "予期しない" not in err


def test_excel_import_refuses_a_sheet_beyond_the_bounds(tmp_path: Path) -> None:
    stream = io.BytesIO()
    excel_writer.export_workbook(list(samples.sample_sheets()[:1]), stream)
    workbook = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    worksheet = workbook.worksheets[1]
    destination = worksheet.defined_names["KPI_TITLE"].attr_text.split("!")[1]
    worksheet[destination.split(":")[0].replace("$", "")].value = "長" * 1001
    source = tmp_path / "hostile.xlsx"
    workbook.save(source)
    code, _, err = run("import-xlsx", source, "--db", tmp_path / "new.kpidb")
    assert code == 1
    assert "KPI名が長すぎます（1,001文字、上限 1,000文字）" in err
    assert f"ワークシート「{worksheet.title}」" in err


def test_saving_a_sheet_beyond_the_bounds_is_refused(book: Path) -> None:
    with Book.open(book) as store:
        sheet = store.find_sheet(2020, "9")
        assert sheet is not None
        sheet.title = "長" * 1001
        with pytest.raises(Exception, match="KPI名が長すぎます（1,001文字、上限 1,000文字）"):
            store.save_sheet(sheet)
        assert store.find_sheet(2020, "9").title != sheet.title


# --- a book altered by another program still works -------------------------------------


def test_a_stored_no_of_thousands_of_digits_does_not_stop_the_book(
    book: Path, tmp_path: Path
) -> None:
    long_no = "1" * 5000
    tamper_sheet(book, "9", lambda sheet: sheet.__setitem__("no", long_no))
    with Book.open(book) as store:
        assert [entry.no for entry in store.list_entries()] == ["10", long_no]
    code, _, err = run("export-json", "--db", book, "-o", tmp_path / "out.json")
    assert code == 0, err
    assert long_no in (tmp_path / "out.json").read_text(encoding="utf-8")
    code, out, err = run("evaluate", "--db", book)
    assert code == 0, err
    code, out, err = run("evaluate", "--db", book, "--json")
    assert code == 0, err
    assert long_no in [row["no"] for row in json.loads(out)["rows"]]
    code, out, err = run("export-summary", "--db", book, "-o", tmp_path / "summary.xlsx")
    assert code == 0, err
    summary = openpyxl.load_workbook(tmp_path / "summary.xlsx").worksheets[0]
    assert long_no in [cell.value for row in summary.iter_rows() for cell in row]
    code, out, err = run("rollover", "--db", book, "--from", "2020")
    assert code == 1
    assert "Noが長すぎます（5,000文字、上限 30文字）" in err
    assert "予期しない" not in err


def test_a_stored_number_of_thousands_of_digits_is_not_judged(book: Path) -> None:
    def change(sheet: dict[str, Any]) -> None:
        sheet["rows"][0]["actuals"][-1] = "9" * 5000

    tamper_sheet(book, "9", change)
    code, out, err = run("evaluate", "--db", book, "--json")
    assert code == 0, err
    row = json.loads(out)["rows"][0]
    assert "桁が多すぎるため計算できません" in row["remarks"]
    assert "R2の実績で評価しています" in row["remarks"]
    code, out, err = run("evaluate", "--db", book)
    assert code == 0, err
    with Book.open(book) as store:
        sheet = store.find_sheet(2020, "9")
        assert sheet is not None and sheet.rows[0].actuals[-1].number is None


def test_a_stored_year_before_showa_leaves_the_list_working(book: Path) -> None:
    tamper(book, "UPDATE sheets SET report_year = 1900 WHERE no = '9'")
    tamper(book, "UPDATE sheets SET report_year = 'abc', latest_year = 'x' WHERE no = '10'")
    with Book.open(book) as store:
        assert store.list_entries() == []
        assert store.report_years() == []


def test_a_stored_sheet_whose_json_year_is_before_showa_is_reported(book: Path) -> None:
    tamper_sheet(book, "9", lambda sheet: sheet.__setitem__("report_year", 1900))
    code, _, err = run("evaluate", "--db", book)
    assert code == 1
    assert "壊れていて読めません" in err and "1926から2200" in err
    assert "予期しない" not in err


# --- the book's settings ------------------------------------------------------------


def evaluation_setting(threshold: Any, **others: Any) -> str:
    data = EvaluationSettings().to_dict()
    data["levels"][0]["threshold"] = threshold
    data.update(others)
    return json.dumps(data)


HOSTILE_SETTINGS = [
    ("huge exponent", evaluation_setting("1e999999999"), "しきい値は-100,000%から100,000%"),
    ("tiny exponent", evaluation_setting("1e-999999999"), "しきい値は小数第4位まで"),
    ("float infinity", evaluation_setting(1e999), "しきい値が数ではありません"),
    ("nan", evaluation_setting("NaN"), "しきい値が数ではありません"),
    ("bool", evaluation_setting(True), "しきい値が数ではありません"),
    ("long label", evaluation_setting("100", lowest_label="D" * 100), "8文字まで"),
    ("control label", evaluation_setting("100", lowest_label="\x00"), "U+0000"),
    (
        "many levels",
        json.dumps(
            {**EvaluationSettings().to_dict(), "levels": [{"label": "A", "threshold": "1"}] * 10}
        ),
        "2から6まで",
    ),
    ("not json", "{", "使えないため"),
    ("too long", " " * (limits.MAX_SETTING_CHARS + 1) + "{}", "長すぎます"),
    ("list", "[]", "使えないため"),
]


@pytest.mark.parametrize(
    ("stored", "reason"),
    [case[1:] for case in HOSTILE_SETTINGS],
    ids=[case[0] for case in HOSTILE_SETTINGS],
)
def test_stored_rank_settings_that_are_not_usable_give_the_defaults_and_say_so(
    book: Path, stored: str, reason: str
) -> None:
    tamper(book, "INSERT OR REPLACE INTO meta (key, value) VALUES ('evaluation', ?)", stored)
    with Book.open(book) as store:
        assert store.evaluation_settings() == EvaluationSettings()
        (problem,) = store.settings_problems()
    assert "既定の設定（A・B・C・D）で評価しています" in problem
    assert reason in problem


def test_a_threshold_of_a_billion_digits_does_not_hang_the_commands(
    book: Path, tmp_path: Path
) -> None:
    tamper(
        book,
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('evaluation', ?)",
        evaluation_setting("1e999999999"),
    )
    for command in (
        ["evaluate", "--db", str(book)],
        ["export-summary", "--db", str(book), "-o", str(tmp_path / "summary.xlsx")],
    ):
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from kpidesk import cli; sys.exit(cli.main(sys.argv[1:]))",
                *command,
            ],
            capture_output=True,
            text=True,
            encoding="utf-8",  # what the child writes, whatever the code page
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            timeout=120,
            cwd=REPO,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "注意: ブックに保存された評価の設定が使えないため" in result.stderr
    assert "A: 100%以上" in result.stdout or (tmp_path / "summary.xlsx").exists()


@pytest.mark.parametrize(
    ("stored", "locked", "note"),
    [
        ("[" + "1" * 5000 + "]", set(), "読めません"),
        ("[" + "1" * 4000 + ", 2020]", {2020}, "年度ではない値"),
        ('[true, 2020, 2020.0, "2020"]', {2020}, "年度ではない値"),
        ("5", set(), "形が正しくありません"),
        ('"2020"', set(), "形が正しくありません"),
        ("[" * 100_000, set(), "読めません"),
    ],
    ids=["5000 digits", "4000 digits", "bool and others", "int", "string", "deep"],
)
def test_stored_locked_years_that_are_not_years_are_left_out(
    book: Path, stored: str, locked: set[int], note: str
) -> None:
    tamper(
        book, "INSERT OR REPLACE INTO meta (key, value) VALUES ('locked_years', ?)", stored[:9000]
    )
    with Book.open(book) as store:
        assert store.locked_years() == locked
        assert any(note in problem for problem in store.settings_problems())
    code, _, err = run("unlock-year", "--db", book, "--year", "2020")
    assert code == 0, err


def test_a_stored_chart_setting_that_is_not_0_or_1_is_off_and_noted(book: Path) -> None:
    tamper(book, "INSERT OR REPLACE INTO meta (key, value) VALUES ('print_chart', 'yes')")
    with Book.open(book) as store:
        assert store.print_chart() is False
        assert store.settings_problems() == [
            "ブックに保存された推移グラフの設定が読めないため、グラフを入れずに印刷します"
        ]


# --- characters an Excel workbook cannot carry ----------------------------------------

UNSAFE = "\ufffe\uffff\x01\x0b\ufdd0\U0001fffe"


def test_unsafe_characters_are_replaced_on_import_and_the_workbook_reads_back(
    tmp_path: Path,
) -> None:
    document = sample_document()
    sheet = document["sheets"][0]
    sheet["title"] = f"刑法犯{UNSAFE}認知件数"
    sheet["efforts"] = ["取組" + "\uffff"]
    sheet["rows"][0]["actuals"][-1] = "5,0\x0b81"
    source = write_json(tmp_path / "hostile.json", document)
    db = tmp_path / "book.kpidb"
    assert run("import-json", source, "--db", db)[0] == 0
    code, _, err = run("export-xlsx", "--db", db, "-o", tmp_path / "out.xlsx")
    assert code == 0, err
    (back, _) = excel_reader.read_workbook(tmp_path / "out.xlsx")
    assert back.title == "刑法犯" + "\ufffd" * len(UNSAFE) + "認知件数"
    assert back.efforts == ["取組\ufffd"]
    assert back.rows[0].actuals[-1] == Cell("5,0\ufffd81")  # never read as 5,081
    code, _, err = run("import-xlsx", tmp_path / "out.xlsx", "--db", tmp_path / "again.kpidb")
    assert code == 0, err


def test_a_stored_unsafe_character_is_exported_as_u_fffd_and_reads_back(
    book: Path, tmp_path: Path
) -> None:
    # Read from the book as U+FFFD, as every way in replaces it.
    tamper_sheet(book, "10", lambda sheet: sheet.__setitem__("title", "市町村\ufffe数"))
    output = tmp_path / "out.xlsx"
    code, _, err = run("export-xlsx", "--db", book, "-o", output)
    assert code == 0, err
    titles = [sheet.title for sheet in excel_reader.read_workbook(output)]
    assert "市町村\ufffd数" in titles


def test_the_workbook_writer_never_writes_what_it_cannot_read(tmp_path: Path) -> None:
    stream = io.BytesIO()
    excel_writer.export_workbook(
        list(samples.sample_sheets()[:1]), stream, settings=EvaluationSettings()
    )
    workbook = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    cell = workbook.worksheets[0]["A1"]
    excel_writer.set_text(cell, "一覧\ufffe\uffff\ud800")
    out = io.BytesIO()
    workbook.save(out)
    assert openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]["A1"].value == (
        "一覧\ufffd\ufffd\ufffd"
    )


def test_characters_a_workbook_cannot_carry_stored_by_another_program_are_read_as_u_fffd(
    tmp_path: Path,
) -> None:
    import sqlite3

    from kpidesk import samples
    from kpidesk.book.store import Book

    path = tmp_path / "他の課.kpidb"
    samples.create_sample_book(path).close()
    connection = sqlite3.connect(path)
    connection.execute(
        "UPDATE sheets SET title = ?, data = json_set(data, '$.title', ?) WHERE no = '9'",
        ["\ufffe刑法犯\x07認知件数", "\ufffe刑法犯\x07認知件数"],
    )
    connection.commit()
    connection.close()

    with Book.open(path, read_only=True) as book:
        [entry] = [entry for entry in book.list_entries() if entry.no == "9"]
        assert entry.title == "\ufffd刑法犯\ufffd認知件数"
        assert book.find_sheet(2020, "9").title == "\ufffd刑法犯\ufffd認知件数"
