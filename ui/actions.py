"""Every action of the main window, declared once and keyed by an enum.

A factory per action sets its text, shortcut, tip and icon; the window
connects each to its handler in one table (``MainWindow._action_handlers``)
and builds the menus and the toolbar from the enum.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QStyle, QWidget


class Action(enum.Enum):
    """The main window's actions."""

    NEW_BOOK = "new_book"
    OPEN_BOOK = "open_book"
    SAVE_BOOK_AS = "save_book_as"
    SAVE = "save"
    IMPORT_TEXT = "import_text"
    IMPORT_JSON = "import_json"
    EXPORT_JSON = "export_json"
    EXPORT_PDF = "export_pdf"
    EXPORT_XLSX = "export_xlsx"
    EXPORT_XLSX_DEPARTMENTS = "export_xlsx_departments"
    IMPORT_XLSX = "import_xlsx"
    EXCEL_TEMPLATE = "excel_template"
    RESTORE_BACKUP = "restore_backup"
    PRINT = "print"
    PRINT_PREVIEW = "print_preview"
    QUIT = "quit"
    UNDO = "undo"
    REDO = "redo"
    CUT = "cut"
    COPY = "copy"
    PASTE = "paste"
    SELECT_ALL = "select_all"
    FIND = "find"
    FIND_REPLACE = "find_replace"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    ZOOM_RESET = "zoom_reset"
    NEW_SHEET = "new_sheet"
    DUPLICATE_SHEET = "duplicate_sheet"
    DELETE_SHEET = "delete_sheet"
    TRASH = "trash"
    HISTORY = "history"
    EXPORT_SUMMARY = "export_summary"
    EVALUATION_SETTINGS = "evaluation_settings"
    SUMMARY = "summary"
    ROLLOVER = "rollover"
    LOCK_YEAR = "lock_year"
    UNLOCK_YEAR = "unlock_year"
    DISTRIBUTE = "distribute"
    COLLECT = "collect"
    SUBMISSION_STATUS = "submission_status"
    TOGGLE_LIST = "toggle_list"
    MANUAL = "manual"
    SHORTCUTS = "shortcuts"
    MANUAL_PDF = "manual_pdf"
    ABOUT = "about"


@dataclass(frozen=True)
class _Spec:
    text: str
    tip: str
    shortcut: QKeySequence.StandardKey | tuple[str, ...] | str | None = None
    icon: QStyle.StandardPixmap | None = None
    role: QAction.MenuRole | None = None
    checkable: bool = False


