"""The value table of the form: year columns, value rows, edited through undo."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kpidesk import cell_blocks, editing, eras, values
from kpidesk.model import ITEM_HEADING, UNIT_HEADING, Sheet, value_column_headings
from ui import colours
from ui.document import SheetDocument
from ui.flow_layout import FlowLayout

_Index = QModelIndex | QPersistentModelIndex

#: The roles a cell answers (the delegate asks for a dozen for each cell it paints).
_CELL_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
    }
)

#: Years offered in the year choosers.
YEAR_RANGE = range(2010, 2041)
MAX_ACTUAL_YEARS = 10


def year_text(year: int) -> str:
    """``R2（2020）``."""
    return f"{eras.short_label(year)}（{year}）"


def header_labels(sheet: Sheet) -> list[str]:
    """The table's header row as on the form, in era form."""
    return [ITEM_HEADING, UNIT_HEADING, *value_column_headings(sheet)]


class ValueTableModel(QAbstractTableModel):
    """The value rows of the open sheet; every edit becomes an undo step."""

    def __init__(
        self, document: SheetDocument | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._document: SheetDocument | None = None
        self._shape: tuple[int, int] = (0, 0)
        #: The header row of the sheet shown (None: to be made again).
        self._labels: list[str] | None = None
        self.set_document(document)

    def set_document(self, document: SheetDocument | None) -> None:
        """Show the value table of ``document``."""
        self.beginResetModel()
        if self._document is not None:
            self._document.changed.disconnect(self.on_document_changed)
        self._document = document
        if document is not None:
            document.changed.connect(self.on_document_changed)
        self._shape = self._current_shape()
        self._labels = None
        self.endResetModel()

    def _current_shape(self) -> tuple[int, int]:
        if self._document is None:
            return 0, 0
        sheet = self._document.sheet
        return len(sheet.rows), editing.column_count(sheet)

    @Slot(str)
    def on_document_changed(self, part: str) -> None:
        if part != "table":
            return
        self._labels = None
        shape = self._current_shape()
        if shape != self._shape:
            self.beginResetModel()
            self._shape = shape
            self.endResetModel()
            return
        rows, columns = shape
        if rows and columns:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(columns - 1, 0))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shape[0]

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shape[1]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self._document is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        if self._labels is None:
            self._labels = header_labels(self._document.sheet)
        labels = self._labels
        return labels[section] if 0 <= section < len(labels) else None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _CELL_FLAGS

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _CELL_ROLES or self._document is None or not index.isValid():
            return None
        sheet = self._document.sheet
        if not (
            0 <= index.row() < len(sheet.rows) and 0 <= index.column() < editing.column_count(sheet)
        ):
            return None
        text = editing.cell_text(sheet, index.row(), index.column())
        is_value = editing.is_value_column(sheet, index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return text
        if not is_value:
            return None
        parsed = values.parse_value(text)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _NUMBER_ALIGNMENT if parsed.is_number else _WORD_ALIGNMENT
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return _cell_brush(parsed, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            if not parsed.is_valid:
                return f"「{text}」は{parsed.problem}。入力のまま保存されます。"
            if parsed.word is not None:
                return values.KNOWN_WORDS[parsed.word]
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if self._document is None or not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, column = index.row(), index.column()
        text = "" if value is None else str(value)
        name = header_labels(self._document.sheet)[column].replace("\n", "")
        self._document.edit(
            f"{row + 1}行目「{name}」の変更",
            lambda sheet: editing.set_cell(sheet, row, column, text),
        )
        return True


# Made once: a table paints each cell's flags and alignment many times a select,
# and every ``|`` of Qt's flags is a Python enum operation.
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
_NUMBER_ALIGNMENT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_WORD_ALIGNMENT = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter)


def _cell_brush(parsed: values.ParsedValue, role: int) -> QBrush | None:
    """A value cell's colours in the present theme: not a value is tinted, a known word is blue."""
    if not parsed.is_valid:
        tint = colours.tint(colours.Mark.INVALID)
        return QBrush(tint.text if role == Qt.ItemDataRole.ForegroundRole else tint.background)
    if role == Qt.ItemDataRole.ForegroundRole and parsed.word is not None:
        return QBrush(colours.ink(colours.Ink.WORD))
    return None


#: Characters of a 項目 or 単位 kept on one line before its column wraps it.
LABEL_CHARS = 8
#: Pixels beside a cell's text (the item view's margins and the grid line).
CELL_PADDING = 8


class _ValueTableView(QTableView):
    """The value grid: Delete clears the chosen cells, as in Excel.

    Signals:
        clear_requested(): Delete or Backspace outside a cell editor.
    """

    clear_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        #: The least width of each column, as :meth:`fit_columns` last found them.
        self._needs: list[int] = []

    def column_needs(self) -> list[int]:
        """The least width of each column: its heading's widest line, and for 項目 and
        単位 their texts too, up to :data:`LABEL_CHARS` characters (longer ones wrap)."""
        model = self.model()
        header = self.horizontalHeader()
        heading_metrics, cell_metrics = header.fontMetrics(), self.fontMetrics()
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        padding = 2 * margin + CELL_PADDING
        longest = cell_metrics.horizontalAdvance("あ") * LABEL_CHARS
        needs = []
        for column in range(model.columnCount()):
            heading = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            need = max(heading_metrics.horizontalAdvance(line) for line in heading.split("\n"))
            if column in (editing.LABEL_COLUMN, editing.UNIT_COLUMN):
                for row in range(model.rowCount()):
                    text = str(model.index(row, column).data() or "")
                    need = max(need, min(cell_metrics.horizontalAdvance(text), longest))
            needs.append(need + padding)
        return needs

    def fit_columns(self) -> None:
        """Give each column its least width and share out the rest of the width evenly.

        Even shares alone (a stretching header) cut 「戦略策定時」 at both ends and
        wrapped 「市町村(累計)」 in a narrow form. The least widths add up to the
        table's least width, so a form too narrow for them makes the list give way.
        """
        needs = self.column_needs()
        if needs != self._needs:
            self._needs = needs
            self.updateGeometry()
        self._share_out()

    def _share_out(self) -> None:
        """Set the columns' widths: their least widths and an even share of the rest."""
        needs = self._needs
        if len(needs) != self.horizontalHeader().count() or not needs:
            return
        header = self.horizontalHeader()
        spare = max(self.viewport().width() - sum(needs), 0)
        share, left_over = divmod(spare, len(needs))
        for column, need in enumerate(needs):
            header.resizeSection(column, need + share + (column < left_over))

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        rows = self.verticalHeader()
        width = sum(self._needs) + 2 * self.frameWidth()
        width += rows.sizeHint().width() if not rows.isHidden() else 0
        return QSize(max(hint.width(), width), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._share_out()  # the least widths change with the text, not with the size

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers
            and self.state() != QAbstractItemView.State.EditingState
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            self.clear_requested.emit()
            return
        super().keyPressEvent(event)


class NoWheelUnlessFocused(QObject):
    """Scrolling the form over a chooser (a year, a row's direction) must not change the sheet.

    Install it on a combo box with ``Qt.FocusPolicy.StrongFocus``: the wheel
    then changes the combo only once the user has clicked or tabbed into it.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(watched, QWidget)
            and not watched.hasFocus()
        ):
            event.ignore()
            return True
        return False


class ValueTableEditor(QWidget):
    """The value table with its year choosers and row buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document: SheetDocument | None = None
        self.model = ValueTableModel(parent=self)
        self._wheel_filter = NoWheelUnlessFocused(self)

        self.baseline_year = self._year_combo("baselineYear", "戦略策定時実績値の年度")
        self.first_year = self._year_combo("firstActualYear", "最初の実績値の年度")
        self.last_year = self._year_combo("lastActualYear", "最後の実績値の年度")
        self.target_year = self._year_combo("targetYear", "目標値の年度")
        # The choosers wrap onto a second line when the form is narrow.
        years = FlowLayout()
        for group in ((("基準年度", self.baseline_year),),
                      (("実績の年度", self.first_year), ("〜", self.last_year)),
                      (("目標年度", self.target_year),)):  # fmt: skip
            together = QWidget()
            line = QHBoxLayout(together)
            line.setContentsMargins(0, 0, 0, 0)
            for label, combo in group:
                line.addWidget(QLabel(label))
                line.addWidget(combo)
            years.addWidget(together)

        self.table = _ValueTableView()
        self.table.setObjectName("valueTable")
        # Tab leaves the grid (arrow keys move between cells), so the keyboard
        # can reach the buttons and paragraphs below.
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        # A block of cells can be chosen, to copy to Excel or to clear at once.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self._edit_triggers = (
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setEditTriggers(self._edit_triggers)
        self.table.setWordWrap(True)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # fit_columns
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setMinimumHeight(44)
        self.table.verticalHeader().setMinimumSectionSize(28)
        self.table.verticalHeader().setDefaultSectionSize(28)

        self.add_row_button = QPushButton("行を追加")
        self.remove_row_button = QPushButton("行を削除")
        self.row_up_button = QPushButton("上へ")
        self.row_down_button = QPushButton("下へ")
        buttons = QHBoxLayout()
        for button in (self.add_row_button, self.remove_row_button, self.row_up_button,
                       self.row_down_button):  # fmt: skip
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(years)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._connect_signals()

    def _year_combo(self, name: str, tooltip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        combo.installEventFilter(self._wheel_filter)
        combo.setToolTip(tooltip)
        for year in YEAR_RANGE:
            combo.addItem(year_text(year), year)
        return combo

    def _connect_signals(self) -> None:
        for combo in (self.baseline_year, self.first_year, self.last_year, self.target_year):
            combo.activated.connect(self.on_year_combo_activated)
        self.add_row_button.clicked.connect(self.on_add_row_button_clicked)
        self.remove_row_button.clicked.connect(self.on_remove_row_button_clicked)
        self.row_up_button.clicked.connect(lambda: self.move_current_row(-1))
        self.row_down_button.clicked.connect(lambda: self.move_current_row(1))
        # The columns first: the rows' heights follow from their widths.
        self.model.modelReset.connect(self.table.fit_columns)
        self.model.modelReset.connect(self._fit_height)
        self.model.headerDataChanged.connect(self.table.fit_columns)
        # A block of cells cleared at once is one undo step.
        self.table.clear_requested.connect(lambda: self.clear_chosen("セルの削除"))

    def set_document(self, document: SheetDocument | None) -> None:
        """Edit the value table of ``document``."""
        if self._document is not None:
            self._document.changed.disconnect(self.on_document_changed)
        self._document = document
        self.model.set_document(document)
        if document is not None:
            document.changed.connect(self.on_document_changed)
        self._show_years()  # the height was fitted when the model was reset

    @Slot(str)
    def on_document_changed(self, part: str) -> None:
        if part == "table":
            self._show_years()
            self._fit_height()

    def _show_years(self) -> None:
        if self._document is None:
            return
        sheet = self._document.sheet
        actual = sheet.actual_years or [sheet.baseline_year + 1]
        shown = (
            (self.baseline_year, sheet.baseline_year),
            (self.first_year, actual[0]),
            (self.last_year, actual[-1]),
            (self.target_year, sheet.target_year),
        )
        for combo, year in shown:
            index = combo.findData(year)
            if index < 0:
                combo.addItem(year_text(year), year)
                index = combo.count() - 1
            combo.setCurrentIndex(index)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            # Taller text (表示 → 拡大) needs taller rows, and wider columns.
            self.table.fit_columns()
            self._fit_height()

    def _fit_height(self) -> None:
        """Show every row without an inner scroll bar; the form scrolls instead."""
        # The view would lay its cells out again on a timer, and paint them twice.
        self.table.executeDelayedItemsLayout()
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth()
        height += sum(self.table.rowHeight(row) for row in range(self.model.rowCount()))
        if self.table.horizontalScrollBar().isVisible():
            height += self.table.horizontalScrollBar().height()
        self.table.setFixedHeight(max(height, 60))

    @Slot()
    def on_year_combo_activated(self) -> None:
        if self._document is None:
            return
        first, last = self.first_year.currentData(), self.last_year.currentData()
        if last < first:
            first, last = last, first
        actual_years = list(range(first, last + 1))[:MAX_ACTUAL_YEARS]
        baseline, target = self.baseline_year.currentData(), self.target_year.currentData()
        sheet = self._document.sheet
        dropped = editing.dropped_values(sheet, actual_years)
        if dropped:
            shown = "、".join(f"{eras.short_label(year)}: {text}" for year, text in dropped[:5])
            answer = QMessageBox.question(
                self,
                "年度の変更",
                f"表示しなくなる年度の実績値があります（{shown}）。\n"
                "年度を変更しますか？（元に戻す で戻せます）",
            )
            if answer != QMessageBox.StandardButton.Yes:
                self._show_years()
                return
        self._document.edit(
            "年度の変更",
            lambda s: editing.set_years(s, baseline, actual_years, target),
        )
        self._show_years()

    def set_read_only(self, read_only: bool) -> None:
        """Allow or forbid changes to the table, its years and its rows."""
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers if read_only else self._edit_triggers
        )
        for widget in (self.baseline_year, self.first_year, self.last_year, self.target_year,
                       self.add_row_button, self.remove_row_button, self.row_up_button,
                       self.row_down_button):  # fmt: skip
            widget.setEnabled(not read_only)

    def commit_pending_edit(self) -> None:
        """Finish a cell still being typed in, so that its text reaches the sheet."""
        if self.table.state() != QAbstractItemView.State.EditingState:
            return
        editor = QApplication.focusWidget()
        if editor is None or not self.table.viewport().isAncestorOf(editor):
            candidates = [
                widget
                for widget in self.table.viewport().findChildren(QWidget)
                if widget.isVisible() and widget.parent() is self.table.viewport()
            ]
            editor = candidates[0] if candidates else None
        if editor is not None:
            self.table.commitData(editor)
            self.table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def current_row(self) -> int:
        """The row of the current cell, or -1."""
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    @Slot()
    def on_add_row_button_clicked(self) -> None:
        if self._document is None:
            return
        row = self.current_row()
        at = row + 1 if row >= 0 else len(self._document.sheet.rows)
        self._document.edit("値の行の追加", lambda s: editing.insert_row(s, at))
        self.table.setCurrentIndex(self.model.index(at, editing.LABEL_COLUMN))
        self.table.setFocus()

    @Slot()
    def on_remove_row_button_clicked(self) -> None:
        row = self.current_row()
        if self._document is None or row < 0:
            return
        self._document.edit(f"{row + 1}行目の削除", lambda s: editing.remove_row(s, row))

    def move_current_row(self, step: int) -> None:
        """Move the current value row up (-1) or down (+1)."""
        row = self.current_row()
        if self._document is None or row < 0:
            return
        to = row + step
        if not 0 <= to < len(self._document.sheet.rows):
            return
        column = self.table.currentIndex().column()
        self._document.edit("値の行の移動", lambda s: editing.move_item(s.rows, row, to))
        self.table.setCurrentIndex(self.model.index(to, column))

    # --- the clipboard (the 編集 menu)

    def is_read_only(self) -> bool:
        """True while the table cannot be changed (a locked year, a read-only book)."""
        return self.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers

    def _chosen_block(self) -> tuple[range, range] | None:
        """The rows and columns of the chosen cells (the current cell if none is chosen)."""
        indexes = self.table.selectionModel().selectedIndexes()
        if not indexes:
            current = self.table.currentIndex()
            indexes = [current] if current.isValid() else []
        if not indexes:
            return None
        rows = [index.row() for index in indexes]
        columns = [index.column() for index in indexes]
        return range(min(rows), max(rows) + 1), range(min(columns), max(columns) + 1)

    def copied_text(self) -> str:
        """The chosen cells as tab-separated text, as Excel pastes it ("" when none)."""
        block = self._chosen_block()
        if self._document is None or block is None:
            return ""
        return cell_blocks.block_text(cell_blocks.sheet_block(self._document.sheet, *block))

    def clear_chosen(self, text: str) -> None:
        """Empty the chosen cells as one undo step named ``text``."""
        block = self._chosen_block()
        if self._document is None or block is None or self.is_read_only():
            return
        rows, columns = block
        self._document.edit(
            text,
            lambda s: cell_blocks.paste_block(
                s, rows.start, columns.start, [[""] * len(columns)] * len(rows)
            ),
        )

    def paste_text(self, text: str) -> cell_blocks.Pasted | None:
        """Fill a block from the current cell with tab-separated ``text``, as one undo step.

        Returns:
            What was put in and cut off, or None when nothing could be pasted
            (no sheet, no current cell, a read-only table).
        """
        current = self.table.currentIndex()
        block = self._chosen_block()
        if self._document is None or self.is_read_only() or block is None:
            return None
        row, column = (
            (current.row(), current.column())
            if current.isValid()
            else (block[0].start, block[1].start)
        )
        cells = cell_blocks.parse_block(text)
        result: list[cell_blocks.Pasted] = []
        self._document.edit(
            "貼り付け", lambda s: result.append(cell_blocks.paste_block(s, row, column, cells))
        )
        pasted = result[0]
        if pasted.rows and pasted.columns:
            top_left = self.model.index(row, column)
            bottom_right = self.model.index(row + pasted.rows - 1, column + pasted.columns - 1)
            self.table.selectionModel().select(
                QItemSelection(top_left, bottom_right),
                QItemSelectionModel.SelectionFlag.ClearAndSelect,
            )
        return pasted

    def select_all_cells(self) -> None:
        """Choose every cell of the table."""
        self.table.selectAll()
