"""Files beside a book that are not plain files: the ``-journal``, ``-wal`` or ``-shm`` as a
named pipe, a folder, a link that leads nowhere, to itself or to a device, and the book
itself as a named pipe.

SQLite opens the ``-journal`` to see whether a save was cut off; a named pipe there
blocks it for ever. Each odd file is refused before any connection is made, with a
Japanese message naming it and never inviting anyone to delete it. Every hostile file
is made here; a hang fails the test (the blocked open is let go) instead of hanging it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from kpidesk.book import identity
from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from tests.kpidesk.test_store import make_sheet

pytestmark = pytest.mark.skipif(
    not hasattr(os, "mkfifo"), reason="named pipes and links are made as on Linux and macOS"
)


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    path = tmp_path / "報告.kpidb"
    with Book.open(path) as book:
        book.import_sheets([make_sheet()])
    return path


def in_time(action: Callable[[], object], pipe: Path, seconds: float = 10.0) -> object:
    """Run ``action`` in a thread; when it does not end in time, let a reader blocked
    on the named pipe ``pipe`` go and fail."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as error:
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        for _ in range(20):  # each open of the pipe blocks again
            with contextlib.suppress(OSError):
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
            worker.join(0.2)
        pytest.fail(f"hung for more than {seconds} s on a named pipe")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


def named_pipe(path: Path) -> None:
    os.mkfifo(path)


def folder(path: Path) -> None:
    path.mkdir()


def link_to_nowhere(path: Path) -> None:
    path.symlink_to(path.parent / "どこにもない" / "ファイル")


def link_to_itself(path: Path) -> None:
    path.symlink_to(path.name)


def link_to_a_device(path: Path) -> None:
    path.symlink_to("/dev/zero")


ODD_FILES = [
    ("-journal", named_pipe),
    ("-wal", named_pipe),
    ("-shm", named_pipe),
    ("-journal", folder),
    ("-shm", folder),
    ("-journal", link_to_nowhere),
    ("-journal", link_to_itself),
    ("-journal", link_to_a_device),
    ("-wal", link_to_a_device),
]


def assert_names(error: BookError, name: str) -> None:
    message = str(error)
    assert f"「{name}」" in message and "普通のファイルではない" in message
    assert "ネットワーク" not in message
    assert "消して" not in message and "削除して" not in message


@pytest.mark.parametrize("read_only", [False, True], ids=["write", "read-only"])
@pytest.mark.parametrize(
    ("side", "make"), ODD_FILES, ids=[f"{side}-{make.__name__}" for side, make in ODD_FILES]
)
def test_an_odd_file_beside_the_book_is_refused_by_name_and_left_alone(
    book_path: Path, side: str, make: Callable[[Path], None], read_only: bool
) -> None:
    odd = book_path.with_name(f"{book_path.name}{side}")
    make(odd)
    before = book_path.read_bytes()
    with pytest.raises(BookError) as caught:
        in_time(lambda: Book.open(book_path, create=False, read_only=read_only), odd)
    assert_names(caught.value, odd.name)
    assert book_path.read_bytes() == before
    assert os.path.lexists(odd)
    with pytest.raises(BookError) as caught:
        in_time(lambda: Book.peek_sheet_count(book_path), odd)
    assert_names(caught.value, odd.name)
    assert in_time(lambda: identity.peek_identity(book_path), odd) == identity.BookIdentity()


def test_a_named_pipe_given_as_the_book_is_refused(tmp_path: Path) -> None:
    pipe = tmp_path / "報告.kpidb"
    os.mkfifo(pipe)
    with pytest.raises(BookError, match="普通のファイルではない"):
        in_time(lambda: Book.open(pipe, create=False), pipe)
    assert in_time(lambda: identity.peek_identity(pipe), pipe) == identity.BookIdentity()
