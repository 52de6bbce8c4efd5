"""Sensirion SHT3x (SHT30/31/35) temperature and humidity over I2C.

micropython-lib has no SHT3x driver, so this is a small one written from the
datasheet (Sensirion, "Datasheet SHT3x-DIS", v7): a single-shot measurement
with high repeatability and no clock stretching (command 0x2400, at most
15.5 ms), then six bytes: temperature MSB, LSB, CRC, humidity MSB, LSB, CRC,
each CRC-8 with polynomial 0x31 and initial value 0xFF.

It is split in :meth:`SHT3x.start` and :meth:`SHT3x.read` so the caller
awaits the conversion instead of sleeping in the driver. Conversions are in
integers: tenths of °F and tenths of %RH, no float on the heap. A reading
allocates nothing: the six bytes are read into a buffer made once
(``I2C.readfrom_into``) and decoded into the driver's own two-item list.
"""

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

MEASURE_HIGH = b"\x24\x00"
SOFT_RESET = b"\x30\xa2"
CONVERSION_MS = const(16)


def crc8(data, start=0, end=2):
    crc = 0xFF
    for index in range(start, end):
        crc ^= data[index]
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _rounded_div(numerator, denominator):
    """numerator / denominator (denominator > 0) to the nearest integer, a
    half going away from zero; integers only."""
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((denominator - 2 * numerator) // (2 * denominator))


def temperature_dF(raw):
    """T = -49 + 315 * raw / 65535 °F (datasheet), in tenths of °F: the
    exact value (3150 * raw - 490 * 65535) / 65535, rounded to the nearest
    tenth, a half going away from zero. The divisor is odd, so no raw value
    lands exactly on a half and the tie rule never has to choose. The
    largest intermediate, 2 * 3150 * 65535, fits a 31-bit small int: no
    heap, no float.
    """
    return _rounded_div(3150 * raw - 490 * 65535, 65535)


def humidity_dpct(raw):
    """RH = 100 * raw / 65535 % (datasheet), in tenths of %RH: 1000 * raw /
    65535 rounded to the nearest tenth, a half going away from zero (as for
    temperature, the odd divisor never gives a half)."""
    return _rounded_div(1000 * raw, 65535)


def decode(data, reading=None):
    """(tenths °F, tenths %RH) from the six bytes; ValueError on a bad CRC.
    Given ``reading`` (a two-item list), the values are written into it and
    it is returned instead of a new tuple: nothing is allocated."""
    if len(data) != 6 or crc8(data, 0, 2) != data[2] or crc8(data, 3, 5) != data[5]:
        raise ValueError("SHT3x CRC error")
    temperature = temperature_dF((data[0] << 8) | data[1])
    humidity = humidity_dpct((data[3] << 8) | data[4])
    if reading is None:
        return temperature, humidity
    reading[0] = temperature
    reading[1] = humidity
    return reading


class SHT3x:
    def __init__(self, i2c, address=0x44):
        self.i2c = i2c
        self.address = address
        self.buf = bytearray(6)
        self.reading = [None, None]  # read()'s result, overwritten by the next read

    def start(self):
        """Start a conversion; return the milliseconds to wait before read()."""
        self.i2c.writeto(self.address, MEASURE_HIGH)
        return CONVERSION_MS

    def read(self):
        """[tenths °F, tenths %RH] (the driver's own list); OSError or
        ValueError if there is none."""
        self.i2c.readfrom_into(self.address, self.buf)
        return decode(self.buf, self.reading)
