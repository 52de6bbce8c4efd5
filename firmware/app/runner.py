"""The thermostat on the board: boot checks, then the asyncio main loop.

``main()`` (called by main.py) loads and checks /board.json, builds the
hardware, consults the boot-loop guard, starts the watchdog and runs these
tasks until the power goes:

- one task per sensor: start a conversion, await it, read (never blocks);
- the control task: every :data:`CONTROL_PERIOD_MS` feeds the latest
  readings to the core, ticks it on the control clock, writes the relays
  (offs first), logs every change of outputs, of the gate's reasons and of
  alerts, and saves user state when it changes;
- the supervisor: feeds the watchdog only while every task has checked in;
- the status LED, the buttons, Wi-Fi/NTP when configured, and in bench mode
  the self-test and an asyncio REPL.

An exception in any task ends in :meth:`App.fail`: log, relays off, the
crash recorded, no more feeding, and the watchdog resets the board.
"""

import asyncio
import json
import sys
import time

from board import boardfile
from board import hw as hwmod

from app import bootguard, device
from app.bootguard import BootGuard
from app.store import Flash, Store
from app.vclock import ControlClock
from app.wallclock import minute_of_week
from thermo import schema
from thermo import terminals as T
from thermo.control import Thermostat
from thermo.schema import SettingError

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

CONTROL_PERIOD_MS = const(1000)
SENSOR_PERIOD_MS = const(5000)
READING_FRESH_MS = const(12000)  # a reading is fed to the core each tick while this young
FEED_PERIOD_MS = const(1000)
CHECKIN_LIMIT_MS = const(15000)  # a task silent this long: stop feeding the watchdog
BUTTON_POLL_MS = const(50)
NTP_PERIOD_MS = const(3_600_000)
SELFTEST_ON_MS = const(1000)
SENSOR_WARMUP_MS = const(1000)

SETTINGS_FILE = "settings.json"
STATE_FILE = "state.json"
IMPORT_FILE = "config.import.json"
MAINTENANCE_FILE = "maintenance"
BUTTON_MODES = ("off", "heat", "cool", "auto")

_boot_ms = time.ticks_ms()
current = None  # the running App, for the REPL: import app.runner; app.runner.current


