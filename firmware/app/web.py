"""The web page and JSON API, served from the board with microdot.

Every write goes through the device's own ``command`` and ``save_settings``,
the same checks as the buttons, MQTT and the settings file: applied whole,
or refused with one message (SettingError) and nothing changed. Every write
needs a session (:mod:`app.auth`): the ``session`` cookie (forms, which
also carry the session's CSRF token) or ``Authorization: Bearer`` (the
API; a cookie alone is taken by the API only with a JSON body, which no
other site's form can send). microdot's CSRF check refuses a cross-site
request by its ``Sec-Fetch-Site``/``Origin`` headers before any of that.
Status reads are open only with the device option ``web_open_status``.

The HTML is :mod:`app.page`'s; the API's shapes are in the README.

:meth:`Web.serve` is a supervised task: the app served by
:class:`app.serve.Server`, the one guard every microdot app on the board is
served through (at most :data:`CONNECTIONS_MAX` connections, each request
whole within :data:`REQUEST_MS`, a slot freed the moment its answer is sent,
microdot's limits, what microdot cannot read logged in one line by kind).
Every handler catches everything: no request can crash the server or echo a
trace.
"""

from microdot import Microdot
from microdot.csrf import CSRF

from app import page
from app import webapi as api
from app.console import log
from app.serve import BODY_MAX, CONNECTIONS_MAX, REQUEST_MS, Server  # noqa: F401 (the web's limits, named here too)
from app.webapi import COOKIE, error
from thermo.values import SettingError

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
ERRORS = {400: "request: malformed", 403: "origin: cross-site request refused", 404: "path: not found",
          405: "method: not allowed", 413: "body: larger than %d bytes" % BODY_MAX, 500: "server: internal error"}


class Web:
    def __init__(self, device, auth, options, pause):
        self.device = device
        self.auth = auth
        self.options = options
        self.pause = pause  # for hashing a password in steps
        self.errors = 0  # handlers that raised (answered 500)
        app = Microdot()
        self.app = app
        self.guard = Server(app, pause, "web")  # its connections, deadline, limits and quiet log
        CSRF(app)
        for status in ERRORS:
            app.errorhandler(status)(self._error_handler(status))
        app.after_request(self._headers)
        app.after_error_request(self._headers)
        api.routes(self, app)
        page.routes(self, app)

    # -- shared by the API and the page --------------------------------------

    def device_options(self):
        """The options in force: the device's own (a settings change replaces them)."""
        return getattr(self.device, "options", None) or self.options

    def open_status(self):
        return bool(self.device_options().get("web_open_status", False))

    def session(self, request):
        """(session or None, how: "bearer" or "cookie")."""
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return self.auth.session(header[7:].strip()), "bearer"
        return self.auth.session(request.cookies.get(COOKIE)), "cookie"

    def failed(self, where, exc):
        """A handler raised: counted, logged by kind only (no value of the
        request, which may hold a password), answered with a plain 500."""
        self.errors += 1
        log("web: %s failed: %s" % (where, type(exc).__name__))

    def command(self, changes):
        """The device's command: None, or the refusal's message."""
        try:
            self.device.command(changes)
        except SettingError as exc:
            return str(exc)
        return None

    def save(self, settings=None, options=None):
        """The device's settings change: (status, message or None, the
        refused field or None). An installer setting's field is named
        ``settings.<key>`` in the message."""
        try:
            self.device.save_settings(settings, options)
        except SettingError as exc:
            return 400, api.settings_error(exc), exc.key
        except OSError as exc:
            return 503, "flash: not saved (%s); nothing changed" % (exc,), None
        return 200, None, None

    def _error_handler(self, status):
        message = ERRORS[status]

        async def handler(request, *exc):
            return error(status, message)

        return handler

    async def _headers(self, request, response):
        for name in SECURITY_HEADERS:
            if name not in response.headers:
                response.headers[name] = SECURITY_HEADERS[name]
        return response

    # -- the server (app.serve.Server's) ----------------------------------------

    async def serve(self, task, host, port):
        """Listen on ``host:port`` and serve until cancelled (a supervised task)."""
        await self.guard.serve(task, host, port)

    def _connection(self, reader, writer):
        """One connection, as the guard takes it (asyncio.start_server's handler)."""
        return self.guard.connection(reader, writer)

    @property
    def server(self):
        """The listening server while it listens, else None."""
        return self.guard.listener

    @property
    def open(self):
        """Connections being served."""
        return self.guard.open

    @property
    def refused(self):
        """Connections closed at once: CONNECTIONS_MAX were open."""
        return self.guard.refused

    @property
    def timeouts(self):
        """Requests cancelled at REQUEST_MS."""
        return self.guard.timeouts

    @property
    def unparsed(self):
        """Requests microdot could not read (answered 400) or failed inside it."""
        return self.guard.unparsed
