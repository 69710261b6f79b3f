"""KPI Desk entry point: the window by default, subcommands for batch work.

python main.py [FILE]                  the window (not built yet)
python main.py import-text SRC --db FILE
python main.py import-json SRC --db FILE
python main.py export-json --db FILE -o OUT.json
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run KPI Desk and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    from kpidesk import cli

    if args and (args[0] in cli.SUBCOMMANDS or args[0] in {"-h", "--help", "--version"}):
        return cli.main(args)
    from ui import app

    return app.run(args)


if __name__ == "__main__":
    sys.exit(main())
