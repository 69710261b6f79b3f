"""The 総括: how many KPIs got each rank in a report year, overall and by group.

One item per sheet, ranked as the list ranks it: by its first value row
that is ranked, or that is left out for an external factor (期待値 rows
never count; :func:`kpidesk.ranking.sheet_rank_row`). The counts are given
for the whole year, for each 基本目標/施策 section (the sheet's section
heading) and for each department (a sheet with two departments counts for
each). Items left out for an external factor (評価対象外) are counted apart
and are not among the items the percentages are of; items not judged yet
(集計中, no actual) are counted apart too, under 「—」, but are among them,
so that the published sentence reads as prefectures print it:
``15項目のうちA 6（40%）、B 1（7%）、C 1（7%）、D 5（33%）、— 2（13%）``.

The sheets may be given in full or as the list entries a book keeps beside
them (:meth:`kpidesk.book.store.Book.list_entries`), which carry the rows'
rank inputs, the departments and the section: the window counts a report
year of thousands of sheets without loading one.

Plain data; the window, the PDF and the Excel 評価一覧 draw and print it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kpidesk import eras, evaluation
from kpidesk.evaluation import EvaluationSettings, RankInputs, RankResult, RankStatus
from kpidesk.model import ListEntry, Sheet, no_sort_key

#: The heading of a group of sheets that have no section heading.
NO_SECTION = "（施策なし）"
#: The heading of the whole year's counts.
OVERALL = "全体"
#: What the items not judged are called in the sentence.
NOT_JUDGED_NAME = "—"
#: What the items left out for an external factor are called.
EXCLUDED_NAME = "評価対象外"
#: The colours (text, background) of the items not judged and of those left out
#: where the ranks have theirs (:func:`kpidesk.ranking.rank_colours`): the charts.
NOT_JUDGED_COLOURS = ("#555555", "#dedede")
EXCLUDED_COLOURS = ("#6b6b6b", "#ffffff")


@dataclass(frozen=True)
class SheetItem:
    """One sheet as the 総括 counts it.

    Attributes:
        sheet: the sheet, or its list entry.
        row: the value row whose rank is the sheet's (its inputs), or None.
        result: that row's rank, status and flags.
    """

    sheet: Sheet | ListEntry
    row: RankInputs | None
    result: RankResult


@dataclass(frozen=True)
class RankCounts:
    """The counts of one group of items.

    Attributes:
        heading: 全体, the section heading or the department.
        labels: the rank labels, best first.
        counts: how many items got each rank, in ``labels``' order.
        not_judged: items not judged (yet): 集計中, no actual, no target.
        excluded: items left out for an external factor (評価対象外).
    """

    heading: str
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    not_judged: int = 0
    excluded: int = 0

    @property
    def ranked(self) -> int:
        """Items that got a rank."""
        return sum(self.counts)

    @property
    def counted(self) -> int:
        """Items the percentages are of: all but those left out (評価対象外)."""
        return self.ranked + self.not_judged

    @property
    def total(self) -> int:
        """Every item of the group, left out ones included."""
        return self.counted + self.excluded

    def share(self, count: int) -> Decimal | None:
        """``count`` as a percentage of :attr:`counted` (unrounded), None when it is 0."""
        if self.counted == 0:
            return None
        return Decimal(count) * 100 / Decimal(self.counted)

    def shares(self) -> tuple[Decimal | None, ...]:
        """The share of each rank (unrounded percentages), in ``labels``' order."""
        return tuple(self.share(count) for count in self.counts)

    def sentence(self) -> str:
        """``15項目のうちA 6（40%）、B 1（7%）、…、— 2（13%）``, with 評価対象外 after it.

        Percentages are rounded half up to whole percents; a group without
        items reads ``対象の項目がありません``.
        """
        if self.total == 0:
            return "対象の項目がありません"
        parts = [
            f"{label} {count}（{percent_text(self.share(count))}）"
            for label, count in zip(self.labels, self.counts, strict=True)
        ]
        if self.not_judged:
            share = percent_text(self.share(self.not_judged))
            parts.append(f"{NOT_JUDGED_NAME} {self.not_judged}（{share}）")
        text = f"{self.counted}項目のうち" + "、".join(parts) if self.counted else ""
        if self.excluded:
            left_out = f"{EXCLUDED_NAME} {self.excluded}項目"
            text = f"{text}（ほかに{left_out}）" if text else left_out
        return text


