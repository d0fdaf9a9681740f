# Needle: `make run` starts the coach on the console and SQLite; `make test` runs every test.
# Installs take the exact, hash-checked versions in requirements.lock; `make lock` refreshes
# the lock from pyproject.toml (runtime and dev dependencies) against PyPI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := 0.13.9

.PHONY: run test lint format bench demo clean lock

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --index-url https://pypi.org/simple --no-config \
		--custom-compile-command 'make lock' --quiet -o $(LOCK)

run: $(STAMP)
	$(BIN)/needle run

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot adapters scheduler tests bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo: $(STAMP)
	$(BIN)/needle demo

bench: $(STAMP)
	$(BIN)/python bench/leaderboard.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/slack_checkins.py

clean:
	rm -rf $(VENV) needle.db needle-demo.db .pytest_cache .mypy_cache .ruff_cache
