"""Sheets to rows of the ``sheets`` and ``history`` tables and back.

Beside its JSON, each row keeps the columns a list of sheets shows
(:class:`~kpidesk.model.ListEntry`), written on every save, so that a
list of thousands of sheets is read without loading any sheet in full.
The searched columns go, in search form, into the full-text indexes
``sheets_fts`` and ``sheets_grams`` under the row's id, written here beside
the row (not by a trigger, which a book opened with ``trusted_schema`` off
may not run).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kpidesk import evaluation, limits, ranking
from kpidesk.book.errors import BookError
from kpidesk.book.search import SEARCH_COLUMNS, gram_document, search_text
from kpidesk.exchange import jsonio
from kpidesk.model import ListEntry, Sheet, latest_and_target, list_entry_of, list_sort_key

if TYPE_CHECKING:  # a BookDatabase (kpidesk.book.database) is what is passed
    from sqlite_utils import Database

    from kpidesk.book.database import BookDatabase

#: The columns of a sheets row that make a ListEntry, in its field order.
LIST_COLUMNS = (
    "id",
    "report_year",
    "no",
    "departments_json",
    "title",
    "latest_text",
    "latest_year",
    "target_text",
    "unit",
    "updated_at",
    "revision",
    "eval_achievement",
    "eval_progress",
    "eval_word",
    "eval_reason",
    "eval_label",
    "eval_rates",
    "section",
)
LIST_SELECT = "SELECT " + ", ".join(f"s.{c}" for c in LIST_COLUMNS) + " FROM sheets AS s"
_DEPARTMENT_SEPARATOR = "、"
_BULLET_SEPARATOR = "\n"


def stored_form(sheet: Sheet) -> tuple[Sheet, str]:
    """The sheet as it will read back from the book, and its stored JSON.

    Reading the JSON back before writing it means a sheet the book could not
    load again (an empty No, a year out of range, a row with the wrong
    number of actuals) is refused now, not found broken later.

    Raises:
        BookError: the sheet's content is invalid.
    """
    problems = limits.sheet_problems(sheet)
    if problems:
        raise BookError(
            f"シートに保存できない内容があるため保存できません（{limits.problems_text(problems)}）。"
            "その欄を直してから保存してください"
        )
    data = jsonio.sheet_to_dict(sheet)
    try:
        stored = jsonio.sheet_from_dict(data, limits.sheet_label(sheet))
    except jsonio.JsonFormatError as error:
        raise BookError(f"シートの内容が正しくないため保存できません（{error}）") from error
    return stored, json.dumps(data, ensure_ascii=False)


def row_columns(sheet: Sheet, data: str) -> dict[str, Any]:
    """The columns of a sheets row other than the bookkeeping ones (list columns included)."""
    latest_text, latest_year, target_text, unit = latest_and_target(sheet)
    evaluations = evaluation.evaluate_sheet(sheet)
    return {
        "report_year": sheet.report_year,
        "no": sheet.no,
        "departments": _DEPARTMENT_SEPARATOR.join(sheet.departments),
        "departments_json": json.dumps(sheet.departments, ensure_ascii=False),
        "title": sheet.title,
        "section": sheet.section,
        "efforts": _BULLET_SEPARATOR.join(sheet.efforts),
        "issues": _BULLET_SEPARATOR.join(sheet.issues),
        "direction": _BULLET_SEPARATOR.join(sheet.direction),
        "data": data,
        "latest_text": latest_text,
        "latest_year": latest_year,
        "target_text": target_text,
        "unit": unit,
        **evaluation_columns(sheet, evaluations),
        "eval_rates": rank_rows_text(evaluations),
    }


def evaluation_columns(
    sheet: Sheet, evaluations: Sequence[evaluation.RowEvaluation] | None = None
) -> dict[str, Any]:
    """The rates of :func:`kpidesk.evaluation.list_evaluation`'s row, for the list."""
    judged = evaluation.list_evaluation(sheet, evaluations)
    if judged is None:
        return {
            "eval_achievement": None,
            "eval_progress": None,
            "eval_word": 0,
            "eval_reason": "",
            "eval_label": "",
        }
    reason = judged.achievement_reason if judged.achievement is None else ""
    if reason and len(sheet.rows) > 1 and judged.label.strip():
        reason = f"{judged.label.strip()}: {reason}"
    return {
        "eval_achievement": None if judged.achievement is None else str(judged.achievement),
        "eval_progress": None if judged.progress is None else str(judged.progress),
        "eval_word": int(judged.word_target is not None),
        "eval_reason": reason,
        "eval_label": judged.label.strip() if len(sheet.rows) > 1 else "",
    }


