"""ブック → 総括…: how many KPIs of a report year got each rank, overall, per 施策 and
per department, with the rank-distribution chart the PDF page prints."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QFont, QFontInfo, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kpidesk import eras, evaluation_table
from kpidesk.evaluation_summary import EvaluationSummary, RankCounts
from kpidesk.printing import fonts, rank_chart, summary_page
from ui import colours, geometry

#: The 区分 of each table row: the whole year, a section, a department.
KIND_OVERALL = "全体"
KIND_SECTION = "施策"
KIND_DEPARTMENT = "担当課"
#: The chart's size (pixels).
CHART_WIDTH = 620
CHART_HEIGHT = 230


class RankChartView(QWidget):
    """The rank-distribution chart of one group, drawn by
    :func:`kpidesk.printing.rank_chart.paint_rank_chart` as on the PDF page.
    White paper in any theme, as the trend chart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rankChart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._counts: RankCounts | None = None

    def set_counts(self, counts: RankCounts | None) -> None:
        """Show the chart of ``counts`` (nothing for None)."""
        self._counts = counts
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(CHART_WIDTH, CHART_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(360, CHART_HEIGHT)

    def text_size(self) -> float:
        """The chart's type size: a little smaller than the widget's own text (pixels)."""
        return max(QFontInfo(self.font()).pixelSize() * 0.9, 8.0)

    def geometry_now(self) -> rank_chart.RankChartGeometry | None:
        """The chart's geometry at the widget's present size, or None when nothing is shown."""
        if self._counts is None:
            return None
        rect = QRectF(0.5, 0.5, max(self.width(), 1) - 1, max(self.height(), 1) - 1)
        return rank_chart.rank_chart_geometry(self._counts, rect, text_size=self.text_size())

    def paintEvent(self, event: QPaintEvent) -> None:
        geometry = self.geometry_now()
        if geometry is None:
            return
        painter = QPainter(self)
        try:
            rank_chart.paint_rank_geometry(painter, geometry, font_family=fonts.load_fonts())
        finally:
            painter.end()


def table_rows(summary: EvaluationSummary) -> list[tuple[str, RankCounts]]:
    """(区分, counts) of each table row: the whole year, each section, each department."""
    return [
        (KIND_OVERALL, summary.overall),
        *((KIND_SECTION, counts) for counts in summary.sections),
        *((KIND_DEPARTMENT, counts) for counts in summary.departments),
    ]


class SummaryDialog(QDialog):
    """The 総括 of one report year, chosen among the book's.

    Args:
        years: the book's report years, newest first; the first is shown.
        load: makes the 総括 of a report year (None when it cannot: the
            loader has said why).
        book_name: for the title.

    Signals:
        pdf_requested(object): PDFに保存… on the shown ``EvaluationSummary``.
        print_requested(object): 印刷… on it.
    """

    pdf_requested = Signal(object)
    print_requested = Signal(object)

    def __init__(
        self,
        years: Sequence[int],
        load: Callable[[int], EvaluationSummary | None],
        *,
        book_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("summaryDialog")
        self.setWindowTitle(f"総括 - {book_name}" if book_name else "総括")
        self._load = load
        self._summary: EvaluationSummary | None = None

        self.year_combo = QComboBox()
        self.year_combo.setObjectName("summaryYear")
        for year in years:
            self.year_combo.addItem(eras.kanji_label(year), year)
        year_label = QLabel("報告年度(&Y):")
        year_label.setBuddy(self.year_combo)
        self.title_label = QLabel()
        self.title_label.setObjectName("summaryTitle")
        title_font = QFont(self.title_label.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.2)
        self.title_label.setFont(title_font)
        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(year_label)
        top.addWidget(self.year_combo)

        self.sentence_label = QLabel()
        self.sentence_label.setObjectName("summarySentence")
        self.sentence_label.setWordWrap(True)
        self.sentence_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sentence_font = QFont(self.sentence_label.font())
        sentence_font.setBold(True)
        sentence_font.setPointSizeF(sentence_font.pointSizeF() * 1.1)
        self.sentence_label.setFont(sentence_font)
        self.basis_label = QLabel()
        self.basis_label.setObjectName("summaryBasis")
        self.basis_label.setWordWrap(True)
        colours.colour_label(self.basis_label, colours.Ink.QUIET)

        self.chart = RankChartView()
        self.table = QTableWidget()
        self.table.setObjectName("summaryTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        colours.follow_palette(self.table, self._colour_table)

        self.pdf_button = QPushButton("PDFに保存(&P)…")
        self.pdf_button.setObjectName("summaryPdf")
        self.print_button = QPushButton("印刷(&R)…")
        self.print_button.setObjectName("summaryPrint")
        close_button = QPushButton("閉じる")
        close_button.setObjectName("summaryClose")
        close_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.sentence_label)
        layout.addWidget(self.chart)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.basis_label)
        layout.addLayout(buttons)

        self.pdf_button.clicked.connect(self._ask_pdf)
        self.print_button.clicked.connect(self._ask_print)
        close_button.clicked.connect(self.accept)
        self.year_combo.currentIndexChanged.connect(self._on_year_changed)
        geometry.fit_dialog(self, 900, 720)
        self._on_year_changed()

    # --- what is shown

    def summary(self) -> EvaluationSummary | None:
        """The 総括 shown, or None (no year, or it could not be made)."""
        return self._summary

    def report_year(self) -> int | None:
        """The report year chosen."""
        year = self.year_combo.currentData()
        return year if isinstance(year, int) else None

    def show_year(self, year: int) -> bool:
        """Choose ``year`` in the combo box; False when the book has none of it."""
        index = self.year_combo.findData(year)
        if index < 0:
            return False
        self.year_combo.setCurrentIndex(index)
        return True

    @Slot()
    def _on_year_changed(self) -> None:
        year = self.report_year()
        self.show_summary(None if year is None else self._load(year))

    def show_summary(self, summary: EvaluationSummary | None) -> None:
        """Fill the title, sentence, chart and table from ``summary`` (empty for None)."""
        self._summary = summary
        has = summary is not None
        self.pdf_button.setEnabled(has)
        self.print_button.setEnabled(has)
        if summary is None:
            self.title_label.setText("総括")
            self.sentence_label.setText("総括を作れませんでした。")
            self.basis_label.clear()
            self.chart.set_counts(None)
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            return
        self.title_label.setText(summary_page.summary_title(summary))
        self.sentence_label.setText(summary.sentence())
        self.basis_label.setText(evaluation_table.legend(summary.settings))
        self.chart.set_counts(summary.overall)
        self._fill_table(summary)

    def _fill_table(self, summary: EvaluationSummary) -> None:
        headers = ["区分", *summary_page.header_texts(summary)]
        rows = table_rows(summary)
        table = self.table
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(rows))
        for row, (kind, counts) in enumerate(rows):
            for column, text in enumerate([kind, *summary_page.row_texts(counts)]):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if kind == KIND_OVERALL:
                    font = QFont(table.font())
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(row, column, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._colour_table()

    def _colour_table(self) -> None:
        """Tint each rank's non-zero counts with the rank's colours (readable in any theme)."""
        summary = self._summary
        if summary is None:
            return
        labels = summary.settings.labels
        for row, (_, counts) in enumerate(table_rows(summary)):
            for index, count in enumerate(counts.counts):
                item = self.table.item(row, 3 + index)
                if item is None:
                    continue
                if count:
                    tint = colours.rank_tint(index, len(labels))
                    item.setBackground(QBrush(tint.background))
                    item.setForeground(QBrush(tint.text))
                else:
                    item.setBackground(QBrush())
                    item.setForeground(QBrush())

    # --- buttons

    @Slot()
    def _ask_pdf(self) -> None:
        if self._summary is not None:
            self.pdf_requested.emit(self._summary)

    @Slot()
    def _ask_print(self) -> None:
        if self._summary is not None:
            self.print_requested.emit(self._summary)
