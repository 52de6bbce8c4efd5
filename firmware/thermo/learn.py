"""What the thermostat learns of its house and heat pump, from its own running.

Two small tables, one row per 5 °F bin of outdoor temperature (-20 °F to
75 °F, colder and warmer readings fall in the end bins):

- ``rates``: how fast the indoor temperature moves, in hundredths of °F per
  hour, for each kind of running: idle, heat pump, heat pump with strips,
  furnace, cooling. A sample is taken only when it is clean: the same thing
  has run for :data:`SETTLE_MS` (the air has stopped jumping after a start
  or a stop), the setpoints have not moved for 30 minutes, both sensors
  read, and nothing else runs. It is the slope between the mean indoor
  temperature of two 5-minute blocks 10 minutes apart, so sensor noise
  averages out. A sample far from what a bin already knows is set aside
  (a door left open, an oven, sun on the sensor), with the two after it
  that straddle its end; only eight in a row of the same bin (40 minutes)
  are believed, and then the house has really changed.
- ``duty``: the share of time (per mille) that electric strips had to run,
  the heat pump running flat out, to hold the house. It is learned from the
  time-proportioned strips (:mod:`thermo.duty`) once their feedback has
  settled, and it is what they start from the next time.

From them: whether the heat pump alone can hold the setpoint at an outdoor
temperature, the strip duty it will need, and the thermal balance point
(the outdoor temperature where the heat pump's rate crosses zero). Between
learned bins the tables are interpolated; beyond them extrapolated by at
most :data:`_REACH_DF` (the heat pump's capacity and the house's load are
both close to straight lines in the outdoor temperature).

Everything is a small int: a sample costs no allocation, and the whole
model is 250 numbers that the shell saves to flash (:meth:`Model.saved`)
at most hourly and gives back at boot (:meth:`Model.restore`).
"""

from thermo import modes as M
from thermo import terminals as T
from thermo.ticks import grow

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


IDLE = const(0)
HEAT_PUMP = const(1)
PUMP_AND_STRIPS = const(2)
FURNACE = const(3)
COOLING = const(4)
KINDS = ("idle", "heat_pump", "heat_pump_and_strips", "furnace", "cooling")
_KINDS = const(5)

BIN_LOW_DF = const(-200)  # the coldest bin starts at -20 °F
BIN_DF = const(50)  # 5 °F per bin
BINS = const(19)

SETTLE_MS = const(900_000)  # 15 min of the same running before a sample
CALM_MS = const(1_800_000)  # 30 min without a setpoint change
BLOCK_MS = const(300_000)  # 5-minute blocks; a slope spans two of them
_PLAUSIBLE_CF_H = const(2500)  # no house moves 25 °F/h by its own equipment
_OUTLIER_CF_H = const(300)  # 3 °F/h from what a bin knows: set aside
_BELIEVE_STREAK = const(8)  # ... unless it happens this many times in a row (40 min)
_QUARANTINE = const(2)  # and the samples just after one set aside overlap it: skipped
_TRUSTED = const(2)  # samples before a rate bin is used
_MAX_WEIGHT = const(8)  # rates: the mean of about the last 8 samples
_DUTY_WEIGHT = const(4)
_COUNT_CAP = const(1000)
_REACH_DF = const(150)  # extrapolate at most 15 °F beyond what is learned
_HOLD_MARGIN_CF_H = const(20)  # the heat pump holds if it still gains 0.2 °F/h
_VERSION = const(1)
SAVED_LENGTH = 3 + 2 * _KINDS * BINS + 2 * BINS

# A typical single-speed heat pump's COP against outdoor temperature (the
# DOE-2 curve, 3.5 at 47 °F), hundredths: the board has no power meter, so
# the economic lockout it suggests rests on this curve and on your prices.
_COP_CURVE = ((-100, 141), (50, 189), (170, 234), (350, 306), (470, 350), (620, 395))
# cents per therm to cents per kWh of furnace heat: 29.3 kWh a therm, 95 %
# efficient; the hundredths of COP at which the two cost the same are
# electricity_cents × 2784 / gas_cents.
_THERM_KWH_X_EFFICIENCY_C = const(2784)


def bin_of(outdoor_dF):
    index = (outdoor_dF - BIN_LOW_DF) // BIN_DF
    if index < 0:
        return 0
    if index >= BINS:
        return BINS - 1
    return index


