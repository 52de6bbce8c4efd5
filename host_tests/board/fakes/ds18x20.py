"""Fake micropython-lib ``ds18x20``: one DS18B20 per bus, its °C in the world.

Reading the scratchpad less than 750 ms after ``convert_temp`` gives the
power-on value 85 °C, as a real sensor would, and counts as an early read.
A sensor's value in the world is °C, None (no device), "crc" (CRC errors)
or a function of the time in ms returning one of those (a trace). Every
scratchpad read is logged in ``world.sensor_log``.
"""

from onewire import OneWireError

from fakes import world as _world

ROM = b"\x28\x01\x02\x03\x04\x05\x06\x07"


class DS18X20:
    def __init__(self, ow):
        self.ow = ow

    def _value(self):
        return _world.WORLD.sensor_value(self.ow.pin)

    def scan(self):
        return [ROM] if self._value() is not None else []

    def convert_temp(self):
        if self._value() is None:
            raise OneWireError()
        _world.WORLD.converted[self.ow.pin] = _world.WORLD.now_ms

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
            raw = 0x0550
        else:
            raw = round(value * 16) & 0xFFFF
        world.log_read(self.ow.pin, raw)
        buf = bytearray([raw & 0xFF, raw >> 8, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0])
        buf[8] = self.ow.crc8(buf[:8])
        return buf

    def read_temp(self, rom):
        buf = self.read_scratch(rom)
        raw = buf[0] | buf[1] << 8
        return (raw - 0x10000 if raw & 0x8000 else raw) / 16
