# Two commands on a fresh machine: `make play` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: play test lint bench models bundle clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

play: $(STAMP)
	$(PY) main.py play

test: $(STAMP)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m pytest
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m bench.run_all

# Rebuild every shipped model from data the project generates itself.
models: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) main.py build-models
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) main.py rps-build-model

# Desktop bundle (onedir, ~1 GB): dist/NeuralArcade/NeuralArcade
bundle: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bundle]'
	$(PY) -m PyInstaller --noconfirm --distpath dist --workpath build packaging/neural_arcade.spec

clean-venv:
	rm -rf $(VENV)
