"""Published sheet text -> Sheets.

Reads the text of a published KPI analysis booklet, as a PDF-to-text tool
gives it (``resources/samples/kpi_sheets_kumamoto_r2.txt``), into sheets.
The words are kept as they stand, flaws of the extraction included; only
page furniture, the bullet marks and the unit printed beside the base value
are taken apart. A line that cannot be placed is reported with its number.
Spaces and invisible characters (a BOM, a zero-width space, a soft hyphen,
a direction mark: Unicode's format characters) at the ends of a line or a
table cell are not part of it, so they never hide a sheet's start; a line
that still looks like a sheet's start or a table's header where neither can
stand is reported rather than read as text.

The shape of one sheet in the text::

    No 9<TAB>生活安全企画課                 (or "No<TAB>課" and the number on the next line)
    刑法犯認知件数<TAB>
    <TAB>戦略策定時 実績値 (R1)<TAB>R2実績値<TAB>...<TAB>目標値 (R5)
    単年<TAB>6,498 件/年<TAB>5,081<TAB><TAB><TAB><TAB>前年比減
    取組状況
    - bullet
    課題等
    - bullet
    今後の方向性
    - bullet
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kpidesk import eras, limits, values
from kpidesk.model import (
    DEFAULT_BASELINE_LABEL,
    TEXT_SECTIONS,
    Cell,
    Sheet,
    ValueRow,
    split_departments,
)

#: Lines printed on every page that belong to no sheet.
PAGE_FURNITURE = frozenset(
    {"KPI分析シート", "<別記様式2>", "＜別記様式2＞", "〈別記様式2〉", "別記様式2"}
)

_SECTION_HEADINGS = {heading: attr for attr, heading in TEXT_SECTIONS}
_SPACES = " \t\u3000"
# Every pattern here reads text from outside and so must take time in
# proportion to the line, however the line is made: possessive quantifiers
# (``*+``, ``++``) never give back what they took, and no two neighbouring
# parts can match the same characters.
_NO_LINE = re.compile(
    r"^No\.?(?=[ \t\u30000-9０-９]|$)[ \u3000]*+"
    r"(?P<no>[0-9０-９]++(?:[-－‐][0-9０-９]++)?)?"
    r"[ \t\u3000]*+(?P<rest>.*)$"
)
_NO_ONLY = re.compile(r"^[0-9０-９]++(?:[-－‐][0-9０-９]++)?$")
_STRATEGY_HEADING = re.compile(r"^[0-9０-９]{1,2}[ \u3000]++[^\s0-9０-９].*$")
# The text between a pair of parentheses, spaces included (stripped by the caller).
_YEAR_IN_PARENS = re.compile(r"[(（]([^()（）]++)[)）]")
_WHITESPACE = re.compile(r"\s+")
# A sheet's start or a table's header where they cannot stand, found anywhere
# in the line: each part stops where the next begins, so a search is linear.
_LOOKS_LIKE_NO = re.compile(r"No\.?[^\S\t]*+[0-9０-９]++(?:[-－‐][0-9０-９]++)?[^\S\t]*+\t")
_BULLET_MARKS = ("- ", "-\t", "・", "･")
_ENCODINGS = ("utf-8-sig", "cp932")


def strip_invisible(text: str) -> str:
    """``text`` without the spaces and invisible characters at its ends.

    Invisible are the characters that :meth:`str.isspace` calls space (the
    no-break space and the ideographic space among them) and Unicode's format
    characters (category Cf: BOM, zero-width space, word joiner, soft hyphen,
    direction marks and the like).
    """
    start, end = 0, len(text)
    while start < end and _is_invisible(text[start]):
        start += 1
    while end > start and _is_invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


class TextImportError(ValueError):
    """The text cannot be imported (message in Japanese)."""


@dataclass(frozen=True)
class Problem:
    """A line of the text that could not be placed in any sheet.

    Attributes:
        line: the line number, 1-based.
        text: the line as it stands.
        reason: why it could not be placed, in Japanese.
    """

    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.line}行目: {self.reason}「{self.text.strip()}」"


@dataclass
class TextImportResult:
    """What an import found.

    Attributes:
        sheets: the sheets, in the order of the text.
        problems: lines that could not be placed; an empty list when all was read.
        encoding: the encoding the text was read with (``utf-8`` or ``cp932``).
    """

    sheets: list[Sheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = "utf-8"


@dataclass
class _Columns:
    baseline_label: str
    baseline_year: int
    actual_years: list[int]
    target_year: int


@dataclass
class _Draft:
    """A sheet being read: what the header, table and sections have given so far."""

    line: int
    no: str
    departments: list[str]
    section: str
    title_lines: list[str] = field(default_factory=list)
    columns: _Columns | None = None
    rows: list[ValueRow] = field(default_factory=list)
    # Each bullet as the lines it was printed on, joined once the sheet is
    # read: adding line after line to one string would copy it every time.
    texts: dict[str, list[list[str]]] = field(
        default_factory=lambda: {attr: [] for attr, _ in TEXT_SECTIONS}
    )
    current_text: str | None = None
    table_done: bool = False


def decode(raw: bytes) -> tuple[str, str]:
    """Decode published text: UTF-16 with a BOM, UTF-8 (with or without BOM), else CP932.

    Notepad's and Excel's 「Unicode テキスト」 is UTF-16 (little-endian on
    Windows) and always starts with its BOM, which tells it apart.

    Returns:
        The text and the name of the encoding used.

    Raises:
        TextImportError: the bytes are none of those.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise TextImportError(
                "UTF-16（Unicode テキスト）のファイルですが、途中が壊れていて読めません"
            ) from None
    for encoding in _ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise TextImportError(
        "文字コードを判別できません（UTF-8・Shift_JIS・UTF-16 のテキストを指定してください）"
    )


