"""KPI Desk's window and its widgets (PySide6).

Importing the package imports PySide6 and gives Python back its own
``import`` statement (:func:`use_plain_import`).
"""

from __future__ import annotations

import builtins

import PySide6.QtCore  # noqa: F401 (replaces the import statement: see use_plain_import)


def use_plain_import() -> bool:
    """Put back Python's own ``__import__`` where PySide put its ``__feature_import__``.

    PySide's import serves its opt-in ``from __feature__ import snake_case,
    true_property``, which KPI Desk does not use (``tests/ui/test_app.py``
    checks that nothing does). To know which modules opted in, it reads the
    whole source of every module imported after PySide6, once each, looking
    for "PySide6": 140 modules and 25 ms of every start of the window from
    source. A module PySide has not seen keeps the default Qt names and
    properties, as every module here wants.

    Returns:
        Whether it was PySide's import that was replaced (False when there was
        nothing to put back).
    """
    original = getattr(builtins, "__orig_import__", None)
    replaced = getattr(builtins, "__feature_import__", None)
    if original is None or replaced is None or builtins.__import__ is not replaced:
        return False
    builtins.__import__ = original
    return True


use_plain_import()
