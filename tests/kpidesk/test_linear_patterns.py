"""Outside text is read in time proportional to its length, however it is made.

Every test here runs under a watchdog that catches a hang, not a speed: the
inputs are ones that kept a backtracking pattern (or a line-by-line string
copy) busy for minutes before it was fixed, and that the fixed code reads in
well under a second. Nothing is timed; a test fails only when the watchdog
goes off after :data:`WATCHDOG` seconds, which no slow machine reaches for
linear work on these sizes.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import faulthandler
import importlib
import inspect
import itertools
import pkgutil
import re
import signal
from collections.abc import Iterator
from types import FrameType, ModuleType

import pytest

import kpidesk
from kpidesk import eras, evaluation, values
from kpidesk.exchange import numformat, textimport
from kpidesk.model import Cell, ValueRow
from tests.kpidesk.test_store import make_sheet

#: Seconds before a test is taken to hang.
WATCHDOG = 20

HEADER = "\t戦略策定時 実績値 (R1)\tR2実績値\tR3実績値\t目標値 (R5)"
VALUE_ROW = "単年\t6,498 件/年\t5,081\t\t前年比減"


class Hang(AssertionError):
    """The watchdog went off: the code under test did not finish."""


@contextlib.contextmanager
def watchdog(seconds: int = WATCHDOG) -> Iterator[None]:
    """Fail the test if the block runs for ``seconds`` (a hang, not a slow run)."""
    if not hasattr(signal, "SIGALRM"):
        # Without alarms, a hang ends the whole run with every thread's traceback.
        faulthandler.dump_traceback_later(seconds, exit=True)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
        return

    def hang(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"not finished after {seconds} s: a pattern or loop is super-linear")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def sheet_text(*lines: str) -> str:
    """A sheet's text around ``lines`` (which stand after its title)."""
    return "\n".join(["No 9\t生活安全企画課", "刑法犯認知件数", *lines]) + "\n"


def parse_or_refuse(text: str) -> textimport.TextImportResult | None:
    """The text import's result, or None when it refused the text with its own error."""
    try:
        return textimport.parse(text)
    except textimport.TextImportError:
        return None


# --- the text import ----------------------------------------------------------------


@pytest.mark.parametrize("spaces", [6_000, 200_000])
def test_a_header_with_thousands_of_spaces_before_r1_is_read_at_once(spaces: int) -> None:
    # 6,000 spaces took more than 90 s with the backtracking pattern.
    header = HEADER.replace("(R1)", "(" + " " * spaces + "R1)")
    with watchdog():
        result = textimport.parse(sheet_text(header, VALUE_ROW))
    [sheet] = result.sheets
    assert (sheet.baseline_label, sheet.baseline_year) == ("戦略策定時実績値", 2019)
    assert sheet.actual_years == [2020, 2021]


@pytest.mark.parametrize(
    "header",
    [
        # The reported case: the parenthesis is never closed.
        HEADER.replace("(R1)", "(" + " " * 6_000 + "R1"),
        # Spaces on both sides of the year, and the closing one missing.
        HEADER.replace("(R1)", "(" + " " * 3_000 + "R1" + " " * 3_000),
        # Full-width and half-width spaces and digits taking turns.
        HEADER.replace("(R1)", "（" + " \u3000" * 3_000 + "Ｒ１" + "1１ \u3000" * 2_000),
        # Only opening parentheses, of both widths.
        HEADER.replace("(R1)", "(（" * 100_000),
        # Every cell of the header opened and never closed.
        "\t".join(["", "実績値 (" + " " * 5_000 + "R1"] * 3 + ["目標値 (" + " " * 5_000]),
    ],
    ids=["unclosed", "spaces-both-sides", "widths-alternate", "open-parens", "all-cells"],
)
def test_a_header_that_cannot_be_read_is_reported_at_once(header: str) -> None:
    with watchdog():
        result = parse_or_refuse(sheet_text(header, VALUE_ROW))
    # Whatever the import makes of it, it does not take the header for a table.
    assert result is None or all(sheet.baseline_year != 2019 for sheet in result.sheets)


