"""Temperature sensors behind one small interface: ``start()`` returns the
milliseconds to await, then ``read()`` returns ``[tenths °F or None,
tenths %RH or None]``. Nothing here blocks for the conversion: the caller
awaits it (``asyncio.sleep_ms``) between the two calls.

A board reads each sensor every 5 s for months, so a reading allocates
nothing: ``read()`` returns the sensor's own two-item list, overwritten by
the next read (unpack it at once: ``value_dF, humidity_dpct =
sensor.read()``), and the drivers under it read into buffers made once
(micropython-lib's ``DS18X20.read_scratch`` returns its own ``bytearray(9)``,
:mod:`board.sht3x` reads with ``I2C.readfrom_into``). Only the 1-Wire ROM
search allocates (``OneWire.scan`` builds a list of ROMs): it runs when no
ROM is known yet (the first read, or after a failed one when the board
file names no ROM), never on a steady reading.

- DS18B20 on 1-Wire (micropython-lib ``onewire``/``ds18x20``, frozen into the
  rp2 and esp32 firmware): ``convert_temp()`` starts every sensor on the bus,
  750 ms later the scratchpad is read. A CRC error, no device, or the
  power-on value 85 °C (conversion never ran) is no reading.
- SHT3x on I2C (:mod:`board.sht3x`).
- ``simulated``: a value set from the REPL (bench mode), nothing on a pin.
"""

from machine import I2C, Pin

from board import sht3x

POWER_ON_RAW = 0x0550  # 85 °C: the scratchpad value before any conversion


def ds18b20_raw_to_dF(raw):
    """The scratchpad's temperature register (LSB | MSB << 8: signed 16-bit
    two's complement, 1/16 °C) in tenths of °F, in integers only.

    The exact value is raw * 9 / 8 + 320 tenths, a multiple of 1/8. It is
    rounded to the nearest tenth, a value exactly half-way going away from
    zero: -0.25 °C (31.55 °F) gives 316, -17.75 °C (0.05 °F) gives 1,
    -18.25 °C (-0.85 °F) gives -9. (Until issue 9 the offset from 32 °F was
    rounded instead of the value, so the 36 half-way readings from
    -17.75 °C to -0.25 °C came out a tenth low.) Every intermediate fits a
    small int: no heap, no float.
    """
    if raw & 0x8000:
        raw -= 0x10000
    eighths = raw * 9 + 2560  # tenths °F * 8 = (raw * 18 / 16 + 320) * 8
    if eighths >= 0:
        return (eighths + 4) >> 3
    return -((4 - eighths) >> 3)


class DS18B20:
    def __init__(self, pin, rom=None):
        import ds18x20
        import onewire

        self.ds = ds18x20.DS18X20(onewire.OneWire(Pin(pin)))
        self.rom = bytes(int(rom[i:i + 2], 16) for i in range(0, 16, 2)) if rom else None
        self.fixed_rom = rom is not None
        self.reading = [None, None]

    def start(self):
        try:
            self.ds.convert_temp()
        except Exception:  # no presence pulse: read() will report no reading
            return 0
        return 750

    def _search(self):
        """The first DS18B20 on the bus, or None (allocates: a ROM search)."""
        for rom in self.ds.scan():
            if rom[0] == 0x28:
                return rom
        return None

    def read(self):
        reading = self.reading
        reading[0] = None
        try:
            if self.rom is None:
                self.rom = self._search()
                if self.rom is None:
                    return reading
            buf = self.ds.read_scratch(self.rom)
        except Exception:  # CRC error, no presence pulse: no reading this time
            if not self.fixed_rom:
                self.rom = None  # rescan: the sensor may have been swapped
            return reading
        raw = buf[0] | (buf[1] << 8)
        if raw != POWER_ON_RAW:
            reading[0] = ds18b20_raw_to_dF(raw)
        return reading


class SHT3xSensor:
    def __init__(self, bus, address):
        i2c = I2C(bus["id"], sda=Pin(bus["sda"]), scl=Pin(bus["scl"]), freq=bus["freq"])
        self.chip = sht3x.SHT3x(i2c, address)

    def start(self):
        try:
            return self.chip.start()
        except OSError:
            return 0

    def read(self):
        try:
            return self.chip.read()
        except (OSError, ValueError):
            reading = self.chip.reading
            reading[0] = reading[1] = None
            return reading


class Simulated:
    """A sensor whose value only the REPL sets (bench mode)."""

    def __init__(self):
        self.reading = [None, None]

    def start(self):
        return 0

    def read(self):
        return self.reading


def make(spec):
    """The sensor object for one validated ``sensors.<role>`` entry."""
    kind = spec["type"]
    if kind == "ds18b20":
        return DS18B20(spec["pin"], spec.get("rom"))
    if kind == "sht3x":
        return SHT3xSensor(spec["i2c"], spec["address"])
    return Simulated()
