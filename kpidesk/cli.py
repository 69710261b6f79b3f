"""The subcommands of ``main.py`` for batch work: import, export, evaluate.

Every subcommand exits 0 on success and non-zero with one Japanese line
(and no traceback) on bad input, leaving the book as it was. Imports are
all or nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from kpidesk import SUBCOMMANDS as SUBCOMMANDS  # kept here for its callers
from kpidesk import __version__, eras, evaluation, evaluation_summary, evaluation_table, operations
from kpidesk.book import lock
from kpidesk.book.errors import (
    BookError,
    DuplicateSheetError,
    PathTooLongError,
    ReadOnlyFileError,
)
from kpidesk.book.store import Book
from kpidesk.exchange import jsonio, textimport
from kpidesk.fileio import OutputError, atomic_output, unlink_with_retry, write_bytes_atomic
from kpidesk.model import Sheet
from kpidesk.paths import log_file

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: A command that writes, refused because someone else has the book open.
EXIT_HELD = 2
EXIT_UNEXPECTED = 3

#: The most unplaced lines listed after the one-line message.
MAX_LISTED_PROBLEMS = 20

log = logging.getLogger(__name__)


class BookHeldError(Exception):
    """Someone else has the book open; the message says who."""


class CommandError(Exception):
    """Bad input or a refused operation; the message is shown as it is."""


class _UsageError(Exception):
    pass


_ARGPARSE_MESSAGES = (
    ("the following arguments are required: ", "必須の指定がありません: "),
    ("unrecognized arguments: ", "知らない指定です: "),
    ("invalid choice: ", "知らないコマンドです: "),
    ("expected one argument", "値が必要です"),
    ("argument ", "指定 "),
)


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout with a Japanese usage line."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "使い方: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """An argument parser with Japanese help that reports mistakes in one Japanese line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "引数"
        self._optionals.title = "オプション"
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS, help="この使い方を表示する"
        )

    def error(self, message: str) -> NoReturn:
        for english, japanese in _ARGPARSE_MESSAGES:
            message = message.replace(english, japanese)
        raise _UsageError(
            f"コマンドの指定が正しくありません: {message}（--help で使い方を表示します）"
        )


