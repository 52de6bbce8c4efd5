"""Fake micropython-lib ``onewire``: a bus is a pin number."""


class OneWireError(Exception):
    pass


class OneWire:
    def __init__(self, pin):
        self.pin = pin.id

    def crc8(self, data):
        crc = 0
        for byte in data:
            for _ in range(8):
                mix = (crc ^ byte) & 1
                crc >>= 1
                if mix:
                    crc ^= 0x8C
                byte >>= 1
        return crc
