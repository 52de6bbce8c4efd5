"""Wi-Fi set-up from a phone: the board's own access point and a one-form page.

With no Wi-Fi configured, or with mode held at power-up on a board with
Wi-Fi (:func:`app.runner.main`), the set-up task (:meth:`Setup.run`, a
supervised task like the others: the thermostat keeps controlling
meanwhile) opens an access point named ``Thermostat-XXXX`` (the chip id's
last two bytes) and serves a small page at http://192.168.4.1/ asking for
the network's name and password, the thermostat's password and the time
zone. Then it moves through::

    AP --(a post that passes every check)--> JOINING --> JOINED
     ^                                          |
     +---- the reason, after JOIN_TRIES failed joins or a refused save

A post is checked whole in the request (:func:`check_form`: one message
naming the first bad field, nothing stored); the task then stores the
device options with ``app.save_settings`` (the power-safe settings store)
and the password with ``app.auth`` (a salted hash), waiting only through its
pause, and joins. Joined, the page and the screen show the address for a
minute, then the access point closes and the network's tasks start
(``app.start_network``: clock, MQTT, web) without a reset.

The page is served through :class:`app.serve.Server`, as the web page is:
at most :data:`CONNECTIONS_MAX` connections, each request whole within its
deadline, a form that is not UTF-8 refused with one message, no trace.

The access point is WPA2 with a fresh random password when the board has a
screen to show it on, open when it has none (a phone cannot join a network
whose password it cannot learn). WPA2 keeps the Wi-Fi password and the
thermostat's password off the air in clear text while they are typed in.
No password is ever put in the page, the log or the screen, save the
access point's own, on the screen.
"""

import asyncio

from board import net
from microdot import Microdot, Response, redirect  # installed by make deploy (mip); missing: no set-up
from microdot.csrf import CSRF

from app import device
from app.auth import check_password
from app.console import log
from app.serve import Server, form_of
from thermo.schema import SettingError, show

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

DEADLINE_MS = const(3000)  # every wait (joins included) is through the task's pause
POLL_MS = const(250)
JOIN_TRIES = const(3)  # joins tried before going back to the access point with the reason
LINGER_MS = const(60_000)  # the address shown this long after the join, then the access point closes
CONNECTIONS_MAX = const(2)  # a phone, and one more; extra connections are closed at once (app.serve.Server)
PORT = const(80)
ADDRESS = "192.168.4.1"  # the access point's address on the ESP32 and the Pico W
AP_KEY_CHARS = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1, o/0: read off a small screen
AP_KEY_LENGTH = const(10)

RETRY_MS = const(5000)

AP = "ap"
JOINING = "joining"
JOINED = "joined"


def ap_name(uid):
    """The access point's name: ``Thermostat-`` and the chip id's last two bytes."""
    return "Thermostat-%02X%02X" % (uid[-2], uid[-1])


def ap_key(random_bytes):
    """A WPA2 password from random bytes: 10 characters of 32 (50 bits)."""
    return "".join(AP_KEY_CHARS[b % len(AP_KEY_CHARS)] for b in random_bytes[:AP_KEY_LENGTH])


def check_form(form, options):
    """(device option changes, thermostat password) of a posted form,
    checked whole against the device ``options``; SettingError naming the
    first bad field (a secret only by its size). Nothing is stored here."""
    ssid = form.get("ssid") or ""
    if not ssid.strip():
        raise SettingError("device.wifi_ssid", "a network name is needed (allowed: 1 to 32 bytes)")
    text = (form.get("utc_offset_min") or "").strip()
    try:
        offset = int(text)
    except ValueError:
        raise SettingError("device.utc_offset_min", "%s is not a whole number of minutes (allowed: -720 to 840)"
                           % show(text)) from None
    changes = {"wifi_ssid": ssid, "wifi_password": form.get("wifi_password") or "", "utc_offset_min": offset,
               "dst": form.get("dst") or ""}
    device.validate(changes, options)
    password = form.get("password") or ""
    check_password(password)  # app.auth's rule, the one set_password applies
    if (form.get("confirm") or "") != password:
        raise SettingError("confirm", "does not match the password")
    return changes, password


