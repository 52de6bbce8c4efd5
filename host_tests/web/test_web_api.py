"""The JSON API (app.web, app.webapi) on a host thermostat: every endpoint,
who may call it, and that a refusal changes nothing and says one thing."""

import asyncio

import pytest
from conftest import reason_codes

from .webcore import PASSWORD, Rig, Wire, connect, fake_clock, reader_of, run, settle

STATUS_KEYS = {"indoor_f", "outdoor_f", "mode", "fan", "heat_setpoint_f", "cool_setpoint_f", "action",
               "action_text", "terminals", "alerts", "reasons", "balance_point_f", "network"}
WRITES = (("POST", "/api/command", {"mode": "heat"}), ("POST", "/api/settings", {"settings": {"min_off_s": 600}}),
          ("PUT", "/api/schedule", {"schedule": None}), ("POST", "/api/schedule", {"schedule": None}),
          ("POST", "/api/password", {"old": PASSWORD, "new": "another password"}))
READS = (("GET", "/api/settings"), ("GET", "/api/schedule"))


@pytest.fixture
def rig(monkeypatch):
    return Rig(fake_clock(monkeypatch))


@pytest.fixture
def open_rig(monkeypatch):
    return Rig(fake_clock(monkeypatch), open_status=True)


def test_status_needs_a_login_while_web_open_status_is_off(rig):
    response = rig.request("GET", "/api/status")
    assert response.status_code == 401
    assert response.json["error"].startswith("auth: ")


def test_status_is_open_to_all_with_web_open_status(open_rig):
    response = open_rig.request("GET", "/api/status")
    assert response.status_code == 200
    assert set(response.json) == STATUS_KEYS


def test_status_reports_readings_setpoints_terminals_and_reasons(rig):
    status = rig.request("GET", "/api/status", token=rig.login()).json
    assert status["indoor_f"] == 68.0 and status["outdoor_f"] == 30.0
    assert status["mode"] == "off" and status["fan"] == "auto"
    assert status["heat_setpoint_f"] == 68.0 and status["cool_setpoint_f"] == 76.0
    assert status["terminals"] == {"Y1": False, "Y2": False, "G": False, "W2": False, "OB": False, "E": False}
    assert status["balance_point_f"] is None  # still learning


def test_status_reasons_name_the_terminal_what_it_drives_the_rule_in_words_and_the_time_left(rig):
    token = rig.login()
    status = rig.request("POST", "/api/command", {"mode": "heat", "heat_setpoint_f": 75}, token=token).json
    assert status["reasons"] == ["Y1 (compressor): minimum off time, 5:00 left",
                                 "W2 (backup heat): the compressor starts first"]
    rig.clock.advance(50_000)
    rig.device.control_tick()
    status = rig.request("GET", "/api/status", token=token).json
    assert status["reasons"][0] == "Y1 (compressor): minimum off time, 4:10 left"


def test_terminals_held_for_the_same_reason_share_one_reason_line(rig):
    token = rig.login()
    rig.request("POST", "/api/command", {"mode": "heat", "heat_setpoint_f": 75}, token=token)
    rig.device.wired["indoor"] = None  # the indoor sensor stops answering
    for _ in range(20):
        rig.clock.advance(60_000)
        rig.device.control_tick()
    status = rig.request("GET", "/api/status", token=token).json
    assert status["reasons"] == ["Y1 (compressor), W2 (backup heat): no indoor reading"]


def test_every_reason_the_screen_lists_has_plain_words_on_the_web():
    from app import screen
    from app.webapi import REASON_TEXT

    shown = [code for code in reason_codes() if code not in screen.QUIET_REASONS]
    assert sorted(REASON_TEXT) == sorted(shown)
    for code in shown:
        words = REASON_TEXT[code]
        assert words != screen.REASON_WORDS[code] or " " in words, code  # not the screen's abbreviation
        assert len(words) <= 40, code  # short: the board holds them all