def read_file(path: Path, *, report_year: int | None = None) -> TextImportResult:
    """Read a text file of published sheets.

    Raises:
        TextImportError: the file's encoding is unknown or it holds no sheet.
        OSError: the file cannot be read.
    """
    text, encoding = decode(path.read_bytes())
    result = parse(text, report_year=report_year)
    result.encoding = encoding
    return result


def parse(text: str, *, report_year: int | None = None) -> TextImportResult:
    """Parse published sheet text into sheets.

    Args:
        text: the whole text.
        report_year: the report year to give every sheet; by default the newest
            actual year that has a value anywhere in the text.

    Characters a workbook cannot carry are replaced by U+FFFD, and a sheet
    beyond :func:`kpidesk.limits.sheet_problems` is left out with a problem
    for each thing wrong with it.

    Raises:
        TextImportError: the text holds no sheet.
    """
    parser = _Parser()
    for number, line in enumerate(text.splitlines(), start=1):
        parser.feed(number, line)
    drafts = parser.finish()
    if not drafts:
        raise TextImportError(
            "KPI分析シートが見つかりません（「No 番号」で始まるシートがありません）"
        )
    problems = parser.problems
    year = report_year if report_year is not None else _newest_reported_year(drafts)
    sheets = []
    beyond: list[str] = []
    for draft in drafts:
        sheet = _build(draft, year, problems)
        if sheet is None:
            continue
        limits.clean_sheet(sheet)
        found = limits.sheet_problems(sheet)
        beyond += found
        problems += [Problem(draft.line, f"No {limits.short_no(draft.no)}", p) for p in found]
        if not found:
            sheets.append(sheet)
    problems.sort(key=lambda problem: problem.line)
    if not sheets:
        raise TextImportError(
            "KPI分析シートが見つかりません（読み取れるシートがありません）"
            + (f"。{limits.problems_text(beyond)}" if beyond else "")
        )
    return TextImportResult(sheets=sheets, problems=problems)