def _year(text: str) -> int:
    try:
        return eras.parse_year(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    """The parser of all subcommands."""
    parser = _Parser(
        prog="kpidesk",
        description="KPI Desk: KPI分析シート（別記様式2）の取り込みと書き出し",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"KPI Desk {__version__}",
        help="バージョンを表示する",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, help="コマンド"
    )
    commands.required = True

    def db_argument(command: argparse.ArgumentParser, help_text: str) -> None:
        command.add_argument("--db", required=True, type=Path, metavar="FILE", help=help_text)

    text = commands.add_parser("import-text", help="公表されたシートのテキストを取り込む")
    text.add_argument(
        "source", type=Path, metavar="SRC", help="テキストファイル（UTF-8 / Shift_JIS / UTF-16）"
    )
    db_argument(text, "取り込み先のブック（なければ作ります）")
    text.add_argument(
        "--year", type=_year, help="報告年度（2020、R2 など）。既定: 最新の実績値の年度"
    )
    text.add_argument("--replace", action="store_true", help="同じ年度・No のシートを上書きする")
    text.set_defaults(run=_import_text)

    json_import = commands.add_parser("import-json", help="KPI Desk のJSONを取り込む")
    json_import.add_argument("source", type=Path, metavar="SRC", help="JSONファイル")
    db_argument(json_import, "取り込み先のブック（なければ作ります）")
    json_import.add_argument(
        "--replace", action="store_true", help="同じ年度・No のシートを上書きする"
    )
    json_import.set_defaults(run=_import_json)

    xlsx_import = commands.add_parser(
        "import-xlsx", help="テンプレートの形のExcelブック（.xlsx）を取り込む"
    )
    xlsx_import.add_argument("source", type=Path, metavar="SRC", help="Excelブック（.xlsx）")
    db_argument(xlsx_import, "取り込み先のブック（なければ作ります）")
    xlsx_import.add_argument(
        "--year",
        type=_year,
        help="報告年度（2020、R2 など）。ワークシートに報告年度がないときに使います。"
        "既定: 最新の実績値の年度",
    )
    xlsx_import.add_argument(
        "--replace", action="store_true", help="同じ年度・No のシートを上書きする"
    )
    xlsx_import.set_defaults(run=_import_xlsx)

    json_export = commands.add_parser("export-json", help="シートをJSONに書き出す")
    db_argument(json_export, "書き出すブック")
    json_export.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.json")
    _selection_arguments(json_export)
    json_export.set_defaults(run=_export_json)

    pdf_export = commands.add_parser("export-pdf", help="シートをPDF（別記様式2）に書き出す")
    db_argument(pdf_export, "書き出すブック")
    pdf_export.add_argument("-o", "--output", required=True, type=Path, metavar="OUT.pdf")
    _selection_arguments(pdf_export)
    pdf_export.set_defaults(run=_export_pdf)

    xlsx_export = commands.add_parser(
        "export-xlsx", help="シートをExcel（別記様式2のテンプレート）に書き出す"
    )
    db_argument(xlsx_export, "書き出すブック")
    xlsx_export.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUT.xlsx",
        help="書き出すファイル（--per-department のときはフォルダ。なければ作ります）",
    )
    _selection_arguments(xlsx_export)
    xlsx_export.add_argument(
        "--template", type=Path, metavar="T", help="テンプレート（.xlsx）。既定: 同梱の別記様式2"
    )
    xlsx_export.add_argument(
        "--per-department", action="store_true", help="担当課ごとに1つずつファイルを書き出す"
    )
    xlsx_export.set_defaults(run=_export_xlsx)

    evaluate = commands.add_parser(
        "evaluate",
        help="各シートの値の行の最新実績・期待値・前年比・達成率・進捗率・評価を表示する",
        description="各シートの値の行ごとに、最新の実績値とその年度、その年度の期待値、前年比、"
        "達成率と進捗率（期待値に対する率か、目標値に対する率）、評価（評価できない行は「—」と"
        "理由）を表で表示します。率の端数処理と評価の基準はブックの評価の設定に従います"
        "（--basis、--rounding、--floor でこの実行だけ変えられます）。",
    )
    db_argument(evaluate, "評価するブック")
    _selection_arguments(evaluate)
    evaluate.add_argument(
        "--json",
        action="store_true",
        help="表ではなくJSONで出力する（率は丸めた文字列と丸める前の数値の両方）",
    )
    evaluate.add_argument(
        "--basis",
        choices=[basis.value for basis in evaluation.Basis],
        help="評価に使う率（この実行だけ）: expected 期待値に対する達成率、expected_progress "
        "期待値に対する進捗率、achievement 目標値に対する達成率、progress 進捗率。"
        "既定: ブックの評価の設定",
    )
    evaluate.add_argument(
        "--rounding",
        choices=[rounding.value for rounding in evaluation.Rounding],
        help="率の0.1%%未満（この実行だけ）: half_up 四捨五入、truncate 切り捨て。"
        "既定: ブックの評価の設定",
    )
    evaluate.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="実績が基準値より悪い行を最も低い評価にする／しない（この実行だけ）。"
        "既定: ブックの評価の設定",
    )
    evaluate.set_defaults(run=_evaluate)

    evaluation_export = commands.add_parser(
        "export-summary",
        help="評価一覧（最新実績・率・評価の一覧表と総括）をExcelに、総括をPDFに書き出す",
    )
    db_argument(evaluation_export, "書き出すブック")
    evaluation_export.add_argument(
        "-o", "--output", type=Path, metavar="OUT.xlsx", help="書き出すExcelファイル"
    )
    evaluation_export.add_argument(
        "--pdf", type=Path, metavar="OUT.pdf", help="総括（評価の集計とグラフ）のPDFファイル"
    )
    _selection_arguments(evaluation_export)
    evaluation_export.set_defaults(run=_export_evaluation_table)

    rollover = commands.add_parser(
        "rollover",
        help="年度更新: 報告年度のシートから次の報告年度のシートを作り、元の年度をロックする",
    )
    db_argument(rollover, "年度更新するブック")
    rollover.add_argument(
        "--from",
        dest="from_year",
        required=True,
        type=_year,
        metavar="Y",
        help="元の報告年度（2020、R2 など）",
    )
    rollover.add_argument(
        "--to",
        dest="to_year",
        type=_year,
        metavar="Y2",
        help="新しい報告年度（2021、R3 など）。既定: 元の年度の次の年度",
    )
    rollover.set_defaults(run=_rollover)

    year_locks = (
        ("lock-year", "報告年度をロックする（シートを変更できなくする）", _lock_year),
        ("unlock-year", "報告年度のロックを解除する", _unlock_year),
    )
    for name, help_text, run in year_locks:
        year_lock = commands.add_parser(name, help=help_text)
        db_argument(year_lock, "ブック")
        year_lock.add_argument(
            "--year", required=True, type=_year, help="報告年度（2020、R2 など）"
        )
        year_lock.set_defaults(run=run)
    from kpidesk import cli_cycle  # imported here: it builds on this module

    cli_cycle.add_commands(commands, db_argument, _year)
    return parser


