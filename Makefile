# reegeo: `make run` serves the app on http://localhost:8501, `make test` runs every test.
# Both create the virtual environment .venv from the requirements files first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test test-fast test-browser lint venv clean bench-app

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) -m streamlit run app.py --server.port 8501 --server.headless true

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff (pyflakes, pycodestyle, import order, bugbear, pyupgrade) and mypy on the library.
lint: $(VENV)/.installed
	$(PY) -m ruff check reegeo
	$(PY) -m mypy

test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

test-browser: $(VENV)/.installed
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# The sample report in docs/ for the bundled example sites (and a PNG of its first page when
# poppler-utils' pdftoppm is installed: apt-get install poppler-utils).
.PHONY: report-sample
report-sample: $(VENV)/.installed
	$(PY) -m reegeo screen geodata/examples.geojson -o docs/sample-report.pdf --title "Candidate refinery sites: bundled examples"
	$(PY) -m reegeo screen geodata/examples.geojson -o docs/sample-report.html --title "Candidate refinery sites: bundled examples"
	@if command -v pdftoppm >/dev/null; then pdftoppm -f 1 -l 1 -r 90 -png -singlefile docs/sample-report.pdf docs/sample-report-page1; \
	else echo "pdftoppm not found: docs/sample-report-page1.png not updated (apt-get install poppler-utils)"; fi

# National-scale benchmark (several minutes): writes bench/results.md and bench/results.json.
# BENCH_ARGS=--quick for a 10k-site smoke run.
BENCH_ARGS ?=
.PHONY: bench
bench: $(VENV)/.installed
	$(PY) -m bench.run $(BENCH_ARGS)

# N concurrent headless-Chromium sessions against one app server (bench/results-app.md), and
# the memory one session holds by number of sites (bench/results-memory.md).
bench-app: $(VENV)/.installed
	$(PY) bench/app_load.py --sessions 1 5 10 20
	$(PY) bench/session_memory.py --sites 40 5000 100000
