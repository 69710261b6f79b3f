"""The yearly cycle in the window: hand out (配布), collect (回収), the 提出状況,
and the department's side (a handed-out book saved for returning)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog

from kpidesk import eras
from kpidesk.book import cyclestore
from kpidesk.book.errors import BookError, StaleRevisionError
from kpidesk.paths import BOOK_SUFFIX
from ui.controllers.base import BOOK_FILTER, Controller, with_book_suffix
from ui.dialogs import messages

# The dialogs and the work of handing out, collecting and sending back are
# imported when used: the window only needs the hand-out mark to start.
if TYPE_CHECKING:
    from kpidesk.collect import CollectPlan
    from kpidesk.cycle import HandoutMark, StatusRow
    from ui.dialogs.cycle import CollectPreviewDialog, HandoutDialog, SendBackDialog, StatusDialog

#: The 回収 file chooser: the handed-out books and Excel workbooks.
COLLECT_FILTER = (
    f"配布したファイル (*{BOOK_SUFFIX} *.xlsx);;KPI Desk ブック (*{BOOK_SUFFIX});;"
    "Excelブック (*.xlsx);;すべてのファイル (*)"
)


def _year_label(year: int) -> str:
    """「令和2年度」 as the window says it (「2020年度」 outside the known eras)."""
    try:
        return eras.kanji_label(year)
    except ValueError:
        return f"{year}年度"


def handout_notice(mark: HandoutMark, commented: Sequence[str] = ()) -> str:
    """What a handed-out book's banner says (Japanese).

    Args:
        commented: the Nos of the sheets with a 企画課コメント: the book was
            sent back (差戻し), and the banner names them first.
    """
    year = _year_label(mark.report_year)
    by = f"企画課の {mark.handed_out_by} さんが" if mark.handed_out_by else "企画課が"
    department = mark.department or "担当課なし"
    when = f"{department}（{year}）、{mark.handed_out_at[:10]} に {by}"
    if commented:
        nos = "、".join(f"No {no}" for no in commented)
        return f"差戻しされました。企画課コメントのあるシート: {nos}\n{when}差戻し"
    return f"配布されたブックです: {when}配布"


#: Why the planning division's tools are off in a book handed out to a department.
HANDED_OUT_TIP = "配布されたブックでは使えません（企画課の元のブックで行います）"


class Cycle(Controller):
    """The ブック menu's hand out, collect and 提出状況, and the return of a handed-out book."""

    #: The folder of the last hand-out or 差戻し in this session (None: none yet).
    last_folder: Path | None = None
    #: The book :meth:`is_handed_out` last looked at, and what it found.
    _looked_at: tuple[object, bool] = (None, False)

    def is_handed_out(self) -> bool:
        """Whether the open book is one handed out to a department (it has a hand-out
        mark, readable or not); looked up once per book."""
        book = self.session.book
        if book is None:
            return False
        if self._looked_at[0] is not book:
            try:
                marked = cyclestore.read_text(book, cyclestore.META_HANDOUT) is not None
            except BookError:
                marked = False
            self._looked_at = (book, marked)
        return self._looked_at[1]

    # --- hand out

    def default_handout_folder(self, year: int) -> Path:
        """A 「配布_<年度>」 folder beside the book."""
        return self.dialog_folder() / f"配布_{year}"

    def handout_dialog(self) -> HandoutDialog | None:
        """The hand-out dialog over the open book (None: no book, or it cannot be read)."""
        from ui.dialogs.cycle import HandoutDialog

        book = self.session.book
        years = self.report_years("配布できません")
        if book is None or years is None:
            return None

        def departments_of(year: int) -> list[str]:
            try:
                return book.departments(year)
            except BookError:
                return []

        return HandoutDialog(years, departments_of, self.default_handout_folder, self.window)

    @Slot()
    def ask_distribute(self) -> None:
        from ui.dialogs.cycle import HandoutDialog

        if not self.session.maybe_save():
            return
        dialog = self.handout_dialog()
        if dialog is None or dialog.exec() != HandoutDialog.DialogCode.Accepted:
            return
        self.distribute(dialog.year(), dialog.departments(), dialog.folder(), excel=dialog.excel())

    def distribute(
        self, year: int | None, departments: list[str], folder: Path, *, excel: bool = False
    ) -> list[Path]:
        """Hand out ``departments``' sheets of ``year`` into ``folder`` (with their Excel
        workbooks when ``excel``); say what was written.

        Departments already handed out in ``year`` are named with their status
        first, and handed out again only when the user says so.
        """
        from kpidesk.handout import (
            HandoutError,
            distribute,
            handed_out_already,
            handed_out_text,
            left_out_text,
            without_department,
        )

        book = self.session.book
        if book is None or year is None:
            return []
        try:
            handed = handed_out_already(book, year, departments)
        except BookError as error:
            messages.show_error(self.window, f"配布できませんでした。\n{error}")
            return []
        if handed and not messages.confirm(
            self.window,
            "もう一度配布",
            f"{_year_label(year)}に、次の担当課にはすでに配布しています。\n"
            f"{handed_out_text(handed)}\n"
            "もう一度配布すると、前に配布したファイルは回収できなくなり、"
            "状況は「未提出」に戻ります。もう一度配布しますか？",
        ):
            return []
        try:
            paths = distribute(book, folder, year, departments, excel=excel, again=bool(handed))
        except (HandoutError, BookError) as error:
            messages.show_error(self.window, f"配布できませんでした。\n{error}")
            return []
        self.last_folder = folder
        try:
            left_out = left_out_text(without_department(book, year))
        except BookError:
            left_out = ""
        names = "\n".join(path.name for path in paths)
        messages.show_info(
            self.window,
            f"{len(paths)}件のファイルを書き出しました（{folder}）。\n{names}\n"
            "各課に渡し、戻ってきたら「ブック → 回収…」で取り込んでください。"
            + (
                "\n課はブック（.kpidb）と Excel のブック（.xlsx）のどちらを戻してもかまいません。"
                if excel
                else ""
            )
            + (f"\n\n注意: {left_out}" if left_out else ""),
        )
        self.status(f"配布しました: {len(paths)}件（{folder}）")
        return paths

    # --- collect

    @Slot()
    def ask_collect(self) -> None:
        if self.session.book is None or not self.session.maybe_save():
            return
        names, _ = QFileDialog.getOpenFileNames(
            self.window, "回収するファイル", str(self.dialog_folder()), COLLECT_FILTER
        )
        if names:
            self.preview_and_collect([Path(name) for name in names])

    def preview_and_collect(self, paths: list[Path]) -> int:
        """Show the preview of collecting ``paths`` and collect as decided in it; return
        how many sheets were taken (0 also when cancelled)."""
        from ui.dialogs.cycle import CollectPreviewDialog

        dialog = self.collect_dialog(paths)
        if dialog is None or dialog.exec() != CollectPreviewDialog.DialogCode.Accepted:
            return 0
        return self.collect(dialog)

    def collect_dialog(self, paths: list[Path]) -> CollectPreviewDialog | None:
        """The preview of collecting ``paths`` (None: the book cannot be read, or the
        user cancelled reading the files)."""
        from kpidesk.collect import plan_collect
        from ui.dialogs.cycle import CollectPreviewDialog
        from ui.dialogs.progress import Cancelled, progress

        book = self.session.book
        if book is None:
            return None
        plans: list[CollectPlan] = []
        try:
            with progress(self.window, "戻ったファイルを読んでいます…") as report:
                for done, path in enumerate(paths):
                    report(done, len(paths))
                    plans.append(plan_collect(book, path))
        except Cancelled:
            self.status("回収をやめました（何も取り込んでいません）")
            return None
        except BookError as error:
            messages.show_error(self.window, f"ブックを読めませんでした。\n{error}")
            return None
        return CollectPreviewDialog(plans, self.window)

    def collect(self, dialog: CollectPreviewDialog) -> int:
        """Collect what the preview shows, as decided in it; return how many sheets were taken."""
        from kpidesk.collect import apply_collect

        book = self.session.book
        if book is None:
            return 0
        taken = conflicts = 0
        failed: list[str] = []
        for plan in dialog.plans:
            if plan.refusal or plan.already:
                continue
            try:
                result = apply_collect(
                    book,
                    plan,
                    decisions=dialog.decisions(plan),
                    merged=dialog.merged_versions(plan),
                )
            except StaleRevisionError as error:
                failed.append(f"{plan.path.name}: {error}。もう一度回収してください")
                continue
            except (BookError, ValueError) as error:
                failed.append(f"{plan.path.name}: {error}")
                continue
            taken += len(result.written)
            conflicts += len(result.conflicts)
        self.session.reload_list()
        self.session.update_book_notice()
        if failed:
            messages.show_error(
                self.window, "回収できなかったファイルがあります。\n" + "\n".join(failed)
            )
        left = f"、未決の競合{conflicts}件（元のまま）" if conflicts else ""
        refused = sum(1 for plan in dialog.plans if plan.refusal)
        if refused:
            left += f"（取り込めないファイル{refused}件）"
        self.status(f"回収しました: {taken}件のシートを取り込みました{left}")
        return taken

    # --- status

    def status_dialog(self) -> StatusDialog | None:
        """The 提出状況 of the open book (None: no book, or it cannot be read)."""
        from ui.dialogs.cycle import StatusDialog

        book = self.session.book
        if book is None:
            return None
        try:
            from kpidesk.cycle import read_log, status_rows

            entries, note = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
        except BookError as error:
            messages.show_error(self.window, f"ブックを読めませんでした。\n{error}")
            return None
        dialog = StatusDialog(status_rows(entries), note, self.window, writable=not book.read_only)
        dialog.send_back_requested.connect(lambda row: self.ask_send_back(dialog, row))
        dialog.confirm_requested.connect(lambda row: self.ask_confirm(dialog, row))
        return dialog

    def refresh_status(self, dialog: StatusDialog) -> None:
        """Show the book's 提出状況 anew in ``dialog``."""
        book = self.session.book
        if book is None:
            return
        from kpidesk.cycle import read_log, status_rows

        try:
            entries, _ = read_log(cyclestore.read_text(book, cyclestore.META_HANDOUT_LOG))
        except BookError:
            return
        dialog.set_rows(status_rows(entries))

    def send_back_dialog(self, row: StatusRow) -> SendBackDialog | None:
        """The dialog asking the comments of a 差戻し of ``row`` (None: nothing to ask)."""
        from ui.dialogs.cycle import SendBackDialog

        book = self.session.book
        if book is None:
            return None
        try:
            sheets = book.list_sheets(report_year=row.report_year, department=row.department)
        except BookError as error:
            messages.show_error(self.window, f"ブックを読めませんでした。\n{error}")
            return None
        if not sheets:
            messages.show_error(
                self.window, f"{row.report_year}年度の{row.department}のシートがありません。"
            )
            return None
        folder = self.last_folder or self.default_handout_folder(row.report_year)
        choices = [(sheet.no, sheet.title) for sheet in sheets]
        return SendBackDialog(row.department, choices, folder, self.window)

    def ask_send_back(self, status: StatusDialog, row: StatusRow) -> None:
        """Ask and do a 差戻し of ``row``'s department; refresh ``status``."""
        from ui.dialogs.cycle import SendBackDialog

        if not self.session.maybe_save():
            return
        dialog = self.send_back_dialog(row)
        if dialog is None or dialog.exec() != SendBackDialog.DialogCode.Accepted:
            return
        self.send_back(row, dialog.comments(), dialog.folder())
        self.refresh_status(status)

    def send_back(self, row: StatusRow, comments: dict[str, str], folder: Path) -> Path | None:
        """Send ``row``'s department its sheets back with ``comments``; say what was written."""
        from kpidesk import sendback
        from kpidesk.handout import HandoutError

        book = self.session.book
        if book is None:
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = sendback.send_back(book, row.department, folder, row.report_year, comments)
        except (HandoutError, BookError, OSError) as error:
            messages.show_error(self.window, f"差戻しできませんでした。\n{error}")
            return None
        self.last_folder = folder
        self.session.reload_list()
        self.session.update_book_notice()
        messages.show_info(
            self.window,
            f"{row.department}への差戻しのファイルを書き出しました。\n{target}\n"
            "このファイルを課に渡してください。",
        )
        self.status(f"差し戻しました: {row.department}（{target.name}）")
        return target

    def ask_confirm(self, status: StatusDialog, row: StatusRow) -> None:
        """Ask and do the 確定 of ``row``'s department; refresh ``status``."""
        if not self.session.maybe_save():
            return
        if not messages.confirm(
            self.window,
            "確定",
            f"{_year_label(row.report_year)}の{row.department}の提出を確定しますか？\n"
            "確定した後は、この課のファイルを回収できません。",
        ):
            return
        self.confirm(row)
        self.refresh_status(status)

    def confirm(self, row: StatusRow) -> bool:
        """Mark ``row``'s department 確定."""
        from kpidesk import sendback
        from kpidesk.handout import HandoutError

        book = self.session.book
        if book is None:
            return False
        try:
            sendback.confirm(book, row.department, row.report_year)
        except (HandoutError, BookError) as error:
            messages.show_error(self.window, f"確定できませんでした。\n{error}")
            return False
        self.session.reload_list()
        self.status(f"確定しました: {row.department}")
        return True

    @Slot()
    def show_status(self) -> None:
        dialog = self.status_dialog()
        if dialog is not None:
            dialog.exec()

    # --- the department's side

    def handout_mark(self) -> HandoutMark | None:
        """The open book's hand-out mark (None: not a handed-out book)."""
        book = self.session.book
        if book is None:
            return None
        try:
            text = cyclestore.read_text(book, cyclestore.META_HANDOUT)
        except BookError:
            return None
        if not text:  # not a handed-out book: the cycle's module is not needed at start
            return None
        from kpidesk.cycle import HandoutMark

        try:
            return HandoutMark.from_json(text)
        except ValueError:
            return None

    def commented_nos(self) -> list[str]:
        """The Nos of the open book's sheets with a 企画課コメント ([]: none, or unreadable)."""
        book = self.session.book
        if book is None:
            return []
        try:
            return [sheet.no for sheet in book.list_sheets() if sheet.planning_comment.strip()]
        except BookError:
            return []

    @Slot()
    def ask_save_for_return(self) -> None:
        book = self.session.book
        if book is None or book.path is None or not self.session.maybe_save():
            return
        proposed = book.path.with_name(f"{book.path.stem}_提出{BOOK_SUFFIX}")
        name, _ = QFileDialog.getSaveFileName(
            self.window, "提出用に保存", str(proposed), BOOK_FILTER
        )
        if name:
            self.save_for_return(Path(name))

    def save_for_return(self, target: Path) -> bool:
        """Save a copy of the open book at ``target`` to return to the planning division,
        marked with who saved it and when (the 回収 preview shows it)."""
        from kpidesk.handout import save_for_return

        book = self.session.book
        if book is None:
            return False
        target = with_book_suffix(target)
        try:
            save_for_return(book, target)
        except BookError as error:
            messages.show_error(self.window, f"提出用に保存できませんでした。\n{error}")
            return False
        messages.show_info(
            self.window, f"提出用に保存しました。\n{target}\nこのファイルを企画課に送ってください。"
        )
        self.status(f"提出用に保存しました: {target}")
        return True
