# The README's first commands. Both set everything up first (tools/bootstrap.sh is idempotent).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test data clean

setup:
	@tools/bootstrap.sh

demo: setup
	@$(PY) tools/benchmark.py

test: setup
	@$(PY) -m pytest -q -p no:cacheprovider tests

data: setup
	@$(PY) tools/make_synthetic_dota.py data/synthetic_dota

clean:
	rm -rf work_dirs .pytest_cache
