"""A phone on the house's Wi-Fi using the board's web API, for the soak.

Every :data:`EVERY_MS` (from :data:`FIRST_MS`), while the board's Wi-Fi is
up, a *visit* runs as a task of the board's own loop, through the fake
``asyncio.start_server`` (fakes/tcpserver.py), on the virtual clock:

- log in (``POST /api/login``; every :data:`WRONG_EVERY`-th visit first with
  a wrong password: 401), read ``/api/status`` with the bearer token, post a
  command (the cool setpoint, 75 and 74 °F in turns: the replay is given it,
  see soak.py) and an installer setting out of range (400, naming it);
- every other visit logs out; the others leave their session behind, so
  the session table must drop the oldest (at most ``SESSIONS_MAX``);
- every :data:`MISBEHAVE_EVERY`-th visit then misbehaves, by turns:
  ``slowloris`` (a request dribbled a byte every 500 ms: cut at the
  server's deadline), ``1mb_body`` (a 1 MB body: 413), ``malformed`` (a
  request line that is not one: 400), ``ten_at_once`` (10 connections at
  the same instant: some answered, the rest closed, none 5xx), and then
  checks that the web still answers (``/api/status``: 200).

Each visit ends by checking that no connection is left open and that the
session table is within its cap. Anything unexpected is a line in
``failures`` (naming the visit's time); the soak's verdict reads
:meth:`Client.record`. Runs on CPython and MicroPython alike.
"""

import json
import sys

from fakes import tcpserver

FIRST_MS = 3 * 60_000
EVERY_MS = 5 * 60_000
WRONG_EVERY = 7
MISBEHAVE_EVERY = 3
MISBEHAVIOURS = ("slowloris", "1mb_body", "malformed", "ten_at_once")
ANSWER_MS = 15_000  # longer than any request may take (the server cuts one at 5 s)
POLL_MS = 50
DRIBBLE_MS = 500
BIG_BODY = 1 << 20
PORT = 80


