"""The commissioning test: each terminal in turn, with a timed check of what
the house does, then what matched, what did not, and the O/B verdict.

An installer starts it from the REPL (``bench.commission()``), the web page
(``/commission``) or ``make run`` (key ``c``). Steps, in this order:

1. fan only (G): mode off, fan on; the indoor temperature should move no
   more than the house drifts at rest (measured just before);
2. compressor in heat (Y1): heat mode, the heat setpoint held just far
   enough above indoor to make a call (no stage 2, no strips);
3. stage 2 (Y2, two-stage only), in the same call: the setpoint moved to
   ``stage2_delta_f`` away; judged by what it adds to stage 1 (its first
   ``add_s`` against the last ``add_s`` of stage 1);
4. strips or furnace (W2, with backup heat): electric strips likewise, by
   what they add at ``aux_droop_f``; a furnace (dual fuel) by the rise it
   makes alone once the core has handed the call over;
5. compressor in cool (Y1 with the valve in cool): cool mode;
6. emergency heat (E, with W2 when ``em_heat_w2``).

Stage 2 and strips follow the heat step within its call, so each is
judged against the heat pump it joins, and the changeover to cool is
waited out once. Heat, cool, furnace and emergency responses are the
indoor change minus the drift measured with the fan alone.

Safety: the test only gives the core commands a user could give (mode,
fan, setpoints). Every rule of the gate still applies: min_off, min_on,
the changeover delay, the lockouts, the start limits. When a terminal is
held, the test says by what and for how long, and waits (at most
``max_wait_s``); a hold no wait can end (an outdoor lockout) skips the step
with the reason. Between steps it rests in mode off for ``rest_s``.

The user's mode, fan and setpoints are put back at the end, on an abort,
on a lost indoor sensor, or when the installer settings change. While the
test runs, what the board saves as user state (``Thermostat.retained``)
is the user's, not the test's, so a reboot comes back as the user left it
and the test does not resume. A user command that changes the mode or fan
ends the test and is kept; a setpoint changed by the user or the schedule
becomes the user's setpoint, restored at the end.

The class is driven by ``advance(step_ms)`` after each control tick: a
supervised task on the board (:meth:`Commission.run`), the simulator's
step in ``make run`` and the tests. Integer arithmetic throughout (tenths
of °F, ms).
"""

from app.screen import clock, left_ms
from thermo import brands
from thermo import modes as M
from thermo import terminals as T
from thermo.schema import DUAL_FUEL, ELECTRIC, NO_BACKUP
from thermo.ticks import step_ms
from thermo.values import SettingError, show_tenths

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

PERIOD_MS = const(1000)  # the board task's period: one control period
DEADLINE_MS = const(3000)
_MARGIN_DF = const(3)  # the setpoint's lead beyond the threshold that makes the call

FAN = "fan"
HEAT = "heat"
STAGE2 = "stage2"
STRIPS = "strips"
COOL = "cool"
EMERGENCY = "emergency"
TITLES = {FAN: "fan only (G)", HEAT: "compressor in heat (Y1)", STAGE2: "stage 2 (Y2)",
          STRIPS: "strips (W2)", COOL: "compressor in cool (Y1, O/B)", EMERGENCY: "emergency heat (E)"}

REST = "rest"
WAIT = "wait"
RUN = "run"

# Options: (default, lowest, highest); durations in s, changes in °F.
OPTIONS = {
    "settle_s": (900, 10, 3600),
    "rest_s": (300, 0, 3600),
    "fan_s": (300, 10, 3600),
    "run_s": (600, 10, 3600),
    "add_s": (300, 10, 1800),
    "max_wait_s": (1800, 10, 7200),
    "min_change_f": (0.5, 0.1, 5.0),
    "min_added_f": (0.2, 0.1, 5.0),
}

# Holds that no wait ends within the test: the step is skipped at once.
_HOPELESS = ("aux_lockout", "outdoor_lockout", "no_backup", "single_stage", "not_emergency", "cooling",
             "furnace_backup", "outdoor_sensor", "emergency")
# Verdicts of a step.
MATCHED = "matched"
NOT_MATCHED = "not matched"
NOT_RUN = "not run"

