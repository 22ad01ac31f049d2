# Salgscoach. `make run` and `make test` set everything up on a fresh machine (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The CPU build of torch must be installed first and pinned: an unpinned torch, or one pulled in by
# sentence-transformers, resolves to a multi-GB CUDA build.
TORCH  := torch==2.13.0
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# llama-cpp-python (the test LLM server) is built from source; without llama.cpp's own tools, tests and
# examples the build takes ~4 minutes instead of ~10, and pip caches the wheel for later venvs.
LLAMA  := llama-cpp-python[server]==0.3.36
LLAMA_CMAKE := -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF

.PHONY: install browser postgres strace aliases run test lint pytest eval bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) "$(TORCH)"
	CMAKE_ARGS="$(LLAMA_CMAKE)" CMAKE_BUILD_PARALLEL_LEVEL=2 $(PIP) "$(LLAMA)"
	$(PIP) -e ".[dev]"
	touch $(STAMP)

# The server-database tests start a throwaway PostgreSQL cluster from Debian's postgresql package
# (initdb/pg_ctl, never the system's own cluster). As root it is installed with apt when missing.
postgres:
	@command -v pg_ctlcluster >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || echo "note: PostgreSQL is missing and this is not root; PostgreSQL tests will be skipped"

# The browser tests drive Debian's chromium (Playwright's own browser download is never used). As root
# it is installed with apt when missing; otherwise those tests are skipped with a note.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "note: chromium is missing and this is not root; browser tests will be skipped"

# The privacy tests watch every connect() of a whole session with strace. As root it is installed with
# apt when missing; otherwise they fall back to the in-process socket watch and say so.
strace:
	@command -v strace >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq strace >/dev/null; } || echo "note: strace is missing and this is not root; the strace checks will be skipped"

# After editing knowledge/questions.jsonl: embed its questions again (shipped beside it, so no
# install embeds them at start; tests/test_aliases.py fails while the file and its vectors differ).
aliases: install
	$(BIN)/python -m assistant.alias_vectors

# Index (with progress bars), then serve the web app; it prints the URL (http://127.0.0.1:7860/).
run: install
	$(BIN)/coach index
	$(BIN)/coach web

lint: install
	$(BIN)/ruff check assistant tests eval bench
	$(BIN)/mypy

pytest: install browser postgres strace
	$(BIN)/pytest -q

test: lint pytest

eval: install
	$(BIN)/coach index
	$(BIN)/coach eval

bench: install
	$(BIN)/python bench/benchmark.py
	$(BIN)/python bench/chain_bench.py
	$(BIN)/python bench/exact_search.py
	$(BIN)/python bench/web_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
