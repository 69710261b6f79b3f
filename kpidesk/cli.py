"""The subcommands of ``main.py`` for batch work (DESIGN.md section 5).

Every subcommand exits 0 on success and non-zero with one Japanese line
(and no traceback) on bad input, leaving the book as it was. Imports are
all or nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from kpidesk import __version__, backups, eras, jsonio, textimport
from kpidesk.fileio import OutputError, atomic_output, write_bytes_atomic
from kpidesk.model import Sheet
from kpidesk.paths import log_file
from kpidesk.store import DuplicateSheetError, Store, StoreError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 3

#: The most unplaced lines listed after the one-line message.
MAX_LISTED_PROBLEMS = 20

log = logging.getLogger(__name__)


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
        "source", type=Path, metavar="SRC", help="テキストファイル（UTF-8 / Shift_JIS）"
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
    return _import(args, result.sheets, out)


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
    from kpidesk import excel  # openpyxl is loaded only for the Excel commands

    def read(path: Path) -> list[Sheet]:
        try:
            return excel.read_workbook(path, report_year=args.year)
        except excel.ExcelError as error:
            raise CommandError(f"{error}: {path}") from None

    sheets = _read_source(args.source, read)
    assert isinstance(sheets, list)
    return _import(args, sheets, out)


def _import(args: argparse.Namespace, sheets: list[Sheet], out: TextIO) -> int:
    db_path: Path = args.db
    created = not db_path.exists()
    try:
        with Store.open(db_path, create=True) as store:
            clashes = any(store.find_sheet(*sheet.key) is not None for sheet in sheets)
            if not created and (args.replace or not clashes):
                backups.take_backup(store, "import")  # an import is undone by restoring this
            store.import_sheets(sheets, replace=args.replace)
    except BaseException as error:
        if created:
            db_path.unlink(missing_ok=True)
        if isinstance(error, DuplicateSheetError):
            raise CommandError(f"{error}（上書きするには --replace を指定してください）") from None
        if isinstance(error, StoreError):
            raise CommandError(f"{error}: {db_path}") from None
        raise
    years = "、".join(f"{year}年度" for year in sorted({sheet.report_year for sheet in sheets}))
    print(f"{len(sheets)}件のシートを取り込みました（{years}）: {db_path}", file=out)
    return EXIT_OK


def _open_existing(db_path: Path) -> Store:
    try:
        return Store.open(db_path, create=False)
    except StoreError as error:
        raise CommandError(f"{error}: {db_path}") from None


def select_sheets(
    store: Store, *, numbers: Sequence[str], department: str | None, year: int | None
) -> list[Sheet]:
    """The sheets a subcommand's --no/--department/--year options pick.

    Raises:
        CommandError: a given No is not in the book, or nothing matches.
    """
    sheets = store.list_sheets(report_year=year, department=department)
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
    with _open_existing(args.db) as store:
        sheets = select_sheets(store, numbers=args.no, department=args.department, year=args.year)
    data = jsonio.dumps(sheets).encode("utf-8")
    try:
        write_bytes_atomic(args.output, data)
    except OutputError as error:
        raise CommandError(str(error)) from None
    print(f"{len(sheets)}件のシートを書き出しました: {args.output}", file=out)
    return EXIT_OK


def _export_pdf(args: argparse.Namespace, out: TextIO) -> int:
    from kpidesk import render  # Qt is loaded only for the commands that draw

    with _open_existing(args.db) as store:
        sheets = select_sheets(store, numbers=args.no, department=args.department, year=args.year)
    try:
        with atomic_output(args.output) as stream:
            pages = render.write_pdf(sheets, stream, args.db.name)
    except OutputError as error:
        raise CommandError(str(error)) from None
    print(f"{len(sheets)}件のシートをPDF（{pages}ページ）に書き出しました: {args.output}", file=out)
    return EXIT_OK


def _export_xlsx(args: argparse.Namespace, out: TextIO) -> int:
    from kpidesk import excel  # openpyxl is loaded only for the Excel commands

    if args.template is not None:
        try:
            excel.check_template(args.template)
        except excel.ExcelError as error:
            raise CommandError(str(error)) from None
    with _open_existing(args.db) as store:
        sheets = select_sheets(store, numbers=args.no, department=args.department, year=args.year)
    try:
        if args.per_department:
            only = None if args.department is None else {args.department}
            paths = excel.export_by_department(
                sheets, args.output, template=args.template, departments=only
            )
            print(
                f"{len(sheets)}件のシートを担当課ごとに{len(paths)}個のExcelファイルに"
                f"書き出しました: {args.output}",
                file=out,
            )
        else:
            with atomic_output(args.output) as stream:
                count = excel.export_workbook(sheets, stream, template=args.template)
            print(f"{count}件のシートをExcelに書き出しました: {args.output}", file=out)
    except (excel.ExcelError, OutputError) as error:
        raise CommandError(str(error)) from None
    return EXIT_OK


SUBCOMMANDS = (
    "import-text",
    "import-json",
    "import-xlsx",
    "export-json",
    "export-pdf",
    "export-xlsx",
)


def main(argv: Sequence[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one subcommand and return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(list(argv))
        return int(args.run(args, out))
    except _UsageError as error:
        print(f"エラー: {error}", file=err)
        return EXIT_USAGE
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
