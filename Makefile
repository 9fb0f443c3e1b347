# Two entry points for a fresh machine with only Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean sandbox

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "concurlab needs Python 3.11 or newer: run make PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,lms]'
	@touch $(STAMP)

# bubblewrap isolates submissions while grading (warns and continues if it cannot install).
sandbox:
	@.ci/install-sandbox

demo: $(STAMP) sandbox
	$(BIN)/concurlab grade examples/class --out demo-out --force

test: $(STAMP) sandbox
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) demo-out
