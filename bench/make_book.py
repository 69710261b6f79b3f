"""Make a large synthetic book of KPI analysis sheets for benchmarks.

The sheets are recombined from the real parts of the 15 sample sheets
(``kpidesk.samples.sample_sheets()``): their departments (plus made-up ones,
about 60 in all), their titles with variations, their row layouts and units,
value rows with values of the sample's sizes and formats (``28,461``,
``77.6``, ``集計中``, ``—``, ``認定なし``, ``前年比減``, empty cells for
years not yet reported), and bullets made by splicing the sample's sentences
so that their lengths and counts look like the sample's.

Usage::

    .venv/bin/python bench/make_book.py OUT.kpidb [--sheets 5000] [--seed 1] [--years 1]

The same seed always gives the same sheets. With ``--years N`` the book also
holds the reports of the N - 1 following years (same Nos, more actuals
filled in, new bullets), as next year's report starts as a copy.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kpidesk.book.errors import BookError
from kpidesk.book.store import Book
from kpidesk.model import DEFAULT_BASELINE_LABEL, Cell, Sheet, ValueRow
from kpidesk.samples import sample_sheets

#: The report year of the first (or only) report in the book (令和2年度).
FIRST_REPORT_YEAR = 2020
#: The strategy's target year (R5); the last actual column is this year.
TARGET_YEAR = 2023
#: Sheets written per ``Book.import_sheets`` call (one transaction each).
BATCH_SIZE = 500
#: Bullet lengths kept within this range (the sample's are 34 to 171).
MIN_BULLET, MAX_BULLET = 30, 200

#: Made-up departments added to the sample's 12, so a book has about 60.
EXTRA_DEPARTMENTS: tuple[str, ...] = (
    "企画課",
    "地域振興課",
    "市町村課",
    "交通政策課",
    "デジタル戦略推進課",
    "統計調査課",
    "国際課",
    "文化企画課",
    "スポーツ振興課",
    "私学振興課",
    "県民生活課",
    "消費生活課",
    "男女参画・協働推進課",
    "人権同和政策課",
    "くらしの安全推進課",
    "危機管理防災課",
    "消防保安課",
    "健康づくり推進課",
    "医療政策課",
    "健康危機管理課",
    "薬務衛生課",
    "高齢者支援課",
    "認知症対策・地域ケア推進課",
    "障がい者支援課",
    "子ども未来課",
    "子ども家庭福祉課",
    "社会福祉課",
    "環境政策課",
    "環境保全課",
    "循環社会推進課",
    "自然保護課",
    "エネルギー政策課",
    "労働雇用創生課",
    "産業人材確保課",
    "商工振興金融課",
    "新産業振興課",
    "流通アグリビジネス課",
    "団体支援課",
    "担い手・企業参入支援課",
    "農業技術課",
    "畜産課",
    "農地整備課",
    "森林整備課",
    "林業振興課",
    "水産振興課",
    "道路整備課",
    "河川課",
    "都市計画課",
    "建築課",
    "高校教育課",
    "義務教育課",
    "社会教育課",
)

#: Made-up strategy section headings; each covers a run of consecutive Nos.
SECTIONS: tuple[str, ...] = (
    "1 熊本地震からの創造的復興と地方創生",
    "2 新型コロナウイルス感染症 を踏まえた対応",
    "3 安心して働き、暮らせる熊本の実現",
    "4 熊本への新しい人の流れをつくる",
    "5 若い世代の結婚・出産・子育ての希望をかなえる",
    "6 時代に合った地域をつくり、安心なくらしを守る",
    "7 地域の稼ぐ力を高める",
)

#: Variations appended to sample titles (the empty one keeps the title as is).
TITLE_SUFFIXES: tuple[str, ...] = (
    "",
    "（地域別）",
    "（県北地域）",
    "（県央地域）",
    "（県南地域）",
    "（阿蘇地域）",
    "（天草地域）",
    "（中小企業）",
    "（若年層）",
    "（女性）",
    "（高齢者）",
    "（新規分）",
    "（オンライン分）",
    "（県外向け）",
    "（海外向け）",
    "（市町村分）",
)

_TEXT_SECTIONS = ("efforts", "issues", "direction")
_CERTIFICATION_WORDS = {"認定なし", "認定"}
_OPENING = frozenset("(（「『[［")
_CLOSING = frozenset(")）」』]］")
_SENTENCE_END = re.compile(r"(?<=。)")


# --- the sample's parts -------------------------------------------------------


@dataclass(frozen=True)
class RowPattern:
    """What one value row of a sample sheet looks like.

    Attributes:
        label: the row's label (``単年``, ``累計``...).
        unit: the row's unit (``件/年``...).
        kind: ``number``, ``cumulative`` (a running total) or ``certification``
            (``認定なし`` / ``認定``).
        magnitude: a typical value of the row (its first number), or 0.
        decimals: 1 when the sample prints the row with one decimal, else 0.
    """

    label: str
    unit: str
    kind: str
    magnitude: float
    decimals: int


@dataclass(frozen=True)
class SheetPattern:
    """The parts of one sample sheet that synthetic sheets reuse."""

    departments: tuple[str, ...]
    title: str
    rows: tuple[RowPattern, ...]


@dataclass(frozen=True)
class TextPool:
    """Sentences and bullet statistics of one text section of the sample.

    Attributes:
        sentences: every sentence of the section's bullets, ending in ``。``.
        lengths: the length of every bullet of the section.
        counts: the number of bullets of the section on every sheet.
    """

    sentences: tuple[str, ...]
    lengths: tuple[int, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class SampleParts:
    """Everything the generator takes from the sample sheets."""

    patterns: tuple[SheetPattern, ...]
    departments: tuple[str, ...]
    pools: dict[str, TextPool]
    all_sentences: tuple[str, ...]
    h30_share: float


def _row_pattern(row: ValueRow) -> RowPattern:
    """The pattern of one sample value row."""
    cells = [row.baseline, *row.actuals, row.target]
    texts = {cell.text for cell in cells if not cell.is_empty}
    if texts & _CERTIFICATION_WORDS:
        kind = "certification"
    elif "累計" in row.label:
        kind = "cumulative"
    else:
        kind = "number"
    numbers = [cell.number for cell in cells if cell.number is not None]
    magnitude = float(next((n for n in numbers if n > 0), Decimal(0)))
    decimals = 1 if any("." in cell.text for cell in cells) else 0
    return RowPattern(row.label, row.unit, kind, magnitude, decimals)


def _sentences(bullet: str) -> list[str]:
    """A bullet split into sentences; a last piece without ``。`` gets one."""
    pieces = [piece.strip() for piece in _SENTENCE_END.split(bullet) if piece.strip()]
    return [piece if piece.endswith("。") else piece + "。" for piece in pieces]


def sample_parts(sheets: Iterable[Sheet] | None = None) -> SampleParts:
    """Take apart the sample sheets (or ``sheets``) into reusable parts."""
    sheets = list(sample_sheets() if sheets is None else sheets)
    patterns = tuple(
        SheetPattern(
            tuple(sheet.departments), sheet.title, tuple(_row_pattern(r) for r in sheet.rows)
        )
        for sheet in sheets
    )
    seen = dict.fromkeys(dept for sheet in sheets for dept in sheet.departments)
    departments = tuple(seen) + tuple(d for d in EXTRA_DEPARTMENTS if d not in seen)
    pools = {
        name: TextPool(
            sentences=tuple(
                sentence
                for sheet in sheets
                for bullet in getattr(sheet, name)
                for sentence in _sentences(bullet)
            ),
            lengths=tuple(len(bullet) for sheet in sheets for bullet in getattr(sheet, name)),
            counts=tuple(len(getattr(sheet, name)) for sheet in sheets if getattr(sheet, name)),
        )
        for name in _TEXT_SECTIONS
    }
    all_sentences = tuple(s for pool in pools.values() for s in pool.sentences)
    h30_share = sum(sheet.baseline_year == 2018 for sheet in sheets) / max(len(sheets), 1)
    return SampleParts(patterns, departments, pools, all_sentences, h30_share)


# --- bullets ------------------------------------------------------------------


def split_points(sentence: str) -> list[int]:
    """Where a sentence may be cut: just after a ``、`` outside any brackets.

    A cut inside ``(…)`` or ``「…」`` would leave a bracket unclosed. A
    sentence with a stray opening bracket (a flaw of the PDF text) has no
    cut after it.
    """
    points, depth = [], 0
    for index, char in enumerate(sentence):
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(depth - 1, 0)
        elif char == "、" and depth == 0 and index + 1 < len(sentence) - 1:
            points.append(index + 1)
    return points


def _spliced_sentence(rng: random.Random, pool: TextPool, all_sentences: tuple[str, ...]) -> str:
    """A sentence: a real one, or the head of one joined to the tail of another.

    The tail always comes from the section's own sentences, so the sentence
    ends the way that section's sentences end (``実施した``, ``必要がある``).
    """
    tail_source = rng.choice(pool.sentences)
    if rng.random() < 0.35:
        return tail_source
    head_source = rng.choice(all_sentences if rng.random() < 0.3 else pool.sentences)
    heads = split_points(head_source)
    tails = split_points(tail_source)
    if not heads or not tails:
        return tail_source
    return head_source[: rng.choice(heads)] + tail_source[rng.choice(tails) :]


def make_bullet(rng: random.Random, pool: TextPool, all_sentences: tuple[str, ...]) -> str:
    """One bullet of 30 to 200 characters, its length drawn like the sample's.

    The length aimed at is a sample bullet's length give or take a fifth;
    sentences are added while they fit, and a bullet far from the aim is
    made again.
    """
    target = min(max(rng.choice(pool.lengths) * rng.uniform(0.8, 1.2), MIN_BULLET), MAX_BULLET)
    low, high = max(target * 0.75, MIN_BULLET), min(target * 1.3, MAX_BULLET)
    for _ in range(50):
        text = _spliced_sentence(rng, pool, all_sentences)
        while len(text) < low:
            extra = _spliced_sentence(rng, pool, all_sentences)
            if len(text) + len(extra) > high:
                break
            text += extra
        if low <= len(text) <= high:
            return text
    fitting = [s for s in pool.sentences if MIN_BULLET <= len(s) <= MAX_BULLET]
    return rng.choice(fitting or list(pool.sentences))


def make_bullets(rng: random.Random, parts: SampleParts, name: str) -> list[str]:
    """The bullets of one text section, as many as on a sample sheet (1 to 4)."""
    pool = parts.pools[name]
    return [make_bullet(rng, pool, parts.all_sentences) for _ in range(rng.choice(pool.counts))]


# --- values -------------------------------------------------------------------


def format_value(value: float, decimals: int) -> str:
    """A number as printed on the sheets: ``28,461`` or ``77.6``."""
    if decimals:
        return f"{value:,.{decimals}f}"
    return f"{round(value):,}"


@dataclass
class RowPlan:
    """One value row for every actual year, before a report year hides the future.

    Attributes:
        label, unit: as on the sheet.
        kind: as in :class:`RowPattern`.
        baseline, target: the cell texts.
        actuals: the text of every actual year once it is reported.
    """

    label: str
    unit: str
    kind: str
    baseline: str
    actuals: list[str]
    target: str


def _plan_numbers(
    rng: random.Random, pattern: RowPattern, years: int, *, has_cumulative: bool
) -> RowPlan:
    """A numeric row (single year or running total) with values like the sample's."""
    decimals = pattern.decimals
    if not decimals and pattern.unit in {"%", "億円/年", "万人/年"} and rng.random() < 0.15:
        decimals = 1
    percent = pattern.unit == "%"
    if percent:
        base = rng.uniform(5, 90)
    else:
        magnitude = pattern.magnitude or 50.0
        base = max(magnitude * 10 ** rng.uniform(-0.8, 0.8), 3.0)
    cap = 100.0 if percent else math.inf
    if pattern.kind == "cumulative" and "/4年" not in pattern.unit:
        # A running total carried on from the base value (sample No 10: 3 -> 44).
        goal = min(base * rng.uniform(1.3, 4.0), cap)
        step = (goal - base) / years
        total, actual_values = base, []
        for _ in range(years):
            total += step * rng.uniform(0.0, 1.6)
            actual_values.append(min(total, cap))
        target = format_value(goal, decimals)
    elif pattern.kind == "cumulative":
        # A total over the four years, started afresh (sample No 13: 260 人/4年 -> 72).
        per_year = base / 4 * rng.uniform(0.5, 1.3)
        total, actual_values = 0.0, []
        for _ in range(years):
            total += per_year * rng.uniform(0.6, 1.4)
            actual_values.append(min(total, cap))
        target = format_value(min(base * rng.uniform(1.1, 1.8), cap), decimals)
    else:
        decreasing = rng.random() < 0.12
        trend = rng.uniform(-0.12, -0.02) if decreasing else rng.uniform(-0.05, 0.1)
        value, actual_values = base, []
        for _ in range(years):
            value = min(value * (1 + trend + rng.gauss(0, 0.06)), cap)
            actual_values.append(max(value, 0.0))
        if decreasing and rng.random() < 0.5:
            target = "前年比減"
        elif has_cumulative and rng.random() < 0.7:
            target = "—"
        else:
            factor = rng.uniform(0.75, 0.95) if decreasing else rng.uniform(1.02, 1.3)
            target = format_value(min(base * factor, cap), decimals)
    actuals = [format_value(v, decimals) for v in actual_values]
    if rng.random() < 0.02:
        actuals[rng.randrange(years)] = "0"
    baseline = format_value(base, decimals)
    roll = rng.random()
    if roll < 0.03:  # nothing to measure yet (sample No 26)
        baseline, actuals = "—", ["—"] * years
    elif roll < 0.07:
        baseline = "—"
    elif roll < 0.09:  # only the unit printed (sample No 18)
        baseline = ""
    return RowPlan(pattern.label, pattern.unit, pattern.kind, baseline, actuals, target)


