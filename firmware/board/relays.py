"""The relay outputs, written in a safe order: every OFF before any ON.

Each write drives every wired terminal, so a pin disturbed by noise is set
right again at the next tick; within one write the terminals going (or
staying) off are written first, then those that are on, so no instant has
both an old output still on and a new one already on (the reversing valve
and the compressor, W2 and Y1 in dual fuel). Active-low modules are
inverted here and nowhere else: above this layer 1 always means energized.
"""

from machine import Pin


class Relays:
    def __init__(self, terminals, active_high):
        """``terminals``: ``(name, bit, pin)`` for each wired terminal."""
        self.on_level = 1 if active_high else 0
        self.off_level = 1 - self.on_level
        self.pins = []
        self.wired = 0
        for name, bit, pin in terminals:
            self.pins.append((bit, name, Pin(pin, Pin.OUT, value=self.off_level)))
            self.wired |= bit
        self.state = 0

    def write(self, outputs):
        """Energize exactly the terminals whose bits are set in ``outputs``."""
        off, on = self.off_level, self.on_level
        for bit, _name, pin in self.pins:
            if not outputs & bit:
                pin.value(off)
        for bit, _name, pin in self.pins:
            if outputs & bit:
                pin.value(on)
        self.state = outputs & self.wired

    def all_off(self):
        for _bit, _name, pin in self.pins:
            pin.value(self.off_level)
        self.state = 0