@pytest.mark.parametrize(
    "line",
    [
        "No" + " " * 200_000,
        "No" + " \u3000" * 100_000 + "\n",
        "No" + "\u3000" * 100_000 + "１" * 100_000 + "－" + "1" * 100_000 + "x",
        "No." + "\t" * 200_000 + "課",
        "1" + "\u3000" * 200_000,
        "１２" + " " * 200_000 + "0",
        "-" * 200_000,
        "x" * 10_000_000,
    ],
    ids=[
        "no-then-spaces",
        "no-then-mixed-spaces",
        "no-digit-runs",
        "no-tabs",
        "heading-spaces",
        "heading-no-text",
        "dashes",
        "ten-megabyte-line",
    ],
)
def test_long_lines_of_one_kind_are_read_at_once(line: str) -> None:
    text = sheet_text(HEADER, VALUE_ROW, "取組状況", "- 取組", line)
    with watchdog():
        parse_or_refuse(text)


def test_a_bullet_wrapped_over_two_hundred_thousand_lines_is_joined_at_once() -> None:
    # Adding each line to the bullet's string copied it every time: minutes here.
    # The bullet is then far over the bound of a section, and the sheet is refused.
    lines = ["取組状況", "- 防犯カメラ"] + ["の設置を進めた"] * 200_000
    with watchdog(), pytest.raises(textimport.TextImportError) as refused:
        textimport.parse(sheet_text(HEADER, VALUE_ROW, *lines))
    assert "取組状況が長すぎます（1,400,005文字、上限 30,000文字）" in str(refused.value)


# --- values, years and units ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1" * 200_000 + "x",
        "1," * 100_000 + "x",
        "1,000" * 40_000,
        "△" + " " * 200_000 + "1" * 100_000 + "件",
        "－" + "\u3000" * 100_000 + "１，" * 50_000 + "．",
        "1" * 100_000 + "." + "1" * 100_000 + ".",
        "1 " * 100_000 + "件",
    ],
    ids=["digits", "commas", "groups", "sign-spaces", "full-width", "two-points", "spaced"],
)
def test_a_value_of_thousands_of_digits_and_spaces_is_judged_at_once(text: str) -> None:
    with watchdog():
        parsed = values.parse_value(text)
        typed = numformat.typed_number(text)
    assert parsed.kind is values.ValueKind.INVALID
    assert typed is None


@pytest.mark.parametrize(
    "text",
    [
        "R" + " " * 100_000 + "1" * 100_000 + " " * 100_000 + "x",
        "(" * 200_000,
        "(" + "令和" * 100_000 + ")",
        "Ｒ　" * 100_000,
    ],
    ids=["era-spaces-digits", "open-parens", "era-names", "full-width"],
)
def test_a_year_that_is_no_year_is_refused_at_once(text: str) -> None:
    with watchdog(), pytest.raises(ValueError, match="年度"):
        eras.parse_year(text)


@pytest.mark.parametrize(
    "unit",
    [
        "件" + " " * 5_000 + "/" + " " * 5_000 + "x",
        "件" + "\n" * 200_000 + "/" + "1" * 100_000 + " " * 100_000 + "年度x",
        "/ " * 100_000,
        "人/" + " \u3000" * 100_000 + "年" + "度" * 100_000,
    ],
    ids=["spaces-around-slash", "newlines", "slashes", "spaces-then-years"],
)
def test_a_unit_is_read_at_once(unit: str) -> None:
    # The first one took minutes: each space before the slash started the
    # pattern over, and the spaces after it could be shared out two ways.
    with watchdog():
        change = evaluation.change_unit(unit)
    assert change == values.normalize_width(unit.strip())


def test_a_period_of_thousands_of_digits_counts_from_zero() -> None:
    row = ValueRow("累計", "人/" + "4" * 10_000 + "年", Cell("300"), [Cell("")], Cell("1,500"))
    with watchdog():
        assert evaluation.restarts_from_zero(row)
        assert evaluation.change_unit(row.unit) == "人"


def test_a_paragraph_of_many_year_labels_is_placed_at_once() -> None:
    # Each 年度の started another search for the subject: minutes here.
    paragraphs = ["令和2年度の" * 60_000, "取組"]
    sentence = "令和2年度の刑法犯認知件数は、前年比：-1,417件(-21.8%)の5,081件となった。"
    with watchdog():
        placed = evaluation.place_sentence(paragraphs, sentence)
    assert placed == [sentence, *paragraphs]


