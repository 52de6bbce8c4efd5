"""Fake ``network``: a station interface that joins when world.wifi_ok
(True, False, or a function of the time in ms: an access point that comes
and goes), and the board's own access point (Wi-Fi set-up). Its addresses
are the documentation network's (RFC 5737); the access point's are the
ports' default, 192.168.4.1.

``world.networks``: None (any network name and password join while
wifi_ok), or {name: password} of the networks in range: another name is
STAT_NO_AP_FOUND, another password STAT_WRONG_PASSWORD, as the radio says."""

from fakes import world as _world

STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_GOT_IP = 3
STAT_CONNECT_FAIL = -1
STAT_NO_AP_FOUND = -2
STAT_WRONG_PASSWORD = -3
ADDRESSES = ("192.0.2.50", "255.255.255.0", "192.0.2.1", "192.0.2.1")
AP_ADDRESSES = ("192.168.4.1", "255.255.255.0", "192.168.4.1", "192.168.4.1")


class WLAN:
    """One radio: every WLAN(IF_STA) object is the same interface, as on
    the board (its state lives in the world), and so is every WLAN(IF_AP)."""

    IF_STA = 0
    IF_AP = 1
    SEC_OPEN = 0
    SEC_WPA2 = 4

    def __init__(self, interface=0):
        self.interface = interface

    def active(self, value=None):
        world = _world.WORLD
        if self.interface == WLAN.IF_AP:
            if value is not None:
                world.ap_active = bool(value)
                world.ap_log.append((world.now_ms, bool(value)))
            return world.ap_active
        if value is not None:
            world.wlan_active = bool(value)
        return world.wlan_active

    def connect(self, ssid=None, key=None, **kwargs):
        world = _world.WORLD
        world.wlan_ssid = ssid
        world.wlan_key = key
        world.joins.append((world.now_ms, ssid))

    def disconnect(self):
        _world.WORLD.wlan_ssid = None

    def _refused(self):
        """The radio's verdict on the credentials given, or None."""
        world = _world.WORLD
        if world.networks is None or world.wlan_ssid is None:
            return None
        if world.wlan_ssid not in world.networks:
            return STAT_NO_AP_FOUND
        if world.networks[world.wlan_ssid] != (world.wlan_key or ""):
            return STAT_WRONG_PASSWORD
        return None

    def isconnected(self):
        world = _world.WORLD
        if self.interface == WLAN.IF_AP:
            return world.ap_active and bool(world.ap_clients)
        return (world.wlan_active and world.wlan_ssid is not None and self._refused() is None
                and world.wifi_up())

    def status(self, param=None):
        if self.isconnected():
            return STAT_GOT_IP
        world = _world.WORLD
        refused = self._refused() if world.wlan_active else None
        if refused is not None:
            return refused
        return STAT_CONNECTING if world.wlan_active and world.wlan_ssid else STAT_IDLE

    def ifconfig(self, config=None):
        if self.interface == WLAN.IF_AP:
            return AP_ADDRESSES if _world.WORLD.ap_active else ("0.0.0.0",) * 4
        return ADDRESSES if self.isconnected() else ("0.0.0.0",) * 4

    def config(self, *args, **kwargs):
        world = _world.WORLD
        if self.interface == WLAN.IF_AP:
            if kwargs:
                for key in kwargs:
                    if key not in ("ssid", "key", "security"):
                        raise ValueError("unknown config param")
                world.ap_config.update(kwargs)
                return None
            return world.ap_config.get(args[0]) if args else None
        return world.wlan_ssid if args and args[0] == "ssid" else None
