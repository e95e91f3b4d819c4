# The README's first commands. Both set everything up first (tools/bootstrap.sh is idempotent).
# STACK=onedl uses the OneDL fork in .venv-onedl (make setup STACK=onedl, make test STACK=onedl).
STACK ?= default
VENV ?= $(if $(filter onedl,$(STACK)),.venv-onedl,.venv)
PY := $(VENV)/bin/python

.PHONY: setup demo test data clean

setup:
	@STACK=$(STACK) VENV=$(abspath $(VENV)) tools/bootstrap.sh

demo: setup
	@$(PY) tools/benchmark.py

test: setup
	@$(PY) -m pytest -q -p no:cacheprovider tests

data: setup
	@$(PY) tools/make_synthetic_dota.py data/synthetic_dota

clean:
	rm -rf work_dirs .pytest_cache
