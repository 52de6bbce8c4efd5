"""The three weather days, and sequences of them: a daily temperature wave, minimum at 05:00, maximum at 15:00.

A minimum and a maximum 10 h apart cannot be one sinusoid of period 24 h, so
(as DOE-2 and ASHRAE's design-day profiles do) the day is two half-cosines:
rising from 05:00 to 15:00 and falling from 15:00 to 05:00 the next day,
continuous and smooth at both turning points. The day repeats.
"""

import math

DAYS = {"mild": (38.0, 55.0), "cold": (18.0, 34.0), "design": (-2.0, 14.0), "hot": (75.0, 95.0)}
MIN_HOUR = 5.0
MAX_HOUR = 15.0


def outdoor_f(day, t_s):
    """Outdoor temperature (°F) on ``day`` at ``t_s`` seconds after midnight (any day)."""
    low, high = DAYS[day]
    mid, amplitude = (low + high) / 2.0, (high - low) / 2.0
    hour = (t_s / 3600.0) % 24.0
    if MIN_HOUR <= hour < MAX_HOUR:
        return mid - amplitude * math.cos(math.pi * (hour - MIN_HOUR) / (MAX_HOUR - MIN_HOUR))
    falling_h = 24.0 - (MAX_HOUR - MIN_HOUR)
    since_max = (hour - MAX_HOUR) % 24.0
    return mid + amplitude * math.cos(math.pi * since_max / falling_h)


def sequence_outdoor_f(days, t_s):
    """Outdoor temperature (°F) at ``t_s`` seconds after the first midnight of a
    sequence of weather days (names of ``DAYS``), one after the other.

    Day k rises from its own minimum (05:00) to its own maximum (15:00) as
    :func:`outdoor_f` does; the falling half-cosine from 15:00 of day k ends
    at day k+1's minimum at 05:00, so the wave stays continuous across
    midnight between different days. Before the first day and after the last,
    the end days repeat. A sequence of one day name is exactly
    :func:`outdoor_f` of that day, to the last bit.
    """
    hour = (t_s / 3600.0) % 24.0
    index = int((t_s / 3600.0) // 24.0)
    if MIN_HOUR <= hour < MAX_HOUR:
        low, high = DAYS[_day(days, index)]
        mid, amplitude = (low + high) / 2.0, (high - low) / 2.0
        return mid - amplitude * math.cos(math.pi * (hour - MIN_HOUR) / (MAX_HOUR - MIN_HOUR))
    peak = index if hour >= MAX_HOUR else index - 1
    high, low = DAYS[_day(days, peak)][1], DAYS[_day(days, peak + 1)][0]
    mid, amplitude = (low + high) / 2.0, (high - low) / 2.0
    falling_h = 24.0 - (MAX_HOUR - MIN_HOUR)
    since_max = (hour - MAX_HOUR) % 24.0
    return mid + amplitude * math.cos(math.pi * since_max / falling_h)


def _day(days, index):
    return days[min(max(index, 0), len(days) - 1)]
