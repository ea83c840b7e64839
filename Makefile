# Two commands do all set-up on a fresh machine:
#   make app    set up (once) and start the web app on http://127.0.0.1:7860
#   make test   set up (once) and run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: app test build eval compare bench constraints
app: $(VENV)/.ready
	$(PY) app.py

test: $(VENV)/.ready
	$(PY) -m pytest -q

build: $(VENV)/.ready
	$(VENV)/bin/rag build

eval: $(VENV)/.ready
	$(PY) -m eval --out runs/dev

compare: $(VENV)/.ready
	$(PY) -m eval.compare

bench: $(VENV)/.ready
	$(PY) -m eval.bench_core

# torch first and pinned: torch==2.13.0 is a local CPU build on these machines;
# any other torch spec (including a bare dependency) pulls a multi-GB CUDA build.
$(VENV)/.ready: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

# Pins what is installed now (after an upgrade that the eval on every set has checked).
constraints: $(VENV)/.ready
	{ sed -n '/^#/p' constraints.txt; $(PY) -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.new
	mv constraints.new constraints.txt
