# Peerloop: `make run` starts everything on embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint migrate demo install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo --verbosity 0

run: demo
	$(BIN)/python scripts/run_stack.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test

# Two passes: everything on all cores (pytest-xdist), then the tests that start a
# real Celery worker, alone, because they share the broker's queue.
test: lint
	$(BIN)/python -m pytest -n auto -m "not worker" --durations=10
	$(BIN)/python -m pytest -m worker --durations=5

clean:
	rm -rf $(VENV) var staticfiles
