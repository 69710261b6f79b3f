"""The sheet list's filter: the rows of the list model that the filters let through."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Slot,
)

from kpidesk import evaluation
from kpidesk.evaluation import EvaluationSettings
from kpidesk.model import ListEntry
from ui.list_delegate import ALIGNMENT, BACKGROUND, DISPLAY, FOREGROUND

if TYPE_CHECKING:
    from ui.sheet_list import SheetListModel

_Index = QModelIndex | QPersistentModelIndex


IdRole = Qt.ItemDataRole.UserRole + 1
EntryRole = Qt.ItemDataRole.UserRole + 2

#: The roles a repaint asks of every cell shown that the list answers (from
#: ``SheetListModel.painted``): text, alignment and the rank's colours.
PAINT_ROLES = frozenset({DISPLAY, ALIGNMENT, FOREGROUND, BACKGROUND})

#: The other roles the list answers (worked out when asked).
_LOOKED_UP_ROLES = frozenset(int(role) for role in (Qt.ItemDataRole.ToolTipRole, IdRole, EntryRole))


def entry_rank(summary: ListEntry, settings: EvaluationSettings) -> str | None:
    """The rank the list shows for a sheet, or None when it is not ranked."""
    return evaluation.entry_rank(summary, settings)[1].label


class Filter(enum.Enum):
    """The list's filters, by the name the user knows them by."""

    YEAR = "報告年度"
    DEPARTMENT = "担当課"
    RANK = "評価"
    SEARCH = "検索"


