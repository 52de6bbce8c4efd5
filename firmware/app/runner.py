"""The thermostat on the board: boot checks, then the asyncio main loop.

``main()`` (called by main.py) loads and checks /board.json, consults the
boot-loop guard before anything else can crash, builds the hardware and the
application, starts the watchdog and runs these tasks until the power goes,
each with its own check-in deadline (:mod:`app.tasks`):

- one task per sensor: start a conversion, await it, read (never blocks);
- the control task: every :data:`thermo.control.CONTROL_PERIOD_MS` feeds the
  latest readings to the core, ticks it on the control clock, writes the
  relays (offs first), logs every change of outputs, of the gate's reasons
  and of alerts, and saves user state when it changes;
- the supervisor: feeds the watchdog only while every task has checked in
  within its deadline;
- the status LED, the buttons, Wi-Fi/NTP when configured, and in bench mode
  the self-test and an asyncio REPL.

A command (a button, the bench REPL, a settings change) ticks the core at
once, as the replay does: it acts without waiting for the next period.

An exception in any task ends in :meth:`App.fail`: log, relays off, the
crash recorded, no more feeding, and the watchdog resets the board.

No ``ticks_ms`` stamp is kept here: how long ago something happened is an
:class:`app.age.Age`, which no clock wrap can fool.
"""

import asyncio
import time

from board import boardfile
from board import hw as hwmod

from app import bootguard
from app.age import Age
from app.bootguard import BootGuard
from app.console import log, print_exception
from app.files import Files, state_key
from app.report import Report
from app.store import Flash
from app.tasks import UNSUPERVISED, Task
from app.vclock import ControlClock
from app.wallclock import minute_of_week
from thermo import terminals as T
from thermo.control import CONTROL_PERIOD_MS, Thermostat
from thermo.schema import SettingError

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

SENSOR_PERIOD_MS = const(5000)
READING_FRESH_MS = const(12000)  # a reading is fed to the core each tick while this young
FEED_PERIOD_MS = const(1000)
BUTTON_POLL_MS = const(50)
NTP_PERIOD_MS = const(3_600_000)
NTP_RETRY_MS = const(60_000)
SELFTEST_ON_MS = const(1000)
SENSOR_WARMUP_MS = const(1000)
SAFE_STOP_BLINK_MS = const(100)
SAFE_STOP_REPEAT = const(600)  # blinks between two boot_loop alerts: a minute

# Check-in deadlines (at most app.tasks.MAX_DEADLINE_MS): a few times the
# longest a task works between two pauses.
CONTROL_DEADLINE_MS = const(3000)  # a tick takes milliseconds
SENSOR_DEADLINE_MS = const(3000)  # a conversion is awaited, 750 ms at most
SUPERVISOR_DEADLINE_MS = const(3000)
LED_DEADLINE_MS = const(3000)
BUTTONS_DEADLINE_MS = const(2000)
CLOCK_DEADLINE_MS = const(3000)  # every network wait goes through its pause
SELFTEST_DEADLINE_MS = const(3000)

MAINTENANCE_FILE = "maintenance"
MAINTENANCE_LOG = "maintenance: relays off, watchdog not started; delete %r and reset to run"
SENSOR_ROLES = ("indoor", "outdoor")
# The mode button's cycle. Emergency heat is left out on purpose: it runs
# the strips alone and should take a deliberate choice, not a press too many.
BUTTON_MODES = ("off", "heat", "cool", "auto")

current = None  # the running App, for the REPL: import app.runner; app.runner.current


