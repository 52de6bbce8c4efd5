"""Detectors: mis-wiring and failing equipment, told by how the house answers each action.

The thermostat never measures heat; it sees the indoor temperature move. So
every detector compares how fast the house moves under one running with how
fast it moved under another, in the same hour, under the same weather and
sun: the compressor with the idle house (its *effect*), the strips with the
compressor alone, stage 2 with stage 1. The house's load and gains cancel out
of such a difference; what is left is what the equipment added.

- ``ob_reversed``: the compressor moves the temperature the wrong way (heat
  mode: the house falls faster than at idle; cool mode: rises faster). Seen
  in heat mode alone, this is what a wrong O/B setting does, so it is named
  that; once the other mode has been seen working it is ``valve_stuck``.
- ``valve_stuck``: the wrong way in one mode while the other mode works.
- ``compressor_dead``: a compressor run adds nothing to the idle drift. On
  a cold day, when the house never idles, the strips carry it instead: their
  duty beside the running compressor (thermo.duty) needs 35 points more than
  the model learned held the house at this outdoor temperature, while the
  strips are seen to work and hold the house with room to spare.
- ``heat_not_responding``: two hours of a heat call 2 °F or more below the
  setpoint without the house rising, whatever runs (Nest's "heating
  failed"). A part whose last verdict said it added nothing (short of the
  verdicts in a row its own alert needs; the compressor's last two) is
  named after 30 minutes of such a fall: on a design day an open W2 leaves
  the strips running without pause after a pulse or two, and nothing is left
  to compare them with.
- ``w2_open``: strips (or a furnace) add nothing to what ran before them.
- ``y2_open``: stage 2 adds nothing to stage 1.
- ``compressor_tripping``: the equipment stops itself in the middle of a call (a
  pressure or overload switch trips and resets): while Y stays on, the house
  swings from rising to falling and back, every few minutes.
- ``aux_overuse``: the strips run a tenth of the time or more at 40 °F
  outdoors or warmer, where the heat pump carries any house it was sized
  for.
- ``low_charge``: the compressor runs a much larger share of the time at an
  outdoor temperature than it did when first learned (refrigerant loss: less
  heat a minute, longer runs for the same house). Only hours the heat pump
  carried alone count: after strips the house is warm and the compressor
  idles for reasons of their own.

How a rate is measured: from the second minute of each running (a start or
a stop moves the air at once), the mean indoor reading of each minute; the
change from one minute's mean to the next is added to the *pools* of that
kind of running: one of all its minutes, one of its settled minutes (from
:data:`TRANSIENT_MINUTES` on, when the air has stopped jumping after the
start). Pools gather over the short runnings of a call (4-minute strip
pulses, 6-minute idles between compressor runs), so a rate is known even
when nothing runs long. The compressor is judged on settled minutes (its
starts move the air more in short cycles than in long runs, which would
bias a comparison of the two); stage 2 on all minutes; strips pulse by
pulse: each pulse (from its second minute) against the first minutes of
the rest after it, so a pulse is always compared with the same hour.
When both pools compared are full enough, a verdict is taken on their rates
and the running's pool starts again; pools halve past
:data:`POOL_MAX_MINUTES` and empty after :data:`POOL_MAX_AGE_MIN` unfed, so
they stay recent. The share-based detectors (``aux_overuse``,
``low_charge``) count time instead, per 5 °F outdoor bin.

With no idle pool to compare the compressor with (a cold day, when the
house never idles), the idle drift is what the house has shown before:
the model's learned idle rate here, or the loss this detector measured on
an earlier idle (the share of the indoor-outdoor difference lost per hour),
applied to today's difference. With none of those, only what no unheated
house could do counts: falling faster than a sixth of its indoor-outdoor
difference per hour with the heat on (a house that loses heat that fast
has a time constant under 6 hours; real ones have 15 to 40).

Guards: a fall under a steady running, 3.5 °F/h beyond what it had shown
since its air settled, that nothing the thermostat did explains (a door or
window opened) empties the pools and suspends every detector for
:data:`QUIET_MS`; so does a setpoint change. An alert needs
:data:`EVENTS_TO_ALERT` verdicts in a row, together longer than a defrost
cycle (at most 10 minutes), so a defrost is never an alarm. The solar gain
cancels in each difference, both rates being taken within the same hour.

Alerts latch until a settings change or a reboot. Integer state only, all
made in ``__init__``: a tick allocates nothing. The sentences for people are
in app/advice.py (and the board's short words in app/screen.py).
"""

