# One place for setup: every target makes what it needs (the virtualenv, SAM CLI, checkov, the ASL validator).
PYTHON ?= python3
VENV := .venv
TOOLS := .tools

.PHONY: demo test test-slow lint local bench build clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[stages,local,dev]'
	touch $@

# SAM CLI pins its own boto3/pydantic ranges: it lives in a virtualenv of its own.
$(TOOLS)/sam/.installed:
	$(PYTHON) -m venv $(TOOLS)/sam
	$(TOOLS)/sam/bin/pip install --quiet --upgrade pip
	$(TOOLS)/sam/bin/pip install --quiet 'aws-sam-cli>=1.140,<2'
	touch $@

# checkov, pinned: a newer one brings new checks, which the template test would report as findings.
$(TOOLS)/checkov/.installed:
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet --upgrade pip
	$(TOOLS)/checkov/bin/pip install --quiet 'checkov==3.3.30'
	touch $@

$(TOOLS)/node/.installed:
	npm install --silent --no-audit --no-fund --prefix $(TOOLS)/node asl-validator@4.0.0
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/planalign demo

local: $(VENV)/.installed
	$(VENV)/bin/planalign local

bench: $(VENV)/.installed
	$(VENV)/bin/planalign bench

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(VENV)/.installed $(TOOLS)/sam/.installed $(TOOLS)/checkov/.installed $(TOOLS)/node/.installed lint
	SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/$(TOOLS)/sam/bin:$(CURDIR)/$(TOOLS)/checkov/bin:$(CURDIR)/$(TOOLS)/node/node_modules/.bin:$$PATH" $(VENV)/bin/pytest -q

# What `sam deploy` ships: the build, precompiled for the runtime (scripts/precompile_build.py says why).
build: $(TOOLS)/sam/.installed
	SAM_CLI_TELEMETRY=0 PYENV_VERSION=3.12.1 PATH="$(CURDIR)/$(TOOLS)/sam/bin:$$PATH" sam build --parallel
	PYENV_VERSION=3.12.1 python3.12 scripts/precompile_build.py .aws-sam/build

# The slow template test: `sam build` for python3.12/arm64 (needs a python3.12 on PATH; pyenv has one).
test-slow: $(VENV)/.installed $(TOOLS)/sam/.installed
	SAM_CLI_TELEMETRY=0 PYENV_VERSION=3.12.1 PATH="$(CURDIR)/$(TOOLS)/sam/bin:$$PATH" $(VENV)/bin/pytest -q -m slow

clean:
	rm -rf $(VENV) $(TOOLS) .planalign demo-output
