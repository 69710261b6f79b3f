"""Telling books and book files apart: a book's own id, and a file's identity on disk.

Two different questions are answered here:

* Which book is this? A book carries a random id in its ``meta`` table
  (:data:`META_BOOK_ID`), given to it the first time it is backed up; with
  the time the book was made (``created_at``, there since the first schema)
  it tells a backup of this book from a backup of another book whose name
  looks alike (:class:`BookIdentity`). A copy of a book (名前を付けて保存, a
  file copied in Explorer) keeps the id: it comes from the same book, and
  its backups are told apart by their file names (``kpidesk.book.backups``).
* Is the file at a path still the one that was opened? :class:`FileIdentity`
  is the file's device and inode number (on Windows, the volume's serial
  number and the NTFS file id, which ``os.stat`` gives), so that a book
  deleted, moved away or replaced by another file while it is open is
  noticed (:func:`file_change`), and the user is told what happened.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kpidesk.book import sqlitefile
from kpidesk.book.errors import BookError

#: The key of the book's random id in its ``meta`` table.
META_BOOK_ID = "book_id"
#: The key of the time the book was made, written by the first migration.
META_CREATED_AT = "created_at"
#: Neither value is longer than this in a book of ours; a longer one is ignored.
_MAX_VALUE = 200


@dataclass(frozen=True)
class BookIdentity:
    """What a book says about which book it is ("" for what it does not say).

    Attributes:
        book_id: the book's random id.
        created_at: when the book was made (ISO 8601 text).
    """

    book_id: str = ""
    created_at: str = ""

    def same_book(self, other: BookIdentity) -> bool | None:
        """Whether both are the same book (or copies of it); None when it cannot be told.

        The ids decide when both have one; otherwise the times they were made
        (a backup taken before the book was given its id has none).
        """
        if self.book_id and other.book_id:
            return self.book_id == other.book_id
        if self.created_at and other.created_at:
            return self.created_at == other.created_at
        return None


def read_identity(connection: sqlite3.Connection) -> BookIdentity:
    """The identity a book's ``meta`` table holds; empty when it cannot be read."""
    try:
        rows = connection.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?)", [META_BOOK_ID, META_CREATED_AT]
        ).fetchall()
    except sqlite3.Error:
        return BookIdentity()
    values = {
        str(key): value
        for key, value in rows
        if isinstance(value, str) and 0 < len(value) <= _MAX_VALUE
    }
    return BookIdentity(values.get(META_BOOK_ID, ""), values.get(META_CREATED_AT, ""))


def peek_identity(path: Path) -> BookIdentity:
    """The identity of a book file, read without changing it; empty when it cannot be read.

    The file is another's until checked: it is read only once it has passed
    the check a book passes on opening (``sqlitefile.checked_reader``), so
    that no view or trigger of it runs; a file that does not pass (another
    program's, damaged, carrying SQL of its own, with odd files beside it)
    has no identity.
    """
    try:
        with sqlitefile.checked_reader(Path(path)) as connection:
            return read_identity(connection)
    except (BookError, sqlite3.Error):
        return BookIdentity()


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path named when it was looked at.

    Attributes:
        device: the device (on Windows, the volume serial number).
        inode: the file's number on that device (on Windows, the NTFS file
            id; 0 where the file system has none, such as some network folders).
        created: when the file was made, where the system says so (Windows,
            macOS), else None; used only when there is no inode number.
    """

    device: int
    inode: int
    created: float | None

    @classmethod
    def of(cls, path: Path) -> FileIdentity | None:
        """The identity of the file at ``path``; None when there is none (or it cannot be read)."""
        try:
            status = os.stat(path)
        except OSError:
            return None
        created = getattr(status, "st_birthtime", None)
        if created is None and os.name == "nt":
            created = status.st_ctime  # the creation time on Windows
        return cls(status.st_dev, status.st_ino, created)

    def same_file(self, other: FileIdentity) -> bool:
        """Whether both name the same file (True when it cannot be told)."""
        if self.inode and other.inode:
            return (self.device, self.inode) == (other.device, other.inode)
        if self.created is not None and other.created is not None:
            return self.created == other.created
        return True


def file_change(path: Path, opened: FileIdentity | None) -> str | None:
    """What happened to a book's file since it was opened, in Japanese; None when nothing did.

    Args:
        path: the book's file.
        opened: its identity when it was opened (None: unknown, nothing is said).

    Returns:
        A message saying that the file was deleted (or moved away) or replaced
        by another file, and that what is open is kept and can be saved under
        a new name; None when the file is the one that was opened.
    """
    if opened is None:
        return None
    now = FileIdentity.of(path)
    if now is not None and opened.same_file(now):
        return None
    kept = "開いている内容（保存していない変更も）は、この画面に残っています。"
    if now is None and not os.path.lexists(path):
        return (
            f"ブックのファイル（{path}）が、開いた後に削除されたか、別の場所へ移されました。"
            f"このままでは保存できません。{kept}"
            "「ファイル → 名前を付けて保存」で保存してください（同じ名前でも保存できます）。"
        )
    return (
        f"ブックのファイル（{path}）が、開いた後に別のファイルに置き換えられました。"
        f"置き換えたファイルに書き込むと中身が混ざるため、保存しません。{kept}"
        "「ファイル → 名前を付けて保存」で新しい名前のファイルに保存してください。"
    )
