"""Drafts: the open sheet's unsaved edits, written aside and offered back after a crash."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Slot

from kpidesk.book import recovery
from kpidesk.book.errors import BookError
from ui.controllers.base import Controller
from ui.dialogs import messages

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: A draft of the open sheet is written this long after the last change
#: (well within the five seconds a crash may cost at most).
DRAFT_DELAY_MS = 1500


class Drafts(Controller):
    """Writes a draft of the open sheet shortly after each change, clears it on
    save, and offers drafts left by a crash back on the next start."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_DELAY_MS)
        self._timer.timeout.connect(self.write_draft)

    @Slot()
    def on_session_document_changed(self) -> None:
        """Follow the edits of a newly opened sheet."""
        document = self.session.document
        if document is not None:
            document.changed.connect(lambda _part: self._timer.start())
            document.modified_changed.connect(self.on_document_modified_changed)

    @Slot()
    def write_draft(self) -> None:
        """Write the open sheet's unsaved state to the recovery folder."""
        document, book = self.session.document, self.session.book
        if document is None or book is None or book.path is None:
            return
        if not document.is_modified():
            return
        try:
            recovery.write_draft(book.path, document.sheet)
        except OSError as error:
            self.status(f"編集中の内容の控えを書けませんでした: {error}", 0)

    @Slot(bool)
    def on_document_modified_changed(self, modified: bool) -> None:
        document, book = self.session.document, self.session.book
        if modified or document is None or book is None or book.path is None:
            return
        self._timer.stop()
        try:
            recovery.clear_draft(book.path, document.sheet)
        except OSError as error:
            self._not_removed(error)

    def _discard(self, draft: recovery.Draft) -> None:
        try:
            recovery.discard(draft)
        except OSError as error:
            self._not_removed(error)

    def _not_removed(self, error: OSError) -> None:
        """Say in the status bar that a draft could not be removed (the work itself is safe).

        Said once the current event is done, after what the save or the
        restore says, so that it is not replaced at once.
        """
        note = (
            "編集中の内容の控えを削除できませんでした"
            f"（{error.strerror or error}）。次に起動したときに控えが表示されたら、"
            "「破棄する」を選んでください"
        )

        def show() -> None:
            shown = self.window.statusBar().currentMessage()
            self.status(f"{shown}。{note}" if shown else note, 0)

        QTimer.singleShot(0, self, show)

    def offer_drafts(self) -> int:
        """Offer back the edits a crash left unsaved; return how many were restored."""
        restored = 0
        for draft in recovery.list_drafts():
            sheet = draft.sheet
            choice = messages.choose(
                self.window,
                "保存されていない編集",
                f"前回、保存されないまま終わった編集があります。\n"
                f"ブック: {draft.book}\nNo {sheet.no}「{sheet.title}」"
                f"（{draft.written_at:%Y-%m-%d %H:%M:%S} の内容）",
                ["復元する", "破棄する"],
            )
            if choice == 1:
                self._discard(draft)
            elif choice == 0 and self.restore_draft(draft):
                restored += 1
                break  # one sheet is open at a time; the rest are offered next start
        return restored

    def restore_draft(self, draft: recovery.Draft) -> bool:
        """Open the draft's book and sheet and put the draft back as unsaved edits."""
        session = self.session
        if session.book is None or session.book.path != draft.book:
            if not draft.book.exists():
                messages.show_error(self.window, f"ブックが見つかりません: {draft.book}")
                return False
            if not session.open_book(draft.book):
                return False
        book = session.book
        assert book is not None
        incoming = draft.sheet
        existing = book.find_sheet(incoming.report_year, incoming.no)
        if incoming.id is not None:
            try:
                existing = book.get_sheet(incoming.id)
            except BookError:
                existing = None
        if existing is None:
            saved = self.window.sheets.create_sheet(
                dataclasses.replace(incoming, id=None, revision=0)
            )
            self._discard(draft)
            return saved is not None
        session.open_sheet(existing.id)
        if session.document is None:
            return False
        session.document.replace_content("前回の編集の復元", incoming)
        self._discard(draft)
        self.write_draft()
        self.status("前回の編集を復元しました。確かめて上書き保存してください")
        return True