def test_one_connection_after_another_is_answered_even_before_the_watchers_next_poll(rig):
    """A connection's slot is free as soon as its answer is sent: the
    watcher that enforces the request deadline is still in its pause."""
    from app.web import CONNECTIONS_MAX

    async def scenario():
        polls = asyncio.Event()  # the watcher's pauses return only at the end

        async def pause(ms):
            await polls.wait()

        rig.web.guard.pause = pause  # the deadline watcher's
        wires, watchers = [], []
        for _ in range(CONNECTIONS_MAX + 2):
            wire = Wire()
            watchers.append(asyncio.create_task(rig.web._connection(
                reader_of(b"GET /api/status HTTP/1.0\r\n\r\n"), wire)))
            await settle()
            wires.append(wire)
        polls.set()
        await asyncio.gather(*watchers)
        return wires

    wires = run(scenario())
    assert [wire.data.split(b"\r\n", 1)[0] for wire in wires] == [b"HTTP/1.0 401 Unauthorized"] * (CONNECTIONS_MAX + 2)
    assert rig.web.refused == 0 and rig.web.open == 0


@pytest.mark.parametrize("data", [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"\xff\xfe\x00 / HTTP/1.1\r\n\r\n",
                                  b"GET /api/status HTTP/1.1\r\nNoColonHere\r\n\r\n",
                                  b"GET /?a=%zz HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nX: " + b"a" * 600 + b"\r\n\r\n",
                                  b"POST /api/login HTTP/1.1\r\nContent-Length: nan\r\n\r\n{}"])
def test_a_malformed_request_is_answered_400_and_logged_in_one_line_without_a_trace(rig, capsys, data):
    wire = run(connect(rig.web, data))
    assert wire.data.split(b"\r\n", 1)[0] == b"HTTP/1.0 400 Bad Request" and wire.closed
    logged = capsys.readouterr()
    assert logged.err == ""
    assert logged.out.count("\n") == 1 and "web: request refused by microdot: " in logged.out, logged.out


def test_login_gives_a_token_and_an_httponly_samesite_strict_cookie(rig):
    response = rig.request("POST", "/api/login", {"password": PASSWORD})
    assert response.status_code == 200
    token = response.json["token"]
    assert len(token) == 32 and int(token, 16) >= 0
    (cookie,) = response.headers["Set-Cookie"]
    parts = [part.strip() for part in cookie.split(";")]
    assert parts[0] == "session=" + token
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(parts)


def test_a_wrong_password_is_refused_with_401(rig):
    response = rig.request("POST", "/api/login", {"password": "not the password"})
    assert response.status_code == 401
    assert response.json == {"error": "password: wrong"}
    assert "Set-Cookie" not in response.headers


def test_a_login_before_any_password_is_set_is_refused(monkeypatch):
    rig = Rig(fake_clock(monkeypatch), password=None)
    response = rig.request("POST", "/api/login", {"password": PASSWORD})
    assert response.status_code == 401
    assert response.json["error"].startswith("password: none is set")


def test_a_bearer_token_authorizes_a_command_which_answers_the_new_status(rig):
    token = rig.login()
    rig.client.cookies.clear()  # the bearer header alone
    response = rig.request("POST", "/api/command", {"mode": "heat", "heat_setpoint_f": 70.5}, token=token)
    assert response.status_code == 200
    assert response.json["mode"] == "heat" and response.json["heat_setpoint_f"] == 70.5
    assert rig.device.thermostat.heat_setpoint_dF == 705


def test_the_session_cookie_authorizes_a_json_write(rig):
    rig.login()  # the test client keeps the cookie
    response = rig.request("POST", "/api/command", {"fan": "on"})
    assert response.status_code == 200
    assert rig.device.thermostat.fan == 1


