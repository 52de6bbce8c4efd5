"""Scenarios: the replay contract's black-box interface, run on the real core.

:func:`parse` checks a whole scenario (a dict from JSON) and raises
:class:`ScenarioError` with one line naming the problem. :class:`Replay`
runs the thermostat on a simulated clock: ticks every ``tick_s``, plus a
tick at every event (a command acts at once, as on the board), and formats
one JSON line each time the outputs or alerts change (with ``explain``, also
each time a reason in ``held`` changes, so a hold that changes no output
still shows). It prints nothing
itself: ``tools/replay.py`` on the desktop and the MicroPython conformance
run share it, so their timelines can be compared byte for byte. It is
desktop code, not board firmware (a board never imports it), but it stays
MicroPython-clean so that the conformance run can use it.
"""

from thermo import terminals as T
from thermo.control import CONTROL_PERIOD_MS, Thermostat
from thermo.schema import SettingError, validate
from thermo.ticks import TICKS_MASK, TICKS_PERIOD
from thermo.values import is_number, show

# A scenario's tick_s defaults to the firmware's control period, the one
# constant the board and the simulator use too.
DEFAULT_TICK_MS = CONTROL_PERIOD_MS
CONTROL_PERIOD_S = CONTROL_PERIOD_MS / 1000
DEFAULT_START = "2026-01-05T00:00:00"
# The simulated ticks_ms clock starts a minute before it wraps, as a board's
# does after 12.4 days up, so every replay crosses the wrap.
TICKS_ORIGIN = TICKS_PERIOD - 60_000

MAX_DURATION_S = 366 * 86400
SCENARIO_KEYS = ("config", "tick_s", "duration_s", "events", "start")
# Beyond the contract's keys: "settings", installer settings changed at t
# (applied as Thermostat.apply_settings applies them: whole, or refused like
# a command), and "stall_s", a control loop that ran no tick in the stall_s
# seconds before t. With them a randomized test's failing run is a file.
EVENT_KEYS = ("t", "mode", "fan", "heat_setpoint_f", "cool_setpoint_f", "indoor_f", "outdoor_f", "reboot",
              "settings", "stall_s")
COMMAND_KEYS = ("mode", "fan", "heat_setpoint_f", "cool_setpoint_f")


# The replay's calendar: a scenario's "start" and the wall clock it gives the
# schedule. Desktop only (a board's wall clock is app/wallclock.py), so a
# board does not carry it; MicroPython-clean for the conformance run.
_MINUTES_PER_DAY = 1440
_MINUTES_PER_WEEK = 10080