_SPECS: dict[Action, _Spec] = {
    Action.NEW_BOOK: _Spec("新規ブック(&B)…", "新しい空のブックを作ります", "Ctrl+Shift+N"),
    Action.OPEN_BOOK: _Spec(
        "開く(&O)…", "ブックを開きます", QKeySequence.StandardKey.Open,
        QStyle.StandardPixmap.SP_DialogOpenButton,
    ),
    Action.SAVE_BOOK_AS: _Spec(
        "名前を付けて保存(&A)…", "ブックのコピーを別の名前で保存し、そちらを開きます",
        QKeySequence.StandardKey.SaveAs,
    ),
    Action.SAVE: _Spec(
        "上書き保存(&S)", "表示中のシートを保存します", QKeySequence.StandardKey.Save,
        QStyle.StandardPixmap.SP_DialogSaveButton,
    ),
    Action.IMPORT_TEXT: _Spec(
        "テキストから取り込み(&T)…", "公表されたシートのテキストを取り込みます"
    ),
    Action.IMPORT_JSON: _Spec("JSONから取り込み(&J)…", "KPI Desk のJSONを取り込みます"),
    Action.EXPORT_JSON: _Spec("JSONに書き出し(&E)…", "一覧に表示中のシートをJSONに書き出します"),
    Action.EXPORT_PDF: _Spec(
        "PDFに書き出し(&F)…", "シートを別記様式2のPDFに書き出します", "Ctrl+Shift+E",
    ),
    Action.EXPORT_XLSX: _Spec(
        "Excelに書き出し(&W)…", "シートを別記様式2のExcelブックに書き出します", "Ctrl+Shift+X",
    ),
    Action.EXPORT_XLSX_DEPARTMENTS: _Spec(
        "担当課ごとにExcelに書き出し(&D)…", "担当課ごとに1つずつExcelブックを書き出します",
    ),
    Action.IMPORT_XLSX: _Spec(
        "Excelから取り込み(&L)…", "別記様式2の形のExcelブックを取り込みます",
    ),
    Action.EXCEL_TEMPLATE: _Spec(
        "Excelのテンプレート(&M)…", "Excelに書き出すときのテンプレートを選びます",
    ),
    Action.RESTORE_BACKUP: _Spec(
        "バックアップから復元(&K)…", "自動で取ったバックアップからブックを復元します",
    ),
    Action.PRINT: _Spec(
        "印刷(&P)…", "シートを印刷します", QKeySequence.StandardKey.Print,
    ),
    Action.PRINT_PREVIEW: _Spec(
        "印刷プレビュー(&V)…", "印刷されるページを確かめます", "Ctrl+Shift+P",
    ),
    Action.QUIT: _Spec(
        "終了(&X)", "KPI Desk を終了します", QKeySequence.StandardKey.Quit,
        role=QAction.MenuRole.QuitRole,
    ),
    Action.UNDO: _Spec("元に戻す(&U)", "直前の変更を取り消します", QKeySequence.StandardKey.Undo),
    # Ctrl+Y as on Windows and Ctrl+Shift+Z as elsewhere, each once: the
    # platform's StandardKey.Redo may hold Ctrl+Y too, which Qt then finds
    # ambiguous and ignores.
    Action.REDO: _Spec("やり直し(&R)", "取り消した変更をやり直します", ("Ctrl+Y", "Ctrl+Shift+Z")),
    Action.CUT: _Spec(
        "切り取り(&T)", "選んだ文字やセルを切り取ります", QKeySequence.StandardKey.Cut,
    ),
    Action.COPY: _Spec(
        "コピー(&C)", "選んだ文字やセルをコピーします（セルはExcelに貼り付けられる形で）",
        QKeySequence.StandardKey.Copy,
    ),
    Action.PASTE: _Spec(
        "貼り付け(&P)", "コピーした文字を貼り付けます（Excelのセルは表の現在のセルから）",
        QKeySequence.StandardKey.Paste,
    ),
    Action.SELECT_ALL: _Spec(
        "すべて選択(&A)", "入力欄の文字、または値の表のすべてのセルを選びます",
        QKeySequence.StandardKey.SelectAll,
    ),
    Action.FIND: _Spec("検索(&F)", "検索欄へ移ります", QKeySequence.StandardKey.Find),
    Action.FIND_REPLACE: _Spec(
        "検索と置換(&H)…", "開いているシートかブック全体で文字を探し、確かめてから置き換えます",
        "Ctrl+H",
    ),
    Action.ZOOM_IN: _Spec(
        "拡大(&I)", "フォームと一覧の文字を大きくします", ("Ctrl++", "Ctrl+="),
    ),
    Action.ZOOM_OUT: _Spec("縮小(&O)", "フォームと一覧の文字を小さくします", "Ctrl+-"),
    Action.ZOOM_RESET: _Spec("100%(&R)", "フォームと一覧の文字を元の大きさに戻します", "Ctrl+0"),
    Action.NEW_SHEET: _Spec(
        "新しいシート(&N)…", "新しいシートを作ります", QKeySequence.StandardKey.New,
        QStyle.StandardPixmap.SP_FileIcon,
    ),
    Action.DUPLICATE_SHEET: _Spec("シートを複製(&D)…", "表示中のシートを別の No で複製します"),
    Action.DELETE_SHEET: _Spec(
        "シートを削除(&L)…", "表示中のシートを削除します", None,
        QStyle.StandardPixmap.SP_TrashIcon,
    ),
    Action.TRASH: _Spec(
        "削除したシート(&T)…", "削除したシートを一覧し、元に戻すか完全に削除します",
    ),
    Action.HISTORY: _Spec(
        "履歴(&H)…", "表示中のシートの保存履歴を見比べ、以前の版に戻します", "Ctrl+Shift+H",
    ),
    Action.EXPORT_SUMMARY: _Spec(
        "評価一覧をExcelに書き出し(&I)…",
        "ブック全体の最新実績・目標値・達成率・評価の一覧をExcelに書き出します",
    ),
    Action.EVALUATION_SETTINGS: _Spec(
        "評価の設定(&E)…", "評価の基準（達成率・進捗率）、しきい値、記号、端数処理を設定します",
    ),
    Action.SUMMARY: _Spec(
        "総括(&S)…",
        "報告年度の評価の集計（全体・施策別・担当課別）とグラフを表示し、PDFに保存・印刷します",
    ),
    Action.ROLLOVER: _Spec(
        "年度更新(&Y)…", "今年度のシートから次の報告年度のシートを作り、今年度をロックします",
    ),
    Action.LOCK_YEAR: _Spec(
        "報告年度をロック(&L)…", "表示中の報告年度のシートを変更できないようにします",
    ),
    Action.UNLOCK_YEAR: _Spec(
        "報告年度のロックを解除(&U)…", "ロックした報告年度のシートを再び変更できるようにします",
    ),
    Action.DISTRIBUTE: _Spec(
        "配布(&H)…", "担当課ごとに、その課のシートだけのブックを書き出します",
    ),
    Action.COLLECT: _Spec(
        "回収(&C)…", "担当課から戻ったブックを、企画課の変更と突き合わせて取り込みます",
    ),
    Action.SUBMISSION_STATUS: _Spec(
        "提出状況(&T)…", "担当課ごとの配布・回収の状況を表示します",
    ),
    Action.TOGGLE_LIST: _Spec(
        "シート一覧(&L)", "左のシート一覧をたたんで、フォームを広く使います（F9 で切り替え）",
        "F9", checkable=True,
    ),
    Action.MANUAL: _Spec(
        "操作マニュアル(&M)", "操作マニュアルを開きます（画面ごとの説明は F1）",
        QKeySequence.StandardKey.HelpContents,
    ),
    Action.SHORTCUTS: _Spec("ショートカット一覧(&K)", "キー操作の一覧を表示します"),
    Action.MANUAL_PDF: _Spec(
        "マニュアルをPDFに保存(&P)…", "操作マニュアルを印刷用のPDFに保存します",
    ),
    Action.ABOUT: _Spec(
        "バージョン情報(&A)…", "版と使っているフォント・ライブラリのライセンス",
        role=QAction.MenuRole.AboutRole,
    ),
}  # fmt: skip

