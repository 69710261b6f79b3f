"""The standalone program: build.spec collects what the code needs; the smoke test passes.

build.spec is run here with PyInstaller's Analysis, PYZ, EXE and COLLECT
replaced by recorders, so the test sees exactly what a build would put into
the program without building one; with ``sys.platform`` set to ``win32`` it
shows what the Windows build would make (PyInstaller does not cross-build).
The frozen program's own smoke test runs in CI (.ci/run), from a folder with
Japanese characters and a space. The windowed Windows program, which has
None for sys.stdout and sys.stderr, is played by main.py run with both None.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from tests.conftest import REPO
from ui import smoke

SPEC = REPO / "build.spec"
RESOURCES = REPO / "resources"
CODE_FOLDERS = ("kpidesk", "ui")


# --- what the code refers to ---------------------------------------------------


@dataclass
class Reference:
    """One ``resource_path(...)`` call: where it is and the paths it can name."""

    where: str
    paths: list[tuple[str, ...]] = field(default_factory=list)
    unresolved: str = ""


def _string_tuple(node: ast.AST | None) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.Tuple | ast.List) and all(
        isinstance(item, ast.Constant) and isinstance(item.value, str) for item in node.elts
    ):
        return tuple(item.value for item in node.elts)  # type: ignore[attr-defined]
    return None


def _module_constants(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """Module-level ``NAME = "text"`` and ``NAME = ("a", "b")``."""
    constants: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            strings = _string_tuple(value)
            if isinstance(target, ast.Name) and strings is not None:
                constants[target.id] = strings
    return constants


def _loop_values(tree: ast.Module, constants: dict[str, tuple[str, ...]]) -> dict[str, tuple]:
    """``for name in CONSTANT:`` loops anywhere: the values ``name`` takes."""
    values: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            if isinstance(node.iter, ast.Name) and node.iter.id in constants:
                values[node.target.id] = constants[node.iter.id]
            elif (strings := _string_tuple(node.iter)) is not None:
                values[node.target.id] = strings
    return values


def _argument_choices(
    argument: ast.expr, constants: dict[str, tuple[str, ...]], loops: dict[str, tuple]
) -> list[tuple[str, ...]] | None:
    """The part sequences one argument can stand for (None: cannot tell)."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return [(argument.value,)]
    if isinstance(argument, ast.Starred) and isinstance(argument.value, ast.Name):
        strings = constants.get(argument.value.id)
        return [strings] if strings is not None else None
    if isinstance(argument, ast.Name):
        if argument.id in loops:
            return [(value,) for value in loops[argument.id]]
        strings = constants.get(argument.id)
        if strings is not None and len(strings) == 1:
            return [strings]
    return None


def resource_references() -> list[Reference]:
    """Every ``resource_path(...)`` call in kpidesk/ and ui/ and what it names."""
    references = []
    for folder in CODE_FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            constants = _module_constants(tree)
            loops = _loop_values(tree, constants)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name != "resource_path":
                    continue
                reference = Reference(f"{path.relative_to(REPO).as_posix()}:{node.lineno}")
                choices = [_argument_choices(arg, constants, loops) for arg in node.args]
                if node.keywords or any(choice is None for choice in choices):
                    reference.unresolved = ast.unparse(node)
                else:
                    for combination in itertools.product(*choices):  # type: ignore[arg-type]
                        reference.paths.append(tuple(itertools.chain.from_iterable(combination)))
                references.append(reference)
    return references


# --- what build.spec collects ----------------------------------------------------


@dataclass
class SpecRun:
    """What build.spec handed to PyInstaller."""

    namespace: dict[str, Any]
    analysis: dict[str, Any]
    #: The options of every EXE, in order; ``exe`` is the first (the window).
    exes: list[dict[str, Any]]
    #: The files that end up in the program: (path in the bundle, source).
    bundled: dict[str, str]
    #: One folder: the EXEs the COLLECT gathers, in order (their names).
    collected: list[str] = field(default_factory=list)
    #: One folder: the name of the folder COLLECT makes.
    folder: str | None = None

    @property
    def exe(self) -> dict[str, Any]:
        return self.exes[0]


