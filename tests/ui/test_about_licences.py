"""ヘルプ → バージョン情報: the real licences of what is bundled."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from kpidesk import licences
from ui.dialogs.about import AboutDialog, about_text


def test_about_shows_the_real_licences(qtbot, app) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    # Each Python library with the licence its own metadata names.
    assert f"openpyxl {metadata.version('openpyxl')}: MIT" in text
    assert f"sqlite-utils {metadata.version('sqlite-utils')}: Apache-2.0" in text
    assert "defusedxml 0.7.1: PSFL" in text
    assert "GNU LGPL v3" in text
    # The font's licence is the OFL itself, without the Debian packaging's GPL stanza.
    assert "SIL OPEN FONT LICENSE Version 1.1" in text
    assert "debian" not in text.lower()
    assert "GPL-2+" not in text and "Files:" not in text


def test_frozen_program_reads_the_licences_the_build_wrote(tmp_path: Path, monkeypatch) -> None:
    resources = tmp_path / "resources"
    licences.write_licences_json(resources / licences.LICENCES_JSON)
    written = (resources / licences.LICENCES_JSON).read_text("utf-8")
    (resources / licences.LICENCES_JSON).write_text(
        written.replace('"MIT"', '"MIT (as built)"'), "utf-8"
    )
    monkeypatch.setattr(licences, "base_dir", lambda: tmp_path)
    found = {d.name: d.licence for d in licences.bundled_distributions()}
    assert found["openpyxl"] == "MIT (as built)"
    monkeypatch.setattr(licences, "base_dir", lambda: tmp_path / "none")
    assert "openpyxl: MIT" not in about_text()


def test_a_deeply_nested_licences_file_falls_back_to_the_installed_metadata(
    tmp_path: Path, monkeypatch
) -> None:
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / licences.LICENCES_JSON).write_text("[" * 100_000, "utf-8")
    monkeypatch.setattr(licences, "base_dir", lambda: tmp_path)
    found = {d.name: d.licence for d in licences.bundled_distributions()}
    assert found["openpyxl"] == "MIT"
