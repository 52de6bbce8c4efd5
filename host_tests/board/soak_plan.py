"""What the board soak does to a board, on CPython and on MicroPython alike.

One *combination* is a board file and a situation. :class:`Plan` prepares
the board's flash (board file, a config to import, saved user state) and
its world (a house whose temperatures follow a daily trace, Wi-Fi and NTP
behaviour, flash faults, button presses), then :meth:`Plan.run` powers the
board up and keeps it running to the end, resetting it as a board would
whenever the firmware resets (``machine.reset()``) or the watchdog bites.
``boot(run_ms, cause)`` is the interpreter's way of running main.py:
:class:`board_harness.Board` on CPython, ``mp_unix/soak_mp.py`` on the
MicroPython unix port. The verdict (replay comparison) is ``soak.py``'s.

The house (auto mode, heat 70 °F, cool 74 °F, a two-stage heat pump with
electric strips): indoor follows 71 °F, 2.5 °F colder at the start of each
day and warmer at noon, plus a 97-minute ripple of 2.5 °F, so every hour or
two there is a heat call (with stage 2 and the strips in the cold troughs)
and around noon cool calls and the changeover; outdoor swings 23..47 °F, so
the strips' 35 °F lockout comes and goes. The trace is a function of time
(the house does not respond to the relays): the same trace drives the board
and the replay. The up button raises the heat setpoint at 0:30 of every 3 hours and
the down button lowers it again at 1:30.

Situations (each on every board file; on a board without Wi-Fi the Wi-Fi
ones configure a network the board has no radio for, which it must ignore):

- ``no_wifi``: no network configured;
- ``wifi_up``: Wi-Fi and NTP answer throughout;
- ``wifi_never_connects``: the access point never answers;
- ``wifi_drops_hourly``: the access point is gone from :20 to :30 of every hour;
- ``ntp_unreachable``: Wi-Fi up, the NTP server never answers;
- ``indoor_flaps``: the indoor sensor drops out for 40 s every 20 minutes,
  and for 5 minutes (long enough to fail it) at 1:00 of every 3 hours;
- ``indoor_gone_8_days``: the indoor sensor is gone from 0:10 for 8 days
  (past the 2**29 ms at which a stale ``ticks_ms`` stamp reads as new);
- ``flash_write_fails``: every save of the user state fails at its rename;
- ``crash_in_setup``: at 1:00 a config is deployed (``make deploy
  CONFIG=...``: the import file, then a soft reset) that the board cannot
  read (MemoryError while it is read during set-up). Allowed: exactly one
  reset (``machine.reset()`` after the crash) and no other; see soak.py.

The MQTT situations: Wi-Fi and NTP up, and the MQTT link to Home Assistant
configured (:data:`MQTT`: a broker by host name, so it is looked up by DNS,
with a user and a password that must never be printed), the broker being
(fakes/socket.py, fakes/broker.py):

- ``mqtt_broker_down``: down throughout: every connection refused;
- ``mqtt_black_hole``: black-holed throughout: no connect ever completes;
- ``mqtt_connected``: up throughout: the link connects once and stays;
- ``mqtt_broker_flaps``: in every hour up to :20, down (connections reset)
  to :30, up to :40, black-holed (the connection goes silent) to :50, up.

The situations with every optional part on: an SSD1306 screen added to the
board file (:data:`DISPLAY`), Wi-Fi, NTP, the MQTT link with its broker up,
a web password, and a phone using the web page's API every few minutes
(fakes/webclient.py: logins, status reads, commands, a refused setting, a
session left behind, and now and then slowloris, a 1 MB body, a malformed
request line or 10 connections at once):

- ``web_busy``: Wi-Fi up throughout;
- ``web_wifi_drops``: the access point gone from :20 to :30 of every hour,
  as ``wifi_drops_hourly`` (the phone cannot reach the board meanwhile).
"""

import binascii
import hashlib
import json
import math

from fakes.world import Log

HOUR_MS = 3_600_000
MINUTE_MS = 60_000
DAY_MS = 24 * HOUR_MS
SITUATIONS = ("no_wifi", "wifi_up", "wifi_never_connects", "wifi_drops_hourly", "ntp_unreachable",
              "indoor_flaps", "indoor_gone_8_days", "flash_write_fails", "crash_in_setup",
              "mqtt_broker_down", "mqtt_black_hole", "mqtt_connected", "mqtt_broker_flaps",
              "web_busy", "web_wifi_drops")
