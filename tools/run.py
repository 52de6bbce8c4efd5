#!/usr/bin/env python3
"""The firmware running on the desktop against the simulated reference house, live.

    python tools/run.py                  # cold day, from 06:00, 60x accelerated time
    python tools/run.py --speed 600 --day mild --schedule setback --start 21:00
    python tools/run.py --headless 3600  # no terminal UI: print a few plain-text frames
    python tools/run.py --mqtt localhost # and publish it to a broker, for Home Assistant
    python tools/run.py --headless --seconds 600 --web 8081  # serve the web page, headless, 10 real minutes

The real control core (firmware/thermo) decides every control period of
simulated time (thermo.control.CONTROL_PERIOD_MS, the board's), and at once
after a command, on a ticks_ms clock of its own; the house, heat pump, strips
and weather are tools/sim. Every terminal that is off shows why, in words
(the code of thermo.reasons in square brackets). Keys: m mode, f fan, + / - heat
setpoint, i / o pull or restore the indoor / outdoor sensor, > / < speed,
q (or Ctrl-C) quit.

With ``--mqtt HOST[:PORT]`` the simulated thermostat is published to that
broker by the firmware's own MQTT link (app.mqtt, see tools/run_mqtt.py):
Home Assistant discovers it and shows and operates exactly what a board
would (mode, setpoints, fan, emergency heat). The broker user and password
come from ``$MQTT_USER`` and ``$MQTT_PASSWORD`` (or --mqtt-user,
--mqtt-password); the password is never printed.

The web page and JSON API of the firmware (app.web) are served on
http://127.0.0.1:8080/ while the screen runs (``--web [HOST:]PORT`` for
another port, ``--no-web`` for none; only 127.0.0.1 or localhost); a
headless run serves only with ``--web``, and then runs in real time at
--speed. The password is ``--password``, else ``$THERMO_WEB_PASSWORD``,
else the simulator's published default "thermostat" (printed with the URL:
the simulator is reachable from this computer only). The server and the
simulation share one asyncio loop, so a command from the page is applied
between two turns of the simulation and acted on at once, like a key.
"""

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS.parent / "firmware"))
sys.path.insert(0, str(TOOLS))

import mqtt_host  # noqa: E402
import run_mqtt  # noqa: E402
from app.advice import ADVICE  # noqa: E402
from sim import faults as F  # noqa: E402
from sim.controllers import CONTROL_PERIOD_S, FirmwareController  # noqa: E402
from sim.equipment import BITS, NAMES, STRIPS_KW, Equipment  # noqa: E402
from sim.house import SECONDS_PER_HOUR, House, gains_btuh  # noqa: E402
from sim.weather import DAYS, outdoor_f  # noqa: E402

from thermo.ticks import TICKS_MASK  # noqa: E402

STEP_S = CONTROL_PERIOD_S
MODES = ("off", "heat", "cool", "auto", "emergency")
FANS = ("auto", "on", "circulate")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SPARK = "▁▂▃▄▅▆▇█"
KEYS_HELP = ("keys: m mode  f fan  +/- heat setpoint  i/o pull/restore indoor/outdoor sensor  s board screen  "
             "c commissioning test (c again: abort)  >/< speed  q quit")

