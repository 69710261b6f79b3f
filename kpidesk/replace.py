"""検索と置換: find a text in the fields of sheets and replace it, field by field.

A hit is one field that holds the text (KPI名, a 担当課, a value-table cell, a
paragraph …); replacing it replaces every occurrence in that field. The No
and the report year are never changed here (a sheet's key). The window
replaces in the open sheet as one undo step; across the book,
:func:`kpidesk.operations.replace_in_book` writes one revision per sheet.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kpidesk import editing
from kpidesk.model import BULLET_SECTIONS, SOURCE_FIELDS, Sheet, value_column_headings

#: Where in a sheet a field is: ("title",), ("departments", 0),
#: ("cell", row, column) of the value table, ("efforts", 2) …
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Hit:
    """One field of one sheet that holds the text searched for.

    Attributes:
        sheet_id: the sheet's id (None for a sheet not in a book).
        report_year, no, title: the sheet, to show.
        path: where the field is (see :data:`Path`).
        field: the field's name as the form shows it (``取組状況 2段落目``).
        before, after: the field's text now and after replacing.
    """

    sheet_id: int | None
    report_year: int
    no: str
    title: str
    path: Path
    field: str
    before: str
    after: str


def _fields(sheet: Sheet) -> Iterable[tuple[Path, str, str]]:
    """(path, name, text) of every field that can be replaced in, in the form's order."""
    for index, name in enumerate(sheet.departments):
        yield ("departments", index), "担当課", name
    yield ("title",), "KPI名", sheet.title
    yield ("section",), "施策", sheet.section
    if sheet.rows:
        values = value_column_headings(sheet, break_baseline=False)
        headings = ["項目", "単位", *(heading.replace("\n", "") for heading in values)]
        for row in range(len(sheet.rows)):
            for column in range(editing.column_count(sheet)):
                text = editing.cell_text(sheet, row, column)
                yield ("cell", row, column), f"{row + 1}行目 {headings[column]}", text
    for attr, label in SOURCE_FIELDS:
        yield (attr,), label, getattr(sheet, attr)
    for attr, heading in BULLET_SECTIONS:
        for index, text in enumerate(sheet.text_section(attr)):
            yield (attr, index), f"{heading} {index + 1}段落目", text
    yield ("planning_comment",), "企画課コメント", sheet.planning_comment


def _setter(sheet: Sheet, path: Path) -> Callable[[str], None]:
    head = path[0]
    if head == "cell":
        row, column = int(path[1]), int(path[2])
        return lambda text: editing.set_cell(sheet, row, column, text)
    if len(path) == 2:
        items = getattr(sheet, str(head))
        index = int(path[1])

        def put(text: str) -> None:
            items[index] = text

        return put
    return lambda text: setattr(sheet, str(head), text)


def find(sheets: Iterable[Sheet], text: str, replacement: str) -> list[Hit]:
    """Every field of ``sheets`` that holds ``text``, with its text after replacing."""
    if not text:
        return []
    hits = []
    for sheet in sheets:
        for path, name, before in _fields(sheet):
            if text in before:
                after = before.replace(text, replacement)
                hits.append(
                    Hit(sheet.id, sheet.report_year, sheet.no, sheet.title, path, name,
                        before, after)
                )  # fmt: skip
    return hits


def apply(sheet: Sheet, hits: Sequence[Hit], text: str, replacement: str) -> int:
    """Replace ``text`` in the fields of ``sheet`` the hits name; return the fields changed.

    A field whose text is no longer what the hit saw (changed since) is left
    alone, so that a replace never overwrites what it did not show.
    """
    current = {path: before for path, _, before in _fields(sheet)}
    changed = 0
    for hit in hits:
        if current.get(hit.path) != hit.before or text not in hit.before:
            continue
        _setter(sheet, hit.path)(hit.before.replace(text, replacement))
        changed += 1
    if changed and any(hit.path[0] == "departments" for hit in hits):
        # A 担当課 replaced by nothing goes; the same name twice is one.
        names = [name.strip() for name in sheet.departments if name.strip()]
        sheet.departments = list(dict.fromkeys(names))
    return changed


def replaced(sheet: Sheet, hits: Sequence[Hit], text: str, replacement: str) -> Sheet | None:
    """A copy of ``sheet`` with the hits replaced, or None when nothing changes."""
    copied = copy.deepcopy(sheet)
    if not apply(copied, hits, text, replacement) or copied == sheet:
        return None
    return copied
