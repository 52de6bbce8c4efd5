"""Fake ``socket`` for the board's DNS and NTP queries and its MQTT link,
on the world's clock.

A UDP datagram goes out only while Wi-Fi is up. A DNS server (port 53)
answers an A query with 192.0.2.123; an NTP server (port 123) answers a
48-byte request with the world's UTC time while ``world.ntp_answers()``,
otherwise the request is lost, as to an unreachable server. Answers arrive
1 ms after the request; until then (and forever if none comes) the
non-blocking ``recv`` raises EAGAIN. ``getaddrinfo`` (blocking on a board)
resolves the same way.

A stream socket (``socket.socket()``, the MQTT link's) connects only without
blocking: ``connect`` raises EINPROGRESS and the outcome shows in a poll
(fakes/select.py) :data:`RTT_MS` later, as the world's broker
(``world.broker_mode()``) was at the connect: "down" refuses it (POLLERR,
POLLHUP), "black_hole" never answers (the connect never completes), "up"
accepts it and fakes/broker.py speaks MQTT on it, its answers arriving
RTT_MS after each write, "mute" accepts it and never answers (a broker
process that hangs, or is stopped: its computer's kernel still accepts
connections and data). A connection is broken for good once the broker is
no longer "up" or Wi-Fi drops: reset if the broker went down (reads end,
writes fail), silent if it went into a black hole or Wi-Fi went away (reads
find nothing; writes fill the send buffer, :data:`SEND_BUFFER` bytes, then
wait), mute if it hangs (reads find nothing, writes are taken). Waiting
reads, writes and polls (a timeout) move the world's clock as a board's
would stall; waiting for ever is refused.
"""

import errno

from fakes import world as _world

AF_INET = 2
SOCK_STREAM = 1
SOCK_DGRAM = 2
RTT_MS = 1
SEND_BUFFER = 5744  # bytes a connection takes unacknowledged (ESP-IDF's lwIP TCP_SND_BUF default)
POLLIN = 0x01
POLLOUT = 0x04
POLLERR = 0x08
POLLHUP = 0x10
NTP_EPOCH_OFFSET_S = 2208988800  # 1900-01-01 to 1970-01-01
EAGAIN = 11
EHOSTUNREACH = 113
SERVER_ADDRESS = (192, 0, 2, 123)


def getaddrinfo(host, port, *args):
    if not _world.WORLD.wifi_up():
        raise OSError(EHOSTUNREACH)
    return [(AF_INET, SOCK_DGRAM, 17, "", ("%d.%d.%d.%d" % SERVER_ADDRESS, port))]


