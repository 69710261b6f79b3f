# KPI Desk tasks. `make run` and `make test` create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint format clean package package-onefile manual-shots manual-pdf bench

# Installed as a plain path (compat), not through an import hook: the hook's
# module is loaded at every start of Python and cost the window 20 ms.
# PySide's signature support is then unpacked to files, compiled once
# (tools/signature_files.py: 30 ms of every start).
$(STAMP): pyproject.toml Makefile tools/signature_files.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' \
		--config-settings editable_mode=compat
	$(BIN)/python tools/signature_files.py
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py $(ARGS)

demo: $(STAMP)
	$(BIN)/python main.py --demo

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The standalone program (build.spec, PyInstaller): dist/KPIDesk/KPIDesk
# (on Windows KPIDesk.exe, the window, and kpidesk-cli.exe, the commands)
package: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/onedir build.spec

# The single-file program: dist/onefile/KPIDesk[.exe] (unpacks itself on every start)
package-onefile: $(STAMP)
	KPIDESK_ONEFILE=1 $(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist/onefile --workpath build/onefile build.spec

# The manual's screenshots (resources/manual/images/), made from the real window offscreen
manual-shots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/manual_shots.py

# The manual as a printable PDF: dist/KPIDesk-manual.pdf
manual-pdf: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/manual_pdf.py

# The window, PDF, Excel and memory benchmarks, quick, in one table against the targets
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/bench_all.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
