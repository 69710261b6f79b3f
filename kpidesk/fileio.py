"""Writing output files so that a failure never leaves half a file behind.

Every export writes to a temporary file in the target's folder and moves it
into place only when it is complete.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class OutputError(OSError):
    """The output file cannot be written (message in Japanese)."""


def describe_os_error(error: OSError, path: Path) -> str:
    """A Japanese sentence saying why ``path`` could not be written."""
    if isinstance(error, PermissionError):
        return (
            f"書き込めません: {path}（ファイルが他のプログラムで開かれているか、"
            "書き込みが許可されていません）"
        )
    if isinstance(error, FileNotFoundError):
        return f"保存先のフォルダがありません: {path.parent}"
    if isinstance(error, IsADirectoryError):
        return f"同じ名前のフォルダがあります: {path}"
    if error.errno == 28:  # ENOSPC
        return f"ディスクの空きが足りないため書き込めません: {path}"
    return f"書き込めません: {path}（{error.strerror or error}）"


def _output_mode(path: Path) -> int:
    """The permission bits ``path`` should get: those of the file it replaces, if any,
    else what ``open()`` gives a new file under the current umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode) & 0o777
    except OSError:
        umask = os.umask(0)  # the only way to read it; put back at once
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; move it into place on success.

    On any exception the temporary file is removed and ``path`` is left as it
    was. OS errors are raised as ``OutputError`` with a Japanese message.

    The temporary file is made owner-only; on POSIX it is given, before it is
    moved into place, the mode of the file it replaces, or the mode a new file
    gets under the umask (best effort: a file system that refuses chmod keeps
    the file owner-only).
    """
    path = Path(path)
    try:
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or Path(".")
        )
    except OSError as error:
        raise OutputError(describe_os_error(error, path)) from error
    temp_path = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
            if os.name != "nt":
                with contextlib.suppress(OSError):
                    os.fchmod(stream.fileno(), _output_mode(path))
        os.replace(temp_path, path)
    except OSError as error:
        temp_path.unlink(missing_ok=True)
        if isinstance(error, OutputError) or error.filename not in (None, temp_name, str(path)):
            # Another file failed inside the block (a template, say): say which, unchanged.
            raise
        raise OutputError(describe_os_error(error, path)) from error
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


def unique_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem+suffix``, or ``stem-2``, ``stem-3`` … when that name is taken."""
    target = folder / f"{stem}{suffix}"
    number = 2
    while target.exists():
        target = folder / f"{stem}-{number}{suffix}"
        number += 1
    return target


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file."""
    with atomic_output(path) as stream:
        stream.write(data)
