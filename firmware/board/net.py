"""Wi-Fi and the wall clock from NTP, without blocking the loop.

``ntptime.settime()`` waits on a blocking socket for up to a second; this
module sends the NTP request on a non-blocking UDP socket and polls for the
answer between ``asyncio.sleep_ms`` calls instead. The one blocking call
left is the DNS lookup of the NTP host (``getaddrinfo``), made once per
sync. Boards without Wi-Fi (the plain Pico) never import ``network``.
"""

import asyncio
import struct
import time

import machine

NTP_PORT = 123
NTP_WAIT_MS = 2000


def ntp_delta():
    """Seconds from 1900-01-01 (NTP) to this port's epoch (2000 or 1970)."""
    return 3155673600 if time.gmtime(0)[0] == 2000 else 2208988800


def ntp_seconds(packet):
    """Transmit timestamp (seconds since 1900) of an NTP answer, or None."""
    if len(packet) < 48 or packet[0] & 0x07 not in (4, 5):  # mode server or broadcast
        return None
    seconds = struct.unpack("!I", packet[40:44])[0]
    return seconds or None


async def connect_wifi(ssid, password, timeout_ms=20000):
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
        await asyncio.sleep_ms(250)
        waited += 250
    return False


async def sync_clock(host):
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
            await asyncio.sleep_ms(50)
            waited += 50
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
