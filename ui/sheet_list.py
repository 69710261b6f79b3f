"""The sheet list: a table model over the book's summaries, a filter, the panel."""

from __future__ import annotations

import contextlib
import enum
import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kpidesk import eras, evaluation, values
from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from kpidesk.evaluation import EvaluationSettings
from kpidesk.model import ListEntry, list_sort_key
from ui import colours, placeholders
from ui.evaluation_texts import rank_flags
from ui.list_delegate import (
    AHEAD_ROWS,
    ALIGNMENT,
    BACKGROUND,
    CENTRE,
    DISPLAY,
    FOREGROUND,
    RIGHT,
    ListDelegate,
)
from ui.list_filter import (
    PAINT_ROLES,
    EntryRole,
    Filter,
    IdRole,
    SheetFilterProxy,
    entry_rank,
)
from ui.notice_bar import NoticeBar

_Index = QModelIndex | QPersistentModelIndex


class Col(enum.IntEnum):
    """The list's columns."""

    NO = 0
    DEPARTMENTS = 1
    TITLE = 2
    LATEST = 3
    TARGET = 4
    RANK = 5
    UPDATED = 6


COLUMN_COUNT = len(Col)

#: The roles the list answers; the view asks for many more on every repaint.
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        IdRole,
        EntryRole,
    }
)

HEADERS = {
    Col.NO: "No",
    Col.DEPARTMENTS: "担当課",
    Col.TITLE: "KPI名",
    Col.LATEST: "最新実績",
    Col.TARGET: "目標値",
    Col.RANK: "評価",
    Col.UPDATED: "更新日時",
}


def latest_display(summary: ListEntry) -> str:
    """``5,081（R2）``: the newest actual with its year."""
    if not summary.latest_text or summary.latest_year is None:
        return ""
    return f"{summary.latest_text}（{eras.short_label(summary.latest_year)}）"


def updated_display(summary: ListEntry) -> str:
    """``2026-11-29 19:44``: the ISO time without seconds."""
    return summary.updated_at.replace("T", " ")[:16]


def rank_tooltip(summary: ListEntry, settings: EvaluationSettings) -> str:
    """What the 評価 cell says on hover: the rate and the rule it was read by, or why
    there is no rank."""
    row, result = evaluation.entry_rank(summary, settings)
    if result.label is None:
        if result.status is evaluation.RankStatus.EXCLUDED:
            return result.reason
        reason = result.reason or summary.evaluation_note
        return f"評価できません: {reason}" if reason else ""
    label = row.label if row is not None else summary.evaluation_label
    several = row is None or len(summary.rank_rows) > 1
    parts: list[str] = []
    if result.rate is not None and result.basis is not None:
        parts.append(
            f"{result.basis.label} {evaluation.format_rate(result.rate, settings.rounding)}"
        )
    if result.rule:
        parts.append(result.rule)
    if row is not None:
        parts += rank_flags(result, row.mark, reason=row.external_reason)
    else:
        parts += rank_flags(result, "")
    prefix = f"{label}の行: " if label and several else ""
    return prefix + "、".join(parts)


def _sort_key(
    column: Col, settings: EvaluationSettings | None = None
) -> Callable[[ListEntry], Any]:
    """How a column sorts: No as a number, the others by their text, then by No."""
    if column == Col.RANK:
        scheme = settings or EvaluationSettings()

        def by_rank(summary: ListEntry) -> Any:
            index = evaluation.rank_index(entry_rank(summary, scheme), scheme)
            return (len(scheme.labels) if index is None else index, list_sort_key(summary))

        return by_rank
    if column == Col.NO:
        return list_sort_key
    if column == Col.UPDATED:
        return lambda summary: (summary.updated_at, list_sort_key(summary))
    if column == Col.LATEST:
        return lambda summary: (
            summary.latest_year or 0,
            _number_or_text(summary.latest_text),
            list_sort_key(summary),
        )
    if column == Col.TARGET:
        return lambda summary: (_number_or_text(summary.target_text), list_sort_key(summary))
    return lambda summary: (
        SheetListModel.display(summary, column, scheme=settings),
        list_sort_key(summary),
    )


def _number_or_text(text: str) -> tuple[int, Decimal, str]:
    """Numbers first, in numeric order, then words by their text."""
    number = values.parse_value(text).number
    return (0, number, "") if number is not None else (1, Decimal(0), text)


