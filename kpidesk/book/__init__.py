"""The book: one SQLite file of sheets, and the files kept beside it.

* ``store`` — ``Book``: opening, reading and saving sheets, history, settings, year locks.
* ``errors`` — what can go wrong with a book, each with a Japanese message for the user.
* ``schema`` — the file's marks, its tables, and the migrations that made them.
* ``sqlitefile`` — checking a SQLite file before writing to it; SQLite's errors translated.
* ``rows`` — sheets to rows of the ``sheets`` and ``history`` tables and back.
* ``search`` — a user's search words as a WHERE clause (full-text index or ``LIKE``).
* ``backups`` — backup copies of a book: taken, listed, pruned, restored.
* ``identity`` — which book a file is, and whether a book's file was deleted or replaced.
* ``sidefiles`` — the files a book makes beside itself: their names, and whether they fit.
* ``lock`` — the lock file beside a book that tells others who has it open.
* ``cyclestore`` — where hand out and collect keep their records, and a collect's one write.
* ``recovery`` — drafts of unsaved sheets, offered back after a crash.
"""
