"""An outside audit: replay timelines checked by the independent monitor.

Every bundled scenario and 300 random ones (the same generator as the
MicroPython conformance run; 150 on the fixed seed, the same every run, and
150 on the rotating one) go through ``scenario.run``, the
path ``tools/replay.py`` takes; the monitor then reconstructs each tick
from the scenario and the printed lines alone and checks every interlock
and liveness line of the contract. A failing one is saved as a file for
``tools/replay.py``; the failure message names it.
"""

import json
import random
from pathlib import Path

import pytest
import scenario as sc
from conftest import FIXED_SEED, seed_note, write_failing_scenario
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


@pytest.mark.parametrize("ground", ("fixed", "rotating"))
def test_random_scenarios_pass_the_independent_monitor(ground, rotating_seed):
    seed = FIXED_SEED if ground == "fixed" else rotating_seed
    rng = random.Random(seed)
    for number in range(150):
        scenario = random_scenario(rng)
        violations = audit(scenario)
        if violations:
            path = write_failing_scenario("replay-audit-seed-%d-%d" % (seed, number), scenario)
            pytest.fail("random scenario %d: %s\n%s\nreplay it: python tools/replay.py --explain %s" % (
                number, violations[:3], seed_note(seed), path))
