"""The commissioning test from the web: the only way to start it on a board
that is not in bench mode. Start and abort through the page's forms and the
JSON API, both needing a login; the user's state comes back on abort."""

import re

import pytest

from .webcore import Rig, fake_clock

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def rig(monkeypatch):
    from app import commission

    monkeypatch.setattr(commission, "current", None)
    return Rig(fake_clock(monkeypatch))


def test_the_api_starts_reports_and_aborts_the_test_and_the_users_state_comes_back(rig):
    token = rig.login()
    th = rig.device.thermostat
    rig.device.command({"mode": "heat", "heat_setpoint_f": 70})
    before = (th.mode, th.fan, th.heat_setpoint_dF, th.cool_setpoint_dF)
    response = rig.request("POST", "/api/commission", {"action": "start", "brand": "Trane"}, token=token)
    assert response.status_code == 200, response.json
    assert response.json["state"] == "running" and response.json["step"] == "fan only (G)"
    for _ in range(30):
        rig.device.control_tick()  # the host device advances the test a control period per tick
    assert rig.request("GET", "/api/commission", token=token).json["state"] == "running"
    response = rig.request("POST", "/api/commission", {"action": "abort"}, token=token)
    assert response.json["state"] == "aborted"
    assert (th.mode, th.fan, th.heat_setpoint_dF, th.cool_setpoint_dF) == before


def test_a_second_start_or_a_bad_action_is_refused_with_one_message(rig):
    token = rig.login()
    assert rig.request("POST", "/api/commission", {"action": "start"}, token=token).status_code == 200
    again = rig.request("POST", "/api/commission", {"action": "start"}, token=token)
    assert again.status_code == 400 and again.json["error"].startswith("commission: a test is already running")
    bad = rig.request("POST", "/api/commission", {"action": "go"}, token=token)
    assert bad.status_code == 400 and bad.json["error"].startswith("action: ")
    assert rig.request("POST", "/api/commission", {"action": "abort"}, token=token).json["state"] == "aborted"


def test_without_a_login_the_test_can_be_neither_read_nor_started(rig):
    assert rig.request("GET", "/api/commission").status_code == 401
    assert rig.request("POST", "/api/commission", {"action": "start"}).status_code == 401
    assert rig.request("GET", "/commission").status_code == 303
    from app import commission

    assert commission.current is None


def test_the_page_starts_and_aborts_it_through_forms_with_the_csrf_token(rig):
    response = rig.request("POST", "/login", "password=" + rig_password(), headers=FORM)
    assert response.status_code == 303
    page = rig.request("GET", "/commission").text
    assert 'id="commission-start"' in page and "not run" in page
    csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', page).group(1)
    assert rig.request("POST", "/commission", "action=start&csrf=" + csrf, headers=FORM).status_code == 303
    page = rig.request("GET", "/commission").text
    assert "started" in page and 'id="commission-abort"' in page and "running" in page
    assert rig.request("POST", "/commission", "action=abort&csrf=" + csrf, headers=FORM).status_code == 303
    assert "aborted" in rig.request("GET", "/commission").text
    assert rig.request("POST", "/commission", "action=start&csrf=" + "0" * 32, headers=FORM).status_code == 403


def rig_password():
    from .webcore import PASSWORD

    return PASSWORD.replace(" ", "+")
