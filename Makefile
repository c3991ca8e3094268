# Neurons to Networks: `make book`, `make test`, `make lab`.
# The first run creates .venv and installs everything; later runs skip that in well
# under a second (the install is redone only when requirements.txt or pyproject.toml change).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MATHJAX := node_modules/mathjax/es5/tex-chtml.js
PYTEST_ARGS ?=
# pytest-xdist workers for make test, test-portable and test-seed (JOBS=0: one process, no workers).
# Each file runs whole on one worker, and the workers share the cores (conftest.py).
JOBS ?= 2
XDIST := -n $(JOBS) --dist loadfile --no-loadscope-reorder
SEED ?= 1
SUBMISSIONS ?=
GRADES ?= _build/grades
CELL_TIMEOUT ?= 300
NOTEBOOK_TIMEOUT ?= 1800
GRADE_ARGS ?=

.PHONY: help setup book pdf test test-portable test-seed lab bench student grade clean
.DEFAULT_GOAL := help

help:
	@echo "make book    build the site into _build/html (uses the stored notebook outputs)"
	@echo "make pdf     the whole book as one PDF, _build/pdf/neurons-to-networks.pdf (needs Chromium)"
	@echo "make test    unit tests, every notebook under nbval, the site build and browser checks"
	@echo "make test-portable   the tests again under another CPU's kernels and float32 (tools/machine.py)"
	@echo "make test-seed       every chapter's checks under another seed (SEED=1; outputs not compared)"
	@echo "make lab     open the chapters in JupyterLab"
	@echo "make bench   time every notebook and write benchmarks/results.md"
	@echo "make student student editions (solutions out, checks in) in _build/student/ and _build/student.zip"
	@echo "make grade SUBMISSIONS=dir   grade students' notebooks into $(GRADES)/ (grades.csv, reports)"
	@echo "make clean   remove _build (keeps .venv and data)"

setup: $(STAMP) $(MATHJAX)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else "Python >= 3.10 is needed (3.11 is tested); set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt -e .
	@touch $@

$(MATHJAX): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed once, to fetch MathJax for the offline site: sudo apt-get install npm (or install Node.js)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is in _build/html; open _build/html/index.html in a browser."

# One PDF of the whole book: the single-page HTML build printed by the system's Chromium
# (tools/pdf.py says why this route); offline, from the stored outputs.
pdf: setup
	$(BIN)/python tools/pdf.py

test: setup
	@$(BIN)/python tools/machine.py
	PYTHONHASHSEED=0 $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The chapters (and unit tests) under a foreign kernel set, compared with the stored outputs
# exactly as `make test` compares them: a chapter is stored only after it passes both.
test-portable: setup
	PYTHONHASHSEED=0 $(BIN)/python tools/machine.py --foreign -- \
	  $(BIN)/python -m pytest $(XDIST) -m "not site" $(PYTEST_ARGS)

# Every chapter under another seed: its hidden checks must still pass (its printed numbers
# change, so outputs are not compared).
test-seed: setup
	PYTHONHASHSEED=0 NEURODL_SEED=$(SEED) $(BIN)/python -m pytest $(XDIST) --nbval-lax $(or $(PYTEST_ARGS),notebooks)

# JupyterLab needs the Python packages only, not MathJax (so not npm)
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: setup
	PYTHONHASHSEED=0 $(BIN)/python tools/bench.py

# `make grade` without SUBMISSIONS says how to call it, before anything is set up.
ifneq ($(filter grade,$(MAKECMDGOALS)),)
ifeq ($(strip $(SUBMISSIONS)),)
$(error usage: make grade SUBMISSIONS=folder [GRADES=$(GRADES)] [CELL_TIMEOUT=300] [NOTEBOOK_TIMEOUT=1800] [GRADE_ARGS='--chapter 03'])
endif
endif

# Student editions of every chapter (tools/student.py; nothing is executed).
student: setup
	$(BIN)/python tools/student.py

# Grade a folder of submissions, <student>.ipynb or <student>/<any>.ipynb (tools/grade.py):
# each runs in a fresh kernel, offline, in a temporary folder, with the teacher's checks.
grade: setup
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --out "$(GRADES)" --cell-timeout $(CELL_TIMEOUT) --timeout $(NOTEBOOK_TIMEOUT) $(GRADE_ARGS)

clean:
	rm -rf _build
