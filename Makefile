# Shaobing: `make demo` runs the whole pipeline on the sample and serves the board; `make test` tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := data/sample
# the board's port: `make demo PORT=8502` sets another (a PORT in the environment does not)
PORT = 8501
export SHAOBING_HOME ?= $(CURDIR)/var
export PREFECT_HOME ?= $(SHAOBING_HOME)/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup demo test board bench clean

$(BIN)/shaobing: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $@

setup: $(BIN)/shaobing

demo: setup
	$(BIN)/shaobing areas import $(SAMPLE)/areas.csv
	$(BIN)/shaobing ingest $(SAMPLE)/hotline.csv $(SAMPLE)/petitions.xlsx $(SAMPLE)/grid.jsonl
	$(BIN)/shaobing retrain
	$(BIN)/shaobing weekly
	$(BIN)/shaobing status
	$(BIN)/shaobing users demo
	@echo "board: http://localhost:$(PORT)  (sign in with a demo user above; Ctrl-C to stop)"
	$(BIN)/shaobing board --port $(PORT)

board: setup
	$(BIN)/shaobing board --port $(PORT)

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf var .pytest_cache
