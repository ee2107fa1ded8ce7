# `make demo` and `make test` each create .venv and install with the pinned constraints.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test quick install clean

$(BIN)/arena: pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e ".[test,onnx,ray,openvino]"
	touch $(BIN)/arena

install: $(BIN)/arena

demo: install
	$(BIN)/arena demo --out arena-demo

test: install
	$(BIN)/pytest -q -n auto --durations=30

# the everyday loop (under 2 minutes on 2 cores): everything but the `slow` marker
quick: install
	$(BIN)/pytest -q -n auto -m "not slow" --durations=30

clean:
	rm -rf $(VENV) build *.egg-info
