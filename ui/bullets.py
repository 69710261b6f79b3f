"""A bullet section of the form (取組状況, 課題等, 今後の方向性, 企画課・有識者意見)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kpidesk import editing
from ui import colours
from ui.document import SheetDocument
from ui.font_style import set_font_style


class UndoKeysToWindow(QObject):
    """Lets Ctrl+Z / Ctrl+Y in the form's text fields reach the sheet's undo stack.

    Line and text edits keep an undo history of their own; without this,
    Ctrl+Z would undo inside one field instead of the sheet's last change.
    """

    KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            combination = event.keyCombination().toCombined()
            redo_y = QKeySequence("Ctrl+Y")[0].toCombined()
            if combination == redo_y or any(event.matches(key) for key in self.KEYS):
                event.ignore()
                return True
        return False


#: One filter for every field of the form.
UNDO_KEYS_TO_WINDOW = UndoKeysToWindow()


#: Keys written as the keyboard and Office's help write them.
_KEY_LABELS = {"Return": "Enter", "Up": "↑", "Down": "↓", "Del": "Delete"}


def key_label(sequence: str) -> str:
    """A key sequence as the manual and the tooltips write it (``Ctrl+Enter``, ``Alt+↑``)."""
    text = QKeySequence(sequence).toString(QKeySequence.SequenceFormat.NativeText)
    return "+".join(_KEY_LABELS.get(part, part) for part in text.split("+"))


class GrowingTextEdit(QPlainTextEdit):
    """A paragraph editor that wraps and grows to show all its text.

    Signals:
        focused(): the editor got the keyboard focus.
        add_requested(): Ctrl+Enter: add a paragraph after this one.
        remove_requested(): Alt+Delete: remove this paragraph.
        move_requested(int): Alt+Up (-1) / Alt+Down (+1): move this paragraph.
    """

    focused = Signal()
    add_requested = Signal()
    remove_requested = Signal()
    move_requested = Signal(int)

    #: The paragraph's own keys: (key sequence, what it does, the signal, its argument).
    #: The key handling, the tooltip and ヘルプ → ショートカット一覧 all read this table.
    PARAGRAPH_KEYS: tuple[tuple[str, str, str, int | None], ...] = (
        ("Ctrl+Return", "段落を追加", "add_requested", None),
        ("Alt+Up", "段落を上へ移動", "move_requested", -1),
        ("Alt+Down", "段落を下へ移動", "move_requested", 1),
        ("Alt+Delete", "段落を削除", "remove_requested", None),
    )
    SHORTCUT_HELP = "　".join(f"{key_label(keys)}: {what}" for keys, what, _, _ in PARAGRAPH_KEYS)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        # The sheet's undo stack, not the paragraph's own, answers Ctrl+Z.
        self.setUndoRedoEnabled(False)
        self.installEventFilter(UNDO_KEYS_TO_WINDOW)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(self.SHORTCUT_HELP)
        #: The width the height was last fitted at.
        self._fitted_width = -1
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self.cursorPositionChanged.connect(self._keep_cursor_visible)
        self._fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.isReadOnly():
            super().keyPressEvent(event)
            return
        key, modifiers = event.key(), event.modifiers()
        if key == Qt.Key.Key_Enter:  # the keypad's Enter is Return
            key, modifiers = Qt.Key.Key_Return, modifiers & ~Qt.KeyboardModifier.KeypadModifier
        if key == Qt.Key.Key_Return and modifiers & Qt.KeyboardModifier.ControlModifier:
            modifiers = Qt.KeyboardModifier.ControlModifier  # Ctrl+Shift+Enter adds as well
        pressed = QKeySequence(QKeyCombination.fromCombined(int(key) | modifiers.value))
        for sequence, _, signal, argument in self.PARAGRAPH_KEYS:
            if pressed.matches(QKeySequence(sequence)) == QKeySequence.SequenceMatch.ExactMatch:
                emit = getattr(self, signal).emit
                emit() if argument is None else emit(argument)
                return
        super().keyPressEvent(event)

    def _keep_cursor_visible(self) -> None:
        """While typing near the bottom of the form, scroll so the cursor stays in view."""
        if not self.hasFocus():
            return
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is None or parent.widget() is None:
            return
        rect = self.cursorRect()
        point = self.viewport().mapTo(parent.widget(), rect.center())
        parent.ensureVisible(point.x(), point.y(), 20, rect.height() + 8)

    def set_text_keeping_cursor(self, text: str) -> None:
        """Replace the text (after undo/redo) and keep the cursor where it can be."""
        if self.toPlainText() == text:
            return
        position = self.textCursor().position()
        self.blockSignals(True)
        self.setPlainText(text)
        self.blockSignals(False)
        cursor = self.textCursor()
        cursor.setPosition(min(position, len(text)))
        self.setTextCursor(cursor)
        self._fit()

    def show_text(self, text: str) -> None:
        """Show ``text`` as a paragraph just opened (the cursor at its start; no edit made)."""
        if self.toPlainText() == text:
            cursor = self.textCursor()
            if cursor.position() or cursor.hasSelection():
                cursor.setPosition(0)
                self.blockSignals(True)
                self.setTextCursor(cursor)
                self.blockSignals(False)
            return
        self.blockSignals(True)
        self.setPlainText(text)
        self.blockSignals(False)
        self._fit()

    def fit_to_width(self) -> None:
        """Take the height of the text as wrapped at the present width (if not done yet)."""
        if self._fitted_width != self.width():
            self._fit()

    def _fit(self) -> None:
        self._fitted_width = self.width()
        document = self.document()
        layout = document.documentLayout()
        block = document.firstBlock()
        text_height = 0.0
        while block.isValid():
            text_height += layout.blockBoundingRect(block).height()
            block = block.next()
        text_height = max(text_height, self.fontMetrics().lineSpacing())
        frame = 2 * self.frameWidth()
        self.setFixedHeight(int(text_height + 2 * document.documentMargin()) + frame + 6)
        # Once the form has its new height; by then a paragraph just added or
        # moved has the focus, and the form scrolls to its cursor.
        QTimer.singleShot(0, self, self._keep_cursor_visible)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            # The paragraph re-wraps to the new width after this event.
            QTimer.singleShot(0, self, self.fit_to_width)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit()

    def sizeHint(self) -> QSize:
        return QSize(400, self.height())


def section_heading(text: str) -> QLabel:
    """The bold heading of a box of the form (取組状況, 評価, 推移グラフ)."""
    title = QLabel(text)
    title.setObjectName("sectionHeading")
    set_font_style(title, bold=True)
    return title


class BulletSectionEditor(QFrame):
    """The bullets of one text section, each edited in place.

    Buttons (and Ctrl+Enter, Alt+Delete, Alt+Up/Down in a paragraph) add a
    bullet after the current one, remove it and move it up or down; every
    change is an undo step of the open sheet.

    Signals:
        rebuilt(): the paragraph editors were made anew (tab order must follow).
    """

    rebuilt = Signal()

    def __init__(self, section: str, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.setObjectName(f"section_{section}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._document: SheetDocument | None = None
        self._read_only = False
        self._current = -1
        #: The paragraphs shown, top to bottom (the first of ``_pool``).
        self.editors: list[GrowingTextEdit] = []
        #: Every paragraph editor made, and the row holding each.
        self._pool: list[GrowingTextEdit] = []
        self._rows: list[QWidget] = []

        title = section_heading(heading)
        self.add_button = QPushButton("追加")
        self.add_button.setToolTip(f"{heading}に段落を追加します")
        self.remove_button = QPushButton("削除")
        self.up_button = QPushButton("上へ")
        self.down_button = QPushButton("下へ")
        heading_row = QHBoxLayout()
        heading_row.addWidget(title)
        heading_row.addStretch(1)
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            heading_row.addWidget(button)
        # 追加 stays reachable by Tab, so an empty section can get its first paragraph.
        self.add_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.remove_button.setToolTip("段落を削除します（Alt+Delete）")
        self.up_button.setToolTip("段落を上へ移動します（Alt+↑）")
        self.down_button.setToolTip("段落を下へ移動します（Alt+↓）")
        self.bullet_layout = QVBoxLayout()
        self.bullet_layout.setSpacing(2)
        self.empty_label = QLabel("（段落はありません。「追加」で書き始めます）")
        # Grey, yet readable: the theme's colour for disabled text is not.
        colours.colour_label(self.empty_label, colours.Ink.QUIET)
        layout = QVBoxLayout(self)
        layout.addLayout(heading_row)
        layout.addLayout(self.bullet_layout)
        layout.addWidget(self.empty_label)

        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(1))

    def set_read_only(self, read_only: bool) -> None:
        """Allow or forbid changes to this section's paragraphs."""
        self._read_only = read_only
        self._apply_read_only()

    def _apply_read_only(self) -> None:
        for editor in self._pool:
            if editor.isReadOnly() != self._read_only:
                editor.setReadOnly(self._read_only)
        enabled = self._document is not None and not self._read_only
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            button.setEnabled(enabled)

    def set_document(self, document: SheetDocument | None) -> None:
        """Edit this section of ``document``."""
        if self._document is not None:
            self._document.changed.disconnect(self.on_document_changed)
        self._document = document
        if document is not None:
            document.changed.connect(self.on_document_changed)
        self._current = -1
        self._rebuild()

    def bullets(self) -> list[str]:
        """The section's bullets as the open sheet has them."""
        if self._document is None:
            return []
        return editing.bullets(self._document.sheet, self.section)

    @Slot(str)
    def on_document_changed(self, part: str) -> None:
        if part != self.section:
            return
        texts = self.bullets()
        if len(texts) != len(self.editors):
            self._rebuild()
            return
        for editor, text in zip(self.editors, texts, strict=True):
            editor.set_text_keeping_cursor(text)

    def _rebuild(self) -> None:
        """Show the section's paragraphs afresh (another sheet, or a paragraph added or removed).

        The paragraph editors are kept and reused: only their text is set, and
        editors are made when a sheet has more paragraphs than any before (the
        ones not needed are hidden, nameless, until a sheet needs them again).
        """
        had_focus = any(editor.hasFocus() for editor in self.editors)
        texts = self.bullets()
        while len(self._pool) < len(texts):
            self._make_editor(len(self._pool))
        shown_before = len(self.editors)
        for index, (row, editor) in enumerate(zip(self._rows, self._pool, strict=True)):
            if index < len(texts):
                editor.show_text(texts[index])
                editor.setObjectName(f"{self.section}_{index}")
                if row.isHidden():
                    row.show()
            elif not row.isHidden():
                # Hidden first: a paragraph that had the focus hands it on as before.
                row.hide()
                editor.setObjectName("")
                editor.show_text("")
        self.editors = self._pool[: len(texts)]
        self.empty_label.setVisible(not self.editors)
        self._apply_read_only()
        if self.editors:
            self._current = min(max(self._current, 0), len(self.editors) - 1)
            if had_focus:
                self.editors[self._current].setFocus()
        else:
            self._current = -1
        if len(self.editors) != shown_before:
            self.rebuilt.emit()

    def lay_out_now(self) -> None:
        """Lay out the shown paragraphs, then the section (see ``SheetForm._layout_once``).

        Twice when a paragraph's width changed (one shown for the first time):
        it wraps to its height only once it has its width.
        """
        rows = self._rows[: len(self.editors)]
        for row in rows:
            row.layout().activate()
        self.layout().activate()
        for editor in self.editors:
            editor.fit_to_width()
        for row in rows:
            row.layout().activate()
        self.layout().activate()

    def _make_editor(self, index: int) -> None:
        """Make the row (bullet mark and editor) of paragraph ``index``, hidden."""
        row = QWidget()
        row.hide()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        mark = QLabel("・")
        mark.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        editor = GrowingTextEdit()
        editor.setReadOnly(self._read_only)
        editor.textChanged.connect(lambda i=index: self.on_editor_text_changed(i))
        editor.focused.connect(lambda i=index: self._set_current(i))
        editor.add_requested.connect(self.on_add_button_clicked)
        editor.remove_requested.connect(self.on_remove_button_clicked)
        editor.move_requested.connect(self.move_current)
        row_layout.addWidget(mark)
        row_layout.addWidget(editor, 1)
        self.bullet_layout.addWidget(row)
        self._rows.append(row)
        self._pool.append(editor)

    def _set_current(self, index: int) -> None:
        self._current = index

    def on_editor_text_changed(self, index: int) -> None:
        if self._document is None or self._read_only or index >= len(self.editors):
            return
        text = self.editors[index].toPlainText()
        self._document.edit(
            f"{self._heading()} {index + 1}段落目の変更",
            lambda sheet: editing.bullets(sheet, self.section).__setitem__(index, text),
            merge_key=f"{self.section}:{index}",
        )

    def _heading(self) -> str:
        label = self.findChild(QLabel, "sectionHeading")
        return label.text() if label is not None else self.section

    @Slot()
    def on_add_button_clicked(self) -> None:
        """Add an empty bullet after the paragraph being edited (at the end when none of
        this section's is) and start typing in it."""
        if self._document is None:
            return
        editing_one = 0 <= self._current < len(self.editors) and any(
            editor.hasFocus() for editor in self.editors
        )
        at = self._current + 1 if editing_one else len(self.editors)
        self._document.edit(
            f"{self._heading()}に段落を追加",
            lambda sheet: editing.bullets(sheet, self.section).insert(at, ""),
        )
        self._current = at
        if at < len(self.editors):
            self.editors[at].setFocus()

    @Slot()
    def on_remove_button_clicked(self) -> None:
        """Remove the current bullet."""
        index = self._current
        if self._document is None or not 0 <= index < len(self.editors):
            return
        had_focus = any(editor.hasFocus() for editor in self.editors)
        self._document.edit(
            f"{self._heading()} {index + 1}段落目の削除",
            lambda sheet: editing.bullets(sheet, self.section).pop(index),
        )
        if had_focus and self.editors:
            self.editors[min(index, len(self.editors) - 1)].setFocus()
        elif had_focus:
            self.add_button.setFocus()

    def move_current(self, step: int) -> None:
        """Move the current bullet up (-1) or down (+1)."""
        index, to = self._current, self._current + step
        if self._document is None or not (
            0 <= index < len(self.editors) and 0 <= to < len(self.editors)
        ):
            return
        self._document.edit(
            f"{self._heading()}の段落の移動",
            lambda sheet: editing.move_item(editing.bullets(sheet, self.section), index, to),
        )
        self._current = to
        self.editors[to].setFocus()