current = None  # the test under way or last run, for the REPL and the web page


def check_options(options):
    """The options with defaults filled in, checked whole; SettingError
    naming the option and its range otherwise."""
    result = {}
    for key in options:
        if key not in OPTIONS:
            raise SettingError(key, "unknown option (known: %s)" % ", ".join(sorted(OPTIONS)))
    for key in OPTIONS:
        default, low, high = OPTIONS[key]
        value = options.get(key, default)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if isinstance(default, int) and not isinstance(value, int):
            number = False
        if not number or not low <= value <= high:
            raise SettingError(key, "%r is out of range (allowed: %s to %s)" % (value, low, high))
        result[key] = value
    return result


def _dF(value_f):
    """°F (int or float option) to tenths, rounded."""
    return int(value_f * 10 + 0.5)


def _f(value_dF):
    return show_tenths(value_dF) + " °F"


def _minutes(ms):
    seconds = ms // 1000
    if seconds % 60:
        return "%d min %d s" % (seconds // 60, seconds % 60)
    return "%d minutes" % (seconds // 60)


def plan(settings):
    """The steps these settings call for."""
    steps = [FAN, HEAT]
    if settings.two_stage:
        steps.append(STAGE2)
    if settings.backup != NO_BACKUP:
        steps.append(STRIPS)
    steps.append(COOL)
    if settings.backup != NO_BACKUP:
        steps.append(EMERGENCY)
    return steps


class Commission:
    """One commissioning run on ``thermostat``; ``command(changes)`` is the
    device's own command (acted on at once, refused whole with SettingError)."""

    def __init__(self, thermostat, command, brand=None, **options):
        self.th = thermostat
        self.command_fn = command
        self.options = check_options(options)
        self.brand = brand
        opts = self.options
        self.settle_ms = opts["settle_s"] * 1000
        self.rest_ms = opts["rest_s"] * 1000
        self.fan_ms = opts["fan_s"] * 1000
        self.run_ms = opts["run_s"] * 1000
        self.add_ms = opts["add_s"] * 1000
        self.max_wait_ms = opts["max_wait_s"] * 1000
        self.min_dF = _dF(opts["min_change_f"])
        self.min_added_dF = _dF(opts["min_added_f"])
        self.settings = thermostat.settings
        self.steps = plan(self.settings)
        self.state = "idle"  # running, done, aborted
        self.why = ""  # why it ended early
        self.results = []  # one dict per step, in order
        self.findings = []  # codes of what did not match
        self.verdict = []  # lines for people
        self.restore_error = None
        th = thermostat
        self.user = [th.mode, th.fan, th.heat_setpoint_dF, th.cool_setpoint_dF]
        self.want = [th.mode, th.fan, None, None]  # what the test commanded; None: the user's setpoint
        self.index = -1
        self.phase = REST
        self.phase_ms = 0
        self.wait_ms = 0
        self.note = ""  # what it waits for, in words
        self.rest_from_dF = 0
        self.start_dF = 0
        self.mark_dF = None  # indoor add_s before the end of the run (for what a next step adds)
        self.mark_ms = 0
        self.expected = 0
        self.continuing = False  # the step joins the call of the step before
        self.rest_mark_dF = None  # indoor fan_s before the end of the first rest
        self.rest_delta_dF = 0

    # -- start and stop --------------------------------------------------------

    def start(self):
        """Begin: the user's state held for flash, the first step's rest."""
        if not self.th.indoor_ok:
            raise SettingError("indoor_f", "no indoor reading: the test measures the indoor temperature")
        self.state = "running"
        self._hold()
        self._next()
        return self

    def abort(self, why="aborted by the installer"):
        if self.state == "running":
            self._finish("aborted", why)

    @property
    def running(self):
        return self.state == "running"

    def _hold(self):
        """While the test runs, the state the shell saves is the user's."""
        self.th.retained = self._user_retained

    def _release(self):
        try:
            del self.th.retained
        except (AttributeError, KeyError):
            pass

    def _user_retained(self):
        state = type(self.th).retained(self.th)
        state["mode"] = M.MODES[self.user[0]]
        state["fan"] = M.FANS[self.user[1]]
        state["heat_setpoint_dF"] = self.user[2]
        state["cool_setpoint_dF"] = self.user[3]
        return state

    def _finish(self, state, why=""):
        self._release()
        self.state = state
        self.why = why
        if state == "aborted" and why.startswith("interrupted"):
            pass  # a user's command: what it set stays
        else:
            self._restore()
        self._conclude()

    def _restore(self):
        user = self.user
        changes = {"mode": M.MODES[user[0]], "fan": M.FANS[user[1]],
                   "heat_setpoint_f": user[2] / 10, "cool_setpoint_f": user[3] / 10}
        try:
            self.command_fn(changes)
        except SettingError as exc:
            # Only a settings change can make the user's own state refused: keep it safe.
            self.restore_error = str(exc)
            changes["mode"] = "off"
            try:
                self.command_fn(changes)
            except SettingError:
                self.command_fn({"mode": "off"})

    # -- commands --------------------------------------------------------------

    def _command(self, mode=None, fan=None, heat_dF=None, cool_dF=None):
        """Command the step's state; the user's setpoint where none is given."""
        want = [self.want[0] if mode is None else M.MODES.index(mode),
                self.want[1] if fan is None else M.FANS.index(fan), heat_dF, cool_dF]
        changes = {}
        th = self.th
        if want[0] != th.mode:
            changes["mode"] = M.MODES[want[0]]
        if want[1] != th.fan:
            changes["fan"] = M.FANS[want[1]]
        heat = self.user[2] if heat_dF is None else heat_dF
        cool = self.user[3] if cool_dF is None else cool_dF
        if heat != th.heat_setpoint_dF:
            changes["heat_setpoint_f"] = heat / 10
        if cool != th.cool_setpoint_dF:
            changes["cool_setpoint_f"] = cool / 10
        self.want = want
        if changes:
            self.command_fn(changes)

    def _interrupted(self):
        """Why the test must stop now, or None; setpoints moved by someone
        else become the user's."""
        th = self.th
        if th.settings is not self.settings:
            return "the installer settings changed"
        if th.mode != self.want[0] or th.fan != self.want[1]:
            return "interrupted by a command (mode %s, fan %s): kept" % (M.MODES[th.mode], M.FANS[th.fan])
        if not th.indoor_ok:
            return "the indoor sensor stopped answering"
        for slot, now in ((2, th.heat_setpoint_dF), (3, th.cool_setpoint_dF)):
            wanted = self.want[slot]
            if now != (self.user[slot] if wanted is None else wanted):
                self.user[slot] = now  # the user's, or the schedule's: restored at the end
        return None

    # -- the steps ---------------------------------------------------------------

    def _kind(self):
        return self.steps[self.index]

    def _next(self):
        """On to the next step: a rest first, unless it joins the call under way."""
        self.index += 1
        if self.index >= len(self.steps):
            self._finish("done")
            return
        kind = self._kind()
        self.wait_ms = 0
        self.phase_ms = 0
        self.continuing = kind == STAGE2 or (kind == STRIPS and self._previous_ran())
        if self.continuing:
            self.phase = WAIT
            self._drive()
        else:
            self.phase = REST
            self.rest_from_dF = self.th.indoor_dF
            self._command("off", "auto")
            self.note = "resting (mode off) before %s" % TITLES[kind]

    def _previous_ran(self):
        """The heat pump runs for the step before (so W2 can be judged by what it adds)."""
        return bool(self.results) and self.results[-1]["verdict"] != NOT_RUN and \
            self.results[-1]["step"] in (HEAT, STAGE2) and self.settings.backup == ELECTRIC

    def _gaps(self):
        """How far from indoor each step holds its setpoint (tenths), so the
        call starts and escalates just as far as the step needs."""
        s = self.settings
        heat = s.heat_differential_dF + _MARGIN_DF
        if s.two_stage:
            heat = min(heat, s.stage2_delta_dF - 1)
        heat = max(min(heat, s.aux_droop_dF - 1), s.heat_differential_dF)
        stage2 = max(s.stage2_delta_dF, s.heat_differential_dF) + _MARGIN_DF
        stage2 = max(min(stage2, s.aux_droop_dF - 1), s.stage2_delta_dF)
        strips = max(s.aux_droop_dF, s.stage2_delta_dF, s.heat_differential_dF) + _MARGIN_DF
        cool = s.cool_differential_dF + _MARGIN_DF
        if s.two_stage:
            cool = max(min(cool, s.stage2_delta_dF - 1), s.cool_differential_dF)
        return heat, stage2, strips, cool

    def _drive(self):
        """Command the step's mode and setpoints (following indoor); set the
        terminals it expects."""
        kind = self._kind()
        s = self.settings
        indoor = self.th.indoor_dF
        heat, stage2, strips, cool = self._gaps()
        if kind == FAN:
            self._command("off", "on")
            self.expected = 0
        elif kind == HEAT:
            self._command("heat", "auto", _heat(indoor + heat))
            self.expected = T.Y1
        elif kind == STAGE2:
            self._command("heat", "auto", _heat(indoor + stage2))
            self.expected = T.Y1 | T.Y2
        elif kind == STRIPS:
            self._command("heat", "auto", _heat(indoor + strips))
            if s.backup == DUAL_FUEL:
                self.expected = T.W2
            else:
                self.expected = T.Y1 | (T.Y2 if s.two_stage else 0) | T.W2
        elif kind == COOL:
            self._command("cool", "auto", None, _cool(indoor - cool))
            self.expected = T.Y1
        else:
            self._command("emergency", "auto", _heat(indoor + s.heat_differential_dF + _MARGIN_DF))
            self.expected = T.E | (T.W2 if s.em_heat_w2 else 0)

    def _on(self):
        """The step's terminals run, and nothing else that heats or cools."""
        outputs = self.th.outputs
        if self._kind() == FAN:
            return outputs & T.G and not outputs & T.CONDITIONING
        return outputs & T.CONDITIONING == self.expected

    def advance(self, step_ms):
        """Called after each control tick with the ms since the last call."""
        if self.state != "running":
            return
        why = self._interrupted()
        if why is not None:
            self._finish("aborted", why)
            return
        self.phase_ms += step_ms
        try:
            if self.phase == REST:
                self._rest()
            elif self.phase == WAIT:
                self._wait(step_ms)
            else:
                self._run()
        except SettingError as exc:  # a setpoint the thermostat refuses: the step cannot be made
            self._record(NOT_RUN, "refused: %s" % exc)
            self._next()

    def _rest(self):
        """Mode off; before the fan step, long enough for the house to
        settle, its last fan_s giving the drift at rest."""
        rest_ms = self.settle_ms if self._kind() == FAN else self.rest_ms
        if self.rest_mark_dF is None and self.phase_ms >= rest_ms - self.fan_ms:
            self.rest_mark_dF = self.th.indoor_dF
        if self.phase_ms < rest_ms:
            self.note = "resting (mode off) before %s, %s left" % (
                TITLES[self._kind()], clock(rest_ms - self.phase_ms))
        else:
            self.rest_delta_dF = self.th.indoor_dF - self.rest_mark_dF
            self.phase = WAIT
            self.phase_ms = 0
            self._drive()
            self._wait(0)

    def _wait(self, step_ms):
        self._drive()
        if self._on():
            self.phase = RUN
            self.phase_ms = 0
            self.start_dF = self.th.indoor_dF
            self.mark_dF = None
            self.note = "measuring %s" % TITLES[self._kind()]
            return
        self.wait_ms += step_ms
        held = self._holds()
        for name in held:
            if held[name] in _HOPELESS:
                self._record(NOT_RUN, "held: %s" % self._hold_text(held))
                self._next()
                return
        extra = self.th.outputs & T.CONDITIONING & ~self.expected
        if extra & T.W2 and self.th.duty.governs:
            self._record(NOT_RUN, "the thermostat adds strips here (it has learned that the heat pump alone cannot "
                                  "hold at %s outdoor): run the test on a milder day" % _f(self.th.outdoor_dF))
            self._next()
            return
        if self.wait_ms >= self.max_wait_ms:
            self._record(NOT_RUN, "did not start within %s (%s)" % (
                _minutes(self.max_wait_ms), self._hold_text(held) or "no call"))
            self._next()
            return
        self.note = "waiting for %s: %s" % (TITLES[self._kind()], self._hold_text(held) or "starting")

    def _holds(self):
        """{terminal name: reason} for the expected terminals that are off."""
        held = self.th.held_reasons()
        found = {}
        for i in range(6):
            name = T.NAMES[i]
            if self.expected & T.BITS[i] and not self.th.outputs & T.BITS[i] and name in held:
                found[name] = held[name]
        if self._kind() == FAN and "G" in held:
            found["G"] = held["G"]
        return found

    def _hold_text(self, holds):
        parts = []
        for name in holds:
            code = holds[name]
            ms = left_ms(self.th, name, code)
            parts.append("%s held by %s%s" % (name, code, ", %s left" % clock(ms) if ms else ""))
        return "; ".join(parts)

    def _run(self):
        kind = self._kind()
        length_ms = self.fan_ms if kind == FAN else self.add_ms if self.continuing else self.run_ms
        if self._kind() != FAN:
            self._drive()
        if self.mark_dF is None and self.phase_ms >= length_ms - self.add_ms:
            self.mark_dF = self.th.indoor_dF
            self.mark_ms = self.phase_ms
        if not self._on():
            if self.phase_ms * 2 < length_ms:
                self._record(NOT_RUN, "its terminals changed after %s (outputs: %s)" % (
                    _minutes(self.phase_ms), _names(self.th.outputs)))
                self._next()
                return
        elif self.phase_ms < length_ms:
            self.note = "measuring %s: %s of %s" % (TITLES[kind], clock(self.phase_ms), clock(length_ms))
            return
        self._measured()
        self._next()

    # -- judging -------------------------------------------------------------------

    def _measured(self):
        kind = self._kind()
        th = self.th
        ran_ms = self.phase_ms
        delta = th.indoor_dF - self.start_dF
        if self.mark_dF is None:
            tail, tail_ms = delta, ran_ms
        else:
            tail, tail_ms = th.indoor_dF - self.mark_dF, ran_ms - self.mark_ms
        result = self._record(None, "", delta, ran_ms)
        result["tail_dF"] = tail * self.add_ms // max(tail_ms, 1)  # its last add_s, for the next step
        moved = "moved %+.1f °F in %s" % (delta / 10, _minutes(ran_ms))
        if kind == FAN:
            # Between no change and the drift at rest (which slows as the house settles), give or take noise.
            rest = self.rest_delta_dF * ran_ms // self.fan_ms
            response = delta - rest
            ok = min(rest, 0) - self.min_dF < delta < max(rest, 0) + self.min_dF
            result["text"] = moved + (" (at rest %+.1f °F)" % (rest / 10))
        elif self.continuing:
            before = self.results[-2] if len(self.results) > 1 else None
            if before is None or before.get("tail_dF") is None:
                result["verdict"] = NOT_RUN
                result["text"] = moved + ": not judged, the step before was not measured"
                return
            response = delta - before["tail_dF"] * ran_ms // self.add_ms
            if kind == STAGE2:
                direction = _direction(before)
                if direction == 0:
                    result["verdict"] = NOT_RUN
                    result["text"] = moved + ": not judged, stage 1 made no heat"
                    return
                response *= direction
            ok = response >= self.min_added_dF
            result["text"] = "%s, %+.1f °F beyond %s alone" % (moved, response / 10,
                                                               "stage 1" if kind == STAGE2 else "the heat pump")
        else:
            response = delta - self._drift(ran_ms)
            if kind == COOL:
                response = -response
            ok = response >= self.min_dF
            result["way"] = "right" if ok else "wrong" if response <= -self.min_dF else "none"
            result["text"] = "%s (%+.1f °F against the drift with the fan alone)" % (moved, (delta - self._drift(
                ran_ms)) / 10)
        result["response_dF"] = response
        result["verdict"] = MATCHED if ok else NOT_MATCHED

    def _drift(self, ms):
        for result in self.results:
            if result["step"] == FAN and result["verdict"] != NOT_RUN:
                return result["delta_dF"] * ms // max(result["ms"], 1)
        return 0

    def _record(self, verdict, text, delta=None, ran_ms=0):
        result = {"step": self._kind(), "title": TITLES[self._kind()], "verdict": verdict, "text": text,
                  "delta_dF": delta, "ms": ran_ms, "response_dF": None}
        if self._kind() == STRIPS and self.settings.backup == DUAL_FUEL:
            result["title"] = "furnace (W2)"
        self.results.append(result)
        return result

    def _conclude(self):
        """What matched, what did not, the O/B verdict and the brand helper."""
        lines = []
        found = []
        if self.state == "aborted":
            lines.append("test stopped: %s" % self.why)
        steps = {}
        for result in self.results:
            steps[result["step"]] = result
            lines.append("%s: %s%s" % (result["title"], result["verdict"],
                                       ": " + result["text"] if result["text"] else ""))
        s = self.settings
        valve = "B" if s.reversing_valve_b else "O"
        other = "O" if s.reversing_valve_b else "B"
        heat = _way(steps.get(HEAT))
        cool = _way(steps.get(COOL))
        heat_text = _said(steps.get(HEAT), "heat")
        cool_text = _said(steps.get(COOL), "cool")
        ob = None
        if heat == "wrong" and cool != "right":
            ob = other
            found.append("ob_reversed")
            lines.append("O/B: %s%s: the O/B setting is probably reversed: set reversing_valve to %s, "
                         "then run this test again" % (heat_text, ", and " + cool_text if cool == "wrong" else "",
                                                       other))
        elif cool == "wrong" and heat == "right":
            found.append("valve_stuck_heat")
            lines.append("O/B: %s, while heat mode heats: the reversing valve stays in heating (stuck, or its "
                         "wire open): the O/B setting does not explain it; check the valve and the O/B wire" % cool_text)
        elif heat == "wrong" and cool == "right":
            found.append("valve_stuck_cool")
            lines.append("O/B: %s, while cool mode cools: the reversing valve stays in cooling (stuck, or its "
                         "wire open): the O/B setting does not explain it; check the valve and the O/B wire" % heat_text)
        elif heat == "none" and cool in ("none", None) or cool == "none" and heat is None:
            found.append("compressor_not_responding")
            lines.append("compressor: Y1 made no heat and no cooling: check the Y1 wire, the contactor, the outdoor "
                         "unit's power and the compressor; the O/B setting cannot be judged")
        elif heat == "none" and cool == "right" or cool == "none" and heat == "right":
            found.append("heat_not_responding" if heat == "none" else "cool_not_responding")
            lines.append("compressor: %s, while the other mode works: check the reversing valve and the O/B "
                         "wire" % (heat_text if heat == "none" else cool_text))
        elif heat == "right" and cool == "right":
            ob = valve
            lines.append("O/B: correct: reversing_valve %s heats in heat mode and cools in cool mode" % valve)
        elif heat == "right" or cool == "right":
            ob = valve
            lines.append("O/B: %s matches reversing_valve %s (the other mode was not judged)" % (
                heat_text if heat == "right" else cool_text, valve))
        for kind, code, advice in (
                (FAN, "fan_moves_temperature", "the fan alone moved the temperature: something heats or cools "
                                               "with G (Y or W wired to G?), or the sensor sits in the supply air"),
                (STAGE2, "y2_adds_nothing", "stage 2 added nothing to stage 1: check the Y2 wire at both ends "
                                            "and the outdoor unit's Y2 input"),
                (STRIPS, "w2_not_heating", "W2 added no heat: check the W2 wire to the air handler (strips' "
                                           "sequencer and breaker) or to the furnace"),
                (EMERGENCY, "e_not_heating", "emergency heat made no heat: check the E (and W2) wires and the "
                                             "backup heat")):
            result = steps.get(kind)
            if result is not None and result["verdict"] == NOT_MATCHED:
                found.append(code)
                lines.append(advice)
        if self.brand:
            table, text = brands.ob_for(self.brand)
            lines.append("O/B by brand: " + text)
            if table is not None and ob is not None and table != ob:
                lines.append("this house says %s, the table says %s: go by the house (reversing_valve %s)" % (
                    ob, table, ob))
        else:
            lines.append("O/B by brand: O for %s; B for %s; York varies; %s" % (
                ", ".join(brands.O_BRANDS), ", ".join(brands.B_BRANDS), brands.CAVEAT))
        if self.restore_error:
            lines.append("could not restore the user's mode (%s): mode off" % self.restore_error)
        else:
            lines.append("restored: mode %s, fan %s, heat %s, cool %s" % (
                M.MODES[self.th.mode], M.FANS[self.th.fan], _f(self.th.heat_setpoint_dF),
                _f(self.th.cool_setpoint_dF)))
        self.findings = found
        self.verdict = lines
        self.note = "done" if self.state == "done" else "stopped: " + self.why

    # -- for people ------------------------------------------------------------------

    def status(self):
        """A JSON-ready summary: state, the step under way and what it waits for, results, verdict."""
        step = self.steps[self.index] if 0 <= self.index < len(self.steps) else None
        return {"state": self.state, "step": TITLES[step] if self.running and step is not None else None,
                "steps": [TITLES[kind] for kind in self.steps], "note": self.note,
                "results": [{"step": r["title"], "verdict": r["verdict"], "text": r["text"]} for r in self.results],
                "findings": self.findings, "verdict": self.verdict}

    def lines(self):
        """The status as lines for the REPL."""
        if self.running:
            return ["commissioning: step %d of %d, %s" % (self.index + 1, len(self.steps), self.note)] + [
                "  %s: %s %s" % (r["title"], r["verdict"], r["text"]) for r in self.results]
        return ["commissioning %s" % self.state] + ["  " + line for line in self.verdict]

    # -- on the board ----------------------------------------------------------------

    async def run(self, task, read_ms, period_ms=PERIOD_MS):
        """The supervised task's body: advance once a control period, on
        the control clock ``read_ms`` (bench mode's runs faster)."""
        last_ms = read_ms()
        try:
            while self.running:
                await task.pause(period_ms)
                now_ms = read_ms()
                self.advance(step_ms(now_ms, last_ms))
                last_ms = now_ms
        finally:
            self.abort("stopped")


def _heat(value_dF):
    if value_dF > 900:
        raise SettingError("heat_setpoint_f", "a heat call needs %s, above the highest setpoint (90 °F)" % _f(value_dF))
    return max(400, value_dF)


def _cool(value_dF):
    if value_dF < 500:
        raise SettingError("cool_setpoint_f", "a cool call needs %s, below the lowest setpoint (50 °F)" % _f(value_dF))
    return min(990, value_dF)


def _names(bits):
    return " ".join(T.NAMES[i] for i in range(6) if bits & T.BITS[i]) or "none"


def _way(result):
    """right, wrong or none for a compressor step that ran; None otherwise."""
    if result is None or result["verdict"] == NOT_RUN:
        return None
    return result.get("way")


def _direction(heat_result):
    way = _way(heat_result)
    return 1 if way == "right" else -1 if way == "wrong" else 0


def _said(result, mode):
    if result is None or result["delta_dF"] is None:
        return "in %s mode nothing was measured" % mode
    delta = result["delta_dF"]
    verb = "warmed" if delta > 0 else "cooled"
    return "in %s mode the house %s %.1f °F in %s" % (mode, verb, abs(delta) / 10, _minutes(result["ms"]))


def start(device, brand=None, **options):
    """Start the test on a device (``thermostat`` and ``command``): on a board
    a supervised task, where the device advances it itself (``make run``) not.
    Refused (SettingError) while one runs, or with a bad option."""
    global current
    if current is not None and current.running:
        raise SettingError("commission", "a test is already running (abort it first)")
    test = Commission(device.thermostat, device.command, brand, **options)
    test.start()
    current = test
    if not getattr(device, "ticks_commission", False):
        device.supervisor.spawn("commission", DEADLINE_MS, test.run, device.clock.read, device.control_period_ms(),
                                ends=True)
    return test


def abort(why="aborted by the installer"):
    if current is not None:
        current.abort(why)
