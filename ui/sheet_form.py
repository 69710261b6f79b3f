"""The form: one sheet laid out as the paper 別記様式2, top to bottom."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kpidesk import eras, limits
from kpidesk.evaluation import EvaluationSettings
from kpidesk.model import BULLET_SECTIONS, split_departments
from ui import placeholders
from ui.bullets import UNDO_KEYS_TO_WINDOW, BulletSectionEditor, section_heading
from ui.document import SheetDocument
from ui.evaluation_panel import EvaluationPanel
from ui.notice_bar import NoticeBar
from ui.trend_chart import TrendChart
from ui.value_table import ValueTableEditor

#: Header fields edited in line edits: (attribute, label, tooltip).
HEADER_FIELDS = (
    ("no", "No", "KPIの番号（印刷どおり）"),
    ("departments", "担当課", "複数のときは「、」で区切ります（例: 観光振興課、港湾課）"),
    ("title", "KPI名", "KPIの名前"),
    ("section", "施策", "総合戦略の項目の見出し"),
)
#: The source fields under the value table: (attribute, label, tooltip, placeholder).
SOURCE_FIELD_EDITS = (
    ("source", "出典", "実績値の出典（統計名・調査名）", "例: 総務省「住民基本台帳人口移動報告」"),
    ("published", "公表時期", "出典の統計が公表される時期", "例: 毎年8月"),
    (
        "next_release",
        "次回公表予定",
        "次の実績値が公表される予定（集計中の理由になります）",
        "例: 令和4年8月",
    ),
)
#: Every one-line field of the form: attribute -> label (for the undo step's name).
FIELD_LABELS = {
    **{attr: label for attr, label, _ in HEADER_FIELDS},
    **{attr: label for attr, label, _, _ in SOURCE_FIELD_EDITS},
}


class SheetForm(QScrollArea):
    """Edits one open sheet; every change goes through the sheet's undo stack.

    Signals:
        sentence_placed(bool): the 評価 box's 前年比 sentence is in 取組状況
            (True: it was written now; False: it was there already).
    """

    sentence_placed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sheetForm")
        self.setWidgetResizable(True)
        self._document: SheetDocument | None = None
        self._read_only = False

        page = QWidget()
        page.setObjectName("formPage")
        # Its height changes at almost every switch: only the widgets that change
        # (and a strip newly shown) are painted again, not all of the page.
        page.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        title = QLabel("KPI分析シート")
        title.setObjectName("formTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        form_mark = QLabel("<別記様式2>")
        form_mark.setTextFormat(Qt.TextFormat.PlainText)
        form_mark.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addStretch(1)
        heading.addWidget(form_mark)

        self.report_year_label = QLabel()
        self.report_year_label.setObjectName("reportYear")
        self.edits: dict[str, QLineEdit] = {}
        grid = QGridLayout()
        grid.setColumnStretch(3, 1)
        for attr, _label, tooltip in HEADER_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(attr)
            edit.setToolTip(tooltip)
            edit.textEdited.connect(lambda text, a=attr: self.on_header_edited(a, text))
            edit.installEventFilter(UNDO_KEYS_TO_WINDOW)
            self.edits[attr] = edit
        for attr, length in (
            ("no", limits.MAX_NO_CHARS),
            ("title", limits.MAX_TITLE_CHARS),
            ("section", limits.MAX_SECTION_CHARS),
            ("departments", limits.MAX_DEPARTMENTS * (limits.MAX_DEPARTMENT_CHARS + 1)),
        ):
            self.edits[attr].setMaxLength(length)
        self.edits["no"].setMaximumWidth(90)
        placeholders.quiet_placeholder(self.edits["departments"], "観光振興課、港湾課")
        grid.addWidget(QLabel("No"), 0, 0)
        grid.addWidget(self.edits["no"], 0, 1)
        grid.addWidget(QLabel("担当課"), 0, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.edits["departments"], 0, 3)
        grid.addWidget(self.report_year_label, 0, 4)
        grid.addWidget(QLabel("KPI名"), 1, 0)
        grid.addWidget(self.edits["title"], 1, 1, 1, 4)
        grid.addWidget(QLabel("施策"), 2, 0)
        grid.addWidget(self.edits["section"], 2, 1, 1, 4)
        source_grid = self._source_grid()

        self.value_table = ValueTableEditor()
        self.evaluation = EvaluationPanel()
        self.evaluation.rebuilt.connect(self._set_tab_order)
        self.evaluation.sentence_placed.connect(self.on_evaluation_sentence_placed)
        self.trend_chart = TrendChart()
        self.trend_chart.setObjectName("trendChart")
        chart_heading = section_heading("推移グラフ")
        self.chart_box = QFrame()
        self.chart_box.setObjectName("chartBox")
        self.chart_box.setFrameShape(QFrame.Shape.StyledPanel)
        chart_layout = QVBoxLayout(self.chart_box)
        chart_layout.addWidget(chart_heading)
        chart_layout.addWidget(self.trend_chart)
        self.sections = {
            attr: BulletSectionEditor(attr, heading_text) for attr, heading_text in BULLET_SECTIONS
        }
        for section in self.sections.values():
            section.rebuilt.connect(self._set_tab_order)

        self.placeholder = QLabel("左の一覧からシートを選んでください")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setObjectName("placeholder")

        # Why the planning division sent the sheet back (差戻し), until the department clears it.
        self.planning_comment = NoticeBar("planningComment")
        self.planning_comment.action_requested.connect(self.on_clear_planning_comment)

        self.body = QWidget()
        self.body.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.planning_comment)
        body_layout.addLayout(heading)
        body_layout.addLayout(grid)
        body_layout.addWidget(_rule())
        body_layout.addWidget(self.value_table)
        body_layout.addLayout(source_grid)
        body_layout.addWidget(self.evaluation)
        body_layout.addWidget(self.chart_box)
        for editor in self.sections.values():
            body_layout.addWidget(editor)
        body_layout.addStretch(1)

        layout = QVBoxLayout(page)
        # The page grows the moment its contents need it, not a few event-loop
        # passes later when the scroll area notices (the chart was squeezed meanwhile).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.body)
        self.setWidget(page)
        self._set_tab_order()
        self.set_document(None)

    def _source_grid(self) -> QGridLayout:
        """出典 on one line, 公表時期 and 次回公表予定 on the next, as edits of ``self.edits``."""
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        places = {"source": (0, 0, 3), "published": (1, 0, 1), "next_release": (1, 2, 1)}
        for attr, label, tooltip, placeholder in SOURCE_FIELD_EDITS:
            edit = QLineEdit()
            edit.setObjectName(attr)
            edit.setToolTip(tooltip)
            placeholders.quiet_placeholder(edit, placeholder)
            edit.setMaxLength(
                limits.MAX_SOURCE_CHARS if attr == "source" else limits.MAX_RELEASE_CHARS
            )
            edit.textEdited.connect(lambda text, a=attr: self.on_header_edited(a, text))
            edit.installEventFilter(UNDO_KEYS_TO_WINDOW)
            self.edits[attr] = edit
            row, column, span = places[attr]
            grid.addWidget(QLabel(label), row, column, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(edit, row, column + 1, 1, span)
        return grid

    def _set_tab_order(self) -> None:
        """Tab runs down the form as on paper, through every paragraph."""
        value_table = self.value_table
        chain: list[QWidget] = [
            self.edits["no"],
            self.edits["departments"],
            self.edits["title"],
            self.edits["section"],
            self.value_table.baseline_year,
            self.value_table.first_year,
            self.value_table.last_year,
            self.value_table.target_year,
            self.value_table.table,
            value_table.add_row_button,
            value_table.remove_row_button,
            value_table.row_up_button,
            value_table.row_down_button,
            *(self.edits[attr] for attr, _, _, _ in SOURCE_FIELD_EDITS),
            *self.evaluation.focus_chain(),
        ]
        for section in self.sections.values():
            chain.append(section.add_button)
            chain.extend(section.editors)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def set_read_only(self, read_only: bool) -> None:
        """Show the sheet without letting it be changed (a book opened read-only)."""
        self._read_only = read_only
        self.planning_comment.button.setEnabled(not read_only)
        for edit in self.edits.values():
            edit.setReadOnly(read_only)
        self.value_table.set_read_only(read_only)
        self.evaluation.set_read_only(read_only)
        for section in self.sections.values():
            section.set_read_only(read_only)

    @Slot(str, bool)
    def on_evaluation_sentence_placed(self, sentence: str, changed: bool) -> None:
        """Show the paragraph the 評価 box's button wrote (or found), scrolled into view."""
        self.sentence_placed.emit(changed)
        section = self.sections["efforts"]
        texts = section.bullets()
        if sentence not in texts:
            return
        index = texts.index(sentence)

        def show() -> None:  # once the new paragraph editor has been laid out
            if index < len(section.editors):
                self.ensureWidgetVisible(section.editors[index], 0, 40)

        QTimer.singleShot(0, show)

    def set_evaluation_settings(self, settings: EvaluationSettings) -> None:
        """Judge the open sheet by the book's rank scheme."""
        self.evaluation.set_settings(settings)

    def commit_pending_edit(self) -> None:
        """Finish any cell still being typed in (before a save or a question)."""
        self.value_table.commit_pending_edit()

    @property
    def document(self) -> SheetDocument | None:
        """The open sheet, or None."""
        return self._document

    def set_document(self, document: SheetDocument | None) -> None:
        """Show and edit ``document`` (None: show the placeholder)."""
        if self._document is not None:
            self._document.changed.disconnect(self.on_document_changed)
        self._document = document
        if document is not None:
            document.changed.connect(self.on_document_changed)
        if self.body.isHidden() != (document is None):
            self.placeholder.setVisible(document is None)
            self.body.setVisible(document is not None)
        with self._layout_once():
            self.value_table.set_document(document)
            self.evaluation.set_document(document)
            self.trend_chart.set_sheet(document.sheet if document is not None else None)
            self.chart_box.setVisible(self.trend_chart.row_count() > 0)
            for editor in self.sections.values():
                editor.set_document(document)
            self._show_header(opened=True)
        self.verticalScrollBar().setValue(0)

    @contextmanager
    def _layout_once(self) -> Iterator[None]:
        """Lay the form out once, at the end of the ``with`` block, innermost boxes first.

        Qt lays out a shown widget's parents there and then, up to the page,
        and filling a sheet shows and hides dozens (evaluation notes,
        paragraphs): meanwhile the outer layouts are switched off. Left to the
        event loop, a box's new height would reach the page one pass per level
        (each pass painted); laid out here, the first paint is the final one.
        """
        page = self.widget()
        widgets = [page, self.body, self.evaluation, *self.sections.values()]
        held = [(w, w.layout(), w.size()) for w in widgets if w.layout().isEnabled()]
        for _widget, layout, _size in held:
            layout.setEnabled(False)
        try:
            yield
        finally:
            for widget, layout, size in held:
                layout.setEnabled(True)
                if widget.size() != size:  # a resize a switched-off layout did not follow
                    layout.invalidate()
            self.value_table.layout().activate()
            self.evaluation.lay_out_now()
            self.chart_box.layout().activate()
            self.planning_comment.layout().activate()
            for section in self.sections.values():
                section.lay_out_now()
            self.body.layout().activate()
            page.layout().activate()
            self.evaluation.lay_out_figures()

    @Slot(str)
    def on_document_changed(self, part: str) -> None:
        if part == "header":
            self._show_header()
        elif part == "table" and self._document is not None:
            # A restore swaps in a new Sheet object: hand the chart the current one.
            self.trend_chart.set_sheet(self._document.sheet)
            self.chart_box.setVisible(self.trend_chart.row_count() > 0)

    def _show_header(self, *, opened: bool = False) -> None:
        """Show the one-line fields; ``opened``: of a sheet just opened (cursors at the start),
        else after an edit or undo (each cursor kept where it can be)."""
        if self._document is None:
            for edit in self.edits.values():
                edit.clear()
            self.report_year_label.clear()
            self.planning_comment.show_notice("")
            return
        sheet = self._document.sheet
        comment = sheet.planning_comment
        self.planning_comment.show_notice(
            f"企画課コメント: {comment}" if comment else "", "コメントを消す"
        )
        texts = {
            "no": sheet.no,
            "departments": sheet.departments_text,
            "title": sheet.title,
            "section": sheet.section,
            **{attr: getattr(sheet, attr) for attr, _, _, _ in SOURCE_FIELD_EDITS},
        }
        for attr, text in texts.items():
            edit = self.edits[attr]
            if opened:  # as a field just made: no selection, no undo of its own
                if edit.text() != text or edit.isUndoAvailable() or edit.isRedoAvailable():
                    edit.setText(text)  # (the same text again would only repaint it)
                edit.setCursorPosition(0)
                continue
            if attr == "departments" and split_departments(edit.text()) == sheet.departments:
                continue
            if edit.text() != text:
                position = edit.cursorPosition()
                edit.setText(text)
                edit.setCursorPosition(min(position, len(text)))
        self.report_year_label.setText(
            f"報告年度 {eras.kanji_label(sheet.report_year)}（{sheet.report_year}）"
        )

    def on_header_edited(self, attr: str, text: str) -> None:
        """A header field was typed in: record it as an undo step (keystrokes merge)."""
        if self._document is None or self._read_only:
            return
        label = FIELD_LABELS[attr]
        value: object = split_departments(text) if attr == "departments" else text
        self._document.edit(
            f"{label}の変更", lambda sheet: setattr(sheet, attr, value), merge_key=attr
        )

    @Slot()
    def on_clear_planning_comment(self) -> None:
        """The department has read the 企画課コメント: clear it as one undoable step."""
        if self._document is None or self._read_only:
            return
        if self.planning_comment.button.hasFocus():
            # Hiding the bar would pass the focus on to the No, all selected: the next
            # key would replace it. The first text box is harmless.
            self._first_text_box().setFocus(Qt.FocusReason.OtherFocusReason)
        self._document.edit(
            "企画課コメントを消す", lambda sheet: setattr(sheet, "planning_comment", "")
        )

    def _first_text_box(self) -> QWidget:
        """The first paragraph of the first text section (the section when it has none)."""
        first = next(iter(self.sections.values()))
        return first.editors[0] if first.editors else first


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line
