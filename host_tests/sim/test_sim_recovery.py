"""Setback recovery with the firmware's own schedule and smart recovery."""

import pytest

from tools.sim.controllers import FirmwareController
from tools.sim.loop import simulate


@pytest.fixture(scope="module")
def mild_setback():
    controller = FirmwareController({}, "setback", warn=lambda text: None)
    if not controller.firmware_schedule:
        pytest.xfail("the firmware has no schedule API (setting `schedule`, Thermostat.set_wall_clock)")
    return simulate("mild", "setback", controller)


def test_mild_day_setback_is_within_1_f_of_70_at_0630(mild_setback):
    assert abs(mild_setback.kpis["indoor_at_0630_f"] - 70.0) <= 1.0


def test_mild_day_recovery_uses_no_strips(mild_setback):
    assert mild_setback.kpis["recovery_aux_kwh"] == 0


def test_mild_day_recovery_starts_before_0600(mild_setback):
    s = mild_setback.series
    early = [sp for t, sp in zip(s["t_s"], s["controller_setpoint_f"], strict=True) if 4 * 3600 <= t < 6 * 3600]
    assert max(early) == 70.0
