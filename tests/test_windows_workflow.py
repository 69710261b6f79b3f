"""The Windows workflow (.github/workflows/windows.yml), checked here since it runs only on GitHub.

Three kinds of check, each shown to catch a broken copy of the workflow:

- check-jsonschema with the GitHub workflow schema it bundles: GitHub would
  accept the file (no unknown or misspelt key, a timeout on every job);
- zizmor, offline: no finding at all (template injection, actions not pinned
  by commit, the checkout's credentials kept, broad permissions …);
- this file's reading of the ``run:`` scripts: every action is pinned by a
  full commit with its version in a comment; every repository path,
  ``python -m`` module and program a script names exists; no ``${{ }}`` is
  in a script; a script that runs programs stops at the first that fails;
  output redirected to a file is written without ``PYTHONUTF8`` or
  ``PYTHONIOENCODING``, as on a user's PC.

Both tools come with the dev extras (pyproject.toml), which ``make test``
installs: a missing tool fails these tests instead of skipping them.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

import pytest

from tests.conftest import REPO, libreoffice_pdf

WORKFLOW = REPO / ".github" / "workflows" / "windows.yml"
INSTALL_HINT = 'install the dev extras: python -m pip install -e ".[dev]"'

#: Folders the workflow's scripts make themselves (PyInstaller's output).
GENERATED_FOLDERS = {"dist", "build"}
#: PowerShell's own words that may start a line of a script.
POWERSHELL_KEYWORDS = {
    "if", "elseif", "else", "while", "for", "foreach", "throw", "exit", "try", "catch",
    "finally", "return", "break", "continue",
}  # fmt: skip
#: Verbs of the cmdlets a script may call (``Verb-Noun``).
POWERSHELL_VERBS = {
    "Add", "Compare", "Copy", "Format", "Get", "Join", "Measure", "Move", "New", "Out", "Pop",
    "Push", "Remove", "Rename", "Resolve", "Select", "Set", "Sort", "Split", "Test", "Where",
    "Write", "ForEach",
}  # fmt: skip
#: What makes a failing program stop a PowerShell script (GitHub's pwsh wrapper
#: looks only at the exit code of the last program a script runs).
STOP_ON_FAILURE = "$PSNativeCommandUseErrorActionPreference = $true"
#: Variables that would hide the Windows code page from redirected output.
UTF8_OVERRIDES = ("PYTHONUTF8", "PYTHONIOENCODING")

_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*?))?\s*$")
_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[^@\s]+)?@[0-9a-f]{40}$")
_VERSION_COMMENT = re.compile(r"^v\d+\.\d+\.\d+$")
#: A relative path with at least one folder (``tests/kpidesk/test_lock.py``,
#: ``resources\samples\x.txt``), not part of a variable or an absolute path.
_RELATIVE_PATH = re.compile(r"(?<![\w$:\\/.-])(?:[\w-][\w.-]*[/\\])+[\w.-]+")
#: A file of the repository named without a folder (``main.py``, ``build.spec``).
_TOP_LEVEL_FILE = re.compile(r"(?<![\w$:\\/.-])[\w-][\w.-]*\.(?:py|spec|toml)\b")
_REDIRECT = re.compile(r"\s[12*]?>>?\s")


@dataclass
class Script:
    """One ``run:`` step: its name, its script and the environment it runs with."""

    name: str
    text: str
    env: dict[str, str]

    def lines(self) -> list[str]:
        """The script's lines without comments and blank lines, stripped."""
        return [
            line.strip()
            for line in self.text.splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]


def load(path: Path) -> dict[str, Any]:
    """The workflow as data (YAML 1.2, so ``on`` stays a key)."""
    try:
        from ruamel.yaml import YAML  # comes with check-jsonschema
    except ImportError:
        pytest.fail(f"ruamel.yaml is not installed: {INSTALL_HINT}")
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def scripts(workflow: dict[str, Any]) -> list[Script]:
    """Every ``run:`` step of every job, with the environment GitHub gives it."""
    found = []
    for job_id, job in workflow.get("jobs", {}).items():
        for index, step in enumerate(job.get("steps", [])):
            if "run" in step:
                env = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
                name = f"{job_id}: {step.get('name', f'step {index + 1}')}"
                found.append(Script(name, str(step["run"]), {k: str(v) for k, v in env.items()}))
    return found


# --- the tools ----------------------------------------------------------------


