"""The baseline thermostat, and outside controllers through the --interactive protocol."""

import sys
from pathlib import Path

from tools.sim.controllers import BaselineController, FirmwareController, InteractiveController
from tools.sim.equipment import OB, W2, Y1
from tools.sim.loop import simulate

ROOT = Path(__file__).resolve().parents[2]


def test_baseline_calls_at_1_f_below_and_stops_at_setpoint():
    b = BaselineController(heat_setpoint_f=70.0)
    assert b.step(0, 0, 69.1, 30.0) == 0
    assert b.step(5, 0, 69.0, 30.0) & Y1
    assert b.step(10, 0, 69.9, 30.0) & Y1
    assert b.step(15, 0, 70.0, 30.0) == 0


def test_baseline_has_no_minimum_off_time_or_start_limit():
    b = BaselineController(heat_setpoint_f=70.0)
    for t in range(0, 200, 20):
        assert b.step(t, 0, 69.0, 30.0) & Y1
        assert b.step(t + 5, 0, 70.0, 30.0) == 0


def test_baseline_strips_whenever_2_f_below_even_in_mild_weather():
    b = BaselineController(heat_setpoint_f=70.0)
    assert b.step(0, 0, 68.0, 55.0) & W2
    assert b.step(5, 0, 68.5, 55.0) & W2
    assert not b.step(10, 0, 69.0, 55.0) & W2


def test_baseline_energizes_ob_in_heat_only_for_a_b_valve():
    assert not BaselineController({"reversing_valve": "O"}).step(0, 0, 60.0, 30.0) & OB
    assert BaselineController({"reversing_valve": "B"}).step(0, 0, 60.0, 30.0) & OB


def test_baseline_follows_the_schedule_directly():
    b = BaselineController(schedule="setback")
    assert b.step(5 * 3600, 0, 64.0, 30.0) == 0        # 62 °F at night
    assert b.step(6 * 3600, 0, 64.0, 30.0) & Y1 | W2   # 70 °F from 06:00, no early start


def test_replay_interactive_drives_the_house_exactly_like_the_firmware_in_process():
    class Recorder:
        def __init__(self, inner):
            self.inner, self.name, self.seen = inner, inner.name, []

        def step(self, *args):
            out = self.inner.step(*args)
            self.seen.append(out)
            return out

        def close(self):
            self.inner.close()

    command = "%s %s --interactive" % (sys.executable, ROOT / "tools" / "replay.py")
    outside = Recorder(InteractiveController(command, "constant"))
    inside = Recorder(FirmwareController({}, "constant"))
    a = simulate("mild", "constant", outside, warmup_days=0)
    b = simulate("mild", "constant", inside, warmup_days=0)
    assert outside.seen == inside.seen
    assert sum(1 for out in outside.seen if out & Y1) > 1000
    assert a.kpis == b.kpis
