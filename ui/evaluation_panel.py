"""Under the value table: each row's progress, judged as the book's scheme says.

For every value row the panel shows the newest actual with its year, the
change from the previous year, the year's 期待値 and the rate against it
(when the book ranks by it), the rates against the final target and the
rank (or "—" with the reason), with the flags the rank carries (速報値に基づく,
前年度値で評価, 参考（外的要因）, 評価対象外). A 期待値 row is shown as the path
of the row it measures, not ranked. Each row's target direction, kind, role
as a 期待値 row and 外的要因 (with its reason) can be set by hand, each change
one undo step; the year-on-year sentence goes into 取組状況 at a click.
The texts are made by :mod:`ui.evaluation_texts`.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal, Slot
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kpidesk import evaluation, limits
from kpidesk.evaluation import EvaluationSettings, RowEvaluation
from kpidesk.model import EXTERNAL_REASON_SUGGESTION, Sheet
from ui import colours, placeholders
from ui.bullets import UNDO_KEYS_TO_WINDOW, section_heading
from ui.document import SheetDocument
from ui.evaluation_texts import (
    FIGURES,
    expected_tip,
    figure_texts,
    heading_tips,
    measure_choices,
    notes,
    path_note,
    path_text,
    rank_column,
    row_flags,
    scheme_phrases,
)
from ui.flow_layout import FlowLayout
from ui.font_style import set_font_style
from ui.value_table import NoWheelUnlessFocused
from ui.wrapping import kept_together

#: The panel's grid lines per value row: figures, flags, notes, two lines of settings.
LINES_PER_ROW = 5
#: The row settings, in tab order: each a control named ``eval_<row>_<key>``.
CONTROLS = ("direction", "kind", "insert", "measures", "external", "external_reason")
#: The figures shown only when the book ranks against the 期待値.
EXPECTED_ONLY = ("expected_rate",)
#: The widgets of a row named ``eval_<row>_<key>``.
NAMED = ("label", *(key for key, _ in FIGURES), "path", "flags", "note", *CONTROLS)
#: The widgets of a row placed in the grid (the controls are on its two lines of settings).
GRID_WIDGETS = ("label", *(key for key, _ in FIGURES), "path", "flags", "note", "settings", "roles")


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
        #: The widgets of each row shown, and of every row made (the first are the ones shown).
        self._rows: list[dict[str, QWidget]] = []
        self._pool: list[dict[str, QWidget]] = []
        self._headings: dict[str, QLabel] = {}
        self._wheel_filter = NoWheelUnlessFocused(self)

        title = section_heading("評価")
        self.scheme_label = QLabel()
        self.scheme_label.setObjectName("evaluationScheme")
        self.scheme_label.setWordWrap(True)
        self.scheme_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        colours.colour_label(self.scheme_label, colours.Ink.QUIET)
        heading = QHBoxLayout()
        heading.addWidget(title)
        # All the width beside the heading, its text to the right: a label given
        # only its own size hint was laid out one line shorter than its text.
        heading.addWidget(self.scheme_label, 1)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
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
        """Allow or forbid the row settings and inserting the sentence."""
        self._read_only = read_only
        for widgets in self._rows:
            for key in CONTROLS:
                widgets[key].setEnabled(not read_only and self._can_use(widgets, key))

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
        self.scheme_label.setText(kept_together(*scheme_phrases(settings)))
        if self._document is None:
            return  # the form hides the panel; its blocks wait for the next sheet
        judged_rows = self.evaluations()
        self.empty_label.setVisible(not judged_rows)
        rebuild = len(judged_rows) != len(self._rows)
        if rebuild:
            self._show_row_count(len(judged_rows))
        against = settings.basis.against_expected
        for key, tip in heading_tips(settings).items():
            if key in self._headings:
                self._headings[key].setToolTip(tip)
                self._headings[key].setVisible(
                    bool(judged_rows) and (against or key not in EXPECTED_ONLY)
                )
        for index, judged in enumerate(judged_rows):
            self._fill_row(index, judged)
        self.set_read_only(self._read_only)
        if rebuild:
            self.rebuilt.emit()

    def lay_out_now(self) -> None:
        """Lay out the shown rows' lines of settings, then the box."""
        for widgets in self._rows:
            widgets["settings"].layout().activate()
            widgets["roles"].layout().activate()
        self.layout().activate()

    def lay_out_figures(self) -> None:
        """Lay out the shown figures' text at their width now, once the box is laid out.

        A label whose text can be selected lays its text out in its first
        paint and asks for a second one: done here, each is painted once.
        """
        for widgets in self._rows:
            for key, _heading in FIGURES:
                label = widgets[key]
                if not label.isHidden():
                    label.heightForWidth(label.width())

    def focus_chain(self) -> list[QWidget]:
        """The panel's controls in tab order."""
        return [widgets[key] for widgets in self._rows for key in CONTROLS]

    def _show_row_count(self, count: int) -> None:
        """Show the blocks of ``count`` rows: kept blocks are reused, more are made when needed.

        A block not needed is hidden and loses its widgets' names (``findChild``
        finds only the rows shown) until a sheet with more rows needs it again.
        """
        if count and not self._headings:
            for column, (key, heading) in enumerate(FIGURES, start=1):
                label = QLabel(heading)
                label.setObjectName(f"evalHeading_{key}")
                colours.colour_label(label, colours.Ink.QUIET)
                self.grid.addWidget(label, 0, column, Qt.AlignmentFlag.AlignRight)
                self._headings[key] = label
        while len(self._pool) < count:
            self._add_row(len(self._pool))
        for index, widgets in enumerate(self._pool):
            shown = index < count
            if shown == (index < len(self._rows)):
                continue  # as it was: its contents are filled in by _fill_row
            for key in NAMED:
                widgets[key].setObjectName(f"eval_{index}_{key}" if shown else "")
            # The figures, path, flags, note and settings follow in _fill_row.
            for key in ("label", "roles") if shown else GRID_WIDGETS:
                widgets[key].setVisible(shown)
        self._rows = self._pool[:count]

    def _add_row(self, index: int) -> None:
        """Make the widgets of row ``index`` (filled in by :meth:`_fill_row`)."""
        grid_row = 1 + index * LINES_PER_ROW
        span = len(FIGURES) + 1
        widgets: dict[str, QWidget] = {}
        name = QLabel()
        name.setObjectName(f"eval_{index}_label")
        self.grid.addWidget(name, grid_row, 0)
        widgets["label"] = name
        for column, (key, _heading) in enumerate(FIGURES, start=1):
            label = RankBadge() if key == "rank" else QLabel()
            label.setObjectName(f"eval_{index}_{key}")
            # Under its heading even when the grid gives the box more than its text.
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.grid.addWidget(label, grid_row, column, Qt.AlignmentFlag.AlignRight)
            widgets[key] = label
        path = QLabel()
        path.setObjectName(f"eval_{index}_path")
        self.grid.addWidget(path, grid_row, 1, 1, span - 1)
        flags = QLabel()
        flags.setObjectName(f"eval_{index}_flags")
        flags.setWordWrap(True)
        colours.colour_label(flags, colours.Ink.WARNING)
        self.grid.addWidget(flags, grid_row + 1, 0, 1, span)
        note = QLabel()
        note.setObjectName(f"eval_{index}_note")
        note.setWordWrap(True)
        colours.colour_label(note, colours.Ink.QUIET)
        self.grid.addWidget(note, grid_row + 2, 0, 1, span)
        widgets.update(path=path, flags=flags, note=note)

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
        widgets.update(direction=direction, kind=kind, insert=insert)
        widgets["settings"] = self._line(grid_row + 3, direction, kind, insert)

        measures = self._combo(f"eval_{index}_measures")
        measures.setToolTip(
            "この行を期待値の行にする: 選んだ行の各年度の期待値を、この行に入力した値で"
            "与えます。期待値の行は評価しません（自動: 項目名が「期待値」「目安値」で始まる行。"
            "括弧内の名前の行、なければ上の行の期待値になります）"
        )
        measures.activated.connect(lambda _=0, i=index, c=measures: self._set_row(i, c, "measures"))
        external = QCheckBox("外的要因")
        external.setObjectName(f"eval_{index}_external")
        external.setToolTip(
            "この行の実績が外的要因（感染症の流行など）の影響を受けています。"
            "評価の設定により、参考として評価するか、評価対象外にします"
        )
        external.clicked.connect(lambda checked, i=index: self._set_external(i, checked))
        reason = QLineEdit()
        reason.setObjectName(f"eval_{index}_external_reason")
        placeholders.quiet_placeholder(reason, EXTERNAL_REASON_SUGGESTION)
        reason.setToolTip("外的要因の内容（例: " + EXTERNAL_REASON_SUGGESTION + "）")
        reason.setMaxLength(limits.MAX_EXTERNAL_REASON_CHARS)
        reason.setMinimumWidth(240)
        # Offered once what is typed begins it (新型…); the placeholder shows it before.
        reason.setCompleter(QCompleter([EXTERNAL_REASON_SUGGESTION], reason))
        reason.installEventFilter(UNDO_KEYS_TO_WINDOW)
        reason.textEdited.connect(lambda text, i=index: self._set_reason(i, text))
        widgets.update(measures=measures, external=external, external_reason=reason)
        widgets["roles"] = self._line(grid_row + 4, measures, external, reason)
        widgets["roles"].setContentsMargins(0, 0, 0, 8)
        self._pool.append(widgets)

    def _line(self, grid_row: int, *controls: QWidget) -> QWidget:
        """A line of the grid holding ``controls`` at its right."""
        line = QWidget()
        layout = FlowLayout(line, align_right=True)
        for control in controls:
            layout.addWidget(control)
        self.grid.addWidget(line, grid_row, 0, 1, len(FIGURES) + 1)
        return line

    def _combo(self, name: str) -> QComboBox:
        """A chooser that the mouse wheel changes only once it has focus.

        Its width follows its items: each sheet shown renames the first one
        (目標の向き: 自動（…）), and a width taken once, at the first sheet,
        cut the longer name of the next.
        """
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
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
        yardstick = judged.is_yardstick
        _set_text(widgets["label"], judged.label.strip() or f"{index + 1}行目")
        result = judged.rank_result(settings)
        ranked_by = rank_column(result)
        against = settings.basis.against_expected
        for key, text in figure_texts(judged, settings).items():
            label = widgets[key]
            _set_text(label, text)
            label.setVisible(not yardstick and (against or key not in EXPECTED_ONLY))
            _set_bold(label, key == ranked_by)
        widgets["expected"].setToolTip(expected_tip(sheet, judged))
        self._colour_rank(widgets["rank"], judged)
        _set_text(widgets["path"], path_text(sheet, judged) if yardstick else "")
        widgets["path"].setVisible(yardstick)

        flags = widgets["flags"]
        _set_text(flags, "" if yardstick else "・".join(row_flags(judged, result)))
        flags.setVisible(bool(flags.text()))  # it has a parent: never a window of its own
        note = widgets["note"]
        _set_text(
            note, path_note(sheet, judged) if yardstick else "／".join(notes(judged, settings))
        )
        note.setVisible(bool(note.text()))

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
        widgets["settings"].setVisible(not yardstick)

        measures = widgets["measures"]
        assert isinstance(measures, QComboBox)
        choices = measure_choices(sheet, index)
        shown = [(measures.itemData(i), measures.itemText(i)) for i in range(measures.count())]
        if shown != choices:
            measures.clear()
            for value, text in choices:
                measures.addItem(text, value)
        measures.setCurrentIndex(max(measures.findData(row.measures.strip()), 0))
        external = widgets["external"]
        assert isinstance(external, QCheckBox)
        external.setChecked(row.external)
        reason = widgets["external_reason"]
        assert isinstance(reason, QLineEdit)
        if reason.text() != row.external_reason:
            position = reason.cursorPosition()
            reason.setText(row.external_reason)
            reason.setCursorPosition(min(position, len(row.external_reason)))
        external.setVisible(not yardstick)
        reason.setVisible(not yardstick and row.external)

    def _colour_rank(self, label: QWidget, judged: RowEvaluation) -> None:
        rank_index = evaluation.rank_index(judged.rank(self._settings), self._settings)
        label.setProperty("rankIndex", -1 if rank_index is None else rank_index)
        self._paint_rank(label)

    def _paint_rank(self, label: RankBadge) -> None:
        """Colour a rank label by its rank, in the present theme (plain when not ranked)."""
        rank_index = label.property("rankIndex")
        tint = None
        if isinstance(rank_index, int) and rank_index >= 0:
            tint = colours.rank_tint(rank_index, len(self._settings.labels))
        label.set_tint(tint)

    def _repaint_ranks(self) -> None:
        for widgets in self._rows:
            self._paint_rank(widgets["rank"])

    @staticmethod
    def _can_use(widgets: dict[str, QWidget], key: str) -> bool:
        if key == "insert":
            return bool(widgets["insert"].property("sentence"))
        return True

    # --- changes

    def _set_row(self, index: int, combo: QComboBox, attr: str) -> None:
        """A direction, kind or measured row was chosen: one undo step of the open sheet."""
        if self._document is None or self._read_only:
            return
        value = str(combo.currentData())
        what = {"target_direction": "目標の向き", "kind": "区分", "measures": "期待値の行"}[attr]
        self._document.edit(
            f"{index + 1}行目の{what}の変更",
            lambda sheet: setattr(sheet.rows[index], attr, value),
        )

    def _set_external(self, index: int, checked: bool) -> None:
        """外的要因 was ticked or cleared: one undo step."""
        if self._document is None or self._read_only:
            return
        changed = self._document.edit(
            f"{index + 1}行目の外的要因の変更",
            lambda sheet: setattr(sheet.rows[index], "external", checked),
        )
        if changed and checked and index < len(self._rows):
            self._rows[index]["external_reason"].setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_reason(self, index: int, text: str) -> None:
        """The reason of the 外的要因 was typed: an undo step (keystrokes merge)."""
        if self._document is None or self._read_only:
            return
        self._document.edit(
            f"{index + 1}行目の外的要因の内容の変更",
            lambda sheet: setattr(sheet.rows[index], "external_reason", text),
            merge_key=f"external_reason_{index}",
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


class RankBadge(QLabel):
    """The rank, bold on a rounded patch of its colour (plain when not ranked).

    Painted here rather than by a style sheet: a widget with a style sheet
    keeps the text size it had, so 表示 → 拡大 / 100% would not reach it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._tint: colours.Tint | None = None
        self.setContentsMargins(8, 0, 8, 0)

    def set_tint(self, tint: colours.Tint | None) -> None:
        """Draw on ``tint`` (None: plain, in the theme's colours)."""
        if tint == self._tint:
            return
        self._tint = tint
        if tint is None:
            self.setPalette(QPalette())
        else:
            colours.set_text_colour(self, tint.text)
        set_font_style(self, bold=tint is not None)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._tint is not None:
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._tint.background)
            painter.drawRoundedRect(QRectF(self.rect()), 3, 3)
            painter.end()
        super().paintEvent(event)


def _set_bold(label: QWidget, bold: bool) -> None:
    """Make a figure bold (the rate the rank is read from) or plain."""
    set_font_style(label, bold=bold)
