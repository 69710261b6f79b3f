"""The child process of ``bench_window.py``'s start figure. Not run by hand.

``python bench/_start_child.py BOOK [--profile OUT]`` does what
``python main.py BOOK`` does (``main.main`` then ``ui.app.run``): imports,
``create_application``, ``Settings`` (in ``KPIDESK_DATA_DIR``, which the
bench points at a fresh temporary folder), ``open_initial_book``,
``MainWindow``, ``show`` and ``files.show_initial_book`` (the lock, the
list, the first sheet): the steps of ``ui.app.prepare_start`` and ``show_window``, one by one.
Instead of ``app.exec()`` it processes events until ``ui.app.window_ready``
(the window exposed, its list filled, the first sheet in the form), then
once more for the first paint, prints one line and ends at once with
``os._exit(0)``, so no teardown is timed. The frozen program's probe
(``KPIDesk --smoke-test --open BOOK``) runs those two to the same ready.

The line is ``READY`` and a JSON object of ``time.perf_counter()`` readings
taken at each step. On Linux (CLOCK_MONOTONIC) and Windows (QPC) that clock
is system-wide, so the parent can set the readings against its own clock
for a rough breakdown; the figure itself is the parent's.

With ``--profile OUT`` everything after the imports of this file runs under
cProfile and the statistics are written to OUT before the line is printed.
"""

import gc
import os
import sys
import time

STARTED = time.perf_counter()

#: Give up when the window is not ready after this many seconds.
DEADLINE_SECONDS = 60.0
#: The window shown, so that its book's lock is given back before the child ends.
_OPENED: list = []


def run(book: str) -> dict[str, float]:
    """Open the window on ``book`` as ``main.py`` does; return the step readings."""
    marks = {"script": STARTED}
    # As `python main.py BOOK`: the entry module, the names of the
    # subcommands (not the subcommands), then ui.app, which imports
    # MainWindow in show_window().
    import main  # noqa: F401

    gc.disable()  # as main.py does for the window (ui.app.resume_garbage_collection)
    from kpidesk import SUBCOMMANDS  # noqa: F401
    from ui import app as ui_app
    from ui.main_window import MainWindow
    from ui.settings import Settings

    marks["imports"] = time.perf_counter()
    # The steps of ui.app.prepare_start and show_window, one by one, to read the clock between them.
    args = ui_app.parse_gui_arguments([book])
    application = ui_app.create_application()
    marks["application"] = time.perf_counter()
    settings = Settings()
    initial = ui_app.open_initial_book(args.file, args.demo, settings)
    if initial.book is None:
        raise SystemExit(f"cannot open {book}: {initial.message}")
    marks["book_opened"] = time.perf_counter()
    window = MainWindow(settings)
    ui_app.install_excepthook(window)
    marks["window_built"] = time.perf_counter()
    window.show()
    # Through the session, which takes the book's lock (and shows the book
    # opened above without opening it again).
    window.files.show_initial_book(initial)
    window.after_first_paint(ui_app.resume_garbage_collection)
    marks["book_set"] = time.perf_counter()
    deadline = time.perf_counter() + DEADLINE_SECONDS
    while not ui_app.window_ready(window):
        if time.perf_counter() > deadline:
            raise SystemExit("the window was not ready in time")
        application.processEvents()
    application.processEvents()  # the first paint of the exposed window
    marks["ready"] = time.perf_counter()
    _OPENED.append(window)
    return marks


def main() -> None:
    # Like `python main.py`, with the repository (not bench/) first on sys.path.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    book = sys.argv[1]
    profile_out = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--profile" else None
    if profile_out is None:
        marks = run(book)
    else:
        import cProfile

        profiler = cProfile.Profile()
        marks = profiler.runcall(run, book)
        profiler.dump_stats(profile_out)
    import json

    sys.stdout.write("READY " + json.dumps(marks) + "\n")
    sys.stdout.flush()
    # Untimed: give the lock back (os._exit skips it), or the next run would
    # find the book in use and wait on the question that says so.
    for window in _OPENED:
        lock = window.session.book_lock
        if lock is not None:
            lock.release()
    os._exit(0)


if __name__ == "__main__":
    main()
