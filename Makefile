# Two commands on a fresh machine: `make run` and `make test`. Each bootstraps .venv: `make run` installs what
# Hearth needs to run, `make test` adds the dev tools. uv (itself installed from PyPI into .venv) installs in
# seconds what pip takes a minute for; when uv cannot be had or fails, pip does the same work.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench clean

# install(requirement): uv when it is there and succeeds, else pip.
define install
	@echo "installing $(1) into $(VENV)"
	@{ test -x $(BIN)/uv && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python $(1); } \
		|| $(BIN)/python -m pip install --quiet --disable-pip-version-check $(1)
endef

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	-@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# Hearth's own modules as bytecode: an editable install leaves them as source, and where PYTHONDONTWRITEBYTECODE
# is set (containers often set it) every start compiled all of them again (a quarter of a second here).
# compileall skips what is up to date; where it cannot write (a read-only checkout) Hearth runs from source as before.
COMPILE_OWN := $(BIN)/python -m compileall -q bot cogs storage config

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(call install,-e .)
	-@$(COMPILE_OWN)
	@touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(call install,-e '.[dev]')
	@touch $(STAMP)

run: $(RUNTIME)
	-@$(COMPILE_OWN)
	$(BIN)/hearth run

lint: $(STAMP)
	$(BIN)/ruff check bot cogs storage config tests bench
	$(BIN)/ruff format --check bot cogs storage config tests bench
	$(BIN)/mypy bot cogs storage config tests bench
	$(BIN)/lint-imports

# Tests are independent (own SQLite file, own PostgreSQL database): one worker per core.
unit: $(STAMP)
	$(BIN)/pytest -n auto

test: lint unit

bench: $(STAMP)
	$(BIN)/python -m bench.ingest --quick
	$(BIN)/python -m bench.leaderboard --quick
	$(BIN)/python -m bench.kudos --quick --rows 0
	$(BIN)/python -m bench.discord_latency
	$(BIN)/python -m bench.slack_latency

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
