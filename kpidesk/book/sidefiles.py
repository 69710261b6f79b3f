"""The files a book makes beside itself, their names, and whether Windows can make them.

Beside ``本庁.kpidb``, in its folder:

* ``本庁.kpidb.lock``: who has the book open (``kpidesk.book.lock``),
  rewritten through a temporary file ``~kd1a2b3c4d.tmp``;
* ``本庁.kpidb-journal`` while a save is under way (SQLite; ``-wal`` and
  ``-shm``, shorter, only when another tool switched the book to WAL);
* the backup folder ``本庁_backups`` (``kpidesk.book.backups``), holding
  ``20261130-091203-import.kpidb`` and, before a migration,
  ``before-v6-20261130-091203.kpidb``, each written through a ``~kd….tmp``.

Books whose names share a stem share the backup folder (``報告.kpidb`` and
``報告.db``, ``報告 v1.2`` and ``報告 v1.3``). Only a book named
``<stem>.kpidb`` gets the short names above; any other book's backups are
named after its whole file name (``報告.db-20261130-091203-import.kpidb``),
so that no book ever takes another's backups for its own.

On Windows, unless long paths are enabled, none of these paths may be
longer than 259 characters (``kpidesk.fileio.path_limit``); a book deep in
a shared folder may fit while its backups or lock do not.
:func:`check_room` says so before a book is opened or made for writing,
so that nothing is written for a book that could not be locked, saved or
backed up.
"""

from __future__ import annotations

import os
from pathlib import Path

from kpidesk.book.errors import PathTooLongError
from kpidesk.fileio import TEMP_NAME_LENGTH, full_path, path_length, path_limit
from kpidesk.paths import BOOK_SUFFIX

#: The suffix added to the book's file name (``本庁.kpidb`` → ``本庁.kpidb.lock``).
LOCK_SUFFIX = ".lock"
#: The longest suffix SQLite adds to the book's file name for a file of its own.
JOURNAL_SUFFIX = "-journal"
#: Why a backup was taken, as shown to the user.
REASONS = {
    "open": "開いたとき",
    "import": "取り込みの前",
    "restore": "復元の前",
    "rollover": "年度更新の前",
    "collect": "回収の前",
    "manual": "手動",
    "purge": "ごみ箱を空にする前",
    "replace": "置換の前",
}
#: How a backup's name says when it was taken.
STAMP_FORMAT = "%Y%m%d-%H%M%S"
#: How the name of the copy taken before a migration starts (``before-v6-…``).
BEFORE_MIGRATION = "before-v"
#: Room kept for a version of two digits and for ``-2`` … ``-99`` (two backups in a second).
_LONGEST_DETAIL = max(
    len(f"20261130-091203-{max(REASONS, key=len)}"),
    len(f"{BEFORE_MIGRATION}99-20261130-091203"),
) + len("-99")


def same_name(first: str, second: str) -> bool:
    """File names compare without case on Windows, as its file systems do."""
    if os.name == "nt":
        return first.casefold() == second.casefold()
    return first == second


def lock_path(book: Path | str) -> Path:
    """The lock file of a book: ``本庁.kpidb`` → ``本庁.kpidb.lock`` in the same folder."""
    book = Path(book)
    return book.with_name(book.name + LOCK_SUFFIX)


def backup_folder(book: Path) -> Path:
    """The folder of a book's backups: ``<stem>_backups`` beside the book."""
    return book.parent / f"{book.stem}_backups"


def short_backup_names(book: Path) -> bool:
    """Whether the book's backups are named by date and reason alone (a ``.kpidb`` book)."""
    return same_name(book.suffix, BOOK_SUFFIX)


def backup_stem(book: Path, detail: str) -> str:
    """The name, without suffix, of a backup of ``book``: ``detail`` (``20261130-091203-open``),
    after the book's whole name for a book that is not named ``<stem>.kpidb``."""
    return detail if short_backup_names(book) else f"{book.name}-{detail}"


def room_problem(book: Path | str) -> str | None:
    """Why the files of a book at ``book`` cannot all be made on this system, or None.

    The book itself, its lock file, its journal, the temporary files beside
    it, and the longest backup name in its backup folder are measured.

    Returns:
        A Japanese sentence naming the book's path and the file too long.
    """
    book = Path(book)
    limit = path_limit(book)
    if limit is None:
        return None
    folder = backup_folder(book)
    longest_backup = backup_stem(book, "x" * _LONGEST_DETAIL) + BOOK_SUFFIX
    length = path_length(book)
    temporary = path_length(book.parent) + 1 + TEMP_NAME_LENGTH
    candidates = [
        ("ブック", book.name, length),
        ("ロックファイル", lock_path(book).name, length + len(LOCK_SUFFIX)),
        ("保存中の一時ファイル", book.name + JOURNAL_SUFFIX, length + len(JOURNAL_SUFFIX)),
        ("一時ファイル", "~kd….tmp", temporary),
        (
            "バックアップ",
            os.path.join(folder.name, backup_stem(book, "20261130-091203-rollover") + BOOK_SUFFIX),
            max(path_length(folder / longest_backup), path_length(folder) + 1 + TEMP_NAME_LENGTH),
        ),
    ]
    for what, name, needed in candidates:
        if needed > limit:
            return (
                f"ブックの場所のパスが長すぎるため、Windows ではこのブックに書き込めません: "
                f"{full_path(book)}（{what}「{name}」を含めると{needed}文字。"
                f"Windows では{limit}文字まで）"
            )
    return None


def check_room(book: Path | str) -> None:
    """Refuse a book whose files would not all fit (:func:`room_problem`), before anything
    is written.

    Raises:
        PathTooLongError: they would not (Japanese message naming the path).
    """
    problem = room_problem(book)
    if problem is not None:
        raise PathTooLongError(problem)
