"""Every clock of the thermostat: named timers, and the rings of recent starts.

A :class:`Timer` is started by events (a terminal turning on or off, a call
beginning, a boot), and fixes its length from the settings when it starts:
a settings change never shortens (nor stretches) a timer already running.
That rule is written here once, for every timer. (A timer with no length is
a stopwatch, judged by its reader against the setting in force now: the
sensors' ages, where a shorter timeout must act at once, the blower's run
or rest, a promise of air each hour, and the recovery's run.)

:class:`Timers` declares them all, one line each: when it starts, what
stops it, its length (a :class:`thermo.schema.Settings` attribute), and
whether it counts all the time or only while the compressor runs in a call
(the upstage timers). The thermostat fires the events; nothing else starts
a timer, so adding a timer is one line in :class:`Timers` plus the rule
that reads it.

Time is kept as saturating elapsed counters (:mod:`thermo.ticks`): a
``ticks_ms`` wrap cannot confuse a timer, and a tick allocates nothing.
"""

from thermo.modes import HOUR_MS
from thermo.ticks import ELAPSED_CAP_MS, grow

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


# Events, as bits. A boot (power-up, or a re-wiring, which counts as one)
# starts a timer without shortening what it has left.
BOOT = const(1)
Y1_ON = const(2)
Y1_OFF = const(4)
W2_ON = const(8)
W2_OFF = const(16)
G_ON = const(32)
G_OFF = const(64)
CALL = const(128)  # a call begins or ends
AUX_LEFT = const(256)  # the decision let electric strips go (or held them back)
INDOOR_READ = const(512)
OUTDOOR_READ = const(1024)
RECOVERY_START = const(2048)

# How a timer counts.
_ALWAYS = const(0)
_IN_CALL = const(1)  # while Y1 runs in a heat or cool call
_IN_HEAT_CALL = const(2)  # while Y1 runs in a heat call

# Slots of a start ring: the largest max_starts_per_hour.
_START_SLOTS = const(12)


class Timer:
    """One timer; never started, it reads as done."""

    def __init__(self, starts_on, stops_on, length_of, counts):
        self.starts_on = starts_on
        self.stops_on = stops_on
        self.length_of = length_of
        self.counts = counts
        self.length_ms = 0
        self.elapsed_ms = ELAPSED_CAP_MS

    def start(self, length_ms):
        self.length_ms = length_ms
        self.elapsed_ms = 0

    def stop(self):
        self.elapsed_ms = ELAPSED_CAP_MS

    def left_ms(self):
        return self.length_ms - self.elapsed_ms if self.elapsed_ms < self.length_ms else 0

    def done(self):
        return self.elapsed_ms >= self.length_ms

    def running(self):
        return self.elapsed_ms < self.length_ms


