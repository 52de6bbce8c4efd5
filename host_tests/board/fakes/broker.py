"""A fake MQTT broker for the board harness: just enough MQTT 3.1.1 for a
client to connect and stay connected for days of virtual time.

It answers CONNECT with CONNACK (accepted), SUBSCRIBE with SUBACK (QoS 0
granted), PINGREQ with PINGRESP, and swallows every PUBLISH, keeping only
counts and the last payload of each retained topic (a day of state
documents must fit the unix port's heap). A connection that ends without
DISCONNECT publishes its last will, as a real broker does. The test can
send a message to the client with :meth:`Broker.deliver`.

Bytes travel through fakes/socket.py's stream socket (``_Stream``): what
the client writes is fed to :meth:`Session.receive`, whose answers the
socket hands back to the client after its network delay. Runs on CPython
and MicroPython alike.
"""

CONNECT = 0x10
CONNACK = 0x20
PUBLISH = 0x30
SUBSCRIBE = 0x80
SUBACK = 0x90
PINGREQ = 0xC0
PINGRESP = 0xD0
DISCONNECT = 0xE0


def topic_matches(pattern, topic):
    """MQTT topic filter match (``+`` one level, ``#`` the rest)."""
    want = pattern.split("/")
    have = topic.split("/")
    for index in range(len(want)):
        if want[index] == "#":
            return True
        if index >= len(have) or (want[index] != "+" and want[index] != have[index]):
            return False
    return len(want) == len(have)


def _string(data, pos):
    if pos + 2 > len(data):
        raise ProtocolError("a string past the end of the packet")
    length = (data[pos] << 8) | data[pos + 1]
    if pos + 2 + length > len(data):
        raise ProtocolError("a %d-byte string past the end of the packet" % length)
    return bytes(data[pos + 2:pos + 2 + length]), pos + 2 + length


def _remaining_length(size):
    out = bytearray()
    while True:
        byte = size & 0x7F
        size >>= 7
        out.append(byte | 0x80 if size else byte)
        if not size:
            return bytes(out)


def publish_packet(topic, payload, retain=False):
    topic = topic.encode() if isinstance(topic, str) else bytes(topic)
    payload = payload.encode() if isinstance(payload, str) else bytes(payload)
    body = bytes([len(topic) >> 8, len(topic) & 0xFF]) + topic + payload
    return bytes([PUBLISH | (1 if retain else 0)]) + _remaining_length(len(body)) + body


class ProtocolError(Exception):
    pass


class Broker:
    """What the broker has been told, across connections."""

    def __init__(self):
        self.connects = 0  # CONNECTs accepted
        self.client_id = None
        self.user = None  # as the last CONNECT gave them (bytes), None when absent
        self.password = None
        self.published = 0  # PUBLISH packets received
        self.retained = {}  # topic (str) -> last retained payload (bytes)
        self.topics = {}  # topic (str) -> PUBLISH packets received on it
        self.subscribed = []  # topic filters of the current session
        self.pings = 0
        self.wills = 0  # last wills published (a connection lost without DISCONNECT)
        self.disconnects = 0  # clean DISCONNECTs
        self.session = None  # the connected Session, if any

    def open(self):
        """A new TCP connection (fakes/socket.py): its Session."""
        return Session(self)

    def deliver(self, topic, payload, retain=False):
        """Send a message to the connected client if it subscribed to it;
        True if it was sent."""
        session = self.session
        if session is None or session.closed:
            return False
        for pattern in self.subscribed:
            if topic_matches(pattern, topic):
                session.answer(publish_packet(topic, payload, retain))
                return True
        return False