def log(text):
    """One line on the serial console, stamped with seconds since boot."""
    ms = time.ticks_diff(time.ticks_ms(), _boot_ms)
    print("[%6d.%03d] %s" % (ms // 1000, ms % 1000, text))


def print_exception(exc):
    printer = getattr(sys, "print_exception", None)
    if printer is not None:
        printer(exc)
    else:
        print("%s: %s" % (type(exc).__name__, exc))


def _names(bits):
    return " ".join(T.NAMES[i] for i in range(6) if bits & T.BITS[i]) or "none"


class App:
    def __init__(self, board, hw, flash=None):
        self.board = board
        self.hw = hw
        self.flash = flash or Flash()
        self.alerts = {}  # the shell's own alerts: name -> reason
        self.guard = BootGuard(self.flash)
        self.settings_store = Store(SETTINGS_FILE, self.flash)
        self.state_store = Store(STATE_FILE, self.flash)
        settings, options = self._load_config()
        self.options = options
        self.bench = options["bench"]
        self.clock = ControlClock(options["bench_speed"] if self.bench else 1)
        retained = self._load_state()
        # The core starts with every output off and Y1's min-off counting from now.
        self.thermostat = Thermostat(settings, self.clock.read(), retained)
        self.readings = {}  # role -> (tenths °F, real ticks_ms)
        self.simulated = {}  # role -> tenths °F or None (bench: set from the REPL)
        self.humidity_dpct = None
        self.checkins = {}
        self.tasks = []
        self.failed = False
        self.failure = asyncio.Event()
        self.selftest_running = False
        self.clock_synced = False
        self.last_outputs = 0
        self.last_held = {}
        self.last_core_alerts = []
        self.saved_key = self._state_key()
        self.boot_real_ms = time.ticks_ms()
        self.bench_api = None

    # -- configuration and state -----------------------------------------

    def alert(self, name, reason):
        if self.alerts.get(name) != reason:
            self.alerts[name] = reason
            log("ALERT %s: %s" % (name, reason))

    def clear_alert(self, name):
        if self.alerts.pop(name, None) is not None:
            log("alert cleared: %s" % name)

    def _import_config(self):
        """A plain JSON config copied by `make deploy CONFIG=...` becomes the
        stored settings if it is valid; either way the import file goes."""
        text = self.flash.read(IMPORT_FILE)
        if text is None:
            return
        try:
            config = json.loads(text)
            if not isinstance(config, dict):
                raise SettingError("config", "must be an object with \"settings\" and \"device\"")
            for key in config:
                if key not in ("settings", "device"):
                    raise SettingError(key, "unknown section (known: settings, device)")
            settings = config.get("settings", {})
            options = config.get("device", {})
            schema.validate(settings)
            device.validate(options)
            self.settings_store.save({"settings": settings, "device": options})
            log("config imported from %s" % IMPORT_FILE)
        except (ValueError, OSError) as exc:  # SettingError is a ValueError
            self.alert("config_import", "%s: %s (stored settings kept)" % (IMPORT_FILE, exc))
        self.flash.remove(IMPORT_FILE)

    def _load_config(self):
        self._import_config()
        data, status = self.settings_store.load()
        if data is None:
            self.alert("settings_file", "%s %s: defaults in use" % (SETTINGS_FILE, status))
            return {}, device.defaults()
        try:
            settings = data["settings"]
            schema.validate(settings)
            options = device.validate(data["device"])
        except (KeyError, TypeError, ValueError) as exc:
            self.alert("settings_file", "%s invalid (%s): defaults in use" % (SETTINGS_FILE, exc))
            return {}, device.defaults()
        return settings, options

    def _load_state(self):
        data, status = self.state_store.load()
        if data is None:
            if status != "missing":
                self.alert("state_file", "%s %s: mode off, default setpoints" % (STATE_FILE, status))
            return None
        return data if isinstance(data, dict) else None

    def _state_key(self):
        th = self.thermostat
        return (th.mode, th.fan, th.heat_setpoint_dF, th.cool_setpoint_dF)

    def _save_state(self, y1_started):
        key = self._state_key()
        if key == self.saved_key and not y1_started:
            return
        try:
            self.state_store.save(self.thermostat.retained())
            self.saved_key = key
            self.clear_alert("state_write")
        except OSError as exc:
            self.alert("state_write", "%s not saved (%s)" % (STATE_FILE, exc))

    def save_settings(self, settings=None, options=None):
        """Apply and store installer settings and/or device options (REPL)."""
        data, _ = self.settings_store.load()
        stored = data if isinstance(data, dict) and "settings" in data else {"settings": {}, "device": {}}
        new_settings = dict(stored["settings"])
        new_settings.update(settings or {})
        new_options = dict(stored.get("device", {}))
        new_options.update(options or {})
        device.validate(new_options)
        self.thermostat.apply_settings(settings or {})
        self.settings_store.save({"settings": new_settings, "device": new_options})
        self.clear_alert("settings_file")

    # -- readings and the control tick ------------------------------------

    def reading(self, role):
        if role in self.simulated:
            return self.simulated[role]
        entry = self.readings.get(role)
        if entry is None or time.ticks_diff(time.ticks_ms(), entry[1]) >= READING_FRESH_MS:
            return None
        return entry[0]

    def wall_minute(self):
        if not self.clock_synced:
            return None
        return minute_of_week(time.time(), self.options["utc_offset_min"], self.options["dst"])

    def control_tick(self):
        th = self.thermostat
        th.indoor_reading(self.reading("indoor"))
        th.outdoor_reading(self.reading("outdoor"))
        set_wall_clock = getattr(th, "set_wall_clock", None)
        if set_wall_clock is not None:
            set_wall_clock(self.wall_minute())
        outputs = th.tick(self.clock.read())
        if not self.selftest_running and not self.failed:
            self.hw.relays.write(outputs)
        self._report(outputs)
        self._save_state(bool(outputs & ~self.last_outputs & T.Y1))
        self.last_outputs = outputs
        return outputs

    def _report(self, outputs):
        th = self.thermostat
        held = th.held_reasons()
        changed = outputs ^ self.last_outputs
        alerts = th.alert_names()
        if changed:
            parts = []
            for i in range(6):
                bit = T.BITS[i]
                if changed & bit:
                    name = T.NAMES[i]
                    if outputs & bit:
                        parts.append("+" + name)
                    else:
                        parts.append("-%s (%s)" % (name, self._off_reason(name, bit, held, alerts)))
            log("outputs %s: %s" % (_names(outputs), " ".join(parts)))
        if held != self.last_held:
            log("held: %s" % (" ".join("%s=%s" % (k, held[k]) for k in T.NAMES if k in held) or "nothing"))
            self.last_held = held
        if alerts != self.last_core_alerts:
            for name in alerts:
                if name not in self.last_core_alerts:
                    reasons = " ".join("%s=%s" % (k, held[k]) for k in T.NAMES if k in held)
                    log("ALERT %s (gate holds: %s)" % (name, reasons or "nothing"))
            for name in self.last_core_alerts:
                if name not in alerts:
                    log("alert cleared: %s" % name)
            self.last_core_alerts = alerts

    @staticmethod
    def _off_reason(name, bit, held, alerts):
        """Why a terminal went off: the gate's rule, else a failed indoor
        sensor (the core then stops calling, so the gate holds nothing),
        else the call simply ended."""
        if name in held:
            return held[name]
        if bit & T.CONDITIONING and "indoor_sensor" in alerts:
            return "indoor_sensor"
        return "call ended"

    # -- tasks --------------------------------------------------------------

    def checkin(self, name):
        self.checkins[name] = time.ticks_ms()

    def healthy(self):
        now = time.ticks_ms()
        for name in self.checkins:
            if time.ticks_diff(now, self.checkins[name]) >= CHECKIN_LIMIT_MS:
                return False
        return True

    async def _guarded(self, name, coro):
        try:
            await coro
        except Exception as exc:  # every crash goes the same safe way
            self.fail(name, exc)

    def spawn(self, name, coro):
        self.tasks.append(asyncio.create_task(self._guarded(name, coro)))

    def fail(self, where, exc):
        """Log, relays off, record the crash, stop feeding the watchdog."""
        if self.failed:
            return
        self.failed = True
        self.hw.relays.all_off()
        log("CRASH in %s: %r; relays off, waiting for the watchdog to reset the board" % (where, exc))
        print_exception(exc)
        self.guard.crashed("%s: %r" % (where, exc))
        self.failure.set()

    async def control_task(self):
        # Give the sensors their first conversion before the first tick, so a
        # normal boot does not log every sensor as lost for a second. The
        # relays are off meanwhile, and Y1's min-off is already counting.
        self.checkin("control")
        await asyncio.sleep_ms(SENSOR_WARMUP_MS)
        while True:
            self.control_tick()
            self.checkin("control")
            await asyncio.sleep_ms(self.control_period_ms())

    def control_period_ms(self):
        # Bench mode ticks more often so each tick covers ~6 s of control time.
        return max(100, CONTROL_PERIOD_MS // self.clock.speed) if self.bench else CONTROL_PERIOD_MS

    async def sensor_task(self, role, sensor):
        while True:
            wait_ms = sensor.start()
            if wait_ms:
                await asyncio.sleep_ms(wait_ms)
            value_dF, humidity_dpct = sensor.read()
            if value_dF is not None:
                self.readings[role] = (value_dF, time.ticks_ms())
            if humidity_dpct is not None:
                self.humidity_dpct = humidity_dpct
            self.checkin("sensor_" + role)
            await asyncio.sleep_ms(max(100, SENSOR_PERIOD_MS - wait_ms))

    async def supervisor_task(self):
        stable = False
        while True:
            if not self.failed and self.healthy():
                self.hw.feed_watchdog()
            if not stable and time.ticks_diff(time.ticks_ms(), self.boot_real_ms) >= bootguard.STABLE_MS:
                stable = True
                self.guard.stable()
            await asyncio.sleep_ms(FEED_PERIOD_MS)

    async def led_task(self):
        on = False
        while True:
            on = not on
            self.hw.set_led(on)
            if self.failed:
                period = 100
            elif self.alerts or self.thermostat.alerts:
                period = 250
            else:
                period = 1000
            await asyncio.sleep_ms(period)

    async def button_task(self):
        was = {}
        while True:
            for role in self.hw.buttons:
                now = self.hw.pressed(role)
                if now and not was.get(role):
                    self.button(role)
                was[role] = now
            await asyncio.sleep_ms(BUTTON_POLL_MS)

    def button(self, role):
        th = self.thermostat
        mode = th.retained()["mode"]
        try:
            if role == "mode":
                index = BUTTON_MODES.index(mode) if mode in BUTTON_MODES else -1
                change = {"mode": BUTTON_MODES[(index + 1) % len(BUTTON_MODES)]}
            else:
                step = 1 if role == "up" else -1
                key = "cool_setpoint_f" if mode == "cool" else "heat_setpoint_f"
                current = th.cool_setpoint_dF if mode == "cool" else th.heat_setpoint_dF
                change = {key: current // 10 + step}
            th.command(change)
            log("button %s: %s" % (role, change))
        except SettingError as exc:
            log("button %s refused: %s" % (role, exc))

    async def clock_task(self):
        from board import net

        options = self.options
        while True:
            try:
                if await net.connect_wifi(options["wifi_ssid"], options["wifi_password"]):
                    self.clock_synced = await net.sync_clock(options["ntp_host"]) or self.clock_synced
            except OSError as exc:
                log("ntp: %r" % (exc,))
            if self.clock_synced:
                self.clear_alert("clock")
            else:
                self.alert("clock", "no NTP time yet: schedules wait")
            self.checkin("clock")
            await asyncio.sleep_ms(NTP_PERIOD_MS if self.clock_synced else 60_000)

    async def selftest(self):
        """Bench only: each wired terminal on alone for a second, named."""
        self.selftest_running = True
        relays = self.hw.relays
        try:
            relays.all_off()
            for bit, name, pin in relays.pins:
                log("self-test: %s on (pin %s)" % (name, pin))
                relays.write(bit)
                await asyncio.sleep_ms(SELFTEST_ON_MS)
                relays.all_off()
                await asyncio.sleep_ms(SELFTEST_ON_MS // 4)
            log("self-test done")
        finally:
            relays.all_off()
            self.selftest_running = False

    # -- the whole run --------------------------------------------------------

    async def run(self):
        if not self.guard.boot(hwmod.reset_by_watchdog()):
            await self.safe_stop()
            return
        log("%s: thermostat running (%s)" % (self.board["name"], "bench mode, clock x%d" % self.clock.speed
                                               if self.bench else "watchdog %d ms" % self.board["watchdog_ms"]))
        self.hw.start_watchdog()
        self.checkin("control")
        self.spawn("control", self.control_task())
        for role in self.hw.sensors:
            self.checkin("sensor_" + role)
            self.spawn("sensor_" + role, self.sensor_task(role, self.hw.sensors[role]))
        self.spawn("supervisor", self.supervisor_task())
        self.spawn("led", self.led_task())
        if self.hw.buttons:
            self.spawn("buttons", self.button_task())
        if self.board["wifi"] and self.options["wifi_ssid"]:
            self.spawn("clock", self.clock_task())
        if self.bench:
            from app.bench import Bench

            self.bench_api = Bench(self)
            self.spawn("selftest", self.selftest())
            self.bench_api.start_repl()
        await self.failure.wait()
        for task in self.tasks:
            task.cancel()
        self.hw.relays.all_off()
        self.spawn("led", self.led_task())
        await asyncio.sleep_ms(self.board["watchdog_ms"] + 2000)
        log("watchdog did not reset the board: resetting")
        self.hw.reset()

    async def safe_stop(self):
        """Boot loop: outputs off, no watchdog, the alert repeated."""
        self.failed = True
        self.hw.relays.all_off()
        self.spawn("led", self.led_task())
        self.alerts["boot_loop"] = "stopped"
        while True:
            log("ALERT boot_loop: %d crashes in a row (last: %s); thermostat stopped, relays off. "
                "Fix the cause, then at the REPL: import app.bootguard as g; g.clear(); then reset"
                % (self.guard.count, self.guard.last()))
            await asyncio.sleep_ms(60_000)


def main():
    """Everything main.py does after the relays are off."""
    flash = Flash()
    try:
        board = boardfile.load("board.json")
    except boardfile.BoardError as exc:
        log("ALERT board_file: %s; relays left off, thermostat not started" % exc)
        return
    hw = hwmod.Hardware(board)  # every relay pin driven OFF again, now by the board file
    if flash.read(MAINTENANCE_FILE) is not None or hw.pressed("mode"):
        log("maintenance: relays off, watchdog not started; delete %r and reset to run" % MAINTENANCE_FILE)
        return
    global current
    app = None
    try:
        app = current = App(board, hw, flash)
        asyncio.run(app.run())
    except KeyboardInterrupt:
        hw.relays.all_off()
        log("stopped by Ctrl-C: relays off (a running watchdog resets the board within %d ms)" % board["watchdog_ms"])
    except Exception as exc:  # a crash outside the tasks: same safe way
        hw.relays.all_off()
        log("CRASH: %r; relays off, resetting" % (exc,))
        print_exception(exc)
        (app.guard if app is not None else BootGuard(flash)).crashed("main: %r" % (exc,))
        hw.reset()
