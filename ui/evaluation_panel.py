"""Under the value table: each row's progress, judged as the book's scheme says.

For every value row the panel shows the newest actual with its year, the
change from the previous year, the achievement and progress rates and the
rank (or "—" with the reason), lets the row's target direction and kind be
set by hand, and inserts the year-on-year sentence into 取組状況.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kpidesk import eras, evaluation, values
from kpidesk.evaluation import Basis, EvaluationSettings, RowEvaluation
from kpidesk.model import Sheet
from ui import colours
from ui.bullets import section_heading
from ui.document import SheetDocument
from ui.value_table import NoWheelUnlessFocused

#: The figures of a row, in column order: (key, heading).
FIGURES: tuple[tuple[str, str], ...] = (
    ("latest", "最新実績"),
    ("change", "前年比"),
    ("achievement", "達成率"),
    ("progress", "進捗率"),
    ("rank", "評価"),
)


def figure_texts(judged: RowEvaluation, settings: EvaluationSettings) -> dict[str, str]:
    """What the panel prints for one row, by :data:`FIGURES` key."""
    rounding = settings.rounding
    latest = evaluation.NOT_JUDGED
    if judged.latest_year is not None:
        text = values.normalize_width(judged.latest_text.strip())
        latest = f"{text}（{eras.short_label(judged.latest_year)}）"
    change = evaluation.change_text(judged, rounding) or evaluation.NOT_JUDGED
    rank = judged.rank(settings)
    return {
        "latest": latest,
        "change": change,
        "achievement": evaluation.format_rate(judged.achievement, rounding),
        "progress": evaluation.format_rate(judged.progress, rounding),
        "rank": evaluation.NOT_JUDGED if rank is None else rank,
    }


def notes(judged: RowEvaluation, settings: EvaluationSettings) -> list[str]:
    """The reasons and remarks shown under a row's figures, without repeats."""
    found: list[str] = []
    rate, reason = judged.rank_rate(settings)
    fallback = judged.ranked_by_progress(settings) and settings.basis is Basis.ACHIEVEMENT
    for text in (
        judged.note,
        reason if rate is None else "",
        judged.achievement_reason if fallback else "",
        judged.change_reason if judged.change is None or judged.change_percent is None else "",
        "" if judged.word_target else judged.progress_reason,
    ):
        if text and text not in found:
            found.append(text)
    if judged.word_target and judged.achieved is not None and judged.previous is not None:
        verdict = "達成" if judged.achieved else "未達成"
        found.insert(0, f"目標「{judged.word_target}」は前年の実績と比べて{verdict}")
    return found


