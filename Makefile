# The two commands of the README: `make report` and `make test`.
# Everything is installed into .venv from pyproject.toml; nothing relies on a global install.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
KERNEL := xmo-analysis
CYCLE  ?= 2026-Q4
STAMP  := $(VENV)/.installed-base
TSTAMP := $(VENV)/.installed-test
LSTAMP := $(VENV)/.installed-lab

.PHONY: report test lab demo install clean help

help:
	@echo "make report   set up .venv, generate demo data, run the $(CYCLE) cycle, print where the reports are"
	@echo "make test     set up .venv and run the test suite"
	@echo "make lab      JupyterLab on the mission notebooks, in the same environment"
	@echo "make clean    remove .venv, generated demo data and generated reports"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The kernel is registered inside the venv (--sys-prefix), so papermill and JupyterLab
# use this environment's interpreter and never a kernel installed elsewhere.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (xmo-analysis)"
	@touch $@

$(TSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

$(LSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/xmo demo

report: demo
	$(BIN)/xmo run --cycle $(CYCLE)

test: $(TSTAMP)
	$(BIN)/python -m pytest

lab: $(LSTAMP) demo
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf $(VENV) data/demo .pytest_cache .hypothesis
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