def _selection_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--no", action="append", default=[], metavar="N", help="No（複数指定可）")
    command.add_argument("--department", metavar="NAME", help="担当課")
    command.add_argument("--year", type=_year, help="報告年度（2020、R2 など）")


def _problem_lines(problems: list[textimport.Problem]) -> list[str]:
    lines = [f"  {problem}" for problem in problems[:MAX_LISTED_PROBLEMS]]
    if len(problems) > MAX_LISTED_PROBLEMS:
        lines.append(f"  ほか{len(problems) - MAX_LISTED_PROBLEMS}行")
    return lines


def _read_source(path: Path, reader: Callable[[Path], object]) -> object:
    if not path.exists():
        raise CommandError(f"ファイルが見つかりません: {path}")
    if path.is_dir():
        raise CommandError(f"ファイルではなくフォルダです: {path}")
    try:
        return reader(path)
    except OSError as error:
        raise CommandError(f"ファイルを読めません: {path}（{error.strerror or error}）") from None


def _import_text(args: argparse.Namespace, out: TextIO) -> int:
    def read(path: Path) -> textimport.TextImportResult:
        try:
            return textimport.read_file(path, report_year=args.year)
        except textimport.TextImportError as error:
            raise CommandError(f"{error}: {path}") from None

    result = _read_source(args.source, read)
    assert isinstance(result, textimport.TextImportResult)
    if result.problems:
        raise CommandError(
            f"取り込めない行が{len(result.problems)}行あるため、"
            f"何も取り込みませんでした: {args.source}",
            _problem_lines(result.problems),
        )
    return _import(args, result.sheets, out, keep_row_settings=True)


def _import_json(args: argparse.Namespace, out: TextIO) -> int:
    def read(path: Path) -> list[Sheet]:
        try:
            return jsonio.read_file(path)
        except jsonio.JsonFormatError as error:
            raise CommandError(f"{error}: {path}") from None

    sheets = _read_source(args.source, read)
    assert isinstance(sheets, list)
    if not sheets:
        raise CommandError(f"JSONにシートがありません: {args.source}")
    return _import(args, sheets, out)


def _import_xlsx(args: argparse.Namespace, out: TextIO) -> int:
    from kpidesk.collect_excel import import_note
    from kpidesk.exchange import handout_workbook, xlsx_safety  # openpyxl only for Excel

    def read(path: Path) -> list[Sheet]:
        try:
            mark, sheets = handout_workbook.read_handout_workbook(path, report_year=args.year)
        except xlsx_safety.ExcelError as error:
            raise CommandError(f"{error}: {path}") from None
        if note := import_note(mark, args.db):
            print(f"注意: {note}", file=args.err)
        return sheets

    sheets = _read_source(args.source, read)
    assert isinstance(sheets, list)
    return _import(args, sheets, out, keep_row_settings=True)


def _import(
    args: argparse.Namespace,
    sheets: list[Sheet],
    out: TextIO,
    *,
    keep_row_settings: bool = False,
) -> int:
    """Import all sheets or none; ``keep_row_settings`` for text and Excel, which
    cannot carry a row's hand-set direction and kind (the book's are kept)."""
    db_path: Path = args.db
    created = not db_path.exists()
    notes: list[str] = []
    try:
        with _holding(db_path), Book.open(db_path, create=True) as book:
            plans = operations.plan_import(book, sheets, keep_row_settings=keep_row_settings)
            operations.import_sheets(
                book, plans, only_changed=False, replace=args.replace, notes=notes
            )
    except BaseException as error:
        if created:
            with contextlib.suppress(OSError):  # the error that stopped it is the one to say
                unlink_with_retry(db_path)
        if isinstance(error, DuplicateSheetError):
            hint = "" if error.within_import else "（上書きするには --replace を指定してください）"
            raise CommandError(f"{error}{hint}") from None
        if isinstance(error, ReadOnlyFileError):
            raise CommandError(f"{_without_question(error)}。取り込めません: {db_path}") from None
        if isinstance(error, BookError):
            raise CommandError(f"{error}: {db_path}") from None
        raise
    years = "、".join(f"{year}年度" for year in sorted({sheet.report_year for sheet in sheets}))
    print(f"{len(sheets)}件のシートを取り込みました（{years}）: {db_path}", file=out)
    for note in notes:
        print(f"注意: {note}", file=args.err)
    return EXIT_OK


