"""The colours the widgets add to the system's: one place, one rule.

Everything else is drawn with the application's palette, which Windows
fills from the user's theme (light, dark or High Contrast). What a widget
adds — a tint behind a changed line, a word in blue, an error in red — is
chosen here against that palette and always comes with the text colour
drawn over it, so that it stays readable (a WCAG contrast of at least
:data:`MIN_CONTRAST`) in any theme: the light theme keeps the pale tints
office programs use; a dark or High Contrast one gets a dim tint of the
same hue under the theme's own text colour.

Widgets that keep a colour (a style sheet, an item's brush) colour
themselves again when the theme changes while the program runs: see
:func:`follow_palette`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from kpidesk import evaluation

#: WCAG 2's least contrast for normal text, kept by every pair of colours here.
MIN_CONTRAST = 4.5
#: How much of a mark's hue a dark theme's tint takes, strongest first.
_DARK_TINT_AMOUNTS = (0.32, 0.24, 0.16, 0.08)


class Mark(enum.Enum):
    """Something a background tint says.

    Its value: the light theme's tint, the light theme's text over it ("":
    the theme's own text colour) and the hue a dark theme's tint takes.
    """

    CHANGED = ("#fff4d6", "", "#f2b600")
    NEW = ("#e3f2e1", "", "#43a047")
    INVALID = ("#fde2e1", "", "#e53935")
    #: Done and closed (a department's 確定), set apart from :attr:`NEW`'s green.
    DONE = ("#dde8f8", "", "#1e88e5")
    #: A banner above the form (a pale yellow note, as office programs show).
    NOTICE = ("#fff4ce", "#3b2f00", "#f2b600")


#: The light theme's border of a notice (:attr:`Mark.NOTICE`).
_NOTICE_BORDER = "#e0c36a"


class Ink(enum.Enum):
    """Something a text colour says (its colour in the light theme)."""

    #: A known word in a value cell (集計中, 前年比減).
    WORD = "#1f4e79"
    #: Why a dialog cannot go on.
    ERROR = "#b00020"
    #: What a dialog warns about.
    WARNING = "#8a4b00"
    #: Text that comes second (headings of figures, why a row is not judged):
    #: grey, yet readable, unlike the theme's colour for disabled text.
    QUIET = "#5f6368"


@dataclass(frozen=True)
class Tint:
    """A background and the text colour to draw over it."""

    background: QColor
    text: QColor

    def style(self) -> str:
        """The two colours as style sheet properties."""
        return f"color: {self.text.name()}; background: {self.background.name()};"


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance (0 black to 1 white)."""
    return (
        0.2126 * _linear(colour.redF())
        + 0.7152 * _linear(colour.greenF())
        + 0.0722 * _linear(colour.blueF())
    )


def contrast(one: QColor, other: QColor) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1 to 21)."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(one: QColor, other: QColor, amount: float) -> QColor:
    """``one`` with ``amount`` (0 to 1) of ``other`` blended in."""
    return QColor.fromRgbF(
        one.redF() + (other.redF() - one.redF()) * amount,
        one.greenF() + (other.greenF() - one.greenF()) * amount,
        one.blueF() + (other.blueF() - one.blueF()) * amount,
    )


def palette() -> QPalette:
    """The application's palette (the theme's colours)."""
    return QApplication.palette()


def is_dark(colours: QPalette | None = None) -> bool:
    """True when the theme's text is lighter than its background (dark mode, High Contrast)."""
    colours = colours or palette()
    return luminance(colours.color(QPalette.ColorRole.Text)) > luminance(
        colours.color(QPalette.ColorRole.Base)
    )


def _pair(colours: QPalette, on_window: bool) -> tuple[QColor, QColor]:
    """The theme's (background, text) of a view (Base, Text) or of a window."""
    if on_window:
        return colours.color(QPalette.ColorRole.Window), colours.color(
            QPalette.ColorRole.WindowText
        )
    return colours.color(QPalette.ColorRole.Base), colours.color(QPalette.ColorRole.Text)


def _tint(light: Tint, hue: QColor, colours: QPalette, on_window: bool) -> Tint:
    """``light`` in a light theme if readable; else a dim ``hue`` under the theme's text."""
    background, text = _pair(colours, on_window)
    if not is_dark(colours) and contrast(light.background, light.text) >= MIN_CONTRAST:
        return light
    for amount in _DARK_TINT_AMOUNTS:
        tinted = mix(background, hue, amount)
        if contrast(tinted, text) >= MIN_CONTRAST:
            return Tint(tinted, QColor(text))
    return Tint(QColor(background), QColor(text))


