"""What can go wrong with a book, each with a Japanese message for the user.

:class:`BookError` is the base; ``str(error)`` is a sentence meant to be shown
as it is. The module-level messages are those of errors found while opening
or reading a file, shared by the modules that find them.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpidesk import eras
from kpidesk.model import no_sort_key

NOT_SQLITE = (
    "KPI Desk のブックではありません（ブックとは別の種類のファイルです）。"
    "Excel のブックなら「ファイル → Excelから取り込み…」、テキストなら"
    "「ファイル → テキストから取り込み…」で取り込めます"
)
EMPTY_FILE = "KPI Desk のブックではありません（中身のない空のファイルです）"
OTHER_PROGRAM = "KPI Desk のブックではありません（他のプログラムのSQLiteファイルです）"
DAMAGED = (
    "ブックが壊れているため開けません（ファイルが途中で切れているか、中身が壊れています）。"
    "バックアップから戻してください"
)
UNFINISHED_FOREIGN = (
    "KPI Desk のブックか確かめられません（書き込みが途中で終わったままのSQLiteファイルです）"
)
UNFINISHED_READ_ONLY = (
    "このブックは前回の保存が途中で終わったままのため、読み取り専用では開けません。"
    "書き込みできる状態で一度開くと、保存前の状態に戻ります"
)
BUSY_WRITING = (
    "ほかの人（または他のプログラム）が保存中でブックを使っているため、保存できませんでした。"
    "しばらくしてからもう一度保存してください"
)
BUSY_READING = (
    "ブックを他の人（または他のプログラム）が使っているため、読み込めませんでした。"
    "しばらくしてからもう一度行ってください"
)
FULL_WRITING = (
    "ディスクの空きが足りないため保存できません（ブックは保存前のままです）。"
    "保存先のディスクの空きを増やしてから、もう一度保存してください"
)
BOOK_MOVED = (
    "ブックのファイルが、開いた後に削除・移動されたか、別のファイルに置き換えられたため、"
    "書き込みませんでした。ブックの場所を確かめて、開き直してください"
)
WRITE_FAILED = (
    "ブックに書き込めませんでした（ネットワークの切断や、ファイルの移動が考えられます。"
    "ブックは保存前のままです）。つながりを確かめてから、もう一度保存してください"
)
NOT_ROLLED_BACK = (
    "{what}ため保存できず、ブックを保存前の状態に戻せたことも確かめられませんでした。"
    "ブックと同じフォルダにある「{journal}」は、ブックを保存前の状態に戻すために必要なファイルです。"
    "消したり、ブックだけをコピーや移動したりしないでください。"
    "{advice}KPI Desk でブックを開き直すと、保存前の状態に戻ります"
)
WAL_NOTE = (
    "（ブックと同じフォルダにある「{wal}」に書かれた、ほかのプログラムによる変更も含めて"
    "確かめた結果です。ブックも「{wal}」も変更していません）"
)
INCONSISTENT_ROWS = (
    "ブックの中身の一部が食い違っているため、保存できませんでした（KPI Desk 以外のプログラムで"
    "書き換えられた可能性があります）。ブックは保存前のままです。ブックを送った人に確かめるか、"
    "「ファイル → バックアップから復元…」で戻してください"
)
IDS_EXHAUSTED = (
    "ブックの中でシートや履歴に付ける番号が上限に達しているため、保存できませんでした"
    "（KPI Desk 以外のプログラムで書き換えられた可能性があります）。ブックは保存前のままです。"
    "ブックを送った人に確かめるか、「ファイル → バックアップから復元…」で戻してください"
)
INDEX_REBUILT = (
    "検索用の索引が壊れていた（またはほかのプログラムで書き換えられていた）ため、"
    "シートの中身から作り直しました。保存はまだされていません。もう一度保存してください"
)
INDEX_BROKEN_READ_ONLY = (
    "検索用の索引が壊れているため検索できません。読み取り専用で開いているため作り直せません。"
    "書き込みできる状態でブックを開くと、索引を作り直します"
)
JOURNAL_NOTE = (
    "（ブックと同じフォルダにある「{journal}」で、途中で終わった保存を戻した状態を"
    "確かめた結果です。ブックも「{journal}」も変更していません）"
)
WAL_READ_ONLY = (
    "このブックには、ほかのプログラムによるまだ反映されていない変更"
    "（同じフォルダにある「{wal}」）があるため、読み取り専用では開けません。"
    "書き込みできる状態で開くと、その変更を確かめてからブックに反映します"
)
FULL_READING = "ディスクの空きが足りないため、ブックを読み込めませんでした"
ODD_SIDE_FILE = (
    "ブックと同じフォルダにある「{name}」が普通のファイルではない"
    "（名前付きパイプ・フォルダ・リンクなど）ため、ブックを開きません。"
    "ブックも「{name}」も変更していません。このフォルダを管理している人か、"
    "ブックを送ってきた人に確かめてもらってください"
)
UNCHECKED_SIDE_FILE = (
    "ブックと同じフォルダにある「{name}」を確かめられないため、ブックを開きません（{reason}）。"
    "ブックは変更していません。このフォルダを管理している人に確かめてもらってください"
)
NOT_A_PLAIN_FILE = (
    "指定されたものは普通のファイルではない（名前付きパイプや機器など）ため、開きません。"
    "ブックのファイルを指定してください"
)


class BookError(Exception):
    """A book cannot be opened, read or written; ``str(error)`` says why in Japanese."""


class NotABookError(BookError):
    """The file is not a KPI Desk book: not SQLite, another program's, empty or damaged."""