def check_schema(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with one of its bundled schemas (no network)."""
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.fail(f"check-jsonschema is not installed: {INSTALL_HINT}")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120,
        check=False, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip


def zizmor_program() -> str:
    """The zizmor installed with this Python (its wheel is a program, not a module)."""
    name = "zizmor.exe" if os.name == "nt" else "zizmor"
    beside = Path(sysconfig.get_path("scripts")) / name
    program = str(beside) if beside.exists() else shutil.which("zizmor")
    if program is None:
        pytest.fail(f"zizmor is not installed: {INSTALL_HINT}")
    return program


def zizmor_findings(path: Path) -> list[dict[str, Any]]:
    """zizmor's findings on one workflow, offline and without any configuration."""
    result = subprocess.run(
        [zizmor_program(), "--offline", "--no-config", "--strict-collection",
         "--format", "json", str(path)],
        capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120,
        check=False,
    )  # fmt: skip
    # 0: no findings; 10-14: findings, by their highest severity; else zizmor failed.
    assert result.returncode == 0 or 10 <= result.returncode <= 14, result.stderr
    return json.loads(result.stdout)


def describe(finding: dict[str, Any]) -> str:
    """One zizmor finding as a line: audit, severity, where."""
    where = [
        location["concrete"]["location"]["start_point"]["row"] + 1
        for location in finding.get("locations", [])
        if location.get("concrete")
    ]
    severity = finding["determinations"]["severity"]
    return f"{finding['ident']} ({severity}) at line {where[:1]}: {finding['desc']}"


# --- this file's own checks ---------------------------------------------------


def unpinned_actions(text: str) -> list[str]:
    """``uses:`` lines not pinned by a full commit with its ``# vX.Y.Z`` beside it."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _USES.match(line)
        if match is None or match["ref"].startswith("./"):
            continue
        if not _PINNED.match(match["ref"]):
            problems.append(f"line {number}: {match['ref']} is not pinned by a full commit")
        elif not _VERSION_COMMENT.match(match["comment"] or ""):
            problems.append(f"line {number}: {match['ref']} has no '# vX.Y.Z' comment")
    return problems


def templates_in_scripts(workflow: dict[str, Any]) -> list[str]:
    """Scripts with a ``${{ }}`` expression (pass values through ``env:`` instead)."""
    return [script.name for script in scripts(workflow) if "${{" in script.text]


def repository_paths(script: Script) -> list[str]:
    """The files and folders of the repository a script names."""
    named = []
    for line in script.lines():
        for match in [*_RELATIVE_PATH.finditer(line), *_TOP_LEVEL_FILE.finditer(line)]:
            path = match.group(0)
            if re.split(r"[/\\]", path)[0] not in GENERATED_FOLDERS:
                named.append(path)
    return named


def missing_paths(workflow: dict[str, Any]) -> list[str]:
    """Repository paths the scripts name that do not exist."""
    return [
        f"{script.name}: {path}"
        for script in scripts(workflow)
        for path in repository_paths(script)
        if not (REPO / PureWindowsPath(path).as_posix()).exists()
    ]


def python_modules(workflow: dict[str, Any]) -> list[str]:
    """Every module the scripts run with ``python -m``."""
    return [
        match.group(1)
        for script in scripts(workflow)
        for line in script.lines()
        for match in re.finditer(r"\bpython(?:\.exe)?\s+-m\s+([\w.]+)", line)
    ]


def missing_modules(workflow: dict[str, Any]) -> list[str]:
    """``python -m`` modules that cannot be found here."""
    return [
        module for module in python_modules(workflow) if importlib.util.find_spec(module) is None
    ]


def console_scripts() -> set[str]:
    """The programs the installed packages provide (``pyinstaller``, ``pytest`` …)."""
    return {entry.name for entry in importlib.metadata.entry_points(group="console_scripts")}


def unknown_commands(workflow: dict[str, Any]) -> list[str]:
    """Lines that start with neither PowerShell nor Python nor an installed program.

    A line may start a PowerShell keyword, a cmdlet (``Verb-Noun`` with a
    common verb), ``python``, a program of an installed package or ``& $x``
    (a program whose path the script worked out); lines that go on an
    expression (``$x = …``, ``}``, strings) are not commands.
    """
    programs = console_scripts() | {"python"}
    problems = []
    for script in scripts(workflow):
        for line in script.lines():
            word = re.match(r"[A-Za-z][\w.-]*", line)
            if word is None:
                continue
            name = word.group(0)
            verb, _, noun = name.partition("-")
            if name in POWERSHELL_KEYWORDS or name in programs:
                continue
            if verb in POWERSHELL_VERBS and noun[:1].isupper():
                continue
            problems.append(f"{script.name}: {name!r} in {line!r}")
    return problems


def runs_programs(script: Script) -> bool:
    """Whether a script runs a program other than PowerShell's own commands."""
    programs = console_scripts() | {"python"}
    return any(line.startswith("& ") or line.split()[0] in programs for line in script.lines())


