"""The 総括 page: a report year's ranks counted, laid out on A4 as drawing items.

:func:`layout_summary` puts one :class:`~kpidesk.evaluation_summary.EvaluationSummary`
on A4 portrait, in the page geometry and with the drawing items of
:mod:`kpidesk.printing.layout`, so that :mod:`kpidesk.printing.paint` draws it
on a PDF writer, a printer or the print preview as it draws a sheet:

* the title (``KPI評価の総括（令和2年度）``) and the sentence
  (``15項目のうちA 6（40%）…``) in a shaded box;
* the rank scheme in one small paragraph (:func:`kpidesk.evaluation_table.legend`);
* the rank-distribution bar chart of the whole year
  (:mod:`kpidesk.printing.rank_chart`);
* the table 全体・施策別 (the whole year first, then each section) and the
  table 担当課別: per row the items counted, each rank's count and share
  (``6（40%）``), 「—」 and 評価対象外 apart.

A long table goes on over further pages marked (続き), its header repeated.
No Qt here: text is measured through :class:`kpidesk.printing.layout.Measure`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kpidesk import eras, evaluation_summary, evaluation_table, ranking
from kpidesk.evaluation_summary import EvaluationSummary, RankCounts
from kpidesk.printing.layout import (
    CELL_PADDING,
    CONTENT_BOTTOM,
    CONTENT_LEFT,
    CONTENT_WIDTH,
    CONTINUED,
    HEADER_FILL,
    MARGIN_TOP,
    TITLE_SIZE,
    Box,
    Measure,
    Page,
    RankChart,
    Text,
    line_height,
)

#: What the footer names instead of a No.
FOOTER_MARK = "総括"
SENTENCE_SIZE = 10.5
LEGEND_SIZE = 7.5
TABLE_TITLE_SIZE = 10.0
#: The tables' type shrinks in these steps until every count fits its column.
TABLE_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5)
CHART_HEIGHT = 190.0
#: The shade behind the sentence and of the 全体 row.
SENTENCE_FILL = "#f3f6fa"
OVERALL_FILL = "#f7f7f7"
SECTION_TABLE = "全体・施策別"
DEPARTMENT_TABLE = "担当課別"
NAME_HEADER = "名称"
COUNTED_HEADER = "項目数"
#: Widths of the fixed columns (points).
COUNTED_WIDTH = 38.0
EXCLUDED_WIDTH = 56.0
MIN_NAME_WIDTH = 100.0
MIN_COUNT_WIDTH = 42.0
MAX_COUNT_WIDTH = 60.0
#: The most lines a table cell takes (a longer section heading is cut with …).
MAX_CELL_LINES = 8


def summary_title(summary: EvaluationSummary) -> str:
    """``KPI評価の総括（令和2年度）``, as the 評価一覧 workbook's 総括 worksheet titles it."""
    return f"KPI評価の総括（{eras.kanji_label(summary.report_year)}）"


def count_text(counts: RankCounts, count: int) -> str:
    """A count and its share as the sentence prints them: ``6（40%）``."""
    return f"{count}（{evaluation_summary.percent_text(counts.share(count))}）"


def row_texts(counts: RankCounts) -> list[str]:
    """One table row: name, items counted, each rank, 「—」 (count and share), 評価対象外."""
    return [
        counts.heading,
        str(counts.counted),
        *(count_text(counts, count) for count in counts.counts),
        count_text(counts, counts.not_judged),
        str(counts.excluded),
    ]


def header_texts(summary: EvaluationSummary) -> list[str]:
    """The tables' header: 名称, 項目数, each rank, 「—」, 評価対象外."""
    return [
        NAME_HEADER,
        COUNTED_HEADER,
        *summary.settings.labels,
        evaluation_summary.NOT_JUDGED_NAME,
        evaluation_summary.EXCLUDED_NAME,
    ]


@dataclass(frozen=True)
class _Table:
    """The tables' columns and type size, the same for both tables."""

    widths: tuple[float, ...]
    size: float
    fills: tuple[str, ...]


