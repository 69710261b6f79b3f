"""The dialogs of hand out (配布), collect (回収) and the 提出状況.

They only ask and show; the work is done by ``ui.controllers.cycle``
through the core (``kpidesk.handout``, ``kpidesk.collect``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kpidesk import compare, eras
from kpidesk.collect import CollectPlan, Decision, SheetPlan
from kpidesk.cycle import CONFIRMED, NOT_RETURNED, WRITTEN, Outcome, StatusRow
from kpidesk.model import Sheet
from ui import colours, geometry
from ui.dialogs.merge import MergeDialog
from ui.side_by_side import SideBySideTable

#: How the collect preview names each outcome.
OUTCOME_WORDS = {
    Outcome.TAKEN: "取り込む",
    Outcome.KEPT: "元のまま",
    Outcome.UNCHANGED: "変更なし",
    Outcome.CONFLICT: "競合",
    Outcome.ADDED: "追加",
    Outcome.DELETED_THERE: "削除",
    Outcome.DELETED_HERE: "削除",
    Outcome.OLDER: "古い版",
}

#: What the collect preview says after the word, when there is more to say.
_OUTCOME_NOTES = {
    Outcome.KEPT: "企画課で変更済み。課のファイルは変更なしのため使いません",
    Outcome.CONFLICT: "企画課と課の両方で変更されています",
    Outcome.DELETED_THERE: "課のファイルにありません（元のブックには残します）",
    Outcome.DELETED_HERE: "元のブックで削除済みです（取り込みません）",
    Outcome.OLDER: "前に回収した版より古い版です（取り込みません）",
}

#: The choices for one conflict, in the order the preview offers them.
CONFLICT_CHOICES: tuple[tuple[str, Decision], ...] = (
    ("あとで決める（元のまま）", Decision.OPEN),
    ("部局の版を取る", Decision.THEIRS),
    ("企画課の版を残す", Decision.OURS),
    ("統合した版を作る…", Decision.MERGED),
)
#: How the 統合 choice reads once the merged version is made (choosing it again reopens it).
MERGED_MADE = "統合した版（作成済み）"


def _written_note(sheet: SheetPlan) -> str:
    """「観光客数: 取組状況 1段落、出典」: the KPI名 of a sheet taken or added, and what changed."""
    if sheet.outcome not in WRITTEN or sheet.returned is None:
        return ""
    words = compare.change_words(sheet.origin, sheet.returned)
    return f"{sheet.returned.title}: {words}" if sheet.returned.title else words


def _year_text(year: int) -> str:
    try:
        return f"{eras.kanji_label(year)}（{year}）"
    except ValueError:
        return f"{year}年度"


class HandoutDialog(QDialog):
    """Ask the report year, the departments and the folder of a hand-out.

    Args:
        departments_of: the departments of a report year.
        default_folder: the folder proposed for a report year.
    """

    def __init__(
        self,
        years: Sequence[int],
        departments_of: Callable[[int], list[str]],
        default_folder: Callable[[int], Path],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("配布")
        geometry.fit_dialog(self, 560, 520)
        self._departments_of = departments_of
        self._default_folder = default_folder
        heading = QLabel(
            "担当課ごとに、その課のシートだけのブックを書き出します。"
            "書き出したファイルを各課に渡し、戻ってきたら「回収…」で取り込みます。"
        )
        heading.setWordWrap(True)
        self.year_box = QComboBox()
        self.year_box.setObjectName("handoutYear")
        for year in years:
            self.year_box.addItem(_year_text(year), year)
        self.department_list = QListWidget()
        self.department_list.setObjectName("handoutDepartments")
        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("handoutFolder")
        browse = QPushButton("参照(&B)…")
        browse.clicked.connect(self.on_browse_clicked)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("報告年度(&Y):", self.year_box)
        form.addRow("担当課(&D):", self.department_list)
        form.addRow("保存先のフォルダ(&F):", folder_row)
        self.excel_box = QCheckBox("Excel のブックも作る（Excel だけで作業する課のため）(&E)")
        self.excel_box.setObjectName("handoutExcel")
        self.excel_box.setToolTip(
            "各課のブック（.kpidb）の横に、同じシートの Excel のブック（.xlsx）も書き出します。"
            "課はどちらを戻してもかまいません。回収ではどちらも同じように比べて取り込みます。"
        )
        form.addRow("", self.excel_box)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("配布する(&H)", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form, 1)
        layout.addWidget(buttons)
        self.year_box.currentIndexChanged.connect(self.on_year_changed)
        self.department_list.itemChanged.connect(self._update_ok)
        self.folder_edit.textChanged.connect(self._update_ok)
        self.on_year_changed()

    @Slot()
    def on_year_changed(self) -> None:
        year = self.year()
        self.department_list.clear()
        if year is None:
            return
        for name in self._departments_of(year):
            item = QListWidgetItem(name or "（担当課なし）")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.department_list.addItem(item)
        self.folder_edit.setText(str(self._default_folder(year)))
        self._update_ok()

    @Slot()
    def on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "配布先のフォルダ", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    @Slot()
    def _update_ok(self) -> None:
        self.ok_button.setEnabled(bool(self.departments()) and bool(self.folder_edit.text()))

    def year(self) -> int | None:
        """The chosen report year."""
        data = self.year_box.currentData()
        return data if isinstance(data, int) else None

    def departments(self) -> list[str]:
        """The checked departments."""
        items = (self.department_list.item(row) for row in range(self.department_list.count()))
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def folder(self) -> Path:
        """The chosen folder."""
        return Path(self.folder_edit.text().strip())

    def excel(self) -> bool:
        """Whether each department's Excel workbook is written too."""
        return self.excel_box.isChecked()


