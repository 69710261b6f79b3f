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
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run KPI Desk and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--smoke-test":
        from ui import smoke

        return smoke.main(args)
    from kpidesk import cli

    if args and (args[0] in cli.SUBCOMMANDS or args[0] in {"-h", "--help", "--version"}):
        return cli.main(args)
    from ui import app

    return app.run(args)


if __name__ == "__main__":
    sys.exit(main())
