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


class _Tick:
    """What the detectors read of a thermostat on one tick (thermo.control.Thermostat's
    own fields), for driving them through hours of a chosen running."""

    def __init__(self, th):
        self.settings, self.model, self.duty = th.settings, th.model, th.duty
        self.mode = th.mode
        self.heat_setpoint_dF, self.cool_setpoint_dF = 700, 760
        self.indoor_ok = self.outdoor_ok = True
        self.indoor_dF, self.outdoor_dF = 695, 520  # 52 °F outdoors: strips are no help here
        self.recovering = self.heat_call = False
        self.outputs = 0


def _hours(detectors, tick, hours, compressor_pm, strips_min_per_h=0):
    """``hours`` of heat mode, each with the compressor on ``compressor_pm`` per mille of
    the time and then the strips (with the compressor) for ``strips_min_per_h`` minutes."""
    for _ in range(hours):
        for second in range(3600):
            if second < compressor_pm * 3600 // 1000:
                tick.outputs = T.Y1 | T.G
            elif second < compressor_pm * 3600 // 1000 + strips_min_per_h * 60:
                tick.outputs = T.Y1 | T.G | T.W2
            else:
                tick.outputs = 0
            tick.heat_call = tick.outputs != 0
            detectors.observe(tick, 1000)


def test_hours_with_strips_do_not_teach_the_compressor_share_that_low_charge_compares_with():
    """Strips (a recovery, a learned duty) leave the house warm and the compressor idle
    after them: the hours they ran in would teach a low share, and the ordinary hours
    after would read as a heat pump that lost its charge (seen on a 30-day setback run)."""
    th = Thermostat({}, 0)
    th.command({"mode": "heat"})
    tick = _Tick(th)
    d = detect.Detectors()
    _hours(d, tick, 3, 0)  # past the catch-up after the first setpoints
    _hours(d, tick, 9, 250, strips_min_per_h=10)  # a compressor a quarter of the time, then strips
    _hours(d, tick, 9, 450)  # the heat pump alone: nearly half the time
    _hours(d, tick, 12, 480)
    assert not d.alerts & detect.LOW_CHARGE
    _hours(d, tick, 12, 800)  # the same house, a compressor that now runs 1.8 times as long
    assert d.alerts & detect.LOW_CHARGE