def rank_rows_text(evaluations: Sequence[evaluation.RowEvaluation]) -> str:
    """The ``eval_rates`` column: each ranked row's :class:`~kpidesk.ranking.RankInputs`
    as a JSON list, so that the list ranks the sheet by any settings."""
    rows = [inputs.to_json() for inputs in evaluation.sheet_rank_inputs(evaluations)]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _decimal_or_none(text: Any) -> Decimal | None:
    if text is None:
        return None
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        return None
    return ranking.stored_rate(str(number)) if number.is_finite() else None


def with_bookkeeping(sheet: Sheet, sheet_id: int, revision: int, updated_at: str) -> Sheet:
    return dataclasses.replace(sheet, id=sheet_id, revision=revision, updated_at=updated_at)


def load_sheet(
    sheet_id: int,
    revision: int,
    updated_at: str,
    data: str,
    key: tuple[Any, Any] | None = None,
) -> Sheet:
    """A sheet from its stored JSON and bookkeeping.

    A sheet beyond :mod:`kpidesk.limits` (a book made by another program)
    is still read, so that it can be seen, mended or deleted; saving it
    again checks the bounds.

    Args:
        key: the row's (report_year, no) columns; the JSON must say the same.

    Raises:
        BookError: the stored JSON cannot be read, or names another report
            year or No than its row (the book is damaged or was changed by
            another program).
    """
    sheet_id = stored_int(sheet_id, "ID", sheet_id)
    try:
        if not isinstance(data, str):
            raise TypeError("シートのデータが文字列ではありません")
        sheet = jsonio.sheet_from_dict(json.loads(data), f"ID {sheet_id}")
    except (ValueError, TypeError, RecursionError) as error:  # JsonFormatError is a ValueError
        raise BookError(
            f"ブックのシート（ID {sheet_id}）が壊れていて読めません（{error}）"
        ) from error
    if key is not None and key != sheet.key:
        raise BookError(
            f"ブックのシート（ID {sheet_id}）が壊れていて読めません"
            "（報告年度かNoが、シートの中身と一覧の欄とで食い違っています）"
        )
    # Characters a workbook cannot carry, stored by another program, are read
    # as U+FFFD (as every way in does): Qt even misreads a text that starts
    # with U+FFFE. The No stays as stored: it is the sheet's key.
    no = sheet.no
    limits.clean_sheet(sheet)
    sheet.no = no
    return with_bookkeeping(sheet, sheet_id, stored_int(revision, "版", sheet_id), str(updated_at))


