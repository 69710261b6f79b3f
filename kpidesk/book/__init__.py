"""The book: one SQLite file of sheets, and the files kept beside it.

* ``store`` — the book: opening, reading and saving sheets, history, settings, year locks.
* ``backups`` — backup copies of a book: taken, listed, pruned, restored.
* ``lock`` — the lock file beside a book that tells others who has it open.
* ``recovery`` — drafts of unsaved sheets, offered back after a crash.
"""
