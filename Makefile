# `make run` serves the example site; `make test` runs the whole suite. Both make their own virtualenv.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
BIN := $(VENV)/bin

# A representative part of the suite (the extension, both namespaces, the store, real servers, migrations, the
# REST API; 3.11 with the newest versions runs several processes and gunicorn behind nginx) for the oldest
# supported versions (the multi-process modules left out: CI stays under 20 minutes).
SUBSET := tests/test_extension.py tests/test_visitor_socket.py tests/test_agent_socket.py tests/test_store.py \
	tests/test_async_mode.py tests/test_live_server.py tests/test_origins.py tests/test_attachments.py \
	tests/test_moderation.py tests/test_readme.py tests/test_migrations.py tests/test_api_resources.py \
	tests/test_api_tokens.py
# The other Python versions CI runs a faster part on (3.11 runs everything): CI stays under 20 minutes.
OTHER_PYTHONS ?= python3.12 python3.13
PYTHONS_SUBSET := tests/test_extension.py tests/test_visitor_socket.py tests/test_agent_socket.py \
	tests/test_store.py tests/test_async_mode.py tests/test_live_server.py tests/test_readme.py

.PHONY: run test test-min test-pythons venvs dist lint widget translations clean

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

# The whole suite in three parts side by side (tests/parallel.py); with PYTEST_ARGS, just those, in one run.
test: $(VENV)/.dev-installed
ifeq ($(strip $(PYTEST_ARGS)),)
	$(BIN)/python tests/parallel.py
else
	$(BIN)/python -m pytest $(PYTEST_ARGS)
endif

# The declared minimum versions, exactly (.ci/minimum.txt), in a fresh virtualenv: lower bounds are what we test.
# `make venvs` makes this one and the other Pythons' without running anything.
test-min: .venv-min/.installed
	.venv-min/bin/python -m pytest -p no:cacheprovider $(SUBSET)

.venv-min/.installed: setup.cfg pyproject.toml .ci/minimum.txt
	rm -rf .venv-min
	$(PYTHON) -m venv .venv-min
	.venv-min/bin/pip install --quiet -c .ci/minimum.txt -e ".[dev]"
	touch $@

.venv-python%/.installed: setup.cfg pyproject.toml
	rm -rf .venv-python$*
	python$* -m venv .venv-python$*
	.venv-python$*/bin/pip install --quiet -e ".[dev]"
	touch $@

venvs: .venv-min/.installed $(foreach python,$(OTHER_PYTHONS),.venv-$(python)/.installed)

# The versions run side by side (one core each), each into its own log, shown when both are done.
test-pythons: $(foreach python,$(OTHER_PYTHONS),.venv-$(python)/.installed)
	pids=""; for python in $(OTHER_PYTHONS); do \
	  .venv-$$python/bin/python -m pytest -p no:cacheprovider $(PYTHONS_SUBSET) > .venv-$$python.log 2>&1 & \
	  pids="$$pids $$!"; \
	done; \
	status=0; for pid in $$pids; do wait $$pid || status=1; done; \
	for python in $(OTHER_PYTHONS); do echo "== $$python"; tail -n 40 .venv-$$python.log; done; \
	exit $$status

# The sdist and wheel as a package index would get them, checked by twine, and the wheel installed on its own.
dist: $(VENV)/.dev-installed
	rm -rf dist .venv-dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*
	$(PYTHON) -m venv .venv-dist
	.venv-dist/bin/pip install --quiet dist/*.whl
	cd dist && ../.venv-dist/bin/python -c "import flask_livechat, importlib.resources as r; \
	assert r.files('flask_livechat').joinpath('static/livechat/loader.js').is_file(); \
	assert r.files('flask_livechat').joinpath('translations/fr/LC_MESSAGES/livechat.mo').is_file(); \
	from flask_livechat import i18n; assert i18n.translate('de', 'Unsubscribe') == 'Abmelden'; \
	from flask_livechat.store import Store; store = Store('sqlite:///wheel-check.sqlite3'); \
	assert store.schema.upgrade()[1] == store.schema.head(); print('wheel ok')" && rm -f wheel-check.sqlite3*

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check flask_livechat example_site tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports  # the layer contracts in pyproject.toml (docs/development.md)
	cd widget_assets && (test -d node_modules || npm ci) && npm run check

# Translators' cycle (docs/translating.md): extract every string into the template, merge it into each
# language's .po, compile the .mo files that ship in the package (committed, tests/test_translations.py checks
# they match). A new language: `$(BIN)/pybabel init -D livechat -i $(POT) -d $(CATALOGS) -l xx`, then this.
CATALOGS := flask_livechat/translations
POT := $(CATALOGS)/livechat.pot
translations: $(VENV)/.dev-installed
	PYTHONPATH=. $(BIN)/pybabel -q extract -F babel.cfg -k translate:2 -k translate_plural:2,3 \
	  --add-comments=Translators: --add-location=file --sort-output --no-wrap \
	  --project=flask-livechat --copyright-holder="The flask-livechat contributors" -o $(POT) flask_livechat
	$(BIN)/pybabel -q update -D livechat -i $(POT) -d $(CATALOGS) --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile --statistics -D livechat -d $(CATALOGS)

widget:
	cd widget_assets && npm ci && npm run build

clean:
	rm -rf $(VENV) .venv-min .venv-dist .venv-python3.* build dist *.egg-info
