"""Wi-Fi and the wall clock from NTP, without blocking the loop.

``ntptime.settime()`` waits on a blocking socket for up to a second; this
module sends the NTP request on a non-blocking UDP socket and polls for the
answer instead, and looks the NTP host up the same way: one DNS query on a
non-blocking UDP socket to the network's DNS server (``getaddrinfo`` would
block the whole loop, for longer than the watchdog allows when the server
does not answer). Every wait goes through the ``pause`` the caller gives
(its task's supervised pause, :meth:`app.tasks.Task.pause`, awaited),
so a task joining Wi-Fi, resolving or waiting for NTP keeps checking in.
Boards without Wi-Fi (the plain Pico) never import ``network``.
"""

import random
import struct
import time

import machine

NTP_PORT = 123
NTP_WAIT_MS = 2000
DNS_PORT = 53
DNS_WAIT_MS = 2000
POLL_MS = 50
ANSWER_MAX_BYTES = 512  # a DNS answer over UDP is at most 512 bytes (RFC 1035)
WIFI_JOIN_MS = 20000
WIFI_POLL_MS = 250


def ntp_delta():
    """Seconds from 1900-01-01 (NTP) to this port's epoch (2000 or 1970)."""
    return 3155673600 if time.gmtime(0)[0] == 2000 else 2208988800


def ntp_seconds(packet):
    """Transmit timestamp (seconds since 1900) of an NTP answer, or None."""
    if len(packet) < 48 or packet[0] & 0x07 not in (4, 5):  # mode server or broadcast
        return None
    seconds = struct.unpack("!I", packet[40:44])[0]
    return seconds or None


def station():
    """The Wi-Fi station interface."""
    network = __import__("network")  # not on the plain Pico, nor in its stubs

    return network.WLAN(network.WLAN.IF_STA)


def state(wlan):
    """(state, address) of a station interface (or None: no Wi-Fi), as
    text: what the screen's menu and the web's status say."""
    if wlan is None:
        return "no wifi", ""
    if wlan.isconnected():
        return "wifi up", wlan.ifconfig()[0]
    return "wifi down", ""


def open_access_point(ssid, key):
    """Start the board's own access point (Wi-Fi set-up): WPA2 with
    ``key``, or open when ``key`` is empty. Returns the interface, whose
    address is the port's default, 192.168.4.1 on the ESP32 and the Pico W.
    ``ssid``/``key``/``security`` are the names both ports' ``config``
    accept since MicroPython 1.20 (the ESP32 also knows essid/password)."""
    network = __import__("network")  # not on the plain Pico, nor in its stubs

    ap = network.WLAN(network.WLAN.IF_AP)
    ap.active(True)
    if key:
        ap.config(ssid=ssid, key=key, security=_security(network, "WPA2"))
    else:
        ap.config(ssid=ssid, security=_security(network, "OPEN"))
    return ap


def close_access_point():
    network = __import__("network")  # not on the plain Pico, nor in its stubs

    network.WLAN(network.WLAN.IF_AP).active(False)


def _security(network, kind):
    """The port's constant for WPA2 or open: ``WLAN.SEC_*`` on newer ports,
    ``AUTH_*`` on older ones."""
    wlan = network.WLAN
    if kind == "WPA2":
        return getattr(wlan, "SEC_WPA2", getattr(network, "AUTH_WPA2_PSK", 3))
    return getattr(wlan, "SEC_OPEN", getattr(network, "AUTH_OPEN", 0))


def join_failure(wlan):
    """Why the station's join failed, in words, or None while it is still
    trying (or has joined). The status numbers differ by port (the ESP32's
    are 200s, the Pico W's small negatives): compared by name."""
    network = __import__("network")  # not on the plain Pico, nor in its stubs

    status = wlan.status()
    for name, words in (("STAT_WRONG_PASSWORD", "wrong password"), ("STAT_NO_AP_FOUND", "no such network"),
                        ("STAT_CONNECT_FAIL", "join refused")):
        code = getattr(network, name, None)
        if code is not None and status == code:
            return words
    return None


async def join(ssid, password, pause, timeout_ms=WIFI_JOIN_MS):
    """One attempt to join ``ssid``: None once connected, else why not, in
    at most 16 characters (a failure the radio reports, or no answer within
    ``timeout_ms``); a failed join is stopped, so the radio does not go on
    scanning beside the access point."""
    wlan = station()
    wlan.active(True)
    wlan.disconnect()  # a join under way (other credentials) is dropped
    wlan.connect(ssid, password)
    waited = 0
    while waited < timeout_ms:
        await pause(WIFI_POLL_MS)
        waited += WIFI_POLL_MS
        if wlan.isconnected():
            return None
        failure = join_failure(wlan)
        if failure is not None:
            wlan.disconnect()
            return failure
    wlan.disconnect()
    return "no answer"


