"""PySide's signature support as files, so that no start compiles it again.

shiboken6 carries the Python modules of its signature support
(``shibokensupport``, 13 modules loaded at every ``import PySide6``) zipped
inside its library, and compiles them from their source at every start of
every program: 100 million instructions, about 30 ms of the window's start
on the reference machine. When the folder ``shiboken6/files.dir`` exists,
shiboken6 imports them from there instead, as any other module, from
bytecode compiled once (``find_incarnated_files`` in shiboken6's
``signature_bootstrap.py``; ``SBK_EMBED=0`` makes shiboken6 write the folder
itself, and this writes the same files).

    python tools/signature_files.py
        writes files.dir in the installed shiboken6 afresh and compiles it
        (``make`` does this when it installs the virtual environment)

``build.spec`` calls :func:`compiled_datas` so that the standalone program
carries the folder too, as compiled modules only.
"""

from __future__ import annotations

import compileall
import importlib.util
import py_compile
import shutil
import sys
from pathlib import Path

#: The folder, inside shiboken6's package folder, shiboken6 looks for.
FILES_DIR = "files.dir"
#: The module shiboken6 imports from the folder (the others come with it).
LOADER = "shibokensupport/signature/loader.py"


def files_dir() -> Path:
    """The installed shiboken6's ``files.dir`` (which may not exist yet)."""
    spec = importlib.util.find_spec("shiboken6")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("shiboken6 is not installed")
    return Path(spec.submodule_search_locations[0]).resolve() / FILES_DIR


def embedded_sources() -> dict[str, bytes]:
    """The signature support's modules as the installed shiboken6 carries them.

    Returns:
        Their sources by path in ``files.dir`` (``shibokensupport/...py``).

    Raises:
        RuntimeError: this shiboken6 keeps them some other way.
    """
    import shiboken6  # noqa: F401 (runs the bootstrap, which holds the zipped files)

    bootstrap = sys.modules.get("signature_bootstrap")
    try:
        archive = bootstrap.prepare_zipfile()[1].zfile
        sources = {name: archive.read(name) for name in archive.namelist() if name.endswith(".py")}
    except Exception as error:
        raise RuntimeError(f"shiboken6's signature support was not found: {error!r}") from error
    if LOADER not in sources:
        raise RuntimeError(f"shiboken6's signature support has no {LOADER}")
    return sources


def write_sources(folder: Path) -> list[Path]:
    """Write :func:`embedded_sources` under ``folder`` (emptied first); the files written."""
    shutil.rmtree(folder, ignore_errors=True)
    written = []
    for name, source in sorted(embedded_sources().items()):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source)
        written.append(path)
    return written


def unpack() -> Path:
    """Write the installed shiboken6's ``files.dir`` afresh and compile it.

    Whatever the folder held goes first: pip leaves it behind when it
    replaces shiboken6 by another version, whose library it would not match.

    Returns:
        The folder.
    """
    folder = files_dir()
    write_sources(folder)
    if not compileall.compile_dir(str(folder), quiet=1):
        raise RuntimeError(f"the modules in {folder} do not compile")
    return folder


def compiled_datas(work: Path) -> list[tuple[str, str]]:
    """The signature support compiled under ``work``, as PyInstaller datas.

    Each module goes in as its bytecode alone, where its source would be
    (``loader.pyc`` beside no ``loader.py``), which Python imports as it is.

    Returns:
        (compiled file, folder in the program) pairs, the folders under
        ``shiboken6/files.dir``.
    """
    sources = work / "sources"
    datas = []
    for source in write_sources(sources):
        relative = source.relative_to(sources)
        target = work / FILES_DIR / relative.with_suffix(".pyc")
        py_compile.compile(
            str(source),
            cfile=str(target),
            dfile=relative.as_posix(),
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        datas.append((str(target), Path("shiboken6", FILES_DIR, relative.parent).as_posix()))
    return datas


if __name__ == "__main__":
    print(f"PySide's signature support: {unpack()}")
