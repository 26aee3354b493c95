# The two commands: `make demo` and `make test`. Both build their own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Pins Django in this venv, e.g. DJANGO=django~=6.0.0 (CI's Django 6.0 job); empty: the
# newest Django for the Python (5.2 on 3.10/3.11, 6.1 on 3.12+).
DJANGO ?=
# `make demo` needs only the package, the emulator and a task worker: its own small venv.
DEMO_VENV ?= .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed

# `make docs` needs only the docs tools (the `docs` extra) in $(VENV).
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: test demo bench lint typecheck check browser clean docs dist

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" $(if $(DJANGO),"$(DJANGO)")
	@touch $(STAMP)

$(DEMO_STAMP): pyproject.toml
	@test -x $(DEMO_VENV)/bin/python || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet -e ".[demo]"
	@touch $(DEMO_STAMP)

$(DOCS_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	@touch $(DOCS_STAMP)

browser:
	@bash scripts/ensure-chromium

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/python examples/run_demo.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The documentation site, in docs/_build/html; any Sphinx warning fails it.
docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# An sdist and a wheel of anymail-mailtrap, in dist/.
dist:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet build
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf .venv .venv-* .mypy_cache .ruff_cache .pytest_cache