class SheetListModel(QAbstractTableModel):
    """The summaries of every sheet in a book, one row each.

    Only the summary columns are read from the book, never the sheets' full
    text, so a book of thousands of sheets lists at once. The model sorts
    itself (a Python sort of the summaries), so the filter proxy never has
    to call back into Python for each comparison.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._book: Book | None = None
        self._entries: list[ListEntry] = []
        self._rows_by_id: dict[int, int] = {}
        self._sort_column = Col.NO
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.settings = EvaluationSettings()
        #: What each sheet's cells paint, by sheet id: see :meth:`painted`.
        self._painted: dict[int, tuple[dict[int, Any], ...]] = {}

    def set_book(self, book: Book | None) -> None:
        """Show the sheets of ``book`` (None: an empty list)."""
        self._book = book
        self.settings = book.evaluation_settings() if book is not None else EvaluationSettings()
        self.reload()

    def set_evaluation_settings(self, settings: EvaluationSettings) -> None:
        """The book's rank scheme changed: rank (and sort) every row again."""
        self.settings = settings
        self.forget_painted()
        self.sort(self._sort_column, self._sort_order)
        if self._entries:
            self.dataChanged.emit(
                self.index(0, Col.RANK), self.index(len(self._entries) - 1, Col.RANK)
            )

    def _key(self) -> Callable[[ListEntry], Any]:
        return _sort_key(self._sort_column, self.settings)

    def reload(self) -> None:
        """Read the summaries again from the book."""
        self.beginResetModel()
        self.forget_painted()
        summaries = self._book.list_entries() if self._book is not None else []
        # The book gives them in No order: sorting by No again would only cost time.
        by_no = self._sort_column == Col.NO and self._sort_order == Qt.SortOrder.AscendingOrder
        self._entries = summaries if by_no else self._sorted(summaries)
        self._reindex()
        self.endResetModel()

    def _sorted(self, summaries: list[ListEntry]) -> list[ListEntry]:
        return sorted(
            summaries,
            key=self._key(),
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )

    def _reindex(self) -> None:
        self._rows_by_id = {summary.id: row for row, summary in enumerate(self._entries)}

    def entry(self, row: int) -> ListEntry:
        """The summary shown on ``row``."""
        return self._entries[row]

    def row_of(self, sheet_id: int) -> int | None:
        """The row showing the sheet with this id, or None."""
        return self._rows_by_id.get(sheet_id)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Col):
            return
        self._sort_column = Col(column)
        self._sort_order = order
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._entries[index.row()].id for index in persistent]
        self._entries = self._sorted(self._entries)
        self._reindex()
        self.changePersistentIndexList(
            persistent,
            [
                self.index(self._rows_by_id[i], index.column())
                for i, index in zip(ids, persistent, strict=True)
            ],
        )
        self.layoutChanged.emit()

    def refresh_sheet(self, sheet_id: int) -> ListEntry | None:
        """A sheet was saved or added: show its new summary; return the old one."""
        if self._book is None:
            return None
        summary = self._book.get_list_entry(sheet_id)
        self.forget_painted(sheet_id)
        row = self.row_of(sheet_id)
        old = None if row is None else self._entries[row]
        if old is not None and self._key()(old) == self._key()(summary):
            assert row is not None
            self._entries[row] = summary
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Col) - 1))
            return old
        if old is not None:
            self.remove_sheet(sheet_id)
        row = self._insert_position(summary)
        self.beginInsertRows(QModelIndex(), row, row)
        self._entries.insert(row, summary)
        self._reindex()
        self.endInsertRows()
        return old

    def _insert_position(self, summary: ListEntry) -> int:
        key = self._key()
        new_key = key(summary)
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        for row, other in enumerate(self._entries):
            other_key = key(other)
            if (other_key < new_key) if descending else (new_key < other_key):
                return row
        return len(self._entries)

    def remove_sheet(self, sheet_id: int) -> None:
        """A sheet was deleted: take its row away."""
        row = self.row_of(sheet_id)
        self.forget_painted(sheet_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._entries[row]
        self._reindex()
        self.endRemoveRows()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS.get(Col(section)) if 0 <= section < len(Col) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        return self.cell(index.row(), index.column(), role)

    def entries(self) -> list[ListEntry]:
        """Every summary, in the order of the rows (not to be changed)."""
        return self._entries

    def cell(self, row: int, column: int, role: int) -> Any:
        """What ``data`` answers for this row, column and role."""
        if not 0 <= row < len(self._entries):
            return None
        if role in PAINT_ROLES:
            return self.painted(row)[column].get(role)
        summary = self._entries[row]
        if role == IdRole:
            return summary.id
        if role == EntryRole:
            return summary
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Col.RANK:
                return rank_tooltip(summary, self.settings)
            if column in (Col.TITLE, Col.DEPARTMENTS):
                return self.display(summary, _COLUMNS[column])
        return None

    def painted(self, row: int) -> tuple[dict[int, Any], ...]:
        """What each column of ``row`` paints, by role: text, alignment and rank colours.

        A repaint asks the roles of every cell shown; they are worked out once
        per sheet and kept until the sheet, the book, the rank scheme or the
        theme changes.
        """
        summary = self._entries[row]
        cells = self._painted.get(summary.id)
        if cells is None:
            if len(self._painted) >= _KEPT_SHEETS:
                self._painted.clear()  # a long scroll keeps no more than a few screens' worth
            cells = self._painted[summary.id] = self._paint(summary)
        return cells

    def _paint(self, summary: ListEntry) -> tuple[dict[int, Any], ...]:
        cells: tuple[dict[int, Any], ...] = tuple(
            {DISPLAY: self.display(summary, column, scheme=self.settings)} for column in _COLUMNS
        )
        for column in (Col.LATEST, Col.TARGET):
            cells[column][ALIGNMENT] = RIGHT
        rank = cells[Col.RANK]
        rank[ALIGNMENT] = CENTRE
        index = evaluation.rank_index(entry_rank(summary, self.settings), self.settings)
        if index is not None:
            text, background = _rank_brushes(
                index, len(self.settings.labels), colours.palette().cacheKey()
            )
            rank[FOREGROUND] = text
            rank[BACKGROUND] = background
        return cells

    def forget_painted(self, sheet_id: int | None = None) -> None:
        """Work out again what the cells of one sheet (None: every sheet) paint."""
        if sheet_id is None:
            self._painted.clear()
        else:
            self._painted.pop(sheet_id, None)

    @staticmethod
    def display(
        summary: ListEntry, column: Col, *, scheme: EvaluationSettings | None = None
    ) -> str:
        """The text shown for ``summary`` in ``column`` (ranks by ``scheme``, else A–D)."""
        if column == Col.NO:
            return summary.no
        if column == Col.DEPARTMENTS:
            return summary.departments_text
        if column == Col.TITLE:
            return summary.title
        if column == Col.LATEST:
            return latest_display(summary)
        if column == Col.TARGET:
            return summary.target_text
        if column == Col.RANK:
            rank = entry_rank(summary, scheme or EvaluationSettings())
            return evaluation.NOT_JUDGED if rank is None else rank
        return updated_display(summary)


_COLUMNS = tuple(Col)
#: How many sheets' cells are kept at most: every sheet the list lays out
#: ahead, and a few screens more.
_KEPT_SHEETS = AHEAD_ROWS + 500


@functools.lru_cache(maxsize=64)
def _rank_brushes(index: int, count: int, palette_key: int) -> tuple[QBrush, QBrush]:
    """The text and background brushes of rank ``index`` of ``count`` in theme ``palette_key``."""
    tint = colours.rank_tint(index, count)
    return QBrush(tint.text), QBrush(tint.background)


#: The widths of the columns but KPI名, which takes the rest.
COLUMN_WIDTHS = {Col.NO: 44, Col.DEPARTMENTS: 104, Col.LATEST: 96, Col.TARGET: 70,
                 Col.RANK: 44, Col.UPDATED: 122}  # fmt: skip
#: The least width KPI名 keeps: a narrower list gives up 更新日時, then
#: 目標値, then 最新実績 (the form shows them all), in this order.
TITLE_WIDTH = 120
GIVEN_UP = (Col.UPDATED, Col.TARGET, Col.LATEST)


class SheetListPanel(QWidget):
    """The left side of the window: filters, the list and the count.

    Signals:
        current_sheet_changed(int): the user chose the sheet with this id.
        search_failed(str): the book could not be searched (the message).
        report_year_changed(): another report year was chosen in the filter.
    """

    current_sheet_changed = Signal(int)
    search_failed = Signal(str)
    report_year_changed = Signal()

    ALL = "（すべて）"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book: Book | None = None
        self._open_id: int | None = None
        self._quiet = 0
        self.model = SheetListModel(self)
        self.proxy = SheetFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.year_combo = QComboBox()
        self.year_combo.setObjectName("yearFilter")
        self.year_combo.setToolTip("報告年度で絞り込みます")
        self.department_combo = QComboBox()
        self.department_combo.setObjectName("departmentFilter")
        self.department_combo.setToolTip("担当課で絞り込みます")
        self.department_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.department_combo.setMinimumContentsLength(8)
        self.rank_combo = QComboBox()
        self.rank_combo.setObjectName("rankFilter")
        self.rank_combo.setToolTip("評価で絞り込みます（— は評価できないシート）")
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("search")
        self.search_edit.setPlaceholderText("検索（No・担当課・KPI名・施策・本文）  Ctrl+F")
        placeholders.quiet_placeholder(self.search_edit)
        self.search_edit.setClearButtonEnabled(True)

        self.table = QTableView()
        self.table.setObjectName("sheetList")
        self.table.setModel(self.proxy)
        # Tab leaves the list (arrow keys move between sheets): it must not walk
        # the cells, opening sheet after sheet, and trap the keyboard there.
        self.table.setTabKeyNavigation(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Col.NO, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.delegate = ListDelegate(self.table, self.proxy.painted_cell)
        self.table.setItemDelegate(self.delegate)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        # A selection of its own (never any): with the list's, every sheet chosen
        # repainted the whole header, each column being part of the row selected.
        header.setSelectionModel(QItemSelectionModel(self.proxy, header))
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Col.TITLE, QHeaderView.ResizeMode.Stretch)
        for column, width in COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.count_label = QLabel()
        self.count_label.setObjectName("count")
        # Which filter hides everything, or the open sheet, with a way out.
        self.filter_notice = NoticeBar("filterNotice")
        self.filter_notice.action_requested.connect(self.clear_filters)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("報告年度"))
        filters.addWidget(self.year_combo)
        filters.addWidget(QLabel("担当課"))
        filters.addWidget(self.department_combo, 1)
        # 評価 beside the search box: the list can then be narrow (a 1024-pixel screen).
        search = QHBoxLayout()
        search.addWidget(self.search_edit, 1)
        search.addWidget(QLabel("評価"))
        search.addWidget(self.rank_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 4)
        layout.addLayout(filters)
        layout.addLayout(search)
        layout.addWidget(self.filter_notice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self._connect_signals()
        self._update_count()
        colours.follow_palette(self.table, self._on_theme_changed)

    def _on_theme_changed(self) -> None:
        """The theme changed: the ranks' colours are made again for it."""
        self.model.forget_painted()
        self.delegate.forget()
        self.table.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A narrow list (a small screen, the form wide) drops columns (:data:`GIVEN_UP`)
        until KPI名 keeps :data:`TITLE_WIDTH`."""
        super().resizeEvent(event)
        room = self.table.width() - self.table.frameWidth() * 2
        needed = sum(COLUMN_WIDTHS.values()) + TITLE_WIDTH
        for column in GIVEN_UP:
            self.table.setColumnHidden(column, room < needed)
            needed -= COLUMN_WIDTHS[column]

    def _connect_signals(self) -> None:
        self.year_combo.currentIndexChanged.connect(self.on_year_combo_changed)
        self.department_combo.currentIndexChanged.connect(self.apply_filters)
        self.rank_combo.currentIndexChanged.connect(self.apply_filters)
        self.search_edit.textChanged.connect(self.apply_filters)
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_row_changed)
        # The count is updated once per change by the methods below, not per
        # row signal: narrowing a long list removes rows one range at a time.

    def set_book(self, book: Book | None) -> None:
        """List the sheets of ``book``."""
        self._book = book
        self._open_id = None
        with self._quietly():
            self.model.set_book(book)
        self.reload_filters()
        self._reload_ranks()
        self.apply_filters()

    def set_evaluation_settings(self, settings: EvaluationSettings) -> None:
        """The book's rank scheme changed: rank again and offer the new labels."""
        with self._quietly():
            self.model.set_evaluation_settings(settings)
            self._reload_ranks()
            self.apply_filters()

    def _reload_ranks(self) -> None:
        current = self.rank_combo.currentData()
        self.rank_combo.blockSignals(True)
        self.rank_combo.clear()
        self.rank_combo.addItem(self.ALL, None)
        for label in self.model.settings.labels:
            self.rank_combo.addItem(label, label)
        self.rank_combo.addItem(f"{evaluation.NOT_JUDGED}（評価なし）", evaluation.NOT_JUDGED)
        index = self.rank_combo.findData(current) if current is not None else -1
        self.rank_combo.setCurrentIndex(max(index, 0))
        self.rank_combo.blockSignals(False)

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Changes of the list's current row inside are not the user choosing a sheet."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def reload_filters(self) -> None:
        """Fill the year and department combos from the book, keeping the choices."""
        years = self._book.report_years() if self._book is not None else []
        locked = self._book.locked_years() if self._book is not None else set()
        current_year = self.year_combo.currentData()
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        self.year_combo.addItem(self.ALL, None)
        for year in years:
            mark = " ロック中" if year in locked else ""
            self.year_combo.addItem(f"{eras.short_label(year)}（{year}）{mark}", year)
        index = self.year_combo.findData(current_year) if current_year is not None else -1
        self.year_combo.setCurrentIndex(index if index >= 0 else (1 if years else 0))
        self.year_combo.blockSignals(False)
        self._reload_departments()

    def _reload_departments(self) -> None:
        year = self.year_combo.currentData()
        names = self._book.departments(year) if self._book is not None else []
        current = self.department_combo.currentData()
        self.department_combo.blockSignals(True)
        self.department_combo.clear()
        self.department_combo.addItem(self.ALL, None)
        for name in names:
            self.department_combo.addItem(name, name)
        index = self.department_combo.findData(current) if current is not None else -1
        self.department_combo.setCurrentIndex(max(index, 0))
        self.department_combo.blockSignals(False)

    @Slot()
    def on_year_combo_changed(self) -> None:
        self._reload_departments()
        self.apply_filters()
        self.report_year_changed.emit()

    @Slot()
    def apply_filters(self) -> None:
        """Filter the list by the combos and the search box.

        Filtering never opens another sheet: the open sheet stays current
        when it is still shown, and the list has no current row otherwise.
        """
        query = self.search_edit.text()
        matching = None
        if query.strip() and self._book is not None:
            try:
                matching = self._book.search_ids(query)
            except BookError as error:
                self.search_failed.emit(str(error))
                return
        with self._quietly():
            self.proxy.set_filters(
                report_year=self.year_combo.currentData(),
                department=self.department_combo.currentData(),
                matching_ids=matching,
                rank=self.rank_combo.currentData(),
            )
            self._show_open_sheet()
        self._update_count()

    def refresh_sheet(self, sheet_id: int) -> None:
        """A sheet was saved or made: show its new summary and keep the filters right."""
        with self._quietly():
            old = self.model.refresh_sheet(sheet_id)
            row = self.model.row_of(sheet_id)
            new = self.model.entry(row) if row is not None else None
            if (
                old is None
                or new is None
                or (old.report_year, old.departments)
                != (
                    new.report_year,
                    new.departments,
                )
            ):
                self.reload_filters()
                self.apply_filters()
            elif self.search_edit.text().strip() or self.rank_combo.currentData() is not None:
                self.apply_filters()
            self._show_open_sheet()
        self._update_count()

    def remove_sheet(self, sheet_id: int) -> None:
        """A sheet was deleted: take it out of the list and the filters."""
        with self._quietly():
            if self._open_id == sheet_id:
                self._open_id = None
            self.model.remove_sheet(sheet_id)
            self.reload_filters()
            self.apply_filters()

    @Slot()
    def _update_count(self) -> None:
        self.count_label.setText(f"{self.proxy.rowCount()} / {self.model.rowCount()} 件")
        self._show_filter_notice()

    def filter_text(self, filters: list[Filter]) -> str:
        """``担当課: 港湾課、検索: xyz``: what ``filters`` are set to."""
        shown = {
            Filter.YEAR: self.year_combo.currentText().replace(" ロック中", ""),
            Filter.DEPARTMENT: self.department_combo.currentText(),
            Filter.RANK: self.rank_combo.currentText(),
            Filter.SEARCH: self.search_edit.text().strip(),
        }
        return "、".join(f"{kind.value}: {shown[kind]}" for kind in filters)

    def _narrowing(self) -> list[Filter]:
        """The filters set beyond the report year (which always shows one year)."""
        return [
            kind
            for kind, on in (
                (Filter.DEPARTMENT, self.department_combo.currentData() is not None),
                (Filter.RANK, self.rank_combo.currentData() is not None),
                (Filter.SEARCH, bool(self.search_edit.text().strip())),
            )
            if on
        ]

    def _show_filter_notice(self) -> None:
        """Say which filter hides the open sheet, or every sheet, with 「フィルターを解除」."""
        text = ""
        hidden = self._hidden_open_entry()
        if self.proxy.rowCount() == 0 and self.model.rowCount() > 0:
            narrowing = self._narrowing() or [Filter.YEAR]
            text = f"フィルター（{self.filter_text(narrowing)}）に合うシートがありません"
            if hidden is not None:
                text += f"（表示中のシート No {hidden.no} も一覧に出ていません）"
        elif hidden is not None:
            text = (
                f"表示中のシート（No {hidden.no}）は、フィルター"
                f"（{self.filter_text(self.proxy.hiding(hidden))}）で一覧に出ていません"
            )
        self.filter_notice.show_notice(text, "フィルターを解除")

    def _hidden_open_entry(self) -> ListEntry | None:
        """The open sheet's summary when the filters hide it, else None."""
        if self._open_id is None:
            return None
        row = self.model.row_of(self._open_id)
        if row is None or self._proxy_index(self._open_id) is not None:
            return None
        return self.model.entry(row)

    @Slot()
    def clear_filters(self) -> None:
        """Show every sheet of the year again (the open sheet's year, when it is another)."""
        hidden = self._hidden_open_entry()
        with self._quietly():
            for combo in (self.department_combo, self.rank_combo):
                combo.blockSignals(True)
                combo.setCurrentIndex(0)
                combo.blockSignals(False)
            self.search_edit.blockSignals(True)
            self.search_edit.clear()
            self.search_edit.blockSignals(False)
            if hidden is not None and Filter.YEAR in self.proxy.hiding(hidden):
                self.show_report_year(hidden.report_year)  # refilters
            self.apply_filters()

    def report_year(self) -> int | None:
        """The report year chosen in the filter (None: all)."""
        return self.year_combo.currentData()

    def show_report_year(self, year: int) -> None:
        """Filter the list to ``year`` (to every year when the book has none of it)."""
        self.year_combo.setCurrentIndex(max(self.year_combo.findData(year), 0))

    def focus_search(self) -> None:
        """Put the cursor in the search box with its text selected, ready to type over."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def sheet_count(self) -> int:
        """How many sheets the book has (whatever the filters show)."""
        return self.model.rowCount()

    def department(self) -> str | None:
        """The department chosen in the filter (None: all)."""
        return self.department_combo.currentData()

    def current_sheet_id(self) -> int | None:
        """The id of the sheet on the current row, or None."""
        index = self.table.currentIndex()
        return index.data(IdRole) if index.isValid() else None

    def selected_sheet_ids(self) -> list[int]:
        """The ids of the selected sheets, in list order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.proxy.index(row, 0).data(IdRole) for row in rows]

    def visible_sheet_ids(self) -> list[int]:
        """The ids of every sheet the filters show, in list order."""
        return [self.proxy.index(row, 0).data(IdRole) for row in range(self.proxy.rowCount())]

    def first_visible_sheet_id(self) -> int | None:
        """The id of the first sheet the filters show (None: they show none)."""
        return self.proxy.index(0, 0).data(IdRole) if self.proxy.rowCount() else None

    def set_open_sheet(self, sheet_id: int | None) -> None:
        """The form shows this sheet: make its row current, if the filters show it
        (if not, a note above the list says so)."""
        self._open_id = sheet_id
        with self._quietly():
            self._show_open_sheet()
        self._show_filter_notice()

    def _show_open_sheet(self) -> None:
        selection = self.table.selectionModel()
        index = self._proxy_index(self._open_id)
        if index is None:
            selection.clear()
            return
        if self.table.currentIndex().row() != index.row():
            self.table.setCurrentIndex(index)
        if not selection.isRowSelected(index.row()):
            self.table.selectRow(index.row())
        self.table.scrollTo(index)

    def _proxy_index(self, sheet_id: int | None) -> QModelIndex | None:
        if sheet_id is None:
            return None
        row = self.model.row_of(sheet_id)
        if row is None:
            return None
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        return index if index.isValid() else None

    def select_sheet(self, sheet_id: int) -> bool:
        """Choose a sheet as the user would; False when the filters hide it."""
        index = self._proxy_index(sheet_id)
        if index is None:
            return False
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    @Slot(QModelIndex, QModelIndex)
    def on_table_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._quiet or not current.isValid():
            return
        self.current_sheet_changed.emit(current.data(IdRole))