class App:
    def __init__(self, board, hw, flash=None, guard=None):
        self.board = board
        self.hw = hw
        self.flash = flash or Flash()
        self.alerts = {}  # the shell's own alerts: name -> reason
        self.guard = guard or BootGuard(self.flash)
        self.files = Files(self.flash, self)
        settings, options = self.files.load_config()
        self.options = options
        self.bench = options["bench"]
        self.clock = ControlClock(options["bench_speed"] if self.bench else 1)
        retained = self.files.load_state()
        # The core starts with every output off and Y1's min-off counting from now.
        self.thermostat = Thermostat(settings, self.clock.read(), retained)
        self.files.saved_state_key = state_key(self.thermostat)
        # Latest readings by role, and how old each is (never seen: stale).
        self.readings = {}  # role -> tenths °F
        self.reading_ages = {role: Age() for role in SENSOR_ROLES}
        self.humidities = {}  # role -> tenths %RH
        self.humidity_ages = {role: Age() for role in SENSOR_ROLES}
        self.simulated = {}  # role -> tenths °F or None (bench: set from the REPL)
        self.started = []  # every Task started, in order
        self.failed = False
        self.failure = asyncio.Event()
        self.selftest_running = False
        self.clock_synced = False
        self.last_outputs = 0
        self.report = Report()
        self.reported_overdue = None
        self.bench_api = None

    # -- alerts and settings ----------------------------------------------

    def alert(self, name, reason):
        if self.alerts.get(name) != reason:
            self.alerts[name] = reason
            log("ALERT %s: %s" % (name, reason))

    def clear_alert(self, name):
        if self.alerts.pop(name, None) is not None:
            log("alert cleared: %s" % name)

    def save_settings(self, settings=None, options=None):
        """Change installer settings and/or device options (REPL): the stored
        document with the changes is checked whole (by app.config and by the
        core, against the user's setpoints), saved, then applied, and the
        core ticks at once. Refused (SettingError) or not saved (OSError):
        nothing changes."""
        document, new_settings, new_options = self.files.settings_with(settings, options)
        th = self.thermostat
        th.check_settings(new_settings)
        self.files.save_settings(document)
        th.apply_settings(new_settings)
        self.options = new_options  # the time zone acts at once; Wi-Fi and bench mode at the next boot
        self.act_now("settings")

    # -- commands -----------------------------------------------------------

    def command(self, changes):
        """A user command (mode, fan, setpoints): applied whole or refused
        with SettingError, and acted on at once."""
        self.thermostat.command(changes)
        self.act_now("command")

    def act_now(self, where):
        """Tick the core at once after a command. Called from outside the
        control task (a button, the REPL), so a crash here is routed the
        same safe way as one in a task."""
        try:
            self.control_tick()
        except Exception as exc:
            self.fail(where, exc)

    def button(self, role):
        th = self.thermostat
        mode = th.retained()["mode"]
        if role == "mode":
            # A mode the thermostat refuses is skipped; "off" never is.
            index = BUTTON_MODES.index(mode) if mode in BUTTON_MODES else -1
            for step in range(1, len(BUTTON_MODES) + 1):
                candidate = BUTTON_MODES[(index + step) % len(BUTTON_MODES)]
                try:
                    self.command({"mode": candidate})
                except SettingError as exc:
                    log("button mode: %s skipped (%s)" % (candidate, exc))
                    continue
                log("button mode: %s" % candidate)
                return
            return
        step = 1 if role == "up" else -1
        key = "cool_setpoint_f" if mode == "cool" else "heat_setpoint_f"
        setpoint_dF = th.cool_setpoint_dF if mode == "cool" else th.heat_setpoint_dF
        change = {key: setpoint_dF // 10 + step}
        try:
            self.command(change)
            log("button %s: %s" % (role, change))
        except SettingError as exc:
            log("button %s refused: %s" % (role, exc))

    # -- readings and the control tick ------------------------------------

    def take_reading(self, role, value_dF, humidity_dpct):
        if value_dF is not None:
            self.readings[role] = value_dF
            self.reading_ages[role].restart()
        if humidity_dpct is not None:
            self.humidities[role] = humidity_dpct
            self.humidity_ages[role].restart()

    def reading(self, role):
        if role in self.simulated:
            return self.simulated[role]
        if self.reading_ages[role].read() >= READING_FRESH_MS:
            return None
        return self.readings.get(role)

    @property
    def humidity_dpct(self):
        """The indoor sensor's relative humidity while fresh, else None."""
        if self.humidity_ages["indoor"].read() >= READING_FRESH_MS:
            return None
        return self.humidities.get("indoor")

    def wall_minute(self):
        if not self.clock_synced:
            return None
        return minute_of_week(time.time(), self.options["utc_offset_min"], self.options["dst"])

    def control_tick(self):
        th = self.thermostat
        th.indoor_reading(self.reading("indoor"))
        th.outdoor_reading(self.reading("outdoor"))
        th.set_wall_clock(self.wall_minute())
        outputs = th.tick(self.clock.read())
        if not self.selftest_running and not self.failed:
            self.hw.relays.write(outputs)
        self.report.tick(th, outputs)
        self.files.save_state(th, bool(outputs & ~self.last_outputs & T.Y1))
        self.last_outputs = outputs
        return outputs

    # -- tasks --------------------------------------------------------------

    def spawn(self, name, deadline_ms, body, *args, ends=False):
        """Start ``body(task, *args)`` as a supervised task with its own
        check-in deadline. Only a task started with ``ends`` may return."""
        task = Task(name, deadline_ms, ends)
        task.handle = asyncio.create_task(self._guarded(task, body(task, *args)))
        self.started.append(task)
        return task

    async def _guarded(self, task, coro):
        try:
            await coro
            if not task.ends:
                raise RuntimeError("task %s ended" % task.name)
            task.done = True
        except Exception as exc:  # every crash goes the same safe way
            self.fail(task.name, exc)

    def healthy(self):
        """Whether every running task has checked in within its deadline."""
        for task in self.started:
            if not task.done and task.overdue():
                if self.reported_overdue != task.name:
                    self.reported_overdue = task.name
                    log("supervisor: task %s silent %d ms (deadline %d ms): watchdog no longer fed" % (
                        task.name, task.silent_ms(), task.deadline_ms))
                return False
        self.reported_overdue = None
        return True

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

    async def control_task(self, task):
        # Give the sensors their first conversion before the first tick, so a
        # normal boot does not log every sensor as lost for a second. The
        # relays are off meanwhile, and Y1's min-off is already counting.
        await task.pause(SENSOR_WARMUP_MS)
        while True:
            self.control_tick()
            await task.pause(self.control_period_ms())

    def control_period_ms(self):
        # Bench mode ticks more often so each tick covers ~6 s of control time.
        return max(100, CONTROL_PERIOD_MS // self.clock.speed) if self.bench else CONTROL_PERIOD_MS

    async def sensor_task(self, task, role, sensor):
        while True:
            wait_ms = sensor.start()
            await task.pause(wait_ms)
            value_dF, humidity_dpct = sensor.read()
            self.take_reading(role, value_dF, humidity_dpct)
            await task.pause(max(100, SENSOR_PERIOD_MS - wait_ms))

    async def supervisor_task(self, task):
        running = Age(0)
        stable = False
        while True:
            if not self.failed and self.healthy():
                self.hw.feed_watchdog()
            if not stable and running.read() >= bootguard.STABLE_MS:
                stable = True
                self.guard.stable()
            await task.pause(FEED_PERIOD_MS)

    async def led_task(self, task):
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
            await task.pause(period)

    async def button_task(self, task):
        was = {}
        while True:
            for role in self.hw.buttons:
                now = self.hw.pressed(role)
                if now and not was.get(role):
                    self.button(role)
                was[role] = now
            await task.pause(BUTTON_POLL_MS)

    async def clock_task(self, task):
        from board import net

        while True:
            options = self.options
            try:
                if await net.connect_wifi(options["wifi_ssid"], options["wifi_password"], task.pause):
                    self.clock_synced = await net.sync_clock(options["ntp_host"], task.pause) or self.clock_synced
            except OSError as exc:
                log("ntp: %r" % (exc,))
            if self.clock_synced:
                self.clear_alert("clock")
            else:
                self.alert("clock", "no NTP time yet: schedules wait")
            await task.pause(NTP_PERIOD_MS if self.clock_synced else NTP_RETRY_MS)

    async def selftest(self, task):
        """Bench only: each wired terminal on alone for a second, named; it
        stops at once if the thermostat has crashed (relays stay off)."""
        self.selftest_running = True
        relays = self.hw.relays
        try:
            relays.all_off()
            for bit, name, pin in relays.pins:
                if self.failed:
                    return
                log("self-test: %s on (pin %s)" % (name, pin))
                relays.write(bit)
                await task.pause(SELFTEST_ON_MS)
                relays.all_off()
                await task.pause(SELFTEST_ON_MS // 4)
            log("self-test done")
        finally:
            relays.all_off()
            self.selftest_running = False

    def start_selftest(self):
        return self.spawn("selftest", SELFTEST_DEADLINE_MS, self.selftest, ends=True)

    # -- the whole run --------------------------------------------------------

    async def run(self):
        log("%s: thermostat running (%s)" % (self.board["name"], "bench mode, clock x%d" % self.clock.speed
                                               if self.bench else "watchdog %d ms" % self.board["watchdog_ms"]))
        self.hw.start_watchdog()
        self.spawn("control", CONTROL_DEADLINE_MS, self.control_task)
        for role in self.hw.sensors:
            self.spawn("sensor_" + role, SENSOR_DEADLINE_MS, self.sensor_task, role, self.hw.sensors[role])
        self.spawn("supervisor", SUPERVISOR_DEADLINE_MS, self.supervisor_task)
        if self.hw.led is not None:
            self.spawn("led", LED_DEADLINE_MS, self.led_task)
        if self.hw.buttons:
            self.spawn("buttons", BUTTONS_DEADLINE_MS, self.button_task)
        if self.board["wifi"] and self.options["wifi_ssid"]:
            self.spawn("clock", CLOCK_DEADLINE_MS, self.clock_task)
        if self.bench:
            from app.bench import Bench

            self.bench_api = Bench(self)
            self.start_selftest()
            self.bench_api.start_repl()
        await self.failure.wait()
        for task in self.started:
            task.handle.cancel()
        self.hw.relays.all_off()
        if self.hw.led is not None:
            self.spawn("led", UNSUPERVISED, self.led_task)
        await asyncio.sleep_ms(self.board["watchdog_ms"] + 2000)
        log("watchdog did not reset the board: resetting")
        self.hw.reset()


async def safe_stop(hw, guard):
    """Boot loop: outputs off, no watchdog, the LED blinking fast and the
    alert repeated every minute."""
    hw.relays.all_off()
    blinks = 0
    while True:
        if blinks % SAFE_STOP_REPEAT == 0:
            log("ALERT boot_loop: %d crashes in a row (last: %s); thermostat stopped, relays off. "
                "Fix the cause, then at the REPL: import app.bootguard as g; g.clear(); then reset"
                % (guard.count, guard.last()))
        hw.set_led(blinks % 2 == 0)
        blinks += 1
        await asyncio.sleep_ms(SAFE_STOP_BLINK_MS)


def main():
    """Everything main.py does after the relays are off."""
    global current
    flash = Flash()
    try:
        board = boardfile.load("board.json")
    except boardfile.BoardError as exc:
        log("ALERT board_file: %s; relays left off, thermostat not started" % exc)
        return
    # The guard first: from here on, any crash counts towards a boot loop,
    # and a boot loop stops the board before anything that may crash again
    # (building the hardware included) is tried.
    guard = BootGuard(flash)
    may_run = guard.boot(hwmod.reset_by_watchdog())
    if flash.read(MAINTENANCE_FILE, 0) is not None:
        log(MAINTENANCE_LOG % MAINTENANCE_FILE)
        return
    if not may_run:
        _stop_for_good(board, guard)
        return
    hw = None
    try:
        hw = hwmod.Hardware(board)  # every relay pin driven OFF again, now by the board file
        if hw.pressed("mode"):
            log(MAINTENANCE_LOG % MAINTENANCE_FILE)
            return
        current = App(board, hw, flash, guard)
        asyncio.run(current.run())
    except KeyboardInterrupt:
        _all_off(hw)
        log("stopped by Ctrl-C: relays off (a running watchdog resets the board within %d ms)" % board["watchdog_ms"])
    except Exception as exc:  # a crash outside the tasks, set-up included: same safe way
        _all_off(hw)
        log("CRASH: %r; relays off, resetting" % (exc,))
        print_exception(exc)
        guard.crashed("main: %r" % (exc,))
        hwmod.reset()  # not hw: it may be what failed to build


def _stop_for_good(board, guard):
    """Boot loop: the thermostat does not start. With the hardware built,
    the LED blinks fast and the alert repeats (:func:`safe_stop`); if even
    the hardware cannot be built (it may be what crashes), the relays are
    driven off from the board file alone, the alert is printed once, and
    main.py returns to the REPL with no watchdog running."""
    try:
        hw = hwmod.Hardware(board)
    except Exception as exc:
        _all_off(None)
        log("ALERT boot_loop: %d crashes in a row (last: %s); the hardware does not start either (%r): "
            "thermostat stopped, relays off" % (guard.count, guard.last(), exc))
        return
    if hw.pressed("mode"):
        log(MAINTENANCE_LOG % MAINTENANCE_FILE)
        return
    asyncio.run(safe_stop(hw, guard))


def _all_off(hw):
    if hw is not None:
        hw.relays.all_off()
    else:
        from board import early

        early.all_off()