from thermo import modes as M
from thermo import terminals as T
from thermo.learn import BINS, bin_of, toward
from thermo.learn import IDLE as IDLE_KIND
from thermo.ticks import ELAPSED_CAP_MS, grow

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


# Alert names, in bit order (bit 0 first).
ALERT_NAMES = ("aux_overuse", "compressor_dead", "compressor_tripping", "heat_not_responding", "low_charge",
               "ob_reversed", "valve_stuck", "w2_open", "y2_open")
AUX_OVERUSE = const(1)
COMPRESSOR_DEAD = const(2)
COMPRESSOR_TRIPPING = const(4)
HEAT_NOT_RESPONDING = const(8)
LOW_CHARGE = const(16)
OB_REVERSED = const(32)
VALVE_STUCK = const(64)
W2_OPEN = const(128)
Y2_OPEN = const(256)
VALVE_NAMED = const(96)  # OB_REVERSED | VALVE_STUCK: a compressor that does not heat is then that

# What runs, as the detectors tell runnings apart (the index of its pool).
NONE = const(0)
IDLE = const(1)
HP_HEAT = const(2)
HP_COOL = const(3)
PUMP_STRIPS = const(4)
BACKUP = const(5)  # W2 alone: strips with the compressor locked out, or a furnace
STAGE2 = const(8)  # added to HP_HEAT / HP_COOL while Y2 runs
# Each kind has two pools: its settled minutes (from TRANSIENT_MINUTES on; slot
# ``kind``), and all its minutes (slot ``ALL + kind``).
ALL = const(12)
SLOTS = const(24)

