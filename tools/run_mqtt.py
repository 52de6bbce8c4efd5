"""``make run MQTT=host[:port]``: the simulated house published to a broker
through the firmware's own MQTT link, so Home Assistant shows (and
operates) exactly what a board would.

:class:`run.Live` is the link's ``device`` (the duck type of
``app.runner.App``: ``thermostat``, ``command``, ``readings``, ``usage``,
``report``, ``board``). The simulated clock runs faster than real time
while the link keeps real time (keep-alive, backoff, the state checked
every second), so both run on ONE asyncio loop in one thread: the link as
a supervised task (:class:`app.tasks.Supervisor`, as on a board), and the
simulation (the curses screen, or the headless frames) as a callback the
loop calls every :data:`TURN_MS`. A command from Home Assistant is applied
by the link between two turns, through ``Live.command`` (whole or refused,
then a tick at once), exactly like a key: nothing needs a lock.

CPython only. :func:`setup` fetches micropython-lib's umqtt.simple (pinned,
into a cache outside git: :mod:`mqtt_host`) on first use.
"""

import asyncio
import os
import re

import mqtt_host

DEFAULT_PORT = 1883
DEVICE_ID = "hpt_simulator"
DEVICE_NAME = "Heat pump thermostat (simulator)"
TURN_MS = 100  # the simulation's turn on the loop: keys, house steps, the screen
LINK_DEADLINE_MS = 3000
SUPERVISOR_DEADLINE_MS = 3000
# Which command-line option (or environment variable) sets each device option, for refusals.
OPTION_OF = {"device.mqtt_host": "--mqtt", "device.mqtt_port": "--mqtt", "device.mqtt_user": "--mqtt-user",
             "device.mqtt_password": "--mqtt-password", "device.mqtt_prefix": "--mqtt-prefix",
             "device.device_id": "--device-id"}
_STAMP = re.compile(r"^\[\s*\d+\.\d{3}\] ")  # app.console.log's time stamp


class BadOption(Exception):
    """A refused option: ``option`` (as the user typed it) and why, in one line."""

    def __init__(self, option, message):
        super().__init__("%s: %s" % (option, message))
        self.option = option
        self.message = message


def _errno_named(text):
    """``connect: OSError 111`` (the board's words) with the host's name for the number."""
    return re.sub(r"OSError (\d+)", lambda m: "%s: %s" % (m.group(0), os.strerror(int(m.group(1)))), text)


def parse_broker(text):
    """``host``, ``host:port`` -> (host, port); BadOption naming --mqtt otherwise."""
    host, colon, port = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "")
    allowed = "(allowed: HOST or HOST:PORT, PORT 1 to 65535)"
    if not host or (colon and not port.isdigit()):
        raise BadOption("--mqtt", "%r is not a broker %s" % (text, allowed))
    number = int(port) if colon else DEFAULT_PORT
    if not 1 <= number <= 65535:
        raise BadOption("--mqtt", "port %d is out of range %s" % (number, allowed))
    return host, number


def options(broker, user=None, password=None, prefix=None, device_id=None, environ=None):
    """The device options for the simulator's link, checked by the firmware's
    own validation (app.device.validate). ``user`` and ``password`` default to
    ``$MQTT_USER`` and ``$MQTT_PASSWORD``; the password is never printed."""
    from app import device

    from thermo.values import SettingError

    environ = os.environ if environ is None else environ
    host, port = parse_broker(broker)
    user = environ.get("MQTT_USER", "") if user is None else user
    password = environ.get("MQTT_PASSWORD", "") if password is None else password
    changes = {"mqtt_host": host, "mqtt_port": port, "mqtt_user": user, "mqtt_password": password,
               "device_id": device_id or DEVICE_ID, "device_name": DEVICE_NAME}
    if prefix is not None:
        changes["mqtt_prefix"] = prefix
    try:
        return device.validate(changes)
    except SettingError as exc:
        text = str(exc)
        message = text[len(exc.key) + 2:] if text.startswith(exc.key + ": ") else text
        raise BadOption(OPTION_OF.get(exc.key, exc.key), message) from None


def setup():
    """umqtt.simple fetched (first use) and importable, MicroPython's names on CPython."""
    try:
        mqtt_host.setup()
    except mqtt_host.FetchError as exc:
        raise BadOption("--mqtt", "cannot get umqtt.simple: %s" % exc) from None


class Lines:
    """A stand-in for ``sys.stdout`` under curses: each whole line printed
    (the firmware's log: ``mqtt: connected``, a refused command...) goes to
    ``tell`` without its time stamp, and the last few are kept."""

    def __init__(self, tell, keep=20):
        self.tell = tell
        self.keep = keep
        self.lines = []
        self.partial = ""

    def write(self, text):
        self.partial += text
        while "\n" in self.partial:
            line, self.partial = self.partial.split("\n", 1)
            line = _STAMP.sub("", line.rstrip())
            if line:
                self.lines.append(line)
                del self.lines[:-self.keep]
                self.tell(line)
        return len(text)

    def flush(self):
        pass


class Net:
    """The simulated house's MQTT link: the firmware's ``app.mqtt.Link`` with
    ``live`` as its device, and what the screen says about it."""

    def __init__(self, live, options):
        from app.mqtt import Link
        from netdevice import HostGuard, resolve

        self.live = live
        self.options = options
        self.link = Link(live, options, resolve=resolve, online=lambda: True)
        self.guard = HostGuard()
        self.failed = False

    @property
    def broker(self):
        return "%s:%d" % (self.options["mqtt_host"], self.options["mqtt_port"])

    def status(self):
        """One line: connected or reconnecting (with the last error), broker, base topic."""
        link = self.link
        if self.failed:
            return "STOPPED (the link crashed: %s)" % self.guard.crash
        if link.connected:
            state = "connected to %s" % self.broker
        elif link.last_error:
            state = "reconnecting to %s (last error: %s)" % (self.broker, _errno_named(link.last_error))
        else:
            state = "%s to %s" % ("reconnecting" if link.connects else "connecting", self.broker)
        return "%s   topics %s/...   HA: climate.%s_thermostat" % (state, link.base, link.device_id)

    def summary(self):
        link = self.link
        return "mqtt: %d connects, longest step %d ms, last error %s" % (
            link.connects, link.longest_step_ms, link.last_error or "none")

    async def run(self, turn):
        """The link (supervised, real time) and ``turn()`` every TURN_MS, until
        ``turn`` returns False (0 then) or the link crashed (1)."""
        from app.tasks import Supervisor
        from netdevice import HostHardware

        supervisor = Supervisor(HostHardware(), self.guard)
        supervisor.spawn("mqtt", LINK_DEADLINE_MS, self.link.run)
        supervisor.spawn("supervisor", SUPERVISOR_DEADLINE_MS, supervisor.feed)
        try:
            while not supervisor.failed and turn():
                await asyncio.sleep(TURN_MS / 1000)
        finally:
            supervisor.cancel_all()
            self.failed = supervisor.failed
        return 1 if supervisor.failed else 0


def start(live, broker, user=None, password=None, prefix=None, device_id=None):
    """A :class:`Net` for ``live`` (BadOption for a bad option or no umqtt.simple);
    ``live.net`` set, so its frames show the link."""
    checked = options(broker, user, password, prefix, device_id)
    setup()
    net = Net(live, checked)
    live.net = net
    return net