def _plan_certification(rng: random.Random, pattern: RowPattern, years: int) -> RowPlan:
    """A 認定なし / 認定 row (sample No 10): not certified until some year."""
    certified_from = rng.randrange(1, years + 3) if rng.random() < 0.85 else 0
    actuals = ["認定" if i >= certified_from else "認定なし" for i in range(years)]
    baseline = "認定" if certified_from == 0 else "認定なし"
    return RowPlan(pattern.label, pattern.unit, pattern.kind, baseline, actuals, "認定")


def plan_rows(rng: random.Random, pattern: SheetPattern, years: int) -> list[RowPlan]:
    """The value rows of a sheet made after ``pattern``, for ``years`` actual years."""
    has_cumulative = any(row.kind == "cumulative" for row in pattern.rows)
    return [
        _plan_certification(rng, row, years)
        if row.kind == "certification"
        else _plan_numbers(rng, row, years, has_cumulative=has_cumulative)
        for row in pattern.rows
    ]


def rows_for_report(
    plans: list[RowPlan], actual_years: list[int], report_year: int, pending: int
) -> list[ValueRow]:
    """The value rows as reported in ``report_year``.

    Years after the report year are empty; the newest ``pending`` reported
    years of numeric rows read ``集計中`` (still being tallied).
    """
    reported = [year for year in actual_years if year <= report_year]
    pending_years = set(reported[len(reported) - pending :]) if pending else set()
    rows = []
    for plan in plans:
        cells = []
        for year, text in zip(actual_years, plan.actuals, strict=True):
            if year > report_year:
                text = ""
            elif year in pending_years and plan.kind != "certification" and text != "—":
                text = "集計中"
            cells.append(Cell(text))
        rows.append(ValueRow(plan.label, plan.unit, Cell(plan.baseline), cells, Cell(plan.target)))
    return rows


