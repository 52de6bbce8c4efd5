# Runs on the MicroPython unix port, with its real framebuf
# (tools/render_screens.py, host_tests/test_screens.py):
#
#   micropython screens_mp.py FIRMWARE
#
# Brings a thermostat into each scene with the core's own ticks, draws it
# with firmware/app/screen.py into a 128x64 MONO_VLSB FrameBuffer (the
# SSD1306's layout) and prints one line per scene: its name and the
# buffer's 1024 bytes in hex. Desktop code, never on a board.
import sys

FIRMWARE = sys.argv[1]
sys.path[:0] = [FIRMWARE]

import binascii  # noqa: E402

import framebuf  # noqa: E402
from app import screen  # noqa: E402

from thermo.control import Thermostat  # noqa: E402

# name: (settings, command, indoor tenths (None: never read), outdoor
# tenths, seconds of ticks, seconds after which the indoor sensor is lost
# (None: never), the page (home, menu, confirm) and what the menu is given).
HOME = ("home",)
SCENES = (
    ("home_heat", {}, {"mode": "heat", "heat_setpoint_f": 68}, 665, 320, 400, None, HOME),
    ("home_heat_strips", {}, {"mode": "heat", "heat_setpoint_f": 70}, 655, 200, 400, None, HOME),
    ("home_cool", {}, {"mode": "cool", "cool_setpoint_f": 75, "fan": "on"}, 784, 910, 400, None, HOME),
    ("home_auto", {}, {"mode": "auto", "heat_setpoint_f": 68, "cool_setpoint_f": 76}, 702, 550, 60, None, HOME),
    ("home_emergency", {}, {"mode": "emergency", "heat_setpoint_f": 70, "fan": "on"}, 640, None, 60, None, HOME),
    ("home_dual_fuel", {"backup_heat": "dual_fuel"}, {"mode": "heat", "heat_setpoint_f": 70}, 662, 150, 400, None,
     HOME),
    ("home_off", {}, {"mode": "off"}, 712, 480, 60, None, HOME),
    ("home_alert", {}, {"mode": "heat", "heat_setpoint_f": 68}, 665, -45, 200, 10, HOME),
    ("menu", {}, {"mode": "heat", "heat_setpoint_f": 70}, 655, 200, 170, None,
     ("menu", (), "wifi up", "192.168.1.23", 0)),
    ("menu_alerts", {}, {"mode": "heat", "heat_setpoint_f": 68}, 665, None, 200, 10,
     ("menu", ("clock",), "", "", 0)),
    ("confirm_emergency", {}, {"mode": "auto", "heat_setpoint_f": 68, "cool_setpoint_f": 76}, 702, 550, 60, None,
     ("confirm",)),
    # The Wi-Fi set-up (app.wifisetup): waiting for the phone, joining, failed, joined; open without a screen
    # never shows, so every set-up page has the access point's password.
    ("setup_waiting", {}, {"mode": "heat"}, 655, 200, 1, None, ("setup", "Thermostat-512A", "k7m2x9pq4t", "waiting", "")),
    ("setup_joining", {}, {"mode": "heat"}, 655, 200, 1, None,
     ("setup", "Thermostat-512A", "k7m2x9pq4t", "joining", "home")),
    ("setup_failed", {}, {"mode": "heat"}, 655, 200, 1, None,
     ("setup", "Thermostat-512A", "k7m2x9pq4t", "not joined:", "wrong password")),
    ("setup_joined", {}, {"mode": "heat"}, 655, 200, 1, None,
     ("setup", "Thermostat-512A", "k7m2x9pq4t", "joined", "192.168.100.200")),
)


def scene(settings, command, indoor_dF, outdoor_dF, seconds, lose_indoor_s):
    th = Thermostat(settings, 0)
    th.command(command)
    for second in range(seconds + 1):
        if indoor_dF is not None and (lose_indoor_s is None or second < lose_indoor_s):
            th.indoor_reading(indoor_dF)
        if outdoor_dF is not None:
            th.outdoor_reading(outdoor_dF)
        th.tick(second * 1000)
    return th


def render(fb, th, page):
    if page[0] == "home":
        screen.home(fb, th)
    elif page[0] == "confirm":
        screen.confirm(fb)
    elif page[0] == "setup":
        screen.setup(fb, page[1], page[2], page[3], page[4])
    else:
        screen.menu(fb, th, page[1], page[2], page[3], page[4])


def main():
    buf = bytearray(screen.WIDTH * screen.HEIGHT // 8)
    fb = framebuf.FrameBuffer(buf, screen.WIDTH, screen.HEIGHT, framebuf.MONO_VLSB)
    for name, settings, command, indoor_dF, outdoor_dF, seconds, lose_s, page in SCENES:
        render(fb, scene(settings, command, indoor_dF, outdoor_dF, seconds, lose_s), page)
        print(name, binascii.hexlify(buf).decode())


main()
