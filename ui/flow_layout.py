"""A layout that lines its widgets up left to right and wraps them onto the next line
when the form is narrow (a 1024-pixel screen, the list beside it), as words wrap."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """Widgets in a row that wraps; ``align_right`` keeps each line at the right edge."""

    def __init__(self, parent: QWidget | None = None, *, align_right: bool = False) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._align_right = align_right
        #: Heights asked for by width, until the items change (a layout pass asks many times).
        self._heights: dict[int, int] = {}
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)
        self._heights.clear()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        self._heights.clear()
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = self._arrange(QRect(0, 0, width, 0), place=False)
        return height

    def invalidate(self) -> None:
        self._heights.clear()
        super().invalidate()

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, place=True)

    def sizeHint(self) -> QSize:
        """Everything on one line."""
        width = sum(item.sizeHint().width() for item in self._shown()) + self._gap() * max(
            len(self._shown()) - 1, 0
        )
        height = max((item.sizeHint().height() for item in self._shown()), default=0)
        margins = self.contentsMargins()
        return QSize(
            width + margins.left() + margins.right(), height + margins.top() + margins.bottom()
        )

    def minimumSize(self) -> QSize:
        """As wide as the widest widget: the rest wraps."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _gap(self) -> int:
        spacing = self.spacing()
        return spacing if spacing >= 0 else 6

    def _arrange(self, rect: QRect, *, place: bool) -> int:
        """Lay the items out in ``rect``; the height they take."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        gap = self._gap()
        lines: list[list[QLayoutItem]] = [[]]
        width = 0
        for item in self._shown():
            item_width = item.sizeHint().width()
            if lines[-1] and width + gap + item_width > area.width():
                lines.append([])
                width = 0
            width += (gap if lines[-1] else 0) + item_width
            lines[-1].append(item)
        y = area.y()
        for line in lines:
            if not line:
                continue
            height = max(item.sizeHint().height() for item in line)
            used = sum(item.sizeHint().width() for item in line) + gap * (len(line) - 1)
            x = area.x() + (max(area.width() - used, 0) if self._align_right else 0)
            for item in line:
                hint = item.sizeHint()
                if place:
                    item_width = min(hint.width(), area.width())
                    item.setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2),
                                           QSize(item_width, hint.height())))  # fmt: skip
                x += hint.width() + gap
            y += height + gap
        return y - gap - rect.y() + margins.bottom()
