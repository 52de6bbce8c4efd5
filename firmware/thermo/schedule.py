"""The weekly setpoint schedule: validation, and where the week stands.

A schedule is a list of entries, each taking effect at its time and holding
until the next one:

    [{"days": "daily", "at": "22:00", "heat_setpoint_f": 62},
     {"days": "weekdays", "at": "06:00", "heat_setpoint_f": 70, "cool_setpoint_f": 76}]

``days`` is "daily", "weekdays", "weekends" or one of "mon" … "sun"; an
entry may set the heat setpoint, the cool setpoint or both. The wall clock
comes from the shell as a minute of the week (0 = Monday 00:00 local time);
without one, the schedule waits and the setpoints stay as they are.
"""

from thermo.values import SettingError, show, tenths

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {"daily": 127, "weekdays": 31, "weekends": 96}
ENTRY_KEYS = ("days", "at", "heat_setpoint_f", "cool_setpoint_f")
_MAX_ENTRIES = const(16)
_MINUTES_PER_DAY = const(1440)
NO_SETPOINT = const(-1)


def day_mask(name):
    if name in DAY_SETS:
        return DAY_SETS[name]
    for index in range(7):
        if DAY_NAMES[index] == name:
            return 1 << index
    return 0


def _minute_of_day(where, text):
    ok = isinstance(text, str) and len(text) == 5 and text[2] == ":" and (text[:2] + text[3:]).isdigit()
    if ok and int(text[:2]) < 24 and int(text[3:]) < 60:
        return int(text[:2]) * 60 + int(text[3:])
    raise SettingError(where + ".at", '%s is not a time (allowed: "HH:MM", "00:00" to "23:59")' % show(text))


def validate(value, deadband_f):
    """A schedule checked entry by entry; SettingError names the entry's field."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > _MAX_ENTRIES:
        raise SettingError("schedule", "must be null or a list of at most %d entries" % _MAX_ENTRIES)
    for index in range(len(value)):
        where = "schedule[%d]" % index
        entry = value[index]
        if not isinstance(entry, dict):
            raise SettingError(where, "must be an object with days, at and setpoints, not %s" % show(entry))
        for key in entry:
            if key not in ENTRY_KEYS:
                raise SettingError(where + "." + str(key), "unknown key (allowed: %s)" % ", ".join(ENTRY_KEYS))
        days = entry.get("days")
        if not isinstance(days, str) or not day_mask(days):
            raise SettingError(where + ".days", "%s is not allowed (allowed: %s)" % (
                show(days), ", ".join(show(name) for name in tuple(DAY_SETS) + DAY_NAMES)))
        _minute_of_day(where, entry.get("at"))
        heat = entry.get("heat_setpoint_f")
        cool = entry.get("cool_setpoint_f")
        if heat is None and cool is None:
            raise SettingError(where, "sets no setpoint (give heat_setpoint_f, cool_setpoint_f or both)")
        for key, low, high, number in (("heat_setpoint_f", 40, 90, heat), ("cool_setpoint_f", 50, 99, cool)):
            if number is not None and (not isinstance(number, (int, float)) or isinstance(number, bool)
                                       or number != number or not low <= number <= high):
                raise SettingError(where + "." + key, "%s is out of range (allowed: %d to %d °F)" % (
                    show(number), low, high))
        if heat is not None and cool is not None and cool - heat < deadband_f:
            raise SettingError(where + ".cool_setpoint_f", "%s is closer than auto_deadband_f %s to %s" % (
                show(cool), show(deadband_f), show(heat)))
    return value


def compile_entries(value):
    """The schedule as a tuple of (days mask, minute of day, heat_dF, cool_dF),
    sorted by time of day; NO_SETPOINT where an entry leaves one alone."""
    if not value:
        return ()
    entries = []
    for entry in value:
        heat = entry.get("heat_setpoint_f")
        cool = entry.get("cool_setpoint_f")
        entries.append((day_mask(entry["days"]), _minute_of_day("schedule", entry["at"]),
                        NO_SETPOINT if heat is None else tenths(heat),
                        NO_SETPOINT if cool is None else tenths(cool)))
    entries.sort(key=lambda item: item[1])
    return tuple(entries)


def active(entries, minute_of_week):
    """Index of the entry in force at ``minute_of_week`` (-1: none)."""
    day = minute_of_week // _MINUTES_PER_DAY
    minute = minute_of_week % _MINUTES_PER_DAY
    for back in range(8):
        weekday = (day - back) % 7
        index = len(entries) - 1
        while index >= 0:
            mask, at = entries[index][0], entries[index][1]
            if mask & (1 << weekday) and (back > 0 or at <= minute):
                return index
            index -= 1
    return -1


def next_entry(entries, minute_of_week):
    """Index of the next entry to take effect after ``minute_of_week`` (-1: none)."""
    day = minute_of_week // _MINUTES_PER_DAY
    minute = minute_of_week % _MINUTES_PER_DAY
    for ahead in range(8):
        weekday = (day + ahead) % 7
        for index in range(len(entries)):
            if _due(entries[index], weekday, ahead, minute):
                return index
    return -1


def minutes_until(entry, minute_of_week):
    """Minutes from ``minute_of_week`` until ``entry`` next takes effect
    (an int, not a tuple with the index: the tick allocates nothing)."""
    day = minute_of_week // _MINUTES_PER_DAY
    minute = minute_of_week % _MINUTES_PER_DAY
    for ahead in range(8):
        if _due(entry, (day + ahead) % 7, ahead, minute):
            return ahead * _MINUTES_PER_DAY + entry[1] - minute
    return 0


def _due(entry, weekday, ahead, minute):
    """``entry`` takes effect on ``weekday``, ``ahead`` days on, after ``minute``."""
    return entry[0] & (1 << weekday) and (ahead > 0 or entry[1] > minute)
