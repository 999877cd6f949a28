# `make run` serves the example site; `make test` runs the whole suite. Both make their own virtualenv.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
BIN := $(VENV)/bin

.PHONY: run test lint widget clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install --quiet ".[eventlet]" Flask-Login Flask-SQLAlchemy
	touch $@

$(VENV)/.dev-installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

run: $(VENV)/.run-installed
	PORT=$(PORT) $(BIN)/python -m example_site

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check flask_livechat example_site tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports  # the layer contracts in pyproject.toml (docs/development.md)
	cd widget_assets && (test -d node_modules || npm ci) && npm run check

widget:
	cd widget_assets && npm ci && npm run build

clean:
	rm -rf $(VENV) build *.egg-info