def scripts_that_go_on_after_a_failure(workflow: dict[str, Any]) -> list[str]:
    """Scripts of more than one line that run programs without ``STOP_ON_FAILURE`` first."""
    return [
        script.name
        for script in scripts(workflow)
        if len(script.lines()) > 1
        and runs_programs(script)
        and script.lines()[0] != STOP_ON_FAILURE
    ]


def utf8_overrides(workflow: dict[str, Any], text: str) -> list[str]:
    """Where the workflow sets ``PYTHONUTF8`` or ``PYTHONIOENCODING`` (anywhere)."""
    found = [
        f"{script.name}: env {name}"
        for script in scripts(workflow)
        for name in UTF8_OVERRIDES
        if name in script.env
    ]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip().startswith("#") and any(name in line for name in UTF8_OVERRIDES):
            found.append(f"line {number}: {line.strip()}")
    return found


def redirected_program_runs(workflow: dict[str, Any]) -> list[str]:
    """Lines that run the built program with its output redirected to a file."""
    return [
        line
        for script in scripts(workflow)
        for line in script.lines()
        if line.startswith("& ") and _REDIRECT.search(line)
    ]


# --- the workflow passes ------------------------------------------------------


@pytest.mark.parametrize(
    "schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"]
)
def test_the_workflow_is_one_github_accepts(schema: str) -> None:
    result = check_schema(WORKFLOW, schema)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_in_the_workflow() -> None:
    assert [describe(finding) for finding in zizmor_findings(WORKFLOW)] == []


def test_every_action_is_pinned_by_commit() -> None:
    assert unpinned_actions(WORKFLOW.read_text(encoding="utf-8")) == []


def test_no_script_expands_an_expression() -> None:
    assert templates_in_scripts(load(WORKFLOW)) == []


def test_every_path_the_workflow_names_exists() -> None:
    workflow = load(WORKFLOW)
    named = [path for script in scripts(workflow) for path in repository_paths(script)]
    # The reading finds the paths at all: the sample, the spec, the source
    # entry point and the store tests run on the share.
    assert {"build.spec", "main.py", r"resources\samples\kpi_sheets_kumamoto_r2.txt"} <= set(named)
    assert "tests/kpidesk/test_store.py" in named
    assert missing_paths(workflow) == []


def test_every_test_file_run_on_the_share_and_the_deep_folder_is_a_test_module() -> None:
    named = {
        path
        for script in scripts(load(WORKFLOW))
        if "--basetemp" in script.text
        for path in repository_paths(script)
    }
    assert named, "no pytest run with --basetemp found"
    assert all(Path(path).name.startswith("test_") for path in named), named


def test_every_python_module_the_workflow_runs_exists() -> None:
    workflow = load(WORKFLOW)
    assert {"pip", "pytest"} <= set(python_modules(workflow))
    assert missing_modules(workflow) == []


def test_every_command_the_workflow_runs_exists() -> None:
    assert unknown_commands(load(WORKFLOW)) == []


def test_a_failing_program_stops_its_script() -> None:
    assert scripts_that_go_on_after_a_failure(load(WORKFLOW)) == []


def test_redirected_output_is_written_in_the_windows_code_page() -> None:
    workflow = load(WORKFLOW)
    assert len(redirected_program_runs(workflow)) >= 2  # import-text and export-json
    assert utf8_overrides(workflow, WORKFLOW.read_text(encoding="utf-8")) == []


# --- each check catches a broken workflow -------------------------------------


