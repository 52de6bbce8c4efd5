# MicroPython only: the ``time`` module the firmware imports, on the world's
# virtual clock. ticks_ms wraps at 2**30 as on the 32-bit ports (this 64-bit
# unix port's own would wrap at 2**62); time() is the world's UTC, which a
# board's RTC holds once NTP has set it. Nothing here sleeps for real.
from fakes import world as _world

_REAL = __import__("time")
TICKS_PERIOD = 1 << 30
TICKS_MASK = TICKS_PERIOD - 1
gmtime = _REAL.gmtime
localtime = _REAL.gmtime
mktime = _REAL.mktime


def ticks_ms():
    return _world.WORLD.ticks_ms()


def ticks_us():
    return (ticks_ms() * 1000) & TICKS_MASK


ticks_cpu = ticks_us


def ticks_add(ticks, delta):
    return (ticks + delta) & TICKS_MASK


def ticks_diff(later, earlier):
    diff = (later - earlier) & TICKS_MASK
    return diff - TICKS_PERIOD if diff >= TICKS_PERIOD // 2 else diff


def time():
    world = _world.WORLD
    return world.utc_at_zero_s + world.now_ms // 1000


def time_ns():
    return time() * 1_000_000_000


def _no_sleep(*args):
    raise RuntimeError("the board firmware must not block: await asyncio.sleep_ms instead")


sleep = sleep_ms = sleep_us = _no_sleep
