"""Undo commands: every edit of an open sheet is one ``SheetEditCommand``.

A command keeps the sheet as it was before and after the edit. Redo and undo
put one of them back into the document; the document tells the widgets which
parts changed. Consecutive keystrokes in the same field merge into one step,
as in Office.
"""

from __future__ import annotations

import copy
import itertools
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from kpidesk.model import Sheet

if TYPE_CHECKING:
    from ui.document import SheetDocument

_MERGE_IDS: dict[str, int] = {}
_NEXT_MERGE_ID = itertools.count(1000)


def merge_id(key: str) -> int:
    """The QUndoCommand id for edits that merge under ``key`` (e.g. ``title``)."""
    if key not in _MERGE_IDS:
        _MERGE_IDS[key] = next(_NEXT_MERGE_ID)
    return _MERGE_IDS[key]


class SheetEditCommand(QUndoCommand):
    """One undoable edit of a sheet, stored as the sheet before and after."""

    def __init__(
        self,
        document: SheetDocument,
        text: str,
        before: Sheet,
        after: Sheet,
        merge_key: str | None = None,
    ) -> None:
        super().__init__(text)
        self._document = document
        self._before = before
        self._after = after
        self._id = merge_id(merge_key) if merge_key else -1

    def id(self) -> int:
        return self._id

    def redo(self) -> None:
        self._document.restore(copy.deepcopy(self._after))

    def undo(self) -> None:
        self._document.restore(copy.deepcopy(self._before))

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SheetEditCommand) or other.id() != self.id():
            return False
        self._after = other._after
        return True