async def connect_wifi(ssid, password, pause, timeout_ms=WIFI_JOIN_MS):
    """Start joining; True once connected, False after ``timeout_ms``."""
    wlan = station()
    wlan.active(True)
    if wlan.isconnected():
        return True
    wlan.connect(ssid, password)
    waited = 0
    while waited < timeout_ms:
        if wlan.isconnected():
            return True
        await pause(WIFI_POLL_MS)
        waited += WIFI_POLL_MS
    return False


def is_ipv4(host):
    parts = host.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        if not part.isdigit() or int(part) > 255:
            return False
    return True


def dns_query(host, ident):
    """A DNS query (RFC 1035) for the IPv4 address of ``host``."""
    packet = bytearray(struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0))  # recursion desired, one question
    for label in host.split("."):
        if label:
            packet.append(len(label))
            packet.extend(label.encode())
    packet.extend(b"\x00\x00\x01\x00\x01")  # end of name, type A, class IN
    return packet


def _skip_name(packet, pos):
    while pos < len(packet):
        length = packet[pos]
        if length & 0xC0 == 0xC0:  # a pointer ends the name
            return pos + 2
        if length == 0:
            return pos + 1
        pos += length + 1
    return len(packet)


def dns_address(packet, ident):
    """The first IPv4 address in an answer to query ``ident``, or None."""
    if len(packet) < 12:
        return None
    answer_id, flags, questions, answers = struct.unpack("!HHHH", packet[:8])
    if answer_id != ident or not flags & 0x8000 or flags & 0x000F:  # not ours, not an answer, an error
        return None
    pos = 12
    for _ in range(questions):
        pos = _skip_name(packet, pos) + 4
    for _ in range(answers):
        pos = _skip_name(packet, pos)
        if pos + 10 > len(packet):
            return None
        kind, klass, _ttl, length = struct.unpack("!HHIH", packet[pos:pos + 10])
        pos += 10
        if kind == 1 and klass == 1 and length == 4 and pos + 4 <= len(packet):
            return "%d.%d.%d.%d" % (packet[pos], packet[pos + 1], packet[pos + 2], packet[pos + 3])
        pos += length
    return None


async def _exchange(address, request, parse, pause, wait_ms):
    """Send ``request`` over UDP to ``address`` and poll for an answer
    that ``parse`` accepts (not None) for up to ``wait_ms``; None if none."""
    socket = __import__("socket")  # not on the plain Pico, nor in its stubs

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        sock.sendto(request, address)
        waited = 0
        while waited < wait_ms:
            await pause(POLL_MS)
            waited += POLL_MS
            try:
                answer = sock.recv(ANSWER_MAX_BYTES)
            except OSError:
                continue
            result = parse(answer)
            if result is not None:
                return result
        return None
    finally:
        sock.close()


async def resolve(host, server, pause):
    """The IPv4 address of ``host``, asked of the DNS ``server`` without
    blocking (``getaddrinfo`` would block the whole loop until lwIP gives
    up, longer than the watchdog allows); None if no answer came."""
    if is_ipv4(host):
        return host
    ident = random.getrandbits(16)
    return await _exchange((server, DNS_PORT), dns_query(host, ident), lambda answer: dns_address(answer, ident),
                           pause, DNS_WAIT_MS)


async def sync_clock(host, pause):
    """Set the RTC to UTC from ``host``; True on success."""
    network = __import__("network")  # not on the plain Pico, nor in its stubs

    server = network.WLAN(network.WLAN.IF_STA).ifconfig()[3]
    address = await resolve(host, server, pause)
    if address is None:
        raise OSError("no DNS answer for %s from %s" % (host, server))
    request = bytearray(48)
    request[0] = 0x1B  # version 3, mode 3 (client)
    seconds = await _exchange((address, NTP_PORT), request, ntp_seconds, pause, NTP_WAIT_MS)
    if seconds is None:
        return False
    t = time.gmtime(seconds - ntp_delta())
    machine.RTC().datetime((t[0], t[1], t[2], t[6] + 1, t[3], t[4], t[5], 0))
    return True
