"""Independent black-box monitor (test oracle) for the thermostat's outputs.

Written from ``shared/CONTROL_CONTRACT.md`` and, for what the contract leaves
to the project (each installer setting's allowed values), from the interface
the project documents: README.md's settings table, read at import.  It never
imports or reads the firmware.  It watches one timeline of terminal outputs, tick by tick,
together with what the thermostat was told (accepted mode, fan mode,
setpoints, sensor readings, settings, reboots) and reports every breach of the
contract's interlocks (rules 1-13, ids ``"R1"`` .. ``"R13"`` plus three terminal
table rules, ``"REWIRING"`` and the strips' minimum run ``"AUX_MIN_ON"``) and, unless switched off, of its liveness promises
(``"L_heat"``, ``"L_aux"``, ``"L_emergency"``, ``"L_cool"``, ``"L_fan"``).

Usage::

    m = Monitor(settings)                 # or Monitor(settings, liveness=False, tick_s=1)
    for t, outputs, env in timeline:
        m.observe(t, outputs, env)
    assert not m.violations, m.violations

    violations = check_replay_lines(scenario, json_lines)   # a whole replay run

Conventions and tolerances:

* Time is the caller's ``t_s``.  An output's change happens at the first
  observation that shows it.  The output values seen at an observation hold
  until the next observation (the replay only prints changes).
* ``tick`` is the control period: the ``tick_s`` given to the constructor, or
  else the most frequent gap between observation times.
* "At once" and "one tick of latency" are the same tolerance here: when the
  inputs change at time ``c`` (mode, fan, settings, a lockout starting, a
  sensor timing out at its deadline) the outputs are judged from ``c + tick``
  on.  The monitor cannot know whether the firmware's tick at the instant of
  an input change ran before or after the change, so it allows one tick.
  Relations between outputs alone (``E`` => no ``Y1``, ``Y2`` => ``Y1``, ``Y1``
  => ``G``, dual-fuel ``Y1`` with ``W2``) have no tolerance at all, and neither
  have the timers (min off, min on, starts per hour, changeover, dual-fuel
  hand-over), which are measured from the observed transitions.
* Temperatures are compared in tenths of a degree: values that lie on the
  0.1 degF grid compare exactly; values off that grid that are within 0.1 degF
  of a threshold are "ambiguous" and never cause a violation: a safety check
  fires only when its forbidding condition holds for certain; an exemption
  applies when it might hold; a liveness demand is made only when its
  condition holds for certain.
* A persistent breach is reported once, when it starts; it is reported again
  only after it has stopped for at least one observation.
* A re-wiring (a change of ``reversing_valve``, ``compressor_stages`` or
  ``backup_heat``) must end the call within one tick (``Y1``, ``Y2``, ``W2``, ``E``
  that were on before it are off from ``c + tick``), and counts as a boot for
  every timer (min off, changeover, dual-fuel delay).  Any other settings change
  ends nothing: ``min_on_s`` still holds a run.
* Strips' minimum run (``AUX_MIN_ON``): an electric ``W2`` that stops less than
  ``aux_min_on_s`` after it started must have been ended by a rule (see
  :meth:`Monitor.rule_aux_min_on`), a cause seen at that observation or the
  one before (the one-tick tolerance).  The length is the smallest value in
  force since the run began: a firmware may fix it at the start or honour a
  shorter new value, both are read as the contract allows.
* Alerts: the contract asks for "an alert" on a failed sensor and lists
  alerts by short code; the codes are the project's (README, "Alert codes"):
  a failed indoor sensor must show ``indoor_sensor``, a failed outdoor one
  ``outdoor_sensor`` (another alert does not do).  The contract requires no
  alert for the starts limit, so ``short_cycle_blocked`` is not demanded.
* Keys of a replay line or of ``env`` that the monitor does not know (such
  as ``action`` or ``held``) are ignored.
* Acceptance: commands are accepted or refused as the contract says; an
  installer's settings change is refused whole if README's settings table does
  not allow one of its values (unknown key, non-number, out of range, a degree
  value finer than README's 0.1 degF step) or the contract refuses it (wiring
  values, a mode the change would leave refused).  See ``accept_settings_change``.
* ``observe`` never raises: an internal error becomes a ``"MONITOR_ERROR"``
  violation (which a test should treat as a failure of the monitor).

It imports nothing but the standard library (``test_monitor`` checks this):
it must never share code, or a mistake, with the firmware it judges.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

OUTPUTS = ("Y1", "Y2", "G", "W2", "OB", "E")
MODES = ("off", "heat", "cool", "auto", "emergency")
FAN_MODES = ("auto", "on", "circulate")

# Installer settings and their defaults, copied from the contract's table.
# ``fan_with_backup`` has no fixed default: true for electric, false for dual
# fuel (and, our choice, true for ``none``, where it can never matter).
DEFAULTS: dict[str, Any] = {
    "reversing_valve": "O",
    "compressor_stages": 1,
    "backup_heat": "electric",
    "heat_differential_f": 1.0,
    "cool_differential_f": 1.0,
    "min_off_s": 300,
    "min_on_s": 180,
    "max_starts_per_hour": 4,
    "stage2_delta_f": 2.0,
    "stage2_delay_s": 600,
    "aux_droop_f": 3.0,
    "aux_delay_s": 1800,
    "aux_min_on_s": 240,
    "aux_max_outdoor_f": 35.0,
    "compressor_min_outdoor_f": None,
    "balance_point_f": 35.0,
    "dual_fuel_switch_delay_s": 60,
    "changeover_delay_s": 600,
    "auto_deadband_f": 3.0,
    "em_heat_w2": True,
    "fan_with_backup": None,
    "circulate_min_per_hour": 15,
    "sensor_timeout_s": 120,
    "indoor_offset_f": 0.0,
    "outdoor_offset_f": 0.0,
}

# Rule 8 reads "Y1 never starts while outdoor < compressor_min_outdoor_f (dual
# fuel: while outdoor < balance_point_f)".  Read literally this holds in every
# mode, cooling included; both thresholds apply in dual fuel.  Flip this to
# confine the balance-point lockout to heating.
DUAL_FUEL_BALANCE_LOCKS_COOLING = True

SAFETY_RULES = (
    "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13",
    "Y2_STAGES",  # terminal table: Y2 only when compressor_stages is 2
    "NO_BACKUP",  # W2 and E never with backup_heat "none"
    "E_MODE",  # E only in mode emergency ("leaving emergency mode clears E at once")
    "REWIRING",  # behaviour "Re-wiring": the call ends at once
    "AUX_MIN_ON",  # table aux_min_on_s / behaviour "Aux": electric W2 runs at least this long
)
# Settings that say what the terminals drive (behaviour "Re-wiring").
WIRING_KEYS = ("reversing_valve", "compressor_stages", "backup_heat")
LIVENESS_RULES = ("L_heat", "L_aux", "L_emergency", "L_cool", "L_fan")
# The alert codes a failed sensor must raise (rule 10); see the module docstring.
ALERT_INDOOR_SENSOR = "indoor_sensor"
ALERT_OUTDOOR_SENSOR = "outdoor_sensor"

_EPS = 1e-9
_HOUR = 3600.0


class Violation(NamedTuple):
    rule: str
    t_s: float
    message: str


def apply_defaults(settings: dict | None) -> dict:
    """Settings with every missing key at its contract default.

    A key given as ``None`` counts as missing, except
    ``compressor_min_outdoor_f`` whose ``None`` means "never locked out".
    Unknown keys are kept (the developers may add settings).
    """
    out = dict(DEFAULTS)
    for key, value in (settings or {}).items():
        if value is None and key != "compressor_min_outdoor_f":
            continue
        out[key] = value
    if out.get("fan_with_backup") is None:
        out["fan_with_backup"] = out["backup_heat"] != "dual_fuel"
    return out


# --------------------------------------------------------------------------
# three-valued temperature comparisons
# --------------------------------------------------------------------------

def _on_tenths_grid(v: float) -> bool:
    return abs(v - round(v)) < 1e-6


def cmp3(a: float | None, op: str, b: float | None) -> bool | None:
    """Compare two temperatures in tenths of a degree.

    Returns True or False when the answer is certain, None when it is not:
    values on the 0.1 degF grid compare exactly (after ``round(x*10)``); a value
    off the grid within one tenth of the other is ambiguous (a firmware that
    rounds or truncates to tenths may see it on either side).
    """
    if a is None or b is None:
        return None
    A, B = float(a) * 10.0, float(b) * 10.0
    if _on_tenths_grid(A) and _on_tenths_grid(B):
        A, B = float(round(A)), float(round(B))
    elif abs(A - B) < 1.0:
        return None
    if op == "<":
        return A < B
    if op == "<=":
        return A <= B
    if op == ">":
        return A > B
    if op == ">=":
        return A >= B
    raise ValueError(op)


def _or3(*vals: bool | None) -> bool | None:
    if any(v is True for v in vals):
        return True
    if any(v is None for v in vals):
        return None
    return False


def _valid_reading(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _max(*vals: float | None) -> float:
    vs = [v for v in vals if v is not None]
    return max(vs) if vs else -math.inf


# --------------------------------------------------------------------------
# the monitor
# --------------------------------------------------------------------------

class _Obs:
    """Everything known at one observation (current values and derived facts)."""

    __slots__ = (
        "t", "o", "prev", "boot", "mode", "fan", "hsp", "csp", "s", "alerts",
        "in_now", "in_failed", "in_deadline", "out_eff", "out_failed", "out_deadline",
        "lock_cmo", "lock_bp", "lock", "lock_cool", "aux_hot", "aux_ok",
        "heat_call", "cool_call", "droop", "below_hsp",
    )


class Monitor:
    """Checks a thermostat output timeline against the control contract.

    ``Monitor(settings, liveness=True, tick_s=None)``; feed it with
    :meth:`observe`, read :attr:`violations`.
    """

    def __init__(self, settings: dict | None = None, liveness: bool = True, tick_s: float | None = None):
        self.base_settings = apply_defaults(settings)
        self.liveness = liveness
        self.tick_s = float(tick_s) if tick_s else None
        self.violations: list[Violation] = []

        self._gaps: Counter = Counter()
        self._tick_est = math.inf
        self._n = 0
        self._prev_t: float | None = None
        self._prev: dict[str, int] = dict.fromkeys(OUTPUTS, 0)

        self._settings: dict | None = None
        self._raw_settings: dict | None = None
        self._raw_normalized: dict = self.base_settings
        self._settings_since = -math.inf
        self._settings_history = []  # (t of a change, the settings in force before it)
        self._mode: str | None = None
        self._mode_since = -math.inf
        self._fan: str | None = None
        self._fan_since = -math.inf
        self._last_boot = -math.inf
        self._last_rewire = -math.inf  # a re-wiring counts as a boot for every timer
        self._rewire_pending: set[str] = set()  # on at the re-wiring, not yet seen off since

        self._in_last_valid_t: float | None = None
        self._in_last_val: float | None = None
        self._out_last_valid_t: float | None = None
        self._out_last_val: float | None = None

        # compressor / backup bookkeeping (from observed transitions)
        self._y1_on_since: float | None = None
        self._y1_last_off: float | None = None  # last 1->0 of Y1 (a reboot that forces it off counts)
        self._y1_ran_since_boot = False
        self._starts: list[float] = []
        self._run_mode: str | None = None
        self._run_reasons: set[str] = set()
        self._run_w2_seen = False
        self._w2_last_off: float | None = None
        self._furnace_backup = False  # dual fuel: the furnace may be backing up this heat-pump call
        self._w2_on_since: float | None = None  # the observation W2 was first seen on in this run
        self._w2_on_mode: str | None = None  # the mode at that observation
        self._aux_end_prev: set[str] = set()  # what could end a strips' run at the previous observation
        self._ob_last_change: float | None = None

        # onsets of conditions that hold (for tolerances)
        self._since: dict[str, float] = {}
        # de-duplication of persistent breaches
        self._active: set[str] = set()
        self._asserted: set[str] = set()
        # fan circulate accounting (G change points since circulate began)
        self._circ_since: float | None = None
        self._circ_times: list[float] = []
        self._circ_vals: list[int] = []
        self._circ_cum: list[float] = []
        self._rules = self._rule_checks()
        self._liveness_checks = (self.live_heat, self.live_cool, self.live_aux, self.live_emergency, self.live_fan)

    # ------------------------------------------------------------------ API

    def observe(self, t_s: float, outputs: dict, env: dict) -> None:
        """Record one control tick; append any violation found.  Never raises."""
        try:
            self._observe(float(t_s), outputs or {}, env or {})
        except Exception as exc:  # the monitor must not crash a test run
            self.violations.append(Violation("MONITOR_ERROR", t_s, f"{type(exc).__name__}: {exc}"))

    def check_liveness(self) -> list[Violation]:
        """Liveness is checked inside :meth:`observe`; this returns those violations."""
        return [v for v in self.violations if v.rule.startswith("L_")]

    def rules_violated(self) -> set[str]:
        return {v.rule for v in self.violations}

    # ------------------------------------------------------------ internals

    def _tick(self) -> float:
        return self.tick_s if self.tick_s else self._tick_est

    def _flag(self, rule: str, t: float, message: str, key: str | None = None) -> None:
        if key is not None:
            self._asserted.add(key)
            if key in self._active:
                return
        self.violations.append(Violation(rule, t, message))

    def _track(self, name: str, value: bool | None, t: float) -> float | None:
        """Remember since when a (certain) condition holds; return that onset."""
        if value is True:
            return self._since.setdefault(name, t)
        self._since.pop(name, None)
        return None

    def _held(self, name: str, t: float) -> bool:
        """The condition has held for at least one tick (the one-tick tolerance)."""
        c = self._since.get(name)
        return c is not None and t >= c + self._tick() - _EPS

    def _due(self, onset: float, t: float, ticks: float = 1.0) -> bool:
        return t >= onset + ticks * self._tick() - _EPS

    def _observe(self, t: float, outputs: dict, env: dict) -> None:
        if self._prev_t is not None and t < self._prev_t:
            self.violations.append(Violation("INPUT", t, f"time went backwards ({self._prev_t} -> {t}); ignored"))
            return
        if self._prev_t is not None and t > self._prev_t and not self.tick_s:
            gap = round(t - self._prev_t, 6)
            self._gaps[gap] += 1
            best = self._gaps.get(self._tick_est, 0)
            if (self._gaps[gap], gap) > (best, self._tick_est if best else -1.0):
                self._tick_est = gap  # the most frequent gap (the larger one on a tie)

        x = _Obs()
        x.t = t
        x.o = {k: 1 if outputs.get(k) else 0 for k in OUTPUTS}
        x.boot = bool(env.get("boot")) or self._n == 0
        self._asserted = set()

        # settings (installer changes count as a settings change at this tick)
        raw = env.get("settings")
        if raw is None:
            s = self.base_settings
        elif raw == self._raw_settings:
            s = self._raw_normalized
        else:
            s = self._raw_normalized = apply_defaults(raw)
            self._raw_settings = dict(raw)
        if self._settings is None or s != self._settings:
            self._settings_since = t
            if self._settings is not None:
                self._settings_history.append((t, self._settings))
                if any(s[key] != self._settings[key] for key in WIRING_KEYS):
                    self._last_rewire = t
                    self._y1_ran_since_boot = False
                    self._rewire_pending |= {k for k in ("Y1", "Y2", "W2", "E") if self._prev[k]}
        self._settings = s
        x.s = s

        mode = env.get("mode", "off")
        if mode != self._mode:
            self._mode, self._mode_since = mode, t
        fan = env.get("fan", "auto")
        if fan != self._fan:
            self._fan, self._fan_since = fan, t
        x.mode, x.fan = mode, fan
        x.hsp = float(env.get("heat_sp_f", 68.0))
        x.csp = float(env.get("cool_sp_f", 76.0))
        x.alerts = env.get("alerts")

        # a reboot forces every output off at this instant
        if x.boot:
            if self._prev["Y1"]:
                self._y1_last_off = t
                self._y1_on_since = None
            if self._prev["W2"]:
                self._w2_last_off = t
            self._last_boot = t
            self._y1_ran_since_boot = False
            self._in_last_valid_t = self._in_last_val = None
            self._out_last_valid_t = self._out_last_val = None
            self._prev = dict.fromkeys(OUTPUTS, 0)
        x.prev = self._prev

        self._update_sensors(x, env)
        self._derive(x)

        for check in self._rules:
            check(x)

        self._bookkeep(x)

        if self.liveness:
            for live in self._liveness_checks:
                live(x)

        self._active = self._asserted
        self._prev = x.o
        self._prev_t = t
        self._n += 1

    def _rule_checks(self) -> tuple:
        return (
            self.rule_r1_emergency_excludes_compressor,
            self.rule_r2_y2_needs_y1,
            self.rule_r3_dual_fuel_handover,
            self.rule_r4_min_off_and_starts_per_hour,
            self.rule_r5_min_on,
            self.rule_r6_reversing_valve_changeover,
            self.rule_r7_cooling_never_backup_heat,
            self.rule_r8_compressor_outdoor_lockout,
            self.rule_r9_aux_outdoor_lockout,
            self.rule_r10_indoor_sensor_failed,
            self.rule_r11_mode_off,
            self.rule_r12_boot_all_off,
            self.rule_r13_blower,
            self.rule_y2_only_two_stages,
            self.rule_no_backup,
            self.rule_e_only_in_emergency,
            self.rule_rewiring_ends_the_call,
            self.rule_aux_min_on,
        )

    # ------------------------------------------------------ derived facts

    def _update_sensors(self, x: _Obs, env: dict) -> None:
        """A sensor has failed when it has had no valid reading for sensor_timeout_s, or none since boot."""
        t, s = x.t, x.s
        timeout = float(s["sensor_timeout_s"])
        indoor, outdoor = env.get("indoor_f"), env.get("outdoor_f")
        if _valid_reading(indoor):
            self._in_last_valid_t, self._in_last_val = t, float(indoor)
        if _valid_reading(outdoor):
            self._out_last_valid_t, self._out_last_val = t, float(outdoor)

        x.in_deadline = self._last_boot if self._in_last_valid_t is None else self._in_last_valid_t + timeout
        x.in_failed = t >= x.in_deadline - _EPS
        x.in_now = float(indoor) + float(s["indoor_offset_f"]) if _valid_reading(indoor) and not x.in_failed else None

        x.out_deadline = self._last_boot if self._out_last_valid_t is None else self._out_last_valid_t + timeout
        x.out_failed = t >= x.out_deadline - _EPS
        # a sensor that is late but not yet failed still counts with its last valid reading
        x.out_eff = None if x.out_failed else self._out_last_val + float(s["outdoor_offset_f"])

    def _derive(self, x: _Obs) -> None:
        s, t = x.s, x.t
        df = s["backup_heat"] == "dual_fuel"
        cmo = s["compressor_min_outdoor_f"]
        x.lock_cmo = False if (x.out_failed or cmo is None) else cmp3(x.out_eff, "<", cmo)
        x.lock_bp = False if (x.out_failed or not df) else cmp3(x.out_eff, "<", s["balance_point_f"])
        x.lock = _or3(x.lock_cmo, x.lock_bp)
        x.lock_cool = x.lock if DUAL_FUEL_BALANCE_LOCKS_COOLING else x.lock_cmo
        x.aux_hot = False if x.out_failed else cmp3(x.out_eff, ">", s["aux_max_outdoor_f"])
        x.aux_ok = True if x.out_failed else cmp3(x.out_eff, "<=", s["aux_max_outdoor_f"])

        if x.in_now is None:
            x.heat_call = x.cool_call = x.droop = x.below_hsp = False
        else:
            x.heat_call = cmp3(x.in_now, "<=", x.hsp - float(s["heat_differential_f"]))
            x.cool_call = cmp3(x.in_now, ">=", x.csp + float(s["cool_differential_f"]))
            x.droop = cmp3(x.in_now, "<=", x.hsp - float(s["aux_droop_f"]))
            x.below_hsp = cmp3(x.in_now, "<", x.hsp)

        self._track("lock", x.lock, t)
        self._track("lock_cmo", x.lock_cmo, t)
        forbid_aux = (
            s["backup_heat"] == "electric" and x.aux_hot is True and x.lock_cmo is False and x.mode != "emergency"
        )
        self._track("aux_forbidden", forbid_aux, t)
        self._track("heat_call", x.heat_call, t)
        self._track("cool_call", x.cool_call, t)
        self._track("droop", x.droop, t)
        self._track("below_hsp", x.below_hsp, t)

    def _timers_from(self) -> float:
        """The last boot or re-wiring: every timer counts as after a boot from then."""
        return max(self._last_boot, self._last_rewire)

    def _cool_pos(self, ob: int, s: dict) -> bool:
        """OB is energized in cool for reversing_valve O, in heat for B."""
        return bool(ob) if s["reversing_valve"] == "O" else not ob

    def _mode_held(self, t: float) -> bool:
        return self._due(self._mode_since, t)

    def _settings_settled(self, t: float) -> bool:
        return self._due(self._settings_since, t)

    def _y1_start(self, x: _Obs) -> bool:
        return bool(x.o["Y1"] and not x.prev["Y1"])

    # ------------------------------------------------------------ rules

    def rule_r1_emergency_excludes_compressor(self, x: _Obs) -> None:
        """1. `E` energized => `Y1` and `Y2` off. Mode `emergency` => `Y1` and `Y2` off."""
        o = x.o
        if o["E"] and (o["Y1"] or o["Y2"]):
            self._flag("R1", x.t, "E energized together with Y1/Y2", "R1:E")
        if x.mode == "emergency" and self._mode_held(x.t) and (o["Y1"] or o["Y2"]):
            self._flag("R1", x.t, "compressor (Y1/Y2) on in mode emergency", "R1:mode")

    def rule_r2_y2_needs_y1(self, x: _Obs) -> None:
        """2. `Y2` => `Y1`."""
        if x.o["Y2"] and not x.o["Y1"]:
            self._flag("R2", x.t, "Y2 on without Y1", "R2")

    def rule_r3_dual_fuel_handover(self, x: _Obs) -> None:
        """3. `backup_heat: dual_fuel` => never `Y1` (or `Y2`) together with `W2`, and each
        hand-over leaves both off for `dual_fuel_switch_delay_s`."""
        s, o, p, t = x.s, x.o, x.prev, x.t
        if s["backup_heat"] != "dual_fuel":
            return
        delay = float(s["dual_fuel_switch_delay_s"])
        settled = self._settings_settled(t)
        if (o["Y1"] or o["Y2"]) and o["W2"]:
            if settled:
                self._flag("R3", t, "dual fuel: compressor and furnace (W2) on together", "R3:both")
            return
        if o["W2"] and not p["W2"]:
            y1_off = t if p["Y1"] else self._y1_last_off
            if y1_off is not None and t - y1_off < delay - _EPS:
                self._flag("R3", t, f"dual fuel: W2 started {t - y1_off:g} s after Y1 stopped (< {delay:g} s)")
        if o["Y1"] and not p["Y1"]:
            w2_off = t if p["W2"] else self._w2_last_off
            if w2_off is not None and t - w2_off < delay - _EPS:
                self._flag("R3", t, f"dual fuel: Y1 started {t - w2_off:g} s after W2 stopped (< {delay:g} s)")

    def rule_r4_min_off_and_starts_per_hour(self, x: _Obs) -> None:
        """4. `Y1` starts only when it has been off for `min_off_s`, counting every boot
        as a turn-off; at most `max_starts_per_hour` starts in any 60 minutes."""
        if not self._y1_start(x):
            return
        s, t = x.s, x.t
        off = _max(self._y1_last_off, self._timers_from())
        min_off = float(s["min_off_s"])
        if t - off < min_off - _EPS:
            what = "boot" if off == self._last_boot else "re-wiring" if off == self._last_rewire else "turn-off"
            self._flag("R4", t, f"Y1 started {t - off:g} s after its last {what} (min_off_s {min_off:g})")
        n = 1 + sum(1 for st in self._starts if st > t - _HOUR + _EPS)
        if n > int(s["max_starts_per_hour"]):
            self._flag("R4", t, f"Y1 start #{n} within 3600 s (max_starts_per_hour {s['max_starts_per_hour']})")

    def _run_end_reasons(self, x: _Obs) -> set[str]:
        """Reasons that end a call at once (rule 5), as far as they can be seen now."""
        r = set()
        if self._run_mode is not None and x.mode != self._run_mode:
            r.add("mode change")
        if x.mode == "emergency":
            r.add("emergency")
        if self._y1_on_since is not None and self._last_rewire >= self._y1_on_since:
            r.add("re-wiring")
        if x.in_failed:
            r.add("indoor sensor failed")
        if x.out_failed:
            r.add("outdoor sensor failed")
        if x.lock is not False:
            r.add("outdoor lockout")
        if x.boot:
            r.add("reboot")
        return r

    def rule_r5_min_on(self, x: _Obs) -> None:
        """5. `Y1` stops only after `min_on_s` when a call is satisfied; a mode change,
        a failed sensor, a lockout or a reboot ends a call at once."""
        if x.boot or not (x.prev["Y1"] and not x.o["Y1"]) or self._y1_on_since is None:
            return
        run = x.t - self._y1_on_since
        min_on = float(x.s["min_on_s"])
        if run >= min_on - _EPS:
            return
        if self._run_reasons | self._run_end_reasons(x):
            return
        self._flag("R5", x.t, f"Y1 stopped after {run:g} s (< min_on_s {min_on:g}) with no mode change, "
                   "sensor failure, lockout, re-wiring or reboot")

    def rule_rewiring_ends_the_call(self, x: _Obs) -> None:
        """Re-wiring: a change of `reversing_valve`, `compressor_stages` or `backup_heat`
        ends the call at once (`Y1`, `Y2`, `W2`, `E` off; `min_on_s` does not hold them)."""
        if x.boot:
            self._rewire_pending = set()
        self._rewire_pending = {k for k in self._rewire_pending if x.o[k]}
        c = self._last_rewire
        if self._rewire_pending and self._due(c, x.t):
            late = "+".join(k for k in OUTPUTS if k in self._rewire_pending)
            self._flag("REWIRING", x.t, f"{late} still on after the re-wiring at {c:g}", "REWIRING")

    def _aux_end_reasons(self, x: _Obs) -> set[str]:
        """What may end a run of electric strips before aux_min_on_s, as far as it can
        be seen now ("unless a rule above ends it"): an exemption applies whenever it
        might hold (an ambiguous reading counts)."""
        s, o, t = x.s, x.o, x.t
        r = set()
        if x.mode not in ("heat", "auto", "emergency"):
            r.add(f"mode {x.mode}")  # rule 11 (off), rule 7 (cool)
        if x.mode == "emergency":
            r.add("emergency")
        since = self._w2_on_since
        if since is not None and (x.mode != self._w2_on_mode or self._mode_since > since):
            r.add("mode change")
        if since is not None and self._last_rewire >= since:
            r.add("re-wiring")
        if x.in_failed or (x.in_now is None and t >= x.in_deadline - self._tick() - _EPS):
            r.add("indoor sensor failed")  # rule 10; a silent sensor may fail a tick early on the device's clock
        cooling = bool(o["Y1"] and self._cool_pos(o["OB"], s)) or (
            x.mode == "auto" and cmp3(x.in_now, ">=", x.csp + float(s["cool_differential_f"])) is not False)
        if cooling:
            r.add("cooling")  # rule 7
        if s["backup_heat"] == "electric" and x.aux_hot is not False and x.lock_cmo is not True \
                and x.mode != "emergency":
            r.add("aux lockout")  # rule 9
        return r

    def rule_aux_min_on(self, x: _Obs) -> None:
        """`aux_min_on_s`: "electric W2, once on, stays on at least this long unless a rule
        above ends it"; Aux: W2 "leaves when indoor is back within droop/2 of setpoint or
        the call ends (after `aux_min_on_s`, unless a rule ends it sooner)".

        An electric W2 that stops (a reboot is no stop here: it ends everything) less
        than aux_min_on_s after it was first seen on is a breach unless, at that
        observation or the one before, a rule forced it off: a mode that does not heat
        (off, cool), emergency mode, a mode change since W2 started, a re-wiring since
        then, a failed indoor sensor, cooling (Y1 with the valve in the cool position,
        or in auto a cool call that might have started), or rule 9's aux lockout
        (outdoor above aux_max_outdoor_f, the sensor ok and the compressor not locked
        out).  The length is the smallest aux_min_on_s in force since W2 started (the
        contract keeps a running timer at the longer value; a device that fixes the
        length at the start, or honours a shorter new one, is not flagged)."""
        causes = self._aux_end_reasons(x)
        before, self._aux_end_prev = self._aux_end_prev, causes
        since = self._w2_on_since
        if x.boot or since is None or not (x.prev["W2"] and not x.o["W2"]):
            return
        if x.s["backup_heat"] != "electric":
            return
        run = x.t - since
        values = [float(x.s["aux_min_on_s"])]
        values += [float(old["aux_min_on_s"]) for changed, old in self._settings_history if changed >= since]
        min_on = min(values)
        if run >= min_on - _EPS or causes or before:
            return
        self._flag("AUX_MIN_ON", x.t, f"electric W2 stopped after {run:g} s (< aux_min_on_s {min_on:g}) with no "
                   "mode change, mode off or cool, emergency, failed indoor sensor, cooling, aux lockout, "
                   "re-wiring or reboot")

    def rule_r6_reversing_valve_changeover(self, x: _Obs) -> None:
        """6. `OB` changes only while `Y1` is off; once `Y1` has run since boot, `OB`
        changes only after `Y1` has been off for `changeover_delay_s`."""
        if x.boot or x.o["OB"] == x.prev["OB"]:
            return
        t = x.t
        if x.o["Y1"] or x.prev["Y1"]:
            self._flag("R6", t, "OB changed while Y1 was on (or at the tick Y1 changed)")
            return
        delay = float(x.s["changeover_delay_s"])
        if self._y1_ran_since_boot and self._y1_last_off is not None and t - self._y1_last_off < delay - _EPS:
            self._flag("R6", t, f"OB changed {t - self._y1_last_off:g} s after Y1 stopped "
                       f"(changeover_delay_s {delay:g})")

    def rule_r7_cooling_never_backup_heat(self, x: _Obs) -> None:
        """7. Cooling never energizes `W2` or `E`; heating never energizes `OB` in the
        cool polarity while `Y1` runs."""
        o, t, s = x.o, x.t, x.s
        cool_pos = self._cool_pos(o["OB"], s)
        if x.mode == "cool" and self._mode_held(t) and (o["W2"] or o["E"]):
            self._flag("R7", t, "W2/E on in mode cool", "R7:cool")
        elif (x.mode == "auto" and o["Y1"] and cool_pos and (o["W2"] or o["E"])
              and self._mode_held(t) and self._settings_settled(t)):
            self._flag("R7", t, "W2/E on while auto is cooling (Y1 with OB in cool position)", "R7:auto")
        if (x.mode in ("heat", "emergency") and o["Y1"] and cool_pos
                and self._mode_held(t) and self._settings_settled(t)):
            self._flag("R7", t, f"Y1 runs with OB in the cool position in mode {x.mode}", "R7:heat")

    def rule_r8_compressor_outdoor_lockout(self, x: _Obs) -> None:
        """8. `Y1` never starts while outdoor < `compressor_min_outdoor_f` (dual fuel:
        while outdoor < `balance_point_f`).  A lockout ends a call at once (rule 5)."""
        if not x.o["Y1"] or not self._held("lock", x.t):
            return
        out = x.out_eff
        if self._y1_start(x):
            self._flag("R8", x.t, f"Y1 started while outdoor {out:g} is below the compressor lockout")
            self._asserted.add("R8:run")
        else:
            self._flag("R8", x.t, f"Y1 still running while outdoor {out:g} is below the compressor lockout", "R8:run")

    def rule_r9_aux_outdoor_lockout(self, x: _Obs) -> None:
        """9. Electric `W2` never starts while outdoor > `aux_max_outdoor_f`, unless the
        compressor is locked out or the outdoor sensor has failed."""
        if x.o["W2"] and not x.prev["W2"] and self._held("aux_forbidden", x.t):
            self._flag("R9", x.t, f"electric W2 started while outdoor {x.out_eff:g} > aux_max_outdoor_f "
                       f"{x.s['aux_max_outdoor_f']:g} and the compressor is not locked out")

    def rule_r10_indoor_sensor_failed(self, x: _Obs) -> None:
        """10. Indoor sensor failed => `Y1`, `Y2`, `W2`, `E` off and an alert raised; the
        fan keeps its fan mode. Outdoor sensor failed => an alert.

        The alert is the named one (``indoor_sensor``, ``outdoor_sensor``), checked
        whenever the timeline reports alerts at all."""
        o, t = x.o, x.t
        in_due = x.in_failed and self._due(x.in_deadline, t)
        if in_due and (o["Y1"] or o["Y2"] or o["W2"] or o["E"]):
            on = [k for k in ("Y1", "Y2", "W2", "E") if o[k]]
            self._flag("R10", t, f"indoor sensor failed but {'+'.join(on)} on", "R10:outputs")
        if not isinstance(x.alerts, (list, tuple)):
            return
        if in_due and ALERT_INDOOR_SENSOR not in x.alerts:
            self._flag("R10", t, f"indoor sensor failed but no {ALERT_INDOOR_SENSOR} alert "
                       f"(alerts: {list(x.alerts)})", "R10:alert_indoor")
        if x.out_failed and self._due(x.out_deadline, t) and ALERT_OUTDOOR_SENSOR not in x.alerts:
            self._flag("R10", t, f"outdoor sensor failed but no {ALERT_OUTDOOR_SENSOR} alert "
                       f"(alerts: {list(x.alerts)})", "R10:alert_outdoor")

    def rule_r11_mode_off(self, x: _Obs) -> None:
        """11. Mode `off` => `Y1`, `Y2`, `W2`, `E` off at once, `G` off unless the fan mode
        keeps it on; `OB` returns to de-energized when rule 6 allows."""
        if x.mode != "off" or not self._mode_held(x.t):
            return
        o, t = x.o, x.t
        on = [k for k in ("Y1", "Y2", "W2", "E") if o[k]]
        if on:
            self._flag("R11", t, f"mode off but {'+'.join(on)} on", "R11:outputs")
        if o["G"] and x.fan == "auto" and self._due(self._fan_since, t):
            self._flag("R11", t, "mode off with fan auto but G on", "R11:G")
        if o["OB"] and not o["Y1"]:
            tick = self._tick()
            allowed = self._mode_since + tick
            if self._y1_last_off is not None and self._y1_last_off >= self._last_boot:
                allowed = max(allowed, self._y1_last_off + tick)
                if self._y1_ran_since_boot:
                    allowed = max(allowed, self._y1_last_off + float(x.s["changeover_delay_s"]))
            if self._due(allowed, t):
                self._flag("R11", t, "mode off: OB still energized although rule 6 allows it to return", "R11:OB")

    def rule_r12_boot_all_off(self, x: _Obs) -> None:
        """12. At boot every output is off before anything else runs."""
        if x.boot and any(x.o.values()):
            on = [k for k in OUTPUTS if x.o[k]]
            self._flag("R12", x.t, f"boot observation with {'+'.join(on)} on")

    def rule_r13_blower(self, x: _Obs) -> None:
        """13. `G` runs whenever `Y1` runs, and with `W2` when `fan_with_backup`."""
        o, t = x.o, x.t
        if o["G"]:
            return
        if o["Y1"]:
            self._flag("R13", t, "Y1 on without G", "R13:Y1")
        if x.s["fan_with_backup"] and self._settings_settled(t):
            if o["W2"]:
                self._flag("R13", t, "W2 on without G (fan_with_backup)", "R13:W2")
            if o["E"]:
                self._flag("R13", t, "E on without G (fan_with_backup)", "R13:E")

    def rule_y2_only_two_stages(self, x: _Obs) -> None:
        """Terminal table: `Y2` compressor stage 2, only when `compressor_stages` is 2."""
        if x.o["Y2"] and int(x.s["compressor_stages"]) != 2 and self._settings_settled(x.t):
            self._flag("Y2_STAGES", x.t, "Y2 on with compressor_stages 1", "Y2_STAGES")

    def rule_no_backup(self, x: _Obs) -> None:
        """Terminal table / emergency: with `backup_heat: none` there is nothing for `W2` or `E` to run."""
        if (x.o["W2"] or x.o["E"]) and x.s["backup_heat"] == "none" and self._settings_settled(x.t):
            self._flag("NO_BACKUP", x.t, "W2/E on with backup_heat none", "NO_BACKUP")

    def rule_e_only_in_emergency(self, x: _Obs) -> None:
        """Emergency: leaving emergency mode clears `E` at once (E only in mode emergency)."""
        if x.o["E"] and x.mode != "emergency" and self._mode_held(x.t):
            self._flag("E_MODE", x.t, f"E on in mode {x.mode}", "E_MODE")

    # ------------------------------------------------------ bookkeeping

    def _bookkeep(self, x: _Obs) -> None:
        o, p, t = x.o, x.prev, x.t
        if o["Y1"] and not p["Y1"]:
            self._y1_on_since = t
            self._starts.append(t)
            self._run_mode = x.mode
            self._run_reasons = set()
            self._run_w2_seen = False
            # keep only what the hour window and the boot leniency can need
            if len(self._starts) > 64:
                self._starts = [st for st in self._starts if st > t - 2 * _HOUR]
        elif p["Y1"] and not o["Y1"]:
            self._y1_last_off = t
            self._y1_on_since = None
            self._run_mode = None
        if o["Y1"]:
            if t > self._last_rewire:
                self._y1_ran_since_boot = True
            self._run_reasons |= self._run_end_reasons(x)
            self._run_w2_seen = self._run_w2_seen or bool(o["W2"])
        if p["W2"] and not o["W2"]:
            self._w2_last_off = t
        if o["W2"] and not p["W2"]:  # p is all off at a boot observation
            self._w2_on_since, self._w2_on_mode = t, x.mode
        elif not o["W2"]:
            self._w2_on_since = self._w2_on_mode = None
        if o["OB"] != p["OB"] and not x.boot:
            self._ob_last_change = t
        self._follow_furnace_backup(x)

    def _follow_furnace_backup(self, x: _Obs) -> None:
        """Dual fuel: "above [the balance point] `Y1` serves [the call]; `W2` may back up
        a compressor call that fails by droop only after `Y1` has been off
        `dual_fuel_switch_delay_s`."

        So a furnace back-up of a heat-pump call begins only at an observation where
        droop might hold (in heat or auto; not the one where Y1 starts, which shows the
        heat pump serving), and it lasts for the rest of that call: until the call
        certainly ends (a boot, a re-wiring, a mode change, a failed indoor sensor, the
        furnace stopping, or indoor certainly at setpoint with Y1 and W2 off and no
        hand-over pending) or Y1 starts (a back-up does not hand the call back)."""
        s, o, p, t = x.s, x.o, x.prev, x.t
        if s["backup_heat"] != "dual_fuel":
            self._furnace_backup = False
            return
        ended = (x.boot or self._last_rewire == t or self._mode_since == t or x.in_failed
                 or (p["W2"] and not o["W2"]) or self._y1_start(x))
        if not ended and not o["Y1"] and not o["W2"] and cmp3(x.in_now, ">=", x.hsp) is True:
            ended = self._due(self._off_timer_end(s, "dual_fuel_switch_delay_s", self._y1_last_off), t)
        if ended:
            self._furnace_backup = False
        if x.mode in ("heat", "auto") and x.droop is not False and not self._y1_start(x):
            self._furnace_backup = True

    # ------------------------------------------------------ liveness

    def _base_onset(self) -> float:
        """Liveness clocks restart at every mode change, settings change and boot."""
        return max(self._mode_since, self._settings_since, self._last_boot)

    def _earliest_y1_start(self, x: _Obs, want_cool: bool, onset: float) -> float:
        """Earliest time the rules let Y1 start in the wanted direction.

        - min_off_s from the last turn-off, boot or re-wiring (rule 4: "counting every
          boot as a turn-off");
        - the starts-per-hour window over every start observed, reboots included: rule 4
          holds "whatever ... reboots", so a device must remember its starts across a
          power cycle (R4 checks that), and a reboot gives it no other reason to wait;
        - if OB must move: once Y1 has run since the last boot or re-wiring, the
          changeover delay from its last turn-off (rule 6); before that the valve is
          free at once; then one tick for the valve to move while Y1 is off (or one
          tick after the valve last moved);
        - in dual fuel, W2 off for the switch delay.
        """
        s = x.s
        tick = self._tick()
        max_starts = int(s["max_starts_per_hour"])
        if max_starts <= 0:
            return math.inf
        e = self._off_timer_end(s, "min_off_s", self._y1_last_off)
        max_starts = self._starts_limit(s, x.t)
        if len(self._starts) >= max_starts:
            e = max(e, self._starts[-max_starts] + _HOUR)
        if self._cool_pos(x.o["OB"], s) != want_cool:
            valve_free = onset
            if self._y1_ran_since_boot and self._y1_last_off is not None:
                off = self._y1_last_off
                valve_free = max(onset, off + self._running_timer(s, "changeover_delay_s", off))
            e = max(e, valve_free + tick)
        elif self._ob_last_change is not None:
            e = max(e, self._ob_last_change + tick)  # the valve moved with Y1 off; Y1 may follow a tick later
        if s["backup_heat"] == "dual_fuel":
            e = max(e, self._off_timer_end(s, "dual_fuel_switch_delay_s", self._w2_last_off))
        return e

    def _running_timer(self, s: dict, key: str, since: float) -> float:
        """A timer that started at ``since``, for liveness: "no command (settings
        included) bypasses a timer", so a settings change after it started may
        lengthen it but not shorten it: the longest value in force since then."""
        values = [float(s[key])]
        values += [float(old[key]) for changed, old in self._settings_history if changed >= since]
        return max(values)

    def _timer_end(self, s: dict, key: str, since: float) -> float:
        return since + self._running_timer(s, key, since)

    def _off_timer_end(self, s: dict, key: str, last_off: float | None) -> float:
        """End of a timer counted from a turn-off, or from the last boot or
        re-wiring. A re-wiring counts as a boot but, being a settings change,
        shortens no timer already running: one that started at an earlier
        turn-off may still run to its own end."""
        end = self._timer_end(s, key, _max(last_off, self._timers_from()))
        if last_off is not None and self._last_rewire > last_off:
            end = max(end, self._timer_end(s, key, last_off))
        return end

    def _starts_limit(self, s: dict, t: float) -> int:
        """max_starts_per_hour for liveness: the smallest value in force in the last
        60 minutes.

        Why: the contract's trap "no command (mode, setpoint, fan, settings) bypasses
        a timer" covers the starts limit too, so an installer who raises the limit
        right after the last start it allowed must not get another start at once:
        the stricter value keeps holding for the hour it governs, and a heat or cool
        call may wait that long without being "not served".  (A lowered limit applies
        at once; R4 itself checks every start against the value in force.)"""
        values = [int(s["max_starts_per_hour"])]
        values += [int(old["max_starts_per_hour"]) for changed, old in self._settings_history if changed > t - _HOUR]
        return min(values)

    def _demand(self, rule: str, key: str, x: _Obs, deadline: float, served: bool, what: str) -> None:
        if not served and x.t >= deadline - _EPS:
            self._flag(rule, x.t, what, key)

    def live_heat(self, x: _Obs) -> None:
        """Heat: indoor <= heat setpoint - heat_differential_f => Y1 within one control period
        once the rules allow it.  Dual fuel: below the balance point (or with the outdoor
        sensor failed) W2 serves the call and Y1 stays off; above it Y1 serves it.

        Exemptions: no demand while the call condition is only ambiguous or the indoor
        reading is missing; while Y1 runs in the cool direction (auto changeover: the
        cool run may hold for min_on_s); while the lockout is ambiguous; with the
        compressor locked out and electric or no backup (that is L_aux's business);
        in dual fuel, during a furnace back-up of this call (droop: see
        :meth:`_follow_furnace_backup`) and only then, W2 also counts as serving the
        heat-pump call, and the deadline also allows the furnace its switch delay after
        Y1's last turn-off; a dual-fuel furnace call is not demanded while Y1 still runs
        (R8 covers that).
        Deadline: the latest of the call's onset, the mode/settings/boot onset and the
        earliest start the timers allow, plus two ticks.
        """
        s, o, t = x.s, x.o, x.t
        df = s["backup_heat"] == "dual_fuel"
        kind = None
        if x.mode in ("heat", "auto") and x.heat_call is True:
            if df:
                kind = None if x.lock is None else "W2" if (x.out_failed or x.lock) else "Y1"
            elif x.lock_cmo is False:
                kind = "Y1"
        for k in ("Y1", "W2"):
            self._track("heat_kind_" + k, k == kind, t)
        if kind is None:
            return
        onset = max(self._base_onset(), self._since["heat_call"], self._since["heat_kind_" + kind])
        if kind == "Y1":
            backup = df and self._furnace_backup
            served = bool(o["Y1"] and not self._cool_pos(o["OB"], s)) or bool(backup and o["W2"])
            if served or o["Y1"]:
                return
            e = self._earliest_y1_start(x, want_cool=False, onset=onset)
            if backup:  # a hand-over to the furnace waits dual_fuel_switch_delay_s after Y1
                e = max(e, self._off_timer_end(s, "dual_fuel_switch_delay_s", self._y1_last_off))
            what = "heat call not served by Y1" + (" or a furnace back-up" if backup else "")
            if df and o["W2"] and not backup:
                what += " (W2 runs without droop: the furnace backs up only a call that fails by droop)"
        else:
            served = bool(o["W2"])
            if served or o["Y1"]:
                return
            e = self._off_timer_end(s, "dual_fuel_switch_delay_s", self._y1_last_off)
            what = "dual fuel heat call (below balance point / outdoor failed) not served by W2"
        deadline = max(onset, e) + 2 * self._tick()
        self._demand("L_heat", "L_heat", x, deadline, served, f"{what} by {deadline:g}")

    def live_cool(self, x: _Obs) -> None:
        """Cool: indoor >= cool setpoint + cool_differential_f => Y1 + OB in cool polarity + G
        once the rules allow it.

        Exemptions: as for heat; no demand while the compressor lockout might hold
        (rule 8, which in dual fuel includes the balance point, see
        DUAL_FUEL_BALANCE_LOCKS_COOLING), nor while Y1 runs in the heat direction.
        """
        if x.mode not in ("cool", "auto") or x.cool_call is not True:
            return
        if x.lock_cool is not False:
            return
        onset = max(self._base_onset(), self._since["cool_call"])
        if x.o["Y1"]:
            return  # served (cool position) or exempt (still heating)
        e = self._earliest_y1_start(x, want_cool=True, onset=onset)
        deadline = max(onset, e) + 2 * self._tick()
        self._demand("L_cool", "L_cool", x, deadline, False, f"cool call not served by Y1 by {deadline:g}")

    def live_aux(self, x: _Obs) -> None:
        """Aux: electric `W2` joins on droop or delay, leaves when indoor is back within
        droop/2 of setpoint or the call ends; with the compressor locked out (outdoor),
        `W2` serves the heat call alone.

        (a) compressor locked out by outdoor temperature (certain), heat call => W2 in 2 ticks.
        (b) mode heat, indoor <= heat_sp - aux_droop_f, W2 allowed by rule 9 => W2 in 2 ticks
            once the compressor runs ("joins the compressor": no demand while Y1 is off).
        (c) mode heat, aux_delay_s > 0: Y1 has run aux_delay_s in one unsatisfied call
            (indoor below setpoint all along), W2 allowed, indoor still below setpoint -
            droop/2 => W2 must have been on during that run within 2 ticks of the delay.
        (d) "On droop, W2 may wait for the compressor only while the compressor is held
            by min_off_s alone": mode heat or auto, a heat call and droop, W2 allowed,
            Y1 off and certainly held back by something else (max_starts_per_hour used up
            in the last hour, or the valve must move for heat and changeover_delay_s has
            not passed since Y1 ran) => W2 within 2 ticks.
        """
        s, o = x.s, x.o
        held_beyond_min_off = (
            s["backup_heat"] == "electric" and x.mode in ("heat", "auto") and x.heat_call is True
            and x.droop is True and x.aux_ok is True and x.lock_cmo is False and not o["Y1"]
            and self._y1_held_beyond_min_off(x))
        self._track("y1_held_beyond_min_off", held_beyond_min_off, x.t)
        if s["backup_heat"] != "electric" or x.mode not in ("heat", "auto"):
            return
        tick = self._tick()
        base = self._base_onset()
        if x.lock_cmo is True and x.heat_call is True:
            onset = max(base, self._since["heat_call"], self._since["lock_cmo"])
            self._demand("L_aux", "L_aux:lock", x, onset + 2 * tick, bool(o["W2"]),
                         "compressor locked out by outdoor temperature and heat call, but no W2")
        if held_beyond_min_off:
            onset = max(base, self._since["heat_call"], self._since["droop"], self._since["y1_held_beyond_min_off"])
            self._demand("L_aux", "L_aux:held", x, onset + 2 * tick, bool(o["W2"]),
                         "droop while the compressor is held back by more than min_off_s, but no W2")
        if x.mode != "heat" or x.aux_ok is not True or x.lock_cmo is not False:
            return
        heating = bool(o["Y1"] and not self._cool_pos(o["OB"], s)) and self._y1_on_since is not None
        if not heating:
            return
        if x.droop is True:
            onset = max(base, self._since["droop"], self._y1_on_since)
            self._demand("L_aux", "L_aux:droop", x, onset + 2 * tick, bool(o["W2"]),
                         "indoor at or below heat setpoint - aux_droop_f, but no W2")
        delay = float(s["aux_delay_s"])
        below = self._since.get("below_hsp")
        if delay > 0 and below is not None and below <= self._y1_on_since:
            start = max(base, self._y1_on_since)
            # Strictly below: at droop/2 the contract lets W2 leave, so it need not join.
            half = cmp3(x.in_now, "<", x.hsp - float(s["aux_droop_f"]) / 2.0)
            if half is True:
                self._demand("L_aux", "L_aux:timer", x, start + delay + 2 * tick, self._run_w2_seen,
                             f"compressor ran aux_delay_s {delay:g} without satisfying the call, but no W2")

    def _y1_held_beyond_min_off(self, x: _Obs) -> bool:
        """Y1 certainly cannot start in the heat direction for a reason other than min off:
        the starts of the last hour reach max_starts_per_hour (rule 4 forbids another), or
        the valve is in the cool position and Y1 ran since boot less than
        changeover_delay_s ago (rule 6 forbids moving it)."""
        s, t = x.s, x.t
        starts = sum(1 for st in self._starts if st > t - _HOUR + _EPS)
        if starts >= int(s["max_starts_per_hour"]):
            return True
        return bool(
            self._cool_pos(x.o["OB"], s) and self._y1_ran_since_boot and self._y1_last_off is not None
            and t - self._y1_last_off < float(s["changeover_delay_s"]) - _EPS)

    def live_emergency(self, x: _Obs) -> None:
        """Emergency: a heat call energizes `E` (and `W2` when `em_heat_w2`).

        Within 2 ticks of the later of the call and the mode; W2 in dual fuel also
        waits dual_fuel_switch_delay_s after Y1 (or a boot); no W2 demand while Y1 runs.
        """
        s, o = x.s, x.o
        if x.mode != "emergency" or s["backup_heat"] == "none" or x.heat_call is not True:
            return
        tick = self._tick()
        onset = max(self._base_onset(), self._since["heat_call"])
        self._demand("L_emergency", "L_emergency:E", x, onset + 2 * tick, bool(o["E"]),
                     "emergency heat call but E off")
        if s["em_heat_w2"] and not o["Y1"]:
            e = onset
            if s["backup_heat"] == "dual_fuel":
                e = max(e, self._off_timer_end(s, "dual_fuel_switch_delay_s", self._y1_last_off))
            self._demand("L_emergency", "L_emergency:W2", x, e + 2 * tick, bool(o["W2"]),
                         "emergency heat call with em_heat_w2 but W2 off")

    def live_fan(self, x: _Obs) -> None:
        """Fan `on`: `G` always; `circulate`: at least `circulate_min_per_hour`.

        on: G from one tick after the fan mode (or a boot) on.  circulate: every
        3600 s window that lies after circulate began (and after the last boot and
        settings change) has G on at least circulate_min_per_hour minutes minus 2 ticks.
        A stalled control loop (a gap of more than two ticks between observations:
        no tick could switch G) also restarts the windows.
        """
        t, g = x.t, x.o["G"]
        previous = getattr(self, "_fan_prev_t", None)
        if previous is not None and t - previous > 2 * self._tick() + _EPS:
            self._fan_stall_end = t
        self._fan_prev_t = t
        if x.fan == "on":
            self._demand("L_fan", "L_fan:on", x, max(self._fan_since, self._last_boot) + self._tick(), bool(g),
                         "fan on but G off")
        if x.fan != "circulate":
            self._circ_since = None
            return
        since = max(self._fan_since, self._last_boot, self._settings_since, getattr(self, "_fan_stall_end", 0.0))
        if self._circ_since != since:
            self._circ_since = since
            self._circ_times, self._circ_vals, self._circ_cum = [t], [g], [0.0]
        elif g != self._circ_vals[-1]:
            dt = t - self._circ_times[-1]
            self._circ_cum.append(self._circ_cum[-1] + dt * self._circ_vals[-1])
            self._circ_times.append(t)
            self._circ_vals.append(g)
        if t - _HOUR < since - _EPS:
            return
        need = min(float(x.s["circulate_min_per_hour"]) * 60.0, _HOUR) - 2 * self._tick()
        on = self._g_on_until(t) - self._g_on_until(t - _HOUR)
        if on < need - 1e-6:
            self._flag("L_fan", t, f"fan circulate: G on only {on:g} s in the hour before (need {need:g} s)",
                       "L_fan:circ")

    def _g_on_until(self, when: float) -> float:
        i = bisect.bisect_right(self._circ_times, when) - 1
        if i < 0:
            return 0.0
        return self._circ_cum[i] + (when - self._circ_times[i]) * self._circ_vals[i]


# --------------------------------------------------------------------------
# replay helper
# --------------------------------------------------------------------------

INITIAL_ACCEPTED = {"mode": "off", "fan": "auto", "heat_sp_f": 68.0, "cool_sp_f": 76.0}


def accept_command(accepted: dict, event: dict, settings: dict) -> tuple[dict, str | None]:
    """Apply the command fields of one event the way the contract says the device does.

    Returns (new accepted state, None) or (unchanged state, reason refused).  All
    command fields of one event are accepted or refused together.
    """
    cand = dict(accepted)
    if "mode" in event:
        cand["mode"] = event["mode"]
    if "fan" in event:
        cand["fan"] = event["fan"]
    if "heat_setpoint_f" in event:
        cand["heat_sp_f"] = event["heat_setpoint_f"]
    if "cool_setpoint_f" in event:
        cand["cool_sp_f"] = event["cool_setpoint_f"]
    if cand == accepted:
        return accepted, None
    if cand["mode"] not in MODES:
        return accepted, f"unknown mode {cand['mode']!r}"
    if cand["fan"] not in FAN_MODES:
        return accepted, f"unknown fan mode {cand['fan']!r}"
    h, c = cand["heat_sp_f"], cand["cool_sp_f"]
    if not _valid_reading(h) or not 40 <= h <= 90:
        return accepted, f"heat_setpoint_f {h!r} outside 40-90"
    if not _valid_reading(c) or not 50 <= c <= 99:
        return accepted, f"cool_setpoint_f {c!r} outside 50-99"
    why = _user_state_refused(cand, settings)
    if why:
        return accepted, why
    cand["heat_sp_f"], cand["cool_sp_f"] = float(h), float(c)
    return cand, None


def _user_state_refused(state: dict, settings: dict) -> str | None:
    """Why the contract refuses this mode and these setpoints with these settings, if it does."""
    h, c = state["heat_sp_f"], state["cool_sp_f"]
    if state["mode"] == "auto" and round(c * 10) - round(h * 10) < round(float(settings["auto_deadband_f"]) * 10):
        return "auto: setpoints closer than auto_deadband_f"
    if state["mode"] == "emergency" and settings["backup_heat"] == "none":
        return "emergency refused with backup_heat none"
    return None


# --------------------------------------------------------------------------
# the installer settings' documented ranges (README's settings table)
# --------------------------------------------------------------------------
#
# The contract names the settings but gives ranges only for the wiring ones;
# the project documents every setting's allowed values in README.md, in the
# table between the settings-table markers, and the device must refuse
# anything else.  The monitor reads that table itself, at import, and never
# the firmware's schema: it follows the documented interface, so a schema
# that drifts from its documentation is caught rather than copied.  A table
# the monitor cannot read is an import error, never a silently looser check.
#
# How an "allowed" cell reads (anything else is a SettingsTableError):
#   "30 to 3600 s", "1 to 12", "0 to 60 min"  whole numbers in that range: the
#                        table writes these bounds without a decimal point,
#                        and a degree range's with one (our reading: seconds,
#                        minutes and counts are whole)
#   "0.5 to 5.0 °F"      degrees in that range, on the step README states for
#                        temperature settings ("finer than 0.1 °F ... is refused")
#   "..., or `null`"     that range, or null
#   "`"O"`, `"B"`", "`true`, `false`, `null`"   exactly one of these JSON values
#   "`null`, or up to 16 entries (see Schedules)"   a schedule (README,
#                        "Schedules and smart recovery"): null or at most that
#                        many entries, each checked by _schedule_refusal

README_PATH = Path(__file__).resolve().parent.parent / "README.md"
SETTINGS_TABLE_BEGIN = "<!-- settings-table -->"
SETTINGS_TABLE_END = "<!-- /settings-table -->"

_RANGE = re.compile(r"(-?\d+(?:\.\d+)?) to (-?\d+(?:\.\d+)?)(?: (°F|s|min|¢/kWh|¢/therm))?(, or `null`)?")
_SCHEDULE_CELL = re.compile(r"`null`, or up to (\d+) entries \(see Schedules\)")
_CHOICES = re.compile(r"`[^`]+`(?:, `[^`]+`)*")
_DEGREE_STEP = re.compile(r"temperature setting finer than (\d+(?:\.\d+)?) °F.{0,40}?is refused")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")

# A schedule entry as README's "Schedules and smart recovery" describes it;
# its setpoints take the command ranges (contract, "Replay contract").
SCHEDULE_ENTRY_KEYS = ("days", "at", "heat_setpoint_f", "cool_setpoint_f")
SCHEDULE_DAYS = ("daily", "weekdays", "weekends", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
SETPOINT_RANGES_F = {"heat_setpoint_f": (40, 90), "cool_setpoint_f": (50, 99)}


class SettingsTableError(ValueError):
    """README's settings table cannot be read: the monitor will not guess what is allowed."""


class Allowed(NamedTuple):
    """One row of README's settings table: what the device may accept for ``key``."""

    key: str
    text: str  # the allowed cell as README writes it (for messages)
    default: Any = None  # the default column's JSON value
    choices: tuple = ()  # the documented values, for a choice setting
    low: float | None = None  # a numeric range, inclusive
    high: float | None = None
    whole: bool = False
    degrees: bool = False
    null_ok: bool = False  # a range ", or `null`"
    max_entries: int | None = None  # a schedule

    def refusal(self, value: Any, degree_step_f: float | None) -> str | None:
        """Why README refuses ``value`` for this key (None: it is allowed).

        A schedule's entries are checked apart (:func:`_schedule_refusal`),
        since they depend on ``auto_deadband_f``."""
        said = f"{self.key}: {value!r}"
        if self.max_entries is not None:
            if value is None or (isinstance(value, list) and len(value) <= self.max_entries):
                return None
            return f"{said} is not allowed (allowed: {self.text})"
        if self.choices:
            if any(type(value) is type(choice) and value == choice for choice in self.choices):
                return None
            return f"{said} is not allowed (allowed: {self.text})"
        if value is None and self.null_ok:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return f"{said} is not a number (allowed: {self.text})"
        if not self.low <= value <= self.high:  # NaN compares false
            return f"{said} is out of range (allowed: {self.text})"
        if self.whole and value != int(value):
            return f"{said} is not a whole number (allowed: {self.text})"
        if self.degrees and degree_step_f and not _on_step(value, degree_step_f):
            return f"{said} is finer than {degree_step_f} °F (allowed: {self.text})"
        return None


def _on_step(value: float, step: float) -> bool:
    """Whether ``value``, read to four decimals as README says (what a board's
    single-precision float still tells apart), is a whole number of ``step``s
    (0.3 is three tenths despite its float)."""
    steps = round(value, 4) / step
    return abs(steps - round(steps)) < 1e-9 * max(1.0, abs(steps))


def _default_of(key: str, cell: str) -> Any:
    """A default cell: one JSON value in backticks."""
    found = re.fullmatch(r"`([^`]+)`", cell)
    try:
        return json.loads(found.group(1))
    except (AttributeError, ValueError):
        raise SettingsTableError(f"README settings table: {key}: cannot read the default {cell!r}") from None


def _allowed_of(key: str, cell: str, default_cell: str) -> Allowed:
    text = cell.replace("\\|", "|")
    default = _default_of(key, default_cell)
    found = _RANGE.fullmatch(text)
    if found:
        low, high, unit, null = found.groups()
        degrees = unit == "°F"
        return Allowed(key, text, default, low=float(low), high=float(high), degrees=degrees,
                       whole=not degrees and "." not in low + high, null_ok=bool(null))
    found = _SCHEDULE_CELL.fullmatch(text)
    if found:
        return Allowed(key, text, default, max_entries=int(found.group(1)))
    if _CHOICES.fullmatch(text):
        try:
            choices = tuple(json.loads(token) for token in re.findall(r"`([^`]+)`", text))
        except ValueError:
            choices = ()
        if choices:
            return Allowed(key, text, default, choices=choices)
    raise SettingsTableError(f"README settings table: {key}: cannot read the allowed values {text!r}")


def parse_settings_table(readme: str) -> dict[str, Allowed]:
    """Every row of the settings table between the markers of ``readme``, by key.

    Raises SettingsTableError, naming what it could not read, for missing
    markers, a missing ``key``, ``default`` or ``allowed`` column, a row it
    cannot split, an unreadable allowed or default cell, a key given twice or an empty table."""
    start = readme.find(SETTINGS_TABLE_BEGIN)
    end = readme.find(SETTINGS_TABLE_END, start + 1)
    if start < 0 or end < 0:
        raise SettingsTableError(f"README has no settings table between {SETTINGS_TABLE_BEGIN} and "
                                 f"{SETTINGS_TABLE_END}")
    lines = [ln.strip() for ln in readme[start + len(SETTINGS_TABLE_BEGIN):end].splitlines() if ln.strip()]
    if not lines:
        raise SettingsTableError("README settings table is empty")
    header = [c.strip() for c in _CELL_SPLIT.split(lines[0])[1:-1]]
    if not {"key", "default", "allowed"} <= set(header):
        raise SettingsTableError(f"README settings table: header {lines[0]!r} lacks a key, default or allowed column")
    key_at, default_at, allowed_at = header.index("key"), header.index("default"), header.index("allowed")
    table: dict[str, Allowed] = {}
    for line in lines[1:]:
        cells = [c.strip() for c in _CELL_SPLIT.split(line)[1:-1]]
        if cells and all(set(c) <= set("-: ") for c in cells):
            continue  # the |---| line
        if cells and re.fullmatch(r"\*\*[^*]+\*\*", cells[0]) and not any(cells[1:]):
            continue  # a group's title row: | **Compressor protection** | | | |
        found = re.fullmatch(r"`([A-Za-z0-9_]+)`", cells[key_at]) if len(cells) == len(header) else None
        if not found:
            raise SettingsTableError(f"README settings table: cannot read the row {line!r}")
        key = found.group(1)
        if key in table:
            raise SettingsTableError(f"README settings table: {key} is given twice")
        table[key] = _allowed_of(key, cells[allowed_at], cells[default_at])
    if not table:
        raise SettingsTableError("README settings table has no rows")
    return table


def parse_degree_step(readme: str) -> float | None:
    """The step README requires of a temperature setting ("a temperature
    setting finer than 0.1 °F ... is refused"), or None if it states none."""
    found = _DEGREE_STEP.search(" ".join(readme.split()))
    return float(found.group(1)) if found else None


_README_TEXT = README_PATH.read_text(encoding="utf-8")
DOCUMENTED_SETTINGS = parse_settings_table(_README_TEXT)
DEGREE_STEP_F = parse_degree_step(_README_TEXT)
del _README_TEXT


def _schedule_refusal(schedule: Any, deadband_f: float) -> str | None:
    """Why README (and the contract's deadband) refuse this schedule's entries, if they do."""
    for index, entry in enumerate(schedule or ()):
        where = f"schedule[{index}]"
        if not isinstance(entry, dict):
            return f"{where}: {entry!r} is not an entry object"
        unknown = [k for k in entry if k not in SCHEDULE_ENTRY_KEYS]
        if unknown:
            return f"{where}.{unknown[0]}: unknown key (allowed: {', '.join(SCHEDULE_ENTRY_KEYS)})"
        if entry.get("days") not in SCHEDULE_DAYS or not isinstance(entry.get("days"), str):
            return f"{where}.days: {entry.get('days')!r} is not allowed (allowed: {', '.join(SCHEDULE_DAYS)})"
        at = entry.get("at")
        if not (isinstance(at, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at)):
            return f"{where}.at: {at!r} is not a time (allowed: \"HH:MM\", \"00:00\" to \"23:59\")"
        if entry.get("heat_setpoint_f") is None and entry.get("cool_setpoint_f") is None:
            return f"{where}: sets no setpoint"
        for key, (low, high) in SETPOINT_RANGES_F.items():
            value = entry.get(key)
            if value is not None and not (_valid_reading(value) and low <= value <= high):
                return f"{where}.{key}: {value!r} is out of range (allowed: {low} to {high} °F)"
        heat, cool = entry.get("heat_setpoint_f"), entry.get("cool_setpoint_f")
        if heat is not None and cool is not None and round(cool * 10) - round(heat * 10) < round(deadband_f * 10):
            return f"{where}: setpoints closer than auto_deadband_f {deadband_f}"
    return None


def settings_change_refused(config: dict, changes: Any) -> str | None:
    """Why README's settings table refuses this change to ``config`` (None: it does not).

    A change is refused whole: an unknown key, a non-number where a number is
    documented, a value outside its documented range or choices, a degree
    value finer than README's step, or a schedule entry README does not allow."""
    if not isinstance(changes, dict):
        return f"settings: {changes!r} is not an object of settings"
    for key, value in changes.items():
        allowed = DOCUMENTED_SETTINGS.get(key)
        if allowed is None:
            return f"{key}: unknown setting (README's table lists {', '.join(DOCUMENTED_SETTINGS)})"
        why = allowed.refusal(value, DEGREE_STEP_F)
        if why:
            return why
    merged = apply_defaults(dict(config, **changes))
    return _schedule_refusal(merged.get("schedule"), float(merged["auto_deadband_f"]))


# Contract values of the settings that say what the terminals drive.
WIRING_CHOICES = {"reversing_valve": ("O", "B"), "compressor_stages": (1, 2),
                  "backup_heat": ("electric", "dual_fuel", "none")}


def accept_settings_change(accepted: dict, config: dict, changes: dict) -> tuple[dict, str | None]:
    """Apply an installer's settings change the way the contract and README say the device does.

    Returns (new config, None) or (unchanged config, reason refused); nothing of a
    refused change is applied.  Refused: anything README's settings table does not
    allow (:func:`settings_change_refused`); a wiring setting outside the contract's
    values; a change that would leave the accepted mode and setpoints refused
    (emergency with ``backup_heat: none``, auto setpoints closer than
    ``auto_deadband_f``).
    """
    why = settings_change_refused(config, changes)
    if why is not None:
        return config, why
    merged = dict(config, **changes)
    for key, allowed in WIRING_CHOICES.items():
        value = merged.get(key, DEFAULTS[key])
        if value not in allowed or isinstance(value, bool):
            return config, f"{key} {value!r} is not one of {allowed}"
    why = _user_state_refused(accepted, apply_defaults(merged))
    if why is not None:
        return config, f"the accepted mode and setpoints would be refused: {why}"
    return merged, None


class Acceptance:
    """What the device has accepted of the raw events, decided from the contract
    and README's settings table: mode, fan and setpoints (:func:`accept_command`)
    and the installer's settings (:func:`accept_settings_change`).  Saved settings and, unless told otherwise,
    the accepted mode, fan and setpoints survive a reboot."""

    def __init__(self, config: dict | None = None, modes_survive_reboot: bool = True, accept_settings=None):
        self.config = dict(config or {})
        self.settings = apply_defaults(self.config)
        self.state = dict(INITIAL_ACCEPTED)
        self.modes_survive_reboot = modes_survive_reboot
        self.accept_settings = accept_settings  # a caller's own judge of a merged config, if any
        self.refused: list[tuple[float, str]] = []
        # Every documented key a settings event named, accepted or not: the device's
        # value of each is compared (a refused change must leave it as it was).
        self.touched = dict.fromkeys(k for k in self.config if k in DOCUMENTED_SETTINGS)

    def event(self, ev: dict) -> None:
        """Apply one scenario event: a reboot first, then its command, then its settings."""
        t = float(ev.get("t", 0))
        if ev.get("reboot") and not self.modes_survive_reboot:
            self.state = dict(INITIAL_ACCEPTED)
        self.state, why = accept_command(self.state, ev, self.settings)
        if why:
            self.refused.append((t, why))
        if isinstance(ev.get("settings"), dict):
            self.touched.update(dict.fromkeys(k for k in ev["settings"] if k in DOCUMENTED_SETTINGS))
            if self.accept_settings is not None:
                merged = dict(self.config, **ev["settings"])
                config, why = (merged, None) if self.accept_settings(merged) else (self.config, "refused")
            else:
                config, why = accept_settings_change(self.state, self.config, ev["settings"])
            if why:
                self.refused.append((t, "settings: " + why))
            self.config = config
            self.settings = apply_defaults(config)

    def env(self) -> dict:
        """The accepted state as :meth:`Monitor.observe` takes it."""
        return dict(self.state, settings=self.settings)

    def disagreement(self, device_state: dict, device_settings: dict) -> str | None:
        """How what a device says it accepted differs from what it had to accept, if it does.

        ``device_state`` has ``mode``, ``fan``, ``heat_sp_f`` and ``cool_sp_f``;
        ``device_settings`` the device's settings by key: every documented key that
        the config or a settings event named is compared, with the accepted value or
        else README's default (setpoints in tenths of a degree)."""
        diffs = []
        for key in ("mode", "fan"):
            if device_state.get(key) != self.state[key]:
                diffs.append(f"{key} {device_state.get(key)!r} (must be {self.state[key]!r})")
        for key in ("heat_sp_f", "cool_sp_f"):
            if round(float(device_state[key]) * 10) != round(float(self.state[key]) * 10):
                diffs.append(f"{key} {device_state[key]!r} (must be {self.state[key]!r})")
        for key in self.touched:
            value = self.config[key] if key in self.config else DOCUMENTED_SETTINGS[key].default
            if device_settings.get(key) != value:
                diffs.append(f"settings.{key} {device_settings.get(key)!r} (must be {value!r})")
        return "; ".join(diffs) or None


def _infer_tick(lines: list[dict], skip_times: set[float]) -> float:
    """Greatest common divisor of the output-change times (a multiple of the real tick)."""
    g = 0
    for line in lines:
        t = float(line.get("t", 0))
        if t > 0 and t not in skip_times:
            g = math.gcd(g, round(t * 1000))
    return g / 1000.0 if g else 1.0


def check_replay_lines(
    scenario: dict,
    lines: list[dict],
    settings_defaults_applied: bool = True,
    *,
    liveness: bool = True,
    tick_s: float | None = None,
    modes_survive_reboot: bool = True,
    monitor: Monitor | None = None,
    accept_settings=None,
) -> list[Violation]:
    """Run the Monitor over a replay: a scenario and the JSON Lines `tools/replay.py` printed.

    Observations are made at every tick (0, tick_s, 2*tick_s, ... <= duration_s),
    at every event time and at every line time.  Events hold until changed and are
    applied before the observation at their time; outputs hold between lines and
    when several lines share one t the last one holds for that instant.  At a
    reboot's t the first line there is the boot observation (and the last one, if
    different, a second observation at the same t).  Commands are accepted or
    refused as the contract says (see :func:`accept_command`).  The accepted mode,
    fan and setpoints survive a reboot unless ``modes_survive_reboot`` is False.
    ``tick_s`` defaults to the scenario's, else to the GCD of the line times.
    An event's ``settings`` (an installer's change) is merged into the settings in
    force, after the event's command, if the device must take it (see
    :func:`accept_settings_change`, or ``accept_settings(merged)`` when given);
    saved settings survive a reboot.  Unknown keys of a line are ignored.
    ``settings_defaults_applied`` is accepted for compatibility; defaults are always
    applied (that is idempotent).
    """
    del settings_defaults_applied
    config = dict(scenario.get("config") or {})
    settings = apply_defaults(config)
    events = sorted(scenario.get("events") or [], key=lambda e: float(e["t"]))
    lines = sorted(lines, key=lambda ln: float(ln["t"]))
    reboot_times = {float(e["t"]) for e in events if e.get("reboot")}
    event_times = {float(e["t"]) for e in events}
    tick = float(tick_s or scenario.get("tick_s") or _infer_tick(lines, event_times | reboot_times))
    duration = float(scenario["duration_s"])
    mon = monitor or Monitor(settings, liveness=liveness, tick_s=tick)

    times = {k * tick for k in range(int(math.floor(duration / tick + 1e-9)) + 1)}
    times |= {t for t in event_times if t <= duration}
    times |= {float(ln["t"]) for ln in lines if float(ln["t"]) <= duration}

    by_t: dict[float, list[dict]] = {}
    for ln in lines:
        by_t.setdefault(float(ln["t"]), []).append(ln)
    line_times = sorted(by_t)

    acceptance = Acceptance(config, modes_survive_reboot, accept_settings)
    sensors: dict[str, Any] = {"indoor_f": None, "outdoor_f": None}
    ei = 0
    zero = dict.fromkeys(OUTPUTS, 0)

    def outputs_of(line: dict | None) -> dict:
        return {k: int(bool(line.get(k, 0))) for k in OUTPUTS} if line else dict(zero)

    for n, tau in enumerate(sorted(times)):
        while ei < len(events) and float(events[ei]["t"]) <= tau + _EPS:
            ev = events[ei]
            ei += 1
            acceptance.event(ev)
            for key in ("indoor_f", "outdoor_f"):
                if key in ev:
                    sensors[key] = ev[key]
        env = dict(acceptance.env(), indoor_f=sensors["indoor_f"], outdoor_f=sensors["outdoor_f"])
        i = bisect.bisect_right(line_times, tau + _EPS) - 1
        last = by_t[line_times[i]][-1] if i >= 0 else None
        boot = n == 0 or tau in reboot_times
        if boot:
            here = by_t.get(tau)
            first = here[0] if here else last
            mon.observe(tau, outputs_of(first), dict(env, boot=True, alerts=list(first.get("alerts", [])) if first else []))
            if here and len(here) > 1:
                mon.observe(tau, outputs_of(last), dict(env, boot=False, alerts=list(last.get("alerts", []))))
        else:
            mon.observe(tau, outputs_of(last), dict(env, boot=False, alerts=list(last.get("alerts", [])) if last else []))
    return mon.violations