def _newest_reported_year(drafts: list[_Draft]) -> int:
    newest: int | None = None
    for draft in drafts:
        if draft.columns is None:
            continue
        for row in draft.rows:
            for year, cell in zip(draft.columns.actual_years, row.actuals, strict=False):
                if not cell.is_empty and (newest is None or year > newest):
                    newest = year
    if newest is None:
        raise TextImportError(
            "報告年度を決められません（実績値が1つもありません）。年度を指定してください（--year）"
        )
    return newest


def _build(draft: _Draft, report_year: int, problems: list[Problem]) -> Sheet | None:
    if not draft.no:
        return None  # its missing number is already reported
    if draft.columns is None:
        problems.append(
            Problem(
                draft.line, f"No {draft.no}", "値の表（実績値・目標値の見出し行）がないシートです"
            )
        )
        return None
    return Sheet(
        report_year=report_year,
        no=draft.no,
        departments=draft.departments,
        title="".join(draft.title_lines),
        section=draft.section,
        baseline_label=draft.columns.baseline_label,
        baseline_year=draft.columns.baseline_year,
        actual_years=draft.columns.actual_years,
        target_year=draft.columns.target_year,
        rows=draft.rows,
        **{attr: ["".join(lines) for lines in bullets] for attr, bullets in draft.texts.items()},
    )


def split_baseline(text: str) -> tuple[str, str]:
    """Split the base value cell into (value, unit) as printed.

    ``6,498 件/年`` -> (``6,498``, ``件/年``); ``— %`` -> (``—``, ``%``);
    ``社/年`` -> (``""``, ``社/年``); ``認定なし`` -> (``認定なし``, ``""``).
    """
    text = strip_invisible(text)
    if not text:
        return "", ""
    first, _, rest = text.replace("\u3000", " ").partition(" ")
    if values.parse_value(first).is_valid:
        return first, rest.strip()
    return "", text


def _is_bullet(line: str) -> bool:
    return line.startswith(_BULLET_MARKS) or line == "-"


def strip_bullet(line: str) -> str:
    """A bullet's text without its leading ``- `` and ``・`` marks."""
    text = line
    if text.startswith("-"):
        text = text[1:].lstrip(_SPACES)
    if text.startswith(("・", "･")):
        text = text[1:].lstrip(_SPACES)
    return text.rstrip(_SPACES)


def parse_header_row(cells: list[str]) -> _Columns | None:
    """Read the value table's header row, or None when the cells are not one.

    ``戦略策定時 実績値 (R1)``, ``R2実績値`` ... ``目標値 (R5)``.
    """
    cells = [cell for cell in map(strip_invisible, cells) if cell]
    if len(cells) < 3 or "目標値" not in cells[-1] or "実績値" not in cells[0]:
        return None
    try:
        baseline_year = _year_in_parens(cells[0])
        target_year = _year_in_parens(cells[-1])
        actual_years = [eras.parse_year(cell.replace("実績値", "")) for cell in cells[1:-1]]
    except ValueError:
        return None
    label = _YEAR_IN_PARENS.sub("", cells[0])
    label = _WHITESPACE.sub("", label) or DEFAULT_BASELINE_LABEL
    return _Columns(label, baseline_year, actual_years, target_year)


def _year_in_parens(cell: str) -> int:
    match = _YEAR_IN_PARENS.search(cell)
    if match is None:
        raise ValueError(cell)
    return eras.parse_year(match.group(1).strip())


