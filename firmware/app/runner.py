"""The thermostat on the board: boot checks, then the parts wired together.

``main()`` (called by main.py) loads and checks /board.json, consults the
boot-loop guard before anything else can crash, builds the hardware and the
application, starts the watchdog and runs these tasks until the power goes,
each with its own check-in deadline:

- the control task (here): every :data:`thermo.control.CONTROL_PERIOD_MS`
  feeds the latest readings to the core, ticks it on the control clock,
  writes the relays (offs first), reports what changed, saves user state
  when it changes and the learned model at most hourly (:mod:`app.learning`);
- one task per sensor (:mod:`app.readings`);
- the supervisor (:mod:`app.tasks`): feeds the watchdog only while every
  task has checked in within its deadline; any crash goes its safe way;
- the status LED (:mod:`app.report`), the buttons (:mod:`app.buttons`),
  and in bench mode the self-test and an asyncio REPL (:mod:`app.bench`);
- on a board with Wi-Fi: with a network configured, Wi-Fi/NTP
  (:mod:`app.clock`), the MQTT link (:mod:`app.mqtt`) and the web page and
  API (:mod:`app.web`, ``auth`` its password); with none, or with mode held
  at power-up, the Wi-Fi set-up (:mod:`app.wifisetup`), which starts those
  once it has joined.

At power-up, mode and down held together (or mode alone on a board
without Wi-Fi) mean maintenance: relays off, no watchdog, main.py returns
to the REPL, as the ``maintenance`` file does.

Settings and state on flash are :mod:`app.files`. A command (a button, the
bench REPL, a settings change) ticks the core at once, as the replay does:
it acts without waiting for the next period.

The parts never import each other: each is given the objects it works on
here. No ``ticks_ms`` stamp is kept: how long ago something happened is an
:class:`app.age.Age`, which no clock wrap can fool.
"""

import asyncio

from board import boardfile
from board import hw as hwmod

from app import buttons, config
from app.bootguard import BootGuard
from app.clock import WallClock
from app.console import log, print_exception
from app.files import Files
from app.learning import Learning
from app.readings import Readings
from app.report import Report
from app.store import Flash
from app.tasks import UNSUPERVISED, Supervisor
from app.usage import Usage
from app.vclock import ControlClock
from thermo import terminals as T
from thermo.control import CONTROL_PERIOD_MS, Thermostat

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

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
WEB_DEADLINE_MS = const(3000)  # the server task checks in while it listens

MAINTENANCE_FILE = "maintenance"
MAINTENANCE_LOG = "maintenance: relays off, watchdog not started; delete %r and reset to run"
HELD_LOG = "maintenance (mode%s held at power-up): relays off, watchdog not started; reset to run"
AUTH_FILE = "auth.json"  # the web password's salted hash and its sessions' key (app.auth)

current = None  # the running App, for the REPL: import app.runner; app.runner.current


