"""The wall clock the core gets: NTP seconds to a local minute of the week."""

import calendar
import sys
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


# -- the wall clock of the board's loop against the gmtime arithmetic it replaced --


def gmtime_weekday(year, month, day):
    """0 = Monday (Sakamoto's method): the firmware's arithmetic before the
    clock went allocation-free, kept here as the reference."""
    offsets = (0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4)
    if month < 3:
        year -= 1
    sunday_based = (year + year // 4 - year // 100 + year // 400 + offsets[month - 1] + day) % 7
    return (sunday_based + 6) % 7


def gmtime_nth_sunday(year, month, n):
    if n > 0:
        first = 1 + (6 - gmtime_weekday(year, month, 1)) % 7
        return first + 7 * (n - 1)
    days = (31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31)[month - 1]
    return days - (gmtime_weekday(year, month, days) + 1) % 7


def gmtime_dst_active(rule, utc_seconds, offset_min):
    if rule == "eu":
        utc = time.gmtime(utc_seconds)
        key = (utc[1], utc[2], utc[3])
        return (3, gmtime_nth_sunday(utc[0], 3, -1), 1) <= key < (10, gmtime_nth_sunday(utc[0], 10, -1), 1)
    if rule == "us":
        local = time.gmtime(utc_seconds + offset_min * 60)
        key = (local[1], local[2], local[3])
        return (3, gmtime_nth_sunday(local[0], 3, 2), 2) <= key < (11, gmtime_nth_sunday(local[0], 11, 1), 1)
    return False


def gmtime_minute_of_week(utc_seconds, offset_min=0, rule="none"):
    """The board's minute of the week as it was computed every tick before:
    ``time.time()`` through ``gmtime`` (a big int and tuples on a board)."""
    offset = offset_min + (60 if gmtime_dst_active(rule, utc_seconds, offset_min) else 0)
    local = time.gmtime(utc_seconds + offset * 60)
    return (local[6] * 1440 + local[3] * 60 + local[4]) % wallclock.MINUTES_PER_WEEK


def utc_s(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S"))


# (rule, offset): both rules, whole and odd offsets (Newfoundland, India),
# and the extremes of the offset's range.
ZONES = [("us", -300), ("us", -210), ("us", 840), ("eu", 60), ("eu", 0), ("eu", 330), ("none", -720),
         ("none", 840)]


@pytest.mark.parametrize("rule, offset", ZONES)
def test_minute_of_week_in_small_ints_matches_the_gmtime_arithmetic_around_every_change(rule, offset):
    """Every minute of the six hours around each daylight-saving change of
    2026-2028 and 2100 (not a leap year), in both rules' hemispheres of time."""
    checked = 0
    for year in (2026, 2027, 2028, 2100):
        for month in (3, 10, 11):
            start = utc_s("%d-%02d-01 00:00:00" % (year, month))
            for seconds in range(start, start + 31 * 86400, 3600):
                before = gmtime_dst_active(rule, seconds - 3600, offset)
                if before == gmtime_dst_active(rule, seconds, offset) and seconds % (7 * 86400) != 0:
                    continue
                for probe in range(seconds - 3 * 3600, seconds + 3 * 3600, 60):
                    assert wallclock.minute_of_week(probe, offset, rule) == gmtime_minute_of_week(probe, offset, rule), \
                        (rule, offset, time.gmtime(probe))
                    checked += 1
    assert checked > 1000


class ClockOptions:
    def __init__(self, offset, rule):
        self.options = {"utc_offset_min": offset, "dst": rule}


def fresh_clock_module():
    """app.clock on the board's clock (the fixture's ticks_ms, a minute before its wrap)."""
    for name in ("app.clock", "app.age"):
        sys.modules.pop(name, None)
    import app.clock

    return app.clock


# Steps between two readings: a control tick, odd steps, and nearly the
# longest one step may count (an hour); every few days a long run of ticks.
STEPS_MS = (5_000, 433_017, 59_999, 1_000, 3_599_999, 61_001, 2_718_281)


@pytest.mark.parametrize("rule, offset", ZONES)
def test_the_loops_wall_clock_gives_the_gmtime_minute_for_a_year_across_dst_changes_and_ticks_wraps(
        board, rule, offset):
    """NTP answers on 2026-01-01 and then once a day, sometimes a few seconds
    off the board's count (the old clock took the RTC as NTP set it); the
    board's ticks_ms wraps about thirty times in the year. At every reading
    the minute equals what time.time() and gmtime gave before, as the RTC
    would read then; close to a daylight-saving change (two hours either
    side) the clock is read every 7 s."""
    clock_module = fresh_clock_module()
    world = board.world
    clock = clock_module.WallClock(ClockOptions(offset, rule))
    assert clock.minute() is None
    start_s = utc_s("2026-01-01 00:00:00")
    end_s = utc_s("2027-01-15 00:00:00")
    changes = [s for s in range(start_s, end_s, 3600)
               if gmtime_dst_active(rule, s - 3600, offset) != gmtime_dst_active(rule, s, offset)]
    assert len(changes) == (0 if rule == "none" else 2)
    synced_s, synced_ms = start_s, world.now_ms
    clock.set_utc(time.gmtime(synced_s))
    corrections = (0, 3, -2, 0, 1, -1, 7)
    next_sync_ms, syncs, readings, wraps, last_ticks = world.now_ms + 86_400_000, 0, 0, 0, time.ticks_ms()
    step = 0
    while True:
        rtc_s = synced_s + (world.now_ms - synced_ms) // 1000
        if rtc_s >= end_s:
            break
        assert clock.minute() == gmtime_minute_of_week(rtc_s, offset, rule), (rule, offset, time.gmtime(rtc_s))
        readings += 1
        if world.now_ms >= next_sync_ms:  # NTP answers, the RTC set to its time
            synced_s, synced_ms = rtc_s + corrections[syncs % len(corrections)], world.now_ms
            clock.set_utc(time.gmtime(synced_s))
            syncs += 1
            next_sync_ms += 86_400_000
            continue
        near = any(abs(rtc_s - change) <= 7200 for change in changes)
        world.now_ms += 7_000 if near else STEPS_MS[step % len(STEPS_MS)]
        step += 1
        wraps += time.ticks_ms() < last_ticks
        last_ticks = time.ticks_ms()
    assert syncs >= 370 and wraps >= 29 and readings > 30_000


def test_a_new_time_zone_acts_at_the_next_reading(board):
    clock_module = fresh_clock_module()
    owner = ClockOptions(0, "none")
    clock = clock_module.WallClock(owner)
    clock.set_utc(time.gmtime(utc_s("2026-07-06 12:00:00")))  # Monday
    assert clock.minute() == 720
    owner.options = {"utc_offset_min": -300, "dst": "none"}
    assert clock.minute() == 420
    owner.options = {"utc_offset_min": -300, "dst": "us"}
    assert clock.minute() == 480
    board.world.now_ms += 90_000
    assert clock.minute() == 481
