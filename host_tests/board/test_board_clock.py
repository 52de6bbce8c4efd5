"""The wall clock the core gets: NTP seconds to a local minute of the week."""

import time

import pytest
from app import wallclock
from app.vclock import ControlClock
from board.sht3x import decode, humidity_dpct, temperature_dF
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from freezegun import freeze_time


@pytest.mark.parametrize("utc, offset, rule, expected", [
    ("2026-01-05 06:30:00", 0, "none", 390),  # Monday 06:30
    ("2026-01-05 06:30:00", -300, "us", 90),  # Monday 01:30 EST
    ("2026-01-05 03:30:00", -300, "us", 6 * 1440 + 1350),  # Sunday 22:30 EST
    ("2026-07-06 12:00:00", -300, "us", 480),  # Monday 08:00 EDT
    ("2026-03-08 06:59:00", -300, "us", 6 * 1440 + 119),  # Sunday 01:59 EST, just before the change
    ("2026-03-08 07:00:00", -300, "us", 6 * 1440 + 180),  # 03:00 EDT
    ("2026-03-29 00:59:00", 60, "eu", 6 * 1440 + 119),  # Sunday 01:59 CET
    ("2026-03-29 01:00:00", 60, "eu", 6 * 1440 + 180),  # 03:00 CEST
    ("2026-10-25 00:59:00", 60, "eu", 6 * 1440 + 179),  # 02:59 CEST
    ("2026-10-25 01:00:00", 60, "eu", 6 * 1440 + 120),  # 02:00 CET again
])
def test_minute_of_week_follows_offset_and_daylight_saving(utc, offset, rule, expected):
    with freeze_time(utc):
        assert wallclock.minute_of_week(int(time.time()), offset, rule) == expected


def test_ntp_answer_gives_seconds_since_1900(board):
    from board import net

    packet = bytearray(48)
    packet[0] = 0x24  # version 4, mode 4 (server)
    packet[40:44] = (3976300800).to_bytes(4, "big")
    assert net.ntp_seconds(bytes(packet)) == 3976300800
    assert net.ntp_seconds(bytes(8)) is None
    assert net.ntp_delta() == 2208988800  # CPython's epoch is 1970


def test_the_bench_clock_runs_60_times_faster_and_wraps_like_ticks_ms(monkeypatch):
    now = [(1 << 30) - 1000]
    monkeypatch.setattr(time, "ticks_ms", lambda: now[0] & ((1 << 30) - 1), raising=False)
    monkeypatch.setattr(time, "ticks_diff", lambda a, b: ((a - b + (1 << 29)) & ((1 << 30) - 1)) - (1 << 29),
                        raising=False)
    clock = ControlClock(60)
    start = clock.read()
    now[0] += 5000  # five real seconds, across the wrap
    later = clock.read()
    assert later < start  # wrapped
    assert ((later - start) & ((1 << 30) - 1)) == 300_000


def test_sht3x_conversion_follows_the_datasheet():
    assert temperature_dF(0) == -490 and temperature_dF(65535) == 2660
    assert humidity_dpct(65535) == 1000
    # datasheet CRC example: 0xBEEF -> 0x92
    assert decode(bytes([0xBE, 0xEF, 0x92, 0x80, 0x00, 0xA2]))[1] == 500
    with pytest.raises(ValueError):
        decode(bytes([0xBE, 0xEF, 0x00, 0x80, 0x00, 0xA2]))
