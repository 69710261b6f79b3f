"""The command-line hand out (配布), collect (回収), status (提出状況), 差戻し and 確定 commands.

Registered by ``kpidesk.cli``; they call the same operations the window
will (``kpidesk.handout``, ``kpidesk.collect``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from kpidesk.book import cyclestore
from kpidesk.book.errors import BookError, StaleRevisionError
from kpidesk.cli import (
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    _holding,
    _open_existing,
)
from kpidesk.collect import Decision, apply_collect, plan_collect
from kpidesk.cycle import Outcome, read_log, status_rows
from kpidesk.handout import (
    AlreadyHandedOut,
    HandoutError,
    distribute,
    left_out_text,
    without_department,
)
from kpidesk.limits import printable, short_no
from kpidesk.sendback import confirm, send_back

#: The subcommands this module adds.
COMMANDS = ("distribute", "collect", "status", "send-back", "confirm")


def add_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    db_argument: Callable[[argparse.ArgumentParser, str], None],
    year: Callable[[str], int],
) -> None:
    """Add the commands of :data:`COMMANDS` to the parser's subcommands."""
    hand_out = commands.add_parser(
        "distribute", help="配布: 担当課ごとに、その課のシートだけのブックを書き出す"
    )
    db_argument(hand_out, "配布する元のブック")
    hand_out.add_argument("--out", required=True, type=Path, metavar="DIR", help="保存先のフォルダ")
    hand_out.add_argument("--year", type=year, help="報告年度（既定: ブックの最新の年度）")
    hand_out.add_argument(
        "--department", action="append", default=[], metavar="NAME", help="担当課（複数指定可）"
    )
    hand_out.add_argument(
        "--excel",
        action="store_true",
        help="各課のブックのほかに Excel のブック（.xlsx）も書き出す"
        "（Excel だけで作業する課のため）",
    )
    hand_out.add_argument(
        "--again",
        action="store_true",
        help="すでに配布した担当課にもう一度配布する（前に配布したファイルは回収できなくなる）",
    )
    hand_out.set_defaults(run=_distribute)

    collect = commands.add_parser("collect", help="回収: 担当課から戻ったブックを取り込む")
    db_argument(collect, "取り込む先の元のブック")
    collect.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="戻ったブック（.kpidb）または配布した Excel のブック（.xlsx）",
    )
    choice = collect.add_mutually_exclusive_group()
    choice.add_argument(
        "--take-theirs", action="store_true", help="競合したシートはすべて課の版を取り込む"
    )
    choice.add_argument(
        "--keep-ours", action="store_true", help="競合したシートはすべて元のブックの版を残す"
    )
    collect.set_defaults(run=_collect)

    status = commands.add_parser("status", help="提出状況: 担当課ごとの配布・回収の状況を表示する")
    db_argument(status, "元のブック")
    status.set_defaults(run=_status)

    send = commands.add_parser(
        "send-back", help="差戻し: 企画課コメントを付けて、担当課に新しいファイルを書き出す"
    )
    db_argument(send, "元のブック")
    send.add_argument("--department", required=True, metavar="NAME", help="担当課")
    send.add_argument("--year", type=year, help="報告年度（既定: ブックの最新の年度）")
    send.add_argument("--out", required=True, type=Path, metavar="DIR", help="保存先のフォルダ")
    send.add_argument(
        "--comment",
        action="append",
        default=[],
        metavar="NO=TEXT",
        help="シートの No と企画課コメント（複数指定可）",
    )
    send.set_defaults(run=_send_back)

    done = commands.add_parser("confirm", help="確定: 担当課の提出を確定する（以後の回収は断る）")
    db_argument(done, "元のブック")
    done.add_argument("--department", required=True, metavar="NAME", help="担当課")
    done.add_argument("--year", type=year, help="報告年度（既定: ブックの最新の年度）")
    done.set_defaults(run=_confirm)


def _distribute(args: argparse.Namespace, out: TextIO) -> int:
    with _holding(args.db), _open_existing(args.db) as book:
        try:
            paths = distribute(
                book,
                args.out,
                args.year,
                args.department or None,
                excel=args.excel,
                again=args.again,
            )
        except AlreadyHandedOut as error:
            raise CommandError(
                f"{error}。もう一度配布するときは --again を付けてください"
            ) from None
        except (HandoutError, BookError) as error:
            raise CommandError(printable(str(error))) from None
        left_out = left_out_text(without_department(book, args.year or max(book.report_years())))
    for path in paths:
        print(f"配布しました: {path}", file=out)
    print(f"{len(paths)}件のファイルを書き出しました: {args.out}", file=out)
    if left_out:
        print(f"注意: {printable(left_out)}", file=args.err)
    return EXIT_OK