def escape(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&#39;"))


class Setup:
    """The set-up of one board. ``app``: the runner.App (``options``,
    ``save_settings``, ``auth``, ``start_network``); ``key``: the access
    point's WPA2 password, or "" for an open one; ``why``: why set-up runs."""

    def __init__(self, app, name, key, why):
        self.app = app
        self.name = name
        self.key = key
        self.why = why
        self.state = AP
        self.reason = ""  # why the last attempt went back to the access point
        self.address = ""  # on the home network, once joined
        self.active = True  # False once the access point has closed
        self.changes = 0  # counts every change the screen shows
        self.pending = None  # (option changes, password) posted, for the task to store
        self.server = None  # the page's app.serve.Server, once the task runs

    # -- what people see ----------------------------------------------------

    def _set(self, state, reason=""):
        self.state = state
        self.reason = reason
        self.changes += 1

    def screen_lines(self):
        """(state, detail) for the screen, 16 characters each at most."""
        if self.state == JOINING:
            return "joining", self.app.options["wifi_ssid"] or ""
        if self.state == JOINED:
            return "joined", self.address
        if self.reason:
            return "not joined:", self.reason
        return "waiting", ""

    def status_html(self):
        ssid = escape(self.app.options["wifi_ssid"] or "")
        if self.state == JOINING:
            return "Saving and joining %s&hellip;" % ssid
        if self.state == JOINED:
            return ("Joined %s. Join that network again, then open the thermostat at "
                    "<a href=\"http://%s/\">http://%s/</a>" % (ssid, self.address, self.address))
        if self.reason:
            return "Could not join %s: %s. Check the network name and password." % (ssid, escape(self.reason))
        return "Connect the thermostat to your Wi-Fi."

    def page(self, message="", form=None):
        options = self.app.options
        form = form or {}
        ssid = form.get("ssid") if form.get("ssid") is not None else (options["wifi_ssid"] or "")
        offset = form.get("utc_offset_min") or str(options["utc_offset_min"])
        dst = form.get("dst") or options["dst"]
        refresh = '<meta http-equiv="refresh" content="3">' if self.state != AP else ""
        choices = "".join('<option value="%s"%s>%s</option>' % (rule, " selected" if rule == dst else "", words)
                          for rule, words in (("none", "none"), ("us", "US rules"), ("eu", "EU rules")))
        return "".join((
            '<!doctype html><html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">', refresh,
            "<title>Thermostat set-up</title><style>body{font-family:sans-serif;max-width:30em;margin:1em auto;"
            "padding:0 1em}label{display:block;margin-top:.8em}input,select,button{width:100%;font-size:1.1em;"
            "box-sizing:border-box}button{margin-top:1em}.error{color:#b00}</style></head><body>"
            '<h1>Thermostat set-up</h1><p id="state">', self.status_html(), "</p>",
            '<p id="message" class="error">%s</p>' % escape(message) if message else "",
            '<form id="setup-form" method="post" action="/">'
            '<label for="ssid">Wi-Fi network name</label>'
            '<input id="ssid" name="ssid" maxlength="32" required value="%s">' % escape(ssid),
            '<label for="wifi_password">Wi-Fi password</label>'
            '<input id="wifi_password" name="wifi_password" type="password" maxlength="64">'
            '<label for="password">Thermostat password (8 to 64 characters)</label>'
            '<input id="password" name="password" type="password" minlength="8" maxlength="64" required>'
            '<label for="confirm">Thermostat password again</label>'
            '<input id="confirm" name="confirm" type="password" minlength="8" maxlength="64" required>'
            '<label for="utc_offset_min">Standard time minus UTC, in minutes (New York -300, Paris 60)</label>'
            '<input id="utc_offset_min" name="utc_offset_min" type="number" min="-720" max="840" step="1" '
            'value="%s">' % escape(offset),
            '<label for="dst">Daylight saving</label><select id="dst" name="dst">', choices, "</select>"
            '<button type="submit">Save and join</button></form></body></html>'))

    # -- the page's requests --------------------------------------------------

    def make_web(self):
        """The page's microdot app: GET / and POST /; anything else goes to /.
        Served only through :class:`app.serve.Server` (:meth:`run`)."""
        web = Microdot()
        CSRF(web)  # a cross-site post (another page open on the phone) is refused
        html = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}

        @web.get("/")
        async def show_page(request):
            return Response(self.page(), headers=html)

        @web.post("/")
        async def post_page(request):
            try:
                form = form_of(request)
            except SettingError as exc:  # not URL-encoded UTF-8: one message, nothing stored
                return Response(self.page(str(exc)), 400, html)
            if self.state != AP or self.pending is not None:
                return Response(self.page("set-up is already joining; wait for the outcome"), 409, html)
            try:
                self.pending = check_form(form, self.app.options)
            except SettingError as exc:
                return Response(self.page(str(exc), form), 400, html)
            self._set(JOINING)
            log("setup: form accepted for network %s; saving and joining" % show(self.pending[0]["wifi_ssid"]))
            return redirect("/", 303)

        @web.errorhandler(404)
        async def elsewhere(request):
            return redirect("/")

        return web

    # -- the task -------------------------------------------------------------

    async def run(self, task):
        # A connection's own wait is the scheduler's: requests run side by side.
        self.server = Server(self.make_web(), asyncio.sleep_ms, "setup", CONNECTIONS_MAX)
        net.open_access_point(self.name, self.key)
        log("setup (%s): access point %s (%s), page http://%s/" % (
            self.why, self.name, "WPA2, its password on the screen" if self.key else "open", ADDRESS))
        while self.state != JOINED:
            if self.server.listener is None:
                await self.listen(task, self.server)
            pending = self.pending
            if pending is not None:
                self.pending = None
                await self.store(task, pending)
            if self.state == JOINING:
                await self.join(task)
            else:
                await task.pause(POLL_MS)
        await task.pause(LINGER_MS)
        self.close()
        self.app.start_network()

    async def listen(self, task, server):
        """Start the page's server; a refused port is an alert, tried again."""
        try:
            await server.listen(task, "0.0.0.0", PORT)
        except OSError as exc:
            self.app.report.alert("setup", "the set-up page could not start (%r); trying again" % (exc,))
            await task.pause(RETRY_MS)
            return
        self.app.report.clear_alert("setup")

    def close(self):
        if self.server is not None:
            self.server.close()
        net.close_access_point()
        self.active = False
        self.changes += 1
        log("setup: access point closed")

    async def store(self, task, pending):
        """The posted options (settings store) and password (a salted hash
        through app.auth), or nothing: a password that could not be stored
        takes the options back."""
        app = self.app
        changes, password = pending
        before = {}
        for key in changes:
            before[key] = app.options[key]
        try:
            app.save_settings(options=changes)
        except (SettingError, OSError) as exc:
            self._set(AP, "not saved (%s)" % exc)
            log("setup: %s" % self.reason)
            return
        try:
            await app.auth.set_password(password, task.pause)
        except (SettingError, OSError) as exc:
            try:
                app.save_settings(options=before)
            except (SettingError, OSError) as again:
                log("setup: the Wi-Fi options could not be taken back (%s)" % again)
            self._set(AP, "password not saved (%s)" % exc)
            log("setup: %s" % self.reason)
            return
        log("setup: Wi-Fi, time zone and password saved")

    async def join(self, task):
        options = self.app.options
        reason = None
        for attempt in range(1, JOIN_TRIES + 1):
            reason = await net.join(options["wifi_ssid"], options["wifi_password"], task.pause)
            if reason is None:
                self.address = net.station().ifconfig()[0]
                self._set(JOINED)
                log("setup: joined %s, address %s" % (show(options["wifi_ssid"]), self.address))
                return
            log("setup: joining %s failed (%s), try %d of %d" % (show(options["wifi_ssid"]), reason, attempt,
                                                               JOIN_TRIES))
        self._set(AP, reason or "no answer")
