"""The window's questions and messages, in one place (tests replace these functions)."""

from __future__ import annotations

import enum

from PySide6.QtWidgets import QMessageBox, QWidget


class Choice(enum.Enum):
    """An answer to "save changes?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def ask_save_changes(parent: QWidget | None, text: str) -> Choice:
    """保存 / 破棄 / キャンセル."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("変更の保存")
    box.setText(text)
    save = box.addButton("保存(&S)", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("破棄(&D)", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton("キャンセル", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    if clicked is save:
        return Choice.SAVE
    if clicked is discard:
        return Choice.DISCARD
    return Choice.CANCEL


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """はい / いいえ, with いいえ as the default."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def choose(parent: QWidget | None, title: str, text: str, options: list[str]) -> int:
    """Buttons named by ``options`` plus キャンセル; the index chosen, or -1."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    buttons = [box.addButton(option, QMessageBox.ButtonRole.AcceptRole) for option in options]
    cancel = box.addButton("キャンセル", QMessageBox.ButtonRole.RejectRole)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return buttons.index(clicked) if clicked in buttons else -1


def ask_proceed(parent: QWidget | None, title: str, text: str, proceed: str, back: str) -> bool:
    """Two named buttons (``保存する`` / ``戻って直す``); True for the first.

    The second is the default and answers Esc, so nothing goes ahead by accident.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    go = box.addButton(proceed, QMessageBox.ButtonRole.AcceptRole)
    stay = box.addButton(back, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    box.exec()
    return box.clickedButton() is go


def show_error(parent: QWidget | None, text: str) -> None:
    """A failure the user must read."""
    QMessageBox.critical(parent, "KPI Desk", text)


def show_info(parent: QWidget | None, text: str) -> None:
    """Something worth knowing."""
    QMessageBox.information(parent, "KPI Desk", text)
