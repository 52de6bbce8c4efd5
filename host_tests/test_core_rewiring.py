"""Re-wiring: a change of reversing_valve, compressor_stages or backup_heat.

Contract, behaviour "Re-wiring": the terminals now drive different
equipment, so the call ends at once (Y1, Y2, W2, E off; min_on_s does not
hold them) and every timer then counts as after a boot (min_off_s,
changeover, dual-fuel delay). Any other settings change keeps a running
timer at the longer of its old and new length.
"""

import pytest

from thermo import terminals as T
from thermo.control import Thermostat


class Life:
    """One thermostat ticked every second with steady readings."""

    def __init__(self, config=None, indoor_dF=670, outdoor_dF=400):
        self.thermostat = Thermostat(config or {}, now_ms=0)
        self.now_s = 0
        self.indoor_dF, self.outdoor_dF = indoor_dF, outdoor_dF
        self.history = []  # (t_s, outputs, held reasons)

    def tick(self):
        thermostat = self.thermostat
        thermostat.indoor_reading(self.indoor_dF)
        thermostat.outdoor_reading(self.outdoor_dF)
        outputs = thermostat.tick(self.now_s * 1000)
        self.history.append((self.now_s, outputs, thermostat.held_reasons()))
        return outputs

    def run_until(self, end_s):
        while self.now_s < end_s:
            self.now_s += 1
            self.tick()

    def first(self, bit, after_s):
        for t_s, outputs, _held in self.history:
            if t_s >= after_s and outputs & bit:
                return t_s
        return None

    def ever(self, bits, start_s, end_s):
        return any(outputs & bits for t_s, outputs, _held in self.history if start_s <= t_s <= end_s)


def heating_at_300(config=None, indoor_dF=670):
    """The issue's reproduction: power up, advance 300 s, mode heat: Y1 starts."""
    life = Life(config, indoor_dF)
    life.tick()
    life.run_until(300)
    life.thermostat.command({"mode": "heat", "heat_setpoint_f": 70.0})
    assert life.tick() & T.Y1
    return life


@pytest.mark.parametrize("change", [{"reversing_valve": "B"}, {"compressor_stages": 2},
                                    {"backup_heat": "dual_fuel"}, {"backup_heat": "none"}])
def test_rewiring_ends_a_running_call_at_once(change):
    life = heating_at_300()
    life.thermostat.apply_settings(change)
    outputs = life.tick()  # the tick at the same instant
    assert not outputs & T.CONDITIONING
    assert life.thermostat.held_reasons()["Y1"] == "rewiring"


def test_rewiring_then_counts_as_a_boot_for_min_off_and_not_for_the_changeover():
    life = heating_at_300()
    life.thermostat.apply_settings({"reversing_valve": "B"})
    life.tick()
    life.run_until(1200)
    assert life.first(T.Y1, 301) == 600  # min_off_s from the re-wiring, no changeover wait
    assert life.thermostat.outputs & T.OB  # B: the valve is energized in heat
    assert not life.ever(T.W2, 300, 1200)  # no strips: 67 °F is droop, but min_off alone holds Y1


def test_rewiring_ends_emergency_heat_and_restarts_the_dual_fuel_delay():
    life = Life({"dual_fuel_switch_delay_s": 120})
    life.thermostat.command({"mode": "emergency", "heat_setpoint_f": 70.0})
    life.tick()
    life.run_until(10)
    assert life.thermostat.outputs & T.E and life.thermostat.outputs & T.W2
    life.thermostat.apply_settings({"backup_heat": "dual_fuel"})
    assert not life.tick() & (T.E | T.W2)
    life.run_until(300)
    assert life.first(T.E, 11) == 11  # E is not a hand-over: it returns on the next tick
    assert life.first(T.W2, 11) == 130  # the furnace waits the switch delay, as after a boot


def test_rewiring_while_idle_restarts_min_off():
    life = Life(indoor_dF=700)
    life.thermostat.command({"mode": "heat", "heat_setpoint_f": 70.0})
    life.tick()
    life.run_until(400)
    life.thermostat.apply_settings({"compressor_stages": 2})
    life.tick()
    life.indoor_dF = 680
    life.run_until(1200)
    assert life.first(T.Y1, 400) == 700


