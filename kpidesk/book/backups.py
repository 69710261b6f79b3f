"""Backups of a book: taken on opening (once a day), before imports and roll-overs, kept, restored.

Backups are consistent copies of the book in the folder ``<book stem>_backups/``
beside it, named ``<book stem>-<YYYYmmdd-HHMMSS>-<reason>.kpidb``; the copy the
book takes of itself before a migration goes there too, named
``<book stem>-before-v<version>-<YYYYmmdd-HHMMSS>.kpidb``. This module is the
one place that knows these names. The newest ``keep`` backups are kept.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from kpidesk.fileio import unique_path
from kpidesk.paths import BOOK_SUFFIX

DEFAULT_KEEP = 10

#: Why a backup was taken, as shown to the user.
REASONS = {
    "open": "開いたとき",
    "import": "取り込みの前",
    "restore": "復元の前",
    "rollover": "年度更新の前",
    "manual": "手動",
}
_STAMP = re.compile(r"(\d{8}-\d{6})")
#: How a backup's name says when it was taken (matches ``_STAMP``).
_STAMP_FORMAT = "%Y%m%d-%H%M%S"
#: What follows the book's stem in the name of the copy taken before a migration.
_BEFORE_MIGRATION = "-before-v"


@dataclass(frozen=True)
class Backup:
    """One backup file.

    Attributes:
        path: the file.
        taken_at: when it was taken (from its name).
        reason: why, in Japanese (開いたとき, 取り込みの前, 形式の更新の前 …).
    """

    path: Path
    taken_at: datetime
    reason: str

    def sheet_count(self) -> int | None:
        """How many sheets the backup holds (None when it cannot be read)."""
        try:
            return Book.peek_sheet_count(self.path)
        except BookError:
            return None


def backup_folder(book: Path) -> Path:
    """The folder of a book's backups: ``<stem>_backups`` beside the book."""
    return book.parent / f"{book.stem}_backups"


def migration_backup_path(book: Path, version: int, *, now: datetime | None = None) -> Path:
    """A new file in the book's backup folder for the copy taken before migrating it.

    The folder is made when missing.

    Args:
        book: the book's file.
        version: the schema version the book is about to be migrated to.
        now: the time the name gives (default: now).

    Raises:
        OSError: the folder cannot be made.
    """
    folder = backup_folder(book)
    folder.mkdir(exist_ok=True)
    stamp = (now or datetime.now()).strftime(_STAMP_FORMAT)
    return unique_path(folder, f"{book.stem}{_BEFORE_MIGRATION}{version}-{stamp}", BOOK_SUFFIX)


def list_backups(book: Path) -> list[Backup]:
    """The book's backups, newest first."""
    folder = backup_folder(book)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"*{BOOK_SUFFIX}"):
        match = _STAMP.search(path.stem)
        if match is None:
            continue
        taken_at = datetime.strptime(match.group(1), _STAMP_FORMAT)
        if _BEFORE_MIGRATION in path.stem:
            reason = "形式の更新の前"
        else:
            key = path.stem[match.end() :].lstrip("-").split("-")[0]
            reason = REASONS.get(key, key or "—")
        found.append(Backup(path, taken_at, reason))
    # Two backups in one second (opening, then importing) keep their order by mtime.
    return sorted(
        found,
        key=lambda backup: (backup.taken_at, backup.path.stat().st_mtime_ns, backup.path.name),
        reverse=True,
    )


def take_backup(
    store: Book, reason: str, *, keep: int = DEFAULT_KEEP, now: datetime | None = None
) -> Path:
    """Copy the open book into its backup folder and keep only the newest ``keep``.

    Raises:
        BookError: the book is in memory, or the copy cannot be written.
    """
    if store.path is None:
        raise BookError("メモリ上のブックはバックアップできません")
    folder = backup_folder(store.path)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise BookError(f"バックアップのフォルダを作れません: {folder}（{error}）") from error
    stamp = (now or datetime.now()).strftime(_STAMP_FORMAT)
    target = unique_path(folder, f"{store.path.stem}-{stamp}-{reason}", BOOK_SUFFIX)
    store.backup_to(target)
    prune(store.path, keep)
    return target


def prune(book: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; return what was deleted."""
    removed = []
    for backup in list_backups(book)[max(keep, 1) :]:
        backup.path.unlink(missing_ok=True)
        removed.append(backup.path)
    return removed


def backup_on_open(
    store: Book, *, keep: int = DEFAULT_KEEP, now: datetime | None = None
) -> Path | None:
    """Take the day's backup of a book just opened; None when it has one today."""
    if store.path is None:
        return None
    today = (now or datetime.now()).date()
    if any(
        b.taken_at.date() == today and b.reason == REASONS["open"] for b in list_backups(store.path)
    ):
        return None
    return take_backup(store, "open", keep=keep, now=now)


def restore_as_copy(backup: Path, target: Path) -> None:
    """Write a backup out as a new book file (the original book is untouched).

    Raises:
        BookError: the backup is not a book, or the target exists or cannot be written.
    """
    if target.exists():
        raise BookError(f"既にファイルがあります: {target}")
    Book.peek_sheet_count(backup)
    try:
        shutil.copy2(backup, target)
    except OSError as error:
        target.unlink(missing_ok=True)
        raise BookError(f"復元できません: {target}（{error}）") from error


def restore_over(backup: Path, book: Path, *, keep: int = DEFAULT_KEEP) -> Path:
    """Put a backup in place of the (closed) book, after backing the book up first.

    Returns:
        The backup of the book as it was just before the restore.

    Raises:
        BookError: the backup is not a book, or the book cannot be written.
    """
    Book.peek_sheet_count(backup)
    with Book.open(book, create=False) as store:
        safety = take_backup(store, "restore", keep=keep + 1)
    temp = book.with_name(f".{book.name}.restore.tmp")
    try:
        shutil.copy2(backup, temp)
        temp.replace(book)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise BookError(f"復元できません: {book}（{error}）") from error
    return safety
