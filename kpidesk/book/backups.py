"""Backups of a book: taken on opening (once a day), before imports and roll-overs, kept, restored.

Backups are consistent copies of the book in the folder ``<book stem>_backups/``
beside it, named by when and why they were taken:
``<YYYYmmdd-HHMMSS>-<reason>.kpidb`` (``報告_backups/20261130-091203-import.kpidb``
for ``報告.kpidb``); the copy the book takes of itself before a migration
goes there too, as ``before-v<version>-<YYYYmmdd-HHMMSS>.kpidb``. A book
whose name does not end in ``.kpidb`` shares the folder with the books of
its stem (``報告.db``, ``報告 v1.2`` and ``報告 v1.3``), so its backups
carry its whole file name first (``報告.db-20261130-091203-import.kpidb``):
a backup is a book's only when its name is the book's own form followed
by a date and a reason. ``kpidesk.book.sidefiles`` makes these names (and
keeps them short enough for Windows); this module is the one place that
reads them. The newest ``keep`` backups are kept.

Earlier versions named backups after the book's whole name
(``報告.kpidb-20261130-091203-import.kpidb``), and before that after the
stem alone (``報告-20261130-091203-import.kpidb``). Both are still listed,
kept, pruned and restored: the former always, the latter as the book's
when no other SQLite file beside the book has the same stem, otherwise
only when the backup's identity (``kpidesk.book.identity``) says it is this
book's.

Before a backup is put in place of a book, the two identities are compared:
a backup of another book is refused (it can still be restored as a new file).

A backup being written when the program was killed leaves a temporary file
(``~kd1a2b3c4d.tmp``; ``.<backup name>.<random>.tmp`` from earlier
versions) in the folder. Those older than :data:`LEFTOVER_AGE` are removed
whenever a backup is taken, the backups are pruned, or the book is opened;
a file another program still has open (Windows refuses to remove it) is
left for the next time.

An old backup that cannot be pruned because another program has it open
is left too, and said in a note (``notes``) the window shows in its status
bar: it never stops the import or the opening that took the new backup.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kpidesk.book import identity
from kpidesk.book.errors import BookError
from kpidesk.book.sidefiles import (
    BEFORE_MIGRATION,
    REASONS,
    STAMP_FORMAT,
    backup_folder,
    backup_stem,
    same_name,
    short_backup_names,
)
from kpidesk.book.store import Book
from kpidesk.fileio import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    atomic_output,
    unique_path,
    unlink_with_retry,
)
from kpidesk.paths import BOOK_SUFFIX

DEFAULT_KEEP = 10
#: A temporary file of a backup that has not changed for this long was left by
#: a program that was killed or crashed (a backup is written within seconds).
LEFTOVER_AGE = timedelta(minutes=10)
#: A backup named more than this after now was taken by a PC whose clock is ahead
#: (or is not a backup at all): it is listed, but neither counts among the backups
#: kept nor is deleted to make room, so it cannot push today's backups out.
FUTURE_SLACK = timedelta(days=1)
#: ``FILE_ATTRIBUTE_REPARSE_POINT``: a junction, a link or a mount point on Windows.
_REPARSE_POINT = 0x400

_SUFFIX = re.escape(BOOK_SUFFIX)
#: A backup's name after the book's part (``-2``: a second one in the same second).
_TAKEN = re.compile(rf"(\d{{8}}-\d{{6}})-([a-z]+)(?:-\d+)?{_SUFFIX}")
#: The name of the copy taken before a migration, after the book's part.
_MIGRATION = re.compile(rf"{BEFORE_MIGRATION}\d+-(\d{{8}}-\d{{6}})(?:-\d+)?{_SUFFIX}")
#: A temporary file ``kpidesk.fileio`` writes a backup through (or, from earlier
#: versions, one named after the backup, or a journal of one).
_LEFTOVER = re.compile(
    rf"{re.escape(TEMP_PREFIX)}\w{{8}}{re.escape(TEMP_SUFFIX)}"
    rf"|\.[^/\\]+{_SUFFIX}\.\w+\.tmp(?:-journal|-wal|-shm)?"
)
_SQLITE_MAGIC = b"SQLite format 3\x00"


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
    stamp = (now or datetime.now()).strftime(STAMP_FORMAT)
    stem = backup_stem(book, f"{BEFORE_MIGRATION}{version}-{stamp}")
    return unique_path(folder, stem, BOOK_SUFFIX)


def _parse(name: str, owner: str | None) -> tuple[datetime, str] | None:
    """When and why the backup named ``name`` was taken, if it is named after ``owner``
    (None: named by date and reason alone)."""
    rest = name
    if owner is not None:
        prefix = f"{owner}-"
        if not same_name(name[: len(prefix)], prefix):
            return None
        rest = name[len(prefix) :]
    if (taken := _TAKEN.fullmatch(rest)) is not None:
        stamp, key = taken.group(1), taken.group(2)
        reason = REASONS.get(key, key)
    elif (migration := _MIGRATION.fullmatch(rest)) is not None:
        stamp, reason = migration.group(1), "形式の更新の前"
    else:
        return None
    try:
        taken_at = datetime.strptime(stamp, STAMP_FORMAT)
    except ValueError:
        return None
    return taken_at, reason


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def list_backups(book: Path) -> list[Backup]:
    """The book's backups, newest first (see the module's description of whose they are).

    Only plain files are backups: a link or a named pipe with a backup's name is not.
    """
    folder = backup_folder(book)
    if not _is_plain_folder(folder):  # missing, or a link into another book's backups
        return []
    try:
        names = [entry.name for entry in folder.iterdir() if _is_plain_file(entry)]
    except OSError:
        return []
    found: list[Backup] = []
    former: list[Backup] = []
    short = short_backup_names(book)
    for name in names:
        if name.startswith("."):
            continue
        parsed = _parse(name, None) if short else None
        if parsed is not None or (parsed := _parse(name, book.name)) is not None:
            found.append(Backup(folder / name, *parsed))
        elif book.name != book.stem and (parsed := _parse(name, book.stem)) is not None:
            former.append(Backup(folder / name, *parsed))
    if former:
        found += _own_former(book, former)
    # Two backups in one second (opening, then importing) keep their order by mtime.
    return sorted(
        found,
        key=lambda backup: (backup.taken_at, _mtime(backup.path), backup.path.name),
        reverse=True,
    )


def _own_former(book: Path, former: list[Backup]) -> list[Backup]:
    """Which backups named after the book's stem alone (by earlier versions) are this book's.

    They are when no other SQLite file beside the book has its stem. Otherwise
    only those whose identity is this book's; and a book named as the stem
    alone (``報告`` beside ``報告.kpidb``) is given those names today, so the
    ones that could be its are left to it.
    """
    if not _has_namesake(book):
        return former
    mine = identity.peek_identity(book)
    bare = book.with_name(book.stem)
    theirs = identity.peek_identity(bare) if _is_sqlite(bare) else None
    return [
        backup
        for backup in former
        if mine.same_book(found := identity.peek_identity(backup.path)) is True
        and (theirs is None or theirs.same_book(found) is not True)
    ]


def _is_plain_file(path: Path) -> bool:
    """Whether ``path`` is a plain file: not a link, and not a named pipe that would
    block whoever opens it."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _is_plain_folder(path: Path) -> bool:
    """Whether ``path`` is a folder of its own: not a link, nor (on Windows) a junction
    or another reparse point, through which backups would land in someone else's folder."""
    try:
        status = path.lstat()
    except OSError:
        return False
    reparse = getattr(status, "st_file_attributes", 0) & _REPARSE_POINT
    return stat.S_ISDIR(status.st_mode) and not reparse


