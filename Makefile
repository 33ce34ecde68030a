# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   - create .venv, install the project, run the demo job
#   make test   - create .venv if needed, lint, run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the optional dependency groups installed with the project (CI adds spark for the slow tests)
EXTRAS ?= dev
# test workers: one per core, at most four (each worker imports the stack and compiles its own
# models; more than four costs memory for little gain). `make test WORKERS=1` runs serially.
WORKERS ?= $(shell $(PYTHON) -c "import os; print(min(4, len(os.sched_getaffinity(0))))")

.PHONY: demo test test-slow lint docs bench check-wheel clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m prevalence demo --out build/demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: $(STAMP) lint docs
	$(BIN)/python -m pytest -m "not slow" -n $(WORKERS) --dist worksteal

# The documentation site (MkDocs, API reference from the docstrings); fails on any warning.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Slow statistical checks (coverage studies, long MCMC); CI runs them too.
# pytest exits 5 when no test carries the marker yet: that is not a failure.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow; status=$$?; if [ $$status -eq 5 ]; then exit 0; else exit $$status; fi

# The built wheel installed with its declared dependencies into a new virtual environment, the
# demo and one estimate run from an unrelated directory (CI runs it too).
check-wheel: $(STAMP)
	bash .ci/check-wheel $(BIN)/python

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
