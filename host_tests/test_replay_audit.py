"""An outside audit: replay timelines checked by the independent monitor.

Every bundled scenario and 300 seeded random ones (the same generator as
the MicroPython conformance run) go through ``scenario.run``, the
path ``tools/replay.py`` takes; the monitor then reconstructs each tick
from the scenario and the printed lines alone and checks every interlock
and liveness line of the contract.
"""

import json
import random
from pathlib import Path

import pytest
import scenario as sc
from monitor import check_replay_lines
from test_micropython_conformance import random_scenario

# The monitor knows setpoints only from commands, so it cannot follow a
# schedule the firmware runs itself: test_schedule.py covers those.
SCENARIOS = sorted(path for path in (Path(__file__).parent / "scenarios").glob("*.json")
                   if "schedule" not in json.loads(path.read_text()).get("config", {}))


def audit(scenario):
    lines = [json.loads(text) for text in sc.run(sc.parse(scenario))]
    return check_replay_lines(scenario, lines, tick_s=scenario.get("tick_s", sc.CONTROL_PERIOD_S))


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_bundled_scenario_passes_the_independent_monitor(path):
    assert audit(json.loads(path.read_text())) == []


def test_random_scenarios_pass_the_independent_monitor():
    rng = random.Random(7)
    for number in range(300):
        scenario = random_scenario(rng)
        violations = audit(scenario)
        assert violations == [], "random scenario %d: %s\n%s" % (number, violations[:3], json.dumps(scenario))
