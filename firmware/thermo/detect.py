"""Detectors: mis-wiring and failing equipment, told by how the house answers each action.

The thermostat never measures heat; it sees the indoor temperature move. So
every detector compares one slope with another taken moments before, under
the same weather and sun: the compressor's run with the idle drift just
before it (its *effect*), the strips with the compressor alone just before
they joined, stage 2 with stage 1. The house's load and gains cancel out of
such a difference; what is left is what the equipment added.

- ``ob_reversed``: the compressor moves the temperature the wrong way (heat
  mode: the house falls faster than at idle; cool mode: rises faster). Seen
  in heat mode alone, this is what a wrong O/B setting does, so it is named
  that; once the other mode has been seen working it is ``valve_stuck``.
- ``valve_stuck``: the wrong way in one mode while the other mode works.
- ``compressor_dead``: a compressor run adds nothing to the idle drift.
- ``w2_open``: strips (or a furnace) add nothing to what ran before them.
- ``y2_open``: stage 2 adds nothing to stage 1.
- ``low_charge``: the compressor's effect at an outdoor temperature falls to
  under 3/4 of what it was when first learned (refrigerant loss).

Slopes come from the mean indoor of 3-minute blocks, taken once a running
has settled (:data:`SETTLE_MS`); sensor noise averages out in a block.
Guards: a slope that drops suddenly while nothing changed (a door or window
opened) spoils the running's evidence and suspends every detector for
:data:`QUIET_MS`; so does a setpoint change; an alert needs
:data:`EVENTS_TO_ALERT` evidence blocks in a row, longer than a defrost
cycle (at most 10 minutes), so a defrost is never an alarm. The solar gain
cancels in each difference, both slopes being taken under the same sun.

Alerts latch until a settings change or a reboot. Integer state only, all
made in ``__init__``: a tick allocates nothing. The sentences for people are
in tools/run.py's ALERTS (and the board's short words in app/screen.py).
"""

from thermo import modes as M
from thermo import terminals as T
from thermo.learn import BINS, bin_of
from thermo.learn import IDLE as IDLE_KIND
from thermo.ticks import ELAPSED_CAP_MS, grow

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


# Alert names, in bit order (bit 0 first).
ALERT_NAMES = ("compressor_dead", "low_charge", "ob_reversed", "valve_stuck", "w2_open", "y2_open")
COMPRESSOR_DEAD = const(1)
LOW_CHARGE = const(2)
OB_REVERSED = const(4)
VALVE_STUCK = const(8)
W2_OPEN = const(16)
Y2_OPEN = const(32)

# What runs, as the detectors tell runnings apart.
NONE = const(0)
IDLE = const(1)
HP_HEAT = const(2)
HP_COOL = const(3)
PUMP_STRIPS = const(4)
BACKUP = const(5)  # W2 alone: strips with the compressor locked out, or a furnace
STAGE2 = const(8)  # added to HP_HEAT / HP_COOL while Y2 runs

