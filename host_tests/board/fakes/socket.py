"""Fake ``socket`` for the board's DNS and NTP queries, on the world's clock.

A UDP datagram goes out only while Wi-Fi is up. A DNS server (port 53)
answers an A query with 192.0.2.123; an NTP server (port 123) answers a
48-byte request with the world's UTC time while ``world.ntp_answers()``,
otherwise the request is lost, as to an unreachable server. Answers arrive
1 ms after the request; until then (and forever if none comes) the
non-blocking ``recv`` raises EAGAIN. ``getaddrinfo`` (blocking on a board)
resolves the same way.
"""

from fakes import world as _world

AF_INET = 2
SOCK_DGRAM = 2
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


def socket(family=AF_INET, kind=SOCK_DGRAM, *args):
    return _Socket()
