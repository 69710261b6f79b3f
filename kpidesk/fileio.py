"""Writing, replacing and removing files so that Windows' habits never lose work.

Every export writes to a temporary file in the target's folder and moves it
into place only when it is complete (:func:`atomic_output`), so a failure
never leaves half a file behind.

Two things Windows does that Linux does not are handled here, for every
module that writes files:

* **A file held for a moment.** An antivirus scan, the search indexer or a
  backup program opens every file just written, and while it has it open
  Windows refuses to replace or remove it (``PermissionError``: access
  denied, WinError 5, or a sharing violation, WinError 32). SQLite tries
  again for the same reason. :func:`retry_while_held` (and
  :func:`replace_with_retry`, :func:`unlink_with_retry`) try again for
  about a second on Windows; elsewhere such an error is a real lack of
  permission and is raised at once.
* **MAX_PATH.** Unless long paths are enabled (they are not by default), a
  path of more than 259 characters cannot be made. :func:`path_limit` and
  :func:`path_length` are the one rule for it; temporary files get short names
  (:data:`TEMP_PREFIX` and 8 random characters) so that they never cross it
  when the file itself fits.

Tests simulate Windows by setting ``sys.platform`` (:func:`on_windows`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

_T = TypeVar("_T")

#: How many times a file Windows says is in use is tried, and how long apart:
#: about a second in all, as long as a scan of a file just written takes.
HELD_ATTEMPTS = 10
HELD_PAUSE_SECONDS = 0.1

#: Windows' longest path (MAX_PATH, the final NUL included) when long paths are
#: not enabled: a path may have 259 characters (UTF-16 units).
WINDOWS_MAX_PATH = 260
#: A path with this prefix is not limited by MAX_PATH.
_LONG_PATH_PREFIX = "\\\\?\\"
#: Temporary files are named ``~kd`` and 8 random characters, ``.tmp``
#: (``~kd1a2b3c4d.tmp``): the same short length whatever the file they become.
TEMP_PREFIX = "~kd"
TEMP_SUFFIX = ".tmp"
TEMP_NAME_LENGTH = len(TEMP_PREFIX) + 8 + len(TEMP_SUFFIX)


class OutputError(OSError):
    """The output file cannot be written (message in Japanese)."""


def on_windows() -> bool:
    """Whether the program runs on Windows (read each time, so tests can simulate it)."""
    return sys.platform == "win32"


# --- files held for a moment ----------------------------------------------------


def retry_while_held(action: Callable[[], _T]) -> _T:
    """Run a file operation; on Windows, try again for about a second while the file is held.

    Only ``PermissionError`` is tried again, and only on Windows (see the
    module's description): :data:`HELD_ATTEMPTS` tries,
    :data:`HELD_PAUSE_SECONDS` apart. The last error is raised as it is.
    """
    for _ in range(HELD_ATTEMPTS - 1):
        try:
            return action()
        except PermissionError:
            if not on_windows():
                raise
            time.sleep(HELD_PAUSE_SECONDS)
    return action()


def replace_with_retry(source: Path | str, target: Path | str) -> None:
    """``os.replace(source, target)``, tried again while Windows says a file is in use."""
    retry_while_held(lambda: os.replace(source, target))


def unlink_with_retry(path: Path | str, *, missing_ok: bool = True) -> None:
    """Remove ``path``, tried again while Windows says it is in use.

    Raises:
        FileNotFoundError: it is not there (only without ``missing_ok``).
        OSError: it cannot be removed.
    """
    retry_while_held(lambda: Path(path).unlink(missing_ok=missing_ok))


def _discard(path: Path) -> None:
    """Remove a temporary file of ours if possible; a failure is not worth an error."""
    with contextlib.suppress(OSError):
        unlink_with_retry(path)


# --- MAX_PATH -------------------------------------------------------------------


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def full_path(path: Path | str) -> str:
    """``path`` as Windows measures it: made absolute (a UNC path ``\\\\server\\share\\…``
    is already), as text."""
    text = os.fspath(path)
    if text.startswith(("\\\\", "//")) or os.path.isabs(text):
        return text
    return os.path.abspath(text)


def path_limit(path: Path | str) -> int | None:
    """How many characters ``path`` may have (259 on Windows), or None for no limit.

    There is no limit off Windows, nor for a path that starts with ``\\\\?\\``,
    nor where Windows has long paths turned on (:func:`long_paths_enabled`).
    """
    if not on_windows() or os.fspath(path).startswith(_LONG_PATH_PREFIX):
        return None
    if long_paths_enabled():
        return None
    return WINDOWS_MAX_PATH - 1


@functools.cache
def long_paths_enabled() -> bool:
    """Whether Windows lets this program use paths over MAX_PATH.

    Python declares itself long-path aware, so long paths work exactly when
    ``LongPathsEnabled`` is 1 under ``HKLM\\SYSTEM\\CurrentControlSet\\Control\\FileSystem``
    (set by an administrator or a group policy; off by default). Read once;
    False off Windows or when the value cannot be read.
    """
    try:
        import winreg
    except ImportError:
        return False
    try:
        with winreg.OpenKey(
            winreg.HKEY_LOCAL_MACHINE, r"SYSTEM\CurrentControlSet\Control\FileSystem"
        ) as key:
            value, _ = winreg.QueryValueEx(key, "LongPathsEnabled")
    except OSError:
        return False
    return value == 1


def path_length(path: Path | str) -> int:
    """The length of ``path`` as Windows counts it (UTF-16 units of the full path)."""
    return _utf16_length(full_path(path))


def name_room(folder: Path | str) -> int | None:
    """How many characters a file name in ``folder`` may have (None: no limit on the path).

    The temporary file it is written through (:data:`TEMP_NAME_LENGTH`) is
    not counted: check it separately.
    """
    limit = path_limit(folder)
    if limit is None:
        return None
    return limit - path_length(folder) - 1


def temp_name() -> str:
    """A new name for a temporary file: ``~kd`` and 8 random hex digits, ``.tmp``."""
    return f"{TEMP_PREFIX}{os.urandom(4).hex()}{TEMP_SUFFIX}"


def _check_room(path: Path) -> None:
    """Refuse ``path`` before anything is written when it, or the temporary file
    beside it, would be longer than the system allows.

    Raises:
        OutputError: too long (Japanese message naming the path and its length).
    """
    limit = path_limit(path)
    if limit is None:
        return
    length = max(path_length(path), path_length(path.parent) + 1 + TEMP_NAME_LENGTH)
    if length > limit:
        raise OutputError(
            f"保存先のパスが長すぎるため書き込めません: {full_path(path)}"
            f"（書き込みに使う一時ファイルを含めて{length}文字。Windows では{limit}文字まで）。"
            "もっと短いパスのフォルダ（例: デスクトップ）を選ぶか、ファイル名を短くしてください"
        )


# --- writing ----------------------------------------------------------------------


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
    was. OS errors are raised as ``OutputError`` with a Japanese message; a
    path too long for the system is refused before anything is written. A
    file Windows says is in use (another program scanning the new file or
    reading the old one) is tried again for about a second
    (:func:`replace_with_retry`).

    The temporary file (``~kd1a2b3c4d.tmp``) is made owner-only; on POSIX it
    is given, before it is moved into place, the mode of the file it
    replaces, or the mode a new file gets under the umask (best effort: a
    file system that refuses chmod keeps the file owner-only).
    """
    with atomic_file(path) as temp_path, open(temp_path, "wb") as stream:
        yield stream


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """As :func:`atomic_output`, for a writer that opens the file by its name.

    Yields the temporary file's path (empty, closed); once the block has
    written it, it is flushed to disk, given its mode and moved into place.
    SQLite writes a book's copy this way, page by page, instead of holding
    the whole image in memory.
    """
    path = Path(path)
    _check_room(path)
    try:
        fd, temp_text = tempfile.mkstemp(
            prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent or Path(".")
        )
        os.close(fd)
    except OSError as error:
        raise OutputError(describe_os_error(error, path)) from error
    temp_path = Path(temp_text)
    try:
        yield temp_path
        with open(temp_path, "r+b") as stream:
            os.fsync(stream.fileno())
            if os.name != "nt":
                with contextlib.suppress(OSError):
                    os.fchmod(stream.fileno(), _output_mode(path))
        replace_with_retry(temp_path, path)
    except OSError as error:
        _discard(temp_path)
        if isinstance(error, OutputError) or error.filename not in (None, temp_text, str(path)):
            raise
        raise OutputError(describe_os_error(error, path)) from error
    except BaseException:
        _discard(temp_path)
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