def _collect(args: argparse.Namespace, out: TextIO) -> int:
    decision = (
        Decision.THEIRS if args.take_theirs else Decision.OURS if args.keep_ours else Decision.OPEN
    )
    open_conflicts: list[str] = []
    refused = 0
    with _holding(args.db), _open_existing(args.db) as book:
        for path in args.files:
            try:
                plan = plan_collect(book, path)
            except BookError as error:
                raise CommandError(f"{error}: {args.db}") from None
            if plan.refusal:
                refused += 1
                print(f"取り込みません: {path}: {printable(plan.refusal)}", file=args.err)
                continue
            if plan.already:
                print(
                    f"回収済みで、その後変更されていません: {path}（何も取り込んでいません）",
                    file=out,
                )
                continue
            try:
                result = apply_collect(book, plan, decision)
            except StaleRevisionError as error:
                refused += 1
                print(f"取り込みません: {path}: {error}。もう一度回収してください", file=args.err)
                continue
            except BookError as error:  # this file only: the others are still collected
                refused += 1
                print(f"取り込みません: {path}: {printable(str(error))}", file=args.err)
                continue
            department = printable(plan.department)
            kept = len(plan.of(Outcome.KEPT))
            print(
                f"回収しました: {path}（{department}、取り込み{len(result.written)}件、"
                f"元のブックの変更を維持{kept}件、競合{len(result.conflicts)}件）",
                file=out,
            )
            for reported in plan.of(Outcome.DELETED_THERE, Outcome.OLDER):
                print(f"  No {short_no(reported.no)}: {reported.outcome.value}", file=out)
            both = "元のブックと課の両方で変更されています"
            open_conflicts += [
                f"  No {short_no(c.no)}（{department}、{path.name}）: {both}"
                for c in result.conflicts
            ]
    if open_conflicts:
        print(
            f"競合が{len(open_conflicts)}件あります（元のブックのシートはそのままです。"
            "--take-theirs か --keep-ours で決められます）:",
            file=args.err,
        )
        for line in open_conflicts:
            print(line, file=args.err)
    return EXIT_FAILED if open_conflicts or refused else EXIT_OK


def _status(args: argparse.Namespace, out: TextIO) -> int:
    with _open_existing(args.db, reading=True) as book:
        try:
            entries, note = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
        except BookError as error:
            raise CommandError(f"{error}: {args.db}") from None
    if note:
        print(f"注意: {note}", file=args.err)
    if not entries:
        print("配布の記録がありません", file=out)
        return EXIT_OK
    print("報告年度\t担当課\t配布\t回収\t提出者\t変更\t競合\t状況", file=out)
    for row in status_rows(entries):
        cells = (
            str(row.report_year), row.department, row.handed_out_at, row.returned_at,
            row.returned_by, row.changed, row.conflicts, row.state,
        )  # fmt: skip
        print("\t".join(printable(cell) for cell in cells), file=out)
    return EXIT_OK


def _send_back(args: argparse.Namespace, out: TextIO) -> int:
    comments: dict[str, str] = {}
    for item in args.comment:
        no, sep, text = item.partition("=")
        if not sep or not no.strip() or not text.strip():
            raise CommandError(f"--comment は「No=コメント」の形で指定してください: {item}")
        comments[no.strip()] = text
    with _holding(args.db), _open_existing(args.db) as book:
        try:
            path = send_back(book, args.department, args.out, args.year, comments)
        except (HandoutError, BookError) as error:
            raise CommandError(printable(str(error))) from None
    department = printable(args.department)
    print(f"差戻しました: {department}（コメント{len(comments)}件）: {path}", file=out)
    return EXIT_OK


def _confirm(args: argparse.Namespace, out: TextIO) -> int:
    with _holding(args.db), _open_existing(args.db) as book:
        try:
            entry = confirm(book, args.department, args.year)
        except (HandoutError, BookError) as error:
            raise CommandError(printable(str(error))) from None
    print(f"確定しました: {entry.report_year}年度 {printable(entry.department)}", file=out)
    return EXIT_OK
