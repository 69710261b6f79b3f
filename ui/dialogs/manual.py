"""ヘルプ → 操作マニュアル: the manual's pages with a table of contents and a search.

The pages are the Markdown files of :mod:`kpidesk.manual`, shown by a
QTextBrowser (no web browser, no network). A link to another page opens it
here; a web address is not followed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kpidesk import manual
from kpidesk.printing.manual_pdf import fit_images

#: The page's width for images before the window is shown (its default size's).
IMAGE_WIDTH = 640
#: The item data role that holds a list item's page id.
PAGE_ROLE = Qt.ItemDataRole.UserRole


class ManualWindow(QWidget):
    """The manual: contents or search hits on the left, the page on the right.

    Attributes:
        contents: the table of contents (one item per page).
        search_edit: the search box; typing lists the pages that hold the words.
        hits: the pages found, each with the words in context.
        browser: the page shown.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("manualWindow")
        self.setWindowTitle("操作マニュアル - KPI Desk")
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("manualSearch")
        self.search_edit.setPlaceholderText("マニュアルを検索")
        self.search_edit.setClearButtonEnabled(True)
        self.contents = QListWidget()
        self.contents.setObjectName("manualContents")
        for page in manual.pages():
            item = QListWidgetItem(page.title)
            item.setData(PAGE_ROLE, page.id)
            item.setToolTip(page.title)
            self.contents.addItem(item)
        # Long titles wrap rather than hide behind a sideways scroll bar.
        self.contents.setWordWrap(True)
        self.contents.setSpacing(3)
        self.contents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.hits = QListWidget()
        self.hits.setObjectName("manualHits")
        self.hits.setWordWrap(True)
        self.hits.setSpacing(4)
        self.hits.setAlternatingRowColors(True)
        self.hits_label = QLabel()
        self.hits_label.setObjectName("manualHitCount")
        hits_pane = QWidget()
        hits_layout = QVBoxLayout(hits_pane)
        hits_layout.setContentsMargins(0, 0, 0, 0)
        hits_layout.addWidget(self.hits_label)
        hits_layout.addWidget(self.hits, 1)
        self.left = QStackedWidget()
        self.left.addWidget(self.contents)
        self.left.addWidget(hits_pane)
        self.browser = QTextBrowser()
        self.browser.setObjectName("manualPage")
        self.browser.setOpenLinks(False)
        self.browser.setSearchPaths([str(manual.manual_dir())])
        left_pane = QWidget()
        left_layout = QVBoxLayout(left_pane)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.left, 1)
        splitter = QSplitter()
        splitter.addWidget(left_pane)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 640])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        # Esc, Ctrl+W and Ctrl+F4 close it, as they close a help window in Office.
        for keys in ("Esc", "Ctrl+W", "Ctrl+F4"):
            QShortcut(QKeySequence(keys), self, self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.resize(960, 680)
        self.page_id = ""

        self.contents.currentItemChanged.connect(self._on_item_chosen)
        self.hits.itemClicked.connect(self._on_hit_clicked)
        self.hits.itemActivated.connect(self._on_hit_clicked)
        self.search_edit.textChanged.connect(self.search)
        self.browser.anchorClicked.connect(self._on_link)
        self.show_page(manual.pages()[0].id)

    def show_page(self, page_id: str, find: str = "") -> None:
        """Show a page (by id or file name), marking the first place ``find`` is found.

        Raises:
            KeyError: no such page.
        """
        page = manual.page(page_id)
        self.page_id = page.id
        document = self.browser.document()
        document.setBaseUrl(QUrl.fromLocalFile(str(manual.manual_dir()) + "/"))
        document.setMarkdown(page.markdown)
        # A screenshot wider than the page is shown smaller, not cut by a scroll bar.
        # (Before the window is first shown its width is not known yet: the default size's.)
        width = self.browser.viewport().width() if self.isVisible() else IMAGE_WIDTH
        fit_images(document, manual.manual_dir(), width - 24, 1.0)
        self.browser.moveCursor(self.browser.textCursor().MoveOperation.Start)
        if find:
            self.browser.find(find.split()[0], QTextDocument.FindFlag(0))
        for row in range(self.contents.count()):
            item = self.contents.item(row)
            if item.data(PAGE_ROLE) == page.id:
                self.contents.blockSignals(True)
                self.contents.setCurrentItem(item)
                self.contents.blockSignals(False)
        self.setWindowTitle(f"{page.title} - 操作マニュアル - KPI Desk")

    @Slot(str)
    def search(self, query: str) -> None:
        """List the pages holding every word of ``query``; an empty query shows the contents."""
        if not query.strip():
            self.left.setCurrentIndex(0)
            return
        self.hits.clear()
        found = manual.search(query)
        for hit in found:
            item = QListWidgetItem(f"{hit.page.title}（{hit.count}件）\n{hit.snippet}")
            item.setData(PAGE_ROLE, hit.page.id)
            self.hits.addItem(item)
        self.hits_label.setText(
            f"「{query.strip()}」: {len(found)}ページ"
            if found
            else f"「{query.strip()}」は見つかりません"
        )
        self.left.setCurrentIndex(1)

    def hit_titles(self) -> list[str]:
        """The titles of the pages in the hit list, in order (what the user sees first)."""
        return [self.hits.item(row).text().split("（")[0] for row in range(self.hits.count())]

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_item_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None:
            self.show_page(item.data(PAGE_ROLE))

    @Slot(QListWidgetItem)
    def _on_hit_clicked(self, item: QListWidgetItem) -> None:
        self.show_page(item.data(PAGE_ROLE), self.search_edit.text())

    @Slot(QUrl)
    def _on_link(self, url: QUrl) -> None:
        name = url.fileName() if url.isLocalFile() or not url.scheme() else ""
        try:
            self.show_page(name)
        except KeyError:
            return  # a web address or a page that is not there: the manual stays offline
