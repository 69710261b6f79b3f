"""A book's settings as stored in its ``meta`` table, read as untrusted input.

A book may have been made or changed by anyone, so each setting is checked
like any input: a value that is not what KPI Desk writes is not used, the
default takes its place, and the reason is given in Japanese so that the
window and the commands can say so.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpidesk import evaluation, limits
from kpidesk.book import sqlitefile
from kpidesk.book.identity import META_BOOK_ID, BookIdentity, read_identity
from kpidesk.book.schema import META_EVALUATION, META_LOCKED_YEARS, META_PRINT_CHART

if TYPE_CHECKING:  # a BookDatabase (kpidesk.book.database) is what is kept
    from sqlite_utils import Database

#: How a note about the stored locked years goes away: locking or unlocking
#: any year writes the list again, without what could not be used.
_FIX_LOCKS = (
    "「ブック → 報告年度をロック」か「報告年度のロックを解除」を一度行うと、"
    "この注意は出なくなります"
)
#: What the window and the commands say after a setting that could not be used.
_FIX = "評価の設定を開いて保存し直すと、この注意は出なくなります"


def _json(text: str) -> Any:
    """JSON of a stored setting; ValueError when it is too long or not JSON."""
    if len(text) > limits.MAX_SETTING_CHARS:
        raise ValueError(f"長すぎます（{len(text):,}文字）")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("入れ子が深すぎます") from None
    except ValueError:  # not JSON, or an integer of thousands of digits
        raise ValueError("JSONとして読めません") from None


def read_evaluation(text: str | None) -> tuple[evaluation.EvaluationSettings, str]:
    """The rank scheme stored as ``text``, and "" or why the default is used instead."""
    if text is None:
        return evaluation.EvaluationSettings(), ""
    try:
        return evaluation.EvaluationSettings.from_dict(_json(text)), ""
    except (ValueError, TypeError, ArithmeticError) as error:
        reason = str(error).removeprefix("評価の設定が読めません")
        default = "・".join(evaluation.EvaluationSettings().labels)
        return evaluation.EvaluationSettings(), (
            f"ブックに保存された評価の設定が使えないため、既定の設定（{default}）で評価しています"
            f"（{reason.strip('（）') or '形が正しくありません'}）。{_FIX}"
        )


def read_locked_years(text: str | None) -> tuple[set[int], str]:
    """The locked report years stored as ``text``, and "" or why some were not used."""
    if not text:
        return set(), ""
    try:
        years = _json(text)
    except ValueError as error:
        return set(), f"ブックに保存された年度のロックが読めません（{error}）。{_FIX_LOCKS}"
    if not isinstance(years, list) or len(years) > limits.MAX_LOCKED_YEARS:
        return set(), (
            f"ブックに保存された年度のロックが読めません（形が正しくありません）。{_FIX_LOCKS}"
        )
    usable = {year for year in years if limits.year_problem(year, "") is None}
    if any(limits.year_problem(year, "") is not None for year in years):
        return (
            usable,
            "ブックに保存された年度のロックに、年度ではない値があります（使っていません）。"
            + _FIX_LOCKS,
        )
    return usable, ""


def read_print_chart(text: str | None) -> tuple[bool, str]:
    """Whether printed pages carry the chart, stored as ``text``; and "" or a note."""
    if text in (None, "0", "1"):
        return text == "1", ""
    return False, "ブックに保存された推移グラフの設定が読めないため、グラフを入れずに印刷します"


class BookSettings:
    """The settings part of :class:`~kpidesk.book.store.Book`: its ``meta`` rows.

    The rank scheme, whether printed pages carry the trend chart, the locked
    report years and the book's identity live in the ``meta`` table, so that
    everyone who shares the book sees the same ones. Each is read as
    untrusted input (the functions above) and written in one transaction.
    """

    path: Path | None
    _db: Database
    _read_only: bool

    if TYPE_CHECKING:  # Book's own, for the type checker

        def _check_writable(self) -> None: ...

        def _transaction(self) -> contextlib.AbstractContextManager[None]: ...

    def evaluation_settings(self) -> evaluation.EvaluationSettings:
        """The book's rank scheme (the default A/B/C/D one when never set or unusable)."""
        return read_evaluation(self._meta(META_EVALUATION))[0]

    def settings_problems(self) -> list[str]:
        """Why stored settings are not used (defaults instead), in Japanese; [] when all are."""
        found = (
            read_evaluation(self._meta(META_EVALUATION))[1],
            read_locked_years(self._meta(META_LOCKED_YEARS))[1],
            read_print_chart(self._meta(META_PRINT_CHART))[1],
        )
        return [problem for problem in found if problem]

    def set_evaluation_settings(self, settings: evaluation.EvaluationSettings) -> None:
        """Keep a new rank scheme in the book (one transaction).

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        self._set_meta(META_EVALUATION, json.dumps(settings.to_dict(), ensure_ascii=False))

    def print_chart(self) -> bool:
        """Whether PDFs and prints of this book carry each sheet's trend chart."""
        return read_print_chart(self._meta(META_PRINT_CHART))[0]

    def set_print_chart(self, on: bool) -> None:
        """Turn the trend chart on printed pages on or off for this book.

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        self._set_meta(META_PRINT_CHART, "1" if on else "0")

    def locked_years(self) -> set[int]:
        """The report years whose sheets cannot be changed until unlocked."""
        return read_locked_years(self._meta(META_LOCKED_YEARS))[0]

    def lock_year(self, year: int) -> None:
        """Lock a report year: its sheets can no longer be saved, imported over or deleted.

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        self._set_meta(META_LOCKED_YEARS, json.dumps(sorted(self.locked_years() | {year})))

    def unlock_year(self, year: int) -> None:
        """Lift the lock of a report year on purpose.

        Raises:
            ReadOnlyError: the book was opened read-only.
        """
        self._set_meta(META_LOCKED_YEARS, json.dumps(sorted(self.locked_years() - {year})))

    def identity(self, *, assign: bool = False) -> BookIdentity:
        """Which book this is (``kpidesk.book.identity``): its id and when it was made.

        Args:
            assign: give the book its random id when it has none yet (one
                transaction; nothing is written to a read-only book).

        Raises:
            BookError: the id cannot be written.
        """
        if assign and not self._read_only and self.path is not None:
            with sqlitefile.sqlite_errors():
                if not read_identity(self._db.conn).book_id:
                    # Imported here: uuid imports platform, which no start needs.
                    import uuid

                    self._set_meta(META_BOOK_ID, uuid.uuid4().hex)
        with sqlitefile.sqlite_errors():
            return read_identity(self._db.conn)

    def _meta(self, key: str) -> str | None:
        with sqlitefile.sqlite_errors():
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._check_writable()
        with sqlitefile.sqlite_errors(writing=True), self._transaction():
            self._write_meta(key, value)

    def _write_meta(self, key: str, value: str) -> None:
        """Set a meta value inside the caller's transaction."""
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )
