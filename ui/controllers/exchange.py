"""Exchange: imports (text, JSON, Excel), exports (JSON, Excel, the 評価一覧) and the template."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog

from kpidesk import compare, eras, file_names, operations
from kpidesk.book.errors import BookError, StaleRevisionError, YearLockedError
from kpidesk.collect_excel import mark_of_book
from kpidesk.evaluation import EvaluationSettings
from kpidesk.exchange import (
    evaluation_workbook,
    excel_fit,
    excel_template,
    excel_writer,
    handout_workbook,
    jsonio,
    textimport,
    xlsx_safety,
)
from kpidesk.fileio import OutputError, atomic_output, write_bytes_atomic
from kpidesk.model import Sheet
from ui.controllers.base import JSON_FILTER, TEXT_FILTER, XLSX_FILTER, Controller
from ui.dialogs import exported, import_preview, messages, progress
from ui.dialogs.scope import Scope

#: At most this many unreadable lines are listed in the message.
MAX_LISTED_PROBLEMS = 10


class Exchange(Controller):
    """Sheets in and out of the book."""

    # --- imports

    def _ask_source(self, title: str, filter_: str) -> Path | None:
        if self.session.book is None:
            return None
        name, _ = QFileDialog.getOpenFileName(
            self.window, title, str(self.dialog_folder()), filter_
        )
        return Path(name) if name else None

    @Slot()
    def ask_import_text(self) -> None:
        path = self._ask_source("テキストから取り込み", TEXT_FILTER)
        if path is not None:
            self.import_text(path)

    @Slot()
    def ask_import_json(self) -> None:
        path = self._ask_source("JSONから取り込み", JSON_FILTER)
        if path is not None:
            self.import_json(path)

    @Slot()
    def ask_import_xlsx(self) -> None:
        path = self._ask_source("Excelから取り込み", XLSX_FILTER)
        if path is not None:
            self.import_xlsx(path)

    def import_text(self, path: Path) -> int:
        """Import published sheet text; return how many sheets were imported."""
        try:
            result = textimport.read_file(path)
        except (textimport.TextImportError, OSError) as error:
            messages.show_error(self.window, f"取り込めません: {path}\n{error}")
            return 0
        problems = result.problems
        if problems:
            listed = "\n".join(str(problem) for problem in problems[:MAX_LISTED_PROBLEMS])
            more = len(problems) - MAX_LISTED_PROBLEMS
            messages.show_error(
                self.window,
                f"取り込めない行が{len(problems)}行あるため、何も取り込みませんでした: "
                f"{path}\n\n{listed}" + (f"\nほか{more}行" if more > 0 else ""),
            )
            return 0
        return self.import_sheets(result.sheets, path, keep_row_settings=True)

    def import_json(self, path: Path) -> int:
        """Import interchange JSON; return how many sheets were imported."""
        try:
            sheets = jsonio.read_file(path)
        except (jsonio.JsonFormatError, OSError) as error:
            messages.show_error(self.window, f"取り込めません: {path}\n{error}")
            return 0
        if not sheets:
            messages.show_error(self.window, f"JSONにシートがありません: {path}")
            return 0
        return self.import_sheets(sheets, path)

    def import_xlsx(self, path: Path) -> int:
        """Import a workbook in the template's shape; return how many sheets were imported.

        A workbook handed out from this book (配布) can be collected instead
        (回収), which compares it three ways; the user is asked.
        """
        try:
            mark_text, sheets = handout_workbook.read_handout_workbook(path)
        except (xlsx_safety.ExcelError, OSError) as error:
            messages.show_error(self.window, f"取り込めません: {path}\n{error}")
            return 0
        book = self.session.book
        mark = None if book is None else mark_of_book(mark_text, book)
        if mark is not None:
            choice = messages.choose(
                self.window,
                "Excelから取り込み",
                f"{path.name} は、このブックから{mark.department or '担当課なし'}に"
                "配布したファイルです。\n「回収として取り込む」と、配布した後の元のブックの変更と"
                "比べて、両方で変わったシートを競合として示します（上書きしません）。"
                "「通常の取り込み」は、ほかのExcelのブックと同じように取り込みます。",
                ["回収として取り込む", "通常の取り込み"],
            )
            if choice < 0:
                return 0
            if choice == 0:
                if not self.session.maybe_save():
                    return 0
                return self.window.cycle.preview_and_collect([path])
        return self.import_sheets(sheets, path, keep_row_settings=True)

    def import_sheets(
        self, sheets: list[Sheet], source: Path, *, keep_row_settings: bool = False
    ) -> int:
        """Preview, then import what differs (:func:`kpidesk.operations.import_sheets`).

        Returns:
            How many sheets were written.
        """
        session = self.session
        book = session.book
        assert book is not None
        if not session.maybe_save():
            return 0
        try:
            plans = operations.plan_import(book, sheets, keep_row_settings=keep_row_settings)
            locked = operations.locked_year_of(book, plans)
            if locked is not None:  # said before the preview, not after the user has read it
                raise YearLockedError(locked)
            if not import_preview.confirm_import(self.window, plans, source.name):
                return 0
            if all(plan.status is compare.Status.SAME for plan in plans):
                self.status(f"{source.name}: ブックと同じ内容のため、何も変わりませんでした")
                return 0
            changed = sum(plan.status is not compare.Status.SAME for plan in plans)
            notes: list[str] = []
            with progress.progress(
                self.window, f"{source.name} から{changed}件を取り込んでいます…"
            ) as report:
                # Only what the preview showed as new or changed is written, and
                # only if none of those sheets changed in the book since the preview.
                written = operations.import_sheets(
                    book,
                    plans,
                    only_changed=True,
                    replace=True,
                    progress=report,
                    keep_backups=self.window.settings.backups_keep,
                    notes=notes,
                )
        except progress.Cancelled:
            self.status("取り込みを取り消しました（何も変わっていません）", 0)
            return 0
        except YearLockedError as error:
            messages.show_error(self.window, f"取り込めません: {source.name}\n{error}")
            return 0
        except StaleRevisionError:
            messages.show_error(
                self.window,
                "確認の後に、取り込むシートのどれかが別の場所で変更されました。"
                "何も取り込んでいません。もう一度取り込んで、変更を確かめてください。",
            )
            return 0
        except BookError as error:
            messages.show_error(
                self.window, f"取り込めませんでした（何も変わっていません）。\n{error}"
            )
            return 0
        session.reload_list()
        self.status_with_notes(f"{len(written)}件のシートを取り込みました: {source.name}", notes)
        return len(written)

    # --- exports

    @Slot()
    def ask_export_json(self) -> None:
        if self.session.book is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self.window, "JSONに書き出し", str(self.dialog_folder() / "kpi_sheets.json"),
            JSON_FILTER,
        )  # fmt: skip
        if name:
            self.export_json(Path(name))

    def export_json(self, path: Path) -> int:
        """Write the sheets the list shows to ``path``; return how many."""
        session = self.session
        assert session.book is not None
        if not session.maybe_save():
            return 0
        book = session.book
        sheets = [
            book.get_sheet(sheet_id) for sheet_id in self.window.list_panel.visible_sheet_ids()
        ]
        try:
            write_bytes_atomic(path, jsonio.dumps(sheets).encode("utf-8"))
        except OutputError as error:
            messages.show_error(self.window, str(error))
            return 0
        self.status(f"{len(sheets)}件のシートを書き出しました: {path}")
        exported.show_written(
            self.window, f"{len(sheets)}件のシートをJSONに書き出しました。\n{path}",
            file=path, folder=path.parent,
        )  # fmt: skip
        return len(sheets)

    def _ask_output(self, title: str, sheets: list[Sheet]) -> Path | None:
        default = file_names.export_file_name([sheet.no for sheet in sheets], ".xlsx")
        name, _ = QFileDialog.getSaveFileName(
            self.window, title, str(self.dialog_folder() / default), XLSX_FILTER
        )
        return Path(name) if name else None

    @Slot()
    def ask_export_xlsx(self) -> None:
        sheets = self.window.printing.choose_sheets("Excelに書き出し")
        if not sheets:
            return
        path = self._ask_output("Excelに書き出し", sheets)
        if path is not None:
            self.export_xlsx(sheets, path)

    def cuts_accepted(self, sheets: list[Sheet]) -> int | None:
        """Before an Excel export: say which sheets' boxes will be cut (続ける / やめる).

        Returns:
            How many boxes will be cut (0: none) when the export goes on; None
            when the user chose やめる. A template that cannot be used is left
            for the export to report.
        """
        try:
            cuts = excel_fit.cut_texts(sheets, self.excel_template())
        except xlsx_safety.ExcelError:
            return 0
        if not cuts:
            return 0
        listed = "\n".join(f"・{cut}" for cut in cuts[:MAX_LISTED_PROBLEMS])
        if len(cuts) > MAX_LISTED_PROBLEMS:
            listed += f"\nほか {len(cuts) - MAX_LISTED_PROBLEMS}件"
        going_on = messages.ask_proceed(
            self.window,
            "Excelで切れる文字",
            "次の欄は、Excelの行の高さの上限（409ポイント）を超えるため、"
            f"書き出すと途中から先が表示されません（文字はセルに残ります）。\n{listed}\n\n"
            "PDFでは全文が次のページに続きます。",
            "続ける",
            "やめる",
        )
        return len(cuts) if going_on else None

    @staticmethod
    def _cut_note(cuts: int) -> str:
        """A line for the message after the export, so the cut is not forgotten."""
        return f"\n（{cuts}か所の欄は、Excelでは途中までしか表示されません）" if cuts else ""

    def export_xlsx(self, sheets: list[Sheet], path: Path) -> int:
        """Write ``sheets`` into one workbook at ``path``; return the sheets written (0: none)."""
        cuts = self.cuts_accepted(sheets)
        if cuts is None:
            return 0
        try:
            with (
                progress.progress(
                    self.window, f"{len(sheets)}件のシートをExcelに書き出しています…"
                ) as report,
                atomic_output(path) as stream,
            ):
                count = excel_writer.export_workbook(
                    sheets,
                    stream,
                    template=self.excel_template(),
                    progress=report,
                    settings=self._evaluation_settings(),
                )
        except progress.Cancelled:
            self.status("Excelへの書き出しを取り消しました")
            return 0
        except (xlsx_safety.ExcelError, OSError) as error:
            messages.show_error(self.window, f"Excelに書き出せませんでした。\n{error}")
            return 0
        self.status(f"{count}件のシートをExcelに書き出しました: {path}")
        written = f"{count}件のシートをExcelに書き出しました。\n{path}{self._cut_note(cuts)}"
        exported.show_written(self.window, written, file=path, folder=path.parent)
        return count

    @Slot()
    def ask_export_xlsx_by_department(self) -> None:
        printing = self.window.printing
        sheets = printing.choose_sheets("担当課ごとにExcelに書き出し")
        if not sheets:
            return
        folder = QFileDialog.getExistingDirectory(
            self.window, "書き出すフォルダ", str(self.dialog_folder())
        )
        if not folder:
            return
        scope, department = printing.last_scope
        departments = {department} if scope is Scope.DEPARTMENT else None
        self.export_xlsx_by_department(sheets, Path(folder), departments=departments)

    def export_xlsx_by_department(
        self, sheets: list[Sheet], folder: Path, *, departments: set[str] | None = None
    ) -> list[Path]:
        """One workbook per department in ``folder``; return the files written.

        With ``departments``, only those departments' workbooks are written (a
        sheet shared with another department does not make that one's file).
        Existing files are replaced only after the user agrees.
        """
        cuts = self.cuts_accepted(sheets)
        if cuts is None:
            return []
        try:
            files = excel_writer.department_files(sheets, folder, departments=departments)
        except OSError as error:
            messages.show_error(self.window, f"Excelに書き出せませんでした。\n{error}")
            return []
        existing = sorted(name for name in files.values() if (folder / name).exists())
        if existing and not messages.confirm(
            self.window,
            "担当課ごとにExcelに書き出し",
            "次のファイルは既にあります。置き換えますか？\n" + "\n".join(existing),
        ):
            return []
        try:
            with progress.progress(self.window, "担当課ごとにExcelに書き出しています…") as report:
                paths = excel_writer.export_by_department(
                    sheets,
                    folder,
                    template=self.excel_template(),
                    progress=report,
                    departments=departments,
                    settings=self._evaluation_settings(),
                )
        except progress.Cancelled:
            self.status("Excelへの書き出しを取り消しました")
            return []
        except (xlsx_safety.ExcelError, OSError) as error:
            messages.show_error(self.window, f"Excelに書き出せませんでした。\n{error}")
            return []
        self.status(f"{len(paths)}個のExcelブックを書き出しました: {folder}")
        exported.show_written(
            self.window,
            f"担当課ごとに{len(paths)}個のExcelブックを書き出しました。\n{folder}"
            + self._cut_note(cuts),
            folder=folder,
        )  # fmt: skip
        renamed = file_names.renamed_departments(files)
        if renamed:
            messages.show_info(
                self.window,
                "次の担当課は、名前が長いか、ファイル名に使えない文字を含むか、"
                "ほかの担当課と同じファイル名になるため、ファイル名を変えて書き出しました。\n"
                + "\n".join(renamed),
            )
        return paths

    @Slot()
    def ask_export_evaluation_table(self) -> None:
        if self.session.book is None:
            return
        year = self.window.list_panel.report_year()
        default = f"評価一覧_{eras.short_label(year)}.xlsx" if year is not None else "評価一覧.xlsx"
        name, _ = QFileDialog.getSaveFileName(
            self.window, "評価一覧をExcelに書き出し", str(self.dialog_folder() / default),
            XLSX_FILTER,
        )  # fmt: skip
        if name:
            self.export_evaluation_table(Path(name), report_year=year)

    def export_evaluation_table(self, path: Path, *, report_year: int | None) -> int:
        """Write the 評価一覧 workbook to ``path``; return the value rows written (0: none).

        It covers every sheet of ``report_year`` in the book, whatever
        department the list shows (None: every report year, with a 年度 column);
        the menu passes the list's report year. The open sheet is used as it
        stands in the form, unsaved edits included, as in the other exports.
        Ranks and rounding follow the book's evaluation settings. The file is
        written under a temporary name and moved into place, so a cancel or a
        failure leaves nothing behind.
        """
        session = self.session
        book = session.book
        assert book is not None
        sheets = book.list_sheets(report_year=report_year)
        if session.document is not None:
            edited = session.document.sheet
            sheets = [edited if sheet.id == edited.id else sheet for sheet in sheets]
        if not sheets:
            year = eras.kanji_label(report_year) if report_year is not None else "ブック"
            messages.show_error(
                self.window, f"{year}のシートがないため、評価一覧を書き出せません。"
            )
            return 0
        try:
            with (
                progress.progress(
                    self.window, f"{len(sheets)}件のシートの評価一覧を書き出しています…"
                ) as report,
                atomic_output(path) as stream,
            ):
                count = evaluation_workbook.export_evaluation_table(
                    sheets,
                    stream,
                    settings=book.evaluation_settings(),
                    book_name=session.book_name(),
                    progress=report,
                )
        except progress.Cancelled:
            self.status("評価一覧の書き出しを取り消しました")
            return 0
        except (xlsx_safety.ExcelError, OSError) as error:
            messages.show_error(self.window, f"評価一覧をExcelに書き出せませんでした。\n{error}")
            return 0
        self.status(f"{len(sheets)}件のシート（{count}行）の評価一覧を書き出しました: {path}")
        exported.show_written(
            self.window, f"{len(sheets)}件のシートの評価一覧を書き出しました。\n{path}",
            file=path, folder=path.parent,
        )  # fmt: skip
        return count

    # --- the template

    def _evaluation_settings(self) -> EvaluationSettings | None:
        book = self.session.book
        return book.evaluation_settings() if book is not None else None

    def excel_template(self) -> Path | None:
        """The user's chosen template, or None for the bundled one."""
        chosen = self.window.settings.excel_template
        return Path(chosen) if chosen else None

    @Slot()
    def ask_excel_template(self) -> None:
        current = self.excel_template()
        shown = str(current) if current is not None else "同梱の別記様式2"
        choice = messages.choose(
            self.window,
            "Excelのテンプレート",
            f"Excelに書き出すときのテンプレート: {shown}",
            ["別のテンプレートを選ぶ…", "同梱のテンプレートに戻す"],
        )
        if choice == 1:
            self.window.settings.excel_template = ""
            return
        if choice != 0:
            return
        name, _ = QFileDialog.getOpenFileName(
            self.window, "Excelのテンプレート", str(self.dialog_folder()), XLSX_FILTER
        )
        if name:
            self.set_excel_template(Path(name))

    def set_excel_template(self, path: Path) -> bool:
        """Use ``path`` as the template from now on, if it has every required name."""
        try:
            excel_template.check_template(path)
        except xlsx_safety.ExcelError as error:
            messages.show_error(self.window, f"このテンプレートは使えません。\n{error}")
            return False
        self.window.settings.excel_template = str(path)
        self.status(f"Excelのテンプレート: {path}")
        return True