@contextlib.contextmanager
def _holding(db_path: Path) -> Iterator[None]:
    """Hold the book's lock while a command writes to it, as the window does.

    A book someone else has open (in KPI Desk, on this or another PC) is
    not written: the command stops with who has it. A lock left by a
    program that is gone is taken over, as the window does.

    Raises:
        BookHeldError: someone else has the book open.
        CommandError: the lock file cannot be made.
    """
    try:
        held = lock.BookLock.acquire(db_path)
    except lock.LockedError as error:
        raise BookHeldError(
            f"このブックは{error.info.describe()}。書き込むコマンドは、その人が閉じてから"
            f"もう一度実行してください（ブックは変更していません）: {db_path}"
        ) from None
    except lock.LockError as error:
        raise CommandError(f"{error}: {db_path}") from None
    with held:  # released however the command ends
        yield


def _without_question(error: ReadOnlyFileError) -> str:
    """The window's message without its question (「読み取り専用で開きますか」)."""
    return str(error).removesuffix("。読み取り専用で開きますか")


def _open_existing(db_path: Path, *, reading: bool = False) -> Book:
    """Open an existing book; a command that only ``reading`` also works on a
    book that cannot be written (opened read-only then)."""
    try:
        try:
            return Book.open(db_path, create=False)
        except (ReadOnlyFileError, PathTooLongError) as error:
            if reading:  # nothing is written: the book can be read as it is
                return Book.open(db_path, read_only=True)
            if isinstance(error, PathTooLongError):
                raise
            # The window's question has no place here: say what cannot be done.
            raise CommandError(
                f"{_without_question(error)}。変更するコマンドは使えません: {db_path}"
            ) from None
    except BookError as error:
        raise CommandError(f"{error}: {db_path}") from None


def select_sheets(
    store: Book, *, numbers: Sequence[str], department: str | None, year: int | None
) -> list[Sheet]:
    """The sheets a subcommand's --no/--department/--year options pick.

    Raises:
        CommandError: a given No is not in the book, nothing matches, or a
            sheet the book holds cannot be read.
    """
    try:
        sheets = store.list_sheets(report_year=year, department=department)
    except BookError as error:
        raise CommandError(
            f"{error}。画面でそのシートを開いて直すか、シートを削除してからやり直してください"
        ) from None
    if numbers:
        wanted = set(numbers)
        missing = sorted(wanted - {sheet.no for sheet in sheets})
        if missing:
            raise CommandError(f"ブックにない No です: {'、'.join(missing)}")
        sheets = [sheet for sheet in sheets if sheet.no in wanted]
    if not sheets:
        raise CommandError("条件に合うシートがありません")
    return sheets


def _export_json(args: argparse.Namespace, out: TextIO) -> int:
    with _open_existing(args.db, reading=True) as store:
        sheets = select_sheets(store, numbers=args.no, department=args.department, year=args.year)
    data = jsonio.dumps(sheets).encode("utf-8")
    try:
        write_bytes_atomic(args.output, data)
    except OutputError as error:
        raise CommandError(str(error)) from None
    print(f"{len(sheets)}件のシートを書き出しました: {args.output}", file=out)
    return EXIT_OK


def _export_pdf(args: argparse.Namespace, out: TextIO) -> int:
    from kpidesk.printing import paint  # Qt is loaded only for the commands that draw

    with _open_existing(args.db, reading=True) as store:
        sheets = select_sheets(store, numbers=args.no, department=args.department, year=args.year)
        chart = store.print_chart()
    try:
        with atomic_output(args.output) as stream:
            pages = paint.write_pdf(sheets, stream, args.db.name, chart=chart)
    except OutputError as error:
        raise CommandError(str(error)) from None
    print(f"{len(sheets)}件のシートをPDF（{pages}ページ）に書き出しました: {args.output}", file=out)
    return EXIT_OK