def run_spec(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, onefile: bool, platform: str | None = None
) -> SpecRun:
    """Execute build.spec with recorders in place of PyInstaller's build steps.

    ``platform`` runs it as PyInstaller there would: ``sys.platform`` is,
    say, ``win32`` while it runs (by default the machine's own).
    """
    from PyInstaller import config
    from PyInstaller.building import build_main

    recorded: dict[str, Any] = {"exes": []}

    class Analysis:
        def __init__(self, scripts: list[str], **options: Any) -> None:
            recorded["analysis"] = {"scripts": scripts, **options}
            self.scripts = [("main", scripts[0], "PYSOURCE")]
            self.pure: list = []
            self.binaries: list = []
            self.datas = [
                ((PurePosixPath(dest) / Path(src).name).as_posix(), src, "DATA")
                for src, dest in options.get("datas") or []
            ]

    class PYZ:
        def __init__(self, *tocs: Any, **options: Any) -> None:
            pass

    class EXE:
        def __init__(self, *parts: Any, **options: Any) -> None:
            self.options = options
            recorded["exes"].append(options)
            recorded["exe_parts"] = parts

    class COLLECT:
        def __init__(self, *parts: Any, **options: Any) -> None:
            recorded["collect_parts"] = parts
            recorded["collect"] = options

    for name, fake in (("Analysis", Analysis), ("PYZ", PYZ), ("EXE", EXE), ("COLLECT", COLLECT)):
        monkeypatch.setattr(build_main, name, fake)
    monkeypatch.setitem(config.CONF, "specpath", str(REPO))
    monkeypatch.setitem(config.CONF, "distpath", str(tmp_path / "dist"))
    monkeypatch.setitem(config.CONF, "workpath", str(tmp_path / "build"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    if onefile:
        monkeypatch.setenv("KPIDESK_ONEFILE", "1")
    else:
        monkeypatch.delenv("KPIDESK_ONEFILE", raising=False)
    namespace: dict[str, Any] = {"__name__": "build_spec"}
    code = compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec")
    with monkeypatch.context() as simulated:
        if platform is not None:
            simulated.setattr(sys, "platform", platform)
        exec(code, namespace)

    parts = recorded["exe_parts"] if onefile else recorded["collect_parts"]
    bundled = {
        dest: src
        for toc in parts
        if isinstance(toc, list)
        for dest, src, typecode in toc
        if typecode == "DATA"
    }
    collected = [part.options["name"] for part in parts if isinstance(part, EXE)]
    folder = recorded.get("collect", {}).get("name")
    return SpecRun(namespace, recorded["analysis"], recorded["exes"], bundled, collected, folder)


@pytest.fixture(params=[False, True], ids=["one-folder", "one-file"])
def spec_run(request: pytest.FixtureRequest, monkeypatch, tmp_path: Path) -> SpecRun:
    return run_spec(monkeypatch, tmp_path, onefile=request.param)


def _bundle_name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


# --- the tests -------------------------------------------------------------------


def test_every_resource_the_code_refers_to_is_bundled(spec_run: SpecRun) -> None:
    references = resource_references()
    assert references, "no resource_path(...) call found: is the helper still used?"
    unresolved = [f"{ref.where}: {ref.unresolved}" for ref in references if ref.unresolved]
    assert unresolved == [], (
        "name resources with string constants (or loops over them) so that this test "
        "can check they are bundled"
    )
    for reference in references:
        for parts in reference.paths:
            path = RESOURCES.joinpath(*parts)
            assert path.exists(), f"{reference.where} names {path}, which is not in the repository"
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            assert files, f"{reference.where} names the empty folder {path}"
            for file in files:
                name = _bundle_name(file)
                assert spec_run.bundled.get(name) == str(file), (
                    f"{reference.where} needs {name}, which build.spec does not bundle"
                )


def test_every_file_under_resources_is_bundled_where_the_program_looks(spec_run: SpecRun) -> None:
    is_resource = spec_run.namespace["is_resource"]
    expected = {_bundle_name(path): str(path) for path in RESOURCES.rglob("*") if is_resource(path)}
    bundled = {name: src for name, src in spec_run.bundled.items() if name.startswith("resources/")}
    # The one file the build writes itself (test_licences_are_read_at_build_time).
    bundled.pop("resources/licences.json")
    assert bundled == expected
    # What is left out is only Python sources (scripts that make a resource) and litter.
    left_out = {
        path.suffix for path in RESOURCES.rglob("*") if path.is_file() and not is_resource(path)
    }
    assert left_out <= {".py", ".pyc", ""}


def test_fonts_travel_with_their_licence_and_qt_translation_is_bundled(spec_run: SpecRun) -> None:
    names = set(spec_run.bundled)
    fonts = [name for name in names if name.endswith((".ttf", ".otf"))]
    assert "resources/fonts/BIZUDGothic-Regular.ttf" in fonts
    for font in fonts:
        assert str(PurePosixPath(font).parent / "OFL.txt") in names
    assert "resources/translations/qtbase_ja.qm" in names


def test_licences_are_read_at_build_time(spec_run: SpecRun) -> None:
    # The frozen program has no package metadata: the build writes each bundled
    # distribution's licence, as its metadata says, into resources/licences.json.
    from importlib import metadata

    source = Path(spec_run.bundled["resources/licences.json"])
    written = {item["name"]: item["licence"] for item in json.loads(source.read_text("utf-8"))}
    assert written["openpyxl"] == metadata.metadata("openpyxl")["License"] == "MIT"
    assert written["sqlite-utils"] == metadata.metadata("sqlite-utils")["License-Expression"]
    assert "LGPL-3.0-only" in written["PySide6_Essentials"]
    assert "pip" not in written


def test_pyside_signature_support_is_bundled_compiled_where_shiboken_looks(
    spec_run: SpecRun,
) -> None:
    # shiboken6 imports it from files.dir beside itself instead of compiling the
    # copy zipped in its library at every start (tools/signature_files.py).
    import importlib.util

    bundled = {
        name: Path(source)
        for name, source in spec_run.bundled.items()
        if name.startswith("shiboken6/files.dir/")
    }
    assert "shiboken6/files.dir/shibokensupport/signature/loader.pyc" in bundled
    assert len(bundled) >= 10
    for name, source in bundled.items():
        assert name.endswith(".pyc")
        assert source.read_bytes()[:4] == importlib.util.MAGIC_NUMBER, name


def test_the_one_folder_program_keeps_its_python_modules_stored_not_compressed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import marshal
    import zlib

    from PyInstaller.archive.readers import ZlibArchiveReader
    from PyInstaller.archive.writers import ZlibArchiveWriter

    default = ZlibArchiveWriter._COMPRESSION_LEVEL
    monkeypatch.setattr(ZlibArchiveWriter, "_COMPRESSION_LEVEL", default)
    run_spec(monkeypatch, tmp_path / "onefile", onefile=True)
    assert default == ZlibArchiveWriter._COMPRESSION_LEVEL  # unpacked at every start
    run_spec(monkeypatch, tmp_path / "folder", onefile=False)
    assert ZlibArchiveWriter._COMPRESSION_LEVEL == 0

    # PyInstaller's writer takes the level from there: a module goes in as it is.
    source = tmp_path / "module.py"
    source.write_text("TEXT = '" + "KPI分析シート " * 400 + "'\n", encoding="utf-8")
    code = compile(source.read_text(encoding="utf-8"), str(source), "exec")
    archive = tmp_path / "modules.pyz"
    ZlibArchiveWriter(str(archive), [("module", str(source), "PYMODULE")], {"module": code})
    [(_, offset, length)] = ZlibArchiveReader(str(archive)).toc.values()
    stored = archive.read_bytes()[offset : offset + length]
    # 400 repeats of a phrase, kept whole: the entry is no shorter than its contents.
    assert length > len(zlib.decompress(stored)) > len(marshal.dumps("KPI分析シート " * 400))


def test_spec_takes_name_version_and_entry_from_the_code(spec_run: SpecRun) -> None:
    from kpidesk import APP_NAME

    assert spec_run.exe["name"] == APP_NAME == "KPIDesk"
    assert spec_run.analysis["scripts"] == [str(REPO / "main.py")]
    assert spec_run.exe["upx"] is False
    if sys.platform.startswith("linux"):
        assert spec_run.exe["strip"] is True


def _version_strings(text: str) -> dict[str, str]:
    """The StringStructs of a version resource in PyInstaller's text form."""
    assert text.isascii()
    call = ast.parse(text, mode="eval").body  # what PyInstaller evaluates on Windows
    assert isinstance(call, ast.Call) and ast.unparse(call.func) == "VSVersionInfo"
    return {
        node.args[0].value: node.args[1].value
        for node in ast.walk(call)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "StringStruct"
    }


def test_windows_version_information_carries_the_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from kpidesk import __version__

    namespace = run_spec(monkeypatch, tmp_path, onefile=False).namespace
    text = namespace["windows_version_text"]()
    strings = _version_strings(text)
    assert strings["ProductVersion"] == strings["FileVersion"] == __version__
    assert strings["OriginalFilename"] == "KPIDesk.exe"
    assert "KPI分析シート" in strings["FileDescription"]
    numbers = tuple(int(part) for part in __version__.split("."))
    assert f"filevers={(*numbers, 0, 0, 0, 0)[:4]}" in text
    assert (REPO / "resources" / "icons" / "kpidesk.ico").is_file()


def _imported_modules() -> set[str]:
    modules: set[str] = set()
    paths = [REPO / "main.py"]
    for folder in CODE_FOLDERS:
        paths.extend((REPO / folder).rglob("*.py"))
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module)
                modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_nothing_the_code_imports_is_excluded(spec_run: SpecRun) -> None:
    excluded = set(spec_run.analysis["excludes"])
    clashes = sorted(
        module
        for module in _imported_modules()
        if any(module == name or module.startswith(name + ".") for name in excluded)
    )
    assert clashes == []


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True),
        ("PySide6/Qt/plugins/styles/qmodernwindowsstyle.dll", True),
        ("PySide6/Qt/plugins/imageformats/libqico.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/translations/qtbase_ja.qm", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6PrintSupport.so.6", True),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt6Qml.dll", False),
        ("PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6", False),
        ("PySide6/opengl32sw.dll", False),
        ("resources/translations/qtbase_ja.qm", True),
        ("resources/fonts/BIZUDGothic-Bold.ttf", True),
    ],
)
def test_slimming_keeps_what_the_program_uses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, kept: bool
) -> None:
    keep_entry = run_spec(monkeypatch, tmp_path, onefile=False).namespace["keep_entry"]
    assert keep_entry(name) is kept


