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