def broken(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the workflow with ``old`` (which must be there) replaced by ``new``."""
    text = WORKFLOW.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / ".github" / "workflows" / "windows.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


CHECKOUT = next(
    line.split("uses:")[1].strip()
    for line in WORKFLOW.read_text(encoding="utf-8").splitlines()
    if "uses: actions/checkout@" in line
)


def test_the_schema_check_catches_a_misspelt_key(tmp_path: Path) -> None:
    path = broken(tmp_path, "timeout-minutes:", "timeout_minutes:")
    result = check_schema(path, "vendor.github-workflows")
    assert result.returncode != 0
    assert "timeout_minutes" in result.stdout + result.stderr


def test_the_timeout_check_catches_a_job_without_one(tmp_path: Path) -> None:
    path = broken(tmp_path, "    timeout-minutes: 90\n", "")
    assert check_schema(path, "custom.github-workflows-require-timeout").returncode != 0


@pytest.mark.parametrize(
    ("old", "new", "audit"),
    [
        (CHECKOUT, "actions/checkout@v4", "unpinned-uses"),
        ("run: python -m pytest\n", "run: python -m pytest -k ${{ github.head_ref }}\n",
         "template-injection"),
        ("        with:\n          persist-credentials: false\n", "", "artipacked"),
        ("permissions:\n  contents: read\n", "", "excessive-permissions"),
    ],
    ids=["tag", "injection", "credentials", "permissions"],
)  # fmt: skip
def test_zizmor_catches(tmp_path: Path, old: str, new: str, audit: str) -> None:
    findings = zizmor_findings(broken(tmp_path, old, new))
    assert audit in {finding["ident"] for finding in findings}


@pytest.mark.parametrize(
    "new",
    ["actions/checkout@v7.0.1 # v7.0.1", CHECKOUT.split(" #")[0], CHECKOUT.replace("3d3c", "3d3")],
    ids=["tag", "no-version-comment", "short-hash"],
)
def test_the_pin_check_catches(tmp_path: Path, new: str) -> None:
    path = broken(tmp_path, CHECKOUT, new)
    assert unpinned_actions(path.read_text(encoding="utf-8")) != []


BROKEN_SCRIPTS: list[tuple[str, str, str, Callable[[dict[str, Any]], list[str]]]] = [
    ("sample", "kumamoto_r2.txt", "kumamoto_r3.txt", missing_paths),
    ("pytest-path", "tests/kpidesk/test_lock.py", "tests/kpidesk/test_locks.py", missing_paths),
    ("script", "python main.py", "python mian.py", missing_paths),
    ("spec", "pyinstaller --noconfirm build.spec", "pyinstaller --noconfirm KPIDesk.spec",
     missing_paths),
    ("module", "python -m pytest\n", "python -m pytset\n", missing_modules),
    ("program", "pyinstaller --noconfirm", "pyinstaler --noconfirm", unknown_commands),
    ("make", "python -m pip install", "make test\n          python -m pip install",
     unknown_commands),
    ("expression", 'Join-Path $env:RUNNER_TEMP "kpidesk-deep"',
     'Join-Path "${{ runner.temp }}" "kpidesk-deep"', templates_in_scripts),
    ("no-stop", f"{STOP_ON_FAILURE}\n          $frozenHome", "$frozenHome",
     scripts_that_go_on_after_a_failure),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "check"),
    [case[1:] for case in BROKEN_SCRIPTS],
    ids=[case[0] for case in BROKEN_SCRIPTS],
)
def test_the_script_checks_catch(
    tmp_path: Path, old: str, new: str, check: Callable[[dict[str, Any]], list[str]]
) -> None:
    assert check(load(WORKFLOW)) == []
    assert check(load(broken(tmp_path, old, new))) != []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("      QT_QPA_PLATFORM: offscreen\n",
         "      QT_QPA_PLATFORM: offscreen\n      PYTHONUTF8: \"1\"\n"),
        ("          $exportOut = Join-Path",
         "          $env:PYTHONIOENCODING = \"utf-8\"\n          $exportOut = Join-Path"),
    ],
    ids=["job-env", "script"],
)  # fmt: skip
def test_the_code_page_check_catches_utf8_forced(tmp_path: Path, old: str, new: str) -> None:
    path = broken(tmp_path, old, new)
    assert utf8_overrides(load(path), path.read_text(encoding="utf-8")) != []


# --- what the tests need on the Windows runner ---------------------------------


@pytest.mark.parametrize(("platform", "outcome"), [("win32", "skip"), ("linux", "fail")])
def test_libreoffice_is_required_under_ci_only_on_linux(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, platform: str, outcome: str
) -> None:
    # GitHub sets CI=true on the Windows runner too, which has no LibreOffice:
    # the tests that print a workbook through it are skipped there.
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "platform", platform)
    expected = {"skip": pytest.skip.Exception, "fail": pytest.fail.Exception}[outcome]
    with pytest.raises(expected):
        libreoffice_pdf(b"", tmp_path)
