"""The three-way comparison behind hand out (配布) and collect (回収).

A sheet handed out to a department comes back in its returned file; the
origin book may have changed it meanwhile. Each sheet is judged from three
versions by their content hashes (:func:`content_hash`): as handed out, as
returned, and as in the origin book now (:func:`compare`).

A sheet the department deleted from its file is reported, never deleted in
the origin book: the planning division decides that itself.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum

from kpidesk.exchange.jsonio import sheet_to_dict
from kpidesk.model import Sheet


class Outcome(StrEnum):
    """What collecting does with one sheet, and how it is reported (Japanese)."""

    #: Changed only by the department: the returned version is taken.
    TAKEN = "取り込み"
    #: Changed only in the origin book: the department's unchanged copy is ignored.
    KEPT = "元のブックの変更を維持"
    #: Changed on neither side (or the same way on both).
    UNCHANGED = "変更なし"
    #: Changed on both sides (or changed by one and deleted by the other).
    CONFLICT = "競合"
    #: New in the department's file, under a No the origin book does not have.
    ADDED = "追加"
    #: Deleted from the department's file: reported, the origin keeps it.
    DELETED_THERE = "課のファイルで削除（元のブックには残します）"
    #: Deleted in the origin book since; the department did not change it.
    DELETED_HERE = "元のブックで削除済み（取り込みません）"


#: The outcomes whose returned version is written to the origin book.
WRITTEN = frozenset({Outcome.TAKEN, Outcome.ADDED})


def content_hash(sheet: Sheet) -> str:
    """A stable hash of what a sheet says, without the book's bookkeeping.

    The sheet's interchange form (no id, revision or update time), with
    sorted keys, hashed with SHA-256: two sheets that read the same have
    the same hash in every book.
    """
    text = json.dumps(sheet_to_dict(sheet), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compare(handed: str | None, returned: str | None, origin: str | None) -> Outcome:
    """The outcome for one sheet from its three content hashes.

    Args:
        handed: the hash as handed out (None: the sheet was not handed out).
        returned: the hash in the returned file (None: not in it).
        origin: the hash in the origin book now (None: not in it).
    """
    if handed is None:
        if returned is None:
            return Outcome.UNCHANGED
        if origin is None:
            return Outcome.ADDED
        return Outcome.UNCHANGED if returned == origin else Outcome.CONFLICT
    if returned is None:
        return Outcome.DELETED_THERE
    department_changed = returned != handed
    if origin is None:
        return Outcome.CONFLICT if department_changed else Outcome.DELETED_HERE
    origin_changed = origin != handed
    if department_changed and origin_changed:
        return Outcome.UNCHANGED if returned == origin else Outcome.CONFLICT
    if department_changed:
        return Outcome.TAKEN
    if origin_changed:
        return Outcome.KEPT
    return Outcome.UNCHANGED