def _export_xlsx(args: argparse.Namespace, out: TextIO) -> int:
    from kpidesk import file_names
    from kpidesk.exchange import (  # openpyxl is loaded only for the Excel commands
        excel_fit,
        excel_template,
        excel_writer,
        xlsx_safety,
    )

    if args.template is not None:
        try:
            excel_template.check_template(args.template)
        except xlsx_safety.ExcelError as error:
            raise CommandError(str(error)) from None
    with _open_existing(args.db, reading=True) as store:
        sheets = select_sheets(store, numbers=args.no, department=args.department, year=args.year)
        settings = _settings_with_notes(store, args.err)
    try:
        for cut in excel_fit.cut_texts(sheets, args.template):
            print(f"警告: Excelのセルに入りきらず切れます: {cut}", file=args.err)
        if args.per_department:
            only = None if args.department is None else {args.department}
            paths = excel_writer.export_by_department(
                sheets, args.output, template=args.template, departments=only, settings=settings
            )
            print(
                f"{len(sheets)}件のシートを担当課ごとに{len(paths)}個のExcelファイルに"
                f"書き出しました: {args.output}",
                file=out,
            )
            names = excel_writer.department_files(sheets, args.output, departments=only)
            for line in file_names.renamed_departments(names):
                print(f"ファイル名を変えて書き出しました: {line}", file=out)
        else:
            with atomic_output(args.output) as stream:
                count = excel_writer.export_workbook(
                    sheets, stream, template=args.template, settings=settings
                )
            print(f"{count}件のシートをExcelに書き出しました: {args.output}", file=out)
    except (xlsx_safety.ExcelError, OutputError) as error:
        raise CommandError(str(error)) from None
    return EXIT_OK


def _display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters take 2.

    Ambiguous characters (``—``, ``○``) count 1, as most terminals show them.
    """
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - _display_width(text))
    return gap + text if right else text + gap


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """An aligned text table; columns in ``right`` are right-aligned.

    Widths count East Asian wide characters as 2 columns; the last column
    is not padded. Lines end without trailing spaces.
    """
    widths = [
        max(_display_width(line[column]) for line in (headers, *rows))
        for column in range(len(headers))
    ]
    rule = ["-" * width for width in widths]
    out: list[str] = []
    for line in (headers, rule, *rows):
        cells = [
            _pad(text, width, right=column in right and line is not headers)
            for column, (text, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def _write(out: TextIO, text: str, *, fallback: str | None = None) -> None:
    """Print ``text``, even to a stream whose encoding lacks ``—`` (cp932 when redirected).

    On such a stream ``fallback`` is printed instead when given, else the
    text with ``—`` as the ``―`` Shift_JIS has and anything else escaped.
    """
    encoding = getattr(out, "encoding", None)
    if encoding:
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            if fallback is None:
                fallback = text.replace("\u2014", "\u2015")
                fallback = fallback.encode(encoding, "backslashreplace").decode(encoding)
            text = fallback
        except LookupError:  # an encoding Python does not know: print as it is
            pass
    try:
        print(text, file=out)
    except OSError as error:
        # On Windows a pipe whose reader has gone fails with EINVAL, not EPIPE.
        if sys.platform == "win32" and error.errno == errno.EINVAL:
            raise BrokenPipeError(errno.EPIPE, "出力先が閉じられました") from error
        raise


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    with _open_existing(args.db, reading=True) as store:
        sheets = select_sheets(store, numbers=args.no, department=args.department, year=args.year)
        settings = _overridden(_settings_with_notes(store, args.err), args)
    lines = evaluation_table.evaluation_lines(sheets, settings)
    if args.json:
        data = {
            "book": args.db.name,
            "report_years": sorted({sheet.report_year for sheet in sheets}),
            "settings": settings.to_dict(),
            "legend": evaluation_table.legend(settings),
            "rows": [line.to_dict() for line in lines],
        }
        _write(
            out,
            json.dumps(data, ensure_ascii=False, indent=2),
            fallback=json.dumps(data, ensure_ascii=True, indent=2),  # still the same JSON
        )
        return EXIT_OK
    with_year = len({sheet.report_year for sheet in sheets}) > 1
    against_expected = settings.basis.against_expected
    rate_headers = ["期待値", "前年比", "期待値比", "期待進捗率"]
    if not against_expected:
        rate_headers = ["前年比", "達成率", "進捗率"]
    headers = [
        *(["年度"] if with_year else []),
        "No",
        "区分",
        "最新実績",
        *rate_headers,
        "評価",
        "備考",
    ]

    def figures(line: evaluation_table.EvaluationLine) -> list[str]:
        if against_expected:
            return [line.expected, line.change, line.expected_rate, line.expected_progress]
        return [line.change, line.achievement, line.progress_words]

    rows = [
        [
            *([eras.short_label(line.sheet.report_year)] if with_year else []),
            line.sheet.no,
            line.evaluation.label.strip(),
            line.latest,
            *figures(line),
            line.rank_text,
            line.remarks,
        ]
        for line in lines
    ]
    first = headers.index("最新実績")
    right = set(range(first, first + 1 + len(rate_headers)))  # 最新実績 and the figures
    _write(out, f"評価一覧（{evaluation_table.report_years_label(sheets)}）: {args.db.name}")
    _write(out, "")
    _write(out, format_table(headers, rows, right))
    _write(out, "")
    _write(out, evaluation_table.legend(settings))
    return EXIT_OK


def _overridden(
    settings: evaluation.EvaluationSettings, args: argparse.Namespace
) -> evaluation.EvaluationSettings:
    """The book's settings with what the command line says for this run instead."""
    changes: dict[str, Any] = {}
    if args.basis is not None:
        changes["basis"] = evaluation.Basis(args.basis)
    if args.rounding is not None:
        changes["rounding"] = evaluation.Rounding(args.rounding)
    if args.floor is not None:
        changes["floor"] = args.floor
    return dataclasses.replace(settings, **changes)


