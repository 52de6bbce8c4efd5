"""The config lint on the web page and API: the warnings for the settings
in force (GET /api/settings, after a save, at the top of the settings page
and beside each key they name); a refusal is a 400 with its one line and
changes nothing, as a value out of range is."""

import re

import pytest

from .test_page import csrf, logged_in, post
from .webcore import MemoryFlash, Rig, fake_clock

NO_Y2 = (("Y1", 1, 2), ("G", 4, 3), ("W2", 8, 5), ("OB", 16, 4), ("E", 32, 7))
REFUSAL = ("settings.compressor_stages, terminals.Y2: refused y2_unwired: 2 stages are configured but the board "
           "file wires no Y2 relay; set compressor_stages to 1 or give Y2 a pin in the board file")
WARNING = ("backup_heat, fan_with_backup: warning strips_without_blower: electric strips with fan_with_backup false "
           "heat without the blower (G), unless the air handler starts its own with W2; set fan_with_backup to "
           "null or true")


@pytest.fixture
def rig(monkeypatch):
    return Rig(fake_clock(monkeypatch))


@pytest.fixture
def wired_rig(monkeypatch):
    """A rig whose device has a board file without Y2 and saves as the
    board's App does (app.files.Files.change_settings)."""
    from app import config
    from app.files import Files

    rig = Rig(fake_clock(monkeypatch))
    device = rig.device
    device.board = {"name": "5 relays", "terminals": NO_Y2}
    device.files = Files(MemoryFlash(), device.report, config.terminals_of(device.board))

    def save_settings(settings=None, options=None):
        device.options = device.files.change_settings(device.thermostat, settings, options)
        device.control_tick()

    device.save_settings = save_settings
    return rig


def test_the_api_has_no_warning_for_the_defaults(rig):
    assert rig.request("GET", "/api/settings", token=rig.login()).json["warnings"] == []


def test_a_save_with_a_contradiction_is_applied_and_answered_with_its_warning(rig):
    token = rig.login()
    response = rig.request("POST", "/api/settings", {"settings": {"fan_with_backup": False}}, token=token)
    assert response.status_code == 200
    assert response.json["settings"]["fan_with_backup"] is False
    assert response.json["warnings"] == [WARNING]
    assert rig.request("GET", "/api/settings", token=token).json["warnings"] == [WARNING]


def test_the_settings_page_lists_the_warnings_at_the_top_and_beside_each_key_they_name(rig):
    logged_in(rig)
    assert '<ul id="warnings"><li>none</li></ul>' in rig.request("GET", "/settings").text
    assert post(rig, "/settings", {"csrf": csrf(rig, "/settings"), "fan_with_backup": "false"}).status_code == 303
    html = rig.request("GET", "/settings").text
    assert html.index('<ul id="warnings"><li>%s</li></ul>' % WARNING) < html.index('id="settings-form"')
    for key in ("backup_heat", "fan_with_backup"):
        assert '<span id="warn-%s"><span class="warning">%s</span></span>' % (key, WARNING) in html


def test_an_api_save_the_lint_refuses_is_a_400_and_changes_nothing(wired_rig):
    token = wired_rig.login()
    before = wired_rig.state()
    response = wired_rig.request("POST", "/api/settings", {"settings": {"compressor_stages": 2, "min_off_s": 600}},
                                 token=token)
    assert response.status_code == 400
    assert response.json == {"error": REFUSAL}
    assert wired_rig.state() == before
    assert wired_rig.device.thermostat.outputs == 0


def test_a_settings_form_the_lint_refuses_shows_the_refusal_beside_its_first_key(wired_rig):
    logged_in(wired_rig)
    before = wired_rig.state()
    response = post(wired_rig, "/settings", {"csrf": csrf(wired_rig, "/settings"), "compressor_stages": "2"})
    assert response.status_code == 400
    assert wired_rig.state() == before
    error = re.search(r'<span id="err-compressor_stages" class="error">([^<]*)</span>', response.text)
    assert error.group(1) == REFUSAL
