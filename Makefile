# One entry point for people and CI. `make demo` runs the platform; `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: install demo serve test lint typecheck layers bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## demo: install, migrate, seed the demo data and serve http://127.0.0.1:8000 (SQLite + local media)
demo: install
	$(BIN)/clipshop seed
	$(BIN)/clipshop serve

serve: install
	$(BIN)/clipshop serve

## test: lint, types, layers, and the whole suite (SQLite; PostgreSQL when CLIPSHOP_TEST_POSTGRES is set)
test: install lint typecheck layers
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

lint: install
	$(BIN)/ruff check src tests bench

typecheck: install
	$(BIN)/mypy

## layers: the import contracts in pyproject.toml (which package may import which)
layers: install
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/feed.py
	$(BIN)/python bench/upload.py
	$(BIN)/python bench/transcode.py
	$(BIN)/python bench/checkout.py
	$(BIN)/python bench/checkout_cpu.py

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
