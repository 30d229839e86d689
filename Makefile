# covergate: `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What is installed, per version of pyproject.toml and constraints.txt: RUN_STAMP (the
# package, enough for `make run`), TEST_STAMP (the test and bench extras too; it
# implies RUN_STAMP).
SUM        := $(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
RUN_STAMP  := $(VENV)/.installed-run-$(SUM)
TEST_STAMP := $(VENV)/.installed-test-$(SUM)
# Every package at the version constraints.txt pins (the set the suite last passed
# with), so that a fresh clone installs what CI tested. `make constraints` rewrites it.
PIP        := $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-input \
              --constraint constraints.txt
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The demo's year: small (200 requests, about 20 s: the first run's default) or
# national (7,500, the program's volume, about 3 minutes).
DEMO_SIZE ?= small

.PHONY: run install constraints test lint typecheck bench clean check-chromium check-go check-node

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make run` installs only what the server needs: the test extra (schemathesis,
# playwright, mypy, ...) is most of the download and of pip's resolution time.
$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	rm -f $(VENV)/.installed-*
	touch $@

$(TEST_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $(RUN_STAMP) $@

install: $(TEST_STAMP)

# After changing a dependency in pyproject.toml: resolve it afresh, without the old
# pins, in a scratch virtualenv, and write every version it chose to constraints.txt.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --disable-pip-version-check '.[test,bench]'
	{ echo "# Written by \`make constraints\`: every package \`make install\` takes, at the version"; \
	  echo "# the suite passed with. Change pyproject.toml, then run \`make constraints\`."; \
	  .venv-constraints/bin/python -m pip freeze --disable-pip-version-check --exclude covergate; } > constraints.txt
	rm -rf .venv-constraints

run: $(RUN_STAMP)
	$(BIN)/covergate demo --size $(DEMO_SIZE) --host $(HOST) --port $(PORT)
	COVERGATE_REQUIRE_PASSKEY=off $(BIN)/covergate serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium at /usr/bin/chromium (never a downloaded
# browser). Installed here when missing and we may (root with apt-get); otherwise a
# hint, and the browser tests skip (or fail when CI=true).
check-chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium and chromium-driver for the browser tests" >&2; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	  else \
	    echo "hint: /usr/bin/chromium is missing, so the browser tests (tests/web) will be skipped" >&2; \
	    echo "hint: (or fail when CI=true). Install it as root:" >&2; \
	    echo "hint:   apt-get update && apt-get install -y chromium chromium-driver" >&2; \
	  fi; \
	fi

# The interoperability tests (tests/interop) check our log with Go's reference
# golang.org/x/mod/sumdb/tlog, from Debian's packages (no module download).
check-go:
	@if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's golang-go and golang-golang-x-mod-dev for the interop tests" >&2; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-golang-x-mod-dev; \
	  else \
	    echo "hint: Go or golang.org/x/mod is missing, so tests/interop will be skipped" >&2; \
	    echo "hint: (or fail when CI=true). Install them as root:" >&2; \
	    echo "hint:   apt-get update && apt-get install -y golang-go golang-golang-x-mod-dev" >&2; \
	  fi; \
	fi

# The browser tests run a real OpenID Connect provider (oidc-provider) and axe-core,
# from the npm registry, at the versions tests/web/node/package-lock.json records.
NODE_DIR := tests/web/node
$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "hint: Node.js and npm are missing, so the sign-on and accessibility tests will be" >&2; \
	  echo "hint: skipped (or fail when CI=true). Install them: apt-get install -y nodejs npm" >&2; \
	fi

check-node: $(NODE_DIR)/node_modules/.installed

# pytest exits 5 when it collects no test; make treats any non-zero exit as failure.
# The suite runs on TEST_WORKERS processes (pytest-xdist; `auto` is one per core), test by
# test (a module's server or CLI zygote may start once on each worker). Not --dist
# loadgroup or loadscope: pytest-xdist 3.8's groups do nothing under pytest 9 (it renames
# items through a private attribute pytest 9 no longer reads), and whole modules per worker
# left the 10-minute demo module on one. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= auto
test: install check-chromium check-go check-node
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load --durations=25

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) covergate-data .pytest_cache .mypy_cache .ruff_cache $(NODE_DIR)/node_modules