def _table_shape(measure: Measure, summary: EvaluationSummary) -> _Table:
    """Column widths and the largest type size at which every count fits its column."""
    labels = summary.settings.labels
    counted = len(labels) + 1  # the ranks and 「—」
    room = CONTENT_WIDTH - COUNTED_WIDTH - EXCLUDED_WIDTH - MIN_NAME_WIDTH
    count_width = max(MIN_COUNT_WIDTH, min(MAX_COUNT_WIDTH, room / counted))
    name_width = CONTENT_WIDTH - COUNTED_WIDTH - EXCLUDED_WIDTH - count_width * counted
    widths = (name_width, COUNTED_WIDTH, *([count_width] * counted), EXCLUDED_WIDTH)
    groups = (summary.overall, *summary.sections, *summary.departments)
    size = TABLE_SIZES[-1]
    for candidate in TABLE_SIZES:
        if all(
            measure.width(text, candidate) <= width - 2 * CELL_PADDING
            for counts in groups
            for text, width in zip(row_texts(counts)[1:], widths[1:], strict=True)
        ):
            size = candidate
            break
    fills = (
        HEADER_FILL,
        HEADER_FILL,
        *(ranking.rank_colours(index, len(labels))[1] for index in range(len(labels))),
        HEADER_FILL,
        HEADER_FILL,
    )
    return _Table(widths, size, fills)


class _Pages:
    """Builds the 総括's pages from the top down, starting a new page when one is full."""

    def __init__(self, measure: Measure, summary: EvaluationSummary) -> None:
        self.measure = measure
        self.summary = summary
        self.pages: list[Page] = []
        self.page = self._new_page(continued=False)
        self.y = MARGIN_TOP

    def _new_page(self, *, continued: bool) -> Page:
        page = Page(
            "", continued=continued, report_year=self.summary.report_year, footer_mark=FOOTER_MARK
        )
        self.pages.append(page)
        return page

    def add(self, item: Text | Box | RankChart) -> None:
        self.page.items.append(item)

    def lines(self, text: str, size: float, *, bold: bool = False, align: str = "left") -> None:
        """Wrapped text across the content width."""
        for line in self.measure.wrap(text, size, CONTENT_WIDTH, bold):
            self.add(
                Text(
                    CONTENT_LEFT, self.y, CONTENT_WIDTH, line_height(size), line, size, bold, align
                )
            )
            self.y += line_height(size)

    def continue_on_new_page(self) -> None:
        """A new page headed ``KPI評価の総括（令和2年度）（続き）``."""
        self.page = self._new_page(continued=True)
        self.y = MARGIN_TOP
        self.lines(summary_title(self.summary) + CONTINUED, TABLE_TITLE_SIZE + 1, bold=True)
        self.y += 6

    def cell_lines(self, text: str, size: float, width: float, bold: bool) -> list[str]:
        """A cell's text wrapped to its width; a name longer than :data:`MAX_CELL_LINES`
        lines is cut with …, so that a row always fits a page."""
        lines = self.measure.wrap(text, size, max(width - 2 * CELL_PADDING, size), bold)
        if len(lines) > MAX_CELL_LINES:
            lines = [*lines[: MAX_CELL_LINES - 1], lines[MAX_CELL_LINES - 1][:-1] + "…"]
        return lines

    def row_height(self, table: _Table, texts: Sequence[str], *, header: bool) -> float:
        """The height a row of ``texts`` takes."""
        size = table.size
        wrapped = [
            self.cell_lines(text, size, width, header)
            for text, width in zip(texts, table.widths, strict=True)
        ]
        return max(len(lines) for lines in wrapped) * line_height(size) + 2 * CELL_PADDING

    def draw_row(
        self, table: _Table, texts: Sequence[str], *, header: bool, fill: str | None
    ) -> None:
        size = table.size
        height = self.row_height(table, texts, header=header)
        x = CONTENT_LEFT
        for column, (text, width) in enumerate(zip(texts, table.widths, strict=True)):
            cell_fill = table.fills[column] if header else fill
            self.add(Box(x, self.y, width, height, fill=cell_fill))
            lines = self.cell_lines(text, size, width, header)
            top = self.y + (height - len(lines) * line_height(size)) / 2
            align = "left" if column == 0 and not header else "center" if header else "right"
            for line in lines:
                self.add(
                    Text(
                        x + CELL_PADDING,
                        top,
                        width - 2 * CELL_PADDING,
                        line_height(size),
                        line,
                        size,
                        header or fill == OVERALL_FILL,
                        align,
                    )
                )
                top += line_height(size)
            x += width
        self.y += height

    def table(self, title: str, table: _Table, groups: Iterable[tuple[RankCounts, bool]]) -> None:
        """A titled table of ``groups`` ((counts, is the 全体 row) each); rows that do not
        fit go on a new page under the title and the header again."""
        header = header_texts(self.summary)
        title_height = line_height(TABLE_TITLE_SIZE) + 2
        header_height = self.row_height(table, header, header=True)
        rows = list(groups)
        first = self.row_height(table, row_texts(rows[0][0]), header=False) if rows else 0
        if self.y + title_height + header_height + first > CONTENT_BOTTOM:
            self.continue_on_new_page()
        self.lines(title, TABLE_TITLE_SIZE, bold=True)
        self.y += 2
        self.draw_row(table, header, header=True, fill=None)
        for counts, overall in rows:
            texts = row_texts(counts)
            fill = OVERALL_FILL if overall else None
            if self.y + self.row_height(table, texts, header=False) > CONTENT_BOTTOM:
                self.continue_on_new_page()
                self.lines(f"{title}{CONTINUED}", TABLE_TITLE_SIZE, bold=True)
                self.y += 2
                self.draw_row(table, header, header=True, fill=None)
            self.draw_row(table, texts, header=False, fill=fill)
        self.y += 12


