"""The main window's work, by responsibility; the window only builds and wires.

- ``base``: what every controller shares (the window, the status bar, dialog folders).
- ``session``: the open book, its lock, the open sheet, saving and conflicts, year locks.
- ``drafts``: unsaved edits written aside and offered back after a crash.
- ``book_files``: new, open, save as, recent books and backups.
- ``sheets``: new, duplicate, delete, history and restoring a version.
- ``exchange``: imports and exports (text, JSON, Excel, the 評価一覧) and the template.
- ``printing``: choosing sheets, PDF, print and preview.
- ``years``: evaluation settings, the yearly roll-over and year locks.
"""
