# govgrid: `make run` serves the demo city on http://127.0.0.1:8000/, `make test` runs every test.
# Both set the machine up first (scripts/setup.sh), so they work on a fresh Debian 12.
PY := .venv/bin/python
BIND ?= 127.0.0.1:8000
WORKERS ?= 3

.PHONY: run test setup lint messages db-stop

# The demo keeps the Party groups' duties (三个一): its coverage counts them unless told otherwise.
DEMO_COVERAGE_RULES = group_leader,service_team,grid_worker,households,station,visits,analysis

run: setup
	$(PY) manage.py load_demo --if-empty
	GOVGRID_COVERAGE_RULES=$${GOVGRID_COVERAGE_RULES:-$(DEMO_COVERAGE_RULES)} BIND=$(BIND) WORKERS=$(WORKERS) exec scripts/serve.sh

# The suite runs in TEST_WORKERS processes (pytest-xdist), each with its own test database; a test
# file goes whole to one worker. Tests marked serial run after them, alone, in the first worker's
# database (kept by --reuse-db), read from the files that mark some (see docs/testing.md).
TEST_WORKERS ?= 2
SERIAL_FILES = $(shell grep -rl --include='test_*.py' 'mark\.serial' tests)

test:
	scripts/setup.sh --test
	.venv/bin/ruff check .
	$(PY) -m pytest --create-db --reuse-db -n $(TEST_WORKERS) --dist loadfile -m "not serial"
	$(if $(SERIAL_FILES),$(PY) -m pytest --reuse-db -n 1 -m serial $(SERIAL_FILES))

setup:
	scripts/setup.sh

lint:
	.venv/bin/ruff check .

# Re-extract and compile the translation catalogues after changing user-facing text.
messages:
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

db-stop:
	scripts/pg.sh stop
