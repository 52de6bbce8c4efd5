"""The three weather days: a daily temperature wave, minimum at 05:00, maximum at 15:00.

A minimum and a maximum 10 h apart cannot be one sinusoid of period 24 h, so
(as DOE-2 and ASHRAE's design-day profiles do) the day is two half-cosines:
rising from 05:00 to 15:00 and falling from 15:00 to 05:00 the next day,
continuous and smooth at both turning points. The day repeats.
"""

import math

DAYS = {"mild": (38.0, 55.0), "cold": (18.0, 34.0), "design": (-2.0, 14.0)}
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