def test_libraries_only_a_dropped_plugin_needed_are_pruned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    namespace = run_spec(monkeypatch, tmp_path, onefile=False).namespace
    prune, unlink = namespace["prune_unreachable"], namespace["without_dangling_links"]
    toc = [
        ("PySide6/QtGui.abi3.so", "/src/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("libfreetype.so.6", "/src/libfreetype.so.6", "BINARY"),
        ("libgtk-3.so.0", "/src/libgtk-3.so.0", "BINARY"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Quick.so.6", "SYMLINK"),
        ("libpython3.11.so.1.0", "/src/libpython3.11.so.1.0", "BINARY"),
    ]
    needs = {"/src/QtGui.abi3.so": {"libQt6Gui.so.6", "libfreetype.so.6"}}
    pruned = prune(toc, imports=lambda path: needs.get(path, set()))
    kept = [entry[0] for entry in unlink(pruned)]
    assert kept == [
        "PySide6/QtGui.abi3.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "libfreetype.so.6",
        "libQt6Gui.so.6",
        "libpython3.11.so.1.0",
    ]


# --- the Windows build: two programs, slimmed in the Windows layout -------------


def test_windows_folder_holds_the_window_and_the_command_program(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from kpidesk import APP_NAME, CLI_NAME

    run = run_spec(monkeypatch, tmp_path, onefile=False, platform="win32")
    # KPIDesk.exe has no console (closing one would end it without asking to
    # save); kpidesk-cli.exe is the console program, in the same folder.
    assert [(exe["name"], exe["console"]) for exe in run.exes] == [
        (APP_NAME, False),
        (CLI_NAME, True),
    ]
    assert run.collected == [APP_NAME, CLI_NAME] and run.folder == APP_NAME
    for exe in run.exes:
        assert not exe.get("hide_console")
        assert exe["icon"] == [str(REPO / "resources" / "icons" / "kpidesk.ico")]
        strings = _version_strings(Path(exe["version"]).read_text(encoding="ascii"))
        assert strings["OriginalFilename"] == f"{exe['name']}.exe"
        assert strings["InternalName"] == exe["name"]
    descriptions = {
        _version_strings(Path(exe["version"]).read_text())["FileDescription"] for exe in run.exes
    }
    assert len(descriptions) == 2  # Task Manager tells them apart


def test_windows_single_file_is_the_window(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    run = run_spec(monkeypatch, tmp_path, onefile=True, platform="win32")
    assert [(exe["name"], exe["console"]) for exe in run.exes] == [("KPIDesk", False)]
    assert run.exe["icon"] and run.exe["version"]


@pytest.mark.parametrize("onefile", [False, True], ids=["one-folder", "one-file"])
def test_linux_builds_one_console_program(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, onefile: bool
) -> None:
    run = run_spec(monkeypatch, tmp_path, onefile=onefile, platform="linux")
    # .ci/run and the Makefile run dist/KPIDesk/KPIDesk, subcommands included.
    assert [(exe["name"], exe["console"]) for exe in run.exes] == [("KPIDesk", True)]
    assert run.exe["icon"] is None and run.exe["version"] is None
    assert run.exe["strip"] is True
    if not onefile:
        assert run.collected == ["KPIDesk"] and run.folder == "KPIDesk"


def _paths(text: str) -> list[str]:
    """Paths written one after another, separated by spaces and lines."""
    return text.split()


#: What PyInstaller 6.22 collects on Windows for KPI Desk before slimming
#: (paths in ``_internal``, as its TOC has them): the PySide6 6.11.3 wheel for
#: Windows (Qt under PySide6\, no Qt folder) and python.org's Python 3.11.
WINDOWS_COLLECTED = _paths(r"""
python311.dll VCRUNTIME140.dll VCRUNTIME140_1.dll sqlite3.dll _sqlite3.pyd libffi-8.dll
_ctypes.pyd unicodedata.pyd select.pyd _decimal.pyd _bz2.pyd _lzma.pyd pyexpat.pyd
libcrypto-3.dll libssl-3.dll libcrypto-3-x64.dll libssl-3-x64.dll base_library.zip
shiboken6\Shiboken.pyd shiboken6\shiboken6.abi3.dll shiboken6\MSVCP140.dll
PySide6\QtCore.pyd PySide6\QtGui.pyd PySide6\QtWidgets.pyd PySide6\QtPrintSupport.pyd
PySide6\pyside6.abi3.dll PySide6\Qt6Core.dll PySide6\Qt6Gui.dll PySide6\Qt6Widgets.dll
PySide6\Qt6PrintSupport.dll PySide6\Qt6Svg.dll PySide6\MSVCP140.dll PySide6\MSVCP140_1.dll
PySide6\MSVCP140_2.dll PySide6\VCRUNTIME140.dll PySide6\VCRUNTIME140_1.dll
PySide6\Qt6Network.dll PySide6\Qt6OpenGL.dll PySide6\Qt6Pdf.dll PySide6\Qt6Qml.dll
PySide6\Qt6QmlModels.dll PySide6\Qt6Quick.dll PySide6\Qt6VirtualKeyboard.dll
PySide6\opengl32sw.dll PySide6\d3dcompiler_47.dll
PySide6\plugins\platforms\qwindows.dll PySide6\plugins\platforms\qoffscreen.dll
PySide6\plugins\platforms\qminimal.dll PySide6\plugins\platforms\qdirect2d.dll
PySide6\plugins\imageformats\qico.dll PySide6\plugins\imageformats\qsvg.dll
PySide6\plugins\imageformats\qjpeg.dll PySide6\plugins\imageformats\qgif.dll
PySide6\plugins\imageformats\qwebp.dll PySide6\plugins\imageformats\qtiff.dll
PySide6\plugins\imageformats\qpdf.dll PySide6\plugins\imageformats\qicns.dll
PySide6\plugins\imageformats\qtga.dll PySide6\plugins\imageformats\qwbmp.dll
PySide6\plugins\iconengines\qsvgicon.dll PySide6\plugins\styles\qmodernwindowsstyle.dll
PySide6\plugins\platforminputcontexts\qtvirtualkeyboardplugin.dll
PySide6\plugins\generic\qtuiotouchplugin.dll PySide6\plugins\tls\qopensslbackend.dll
PySide6\plugins\tls\qschannelbackend.dll PySide6\plugins\networkinformation\qnetworklistmanager.dll
PySide6\translations\qtbase_de.qm PySide6\translations\qtbase_ja.qm
PySide6\translations\qtbase_zh_CN.qm PySide6\translations\qt_help_ja.qm
""")

#: What the kept Qt modules and plugins load, followed through the DLLs of
#: the PySide6 6.11.3 wheel for Windows (objdump -p): qwindows.dll loads
#: Qt6Gui, Qt6Core, MSVCP140, VCRUNTIME140 and VCRUNTIME140_1; Qt6Core loads
#: MSVCP140_1, QtGui.pyd MSVCP140_2, qsvgicon and qsvg Qt6Svg.
WINDOWS_KEPT_NEEDS = _paths(r"""
PySide6\Qt6Core.dll PySide6\Qt6Gui.dll PySide6\Qt6Widgets.dll PySide6\Qt6PrintSupport.dll
PySide6\Qt6Svg.dll PySide6\pyside6.abi3.dll PySide6\MSVCP140.dll PySide6\MSVCP140_1.dll
PySide6\MSVCP140_2.dll PySide6\VCRUNTIME140.dll PySide6\VCRUNTIME140_1.dll
MSVCP140.dll msvcp140_1.dll msvcp140_2.dll VCRUNTIME140.dll VCRUNTIME140_1.dll
shiboken6\shiboken6.abi3.dll python311.dll
""")


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        (r"PySide6\plugins\platforms\qwindows.dll", True),
        (r"PySide6\plugins\platforms\qoffscreen.dll", True),
        (r"PySide6\plugins\platforms\qminimal.dll", True),
        (r"PYSIDE6\Plugins\Platforms\QWindows.DLL", True),
        (r"PySide6\plugins\imageformats\qico.dll", True),
        (r"PySide6\plugins\imageformats\qsvg.dll", True),
        (r"PySide6\plugins\iconengines\qsvgicon.dll", True),
        (r"PySide6\plugins\styles\qmodernwindowsstyle.dll", True),
        (r"PySide6\plugins\styles\qwindowsvistastyle.dll", True),
        (r"PySide6\QtPrintSupport.pyd", True),
        (r"sqlite3.dll", True),
        (r"_sqlite3.pyd", True),
        (r"resources\translations\qtbase_ja.qm", True),
        (r"PySide6\translations\qtbase_de.qm", False),
        (r"PySide6\translations\qtbase_ja.qm", False),
        (r"PySide6/translations/qtbase_zh_CN.qm", False),
        (r"PySide6\plugins\platforms\qdirect2d.dll", False),
        (r"PySide6\plugins\imageformats\qjpeg.dll", False),
        (r"PySide6\plugins\imageformats\qgif.dll", False),
        (r"PySide6\plugins\imageformats\qwebp.dll", False),
        (r"PySide6\plugins\imageformats\qtiff.dll", False),
        (r"PySide6\plugins\imageformats\qpdf.dll", False),
        (r"PySide6\plugins\tls\qopensslbackend.dll", False),
        (r"PySide6\plugins\platforminputcontexts\qtvirtualkeyboardplugin.dll", False),
        (r"PySide6\qml\QtQuick\Pdf\pdfquickplugin.dll", False),
        (r"PySide6\Qt6Network.dll", False),
        (r"PySide6\Qt6OpenGL.dll", False),
        (r"PySide6\Qt6Pdf.dll", False),
        (r"PySide6\Qt6Quick.dll", False),
        (r"PySide6\Qt6Qml.dll", False),
        (r"PySide6\opengl32sw.dll", False),
        (r"PySide6\d3dcompiler_47.dll", False),
        (r"libcrypto-3.dll", False),
        (r"libssl-3-x64.dll", False),
        (r"LIBCRYPTO-1_1-X64.DLL", False),
    ],
)
def test_slimming_reads_the_windows_layout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, kept: bool
) -> None:
    keep_entry = run_spec(monkeypatch, tmp_path, onefile=False, platform="win32").namespace[
        "keep_entry"
    ]
    assert keep_entry(name) is kept


def test_slimming_keeps_what_qwindows_and_the_qt_modules_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keep_entry = run_spec(monkeypatch, tmp_path, onefile=False, platform="win32").namespace[
        "keep_entry"
    ]
    assert [name for name in WINDOWS_KEPT_NEEDS if not keep_entry(name)] == []


def _windows_folder(run: SpecRun, collected: list[str]) -> list[str]:
    """The files of dist/KPIDesk on Windows, relative to it, from what a build collects."""
    keep_entry = run.namespace["keep_entry"]
    internal = [name for name in collected if keep_entry(name)] + list(run.bundled)
    return [f"{name}.exe" for name in run.collected] + [
        "_internal/" + name.replace("\\", "/") for name in internal
    ]


def test_slimmed_windows_folder_is_what_the_windows_check_wants(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run = run_spec(monkeypatch, tmp_path, onefile=False, platform="win32")
    problems = run.namespace["folder_problems"]
    folder = _windows_folder(run, WINDOWS_COLLECTED)
    assert problems(folder) == []
    # Unslimmed, the check names what slimming leaves out.
    everything = [f"{name}.exe" for name in run.collected] + [
        "_internal/" + name.replace("\\", "/") for name in [*WINDOWS_COLLECTED, *run.bundled]
    ]
    unwanted = {line.rsplit("/", 1)[-1] for line in problems(everything)}
    assert {
        "libcrypto-3.dll",
        "libssl-3-x64.dll",
        "Qt6Network.dll",
        "opengl32sw.dll",
        "qdirect2d.dll",
        "qjpeg.dll",
        "qtbase_de.qm",
        "qtbase_ja.qm",
        "Qt6Pdf.dll",
    } <= unwanted
    # And a folder without the window's platform plugin or the runtime fails it.
    gone = {"qwindows.dll", "msvcp140_1.dll", "vcruntime140_1.dll"}
    lacking = [name for name in folder if name.rsplit("/", 1)[-1].lower() not in gone]
    assert problems(lacking) == [
        "missing: qwindows.dll",
        "missing: MSVCP140_1.dll",
        "missing: VCRUNTIME140_1.dll",
    ]


def test_spec_checks_a_built_windows_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run = run_spec(monkeypatch, tmp_path, onefile=False, platform="win32")
    folder = tmp_path / "ケーピーアイ デスク" / "KPIDesk"
    for name in _windows_folder(run, WINDOWS_COLLECTED):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"")

    def check() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(SPEC), "--check", str(folder)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )

    good = check()
    assert good.returncode == 0, good.stdout + good.stderr
    (folder / "_internal" / "libssl-3.dll").write_bytes(b"")
    (folder / "_internal" / "PySide6" / "plugins" / "platforms" / "qwindows.dll").unlink()
    bad = check()
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == ["missing: qwindows.dll", "unwanted: _internal/libssl-3.dll"]


