"""シート → 履歴…: every saved version of the open sheet, two side by side, and 「この版に戻す」."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kpidesk import compare
from kpidesk.book.store import HistoryEntry
from kpidesk.model import Sheet
from ui import geometry
from ui.side_by_side import CHANGED_MARK, SideBySideTable

#: Shown for a version saved by nobody known (before schema 4).
NOBODY = "—"
#: How many versions the list shows before it scrolls (the comparison gets the rest).
VISIBLE_VERSIONS = 6


def saved_at_text(saved_at: str) -> str:
    """``2026-11-29T22:15:03`` -> ``2026/11/29 22:15`` (unreadable text is shown as it is)."""
    try:
        return datetime.datetime.fromisoformat(saved_at).strftime("%Y/%m/%d %H:%M")
    except ValueError:
        return saved_at


@dataclass(frozen=True)
class Version:
    """One line of the version list.

    Attributes:
        sheet: the sheet in that version.
        entry: the saved version, or None for the form's unsaved state.
    """

    sheet: Sheet
    entry: HistoryEntry | None = None

    @property
    def title(self) -> str:
        """``版 3（2026/11/29 22:15、tanaka）`` or ``編集中の内容（未保存）``."""
        if self.entry is None:
            return "編集中の内容（未保存）"
        by = f"、{self.entry.saved_by}" if self.entry.saved_by else ""
        return f"版 {self.entry.revision}（{saved_at_text(self.entry.saved_at)}{by}）"


class HistoryDialog(QDialog):
    """The saved versions of one sheet (newest first) over a side-by-side comparison.

    One version selected is compared with the one before it; two (or more)
    selected, the oldest with the newest of them. When the form has unsaved
    changes, they head the list as 編集中 and can be compared too.

    Args:
        entries: the sheet's saved versions, newest first (``Book.history``).
        editing: the form's sheet when it has unsaved changes, else None.
        refusal: why no version can be restored here ("" when one can), shown
            under the comparison and as the restore button's tooltip.

    Signals:
        restore_requested(object): the user chose to restore this ``HistoryEntry``.
    """

    restore_requested = Signal(object)

    def __init__(
        self,
        entries: Sequence[HistoryEntry],
        *,
        editing: Sheet | None = None,
        refusal: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.refusal = refusal
        self.versions = [Version(entry.sheet, entry) for entry in entries]
        if editing is not None:
            self.versions.insert(0, Version(editing))
        newest = self.versions[0].sheet if self.versions else None
        self.setWindowTitle(
            f"履歴 - No {newest.no}「{newest.title}」" if newest is not None else "履歴"
        )
        geometry.fit_dialog(self, 1200, 720)

        heading = QLabel(
            "保存した版の一覧です（新しい順）。版を1つ選ぶとその前の版と、"
            "2つ選ぶ（Ctrl+クリック）とその2つを見比べます。"
        )
        heading.setWordWrap(True)
        self.versions_table = QTableWidget(len(self.versions), 4)
        self.versions_table.setObjectName("historyVersions")
        self.versions_table.setHorizontalHeaderLabels(["版", "保存日時", "保存者", "変更内容"])
        self.versions_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.versions_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.versions_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.versions_table.verticalHeader().hide()
        header = self.versions_table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._fill_versions()

        self.comparing = QLabel()
        self.comparing.setObjectName("historyComparing")
        self.comparing.setWordWrap(True)
        self.only_changed = QCheckBox("変更のある項目だけ表示する")
        self.table = SideBySideTable("", "")
        self.table.setObjectName("historyCompare")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.comparing)
        lower_layout.addWidget(self.only_changed)
        lower_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.versions_table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([self._versions_height(), 520])

        self.refusal_label = QLabel(refusal)
        self.refusal_label.setObjectName("historyRefusal")
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setVisible(bool(refusal))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = QPushButton("この版に戻す(&R)")
        self.restore_button.setObjectName("historyRestore")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.refusal_label)
        layout.addWidget(buttons)

        self.versions_table.itemSelectionChanged.connect(self.on_versions_selection_changed)
        self.versions_table.currentCellChanged.connect(self._update_restore_button)
        self.only_changed.toggled.connect(self.on_versions_selection_changed)
        self.restore_button.clicked.connect(self.on_restore_button_clicked)
        if self.versions:
            # Not selectRow(): it reads the keys held down, and a dialog opened
            # by Ctrl+Shift+H would otherwise start with nothing chosen.
            self.versions_table.setCurrentCell(
                0, 0, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )  # fmt: skip
        self._update_restore_button()

    def _fill_versions(self) -> None:
        latest = next((v.entry.revision for v in self.versions if v.entry is not None), None)
        for row, version in enumerate(self.versions):
            older = self.versions[row + 1].sheet if row + 1 < len(self.versions) else None
            entry = version.entry
            if entry is None:
                texts = ("編集中", "（未保存）", NOBODY)
            else:
                number = (
                    f"{entry.revision}（最新）" if entry.revision == latest else str(entry.revision)
                )
                texts = (number, saved_at_text(entry.saved_at), entry.saved_by or NOBODY)
            if older is None and entry is not None and entry.revision > 1:
                change = "（これより前の版は残っていません）"
            else:
                change = compare.change_words(older, version.sheet)
            for column, text in enumerate((*texts, change)):
                item = QTableWidgetItem(text)
                if column < 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.versions_table.setItem(row, column, item)

    def _versions_height(self) -> int:
        """Tall enough for the header and up to :data:`VISIBLE_VERSIONS` lines."""
        table = self.versions_table
        table.resizeRowsToContents()
        rows = min(table.rowCount(), VISIBLE_VERSIONS)
        lines = sum(table.rowHeight(row) for row in range(rows)) or table.fontMetrics().height()
        return table.horizontalHeader().sizeHint().height() + lines + 2 * table.frameWidth() + 2

    def selected_rows(self) -> list[int]:
        """The selected lines of the version list, top (newest) first."""
        return sorted({index.row() for index in self.versions_table.selectedIndexes()})

    def compared(self) -> tuple[Version | None, Version | None]:
        """(older, newer) of what is compared; older is None when there is none before."""
        rows = self.selected_rows()
        if not rows:
            return None, None
        if len(rows) == 1:
            row = rows[0]
            older = self.versions[row + 1] if row + 1 < len(self.versions) else None
            return older, self.versions[row]
        return self.versions[rows[-1]], self.versions[rows[0]]

    @Slot()
    def on_versions_selection_changed(self) -> None:
        older, newer = self.compared()
        if newer is None:
            self.comparing.setText("比べる版を選んでください。")
            self.table.set_titles("", "")
            self.table.setRowCount(0)
            return
        # With nothing before it, a version is shown alone (the empty side hidden).
        self.table.setColumnHidden(1, older is None)
        if older is None:
            self.comparing.setText(f"{newer.title}: これより前の版はありません。")
            self.table.set_titles("（前の版なし）", newer.title)
            changes = [
                compare.Change(change.where, "", change.after)
                for change in compare.side_by_side(newer.sheet, newer.sheet)
            ]
            self.table.show_changes(changes, mark=False)
            return
        changes = compare.side_by_side(older.sheet, newer.sheet)
        count = sum(change.changed for change in changes)
        self.comparing.setText(
            f"左の {older.title} と右の {newer.title} を比べています。"
            + (
                f"変わった{count}か所に {CHANGED_MARK} と色を付けています。"
                if count
                else "内容は同じです。"
            )
        )
        self.table.set_titles(older.title, newer.title)
        if self.only_changed.isChecked():
            changes = [change for change in changes if change.changed]
        self.table.show_changes(changes)
        first = next((row for row, change in enumerate(changes) if change.changed), None)
        if first is not None:
            self.table.scrollToItem(self.table.item(first, 0))

    def restore_target(self) -> HistoryEntry | None:
        """The saved version 「この版に戻す」 would restore: the current line's."""
        row = self.versions_table.currentRow()
        if not 0 <= row < len(self.versions):
            return None
        return self.versions[row].entry

    @Slot()
    def _update_restore_button(self) -> None:
        target = self.restore_target()
        latest = next((v.entry for v in self.versions if v.entry is not None), None)
        if target is None:
            text, reason = "この版に戻す(&R)", "戻す版（保存した版）を一覧で選んでください"
        else:
            text = f"この版（版 {target.revision}）に戻す(&R)"
            reason = "最新の版です（ブックの今の内容です）" if target is latest else ""
        reason = self.refusal or reason
        self.restore_button.setText(text)
        self.restore_button.setEnabled(not reason)
        self.restore_button.setToolTip(
            reason
            or "この版の内容を、新しい版として保存します（保存した後も「元に戻す」で取り消せます）"
        )

    @Slot()
    def on_restore_button_clicked(self) -> None:
        target = self.restore_target()
        if target is not None and not self.refusal:
            self.restore_requested.emit(target)