class Session:
    """One client connection: bytes in, answers out."""

    def __init__(self, broker):
        self.broker = broker
        self.pending = bytearray()  # received, not yet a whole packet
        self.answers = []  # bytes for the client, in order
        self.will = None  # (topic, payload, retain)
        self.connected = False
        self.closed = False

    def answer(self, data):
        self.answers.append(data)

    def take_answers(self):
        answers, self.answers = self.answers, []
        return answers

    def receive(self, data):
        """Bytes from the client. Raises ProtocolError on a malformed stream
        (the socket then resets the connection, as a broker would drop it)."""
        self.pending.extend(data)
        while True:
            pending = self.pending
            if len(pending) < 2:
                return
            size = 0
            shift = 0
            pos = 1
            while True:
                if pos >= len(pending):
                    return  # the length is not all here yet
                byte = pending[pos]
                size |= (byte & 0x7F) << shift
                shift += 7
                pos += 1
                if not byte & 0x80:
                    break
                if shift > 21:
                    raise ProtocolError("remaining length over 4 bytes")
            if len(pending) < pos + size:
                return
            kind = pending[0]
            body = bytes(pending[pos:pos + size])
            self.pending = pending[pos + size:]  # (MicroPython's bytearray has no slice deletion)
            self._packet(kind, body)

    def _packet(self, kind, body):
        broker = self.broker
        if not self.connected and kind & 0xF0 != CONNECT:
            raise ProtocolError("packet 0x%02x before CONNECT" % kind)
        code = kind & 0xF0
        if code == CONNECT:
            if self.connected:
                raise ProtocolError("a second CONNECT")
            name, pos = _string(body, 0)
            if name != b"MQTT" or body[pos] != 4:
                raise ProtocolError("not MQTT 3.1.1")
            flags = body[pos + 1]
            pos += 4  # level, flags, keep-alive
            client_id, pos = _string(body, pos)
            if flags & 0x04:
                will_topic, pos = _string(body, pos)
                will_msg, pos = _string(body, pos)
                self.will = (will_topic.decode(), will_msg, bool(flags & 0x20))
            user = password = None
            if flags & 0x80:
                user, pos = _string(body, pos)
            if flags & 0x40:
                password, pos = _string(body, pos)
            if pos != len(body):
                raise ProtocolError("CONNECT: %d bytes after its last field" % (len(body) - pos))
            broker.user, broker.password = user, password
            self.connected = True
            broker.connects += 1
            broker.client_id = client_id.decode()
            broker.subscribed = []
            broker.session = self
            self.answer(bytes([CONNACK, 2, 0, 0]))
        elif code == PUBLISH:
            topic, pos = _string(body, 0)
            if kind & 0x06:
                raise ProtocolError("the fake broker takes QoS 0 only")
            self._published(topic.decode(), body[pos:], bool(kind & 0x01))
        elif code == SUBSCRIBE:
            if kind != 0x82:
                raise ProtocolError("SUBSCRIBE flags 0x%02x" % kind)
            pid = body[0:2]
            pos = 2
            granted = bytearray()
            while pos < len(body):
                topic, pos = _string(body, pos)
                pos += 1  # requested QoS
                broker.subscribed.append(topic.decode())
                granted.append(0)
            self.answer(bytes([SUBACK, 2 + len(granted)]) + pid + bytes(granted))
        elif code == PINGREQ:
            broker.pings += 1
            self.answer(bytes([PINGRESP, 0]))
        elif code == DISCONNECT:
            broker.disconnects += 1
            self.will = None
            self.close()
        else:
            raise ProtocolError("unexpected packet 0x%02x" % kind)

    def _published(self, topic, payload, retain):
        broker = self.broker
        broker.published += 1
        broker.topics[topic] = broker.topics.get(topic, 0) + 1
        if retain:
            broker.retained[topic] = bytes(payload)

    def close(self):
        """The connection ended (either side): the will, if still due."""
        if self.closed:
            return
        self.closed = True
        broker = self.broker
        if self.will is not None:
            topic, payload, retain = self.will
            self.will = None
            broker.wills += 1
            self._published(topic, payload, retain)
        if broker.session is self:
            broker.session = None