class Timers:
    """The thermostat's timers, by name: each line is the whole timer."""

    def __init__(self):
        self.all = []
        add = self._add
        # Rule 4: Y1 stays off min_off_s after a stop, and after every boot.
        self.min_off = add(BOOT | Y1_OFF, 0, "min_off_ms", _ALWAYS)
        # Rule 5: a run lasts min_on_s.
        self.min_on = add(Y1_ON, 0, "min_on_ms", _ALWAYS)
        # Rule 6: the valve moves only after Y1 has been off this long (free after a boot).
        self.changeover = add(Y1_OFF, BOOT, "changeover_delay_ms", _ALWAYS)
        # Rule 3: the furnace starts only this long after Y1 stopped ...
        self.furnace_wait = add(BOOT | Y1_OFF, 0, "dual_fuel_switch_delay_ms", _ALWAYS)
        # ... and the heat pump only this long after W2 stopped.
        self.heat_pump_wait = add(BOOT | W2_OFF, 0, "dual_fuel_switch_delay_ms", _ALWAYS)
        # Upstage timers: compressor run in this call before Y2, before strips,
        # and (dual fuel) the full minimum run the heat pump gets before a
        # droop hands the call to the furnace.
        self.stage2 = add(CALL, 0, "stage2_delay_ms", _IN_CALL)
        self.aux = add(CALL | AUX_LEFT, 0, "aux_delay_ms", _IN_HEAT_CALL)
        self.heat_pump_trial = add(CALL, 0, "min_on_ms", _IN_CALL)
        # Electric strips, once on, run aux_min_on_s.
        self.aux_min_on = add(W2_ON, 0, "aux_min_on_ms", _ALWAYS)
        # Fan circulate: how long the blower has run, or rested (judged by
        # circulate_min_per_hour in force now: a promise of air each hour).
        self.blower = add(G_ON | G_OFF, 0, None, _ALWAYS)
        # Rule 10: the age of each sensor's last valid reading (judged against
        # sensor_timeout_s in force now: a shorter timeout is the safe way).
        self.indoor_fresh = add(INDOOR_READ, 0, None, _ALWAYS)
        self.outdoor_fresh = add(OUTDOOR_READ, 0, None, _ALWAYS)
        # Smart recovery: how long the early start has run (no length).
        self.recovery = add(RECOVERY_START, 0, None, _ALWAYS)
        # Starts in the last hour: the compressor's (rule 4) and the strips'.
        self.compressor_starts = Starts()
        self.strip_starts = Starts()

    def _add(self, starts_on, stops_on, length_of, counts):
        timer = Timer(starts_on, stops_on, length_of, counts)
        self.all.append(timer)
        return timer

    def fire(self, events, settings):
        """Start or stop every timer these events start or stop. A boot
        restarts a timer but keeps what it has left if that is longer: a
        re-wiring, which counts as a boot, shortens no protection under way."""
        for timer in self.all:
            if timer.stops_on & events:
                timer.stop()
            elif timer.starts_on & events:
                length_ms = getattr(settings, timer.length_of) if timer.length_of else 0
                if events != BOOT or timer.left_ms() <= length_ms:
                    timer.start(length_ms)

    def advance(self, step, in_call, in_heat_call):
        """Count ``step`` ms; the upstage timers only while Y1 runs in a call."""
        for timer in self.all:
            counts = timer.counts
            if counts == _ALWAYS or (counts == _IN_CALL and in_call) or (counts == _IN_HEAT_CALL and in_heat_call):
                timer.elapsed_ms = grow(timer.elapsed_ms, step)
        self.compressor_starts.advance(step)
        self.strip_starts.advance(step)


class Starts:
    """The ages of the last :data:`_START_SLOTS` starts, and for each hourly
    limit value (1 to 12) how long ago it was last in force, so that the
    limit is the smallest value in force in the last 60 minutes: a raise
    takes effect an hour after it is made (no settings change bypasses the
    limit) and a lowering at once."""

    def __init__(self):
        self.ages_ms = [ELAPSED_CAP_MS] * _START_SLOTS
        self.limit_ages_ms = [ELAPSED_CAP_MS] * _START_SLOTS

    def advance(self, step):
        """Age every entry younger than an hour; an older one no longer
        counts, so it is left as it is (most ticks touch none)."""
        ages = self.ages_ms
        limit_ages = self.limit_ages_ms
        for index in range(_START_SLOTS):
            if ages[index] < HOUR_MS:
                ages[index] = grow(ages[index], step)
            if limit_ages[index] < HOUR_MS:
                limit_ages[index] = grow(limit_ages[index], step)

    def record(self):
        """A start now: it takes the slot of the oldest one."""
        ages = self.ages_ms
        oldest = 0
        for index in range(1, _START_SLOTS):
            if ages[index] > ages[oldest]:
                oldest = index
        ages[oldest] = 0

    def in_last_hour(self):
        count = 0
        for age_ms in self.ages_ms:
            if age_ms < HOUR_MS:
                count += 1
        return count

    def limit_replaced(self, old_limit):
        """The limit ``old_limit`` stops being in force now."""
        self.limit_ages_ms[old_limit - 1] = 0

    def limit(self, setting):
        """The smallest limit in force in the last hour, ``setting`` now."""
        ages = self.limit_ages_ms
        for index in range(setting - 1):
            if ages[index] < HOUR_MS:
                return index + 1
        return setting

    def recent(self):
        """Ages of the starts in the last hour, for saving across a reboot."""
        return [age for age in self.ages_ms if age < HOUR_MS]

    def restore(self, ages):
        """Starts saved by :meth:`recent`; anything else is skipped."""
        slot = 0
        for age in ages[:_START_SLOTS]:
            if isinstance(age, int) and 0 <= age < HOUR_MS:
                self.ages_ms[slot] = age
                slot += 1
