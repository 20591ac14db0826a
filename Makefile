# govgrid: `make run` serves the demo city on http://127.0.0.1:8000/, `make test` runs every test.
# Both set the machine up first (scripts/setup.sh), so they work on a fresh Debian 12.
PY := .venv/bin/python
BIND ?= 127.0.0.1:8000
WORKERS ?= 3

.PHONY: run test setup lint messages db-stop

run: setup
	$(PY) manage.py load_demo --if-empty
	@echo "govgrid: http://$(BIND)/"
	exec .venv/bin/gunicorn govgrid.wsgi -c govgrid/gunicorn_conf.py --bind $(BIND) --workers $(WORKERS) --access-logfile - --timeout 120 --no-control-socket

test:
	scripts/setup.sh --test
	.venv/bin/ruff check .
	$(PY) -m pytest --create-db

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