class SheetFilterProxy(QAbstractTableModel):
    """Shows the sheets of one report year and department that match the search.

    The rows shown are worked out in one pass over the list's summaries
    whenever a filter or the list changes, and the view is told once
    (``layoutChanged``), its current and selected rows kept where they are
    still shown: a keystroke in the search box costs no call back into
    Python per sheet, as a ``QSortFilterProxyModel`` asking ``filterAcceptsRow``
    of each of thousands of rows does. It maps rows as a proxy model does
    but is a table model: a ``QAbstractProxyModel`` calls back into Python
    for every cell painted (a repaint of the list took three times as long).
    Only a :class:`SheetListModel` can be its source.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._report_year: int | None = None
        self._department: str | None = None
        self._matching_ids: set[int] | None = None
        self._rank: str | None = None
        self._source: SheetListModel | None = None
        self._columns = 0
        #: The source rows shown, in order, and (made when asked) the other way round.
        self._rows: list[int] = []
        self._proxy_rows: dict[int, int] | None = None
        #: The ids of the persistent indexes while the source changes.
        self._saved: tuple[list[QPersistentModelIndex], list[int | None]] | None = None

    def setSourceModel(self, model: SheetListModel) -> None:
        """Show the rows of ``model`` that the filters let through (once, at the start)."""
        assert self._source is None
        self.beginResetModel()
        self._source = model
        self._columns = model.columnCount()
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._on_source_reset)
        for about, done in (
            (model.layoutAboutToBeChanged, model.layoutChanged),
            (model.rowsAboutToBeInserted, model.rowsInserted),
            (model.rowsAboutToBeRemoved, model.rowsRemoved),
        ):
            about.connect(self._on_source_about_to_change)
            done.connect(self._on_source_changed)
        model.dataChanged.connect(self._on_source_data_changed)
        self._rows = self._accepted_rows()
        self._proxy_rows = None
        self.endResetModel()

    def sourceModel(self) -> SheetListModel | None:
        """The list model whose rows are filtered."""
        return self._source

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Let the list model sort itself; the proxy keeps its order and only filters."""
        if self._source is not None:
            self._source.sort(column, order)

    def set_filters(
        self,
        *,
        report_year: int | None,
        department: str | None,
        matching_ids: set[int] | None,
        rank: str | None = None,
    ) -> None:
        """Change all filters at once (None: no filter of that kind).

        ``rank`` is a rank label, or :data:`kpidesk.evaluation.NOT_JUDGED`
        for the sheets that cannot be judged.
        """
        self._report_year = report_year
        self._department = department
        self._matching_ids = matching_ids
        self._rank = rank
        rows = self._accepted_rows()
        if rows != self._rows:
            self._save_persistent()
            self._rows = rows
            self._proxy_rows = None
            self._restore_persistent()

    def _accepted_rows(self) -> list[int]:
        """The source rows the filters let through, in order."""
        if self._source is None:
            return []
        year, department, ids, rank = (
            self._report_year,
            self._department,
            self._matching_ids,
            self._rank,
        )
        rows = [
            row
            for row, summary in enumerate(self._source.entries())
            if (year is None or summary.report_year == year)
            and (ids is None or summary.id in ids)
            and (department is None or department in summary.departments)
        ]
        if rank is not None:
            entries, settings = self._source.entries(), self._source.settings
            rows = [
                row
                for row in rows
                if (entry_rank(entries[row], settings) or evaluation.NOT_JUDGED) == rank
            ]
        return rows

    def hiding(self, summary: ListEntry) -> list[Filter]:
        """The filters that keep ``summary`` out of the list (none: it is shown)."""
        found = []
        if self._report_year is not None and summary.report_year != self._report_year:
            found.append(Filter.YEAR)
        if self._department is not None and self._department not in summary.departments:
            found.append(Filter.DEPARTMENT)
        if self._rank is not None:
            settings = self._source.settings if self._source is not None else None
            shown = entry_rank(summary, settings or EvaluationSettings()) or evaluation.NOT_JUDGED
            if shown != self._rank:
                found.append(Filter.RANK)
        if self._matching_ids is not None and summary.id not in self._matching_ids:
            found.append(Filter.SEARCH)
        return found

    # --- the source changed

    def _save_persistent(self) -> None:
        """Say the rows will change, and note which sheet each persistent index is on."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._id_at(index.row()) for index in persistent]
        self._saved = (persistent, ids)

    def _restore_persistent(self) -> None:
        """Move each persistent index to its sheet's new row (gone: invalid), and say so."""
        if self._saved is not None:
            persistent, ids = self._saved
            self._saved = None
            self.changePersistentIndexList(
                persistent,
                [
                    self._index_of_id(sheet_id, index.column())
                    for sheet_id, index in zip(ids, persistent, strict=True)
                ],
            )
        self.layoutChanged.emit()

    def _id_at(self, row: int) -> int | None:
        if self._source is None or not 0 <= row < len(self._rows):
            return None
        entries = self._source.entries()
        source_row = self._rows[row]
        return entries[source_row].id if source_row < len(entries) else None

    def _index_of_id(self, sheet_id: int | None, column: int) -> QModelIndex:
        if sheet_id is None or self._source is None:
            return QModelIndex()
        source_row = self._source.row_of(sheet_id)
        row = None if source_row is None else self._proxy_row(source_row)
        return QModelIndex() if row is None else self.createIndex(row, column)

    def _proxy_row(self, source_row: int) -> int | None:
        if self._proxy_rows is None:
            self._proxy_rows = dict(zip(self._rows, range(len(self._rows)), strict=True))
        return self._proxy_rows.get(source_row)

    @Slot()
    def _on_source_about_to_change(self) -> None:
        self._save_persistent()

    @Slot()
    def _on_source_changed(self) -> None:
        self._rows = self._accepted_rows()
        self._proxy_rows = None
        self._restore_persistent()

    @Slot()
    def _on_source_reset(self) -> None:
        self._rows = self._accepted_rows()
        self._proxy_rows = None
        self.endResetModel()

    @Slot(QModelIndex, QModelIndex)
    def _on_source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        rows = [
            row
            for row in (self._proxy_row(r) for r in range(top_left.row(), bottom_right.row() + 1))
            if row is not None
        ]
        if rows:
            self.dataChanged.emit(
                self.index(min(rows), top_left.column()),
                self.index(max(rows), bottom_right.column()),
            )

    # --- the model the view reads

    def mapToSource(self, proxy_index: _Index) -> QModelIndex:
        if self._source is None or not proxy_index.isValid():
            return QModelIndex()
        row = proxy_index.row()
        if not 0 <= row < len(self._rows):
            return QModelIndex()
        return self._source.index(self._rows[row], proxy_index.column())

    def mapFromSource(self, source_index: _Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        row = self._proxy_row(source_index.row())
        return QModelIndex() if row is None else self.createIndex(row, source_index.column())

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self._rows) and 0 <= column < self._columns):
            return QModelIndex()
        return self.createIndex(row, column)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._columns

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._source is None or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        return self._source.cell(self._rows[row], index.column(), role)

    def multiData(self, index: _Index, roleDataSpan: QModelRoleDataSpan) -> None:
        """Every role the view asks of a cell in one call (the delegate asks seven per cell)."""
        row = index.row() if index.isValid() and self._source is not None else -1
        if not 0 <= row < len(self._rows):
            for role_data in roleDataSpan:
                role_data.clearData()
            return
        assert self._source is not None
        source_row = self._rows[row]
        column = index.column()
        painted = self._source.painted(source_row)[column].get
        for role_data in roleDataSpan:
            role = role_data.role()
            if role in PAINT_ROLES:
                value = painted(role)
            elif role in _LOOKED_UP_ROLES:
                value = self._source.cell(source_row, column, role)
            else:
                value = None
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def painted_cell(self, row: int, column: int) -> dict[int, Any]:
        """What the cell at ``row``, ``column`` paints, by role (``SheetListModel.painted``)."""
        if self._source is None or not 0 <= row < len(self._rows):
            return {}
        return self._source.painted(self._rows[row])[column]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self._source is None:
            return None
        return self._source.headerData(section, orientation, role)
