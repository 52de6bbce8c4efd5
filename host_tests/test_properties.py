"""Property-based: random lives of a thermostat never break the contract.

A hypothesis state machine drives the replay engine (``tools/scenario.py``,
the path ``tools/replay.py`` takes) with random events: readings drifting,
jumping and dropping out, mode, fan and setpoint commands (some refused),
installer settings changes (some refused), reboots and stalls of the control
loop. The ``ticks_ms`` clock starts just below its wrap. After every tick the
independent monitor (``monitor.py``, written from the contract and README's
settings table, never from the firmware) checks all 13 interlocks and the
liveness lines.

The monitor is told only the raw events and the outputs: it decides itself
which commands and settings the device had to accept (``monitor.Acceptance``,
as the replay audit does), and after every event a device that accepted
anything else (a refused setpoint taken, a valid mode refused) is a failure.

Every step is an event of the replay contract, so a failing life is saved
as a scenario file (its path is in the failure message) that
``python tools/replay.py FILE`` replays to the same output lines.

The suite runs on a fixed seed (the same ground every run) and on a
rotating one (new ground every run; ``THERMO_SEED`` re-runs it), and each
checks at least half a million control ticks: a million per run. Lives
draw very different lengths from one seed to the next, so each ground is
a budget of ticks (hypothesis runs on consecutive seeds until it is
spent), not a number of examples: its time is about the same on every seed.
"""

import pytest
import scenario as sc
from conftest import FAILING_SCENARIOS, FIXED_SEED, seed_note, write_failing_scenario
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from monitor import FAN_MODES, MODES, Acceptance, Monitor, Violation

from thermo import terminals as T

TICKS_PER_SEED = 500_000  # twice per run: a million checked ticks
SUITE = settings(
    max_examples=40, stateful_step_count=60, deadline=None, database=None, report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

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
    "fan": st.sampled_from(FAN_MODES),
    "heat_setpoint_f": setpoints,
    "cool_setpoint_f": setpoints,
})


def seconds(t_ms):
    return t_ms // 1000 if t_ms % 1000 == 0 else t_ms / 1000


class WatchedReplay(sc.Replay):
    """The replay engine, with every tick and boot shown to a Watch, and
    every event told to the Watch's Acceptance at the instant the device
    takes it: the one place where an event takes effect, whichever way it
    came in (``Watch.event`` or a saved scenario's ``watch_scenario``), so
    the monitor never judges a tick by a command it was not told of yet,
    or no longer."""

    def __init__(self, parsed, watch):
        self.watch = watch
        super().__init__(parsed)

    def _apply(self, event, lines):
        super()._apply(event, lines)  # a reboot's boot line is observed before its command
        self.watch.acceptance.event(event)
        self.watch.event_pending = True

    def boot_line(self):
        line = super().boot_line()
        self.watch.observe(boot=True)
        return line

    def _feed_and_tick(self, lines):
        super()._feed_and_tick(lines)
        self.watch.observe(boot=False)


class Watch:
    """A scenario built event by event and run as tools/replay.py runs it,
    the monitor checking every tick; ``on_violation`` is called at the first
    tick that shows one."""

    def __init__(self, config, tick_s, monitor_class=Monitor, on_violation=None):
        self.scenario = {"config": config, "tick_s": tick_s, "duration_s": 0, "events": []}
        parsed = sc.parse(self.scenario, interactive=True)
        self.monitor = monitor_class(config, liveness=True, tick_s=tick_s)
        self.acceptance = Acceptance(config)  # what the device must accept, decided by the monitor
        self.event_pending = False
        self.on_violation = on_violation
        self.ticks = 0
        self.replay = WatchedReplay(parsed, self)
        self.lines = [self.replay.boot_line()]

    def event(self, t_ms=None, **keys):
        """One event of the scenario, applied with a tick at its instant."""
        t_ms = self.replay.now_ms if t_ms is None else t_ms
        event = dict(t=seconds(t_ms), **keys)
        self.scenario["events"].append(event)
        self.replay.event(event, self.lines)  # the ticks before it, then the event, told to the acceptance

    def run(self, count):
        """The next ``count`` ticks of the control period."""
        replay = self.replay
        replay.run_until(replay.next_tick_ms + (count - 1) * replay.tick_ms + 1, self.lines)

    def observe(self, boot):
        replay = self.replay
        thermostat = replay.thermostat
        outputs = {T.NAMES[i]: int(bool(thermostat.outputs & T.BITS[i])) for i in range(6)}
        env = dict(self.acceptance.env(), indoor_f=replay.indoor_f, outdoor_f=replay.outdoor_f, boot=boot,
                   alerts=thermostat.alert_names())
        self.monitor.observe(replay.now_ms / 1000, outputs, env)
        # A boot is always followed by a tick at the same instant: a violation
        # is reported there, so that a saved scenario ends on a tick.
        if not boot:
            if self.event_pending:  # the tick at an event's instant: has it accepted what it must?
                self.event_pending = False
                self.check_acceptance()
            self.ticks += 1
            if self.monitor.violations and self.on_violation:
                self.on_violation()

    def check_acceptance(self):
        """Flag a device whose accepted mode, fan, setpoints or settings differ
        from what the monitor says it had to accept."""
        thermostat = self.replay.thermostat
        kept = thermostat.retained()
        device = {"mode": kept["mode"], "fan": kept["fan"], "heat_sp_f": kept["heat_setpoint_dF"] / 10,
                  "cool_sp_f": kept["cool_setpoint_dF"] / 10}
        differs = self.acceptance.disagreement(device, thermostat.settings.values)
        if differs:
            t = self.replay.now_ms / 1000
            self.monitor.violations.append(Violation("ACCEPTANCE", t, "the device accepted " + differs))

    def scenario_so_far(self):
        """The events so far as a scenario ending at the last tick, which
        tools/replay.py replays to ``self.lines``."""
        return dict(self.scenario, duration_s=seconds(self.replay.now_ms))

    def report(self):
        held = self.replay.thermostat.held_reasons()
        return "\n".join("%s at t=%s: %s (held: %s)" % (v.rule, v.t_s, v.message, held)
                         for v in self.monitor.violations)