def _settings_with_notes(store: Book, err: TextIO) -> evaluation.EvaluationSettings:
    """The book's rank scheme; a setting the book holds that is not used is noted on ``err``."""
    for problem in store.settings_problems():
        print(f"注意: {problem}", file=err)
    return store.evaluation_settings()


def _export_evaluation_table(args: argparse.Namespace, out: TextIO) -> int:
    from kpidesk.exchange import (  # openpyxl is loaded only for the Excel commands
        evaluation_workbook,
        xlsx_safety,
    )

    if args.output is None and args.pdf is None:
        raise _UsageError(
            "コマンドの指定が正しくありません: -o（Excel）か --pdf（総括のPDF）を指定してください"
            "（--help で使い方を表示します）"
        )
    with _open_existing(args.db, reading=True) as store:
        sheets = select_sheets(store, numbers=args.no, department=args.department, year=args.year)
        settings = _settings_with_notes(store, args.err)
    try:
        if args.output is not None:
            with atomic_output(args.output) as stream:
                count = evaluation_workbook.export_evaluation_table(
                    sheets, stream, settings=settings, book_name=args.db.name
                )
            print(f"{len(sheets)}件のシート（{count}行）の評価一覧をExcelに書き出しました: "
                  f"{args.output}", file=out)  # fmt: skip
        if args.pdf is not None:
            from kpidesk.printing import paint  # Qt is loaded only for the commands that draw

            with atomic_output(args.pdf) as stream:
                summaries = evaluation_summary.summaries(sheets, settings)
                pages = paint.write_summary_pdf(summaries, stream, args.db.name)
            print(f"総括をPDF（{pages}ページ）に書き出しました: {args.pdf}", file=out)
    except (xlsx_safety.ExcelError, OSError) as error:
        raise CommandError(str(error)) from None
    return EXIT_OK


def _rollover(args: argparse.Namespace, out: TextIO) -> int:
    from_year: int = args.from_year
    to_year: int = from_year + 1 if args.to_year is None else args.to_year
    notes: list[str] = []
    with _holding(args.db), _open_existing(args.db) as book:
        try:
            made = operations.roll_over(book, from_year, to_year, notes=notes)
            warnings = _rollover_warnings(made, from_year, to_year)
        except DuplicateSheetError as error:
            raise CommandError(f"{error}。年度更新できません: {args.db}") from None
        except BookError as error:
            raise CommandError(f"{error}: {args.db}") from None
    print(
        f"{from_year}年度の{len(made)}シートから{to_year}年度のシートを作り、"
        f"{from_year}年度をロックしました: {args.db}",
        file=out,
    )
    for warning in warnings:
        print(f"注意: {warning}", file=out)
    for note in notes:
        print(f"注意: {note}", file=args.err)
    return EXIT_OK