def layout_summary(summary: EvaluationSummary, measure: Measure) -> list[Page]:
    """Lay one report year's 総括 out on A4 pages (one, unless its tables are long)."""
    pages = _Pages(measure, summary)
    pages.lines(summary_title(summary), TITLE_SIZE, bold=True, align="center")
    pages.y += 8
    sentence_lines = measure.wrap(
        summary.sentence(), SENTENCE_SIZE, CONTENT_WIDTH - 2 * CELL_PADDING - 8
    )
    box_height = len(sentence_lines) * line_height(SENTENCE_SIZE) + 2 * CELL_PADDING + 6
    pages.add(Box(CONTENT_LEFT, pages.y, CONTENT_WIDTH, box_height, fill=SENTENCE_FILL))
    y = pages.y + CELL_PADDING + 3
    for line in sentence_lines:
        pages.add(
            Text(
                CONTENT_LEFT + CELL_PADDING + 4,
                y,
                CONTENT_WIDTH - 2 * CELL_PADDING - 8,
                line_height(SENTENCE_SIZE),
                line,
                SENTENCE_SIZE,
                True,
            )
        )
        y += line_height(SENTENCE_SIZE)
    pages.y += box_height + 4
    pages.lines(evaluation_table.legend(summary.settings), LEGEND_SIZE)
    pages.y += 8
    pages.add(RankChart(CONTENT_LEFT, pages.y, CONTENT_WIDTH, CHART_HEIGHT, summary.overall))
    pages.y += CHART_HEIGHT + 14
    table = _table_shape(measure, summary)
    sections = [(summary.overall, True), *((counts, False) for counts in summary.sections)]
    pages.table(SECTION_TABLE, table, sections)
    if summary.departments:
        pages.table(DEPARTMENT_TABLE, table, ((counts, False) for counts in summary.departments))
    return pages.pages


def layout_summaries(summaries: Iterable[EvaluationSummary], measure: Measure) -> list[Page]:
    """Each report year's 総括 pages, one year after the other."""
    return [page for summary in summaries for page in layout_summary(summary, measure)]