def test_pdf_text_check_reads_both_kinds_of_unicode_map() -> None:
    cmap = (
        b"stream\nbegincmap\n2 beginbfrange\n<0001> <0002> [<5211> <6CD5>]\n"
        b"<0003> <0004> <72AF>\nendbfrange\n1 beginbfchar\n<0005> <8A8D>\nendbfchar\n"
        b"endcmap\nendstream\n"
    )
    assert smoke.pdf_unicode_characters(cmap) == {"刑", "法", "犯", chr(0x72AF + 1), "認"}


# --- the smoke test, from source ------------------------------------------------


def _japanese_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "ケーピーアイ デスク" / "作業 フォルダ"
    folder.mkdir(parents=True)
    return folder


def _run_main(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TMPDIR=str(cwd), PYTHONUTF8="1")
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def test_smoke_test_passes_from_source_in_a_japanese_folder_with_a_space(tmp_path: Path) -> None:
    folder = _japanese_folder(tmp_path)
    screenshot = folder / "画面 写真.png"
    result = _run_main(["--smoke-test", "--screenshot", str(screenshot)], folder)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smoke test OK: "), result.stdout
    assert "window ready with 15 sheets" in lines[0] and "PDF 15 pages, Excel 15 sheets" in lines[0]
    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert (width, height) == (1366, 768)
    # The temporary data folder went away with the run.
    assert not [path for path in folder.iterdir() if path.name.startswith("kpidesk-smoke-")]


