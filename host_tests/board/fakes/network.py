"""Fake ``network``: a station interface that joins when world.wifi_ok."""

from fakes import world as _world


class WLAN:
    IF_STA = 0
    IF_AP = 1

    def __init__(self, interface=0):
        self._active = False

    def active(self, value=None):
        if value is not None:
            self._active = value
        return self._active

    def connect(self, ssid, password):
        self.ssid = ssid

    def isconnected(self):
        return self._active and _world.WORLD.wifi_ok