def percent_text(share: Decimal | None) -> str:
    """A share as the sentence prints it: ``40%`` (half up to whole percents), ``—``."""
    if share is None:
        return NOT_JUDGED_NAME
    return f"{share.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class EvaluationSummary:
    """The 総括 of one report year.

    Attributes:
        report_year: the report year.
        settings: the rank scheme the items were ranked by.
        overall: the whole year's counts (heading :data:`OVERALL`).
        sections: the counts of each section, in the order the sections
            first come by No (sheets without one under :data:`NO_SECTION`).
        departments: the counts of each department, in the order they first
            come by No.
        items: each sheet's item, by No.
    """

    report_year: int
    settings: EvaluationSettings
    overall: RankCounts
    sections: tuple[RankCounts, ...]
    departments: tuple[RankCounts, ...]
    items: tuple[SheetItem, ...]

    @property
    def title(self) -> str:
        """``令和2年度 評価の総括``."""
        return f"{eras.kanji_label(self.report_year)} 評価の総括"

    def sentence(self) -> str:
        """The whole year's sentence (:meth:`RankCounts.sentence`)."""
        return self.overall.sentence()


def sheet_item(sheet: Sheet | ListEntry, settings: EvaluationSettings) -> SheetItem:
    """One sheet ranked as the 総括 (and the list) ranks it: a full sheet from its
    rows, a list entry from the rank inputs the book keeps for it."""
    if isinstance(sheet, ListEntry):
        row, result = evaluation.entry_rank(sheet, settings)
    else:
        row, result = evaluation.sheet_result(sheet, settings)
    return SheetItem(sheet, row, result)


def count(heading: str, items: Iterable[SheetItem], settings: EvaluationSettings) -> RankCounts:
    """The counts of ``items`` under ``heading``."""
    labels = tuple(settings.labels)
    counts = [0] * len(labels)
    not_judged = excluded = 0
    for item in items:
        result = item.result
        if result.status is RankStatus.EXCLUDED:
            excluded += 1
        elif result.label is None or result.label not in labels:
            not_judged += 1
        else:
            counts[labels.index(result.label)] += 1
    return RankCounts(heading, labels, tuple(counts), not_judged, excluded)


def summarize(
    sheets: Sequence[Sheet | ListEntry],
    settings: EvaluationSettings,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationSummary:
    """The 総括 of the sheets of one report year.

    Args:
        sheets: the sheets or their list entries (both may be mixed: the
            window gives the open sheet as edited), all of one report year
            (at least one).
        settings: the book's rank scheme.
        progress: called with (done, total) after each sheet; an exception
            it raises aborts.

    Raises:
        ValueError: no sheets, or sheets of several report years (message in
            Japanese; :func:`summaries` makes one per year).
    """
    years = {sheet.report_year for sheet in sheets}
    if not years:
        raise ValueError("総括するシートがありません")
    if len(years) > 1:
        raise ValueError("総括は報告年度ごとに作ります（複数の報告年度のシートがあります）")
    ordered = sorted(sheets, key=lambda sheet: no_sort_key(sheet.no))
    items: list[SheetItem] = []
    for done, sheet in enumerate(ordered, start=1):
        items.append(sheet_item(sheet, settings))
        if progress is not None:
            progress(done, len(ordered))
    by_section: dict[str, list[SheetItem]] = {}
    by_department: dict[str, list[SheetItem]] = {}
    for item in items:
        by_section.setdefault(item.sheet.section.strip() or NO_SECTION, []).append(item)
        for department in dict.fromkeys(name.strip() for name in item.sheet.departments):
            if department:
                by_department.setdefault(department, []).append(item)
    return EvaluationSummary(
        report_year=years.pop(),
        settings=settings,
        overall=count(OVERALL, items, settings),
        sections=tuple(count(name, group, settings) for name, group in by_section.items()),
        departments=tuple(count(name, group, settings) for name, group in by_department.items()),
        items=tuple(items),
    )


def summaries(
    sheets: Sequence[Sheet | ListEntry], settings: EvaluationSettings
) -> list[EvaluationSummary]:
    """One 総括 per report year of the sheets, oldest first."""
    years = sorted({sheet.report_year for sheet in sheets})
    return [
        summarize([sheet for sheet in sheets if sheet.report_year == year], settings)
        for year in years
    ]
