# jupyter-nbctl: `make demo` runs it, `make test` checks it. Both install what
# they need: a virtualenv in .venv, and the control plane built from Go
# modules into ~/.cache/jupyter-nbctl (keyed by version, built once).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test lint crds openapi bench controlplane clean

help:
	@echo "make demo   - a local cluster with the CRDs and the seed's examples, until Ctrl-C"
	@echo "make test   - lint and every test, against a real local control plane"
	@echo "make crds   - regenerate deploy/crds from the models"
	@echo "make openapi - regenerate docs/openapi.json from the API"
	@echo "make bench  - the benchmarks; they rewrite docs/benchmarks.md"

$(STAMP): pyproject.toml package.json
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "jupyter-nbctl needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[controller,test,dev]"
	touch $@

controlplane:
	@bash devcluster/build.sh >/dev/null

demo: $(STAMP) controlplane
	$(PY) -m devcluster demo

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: $(STAMP) controlplane lint
	$(PY) -m pytest

crds: $(STAMP)
	$(PY) -m jupyter_nbctl.models.crds deploy/crds

openapi: $(STAMP)
	$(PY) -m jupyter_nbctl.openapi docs/openapi.json

bench: $(STAMP) controlplane
	$(PY) -m bench.list_notebooks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
