"""Local time as the control core wants it: the minute of the week.

0 is Monday 00:00 local time. The board keeps UTC; the offset and the
daylight-saving rule come from the device options.

Everything here is small-int arithmetic on *UTC minutes*, minutes since
1970-01-01 00:00 UTC (about 29.7 million in 2026, 68 million in 2100: far
inside a 32-bit board's small-int range, where a count of seconds since
1970 is not). No ``time.gmtime`` tuple, no big int, no float: the control
tick reads the wall clock every 5 s and allocates nothing doing it
(:class:`app.clock.WallClock`). Dates are days since 1970 (Howard Hinnant's
``days_from_civil``), so the same code runs on a port whose epoch is 2000.
"""

import time

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

MINUTES_PER_WEEK = const(10080)
MINUTES_PER_DAY = const(1440)
_EPOCH_WEEK_MIN = const(3 * 1440)  # 1970-01-01 was a Thursday (weekday 3, Monday = 0)
_DAYS_PER_ERA = const(146097)  # 400 Gregorian years
_EPOCH_SHIFT_DAYS = const(719468)  # 0000-03-01 to 1970-01-01


def days_from_civil(year, month, day):
    """Days since 1970-01-01 of a Gregorian date."""
    if month <= 2:
        year -= 1
        month += 9
    else:
        month -= 3
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * month + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * _DAYS_PER_ERA + day_of_era - _EPOCH_SHIFT_DAYS


def year_of(days):
    """The Gregorian year of a day counted from 1970-01-01."""
    days += _EPOCH_SHIFT_DAYS
    era = days // _DAYS_PER_ERA
    day_of_era = days - era * _DAYS_PER_ERA
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    # The era's years start on March 1: January and February belong to the next.
    return era * 400 + year_of_era + (1 if day_of_year >= 306 else 0)


def _sunday_on_or_before(days):
    return days - (days + 4) % 7  # (days + 3) % 7 is the weekday, Sunday is 6


def _last_sunday(year, month):
    """Day (since 1970) of the last Sunday of ``month`` (not December)."""
    return _sunday_on_or_before(days_from_civil(year, month + 1, 1) - 1)


def _nth_sunday(year, month, n):
    """Day (since 1970) of the ``n``-th Sunday of ``month``."""
    return _sunday_on_or_before(days_from_civil(year, month, 1) + 6) + 7 * (n - 1)


def dst_minutes(rule, utc_min, offset_min):
    """60 while daylight saving applies at the UTC minute ``utc_min``, else 0.

    ``eu``: from the last Sunday of March to the last Sunday of October,
    01:00 UTC. ``us``: from the second Sunday of March, 02:00 local standard
    time, to the first Sunday of November, 01:00 standard time (02:00 DST).
    A rule switches only on a whole hour of UTC (``eu``) or of local
    standard time (``us``)."""
    if rule == "eu":
        year = year_of(utc_min // MINUTES_PER_DAY)
        start = _last_sunday(year, 3) * MINUTES_PER_DAY + 60
        end = _last_sunday(year, 10) * MINUTES_PER_DAY + 60
        return 60 if start <= utc_min < end else 0
    if rule == "us":
        standard = utc_min + offset_min
        year = year_of(standard // MINUTES_PER_DAY)
        start = _nth_sunday(year, 3, 2) * MINUTES_PER_DAY + 120
        end = _nth_sunday(year, 11, 1) * MINUTES_PER_DAY + 60
        return 60 if start <= standard < end else 0
    return 0


def local_minute_of_week(utc_min, local_offset_min):
    """The minute of the week at ``utc_min``, for an offset from UTC that
    already includes daylight saving."""
    return (utc_min + local_offset_min + _EPOCH_WEEK_MIN) % MINUTES_PER_WEEK


def utc_minutes(t):
    """UTC minutes of a ``time.gmtime`` tuple (any port's epoch)."""
    return days_from_civil(t[0], t[1], t[2]) * MINUTES_PER_DAY + t[3] * 60 + t[4]


def minute_of_week(utc_seconds, offset_min=0, rule="none"):
    """Local minute of the week for a UTC time in seconds since this port's
    epoch (a one-off conversion: the board's loop uses the clock's minutes)."""
    utc_min = utc_minutes(time.gmtime(utc_seconds))
    return local_minute_of_week(utc_min, offset_min + dst_minutes(rule, utc_min, offset_min))
