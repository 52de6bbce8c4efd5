"""The screen: what firmware/app/screen.py draws, page by page.

The pages are drawn on the MicroPython unix port with its real
``framebuf`` (``tools/screens_mp.py``) and compared pixel for pixel with
the reviewed images in ``host_tests/golden/screens/``; an intended change
is reviewed and written with ``python tools/render_screens.py --write``.
On CPython, a recording stand-in for the FrameBuffer checks what no image
shows: integer coordinates, ASCII text that fits its line, and the words
of every code the core can show.
"""

import functools
import re

import pytest
import render_screens
from app import screen
from conftest import reason_codes

from thermo import modes as M
from thermo.control import ALERT_NAMES, Thermostat

GOLDEN = sorted(path.stem for path in render_screens.GOLDEN.glob("*.png"))


@functools.cache
def rendered():
    return render_screens.render()


def test_every_scene_has_a_reviewed_golden_image_and_every_image_a_scene():
    assert sorted(rendered()) == GOLDEN
    assert {"home_heat", "home_cool", "home_auto", "home_emergency", "home_off", "home_alert", "menu",
            "setup_waiting", "setup_joining", "setup_failed", "setup_joined"} <= set(GOLDEN)


@pytest.mark.parametrize("name", GOLDEN)
def test_a_page_drawn_on_micropython_matches_its_reviewed_golden_image(name):
    drawn = render_screens.pixels(rendered()[name])
    golden = render_screens.lit_pixels(render_screens.GOLDEN / (name + ".png"))
    differ = [(x, y) for y in range(64) for x in range(128) if drawn[y][x] != golden[y][x]]
    assert not differ, "%s: %d pixels differ (first at x, y = %s); review build/screens/ from " \
        "`python tools/render_screens.py`, then --write if intended" % (name, len(differ), differ[0])


class Recorder:
    """The FrameBuffer calls screen.py makes, checked as they are made."""

    def __init__(self):
        self.texts = []

    def _whole(self, *numbers):
        for number in numbers:
            assert isinstance(number, int) and not isinstance(number, bool), numbers

    def fill(self, color):
        self._whole(color)

    def text(self, text, x, y, color=1):
        self._whole(x, y, color)
        assert isinstance(text, str) and text.isascii() and 0 <= x and x + 8 * len(text) <= 128 and 0 <= y <= 56, \
            (text, x, y)
        self.texts.append(text)

    def fill_rect(self, x, y, w, h, color):
        self._whole(x, y, w, h, color)
        assert 0 <= x and x + w <= 128 and 0 <= y and y + h <= 64, (x, y, w, h)

    rect = fill_rect

    def hline(self, x, y, w, color):
        self._whole(x, y, w, color)


def thermostat(command, indoor_dF, outdoor_dF, seconds, settings=None):
    th = Thermostat(settings or {}, 0)
    th.command(command)
    for second in range(seconds + 1):
        if indoor_dF is not None:
            th.indoor_reading(indoor_dF)
        if outdoor_dF is not None:
            th.outdoor_reading(outdoor_dF)
        th.tick(second * 1000)
    return th


@pytest.mark.parametrize("mode", M.MODES)
@pytest.mark.parametrize("indoor_dF, outdoor_dF", [(655, 200), (-125, -400), (1499, 1150), (None, None)])
def test_every_mode_draws_whole_numbers_and_ascii_that_fits_its_line(mode, indoor_dF, outdoor_dF):
    th = thermostat({"mode": mode}, indoor_dF, outdoor_dF, 400)
    fb = Recorder()
    screen.home(fb, th)
    screen.menu(fb, th, ("state_write",), "wifi: joining", "192.168.100.200")
    assert fb.texts


def test_indoor_and_outdoor_are_drawn_from_tenths_with_one_decimal():
    fb = Recorder()
    screen.home(fb, thermostat({"mode": "heat", "heat_setpoint_f": 68}, 665, -45, 10))
    assert "out -4.5F" in fb.texts and "68.0" in fb.texts


def test_the_menu_says_which_timer_holds_the_compressor_and_how_long_it_has_left():
    th = thermostat({"mode": "heat", "heat_setpoint_f": 70}, 655, 200, 170)  # min_off_s 300 from boot
    assert ("Y1 min off", "2:10") in screen.menu_lines(th)


def test_terminals_held_for_the_same_reason_share_a_line():
    th = thermostat({"mode": "heat"}, None, 200, 10)
    assert ("Y1/W2 no indoor", "") in screen.menu_lines(th)


def test_a_long_menu_is_paged_and_each_page_says_which_it_is():
    th = thermostat({"mode": "heat"}, None, None, 10)
    fb = Recorder()
    count = screen.menu(fb, th, ("clock", "state_write", "settings_file"), "wifi: up", "10.0.0.2", screen.MENU_ROWS)
    assert count > screen.MENU_ROWS and "2/2" in fb.texts and "10.0.0.2/" in fb.texts


def test_the_menu_gives_the_web_pages_address_and_any_ipv4_address_fits_its_line():
    th = thermostat({"mode": "heat"}, 655, 200, 10)
    lines = screen.menu_lines(th, (), "wifi up", "192.168.100.200")
    assert lines[-2:] == [("web: http://", ""), ("192.168.100.200/", "")]
    assert all(len(left) <= screen.CHARS for left, _right in lines[-2:])


def test_the_setup_page_draws_every_line_within_the_screen():
    fb = Recorder()
    screen.setup(fb, "Thermostat-FFFF", "abcdefghjk", "not joined:", "no such network")
    assert fb.texts == ["WIFI SETUP", "Thermostat-FFFF", "pw abcdefghjk", "join and open", "192.168.4.1",
                        "not joined:", "no such network"]
    fb = Recorder()
    screen.setup(fb, "Thermostat-FFFF", "", "joining", "a network name of 32 bytes, cut")
    assert "open network" in fb.texts and "a network name o" in fb.texts


def test_every_mode_action_alert_and_reason_has_short_words():
    assert len(screen.MODE_WORDS) == len(M.MODES) and len(screen.FAN_WORDS) == len(M.FANS)
    assert len(screen.ACTION_WORDS) == len(M.ACTIONS)
    assert all(len(words) <= screen.CHARS for words in screen.ACTION_WORDS + screen.MODE_WORDS)
    assert all(len(screen.MODE_WORDS[m]) + 1 + len(f) <= screen.CHARS - 2
               for m in range(len(M.MODES)) for f in screen.FAN_WORDS)  # room for the alert marker
    assert sorted(screen.ALERT_WORDS) == sorted(ALERT_NAMES)
    assert all(len("! " + words) <= screen.CHARS for words in screen.ALERT_WORDS.values())
    assert sorted(screen.REASON_WORDS) == sorted(reason_codes())
    assert all(len(words) <= 13 for words in screen.REASON_WORDS.values())


def test_a_reason_with_a_timer_leaves_room_for_its_time():
    source = open(screen.__file__).read()
    timed = set(re.findall(r'code == "([a-z_]+)"', source))
    assert {"min_off", "min_on", "changeover", "max_starts"} <= timed
    assert all(len(screen.REASON_WORDS[code]) <= 7 for code in timed)