def week_origin(start):
    """(minute of the week, ms into that minute) of a local time
    "YYYY-MM-DDTHH:MM:SS": parse it once, then use :func:`minute_after`."""
    year, month, day = int(start[0:4]), int(start[5:7]), int(start[8:10])
    # Sakamoto's method, with Monday as day 0.
    shifts = (0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4)
    if month < 3:
        year -= 1
    weekday = (year + year // 4 - year // 100 + year // 400 + shifts[month - 1] + day + 6) % 7
    return weekday * _MINUTES_PER_DAY + int(start[11:13]) * 60 + int(start[14:16]), int(start[17:19]) * 1000


def minute_after(origin, offset_ms):
    """Minute of the week ``offset_ms`` after a :func:`week_origin`."""
    return (origin[0] + (origin[1] + offset_ms) // 60000) % _MINUTES_PER_WEEK


def minute_of_week(start, offset_ms):
    """Minute of the week at ``offset_ms`` after a local time "YYYY-MM-DDTHH:MM:SS"."""
    return minute_after(week_origin(start), offset_ms)


class ScenarioError(ValueError):
    """A malformed scenario or event; the message names the field."""


def _name(key):
    """A key as it goes into a message: plain if it is a plain name."""
    if isinstance(key, str) and key and all(c.isalpha() or c.isdigit() or c == "_" for c in key):
        return key
    return show(key)


def fixed(value, digits):
    """A JSON number as an int of 10**-digits units, rounding half away from
    zero through a decimal string (same answer on single and double floats)."""
    if isinstance(value, int):
        return value * 10**digits
    text = ("%." + str(digits + 1) + "f") % value
    negative = text[0] == "-"
    if negative:
        text = text[1:]
    whole, fraction = text.split(".")
    units = (int(whole) * 10 ** (digits + 1) + int(fraction) + 5) // 10
    return -units if negative else units


def _number(where, value, low=None):
    if not is_number(value) or value != value or value in (float("inf"), float("-inf")):
        raise ScenarioError("%s: %s is not a number" % (where, show(value)))
    if low is not None and value < low:
        raise ScenarioError("%s: %s is below %s" % (where, show(value), show(low)))
    return value


DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _check_start(value):
    ok = isinstance(value, str) and len(value) == 19
    if ok:
        digits = value[0:4] + value[5:7] + value[8:10] + value[11:13] + value[14:16] + value[17:19]
        ok = digits.isdigit() and value[4] + value[7] + value[10] + value[13] + value[16] == "--T::"
    if ok:
        year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        ok = 1 <= month <= 12 and 1 <= day <= DAYS_IN_MONTH[month - 1] and (month != 2 or day < 29 or leap)
        ok = ok and int(value[11:13]) < 24 and int(value[14:16]) < 60 and int(value[17:19]) < 60
    if not ok:
        raise ScenarioError('start: %s is not a local time "YYYY-MM-DDTHH:MM:SS"' % show(value))


def parse_event(event, where="event"):
    """Check one event's shape (not whether the thermostat accepts it)."""
    if not isinstance(event, dict):
        raise ScenarioError("%s: must be an object, not %s" % (where, show(event)))
    for key in event:
        if key not in EVENT_KEYS:
            raise ScenarioError("%s.%s: unknown key (allowed: %s)" % (where, _name(key), ", ".join(EVENT_KEYS)))
    if "t" not in event:
        raise ScenarioError("%s.t: missing (every event needs its time in seconds)" % where)
    _number(where + ".t", event["t"], 0)
    for key in ("mode", "fan"):
        if key in event and not isinstance(event[key], str):
            raise ScenarioError("%s.%s: %s is not a string" % (where, key, show(event[key])))
    for key in ("heat_setpoint_f", "cool_setpoint_f"):
        if key in event:
            _number(where + "." + key, event[key])
    for key in ("indoor_f", "outdoor_f"):
        if key in event and event[key] is not None:
            _number(where + "." + key, event[key])
    if "reboot" in event and not isinstance(event["reboot"], bool):
        raise ScenarioError("%s.reboot: %s is not true or false" % (where, show(event["reboot"])))
    # An installer's settings change: its values are checked whole when it is
    # applied, as the device checks them (refused whole, the run goes on).
    if "settings" in event and not isinstance(event["settings"], dict):
        raise ScenarioError("%s.settings: must be an object of settings, not %s" % (where, show(event["settings"])))
    if "stall_s" in event:
        _number(where + ".stall_s", event["stall_s"], 0)
        if fixed(event["stall_s"], 3) > fixed(event["t"], 3):
            raise ScenarioError("%s.stall_s: %s reaches back before t=0" % (where, show(event["stall_s"])))
    return event


def parse(scenario, interactive=False):
    """Check a whole scenario; return it with defaults filled in.

    In interactive use only ``config`` and ``tick_s`` matter, so events and
    duration are not required (and are ignored).
    """
    if not isinstance(scenario, dict):
        raise ScenarioError("scenario: must be a JSON object, not %s" % show(scenario))
    for key in scenario:
        if key not in SCENARIO_KEYS:
            raise ScenarioError("%s: unknown key (allowed: %s)" % (_name(key), ", ".join(SCENARIO_KEYS)))
    config = scenario.get("config", {})
    if not isinstance(config, dict):
        raise ScenarioError("config: must be an object of settings, not %s" % show(config))
    try:
        config = validate(config)
    except SettingError as error:
        raise ScenarioError("config." + str(error)) from None
    tick_ms = DEFAULT_TICK_MS
    if "tick_s" in scenario:
        tick_s = scenario["tick_s"]
        tick_ms = fixed(_number("tick_s", tick_s), 3)
        if not 1 <= tick_ms <= 3_600_000:
            raise ScenarioError("tick_s: %s is out of range (allowed: 0.001 to 3600 s)" % show(tick_s))
    start = scenario.get("start", DEFAULT_START)
    _check_start(start)
    parsed = {"config": config, "tick_ms": tick_ms, "start": start, "events": [], "duration_ms": 0}
    if interactive:
        return parsed
    if "duration_s" not in scenario:
        raise ScenarioError("duration_s: missing (how many seconds to run)")
    duration = _number("duration_s", scenario["duration_s"], 0)
    if duration > MAX_DURATION_S:
        raise ScenarioError("duration_s: %s is out of range (allowed: 0 to %d s, a year)" % (show(duration), MAX_DURATION_S))
    duration_ms = fixed(duration, 3)
    events = scenario.get("events", [])
    if not isinstance(events, list):
        raise ScenarioError("events: must be a list of objects, not %s" % show(events))
    last_ms = 0
    for index in range(len(events)):
        where = "events[%d]" % index
        event = parse_event(events[index], where)
        t_ms = fixed(event["t"], 3)
        if t_ms < last_ms:
            raise ScenarioError("%s.t: %s is before the previous event's t (events must be in time order)" % (
                where, show(event["t"])))
        if "stall_s" in event and t_ms - fixed(event["stall_s"], 3) < last_ms:
            raise ScenarioError("%s.stall_s: %s reaches back before the previous event's t" % (
                where, show(event["stall_s"])))
        if t_ms > duration_ms:
            raise ScenarioError("%s.t: %s is after duration_s %s" % (where, show(event["t"]), show(scenario["duration_s"])))
        last_ms = t_ms
    parsed["events"] = events
    parsed["duration_ms"] = duration_ms
    return parsed


def format_seconds(t_ms):
    if t_ms % 1000 == 0:
        return "%d" % (t_ms // 1000)
    text = "%d.%03d" % (t_ms // 1000, t_ms % 1000)
    return text.rstrip("0")


class Replay:
    """The thermostat on a simulated clock, fed a scenario's events."""

    def __init__(self, parsed, on_refused=None, ticks_origin=TICKS_ORIGIN, explain=False):
        self.config = parsed["config"]
        self.tick_ms = parsed["tick_ms"]
        self.week_origin = week_origin(parsed["start"])
        self.on_refused = on_refused
        self.explain = explain
        self.ticks_origin = ticks_origin
        self.now_ms = 0
        self.next_tick_ms = 0
        self.indoor_f = None
        self.outdoor_f = None
        self.thermostat = Thermostat(self.config, self._ticks(0))
        self.shown = -1  # outputs and alerts of the last line, packed
        self.shown_held = None  # and its reasons, with explain

    def _ticks(self, t_ms):
        return (self.ticks_origin + t_ms) & TICKS_MASK

    def line(self):
        """The current outputs and alerts as the contract's JSON line, and
        the action that runs (after the gate; thermo.modes.ACTIONS)."""
        thermostat = self.thermostat
        fields = ['"t": ' + format_seconds(self.now_ms)]
        for index in range(6):
            fields.append('"%s": %d' % (T.NAMES[index], 1 if thermostat.outputs & T.BITS[index] else 0))
        alerts = ", ".join('"%s"' % name for name in thermostat.alert_names())
        fields.append('"alerts": [%s]' % alerts)
        fields.append('"action": "%s"' % thermostat.action_name())
        if self.explain:
            held = thermostat.held_reasons()
            if held:
                reasons = ", ".join('"%s": "%s"' % (name, held[name]) for name in T.NAMES if name in held)
                fields.append('"held": {%s}' % reasons)
        return "{" + ", ".join(fields) + "}"

    def _packed(self):
        return self.thermostat.outputs | (self.thermostat.alerts << 8)

    def boot_line(self):
        """The line printed at power-up: every output off."""
        self.shown = self._packed()
        self.shown_held = self.thermostat.held_reasons() if self.explain else None
        return self.line()

    def _changed_line(self, lines):
        held = self.thermostat.held_reasons() if self.explain else None
        if self._packed() != self.shown or held != self.shown_held:
            self.shown = self._packed()
            self.shown_held = held
            lines.append(self.line())

    def _feed_and_tick(self, lines):
        thermostat = self.thermostat
        if self.indoor_f is not None:
            thermostat.indoor_reading(fixed(self.indoor_f, 1))
        if self.outdoor_f is not None:
            thermostat.outdoor_reading(fixed(self.outdoor_f, 1))
        thermostat.set_wall_clock(minute_after(self.week_origin, self.now_ms))
        thermostat.tick(self._ticks(self.now_ms))
        self._changed_line(lines)

    def _apply(self, event, lines):
        if event.get("reboot"):
            retained = self.thermostat.retained()
            self.thermostat = Thermostat(self.config, self._ticks(self.now_ms), retained)
            lines.append(self.boot_line())
        if "indoor_f" in event:
            self.indoor_f = event["indoor_f"]
        if "outdoor_f" in event:
            self.outdoor_f = event["outdoor_f"]
        command = {}
        for key in COMMAND_KEYS:
            if key in event:
                command[key] = event[key]
        if command:
            try:
                self.thermostat.command(command)
            except SettingError as error:
                if self.on_refused:
                    self.on_refused(self.now_ms, str(error))
        if "settings" in event:
            try:
                self.thermostat.apply_settings(event["settings"])
                self.config = self.thermostat.settings.values  # saved: a reboot keeps them
            except SettingError as error:
                if self.on_refused:
                    self.on_refused(self.now_ms, "settings." + str(error))

    def run_until(self, t_ms, lines):
        """Run every grid tick strictly before ``t_ms``."""
        while self.next_tick_ms < t_ms:
            self.now_ms = self.next_tick_ms
            self._feed_and_tick(lines)
            self.next_tick_ms += self.tick_ms

    def event(self, event, lines):
        """Run up to the event's time, apply it, and tick at that instant."""
        t_ms = fixed(event["t"], 3)
        if "stall_s" in event:
            # A stalled loop: no tick in the stall_s before t, then the grid
            # starts afresh from t, as the board's loop does after a late tick.
            stall_from_ms = t_ms - fixed(event["stall_s"], 3)
            if stall_from_ms < self.now_ms:
                raise ScenarioError("stall_s: %s reaches back before the last event's t" % show(event["stall_s"]))
            self.run_until(stall_from_ms + 1, lines)
            self.next_tick_ms = t_ms
        self.run_until(t_ms, lines)
        self.now_ms = t_ms
        self._apply(event, lines)
        self._feed_and_tick(lines)
        if self.next_tick_ms == t_ms:
            self.next_tick_ms += self.tick_ms


def run(parsed, on_refused=None, emit=None, explain=False):
    """Run a parsed scenario to its end; call ``emit(line)`` for every line
    (or return the list of lines when ``emit`` is None)."""
    replay = Replay(parsed, on_refused, explain=explain)
    collected = []
    lines = [replay.boot_line()]
    for event in parsed["events"]:
        replay.event(event, lines)
        if emit:
            for text in lines:
                emit(text)
            lines = []
    replay.run_until(parsed["duration_ms"] + 1, lines)
    if emit:
        for text in lines:
            emit(text)
        return None
    collected.extend(lines)
    return collected
