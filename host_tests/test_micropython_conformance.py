"""The firmware behaves identically on MicroPython 1.27 and on CPython.

Every bundled scenario, plus 150 seeded random ones, is replayed
by ``replay_many.py`` under both interpreters; the printed timelines (with
the gate's reasons and every refused command) must match byte for byte.
It runs once from the firmware sources and once from the modules compiled
by mpy-cross, as a board would load them.
"""

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tools" / "micropython.mjs"
SCRIPT = ROOT / "host_tests" / "replay_many.py"
ENGINE = ROOT / "tools" / "scenario.py"  # the replay engine: desktop code, MicroPython-clean
SCENARIOS = sorted((ROOT / "host_tests" / "scenarios").glob("*.json"))
MODES = ("off", "heat", "cool", "auto", "emergency", "dry")  # "dry" is refused
FANS = ("auto", "on", "circulate")
# About 100,000 ticks in all: some 15 s on the WebAssembly interpreter.
RANDOM_SCENARIOS = 150


def random_scenario(rng):
    """A messy day: readings drifting and dropping out, commands (some of
    them refused), reboots, and a random valid installer config."""
    config = {
        "reversing_valve": rng.choice(("O", "B")),
        "compressor_stages": rng.choice((1, 2)),
        "backup_heat": rng.choice(("electric", "dual_fuel", "none")),
        "min_off_s": rng.choice((60, 300)),
        "min_on_s": rng.choice((60, 180)),
        "max_starts_per_hour": rng.choice((2, 4, 6)),
        "aux_delay_s": rng.choice((0, 600, 1800)),
        "compressor_min_outdoor_f": rng.choice((None, 5, 20.5)),
        "changeover_delay_s": rng.choice((0, 300, 600)),
        "sensor_timeout_s": rng.choice((30, 120)),
        "indoor_offset_f": rng.choice((0.0, -0.5, 1.3)),
    }
    events, t = [], 0
    indoor, outdoor = 68.0, 30.0
    events.append({"t": 0, "mode": "heat", "fan": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 76,
                   "indoor_f": indoor, "outdoor_f": outdoor})
    for _ in range(rng.randint(5, 40)):
        t += rng.choice((1, 7, 60, 333, 900))
        event = {"t": t}
        roll = rng.random()
        if roll < 0.45:
            indoor = round(indoor + rng.uniform(-2.0, 2.0), 2)
            event["indoor_f"] = indoor if rng.random() > 0.05 else None
        elif roll < 0.6:
            outdoor = round(outdoor + rng.uniform(-8.0, 8.0), 1)
            event["outdoor_f"] = outdoor if rng.random() > 0.1 else None
        elif roll < 0.75:
            event["mode"] = rng.choice(MODES)
        elif roll < 0.82:
            event["fan"] = rng.choice(FANS)
        elif roll < 0.95:
            event[rng.choice(("heat_setpoint_f", "cool_setpoint_f"))] = round(rng.uniform(35, 100), 1)
        else:
            event["reboot"] = True
        events.append(event)
    return {"config": config, "tick_s": rng.choice((5, 30, 60)), "duration_s": t + 3600, "events": events}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    rng = random.Random(20261123)
    scenarios = [json.loads(path.read_text()) for path in SCENARIOS]
    scenarios += [random_scenario(rng) for _ in range(RANDOM_SCENARIOS)]
    path = tmp_path_factory.mktemp("conformance") / "scenarios.json"
    path.write_text(json.dumps(scenarios))
    return path


@pytest.fixture(scope="module")
def cpython_output(scenario_file):
    result = subprocess.run([sys.executable, str(SCRIPT), str(scenario_file)], capture_output=True,
                            env={"PYTHONPATH": "%s:%s" % (ROOT / "firmware", ROOT / "tools"), "PATH": "/usr/bin:/bin"}, check=True)
    return result.stdout


def micropython(scenario_file, module_dir):
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules").is_dir():
        pytest.fail("the MicroPython interpreter is not installed: run `make test` (it runs `npm ci`)")
    result = subprocess.run([node, str(RUNNER), "--path", str(module_dir), "--file", "%s=/scenarios.json" % scenario_file,
                             "--file", "%s=/lib/scenario.py" % ENGINE, str(SCRIPT), "/scenarios.json"],
                            capture_output=True, timeout=600)
    if result.returncode != 0:
        pytest.fail("firmware failed under MicroPython 1.27:\n" + result.stderr.decode(errors="replace"))
    return result.stdout


def first_difference(expected, actual):
    """A readable account of where two timelines part."""
    scenario = "?"
    for number, (left, right) in enumerate(zip(expected.splitlines(), actual.splitlines(), strict=False), 1):
        if left.startswith(b"# scenario"):
            scenario = left.decode()
        if left != right:
            return "%s, line %d:\n  CPython:     %s\n  MicroPython: %s" % (scenario, number, left.decode(), right.decode())
    return "one output is a prefix of the other (%d vs %d bytes)" % (len(expected), len(actual))


def test_bundled_and_random_scenarios_print_the_same_bytes_on_micropython(scenario_file, cpython_output):
    assert cpython_output.count(b"# scenario") == len(SCENARIOS) + RANDOM_SCENARIOS
    actual = micropython(scenario_file, ROOT / "firmware")
    assert actual == cpython_output, first_difference(cpython_output, actual)


def test_the_mpy_cross_compiled_firmware_prints_the_same_bytes(scenario_file, cpython_output, tmp_path):
    build = tmp_path / "build"
    built = subprocess.run([sys.executable, str(ROOT / "tools" / "build_mpy.py"), "--out", str(build)],
                           capture_output=True, text=True)
    if built.returncode != 0:
        pytest.fail("mpy-cross (the boards' compiler) rejected the firmware:\n" + built.stdout + built.stderr)
    compiled = build / "armv6m"
    assert list(compiled.rglob("*.mpy")) and not list(compiled.rglob("thermo/*.py"))
    actual = micropython(scenario_file, compiled)
    assert actual == cpython_output, first_difference(cpython_output, actual)


def test_the_freezing_manifest_names_every_firmware_package():
    manifest = (ROOT / "firmware" / "manifest.py").read_text()
    packages = {path.parent.name for path in (ROOT / "firmware").glob("*/__init__.py")}
    assert packages == set(re.findall(r'^package\("(\w+)"\)', manifest, re.MULTILINE))


def test_no_core_tick_allocates_on_a_32_bit_micropython():
    """The WebAssembly port's small ints stop at 2**30, as an RP2040's and an
    ESP32's do (the unix port's go to 2**62): a product of milliseconds that
    passes 2**30 makes a long int there, an allocation the 64-bit board tests
    cannot see. tools/bench_alloc.py runs every phase (steady states and
    transitions, 22,600 ticks) and must count 0 bytes."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules").is_dir():
        pytest.fail("node and node_modules are needed: run `make test`, which installs them")
    result = subprocess.run([node, str(RUNNER), "--path", str(ROOT / "firmware"), str(ROOT / "tools" / "bench_alloc.py")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("alloc_bytes_in_measured_ticks: 0 bytes"), result.stdout
