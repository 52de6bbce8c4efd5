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


def test_the_upstage_timer_need_not_bring_strips_exactly_at_droop_half():
    """Found by the rotating audit (seed 1972429748): indoor 68.5 °F (69.0
    with offset -0.5) against 70 °F, droop 3: exactly droop/2 behind. The
    contract lets W2 leave within droop/2 of setpoint, so after aux_delay_s
    the firmware does not bring it in only to drop it again; the monitor
    agrees. A tenth further behind, W2 must join at the delay."""
    config = {"aux_delay_s": 600, "indoor_offset_f": -0.5, "stage2_delay_s": 0}
    at_half = {"config": config, "tick_s": 30, "duration_s": 1500,
               "events": [{"t": 0, "mode": "heat", "heat_setpoint_f": 70, "indoor_f": 69.0, "outdoor_f": 30.0}]}
    assert audit(at_half) == []
    assert not any(json.loads(text)["W2"] for text in sc.run(sc.parse(at_half)))
    beyond = {**at_half, "events": [{**at_half["events"][0], "indoor_f": 68.9}]}
    assert audit(beyond) == []
    assert any(json.loads(text)["W2"] for text in sc.run(sc.parse(beyond)))
