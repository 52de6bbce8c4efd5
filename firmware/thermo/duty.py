"""Time-proportioned electric strips: when the heat pump alone cannot hold.

When the learned model (:mod:`thermo.learn`) says the heat pump alone
cannot hold the setpoint at this outdoor temperature, the strips stop
waiting for droop: they run a
*duty*, a share of a fixed period, beside a compressor that keeps running.
The duty is what the model learned for this outdoor temperature plus
feedback (proportional and integral) on the house temperature, and once the
feedback has settled the duty that held the house is learned back. Before
anything is learned, strips come and go by droop as they always have, and
each whole droop cycle teaches the model the duty it took.

Rules of the duty, so that contactors do not chatter and the call behaves:

- the period is 10 minutes, or longer if ``aux_max_starts_per_hour`` asks
  (60 / starts minutes), so a duty never makes more starts than allowed;
- every run lasts at least ``aux_min_on_s``: a small duty stretches the
  period rather than shortening a run; a duty under 5 % is none, and one
  that would leave a rest under 2 minutes runs the whole period;
- the house temperature the duty works on, and the one the call ends on
  while the duty governs, is the mean of the last 10 minutes: a 10 kW pulse
  lifts the air by a degree for a few minutes without warming the house,
  and judging the call on that peak would stop the compressor in the middle
  of a cold night (contract, behaviour "Aux": the duty governs instead of
  the droop/2 rule, and the call still ends at the setpoint);
- the duty aims 0.5 °F below the setpoint, inside the comfort band, so the
  swing of the pulses does not end the call;
- droop stays the backstop (:mod:`thermo.decide`), and every interlock still
  applies to what the duty asks for (:mod:`thermo.gate`).

The thermostat calls :meth:`Duty.update` once per tick before the decision,
which reads ``governs`` and ``strips``; all fields are small ints and
bools, so a tick allocates nothing.
"""

from thermo import modes as M
from thermo import terminals as T
from thermo.schema import ELECTRIC
from thermo.ticks import grow

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


PERIOD_MS = const(600_000)
_MINUTE_MS = const(60_000)
_MEAN_MINUTES = const(10)  # the house temperature: a mean of at least 10 minutes
_RING_MINUTES = const(30)  # ... and of a whole period, up to 30 minutes
_TARGET_BELOW_CF = const(50)  # aim 0.5 °F under the setpoint
_MIN_DUTY_PM = const(50)
_MIN_REST_MS = const(120_000)
_KP_PM_PER_CF = const(1)  # 1 °F short adds 10 % now
_KI_DIVISOR = const(4)  # ... and 2.5 % more every period it stays short
_INTEGRAL_LIMIT_PM = const(1000)
_SETTLED_CF = const(25)  # within 0.25 °F of the aim ...
_STEADY_CF = const(10)  # ... and the house moved under 0.1 °F in a period: it held
_SETTLED_PERIODS = const(2)


