# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
OMSHUB = $(BIN)/omshub
# The sample configuration reads the sandbox shop's token from the environment, as it would a real one.
export SHOPIFY_SANDBOX_TOKEN ?= shpat_sandbox_token
export WOO_SANDBOX_KEY ?= ck_sandbox_0123456789abcdef0123456789abcdef
export WOO_SANDBOX_SECRET ?= cs_sandbox_fedcba9876543210fedcba9876543210
export MEDUSA_SANDBOX_KEY ?= sk_sandbox_medusa_secret_key
export BRIGHTPEARL_SANDBOX_APP_REF ?= omshub_sandbox
export BRIGHTPEARL_SANDBOX_TOKEN ?= bp_sandbox_token_0123456789abcdef0123456789abcdef
export STRIPE_SANDBOX_KEY ?= sk_test_51OmsHubSandbox0000000000000000000000000000

.PHONY: run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

## run: the hub on SQLite with the sample configuration: loads sample stock and orders, starts the local
##      sandboxes (Shopify, WooCommerce, Medusa, a Brightpearl warehouse, a Stripe account) and the daemon
##      (orders arrive from the shops, stock is reserved and pushed back, paid orders ship from the warehouse
##      and the storefront's card payments are captured as they ship); Ctrl-C stops both
run: $(BIN)/.installed
	$(OMSHUB) db upgrade
	$(OMSHUB) inventory import samples/stock.csv
	$(OMSHUB) orders import samples/webshop-orders.ndjson --channel webshop
	$(OMSHUB) orders import samples/pos-orders.ndjson --channel pos
	$(OMSHUB) orders import samples/storefront-orders.ndjson --channel storefront
	@$(OMSHUB) sandbox --port 8787 --orders 200 --rate 0.5 --authorizations samples/storefront-orders.ndjson & sandbox=$$!; \
	trap 'kill $$sandbox 2>/dev/null' EXIT INT TERM; \
	sleep 2; echo "sandbox running (pid $$sandbox); in another terminal try: $(OMSHUB) status, $(OMSHUB) jobs history"; \
	$(OMSHUB) daemon

## test: the whole test suite, one worker per core (PostgreSQL store tests too when OMSHUB_TEST_POSTGRES_URL is
##       set; each worker then uses a database of its own next to that one, so the role needs CREATEDB)
test: $(BIN)/.installed
	$(BIN)/python -m pytest -n auto

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(BIN)/.installed
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/pull.py
	$(BIN)/python bench/push.py
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) omshub.db omshub.db-wal omshub.db-shm