# The codes of thermo.reasons (why a terminal is off, or held on), in words.
REASONS = {
    "single_stage": "single-stage compressor: Y2 is not used",
    "no_backup": "no backup heat is wired (backup_heat none)",
    "not_emergency": "E runs only in mode emergency",
    "min_on": "held on: a compressor run lasts at least min_on_s",
    "aux_min_on": "held on: strip heat runs at least aux_min_on_s",
    "rewiring": "wiring settings changed: call ended, timers as after a boot",
    "mode_off": "the mode is off",
    "indoor_sensor": "indoor sensor failed: no heating or cooling",
    "emergency": "emergency heat: the compressor stays off",
    "valve_in_cool": "the reversing valve is still in the cool position",
    "cooling": "cooling: never backup heat",
    "outdoor_lockout": "too cold outside for the compressor (outdoor lockout)",
    "aux_lockout": "too warm outside for strip heat (aux_max_outdoor_f)",
    "dual_fuel": "dual fuel: heat pump and furnace wait out the switch delay",
    "changeover": "the valve waits for pressures to equalize (changeover_delay_s)",
    "valve_moving": "the reversing valve moves now; the compressor follows",
    "min_off": "compressor resting after a stop or a boot (min_off_s)",
    "max_starts": "compressor start limit reached (max_starts_per_hour)",
    "stage1_off": "stage 2 runs only with stage 1",
    "wait_stage2": "stage 2 waits for stage2_delta_f or stage2_delay_s",
    "wait_droop": "backup heat waits for aux_droop_f or aux_delay_s",
    "duty_rest": "strip heat rests between the pulses of its time-proportioned duty",
    "aux_max_starts": "strip heat start limit reached (aux_max_starts_per_hour)",
    "wait_compressor": "backup heat waits: the compressor starts first",
    "recovery": "smart recovery: the heat pump makes it in time, no strips",
    "furnace_backup": "dual fuel: the furnace took over this call",
    "outdoor_sensor": "dual fuel, outdoor sensor failed: the furnace heats",
}
# The actions of thermo.modes.ACTIONS (what runs, after the safety gate), in words.
ACTIONS = {
    "off": "off",
    "idle": "idle: nothing is needed",
    "fan": "fan only",
    "heat_pump": "heating with the heat pump",
    "heat_pump_and_strips": "heating with the heat pump and strip heat",
    "strips": "heating with strip heat alone",
    "furnace": "heating with the furnace (dual fuel)",
    "emergency": "emergency heat",
    "cooling": "cooling",
    "recovery": "smart recovery: heating early for the schedule",
}
ALERTS = ADVICE  # the same sentences as the board's web page


def in_words(code, words):
    """``words (code)`` for a known code; an unknown one as it is."""
    return "%s  [%s]" % (words[code], code) if code in words else code


