"""``KPIDesk --smoke-test``: prove that a build works as a member of staff would use it.

The frozen program (and ``python main.py``) run this before anything else
when the first argument is ``--smoke-test``::

    KPIDesk --smoke-test                     the whole check; prints "smoke test OK …"
    KPIDesk --smoke-test --screenshot X.png  also saves the window as a PNG
    KPIDesk --smoke-test --open BOOK         start-up probe: open BOOK as ``KPIDesk BOOK``
                                             does and end as soon as the window is ready

The whole check runs offscreen (``QT_QPA_PLATFORM=offscreen`` unless a
platform is set) in a new temporary data folder (``KPIDESK_DATA_DIR``), so
the user's settings, recent books and log are never touched. It makes the
sample book in a folder with a Japanese name and a space, opens the real
window on it, checks that the list shows the 15 sample sheets and the form
the first one, exports a PDF (through the window, as the menu does), an
Excel workbook and the interchange JSON, and reads each back against the
sample. It exits 0 with one line on success and 1 with the reason on
failure; a message box the window tries to show counts as a failure (no
one is there to close it), and a watchdog ends a run that hangs.

This is the one module that drives the whole window; it imports
``ui`` inside its functions, and only ``main.py`` reaches it.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from kpidesk import APP_NAME, __version__

FLAG = "--smoke-test"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TIMEOUT = 3

#: A run that takes longer than this is stuck (a modal dialog, a dead lock).
WATCHDOG_SECONDS = 180.0
#: How long the window may take to show its list and first sheet.
READY_SECONDS = 60.0
#: The sample book: 15 published sheets.
SAMPLE_SHEET_COUNT = 15
#: Where the sample book is made inside the temporary folder: a Japanese
#: folder and file name with spaces, as on a prefectural office PC.
BOOK_FOLDER = "スモーク テスト"
BOOK_NAME = "見本 ブック.kpidb"
#: The bundled Japanese face must be embedded in the PDF (a missing font
#: would silently fall back to empty boxes).
PDF_FONT = b"BIZUDGothic"

_STARTED = time.perf_counter()


class SmokeFailure(Exception):
    """A check failed; the message says which and why."""


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"{APP_NAME} {FLAG}", add_help=True)
    parser.add_argument(FLAG, dest="smoke", action="store_true", required=True)
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="save the window as PNG")
    parser.add_argument(
        "--open", dest="book", type=Path, metavar="BOOK", help="only time opening BOOK"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args(list(argv))


def _say(text: str, *, error: bool = False) -> None:
    # A windowed Windows program has no console: sys.stdout is None there.
    stream = sys.stderr if error else sys.stdout
    if stream is not None:
        print(text, file=stream, flush=True)


def _elapsed_ms() -> float:
    return (time.perf_counter() - _STARTED) * 1000.0


def _start_watchdog(seconds: float) -> threading.Timer:
    def expire() -> None:
        _say(f"smoke test FAILED: no result after {seconds:.0f} s (stuck)", error=True)
        os._exit(EXIT_TIMEOUT)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


def main(argv: Sequence[str]) -> int:
    """Run the smoke test (``argv`` starts with ``--smoke-test``); return the exit code."""
    args = _parse(argv)
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    watchdog = _start_watchdog(WATCHDOG_SECONDS)
    work = Path(tempfile.mkdtemp(prefix="kpidesk-smoke-"))
    os.environ["KPIDESK_DATA_DIR"] = str(work / "data")
    ok = False
    try:
        if args.book is not None:
            _startup_probe(args.book, work)  # ends the process
        summary = run_checks(work, screenshot=args.screenshot)
        ok = True
    except SmokeFailure as failure:
        _say(f"smoke test FAILED: {failure}", error=True)
        return EXIT_FAILED
    except Exception as error:
        if sys.stderr is not None:
            traceback.print_exc()
        _say(f"smoke test FAILED: {type(error).__name__}: {error}", error=True)
        return EXIT_FAILED
    finally:
        watchdog.cancel()
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            _say(f"smoke test files kept in {work}", error=not ok)
    _say(f"smoke test OK: {summary}")
    return EXIT_OK


# --- the whole check ---------------------------------------------------------


def run_checks(work: Path, *, screenshot: Path | None = None) -> str:
    """Make the sample book in ``work``, open the window, export; return a summary.

    Raises:
        SmokeFailure: something a user would notice is wrong.
    """
    from kpidesk import samples
    from kpidesk.model import Sheet

    expected: list[Sheet] = sorted(samples.sample_sheets(), key=_sheet_order)
    _check(
        len(expected) == SAMPLE_SHEET_COUNT,
        f"the sample text gives {len(expected)} sheets, not {SAMPLE_SHEET_COUNT}",
    )
    folder = work / BOOK_FOLDER
    folder.mkdir(parents=True)
    book = folder / BOOK_NAME
    store = samples.create_sample_book(book)

    app, window, errors = _open_window(store)
    try:
        ready_ms = _wait_until_ready(app, window, errors)
        _check_window(window, expected)
        if screenshot is not None:
            _save_screenshot(window, screenshot)
        sheets = store.list_sheets()
        pdf_pages = _check_pdf(window, sheets, expected, folder / "見本 シート.pdf")
        xlsx_count = _check_excel(sheets, expected, folder / "見本 シート.xlsx")
        _check_json(book, expected, folder / "見本 シート.json")
        _check(not errors, f"an error reached the window: {errors[:1]}")
    finally:
        _close_window(app, window)
    return (
        f"KPI Desk {__version__}, {'frozen' if getattr(sys, 'frozen', False) else 'source'}; "
        f"window ready with {len(expected)} sheets {ready_ms:.0f} ms after start; "
        f"PDF {pdf_pages} pages, Excel {xlsx_count} sheets, JSON {len(expected)} sheets; "
        f"{_elapsed_ms():.0f} ms in all"
    )


def _sheet_order(sheet: Any) -> tuple[int, str]:
    digits = re.match(r"\d+", sheet.no)
    short = digits is not None and len(digits.group()) <= 18
    return (int(digits.group()) if digits and short else sys.maxsize, sheet.no)


def _check(condition: bool, reason: str) -> None:
    if not condition:
        raise SmokeFailure(reason)


#: The functions of ui.dialogs.messages that show a message box.
MESSAGE_BOXES = ("show_error", "show_info", "ask_save_changes", "confirm", "choose")


def _refuse_dialog(parent: object, *texts: object) -> NoReturn:
    raise SmokeFailure(f"the window showed a message box: {texts!r}")


def _open_window(store: Any) -> tuple[Any, Any, list[str]]:
    """The application and the real main window on ``store``, shown.

    Message boxes are replaced by failures and unexpected errors in Qt's
    slots are collected, so nothing can wait for a click that never comes.
    """
    from ui import app as ui_app
    from ui.dialogs import messages
    from ui.main_window import MainWindow
    from ui.settings import Settings

    errors: list[str] = []

    def excepthook(kind: type[BaseException], error: BaseException, trace: Any) -> None:
        errors.append(f"{kind.__name__}: {error}")
        traceback.print_exception(kind, error, trace)

    sys.excepthook = excepthook
    for name in MESSAGE_BOXES:
        setattr(messages, name, _refuse_dialog)
    app = ui_app.create_application()
    window = MainWindow(Settings())
    window.session.set_book(store, remember=False)
    window.resize(1366, 768)
    window.show()
    return app, window, errors


def _wait_until_ready(app: Any, window: Any, errors: list[str]) -> float:
    from ui.app import window_ready

    deadline = time.perf_counter() + READY_SECONDS
    while not window_ready(window):
        _check(not errors, f"an error reached the window: {errors[:1]}")
        _check(time.perf_counter() < deadline, f"the window was not ready in {READY_SECONDS} s")
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()
    return _elapsed_ms()


def _check_window(window: Any, expected: Sequence[Any]) -> None:
    panel = window.list_panel
    rows = panel.proxy.rowCount()
    _check(rows == len(expected), f"the list shows {rows} sheets, not {len(expected)}")
    count = panel.count_label.text()
    _check(count.startswith(f"{len(expected)} / "), f"the count under the list says {count!r}")
    first = expected[0]
    form = window.form
    _check(form.body.isVisible(), "the form shows its placeholder, not a sheet")
    shown = {attr: form.edits[attr].text() for attr in ("no", "title", "departments")}
    wanted = {"no": first.no, "title": first.title, "departments": first.departments_text}
    _check(shown == wanted, f"the form shows {shown}, not the first sheet {wanted}")
    title = window.windowTitle()
    _check(BOOK_NAME in title, f"the title bar says {title!r}, not the book's name")


def _save_screenshot(window: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _check(window.grab().save(str(path), "PNG"), f"cannot save the screenshot {path}")


def _check_pdf(window: Any, sheets: list[Any], expected: Sequence[Any], path: Path) -> int:
    """Export as the menu does; check the file is a PDF of the sample in the bundled font."""
    pages = window.printing.export_pdf(sheets, path)
    _check(path.is_file(), f"no PDF was written at {path}")
    data = path.read_bytes()
    _check(data.startswith(b"%PDF-"), "the PDF file does not start with %PDF-")
    _check(pages >= len(expected), f"the PDF has {pages} pages for {len(expected)} sheets")
    in_file = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    _check(in_file == pages, f"the PDF file holds {in_file} pages, the export said {pages}")
    _check(PDF_FONT in data, "the bundled font BIZ UDGothic is not embedded in the PDF")
    drawn = pdf_unicode_characters(data)
    for sheet in expected:
        missing = sorted(set(sheet.title.replace(" ", "")) - drawn)
        _check(not missing, f"the PDF lacks {''.join(missing)!r} of the title {sheet.title!r}")
    return pages


def pdf_unicode_characters(data: bytes) -> set[str]:
    """Every character the PDF's fonts map to Unicode (their ToUnicode maps).

    The embedded font subsets hold only the glyphs that were drawn, so a
    character of the sample's text that is in these maps was drawn.
    """
    characters: set[str] = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        text = stream
        if b"begincmap" not in text:
            try:
                text = zlib.decompress(stream)
            except zlib.error:
                continue
            if b"begincmap" not in text:
                continue
        characters.update(_cmap_characters(text.decode("latin-1")))
    return characters


def _cmap_characters(cmap: str) -> Iterable[str]:
    def unicode(hex_text: str) -> str:
        return bytes.fromhex(hex_text).decode("utf-16-be", errors="ignore")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
        for _source, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            yield from unicode(target)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.DOTALL):
        for low, high, target in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block
        ):
            if target.startswith("["):
                for item in re.findall(r"<([0-9A-Fa-f]+)>", target):
                    yield from unicode(item)
            else:
                first = int(target[1:-1], 16)
                for offset in range(int(high, 16) - int(low, 16) + 1):
                    yield chr(first + offset)


def _check_excel(sheets: list[Any], expected: Sequence[Any], path: Path) -> int:
    """Export the workbook and read it back: the same sheets, Nos, titles and departments."""
    from kpidesk.exchange import excel_reader, excel_writer

    with path.open("wb") as stream:
        written = excel_writer.export_workbook(sheets, stream)
    _check(path.is_file(), f"no workbook was written at {path}")
    _check(path.read_bytes()[:2] == b"PK", "the workbook is not an .xlsx (zip) file")
    back = sorted(excel_reader.read_workbook(path), key=_sheet_order)
    _check(
        written == len(expected) and len(back) == len(expected),
        f"the workbook holds {len(back)} sheets (export said {written}), not {len(expected)}",
    )
    for got, want in zip(back, expected, strict=True):
        _check(
            (got.no, got.title, got.departments) == (want.no, want.title, want.departments),
            f"the workbook has No {got.no} {got.title!r}, expected No {want.no} {want.title!r}",
        )
    return len(back)


def _check_json(book: Path, expected: Sequence[Any], path: Path) -> None:
    """The ``export-json`` subcommand on the same book, read back."""
    from kpidesk import cli
    from kpidesk.exchange import jsonio

    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["export-json", "--db", str(book), "-o", str(path)], out=out, err=err)
    _check(code == 0, f"export-json failed ({code}): {err.getvalue().strip()}")
    titles = [sheet.title for sheet in sorted(jsonio.read_file(path), key=_sheet_order)]
    _check(titles == [sheet.title for sheet in expected], f"export-json wrote {titles}")


def _close_window(app: Any, window: Any) -> None:
    if window.session.document is not None:
        window.session.document.undo_stack.setClean()
    window.close()
    app.processEvents()


# --- the start-up probe ------------------------------------------------------


def _startup_probe(book: Path, work: Path) -> NoReturn:
    """Start the window on ``book`` as ``KPIDesk BOOK`` does, print the time, end at once.

    The program's own path (:func:`ui.app.prepare_start`, then
    :func:`ui.app.show_window`: the lock, the list, the first sheet) up to
    the ready of the start figure of ``bench/bench_window.py``
    (:func:`ui.app.window_ready`), then one more round of events for the
    first paint. The caller times the whole process (start to exit) from
    outside; this prints the time from this module's import to ready and
    leaves with ``os._exit`` so that no teardown is counted (after giving
    the book's lock back).
    """
    gc.disable()  # as main.py does for the window (ui.app.resume_garbage_collection)
    from ui import app as ui_app

    application, settings, initial = ui_app.prepare_start([str(book)])
    opened = initial.book
    if opened is None:
        raise SmokeFailure(initial.message)
    window = ui_app.show_window(settings, initial)
    deadline = time.perf_counter() + READY_SECONDS
    while not ui_app.window_ready(window):
        _check(time.perf_counter() < deadline, f"the window was not ready in {READY_SECONDS} s")
        application.processEvents()
    application.processEvents()  # the first paint of the exposed window
    rows = window.list_panel.proxy.rowCount()
    elapsed = _elapsed_ms()
    _say(f"smoke test OK: window ready with {rows} sheets, {elapsed:.0f} ms after Python started")
    lock = window.session.book_lock
    if lock is not None:
        lock.release()
    opened.close()
    shutil.rmtree(work, ignore_errors=True)
    os._exit(EXIT_OK)