def test_the_session_cookie_alone_is_refused_for_a_write_without_a_json_body(rig):
    rig.login()
    before = rig.state()
    response = rig.request("POST", "/api/command", "mode=heat",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403
    assert rig.state() == before


@pytest.mark.parametrize("method,path,body", WRITES)
def test_every_write_without_a_login_is_refused_with_401_and_changes_nothing(rig, method, path, body):
    before = rig.state()
    response = rig.request(method, path, body)
    assert response.status_code == 401
    assert rig.state() == before
    assert run_check(rig, PASSWORD)  # the password is unchanged too


def run_check(rig, text):
    from .webcore import run

    return run(rig.auth.check(text, rig.pause))


@pytest.mark.parametrize("method,path", READS)
def test_settings_and_schedule_reads_need_a_login(rig, method, path):
    assert rig.request(method, path).status_code == 401


@pytest.mark.parametrize("body", [{"mode": "bogus"}, {"mode": "heat", "heat_setpoint_f": 120},
                                  {"mode": "auto", "heat_setpoint_f": 75, "cool_setpoint_f": 76},
                                  {"speed": 3}, {"heat_setpoint_f": "70"}])
def test_a_refused_command_changes_nothing_and_says_one_thing(rig, body):
    token = rig.login()
    before = rig.state()
    response = rig.request("POST", "/api/command", body, token=token)
    assert response.status_code == 400
    assert list(response.json) == ["error"]
    assert ": " in response.json["error"]
    assert rig.state() == before


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"text"', "{\"mode\": "])
def test_a_body_that_is_not_a_json_object_is_refused_with_400(rig, body):
    token = rig.login()
    before = rig.state()
    response = rig.request("POST", "/api/command", body, headers={"Content-Type": "application/json"}, token=token)
    assert response.status_code == 400
    assert response.json["error"].startswith("body: ")
    assert rig.state() == before


def test_a_body_over_4096_bytes_is_refused_with_413(rig):
    token = rig.login()
    response = rig.request("POST", "/api/command", {"mode": "heat", "pad": "x" * 5000}, token=token)
    assert response.status_code == 413
    assert rig.device.thermostat.mode == 0


def test_unknown_paths_and_methods_answer_json_404_and_405(rig):
    assert rig.request("GET", "/api/nothing").json == {"error": "path: not found"}
    response = rig.request("DELETE", "/api/status")
    assert response.status_code == 405 and response.json == {"error": "method: not allowed"}


def test_settings_read_gives_every_setting_the_device_options_without_secrets_and_the_groups(rig):
    data = rig.request("GET", "/api/settings", token=rig.login()).json
    assert data["settings"] == rig.device.thermostat.settings.values
    assert "wifi_password" not in data["device"] and "mqtt_password" not in data["device"]
    assert data["device"]["wifi_ssid"] == "home"
    assert [title for title, _keys in data["groups"]][0] == "Equipment"


def test_a_settings_change_is_saved_and_applied(rig):
    response = rig.request("POST", "/api/settings", {"settings": {"min_off_s": 600}}, token=rig.login())
    assert response.status_code == 200
    assert response.json["settings"]["min_off_s"] == 600
    assert rig.device.thermostat.settings.min_off_ms == 600_000


def test_a_settings_change_with_one_bad_value_is_refused_whole_naming_that_field(rig):
    token = rig.login()
    before = rig.state()
    response = rig.request("POST", "/api/settings", {"settings": {"min_off_s": 600, "min_on_s": 5},
                                                     "device": {"utc_offset_min": 60}}, token=token)
    assert response.status_code == 400
    assert response.json["error"] == "settings.min_on_s: 5 is out of range (allowed: 30 to 3600 s)"
    assert rig.state() == before


def test_a_bad_device_option_is_refused_naming_device_and_the_key(rig):
    token = rig.login()
    before = rig.state()
    response = rig.request("POST", "/api/settings", {"device": {"utc_offset_min": 5000}}, token=token)
    assert response.status_code == 400
    assert response.json["error"].startswith("device.utc_offset_min: ")
    assert rig.state() == before


def test_an_unknown_section_of_a_settings_change_is_refused(rig):
    response = rig.request("POST", "/api/settings", {"settngs": {"min_off_s": 600}}, token=rig.login())
    assert response.status_code == 400 and response.json["error"].startswith("body.settngs: ")


def test_the_schedule_is_read_and_replaced_whole(rig):
    token = rig.login()
    assert rig.request("GET", "/api/schedule", token=token).json == {"schedule": None}
    entries = [{"days": "weekdays", "at": "06:30", "heat_setpoint_f": 70},
               {"days": "daily", "at": "22:00", "heat_setpoint_f": 62}]
    assert rig.request("PUT", "/api/schedule", {"schedule": entries}, token=token).json == {"schedule": entries}
    assert rig.device.thermostat.settings.values["schedule"] == entries
    assert rig.request("POST", "/api/schedule", {"schedule": None}, token=token).json == {"schedule": None}


def test_a_refused_schedule_changes_nothing(rig):
    token = rig.login()
    before = rig.state()
    response = rig.request("PUT", "/api/schedule", {"schedule": [{"days": "daily", "at": "25:00",
                                                                  "heat_setpoint_f": 70}]}, token=token)
    assert response.status_code == 400
    assert response.json["error"].startswith("settings.schedule[0].at: ")
    assert rig.state() == before


def test_logout_forgets_the_token(rig):
    token = rig.login()
    assert rig.request("POST", "/api/logout", token=token).status_code == 200
    rig.client.cookies.clear()
    assert rig.request("POST", "/api/command", {"mode": "heat"}, token=token).status_code == 401


def test_a_password_change_needs_the_old_password(rig):
    token = rig.login()
    response = rig.request("POST", "/api/password", {"old": "not the password", "new": "another password"},
                           token=token)
    assert response.status_code == 401 and response.json == {"error": "old: wrong"}
    assert run_check(rig, PASSWORD)


def test_a_too_short_new_password_is_refused_and_the_old_one_kept(rig):
    response = rig.request("POST", "/api/password", {"old": PASSWORD, "new": "short"}, token=rig.login())
    assert response.status_code == 400 and response.json["error"].startswith("password: ")
    assert run_check(rig, PASSWORD)


def test_a_password_change_ends_the_other_sessions_and_gives_a_new_token(rig):
    other = rig.login()
    token = rig.login()
    response = rig.request("POST", "/api/password", {"old": PASSWORD, "new": "another password"}, token=token)
    assert response.status_code == 200
    rig.client.cookies.clear()
    assert rig.request("GET", "/api/settings", token=other).status_code == 401
    assert rig.request("GET", "/api/settings", token=response.json["token"]).status_code == 200
    assert run_check(rig, "another password") and not run_check(rig, PASSWORD)


def test_a_cross_site_request_is_refused_before_anything_else(rig):
    token = rig.login()
    before = rig.state()
    response = rig.request("POST", "/api/command", {"mode": "heat"}, headers={"Sec-Fetch-Site": "cross-site"},
                           token=token)
    assert response.status_code == 403
    assert rig.state() == before


def test_after_three_failed_logins_the_next_is_refused_with_429_and_retry_after(rig):
    for _ in range(3):
        assert rig.request("POST", "/api/login", {"password": "wrong password"}).status_code == 401
    hashed = rig.pause.calls
    response = rig.request("POST", "/api/login", {"password": PASSWORD})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert rig.pause.calls == hashed  # refused without hashing the password
    rig.clock.advance(2000)
    assert rig.request("POST", "/api/login", {"password": PASSWORD}).status_code == 200


def test_no_secret_is_in_any_response_or_log(rig, capsys):
    token = rig.login()
    rig.request("POST", "/api/login", {"password": PASSWORD + "x"})
    for method, path, body in WRITES:
        rig.request(method, path, body, token=token)
    for method, path in READS:
        rig.request(method, path, token=token)
    rig.request("POST", "/api/settings", {"device": {"wifi_password": 5}}, token=token)
    rig.request("POST", "/api/password", {"old": "another password", "new": PASSWORD + "!" * 80}, token=token)
    rig.request("GET", "/settings", token=token)
    rig.request("GET", "/", token=token)
    logged = capsys.readouterr()
    text = b"\n".join(rig.bodies).decode() + logged.out + logged.err
    for secret in rig.secrets() + ["another password"]:
        assert secret not in text
