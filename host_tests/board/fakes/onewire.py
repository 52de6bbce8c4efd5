"""Fake micropython-lib ``onewire``: a bus is a pin number."""


class OneWireError(Exception):
    pass


def crc8_of(data, count):
    """The Dallas/Maxim CRC-8 of ``data[:count]``, without the slice."""
    crc = 0
    for index in range(count):
        byte = data[index]
        for _ in range(8):
            mix = (crc ^ byte) & 1
            crc >>= 1
            if mix:
                crc ^= 0x8C
            byte >>= 1
    return crc


class OneWire:
    def __init__(self, pin):
        self.pin = pin.id

    def crc8(self, data):
        return crc8_of(data, len(data))