SETTLE_MS = const(60_000)  # the first minute of a running is not measured
BLOCK_MS = const(60_000)  # one-minute means of the indoor reading
RING = const(8)  # the last one-minute means of the running
VERDICT_BLOCKS = const(5)  # a verdict every 5 minutes of a running ...
SPAN_BLOCKS = const(4)  # ... on the slope over its last 4 minutes
IDLE_MIN_BLOCKS = const(12)  # an idle drift is measured once the air has settled after a run
QUIET_MS = const(1_800_000)  # after a sudden drop or a setpoint change
REF_MAX_AGE_MS = const(10_800_000)  # an idle drift older than 3 h is no reference
EVENTS_TO_ALERT = const(3)  # 3 verdicts in a row: 15 minutes of running at least
DEAD_EVENTS = const(4)
DROP_CF_H = const(200)  # a slope 2 °F/h below the one before, nothing changed: a disturbance
WRONG_CF_H = const(150)  # the compressor pushes the wrong way by 1.5 °F/h or more
NO_EFFECT_CF_H = const(80)  # the compressor adds less than 0.8 °F/h
STRIPS_MIN_CF_H = const(100)  # strips (or a furnace) add less than 1 °F/h
STAGE2_MIN_CF_H = const(40)  # stage 2 adds less than 0.4 °F/h
# With no idle drift to compare with: a house that falls 6 °F/h under the
# heat pump with 35 °F or more outdoors, or rises 3 °F/h under cooling, has
# the compressor pushing the wrong way (an idle reference house falls about
# 2 °F/h at 35 °F, and rises about 2.4 °F/h at 95 °F).
UNAIDED_FALL_CF_H = const(600)
UNAIDED_RISE_CF_H = const(300)
MILD_DF = const(350)  # stage 2 adds less than 0.4 °F/h
# low_charge: per outdoor bin, the compressor's effect when first learned
# (its first BASE_SAMPLES samples), against a running mean of the latest.
BASE_SAMPLES = const(24)
RECENT_WEIGHT = const(8)
RECENT_SAMPLES = const(12)
LOW_CHARGE_PER_16 = const(12)  # alert under 12/16 (75 %) of the baseline


def running_of(t):
    out = t.outputs
    if t.mode == M.OFF or not t.indoor_ok:
        return NONE
    if out & T.E:
        return NONE
    if out & T.Y1:
        heating = (out & T.OB != 0) == t.settings.reversing_valve_b
        if out & T.W2:
            return PUMP_STRIPS if heating else NONE
        kind = HP_HEAT if heating else HP_COOL
        if t.settings.two_stage and out & T.Y2:
            kind |= STAGE2
        return kind
    if out & T.W2:
        return BACKUP
    return IDLE


def _toward(value, sample, weight):
    step = sample - value
    if step >= 0:
        return value + (step + weight - 1) // weight
    return value - (-step + weight - 1) // weight


