"""The MQTT link to Home Assistant: a task that never holds up control.

micropython-lib's ``umqtt.simple`` (installed by ``make deploy`` with mip)
speaks the protocol; it is small and well kept, but it blocks: it opens its
socket itself, connects and waits on it. This task keeps it from blocking
the board:

- **It hands umqtt.simple a connection already made.** The link resolves the
  broker (the board's non-blocking DNS, :mod:`board.net`), starts a
  non-blocking TCP connect and polls it between supervised pauses; only once
  the broker has accepted does ``MQTTClient.connect()`` run, through a
  stand-in for its module's ``socket`` (:class:`_Sockets`) that gives it
  that connection.
- **It never waits for the broker in a step.** The CONNACK and each SUBACK
  are waited for between pauses; a packet's writes are gathered into one
  (small pieces would wait on TCP's Nagle algorithm), sent only when the
  socket has room. What is left, the rest of a packet begun, waits at most
  :data:`IO_TIMEOUT_MS` (:class:`_Conn`, always non-blocking underneath,
  plain or TLS); a timeout is a lost connection, and the link reconnects.
  The TLS handshake is the one wait it cannot avoid (at most
  :data:`TLS_HANDSHAKE_MS`, under the task's deadline).
- **Little at a time.** At most :data:`MESSAGES_PER_STEP` messages are read
  and :data:`PUBLISH_PER_STEP` discovery messages sent between two pauses.
- **Commands are the buttons' commands.** What arrives on ``~/set/...`` is
  turned into a core command by :mod:`app.ha` and applied by the device's
  ``command``, which refuses it whole (SettingError) or applies it and ticks
  at once; a refusal goes to the log and to ``~/error``, nothing changes.

The link reconnects after 1, 2, 4, 8, then every 16 s (so within 30 s of a
broker's return), pings every 30 s, and counts the connection lost when the
broker has said nothing for 90 s (a half-open connection after a broker's
host vanished). The last will is ``offline`` (retained) on
``~/availability``; ``online`` is published at each connect, then the
discovery messages, the state, and the subscriptions. Discovery is sent
again whenever Home Assistant announces ``online`` on ``homeassistant/status``.

The broker password is handed to the client and never printed: the log
names the broker by host and port only.
"""

import errno
import json
import select
import socket  # pyright: ignore[reportMissingImports]  # not on the plain Pico, which never starts the link
import sys

import umqtt.simple as umqtt_simple  # pyright: ignore[reportMissingImports]  # micropython-lib, by make deploy (mip)

from app import ha
from app.age import Age
from app.console import log
from thermo.values import SettingError

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

DEADLINE_MS = const(3000)  # the task's check-in deadline
POLL_MS = const(100)  # between two looks at the socket
CONNECT_WAIT_MS = const(5000)  # a TCP connect not made by then failed
IO_TIMEOUT_MS = const(500)  # umqtt.simple's "blocking" read or write (the rest of a packet begun)
ANSWER_POLL_MS = const(20)  # how often a CONNACK or SUBACK is looked for
IO_TRIES_MAX = const(64)  # turns of one read or write (a 10 kB message in TCP segments takes a few)
TLS_HANDSHAKE_MS = const(2000)  # the one wait the link cannot avoid: under the task's deadline
BACKOFF_FIRST_MS = const(1000)
BACKOFF_MAX_MS = const(16000)
KEEPALIVE_S = const(60)
PING_EVERY_MS = const(30_000)
SILENT_LIMIT_MS = const(90_000)
OFFLINE_POLL_MS = const(1000)  # while the network (Wi-Fi) is down
STATE_EVERY_MS = const(1000)  # how often the state is compared with the last one sent
STATE_REFRESH_MS = const(300_000)  # and sent anyway
MESSAGES_PER_STEP = const(8)
PUBLISH_PER_STEP = const(4)
INBOX_MAX = const(16)

MICROPYTHON = sys.implementation.name == "micropython"
_IN_OUT = select.POLLIN | select.POLLOUT
_WOULD_BLOCK = (errno.EAGAIN, getattr(errno, "EWOULDBLOCK", errno.EAGAIN))
_CONNECTING = (errno.EINPROGRESS, errno.EAGAIN, getattr(errno, "EWOULDBLOCK", errno.EAGAIN))


