"""The detectors in the core: alerts only, fixed-size integer state, names for people."""

from thermo import detect
from thermo import terminals as T
from thermo.control import ALERT_NAMES, Thermostat

MINUTE_MS = 60_000


def run(th, now_ms, minutes, indoor_dF, slope_dF_per_h, outdoor_dF=450):
    """Tick every second for ``minutes`` with the indoor moving at ``slope_dF_per_h``."""
    for second in range(minutes * 60):
        now_ms += 1000
        th.indoor_reading(indoor_dF + slope_dF_per_h * second // 3600)
        th.outdoor_reading(outdoor_dF)
        th.tick(now_ms)
    return now_ms, indoor_dF + slope_dF_per_h * minutes // 60


def test_every_detector_alert_is_a_core_alert_name():
    assert set(detect.ALERT_NAMES) <= set(ALERT_NAMES)
    assert len(set(ALERT_NAMES)) == len(ALERT_NAMES)


def test_a_house_that_falls_fast_under_the_heat_pump_on_a_mild_day_raises_ob_reversed_and_moves_no_relay():
    th = Thermostat({}, 0)
    th.command({"mode": "heat", "heat_setpoint_f": 70})
    now, indoor = run(th, 0, 40, 695, 0)  # past the quiet half hour after the setpoint command
    outputs = []
    now, indoor = run(th, now, 1, 680, -100)
    assert th.outputs & T.Y1
    for _ in range(60):
        now, indoor = run(th, now, 1, indoor, -100)
        outputs.append(th.outputs)
    assert "ob_reversed" in th.alert_names()
    assert all(o & T.Y1 for o in outputs)  # the alert changed nothing the gate decides


def test_a_heat_pump_that_warms_the_house_raises_nothing():
    th = Thermostat({}, 0)
    th.command({"mode": "heat", "heat_setpoint_f": 70})
    now, indoor = run(th, 0, 40, 695, 0)
    now, indoor = run(th, now, 50, 670, 30)
    assert th.outputs & T.Y1
    assert not set(th.alert_names()) & set(detect.ALERT_NAMES)


def test_a_settings_change_clears_the_detector_alerts():
    th = Thermostat({}, 0)
    th.detectors.alerts = detect.OB_REVERSED
    th.tick(1000)
    assert "ob_reversed" in th.alert_names()
    th.apply_settings({"reversing_valve": "B"})
    th.tick(2000)
    assert "ob_reversed" not in th.alert_names()


def test_two_hours_of_a_heat_call_2_degrees_below_the_setpoint_without_a_rise_raise_heat_not_responding():
    th = Thermostat({}, 0)
    th.command({"mode": "heat", "heat_setpoint_f": 70})
    now, indoor = run(th, 0, 40, 695, 0)  # past the quiet half hour after the setpoint command
    now, indoor = run(th, now, 60, 675, -5)  # 2.5 °F below, falling 0.05 °F/h: the first hour
    assert th.heat_call and "heat_not_responding" not in th.alert_names()
    now, indoor = run(th, now, 65, indoor, -5)
    assert "heat_not_responding" in th.alert_names()


def test_a_house_that_rises_under_the_heat_call_raises_no_heat_not_responding():
    th = Thermostat({}, 0)
    th.command({"mode": "heat", "heat_setpoint_f": 70})
    now, indoor = run(th, 0, 40, 695, 0)
    now, indoor = run(th, now, 150, 660, 10)  # 4 °F below, rising 0.1 °F/h
    assert "heat_not_responding" not in th.alert_names()
