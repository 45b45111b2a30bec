# Two entry points: `make demo` and `make check`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo check format lint typecheck test bench messages clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml simulator/pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ./simulator -e '.[dev,simulator]'
	touch $@

demo: setup
	$(BIN)/invoice2go demo

check: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m benchmarks.import_engine
	$(BIN)/python -m benchmarks.qbo_reader
	$(BIN)/python -m benchmarks.slack_ack
	$(BIN)/python -m benchmarks.webhooks
	$(BIN)/python -m benchmarks.service import-all --runs 3
	$(BIN)/python -m benchmarks.service million

# Gather the product's messages into the catalogues; translate the new entries in each .po file.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output \
		-o i18n/messages.pot bot i18n importer invoice2go qbo storage
	$(BIN)/pybabel update -i i18n/messages.pot -d i18n/locales -D messages --no-fuzzy-matching \
		--width 100
	rm i18n/messages.pot

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
