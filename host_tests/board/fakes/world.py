"""The simulated board the fake modules act on: one virtual clock, the pin
levels and every write to them, the watchdog, and the sensors' values.

The clock is an integer count of milliseconds (``now_ms``): a wait of 750 ms
ends at exactly +750, as on the board, never a float rounding before it.
This module (like every fake here) runs on CPython and on MicroPython."""

TICKS_PERIOD = 1 << 30
TICKS_MASK = TICKS_PERIOD - 1
# The fake ticks_ms starts a minute before its wrap, so every run crosses it.
TICKS_START = TICKS_PERIOD - 60_000
INF = float("inf")


class Halt(BaseException):
    """The test's time is up (not an error of the firmware)."""


class WatchdogReset(BaseException):
    """The fake hardware watchdog expired: the board resets."""


class MachineReset(BaseException):
    """machine.reset() was called."""


class Log:
    """A list that only grows, kept in chunks: on MicroPython a day of sensor
    reads in one list needs its array in one piece of a fragmented heap."""

    CHUNK = 1024

    def __init__(self):
        self.chunks = [[]]
        self.count = 0

    def append(self, entry):
        chunk = self.chunks[-1]
        if len(chunk) >= self.CHUNK:
            chunk = []
            self.chunks.append(chunk)
        chunk.append(entry)
        self.count += 1

    def __len__(self):
        return self.count

    def __iter__(self):
        for chunk in self.chunks:
            yield from chunk


class World:
    def __init__(self, chip="rp2040"):
        self.chip = chip
        self.now_ms = 0
        self.halt_at_ms = None
        self.stopped = False
        self.pin_log = []  # (t_ms, pin, value), every write in order
        self.log_changes_only = False  # True: only writes that change a pin's level (long soaks)
        self.logged_pins = None  # a set: log writes to these pins only (long soaks: the relays)
        self.log_feeds = True  # False: keep only the last feed, not the list (long soaks)
        self.levels = {}
        self.inputs = {}  # pin -> level a button/sensor line reads (default 1: pull-up), or a function of now_ms
        self.pulls = {}  # input pin -> the pull it was set up with (Pin.PULL_UP, PULL_DOWN, None, -1: unchanged)
        self.wdt_timeout_ms = None
        self.wdt_started_ms = None
        self.feeds = []
        self.last_feed_ms = None  # the watchdog's start, then its last feed
        self.reset_cause = 1  # PWRON_RESET
        self.onewire = {}  # pin -> °C, None (no device) or "crc" (CRC errors)
        self.converted = {}  # pin -> time of the last convert_temp
        self.early_reads = 0
        self.i2c = {}  # (bus id, address) -> (°C, %RH)
        self.rtc = None
        self.wifi_ok = False  # or a function of now_ms
        self.wlan_active = False  # the radio's state (fakes/network.py)
        self.wlan_ssid = None
        self.wlan_key = None
        self.networks = None  # {name: password} in range; None: any joins while wifi_ok (fakes/network.py)
        self.joins = []  # (t_ms, network name) of every station connect
        self.ap_active = False  # the board's own access point (Wi-Fi set-up)
        self.ap_config = {}  # what it was configured with: ssid, key, security
        self.ap_clients = 0  # phones joined to it
        self.ap_log = []  # (t_ms, active) of every switch of the access point
        self.servers = {}  # port -> the connection handler of a TCP server the firmware listens with
        self.ntp_ok = True  # or a function of now_ms: does an NTP server answer (fakes/socket.py)
        self.utc_at_zero_s = 1_783_339_200  # UTC (Unix seconds) at now_ms == 0: Monday 2026-07-06 12:00
        # The MQTT broker at any address (fakes/socket.py): "down" (connections refused),
        # "black_hole" (never answered), "up" (fakes/broker.py answers), "mute" (connections
        # taken, never answered: a hung broker), or a function of now_ms giving one.
        self.broker = "down"
        self.network_stall_ms = 0  # the longest a fake network call held the loop (a blocking read or poll)
        self.tcp_connects = 0  # TCP connects started (fakes/socket.py)
        self.broker_seen = None  # fakes.broker.Broker: what the broker was told, once "up" was first reached
        self.sensor_log = None  # a list to log every sensor read in: (t_ms, bus key, raw or None)
        self.flash_fault = None  # function(op, name, size) -> exception to raise, or None (fakes/flash.py)
        self.flash_log = None  # a list to log every flash write and rename in: (t_ms, op, name)
        self.events = []  # (t_ms, function): the test's hand on the running board
        self.web_client = None  # fakes.webclient.Client: a phone using the web API (the soak)

    def at(self, t_ms, function):
        self.events.append((int(t_ms), function))
        self.events.sort(key=lambda event: event[0])

    # -- time --------------------------------------------------------------

    def ticks_ms(self):
        return (TICKS_START + self.now_ms) & TICKS_MASK

    def advance(self, ms):
        """Move the clock to whichever comes first: the wait's end, the next
        test event, the watchdog's expiry or the test's deadline."""
        if self.stopped:
            raise Halt()  # the board is not running: nothing may wait
        if type(ms) is not int or ms < 0:
            raise ValueError("advance: %r is not a whole number of milliseconds" % (ms,))
        target = self.now_ms + ms
        halt = self.halt_at_ms if self.halt_at_ms is not None else INF
        bite = INF
        if self.wdt_timeout_ms is not None:
            bite = self.last_feed_ms + self.wdt_timeout_ms
        event = self.events[0][0] if self.events else INF
        first = min(target, halt, bite, event)
        if first > self.now_ms:
            self.now_ms = first
        if first == bite and bite < target:
            self.stopped = True
            raise WatchdogReset()
        if first == halt and halt <= target:
            self.stopped = True
            raise Halt()
        if first == event and event <= target:
            self.events.pop(0)[1]()

    def reboot(self, cause):
        """What a reset leaves: pins floating, watchdog off, the clock running."""
        self.reset_cause = cause
        self.levels = {}
        self.wdt_timeout_ms = None
        self.wdt_started_ms = None
        self.feeds = []
        self.last_feed_ms = None
        self.wlan_active = False
        self.wlan_ssid = None
        self.ap_active = False
        self.ap_config = {}
        self.servers = {}
        self.stopped = False
        self.halt_at_ms = None

    # -- sensors and network ----------------------------------------------

    def sensor_value(self, key):
        """What the sensor on a 1-Wire pin or I2C (bus, address) holds now."""
        value = self.i2c.get(key) if isinstance(key, tuple) else self.onewire.get(key)
        return value(self.now_ms) if callable(value) else value

    def log_read(self, key, raw):
        if self.sensor_log is not None:
            self.sensor_log.append((self.now_ms, key, raw))

    def wifi_up(self):
        return self.wifi_ok(self.now_ms) if callable(self.wifi_ok) else self.wifi_ok

    def broker_mode(self):
        return self.broker(self.now_ms) if callable(self.broker) else self.broker

    def broker_state(self):
        if self.broker_seen is None:
            from fakes.broker import Broker

            self.broker_seen = Broker()
        return self.broker_seen

    def ntp_answers(self):
        return self.ntp_ok(self.now_ms) if callable(self.ntp_ok) else self.ntp_ok

    # -- pins ----------------------------------------------------------------

    def write(self, pin, value):
        value = 1 if value else 0
        if self.log_changes_only and self.levels.get(pin) == value:
            return
        self.levels[pin] = value
        if self.logged_pins is None or pin in self.logged_pins:
            self.pin_log.append((self.now_ms, pin, value))
