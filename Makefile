# jupyter-nbctl: `make demo` runs it, `make test` checks it. Both install what
# they need: a virtualenv in .venv, and the control plane built from Go
# modules into ~/.cache/jupyter-nbctl (keyed by version, built once).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo demo-hub test lint crds openapi bench screenshots browser controlplane node images clean

help:
	@echo "make demo   - a local cluster with a real node, the controller, the examples and JupyterLab as alice, until Ctrl-C"
	@echo "make demo-hub - the demo behind a real JupyterHub, where alice and bob each log in"
	@echo "make test   - lint and every test, against a real local control plane"
	@echo "make crds   - regenerate deploy/crds from the models"
	@echo "make openapi - regenerate docs/openapi.json from the API"
	@echo "make bench  - the benchmarks; they rewrite docs/benchmarks.md"
	@echo "make screenshots - the panel's screenshots in docs/screenshots (browser tests)"

# npm's cache lives with the other slow downloads, outside the repo.
export npm_config_cache := $(HOME)/.cache/jupyter-nbctl/npm

$(STAMP): pyproject.toml package.json
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "jupyter-nbctl needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	@command -v npm >/dev/null || { echo "the JupyterLab panel needs Node.js >= 20 with npm"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	# A reinstall must not write through the develop symlink into the build output.
	rm -rf $(VENV)/share/jupyter/labextensions/jupyter-nbctl jupyter_nbctl/labextension/install.json
	$(PY) -m pip install --quiet --upgrade pip
	# Editable install: hatch-jupyter-builder runs npm install and builds the panel.
	$(PY) -m pip install --quiet -e ".[controller,test,dev]"
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/jupyter-builder develop --overwrite .
	touch $@

controlplane:
	@bash devcluster/build.sh >/dev/null

# The real node's system needs, from Debian: runc's seccomp (libseccomp-dev,
# pkg-config), the images' root file systems (mmdebstrap), bridges (iproute2).
NODE_DEBS := libseccomp-dev pkg-config mmdebstrap iproute2
node:
	@pkg-config --exists libseccomp 2>/dev/null && command -v mmdebstrap >/dev/null && command -v ip >/dev/null || { \
	  echo "installing $(NODE_DEBS) for the real node"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(NODE_DEBS) >/dev/null; }
	@bash devcluster/build-node.sh >/dev/null

# The panel, built again when its sources change (the install builds it once; the notebook
# image and the browser tests carry what is built).
PANEL := jupyter_nbctl/labextension/package.json
$(PANEL): $(STAMP) package.json tsconfig.json $(shell find labextension -type f -not -path '*/lib/*')
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH npm run --silent build >/dev/null
	touch $@

# The pause, notebook and controller images, built here (no registry, no Docker).
images: $(STAMP) $(PANEL) node
	@$(PY) -m devcluster.images >/dev/null

demo: $(STAMP) $(PANEL) controlplane node images
	$(PY) -m devcluster demo

# The demo behind a real JupyterHub: alice and bob each log in (docs/hub.md).
demo-hub: $(STAMP) $(PANEL) controlplane node images
	$(PY) -m devcluster demo --hub

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/hadolint controller/Dockerfile devcluster/images/*/Dockerfile
	# The panel's TypeScript and CSS: ESLint, Prettier and Stylelint, as JupyterLab's extension template sets them.
	npm run --silent lint:check

# The browser tests use Debian's Chromium; test tools cannot download browsers here.
browser:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) $(PANEL) controlplane node images browser lint
	# The panel's unit tests in jsdom (Jest), then everything against the real cluster.
	npm run --silent test
	$(PY) -m pytest

crds: $(STAMP)
	$(PY) -m jupyter_nbctl.models.crds deploy/crds

openapi: $(STAMP)
	$(PY) -m jupyter_nbctl.openapi docs/openapi.json

# BENCH_SCALE=0.05 scales every count of bench.scale and bench.time_to_notebook down for a quick run.
bench: $(STAMP) controlplane images
	# The bench extra (matplotlib), without reinstalling the package and rebuilding the panel.
	$(PY) -m pip install --quiet "matplotlib>=3.8"
	$(PY) -m bench.memory_floor
	$(PY) -m bench.list_notebooks
	$(PY) -m bench.time_to_notebook
	$(PY) -m bench.probing
	$(PY) -m bench.scale

screenshots: $(STAMP) $(PANEL) controlplane node images browser
	NBCTL_UI_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest tests/ui -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
