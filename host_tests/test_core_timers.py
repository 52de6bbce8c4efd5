"""The core's clocks (thermo/timers.py): a timer fixes its length when it
starts, so a settings change never shortens a protection under way; the
stopwatches (sensor age, blower run and rest) are judged by the setting in
force now, because for them the shorter way is the safe one."""

from thermo import terminals as T
from thermo.control import Thermostat
from thermo.schema import Settings, validate
from thermo.timers import BOOT, CALL, Y1_OFF, Timer, Timers

SETTINGS = Settings(validate({"min_off_s": 300}))


def test_a_timer_never_started_reads_done():
    timer = Timer(Y1_OFF, 0, "min_off_ms", 0)
    assert timer.done() and not timer.running() and timer.left_ms() == 0


def test_a_settings_change_leaves_every_running_timer_its_length():
    th = Thermostat({"min_off_s": 300, "changeover_delay_s": 600, "dual_fuel_switch_delay_s": 120}, 0)
    th.tick(100_000)  # the boot's timers have run 100 s
    before = [(timer.length_ms, timer.elapsed_ms) for timer in th.timers.all]
    th.apply_settings({"min_off_s": 30, "changeover_delay_s": 0, "dual_fuel_switch_delay_s": 0})
    assert [(timer.length_ms, timer.elapsed_ms) for timer in th.timers.all] == before
    assert th.timers.min_off.left_ms() == 200_000


def test_a_boot_restarts_a_timer_but_keeps_a_longer_remainder():
    timers = Timers()
    timers.fire(Y1_OFF, Settings(validate({"min_off_s": 3600})))
    timers.advance(600_000, False, False)
    timers.fire(BOOT, SETTINGS)  # 300 s from now is shorter than the 3000 s left
    assert timers.min_off.left_ms() == 3_000_000
    timers.advance(2_900_000, False, False)
    timers.fire(BOOT, SETTINGS)  # 100 s left: the boot's 300 s wins
    assert timers.min_off.left_ms() == 300_000


def test_the_upstage_timers_count_only_while_the_compressor_runs_in_a_call():
    timers = Timers()
    timers.fire(CALL, Settings(validate({"stage2_delay_s": 600, "aux_delay_s": 600})))
    timers.advance(1000, False, False)
    timers.advance(2000, True, False)
    timers.advance(4000, True, True)
    assert timers.stage2.elapsed_ms == 6000 and timers.aux.elapsed_ms == 4000 and timers.min_off.elapsed_ms > 6000


def off_after_a_run(min_off_s=600):
    """A thermostat whose compressor ran 400 s and stopped at t=700 s."""
    th = Thermostat({"min_off_s": min_off_s, "min_on_s": 60}, 0)
    th.command({"mode": "heat", "heat_setpoint_f": 70})
    now = 0
    for now in range(0, 1_301_000, 1000):
        th.indoor_reading(680 if now < 1_000_000 else 705)
        th.outdoor_reading(400)
        th.tick(now)
    assert not th.outputs & T.Y1
    return th, now


def test_lowering_min_off_does_not_shorten_the_rest_under_way():
    th, last = off_after_a_run(600)
    stopped = last - th.timers.min_off.elapsed_ms
    th.apply_settings({"min_off_s": 30})
    th.command({"heat_setpoint_f": 75})
    first = None
    for now in range(last + 1000, stopped + 700_000, 1000):
        th.indoor_reading(700)
        th.outdoor_reading(400)
        if th.tick(now) & T.Y1:
            first = now
            break
    assert first is not None and first - stopped >= 600_000


def test_a_shorter_sensor_timeout_fails_a_stale_sensor_at_once():
    th = Thermostat({"sensor_timeout_s": 600}, 0)
    th.indoor_reading(700)
    th.tick(0)
    th.tick(60_000)
    assert th.indoor_ok
    th.apply_settings({"sensor_timeout_s": 30})
    th.tick(61_000)
    assert not th.indoor_ok and "indoor_sensor" in th.alert_names()


def test_raising_circulate_shortens_the_blowers_rest_at_once():
    """Found by the property test: the rest is a promise of air each hour,
    judged by the minutes in force now, not when the blower stopped."""
    th = Thermostat({"circulate_min_per_hour": 10}, 0)
    th.command({"fan": "circulate"})
    g = []
    for now in range(0, 3_000_000, 10_000):
        if now == 700_000:
            th.apply_settings({"circulate_min_per_hour": 30})
        g.append((now, th.tick(now) & T.G))
    starts = [now for (now, on), (_, before) in zip(g[1:], g[:-1], strict=True) if on and not before]
    assert starts and starts[0] == 600_000 + 1_800_000  # rested 30 min, not 50
