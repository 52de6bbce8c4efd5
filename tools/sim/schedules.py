"""The reference schedules, as the simulator sees them and as the firmware is given them.

``constant``: 70 °F all day, occupied all day. ``setback``: 62 °F from 22:00,
70 °F from 06:00; occupied (comfort counted) from 06:00 to 22:00.
"""

SCHEDULES = {
    # name: ((minute of day, heat setpoint °F), ...) sorted, and the occupied span in minutes
    "constant": (((0, 70.0),), (0, 1440)),
    "setback": (((6 * 60, 70.0), (22 * 60, 62.0)), (6 * 60, 22 * 60)),
}

# What the firmware's `schedule` setting gets (None: no schedule, a fixed setpoint).
FIRMWARE_SCHEDULES = {
    "constant": None,
    "setback": [
        {"days": "daily", "at": "22:00", "heat_setpoint_f": 62},
        {"days": "daily", "at": "06:00", "heat_setpoint_f": 70},
    ],
}

COMFORT_SETPOINT_F = 70.0


def setpoint_f(schedule, t_s):
    """Heat setpoint in force at ``t_s`` seconds after a midnight (the day repeats)."""
    entries = SCHEDULES[schedule][0]
    minute = (t_s // 60) % 1440
    current = entries[-1][1]  # the last entry holds over midnight
    for at, value in entries:
        if at <= minute:
            current = value
    return current


def occupied(schedule, t_s):
    start, end = SCHEDULES[schedule][1]
    return start <= (t_s // 60) % 1440 < end
