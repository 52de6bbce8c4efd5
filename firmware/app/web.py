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

:meth:`Web.serve` is a supervised task. Each connection is its own asyncio
task that waits only through ``pause``: it lets at most
:data:`CONNECTIONS_MAX` be served at once (the others are closed at once)
and cancels a request not done within :data:`REQUEST_MS` (slowloris); a
connection's slot is free the moment its answer is sent. A request line or
header longer than :data:`READLINE_MAX`, or a body over :data:`BODY_MAX`,
is refused by microdot itself (400, 413); what microdot cannot read is
logged in one line by kind, not as its trace. Every handler catches
everything: no request can crash the server or echo a trace.
"""

import asyncio

import microdot.microdot as microdot_core
from microdot import Microdot, Request
from microdot.csrf import CSRF

from app import page
from app import webapi as api
from app.console import log
from app.webapi import COOKIE, error
from thermo.values import SettingError

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

CONNECTIONS_MAX = const(4)
REQUEST_MS = const(5000)
POLL_MS = const(20)
BODY_MAX = const(4096)
READLINE_MAX = const(512)
SERVE_PAUSE_MS = const(1000)
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


class _Writer:
    """CPython's StreamWriter with the awrite/aclose microdot and
    MicroPython use (each returns the awaitable to wait on)."""

    def __init__(self, writer):
        self.writer = writer

    def awrite(self, data):
        self.writer.write(data)
        return self.writer.drain()

    def aclose(self):
        self.writer.close()
        return self.writer.wait_closed()

    def get_extra_info(self, name):
        return self.writer.get_extra_info(name)


def finished(task):
    """A done asyncio task's result, its exception raised (CPython keeps it
    behind ``result()``; MicroPython in ``data``, a StopIteration when it
    returned). Also app.wifisetup's."""
    if hasattr(task, "result"):
        return task.result()
    data = task.data
    if isinstance(data, StopIteration):
        return data.value
    if data is not None:
        raise data
    return None


class Web:
    def __init__(self, device, auth, options, pause):
        self.device = device
        self.auth = auth
        self.options = options
        self.pause = pause
        self.server = None
        self.open = 0  # connections being served
        self.refused = 0  # connections closed at once: CONNECTIONS_MAX were open
        self.timeouts = 0  # requests cancelled at REQUEST_MS
        self.errors = 0  # handlers that raised (answered 500)
        self.unparsed = 0  # requests microdot could not read (answered 400) or failed inside it
        microdot_core.print_exception = self._microdot_failed
        Request.max_content_length = BODY_MAX
        Request.max_body_length = BODY_MAX
        Request.max_readline = READLINE_MAX
        app = Microdot()
        self.app = app
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

    def _microdot_failed(self, exc):
        """microdot's own ``print_exception`` (it prints a whole trace for a
        malformed request line or header, then answers 400): one line, by
        kind only, as :meth:`failed` (the request's bytes stay out of the log)."""
        self.unparsed += 1
        log("web: request refused by microdot: %s" % type(exc).__name__)

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

    # -- the server ----------------------------------------------------------

    async def serve(self, task, host, port):
        """Listen on ``host:port`` and serve until cancelled (a supervised task)."""
        starting = asyncio.create_task(asyncio.start_server(self._connection, host, port))
        while not starting.done():
            await task.pause(POLL_MS)
        self.server = finished(starting)
        log("web: serving on %s port %d" % (host, port))
        try:
            while True:
                await task.pause(SERVE_PAUSE_MS)
        finally:
            self.server.close()
            self.server = None

    async def _connection(self, reader, writer):
        if not hasattr(writer, "awrite"):
            writer = _Writer(writer)
        if self.open >= CONNECTIONS_MAX:
            self.refused += 1
            asyncio.create_task(writer.aclose())
            return
        self.open += 1
        run = asyncio.create_task(self._answer(reader, writer))
        # The slot is run's to free (its finally). run.cancel() only ever
        # comes after this task has waited at least once, so run has started
        # by then (a task cancelled before its first step skips its finally).
        waited_ms = 0
        try:
            while not run.done():
                if waited_ms >= REQUEST_MS:
                    self.timeouts += 1
                    run.cancel()
                    asyncio.create_task(writer.aclose())
                    return
                await self.pause(POLL_MS)
                waited_ms += POLL_MS
        except BaseException:  # this watcher cancelled (the server stops): its request too
            run.cancel()
            raise

    async def _answer(self, reader, writer):
        """One request, its slot freed the moment it ends (answered, failed
        or cancelled), not at the watcher's next poll: a client's next
        request, right after this answer, finds the slot free."""
        try:
            await self.app.handle_request(reader, writer)
        except Exception as exc:  # noqa: BLE001 (a socket error mid-answer: this connection only)
            log("web: connection ended: %s" % type(exc).__name__)
        finally:
            self.open -= 1
