"""The one settings wrapper: every key declared once with its default.

Settings live in ``settings.ini`` in the user's data folder
(``kpidesk.paths.user_data_dir``), so tests and portable installs can point
them elsewhere with ``KPIDESK_DATA_DIR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings, QSize

from kpidesk.book.backups import DEFAULT_KEEP
from kpidesk.paths import user_data_dir

T = TypeVar("T")

MAX_RECENT_BOOKS = 8


class _Option(Generic[T]):
    """A typed settings key with its default, used as a class attribute."""

    def __init__(self, key: str, default: T, kind: type) -> None:
        self.key = key
        self.default = default
        self.kind = kind

    def __get__(self, settings: Settings, owner: type | None = None) -> T:
        value = settings.qsettings.value(self.key, self.default)
        if value is None:
            return self.default
        if self.kind is list:
            if isinstance(value, str):
                value = [value] if value else []
            return [str(item) for item in value]  # type: ignore[return-value]
        if self.kind is QByteArray and not isinstance(value, QByteArray):
            return self.default
        if self.kind is str and not isinstance(value, str):
            return self.default  # an edited file: a list, a @ByteArray, a @Size
        if self.kind is bool:
            return (str(value).lower() in ("true", "1")) if value != "" else self.default  # type: ignore[return-value]
        if self.kind is int:
            try:
                return int(value)  # type: ignore[return-value]
            except (TypeError, ValueError):
                return self.default
        return value  # type: ignore[no-any-return]

    def __set__(self, settings: Settings, value: T) -> None:
        settings.qsettings.setValue(self.key, value)


class Settings:
    """KPI Desk's settings.

    Attributes:
        last_book: the path of the book open when the program last closed.
        recent_books: recently opened books, newest first.
        window_geometry: the main window's saved geometry.
        window_state: the main window's toolbars and docks.
        splitter_state: the position of the list/form splitter.
        list_hidden: the sheet list was folded away (表示 → シート一覧).
        excel_template: the user's Excel template ("" for the bundled one).
        backups_keep: how many backups of each book to keep.
        book_views: where each recent book was left (sheet, report year,
            filters), as JSON keyed by the book's path.
        zoom_percent: the size of the form's and the list's text, in percent.

    Each dialog's size is kept under ``dialogs/`` (:meth:`dialog_size`).
    """

    last_book = _Option[str]("books/last", "", str)
    recent_books = _Option[list[str]]("books/recent", [], list)
    window_geometry = _Option[QByteArray]("window/geometry", QByteArray(), QByteArray)
    window_state = _Option[QByteArray]("window/state", QByteArray(), QByteArray)
    splitter_state = _Option[QByteArray]("window/splitter", QByteArray(), QByteArray)
    list_hidden = _Option[bool]("window/list_hidden", False, bool)
    excel_template = _Option[str]("excel/template", "", str)
    backups_keep = _Option[int]("backups/keep", DEFAULT_KEEP, int)
    zoom_percent = _Option[int]("view/zoom", 100, int)
    book_views = _Option[str]("books/views", "", str)

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or user_data_dir() / "settings.ini"
        self.qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def add_recent_book(self, path: Path) -> None:
        """Put ``path`` first in the recent books and remember it as the last book."""
        text = str(path)
        recent = [item for item in self.recent_books if item != text]
        self.recent_books = [text, *recent][:MAX_RECENT_BOOKS]
        self.last_book = text

    def remove_recent_book(self, path: Path) -> None:
        """Forget a book that can no longer be opened."""
        self.recent_books = [item for item in self.recent_books if item != str(path)]

    def dialog_size(self, name: str) -> QSize | None:
        """The size the user last gave the dialog ``name`` (None: never opened)."""
        value = self.qsettings.value(f"dialogs/{name}")
        return value if isinstance(value, QSize) and not value.isEmpty() else None

    def set_dialog_size(self, name: str, size: QSize) -> None:
        """Remember the dialog ``name``'s size for the next time it opens."""
        self.qsettings.setValue(f"dialogs/{name}", size)

    def sync(self) -> None:
        """Write pending changes to disk."""
        self.qsettings.sync()
