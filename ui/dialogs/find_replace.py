"""編集 → 検索と置換…: find a text in the open sheet or the whole book, preview, replace."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kpidesk import eras
from kpidesk.replace import Hit
from ui import geometry

HEADINGS = ("", "シート", "項目", "置換前", "置換後")

#: Characters shown on each side of the first place found, in the preview.
CONTEXT = 8


def snippet(text: str, at: int, length: int) -> str:
    """The part of a field around ``text[at:at + length]``, on one line: ``…の観光振興課が…``."""
    start = max(at - CONTEXT, 0)
    end = min(at + length + CONTEXT, len(text))
    shown = text[start:end].replace("\n", " ")
    return ("…" if start > 0 else "") + shown + ("…" if end < len(text) else "")


class FindReplaceDialog(QDialog):
    """The search, the preview of every hit (with a check box each) and the replace.

    The window does the work: it answers :attr:`search_requested` with
    :meth:`show_hits` and :attr:`replace_requested` by replacing the
    :meth:`chosen_hits`.

    Signals:
        search_requested(): 検索 was pressed (Enter in a text box presses it).
        replace_requested(): 置換 was pressed.
        undo_requested(): 置換を元に戻す was pressed (shown after a replace
            across the book, which the form's 元に戻す cannot undo).
    """

    search_requested = Signal()
    replace_requested = Signal()
    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, text: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("findReplaceDialog")
        self.setWindowTitle("検索と置換")
        self._hits: list[Hit] = []
        self.find_edit = QLineEdit(text)
        self.find_edit.setObjectName("findText")
        self.replace_edit = QLineEdit()
        self.replace_edit.setObjectName("replaceText")
        self.replace_edit.setPlaceholderText("空のままなら、見つけた文字を消します")
        self.sheet_scope = QRadioButton("開いているシート(&S)")
        self.book_scope = QRadioButton("ブック全体(&B)")
        self.sheet_scope.setChecked(True)
        scope = QHBoxLayout()
        scope.addWidget(self.sheet_scope)
        scope.addWidget(self.book_scope)
        scope.addStretch(1)
        form = QFormLayout()
        form.addRow("検索する文字列(&N)", self.find_edit)
        form.addRow("置換後の文字列(&I)", self.replace_edit)
        form.addRow("検索する範囲", scope)

        self.search_button = QPushButton("検索(&F)")
        self.search_button.setDefault(True)
        self.count_label = QLabel("検索する文字列を入れて［検索］を押してください。")
        self.count_label.setObjectName("hitCount")
        self.count_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.count_label, 1)
        top.addWidget(self.search_button)

        self.table = QTableWidget(0, len(HEADINGS))
        self.table.setObjectName("hits")
        self.table.setHorizontalHeaderLabels(list(HEADINGS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in (0, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # The sheet's name may be long: the texts before and after matter more.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(1, 210)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

        self.check_all_button = QPushButton("すべて選ぶ")
        self.check_none_button = QPushButton("選択を外す")
        self.replace_button = QPushButton("選んだ箇所を置換(&R)")
        self.undo_button = QPushButton("置換を元に戻す(&U)")
        self.undo_button.setObjectName("undoReplace")
        self.undo_button.hide()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("閉じる")
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (
            self.check_all_button,
            self.check_none_button,
            self.replace_button,
            self.undo_button,
        ):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        geometry.fit_dialog(self, 900, 520)

        self.search_button.clicked.connect(self.search_requested)
        self.sheet_scope.toggled.connect(self._forget_hits)
        self.find_edit.textEdited.connect(self._forget_hits)
        self.replace_edit.textEdited.connect(self._forget_hits)
        self.replace_button.clicked.connect(self.replace_requested)
        self.undo_button.clicked.connect(self.undo_requested)
        self.check_all_button.clicked.connect(lambda: self._check_all(True))
        self.check_none_button.clicked.connect(lambda: self._check_all(False))
        self.table.itemChanged.connect(self._update_buttons)
        self._update_buttons()

    def query(self) -> str:
        """The text to find."""
        return self.find_edit.text()

    def replacement(self) -> str:
        """The text to put in its place."""
        return self.replace_edit.text()

    def whole_book(self) -> bool:
        """Whether to search every sheet of the book (else the open sheet)."""
        return self.book_scope.isChecked()

    def show_hits(self, hits: Sequence[Hit], *, refused: dict[Hit, str]) -> None:
        """List ``hits``, each chosen but those in ``refused`` (hit → why it is kept)."""
        self.table.blockSignals(True)
        self._hits = list(hits)
        # Emptied first: filling a full table item by item over the old items
        # took Qt minutes for a few thousand hits searched again.
        self.table.setRowCount(0)
        self.table.setRowCount(len(self._hits))
        query = self.query()
        for row, hit in enumerate(self._hits):
            why = refused.get(hit)
            check = QTableWidgetItem()
            if why is None:
                check.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                check.setCheckState(Qt.CheckState.Checked)
            else:
                check.setFlags(Qt.ItemFlag.NoItemFlags)
                check.setToolTip(why)
            sheet = f"{eras.short_label(hit.report_year)} No {hit.no}「{hit.title}」"
            at = max(hit.before.find(query), 0)
            texts = (
                (f"【{why}】" if why else "") + sheet,
                hit.field,
                snippet(hit.before, at, len(query)),
                snippet(hit.after, at, len(self.replacement())) if hit.after else "（空）",
            )
            self.table.setItem(row, 0, check)
            for column, text in enumerate(texts, start=1):
                item = QTableWidgetItem(text)
                full = (hit.before, hit.after)[column - 3] if column >= 3 else text
                item.setToolTip(full)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        sheets = len({hit.sheet_id for hit in self._hits})
        if self._hits:
            text = f"{len(self._hits)}か所が見つかりました（{sheets}シート）。"
            kept = sum(1 for hit in self._hits if hit in refused)
            if kept:
                text += f"うち{kept}か所は変更できないシート（【】の理由）のため置換しません。"
            self.count_label.setText(text)
        else:
            self.count_label.setText(f"「{query}」は見つかりませんでした。")
        self._update_buttons()

    def show_done(self, text: str) -> None:
        """Say what a replace did and empty the list.

        The list is not searched again by itself: when the new text holds the
        one searched for, the same places would be listed (and ticked) again,
        and a second 置換 would repeat the change.
        """
        self._hits = []
        self.table.setRowCount(0)
        self.count_label.setText(text)
        self._update_buttons()

    def offer_undo(self, text: str) -> None:
        """Show 置換を元に戻す with ``text`` as its tooltip ("" hides it)."""
        self.undo_button.setVisible(bool(text))
        self.undo_button.setToolTip(text)

    def chosen_hits(self) -> list[Hit]:
        """The hits whose box is checked."""
        return [
            hit
            for row, hit in enumerate(self._hits)
            if self.table.item(row, 0).checkState() == Qt.CheckState.Checked
        ]

    @Slot()
    def _forget_hits(self) -> None:
        """The search changed: the list no longer says what 置換 would do."""
        if self._hits:
            self._hits = []
            self.table.setRowCount(0)
            self.count_label.setText("条件が変わりました。もう一度［検索］を押してください。")
        self._update_buttons()

    def _check_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                item.setCheckState(state)

    @Slot()
    def _update_buttons(self) -> None:
        self.replace_button.setEnabled(bool(self._hits) and bool(self.chosen_hits()))
        for button in (self.check_all_button, self.check_none_button):
            button.setEnabled(bool(self._hits))
