"""Controllers the simulator can put in charge of the house, behind one interface.

    controller.step(t_s, minute_of_week, indoor_f, outdoor_f) -> int

is called every control period (the firmware's ``CONTROL_PERIOD_MS``) with
the time since the start of the
run, the local wall clock (0 = Monday 00:00), and the sensor readings in °F
(None: the sensor does not answer). It returns the energized terminals as
the bits of ``thermo.terminals`` (Y1=1, Y2=2, G=4, W2=8, OB=16, E=32), which
hold until the next call.

- :class:`FirmwareController`: the real ``thermo.control.Thermostat``, in
  process, on a ``ticks_ms`` clock that wraps at 2**30 like the board's.
- :class:`BaselineController`: a basic heat-pump thermostat, for comparison.
- :class:`InteractiveController`: any program that speaks the
  ``tools/replay.py --interactive`` protocol.
"""

import json
import shlex
import subprocess
import sys

from thermo.control import CONTROL_PERIOD_MS

from .equipment import BITS, NAMES, OB, W2, Y1, G
from .schedules import FIRMWARE_SCHEDULES, setpoint_f

# The board's control period, the one constant of the core: the simulator
# ticks every controller, and steps the house, at this period (whole seconds).
CONTROL_PERIOD_S = CONTROL_PERIOD_MS // 1000
assert CONTROL_PERIOD_S * 1000 == CONTROL_PERIOD_MS, "the simulator steps whole seconds"


def _warn(message):
    print("warning: " + message, file=sys.stderr, flush=True)


class FirmwareController:
    """The firmware's control core deciding every control period.

    With a schedule, the firmware is given the schedule as its ``schedule``
    setting and the wall clock with ``set_wall_clock`` before each tick, and
    runs the setback (and its smart recovery) itself. A core without that API
    gets the schedule's setpoints as commands at the schedule's times instead
    (no early start), with a warning.
    """

    name = "firmware"

    def __init__(self, settings=None, schedule=None, mode="heat", fan="auto", heat_setpoint_f=70.0, warn=_warn,
                 start_s=0):
        from scenario import TICKS_ORIGIN, fixed

        from thermo.control import Thermostat
        from thermo.schema import SettingError
        from thermo.ticks import TICKS_MASK

        self._fixed = fixed
        self._origin, self._mask = TICKS_ORIGIN, TICKS_MASK
        self.schedule = schedule
        self.start_s = start_s  # t_s of the first step: the board boots then
        settings = dict(settings or {})
        program = FIRMWARE_SCHEDULES.get(schedule) if schedule else None
        self.firmware_schedule = False
        if program is not None:
            if hasattr(Thermostat, "set_wall_clock"):
                try:
                    Thermostat(dict(settings, schedule=program), self._ticks(0))
                    settings["schedule"] = program
                    self.firmware_schedule = True
                except SettingError as error:
                    warn("the firmware refuses the schedule setting (%s)" % error)
            if not self.firmware_schedule:
                warn("the firmware has no schedule API (setting `schedule` + Thermostat.set_wall_clock): "
                     "the simulator sends the schedule's setpoints as commands (no smart recovery)")
        self.thermostat = Thermostat(settings, self._ticks(0))
        self.sensed = None  # the last sense_reading
        self._core_sense = getattr(self.thermostat, "sense_reading", None)
        setpoint = setpoint_f(schedule, start_s) if schedule else heat_setpoint_f
        self._commanded = setpoint
        self.thermostat.command({"mode": mode, "fan": fan, "heat_setpoint_f": setpoint})

    def _ticks(self, t_ms):
        return (self._origin + t_ms) & self._mask

    def command(self, changes):
        """A user command (raises thermo.schema.SettingError if refused)."""
        self.thermostat.command(changes)

    def step(self, t_s, minute_of_week, indoor_f, outdoor_f):
        thermostat = self.thermostat
        if self.schedule:
            if self.firmware_schedule:
                thermostat.set_wall_clock(minute_of_week)
            else:
                setpoint = setpoint_f(self.schedule, t_s)
                if setpoint != self._commanded:
                    self._commanded = setpoint
                    thermostat.command({"heat_setpoint_f": setpoint})
        if indoor_f is not None:
            thermostat.indoor_reading(self._fixed(indoor_f, 1))
        if outdoor_f is not None:
            thermostat.outdoor_reading(self._fixed(outdoor_f, 1))
        return thermostat.tick(self._ticks(int(round((t_s - self.start_s) * 1000))))

    def sense_reading(self, bits):
        """What 24 VAC sense inputs on the terminals read over the last step (the bits of
        ``thermo.terminals``; see tools/sim/faults.py): kept here, and handed to the core
        if it has ``sense_reading`` (the firmware has no sense inputs yet)."""
        self.sensed = bits
        if self._core_sense:
            self._core_sense(bits)

    def held_reasons(self):
        return self.thermostat.held_reasons()

    def alert_names(self):
        return self.thermostat.alert_names()

    def working_setpoint_f(self):
        """The heat setpoint the firmware is working to (its early start shows here)."""
        return self.thermostat.heat_setpoint_dF / 10

    def close(self):
        pass