SETTLE_MS = const(60_000)  # the first minute of a running is not measured
BLOCK_MS = const(60_000)  # one-minute means of the indoor reading
POOL_MINUTES = const(10)  # a verdict on 10 minutes of each running compared
PULSE_MINUTES = const(2)  # strips: each pulse of 2 measured minutes or more ...
REST_MINUTES = const(2)  # ... against the first 2 minutes of the rest after it
POOL_MAX_MINUTES = const(60)  # a pool halves past an hour, so it stays recent
POOL_MAX_AGE_MIN = const(120)  # and empties when nothing fed it for 2 h
AGE_CAP_MIN = const(1000)
# After a start or a stop the air jumps towards its new balance with the
# house's mass for about 10 minutes; only then can a running's own rate be
# told from a disturbance: the last 4 minutes against the running since.
TRANSIENT_MINUTES = const(12)
SUDDEN_MINUTES = const(4)
QUIET_MS = const(1_800_000)  # after a sudden fall or a setpoint change
EVENTS_TO_ALERT = const(3)  # 3 verdicts in a row: 30 minutes of running at least
DROP_CF_H = const(350)  # 3.5 °F/h below what the running had shown: a disturbance
WRONG_CF_H = const(150)  # the compressor pushes the wrong way by 1.5 °F/h or more
NO_EFFECT_CF_H = const(100)  # the compressor adds less than 1 °F/h
PLAINLY_WORKS_CF_H = const(300)  # short cycles: the compressor plainly works
STRIPS_MIN_CF_H = const(150)  # strips (or a furnace) add less than 1.5 °F/h
STAGE2_MIN_CF_H = const(40)  # stage 2 adds less than 0.4 °F/h
UNAIDED_SHARE = const(6)  # no unheated house loses a sixth of its indoor-outdoor difference per hour
MIN_DIFFERENCE_DF = const(100)  # the unaided rule needs 10 °F between indoor and outdoor
# Cooling with no idle drift known: the house rises 3 °F/h, or 1.5 °F/h with
# the outdoor air 10 °F cooler than indoor: the compressor is heating.
UNAIDED_RISE_CF_H = const(300)
UNAIDED_COOL_RISE_CF_H = const(150)
# compressor_tripping: 4-minute rates of a compressor call, from its 8th minute;
# a swing is a change of 4 °F/h or more between two, against the last one's
# direction; 4 swings in a call (one is forgotten per hour of running) alert.
SWING_FROM_MINUTES = const(8)
SWING_MINUTES = const(4)
SWING_CF_H = const(400)
SWINGS_TO_ALERT = const(4)
SWING_FORGET_MINUTES = const(60)
# heat_not_responding: a heat call 2 °F below the setpoint, and two hours in
# a row each ending no warmer than it began (a door open for an hour on a
# cold day is one such hour).
DEFICIT_DF = const(20)
NO_RISE_MINUTES = const(60)
NO_RISE_HOURS = const(2)
CORROBORATE_MINUTES = const(30)  # a part last seen adding nothing is named after 30 minutes of fall
# low_charge: per outdoor bin, the compressor's share of heat-mode time in
# windows of 3 hours there without strips; the first BASE_SAMPLES windows
# are its baseline, a running mean of the latest ones is compared with it. 60 % of the
# capacity runs 1/0.6 = 1.67 times as long; the alert is at 1.4 times, and
# only where the baseline leaves room to see it (a share under 60 %).
DUTY_WINDOW_MS = const(10_800_000)
BASE_SAMPLES = const(3)
RECENT_WEIGHT = const(3)
RECENT_SAMPLES = const(3)
LOW_CHARGE_PER_16 = const(22)  # alert over 22/16 (1.4 times) of the baseline
DUTY_ROOM_PM = const(600)
# aux_overuse: the strips' share of windows of an hour of heat-mode time, per
# outdoor bin: 10 % or more at 40 °F outdoors or warmer, where the heat pump
# carries any house it was sized for. (A share against its own baseline, as
# low_charge does for the compressor, raised false alarms on setback days:
# a bin's windows mix the morning catch-up with steady hours.)
AUX_WINDOW_MS = const(3_600_000)  # strips: windows of an hour
CATCH_UP_MS = const(7_200_000)  # shares do not count for 2 h after a setpoint change or a disturbance
AUX_MILD_PM = const(100)
AUX_MILD_DF = const(400)
# compressor_dead when the house never idles (a cold day): the strips' duty
# (thermo.duty) beside a running compressor has to reach 35 points above what
# the model learned held the house at this outdoor temperature (learned in
# its own 5 °F bin). A compressor that stopped heating leaves the strips the
# whole house: at 20 °F outdoors a heat pump sized for it carries half or
# more, 50 points of strips. Checked every 10 minutes of running (a duty
# period), 3 in a row.
CARRY_SHORT_PM = const(350)
CARRY_EVERY_MS = const(600_000)
FULL_DUTY_PM = const(1000)


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


def _compared_with(kind):
    """The running whose rate ``kind``'s is compared with: what it adds to."""
    if kind & STAGE2:
        return kind & ~STAGE2
    if kind == PUMP_STRIPS:
        return HP_HEAT
    if kind == HP_HEAT or kind == HP_COOL or kind == BACKUP:
        return IDLE
    return NONE