async def ipv4_only(host, task):
    """The default resolver: a dotted IPv4 address is its own address; a
    name needs the board's DNS (:func:`board.net.resolve`) or the host's."""
    parts = host.split(".")
    for part in parts:
        if not part.isdigit() or int(part) > 255:
            return None
    return host if len(parts) == 4 else None


class _NotYet(Exception):
    """The broker has not answered yet: the link waits for it between
    pauses instead of in a read (:attr:`_Conn.no_wait`)."""


class _Conn:
    """A connected socket (plain or TLS) as umqtt.simple uses it: ``read``,
    ``write``, ``setblocking``. The socket itself never blocks; umqtt.simple's
    "blocking" becomes "wait at most IO_TIMEOUT_MS" (with ``select.poll``,
    which works alike on plain and TLS sockets, on a board and on CPython),
    and every byte read tells the link the broker is alive.

    Writes are gathered and sent as one (:meth:`flush`, before every read
    and after every call into umqtt.simple): umqtt.simple writes a packet in
    several small pieces, and small pieces wait on TCP's Nagle algorithm
    for the broker's delayed acknowledgement, 40 ms or more per packet."""

    def __init__(self, sock, heard):
        self.sock = sock
        self.heard = heard  # an Age, restarted by each byte from the broker
        self.waiting = True  # umqtt.simple's blocking mode: wait (a little) for what it reads
        self.out = bytearray()
        # Set before a call that ends waiting for the broker's answer (the
        # CONNACK, a SUBACK): the read that would wait raises _NotYet instead.
        self.no_wait = False
        self.poller = select.poll()
        self.poller.register(sock, select.POLLIN | select.POLLOUT)
        sock.setblocking(False)
        # MicroPython's sockets (TLS ones too) read and write; CPython's receive and send.
        self._read = getattr(sock, "read", None) if MICROPYTHON else None
        self._write = getattr(sock, "write") if MICROPYTHON else sock.send  # noqa: B009
        self._pending = getattr(sock, "pending", None)  # CPython's TLS: bytes decrypted, not yet read

    def setblocking(self, flag):
        self.waiting = flag

    def settimeout(self, _seconds):  # newer umqtt.simple's connect(timeout=None)
        self.waiting = True

    def connect(self, _address):  # made already, without blocking (Link._open)
        pass

    def _events(self, mask=_IN_OUT, timeout_ms=0):
        """What the socket is ready for, of ``mask``, waiting at most
        ``timeout_ms`` for one of them (POLLERR and POLLHUP always count)."""
        self.poller.modify(self.sock, mask)
        events = 0
        for entry in self.poller.poll(timeout_ms):  # MicroPython's entries may be longer than 2
            events |= entry[1]
        return events

    def _chunk(self, n):
        """What one read gives now: bytes, b"" at the broker's end, or None."""
        try:
            return self._read(n) if self._read is not None else self.sock.recv(n)
        except OSError as exc:
            if _would_block(exc):
                return None
            raise

    def read(self, n):
        """Up to ``n`` bytes: None when nothing waits (not blocking), b""
        at the broker's end; in blocking mode all ``n``, or OSError when
        they do not come within IO_TIMEOUT_MS."""
        self.flush()
        if self.no_wait:
            if not self.readable():
                raise _NotYet()
            self.no_wait = False
        data = self._chunk(n)
        if not self.waiting:
            if data:
                self.heard.restart()
            return data
        data = data or b""
        tries = 0
        while len(data) < n:  # umqtt.simple reads whole fields
            tries = _another_try(tries)
            if not self._decrypted() and not self._events(select.POLLIN, IO_TIMEOUT_MS) & (
                    select.POLLIN | select.POLLERR | select.POLLHUP):
                raise OSError(errno.ETIMEDOUT)
            more = self._chunk(n - len(data))
            if more == b"":
                if not data:
                    return b""  # the broker closed the connection
                raise OSError(errno.ECONNRESET)
            if more:
                data += more
        self.heard.restart()
        return data

    def exactly(self, n):
        """The next ``n`` bytes of a packet begun (OSError if they do not come)."""
        self.waiting = True
        data = self.read(n)
        if data is None or len(data) < n:
            raise OSError(errno.ECONNRESET)
        return data

    def _decrypted(self):
        """Whether TLS holds bytes already received and decrypted (the
        socket then polls as not readable, though a read would give them)."""
        return self._pending is not None and self._pending() > 0

    def readable(self):
        """Whether the broker has sent something (or closed the connection)."""
        if self._decrypted():
            return True
        return bool(self._events() & (select.POLLIN | select.POLLERR | select.POLLHUP))

    def writable(self):
        """Whether a packet can be sent now without waiting: the send
        buffer has room (a connection gone silent under us fills it)."""
        events = self._events()
        return bool(events & select.POLLOUT) and not events & (select.POLLERR | select.POLLHUP)

    def write(self, buf, n=None):
        if isinstance(buf, str):  # umqtt.simple writes ids and topics as str
            buf = buf.encode()
        if n is not None:
            buf = memoryview(buf)[:n]
        self.out.extend(buf)
        return len(buf)

    def flush(self):
        """Send what was written, waiting at most IO_TIMEOUT_MS for room."""
        if not self.out:
            return
        data = self.out
        self.out = bytearray()
        view = memoryview(data)
        sent = 0
        tries = 0
        while sent < len(data):
            tries = _another_try(tries)
            try:
                count = self._write(view[sent:])
            except OSError as exc:
                if not _would_block(exc):
                    raise
                count = None
            if count:
                sent += count
            elif not self._events(select.POLLOUT, IO_TIMEOUT_MS) & select.POLLOUT:
                raise OSError(errno.ETIMEDOUT)

    def close(self):
        self.sock.close()


