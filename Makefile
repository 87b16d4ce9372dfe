# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
OMSHUB = $(BIN)/omshub

.PHONY: run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

## run: create the embedded SQLite database, load sample stock, import sample orders and show the result
run: $(BIN)/.installed
	$(OMSHUB) db upgrade
	$(OMSHUB) inventory import samples/stock.csv
	$(OMSHUB) orders import samples/webshop-orders.ndjson --channel webshop
	$(OMSHUB) orders import samples/pos-orders.ndjson --channel pos
	$(OMSHUB) orders list
	$(OMSHUB) inventory levels
	$(OMSHUB) quarantine list

## test: the whole test suite (PostgreSQL store tests too when OMSHUB_TEST_POSTGRES_URL is set)
test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(BIN)/.installed
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) omshub.db omshub.db-wal omshub.db-shm
