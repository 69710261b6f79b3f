"""A book's connection, with sqlite-utils brought in only when a write needs it.

Reading a book (the list, a sheet, its settings) is plain SQL on the
``sqlite3`` connection. sqlite-utils, the book's data layer for writing
(``db["sheets"].insert(...)``, the migrations), takes about a tenth of a
second to import, with its plugin manager, click and dateutil; the window
shows a book without it, and it is imported at the first write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.db import Table, View


class BookDatabase:
    """The connection of a book, speaking as much of sqlite-utils' ``Database`` as the book uses.

    ``execute`` and ``conn`` are the connection's own; ``db["table"]`` is
    sqlite-utils' table, made on first use (``execute_plugins=False``: no
    plugin is ever looked for or run on a book).

    Attributes:
        conn: the ``sqlite3`` connection (``isolation_level=None``: it never
            opens a transaction by itself, so a statement run here behaves as
            through sqlite-utils' ``Database.execute``).
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.conn = connection
        self._utils: Database | None = None
        # What sqlite-utils' Database sets when it is made; set now so that
        # the connection is the same before and after it is.
        connection.execute("PRAGMA recursive_triggers = ON")

    def execute(
        self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> sqlite3.Cursor:
        """Run one statement and return its cursor."""
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def fetch_all(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """The rows of a query of many rows, their text decoded by the ``sqlite3`` module itself.

        A book's connection decodes text in Python, with U+FFFD for what is
        not UTF-8 (``sqlitefile.harden``): a call for every text value, a
        tenth of the time of reading the list of thousands of sheets. Text
        that is not valid UTF-8 makes the module refuse the query; it is then
        run again the connection's own way.
        """
        careful = self.conn.text_factory
        self.conn.text_factory = str
        try:
            return self.conn.execute(sql, parameters).fetchall()
        except sqlite3.OperationalError as error:
            if "decode" not in str(error):
                raise
        finally:
            self.conn.text_factory = careful
        return self.conn.execute(sql, parameters).fetchall()

    def utils(self) -> Database:
        """sqlite-utils' ``Database`` on this connection (imported and made on first use)."""
        if self._utils is None:
            from sqlite_utils import Database

            self._utils = Database(self.conn, execute_plugins=False)
        return self._utils

    def __getitem__(self, table_name: str) -> Table | View:
        return self.utils()[table_name]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