class Detectors:
    """The evidence of each detector, and the alerts it has raised (``alerts``, bits of ALERT_NAMES)."""

    def __init__(self):
        self.alerts = 0
        self._settings = None
        self._heat_dF = 0
        self._cool_dF = 0
        self._quiet_ms = ELAPSED_CAP_MS  # since the last disturbance or setpoint change
        # The running now, and its blocks.
        self._kind = NONE
        self._kind_ms = 0
        self._sum = 0
        self._n = 0
        self._block_ms = 0
        self._blocks = 0
        self._means = [0] * RING  # cF, by block number modulo RING
        self._slopes = 0
        self._slope = 0  # cF/h, the latest of this running
        self._spoiled = False
        # What ran before: its kind and last slope (for strips and stage 2).
        self._prev_kind = NONE
        self._prev_slope = 0
        self._prev_ok = False
        # The idle drift last measured, and its age.
        self._idle_slope = 0
        self._idle_ok = False
        self._idle_age_ms = ELAPSED_CAP_MS
        # Evidence counters.
        self._wrong_heat = 0
        self._wrong_cool = 0
        self._dead = 0
        self._w2 = 0
        self._y2 = 0
        self._heat_ok = False
        self._cool_ok = False
        self._wrong_heat_seen = False
        self._wrong_cool_seen = False
        # low_charge, per outdoor bin: baseline and recent compressor effect (cF/h).
        self._base = [0] * BINS
        self._base_n = [0] * BINS
        self._recent = [0] * BINS
        self._recent_n = [0] * BINS

    def clear(self):
        """Forget the alerts and the evidence (the equipment or its settings changed)."""
        self.alerts = 0
        self._wrong_heat = self._wrong_cool = self._dead = self._w2 = self._y2 = 0
        self._heat_ok = self._cool_ok = self._wrong_heat_seen = self._wrong_cool_seen = False
        for index in range(BINS):
            self._base[index] = self._base_n[index] = self._recent[index] = self._recent_n[index] = 0

    # -- each tick --------------------------------------------------------

    def observe(self, t, step):
        if t.settings is not self._settings:
            if self._settings is not None:
                self.clear()
            self._settings = t.settings
        self._quiet_ms = grow(self._quiet_ms, step)
        self._idle_age_ms = grow(self._idle_age_ms, step)
        if t.heat_setpoint_dF != self._heat_dF or t.cool_setpoint_dF != self._cool_dF:
            self._heat_dF, self._cool_dF = t.heat_setpoint_dF, t.cool_setpoint_dF
            self._quiet_ms = 0
        kind = running_of(t)
        if kind != self._kind:
            self._change(kind)
            return
        self._kind_ms = grow(self._kind_ms, step)
        if kind == NONE or self._kind_ms < SETTLE_MS:
            return
        self._sum += t.indoor_dF
        self._n += 1
        self._block_ms += step
        if self._block_ms >= BLOCK_MS:
            self._end_block(t)

    def _change(self, kind):
        old = self._kind
        if old == IDLE and self._blocks >= IDLE_MIN_BLOCKS and not self._spoiled:
            span = min(self._blocks - 1, RING - 1)
            self._idle_slope, self._idle_ok, self._idle_age_ms = self._span_slope(span), True, 0
        self._prev_kind = old
        self._prev_slope = self._slope
        self._prev_ok = self._slopes > 0 and not self._spoiled
        self._kind = kind
        self._kind_ms = 0
        self._sum = self._n = self._block_ms = self._blocks = self._slopes = 0
        self._spoiled = False
        if kind == IDLE or old == IDLE:
            self._dead = self._w2 = self._y2 = 0  # evidence runs within one call

    def _span_slope(self, span):
        """cF/h between the latest one-minute mean and the one ``span`` minutes before."""
        last = self._blocks - 1
        return (self._means[last % RING] - self._means[(last - span) % RING]) * 60 // span

    def _end_block(self, t):
        self._means[self._blocks % RING] = self._sum * 10 // self._n
        self._sum = self._n = self._block_ms = 0
        self._blocks += 1
        if self._blocks % VERDICT_BLOCKS:
            return
        slope = self._span_slope(SPAN_BLOCKS)
        if self._slopes and self._sudden(t, slope):
            self._spoiled = True  # nothing changed here, the house did: a door, a window
            self._quiet_ms = 0
        self._slope = slope
        self._slopes += 1
        if not self._spoiled and self._quiet_ms >= QUIET_MS:
            self._judge(t, slope)

    def _sudden(self, t, slope):
        """A slope that turned against the running, beyond the idle drift: at
        idle or heating, a sudden fall; cooling, a sudden rise. (A running's
        own settling only slows it, towards the idle drift.)"""
        base = self._kind & ~STAGE2
        reference = self._reference(t)
        if reference is None:
            reference = 0
        if base == HP_COOL:
            return slope > self._slope + DROP_CF_H and slope > reference
        return slope < self._slope - DROP_CF_H and (base == IDLE or slope < reference)

    def _reference(self, t):
        """The idle drift (cF/h) to compare a running with: the one measured
        before it, if the house idled long enough to settle, else what the
        model has learned at this outdoor temperature, else None."""
        if self._idle_ok and self._idle_age_ms < REF_MAX_AGE_MS:
            return self._idle_slope
        if not t.outdoor_ok:
            return None
        return t.model.rate_at(IDLE_KIND, t.outdoor_dF)

    # -- the evidence -----------------------------------------------------

    def _judge(self, t, slope):
        kind = self._kind
        base = kind & ~STAGE2
        if base == IDLE:
            return
        if base == HP_HEAT or base == HP_COOL:
            if kind & STAGE2 and self._prev_ok and self._prev_kind == base:
                self._y2 = self._y2 + 1 if slope - self._prev_slope < STAGE2_MIN_CF_H else 0
                if base == HP_COOL and self._y2:
                    self._y2 = self._y2 if self._prev_slope - slope < STAGE2_MIN_CF_H else 0
                if self._y2 >= EVENTS_TO_ALERT:
                    self.alerts |= Y2_OPEN
            heating = base == HP_HEAT
            reference = self._reference(t)
            if reference is None:
                # No idle drift known (a first call soon after boot, a call that
                # never ends): only a fall (rise) no idle house could make.
                if heating and t.outdoor_ok and t.outdoor_dF >= MILD_DF:
                    if slope < -UNAIDED_FALL_CF_H:
                        self._wrong(True)
                    elif slope < NO_EFFECT_CF_H:
                        self._no_effect()  # mild outdoors, a working heat pump gains
                elif not heating and slope > UNAIDED_RISE_CF_H:
                    self._wrong(False)
                return
            effect = slope - reference
            if not heating:
                effect = -effect  # from here on, positive is the right way
            if effect < -WRONG_CF_H:
                self._dead = 0
                self._wrong(base == HP_HEAT)
            elif effect < NO_EFFECT_CF_H:
                self._no_effect()
            else:
                self._dead = 0
                self._right(base == HP_HEAT)
                if base == HP_HEAT and not kind & STAGE2 or base == HP_HEAT and not t.settings.two_stage:
                    self._capacity(t, effect)
        elif base == PUMP_STRIPS:
            if self._prev_ok and self._prev_kind & ~STAGE2 == HP_HEAT:
                self._strips(slope - self._prev_slope)
        elif base == BACKUP:
            reference = self._reference(t)
            if reference is not None:
                self._strips(slope - reference)

    def _no_effect(self):
        self._wrong_heat = self._wrong_cool = 0
        self._dead += 1
        if self._dead >= DEAD_EVENTS:
            self.alerts |= COMPRESSOR_DEAD

    def _wrong(self, heating):
        if heating:
            self._wrong_cool = 0
            self._wrong_heat += 1
            if self._wrong_heat >= EVENTS_TO_ALERT:
                self._wrong_heat_seen = True
        else:
            self._wrong_heat = 0
            self._wrong_cool += 1
            if self._wrong_cool >= EVENTS_TO_ALERT:
                self._wrong_cool_seen = True
        self._name_valve()

    def _right(self, heating):
        if heating:
            self._heat_ok = True
            self._wrong_heat = 0
        else:
            self._cool_ok = True
            self._wrong_cool = 0
        self._name_valve()

    def _name_valve(self):
        """Wrong in both modes, or in the only one seen: O/B. Wrong in one, right in the other: the valve."""
        heat, cool = self._wrong_heat_seen, self._wrong_cool_seen
        if not heat and not cool:
            return
        self.alerts &= ~(OB_REVERSED | VALVE_STUCK)
        if (heat and self._cool_ok and not cool) or (cool and self._heat_ok and not heat):
            self.alerts |= VALVE_STUCK
        else:
            self.alerts |= OB_REVERSED

    def _strips(self, added):
        self._w2 = self._w2 + 1 if added < STRIPS_MIN_CF_H else 0
        if self._w2 >= EVENTS_TO_ALERT:
            self.alerts |= W2_OPEN

    def _capacity(self, t, effect):
        index = bin_of(t.outdoor_dF) if t.outdoor_ok else -1
        if index < 0:
            return
        n = self._base_n[index]
        if n < BASE_SAMPLES:
            self._base[index] = effect if n == 0 else _toward(self._base[index], effect, n + 1)
            self._base_n[index] = n + 1
            return
        n = self._recent_n[index]
        self._recent[index] = effect if n == 0 else _toward(self._recent[index], effect, min(n + 1, RECENT_WEIGHT))
        if n < RECENT_SAMPLES:
            self._recent_n[index] = n + 1
        elif self._recent[index] * 16 < self._base[index] * LOW_CHARGE_PER_16:
            self.alerts |= LOW_CHARGE
