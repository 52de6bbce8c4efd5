"""The web server and JSON API on the MicroPython unix port (and on CPython:
the same file), exercised with an HTTP client over a real socket.

The server is ``tools/web_host.py``: the host thermostat (the firmware's
core with fixed wired readings, 68.0 °F inside, 30.0 °F outside) and
app.web, run unchanged by ``.venv/bin/micropython`` with microdot copied
from the venv onto MICROPYPATH, as ``mip`` puts it on a board.
"""

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # webserver.py beside this file (host_tests/web is a package)
    sys.path.insert(0, HERE)

from webserver import INTERPRETERS, PASSWORD, Server, http, http_json, login  # noqa: E402


@pytest.fixture(params=INTERPRETERS)
def server(request, tmp_path):
    running = Server(request.param, tmp_path).wait_ready()
    yield running
    running.stop()
    assert "Traceback" not in running.output(), running.detail()


def test_a_login_status_command_refused_setting_and_logout_round_trip(server):
    status, document = http_json(server, "POST", "/api/login", {"password": "not the password"})
    assert (status, document) == (401, {"error": "password: wrong"})
    status, document = http_json(server, "GET", "/api/status")
    assert status == 401, "status is closed by default (web_open_status false)"

    token = login(server)
    status, document = http_json(server, "GET", "/api/status", token=token)
    assert status == 200, document
    assert document["indoor_f"] == 68.0 and document["outdoor_f"] == 30.0
    assert set(document["terminals"]) >= {"Y1", "G"}

    status, document = http_json(server, "POST", "/api/command", {"mode": "heat", "heat_setpoint_f": 72.5}, token)
    assert status == 200, document
    assert (document["mode"], document["heat_setpoint_f"]) == ("heat", 72.5)

    status, settings = http_json(server, "GET", "/api/settings", token=token)
    assert status == 200 and settings["settings"]["min_off_s"] == 300, settings
    status, document = http_json(server, "POST", "/api/settings", {"settings": {"min_off_s": 5, "min_on_s": 200}},
                                 token)
    assert status == 400 and document["error"].startswith("settings.min_off_s"), document
    assert http_json(server, "GET", "/api/settings", token=token) == (200, settings), "a refused change changed"

    status, document = http_json(server, "POST", "/api/logout", {}, token)
    assert status == 200, document
    status, document = http_json(server, "POST", "/api/command", {"mode": "off"}, token)
    assert status == 401, "the token still works after its logout"
    status, document = http_json(server, "GET", "/api/settings", token=token)
    assert status == 401


def test_the_page_is_served_and_never_shows_the_password(server):
    status, headers, body = http(server, "GET", "/")
    assert status in (200, 303), (status, body[:300])
    token = login(server)
    status, headers, body = http(server, "GET", "/", token=token)
    assert status == 200 and b"<html" in body.lower(), (status, body[:300])
    assert PASSWORD.encode() not in body and token.encode() not in body


def test_the_control_loop_keeps_ticking_while_serving(server):
    token = login(server)
    ticks = server.stats()[0] if server.stats() else 0
    for _ in range(5):
        assert http_json(server, "GET", "/api/status", token=token)[0] == 200
    from webserver import wait_until

    wait_until(lambda: server.stats() and server.stats()[0] > ticks, "a control tick after the requests",
               detail=server.detail)


def test_requests_one_after_another_are_all_answered(server):
    token = login(server)
    for number in range(12):
        status, _headers, _body = http(server, "GET", "/api/status", token=token, retry=False)
        assert status == 200, number
