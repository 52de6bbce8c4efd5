"""Shared helpers: the firmware on sys.path, and timelines to assert on.

``replay(...)`` runs a scenario through ``tools/scenario.py``, the same path
``tools/replay.py`` takes, and returns a :class:`Timeline` of the printed
lines, so a test reads as "given these events, at t the outputs are ...".

Randomized tests run twice: on a fixed seed (:data:`FIXED_SEED`, the same
known ground every run) and on a rotating one (:data:`ROTATING_SEED`, fresh
each run, or ``THERMO_SEED`` from the environment to re-run one exactly).
The rotating seed is printed at the end of every run that used it, and in
every failure message.
"""

import json
import os
import random
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"
if str(FIRMWARE) not in sys.path:
    sys.path.insert(0, str(FIRMWARE))
for path in (ROOT, ROOT / "tools"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import scenario as sc  # noqa: E402

FIXED_SEED = 7
# Failing randomized runs leave their scenario here, for tools/replay.py.
FAILING_SCENARIOS = ROOT / "build" / "failing-scenarios"


def _rotating_seed():
    text = os.environ.get("THERMO_SEED", "").strip()
    if not text:
        return random.SystemRandom().randrange(1, 2**32)
    if not text.isdigit() or not 0 < int(text) < 2**32:
        raise pytest.UsageError("THERMO_SEED: %r is not a whole number from 1 to 4294967295" % text)
    return int(text)


ROTATING_SEED = _rotating_seed()


def seed_note(seed):
    """How to re-run a randomized test on the seed it used."""
    if seed == FIXED_SEED:
        return "fixed seed %d (every run checks it)" % seed
    return "rotating seed %d: re-run it with THERMO_SEED=%d" % (seed, seed)


@pytest.fixture
def rotating_seed(request):
    """This run's rotating seed; using it gets the seed printed at the end."""
    request.config.stash[_SEED_USED] = True
    return ROTATING_SEED


_SEED_USED = pytest.StashKey[bool]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config.stash.get(_SEED_USED, False):
        terminalreporter.write_line("randomized tests: fixed seed %d, rotating seed %d (re-run: THERMO_SEED=%d)" % (
            FIXED_SEED, ROTATING_SEED, ROTATING_SEED))


def write_failing_scenario(name, scenario, directory=None):
    """Save a scenario that broke a randomized test; return its path, relative
    to the repository when it is inside it (as ``tools/replay.py`` takes it)."""
    directory = Path(directory or FAILING_SCENARIOS)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name + ".json")
    path.write_text(json.dumps(scenario, indent=1) + "\n")
    try:
        return path.resolve().relative_to(ROOT)
    except ValueError:
        return path

TERMINALS = ("Y1", "Y2", "G", "W2", "OB", "E")


class Timeline:
    """The printed lines of one replay, and questions about them."""

    def __init__(self, lines, refused):
        self.lines = [json.loads(text) for text in lines]
        self.refused = refused

    def at(self, t):
        """Outputs and alerts holding at time t (the last line at or before t)."""
        current = None
        for line in self.lines:
            if line["t"] <= t:
                current = line
        return current

    def on(self, t):
        """The set of energized terminals at time t."""
        line = self.at(t)
        return {name for name in TERMINALS if line[name]}

    def first(self, terminal, value=1, after=0):
        """First time at or after ``after`` that a line shows terminal == value."""
        if self.at(after)[terminal] == value:
            return after
        for line in self.lines:
            if line["t"] > after and line[terminal] == value:
                return line["t"]
        return None

    def ever(self, terminal, start=0, end=float("inf")):
        """Whether the terminal is energized at any time in [start, end]."""
        if self.at(start)[terminal]:
            return True
        return any(line[terminal] for line in self.lines if start < line["t"] <= end)

    def changes(self, terminal):
        """[(t, value)] each time the terminal changes, starting with t=0."""
        result, last = [], None
        for line in self.lines:
            if line[terminal] != last:
                result.append((line["t"], line[terminal]))
                last = line[terminal]
        return result

    def starts(self, terminal="Y1"):
        return [t for t, value in self.changes(terminal) if value == 1]

    def alerts_at(self, t):
        return self.at(t)["alerts"]


def replay(events, config=None, duration=3600, tick=1, explain=False):
    """Run a scenario from its parts; events are dicts with a "t" key."""
    scenario = {"config": config or {}, "tick_s": tick, "duration_s": duration, "events": list(events)}
    refused = []
    parsed = sc.parse(scenario)
    lines = sc.run(parsed, lambda t_ms, message: refused.append((t_ms / 1000, message)), explain=explain)
    return Timeline(lines, refused)


def heat(t=0, indoor=67.0, outdoor=40.0, setpoint=70.0, **more):
    """A heat-mode event: the usual start of a heating scenario."""
    event = {"t": t, "mode": "heat", "heat_setpoint_f": setpoint, "indoor_f": indoor, "outdoor_f": outdoor}
    event.update(more)
    return event


def cool(t=0, indoor=79.0, outdoor=90.0, setpoint=75.0, **more):
    """A cool-mode event."""
    event = {"t": t, "mode": "cool", "cool_setpoint_f": setpoint, "heat_setpoint_f": 68.0,
             "indoor_f": indoor, "outdoor_f": outdoor}
    event.update(more)
    return event


def reason_codes():
    """The reason codes of the table in thermo/reasons.py (documentation
    only: the board never imports it, so the table is its docstring)."""
    from thermo import reasons

    return re.findall(r"^``([a-z_0-9]+)``", reasons.__doc__, re.MULTILINE)


# Home Assistant's own tests run last: a fresh clone installs Home Assistant
# (minutes) in the background from the moment they are collected, so the
# rest of the suite runs meanwhile. The sort is stable: each module stays whole.
HOME_ASSISTANT_TESTS = ("test_home_assistant.py", "test_ha_schema.py")


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.path.name in HOME_ASSISTANT_TESTS)