def _rollover_warnings(made: Sequence[Sheet], from_year: int, to_year: int) -> list[str]:
    from kpidesk.exchange import (  # openpyxl is loaded only for the Excel commands
        excel_template,
    )
    from kpidesk.rollover import rollover_warnings

    # The made sheets already have their columns; warn from the sheets they came from.
    sources = [dataclasses.replace(sheet, report_year=from_year) for sheet in made]
    return rollover_warnings(sources, to_year, excel_years=excel_template.MAX_ACTUAL_YEARS)


def _lock_year(args: argparse.Namespace, out: TextIO) -> int:
    return _set_year_lock(args, out, locked=True)


def _unlock_year(args: argparse.Namespace, out: TextIO) -> int:
    return _set_year_lock(args, out, locked=False)


def _set_year_lock(args: argparse.Namespace, out: TextIO, *, locked: bool) -> int:
    year: int = args.year
    with _holding(args.db), _open_existing(args.db) as store:
        if locked and year not in store.report_years():
            raise CommandError(f"{year}年度のシートがブックにありません: {args.db}")
        if (year in store.locked_years()) == locked:
            state = "既にロックされています" if locked else "ロックされていません"
            print(f"{year}年度は{state}（何も変えていません）: {args.db}", file=out)
            return EXIT_OK
        try:
            if locked:
                store.lock_year(year)
            else:
                store.unlock_year(year)
        except BookError as error:
            raise CommandError(f"{error}: {args.db}") from None
    done = "をロックしました" if locked else "のロックを解除しました"
    print(f"{year}年度{done}: {args.db}", file=out)
    return EXIT_OK


def safe_output(stream: TextIO | None) -> TextIO | None:
    """Make a standard stream able to write any text, and return it.

    Redirected to a file or a pipe, Windows gives Python the ANSI code page
    (cp932 on Japanese PCs, cp1252 on many others). The output keeps that
    code page, which the programs reading it there expect (`evaluate`
    already writes only what cp932 has); a character the code page cannot
    show is written as ``\\u…`` instead of failing after the work is done.
    """
    reconfigure = getattr(stream, "reconfigure", None)
    if stream is None or reconfigure is None:
        return stream
    with contextlib.suppress(OSError, ValueError):  # a closed or detached stream: leave it
        reconfigure(errors="backslashreplace")
    return stream


def main(argv: Sequence[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one subcommand and return the exit code.

    Output whose reader has gone (``evaluate … | head``) is a normal end:
    exit 0, nothing on stderr.
    """
    out = out or safe_output(sys.stdout)
    err = err or safe_output(sys.stderr)
    try:
        args = build_parser().parse_args(list(argv))
        args.err = err
        code = int(args.run(args, out))
        out.flush()  # a reader that has gone is found here, not at exit
        return code
    except BrokenPipeError:
        _silence_closed_output(out)
        return EXIT_OK
    except _UsageError as error:
        print(f"エラー: {error}", file=err)
        return EXIT_USAGE
    except BookHeldError as error:
        print(f"エラー: {error}", file=err)
        return EXIT_HELD
    except CommandError as error:
        message, *details = error.args
        print(f"エラー: {message}", file=err)
        for block in details:
            for line in block:
                print(line, file=err)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("中断しました", file=err)
        return EXIT_FAILED
    except Exception as error:
        log_path = _log_unexpected(error)
        print(
            f"エラー: 予期しないエラーが発生しました（{type(error).__name__}: {error}）。"
            f"詳細: {log_path}",
            file=err,
        )
        return EXIT_UNEXPECTED


def _silence_closed_output(out: TextIO) -> None:
    """Point standard output, whose reader has gone, at the null device.

    As Python's documentation of SIGPIPE recommends: Python flushes
    standard output once more at exit, and would report the broken pipe
    then.
    """
    if out is not sys.stdout:
        return
    with contextlib.suppress(OSError, ValueError):  # no file descriptor: nothing is flushed
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _log_unexpected(error: Exception) -> Path | str:
    try:
        path = log_file()
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return "（ログを書けません）"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    try:
        log.error("unexpected error in a subcommand", exc_info=error)
    finally:
        log.removeHandler(handler)
        handler.close()
    return path
