# newsloom: `make demo` sets everything up and runs the demo; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= demo.db

.PHONY: setup demo test bench bench-setup clean

setup: $(VENV)/.installed

# torch goes in first, pinned: the CPU build is served here, and a looser pin pulls gigabytes of CUDA.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e '.[all]'
	touch $@

demo: setup
	HF_HUB_OFFLINE=1 $(BIN)/newsloom demo --db $(DB)

test: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

# The benchmarks' own extra needs: tilse (timeline ROUGE) and the Perl XML module its ROUGE script uses; the
# flatteners of bench/extraction.py (the Python ones in the extra, lynx and w3m from Debian).
bench-setup: setup
	$(BIN)/python -m pip install -e '.[all,bench]'
	command -v apt-get >/dev/null && (apt-get install -y libxml-dom-perl lynx w3m || (apt-get update && apt-get install -y libxml-dom-perl lynx w3m))

bench: bench-setup
	HF_HUB_OFFLINE=1 $(BIN)/python bench/e2e.py

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm $(DB).runs.jsonl