#: Menus in order: (title, actions; None is a separator).
MENUS: tuple[tuple[str, tuple[Action | None, ...]], ...] = (
    ("ファイル(&F)", (
        Action.NEW_BOOK, Action.OPEN_BOOK, Action.SAVE, Action.SAVE_BOOK_AS,
        Action.RESTORE_BACKUP, None,
        Action.IMPORT_TEXT, Action.IMPORT_JSON, Action.IMPORT_XLSX, None,
        Action.EXPORT_JSON, Action.EXPORT_PDF, Action.EXPORT_XLSX, Action.EXPORT_XLSX_DEPARTMENTS,
        Action.EXPORT_SUMMARY,
        Action.EXCEL_TEMPLATE, None,
        Action.PRINT_PREVIEW, Action.PRINT, None, Action.QUIT,
    )),
    ("編集(&E)", (
        Action.UNDO, Action.REDO, None,
        Action.CUT, Action.COPY, Action.PASTE, Action.SELECT_ALL, None, Action.FIND,
        Action.FIND_REPLACE,
    )),
    ("表示(&V)", (Action.ZOOM_IN, Action.ZOOM_OUT, Action.ZOOM_RESET, None, Action.TOGGLE_LIST)),
    ("シート(&S)", (
        Action.NEW_SHEET, Action.DUPLICATE_SHEET, Action.DELETE_SHEET, Action.TRASH, None,
        Action.HISTORY,
    )),
    ("ブック(&K)", (
        Action.EVALUATION_SETTINGS, Action.SUMMARY, None,
        Action.ROLLOVER, Action.LOCK_YEAR, Action.UNLOCK_YEAR, None,
        Action.DISTRIBUTE, Action.COLLECT, Action.SUBMISSION_STATUS,
    )),
    ("ヘルプ(&H)", (Action.MANUAL, Action.SHORTCUTS, Action.MANUAL_PDF, None, Action.ABOUT)),
)  # fmt: skip