class ForeignSchemaError(NotABookError):
    """The book holds tables, indexes, triggers or views KPI Desk does not make for it.

    Such a book is refused before anything is written to it: a trigger or a
    view in a file from someone else would run its own SQL on the next save.

    Attributes:
        kind: ``extra`` (something KPI Desk does not make), ``changed`` (made
            differently from KPI Desk) or ``missing`` (something KPI Desk makes is not there).
        entries: what is unexpected, as shown (``トリガー "x"``).
    """

    def __init__(self, kind: str, entries: Sequence[str]) -> None:
        self.kind = kind
        self.entries = list(entries)
        what = _first_few(self.entries)
        if kind == "extra":
            detail = f"KPI Desk が作らない仕組み（{what}）があります"
        elif kind == "changed":
            detail = f"仕組み（{what}）が KPI Desk の作るものと違う形です"
        else:
            detail = f"KPI Desk の作る仕組み（{what}）が欠けています"
        # What happened and what to do first, in words anyone knows; the
        # technical detail last, for whoever looks into it.
        super().__init__(
            "このブックは KPI Desk 以外のプログラムで作られたか、手を加えられているため、"
            "安全のため開きません（このブックは変更していません）。"
            "ブックを送った人に元のブックをもう一度送ってもらうか、バックアップから戻してください。"
            f"詳しく: {detail}"
        )


class NewerVersionError(BookError):
    """The book was made by a newer KPI Desk; this program must not change it.

    Attributes:
        version: the book's schema version.
        newest: the newest schema version this program knows.
    """

    def __init__(self, version: int, newest: int) -> None:
        self.version = version
        self.newest = newest
        super().__init__(
            "このブックは新しい版の KPI Desk で作られています"
            f"（ブックの形式 {version}、この KPI Desk が扱えるのは {newest} まで）。"
            "新しい版の KPI Desk で開いてください"
        )


class ReadOnlyError(BookError):
    """A write was asked of a book opened read-only; nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            "読み取り専用で開いているため保存できません。"
            "変更を残すには、別の名前で保存するか、書き込みできる状態で開き直してください"
        )


class ReadOnlyFileError(BookError):
    """The book's file (or its folder) cannot be written; it may be opened read-only.

    ``Book.open(path, read_only=True)`` opens it.

    Attributes:
        folder: the folder is what cannot be written (SQLite writes its
            journal there while saving), not the file.
    """

    def __init__(self, *, folder: bool = False) -> None:
        self.folder = folder
        if folder:
            what = (
                "このブックのあるフォルダに書き込みできません（読み取り専用か、権限がありません）"
            )
        else:
            what = "このファイルは書き込みできません（読み取り専用）"
        super().__init__(f"{what}。読み取り専用で開きますか")


class PathTooLongError(BookError):
    """The book's path, or that of a file it makes beside itself, is longer than the
    system allows (``kpidesk.book.sidefiles``); nothing was written."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"{problem}。ブックを短いパスのフォルダ（例: ドキュメント）に移すか、"
            "フォルダやブックの名前を短くしてください（何も書き込んでいません）"
        )