MQTT_SITUATIONS = ("mqtt_broker_down", "mqtt_black_hole", "mqtt_connected", "mqtt_broker_flaps")
WEB_SITUATIONS = ("web_busy", "web_wifi_drops")
DISPLAY = {"type": "ssd1306", "bus": "i2c0", "address": 60}
WEB_PASSWORD = "never-printed-web-5c1d"
AUTH_ROUNDS = 4000  # app.auth.ROUNDS
WIFI = {"wifi_ssid": "home", "wifi_password": "secret"}
MQTT_PASSWORD = "never-printed-7f3a"
MQTT = {"mqtt_host": "broker.lan", "mqtt_user": "thermostat", "mqtt_password": MQTT_PASSWORD}
RECONNECT_S = 30  # a broker that comes back is reconnected to within this (issue 11)
ECONNREFUSED = 111  # the link logs the errno (Linux's, the unix port's and lwIP's numbering)
ETIMEDOUT = 110
SETTINGS = {"compressor_stages": 2}
USER_STATE = {"mode": "auto", "fan": "auto", "heat_setpoint_dF": 700, "cool_setpoint_dF": 740, "start_ages_ms": []}
PRESS_MS = 200
DEPLOY_AT_MS = HOUR_MS  # crash_in_setup: when the unreadable config arrives
GONE_FROM_MS = 10 * MINUTE_MS
GONE_FOR_MS = 8 * DAY_MS
RIPPLE_MS = 97 * MINUTE_MS
MAX_BOOTS = 12  # a firmware that resets at every boot is stopped here and judged

# machine.reset_cause() values (the fake machine's, as on the ports)
PWRON_RESET = 1
WDT_RESET = 3
SOFT_RESET = 5
# What machine.reset() leaves in reset_cause() after the reset: the rp2 port
# resets through the watchdog (watchdog_reboot), so it reads WDT_RESET; the
# esp32 port's esp_restart() reads as a software reset.
RESET_CAUSE_AFTER_MACHINE_RESET = {"rp2040": WDT_RESET, "esp32": SOFT_RESET}


def indoor_f(t_ms):
    """Coolest at the start of each day, warmest at noon, with a ripple."""
    return 71.0 - 2.5 * math.cos(2 * math.pi * t_ms / DAY_MS) + 2.5 * math.sin(2 * math.pi * t_ms / RIPPLE_MS)


def outdoor_f(t_ms):
    return 35.0 - 12.0 * math.cos(2 * math.pi * t_ms / DAY_MS)


def celsius(fahrenheit):
    return (fahrenheit - 32.0) * 5.0 / 9.0


WAKE_BEFORE_MS = 2000  # with a screen: the press that wakes it, before each press that acts


def presses(duration_ms):
    """(t_ms, button role) of every press in a run that acts (see
    :meth:`Plan.presses`)."""
    out = []
    block = 0
    while block < duration_ms:
        for offset, role in ((30 * MINUTE_MS, "up"), (90 * MINUTE_MS, "down")):
            if block + offset + PRESS_MS < duration_ms:
                out.append((block + offset, role))
        block += 3 * HOUR_MS
    return out


def password_record(password):
    """app.auth's stored record of ``password`` (its salted, iterated SHA-256),
    written here as the Wi-Fi set-up's page would store it."""
    salt = b"soak-salt-16byte"
    data = password.encode()
    h = hashlib.sha256(salt + data).digest()
    for _ in range(AUTH_ROUNDS):
        h = hashlib.sha256(h + salt + data).digest()
    return {"salt": binascii.hexlify(salt).decode(), "hash": binascii.hexlify(h).decode(), "rounds": AUTH_ROUNDS}