def test_a_sheets_sentence_with_a_long_unit_is_written_at_once() -> None:
    sheet = make_sheet()
    unit = "件" + " " * 5_000 + "/" + " " * 5_000 + "年度"
    sheet = dataclasses.replace(sheet, rows=[dataclasses.replace(sheet.rows[0], unit=unit)])
    with watchdog():
        [judged] = evaluation.evaluate_sheet(sheet)
        sentence = evaluation.change_sentence(sheet, judged, evaluation.Rounding.HALF_UP)
    assert sentence == "令和3年度の刑法犯認知件数は、前年比：-6,498件(-127.9%)の△1,417件となった。"


# --- every pattern of the program --------------------------------------------------------

_METHODS = {"match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer"}
_BASE_CHARACTERS = " \t\n\u3000\u00a0x0１Ａあ。(（)）,，.-－/"


def _modules() -> Iterator[ModuleType]:
    yield kpidesk
    for info in pkgutil.walk_packages(kpidesk.__path__, "kpidesk."):
        yield importlib.import_module(info.name)


def applied_patterns() -> dict[str, tuple[re.Pattern[str], frozenset[str]]]:
    """Every regular expression the program applies, with the methods it applies it by.

    Found in the source: ``NAME.method(...)`` where ``NAME`` is a pattern of
    the module (its own or imported), and ``re.method("literal", ...)``.
    """
    found: dict[str, tuple[re.Pattern[str], set[str]]] = {}
    for module in _modules():
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method, owner = node.func.attr, node.func.value
            if method not in _METHODS or not isinstance(owner, ast.Name):
                continue
            pattern = getattr(module, owner.id, None)
            key = f"{module.__name__}.{owner.id}"
            if owner.id == "re" and node.args and isinstance(node.args[0], ast.Constant):
                pattern = re.compile(node.args[0].value)
                key = f"{module.__name__}:{node.lineno}"
            if isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str):
                found.setdefault(key, (pattern, set()))[1].add(method)
    return {key: (pattern, frozenset(methods)) for key, (pattern, methods) in found.items()}


def pathological_lines(pattern: re.Pattern[str], length: int) -> Iterator[str]:
    """Lines that make a backtracking pattern try its ways again and again.

    Runs of each character the pattern names (and of spaces, digits and
    parentheses of both widths), two characters taking turns, a run between
    two others, and the pattern's own words repeated or followed by a run.
    """
    source = pattern.pattern
    characters = sorted(set(source + _BASE_CHARACTERS) - set("\\"))
    words = sorted(set(re.findall(r"[^\\\[\]().*+?{}|^$\s]{2,}", source)))
    for char in characters:
        yield char * length
        yield char * length + "\uffff"
    for first, second in itertools.permutations(characters, 2):
        yield (first + second) * (length // 2)
        yield first + second * length + first
    for word in words:
        yield word * (length // len(word))
        for char in characters:
            yield word + char * length + "\uffff"


def apply(pattern: re.Pattern[str], method: str, line: str) -> None:
    """Apply ``pattern`` to ``line`` the way the program does (to the end, for iterators)."""
    if method in ("sub", "subn"):
        getattr(pattern, method)("", line)
    elif method == "finditer":
        for _ in pattern.finditer(line):
            pass
    else:
        getattr(pattern, method)(line)


PATTERNS = applied_patterns()


def test_the_patterns_applied_to_outside_text_are_all_found() -> None:
    # The search of the source would miss a pattern it cannot see.
    names = {key.rsplit(".", 1)[-1] for key in PATTERNS}
    assert {"_YEAR_IN_PARENS", "_NO_LINE", "_NUMBER", "_ERA_PATTERN", "_PERIOD_SUFFIX"} <= names
    assert {"_SENTENCE", "_PARENTHESIZED_END", "_TYPED_NUMBER", "_XML_PART"} <= names


@pytest.mark.parametrize("key", sorted(PATTERNS))
def test_no_pattern_backtracks_without_end_on_pathological_lines(key: str) -> None:
    """Catches a hang: a cubic or exponential pattern does not finish these lines."""
    pattern, methods = PATTERNS[key]
    with watchdog():
        for line, method in itertools.product(pathological_lines(pattern, 2_000), methods):
            apply(pattern, method, line)
