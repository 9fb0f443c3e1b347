# Two entry points for a fresh machine with only Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean sandbox browser test-pythons mutate

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "concurlab needs Python 3.11 or newer: run make PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,lms,cluster]'
	@touch $(STAMP)

# bubblewrap isolates submissions while grading (warns and continues if it cannot install).
sandbox:
	@.ci/install-sandbox

# Headless chromium for the report pages' browser test.
browser:
	@.ci/install-browser

demo: $(STAMP) sandbox
	$(BIN)/python examples/build_class.py demo-class
	$(BIN)/concurlab grade demo-class --out demo-out --force $$(command -v bwrap >/dev/null || echo --no-sandbox)
	$(BIN)/concurlab export demo-out --format csv --output demo-out/exports/gradebook.csv
	$(BIN)/concurlab export demo-out --format moodle --output demo-out/exports/moodle.csv
	$(BIN)/concurlab export demo-out --format canvas --output demo-out/exports/canvas.csv --roster examples/demo-roster.csv
	$(BIN)/concurlab export demo-out --format junit --output demo-out/exports/junit
	$(BIN)/concurlab export demo-out --format gradescope-json --output demo-out/exports/gradescope

test: $(STAMP) sandbox browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Generated mutants of every reference, graded under 3 seeds: survivors fail (slow: about an hour).
mutate: $(STAMP) sandbox
	$(BIN)/concurlab mutate all --seeds 3

# The engine's tests and the e01/e03 meta-tests on every supported Python (slower; not in CI).
PYTHONS ?= 3.12 3.13
test-pythons: sandbox
	@for v in $(PYTHONS); do \
	  py=$$(command -v python$$v || ls /root/.pyenv/versions/$$v.*/bin/python3 2>/dev/null | head -1); \
	  [ -n "$$py" ] || { echo "python$$v not found"; exit 1; }; \
	  [ -x .venv-$$v/bin/python ] || $$py -m venv .venv-$$v; \
	  .venv-$$v/bin/python -m pip install --quiet --disable-pip-version-check -e . || exit 1; \
	  .venv-$$v/bin/python -m pytest tests/engine tests/test_meta.py -k "not test_meta or e01 or e03" -q || exit 1; \
	done

clean:
	rm -rf $(VENV) .venv-3.* demo-out demo-class