def stored_int(value: Any, what: str, sheet_id: Any) -> int:
    """An integer column as stored; BookError when it is not a plain integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        shown = sheet_id if isinstance(sheet_id, int) else "?"
        raise BookError(
            f"ブックのシート（ID {shown}）が壊れていて読めません（{what}が整数ではありません）"
        )
    return value


def _stored_year(value: Any) -> int | None:
    """A year column as stored, or None when it is not a year KPI Desk shows."""
    return value if limits.year_problem(value, "") is None else None


def list_entry_from_row(
    row: Sequence[Any],
    departments_read: dict[str, tuple[str, ...]] | None = None,
    sections_read: dict[str, str] | None = None,
) -> ListEntry:
    """A ListEntry from a row of :data:`LIST_COLUMNS`.

    A list of thousands of sheets reads one row per sheet: this does the
    least work that gives the same entry (each text looked at once, each rate
    parsed once, the entry made without the dataclass's ``__init__``).

    Args:
        departments_read: the departments already read from the same
            ``departments_json`` text (filled here): a list of thousands of
            sheets has a few dozen different texts.
        sections_read: the sections already read, as stored and as shown
            (filled here): as few as the departments.

    Raises:
        BookError: the stored departments, id, report year or revision cannot
            be read (the book is damaged); :func:`list_entries_from_rows` leaves
            such a row out.
    """
    (
        sheet_id,
        report_year,
        no,
        departments_json,
        title,
        latest_text,
        latest_year,
        target_text,
        unit,
        updated_at,
        revision,
        eval_achievement,
        eval_progress,
        eval_word,
        eval_reason,
        eval_label,
        eval_rates,
        section,
    ) = row
    sheet_id = stored_int(sheet_id, "ID", sheet_id)
    if _stored_year(report_year) is None:
        raise BookError(f"ブックのシート（ID {sheet_id}）が壊れていて読めません（報告年度）")
    departments = _departments(sheet_id, departments_json, departments_read)
    # As load_sheet: what another program stored is shown safely. One look
    # at all the texts together; each is cleaned only when one needs it.
    texts = (str(title), str(latest_text), str(target_text), str(unit))
    if limits.unsafe_character("\n".join(texts)) is not None:
        texts = tuple(limits.clean_text(text) for text in texts)
    shown_section = None if sections_read is None else sections_read.get(section)
    if shown_section is None:
        shown_section = limits.clean_text(str(section or "")[: limits.MAX_SECTION_CHARS])
        if sections_read is not None and isinstance(section, str):
            sections_read[section] = shown_section
    return list_entry_of(
        {
            "id": sheet_id,
            "report_year": report_year,
            "no": str(no),
            "departments": departments,
            "title": texts[0],
            "latest_text": texts[1],
            "latest_year": _stored_year(latest_year),
            "target_text": texts[2],
            "unit": texts[3],
            "updated_at": str(updated_at),
            "revision": stored_int(revision, "版", sheet_id),
            "achievement": _rate(eval_achievement),
            "progress": _rate(eval_progress),
            "word_target": bool(eval_word),
            "evaluation_note": str(eval_reason or ""),
            "evaluation_label": str(eval_label or ""),
            "section": shown_section,
            "eval_rates": eval_rates if isinstance(eval_rates, str) else "",
        }
    )


def _rate(value: Any) -> Decimal | None:
    """A stored rate as :func:`_decimal_or_none` reads it, text parsed once."""
    if value is None:
        return None
    if type(value) is str and len(value) <= ranking.MAX_STORED_RATE_CHARS:
        return ranking.stored_rate(value)
    return _decimal_or_none(value)


def _departments(
    sheet_id: int, departments_json: Any, read: dict[str, tuple[str, ...]] | None
) -> tuple[str, ...]:
    """The departments stored as ``departments_json``, cleaned (see :func:`list_entry_from_row`)."""
    if read is not None and isinstance(departments_json, str):
        known = read.get(departments_json)
        if known is not None:
            return known
    try:
        departments = json.loads(departments_json)
    except (ValueError, TypeError, RecursionError) as error:
        raise BookError(
            f"ブックのシート（ID {sheet_id}）が壊れていて読めません（{error}）"
        ) from error
    if not isinstance(departments, list) or not all(isinstance(d, str) for d in departments):
        raise BookError(f"ブックのシート（ID {sheet_id}）が壊れていて読めません（担当課）")
    cleaned = tuple(limits.clean_text(name) for name in departments)
    if read is not None and isinstance(departments_json, str):
        read[departments_json] = cleaned
    return cleaned


def read_list_entries(db: BookDatabase, where: str, params: Sequence[Any]) -> list[ListEntry]:
    """The list entries of the sheets ``where`` picks, in No order (see ``Book.list_entries``)."""
    rows = db.fetch_all(f"{LIST_SELECT}{where} ORDER BY s.id", params)
    return list_entries_from_rows(rows)


def list_entries_from_rows(rows: Iterable[Sequence[Any]]) -> list[ListEntry]:
    """The ListEntries of rows of :data:`LIST_COLUMNS` that can be read, in list order.

    A row the book holds damaged is left out rather than keep the whole list
    from showing; opening that sheet says what is wrong with it.
    """
    entries = []
    departments_read: dict[str, tuple[str, ...]] = {}
    sections_read: dict[str, str] = {}
    for row in rows:
        try:
            entries.append(list_entry_from_row(row, departments_read, sections_read))
        except BookError:
            continue
    return sorted(entries, key=list_sort_key)


def id_of(db: Database, key: tuple[int, str]) -> int | None:
    """The id of the sheet with this (report year, No), or None."""
    row = db.execute("SELECT id FROM sheets WHERE report_year = ? AND no = ?", list(key)).fetchone()
    return None if row is None else stored_int(row[0], "ID", None)


def stored_years(db: Database, sheet_ids: Sequence[int | None]) -> set[int]:
    """The report years the book holds for these ids (unknown ids and None ignored)."""
    years = set()
    for sheet_id in sheet_ids:
        if sheet_id is None:
            continue
        row = db.execute("SELECT report_year FROM sheets WHERE id = ?", [sheet_id]).fetchone()
        if row is not None:
            years.add(stored_int(row[0], "報告年度", sheet_id))
    return years


def revision_of(db: Database, sheet_id: int) -> int | None:
    """The revision the book holds for this id, or None when there is no such sheet."""
    row = db.execute("SELECT revision FROM sheets WHERE id = ?", [sheet_id]).fetchone()
    return None if row is None else stored_int(row[0], "版", sheet_id)


def insert_sheet(db: Database, sheet: Sheet, data: str, now: str, saved_by: str) -> int:
    """Add a sheet row (revision 1) and its first snapshot; return its id."""
    table = db["sheets"]
    columns = row_columns(sheet, data)
    table.insert({**columns, "revision": 1, "created_at": now, "updated_at": now})
    sheet_id = int(table.last_rowid or 0)
    _index(db, sheet_id, columns)
    _snapshot(db, sheet_id, 1, sheet, data, now, saved_by)
    return sheet_id


def update_sheet(
    db: Database, sheet_id: int, current: int, sheet: Sheet, data: str, now: str, saved_by: str
) -> int:
    """Replace a sheet row at revision ``current`` and snapshot it; return the new revision."""
    revision = current + 1
    columns = row_columns(sheet, data)
    values = {**columns, "revision": revision, "updated_at": now}
    # The columns are this module's own names, never the user's text.
    assignments = ", ".join(f'"{name}" = ?' for name in values)
    db.execute(f"UPDATE sheets SET {assignments} WHERE id = ?", [*values.values(), sheet_id])
    _index(db, sheet_id, columns)
    _snapshot(db, sheet_id, revision, sheet, data, now, saved_by)
    return revision


def reinsert_sheet(
    db: Database, sheet_id: int, revision: int, sheet: Sheet, data: str, now: str, saved_by: str
) -> None:
    """Put a deleted sheet back under its own id at ``revision`` and snapshot it."""
    columns = row_columns(sheet, data)
    db["sheets"].insert(
        {**columns, "id": sheet_id, "revision": revision, "created_at": now, "updated_at": now}
    )
    _index(db, sheet_id, columns)
    _snapshot(db, sheet_id, revision, sheet, data, now, saved_by)


def delete_sheet_row(db: Database, sheet_id: int) -> bool:
    """Delete a sheet row and its search entries (its history stays); False when there is none."""
    _unindex(db, sheet_id)
    return db.execute("DELETE FROM sheets WHERE id = ?", [sheet_id]).rowcount > 0


def _index(db: Database, sheet_id: int, columns: dict[str, Any]) -> None:
    """Put the row's searched columns, in search form, into the full-text indexes.

    A save that left them as they were (a changed value, a comment) leaves
    the indexes alone.
    """
    text = search_text(columns[column] for column in SEARCH_COLUMNS)
    if _unindex(db, sheet_id, unless=text):
        return
    db.execute("INSERT INTO sheets_fts (rowid, search_text) VALUES (?, ?)", [sheet_id, text])
    db.execute(
        "INSERT INTO sheets_grams (rowid, grams) VALUES (?, ?)", [sheet_id, gram_document(text)]
    )


def _unindex(db: Database, sheet_id: int, *, unless: str | None = None) -> bool:
    """Take the sheet out of the search indexes; True (nothing done) if its text is ``unless``.

    ``sheets_grams`` keeps no text: FTS5 must be given the pieces it was
    given, which are made again from the text kept in ``sheets_fts``.
    """
    row = db.execute("SELECT search_text FROM sheets_fts WHERE rowid = ?", [sheet_id]).fetchone()
    pieces = db.execute("SELECT 1 FROM sheets_grams_docsize WHERE id = ?", [sheet_id]).fetchone()
    if pieces is not None and row is not None and unless is not None and row[0] == unless:
        return True
    if pieces is not None:
        old = row[0] if row is not None and isinstance(row[0], str) else ""
        db.execute(
            "INSERT INTO sheets_grams (sheets_grams, rowid, grams) VALUES ('delete', ?, ?)",
            [sheet_id, gram_document(old)],
        )
    db.execute("DELETE FROM sheets_fts WHERE rowid = ?", [sheet_id])
    return False


def _snapshot(
    db: Database, sheet_id: int, revision: int, sheet: Sheet, data: str, now: str, saved_by: str
) -> None:
    """Append the sheet as saved to its history."""
    db.execute(
        "INSERT INTO history (sheet_id, revision, report_year, no, data, saved_at, saved_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [sheet_id, revision, sheet.report_year, sheet.no, data, now, saved_by],
    )
