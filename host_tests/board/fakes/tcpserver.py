"""Fake ``asyncio.start_server``: the firmware's TCP servers (the Wi-Fi
set-up page, the web page) on the harness's board, and a client for tests.

``start_server(handler, host, port)`` records the handler in
``WORLD.servers[port]`` (a second server on a port still open is refused
with OSError, as lwIP refuses it); :func:`connect` hands the handler a
connection carrying one request, run as a task of the board's own loop
(CPython's asyncio or :mod:`fakes.virtual_asyncio`), and returns the
:class:`Writer` whose ``data`` is what the firmware answered. Call it from
a test event (``world.at``): the request then arrives while the board runs.
The streams offer what MicroPython's ``asyncio.Stream`` offers.
"""

import sys

from fakes import world as _world

EADDRINUSE = 98


class Server:
    def __init__(self, world, port):
        self.world = world  # its own: a server may be closed after the test, when its coroutine is collected
        self.port = port
        self.closed = False

    def close(self):
        self.closed = True
        servers = self.world.servers
        if servers.get(self.port) is not None and servers[self.port][1] is self:
            del servers[self.port]

    async def wait_closed(self):
        pass


async def start_server(handler, host, port, backlog=5, **kwargs):
    world = _world.WORLD
    if port in world.servers:
        raise OSError(EADDRINUSE)
    server = Server(world, port)
    world.servers[port] = (handler, server)
    return server


class Reader:
    """A request's bytes; ``stall_after``: give that many, then never more
    (slowloris); ``dribble_ms``: each byte arrives that long after the one
    before (slowloris too, on the virtual clock); ``filler``: that many more
    bytes b"x" after ``data``, made only as they are read (a 1 MB body must
    not have to fit the unix port's heap whole before the server refuses it)."""

    def __init__(self, data, stall_after=None, dribble_ms=0, filler=0):
        self.data = data
        self.filler = filler
        self.pos = 0
        self.stall_after = stall_after
        self.dribble_ms = dribble_ms

    async def _stall(self, wanted_end):
        if self.dribble_ms and wanted_end > self.pos:
            await sys.modules["asyncio"].sleep_ms(self.dribble_ms * (wanted_end - self.pos))
        if self.stall_after is not None and wanted_end > self.stall_after:
            await sys.modules["asyncio"].Event().wait()

    def _bytes(self, end):
        head = self.data[self.pos:end]
        extra = end - max(self.pos, len(self.data))
        return head + b"x" * extra if extra > 0 else head

    async def readline(self):
        total = len(self.data) + self.filler
        end = self.data.find(b"\n", self.pos) if self.pos < len(self.data) else -1
        end = total if end < 0 else end + 1
        await self._stall(end)
        line = self._bytes(end)
        self.pos = end
        return line

    async def read(self, n=-1):
        total = len(self.data) + self.filler
        end = total if n < 0 else min(total, self.pos + n)
        await self._stall(end)
        chunk = self._bytes(end)
        self.pos = end
        return chunk

    readexactly = read


class Writer:
    def __init__(self):
        self.data = b""
        self.closed = False

    def get_extra_info(self, name):
        return ("192.168.4.2", 50000) if name == "peername" else None

    def write(self, data):
        self.data += data.encode() if isinstance(data, str) else bytes(data)

    async def drain(self):
        pass

    async def awrite(self, data):
        self.write(data)

    def close(self):
        self.closed = True

    async def wait_closed(self):
        pass

    async def aclose(self):
        self.close()


def connect(port, data, stall_after=None, dribble_ms=0, filler=0):
    """A connection to ``port`` sending ``data`` (and ``filler`` bytes b"x"): the Writer the answer goes to."""
    handler, _server = _world.WORLD.servers[port]
    writer = Writer()
    sys.modules["asyncio"].create_task(handler(Reader(data, stall_after, dribble_ms, filler), writer))
    return writer


def request(method, path, form=None, headers=None):
    """An HTTP/1.0 request; ``form``: a dict sent url-encoded."""
    body = b""
    lines = ["%s %s HTTP/1.0" % (method, path), "Host: 192.168.4.1"]
    if form is not None:
        body = "&".join("%s=%s" % (key, quote(value)) for key, value in form.items()).encode()
        lines += ["Content-Type: application/x-www-form-urlencoded", "Content-Length: %d" % len(body)]
    for key in headers or {}:
        lines.append("%s: %s" % (key, headers[key]))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def quote(text):
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
    return "".join(chr(b) if b in safe else "%%%02X" % b for b in str(text).encode())


def answer(writer):
    """(status, headers, body text) of what the firmware wrote."""
    head, _, body = writer.data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body.decode()
