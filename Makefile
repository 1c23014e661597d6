# Set-up is part of every target: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two installs share .venv: the dev toolchain (STAMP, for tests and lint) and what the demo
# needs (DEMO_STAMP: the package and its sandbox extra); dev includes the sandbox extra.
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
PYTEST := $(BIN)/python -m pytest
LINTED := src tests benchmarks rules

.PHONY: install demo examples test fast lint fmt typecheck unit snapshots build bench clean checkov

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ]; then :; \
	else $(BIN)/python -m pip install --quiet -e '.[sandbox]'; fi
	touch $(DEMO_STAMP)

install: $(STAMP)

# The main job on the embedded sandbox: a moto server on 127.0.0.1, no AWS account needed.
demo: $(DEMO_STAMP)
	$(BIN)/trailguard demo --out reports

# The offline check on the shipped examples (exit 1 = non-compliant is expected there).
examples: $(STAMP)
	@for f in examples/*.json; do \
	  echo "== trailguard check $$f"; \
	  $(BIN)/trailguard check "$$f"; rc=$$?; \
	  if [ $$rc -gt 1 ]; then exit $$rc; fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

fmt: $(STAMP)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

unit: $(STAMP)
	$(PYTEST) -q

# CI: everything, with the full Hypothesis example counts.
test: lint typecheck checkov unit

# checkov on every generated template; each accepted finding carries its reason inline
# (src/trailguard/artifacts/checkov.py). checkov pins its own boto3, older than the one the
# project is tested with, so it lives in a venv of its own. --skip-download: no network.
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $@

checkov: $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --framework cloudformation --quiet \
	  --compact --skip-download -d deploy -f conformance-pack.yaml \
	  -f remediation/remediation-role.yaml

# The inner loop: no slow tests, a few examples per property (tests/conftest.py).
fast: lint
	TRAILGUARD_HYPOTHESIS_PROFILE=fast $(PYTEST) -q -m "not slow"

# Rewrite the snapshot files from the current output; review the diff before committing.
snapshots: $(STAMP)
	$(PYTEST) -q -m snapshot --update-snapshots

# Regenerate the committed artifacts (SSM document, bundles, pack, templates).
build: $(STAMP)
	$(BIN)/trailguard build

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_bundle.py
	$(BIN)/python benchmarks/bench_scan.py
	$(BIN)/python benchmarks/bench_topics.py
	$(BIN)/python benchmarks/bench_cfnlint.py
	$(BIN)/python benchmarks/bench_aggregator.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