def _is_sqlite(path: Path) -> bool:
    """Whether ``path`` is a plain file that starts as a SQLite file does."""
    if not _is_plain_file(path):
        return False
    try:
        with path.open("rb") as stream:
            return stream.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def _has_namesake(book: Path) -> bool:
    """Whether another SQLite file beside the book has its stem (``報告.db`` for ``報告.kpidb``)."""
    try:
        entries = list(book.parent.iterdir())
    except OSError:
        return True
    return any(
        same_name(entry.stem, book.stem)
        and not same_name(entry.name, book.name)
        and _is_sqlite(entry)
        for entry in entries
    )


def take_backup(
    store: Book,
    reason: str,
    *,
    keep: int = DEFAULT_KEEP,
    now: datetime | None = None,
    notes: list[str] | None = None,
) -> Path:
    """Copy the open book into its backup folder and keep only the newest ``keep``.

    The book is first given its id (``kpidesk.book.identity``) when it has
    none, so that the backup can be told from other books' backups; when
    the id cannot be written (another program is saving), the backup is
    taken without it.

    Args:
        store: the open book.
        reason: a key of :data:`REASONS`.
        keep: how many of the book's backups to keep.
        now: the time the backup's name gives (default: now).
        notes: given, it gets a Japanese note when an old backup could not
            be deleted (see :func:`prune`).

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
    if not _is_plain_folder(folder):
        raise BookError(
            f"バックアップのフォルダがリンク（ショートカットのようなもの）になっているため、"
            f"バックアップを取りませんでした: {folder}。"
            "ほかのブックのバックアップを消さないよう、リンクではない普通のフォルダにしてください"
        )
    clean_leftovers(store.path)
    with contextlib.suppress(BookError):
        store.identity(assign=True)
    stamp = (now or datetime.now()).strftime(STAMP_FORMAT)
    target = unique_path(folder, backup_stem(store.path, f"{stamp}-{reason}"), BOOK_SUFFIX)
    store.backup_to(target)
    prune(store.path, keep, notes=notes)
    return target


def prune(book: Path, keep: int, *, notes: list[str] | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` of the book's backups; return what was deleted.

    Backups named after tomorrow (:data:`FUTURE_SLACK`) are left alone and not
    counted, so a PC whose clock is ahead cannot make every new backup go.

    Left-over temporary files are removed too (:func:`clean_leftovers`). A
    backup that cannot be deleted now (another program has it open, even
    after trying for a moment) is left for the next time: that is no error,
    but a note is added to ``notes``.
    """
    removed, left = [], []
    latest = datetime.now() + FUTURE_SLACK
    dated = [backup for backup in list_backups(book) if backup.taken_at <= latest]
    for backup in dated[max(keep, 1) :]:
        try:
            unlink_with_retry(backup.path)
        except OSError:
            left.append(backup.path.name)
            continue
        removed.append(backup.path)
    clean_leftovers(book)
    if left and notes is not None:
        notes.append(
            f"古いバックアップを{len(left)}件削除できませんでした"
            f"（ほかのプログラムが開いています）: {'、'.join(left[:3])}"
            f"{' ほか' if len(left) > 3 else ''}。"
            "次にバックアップを取るときに、もう一度削除します"
        )
    return removed


