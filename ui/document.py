"""The open sheet: a working copy of a ``Sheet`` and its undo stack."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from kpidesk import editing, limits
from kpidesk.model import Sheet
from ui.commands import SheetEditCommand


class SheetDocument(QObject):
    """One sheet open in the form, edited only through undo commands.

    Signals:
        changed(str): a part of the sheet changed: ``header`` (a one-line
            field, the source fields included), ``table``, ``efforts``,
            ``issues``, ``direction`` or ``opinions``.
        modified_changed(bool): the sheet became modified or clean.
    """

    changed = Signal(str)
    modified_changed = Signal(bool)

    def __init__(self, sheet: Sheet, parent: QObject | None = None, *, keep: bool = False) -> None:
        """Edit a copy of ``sheet``; ``keep``: ``sheet`` itself, which its caller (having
        just read it from the book) lets go of."""
        super().__init__(parent)
        self._sheet = sheet if keep else copy.deepcopy(sheet)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    @property
    def sheet(self) -> Sheet:
        """The sheet as currently edited. Change it only through :meth:`edit`."""
        return self._sheet

    def is_modified(self) -> bool:
        """True when there are changes since the sheet was opened or saved."""
        return not self.undo_stack.isClean()

    def edit(
        self, text: str, change: Callable[[Sheet], None], *, merge_key: str | None = None
    ) -> bool:
        """Apply ``change`` to the sheet as one undoable step named ``text``.

        Returns:
            True if something changed (an edit that changes nothing is not recorded).
        """
        before = copy.deepcopy(self._sheet)
        after = copy.deepcopy(before)
        change(after)
        # Pasted characters a workbook cannot carry become U+FFFD in the edit
        # itself, so that undo and redo never bring them back.
        limits.clean_sheet(after)
        if after == before:
            return False
        self.undo_stack.push(SheetEditCommand(self, text, before, after, merge_key))
        return True

    def replace_content(self, text: str, content: Sheet) -> bool:
        """Put the content of ``content`` (a draft, an earlier version) in as one undoable step.

        Everything but the book's bookkeeping (id, revision, updated_at) is taken.

        Returns:
            True if something changed.
        """

        def put(sheet: Sheet) -> None:
            for field in dataclasses.fields(Sheet):
                if field.compare:
                    setattr(sheet, field.name, copy.deepcopy(getattr(content, field.name)))

        return self.edit(text, put)

    def restore(self, sheet: Sheet) -> None:
        """Put a state of the sheet back (called by commands), keeping the book's bookkeeping."""
        sheet.id, sheet.revision, sheet.updated_at = (
            self._sheet.id,
            self._sheet.revision,
            self._sheet.updated_at,
        )
        before, self._sheet = self._sheet, sheet
        for part in editing.changed_parts(before, sheet):
            self.changed.emit(part)

    def mark_saved(self, saved: Sheet) -> None:
        """The sheet was saved as ``saved``: take its bookkeeping and become clean."""
        self._sheet.id = saved.id
        self._sheet.revision = saved.revision
        self._sheet.updated_at = saved.updated_at
        self.undo_stack.setClean()

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)