class Detectors:
    """The evidence of each detector, and the alerts it has raised (``alerts``, bits of ALERT_NAMES)."""

    def __init__(self):
        self.alerts = 0
        self._settings = None
        self._heat_dF = 0
        self._cool_dF = 0
        self._quiet_ms = ELAPSED_CAP_MS  # since the last disturbance or setpoint change
        # The running now, and its minutes.
        self._kind = NONE
        self._kind_ms = 0
        self._sum = 0
        self._n = 0
        self._block_ms = 0
        self._blocks = 0
        self._last = 0  # cF, the latest minute's mean
        self._run_rise = 0  # cF, the change over this running's minutes ...
        self._run_n = 0  # ... and their number
        self._pulse_kind = NONE  # the strip pulse (or furnace run) just ended, to compare with the rest after it
        self._pulse_rate = 0
        self._settled = 0  # cF, the change since the running's air settled (TRANSIENT_MINUTES) ...
        self._window = 0  # ... and over the minutes since the last sudden check
        # The pools, by kind: the indoor change (cF) over their minutes, and their age.
        self._rise = [0] * SLOTS
        self._minutes = [0] * SLOTS
        self._age_min = [AGE_CAP_MIN] * SLOTS  # minutes since each pool was fed
        self._minute_ms = 0
        # The house's idle loss, per mille of the indoor-outdoor difference per hour (0: unknown).
        self._loss = 0
        # compressor_tripping: the swings of the compressor's rate in this call.
        self._swing_sum = 0
        self._swing_rate = 0
        self._swing_have = False
        self._swing_dir = 0
        self._swings = 0
        self._swing_minutes = 0
        # heat_not_responding: a minute's mean of the indoor, and the call's watch.
        self._w_sum = 0
        self._w_n = 0
        self._w_ms = 0
        self._w_from = 0  # cF, the mean when the watch (re)started
        self._w_minutes = -1  # minutes watched; -1: not watching
        self._w_hours = 0  # hours in a row without a rise
        self._counts = [0] * 6  # wrong heat, wrong cool, dead, w2, y2, strips carry: verdicts in a row
        self._seen = 0  # bits: heat right, cool right, heat wrong, cool wrong
        # low_charge, per outdoor bin: baseline and recent compressor effect (cF/h).
        self._on_ms = [0] * BINS  # the compressor's window: heat-mode time without strips, and its part on
        self._all_ms = [0] * BINS
        self._strip_ms = [0] * BINS  # the strips' window: heat-mode time, and their part on
        self._heat_ms = [0] * BINS
        # The compressor's share (per mille) per bin: baseline and running mean.
        self._base = [0] * BINS
        self._base_n = [0] * BINS
        self._recent = [0] * BINS
        self._recent_n = [0] * BINS
        self._carry_ms = 0  # compressor_dead on a cold day: running since the last check of the strips' duty
        self._strips_work = False  # the last strip pulse judged added heat
        self.clear()

    def clear(self):
        """Forget the alerts and the evidence (the equipment or its settings changed)."""
        self.alerts = 0
        self._seen = 0
        for index in range(len(self._counts)):
            self._counts[index] = 0
        for index in range(BINS):
            self._base[index] = self._base_n[index] = self._recent[index] = self._recent_n[index] = 0
            self._on_ms[index] = self._all_ms[index] = self._strip_ms[index] = self._heat_ms[index] = 0
        self._carry_ms = 0
        self._strips_work = False
        self._empty_pools()

    def _empty_pools(self):
        for slot in range(SLOTS):
            self._rise[slot] = self._minutes[slot] = 0
            self._age_min[slot] = AGE_CAP_MIN

    # -- each tick --------------------------------------------------------

    def observe(self, t, step):
        if t.settings is not self._settings:
            if self._settings is not None:
                self.clear()
            self._settings = t.settings
        self._quiet_ms = grow(self._quiet_ms, step)
        self._minute_ms += step
        if self._minute_ms >= BLOCK_MS:  # the pools age by the minute, not every tick
            self._minute_ms = min(self._minute_ms - BLOCK_MS, BLOCK_MS)
            for slot in range(SLOTS):
                if self._age_min[slot] < AGE_CAP_MIN:
                    self._age_min[slot] += 1
        if t.heat_setpoint_dF != self._heat_dF or t.cool_setpoint_dF != self._cool_dF:
            self._heat_dF, self._cool_dF = t.heat_setpoint_dF, t.cool_setpoint_dF
            self._disturbed()
        kind = running_of(t)
        self._duty(t, kind, step)
        self._watch(t, step)
        if kind != self._kind:
            self._pulse(kind)
            self._kind = kind
            self._kind_ms = 0
            self._sum = self._n = self._block_ms = self._blocks = self._settled = self._window = 0
            self._run_rise = self._run_n = 0
            return
        self._kind_ms = grow(self._kind_ms, step)
        if kind == NONE or self._kind_ms < SETTLE_MS:
            return
        self._sum += t.indoor_dF
        self._n += 1
        self._block_ms += step
        if self._block_ms >= BLOCK_MS:
            self._end_block(t)

    def _disturbed(self):
        self._quiet_ms = 0
        self._empty_pools()

    def _end_block(self, t):
        mean = self._sum * 10 // self._n
        self._sum = self._n = self._block_ms = 0
        self._blocks += 1
        if self._blocks == 1:
            self._last = mean
            return
        change, self._last = mean - self._last, mean
        kind = self._kind
        self._swing(kind, change)
        self._add(ALL + kind, change)
        self._run_rise += change
        self._run_n += 1
        if self._pulse_kind != NONE and self._run_n >= REST_MINUTES and self._quiet_ms >= QUIET_MS:
            effect = self._pulse_rate - self._run_rise * 60 // self._run_n
            self._pulse_kind = NONE
            self._strips_work = effect >= STRIPS_MIN_CF_H
            self._count(3, not self._strips_work, W2_OPEN)
        if self._blocks > TRANSIENT_MINUTES:
            self._add(kind, change)
            self._settled += change
            self._window += change
            if (self._blocks - TRANSIENT_MINUTES) % SUDDEN_MINUTES == 0:
                if self._sudden(kind):
                    self._disturbed()
                    return
                self._window = 0
        if self._quiet_ms >= QUIET_MS:
            self._judge(t, kind)

    def _swing(self, kind, change):
        """Count the swings of a compressor call's rate (compressor_tripping)."""
        base = kind & ~STAGE2
        if base == IDLE:
            self._swings = self._swing_minutes = 0
        if base != HP_HEAT and base != HP_COOL:
            self._swing_have = False
            return
        if self._blocks <= SWING_FROM_MINUTES:
            self._swing_sum = 0
            return
        self._swing_minutes += 1
        if self._swing_minutes >= SWING_FORGET_MINUTES:
            self._swing_minutes = 0
            self._swings = max(0, self._swings - 1)
        self._swing_sum += change
        if (self._blocks - SWING_FROM_MINUTES) % SWING_MINUTES:
            return
        rate, self._swing_sum = self._swing_sum * 60 // SWING_MINUTES, 0
        if self._swing_have:
            turn = rate - self._swing_rate
            direction = 1 if turn > 0 else -1
            if (turn >= SWING_CF_H or -turn >= SWING_CF_H) and direction != self._swing_dir:
                self._swing_dir = direction
                self._swings += 1
                if self._swings >= SWINGS_TO_ALERT:
                    self.alerts |= COMPRESSOR_TRIPPING
        self._swing_rate, self._swing_have = rate, True

    def _add(self, slot, change):
        if self._minutes[slot] >= POOL_MAX_MINUTES:
            self._rise[slot] //= 2
            self._minutes[slot] //= 2
        self._rise[slot] += change
        self._minutes[slot] += 1
        self._age_min[slot] = 0

    def _full(self, slot):
        return self._minutes[slot] >= POOL_MINUTES and self._age_min[slot] < POOL_MAX_AGE_MIN

    def _pulse(self, kind):
        """A running changes: a strip pulse (or a furnace run) that ends in
        what it adds to is compared with that rest, its first minutes."""
        old = self._kind
        self._pulse_kind = NONE
        if (old == PUMP_STRIPS or old == BACKUP) and kind == _compared_with(old) and self._run_n >= PULSE_MINUTES:
            self._pulse_kind, self._pulse_rate = old, self._run_rise * 60 // self._run_n

    def _rate(self, slot):
        """The pool's rate, cF/h."""
        return self._rise[slot] * 60 // self._minutes[slot]

    def _sudden(self, kind):
        """The last minutes fell (cooling: rose) well beyond what the running
        had shown since its air settled: nothing the thermostat did, so the
        house changed."""
        minutes = self._blocks - TRANSIENT_MINUTES
        if minutes < 2 * SUDDEN_MINUTES:
            return False
        before = (self._settled - self._window) * 60 // (minutes - SUDDEN_MINUTES)
        now = self._window * 60 // SUDDEN_MINUTES
        if kind & ~STAGE2 == HP_COOL:
            return now > before + DROP_CF_H
        return now < before - DROP_CF_H

    def _reference(self, t):
        """The settled idle drift (cF/h) to compare the compressor with: the
        idle pool, else what the model learned here, else the loss measured
        before applied to today's indoor-outdoor difference, else None."""
        if self._full(IDLE):
            return self._rate(IDLE)
        if not t.outdoor_ok:
            return None
        learned = t.model.rate_at(IDLE_KIND, t.outdoor_dF)
        if learned is not None:
            return learned
        if self._loss:
            return -self._loss * (t.indoor_dF - t.outdoor_dF) // 100
        return None

    # -- the evidence -----------------------------------------------------

    def _judge(self, t, kind):
        """A verdict when the running's pool and the one it is compared with
        are full. The compressor is judged on settled minutes (its start and
        stop move the air for 10 minutes, more in short cycles than in long
        runs), stage 2 on all minutes; strips pulse by pulse, in _end_block."""
        base = kind & ~STAGE2
        compressor = kind == HP_HEAT or kind == HP_COOL
        if kind == IDLE:
            if self._full(IDLE):
                self._learn_loss(t)
            return
        if kind == PUMP_STRIPS or kind == BACKUP:
            # Judged pulse by pulse (_pulse); running on without pause, only
            # what no unheated house could do.
            if kind == PUMP_STRIPS and self._full(ALL + kind) and self._unaided(t, HP_HEAT, self._rate(ALL + kind)):
                self._restart(ALL + kind)
            return
        slot = kind if compressor else ALL + kind
        if compressor and not self._full(slot):
            self._confirm(kind)
            return
        if not self._full(slot):
            return
        other = _compared_with(kind)
        if compressor:
            reference = self._reference(t)
        elif self._full(ALL + other):
            reference = self._rate(ALL + other)
        else:
            reference = None
        rate = self._rate(slot)
        if reference is None:
            if compressor and self._unaided(t, base, rate):
                self._restart(slot)
            return
        effect = rate - reference
        if base == HP_COOL:
            effect = -effect  # from here on, positive is the right way
        if kind & STAGE2:
            self._count(4, effect < STAGE2_MIN_CF_H, Y2_OPEN)
        else:
            self._compressor(t, base == HP_HEAT, effect)
        self._restart(slot)

    def _confirm(self, kind):
        """Short cycles, no settled minutes: all minutes still tell a
        compressor that plainly works (its own starts and stops move the air
        its way), which is all the valve's name needs."""
        if not (self._full(ALL + kind) and self._full(ALL + IDLE)):
            return
        effect = self._rate(ALL + kind) - self._rate(ALL + IDLE)
        if (effect if kind == HP_HEAT else -effect) >= PLAINLY_WORKS_CF_H:
            self._seen |= 1 if kind == HP_HEAT else 2
            self._name_valve()

    def _restart(self, slot):
        self._rise[slot] = self._minutes[slot] = 0

    def _unaided(self, t, base, rate):
        """With no idle drift known, only what no unheated house could do: a
        verdict taken (True) or not."""
        if base == HP_HEAT and t.outdoor_ok:
            difference = t.indoor_dF - t.outdoor_dF
            if difference < MIN_DIFFERENCE_DF:
                return False
            self._wrong(True, rate * UNAIDED_SHARE < -difference * 10)
            return True
        if base == HP_COOL:
            cooler = t.outdoor_ok and t.indoor_dF - t.outdoor_dF >= MIN_DIFFERENCE_DF
            self._wrong(False, rate > (UNAIDED_COOL_RISE_CF_H if cooler else UNAIDED_RISE_CF_H))
            return True
        return False

    def _learn_loss(self, t):
        """The idle pool's rate as a share of the indoor-outdoor difference,
        for days when the house never idles."""
        if not t.outdoor_ok:
            return
        difference = t.indoor_dF - t.outdoor_dF
        rate = self._rate(IDLE)
        if difference >= MIN_DIFFERENCE_DF and rate < 0:
            loss = -rate * 100 // difference  # per mille per hour
            self._loss = loss if not self._loss else toward(self._loss, loss, 4)

    def _count(self, index, bad, bit):
        self._counts[index] = self._counts[index] + 1 if bad else 0
        if self._counts[index] >= EVENTS_TO_ALERT:
            self.alerts |= bit

    def _compressor(self, t, heating, effect):
        if effect < -WRONG_CF_H:
            self._counts[2] = 0
            self._wrong(heating, True)
            return
        self._wrong(heating, False)
        dead = effect < NO_EFFECT_CF_H and not self.alerts & VALVE_NAMED
        self._count(2, dead, COMPRESSOR_DEAD)
        if effect >= NO_EFFECT_CF_H:
            self._seen |= 1 if heating else 2
            self._name_valve()

    def _wrong(self, heating, wrong):
        index = 0 if heating else 1
        self._counts[index] = self._counts[index] + 1 if wrong else 0
        if self._counts[index] >= EVENTS_TO_ALERT:
            self._seen |= 4 if heating else 8
            self._name_valve()

    def _name_valve(self):
        """Wrong in both modes, or in the only one seen: O/B. Wrong in one, right in the other: the valve."""
        seen = self._seen
        if not seen & 12:
            return
        self.alerts &= ~VALVE_NAMED
        heat_wrong, cool_wrong = seen & 4, seen & 8
        if (heat_wrong and seen & 2 and not cool_wrong) or (cool_wrong and seen & 1 and not heat_wrong):
            self.alerts |= VALVE_STUCK
        else:
            self.alerts |= OB_REVERSED

    def _watch(self, t, step):
        """heat_not_responding: each hour of a heat call far below the
        setpoint must end warmer than it began."""
        if not t.heat_call or not t.indoor_ok or self._quiet_ms < QUIET_MS \
                or t.heat_setpoint_dF - t.indoor_dF < DEFICIT_DF // 2:
            self._w_minutes = -1
            self._w_hours = 0
            self._w_sum = self._w_n = self._w_ms = 0
            return
        self._w_sum += t.indoor_dF
        self._w_n += 1
        self._w_ms += step
        if self._w_ms < BLOCK_MS:
            return
        mean = self._w_sum * 10 // self._w_n
        self._w_sum = self._w_n = self._w_ms = 0
        if self._w_minutes < 0:
            if t.heat_setpoint_dF - t.indoor_dF >= DEFICIT_DF:
                self._w_from, self._w_minutes = mean, 0
            return
        self._w_minutes += 1
        if self._w_minutes == CORROBORATE_MINUTES and mean < self._w_from:
            self._name_silent_part()
        if self._w_minutes < NO_RISE_MINUTES:
            return
        self._w_hours = self._w_hours + 1 if mean <= self._w_from else 0
        if self._w_hours >= NO_RISE_HOURS:
            self.alerts |= HEAT_NOT_RESPONDING
            self._name_silent_part()
        self._w_from, self._w_minutes = mean, 0

    def _name_silent_part(self):
        """The house falls under a heat call: a part whose last verdict said
        it added nothing (short of the verdicts in a row its alert needs)
        is named. The compressor needs its last two: a window opened in the
        middle of its pool makes one verdict read as no effect, and the fall
        after it is the window's (seen on a cold day at noon)."""
        if self._counts[3]:
            self.alerts |= W2_OPEN
        if self._counts[2] >= 2:
            self.alerts |= COMPRESSOR_DEAD

    def _duty(self, t, kind, step):
        """low_charge, aux_overuse and compressor_dead on a cold day: per
        outdoor bin, in windows of heat-mode time there, the share the
        compressor ran in hours without strips (against what it was when
        first learned in that bin) and the share the strips ran; and the
        strips' duty against what the model learned. A heat pump that lost
        charge moves less heat a minute and runs longer for the same house
        and weather; one that stopped heating leaves the strips to carry the
        house."""
        if t.mode != M.HEAT or not t.outdoor_ok or self._quiet_ms < CATCH_UP_MS or kind == NONE or t.recovering:
            self._carry_ms = 0
            return  # a recovery, or the catch-up after a setpoint raise, chooses strips
        index = bin_of(t.outdoor_dF)
        strips = kind == PUMP_STRIPS or kind == BACKUP
        self._strips_window(t, index, strips, step)
        self._carry(t, kind, step)
        if strips:
            # The compressor's share is of hours the heat pump carried alone:
            # strips (by droop, a recovery or a learned duty) leave the house
            # warm and the compressor idle after them, for reasons of their
            # own, so a window they ran in starts again.
            self._on_ms[index] = self._all_ms[index] = 0
            return
        self._all_ms[index] += step
        if kind != IDLE:
            self._on_ms[index] += step
        if self._all_ms[index] < DUTY_WINDOW_MS:
            return
        # per mille, with no product past a small int (ms × 1000 would pass 2^30 and allocate)
        if self._learn_share(index, self._on_ms[index] // (self._all_ms[index] // 1000)):
            base = self._base[index]
            if base <= DUTY_ROOM_PM and self._recent[index] * 16 > base * LOW_CHARGE_PER_16:
                self.alerts |= LOW_CHARGE
        self._on_ms[index] = self._all_ms[index] = 0

    def _strips_window(self, t, index, strips, step):
        self._heat_ms[index] += step
        if strips:
            self._strip_ms[index] += step
        if self._heat_ms[index] < AUX_WINDOW_MS:
            return
        share = self._strip_ms[index] // (self._heat_ms[index] // 1000)  # per mille, small ints only
        self._strip_ms[index] = self._heat_ms[index] = 0
        if share >= AUX_MILD_PM and t.outdoor_dF >= AUX_MILD_DF:
            self.alerts |= AUX_OVERUSE

    def _carry(self, t, kind, step):
        """compressor_dead when the house never idles: the strips' duty beside
        the running compressor needs far more than the model learned held
        the house here, as if the compressor added nothing."""
        if kind & ~STAGE2 != HP_HEAT and kind != PUMP_STRIPS:
            return
        self._carry_ms += step
        if self._carry_ms < CARRY_EVERY_MS:
            return
        self._carry_ms = 0
        # Against a duty learned in this very bin: one carried over from
        # other temperatures can be short by 35 points on a healthy design
        # day (seen: 36 points at 11:50 with the bin's own duty unlearned).
        if not t.duty.governs or not t.model.duty_learned_at(t.outdoor_dF):
            self._counts[5] = 0
            return
        # Only while the strips are seen to work and not named (an open W2
        # also leaves the house short), and not once the valve is named (a
        # compressor pushing the wrong way also leaves the strips the house).
        # And only while the strips hold the house with room to spare: a load
        # far past the compressor's (a door or window open in the cold) runs
        # them flat out.
        short = t.duty.integral_pm >= CARRY_SHORT_PM and t.duty.duty_pm < FULL_DUTY_PM
        named = self.alerts & (VALVE_NAMED | W2_OPEN)
        self._count(5, short and self._strips_work and not named, COMPRESSOR_DEAD)

    def _learn_share(self, slot, share):
        """Fold a window's share into its baseline (the first BASE_SAMPLES) or
        its running mean; True once the running mean can be judged."""
        n = self._base_n[slot]
        if n < BASE_SAMPLES:
            self._base[slot] = share if n == 0 else toward(self._base[slot], share, n + 1)
            self._base_n[slot] = n + 1
            return False
        n = self._recent_n[slot]
        self._recent[slot] = share if n == 0 else toward(self._recent[slot], share, min(n + 1, RECENT_WEIGHT))
        if n < RECENT_SAMPLES:
            self._recent_n[slot] = n + 1
        return n + 1 >= RECENT_SAMPLES
