"""Property-based: random lives of a thermostat never break an interlock.

A hypothesis state machine boots the real core on a ``ticks_ms`` clock just
below its wrap, then drives it with random readings (drifting, jumping,
dropping out), mode, fan and setpoint commands (some refused), installer
setting changes, reboots and clock jumps. After every tick the independent
monitor (``monitor.py``, written from the contract alone) checks all 13
interlocks and the liveness lines; any violation fails with the monitor's
account of it. The module also checks that the run covered at least a
million control ticks.
"""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from monitor import Monitor

from thermo import terminals as T
from thermo.control import Thermostat
from thermo.decide import FANS, MODES
from thermo.schema import SettingError, validate
from thermo.ticks import TICKS_MASK, TICKS_PERIOD

REQUIRED_TICKS = 1_000_000
ticks_run = [0]

# Values an installer might really choose, for every setting that shapes
# control; the ranges themselves are covered by test_bad_input.
SETTING_VALUES = {
    "reversing_valve": st.sampled_from(("O", "B")),
    "compressor_stages": st.sampled_from((1, 2)),
    "backup_heat": st.sampled_from(("electric", "dual_fuel", "none")),
    "heat_differential_f": st.sampled_from((0.5, 1.0, 2.0)),
    "cool_differential_f": st.sampled_from((0.5, 1.0, 2.0)),
    "cycle_overshoot_f": st.sampled_from((0.0, 0.5, 1.0)),
    "min_off_s": st.sampled_from((30, 120, 300, 600)),
    "min_on_s": st.sampled_from((30, 180, 600)),
    "max_starts_per_hour": st.integers(1, 6),
    "stage2_delta_f": st.sampled_from((1.0, 2.0)),
    "stage2_delay_s": st.sampled_from((0, 300, 600)),
    "aux_droop_f": st.sampled_from((1.0, 3.0)),
    "aux_delay_s": st.sampled_from((0, 300, 1800)),
    "aux_max_outdoor_f": st.sampled_from((20.0, 35.0, 50.0)),
    "compressor_min_outdoor_f": st.sampled_from((None, 0.0, 15.0, 40.0)),
    "balance_point_f": st.sampled_from((25.0, 35.0, 45.0)),
    "dual_fuel_switch_delay_s": st.sampled_from((0, 60, 300)),
    "changeover_delay_s": st.sampled_from((0, 60, 600)),
    "auto_deadband_f": st.sampled_from((1.0, 3.0)),
    "em_heat_w2": st.booleans(),
    "fan_with_backup": st.sampled_from((None, True, False)),
    "circulate_min_per_hour": st.sampled_from((0, 10, 30, 60)),
    "sensor_timeout_s": st.sampled_from((10, 60, 120)),
    "indoor_offset_f": st.sampled_from((0.0, -1.5, 0.5)),
    "outdoor_offset_f": st.sampled_from((0.0, 2.0)),
}
some_settings = st.fixed_dictionaries({}, optional=SETTING_VALUES)
indoor_values = st.one_of(st.none(), st.integers(550, 900).map(lambda tenths: tenths / 10))
outdoor_values = st.one_of(st.none(), st.integers(-200, 1000).map(lambda tenths: tenths / 10))
setpoints = st.integers(350, 1000).map(lambda tenths: tenths / 10)  # some out of range on purpose
commands = st.fixed_dictionaries({}, optional={
    "mode": st.sampled_from(MODES + ("dry",)),
    "fan": st.sampled_from(FANS),
    "heat_setpoint_f": setpoints,
    "cool_setpoint_f": setpoints,
})


class ThermostatUnderMonitor(RuleBasedStateMachine):
    """One thermostat's random life, every tick checked by the monitor."""

    @initialize(config=some_settings, tick_s=st.sampled_from((1, 5, 15)),
                indoor=indoor_values, outdoor=outdoor_values)
    def power_up(self, config, tick_s, indoor, outdoor):
        self.values = validate(config)
        self.monitor = Monitor(self.values, liveness=True, tick_s=tick_s)
        self.tick_ms = tick_s * 1000
        self.now_ms = 0
        self.origin = TICKS_PERIOD - 600_000  # ticks_ms wraps ten minutes in
        self.indoor, self.outdoor = indoor, outdoor
        self.thermostat = Thermostat(self.values, self._ticks())
        self._observe(boot=True)
        self._tick()

    def _ticks(self):
        return (self.origin + self.now_ms) & TICKS_MASK

    def _tick(self):
        thermostat = self.thermostat
        if self.indoor is not None:
            thermostat.indoor_reading(round(self.indoor * 10))
        if self.outdoor is not None:
            thermostat.outdoor_reading(round(self.outdoor * 10))
        thermostat.tick(self._ticks())
        ticks_run[0] += 1
        self._observe()

    def _observe(self, boot=False):
        thermostat = self.thermostat
        outputs = {T.NAMES[i]: int(bool(thermostat.outputs & T.BITS[i])) for i in range(6)}
        env = {
            "mode": MODES[thermostat.mode],
            "fan": FANS[thermostat.fan],
            "heat_sp_f": thermostat.heat_setpoint_dF / 10,
            "cool_sp_f": thermostat.cool_setpoint_dF / 10,
            "indoor_f": self.indoor,
            "outdoor_f": self.outdoor,
            "boot": boot,
            "settings": self.values,
            "alerts": thermostat.alert_names(),
        }
        self.monitor.observe(self.now_ms / 1000, outputs, env)
        assert not self.monitor.violations, "\n".join(
            "%s at t=%s: %s (held: %s)" % (v.rule, v.t_s, v.message, thermostat.held_reasons())
            for v in self.monitor.violations)

    @rule(count=st.integers(1, 2000))
    def run(self, count):
        for _ in range(count):
            self.now_ms += self.tick_ms
            self._tick()

    @rule(value=indoor_values)
    def indoor_reads(self, value):
        self.indoor = value

    @rule(step=st.integers(-30, 30))
    def indoor_drifts(self, step):
        if self.indoor is not None:
            self.indoor = min(90.0, max(55.0, round(self.indoor + step / 10, 1)))

    @rule(value=outdoor_values)
    def outdoor_reads(self, value):
        self.outdoor = value

    @rule(command=commands)
    def user_command(self, command):
        try:
            self.thermostat.command(command)
        except SettingError:
            pass
        self._tick()  # a command acts at once, in a tick at the same instant

    @rule(changes=some_settings)
    def installer_changes_settings(self, changes):
        try:
            self.thermostat.apply_settings(changes)
            self.values = self.thermostat.settings.values
        except SettingError:
            pass
        self._tick()

    @rule()
    def power_cycle(self):
        self.thermostat = Thermostat(self.values, self._ticks(), self.thermostat.retained())
        self._observe(boot=True)
        self._tick()

    @rule(gap_s=st.integers(1, 7200))
    def clock_jumps(self, gap_s):
        """A stalled loop: time passes with no tick, then the next one runs."""
        self.now_ms += gap_s * 1000
        self._tick()


TestThermostatUnderMonitor = ThermostatUnderMonitor.TestCase
TestThermostatUnderMonitor.settings = settings(
    max_examples=500, stateful_step_count=60, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def enough_ticks():
    yield
    assert ticks_run[0] >= REQUIRED_TICKS, "only %d control ticks were checked (want %d)" % (
        ticks_run[0], REQUIRED_TICKS)
    print("\nproperty run: %d control ticks checked by the monitor" % ticks_run[0])
