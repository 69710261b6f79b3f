"""The book's evaluation settings: which rate ranks, the floor rule, what an external
factor does, the ranks, rounding, the printed chart."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kpidesk import limits
from kpidesk.evaluation import Basis, EvaluationSettings, ExternalMode, RankLevel, Rounding
from ui import colours, geometry
from ui.evaluation_texts import formula_text

MAX_RANKS = limits.MAX_RANKS
MIN_RANKS = limits.MIN_RANKS

#: Each basis in a line a department member understands (its formula follows).
BASIS_EXPLANATIONS: dict[Basis, str] = {
    Basis.EXPECTED: "その年度に期待される値（期待値）に届いたか",
    Basis.EXPECTED_PROGRESS: "基準値から期待値までの伸びのうち、どこまで伸びたか",
    Basis.ACHIEVEMENT: "最終年度の目標値に対して、どこまで来たか",
    Basis.PROGRESS: "基準値から目標値までの道のりのうち、どこまで進んだか",
}
#: What each choice for rows marked 外的要因 says, and what it does.
EXTERNAL_CHOICES: dict[ExternalMode, tuple[str, str]] = {
    ExternalMode.REFERENCE: ("参考として評価する", "評価に「参考」と添えます。"),
    ExternalMode.EXCLUDED: ("評価対象外にする", "評価せず、件数にも数えません。"),
}

#: Ready-made schemes: (button text, labels best to worst, thresholds of all but the last).
PRESETS: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...] = (
    ("A・B・C・D", ("A", "B", "C", "D"), (100, 80, 50)),
    ("◎・○・△・×", ("◎", "○", "△", "×"), (100, 80, 50)),
)


class EvaluationSettingsDialog(QDialog):
    """Edits an :class:`EvaluationSettings` and whether printed pages carry the chart."""

    def __init__(
        self,
        settings: EvaluationSettings,
        print_chart: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationSettingsDialog")
        self.setWindowTitle("評価の設定")
        geometry.fit_dialog(self)

        self.basis_buttons = QButtonGroup(self)
        basis_box = QGroupBox("評価の基準（どの率で評価するか）")
        basis_layout = QVBoxLayout(basis_box)
        self._shown = settings
        for basis in Basis:
            default = "（新しいブックの標準）" if basis is EvaluationSettings().basis else ""
            button = QRadioButton(basis.label + default)
            button.setObjectName(f"basis_{basis.value}")
            self.basis_buttons.addButton(button)
            button.setProperty("value", basis.value)
            explanation = _quiet(f"{BASIS_EXPLANATIONS[basis]}: {formula_text(basis.formula)}")
            explanation.setObjectName(f"basisNote_{basis.value}")
            explanation.setContentsMargins(22, 0, 0, 4)
            basis_layout.addWidget(button)
            basis_layout.addWidget(explanation)
        basis_layout.addWidget(
            _quiet(
                "期待値は、基準値から目標値への直線をその年度で読んだ値です"
                "（期待値の行があればその値）。\n"
                "目標が「前年比減」「前年比増」「認定」などの行は、「率によらない評価」の設定に従います。\n"
                "率を計算できない行（目標値が0以下など）は、同じ種類の進捗率で評価します。"
            )
        )

        self.floor_check = QCheckBox("基準値を下回った実績は最低の評価にする")
        self.floor_check.setObjectName("floor")
        floor_note = _quiet(
            "率にかかわらず、いちばん下の段階にします（減らす目標では基準値を上回った実績）。"
        )
        floor_note.setContentsMargins(22, 0, 0, 0)
        floor_box = QGroupBox("率によらない評価")
        floor_layout = QVBoxLayout(floor_box)
        floor_layout.addWidget(self.floor_check)
        floor_layout.addWidget(floor_note)
        self.binary_check = QCheckBox("前年比減・認定 などの目標は、達成か未達成かで評価する")
        self.binary_check.setObjectName("binaryTargets")
        binary_note = _quiet(
            "達成は最もよい評価、未達成は最も低い評価。"
            "外すと、前年比減・前年比増は前年に対する率で評価し（未達成は最もよい評価にしない）、"
            "認定 などの目標は評価しません（以前の評価のしかた）。"
        )
        binary_note.setContentsMargins(22, 0, 0, 0)
        floor_layout.addWidget(self.binary_check)
        floor_layout.addWidget(binary_note)

        external_box = QGroupBox("外的要因のある行")
        external_layout = QVBoxLayout(external_box)
        external_layout.addWidget(_quiet("行ごとに、フォームの「評価」の欄で指定します。"))
        self.external_buttons = QButtonGroup(self)
        for mode, (text, note) in EXTERNAL_CHOICES.items():
            button = QRadioButton(text)
            button.setObjectName(f"external_{mode.value}")
            button.setProperty("value", mode.value)
            self.external_buttons.addButton(button)
            external_layout.addWidget(button)
            explanation = _quiet(note)
            explanation.setContentsMargins(22, 0, 0, 0)
            external_layout.addWidget(explanation)

        ranks_box = QGroupBox("評価の段階（上から良い順）")
        self.count_spin = QSpinBox()
        self.count_spin.setObjectName("rankCount")
        self.count_spin.setRange(MIN_RANKS, MAX_RANKS)
        self.count_spin.setSuffix(" 段階")
        self.label_edits: list[QLineEdit] = []
        self.threshold_spins: list[QDoubleSpinBox] = []
        self.rank_grid = QGridLayout()
        self.rank_grid.addWidget(QLabel("記号"), 0, 0)
        self.rank_grid.addWidget(QLabel("率がこの値以上"), 0, 1)
        for index in range(MAX_RANKS):
            edit = QLineEdit()
            edit.setObjectName(f"rankLabel_{index}")
            edit.setMaxLength(limits.MAX_RANK_LABEL_CHARS)
            edit.setMaximumWidth(80)
            spin = QDoubleSpinBox()
            spin.setObjectName(f"rankThreshold_{index}")
            spin.setDecimals(1)
            spin.setRange(float(limits.MIN_THRESHOLD), float(limits.MAX_THRESHOLD))
            spin.setSuffix(" %")
            self.label_edits.append(edit)
            self.threshold_spins.append(spin)
            self.rank_grid.addWidget(edit, index + 1, 0)
            self.rank_grid.addWidget(spin, index + 1, 1)
        count_row = QHBoxLayout()
        count_row.addWidget(QLabel("段階の数"))
        count_row.addWidget(self.count_spin)
        count_row.addStretch(1)
        presets = QHBoxLayout()
        presets.addWidget(QLabel("ひな形"))
        for text, labels, thresholds in PRESETS:
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(
                lambda _=False, ls=labels, ts=thresholds: self._apply_preset(ls, ts)
            )
            presets.addWidget(button)
        presets.addStretch(1)
        ranks_layout = QVBoxLayout(ranks_box)
        ranks_layout.addLayout(count_row)
        ranks_layout.addLayout(presets)
        ranks_layout.addLayout(self.rank_grid)
        self.lowest_note = _quiet("")
        self.lowest_note.setWordWrap(True)
        ranks_layout.addWidget(self.lowest_note)

        rounding_box = QGroupBox("率の端数（0.1%未満）")
        rounding_layout = QHBoxLayout(rounding_box)
        self.rounding_buttons = QButtonGroup(self)
        for rounding in Rounding:
            button = QRadioButton(rounding.label)
            button.setObjectName(f"rounding_{rounding.value}")
            button.setProperty("value", rounding.value)
            self.rounding_buttons.addButton(button)
            rounding_layout.addWidget(button)
        rounding_layout.addStretch(1)

        self.chart_check = QCheckBox("PDF・印刷のページに推移グラフを入れる")
        self.chart_check.setObjectName("printChart")
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        colours.colour_label(self.error_label, colours.Ink.ERROR)
        self.error_label.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        # Two columns, so that the dialog fits a laptop's 768 pixels of height.
        how = QVBoxLayout()
        how.addWidget(basis_box)
        how.addWidget(floor_box)
        how.addStretch(1)
        scale = QVBoxLayout()
        scale.addWidget(ranks_box)
        scale.addWidget(rounding_box)
        scale.addWidget(external_box)
        scale.addWidget(self.chart_check)
        scale.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(how)
        columns.addLayout(scale)
        layout = QVBoxLayout(self)
        layout.addWidget(geometry.scrolling(columns))
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

        self.count_spin.valueChanged.connect(self._show_count)
        self._show(settings, print_chart)

    def _show(self, settings: EvaluationSettings, print_chart: bool) -> None:
        for button in self.basis_buttons.buttons():
            button.setChecked(button.property("value") == settings.basis.value)
        for button in self.rounding_buttons.buttons():
            button.setChecked(button.property("value") == settings.rounding.value)
        for button in self.external_buttons.buttons():
            button.setChecked(button.property("value") == settings.external.value)
        self.floor_check.setChecked(settings.floor)
        self.binary_check.setChecked(settings.binary_targets)
        self._apply_preset(
            tuple(settings.labels), tuple(float(lv.threshold) for lv in settings.levels)
        )
        self.chart_check.setChecked(print_chart)

    def _apply_preset(self, labels: tuple[str, ...], thresholds: tuple[float, ...]) -> None:
        self.count_spin.setValue(len(labels))
        for index, label in enumerate(labels):
            self.label_edits[index].setText(label)
        for index, threshold in enumerate(thresholds):
            self.threshold_spins[index].setValue(float(threshold))
        self._show_count()

    def _show_count(self) -> None:
        count = self.count_spin.value()
        for index in range(MAX_RANKS):
            self.label_edits[index].setVisible(index < count)
            # The last rank has no threshold: it takes every rate below the others.
            self.threshold_spins[index].setVisible(index < count - 1)
        self.lowest_note.setText("いちばん下の段階は、それより上のどれにも当たらない率です。")
        self.adjustSize()

    def settings(self) -> EvaluationSettings:
        """The settings as filled in.

        Raises:
            ValueError: the ranks are not usable (message in Japanese).
        """
        count = self.count_spin.value()
        labels = [edit.text().strip() for edit in self.label_edits[:count]]
        levels = tuple(
            RankLevel(labels[index], _threshold(self.threshold_spins[index].value()))
            for index in range(count - 1)
        )
        checked_basis = self.basis_buttons.checkedButton()
        checked_rounding = self.rounding_buttons.checkedButton()
        checked_external = self.external_buttons.checkedButton()
        return dataclasses.replace(
            self._shown,
            basis=Basis(checked_basis.property("value")) if checked_basis else self._shown.basis,
            levels=levels,
            lowest_label=labels[-1],
            rounding=Rounding(checked_rounding.property("value"))
            if checked_rounding
            else Rounding.HALF_UP,
            floor=self.floor_check.isChecked(),
            binary_targets=self.binary_check.isChecked(),
            external=ExternalMode(checked_external.property("value"))
            if checked_external
            else self._shown.external,
        )

    def print_chart(self) -> bool:
        """Whether printed pages should carry the trend chart."""
        return self.chart_check.isChecked()

    def accept(self) -> None:
        """Close only with usable settings; otherwise say what is wrong and keep everything."""
        try:
            self.settings()
        except ValueError as error:
            self.error_label.setText(f"{error}。直してから OK を押してください。")
            return
        super().accept()


def _quiet(text: str) -> QLabel:
    """A line that explains, in the quiet grey that stays readable in every theme.

    It wraps, so that the dialog can be narrower than its longest sentence
    (a 1024-pixel screen) without a sideways scroll bar.
    """
    label = QLabel(text)
    label.setWordWrap(True)
    colours.colour_label(label, colours.Ink.QUIET)
    return label


def _threshold(value: float) -> Decimal:
    """A spin box's value as an exact threshold: ``100`` rather than ``100.0``."""
    threshold = Decimal(str(round(value, 1)))
    return (
        threshold.to_integral_value() if threshold == threshold.to_integral_value() else threshold
    )


def ask_evaluation_settings(
    parent: QWidget, settings: EvaluationSettings, print_chart: bool
) -> tuple[EvaluationSettings, bool] | None:
    """Show the dialog; the new (settings, print_chart), or None when cancelled."""
    dialog = EvaluationSettingsDialog(settings, print_chart, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.settings(), dialog.print_chart()
