"""The baseline thermostat, and outside controllers through the --interactive protocol."""

import sys
from pathlib import Path

from tools.sim.controllers import CONTROL_PERIOD_S, BaselineController, FirmwareController, InteractiveController
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
    hours = 6  # every control period from midnight: several compressor cycles
    a = simulate("mild", "constant", outside, warmup_days=0, measured_s=hours * 3600)
    b = simulate("mild", "constant", inside, warmup_days=0, measured_s=hours * 3600)
    assert len(outside.seen) == hours * 3600 // CONTROL_PERIOD_S
    assert outside.seen == inside.seen
    assert sum(1 for out in outside.seen if out & Y1) > 1000
    assert a.kpis == b.kpis


def test_the_simulator_ticks_every_controller_at_the_firmwares_control_period():
    from thermo.control import CONTROL_PERIOD_MS

    class Clock:
        name = "clock"

        def __init__(self):
            self.times = []

        def step(self, t_s, minute_of_week, indoor_f, outdoor_f):
            self.times.append(t_s)
            return 0

        def close(self):
            pass

    clock = Clock()
    run = simulate("mild", "constant", clock, warmup_days=0, measured_s=60)
    period_s = CONTROL_PERIOD_MS / 1000
    assert clock.times == [i * period_s for i in range(int(60 / period_s))]
    assert run.dt_s == period_s
