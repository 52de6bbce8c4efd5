"""Fake ``ntptime`` (the firmware queries NTP itself; present for completeness)."""

host = "pool.ntp.org"
timeout = 1


def settime():
    raise OSError(110)
