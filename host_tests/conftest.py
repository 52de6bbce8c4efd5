"""Shared helpers: the firmware on sys.path, and timelines to assert on.

``replay(...)`` runs a scenario through ``tools/scenario.py``, the same path
``tools/replay.py`` takes, and returns a :class:`Timeline` of the printed
lines, so a test reads as "given these events, at t the outputs are ...".
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"
if str(FIRMWARE) not in sys.path:
    sys.path.insert(0, str(FIRMWARE))
for path in (ROOT, ROOT / "tools"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import scenario as sc  # noqa: E402

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