def test_reapplying_the_same_wiring_is_not_a_rewiring():
    life = heating_at_300()
    life.thermostat.apply_settings({"reversing_valve": "O", "compressor_stages": 1, "backup_heat": "electric"})
    assert life.tick() & T.Y1


def test_any_other_settings_change_keeps_the_run_for_the_longer_min_on():
    life = heating_at_300(indoor_dF=690)
    life.thermostat.apply_settings({"min_on_s": 30, "heat_differential_f": 2.0, "aux_droop_f": 5.0})
    life.tick()
    life.indoor_dF = 700  # satisfied at once
    life.run_until(600)
    off = [t_s for t_s, outputs, _held in life.history if t_s > 300 and not outputs & T.Y1]
    assert off[0] == 480  # the run keeps its 180 s min_on


def test_max_starts_per_hour_is_the_smallest_value_in_force_in_the_last_hour():
    """A raise takes effect an hour after the change, so no command bypasses
    the limit; but a value counts only for the hour after it was replaced,
    not again after every later raise."""
    life = Life({"max_starts_per_hour": 1}, indoor_dF=680)
    life.thermostat.command({"mode": "heat", "heat_setpoint_f": 70.0})
    life.thermostat.apply_settings({"max_starts_per_hour": 5})  # 1 still holds for an hour
    life.thermostat.apply_settings({"max_starts_per_hour": 2})
    life.tick()
    life.run_until(500)
    life.indoor_dF = 700
    life.run_until(2084)
    life.thermostat.apply_settings({"max_starts_per_hour": 3})  # 2 holds until 5684
    life.run_until(3000)
    life.indoor_dF = 680
    life.run_until(4000)
    assert life.first(T.Y1, 0) == 300
    assert life.first(T.Y1, 501) == 3600  # the start at 300 has left the hour; 1 no longer applies


def test_a_rewiring_does_not_shorten_a_min_off_already_running():
    """No settings change bypasses a timer: min_off_s 900 is running when a
    re-wiring comes with min_off_s 120; Y1 still waits its 900 s."""
    life = heating_at_300({"min_off_s": 300})
    life.thermostat.apply_settings({"min_off_s": 900})
    life.run_until(800)
    life.indoor_dF = 710  # satisfied: Y1 stops after its min_on
    life.run_until(1000)
    stopped_s = max(t_s for t_s, outputs, _held in life.history if outputs & T.Y1) + 1
    life.indoor_dF = 670
    life.run_until(stopped_s + 100)
    life.thermostat.apply_settings({"reversing_valve": "B", "min_off_s": 120})
    life.run_until(stopped_s + 1200)
    assert life.first(T.Y1, stopped_s) == stopped_s + 900


def test_after_a_rewiring_min_off_counts_no_time_from_before_it():
    """The re-wiring comes 0.9 s after a tick, with Y1 long off: min_off then
    counts from the tick that ends the call, so Y1 may not start 299.5 s
    after the change (the 0.9 s before it must not count), only at 300 s."""
    life = Life({"min_off_s": 300})
    life.tick()
    life.run_until(1000)
    thermostat = life.thermostat
    thermostat.command({"mode": "heat", "heat_setpoint_f": 70.0})
    thermostat.apply_settings({"reversing_valve": "B"})
    outputs = {}
    for t_ms in (1_000_900, 1_000_900 + 299_500, 1_000_900 + 300_000):
        thermostat.indoor_reading(life.indoor_dF)
        thermostat.outdoor_reading(life.outdoor_dF)
        outputs[t_ms - 1_000_900] = thermostat.tick(t_ms) & T.Y1
    assert outputs == {0: 0, 299_500: 0, 300_000: T.Y1}


def test_a_rewiring_during_a_recovery_teaches_no_heating_rate():
    """A call cut short (re-wiring, mode change) did not reach its setpoint:
    the recovery's rate is not learned from it."""
    life = heating_at_300()
    thermostat = life.thermostat
    thermostat.recovering = True
    thermostat.recovery_learned = False
    thermostat.recovery_strips = False
    thermostat.recovery_ms = 1_800_000
    thermostat.recovery_from_dF = 600
    rate = thermostat.recovery_rate_dF_h
    thermostat.apply_settings({"reversing_valve": "B"})
    life.run_until(400)
    assert thermostat.recovery_rate_dF_h == rate