def watch_scenario(scenario, monitor_class=Monitor):
    """Run a whole scenario (a saved failure, say) under the monitor."""
    parsed = sc.parse(scenario)
    watch = Watch(scenario.get("config", {}), scenario.get("tick_s", sc.CONTROL_PERIOD_S), monitor_class)
    for event in parsed["events"]:
        watch.replay.event(event, watch.lines)
    watch.replay.run_until(parsed["duration_ms"] + 1, watch.lines)
    return watch


class ThermostatUnderMonitor(RuleBasedStateMachine):
    """One thermostat's random life as a scenario, every tick checked."""

    # Set per run by machine_for(): how to re-run it, where a failure goes.
    name = "properties"
    note = ""
    failures_dir = FAILING_SCENARIOS
    monitor_class = Monitor
    ticks = [0]
    last_failure = None  # (path, printed lines) of the latest failing life

    @initialize(config=some_settings, tick_s=st.sampled_from((1, 5, 15)),
                indoor=indoor_values, outdoor=outdoor_values)
    def power_up(self, config, tick_s, indoor, outdoor):
        self.watch = Watch(config, tick_s, self.monitor_class, self._fail)
        self.watch.event(indoor_f=indoor, outdoor_f=outdoor)

    def teardown(self):
        if hasattr(self, "watch"):
            self.ticks[0] += self.watch.ticks

    def _fail(self):
        """Save the life so far as a scenario, ending at this tick, and fail."""
        watch = self.watch
        path = write_failing_scenario(self.name, watch.scenario_so_far(), self.failures_dir)
        type(self).last_failure = (path, list(watch.lines))
        raise AssertionError("%s\n%s\nreplay it: python tools/replay.py --explain %s" % (
            watch.report(), self.note, path))

    @rule(count=st.integers(1, 2000))
    def run(self, count):
        self.watch.run(count)

    @rule(value=indoor_values)
    def indoor_reads(self, value):
        self.watch.event(indoor_f=value)

    @rule(step=st.integers(-30, 30))
    def indoor_drifts(self, step):
        indoor = self.watch.replay.indoor_f
        if indoor is not None:
            self.watch.event(indoor_f=min(90.0, max(55.0, round(indoor + step / 10, 1))))

    @rule(value=outdoor_values)
    def outdoor_reads(self, value):
        self.watch.event(outdoor_f=value)

    @rule(command=commands)
    def user_command(self, command):
        self.watch.event(**command)  # a command acts at once, in a tick at the same instant

    @rule(changes=some_settings)
    def installer_changes_settings(self, changes):
        self.watch.event(settings=changes)

    @rule()
    def power_cycle(self):
        self.watch.event(reboot=True)

    @rule(gap_s=st.integers(1, 7200))
    def clock_jumps(self, gap_s):
        """A stalled loop: time passes with no tick, then the next one runs."""
        self.watch.event(self.watch.replay.now_ms + gap_s * 1000, stall_s=gap_s)


def machine_for(seed_value, name=None, note=None, monitor_class=Monitor, failures_dir=FAILING_SCENARIOS):
    """The state machine on one seed, with its own tick count and failure file."""
    machine = type("ThermostatUnderMonitor", (ThermostatUnderMonitor,), {
        "name": name or "properties-seed-%d" % seed_value, "note": note or seed_note(seed_value),
        "ticks": [0], "monitor_class": monitor_class, "failures_dir": failures_dir})
    return seed(seed_value)(machine)


def check_lives(first_seed):
    """Hypothesis runs on first_seed, first_seed + 1, ... until they have
    checked TICKS_PER_SEED ticks: a budget in ticks, so in time, whatever
    the lengths of the lives each seed happens to draw."""
    ticks, part = 0, 0
    while ticks < TICKS_PER_SEED:
        machine = machine_for(first_seed + part, name="properties-seed-%d-part-%d" % (first_seed, part),
                              note="%s (part %d)" % (seed_note(first_seed), part))
        run_state_machine_as_test(machine, settings=SUITE)
        ticks, part = ticks + machine.ticks[0], part + 1
    return ticks


@pytest.mark.parametrize("ground", ("fixed", "rotating"))
def test_random_lives_keep_every_interlock_and_promise(ground, rotating_seed):
    first_seed = FIXED_SEED if ground == "fixed" else rotating_seed
    ticks = check_lives(first_seed)
    assert ticks >= TICKS_PER_SEED
    print("%s: %d control ticks checked by the monitor" % (seed_note(first_seed), ticks))