class Live:
    """The simulated house and the firmware, advanced one control period (CONTROL_PERIOD_S) of simulated time per step.

    Also the ``device`` of the firmware's MQTT link (app.mqtt.Link, as
    app.runner.App is on a board): ``thermostat``, ``command``, ``readings``
    (the simulated sensors are wired ones; no humidity sensor), ``usage``
    (today's counters, on the simulated clock), ``report`` (the shell's
    alerts: none here) and ``board``."""

    def __init__(self, day="cold", schedule=None, start_h=6.0, settings=None, start_below_f=1.5, faults=()):
        mqtt_host.install_shims()  # time.ticks_ms, asyncio.sleep_ms: the firmware's app modules use them
        from app.readings import Readings
        from app.report import Report
        from app.usage import Usage

        from thermo.schema import SettingError
        self.setting_error = SettingError
        self.day = day
        self.settings = dict(settings or {})
        self.t_s = int(start_h * SECONDS_PER_HOUR) // STEP_S * STEP_S
        self.controller = FirmwareController(self.settings, schedule, mode="heat", heat_setpoint_f=70.0,
                                             warn=self._note, start_s=self.t_s)
        self.thermostat = self.controller.thermostat
        self.readings = Readings()
        self.usage = Usage(int(STRIPS_KW * 1000))  # the simulated strips' nameplate
        self.report = Report()
        self.board = {"name": "simulator"}
        self.net = None  # run_mqtt.Net, when published to a broker
        self.web = None  # WebServer, when the web page is served
        from app import device

        self.options = device.defaults()  # the device options (app.device); the web's own added by WebServer
        self.equipment = Equipment.from_settings(self.settings)
        air = self.thermostat.heat_setpoint_dF / 10 - start_below_f
        self.house = House.at_steady_state(air, outdoor_f(day, self.t_s), gains_btuh(self.t_s), STEP_S)
        self.faults = F.Injector(F.check(faults), self.house.params)  # tools/sim/faults.py: --fault
        self.indoor_pulled = False
        self.outdoor_pulled = False
        self.outputs = 0
        self.energy_kwh = 0.0
        self.strip_kwh = 0.0
        self.power_kw = 0.0
        self.history = []  # indoor °F once a simulated minute
        self.pending_s = 0.0
        self.message = "started %s day at %s" % (day, self.clock())
        if self.faults:
            self.message += "; fault injected: %s" % ", ".join(F.label(fault) for fault in self.faults.faults)
        self.show_screen = True  # the board's SSD1306, drawn by the firmware (key s)
        self.screen_view = None
        self.commission = None  # the commissioning test (app.commission, key c), advanced after each step

    ticks_commission = True  # app.commission.start: this shell advances the test itself, on simulated time

    def _note(self, text):
        self.message = text

    def clock(self):
        t = self.t_s
        return "%s %02d:%02d:%02d" % (WEEKDAYS[t // 86400 % 7], t // 3600 % 24, t // 60 % 60, t % 60)

    def outdoor_now_f(self):
        return outdoor_f(self.day, self.t_s)

    def step(self):
        t = self.t_s
        indoor = None if self.indoor_pulled else self.house.air_f
        outdoor = None if self.outdoor_pulled else outdoor_f(self.day, t)
        self.outputs = self.controller.step(t, t // 60 % 10080, indoor, outdoor)
        self._count()
        if self.commission is not None and self.commission.running:
            self.commission.advance(STEP_S * 1000)
            if not self.commission.running:
                self.message = "commissioning %s: %s" % (self.commission.state, "; ".join(
                    line for line in self.commission.verdict if line.startswith(("O/B:", "compressor:"))) or "see below")
        if self.faults:
            self.faults.apply(t, self.equipment, self.house)
        flows = self.equipment.step(self.outputs, outdoor_f(self.day, t + STEP_S / 2), STEP_S)
        self.house.step(outdoor_f(self.day, t + STEP_S / 2), gains_btuh(t), flows.hvac_btuh)
        self.power_kw = flows.electric_kw
        self.energy_kwh += flows.electric_kw * STEP_S / SECONDS_PER_HOUR
        self.strip_kwh += flows.strip_kw * STEP_S / SECONDS_PER_HOUR
        self.t_s += STEP_S
        if self.t_s % 60 == 0:
            self.history.append(self.house.air_f)
            del self.history[:-60]

    def act_now(self):
        """A command acts at once, as on the board: tick again at this instant."""
        t = self.t_s
        indoor = None if self.indoor_pulled else self.house.air_f
        outdoor = None if self.outdoor_pulled else outdoor_f(self.day, t)
        self.outputs = self.controller.step(t, t // 60 % 10080, indoor, outdoor)
        self._count()

    def _count(self):
        """Today's counters, on the simulated clock (ms, wrapping like ticks_ms) and the simulated wall clock."""
        self.usage.tick(self.t_s * 1000 & TICKS_MASK, self.outputs, self.t_s // 60 % 10080)

    def command(self, changes):
        """A user command (a key, or Home Assistant through the MQTT link):
        applied whole or refused with thermo.values.SettingError (nothing
        changed), and acted on at once, as on the board."""
        self.thermostat.command(changes)
        self.act_now()

    def save_settings(self, settings=None, options=None):
        """Installer settings and/or device options changed (the web's
        settings page, as app.runner.App.save_settings on a board): checked
        whole, then applied to the thermostat and acted on at once; refused
        with SettingError, nothing changed. Nothing is saved: the simulator
        starts afresh each run."""
        from app import device

        new_options = self.options if options is None else device.validate(options, self.options)
        if settings is not None:
            self.thermostat.check_settings(settings)
            self.thermostat.apply_settings(settings)
        self.options = new_options
        self.act_now()

    def advance(self, sim_s):
        self.pending_s += sim_s
        while self.pending_s >= STEP_S:
            self.pending_s -= STEP_S
            self.step()

    def key(self, key):
        """Apply one key; the outcome goes to ``message``."""
        t = self.thermostat
        try:
            if key == "m":
                mode = MODES[(MODES.index(_mode(t)) + 1) % len(MODES)]
                self.command({"mode": mode})
                self.message = "mode: %s" % mode
            elif key == "f":
                fan = FANS[(FANS.index(_fan(t)) + 1) % len(FANS)]
                self.command({"fan": fan})
                self.message = "fan: %s" % fan
            elif key in "+=-":
                setpoint = t.heat_setpoint_dF / 10 + (-1 if key == "-" else 1)
                self.command({"heat_setpoint_f": setpoint})
                self.message = "heat setpoint: %.1f °F" % setpoint
            elif key == "i":
                self.indoor_pulled = not self.indoor_pulled
                self.message = "indoor sensor %s" % ("pulled" if self.indoor_pulled else "restored")
            elif key == "c":
                self.commission_key()
            elif key == "s":
                self.show_screen = not self.show_screen
                self.message = "board screen %s" % ("shown" if self.show_screen else "hidden")
            elif key == "o":
                self.outdoor_pulled = not self.outdoor_pulled
                self.message = "outdoor sensor %s" % ("pulled" if self.outdoor_pulled else "restored")
        except self.setting_error as error:
            self.message = "refused: %s" % error

    def commission_key(self):
        """Start the commissioning test, or abort the one under way."""
        from app import commission

        if self.commission is not None and self.commission.running:
            self.commission.abort()
            self.message = "commissioning aborted: your mode, fan and setpoints are back"
            return
        self.commission = commission.start(self)
        self.message = "commissioning started: %s" % ", ".join(commission.TITLES[k] for k in self.commission.steps)

    def commission_lines(self):
        """The test's lines for the screen: the step under way, or the verdict."""
        if self.commission is None:
            return []
        return [[("  " + line, 0)] for line in self.commission.lines()]

    def board_screen(self):
        """The board's screen as the firmware draws it (its home page), in Braille lines."""
        if self.screen_view is None:
            from screen_term import ScreenView

            self.screen_view = ScreenView()
        return self.screen_view.home(self.thermostat)

    def frame(self, speed):
        """The screen as [(text, terminal bit or 0)] pieces, one list per line."""
        t = self.thermostat
        held = t.held_reasons()
        terminals = []
        for name, bit in zip(NAMES, BITS, strict=True):
            on = self.outputs & bit
            why = held.get(name)
            # an off terminal says why; one that is on, only when it is held on (min_on)
            text = "  " + in_words(why, REASONS) if why and (not on or why == "min_on") else ""
            terminals.append([("  %-2s " % name, 0), ("●" if on else "○", bit if on else -1), (text, 0)])
        alerts = t.alert_names()
        indoor_state = "PULLED" if self.indoor_pulled else ("ok" if t.indoor_ok else "failed")
        outdoor_state = "PULLED" if self.outdoor_pulled else ("ok" if t.outdoor_ok else "failed")
        sources = self.readings.sources
        mqtt = [[("  mqtt    " + self.net.status(), 0)]] if self.net is not None else []
        web = [[("  web     " + self.web.status(), 0)]] if self.web is not None else []
        lo, hi = (min(self.history), max(self.history)) if self.history else (0.0, 0.0)
        span = max(hi - lo, 0.5)
        spark = "".join(SPARK[min(7, int((v - lo) / span * 7 + 0.5))] for v in self.history)
        return [
            [("thermo: firmware on the simulated reference house (%s day)   %s   %gx" % (
                self.day, self.clock(), speed), 0)],
            [],
            *terminals,
            [],
            [("  indoor  %6.1f °F  sensor %-14s   house air %5.2f °F   mass %5.2f °F" % (
                t.indoor_dF / 10, indoor_state + ", " + sources["indoor"], self.house.air_f, self.house.mass_f), 0)],
            [("  outdoor %6.1f °F  sensor %s" % (self.outdoor_now_f(), outdoor_state + ", " + sources["outdoor"]), 0)],
            [("  mode    %-9s  fan %-9s   heat setpoint %.1f °F   cool setpoint %.1f °F" % (
                _mode(t), _fan(t), t.heat_setpoint_dF / 10, t.cool_setpoint_dF / 10), 0)],
            [("  action  %s" % in_words(t.action_name(), ACTIONS), 0)],
            [("  alerts  %s" % ("; ".join(in_words(a, ALERTS) for a in alerts) or "none"), 0)],
            [("  learned " + learned(t), 0)],
            [("  power   %5.2f kW   energy %.2f kWh (strips %.2f kWh) since start" % (
                self.power_kw, self.energy_kwh, self.strip_kwh), 0)],
            [("  last hour %5.1f..%5.1f °F  %s" % (lo, hi, spark) if self.history else "  last hour --", 0)],
            *mqtt,
            *web,
            *self.commission_lines(),
            [],
            [("  " + self.message, 0)],
            [("  " + KEYS_HELP, 0)],
        ]


def degrees(dF):
    """Tenths of °F as the core keeps them, in °F with one decimal."""
    return "%.1f °F" % (dF / 10)


def learned(t):
    """What the core has learned, in a line: the thermal balance point, the
    dual-fuel lockout it suggests (with both prices set; never applied), and
    the strips' duty while it governs them."""
    model = t.model
    balance = model.balance_point_dF()
    parts = ["balance point: " + ("learning…" if balance is None else degrees(balance))]
    lockout = model.economic_lockout_dF(t.settings)
    if lockout is not None:
        parts.append("suggested dual-fuel lockout: %s (balance_point_f is %s; not applied)" % (
            degrees(lockout), degrees(t.settings.balance_point_dF)))
    if t.duty.governs:
        parts.append("strips: duty %d %%" % ((t.duty.duty_pm + 5) // 10))
    return "   ".join(parts)


def _mode(t):
    return MODES[t.mode]


def _fan(t):
    return FANS[t.fan]


def plain(lines):
    """A frame as plain text: LEDs read ON/-- so logs and tests can grep them."""
    out = []
    for line in lines:
        text = ""
        for piece, _bit in line:
            if piece in ("●", "○"):
                piece = "ON" if piece == "●" else "--"
            text += piece
        out.append(text.rstrip())
    return "\n".join(out)


def parse_keys(text):
    """"300:i,900:m" -> [(300.0, "i"), (900.0, "m")], in time order."""
    keys = []
    for item in filter(None, (text or "").split(",")):
        at, _, key = item.partition(":")
        keys.append((float(at), key))
    return sorted(keys)


class Headless:
    """``seconds`` of simulated time, keys at their simulated seconds, a plain frame every ``every``."""

    def __init__(self, live, seconds, every, keys, speed):
        self.live = live
        self.start = live.t_s
        self.end = live.t_s + seconds
        self.every = every
        self.keys = list(keys)
        self.speed = speed
        self.next_frame = self.start + STEP_S

    def running(self):
        return self.live.t_s < self.end

    def step(self):
        live = self.live
        while self.keys and self.keys[0][0] <= live.t_s - self.start:
            live.key(self.keys.pop(0)[1])
        live.step()
        if live.t_s >= self.next_frame or live.t_s >= self.end:
            print(plain(live.frame(self.speed)))
            print("-" * 78, flush=True)
            self.next_frame += self.every


def run_headless(live, seconds, every, keys, speed):
    """As fast as possible; with an MQTT link (``live.net``) or the web
    (``live.web``), in real time at ``speed``."""
    headless = Headless(live, seconds, every, keys, speed)
    if live.net is not None or live.web is not None:
        return run_paced(headless, speed)
    while headless.running():
        headless.step()
    return 0


def run_paced(headless, speed):
    """The headless run at ``speed`` simulated seconds per real second, its
    MQTT link and web server alongside in real time; the link's summary at the end."""
    live = headless.live
    clock = {"last": time.monotonic(), "pending": 0.0}

    def turn():
        now = time.monotonic()
        clock["pending"] += min(now - clock["last"], 1.0) * speed
        clock["last"] = now
        while clock["pending"] >= STEP_S and headless.running():
            clock["pending"] -= STEP_S
            headless.step()
        return headless.running()

    status = asyncio.run(run_services(live, turn))
    if live.net is not None:
        print(live.net.summary(), flush=True)
    return status


class WebServer:
    """make run's web page and JSON API: the firmware's app.web.Web with
    ``live`` as its device, on ``host:port`` (local only), and what the
    screen says about it. The password is never printed unless it is the
    simulator's published default."""

    def __init__(self, live, host, port, password, default_password):
        import web_host

        self.live = live
        self.host = host
        self.port = port
        self.password = password
        self.default_password = default_password
        self.web = None  # made in the loop (setting the password hash awaits)
        self.announced = False
        live.options = web_host.web_options(live.options, port=port)

    @property
    def url(self):
        return "http://%s:%d/" % (self.host, self.port)

    def password_note(self):
        if self.default_password:
            return 'password "%s" (the simulator\'s default; --password or $%s for another)' % (
                self.password, "THERMO_WEB_PASSWORD")
        return "password from --password or $THERMO_WEB_PASSWORD"

    def status(self):
        state = "" if self.announced else "starting: "
        return "%s%s   %s" % (state, self.url, self.password_note())

    async def start(self, supervisor):
        import web_host

        auth = await web_host.make_auth(self.password)
        self.web = web_host.make_web(self.live, auth, self.live.options)
        supervisor.spawn("web", web_host.WEB_DEADLINE_MS, self.web.serve, self.host, self.port)

    def check_listening(self):
        """Say once, on stdout, that the server listens (tests wait for this line)."""
        import web_host

        if not self.announced and self.web is not None and web_host.listening(self.web):
            self.announced = True
            print("web: %s" % self.url, flush=True)
            print("web: %s" % self.password_note(), flush=True)


def start_web(live, text, password=None):
    """A :class:`WebServer` for ``live`` on ``text`` ([HOST:]PORT); SystemExit
    naming --web when it is not a local address or the port is taken."""
    import socket

    import web_host

    try:
        host, port = web_host.parse_web(text)
    except web_host.BadWeb as exc:
        raise refuse("--web", str(exc)) from None
    with socket.socket() as probe:  # taken: say so now, not as a crash of the server task
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise refuse("--web", "cannot listen on %s:%d (%s); try another port, or --no-web" % (
                host, port, exc.strerror or exc)) from None
    password, default = web_host.password_from(password)
    live.web = WebServer(live, host, port, password, default)
    return live.web


async def run_services(live, turn):
    """The MQTT link and the web server (each as present, supervised, in real
    time, as on a board) and ``turn()`` every run_mqtt.TURN_MS, until ``turn``
    returns False (0 then) or a task crashed (1)."""
    from app.tasks import Supervisor
    from netdevice import HostGuard, HostHardware

    guard = live.net.guard if live.net is not None else HostGuard()
    supervisor = Supervisor(HostHardware(), guard)
    if live.net is not None:
        supervisor.spawn("mqtt", run_mqtt.LINK_DEADLINE_MS, live.net.link.run)
    if live.web is not None:
        await live.web.start(supervisor)
    supervisor.spawn("supervisor", run_mqtt.SUPERVISOR_DEADLINE_MS, supervisor.feed)
    try:
        while not supervisor.failed and turn():
            if live.web is not None:
                live.web.check_listening()
            await asyncio.sleep(run_mqtt.TURN_MS / 1000)
    finally:
        supervisor.cancel_all()
        if live.net is not None:
            live.net.failed = supervisor.failed
    if supervisor.failed:
        print("run.py: a task crashed: %s" % guard.crash, file=sys.stderr)
    return 1 if supervisor.failed else 0


MAX_SPEED = 7200
HEADLESS_DEFAULT = 3600.0
DEFAULT_WEB = "127.0.0.1:8080"
MAX_HEADLESS_S = 14 * 86400
COLOURS = {1: 2, 2: 2, 4: 6, 8: 1, 16: 3, 32: 5}  # terminal bit -> curses colour number


def run_curses(live, speed):
    import curses
    import locale

    locale.setlocale(locale.LC_ALL, "")

    def main(screen):
        curses.curs_set(0)
        if curses.has_colors():
            curses.start_color()
            curses.use_default_colors()
            for bit, colour in COLOURS.items():
                curses.init_pair(bit, colour, -1)
        if live.net is None and live.web is None:
            screen.timeout(100)  # getch waits: the loop's pace
            turn = screen_turn(curses, screen, live, speed)
            while turn():
                pass
            return 0
        # The link's log lines (printed) become the screen's message, not stray text over it.
        screen.timeout(0)
        with contextlib.redirect_stdout(run_mqtt.Lines(lambda line: setattr(live, "message", line))):
            return asyncio.run(run_services(live, screen_turn(curses, screen, live, speed)))

    status = curses.wrapper(main)
    if live.web is not None:
        print("web: served on %s until now" % live.web.url)
    if live.net is not None:
        print(live.net.summary())
        if live.net.failed:
            print("run.py: mqtt: %s" % live.net.status(), file=sys.stderr)
    return status


def screen_turn(curses, screen, live, speed):
    """One turn of the screen: a key, the house advanced by the real time
    since the last turn at ``speed``, the screen drawn; False to quit."""
    last = time.monotonic()

    def turn():
        nonlocal speed, last
        key = screen.getch()
        if key in (ord("q"), ord("Q"), 27):
            return False
        if key == ord(">"):
            speed = min(speed * 2, MAX_SPEED)
        elif key == ord("<"):
            speed = max(speed / 2, 1)
        elif 0 <= key < 256:
            live.key(chr(key))
        now = time.monotonic()
        live.advance(min(now - last, 1.0) * speed)
        last = now
        screen.erase()
        height, width = screen.getmaxyx()
        lines = live.frame(speed)
        if live.show_screen and len(lines) + 18 <= height:
            lines += [[], [("  the board's screen (SSD1306, drawn by the firmware):", 0)]]
            lines += [[("  " + text, 0)] for text in live.board_screen()]
        for row, line in enumerate(lines[:height]):
            column = 0
            for text, bit in line:
                attrs = 0
                if bit > 0 and curses.has_colors():
                    attrs = curses.color_pair(bit) | curses.A_BOLD
                elif bit < 0:
                    attrs = curses.A_DIM
                if column < width - 1:
                    try:
                        screen.addstr(row, column, text[:width - 1 - column], attrs)
                    except curses.error:
                        pass
                column += len(text)
        screen.refresh()
        return True

    return turn


def refuse(field, message):
    """Bad input: one line naming the field and what is allowed, exit status 2."""
    print("run.py: %s: %s" % (field, message), file=sys.stderr)
    return SystemExit(2)


def parse_start(text):
    """"HH:MM" -> hours since midnight (float); SystemExit with one line if it is not a time of day."""
    allowed = "(allowed: 00:00 to 23:59)"
    hours, colon, minutes = text.partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise refuse("--start", "%r is not HH:MM %s" % (text, allowed))
    if int(hours) > 23 or int(minutes) > 59:
        raise refuse("--start", "%s is out of range %s" % (text, allowed))
    return int(hours) + int(minutes) / 60


def checked_keys(text):
    try:
        keys = parse_keys(text)
    except ValueError:
        raise refuse("--keys", "%r is not SECONDS:KEY,... (e.g. \"300:i,900:i\")" % text) from None
    for at, key in keys:
        if at < 0 or len(key) != 1:
            raise refuse("--keys", "%r is not SECONDS:KEY,... (e.g. \"300:i,900:i\")" % text)
    return keys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--day", choices=sorted(DAYS), default="cold")
    parser.add_argument("--schedule", choices=("setback",), help="run the firmware's setback schedule")
    parser.add_argument("--start", default="06:00", metavar="HH:MM", help="simulated time of day to start at")
    parser.add_argument("--speed", type=float, default=60.0,
                        help="simulated seconds per real second (default 60, at most %d)" % MAX_SPEED)
    parser.add_argument("--headless", type=float, metavar="SECONDS", nargs="?", const=HEADLESS_DEFAULT,
                        help="no UI: simulate SECONDS of house time (default 3600) as fast as possible (with --mqtt "
                             "or --web: at --speed), print plain frames")
    parser.add_argument("--seconds", type=float, metavar="N",
                        help="headless: run N real seconds at --speed (instead of SECONDS of house time)")
    parser.add_argument("--every", type=float, default=None, metavar="SECONDS",
                        help="headless: a frame every SECONDS of simulated time (default: 4 frames)")
    parser.add_argument("--settings", metavar="FILE", help="firmware settings JSON, or \"defaults\" (default: "
                        "tools/sim/reference-installer.json)")
    parser.add_argument("--keys", default="", help='headless: keys at simulated seconds, e.g. "300:i,900:i"')
    parser.add_argument("--mqtt", metavar="HOST[:PORT]",
                        help="publish the simulated thermostat to this MQTT broker for Home Assistant (port 1883)")
    parser.add_argument("--mqtt-user", default=None, help="broker user (default: $MQTT_USER)")
    parser.add_argument("--mqtt-password", default=None,
                        help="broker password (default: $MQTT_PASSWORD, which keeps it out of `ps`); never printed")
    parser.add_argument("--mqtt-prefix", default=None, help="first level of the topics (default: thermostat)")
    parser.add_argument("--device-id", default=None,
                        help="the thermostat's id in topics and Home Assistant (default: %s)" % run_mqtt.DEVICE_ID)
    parser.add_argument("--web", metavar="[HOST:]PORT", default=None,
                        help="serve the web page and JSON API here (default with the screen: 127.0.0.1:8080; "
                             "headless: only with --web); only 127.0.0.1 or localhost")
    parser.add_argument("--no-web", action="store_true", help="do not serve the web page")
    parser.add_argument("--password", default=None,
                        help="the web password (default: $THERMO_WEB_PASSWORD, else the simulator's \"thermostat\")")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME[@HH:MM]",
                        help="inject a fault into the simulated equipment or house (repeatable), from the start or "
                             "from HH:MM, to watch the detectors: %s" % ", ".join(F.FAULTS))
    args = parser.parse_args(argv)
    start_h = parse_start(args.start)
    if not 0 < args.speed <= MAX_SPEED:
        raise refuse("--speed", "%g is out of range (allowed: more than 0, at most %d)" % (args.speed, MAX_SPEED))
    if args.seconds is not None:
        if not 0 < args.seconds <= MAX_HEADLESS_S:
            raise refuse("--seconds", "%g is out of range (allowed: more than 0, at most %d s)" % (
                args.seconds, MAX_HEADLESS_S))
        if args.headless not in (None, HEADLESS_DEFAULT):
            raise refuse("--seconds", "give --headless SECONDS (house time) or --seconds N (real time), not both")
        args.headless = min(args.seconds * args.speed, MAX_HEADLESS_S)
    if args.web is not None and args.no_web:
        raise refuse("--web", "--web and --no-web together: choose one")
    if args.password is not None and args.no_web:
        raise refuse("--password", "--password needs the web page: remove --no-web")
    if args.headless is not None and not 0 <= args.headless <= MAX_HEADLESS_S:
        raise refuse("--headless", "%g is out of range (allowed: 0 to %d s)" % (args.headless, MAX_HEADLESS_S))
    if args.every is not None and not args.every > 0:
        raise refuse("--every", "%g is out of range (allowed: more than 0 s)" % args.every)
    keys = checked_keys(args.keys)
    try:
        faults = F.check(args.fault)
    except F.FaultError as exc:
        raise refuse("--fault", str(exc)) from None
    from simulate import load_settings

    live = Live(args.day, args.schedule, start_h, settings=load_settings(args.settings, "run.py"), faults=faults)
    if args.mqtt is not None:
        try:
            run_mqtt.start(live, args.mqtt, args.mqtt_user, args.mqtt_password, args.mqtt_prefix, args.device_id)
            live.options = dict(live.net.options)  # the device options the web shows (secrets never)
        except run_mqtt.BadOption as exc:
            raise refuse(exc.option, exc.message) from None
    elif any(value is not None for value in (args.mqtt_user, args.mqtt_password, args.mqtt_prefix, args.device_id)):
        raise refuse("--mqtt", "the MQTT options need a broker: --mqtt HOST[:PORT]")
    if args.headless is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("run.py: no terminal; running headless for one simulated hour (see --headless)", file=sys.stderr)
        args.headless = HEADLESS_DEFAULT
    web = args.web if args.web is not None or args.headless is not None else DEFAULT_WEB
    if web is not None and not args.no_web:
        start_web(live, web, args.password)
    elif args.password is not None:
        raise refuse("--password", "a headless run serves the web page only with --web [HOST:]PORT")
    try:
        if args.headless is None:
            return run_curses(live, args.speed)
        every = args.every or max(args.headless / 4, STEP_S)
        return run_headless(live, args.headless, every, keys, args.speed)
    except KeyboardInterrupt:  # Ctrl-C: a way to quit, not a crash
        return 130
    except BrokenPipeError:  # e.g. piped into head
        sys.stdout = None
        return 0


if __name__ == "__main__":
    sys.exit(main())
