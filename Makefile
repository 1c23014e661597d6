# Set-up is part of every target: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo examples test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The main job on the embedded sandbox: a moto server on 127.0.0.1, no AWS account needed.
demo: $(STAMP)
	$(BIN)/trailguard demo --out reports

# The offline check on the shipped examples (exit 1 = non-compliant is expected there).
examples: $(STAMP)
	@for f in examples/*.json; do \
	  echo "== trailguard check $$f"; \
	  $(BIN)/trailguard check "$$f"; rc=$$?; \
	  if [ $$rc -gt 1 ]; then exit $$rc; fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks rules
	$(BIN)/ruff format --check src tests benchmarks rules

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_bundle.py
	$(BIN)/python benchmarks/bench_scan.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
