# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint clean browser-deps fuzz bench

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: set up (venv, migrations, procedures, demo users) and serve on http://127.0.0.1:5000
run: $(STAMP)
	$(VENV)/bin/cadreflow db upgrade
	$(VENV)/bin/cadreflow deploy bpmn/
	$(VENV)/bin/cadreflow demo
	$(VENV)/bin/cadreflow run --host $${HOST:-127.0.0.1} --port $${PORT:-5000}

# bpmn-moddle (bpmn-js's model layer) checks that our diagrams open in a standard modeler
JS_DEPS := tests/js/node_modules/.package-lock.json
$(JS_DEPS): tests/js/package.json tests/js/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tests/js --no-audit --no-fund --loglevel=error; fi

# Debian's chromium (driven by Playwright with executable_path) and CJK fonts for the browser tests
BROWSER := /usr/bin/chromium
$(BROWSER):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null

browser-deps: $(BROWSER)

## test: lint and the layer contracts (import-linter, setup.cfg), then the whole test suite on SQLite and
##       PostgreSQL (unit, integration, API, browser), one pytest-xdist worker per CPU (a test file stays on
##       one worker, so module fixtures are built once)
test: $(STAMP) $(JS_DEPS) $(BROWSER)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $${TEST_WORKERS:-auto} --dist loadfile $(PYTEST_ARGS)

## fuzz: schemathesis over the whole REST API, FUZZ_EXAMPLES (default 200) per operation and mode, on SQLite
##       and PostgreSQL, then stateful sequences along the links schemathesis infers (about 9 min on 2 CPUs)
fuzz: $(STAMP)
	CADREFLOW_FUZZ=1 CADREFLOW_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(PY) -m pytest -p no:cacheprovider --timeout=3600 \
		tests/api/test_openapi_schemathesis.py tests/hostile/test_fuzz_api.py $(PYTEST_ARGS)

## bench: issue 15's figures in one run, each against a floor measured in the same run (about 15 min on 2 CPUs;
##        run it on a quiet machine): the step's cost and round trips, verify and replay, completions per second
bench: $(STAMP)
	$(PY) -m bench.step_cost --steps 200 --young-cases 40
	$(PY) -m bench.replay_verify --cases 200
	$(PY) -m bench.throughput --workers 2 --clients 8 --seconds 15

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) instance .pytest_cache