# --- sheets -------------------------------------------------------------------


def _departments(rng: random.Random, parts: SampleParts, pattern: SheetPattern) -> list[str]:
    """One department mostly, sometimes two or three (sample No 28 has two)."""
    first = list(pattern.departments[:1]) if rng.random() < 0.35 else []
    if not first:
        first = [rng.choice(parts.departments)]
    roll = rng.random()
    extra = 2 if roll < 0.01 else 1 if roll < 0.08 else 0
    while extra:
        department = rng.choice(parts.departments)
        if department not in first:
            first.append(department)
            extra -= 1
    return first


def make_sheets(
    count: int, seed: int = 1, years: int = 1, parts: SampleParts | None = None
) -> Iterator[Sheet]:
    """Yield ``count`` synthetic sheets (Nos ``"1"``..) for each of ``years`` report years.

    The first report year is 2020; each further year (2021, ...) holds the
    same Nos with the same departments, titles and rows, one more year of
    actuals and new bullets. Sheets come No by No, each No's report years in
    order. The same arguments always give the same sheets.

    Args:
        count: how many Nos.
        seed: the seed of the ``random.Random`` that makes every choice.
        years: how many report years, from 2020.
        parts: the sample's parts (taken from the bundled sample when None).
    """
    rng = random.Random(seed)
    parts = parts or sample_parts()
    title_numbers: dict[str, int] = {}
    for index in range(count):
        no = str(index + 1)
        pattern = rng.choice(parts.patterns)
        departments = _departments(rng, parts, pattern)
        suffix = rng.choice(TITLE_SUFFIXES)
        base_title = pattern.title + suffix
        title_numbers[base_title] = title_numbers.get(base_title, 0) + 1
        title = f"{base_title}その{title_numbers[base_title]}"
        section = SECTIONS[index * len(SECTIONS) // count]
        baseline_year = 2018 if rng.random() < parts.h30_share else 2019
        actual_years = list(range(baseline_year + 1, TARGET_YEAR + 1))
        plans = plan_rows(rng, pattern, len(actual_years))
        for offset in range(years):
            report_year = FIRST_REPORT_YEAR + offset
            pending = 0
            if report_year <= TARGET_YEAR:
                chance = 0.5 if baseline_year == 2018 else 0.08
                if rng.random() < chance:
                    pending = 2 if baseline_year == 2018 and rng.random() < 0.3 else 1
            yield Sheet(
                report_year=report_year,
                no=no,
                departments=list(departments),
                title=title,
                section=section,
                baseline_label=DEFAULT_BASELINE_LABEL,
                baseline_year=baseline_year,
                actual_years=list(actual_years),
                target_year=TARGET_YEAR,
                rows=rows_for_report(plans, actual_years, report_year, pending),
                efforts=make_bullets(rng, parts, "efforts"),
                issues=make_bullets(rng, parts, "issues"),
                direction=make_bullets(rng, parts, "direction"),
            )


def batched(sheets: Iterable[Sheet], size: int) -> Iterator[list[Sheet]]:
    """The sheets in lists of at most ``size``."""
    batch: list[Sheet] = []
    for sheet in sheets:
        batch.append(sheet)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def make_book(
    path: Path | str, count: int, seed: int = 1, years: int = 1, batch_size: int = BATCH_SIZE
) -> int:
    """Write a new book at ``path`` holding ``count`` sheets per report year.

    Sheets are imported ``batch_size`` at a time, one transaction each, so
    memory stays low. A partly written book is removed when anything fails.

    Returns:
        How many sheets were written (``count * years``).

    Raises:
        FileExistsError: something is already at ``path``.
        BookError: the book cannot be written.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    written = 0
    store = Book.open(path)
    try:
        for batch in batched(make_sheets(count, seed, years), batch_size):
            store.import_sheets(batch)
            written += len(batch)
    except BaseException:
        store.close()
        path.unlink(missing_ok=True)
        raise
    store.close()
    return written


def _positive(text: str) -> int:
    """An argparse type: an integer of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"整数を指定してください: {text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"1以上の整数を指定してください: {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        description="ベンチマーク用の大きな合成ブック（.kpidb）を作ります。"
    )
    parser.add_argument("out", type=Path, help="作るブックのファイル（既にあれば中止）")
    parser.add_argument("--sheets", type=_positive, default=5000, help="報告年度ごとのシート数")
    parser.add_argument("--seed", type=int, default=1, help="乱数の種（同じ種なら同じ中身）")
    parser.add_argument("--years", type=_positive, default=1, help="報告年度の数（2020年度から）")
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"エラー: 既にファイルがあります（上書きしません）: {args.out}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    try:
        written = make_book(args.out, args.sheets, args.seed, args.years)
    except FileExistsError:
        print(f"エラー: 既にファイルがあります（上書きしません）: {args.out}", file=sys.stderr)
        return 1
    except BookError as error:
        print(f"エラー: {error}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print(f"{written:,}件のシートを {args.out} に作りました（{elapsed:.1f}秒）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