class BusyError(BookError):
    """Someone else kept the book locked for longer than the busy timeout; try again later."""


class DiskFullError(BookError):
    """The disk is full; nothing was saved.

    The message says that the book is as it was, or, when that could not be
    confirmed (:data:`NOT_ROLLED_BACK`), that the journal beside it is needed.
    """


class NotFoundError(BookError):
    """No sheet has the id (it may have been deleted elsewhere).

    Attributes:
        sheet_id: the id asked for.
    """

    def __init__(self, sheet_id: int) -> None:
        self.sheet_id = sheet_id
        super().__init__(
            f"シートが見つかりません（ID {sheet_id}）。他の場所で削除された可能性があります"
        )


class StaleRevisionError(BookError):
    """The sheet was saved elsewhere since it was loaded; the save was refused.

    Attributes:
        sheet_id: the sheet's id.
        expected: the revision the caller loaded.
        actual: the revision now in the book.
    """

    def __init__(self, sheet_id: int, expected: int, actual: int) -> None:
        self.sheet_id = sheet_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            "このシートは読み込んだ後に別の場所で変更されています"
            f"（読み込んだ版 {expected}、ブックの版 {actual}）。"
            "変更内容を控えてから、シートを開き直してください"
        )


class DuplicateSheetError(BookError):
    """Sheets with these (report year, No) already exist, or are given twice.

    Attributes:
        keys: the clashing (report_year, no) keys, in year and No order.
        within_import: the keys repeat inside what is imported (not clashes with the book).
    """

    def __init__(self, keys: Sequence[tuple[int, str]], *, within_import: bool = False) -> None:
        self.keys: list[tuple[int, str]] = sorted(
            set(keys), key=lambda key: (key[0], no_sort_key(key[1]))
        )
        names = _describe_keys(self.keys)
        self.within_import = within_import
        if within_import:
            message = f"取り込むシートの中で {names} が重複しています"
        else:
            message = f"{names} は既にあります"
        super().__init__(message)


class YearLockedError(BookError):
    """The sheet's report year is locked (after a roll-over); unlock it to change it.

    Attributes:
        year: the locked report year.
    """

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"{eras.kanji_label(year)}の報告はロックされているため変更できません。"
            "変更するには、先に「ブック」→「報告年度のロックを解除」でロックを外してください"
        )


def _first_few(items: Sequence[str], at_most: int = 3) -> str:
    """``a、b、c ほか 2 件``: the first few of a list, and how many more there are."""
    shown = "、".join(items[:at_most])
    rest = len(items) - at_most
    return f"{shown} ほか {rest} 件" if rest > 0 else shown


def _describe_keys(keys: Sequence[tuple[int, str]]) -> str:
    """``2020年度 No 9、No 10、2021年度 No 3`` for sorted keys."""
    parts: list[str] = []
    year: int | None = None
    for report_year, no in keys:
        parts.append(f"No {no}" if report_year == year else f"{report_year}年度 No {no}")
        year = report_year
    return "、".join(parts)


def older_for_read_only(version: int) -> str:
    """Why a book of an older schema (or an empty SQLite file) cannot be opened read-only."""
    if version < 1:
        return (
            "このファイルはまだ中身のないSQLiteファイルのため、読み取り専用では開けません。"
            "書き込みできる状態で開いてください"
        )
    return (
        f"このブックは古い形式（形式 {version}）のため、読み取り専用では開けません。"
        "書き込みできる状態で一度開くと新しい形式に移ります（移す前にバックアップを取ります）"
    )