def bin_centre_dF(index):
    return BIN_LOW_DF + index * BIN_DF + BIN_DF // 2


def kind_of(t):
    """What runs now, as a kind of this model, or -1 when it is not learned
    (strips alone, emergency heat, a recovery, stage 1 of a two-stage unit,
    mode off)."""
    action = t.action
    if action == M.IDLE or action == M.FAN:
        return IDLE
    if action == M.HEAT_PUMP:
        if t.settings.two_stage and not t.outputs & T.Y2:
            return -1
        return HEAT_PUMP
    if action == M.HEAT_PUMP_AND_STRIPS:
        return PUMP_AND_STRIPS
    if action == M.FURNACE:
        return FURNACE
    if action == M.COOLING:
        return COOLING
    return -1


def toward(value, sample, weight):
    """``value`` moved 1/weight of the way to ``sample``, rounding towards it."""
    step = sample - value
    if step >= 0:
        return value + (step + weight - 1) // weight
    return value - (-step + weight - 1) // weight


def _interpolate(x, x0, y0, x1, y1):
    if x1 == x0:
        return y0
    return y0 + (y1 - y0) * (x - x0) // (x1 - x0)


class Model:
    """The learned rates and strip duties, and the sampler that feeds them."""

    def __init__(self):
        self.rates = [0] * (_KINDS * BINS)  # hundredths of °F per hour
        self.counts = [0] * (_KINDS * BINS)
        self.duty = [0] * BINS  # per mille
        self.duty_counts = [0] * BINS
        self.samples = 0  # accepted, since boot
        self.set_aside = 0  # outliers, since boot
        self._streak_slot = -1
        self._streak = 0
        self._quarantine = 0
        # The sampler: what runs, for how long, and the blocks of readings.
        self._kind = -1
        self._mode = -1
        self._phase_ms = 0
        self._calm_ms = 0
        self._heat_dF = 0
        self._cool_dF = 0
        self._sum = 0
        self._outdoor_sum = 0
        self._n = 0
        self._block_ms = 0
        self._blocks = 0
        self._old_cF = 0  # mean of the block before the last
        self._last_cF = 0
        self._old_ms = 0
        self._last_ms = 0

    # -- sampling ---------------------------------------------------------

    def observe(self, t, step):
        """One tick of the thermostat ``t`` after its outputs are set: count
        time, and take a sample when a clean stretch completes a block."""
        if t.heat_setpoint_dF != self._heat_dF or t.cool_setpoint_dF != self._cool_dF:
            self._heat_dF = t.heat_setpoint_dF
            self._cool_dF = t.cool_setpoint_dF
            self._calm_ms = 0
        else:
            self._calm_ms = grow(self._calm_ms, step)
        kind = kind_of(t)
        if kind != self._kind or t.mode != self._mode or not (t.indoor_ok and t.outdoor_ok):
            self._kind = kind
            self._mode = t.mode
            self._phase_ms = 0
            self._restart_blocks()
            return
        self._phase_ms = grow(self._phase_ms, step)
        if kind < 0 or self._phase_ms < SETTLE_MS or self._calm_ms < CALM_MS:
            self._restart_blocks()
            return
        self._sum += t.indoor_dF
        self._outdoor_sum += t.outdoor_dF
        self._n += 1
        self._block_ms += step
        if self._block_ms >= BLOCK_MS:
            self._end_block(kind)

    def _restart_blocks(self):
        self._sum = self._outdoor_sum = self._n = self._block_ms = self._blocks = 0

    def _end_block(self, kind):
        mean_cF = self._sum * 10 // self._n
        outdoor_dF = self._outdoor_sum // self._n
        if self._blocks >= 2:
            span_s = (self._old_ms // 2 + self._last_ms + self._block_ms // 2) // 1000
            self.learn_rate(kind, outdoor_dF, (mean_cF - self._old_cF) * 3600 // span_s)
        self._old_cF, self._old_ms = self._last_cF, self._last_ms
        self._last_cF, self._last_ms = mean_cF, self._block_ms
        self._blocks += 1
        self._sum = self._outdoor_sum = self._n = self._block_ms = 0

    def learn_rate(self, kind, outdoor_dF, rate_cF_h):
        """Fold one clean sample into its bin; False if it was set aside."""
        if not -_PLAUSIBLE_CF_H <= rate_cF_h <= _PLAUSIBLE_CF_H:
            self.set_aside += 1
            return False
        slot = kind * BINS + bin_of(outdoor_dF)
        count = self.counts[slot]
        if count >= _TRUSTED and abs(rate_cF_h - self.rates[slot]) > _OUTLIER_CF_H:
            if slot != self._streak_slot:
                self._streak_slot, self._streak = slot, 0
            self._streak += 1
            if self._streak < _BELIEVE_STREAK:
                self.set_aside += 1
                self._quarantine = _QUARANTINE
                return False
        elif self._quarantine > 0:
            # A slope spans 10 minutes and samples come every 5: the ones
            # right after an outlier straddle its end, half door, half house.
            self._quarantine -= 1
            self.set_aside += 1
            return False
        self._streak_slot, self._streak = -1, 0
        self.rates[slot] = rate_cF_h if count == 0 else toward(self.rates[slot], rate_cF_h, min(count + 1, _MAX_WEIGHT))
        self.counts[slot] = min(count + 1, _COUNT_CAP)
        self.samples += 1
        return True

    def learn_duty(self, outdoor_dF, duty_pm):
        """The strip duty that held the house at this outdoor temperature."""
        index = bin_of(outdoor_dF)
        count = self.duty_counts[index]
        self.duty[index] = duty_pm if count == 0 else toward(self.duty[index], duty_pm, min(count + 1, _DUTY_WEIGHT))
        self.duty_counts[index] = min(count + 1, _COUNT_CAP)

    # -- what it knows ----------------------------------------------------

    def rate_at(self, kind, outdoor_dF):
        """The learned rate (hundredths of °F/h) of ``kind`` at this outdoor
        temperature, or None when nothing near enough is learned."""
        return self._curve(self.rates, self.counts, kind * BINS, _TRUSTED, outdoor_dF)

    def duty_at(self, outdoor_dF):
        """The learned strip duty (per mille) at this outdoor temperature, or None."""
        value = self._curve(self.duty, self.duty_counts, 0, 1, outdoor_dF)
        if value is None:
            return None
        return min(1000, max(0, value))

    def duty_learned_at(self, outdoor_dF):
        """True when this outdoor temperature's own bin has learned a strip
        duty (not only interpolated or extrapolated from others)."""
        return self.duty_counts[bin_of(outdoor_dF)] > 0

    def needs_strips(self, outdoor_dF):
        """True when what is learned says the heat pump alone cannot hold the
        setpoint here: running flat out it no longer gains a margin of
        0.2 °F/h, or strips have had to run to hold the house."""
        rate = self.rate_at(HEAT_PUMP, outdoor_dF)
        if rate is not None:
            return rate < _HOLD_MARGIN_CF_H
        duty = self.duty_at(outdoor_dF)
        return duty is not None and duty > 0

    def _curve(self, values, counts, base, trusted, x_dF):
        """Interpolate the learned bins around ``x_dF``; beyond them,
        extrapolate along the two nearest by at most _REACH_DF."""
        below = above = -1
        for index in range(BINS):
            if counts[base + index] >= trusted:
                if bin_centre_dF(index) <= x_dF:
                    below = index
                elif above < 0:
                    above = index
        if below >= 0 and above >= 0:
            return _interpolate(x_dF, bin_centre_dF(below), values[base + below],
                                bin_centre_dF(above), values[base + above])
        near = below if below >= 0 else above
        if near < 0:
            return None
        if abs(x_dF - bin_centre_dF(near)) <= BIN_DF // 2:
            return values[base + near]
        other = self._next_learned(counts, base, trusted, near, -1 if below >= 0 else 1)
        if other < 0 or abs(x_dF - bin_centre_dF(near)) > _REACH_DF:
            return None
        return _interpolate(x_dF, bin_centre_dF(other), values[base + other],
                            bin_centre_dF(near), values[base + near])

    @staticmethod
    def _next_learned(counts, base, trusted, index, direction):
        index += direction
        while 0 <= index < BINS:
            if counts[base + index] >= trusted:
                return index
            index += direction
        return -1

    def balance_point_dF(self):
        """The thermal balance point (tenths of °F): where the heat pump's
        learned rate crosses zero, or failing that, where the learned strip
        duty falls to zero; None while neither is known."""
        point = self._crossing(self.rates, self.counts, HEAT_PUMP * BINS, _TRUSTED, 1)
        if point is None:
            point = self._crossing(self.duty, self.duty_counts, 0, 1, -1)
        return point

    def _crossing(self, values, counts, base, trusted, sign):
        """Where ``sign × value`` rises through zero along the learned bins,
        interpolated, or extrapolated from the two bins nearest the crossing."""
        previous = -1
        first = last = -1
        for index in range(BINS):
            if counts[base + index] < trusted:
                continue
            value = sign * values[base + index]
            if first < 0:
                first = index
            if previous >= 0:
                before = sign * values[base + previous]
                if before <= 0 < value or (before < 0 <= value and sign < 0):
                    return self._zero(values, base, sign, previous, index)
            previous = last = index
        if first < 0 or first == last:
            return None
        if sign * values[base + first] > 0:  # all above zero: the crossing is colder
            second = self._next_learned(counts, base, trusted, first, 1)
            point = self._zero(values, base, sign, first, second)
            return point if point is not None and point >= bin_centre_dF(first) - _REACH_DF else None
        before = self._next_learned(counts, base, trusted, last, -1)
        point = self._zero(values, base, sign, before, last)
        return point if point is not None and point <= bin_centre_dF(last) + _REACH_DF else None

    @staticmethod
    def _zero(values, base, sign, a, b):
        ya, yb = sign * values[base + a], sign * values[base + b]
        if yb <= ya:
            return None  # not rising: no crossing to extrapolate to
        xa, xb = bin_centre_dF(a), bin_centre_dF(b)
        return xa - ya * (xb - xa) // (yb - ya)

    def economic_lockout_dF(self, settings):
        """Dual fuel: the outdoor temperature below which the furnace heats
        for less than the heat pump at your prices (never below the thermal
        balance point, where the heat pump cannot carry the house anyway);
        None without both prices. A suggestion: nothing applies it."""
        electricity = settings.electricity_price_cents_per_kwh
        gas = settings.gas_price_cents_per_therm
        if electricity is None or gas is None:
            return None
        cop = electricity * _THERM_KWH_X_EFFICIENCY_C // gas
        curve = _COP_CURVE
        point = curve[-1][0]
        if cop <= curve[0][1]:
            point = curve[0][0]
        else:
            for index in range(1, len(curve)):
                x0, y0 = curve[index - 1]
                x1, y1 = curve[index]
                if cop <= y1:
                    point = _interpolate(cop, y0, x0, y1, x1)
                    break
        thermal = self.balance_point_dF()
        if thermal is not None and thermal > point:
            return thermal
        return point

    def learned(self):
        """Enough is known to act on: a rate of the heat pump or a strip duty."""
        return self.balance_point_dF() is not None

    # -- flash ------------------------------------------------------------

    def saved(self):
        """The model as a list of ints for flash (see :meth:`restore`)."""
        return [_VERSION, BINS, _KINDS] + self.rates + self.counts + self.duty + self.duty_counts

    def restore(self, values):
        """Take back a saved model whole; anything unreadable (another
        version, a wrong length, a value out of range) leaves the model
        empty and returns False: a corrupt save costs the learning, never
        the control."""
        if not isinstance(values, list) or len(values) != SAVED_LENGTH:
            return False
        for index in range(3):
            if not isinstance(values[index], int) or isinstance(values[index], bool):
                return False
        if values[0] != _VERSION or values[1] != BINS or values[2] != _KINDS:
            return False
        size = _KINDS * BINS
        for index in range(3, SAVED_LENGTH):
            value = values[index]
            if not isinstance(value, int) or isinstance(value, bool):
                return False
            offset = index - 3
            if offset < size or size * 2 <= offset < size * 2 + BINS:
                low, high = (-_PLAUSIBLE_CF_H, _PLAUSIBLE_CF_H) if offset < size else (0, 1000)
            else:
                low, high = 0, _COUNT_CAP
            if not low <= value <= high:
                return False
        self.rates[:] = values[3:3 + size]
        self.counts[:] = values[3 + size:3 + 2 * size]
        self.duty[:] = values[3 + 2 * size:3 + 2 * size + BINS]
        self.duty_counts[:] = values[3 + 2 * size + BINS:]
        return True