class Plan:
    def __init__(self, board_name, board_data, situation, duration_ms, broker=None):
        """``broker``: the MQTT link configured, its broker this (a mode of
        fakes/socket.py, or a function of the time), in any situation; an
        MQTT situation brings its own."""
        if situation not in SITUATIONS:
            raise ValueError("situation: %r is not one of %s" % (situation, ", ".join(SITUATIONS)))
        self.name = board_name
        self.web = situation in WEB_SITUATIONS
        self.board = dict(board_data, display=DISPLAY) if self.web else board_data
        self.situation = situation
        self.duration_ms = duration_ms
        self.device = {} if situation == "no_wifi" else dict(WIFI)
        if broker is None and situation in MQTT_SITUATIONS:
            broker = self.broker_flaps if situation == "mqtt_broker_flaps" else {
                "mqtt_broker_down": "down", "mqtt_black_hole": "black_hole", "mqtt_connected": "up"}[situation]
        if broker is None and self.web:
            broker = "up"
        self.broker = broker
        if broker is not None:
            self.device.update(MQTT)
        self.config = {"settings": SETTINGS, "device": self.device}
        self.boots = []  # (t_ms, how the boot ended, index into world.pin_log where it began)
        self.console = ""

    # -- the world -----------------------------------------------------------

    def presses(self):
        """(t_ms of the press, role, t_ms it acts at or None) of every press.
        With a screen, a press on the dark screen only wakes it, and up or
        down acts when it is let go (app.buttons): each press of
        :func:`presses` is then preceded by one that wakes the screen."""
        out = []
        for t_ms, role in presses(self.duration_ms):
            if self.board.get("display"):
                out.append((t_ms - WAKE_BEFORE_MS, role, None))
                out.append((t_ms, role, t_ms + PRESS_MS))
            else:
                out.append((t_ms, role, t_ms))
        return out

    def indoor_present(self, t_ms):
        if self.situation == "indoor_flaps":
            if t_ms % (20 * MINUTE_MS) < 40_000:
                return False
            return not HOUR_MS <= t_ms % (3 * HOUR_MS) < HOUR_MS + 5 * MINUTE_MS
        if self.situation == "indoor_gone_8_days":
            return not GONE_FROM_MS <= t_ms < GONE_FROM_MS + GONE_FOR_MS
        return True

    def wifi(self, t_ms):
        if self.situation == "wifi_never_connects":
            return False
        if self.situation in ("wifi_drops_hourly", "web_wifi_drops"):
            return not 20 * MINUTE_MS <= t_ms % HOUR_MS < 30 * MINUTE_MS
        return True

    @staticmethod
    def broker_flaps(t_ms):
        minute = t_ms % HOUR_MS // MINUTE_MS
        if 20 <= minute < 30:
            return "down"
        if 40 <= minute < 50:
            return "black_hole"
        return "up"

    def flash_fault(self, world):
        situation = self.situation

        def fault(op, name, size):
            if situation == "flash_write_fails" and op == "rename" and name == "state.json.new":
                return OSError(5)  # EIO
            if (situation == "crash_in_setup" and op == "read" and name.startswith("config.import.json")
                    and world.now_ms >= DEPLOY_AT_MS and (size is None or size < 0 or size > 1)):
                return MemoryError("memory allocation failed, allocating %s bytes" % size)
            return None

        return fault

    def prepare(self, world, boards_dir, encode):
        """Write the flash (in the working directory) and set up the world.
        ``encode``: app.store.encode, to save the user state as the board does."""
        with open(boards_dir + "/" + self.name + ".json") as f:
            text = f.read()
        if self.web:
            text = json.dumps(self.board)
        with open("board.json", "w") as f:
            f.write(text)
        if self.web:
            with open("auth.json", "wb") as f:
                f.write(encode(1, password_record(WEB_PASSWORD)))
        with open("config.import.json", "w") as f:
            f.write(json.dumps(self.config))
        with open("state.json", "wb") as f:
            f.write(encode(1, USER_STATE))
        data = self.board
        world.chip = data["chip"]
        for role in ("indoor", "outdoor"):
            spec = data["sensors"][role]
            trace = self._trace(role, spec["type"])
            if spec["type"] == "ds18b20":
                world.onewire[data["onewire"][spec["bus"]]] = trace
            else:
                world.i2c[(data["i2c"][spec["bus"]]["id"], spec.get("address", 0x44))] = trace
        world.wifi_ok = self.wifi
        world.ntp_ok = self.situation != "ntp_unreachable"
        world.broker = self.broker or "down"
        world.log_changes_only = True  # a day of relay writes must fit the interpreter's heap
        world.logged_pins = set(data["terminals"].values())
        world.log_feeds = False
        world.sensor_log = Log()
        world.flash_log = Log()
        world.flash_fault = self.flash_fault(world)
        world.web_client = None
        if self.web:
            from fakes import webclient

            world.i2c[(data["i2c"][DISPLAY["bus"]]["id"], DISPLAY["address"])] = "ssd1306"
            if data.get("wifi"):
                world.web_client = webclient.Client(world, WEB_PASSWORD, self.duration_ms)
        for t_ms, role, _acts_ms in self.presses():
            pin = data["buttons"][role]
            world.at(t_ms, self._press(world, pin, 0))
            world.at(t_ms + PRESS_MS, self._press(world, pin, 1))

    def _trace(self, role, kind):
        plan = self

        def value(t_ms):
            if role == "indoor" and not plan.indoor_present(t_ms):
                return None
            c = celsius(indoor_f(t_ms) if role == "indoor" else outdoor_f(t_ms))
            return (c, 45.0) if kind == "sht3x" else c

        return value

    @staticmethod
    def _press(world, pin, level):
        def press():
            world.inputs[pin] = level

        return press

    # -- the run ---------------------------------------------------------------

    def run(self, world, boot):
        """Boot, and reboot as the board would, until ``duration_ms``."""
        cause = None
        deployed = self.situation != "crash_in_setup"
        while world.now_ms < self.duration_ms and len(self.boots) < MAX_BOOTS:
            until = self.duration_ms if deployed else DEPLOY_AT_MS
            start_ms, first_write = world.now_ms, len(world.pin_log)
            ended = boot(until - world.now_ms, cause)
            self.boots.append((start_ms, ended, first_write))
            if ended == "halt" and not deployed and world.now_ms >= DEPLOY_AT_MS:
                with open("config.import.json", "w") as f:  # make deploy CONFIG=...: copy, soft reset
                    f.write(json.dumps(self.config))
                deployed = True
                cause = SOFT_RESET
            elif ended == "reset":
                cause = RESET_CAUSE_AFTER_MACHINE_RESET[world.chip]
            elif ended == "watchdog":
                cause = WDT_RESET
            elif ended != "halt":
                break  # main.py returned to the REPL: nothing runs any more
        return self.boots