class _Parser:
    """A line-by-line reader of published sheet text."""

    def __init__(self) -> None:
        self.drafts: list[_Draft] = []
        self.problems: list[Problem] = []
        self.section = ""
        self.draft: _Draft | None = None
        self.awaiting_no: _Draft | None = None

    def problem(self, number: int, line: str, reason: str) -> None:
        self.problems.append(Problem(number, line, reason))

    def feed(self, number: int, raw: str) -> None:
        line = strip_invisible(raw)
        if not line or line in PAGE_FURNITURE:
            return
        if self.awaiting_no is not None:
            if _NO_ONLY.match(line):
                self.awaiting_no.no = values.normalize_width(line)
                self.awaiting_no = None
                return
            self.problem(number, raw, "No の番号がありません")
            self.awaiting_no = None
        match = _NO_LINE.match(line)
        if match is not None and (match.group("no") or match.group("rest")):
            self.start_sheet(number, match.group("no"), match.group("rest"))
            return
        if _STRATEGY_HEADING.match(line) and not (self.draft and self.in_table(raw)):
            self.draft = None
            self.section = line
            return
        if self.draft is None:
            self.problem(number, raw, "どのシートにも属さない行です")
            return
        self.feed_sheet(number, raw, line)

    def in_table(self, raw: str) -> bool:
        draft = self.draft
        return draft is not None and not draft.table_done and "\t" in raw

    def start_sheet(self, number: int, no: str | None, departments: str) -> None:
        draft = _Draft(
            line=number,
            no=values.normalize_width(no) if no else "",
            departments=split_departments(departments),
            section=self.section,
        )
        self.drafts.append(draft)
        self.draft = draft
        if not no:
            self.awaiting_no = draft

    def finish(self) -> list[_Draft]:
        if self.awaiting_no is not None:
            self.drafts.remove(self.awaiting_no)
            self.problem(self.awaiting_no.line, "No", "No の番号がありません")
        return self.drafts

    def feed_sheet(self, number: int, raw: str, line: str) -> None:
        draft = self.draft
        assert draft is not None
        if line in _SECTION_HEADINGS:
            draft.table_done = True
            draft.current_text = _SECTION_HEADINGS[line]
            return
        if draft.current_text is not None:
            self.check_misplaced(number, raw, line)
            self.feed_bullet(draft, line)
            return
        if draft.columns is None:
            columns = parse_header_row(raw.split("\t")) if "\t" in raw else None
            if columns is not None:
                draft.columns = columns
            elif draft.rows or "実績値" in line:
                self.problem(number, raw, "値の表の見出し行として読めません")
            else:
                self.check_misplaced(number, raw, line)
                draft.title_lines.append(line)
            return
        if not self.check_misplaced(number, raw, line):
            self.feed_value_row(number, raw, draft, draft.columns)

    def check_misplaced(self, number: int, raw: str, line: str) -> bool:
        """Report a line read as text that looks like a sheet's start or a table's header.

        Such a line has something before it that keeps it from being read as
        what it looks like; read as text, it would silently take the next
        sheet into this one. Returns whether the line was reported.
        """
        if _LOOKS_LIKE_NO.search(line):
            what = "シートの始まり（No と番号）"
        elif "\t" in raw and "実績値" in line and "目標値" in line:
            what = "値の表の見出し行"
        else:
            return False
        self.problem(
            number,
            raw,
            f"{what}のようですが、そう読めませんでした（前のシートに混ざります）。"
            "行の先頭に余計な文字がないか確かめ、直してから読み込み直してください",
        )
        return True

    def feed_value_row(self, number: int, raw: str, draft: _Draft, columns: _Columns) -> None:
        cells = raw.rstrip("\r\n").split("\t")
        width = len(columns.actual_years) + 3
        while len(cells) > width and not strip_invisible(cells[-1]):
            cells.pop()
        if len(cells) > width or len(cells) < 2:
            self.problem(
                number, raw, f"値の行の列数が見出し（{width}列）と合いません（{len(cells)}列）"
            )
            return
        cells += [""] * (width - len(cells))
        value, unit = split_baseline(cells[1])
        draft.rows.append(
            ValueRow(
                label=strip_invisible(cells[0]),
                unit=unit,
                baseline=Cell(value),
                actuals=[Cell(strip_invisible(cell)) for cell in cells[2:-1]],
                target=Cell(strip_invisible(cells[-1])),
            )
        )

    def feed_bullet(self, draft: _Draft, line: str) -> None:
        assert draft.current_text is not None
        bullets = draft.texts[draft.current_text]
        if _is_bullet(line) or not bullets:
            text = strip_bullet(line)
            if text:
                bullets.append([text])
        else:
            # A PDF extraction wraps a long paragraph: the line continues the bullet.
            bullets[-1].append(line)