def test_smoke_test_fails_with_the_reason(tmp_path: Path) -> None:
    folder = _japanese_folder(tmp_path)
    missing = folder / "ない ブック.kpidb"
    result = _run_main(["--smoke-test", "--open", str(missing)], folder, timeout=120)
    assert result.returncode == smoke.EXIT_FAILED
    assert "smoke test FAILED: " in result.stderr
    assert "ない ブック.kpidb" in result.stderr


# --- the windowed program (KPIDesk.exe) and the command program (kpidesk-cli.exe)

#: Runs main.py as a windowed Windows program does: sys.stdout and
#: sys.stderr are None (PyInstaller's console=False, like pythonw.exe).
WINDOWED = """
import runpy, sys
sys.stdout = sys.stderr = None
sys.argv = [{main!r}, *sys.argv[1:]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _run_windowed(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        TMPDIR=str(cwd),
        KPIDESK_DATA_DIR=str(cwd / "data"),
        PYTHONPATH=str(REPO),
    )
    return subprocess.run(
        [sys.executable, "-c", WINDOWED.format(main=str(REPO / "main.py")), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_windowed_program_runs_commands_with_nowhere_to_print(tmp_path: Path) -> None:
    from kpidesk.exchange import jsonio

    folder = _japanese_folder(tmp_path)
    book, out = folder / "見本 ブック.kpidb", folder / "見本 シート.json"
    sample = str(RESOURCES / "samples" / "kpi_sheets_kumamoto_r2.txt")
    runs = {
        "import-text": (["import-text", sample, "--db", str(book)], 0),
        "export-json": (["export-json", "--db", str(book), "-o", str(out)], 0),
        "a missing book": (["export-json", "--db", str(folder / "ない.kpidb"), "-o", "x.json"], 1),
        "no --db": (["export-json", "-o", "x.json"], 2),
        "--version": (["--version"], 0),
        "--help": (["export-pdf", "--help"], 0),
        "the smoke test, failing": (["--smoke-test", "--open", str(folder / "ない.kpidb")], 1),
    }
    for what, (args, code) in runs.items():
        result = _run_windowed(args, folder)
        # Nothing is shown, nothing fails on the missing streams (Python would
        # report that on the process's own stderr), and the status is right.
        assert (result.returncode, result.stdout, result.stderr) == (code, "", ""), what
    assert len(jsonio.read_file(out)) == 15
    assert not (folder / "x.json").exists()


def test_windowed_program_gives_its_missing_streams_a_sink(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import faulthandler

    import main

    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    with pytest.raises(SystemExit) as done:
        main.main(["--version"])
    assert done.value.code == 0
    sinks = (sys.stdout, sys.stderr)
    try:
        # Code that writes to the streams without asking whether they exist.
        sys.stdout.write("KPI Desk 0.1.0\n")
        print("注意: ―", file=sys.stderr, flush=True)
        faulthandler.dump_traceback(sys.stderr)
    finally:
        for sink in sinks:
            sink.close()


def test_command_program_never_opens_the_window(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import main
    from ui import app

    opened: list[list[str]] = []
    monkeypatch.setattr(app, "run", lambda args: opened.append(list(args)) or 0)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/KPI Desk/KPIDesk/kpidesk-cli.exe")
    # Closing its console would end a window without asking to save.
    for args in ([], ["本庁.kpidb"], ["--demo"]):
        assert main.main(args) == 2, args
        assert "エラー: " in capsys.readouterr().err
    assert opened == []
    # KPIDesk.exe, beside it, is the window.
    monkeypatch.setattr(sys, "executable", "/opt/KPI Desk/KPIDesk/KPIDesk.exe")
    assert main.main(["本庁.kpidb"]) == 0
    assert opened == [["本庁.kpidb"]]
