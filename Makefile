# The two commands a new user needs:
#   make serve   start userpool on 127.0.0.1:9229 with a SQLite file in ./data
#   make test    run the whole test suite (installs what it needs first)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: serve test lint install node

$(BIN)/userpool: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/userpool

install: $(BIN)/userpool

tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
	touch $@

node: tests/js/node_modules/.installed

serve: install
	$(BIN)/userpool serve $(ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install node lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)
