# Two commands: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app registry
STAMP := $(VENV)/.installed
export REGISTRY_ENV ?= development

.PHONY: run test install translations translations-update migrate seed lint format bench bench-matchmaking bench-alerts loadtest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d registry/translations --statistics 2>&1 | tail -n 2

translations-update: $(STAMP)
	$(FLASK) translate update

migrate: $(STAMP)
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed demo

run: translations seed
	@echo ""
	@echo "  Registry running at http://127.0.0.1:5000"
	@echo "  Demo logins (password demo1234):"
	@echo "    admin@voorbeeld.nl        administrator"
	@echo "    coordinator@voorbeeld.nl  network coordinator"
	@echo "    coach@voorbeeld.nl        reintegration coach"
	@echo "    werkgever@voorbeeld.nl    employer contact"
	@echo "    coach.oost@voorbeeld.nl   coach of a second organisation"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check registry tests seed

format: $(STAMP)
	$(BIN)/ruff format registry tests seed
	$(BIN)/ruff check --fix .

test: translations
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: translations
	$(BIN)/python -m bench.match_search

# Matchmaking rounds (issue 19): 5,000 candidates x 20,000 free slots, solved exactly.
bench-matchmaking: $(STAMP)
	$(BIN)/python -m bench.matchmaking

# Match alerts (issue 20): a place published among 20,000 followed searches on the scale
# data set (bench/alerts_20000.db, or BENCH_DATABASE_URL; sizes in ALERTS_SEED_ARGS).
bench-alerts: $(STAMP)
	$(BIN)/python -m bench.alerts

# Pages at national scale (issue 17): PostgreSQL database registry_scale on the local server
# (created and filled by `flask seed scale` when missing), gunicorn with 4 workers, Redis for
# the rate limits, Locust headless for 60 s at 16 users. Needs PostgreSQL and Redis running.
loadtest: translations
	$(BIN)/python -m bench.loadtest

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
