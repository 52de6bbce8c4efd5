"""The one way a microdot app is served on the board: :class:`Server`.

The web page and API (:mod:`app.web`) and the Wi-Fi set-up page
(:mod:`app.wifisetup`) are both served through it, so neither can be served
without its rules:

- at most ``most`` connections at once (:data:`CONNECTIONS_MAX` unless
  given): a further one is closed at once, unanswered (``refused``);
- each request whole within :data:`REQUEST_MS` (slowloris): a request still
  running then is cancelled and its connection closed (``timeouts``);
- a connection's slot is free the moment its answer is sent (microdot's
  ``aclose`` of the connection, :class:`_Writer`), not at the deadline
  watcher's next look; the watcher, cancelled (the server stops), cancels
  its request too;
- microdot's limits: a request line or header longer than
  :data:`READLINE_MAX` is refused (400), a body over :data:`BODY_MAX` too (413);
- what microdot cannot read (it would print a whole trace) is logged in one
  line by kind only, never the request's bytes (``unparsed``), and answered 400;
- a form body that is not URL-encoded UTF-8 is one message
  (:func:`form_of`), never a 500 with a trace.

Each connection is an asyncio task that waits only through the server's
``pause``, watching its request (microdot's ``handle_request``, a task of
its own, cut at the deadline); :meth:`Server.serve` is a supervised task
(its waits go through the task's pause). This module imports microdot's core and nothing
of the web page: the set-up page imports it while the access point is up,
with as little on the heap as may be.
"""

import asyncio

import microdot.microdot as microdot_core
from microdot import Request

from app.console import log
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
# The status line's words (microdot says "N/A" for all but 200).
REASONS = {303: "See Other", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}


class _Writer:
    """One connection's writer as microdot uses it (awrite, aclose,
    get_extra_info), over MicroPython's stream or CPython's StreamWriter
    (write, drain, close, wait_closed). Each returns the awaitable to wait
    on. While ``held`` it holds one of its server's slots: microdot's
    ``aclose``, the answer sent, frees it at once."""

    def __init__(self, server, writer):
        self.server = server
        self.writer = writer
        self.held = False
        self.cpython = not hasattr(writer, "awrite")

    def awrite(self, data):
        if self.cpython:
            self.writer.write(data)
            return self.writer.drain()
        return self.writer.awrite(data)

    def aclose(self):
        self.free()
        if self.cpython:
            self.writer.close()
            return self.writer.wait_closed()
        return self.writer.aclose()

    def get_extra_info(self, name):
        return self.writer.get_extra_info(name)

    def free(self):
        """Give the slot back (once)."""
        if self.held:
            self.held = False
            self.server.open -= 1


def finished(task):
    """A done asyncio task's result, its exception raised (CPython keeps it
    behind ``result()``; MicroPython in ``data``, a StopIteration when it
    returned)."""
    if hasattr(task, "result"):
        return task.result()
    data = task.data
    if isinstance(data, StopIteration):
        return data.value
    if data is not None:
        raise data
    return None


def form_of(request):
    """A posted form's fields ({} for none); SettingError("form", ...) when
    its body is not URL-encoded UTF-8 (microdot raises while decoding it)."""
    try:
        return request.form or {}
    except ValueError:  # UnicodeError is one, and a bad %xx escape
        raise SettingError("form", "not URL-encoded UTF-8 text (nothing was changed)") from None


async def _reason(request, response):
    """The status line says what its code means ("401 Unauthorized")."""
    if response.reason is None:
        response.reason = REASONS.get(response.status_code)
    return response


class Server:
    """``app`` (a Microdot) served under the rules above; ``pause(ms)``: the
    connections' own wait (requests run side by side); ``name``: the log's
    prefix; ``most``: connections at once."""

    def __init__(self, app, pause, name, most=CONNECTIONS_MAX):
        self.app = app
        self.pause = pause
        self.name = name
        self.most = most
        self.listener = None  # the asyncio server, while listening
        self.open = 0  # connections being served
        self.refused = 0  # connections closed at once: ``most`` were open
        self.timeouts = 0  # requests cancelled at REQUEST_MS
        self.unparsed = 0  # requests microdot could not read (answered 400) or failed inside it
        # microdot's limits and its one exception printer are its module's and
        # class's: the same for every app, set by every server.
        Request.max_content_length = BODY_MAX
        Request.max_body_length = BODY_MAX
        Request.max_readline = READLINE_MAX
        # (set by name: microdot's stubs do not declare its fallback printer)
        setattr(microdot_core, "print_exception", self._microdot_failed)  # noqa: B010
        app.after_request(_reason)
        app.after_error_request(_reason)

    async def listen(self, task, host, port):
        """Bind ``host:port`` (a task of its own, so that ``task`` waits
        only through its pause); OSError when the port is refused."""
        starting = asyncio.create_task(asyncio.start_server(self.connection, host, port))
        while not starting.done():
            await task.pause(POLL_MS)
        self.listener = finished(starting)
        log("%s: serving on %s port %d" % (self.name, host, port))

    async def serve(self, task, host, port):
        """Listen on ``host:port`` and serve until cancelled (a supervised task)."""
        await self.listen(task, host, port)
        try:
            while True:
                await task.pause(SERVE_PAUSE_MS)
        finally:
            self.close()

    def close(self):
        """Stop listening (the connections being served finish on their own)."""
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    async def connection(self, reader, writer):
        """One connection (asyncio.start_server's handler): answered, or
        closed at once when ``most`` are open, or cut at REQUEST_MS. The
        request runs as a task of its own (microdot's ``handle_request``);
        this one only watches it, waiting through ``pause``."""
        conn = _Writer(self, writer)
        if self.open >= self.most:
            self.refused += 1
            asyncio.create_task(conn.aclose())
            return
        self.open += 1
        conn.held = True
        run = asyncio.create_task(self.app.handle_request(reader, conn))
        # The slot is freed once: by the answer's aclose (at once, not at
        # this watcher's next look), or here when the request is cut, fails,
        # or this watcher is cancelled.
        waited_ms = 0
        try:
            while not run.done():
                if waited_ms >= REQUEST_MS:
                    self.timeouts += 1
                    run.cancel()
                    conn.free()
                    asyncio.create_task(conn.aclose())
                    log("%s: a request not done within %d ms: dropped" % (self.name, REQUEST_MS))
                    return
                await self.pause(POLL_MS)
                waited_ms += POLL_MS
        except BaseException:  # this watcher cancelled (the server stops): its request too
            run.cancel()
            conn.free()
            raise
        try:
            finished(run)
        except Exception as exc:  # noqa: BLE001 (a socket error mid-answer: this connection only)
            log("%s: connection ended: %s" % (self.name, type(exc).__name__))
        if conn.held:  # ended without closing its connection
            conn.free()
            asyncio.create_task(conn.aclose())

    def _microdot_failed(self, exc):
        """microdot's own ``print_exception`` (it prints a whole trace for a
        malformed request line or header, then answers 400): one line, by
        kind only (the request's bytes stay out of the log)."""
        self.unparsed += 1
        log("%s: request refused by microdot: %s" % (self.name, type(exc).__name__))