class CompareDialog(QDialog):
    """The origin's and the department's versions of one sheet side by side."""

    def __init__(self, ours: SheetPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"並べて比較: No {ours.no}")
        geometry.fit_dialog(self, 1000, 600)
        self.table = SideBySideTable("企画課の版（元のブック）", "部局の版（戻ったファイル）")
        self.table.setObjectName("collectCompare")
        if ours.origin is not None and ours.returned is not None:
            self.table.show_changes(compare.side_by_side(ours.origin, ours.returned))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)


class CollectPreviewDialog(QDialog):
    """Per returned file and sheet, what collecting does; a choice per conflict.

    Attributes:
        table: ファイル | 担当課 | No | 結果 | 説明・競合の扱い, one row per sheet
            (one per refused or already collected file).
    """

    _COLUMNS = ("ファイル", "担当課", "No", "結果", "説明・競合の扱い")

    def __init__(self, plans: Sequence[CollectPlan], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("回収の確認")
        geometry.fit_dialog(self, 1000, 560)
        self.plans = list(plans)
        self._rows: list[tuple[CollectPlan, SheetPlan | None]] = []
        self._choices: dict[int, QComboBox] = {}
        self._merged: dict[int, Sheet] = {}
        #: Per row, the parts taken from the department's version in its last merge.
        self._merge_choices: dict[int, set[str]] = {}
        counts = self._counts()
        heading = QLabel(
            f"{len(self.plans)}件のファイルを回収します（{counts}）。\n"
            "競合したシートは、部局の版を取るか、企画課の版を残すか、"
            "項目ごとに選んで統合した版を作るかを選んでください。"
            "「あとで決める」のシートは元のまま残し、次の回収でもう一度競合として示します。"
        )
        heading.setWordWrap(True)
        self.returns_label = QLabel(
            "\n".join(
                f"{plan.path.name}: {plan.return_mark.label()}"
                for plan in self.plans
                if plan.return_mark is not None
            )
        )
        self.returns_label.setObjectName("collectReturns")
        self.returns_label.setWordWrap(True)
        self.returns_label.setTextFormat(Qt.TextFormat.PlainText)
        self.returns_label.setVisible(bool(self.returns_label.text()))
        self.table = QTableWidget(0, len(self._COLUMNS))
        self.table.setObjectName("collectPreview")
        self.table.setHorizontalHeaderLabels(list(self._COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.compare_button = QPushButton("並べて比較(&C)…")
        self.compare_button.setObjectName("collectCompareButton")
        self.compare_button.clicked.connect(self.on_compare_clicked)
        buttons = QDialogButtonBox()
        buttons.addButton(self.compare_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.ok_button = buttons.addButton("回収する(&I)", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.returns_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self._fill()
        self.table.currentCellChanged.connect(self._update_compare)
        self._update_compare()
        self.ok_button.setEnabled(any(not p.refusal and not p.already for p in self.plans))

    def _counts(self) -> str:
        usable = [p for p in self.plans if not p.refusal and not p.already]
        parts = [f"回収できるもの{len(usable)}件"]
        refused = sum(1 for p in self.plans if p.refusal)
        if refused:
            parts.append(f"取り込めないもの{refused}件")
        conflicts = sum(len(p.of(Outcome.CONFLICT)) for p in usable)
        if conflicts:
            parts.append(f"競合{conflicts}件")
        return "、".join(parts)

    def _add_row(self, plan: CollectPlan, sheet: SheetPlan | None, cells: Sequence[str]) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            self.table.setItem(row, column, item)
        self._rows.append((plan, sheet))
        return row

    def _fill(self) -> None:
        for plan in self.plans:
            name = plan.path.name
            if plan.refusal:
                cells = (name, plan.department, "", "取り込みません", plan.refusal)
                self._tint(self._add_row(plan, None, cells), colours.Mark.INVALID)
                continue
            if plan.already:
                cells = (name, plan.department, "", "回収済み", "回収した後、変更されていません")
                self._add_row(plan, None, cells)
                continue
            for sheet in plan.sheets:
                word = OUTCOME_WORDS[sheet.outcome]
                note = _OUTCOME_NOTES.get(sheet.outcome, "") or _written_note(sheet)
                row = self._add_row(plan, sheet, (name, plan.department, sheet.no, word, note))
                if sheet.outcome in WRITTEN:
                    self._tint(row, colours.Mark.NEW)
                if sheet.outcome is Outcome.CONFLICT:
                    self._tint(row, colours.Mark.INVALID)
                    box = QComboBox()
                    box.setObjectName(f"conflictChoice_{row}")
                    for text, decision in CONFLICT_CHOICES:
                        box.addItem(text, decision)
                    box.activated.connect(lambda _index, at=row: self._on_choice_activated(at))
                    self.table.setCellWidget(row, 4, box)
                    self._choices[row] = box
        self.table.resizeRowsToContents()

    def _tint(self, row: int, mark: colours.Mark) -> None:
        tint = colours.tint(mark)
        for column in range(self.table.columnCount()):
            item = self.table.item(row, column)
            if item is not None:
                item.setBackground(tint.background)
                item.setForeground(tint.text)

    def shown_rows(self) -> list[tuple[str, str, str, str]]:
        """(file, department, No, result) of every row, as shown."""
        return [
            tuple(self.table.item(row, column).text() for column in range(4))  # type: ignore[misc]
            for row in range(self.table.rowCount())
        ]

    def conflict_row(self, file_name: str, no: str) -> int:
        """The row of the conflict of sheet ``no`` in the file ``file_name`` (-1: none)."""
        for row, (plan, sheet) in enumerate(self._rows):
            if plan.path.name == file_name and sheet is not None and sheet.no == no:
                return row if row in self._choices else -1
        return -1

    def choose(self, row: int, decision: Decision) -> None:
        """Choose how the conflict in ``row`` is decided."""
        box = self._choices[row]
        box.setCurrentIndex(box.findData(decision))

    def decisions(self, plan: CollectPlan) -> dict[tuple[int, str], Decision]:
        """How the user decided each of ``plan``'s conflicts."""
        result: dict[tuple[int, str], Decision] = {}
        for row, box in self._choices.items():
            owner, sheet = self._rows[row]
            if owner is plan and sheet is not None:
                result[(sheet.report_year, sheet.no)] = Decision(box.currentData())
        return result

    def merged_versions(self, plan: CollectPlan) -> dict[tuple[int, str], Sheet]:
        """The merged versions made for ``plan``'s conflicts decided 統合."""
        result: dict[tuple[int, str], Sheet] = {}
        for row, merged in self._merged.items():
            owner, sheet = self._rows[row]
            if owner is plan and sheet is not None:
                result[(sheet.report_year, sheet.no)] = merged
        return result

    def merge_dialog(self, row: int) -> MergeDialog:
        """The dialog that merges ``row``'s two versions part by part (not shown),
        with the choices of the row's last merge when there was one."""
        _, sheet = self._rows[row]
        if sheet is None or sheet.origin is None or sheet.returned is None:
            raise ValueError(row)
        return MergeDialog(
            sheet.origin, sheet.returned, sheet.base, self, taken=self._merge_choices.get(row)
        )

    def set_merged(self, row: int, merged: Sheet, taken: set[str] | None = None) -> None:
        """Decide ``row``'s conflict by the ``merged`` version (made by taking the parts
        ``taken`` from the department's version), shown as made."""
        self._merged[row] = merged
        if taken is not None:
            self._merge_choices[row] = set(taken)
        self._set_merged_text(row, MERGED_MADE)
        self.choose(row, Decision.MERGED)

    def _set_merged_text(self, row: int, text: str) -> None:
        box = self._choices[row]
        box.setItemText(box.findData(Decision.MERGED), text)

    @Slot()
    def _on_choice_activated(self, row: int) -> None:
        box = self._choices[row]
        if box.currentData() != Decision.MERGED:
            if self._merged.pop(row, None) is not None:
                self._set_merged_text(row, dict(map(reversed, CONFLICT_CHOICES))[Decision.MERGED])
            return
        _, sheet = self._rows[row]
        if sheet is None or sheet.origin is None or sheet.returned is None:
            self.choose(row, Decision.OPEN)  # deleted on one side: nothing to merge
            return
        dialog = self.merge_dialog(row)
        if dialog.exec() == MergeDialog.DialogCode.Accepted:
            self.set_merged(row, dialog.merged(), dialog.taken())
        elif row not in self._merged:
            self.choose(row, Decision.OPEN)

    def _selected_sheet(self) -> SheetPlan | None:
        row = self.table.currentRow()
        if not 0 <= row < len(self._rows):
            return None
        return self._rows[row][1]

    @Slot()
    def _update_compare(self) -> None:
        sheet = self._selected_sheet()
        self.compare_button.setEnabled(
            sheet is not None and sheet.origin is not None and sheet.returned is not None
        )

    def compare_dialog(self, row: int) -> CompareDialog:
        """The side-by-side view of ``row``'s two versions (not shown)."""
        _, sheet = self._rows[row]
        if sheet is None:
            raise ValueError(row)
        return CompareDialog(sheet, self)

    @Slot()
    def on_compare_clicked(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._rows) and self._rows[row][1] is not None:
            self.compare_dialog(row).exec()


#: The tint of a 提出状況 row by its state (None: the table's own colours).
_STATE_MARKS = {
    "提出済": colours.Mark.NEW,
    "確定": colours.Mark.DONE,
    "差戻し": colours.Mark.CHANGED,
}


def _state_mark(state: str) -> colours.Mark | None:
    """Conflicts left open are marked whatever the state; else the state's own tint."""
    if "競合あり" in state:
        return colours.Mark.INVALID
    return _STATE_MARKS.get(state)


class StatusDialog(QDialog):
    """The 提出状況: one read-only row per hand-out, and 差戻し / 確定 of the selected one.

    Args:
        writable: whether 差戻し and 確定 can be offered (not in a read-only book).

    Signals:
        send_back_requested(StatusRow): 「差戻し…」 was clicked on a row.
        confirm_requested(StatusRow): 「確定」 was clicked on a row.
    """

    send_back_requested = Signal(object)
    confirm_requested = Signal(object)

    _COLUMNS = ("報告年度", "担当課", "配布", "回収", "提出者", "変更", "競合", "状況")

    def __init__(
        self,
        rows: Sequence[StatusRow],
        note: str = "",
        parent: QWidget | None = None,
        *,
        writable: bool = False,
    ):
        super().__init__(parent)
        self.setWindowTitle("提出状況")
        geometry.fit_dialog(self, 900, 480)
        self._writable = writable
        self.rows: list[StatusRow] = []
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.table = QTableWidget(0, len(self._COLUMNS))
        self.table.setObjectName("submissionStatus")
        self.table.setHorizontalHeaderLabels(list(self._COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.send_back_button = QPushButton("差戻し(&S)…")
        self.send_back_button.setObjectName("statusSendBack")
        self.send_back_button.clicked.connect(self.on_send_back_clicked)
        self.confirm_button = QPushButton("確定(&K)")
        self.confirm_button.setObjectName("statusConfirm")
        self.confirm_button.clicked.connect(self.on_confirm_clicked)
        if not writable:
            tip = "読み取り専用で開いているため、差戻し・確定はできません"
            self.send_back_button.setToolTip(tip)
            self.confirm_button.setToolTip(tip)
        buttons = QDialogButtonBox()
        buttons.addButton(self.send_back_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton("閉じる(&C)", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        if note:
            warning = QLabel(f"注意: {note}")
            warning.setWordWrap(True)
            layout.addWidget(warning)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.table.currentCellChanged.connect(self._update_buttons)
        self.set_rows(rows)

    def set_rows(self, rows: Sequence[StatusRow]) -> None:
        """Show ``rows``, keeping the selected department selected when it is still there."""
        selected = self.selected_row()
        self.rows = list(rows)
        self.heading.setText(
            "担当課ごとの配布・回収の状況です。担当課を選んで差戻し・確定ができます。"
            if rows
            else "配布の記録がありません。"
        )
        self.table.setRowCount(0)
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            cells = (
                _year_text(row.report_year),
                row.department or "（担当課なし）",
                _when(row.handed_out_at),
                _when(row.returned_at),
                row.returned_by,
                row.changed,
                row.conflicts,
                row.state,
            )
            for column, text in enumerate(cells):
                self.table.setItem(number, column, QTableWidgetItem(text))
            mark = _state_mark(row.state)
            if mark is not None:
                tint = colours.tint(mark)
                for column in range(len(cells)):
                    self.table.item(number, column).setBackground(tint.background)
                    self.table.item(number, column).setForeground(tint.text)
        if selected is not None:
            keys = [(row.report_year, row.department) for row in self.rows]
            key = (selected.report_year, selected.department)
            if key in keys:
                self.select(keys.index(key))
        self._update_buttons()

    def select(self, number: int) -> None:
        """Select row ``number``."""
        self.table.setCurrentCell(number, 0)

    def selected_row(self) -> StatusRow | None:
        """The selected department's row (None: none selected)."""
        number = self.table.currentRow()
        return self.rows[number] if 0 <= number < len(self.rows) else None

    @Slot()
    def _update_buttons(self) -> None:
        row = self.selected_row()
        answered = row is not None and not row.state.startswith((NOT_RETURNED, CONFIRMED))
        self.send_back_button.setEnabled(self._writable and answered)
        self.confirm_button.setEnabled(self._writable and answered)
        if self._writable:
            tip = "" if row is None or answered else f"{row.state}の担当課には使えません"
            self.send_back_button.setToolTip(tip)
            self.confirm_button.setToolTip(tip)

    @Slot()
    def on_send_back_clicked(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.send_back_requested.emit(row)

    @Slot()
    def on_confirm_clicked(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.confirm_requested.emit(row)

    def shown_rows(self) -> list[tuple[str, ...]]:
        """Every row as shown."""
        return [
            tuple(self.table.item(row, column).text() for column in range(self.table.columnCount()))
            for row in range(self.table.rowCount())
        ]


def _when(stamp: str) -> str:
    """``2026-12-07T09:30:12+09:00`` as ``2026-12-07 09:30`` ("-" stays)."""
    if len(stamp) >= 16 and stamp[10] == "T":
        return f"{stamp[:10]} {stamp[11:16]}"
    return stamp


class SendBackDialog(QDialog):
    """Ask the 企画課コメント per sheet and the folder of a 差戻し.

    Args:
        sheets: (No, title) of the department's sheets.
        folder: the folder proposed.
    """

    def __init__(
        self,
        department: str,
        sheets: Sequence[tuple[str, str]],
        folder: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"差戻し: {department}")
        geometry.fit_dialog(self, 720, 380)
        heading = QLabel(
            f"{department}に差し戻すシートに、直してほしいことを書いてください"
            "（1件以上）。コメントはシートの上部に「企画課コメント」として表示されます。"
            "課のシートをすべて入れた新しいファイルを書き出します。"
        )
        heading.setWordWrap(True)
        self.table = QTableWidget(len(sheets), 3)
        self.table.setObjectName("sendBackSheets")
        self.table.setHorizontalHeaderLabels(["No", "シート名", "企画課コメント"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._edits: dict[str, QLineEdit] = {}
        for number, (no, title) in enumerate(sheets):
            self.table.setItem(number, 0, QTableWidgetItem(no))
            title_item = QTableWidgetItem(title)
            title_item.setToolTip(title)
            self.table.setItem(number, 1, title_item)
            edit = QLineEdit()
            edit.setObjectName(f"sendBackComment_{no}")
            edit.setPlaceholderText("コメントなし（差し戻さない）")
            edit.textChanged.connect(self._update_ok)
            self.table.setCellWidget(number, 2, edit)
            self._edits[no] = edit
        self.table.setColumnWidth(1, 240)
        self.table.resizeRowsToContents()
        self.folder_edit = QLineEdit(str(folder))
        self.folder_edit.setObjectName("sendBackFolder")
        self.folder_edit.textChanged.connect(self._update_ok)
        browse = QPushButton("参照(&B)…")
        browse.clicked.connect(self.on_browse_clicked)
        folder_row = QHBoxLayout()
        folder_label = QLabel("保存先のフォルダ(&F):")
        folder_label.setBuddy(self.folder_edit)
        folder_row.addWidget(folder_label)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("差し戻す(&S)", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(folder_row)
        layout.addWidget(buttons)
        self._update_ok()

    def set_comment(self, no: str, text: str) -> None:
        """Write ``text`` as sheet ``no``'s comment."""
        self._edits[no].setText(text)

    def comments(self) -> dict[str, str]:
        """The comments written, by No (sheets left empty are not sent back)."""
        return {no: edit.text().strip() for no, edit in self._edits.items() if edit.text().strip()}

    def folder(self) -> Path:
        """The chosen folder."""
        return Path(self.folder_edit.text().strip())

    @Slot()
    def _update_ok(self) -> None:
        self.ok_button.setEnabled(bool(self.comments()) and bool(self.folder_edit.text().strip()))

    @Slot()
    def on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "差戻しの保存先", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)
