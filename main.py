"""KPI Desk entry point: the window by default, subcommands for batch work.

python main.py [FILE]                  the window (the last book, or a new one)
python main.py --demo                  the window on a fresh copy of the sample sheets
python main.py import-text SRC --db FILE
python main.py import-json SRC --db FILE
python main.py import-xlsx SRC --db FILE
python main.py export-json --db FILE -o OUT.json
python main.py export-pdf  --db FILE -o OUT.pdf
python main.py export-xlsx --db FILE -o OUT.xlsx
python main.py evaluate --db FILE [--year Y] [--json]
python main.py export-summary --db FILE -o OUT.xlsx
python main.py --smoke-test            check that this build works (ui/smoke.py)

The Windows build (build.spec) makes two programs of this file: KPIDesk.exe,
windowed, which runs all of the above but has nowhere to print, and
kpidesk-cli.exe, a console program that runs the subcommands and the smoke
test and never opens the window.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    """Run KPI Desk and return the exit code."""
    give_missing_streams_a_sink()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--smoke-test":
        from ui import smoke

        return smoke.main(args)
    from kpidesk import SUBCOMMANDS

    # The window does not import the subcommands (nor they the window): each
    # is imported only when it runs, so that the window starts sooner.
    if is_command_program() or (
        args and (args[0] in SUBCOMMANDS or args[0] in {"-h", "--help", "--version"})
    ):
        from kpidesk import cli

        return cli.main(args)
    # The window's start makes a great many objects that all stay (Qt's types
    # and enums, the modules, the widgets): the collector waits until the
    # window is shown (ui.app.resume_garbage_collection), never a subcommand.
    gc.disable()
    from ui import app

    return app.run(args)


def give_missing_streams_a_sink() -> None:
    """Point a missing ``sys.stdout`` or ``sys.stderr`` at the null device.

    A windowed program (KPIDesk.exe on Windows) has no console, and Python
    gives it None for both. With a sink in their place whatever writes to
    them (a subcommand, ``--help``, the smoke test, a warning, a traceback,
    ``faulthandler``) runs as it does on a console, unseen, and the program
    ends with its exit status instead of failing on None.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            # Open for the life of the process, as the console's streams are.
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def is_command_program() -> bool:
    """Whether this is the frozen console program, ``kpidesk-cli``, which opens no window.

    Closing the console of a window started from it would end the window
    without asking to save, so everything it is given goes to the subcommands.
    """
    from kpidesk import CLI_NAME

    return bool(getattr(sys, "frozen", False)) and Path(sys.executable).stem.lower() == CLI_NAME


if __name__ == "__main__":
    sys.exit(main())