class BaselineController:
    """What a basic heat-pump thermostat does, heat mode only.

    Single-stage hysteresis on a 1 °F differential (call at setpoint - 1,
    ends at setpoint), compressor with its blower; strips (W2, with G) on
    whenever indoor is 2 °F or more below setpoint, off again once it is back
    within 1 °F (the same 1 °F differential, so the strips do not chatter).
    No minimum on or off time, no start limit, no outdoor lockout, no
    recovery logic: the setpoint is the schedule's, taken directly. Readings
    are rounded to tenths like the firmware's; a missing indoor reading
    turns everything off.
    """

    name = "baseline"

    def __init__(self, settings=None, schedule=None, heat_setpoint_f=70.0):
        settings = settings or {}
        self.valve_b = settings.get("reversing_valve", "O") == "B"
        self.schedule = schedule
        self.heat_setpoint_f = heat_setpoint_f
        self.calling = False
        self.strips = False

    def step(self, t_s, minute_of_week, indoor_f, outdoor_f):
        if indoor_f is None:
            self.calling = self.strips = False
            return 0
        indoor = round(indoor_f, 1)
        setpoint = setpoint_f(self.schedule, t_s) if self.schedule else self.heat_setpoint_f
        if self.calling:
            self.calling = indoor < setpoint
        else:
            self.calling = indoor <= setpoint - 1.0
        if self.strips:
            self.strips = indoor < setpoint - 1.0
        else:
            self.strips = indoor <= setpoint - 2.0
        outputs = 0
        if self.calling:
            outputs |= Y1 | G
            if self.valve_b:
                outputs |= OB
        if self.strips:
            outputs |= W2 | G
        return outputs

    def held_reasons(self):
        return {}

    def close(self):
        pass


class InteractiveController:
    """A program speaking ``tools/replay.py --interactive``: one JSON event line
    in, one JSON outputs line out. The first event sets mode heat, fan auto
    and the setpoint; the schedule's setpoint changes are sent as commands."""

    name = "interactive"

    def __init__(self, command, schedule=None, heat_setpoint_f=70.0):
        self.command_line = command
        self.schedule = schedule
        self.heat_setpoint_f = heat_setpoint_f
        self._sent_setpoint = None
        self.process = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, bufsize=1)

    def step(self, t_s, minute_of_week, indoor_f, outdoor_f):
        # Readings go out at full precision, so the other side rounds exactly what the firmware would.
        event = {"t": t_s, "indoor_f": indoor_f, "outdoor_f": outdoor_f}
        setpoint = setpoint_f(self.schedule, t_s) if self.schedule else self.heat_setpoint_f
        if self._sent_setpoint is None:
            event.update(mode="heat", fan="auto")
        if setpoint != self._sent_setpoint:
            event["heat_setpoint_f"] = setpoint
            self._sent_setpoint = setpoint
        try:
            self.process.stdin.write(json.dumps(event) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        except BrokenPipeError:
            answer = ""
        if not answer:
            raise RuntimeError("controller %r stopped answering at t=%s (exit status %s)" % (
                self.command_line, t_s, self.process.poll()))
        line = json.loads(answer)
        return sum(bit for name, bit in zip(NAMES, BITS, strict=True) if line.get(name))

    def held_reasons(self):
        return {}

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def make(spec, settings=None, schedule=None):
    """A controller from its command-line name: firmware, baseline or interactive:CMD."""
    if spec == "firmware":
        return FirmwareController(settings, schedule)
    if spec == "baseline":
        return BaselineController(settings, schedule)
    if spec.startswith("interactive:") and spec[len("interactive:"):].strip():
        return InteractiveController(spec[len("interactive:"):], schedule)
    raise ValueError("controller: %r is not firmware, baseline or interactive:CMD" % spec)
