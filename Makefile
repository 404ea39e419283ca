# `make run`: set up everything, build the demo catalogue, serve the API and pages on 127.0.0.1:8000.
# `make test`: set up everything and run the tests (fast suite, then the real-model suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
RUNTIME_LOCK := requirements-runtime.lock
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install browser run build serve test test-fast test-slow lint lock clean

install: $(STAMP)

# Exactly the locked versions (requirements.lock: runtime and test tools), then the project
# itself without resolving anything again.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Resolve pyproject.toml again in clean virtual environments and write both lock files.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet torch==2.13.0 && .lock-venv/bin/pip install --quiet .
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^innovation-matcher' > $(RUNTIME_LOCK)
	.lock-venv/bin/pip install --quiet '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^innovation-matcher' > $(LOCK)
	rm -rf .lock-venv

build: install
	$(BIN)/matcher build --catalogue demo

serve: install
	$(BIN)/matcher serve --host 127.0.0.1 --port 8000

run: build serve

test: install browser test-fast test-slow

# The page tests drive Debian's Chromium (never a downloaded browser); install it when missing.
browser:
	@command -v chromium >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	@command -v chromium

test-fast: install browser
	$(BIN)/python -m pytest -q

test-slow: install browser
	$(BIN)/python -m pytest -q -m slow

lint: install
	$(BIN)/ruff check matcher api tests benchmarks
	$(BIN)/ruff format --check matcher api tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache .lock-venv
