"""The PDF's text layer: characters outside the BMP come back as typed, not lost."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from kpidesk import samples
from kpidesk.model import Sheet
from kpidesk.printing import fonts, paint, pdftext
from tests.conftest import squash

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")

#: In the bundled font, outside the BMP (a fish, CJK Extension B).
HOKKE = "\U00029e3d"
#: Not in the bundled font (tsuchi-yoshi, CJK Extension B).
TSUCHIYOSHI = "\U00020bb7"


def pdftotext(data: bytes, folder: Path) -> str:
    path = folder / "sheet.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode("utf-8")


def sheet_with(**changes: object) -> Sheet:
    return dataclasses.replace(samples.sample_sheets()[0], **changes)


def test_the_bundled_faces_draw_the_fish_but_not_tsuchiyoshi() -> None:
    paint.ensure_application()
    for bold in (False, True):
        assert fonts.characters_in_face([HOKKE, TSUCHIYOSHI, "吉"], bold) == {HOKKE, "吉"}


def test_a_character_outside_the_bmp_comes_back_in_bold_and_regular_text(
    tmp_path: Path,
) -> None:
    sheet = sheet_with(
        title=f"{HOKKE}の定食ABC",
        efforts=[f"田さんの{HOKKE}と{HOKKE}", "次の段落"],
        issues=[f"葛\U000e0100飾区の{HOKKE}"],
    )
    data, _ = paint.pdf_bytes([sheet], f"{HOKKE}の報告.kpidb")
    text = squash(pdftotext(data, tmp_path))
    assert f"KPI名{HOKKE}の定食ABC" in text  # the title is bold
    assert f"・田さんの{HOKKE}と{HOKKE}" in text
    assert f"葛飾区の{HOKKE}" in text  # a variation selector keeps nothing from lining up
    assert f"{HOKKE}の報告令和2年度報告" in text  # the footer names the book by its title
    for bullet in sheet.issues[1:] + samples.sample_sheets()[0].direction:
        assert squash(bullet) in text


def test_a_chart_label_outside_the_bmp_comes_back(tmp_path: Path) -> None:
    base = samples.sample_sheets()[0]
    rows = [dataclasses.replace(base.rows[0], unit=f"{HOKKE}/年")]
    data, _ = paint.pdf_bytes([sheet_with(rows=rows, title=f"{HOKKE}")], "", chart=True)
    text = pdftotext(data, tmp_path)
    assert text.count(HOKKE) >= 2  # the title, the unit in the table (and the chart's)
    assert "\ufffd" not in text


def test_a_character_no_font_has_is_a_replacement_never_another_character(
    tmp_path: Path,
) -> None:
    data, _ = paint.pdf_bytes([sheet_with(title=f"{TSUCHIYOSHI}野家")], "")
    text = squash(pdftotext(data, tmp_path))
    # Drawn by a system font that has it, or as the bundled font's box.
    assert text[text.index("野家") - 1] in (TSUCHIYOSHI, "\ufffd")


def test_a_pdf_whose_glyphs_do_not_line_up_is_left_as_qt_wrote_it() -> None:
    sheet = sheet_with(title=f"{HOKKE}の定食")
    drawn = [("見本", True), (sheet.title, True)]
    paint.ensure_application()
    data, _ = paint.pdf_bytes([sheet], "")
    qt_only = data[: data.index(b"%%EOF") + len(b"%%EOF\n")]  # before the update
    faces = fonts.POSTSCRIPT_NAMES
    has = {True: frozenset({HOKKE}), False: frozenset()}
    twice = [*drawn, (HOKKE, True)]  # one more fish drawn than the PDF shows
    assert pdftext.complete_text_layer(qt_only, twice, faces, has) == qt_only
    assert pdftext.complete_text_layer(b"not a pdf", drawn, faces, has) == b"not a pdf"
    updated = pdftext.complete_text_layer(qt_only, drawn, faces, has)
    assert updated.startswith(qt_only) and updated.endswith(b"%%EOF\n")
    assert HOKKE.encode("utf-16-be").hex().upper().encode() in updated


def test_faces_named_after_the_family_as_on_windows_are_completed_too(tmp_path: Path) -> None:
    # Where the font engine reports no PostScript name (Windows' may not), Qt
    # names an embedded face after its family, style and weight.
    sheet = sheet_with(title=f"{HOKKE}の定食", efforts=[f"{HOKKE}の段落"])
    drawn = [("見本", True), (sheet.title, True), (sheet.efforts[0], False)]
    paint.ensure_application()
    data, _ = paint.pdf_bytes([sheet], "")
    qt_only = data[: data.index(b"%%EOF") + len(b"%%EOF\n")]
    family = "K P (社内)"
    windows_names = {b"BIZUDGothic-Regular": b"KP-0-400", b"BIZUDGothic-Bold": b"KP-0-700"}
    as_on_windows = qt_only
    for name, made in windows_names.items():  # padded: every object stays where it was
        as_on_windows = as_on_windows.replace(name, made.ljust(len(name)))
    assert b"BIZUDGothic-" not in as_on_windows
    has = {True: frozenset({HOKKE}), False: frozenset({HOKKE})}
    faces = fonts.pdf_face_names(family)
    assert set(windows_names.values()) <= set(faces)
    updated = pdftext.complete_text_layer(as_on_windows, drawn, faces, has)
    assert updated != as_on_windows
    text = squash(pdftotext(updated, tmp_path))
    assert f"{HOKKE}の定食" in text and f"{HOKKE}の段落" in text
    # With the PostScript names alone, as before, nothing would be completed.
    unchanged = pdftext.complete_text_layer(as_on_windows, drawn, fonts.POSTSCRIPT_NAMES, has)
    assert unchanged == as_on_windows
