"""Smart recovery decides about strips with hysteresis, not afresh every minute.

Once strips are allowed in a recovery they stay allowed until the recovery
ends or the heat pump is ahead of the schedule by a margin, so the strips
do not chatter as the estimate crosses its threshold minute by minute.
"""

import json
from pathlib import Path

from conftest import ROOT

from thermo import terminals as T
from thermo.control import Thermostat
from tools.sim.controllers import FirmwareController
from tools.sim.loop import simulate

SETBACK = [{"days": "daily", "at": "22:00", "heat_setpoint_f": 62},
           {"days": "daily", "at": "06:00", "heat_setpoint_f": 70}]
REFERENCE_INSTALLER = json.loads((Path(ROOT) / "tools" / "sim" / "reference-installer.json").read_text())


def w2_starts(outputs_by_minute, start_min, end_min):
    starts, previous = 0, outputs_by_minute[start_min - 1] & T.W2
    for minute in range(start_min, end_min):
        now = outputs_by_minute[minute] & T.W2
        if now and not previous:
            starts += 1
        previous = now
    return starts


def test_strips_in_a_recovery_do_not_chatter_on_the_cold_setback_day():
    controller = FirmwareController(REFERENCE_INSTALLER, "setback", warn=lambda text: None)
    day = simulate("cold", "setback", controller, REFERENCE_INSTALLER)
    runs = []  # (start, length) of every strip run that ended in the day
    start = None
    for t_s, outputs in zip(day.series["t_s"], day.series["outputs"], strict=True):
        if outputs & T.W2 and start is None:
            start = t_s
        elif not outputs & T.W2 and start is not None:
            runs.append((start, t_s - start))
            start = None
    # Before: 26 starts of about 60 s between 04:00 and 05:00, as the
    # estimate crossed its threshold minute by minute. Now the model knows
    # the heat pump cannot hold at 18 °F, and the strips run their duty:
    # whole runs of aux_min_on_s, at most aux_max_starts_per_hour an hour.
    in_recovery = [(s, length) for s, length in runs if 3 * 3600 <= s < 6 * 3600]
    assert in_recovery, "the strips help the recovery on the cold night"
    assert all(length >= 240 for _, length in in_recovery), in_recovery
    for s, _ in runs:
        assert len([other for other, _ in runs if s <= other < s + 3600]) <= 6


def test_strips_allowed_in_a_recovery_stay_allowed_while_the_heat_pump_is_not_ahead():
    """A house that gains 0.6 °F/h with the heat pump and 8 °F/h with strips, when
    the thermostat assumes 3 °F/h: the strips join once, and stay."""
    thermostat = Thermostat({"schedule": SETBACK}, now_ms=0)
    thermostat.command({"mode": "heat"})
    indoor_centi = 6200
    outputs = [0] * (7 * 60)
    for minute in range(7 * 60):
        thermostat.set_wall_clock(minute)
        thermostat.indoor_reading(indoor_centi // 10)
        thermostat.outdoor_reading(300)
        out = thermostat.tick(minute * 60_000)
        outputs[minute] = out
        if out & T.W2:
            indoor_centi += 14
        elif out & T.Y1:
            indoor_centi += 1
    assert w2_starts(outputs, 1, 6 * 60) == 1