class Client:
    def __init__(self, world, password, duration_ms):
        self.world = world
        self.password = password
        self.visits = 0
        self.offline = 0  # visits skipped: the board's Wi-Fi was down
        self.logins = 0
        self.commands = []  # (t_ms, cool °F) of every command the board took (200)
        self.misbehaved = {}  # kind -> times
        self.most_sessions = 0
        self.failures = []
        self.running = 0
        t_ms = FIRST_MS
        while t_ms < duration_ms - ANSWER_MS * 4:
            world.at(t_ms, self._start)
            t_ms += EVERY_MS

    def record(self):
        return {"visits": self.visits, "offline": self.offline, "logins": self.logins, "commands": self.commands,
                "misbehaved": self.misbehaved, "most_sessions": self.most_sessions, "failures": self.failures}

    def _start(self):
        world = self.world
        if not (world.wifi_up() and world.wlan_ssid is not None) or PORT not in world.servers:
            self.offline += 1
            return
        self.visits += 1
        sys.modules["asyncio"].create_task(self._visit(self.visits, world.now_ms))

    def _fail(self, at_ms, text):
        if len(self.failures) < 20:
            self.failures.append("visit at %d ms: %s" % (at_ms, text))

    async def _send(self, data, dribble_ms=0, filler=0):
        """The answer to one request: (status or None if closed unanswered, body)."""
        writer = tcpserver.connect(PORT, data, dribble_ms=dribble_ms, filler=filler)
        waited = 0
        while not writer.closed and waited < ANSWER_MS:
            await sys.modules["asyncio"].sleep_ms(POLL_MS)
            waited += POLL_MS
        if not writer.closed:
            return -1, "never answered nor closed"
        if not writer.data:
            return None, ""
        status, _headers, body = tcpserver.answer(writer)
        return status, body

    @staticmethod
    def _json(method, path, document, token=None):
        body = json.dumps(document).encode()
        lines = ["%s %s HTTP/1.0" % (method, path), "Host: 192.168.1.50", "Content-Type: application/json",
                 "Content-Length: %d" % len(body)]
        if token:
            lines.append("Authorization: Bearer " + token)
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    @staticmethod
    def _get(path, token):
        return ("GET %s HTTP/1.0\r\nHost: 192.168.1.50\r\nAuthorization: Bearer %s\r\n\r\n" % (path, token)).encode()

    async def _visit(self, n, at_ms):
        try:
            await self._steps(n, at_ms)
        except Exception as exc:  # noqa: BLE001 -- the client's own fault is a failure too, never silent
            self._fail(at_ms, "the client failed: %r" % (exc,))

    async def _expect(self, at_ms, what, data, status, dribble_ms=0, filler=0):
        got, body = await self._send(data, dribble_ms, filler)
        if got != status:
            self._fail(at_ms, "%s answered %s, not %s: %s" % (what, got, status, body[:120]))
            return None
        return body

    async def _steps(self, n, at_ms):
        if n % WRONG_EVERY == 0:
            await self._expect(at_ms, "a wrong password", self._json("POST", "/api/login", {"password": "wrong-one!"}),
                               401)
        body = await self._expect(at_ms, "login", self._json("POST", "/api/login", {"password": self.password}), 200)
        if body is None:
            return
        self.logins += 1
        token = json.loads(body)["token"]
        body = await self._expect(at_ms, "status", self._get("/api/status", token), 200)
        if body is not None and "mode" not in json.loads(body):
            self._fail(at_ms, "status without a mode: %s" % body[:120])
        cool_f = 75 if n % 2 else 74
        sent_ms = self.world.now_ms
        body = await self._expect(at_ms, "command", self._json("POST", "/api/command", {"cool_setpoint_f": cool_f},
                                                               token), 200)
        if body is not None:
            self.commands.append((sent_ms, cool_f))
            if json.loads(body).get("cool_setpoint_f") != cool_f:
                self._fail(at_ms, "the command's answer shows %s" % body[:120])
        body = await self._expect(at_ms, "a refused setting", self._json(
            "POST", "/api/settings", {"settings": {"min_off_s": 5}}, token), 400)
        if body is not None and not json.loads(body).get("error", "").startswith("settings.min_off_s: "):
            self._fail(at_ms, "the refusal does not name the field: %s" % body[:120])
        if n % MISBEHAVE_EVERY == 0:
            kind = MISBEHAVIOURS[(n // MISBEHAVE_EVERY - 1) % len(MISBEHAVIOURS)]
            await self._misbehave(kind, at_ms, token)
            self.misbehaved[kind] = self.misbehaved.get(kind, 0) + 1
            await self._expect(at_ms, "status after " + kind, self._get("/api/status", token), 200)
        if n % 2:
            await self._expect(at_ms, "logout", self._json("POST", "/api/logout", {}, token), 200)
        self._check_server(at_ms)

    async def _misbehave(self, kind, at_ms, token):
        if kind == "slowloris":
            got, _body = await self._send(self._get("/api/status", token), DRIBBLE_MS)
            if got is not None and got != 408:
                self._fail(at_ms, "a dribbled request answered %s, not cut" % (got,))
        elif kind == "1mb_body":
            head = ("POST /api/command HTTP/1.0\r\nHost: 192.168.1.50\r\nContent-Type: application/json\r\n"
                    "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n" % (token, BIG_BODY)).encode()
            await self._expect(at_ms, "a 1 MB body", head, 413, filler=BIG_BODY)
        elif kind == "malformed":
            await self._expect(at_ms, "a malformed request line", b"GARBAGE\x01 IN\r\n\r\n", 400)
        else:
            writers = [tcpserver.connect(PORT, self._get("/api/status", token)) for _ in range(10)]
            waited = 0
            while not all(w.closed for w in writers) and waited < ANSWER_MS:
                await sys.modules["asyncio"].sleep_ms(POLL_MS)
                waited += POLL_MS
            answered = [tcpserver.answer(w)[0] for w in writers if w.data]
            if not all(w.closed for w in writers) or not answered or any(s != 200 for s in answered):
                self._fail(at_ms, "10 at once: %d closed, answered %s" % (
                    sum(1 for w in writers if w.closed), answered))

    def _check_server(self, at_ms):
        app = sys.modules["app.runner"].current
        web = app.web
        if web.open:
            self._fail(at_ms, "%d connection(s) still open after the visit" % web.open)
        sessions = len(web.auth.sessions)
        self.most_sessions = max(self.most_sessions, sessions)
        if sessions > sys.modules["app.auth"].SESSIONS_MAX:
            self._fail(at_ms, "%d sessions kept" % sessions)
