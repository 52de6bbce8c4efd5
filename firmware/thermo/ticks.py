"""Wraparound-safe millisecond arithmetic, as ``time.ticks_diff`` does it.

The board's ``time.ticks_ms()`` wraps at 2**30 on the 32-bit ports. Every
difference of two tick values goes through :func:`ticks_diff`, and durations
the core keeps are elapsed counters that saturate at :data:`ELAPSED_CAP_MS`,
so no timer ever compares two time stamps that may be far apart. All values
stay within MicroPython's small-int range: the tick path allocates nothing.
"""

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


TICKS_PERIOD = const(1 << 30)
TICKS_MASK = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)

# Elapsed counters stop here (about 6.2 days): far longer than any timer the
# settings allow, and small enough that adding one step never leaves the
# small-int range.
ELAPSED_CAP_MS = const(1 << 29)
# The longest step one tick may account for. A longer gap (a stalled loop, a
# clock jump) counts as this much; timers then simply read as expired.
MAX_STEP_MS = const(3_600_000)


def ticks_add(ticks, delta_ms):
    """Tick value ``delta_ms`` after ``ticks``, wrapped like the board's."""
    return (ticks + delta_ms) & TICKS_MASK


def ticks_diff(later, earlier):
    """Signed difference ``later - earlier`` re-centred on the wrap period."""
    diff = (later - earlier) & TICKS_MASK
    if diff >= _TICKS_HALF:
        diff -= TICKS_PERIOD
    return diff


def step_ms(now, last):
    """Milliseconds to account for between two ticks: never negative, capped."""
    diff = ticks_diff(now, last)
    if diff < 0:
        return 0
    if diff > MAX_STEP_MS:
        return MAX_STEP_MS
    return diff


def grow(elapsed_ms, step):
    """An elapsed counter advanced by ``step``, saturating at the cap."""
    elapsed_ms += step
    if elapsed_ms > ELAPSED_CAP_MS:
        return ELAPSED_CAP_MS
    return elapsed_ms
