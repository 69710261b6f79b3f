"""KPI Desk core: the sheet model, the book (SQLite), import and export.

Nothing in this package imports QtWidgets; the window lives in ``ui``.
"""

__version__ = "0.1.0"
APP_NAME = "KPIDesk"
#: The console program beside the windowed KPIDesk.exe on Windows (build.spec).
CLI_NAME = "kpidesk-cli"
APP_TITLE = "KPI Desk"
ORGANIZATION = "KPIDesk"
#: The subcommands of ``main.py`` (:mod:`kpidesk.cli`), here so that telling
#: them from a book to open in the window does not import the subcommands.
SUBCOMMANDS = (
    "import-text",
    "import-json",
    "import-xlsx",
    "export-json",
    "export-pdf",
    "export-xlsx",
    "evaluate",
    "export-summary",
    "rollover",
    "lock-year",
    "unlock-year",
    "distribute",
    "collect",
    "status",
    "send-back",
    "confirm",
)
