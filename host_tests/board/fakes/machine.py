"""Fake ``machine``: Pin, WDT, I2C, RTC, reset, recording into world.WORLD.

An input pin reads ``world.inputs[pin]``: a level, or a function of the
time giving one (:class:`Opto`: an optocoupler on 24 VAC).

An I2C device in the world (``world.i2c[(bus, address)]``) is an SHT3x:
(°C, %RH), None (no acknowledge), or a function of the time giving either."""

from fakes import world as _world

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


def _w():
    return _world.WORLD


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        self.id = id
        self.mode = mode
        if mode == 0:  # Pin.IN
            _w().pulls[id] = pull
        if value is not None:
            _w().write(id, value)

    def value(self, value=None):
        world = _world.WORLD
        if value is None:
            if self.mode == 1:  # Pin.OUT
                return world.levels.get(self.id, 0)
            level = world.inputs.get(self.id, 1)
            return level(world.now_ms) if callable(level) else level
        world.write(self.id, value)
        return None

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class Opto:
    """What a GPIO reads from an optocoupler across a 24 VAC wire: while
    ``powered`` (a bool, or a function of the time), the LED lights on one
    half-wave of 60 Hz and pulls the pin to ``active`` for ``conduct_us``
    of every 16,667 us; otherwise the pull-up's level. So a read at the
    wrong instant finds it off, as on the bench."""

    PERIOD_US = 16_667

    def __init__(self, powered=True, active=0, conduct_us=6_000):
        self.powered = powered
        self.active = active
        self.conduct_us = conduct_us

    def __call__(self, now_ms):
        powered = self.powered(now_ms) if callable(self.powered) else self.powered
        if powered and now_ms * 1000 % self.PERIOD_US < self.conduct_us:
            return self.active
        return 1 - self.active


class WDT:
    def __init__(self, id=0, timeout=5000):
        world = _w()
        if world.chip == "rp2040" and timeout > 8388:
            raise ValueError("timeout too large (RP2040: at most 8388 ms)")
        world.wdt_timeout_ms = timeout
        world.wdt_started_ms = world.last_feed_ms = world.now_ms

    def feed(self):
        world = _w()
        if world.log_feeds:
            world.feeds.append(world.now_ms)
        world.last_feed_ms = world.now_ms


class I2C:
    """A steady reading allocates nothing: the six bytes an SHT3x answers
    are worked out again only when the world's value changes."""

    def __init__(self, id, *, scl=None, sda=None, freq=400000):
        self.id = id
        self.value = None  # the world's (°C, %RH) the answer was made from
        self.answer = bytearray(6)
        self.raw_t = 0
        self.key = (id, None)  # the world's key of the last address asked, kept: a tuple allocates

    def _key(self, address):
        if self.key[1] != address:
            self.key = (self.id, address)
        return self.key

    def _device(self, address):
        device = _w().sensor_value(self._key(address))
        if device is None:
            raise OSError(19)  # ENODEV: no acknowledge
        return device

    def writeto(self, address, data, stop=True):
        self._device(address)
        return len(data)

    def _make_answer(self, value):
        from board.sht3x import crc8

        celsius, rh = value
        raw_t = round((celsius + 45) * 65535 / 175)
        raw_h = round(rh * 65535 / 100)
        data = self.answer
        data[0] = raw_t >> 8
        data[1] = raw_t & 0xFF
        data[3] = raw_h >> 8
        data[4] = raw_h & 0xFF
        data[2] = crc8(data, 0, 2)
        data[5] = crc8(data, 3, 5)
        self.raw_t = raw_t
        self.value = value

    def readfrom_into(self, address, buf, stop=True):
        key = self._key(address)
        try:
            value = self._device(address)
        except OSError:
            _w().log_read(key, None)
            raise
        if value is not self.value:
            self._make_answer(value)
        answer = self.answer
        for index in range(6):
            buf[index] = answer[index]
        _w().log_read(key, self.raw_t)


class RTC:
    def datetime(self, value=None):
        if value is None:
            return _w().rtc
        _w().rtc = value
        return None


# machine.unique_id(): the ESP32's is its 6-byte MAC, the RP2040's its flash's 8-byte id.
UNIQUE_IDS = {"esp32": b"\x24\x0a\xc4\xe6\x61\x41", "rp2040": b"\xe6\x61\x41\x03\x87\x2c\x51\x2a"}


def unique_id():
    return UNIQUE_IDS[_w().chip]


def reset():
    raise _world.MachineReset()


def reset_cause():
    return _w().reset_cause