def tint(mark: Mark, colours: QPalette | None = None, *, on_window: bool = False) -> Tint:
    """The background that shows ``mark`` in a view (or on a window), with its text colour.

    In a light theme, the pale tint with the theme's text; otherwise the
    theme's background with a little of the mark's hue, under the theme's text.
    """
    colours = colours or palette()
    light_tint, light_text, hue = mark.value
    text = QColor(light_text) if light_text else _pair(colours, on_window)[1]
    return _tint(Tint(QColor(light_tint), text), QColor(hue), colours, on_window)


def rank_tint(index: int, count: int, colours: QPalette | None = None) -> Tint:
    """The colours of rank ``index`` (0 is best) among ``count``, as the list and the form show it.

    In a light theme, the colours Excel and the printout use
    (:func:`kpidesk.evaluation.rank_colours`); otherwise a dim tint of the
    rank's hue under the theme's text.
    """
    colours = colours or palette()
    key = (index, count, colours.cacheKey())
    made = _RANK_TINTS.get(key)
    if made is None:
        if len(_RANK_TINTS) > 64:  # themes changed many times: start again
            _RANK_TINTS.clear()
        text, background = evaluation.rank_colours(index, count)
        light = Tint(QColor(background), QColor(text))
        made = _RANK_TINTS[key] = _tint(light, _vivid(QColor(text)), colours, on_window=False)
    return Tint(QColor(made.background), QColor(made.text))


#: Rank tints made, by (rank, ranks, palette): a list paints dozens of them at each scroll.
_RANK_TINTS: dict[tuple[int, int, int], Tint] = {}


def _vivid(colour: QColor) -> QColor:
    """``colour``'s hue, bright enough to show as a tint over a dark background."""
    return QColor.fromHsvF(colour.hueF(), colour.saturationF(), 0.85)


def ink(kind: Ink, colours: QPalette | None = None, *, on_window: bool = False) -> QColor:
    """The colour of ``kind`` text on a view (or a window), as near its own colour as readable.

    The light theme's colour when it is readable on the theme's background;
    otherwise that colour blended towards the theme's text colour until it is.
    """
    background, text = _pair(colours or palette(), on_window)
    wanted = QColor(kind.value)
    for step in range(11):
        candidate = mix(wanted, text, step / 10)
        if contrast(candidate, background) >= MIN_CONTRAST:
            return candidate
    return QColor(text)


def notice(colours: QPalette | None = None) -> tuple[Tint, QColor]:
    """A notice's colours on a window: its tint with its text, and its border."""
    light_tint, _, hue = Mark.NOTICE.value
    note = tint(Mark.NOTICE, colours, on_window=True)
    if note.background == QColor(light_tint):
        return note, QColor(_NOTICE_BORDER)
    return note, mix(note.background, QColor(hue), 0.5)


class _PaletteFollower(QObject):
    """Calls back when the widget's palette changes (the theme, or the application's palette)."""

    def __init__(self, widget: QWidget, apply: Callable[[], None]) -> None:
        super().__init__(widget)
        self._apply = apply
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply()
        return False


def follow_palette(widget: QWidget, apply: Callable[[], None]) -> None:
    """Call ``apply`` now and whenever the theme changes, to colour ``widget`` again.

    ``widget`` must not have a style sheet of its own: Qt does not tell such
    a widget that the theme changed. ``apply`` must leave the widget as it
    is when its colours are unchanged (a new palette calls it again).
    """
    _PaletteFollower(widget, apply)
    apply()


def set_style_sheet(widget: QWidget, style: str) -> None:
    """Give ``widget`` ``style`` unless it already has it."""
    if widget.styleSheet() != style:
        widget.setStyleSheet(style)


def set_text_colour(widget: QWidget, colour: QColor) -> None:
    """Draw ``widget``'s text (on a window or in a field) in ``colour``."""
    roles = (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text)
    if all(widget.palette().color(role) == colour for role in roles):
        return
    colours = QPalette(widget.palette())
    for role in roles:
        colours.setColor(role, colour)
    widget.setPalette(colours)


def colour_label(label: QWidget, kind: Ink) -> None:
    """Colour a label's text as ``kind``, now and after a change of theme."""
    follow_palette(label, lambda: set_text_colour(label, ink(kind, on_window=True)))
