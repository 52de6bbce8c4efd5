"""Fake micropython-lib ``ds18x20``: one DS18B20 per bus, its °C in the world.

Reading the scratchpad less than 750 ms after ``convert_temp`` gives the
power-on value 85 °C, as a real sensor would, and counts as an early read.
A sensor's value in the world is °C, None (no device), "crc" (CRC errors)
or a function of the time in ms returning one of those (a trace). Every
scratchpad read is logged in ``world.sensor_log``.

As micropython-lib's driver does, ``read_scratch`` reads into the driver's
own ``bytearray(9)`` and returns it; and a steady reading allocates
nothing here either (the raw value is worked out again only when the
world's value changes), so the MicroPython allocation bench
(host_tests/board/mp_unix/alloc_mp.py) sees the firmware's allocation
alone.
"""

from onewire import OneWireError, crc8_of

from fakes import world as _world

ROM = b"\x28\x01\x02\x03\x04\x05\x06\x07"
POWER_ON_RAW = 0x0550  # 85 °C


class DS18X20:
    def __init__(self, ow):
        self.ow = ow
        self.buf = bytearray(9)
        self.celsius = None  # the world's value raw was worked out from
        self.raw = 0

    def _value(self):
        return _world.WORLD.sensor_value(self.ow.pin)

    def scan(self):
        return [ROM] if self._value() is not None else []

    def convert_temp(self):
        if self._value() is None:
            raise OneWireError()
        _world.WORLD.converted[self.ow.pin] = _world.WORLD.now_ms

    def _raw(self, celsius):
        if celsius is not self.celsius:
            self.raw = round(celsius * 16) & 0xFFFF
            self.celsius = celsius
        return self.raw

    def read_scratch(self, rom):
        world = _world.WORLD
        value = self._value()
        if value is None:
            world.log_read(self.ow.pin, None)
            raise OneWireError()
        if value == "crc":
            world.log_read(self.ow.pin, None)
            raise Exception("CRC error")
        started = world.converted.get(self.ow.pin)
        if started is None or world.now_ms - started < 750:
            world.early_reads += 1
            raw = POWER_ON_RAW
        else:
            raw = self._raw(value)
        world.log_read(self.ow.pin, raw)
        buf = self.buf
        buf[0] = raw & 0xFF
        buf[1] = raw >> 8
        buf[2] = 0x4B
        buf[3] = 0x46
        buf[4] = 0x7F
        buf[5] = 0xFF
        buf[6] = 0x0C
        buf[7] = 0x10
        buf[8] = crc8_of(buf, 8)
        return buf

    def read_temp(self, rom):
        buf = self.read_scratch(rom)
        raw = buf[0] | buf[1] << 8
        return (raw - 0x10000 if raw & 0x8000 else raw) / 16