TOOLBAR: tuple[Action | None, ...] = (
    Action.NEW_SHEET, Action.SAVE, None, Action.UNDO, Action.REDO, None, Action.PRINT,
    Action.EXPORT_PDF, None, Action.DELETE_SHEET,
)  # fmt: skip

#: The menu after which "recent books" is inserted.
RECENT_AFTER = Action.SAVE_BOOK_AS


#: The planning division's tools, of no use in a book handed out to a department.
PLANNING_ONLY = (
    Action.DISTRIBUTE, Action.COLLECT, Action.SUBMISSION_STATUS,
    Action.ROLLOVER, Action.LOCK_YEAR, Action.UNLOCK_YEAR,
)  # fmt: skip


def explain_off(action: QAction, key: Action, reason: str) -> None:
    """Say ``reason`` in the status and tool tips of ``action`` (``key``): why it is
    off; "" puts back its own tips."""
    spec = _SPECS[key]
    tip = reason or spec.tip
    action.setStatusTip(tip)
    action.setToolTip(spec.text.split("(")[0] + (f"（{tip}）" if tip else ""))


def shortcuts(key: Action) -> list[QKeySequence]:
    """The key sequences of the action ``key`` (none, one or several)."""
    shortcut = _SPECS[key].shortcut
    if isinstance(shortcut, QKeySequence.StandardKey):
        return QKeySequence.keyBindings(shortcut)
    if isinstance(shortcut, tuple):
        return [QKeySequence(text) for text in shortcut]
    return [QKeySequence(shortcut)] if shortcut else []


def create_action(key: Action, parent: QWidget, triggered: Callable[[], object]) -> QAction:
    """Make the action ``key`` with its text, shortcut, tip and icon."""
    spec = _SPECS[key]
    action = QAction(spec.text, parent)
    action.setObjectName(f"action_{key.value}")
    explain_off(action, key, "")
    if isinstance(spec.shortcut, QKeySequence.StandardKey):
        action.setShortcuts(spec.shortcut)
    else:
        action.setShortcuts(shortcuts(key))
    if spec.icon is not None:
        action.setIcon(parent.style().standardIcon(spec.icon))
    else:
        action.setIcon(QIcon())
    if spec.role is not None:
        action.setMenuRole(spec.role)
    if key in STEP_ACTIONS:
        action.setIconText(STEP_ACTIONS[key])
    action.setCheckable(spec.checkable)
    action.triggered.connect(triggered)
    return action


#: Actions whose toolbar button keeps a short fixed label while the menu names the step.
STEP_ACTIONS = {Action.UNDO: "元に戻す", Action.REDO: "やり直し"}


def name_step(action: QAction, key: Action, step: str) -> None:
    """Name the step that undo or redo would take (``step``, "" for none).

    The menu item says it (「元に戻す(&U) 入力」, as Office does), and so do the
    tooltip and the status bar; the toolbar button keeps its short label so
    that the toolbar does not jump while typing.
    """
    spec, label = _SPECS[key], STEP_ACTIONS[key]
    action.setText(f"{spec.text} {step}".strip())
    action.setIconText(label)
    tip = f"{label}: {step}" if step else spec.tip
    action.setToolTip(f"{label}（{step}）" if step else f"{label}（{spec.tip}）")
    action.setStatusTip(tip)


def spec_text(key: Action) -> str:
    """The menu text of the action ``key`` (with its mnemonic, as ``上書き保存(&S)``)."""
    return _SPECS[key].text
