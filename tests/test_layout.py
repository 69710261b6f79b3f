"""Rules of the code base that hold everywhere."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Collection, Iterator
from pathlib import Path

from tests.conftest import REPO


def test_core_never_imports_widgets() -> None:
    offenders = [
        path.relative_to(REPO).as_posix()
        for path in (REPO / "kpidesk").rglob("*.py")
        if re.search(
            r"^\s*(from\s+PySide6\.QtWidgets|import\s+PySide6\.QtWidgets|from\s+PySide6\s+import.*QtWidgets)",
            path.read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    ]
    assert offenders == []


def test_sql_stays_in_the_book_package() -> None:
    pattern = re.compile(r"\b(sqlite3|sqlite_utils)\b")
    book_package = REPO / "kpidesk" / "book"
    offenders = [
        path.relative_to(REPO).as_posix()
        for folder in ("kpidesk", "ui")
        for path in (REPO / folder).rglob("*.py")
        if not path.is_relative_to(book_package)
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_pyside6_survives_many_calls_that_return_nothing() -> None:
    # PySide6 6.12.0 aborts Python 3.11 ("Fatal Python error: none_dealloc")
    # after a few thousand such calls; the pinned 6.11.3 must not.
    code = (
        "from PySide6.QtCore import QObject\n"
        "o = QObject()\n"
        "for i in range(20000):\n"
        "    o.setObjectName('x')\n"
        "    o.blockSignals(False)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_only_the_excel_modules_import_openpyxl() -> None:
    pattern = re.compile(r"^\s*(import|from)\s+openpyxl\b", re.MULTILINE)
    exchange = REPO / "kpidesk" / "exchange"
    offenders = [
        path.relative_to(REPO).as_posix()
        for folder in ("kpidesk", "ui")
        for path in (REPO / folder).rglob("*.py")
        if path.parent != exchange and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- imports between the project's modules ----------------------------------------

PROJECT_PACKAGES = ("kpidesk", "ui")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the program (kpidesk/, ui/, main.py) by its dotted name."""
    paths = [path for folder in PROJECT_PACKAGES for path in sorted((REPO / folder).rglob("*.py"))]
    return {_module_name(path): path for path in [*paths, REPO / "main.py"]}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(statements: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports run when the module is imported: not those in functions or TYPE_CHECKING."""
    for statement in statements:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            yield statement
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif isinstance(statement, ast.If) and _is_type_checking(statement.test):
            yield from _top_level_imports(statement.orelse)
        else:
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(statement, name, []):
                    if isinstance(child, ast.ExceptHandler | ast.match_case):
                        yield from _top_level_imports(child.body)
                    else:
                        yield from _top_level_imports([child])


def _imported_modules(name: str, path: Path, modules: Collection[str]) -> set[str]:
    """The project modules that importing ``name`` imports at once (parent packages too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def add(dotted: str) -> None:
        parts = dotted.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            if prefix in modules:
                found.add(prefix)

    for node in _top_level_imports(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        add(source)
        for alias in node.names:
            add(f"{source}.{alias.name}")
    found.discard(name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None when it has none."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> list[str] | None:
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target in on_stack:
                return [*stack[stack.index(target) :], target]
            if target not in done:
                cycle = visit(target)
                if cycle is not None:
                    return cycle
        stack.pop()
        on_stack.discard(node)
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done:
            cycle = visit(node)
            if cycle is not None:
                return cycle
    return None


def import_graph() -> dict[str, set[str]]:
    """Each project module and the project modules its top-level imports load."""
    modules = project_modules()
    return {name: _imported_modules(name, path, modules) for name, path in modules.items()}


def test_find_cycle_names_the_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_import_graph_sees_relative_and_package_imports() -> None:
    graph = import_graph()
    assert "kpidesk.store" in graph["kpidesk.cli"] or "kpidesk" in graph["kpidesk.cli"]
    assert "ui.settings" in graph["ui.app"]


def test_no_import_cycle_between_project_modules() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_core_never_imports_the_window() -> None:
    offenders = []
    for path in sorted((REPO / "kpidesk").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(name == "ui" or name.startswith("ui.") for name in names):
                offenders.append(f"{path.relative_to(REPO).as_posix()}:{node.lineno}")
    assert offenders == []


# --- the folder beside the repository ------------------------------------------

#: The parent folder's shared directory as a relative path string, or as a path
#: expression whose last part is that directory (a ``/`` join or a ``joinpath``).
SHARED_FOLDER = re.compile(r"""\.\.[/\\]+shared\b|[/,(]\s*["']shared(["'/\\])""")


def test_nothing_reads_the_shared_folder_beside_the_repository() -> None:
    files = [
        path
        for folder in ("kpidesk", "ui", "tests", "bench", ".ci")
        for path in sorted((REPO / folder).rglob("*"))
        if path.is_file() and path.suffix not in (".pyc",)
    ]
    files += [REPO / "main.py", REPO / "Makefile", REPO / "build.spec"]
    offenders = [
        f"{path.relative_to(REPO).as_posix()}:{number}"
        for path in files
        for number, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1
        )
        if SHARED_FOLDER.search(line)
    ]
    assert offenders == []


# --- the size of things -------------------------------------------------------------

#: No module of the program grows past this many lines (split it by responsibility).
MAX_MODULE_LINES = 900
#: The main window only builds and wires; its work lives in ui/controllers.
MAX_WINDOW_LINES = 500


def test_no_module_is_too_long_to_read() -> None:
    long = {
        name: lines
        for name, path in project_modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_the_main_window_is_a_shell() -> None:
    text = (REPO / "ui" / "main_window.py").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_WINDOW_LINES
    # The window never opens books or files itself: that is the controllers' work.
    assert not re.search(r"\b(Book\.open|QFileDialog|sqlite3|open\()", text)


def test_every_action_has_one_handler_in_the_table(qapp: object, tmp_path: Path) -> None:
    from ui.actions import Action
    from ui.main_window import MainWindow
    from ui.settings import Settings

    window = MainWindow(Settings(tmp_path / "settings.ini"))
    try:
        handlers = window._action_handlers()
        assert set(handlers) == set(Action)
        assert all(callable(handler) for handler in handlers.values())
    finally:
        window.deleteLater()


def test_no_comment_names_a_work_item() -> None:
    pattern = re.compile(r"#.*\b(issue|Issue|TODO|FIXME|XXX)\b( \d+|:)|DESIGN\.md")
    offenders = [
        f"{name}:{number}"
        for name, path in project_modules().items()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
