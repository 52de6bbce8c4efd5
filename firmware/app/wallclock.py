"""Local time as the control core wants it: the minute of the week.

0 is Monday 00:00 local time. The board keeps UTC in its RTC (set from
NTP); the offset and the daylight-saving rule come from the device options.
Pure arithmetic on ``time.gmtime`` tuples (weekday 0 = Monday on both
MicroPython and CPython), so the host tests drive it with freezegun.
"""

import time

MINUTES_PER_WEEK = 10080


def _weekday(year, month, day):
    """0 = Monday (Sakamoto's method)."""
    offsets = (0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4)
    if month < 3:
        year -= 1
    sunday_based = (year + year // 4 - year // 100 + year // 400 + offsets[month - 1] + day) % 7
    return (sunday_based + 6) % 7


def _nth_sunday(year, month, n):
    """Day of the month of the n-th Sunday (n = -1: the last)."""
    if n > 0:
        first = 1 + (6 - _weekday(year, month, 1)) % 7
        return first + 7 * (n - 1)
    days = (31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31)[month - 1]
    return days - (_weekday(year, month, days) + 1) % 7


def dst_active(rule, utc_seconds, offset_min):
    """Whether daylight saving applies at ``utc_seconds``."""
    if rule == "eu":  # last Sunday of March to last Sunday of October, 01:00 UTC
        utc = time.gmtime(utc_seconds)
        key = (utc[1], utc[2], utc[3])
        return (3, _nth_sunday(utc[0], 3, -1), 1) <= key < (10, _nth_sunday(utc[0], 10, -1), 1)
    if rule == "us":  # second Sunday of March to first Sunday of November, 02:00 local
        local = time.gmtime(utc_seconds + offset_min * 60)  # standard time: 02:00 DST is 01:00 here
        key = (local[1], local[2], local[3])
        return (3, _nth_sunday(local[0], 3, 2), 2) <= key < (11, _nth_sunday(local[0], 11, 1), 1)
    return False


def minute_of_week(utc_seconds, offset_min=0, rule="none"):
    """Local minute of the week for a UTC time in seconds since the epoch."""
    offset = offset_min + (60 if dst_active(rule, utc_seconds, offset_min) else 0)
    local = time.gmtime(utc_seconds + offset * 60)
    return (local[6] * 1440 + local[3] * 60 + local[4]) % MINUTES_PER_WEEK