def _another_try(tries):
    """Count the turns of a read or write loop, and end it after
    IO_TRIES_MAX: a socket that polls ready yet takes or gives nothing (TLS
    wanting the other direction, a send buffer with room for less than a
    whole write) must not spin the loop forever without its time passing."""
    if tries >= IO_TRIES_MAX:
        raise OSError(errno.ETIMEDOUT)
    return tries + 1


def _would_block(exc):
    """Whether an OSError only says "not now" (EAGAIN, or TLS wanting to read or write)."""
    if exc.args and exc.args[0] in _WOULD_BLOCK:
        return True
    return type(exc).__name__ in ("SSLWantReadError", "SSLWantWriteError")


class _Sockets:
    """umqtt.simple's ``socket`` module while it connects: its socket is
    the connection the link made, its address lookup a formality."""

    def __init__(self, conn):
        self.conn = conn

    def socket(self, *_args):
        return self.conn

    @staticmethod
    def getaddrinfo(host, port, *_args):
        return [(None, None, None, "", (host, port))]


class Link:
    """The MQTT task of ``device`` (see :mod:`app.runner`): ``run`` is its body."""

    def __init__(self, device, options, unique_id=b"", resolve=None, online=None):
        self.device = device
        self.options = options
        self.device_id = options["device_id"] or ha.default_device_id(unique_id)
        self.base = ha.base_topic(options["mqtt_prefix"], self.device_id)
        self.resolve = resolve or ipv4_only
        self.online = online or (lambda: True)
        self.client = None
        self.conn = None
        self.heard = Age(0)
        self.pinged = Age(0)
        self.state_age = Age()
        self.state_refreshed = Age()
        self.state_sent = None
        self.inbox = []
        self.dropped = 0
        self.discovery = []  # still to announce: (component, key) of app.ha.entities
        self.connected = False
        self.connects = 0
        self.last_error = ""
        self.longest_step_ms = 0
        self.working = Age(0)  # since the last pause ended
        # Topics of network readings: topic -> role.
        self.readings = {}
        for role in ("indoor", "outdoor"):
            topic = options[role + "_topic"]
            if topic:
                self.readings[topic] = role

    # -- the task ------------------------------------------------------------

    async def run(self, task):
        log("mqtt: broker %s port %d%s, topics %s/..." % (
            self.options["mqtt_host"], self.options["mqtt_port"], " (TLS)" if self.options["mqtt_tls"] else "",
            self.base))
        backoff = BACKOFF_FIRST_MS
        self.working.restart()  # the task's first turn starts now
        while True:
            if not self.online():
                await self._rest(task, OFFLINE_POLL_MS)
                continue
            if await self._connect(task):
                backoff = BACKOFF_FIRST_MS
                await self._serve(task)
            self._drop_connection()  # after a lost connection, or a connect that failed half-way
            await self._rest(task, backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_MS)

    async def _rest(self, task, ms):
        """The supervised pause, noting how long the link held the loop."""
        held = self.working.read()
        if held > self.longest_step_ms:
            self.longest_step_ms = held
        await task.pause(ms)
        self.working.restart()

    def _failed(self, what, exc):
        text = "%s: %s" % (what, _describe(exc))
        if text != self.last_error:
            log("mqtt: " + text)
        self.last_error = text

    # -- connecting ------------------------------------------------------------

    async def _connect(self, task):
        """Resolve, connect without blocking, then the MQTT handshake."""
        options = self.options
        host, port = options["mqtt_host"], options["mqtt_port"]
        address = await self.resolve(host, task)
        self.working.restart()  # the look-up waited through the task's own pauses
        if address is None:
            self._failed("connect", "no address for %s" % host)
            return False
        sock = await self._open(task, address, port)
        if sock is None:
            return False
        try:
            if options["mqtt_tls"]:
                sock = _tls(sock, host)
            self.heard.restart()
            conn = self.conn = _Conn(sock, self.heard)
            # Every text as bytes: umqtt.simple sizes fields with len(),
            # which counts the characters of a str, not its UTF-8 bytes.
            client = umqtt_simple.MQTTClient(
                self.device_id.encode(), address, port, user=options["mqtt_user"].encode() or None,
                password=options["mqtt_password"].encode(), keepalive=KEEPALIVE_S)
            client.set_callback(self._arrived)
            client.set_last_will((self.base + "/availability").encode(), b"offline", retain=True)
            setattr(umqtt_simple, "socket", _Sockets(conn))  # noqa: B010 -- not in its stubs
            conn.no_wait = True
            try:
                client.connect()
            except _NotYet:  # CONNECT sent; the CONNACK is waited for between pauses, then read as umqtt.simple does
                await self._answer(task, conn)
                reply = conn.exactly(4)
                if reply[0] != 0x20 or reply[1] != 0x02:
                    raise OSError(errno.EIO) from None
                if reply[3] != 0:
                    raise umqtt_simple.MQTTException(reply[3]) from None
            self.client = client
            client.publish((self.base + "/availability").encode(), b"online", retain=True)
            conn.flush()
        except Exception as exc:  # a refused login, a reset, garbage: all mean not connected
            self._failed("connect", exc)
            self._drop_connection()
            if sock is not None:
                _close(sock)
            return False
        self.connected = True
        self.connects += 1
        self.pinged.restart()
        self.state_sent = None
        self.discovery = self._discovery()
        self.last_error = ""
        log("mqtt: connected")
        await self._rest(task, 0)
        return await self._subscribe(task)

    async def _open(self, task, address, port):
        """A TCP connection to the broker, made without blocking; None if
        it was refused or not made within CONNECT_WAIT_MS."""
        try:
            sockaddr = socket.getaddrinfo(address, port)[0][-1]
            sock = socket.socket()
        except OSError as exc:
            self._failed("connect", exc)
            return None
        try:
            sock.setblocking(False)
            try:
                sock.connect(sockaddr)
            except OSError as exc:
                if not exc.args or exc.args[0] not in _CONNECTING:
                    raise
            poller = select.poll()
            poller.register(sock, select.POLLOUT)
            waited = 0
            while waited < CONNECT_WAIT_MS:
                for entry in poller.poll(0):  # MicroPython's entries may be longer than 2
                    if entry[1] & (select.POLLERR | select.POLLHUP):
                        raise OSError(errno.ECONNREFUSED)
                    if entry[1] & select.POLLOUT:
                        return sock
                await self._rest(task, POLL_MS)
                waited += POLL_MS
            raise OSError(errno.ETIMEDOUT)
        except OSError as exc:
            self._failed("connect", exc)
            _close(sock)
            return None

    async def _answer(self, task, conn):
        """Wait, between pauses, until the broker has sent something."""
        waited = 0
        while not conn.readable():
            if waited >= CONNECT_WAIT_MS:
                raise OSError(errno.ETIMEDOUT)
            await self._rest(task, ANSWER_POLL_MS)
            waited += ANSWER_POLL_MS

    async def _subscribe(self, task):
        """Subscribe to the commands, Home Assistant's status and the
        reading topics, one at a time, each SUBACK waited for between
        pauses (messages of an earlier subscription may come first)."""
        topics = [self.base + "/set/#", ha.STATUS_TOPIC] + list(self.readings)
        for topic in topics:
            client, conn = self.client, self.conn
            if client is None or conn is None:
                return False
            try:
                conn.no_wait = True
                try:
                    client.subscribe(topic.encode())
                except _NotYet:  # SUBSCRIBE sent
                    while True:
                        await self._answer(task, conn)
                        if client.wait_msg() == 0x90:
                            reply = conn.exactly(4)
                            if reply[3] == 0x80:
                                raise umqtt_simple.MQTTException(0x80) from None
                            break
            except Exception as exc:  # a refusal, a reset, no answer: not connected
                self._failed("subscribe", exc)
                self.client = None
                return False
            await self._rest(task, 0)
        return True

    def _drop_connection(self):
        if self.connected:
            log("mqtt: connection lost; reconnecting")
        self.connected = False
        self.client = None
        if self.conn is not None:
            _close(self.conn.sock)
            self.conn = None

    def _discovery(self):
        """Every entity, to announce: ``(component, key)`` pairs; each
        message is built when it is sent (:meth:`_publish_discovery`)."""
        humidity = False
        for spec in self.device.board.get("sensors", {}).values():
            if spec.get("type") == "sht3x":
                humidity = True
        return ha.entities(humidity)

    # -- connected ---------------------------------------------------------------

    def _io(self, what, method, *args):
        """A call into umqtt.simple; False (connection dropped) if it failed."""
        if self.client is None:
            return False
        try:
            method(*args)
            if self.conn is not None:
                self.conn.flush()
            return True
        except Exception as exc:  # OSError, or umqtt.simple's assertions on a broken stream
            self._failed(what, exc)
            self.client = None
            return False

    async def _serve(self, task):
        """Until the connection is lost: read what arrived, act on it,
        publish what changed, keep the connection alive."""
        while self.client is not None:
            for _ in range(MESSAGES_PER_STEP):
                before = len(self.inbox)
                if not self._io("read", self.client.check_msg) or len(self.inbox) == before:
                    break
            self._handle_inbox()
            conn = self.conn
            # Send only what fits now: a connection gone silent (Wi-Fi lost,
            # the broker's host gone) fills the send buffer, and a write
            # would then wait; the keep-alive ends such a connection.
            if conn is not None and conn.writable():
                self._publish_discovery()
                self._publish_state()
                if self.client is not None and self.pinged.read() >= PING_EVERY_MS:
                    self.pinged.restart()
                    self._io("ping", self.client.ping)
            if not self.online():
                self._failed("network", "Wi-Fi lost")
                self.client = None
            if self.heard.read() >= SILENT_LIMIT_MS:
                self._failed("keep-alive", "no word from the broker for %d s" % (SILENT_LIMIT_MS // 1000))
                self.client = None
            await self._rest(task, POLL_MS)

    def _arrived(self, topic, msg):
        """umqtt.simple's callback: noted, acted on after the read."""
        if len(self.inbox) >= INBOX_MAX:
            self.inbox.pop(0)
            self.dropped += 1
        self.inbox.append((topic, msg))

    def _handle_inbox(self):
        """Act on what arrived, in order. A low and a high setpoint that
        arrived together (Home Assistant sends both for one change in
        heat_cool) are applied as one command, so that the deadband is
        checked between the two new setpoints, not a new and an old one."""
        inbox = self.inbox
        pair = {}
        pair_msgs = []
        while inbox:
            topic, msg = inbox.pop(0)
            if isinstance(topic, (bytes, bytearray)):
                topic = topic.decode()
            what = self._command_name(topic)
            if what in ("temperature_low", "temperature_high"):
                try:
                    changes = ha.command(what, msg, "auto")
                    if changes is not None:
                        pair.update(changes)
                        pair_msgs.append((topic, msg))
                except SettingError as exc:
                    self._refuse(topic, msg, exc)
                continue
            self._handle(topic, what, msg)
        if pair:
            try:
                self.device.command(pair)
                for topic, msg in pair_msgs:
                    log("mqtt: %s %s" % (topic, _quoted(msg)))
            except SettingError as exc:
                for topic, msg in pair_msgs:
                    self._refuse(topic, msg, exc)

    def _command_name(self, topic):
        """``mode`` for ``~/set/mode``; None for a topic not under ``~/set/``."""
        prefix = self.base + "/set/"
        return topic[len(prefix):] if topic.startswith(prefix) else None

    def _handle(self, topic, what, msg):
        device = self.device
        if topic == ha.STATUS_TOPIC:
            if bytes(msg) == b"online":
                log("mqtt: Home Assistant online: discovery sent again")
                self.discovery = self._discovery()
                self.state_sent = None
            return
        role = self.readings.get(topic)
        try:
            if role is not None:
                value_dF = ha.reading_dF(role + "_topic", msg, self.options["topic_unit"])
                device.readings.take(role, value_dF, None)
                return
            if what is None:
                return  # not a topic of ours (a broker may deliver an overlapping subscription twice)
            changes = ha.command(what, msg, ha.MODE_NAMES[device.thermostat.mode])
            if changes is not None:
                device.command(changes)
                log("mqtt: %s %s" % (topic, _quoted(msg)))
        except SettingError as exc:
            self._refuse(topic, msg, exc)

    def _refuse(self, topic, msg, exc):
        line = "refused %s %s: %s" % (topic, _quoted(msg), exc)
        log("mqtt: " + line)
        if self.conn is not None and self.conn.writable():
            self._io("publish", self._publish, self.base + "/error", line, False)

    def _publish(self, topic, payload, retain):
        # As bytes: umqtt.simple sizes the packet with len(), which counts
        # characters of a str (a "°F" would make it one byte short).
        client = self.client
        if client is not None:
            client.publish(topic.encode(), payload.encode(), retain)

    def _publish_discovery(self):
        options = self.options
        for _ in range(PUBLISH_PER_STEP):
            if not self.discovery or self.client is None:
                return
            component, key = self.discovery[0]
            payload = ha.config(component, key, self.device_id, options["device_name"], self.device.board["name"],
                                self.base)
            if not self._io("publish", self._publish, ha.config_topic(self.device_id, component, key),
                            json.dumps(payload), True):
                return
            self.discovery.pop(0)

    def _publish_state(self):
        if self.client is None or self.state_age.read() < STATE_EVERY_MS:
            return
        self.state_age.restart()
        text = ha.state_json(self.device)
        if text == self.state_sent and self.state_refreshed.read() < STATE_REFRESH_MS:
            return
        if self._io("publish", self._publish, self.base + "/state", text, True):
            self.state_sent = text
            self.state_refreshed.restart()


def _tls(sock, host):
    """TLS over the connected socket. The handshake blocks (a board's
    mbedTLS takes up to a second or two); the broker's certificate is not
    verified: TLS here keeps the password and commands off the air."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if hasattr(context, "check_hostname"):  # CPython's; MicroPython's context has none
        setattr(context, "check_hostname", False)  # noqa: B010
    context.verify_mode = ssl.CERT_NONE
    sock.settimeout(TLS_HANDSHAKE_MS / 1000)
    return context.wrap_socket(sock, server_hostname=host)


def _close(sock):
    try:
        sock.close()
    except OSError:
        pass


def _describe(exc):
    if isinstance(exc, str):
        return exc
    if isinstance(exc, OSError) and exc.args and isinstance(exc.args[0], int):
        return "OSError %d" % exc.args[0]
    name = type(exc).__name__
    if name == "MQTTException" and exc.args:
        code = exc.args[0]
        return "the broker refused (CONNACK %s%s)" % (code, ": bad user name or password" if code in (4, 5) else "")
    return "%s %s" % (name, exc)


def _quoted(msg):
    """A payload as a log line shows it: short text quoted, else its size."""
    if len(msg) <= ha.COMMAND_MAX_BYTES:
        try:
            text = bytes(msg).decode()
            if all(" " <= c <= "~" for c in text):
                return '"%s"' % text
        except UnicodeError:
            pass
    return "(%d bytes)" % len(msg)