class Duty:
    """The strips' duty, its period, and the 10-minute house temperature."""

    def __init__(self):
        self.governs = False  # the duty decides the strips this tick
        self.strips = False  # and wants them on
        # Strips by droop (before anything is learned): a whole cycle, from
        # one leave at droop/2 to the next, gives the duty that held the house.
        self._cycle_ms = -1  # -1: no leave yet in this call
        self._cycle_on_ms = 0
        self._was_on = False
        self.duty_pm = 0
        self.integral_pm = 0
        self.period_ms = PERIOD_MS
        self.on_ms = 0
        self.phase_ms = 0
        self.periods = 0  # periods governed in this stretch
        self.last_house_cF = 0  # the house temperature when the period began
        self.last_duty_pm = 0  # the duty of the period before
        # One-minute means of the indoor temperature (hundredths of °F),
        # the last 30 of them, and their mean over the last period: the
        # house temperature.
        self.minutes = [0] * _RING_MINUTES
        self.filled = 0
        self.slot = 0
        self._sum = 0
        self._n = 0
        self._minute_ms = 0
        self.house_cF = 0

    def house_known(self):
        return self.filled >= _MEAN_MINUTES

    def update(self, t, step):
        """Track the house temperature, judge whether the duty governs, and
        move its period on; called by the thermostat before the decision."""
        self._track(t, step)
        if not self._should_govern(t):
            self.governs = self.strips = False
            self._droop_cycles(t, step)
            return
        self._cycle_ms = -1
        if not self.governs:
            self.governs = True
            self.periods = 0
            self.integral_pm = 0
            self._new_period(t)
        else:
            self.phase_ms = grow(self.phase_ms, step)
            if self.phase_ms >= self.period_ms:
                self._new_period(t)
        self.strips = self.phase_ms < self.on_ms

    def _track(self, t, step):
        if not t.indoor_ok:
            self.filled = self._n = self._sum = self._minute_ms = 0
            return
        self._sum += t.indoor_dF
        self._n += 1
        self._minute_ms += step
        if self._minute_ms < _MINUTE_MS:
            return
        self.minutes[self.slot] = self._sum * 10 // self._n
        self.slot = (self.slot + 1) % _RING_MINUTES
        if self.filled < _RING_MINUTES:
            self.filled += 1
        self._sum = self._n = self._minute_ms = 0
        # The mean over the last period (10 to 30 minutes): a whole number
        # of pulses, so the house temperature does not ripple with them.
        span = self.period_ms // _MINUTE_MS
        if span > _RING_MINUTES:
            span = _RING_MINUTES
        if span > self.filled:
            span = self.filled
        total = 0
        slot = self.slot
        for _ in range(span):
            slot = (slot - 1) % _RING_MINUTES
            total += self.minutes[slot]
        self.house_cF = total // span

    def _droop_cycles(self, t, step):
        """Learn from strips that droop brought and droop/2 sent away: over
        a whole cycle beside a running compressor, their share of the time
        is the duty that held the house at this outdoor temperature."""
        on = t.outputs & T.W2 != 0
        if not (t.heat_call and t.outputs & T.Y1 and t.outdoor_ok) or t.settings.backup != ELECTRIC:
            self._cycle_ms = -1
            self._was_on = False
            return
        if self._cycle_ms >= 0:
            self._cycle_ms = grow(self._cycle_ms, step)
            if on:
                self._cycle_on_ms = grow(self._cycle_on_ms, step)
        if self._was_on and not on:  # the strips left: a cycle ends, the next begins
            if self._cycle_ms > 0:
                t.model.learn_duty(t.outdoor_dF, self._cycle_on_ms // (self._cycle_ms // 1000 + 1))
            self._cycle_ms = self._cycle_on_ms = 0
        self._was_on = on

    def _should_govern(self, t):
        """Electric strips beside a heat-pump heat call, both sensors
        reading, the strips not locked out, and the model saying the heat
        pump needs help (a recovery allows strips on that ground too:
        thermo.recovery)."""
        s = t.settings
        if (s.backup != ELECTRIC or not t.heat_call or not (t.mode == M.HEAT or t.mode == M.AUTO)
                or not t.indoor_ok or not t.outdoor_ok or not self.house_known()):
            return False
        outdoor = t.outdoor_dF
        if outdoor > s.aux_max_outdoor_dF:
            return False
        floor = s.compressor_min_outdoor_dF
        if floor is not None and outdoor < floor:
            return False  # the compressor is locked out: strips serve the call alone
        return t.model.needs_strips(outdoor)

    def _new_period(self, t):
        """Choose the duty for the period starting now."""
        model = t.model
        outdoor = t.outdoor_dF
        error_cF = t.heat_setpoint_dF * 10 - _TARGET_BELOW_CF - self.house_cF
        feedforward = model.duty_at(outdoor)
        if feedforward is None:
            feedforward = 0
        if self.periods > 0:
            # The integral may take away at most the feedforward: a house
            # above its aim does not bank a debt that would hold strips
            # back once it needs them.
            self.integral_pm = _clamp(self.integral_pm + error_cF // _KI_DIVISOR,
                                      -feedforward, _INTEGRAL_LIMIT_PM)
            steady = abs(self.house_cF - self.last_house_cF) <= _STEADY_CF
            if abs(error_cF) <= _SETTLED_CF and steady and self.periods >= _SETTLED_PERIODS:
                # The duty of the last two periods held the house: learn it,
                # and move the integral so the sum stays as it was.
                model.learn_duty(outdoor, (self.duty_pm + self.last_duty_pm) // 2)
                learned = model.duty_at(outdoor)
                if learned is not None:
                    self.integral_pm += feedforward - learned
                    feedforward = learned
        self.last_house_cF = self.house_cF
        self.last_duty_pm = self.duty_pm
        duty = _clamp(feedforward + _KP_PM_PER_CF * error_cF + self.integral_pm, 0, 1000)
        self.duty_pm = duty
        self.periods += 1
        self.phase_ms = 0
        self._plan(t.settings, duty)

    def _plan(self, s, duty):
        """The period and the run within it for ``duty``."""
        period = PERIOD_MS
        fewest = M.HOUR_MS // s.aux_max_starts_per_hour
        if period < fewest:
            period = fewest
        if duty < _MIN_DUTY_PM:
            self.period_ms, self.on_ms = period, 0
            return
        on = period // 1000 * duty
        min_on = s.aux_min_on_ms
        if on < min_on:
            period = (min_on // 1000) * 1000 // duty * 1000
            on = min_on
        if period - on < _MIN_REST_MS:
            on = period
        self.period_ms, self.on_ms = period, on


def _clamp(value, low, high):
    if value < low:
        return low
    if value > high:
        return high
    return value
