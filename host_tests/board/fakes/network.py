"""Fake ``network``: a station interface that joins when world.wifi_ok
(True, False, or a function of the time in ms: an access point that comes
and goes). Its addresses are the documentation network's (RFC 5737)."""

from fakes import world as _world

STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_GOT_IP = 3
STAT_NO_AP_FOUND = -2
ADDRESSES = ("192.0.2.50", "255.255.255.0", "192.0.2.1", "192.0.2.1")


class WLAN:
    """One radio: every WLAN(IF_STA) object is the same interface, as on
    the board (its state lives in the world)."""

    IF_STA = 0
    IF_AP = 1

    def __init__(self, interface=0):
        self.interface = interface

    def active(self, value=None):
        world = _world.WORLD
        if value is not None:
            world.wlan_active = bool(value)
        return world.wlan_active

    def connect(self, ssid=None, key=None, **kwargs):
        _world.WORLD.wlan_ssid = ssid

    def disconnect(self):
        _world.WORLD.wlan_ssid = None

    def isconnected(self):
        world = _world.WORLD
        return world.wlan_active and world.wlan_ssid is not None and world.wifi_up()

    def status(self, param=None):
        if self.isconnected():
            return STAT_GOT_IP
        world = _world.WORLD
        return STAT_CONNECTING if world.wlan_active and world.wlan_ssid else STAT_IDLE

    def ifconfig(self, config=None):
        return ADDRESSES if self.isconnected() else ("0.0.0.0",) * 4

    def config(self, *args, **kwargs):
        return _world.WORLD.wlan_ssid if args and args[0] == "ssid" else None
