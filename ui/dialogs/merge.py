"""Merge two versions of a sheet part by part, for a conflict of a collect (回収)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kpidesk.merge import BY_BOTH, CHANGED_MARK, merge_parts, merged_sheet
from kpidesk.model import Sheet
from ui import colours, geometry

#: The two choices per part, as the combo box offers them: (text, take the department's).
_CHOICES = (("部局の版", True), ("企画課の版", False))
_COLUMNS = ("場所", "企画課の版（元のブック）", "部局の版", "変更", "採用")


class MergeDialog(QDialog):
    """場所 | 企画課の版 | 部局の版 | 変更 | 採用: one line per part in which the versions differ.

    With the version handed out (``base``), each part says who changed it
    and starts on that side; a part changed on both sides is tinted and
    starts on the department's. 「すべて部局の版」 and 「すべて企画課の版」
    set every line at once. A value cell that differs between the two
    versions is marked with :data:`kpidesk.merge.CHANGED_MARK` in both.

    Args:
        taken: the parts taken from the department's version when the merge
            was made before (reopened); None: each part starts on the side
            that changed it.
    """

    def __init__(
        self,
        ours: Sheet,
        theirs: Sheet,
        base: Sheet | None = None,
        parent: QWidget | None = None,
        *,
        taken: set[str] | frozenset[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"統合した版を作る: No {ours.no}")
        geometry.fit_dialog(self, 1000, 600)
        self._ours, self._theirs = ours, theirs
        self.parts = merge_parts(ours, theirs, base)
        chosen = (
            "前に選んだとおりにしてあります"
            if taken is not None
            else "片方だけで変更された項目は、変更した側の版を選んであります"
        )
        heading = QLabel(
            f"項目ごとに、どちらの版を使うかを選んでください（{chosen}）。"
            f"値の表で2つの版の違うところには {CHANGED_MARK} を付けています。"
            "統合した版は回収するときに保存され、そのあとフォームで直すこともできます。"
            "回収する前の版は、シートの履歴（シート → 履歴…）と回収のときのバックアップに残ります。"
        )
        heading.setWordWrap(True)
        self.table = QTableWidget(len(self.parts), len(_COLUMNS))
        self.table.setObjectName("mergeParts")
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        both = colours.tint(colours.Mark.INVALID)
        self._boxes: dict[str, QComboBox] = {}
        for row, part in enumerate(self.parts):
            cells = (
                part.label,
                part.ours or "（なし）",
                part.theirs or "（なし）",
                part.changed or "不明",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                if part.changed == BY_BOTH:
                    item.setBackground(both.background)
                    item.setForeground(both.text)
                self.table.setItem(row, column, item)
            box = QComboBox()
            box.setObjectName(f"mergeChoice_{part.key}")
            box.setAccessibleName(f"{part.label}の採用")
            for text, take in _CHOICES:
                box.addItem(text, take)
            start = part.take_theirs if taken is None else part.key in taken
            box.setCurrentIndex(box.findData(start))
            holder = QWidget()  # the box stays one line high at the top of a tall line
            column = QVBoxLayout(holder)
            column.setContentsMargins(2, 2, 2, 2)
            column.addWidget(box)
            column.addStretch(1)
            self.table.setCellWidget(row, 4, holder)
            self._boxes[part.key] = box
        all_theirs = QPushButton("すべて部局の版(&T)")
        all_theirs.clicked.connect(lambda: self.choose_all(theirs=True))
        all_ours = QPushButton("すべて企画課の版(&O)")
        all_ours.clicked.connect(lambda: self.choose_all(theirs=False))
        buttons = QDialogButtonBox()
        buttons.addButton(all_theirs, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(all_ours, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton("この内容で統合(&M)", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def shown_rows(self) -> list[tuple[str, str, str]]:
        """(place, who changed it, the version chosen) of every line, as shown."""
        return [
            (part.label, self.table.item(row, 3).text(), self._boxes[part.key].currentText())
            for row, part in enumerate(self.parts)
        ]

    def choose(self, key: str, *, theirs: bool) -> None:
        """Take part ``key`` from the department's version (``theirs``) or the origin's."""
        box = self._boxes[key]
        box.setCurrentIndex(box.findData(theirs))

    @Slot()
    def choose_all(self, *, theirs: bool) -> None:
        """Take every part from one side."""
        for key in self._boxes:
            self.choose(key, theirs=theirs)

    def taken(self) -> set[str]:
        """The parts taken from the department's version."""
        return {key for key, box in self._boxes.items() if box.currentData()}

    def merged(self) -> Sheet:
        """The sheet as merged by the choices made."""
        return merged_sheet(self._ours, self._theirs, self.taken())
