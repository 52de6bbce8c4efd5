"""One object for everything the application touches on the board.

Built from a validated board file (:mod:`board.boardfile`). The application
never imports ``machine``; it asks this object to write relays, start and
read sensors, light the status LED, read buttons, start and feed the
watchdog, and reset.
"""

import machine
from machine import Pin

from board import sensors
from board.relays import Relays

SENSE_R_BIT = 64  # R-C present, in SenseInputs.read(), beside the terminals' bits (1 to 32)


class Hardware:
    def __init__(self, board):
        self.board = board
        self.relays = Relays(board["terminals"], board["active_high"])
        self.sensors = {}
        for role in board["sensors"]:
            self.sensors[role] = sensors.make(board["sensors"][role])
        led = board["status_led"]
        self.led = Pin(led["pin"], Pin.OUT, value=0 if led["active_high"] else 1) if led else None
        self.led_on_level = 1 if (led is None or led["active_high"]) else 0
        self.buttons = {}
        for role in board["buttons"]:
            self.buttons[role] = Pin(board["buttons"][role], Pin.IN, Pin.PULL_UP)
        self.display = None
        self.display_error = None  # why a screen in the board file could not be started
        if board.get("display"):
            try:
                self.display = make_display(board["display"])
            except (ImportError, OSError) as exc:  # the thermostat runs without its screen
                self.display_error = exc
        self.sense = SenseInputs(board["sense"]) if board.get("sense") else None  # optional optocouplers
        self.wdt = None

    def set_led(self, on):
        if self.led is not None:
            self.led.value(self.led_on_level if on else 1 - self.led_on_level)

    def pressed(self, role):
        """Buttons switch to ground against the internal pull-up."""
        pin = self.buttons.get(role)
        return pin is not None and pin.value() == 0

    def start_watchdog(self):
        """Once started it cannot be stopped: only on the production path."""
        self.wdt = machine.WDT(timeout=self.board["watchdog_ms"])

    def feed_watchdog(self):
        if self.wdt is not None:
            self.wdt.feed()

    def reset(self):
        reset()


class SenseInputs:
    """The 24 VAC sense inputs (optocouplers) of a validated ``sense``
    entry, read as one bit mask: a terminal's own bit while its wire
    carries 24 VAC, SENSE_R_BIT while R-C does. One read is one instant
    of an AC wave: :mod:`app.sense` reads a window of them."""

    def __init__(self, spec):
        self.level = 1 if spec["active_high"] else 0
        pulls = {"up": Pin.PULL_UP, "down": Pin.PULL_DOWN, "none": None}
        self.names = []  # (terminal name or "R", its bit)
        self.pins = []  # (bit, Pin)
        self.bits = 0  # every input there is
        for name, bit, pin, pull in spec["inputs"]:
            bit = bit or SENSE_R_BIT
            self.names.append((name, bit))
            self.pins.append((bit, Pin(pin, Pin.IN, pulls[pull])))
            self.bits |= bit

    def read(self):
        level = self.level
        bits = 0
        for bit, pin in self.pins:
            if pin.value() == level:
                bits |= bit
        return bits


def make_display(spec):
    """The SSD1306 of a validated ``display`` entry: micropython-lib's
    driver (installed by make deploy), a FrameBuffer of its own."""
    import ssd1306  # pyright: ignore[reportMissingImports]  # micropython-lib, by make deploy (mip)

    bus = spec["i2c"]
    i2c = machine.I2C(bus["id"], sda=Pin(bus["sda"]), scl=Pin(bus["scl"]), freq=bus["freq"])
    return ssd1306.SSD1306_I2C(128, 64, i2c, spec["address"])


def reset():
    machine.reset()


def reset_by_watchdog():
    """Whether the last reset was the watchdog's (a hang, or a crash we let it catch)."""
    return machine.reset_cause() == machine.WDT_RESET