def _dns_answer(query):
    """The answer to a one-question query: the question, then one A record."""
    end = 12
    while end < len(query) and query[end] != 0:
        end += query[end] + 1
    question = bytes(query[12:end + 5])
    header = bytes([query[0], query[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0])
    record = bytes([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4]) + bytes(SERVER_ADDRESS)
    return header + question + record


def _ntp_answer(now_ms):
    seconds = _world.WORLD.utc_at_zero_s + now_ms // 1000 + NTP_EPOCH_OFFSET_S
    packet = bytearray(48)
    packet[0] = 0x24  # version 4, mode 4 (server)
    packet[40] = (seconds >> 24) & 0xFF
    packet[41] = (seconds >> 16) & 0xFF
    packet[42] = (seconds >> 8) & 0xFF
    packet[43] = seconds & 0xFF
    return bytes(packet)


class _Socket:
    def __init__(self):
        self.answer = None
        self.answer_at_ms = None
        self.closed = False

    def setblocking(self, flag):
        if flag:
            raise ValueError("the board's loop must never block on the network")

    def settimeout(self, value):
        if value != 0:
            raise ValueError("the board's loop must never block on the network")

    def sendto(self, data, address):
        world = _world.WORLD
        if not world.wifi_up():
            return len(data)
        port = address[1]
        if port == 53 and len(data) > 12:
            self.answer = _dns_answer(data)
        elif port == 123 and len(data) == 48 and world.ntp_answers():
            self.answer = _ntp_answer(world.now_ms)
        else:
            return len(data)
        self.answer_at_ms = world.now_ms + 1
        return len(data)

    def recv(self, size):
        if self.answer is None or _world.WORLD.now_ms < self.answer_at_ms:
            raise OSError(EAGAIN)
        answer, self.answer = self.answer, None
        return answer[:size]

    def recvfrom(self, size):
        return self.recv(size), ("%d.%d.%d.%d" % SERVER_ADDRESS, 0)

    def close(self):
        self.closed = True


def _wait_until(at_ms, done=None):
    """A blocking call's stall: the clock moves on (firing the test's
    events, the watchdog, the deadline) to ``at_ms``, or until ``done()``;
    the longest such stall is kept in ``world.network_stall_ms``."""
    world = _world.WORLD
    start = world.now_ms
    try:
        while world.now_ms < at_ms and not (done is not None and done()):
            world.advance(at_ms - world.now_ms)
    finally:
        if world.now_ms - start > world.network_stall_ms:
            world.network_stall_ms = world.now_ms - start


class _Stream:
    """A TCP connection to the world's broker (see the module's text)."""

    def __init__(self):
        self.timeout_ms = None  # None: blocking (the default, as on the ports); 0: non-blocking
        self.state = "new"  # connecting, refused, connected, reset, silent, mute, closed
        self.unacked = 0  # bytes written into a silent connection
        self.outcome = None  # of the connect: "down", "black_hole" or "up"
        self.ready_at_ms = None
        self.session = None  # fakes.broker.Session, when the broker is up
        self.inbox = []  # [arrival_ms, bytes] from the broker, in order

    # -- options ------------------------------------------------------------

    def setblocking(self, flag):
        self.timeout_ms = None if flag else 0

    def settimeout(self, value):
        self.timeout_ms = None if value is None else int(value * 1000)

    # -- connecting -----------------------------------------------------------

    def connect(self, address):
        world = _world.WORLD
        if self.state != "new":
            raise OSError(errno.EALREADY if self.state == "connecting" else errno.EISCONN)
        if self.timeout_ms != 0:
            raise ValueError("the board's loop must never block on the network (a blocking connect)")
        if not world.wifi_up():
            raise OSError(errno.EHOSTUNREACH)
        world.tcp_connects += 1
        self.outcome = world.broker_mode()
        self.state = "connecting"
        self.ready_at_ms = world.now_ms + RTT_MS
        raise OSError(errno.EINPROGRESS)

    def _update(self):
        """Where the connection stands now."""
        world = _world.WORLD
        if self.state == "connecting" and self.outcome != "black_hole" and world.now_ms >= self.ready_at_ms:
            if self.outcome == "down":
                self.state = "refused"
            elif self.outcome == "mute":
                self.state = "mute"
            else:
                self.state = "connected"
                self.session = world.broker_state().open()
        if self.state in ("connected", "mute"):
            mode = world.broker_mode()
            if mode == "black_hole" or not world.wifi_up():
                self._end("silent")
            elif mode == "down" or (self.session is not None and self.session.closed):
                self._end("reset")
            elif mode == "mute" and self.state == "connected":
                self._end("mute")
            elif self.state == "connected":
                self._collect()

    def _end(self, state):
        self.state = state
        if self.session is not None:
            self.session.close()
        if state in ("silent", "mute"):
            self.inbox = []  # what was on its way is lost

    def _collect(self):
        for data in self.session.take_answers():
            self.inbox.append([_world.WORLD.now_ms + RTT_MS, data])

    def poll_flags(self):
        """The events a poll sees now (fakes/select.py)."""
        self._update()
        state = self.state
        if state == "refused" or state == "reset":
            return POLLOUT | POLLERR | POLLHUP | (POLLIN if state == "reset" else 0)
        if state == "connected":
            return POLLOUT | (POLLIN if self._arrived() else 0)
        if state == "silent":
            return POLLOUT if self.unacked < SEND_BUFFER else 0
        if state == "mute":
            return POLLOUT
        return 0

    # -- data ---------------------------------------------------------------------

    def _arrived(self):
        inbox = self.inbox
        return bool(inbox) and inbox[0][0] <= _world.WORLD.now_ms

    def _check(self):
        if self.state == "refused":
            raise OSError(errno.ECONNREFUSED)
        if self.state in ("new", "connecting"):
            raise OSError(errno.ENOTCONN if self.state == "new" else errno.EAGAIN)
        if self.state == "closed":
            raise OSError(errno.EBADF)

    def recv(self, size):
        self._update()
        self._check()
        if not self._arrived():
            if self.state == "reset":
                return b""
            if self.timeout_ms == 0:
                raise OSError(errno.EAGAIN)
            if self.timeout_ms is None:
                raise ValueError("the board's loop must never block on the network (a read without timeout)")
            world = _world.WORLD
            deadline = world.now_ms + self.timeout_ms
            due = self.inbox[0][0] if self.inbox else deadline
            _wait_until(min(due, deadline))
            self._update()
            if not self._arrived():
                if self.state == "reset":
                    return b""
                raise OSError(errno.ETIMEDOUT)
        entry = self.inbox[0]
        data = entry[1]
        if len(data) <= size:
            self.inbox.pop(0)
            return data
        entry[1] = data[size:]
        return data[:size]

    read = recv

    def readinto(self, buf, size=None):
        data = self.recv(len(buf) if size is None else size)
        buf[:len(data)] = data
        return len(data)

    def send(self, data):
        self._update()
        self._check()
        if self.state == "reset":
            raise OSError(errno.ECONNRESET)
        data = bytes(data)
        if self.state == "silent" and self.unacked + len(data) > SEND_BUFFER:
            if self.timeout_ms == 0:
                raise OSError(errno.EAGAIN)
            if self.timeout_ms is None:
                raise ValueError("the board's loop must never block on the network (a write without timeout)")
            _wait_until(_world.WORLD.now_ms + self.timeout_ms)  # the buffer never empties
            raise OSError(errno.ETIMEDOUT)
        if self.state == "silent":
            self.unacked += len(data)
        if self.state == "connected":
            from fakes.broker import ProtocolError

            try:
                self.session.receive(data)
            except ProtocolError:
                self._end("reset")  # the broker drops a client that speaks nonsense
                raise OSError(errno.ECONNRESET) from None
            self._update()
        return len(data)

    write = send

    def sendall(self, data):
        self.send(data)

    def close(self):
        if self.session is not None:
            self.session.close()
        self.state = "closed"


def socket(family=AF_INET, kind=SOCK_STREAM, *args):
    return _Socket() if kind == SOCK_DGRAM else _Stream()
