"""年度更新…: which report year to roll over from and to, and what it will make."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from kpidesk import eras
from kpidesk.model import no_sort_key
from ui import colours, geometry

#: How many years ahead the new report year may be chosen.
YEARS_AHEAD = 5
#: The most Nos named when the new year already has some of them.
MAX_LISTED_NOS = 10


class RolloverDialog(QDialog):
    """Asks the report year to roll over from and the new one, and says what will happen.

    The dialog is told the Nos of every report year in the book and which
    years are locked; it refuses (OK disabled, the reason in red) a new year
    that already has some of the same Nos or is locked.
    """

    def __init__(
        self,
        nos_by_year: Mapping[int, Sequence[str]],
        *,
        locked: set[int] | frozenset[int] = frozenset(),
        from_year: int | None = None,
        warnings: Callable[[int, int], list[str]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._warnings = warnings
        self.setWindowTitle("年度更新")
        geometry.fit_dialog(self)
        self._nos = {year: list(nos) for year, nos in nos_by_year.items() if nos}
        self._locked = set(locked)

        self.from_combo = QComboBox()
        self.from_combo.setObjectName("rolloverFrom")
        for year in sorted(self._nos, reverse=True):
            self.from_combo.addItem(
                f"{eras.kanji_label(year)}（{year}）・{len(self._nos[year])}シート", year
            )
        self.to_combo = QComboBox()
        self.to_combo.setObjectName("rolloverTo")
        # Lines broken by hand rather than word-wrapped, so the dialog is always as
        # tall as its text.
        self.summary_label = QLabel()
        self.summary_label.setObjectName("rolloverSummary")
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        colours.colour_label(self.error_label, colours.Ink.ERROR)
        self.warning_label = QLabel()
        self.warning_label.setObjectName("warning")
        colours.colour_label(self.warning_label, colours.Ink.WARNING)
        self.warning_label.setWordWrap(True)
        self.warning_label.setMinimumWidth(420)

        form = QFormLayout()
        form.addRow("元の報告年度", self.from_combo)
        form.addRow("新しい報告年度", self.to_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("年度更新する")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)  # grows with the error
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.warning_label)
        layout.addSpacing(6)
        layout.addWidget(self.buttons)

        self.from_combo.currentIndexChanged.connect(self.on_from_combo_changed)
        self.to_combo.currentIndexChanged.connect(self.on_to_combo_changed)
        index = self.from_combo.findData(from_year) if from_year is not None else -1
        self.from_combo.setCurrentIndex(max(index, 0))
        self.on_from_combo_changed()

    def from_year(self) -> int | None:
        """The report year chosen to roll over from (None: the book has no sheets)."""
        return self.from_combo.currentData()

    def to_year(self) -> int | None:
        """The new report year chosen."""
        return self.to_combo.currentData()

    def sheet_count(self) -> int:
        """How many sheets the roll-over will make."""
        year = self.from_year()
        return 0 if year is None else len(self._nos[year])

    def clashes(self) -> list[str]:
        """The Nos the new year already has among those to be made, in No order."""
        source, target = self.from_year(), self.to_year()
        if source is None or target is None:
            return []
        taken = set(self._nos.get(target, []))
        return sorted((no for no in self._nos[source] if no in taken), key=no_sort_key)

    @Slot()
    def on_from_combo_changed(self) -> None:
        source = self.from_year()
        self.to_combo.blockSignals(True)
        self.to_combo.clear()
        if source is not None:  # the year after, unless the user chooses a later one
            for year in range(source + 1, min(source + YEARS_AHEAD, eras.MAX_YEAR) + 1):
                self.to_combo.addItem(f"{eras.kanji_label(year)}（{year}）", year)
            self.to_combo.setCurrentIndex(0)
        self.to_combo.blockSignals(False)
        self.on_to_combo_changed()

    @Slot()
    def on_to_combo_changed(self) -> None:
        source, target = self.from_year(), self.to_year()
        if source is None or target is None:
            self.summary_label.setText("ブックにシートがないため、年度更新できません。")
            self.error_label.clear()
            self.warning_label.hide()
            self.ok_button.setEnabled(False)
            return
        old, new = eras.kanji_label(source), eras.kanji_label(target)
        count = self.sheet_count()
        self.summary_label.setText(
            f"{old}の{count}シートをもとに、{new}のシートを{count}件作ります。\n"
            "No・担当課・KPI名・値・文章はそのまま引き継ぎます。\n"
            f"{new}の実績値の列がないシートには、その列を加えます。\n\n"
            f"作った後、{old}の報告はロックされ、変更できなくなります。\n"
            "（ロックは「ブック」→「報告年度のロックを解除」で外せます）"
        )
        problem = ""
        clashes = self.clashes()
        if target in self._locked:
            problem = f"{new}の報告はロックされているため、年度更新できません。"
        elif clashes:
            listed = "、".join(f"No {no}" for no in clashes[:MAX_LISTED_NOS])
            if len(clashes) > MAX_LISTED_NOS:
                listed += f" ほか{len(clashes) - MAX_LISTED_NOS}件"
            problem = f"{new}には既に同じ No のシートがあるため、年度更新できません。\n{listed}"
        self.error_label.setText(problem)
        self.error_label.setVisible(bool(problem))
        self.ok_button.setEnabled(not problem)
        notes = self._warnings(source, target) if self._warnings is not None else []
        self.warning_label.setText("\n".join(f"注意: {note}" for note in notes))
        self.warning_label.setVisible(bool(notes))