class App:
    def __init__(self, board, hw, flash=None, guard=None, setup=False):
        self.board = board
        self.hw = hw
        self.flash = flash or Flash()
        self.report = Report()
        self.supervisor = Supervisor(hw, guard or BootGuard(self.flash))
        self.files = Files(self.flash, self.report, config.terminals_of(board))  # the config lint knows the wired terminals
        settings, options = self.files.load_config()
        self.options = options
        self.bench = options["bench"]
        self.clock = ControlClock(options["bench_speed"] if self.bench else 1)
        retained = self.files.load_state()
        # The learned model has its own record: a bad one is logged and
        # learned afresh, it never stops the boot.
        self.learning = Learning(self.flash, self.report)
        model = self.learning.load()
        if model is not None:
            retained = dict(retained or {})
            retained["model"] = model
        # The core starts with every output off and Y1's min-off counting from now.
        self.thermostat = Thermostat(settings, self.clock.read(), retained)
        self.files.mark_saved(self.thermostat)
        self.learning.restored(self.thermostat, model)
        self.readings = Readings()
        for role in self.readings.sources:
            if options[role + "_topic"]:
                self.readings.sources[role] = "mqtt"
            elif role not in hw.sensors:
                self.readings.sources[role] = "none"
        self.usage = Usage(options["strip_watts"])
        self.link = None  # the MQTT link (app.mqtt), when mqtt_host is set
        self.display = None  # the screen (app.display), when the board file has one
        self.sense = None  # the 24 VAC sense inputs' checks (app.sense), when the board file has them
        self.setup_requested = setup  # mode held at power-up: Wi-Fi set-up even with a network configured
        self.setup = None  # the Wi-Fi set-up (app.wifisetup), while it runs
        self.auth = None  # the web password (app.auth), on a board with Wi-Fi
        self.web = None  # the web page and API (app.web)
        self.wallclock = WallClock(self)
        self.selftest_running = False  # set by the bench self-test: the relays are its own meanwhile
        self.last_outputs = 0
        self.bench_api = None

    # -- commands -----------------------------------------------------------

    def command(self, changes):
        """A user command (mode, fan, setpoints): applied whole or refused
        with SettingError, and acted on at once."""
        self.thermostat.command(changes)
        self.act_now("command")

    def button(self, role):
        buttons.press(self, role)

    def save_settings(self, settings=None, options=None):
        """Change installer settings and/or device options (REPL): checked
        whole, saved, then applied (:meth:`app.files.Files.change_settings`),
        and the core ticks at once. Refused (SettingError) or not saved
        (OSError): nothing changes."""
        # The time zone acts at once; Wi-Fi and bench mode at the next boot.
        self.options = self.files.change_settings(self.thermostat, settings, options)
        self.act_now("settings")

    def act_now(self, where):
        """Tick the core at once after a command. Called from outside the
        control task (a button, the REPL), so a crash here is routed the
        same safe way as one in a task."""
        try:
            self.control_tick()
        except Exception as exc:
            self.supervisor.fail(where, exc)

    # -- the control tick ----------------------------------------------------

    def control_tick(self):
        th = self.thermostat
        readings = self.readings
        th.indoor_reading(readings.reading("indoor"))
        th.outdoor_reading(readings.reading("outdoor"))
        minute = self.wallclock.minute()
        th.set_wall_clock(minute)
        now_ms = self.clock.read()
        outputs = th.tick(now_ms)
        if not self.selftest_running and not self.supervisor.failed:
            self.hw.relays.write(outputs)
        self.report.tick(th, outputs)
        self.files.save_state(th, bool(outputs & ~self.last_outputs & T.Y1))
        self.learning.tick(th)
        self.usage.tick(now_ms, outputs if not self.selftest_running else 0, minute)
        self.last_outputs = outputs
        return outputs

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

    def start_link(self):
        """The MQTT link to Home Assistant (app.mqtt), over the board's Wi-Fi."""
        import machine
        from board import net

        from app.mqtt import DEADLINE_MS, Link

        wlan = net.station()

        async def resolve(host, task):
            return await net.resolve(host, wlan.ifconfig()[3], task.pause)

        self.link = Link(self, self.options, machine.unique_id(), resolve, wlan.isconnected)
        self.supervisor.spawn("mqtt", DEADLINE_MS, self.link.run)

    def start_display(self):
        """The screen (app.display); without it the thermostat runs on."""
        from app.display import DEADLINE_MS, Display

        if self.hw.display is None:
            self.report.alert("display", "the screen could not be started (%r); running without it"
                              % (self.hw.display_error,))
            return
        wlan = None
        if self.board["wifi"] and self.options["wifi_ssid"]:
            from board import net

            wlan = net.station()
        self.display = Display(self.hw.display, self.thermostat, self.report, wlan)
        self.supervisor.spawn("display", DEADLINE_MS, self.display.run)

    def start_sense(self):
        """The checks of the board file's 24 VAC sense inputs (app.sense):
        relays that did not close or stuck closed, E not suppressing Y,
        no 24 VAC; shell alerts like the others."""
        from app.sense import DEADLINE_MS, Sense

        self.sense = Sense(self.hw.sense, self.hw.relays, self.report)
        self.supervisor.spawn("sense", DEADLINE_MS, self.sense.run)

    def start_wifi(self):
        """On a board with Wi-Fi: the set-up when no network is configured
        or mode was held at power-up, else the network's tasks."""
        if self.setup_requested:
            self.start_setup("mode held at power-up")
        elif not self.options["wifi_ssid"]:
            self.start_setup("no Wi-Fi configured")
        else:
            self.start_network()

    def make_auth(self):
        """The web's password (app.auth), once: only where microdot is
        installed, since nothing else needs it (the heap of a board
        without the web does not carry it)."""
        if self.auth is None:
            from app.auth import Auth
            from app.store import Store

            self.auth = Auth(Store(AUTH_FILE, self.flash))

    def start_setup(self, why):
        """The Wi-Fi set-up (app.wifisetup): its access point is WPA2 with a
        password shown on the screen, or open without a screen to show it."""
        try:
            import microdot  # noqa: F401 -- first: a failed import of the set-up would leave its code as garbage

            from app.wifisetup import DEADLINE_MS, Setup, ap_key, ap_name
        except ImportError as exc:  # microdot missing: the thermostat runs on without a network
            self.report.alert("setup", "Wi-Fi set-up is not installed (%r): make deploy" % (exc,))
            return
        self.make_auth()
        import os

        import machine

        key = ap_key(os.urandom(16)) if self.display is not None else ""
        self.setup = Setup(self, ap_name(machine.unique_id()), key, why)
        if self.display is not None:
            self.display.show_setup(self.setup)
        self.supervisor.spawn("setup", DEADLINE_MS, self.setup.run, ends=True)

    def start_network(self):
        """The network's tasks: the clock (which keeps Wi-Fi joined), MQTT
        when a broker is set, and the web page and API. Called at boot, or
        by the set-up once it has joined."""
        self.supervisor.spawn("clock", CLOCK_DEADLINE_MS, self.wallclock.keep)
        if self.options["mqtt_host"]:
            self.start_link()
        if self.display is not None and self.display.wlan is None:
            from board import net

            self.display.wlan = net.station()
        self.start_web()

    def network(self):
        """(state, address) of the Wi-Fi, as text: the web's status says it."""
        from board import net

        return net.state(net.station() if self.board["wifi"] and self.options["wifi_ssid"] else None)

    def start_web(self):
        """The web page and JSON API on options["web_port"]. Its ``pause``
        (for hashing a password in steps) is the scheduler's own: requests
        run side by side, and a supervised pause is one task's alone."""
        try:
            import microdot  # noqa: F401 -- first: a failed import of the web would leave its code as garbage

            from app.web import Web
        except ImportError as exc:  # microdot missing: the thermostat runs on without its page
            self.report.alert("web", "the web page is not installed (%r): make deploy" % (exc,))
            return
        self.make_auth()
        self.web = Web(self, self.auth, self.options, asyncio.sleep_ms)
        self.supervisor.spawn("web", WEB_DEADLINE_MS, self.web.serve, "0.0.0.0", self.options["web_port"])

    # -- the whole run --------------------------------------------------------

    async def run(self):
        hw, supervisor = self.hw, self.supervisor
        log("%s: thermostat running (%s)" % (self.board["name"], "bench mode, clock x%d" % self.clock.speed
                                               if self.bench else "watchdog %d ms" % self.board["watchdog_ms"]))
        hw.start_watchdog()
        supervisor.spawn("control", CONTROL_DEADLINE_MS, self.control_task)
        for role in hw.sensors:
            if self.readings.sources.get(role) == "wired":
                supervisor.spawn("sensor_" + role, SENSOR_DEADLINE_MS, self.readings.sense, role, hw.sensors[role])
        for role in self.readings.sources:
            source = self.readings.sources[role]
            log("%s temperature: %s" % (role, "MQTT topic " + self.options[role + "_topic"] if source == "mqtt"
                                        else "wired sensor" if source == "wired" else "no sensor"))
        supervisor.spawn("supervisor", SUPERVISOR_DEADLINE_MS, supervisor.feed)
        if hw.led is not None:
            supervisor.spawn("led", LED_DEADLINE_MS, self.report.blink, hw, supervisor, self.thermostat)
        if hw.buttons:
            supervisor.spawn("buttons", BUTTONS_DEADLINE_MS, buttons.poll, self)
        if self.board.get("display"):
            self.start_display()
        if hw.sense is not None:
            self.start_sense()
        if self.board["wifi"]:
            self.start_wifi()
        if self.bench:
            from app.bench import Bench

            self.bench_api = Bench(self)
            self.bench_api.start()
        await supervisor.failure.wait()
        supervisor.cancel_all()
        hw.relays.all_off()
        if hw.led is not None:
            supervisor.spawn("led", UNSUPERVISED, self.report.blink, hw, supervisor, self.thermostat)
        await asyncio.sleep_ms(self.board["watchdog_ms"] + 2000)
        log("watchdog did not reset the board: resetting")
        hw.reset()


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
        if maintenance_held(board, hw):
            return
        current = App(board, hw, flash, guard, setup=board["wifi"] and hw.pressed("mode"))
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
    if maintenance_held(board, hw):
        return
    asyncio.run(safe_stop(hw, guard))


def maintenance_held(board, hw):
    """Whether the buttons held at power-up ask for maintenance (logged):
    mode and down together on any board; on a board without Wi-Fi, mode
    alone too (it has no set-up for mode to open)."""
    if not hw.pressed("mode"):
        return False
    if hw.pressed("down"):
        log(HELD_LOG % "+down")
        return True
    if not board["wifi"]:
        log(HELD_LOG % "")
        return True
    return False


def _all_off(hw):
    if hw is not None:
        hw.relays.all_off()
    else:
        from board import early

        early.all_off()
