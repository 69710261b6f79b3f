"""The statements that make the schema of a book of version :data:`VERSION`.

Written by ``python tools/schema_snapshot.py`` from the migrations of
:mod:`kpidesk.book.schema`; do not edit. :mod:`kpidesk.book.schemacheck`
runs them (instead of the migrations, which need sqlite-utils) to know
what a book of this version must hold; ``tests/kpidesk/test_schema_snapshot.py``
checks that they make the same schema as the migrations.
"""

# ruff: noqa: E501 - each string is one line of a statement as SQLite keeps it

VERSION = 7

STATEMENTS = (
    (
        "CREATE TABLE sheets (\n"
        "            id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "            report_year INTEGER NOT NULL,\n"
        "            no TEXT NOT NULL,\n"
        "            departments TEXT NOT NULL DEFAULT '',\n"
        "            departments_json TEXT NOT NULL DEFAULT '[]',\n"
        "            title TEXT NOT NULL DEFAULT '',\n"
        "            section TEXT NOT NULL DEFAULT '',\n"
        "            efforts TEXT NOT NULL DEFAULT '',\n"
        "            issues TEXT NOT NULL DEFAULT '',\n"
        "            direction TEXT NOT NULL DEFAULT '',\n"
        "            data TEXT NOT NULL,\n"
        "            revision INTEGER NOT NULL,\n"
        "            created_at TEXT NOT NULL,\n"
        "            updated_at TEXT NOT NULL, latest_text TEXT NOT NULL DEFAULT '', latest_year INTEGER, target_text TEXT NOT NULL DEFAULT '', unit TEXT NOT NULL DEFAULT '', eval_achievement TEXT, eval_progress TEXT, eval_word INTEGER NOT NULL DEFAULT 0, eval_reason TEXT NOT NULL DEFAULT '', eval_label TEXT NOT NULL DEFAULT '', eval_rates TEXT NOT NULL DEFAULT '',\n"
        "            UNIQUE (report_year, no)\n"
        "        )"
    ),
    (
        "CREATE TABLE history (\n"
        "            id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "            sheet_id INTEGER NOT NULL,\n"
        "            revision INTEGER NOT NULL,\n"
        "            report_year INTEGER NOT NULL,\n"
        "            no TEXT NOT NULL,\n"
        "            data TEXT NOT NULL,\n"
        "            saved_at TEXT NOT NULL, saved_by TEXT NOT NULL DEFAULT '',\n"
        "            UNIQUE (sheet_id, revision)\n"
        "        )"
    ),
    ('CREATE TABLE "meta" (\n   "key" TEXT PRIMARY KEY,\n   "value" TEXT\n)'),
    ("CREATE VIRTUAL TABLE sheets_fts USING fts5(search_text, tokenize = 'trigram')"),
    (
        "CREATE VIRTUAL TABLE sheets_grams USING fts5(grams, content = '', detail = none, tokenize = 'ascii')"
    ),
)