class EvaluationPanel(QFrame):
    """The 評価 box of the form: one block of figures and settings per value row.

    Signals:
        sentence_placed(str, bool): a year-on-year sentence was asked for: the
            sentence, and whether 取組状況 changed (False: it was already there).
    """

    sentence_placed = Signal(str, bool)
    rebuilt = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._document: SheetDocument | None = None
        self._settings = EvaluationSettings()
        self._read_only = False
        self._rows: list[dict[str, QWidget]] = []
        self._wheel_filter = NoWheelUnlessFocused(self)

        title = section_heading("評価")
        self.scheme_label = QLabel()
        self.scheme_label.setObjectName("evaluationScheme")
        colours.colour_label(self.scheme_label, colours.Ink.QUIET)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addStretch(1)
        heading.addWidget(self.scheme_label)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(2)
        self.empty_label = QLabel("（値の行がありません）")
        colours.colour_label(self.empty_label, colours.Ink.QUIET)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(self.grid)
        layout.addWidget(self.empty_label)
        colours.follow_palette(self, self._repaint_ranks)

    # --- what is shown

    def set_document(self, document: SheetDocument | None) -> None:
        """Judge the rows of ``document`` (None: nothing)."""
        if self._document is not None:
            self._document.changed.disconnect(self.on_document_changed)
        self._document = document
        if document is not None:
            document.changed.connect(self.on_document_changed)
        self.refresh()

    def set_settings(self, settings: EvaluationSettings) -> None:
        """Judge by the book's rank scheme."""
        self._settings = settings
        self.refresh()

    def set_read_only(self, read_only: bool) -> None:
        """Allow or forbid setting directions and inserting the sentence."""
        self._read_only = read_only
        for widgets in self._rows:
            for key in ("direction", "kind", "insert"):
                widgets[key].setEnabled(not read_only and self._can_insert(widgets, key))

    @Slot(str)
    def on_document_changed(self, part: str) -> None:
        if part == "table":
            self.refresh()

    def evaluations(self) -> list[RowEvaluation]:
        """The judgement of every row of the open sheet as edited."""
        if self._document is None:
            return []
        return evaluation.evaluate_sheet(self._document.sheet)

    def refresh(self) -> None:
        """Show the open sheet's rows; the blocks are rebuilt only when the row count changes."""
        settings = self._settings
        self.scheme_label.setText(
            f"{settings.basis.label}で評価（"
            + "、".join(
                f"{lv.label} {evaluation.format_threshold(lv.threshold)}%以上"
                for lv in settings.levels
            )
            + f"、{settings.lowest_label} それ未満／{settings.rounding.label}）"
        )
        if self._document is None:
            return  # the form hides the panel; its blocks wait for the next sheet
        judged_rows = self.evaluations()
        self.empty_label.setVisible(not judged_rows)
        rebuild = len(judged_rows) != len(self._rows)
        if rebuild:
            self._clear()
            if judged_rows:
                for column, (_key, heading) in enumerate(FIGURES, start=1):
                    label = QLabel(heading)
                    colours.colour_label(label, colours.Ink.QUIET)
                    self.grid.addWidget(label, 0, column, Qt.AlignmentFlag.AlignRight)
            for index in range(len(judged_rows)):
                self._add_row(index)
        for index, judged in enumerate(judged_rows):
            self._fill_row(index, judged)
        self.set_read_only(self._read_only)
        if rebuild:
            self.rebuilt.emit()

    def focus_chain(self) -> list[QWidget]:
        """The panel's controls in tab order."""
        return [widgets[key] for widgets in self._rows for key in ("direction", "kind", "insert")]

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setObjectName("")  # not found by findChild() until deleteLater runs
                for child in widget.findChildren(QWidget):
                    child.setObjectName("")
                widget.deleteLater()
        self._rows = []

    def _add_row(self, index: int) -> None:
        """Make the widgets of row ``index`` (filled in by :meth:`_fill_row`)."""
        grid_row = 1 + index * 3
        widgets: dict[str, QWidget] = {}
        name = QLabel()
        name.setObjectName(f"eval_{index}_label")
        self.grid.addWidget(name, grid_row, 0)
        widgets["label"] = name
        for column, (key, _heading) in enumerate(FIGURES, start=1):
            label = QLabel()
            label.setObjectName(f"eval_{index}_{key}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.grid.addWidget(label, grid_row, column, Qt.AlignmentFlag.AlignRight)
            widgets[key] = label

        direction = self._combo(f"eval_{index}_direction")
        direction.addItem("", "")
        for value, text in evaluation.TARGET_DIRECTION_NAMES.items():
            direction.addItem(f"目標の向き: {text}", value)
        direction.setToolTip(
            "目標が増やす向きか減らす向きかを指定します（自動: 基準値と目標値から）"
        )
        direction.activated.connect(
            lambda _=0, i=index, c=direction: self._set_row(i, c, "target_direction")
        )
        kind = self._combo(f"eval_{index}_kind")
        kind.addItem("", "")
        for value, text in evaluation.KIND_NAMES.items():
            kind.addItem(f"区分: {text}", value)
        kind.setToolTip(
            "累計の行: 前年比はその年の増加分です。単位が「人/4年」のように前の期間の合計の"
            "ときは0から数え直します（自動: 項目名に「累計」があれば累計）"
        )
        kind.activated.connect(lambda _=0, i=index, c=kind: self._set_row(i, c, "kind"))
        insert = QPushButton("前年比の文を取組状況へ")
        insert.setObjectName(f"eval_{index}_insert")
        insert.setAutoDefault(False)
        insert.clicked.connect(lambda _=False, i=index: self.insert_sentence(i))
        note = QLabel()
        note.setObjectName(f"eval_{index}_note")
        note.setWordWrap(True)
        colours.colour_label(note, colours.Ink.QUIET)
        controls = QWidget()
        controls_layout = QHBoxLayout(controls)
        controls_layout.setContentsMargins(0, 0, 0, 0)
        controls_layout.addStretch(1)
        controls_layout.addWidget(direction)
        controls_layout.addWidget(kind)
        controls_layout.addWidget(insert)
        self.grid.addWidget(controls, grid_row + 1, 0, 1, len(FIGURES) + 1)
        note.setContentsMargins(0, 0, 0, 6)
        self.grid.addWidget(note, grid_row + 2, 0, 1, len(FIGURES) + 1)
        widgets.update(direction=direction, kind=kind, insert=insert, note=note)
        self._rows.append(widgets)

    def _combo(self, name: str) -> QComboBox:
        """A chooser that the mouse wheel changes only once it has focus."""
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        combo.installEventFilter(self._wheel_filter)
        return combo

    def _fill_row(self, index: int, judged: RowEvaluation) -> None:
        """Show ``judged`` in the widgets of row ``index``."""
        assert self._document is not None
        sheet = self._document.sheet
        row = sheet.rows[index]
        settings = self._settings
        widgets = self._rows[index]
        _set_text(widgets["label"], judged.label.strip() or f"{index + 1}行目")
        for key, text in figure_texts(judged, settings).items():
            _set_text(widgets[key], text)
        self._colour_rank(widgets["rank"], judged)

        direction = widgets["direction"]
        assert isinstance(direction, QComboBox)
        auto = evaluation.TARGET_DIRECTION_NAMES.get(
            evaluation.automatic_target_direction(row) or "", "不明"
        )
        direction.setItemText(0, f"目標の向き: 自動（{auto}）")
        direction.setCurrentIndex(max(direction.findData(row.target_direction), 0))
        kind = widgets["kind"]
        assert isinstance(kind, QComboBox)
        automatic = evaluation.KIND_NAMES[evaluation.automatic_kind(row.label)]
        kind.setItemText(0, f"区分: 自動（{automatic}）")
        kind.setCurrentIndex(max(kind.findData(row.kind), 0))

        insert = widgets["insert"]
        sentence = evaluation.change_sentence(sheet, judged, settings.rounding)
        insert.setProperty("sentence", sentence or "")
        insert.setToolTip(
            f"取組状況の先頭に入れます:\n{sentence}"
            if sentence
            else "前年比を計算できないため使えません"
        )
        note = widgets["note"]
        _set_text(note, "／".join(notes(judged, settings)))
        note.setVisible(bool(note.text()))  # it has a parent: never a window of its own

    def _colour_rank(self, label: QWidget, judged: RowEvaluation) -> None:
        rank_index = evaluation.rank_index(judged.rank(self._settings), self._settings)
        label.setProperty("rankIndex", -1 if rank_index is None else rank_index)
        self._paint_rank(label)

    def _paint_rank(self, label: QWidget) -> None:
        """Colour a rank label by its rank, in the present theme (plain when not ranked)."""
        rank_index = label.property("rankIndex")
        style = ""
        if isinstance(rank_index, int) and rank_index >= 0:
            tint = colours.rank_tint(rank_index, len(self._settings.labels))
            style = f"{tint.style()} font-weight: bold; padding: 0 8px; border-radius: 3px;"
        colours.set_style_sheet(label, style)

    def _repaint_ranks(self) -> None:
        for widgets in self._rows:
            self._paint_rank(widgets["rank"])

    @staticmethod
    def _can_insert(widgets: dict[str, QWidget], key: str) -> bool:
        return key != "insert" or bool(widgets["insert"].property("sentence"))

    # --- changes

    def _set_row(self, index: int, combo: QComboBox, attr: str) -> None:
        """A direction or kind was chosen: one undo step of the open sheet."""
        if self._document is None or self._read_only:
            return
        value = str(combo.currentData())
        what = "目標の向き" if attr == "target_direction" else "区分"
        self._document.edit(
            f"{index + 1}行目の{what}の変更",
            lambda sheet: setattr(sheet.rows[index], attr, value),
        )

    def insert_sentence(self, index: int) -> bool:
        """Put row ``index``'s year-on-year sentence at the top of 取組状況.

        See :func:`kpidesk.evaluation.place_sentence`: an outdated sentence
        about the same row is replaced, and the rows' sentences keep their order.

        Returns:
            True if 取組状況 changed.
        """
        if self._document is None or self._read_only:
            return False
        sheet = self._document.sheet
        judged = evaluation.evaluate_row(sheet, index)
        sentence = evaluation.change_sentence(sheet, judged, self._settings.rounding)
        if sentence is None:
            return False

        def put(target: Sheet) -> None:
            target.efforts = evaluation.place_sentence(target.efforts, sentence)

        changed = self._document.edit("前年比の文を取組状況に追加", put)
        self.sentence_placed.emit(sentence, changed)
        return changed


def _set_text(label: QWidget, text: str) -> None:
    """Change a label's text only when it differs (no needless relayout)."""
    assert isinstance(label, QLabel)
    if label.text() != text:
        label.setText(text)
