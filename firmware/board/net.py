"""Wi-Fi and the wall clock from NTP, without blocking the loop.

``ntptime.settime()`` waits on a blocking socket for up to a second; this
module sends the NTP request on a non-blocking UDP socket and polls for the
answer instead. Every wait goes through the ``pause`` coroutine function
the caller gives (its task's supervised pause, :meth:`app.tasks.Task.pause`),
so a task joining Wi-Fi or waiting for NTP keeps checking in. The one
blocking call left is the DNS lookup of the NTP host (``getaddrinfo``),
made once per sync. Boards without Wi-Fi (the plain Pico) never import
``network``.
"""

import struct
import time

import machine

NTP_PORT = 123
NTP_WAIT_MS = 2000
NTP_POLL_MS = 50
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


async def connect_wifi(ssid, password, pause, timeout_ms=WIFI_JOIN_MS):
    """Start joining; True once connected, False after ``timeout_ms``."""
    network = __import__("network")  # not on the plain Pico, nor in its stubs

    wlan = network.WLAN(network.WLAN.IF_STA)
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


async def sync_clock(host, pause):
    """Set the RTC to UTC from ``host``; True on success."""
    socket = __import__("socket")  # not on the plain Pico, nor in its stubs

    address = socket.getaddrinfo(host, NTP_PORT)[0][-1]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        request = bytearray(48)
        request[0] = 0x1B  # version 3, mode 3 (client)
        sock.sendto(request, address)
        waited = 0
        while waited < NTP_WAIT_MS:
            await pause(NTP_POLL_MS)
            waited += NTP_POLL_MS
            try:
                answer = sock.recv(48)
            except OSError:
                continue
            seconds = ntp_seconds(answer)
            if seconds is None:
                return False
            t = time.gmtime(seconds - ntp_delta())
            machine.RTC().datetime((t[0], t[1], t[2], t[6] + 1, t[3], t[4], t[5], 0))
            return True
        return False
    finally:
        sock.close()
