"""The licences of what KPI Desk bundles, for ヘルプ → バージョン情報.

The Python distributions and their licences are read from their metadata
(``importlib.metadata``: License-Expression, else License, else the
``License ::`` classifiers), starting from KPI Desk's own dependencies and
following what they require. A frozen program has no metadata to read, so
``build.spec`` writes the same list into the bundle as
``resources/licences.json`` (:func:`write_licences_json`) and the frozen
program reads that.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from kpidesk.resources import base_dir

#: KPI Desk's own run-time dependencies (pyproject.toml), where the walk starts.
ROOTS = ("pyside6-essentials", "openpyxl", "sqlite-utils", "defusedxml")
#: Required by a dependency but left out of the program (build.spec's exclusions).
NOT_BUNDLED = frozenset({"pip", "setuptools"})
#: The file the frozen program reads, under ``resources/``.
LICENCES_JSON = "licences.json"
#: A licence field longer than this is the licence's whole text, not its name.
_NAME_LIMIT = 80
_REQUIREMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Distribution:
    """One bundled Python distribution: its name, version and licence as its metadata says."""

    name: str
    version: str
    licence: str


def licence_of(meta: metadata.PackageMetadata) -> str:
    """The licence a distribution's metadata names: its SPDX expression, its License
    field when that is a name (not the whole text), else its licence classifiers."""
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    field = (meta.get("License") or "").strip()
    if field and len(field) <= _NAME_LIMIT and "\n" not in field:
        return field
    classifiers = [
        line.split("::")[-1].strip()
        for line in meta.get_all("Classifier") or []
        if line.startswith("License ::")
    ]
    return " / ".join(classifiers) or "（メタデータに記載なし）"


def read_distributions(roots: tuple[str, ...] = ROOTS) -> list[Distribution]:
    """The distributions ``roots`` need at run time (extras left out), sorted by name."""
    found: dict[str, Distribution] = {}
    waiting = list(roots)
    while waiting:
        wanted = waiting.pop()
        try:
            distribution = metadata.distribution(wanted)
        except metadata.PackageNotFoundError:
            continue
        name = distribution.metadata["Name"]
        key = name.lower().replace("_", "-")
        if key in found or key in NOT_BUNDLED:
            continue
        found[key] = Distribution(name, distribution.version, licence_of(distribution.metadata))
        for requirement in distribution.requires or []:
            if "extra ==" in requirement:
                continue
            match = _REQUIREMENT_NAME.match(requirement)
            if match:
                waiting.append(match.group(0))
    return sorted(found.values(), key=lambda d: d.name.lower())


def write_licences_json(path: Path) -> None:
    """Write :func:`read_distributions` as JSON (build.spec puts it in the bundle)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [asdict(distribution) for distribution in read_distributions()]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def bundled_distributions() -> list[Distribution]:
    """The bundled distributions: from ``licences.json`` when the build wrote one, else
    (running from source) from the installed metadata."""
    path = base_dir() / "resources" / LICENCES_JSON
    if path.is_file():
        try:
            return [Distribution(**item) for item in json.loads(path.read_text("utf-8"))]
        except (OSError, ValueError, TypeError, RecursionError):
            pass
    return read_distributions()