def clean_leftovers(book: Path) -> list[Path]:
    """Remove the temporary files that killed backups left in the book's backup folder.

    Only temporary files of ours (``~kd1a2b3c4d.tmp``, and the
    ``.<name>.kpidb.<random>.tmp`` of earlier versions with their journals)
    untouched for :data:`LEFTOVER_AGE` are removed: a younger one may be a
    backup being written right now. One that cannot be removed (Windows
    refuses while another program has it open) is left alone.

    Returns:
        The files removed.
    """
    folder = backup_folder(book)
    if not _is_plain_folder(folder):
        return []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    before = (datetime.now() - LEFTOVER_AGE).timestamp()
    removed = []
    for entry in entries:
        if _LEFTOVER.fullmatch(entry.name) is None:
            continue
        try:
            status = entry.lstat()
            if not stat.S_ISREG(status.st_mode) or status.st_mtime > before:
                continue
            unlink_with_retry(entry, missing_ok=False)
        except OSError:
            continue
        removed.append(entry)
    return removed


def backup_on_open(
    store: Book,
    *,
    keep: int = DEFAULT_KEEP,
    now: datetime | None = None,
    notes: list[str] | None = None,
) -> Path | None:
    """Take the day's backup of a book just opened; None when it has one today.

    Either way, the temporary files killed backups left are removed.
    ``notes`` are as in :func:`take_backup`.
    """
    if store.path is None:
        return None
    clean_leftovers(store.path)
    today = (now or datetime.now()).date()
    if any(
        b.taken_at.date() == today and b.reason == REASONS["open"] for b in list_backups(store.path)
    ):
        return None
    return take_backup(store, "open", keep=keep, now=now, notes=notes)


def restore_as_copy(backup: Path, target: Path) -> None:
    """Write a backup out as a new book file (the original book is untouched).

    Raises:
        BookError: the backup is not a book, or the target exists or cannot be written.
    """
    if target.exists():
        raise BookError(f"既にファイルがあります: {target}")
    Book.peek_sheet_count(backup)
    _copy(backup, target)


def _copy(backup: Path, target: Path) -> None:
    """Copy ``backup`` to ``target`` through a temporary file (never half a book).

    Raises:
        BookError: it cannot be read or written.
    """
    try:
        with atomic_output(target) as stream, backup.open("rb") as source:
            shutil.copyfileobj(source, stream)
    except OSError as error:
        raise BookError(f"復元できません: {error}") from error


def restore_over(
    backup: Path, book: Path, *, keep: int = DEFAULT_KEEP, notes: list[str] | None = None
) -> Path:
    """Put a backup in place of the (closed) book, after backing the book up first.

    ``notes`` are as in :func:`take_backup`.

    Returns:
        The backup of the book as it was just before the restore.

    Raises:
        BookError: the backup is not a book, is a backup of another book (its
            id or the time it was made differ), or the book cannot be written.
    """
    Book.peek_sheet_count(backup)
    with Book.open(book, create=False) as store:
        if store.identity().same_book(identity.peek_identity(backup)) is False:
            raise BookError(
                f"このバックアップ（{backup.name}）は、別のブックのものです"
                f"（ブック「{book.name}」のバックアップではありません）。"
                "ブックは置き換えていません。中身を確かめるには、"
                "「新しいファイルとして復元」で別の名前のファイルに復元してください"
            )
        safety = take_backup(store, "restore", keep=keep + 1, notes=notes)
    _copy(backup, book)
    return safety
