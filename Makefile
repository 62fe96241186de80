# The two commands of the README: `make report` and `make test`.
# Everything is installed into .venv from pyproject.toml; nothing relies on a global install.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
KERNEL := xmo-analysis
CYCLE  ?= 2026-Q4
LOCK   := requirements.lock
STAMP  := $(VENV)/.installed
UV     := uv==0.13.9

.PHONY: report test lab demo install bytecode lock mutation clean help

help:
	@echo "make report   set up .venv, generate demo data, run the $(CYCLE) cycle, print where the reports are"
	@echo "make test     set up .venv and run the test suite"
	@echo "make lab      JupyterLab on the mission notebooks, in the same environment"
	@echo "make lock     refresh requirements.lock deliberately (newest versions allowed by pyproject.toml)"
	@echo "make clean    remove .venv, generated demo data and generated reports"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Every package at the exact version and sha256 of requirements.lock (report, test and lab share
# one environment, so a report and its test run on the same numbers); the project itself is
# installed without touching them. The kernel is registered inside the venv (--sys-prefix), so
# papermill and JupyterLab use this environment's interpreter and never a kernel from elsewhere.
$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (xmo-analysis)"
	@touch $@

install: $(STAMP)

# The package's bytecode, written ahead: where PYTHONDONTWRITEBYTECODE is set (as on our CI
# machines) every process — the runner, each kernel, each render worker, each test's subprocess —
# compiled the package's 17,000 lines again, 0.5 s each. compileall writes regardless and only
# what changed; Python reads a .pyc only while its source is unchanged.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q xmo_analysis

demo: bytecode
	$(BIN)/xmo demo

report: demo
	$(BIN)/xmo run --cycle $(CYCLE)

# Two workers (pytest-xdist), one test file each at a time so that a module's fixtures (a published
# cycle, a PostgreSQL server, a Spark session) are built once; TEST_JOBS=0 runs in one process.
# The 15 slowest tests (setup included) are listed at the end: where the suite's time goes.
TEST_JOBS ?= 2
test: bytecode
	$(BIN)/python -m pytest --durations=15 $(if $(filter 0,$(TEST_JOBS)),,-n $(TEST_JOBS) --dist loadfile)

lab: bytecode demo
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

# Mutation testing (mutmut, configured in pyproject.toml): the locked packages plus mutmut in a
# venv of its own, so that the test environment stays the locked one. `mutants/` holds the results.
mutation:
	$(PYTHON) -m venv .venv-mut
	.venv-mut/bin/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	.venv-mut/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	.venv-mut/bin/python -m pip install --quiet mutmut==3.8.1
	.venv-mut/bin/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (xmo-analysis)"
	.venv-mut/bin/mutmut run --max-children 2; .venv-mut/bin/mutmut results

# A deliberate refresh: resolve pyproject.toml's ranges (all extras) and the build requirements
# again, for Python 3.11 on every platform, with the sha256 of every file. Commit the result.
# rfc3987-syntax (and lark, its only user) stay out: jsonschema's format-nongpl extra, asked for
# by jupyter-events, imports it with jsonschema and it compiles a grammar at import, 1.7 s in
# every process that imports nbformat (the runner, each render); only the `iri` format of
# JSON Schema, which none of our schemas or Jupyter's event schemas here use, needs it.
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet $(UV)
	.venv-lock/bin/uv pip compile pyproject.toml requirements-build.in --all-extras --universal \
	    --python-version 3.11 --generate-hashes --no-header \
	    --no-emit-package rfc3987-syntax --no-emit-package lark -o $(LOCK)
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .venv-lock .venv-mut mutants data/demo .pytest_cache .hypothesis
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
