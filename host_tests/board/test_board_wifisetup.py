"""Wi-Fi set-up from a phone (app.wifisetup): the board's own access point,
its one-form page, the power-safe stores, and the join.

The real firmware runs on the harness's fake ``network.WLAN`` (station and
access point, fakes/network.py), and the page is the real microdot app,
reached through the fake ``asyncio.start_server`` (fakes/tcpserver.py):
each request is a connection handed to the firmware's own handler while
the board runs, on the virtual clock. The radio itself is not tested here.

A Pico W (mode button GP14, down GP13, no screen unless a test adds one:
then the access point is WPA2 and its password is on the screen).
"""

import json
import sys

import pytest
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from fakes import ssd1306 as fake_ssd1306
from fakes import tcpserver
from test_shell_supervision import FakeInternet, network_up

MODE_BUTTON, DOWN_BUTTON = 14, 13
RELAY_PINS = (2, 3, 4, 5, 6, 7)
AP_NAME = "Thermostat-512A"  # the fake RP2040's id ends 51 2a
WIFI_SECRET = "wifi-Secret-1"
THERMO_SECRET = "Thermo-Secret-2"
FORM = {"ssid": "home", "wifi_password": WIFI_SECRET, "password": THERMO_SECRET, "confirm": THERMO_SECRET,
        "utc_offset_min": "-300", "dst": "us"}
HEAT_70 = {"mode": "heat", "fan": "auto", "heat_setpoint_dF": 700, "cool_setpoint_dF": 760, "start_ages_ms": []}


def app():
    return sys.modules["app.runner"].current


def pico_w(board, monkeypatch, device=None, screen=False, networks=None):
    """A Pico W at 68 °F heating to 70 °F; ``networks`` in range {name: password}."""
    if screen:
        monkeypatch.setitem(sys.modules, "ssd1306", fake_ssd1306)
        board.install("rpi_pico_w", display={"type": "ssd1306", "bus": "i2c0", "address": 60})
        board.world.i2c[(0, 60)] = "ssd1306"
    else:
        board.install("rpi_pico_w")
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    from app.store import encode

    board.file("state.json").write_bytes(encode(1, HEAT_70))
    if device is not None:
        board.write_config(device=device)
    network_up(monkeypatch, board, FakeInternet())
    board.world.networks = networks if networks is not None else {"home": WIFI_SECRET}


def send(board, at_ms, method, path, form=None, answers=None, headers=None):
    """A request to the board's port 80 at ``at_ms``; its answer lands in ``answers[at_ms]``."""
    answers = answers if answers is not None else {}

    def go():
        answers[at_ms] = tcpserver.connect(80, tcpserver.request(method, path, form, headers))

    board.world.at(at_ms, go)
    return answers


def answer(answers, at_ms):
    return tcpserver.answer(answers[at_ms])


def stored(board, name):
    path = board.file(name)
    if not path.exists():
        return None
    return json.loads(path.read_bytes().split(b"\n", 1)[1])["data"]


def every_file_text(board):
    return b"".join(path.read_bytes() for path in board.root.iterdir() if path.is_file())


def test_a_pico_w_without_a_network_opens_an_open_access_point_and_serves_the_setup_page(board, monkeypatch, capsys):
    pico_w(board, monkeypatch)
    answers = send(board, 5_000, "GET", "/")
    assert board.boot(10_000) == "halt"
    world = board.world
    assert world.ap_active and world.ap_config["ssid"] == AP_NAME and "key" not in world.ap_config
    status, headers, body = answer(answers, 5_000)
    assert status == 200 and headers["content-type"].startswith("text/html")
    for field in ("ssid", "wifi_password", "password", "confirm", "utc_offset_min", "dst"):
        assert 'name="%s"' % field in body
    assert app().setup.state == "ap"
    out = capsys.readouterr().out
    assert "setup (no Wi-Fi configured): access point %s (open), page http://192.168.4.1/" % AP_NAME in out
    assert world.wdt_timeout_ms is not None  # the thermostat runs as ever: watchdog on


def test_with_a_screen_the_access_point_is_wpa2_and_its_password_is_on_the_setup_page(board, monkeypatch):
    pico_w(board, monkeypatch, screen=True)
    seen = {}
    board.world.at(8_000, lambda: seen.setdefault("glass", list(app().hw.display.shown)))
    assert board.boot(10_000) == "halt"
    key = board.world.ap_config["key"]
    assert len(key) == 10 and board.world.ap_config["security"] == sys.modules["network"].WLAN.SEC_WPA2
    assert seen["glass"] == ["WIFI SETUP", AP_NAME, "pw " + key, "join and open", "192.168.4.1", "waiting", ""]


def test_a_posted_form_stores_the_options_and_a_password_hash_then_joins_and_starts_the_web(
        board, monkeypatch, capsys):
    pico_w(board, monkeypatch)
    answers = send(board, 5_000, "POST", "/", FORM)
    send(board, 6_000, "GET", "/", answers=answers)
    listening = {}
    board.world.at(90_000, lambda: listening.update(board.world.servers))
    assert board.boot(100_000) == "halt"
    status, headers, _body = answer(answers, 5_000)
    assert status == 303 and headers["location"] == "/"
    device = stored(board, "settings.json")["device"]
    assert (device["wifi_ssid"], device["wifi_password"], device["utc_offset_min"], device["dst"]) == (
        "home", WIFI_SECRET, -300, "us")
    record = stored(board, "auth.json")
    assert set(record) == {"salt", "hash", "rounds"}
    assert THERMO_SECRET.encode() not in every_file_text(board)
    assert ("home" in [ssid for _t, ssid in board.world.joins]) and app().setup.state == "joined"
    # A minute showing the address, then the access point closes and the network's tasks start.
    assert not board.world.ap_active
    started = {task.name for task in app().supervisor.started}
    assert {"setup", "clock", "web"} <= started
    assert app().web is not None and listening[80][0].__self__ is app().web.guard  # the web page, now on port 80
    assert app().options["utc_offset_min"] == -300  # in force at once
    out = capsys.readouterr().out
    assert "setup: joined \"home\", address 192.0.2.50" in out and "CRASH" not in out
    assert WIFI_SECRET not in out and THERMO_SECRET not in out


def test_while_joining_the_page_says_so_and_names_no_secret(board, monkeypatch):
    pico_w(board, monkeypatch)
    board.world.wifi_ok = False  # the join will hang: no answer
    answers = send(board, 5_000, "POST", "/", FORM)
    send(board, 8_000, "GET", "/", answers=answers)
    assert board.boot(10_000) == "halt"
    _status, _headers, body = answer(answers, 8_000)
    assert "Saving and joining home" in body and 'http-equiv="refresh"' in body
    assert WIFI_SECRET not in body and THERMO_SECRET not in body


@pytest.mark.parametrize("change, message", [
    ({"confirm": "Thermo-Secret-3"}, "confirm: does not match the password"),
    ({"password": "short", "confirm": "short"}, "password: a 5-byte password is not allowed (allowed: 8 to 64 bytes)"),
    ({"utc_offset_min": "900"}, "device.utc_offset_min: 900 is out of range (allowed: -720 to 840)"),
    ({"utc_offset_min": "five"}, 'device.utc_offset_min: "five" is not a whole number of minutes'),
    ({"dst": "mars"}, 'device.dst: "mars" is not allowed (allowed: "none", "us", "eu")'),
    ({"ssid": ""}, "device.wifi_ssid: a network name is needed"),
    ({"ssid": "x" * 33}, "device.wifi_ssid: " + '"' + "x" * 33 + '" is too long (allowed: at most 32 bytes)'),
    ({"wifi_password": "w" * 65}, "device.wifi_password: a 65-byte password is too long (allowed: at most 64 bytes)"),
])
def test_a_bad_post_stores_nothing_and_answers_one_message_naming_the_field(board, monkeypatch, capsys, change,
                                                                             message):
    pico_w(board, monkeypatch)
    answers = send(board, 5_000, "POST", "/", dict(FORM, **change))
    assert board.boot(30_000) == "halt"
    status, _headers, body = answer(answers, 5_000)
    assert status == 400
    shown = body.split('<p id="message" class="error">', 1)[1].split("</p>", 1)[0]
    assert shown.replace("&quot;", '"').startswith(message)
    assert stored(board, "settings.json") is None and stored(board, "auth.json") is None
    assert board.world.joins == [] and app().setup.state == "ap"
    for secret in (WIFI_SECRET, THERMO_SECRET, "Thermo-Secret-3", "w" * 65):
        assert secret not in body
    out = capsys.readouterr().out
    assert THERMO_SECRET not in out and WIFI_SECRET not in out


@pytest.mark.parametrize("body", [b"ssid=home&password=\xff\xfe&confirm=\xff&utc_offset_min=-300",
                                  b"ssid=home&password=%ff%fe&confirm=%c3&utc_offset_min=-300"])
def test_a_post_that_is_not_utf8_is_refused_with_400_and_one_message_and_stores_nothing(board, monkeypatch, capsys,
                                                                                       body):
    pico_w(board, monkeypatch)
    head = ("POST / HTTP/1.0\r\nHost: 192.168.4.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: %d\r\n\r\n" % len(body)).encode()
    answers = {}
    board.world.at(5_000, lambda: answers.setdefault(5_000, tcpserver.connect(80, head + body)))
    assert board.boot(30_000) == "halt"
    status, _headers, page = answer(answers, 5_000)
    assert status == 400
    assert page.split('<p id="message" class="error">', 1)[1].split("</p>", 1)[0] == (
        "form: not URL-encoded UTF-8 text (nothing was changed)")
    assert stored(board, "settings.json") is None and stored(board, "auth.json") is None
    assert board.world.joins == [] and app().setup.state == "ap"
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and "CRASH" not in out.out


def test_the_setup_frees_a_connections_slot_the_moment_it_has_answered(board, monkeypatch):
    """Its cap's worth of requests, answered; the same again a millisecond
    later, before the deadline watcher's next look: every one is served."""
    from app.wifisetup import CONNECTIONS_MAX

    pico_w(board, monkeypatch)
    writers = []

    def burst():
        writers.extend(tcpserver.connect(80, tcpserver.request("GET", "/")) for _ in range(CONNECTIONS_MAX))

    board.world.at(5_000, burst)
    board.world.at(5_001, burst)
    assert board.boot(10_000) == "halt"
    assert [w.data.split(b"\r\n", 1)[0] for w in writers] == [b"HTTP/1.0 200 OK"] * (2 * CONNECTIONS_MAX)
    assert all(w.closed for w in writers) and app().setup.server.open == 0


def test_a_refused_post_keeps_the_network_name_and_time_zone_but_not_a_password(board, monkeypatch):
    pico_w(board, monkeypatch)
    answers = send(board, 5_000, "POST", "/", dict(FORM, confirm="other-password", utc_offset_min="60", dst="eu"))
    assert board.boot(10_000) == "halt"
    _status, _headers, body = answer(answers, 5_000)
    assert 'id="ssid" name="ssid" maxlength="32" required value="home"' in body
    assert 'value="60"' in body and '<option value="eu" selected>' in body
    assert body.count("value=") == body.count('value="home"') + body.count('value="60"') + 3  # + the 3 dst options


def test_a_wrong_wifi_password_goes_back_to_the_access_point_with_the_reason(board, monkeypatch, capsys):
    pico_w(board, monkeypatch, networks={"home": "the-right-one"})
    answers = send(board, 5_000, "POST", "/", FORM)
    send(board, 30_000, "GET", "/", answers=answers)
    assert board.boot(40_000) == "halt"
    from app.wifisetup import JOIN_TRIES

    assert [ssid for _t, ssid in board.world.joins] == ["home"] * JOIN_TRIES
    setup = app().setup
    assert (setup.state, setup.reason) == ("ap", "wrong password") and board.world.ap_active
    assert setup.screen_lines() == ("not joined:", "wrong password")
    _status, _headers, body = answer(answers, 30_000)
    assert "Could not join home: wrong password." in body
    assert "clock" not in {task.name for task in app().supervisor.started}


def test_a_network_not_in_range_goes_back_to_the_access_point_and_a_second_post_can_fix_it(board, monkeypatch):
    pico_w(board, monkeypatch)
    answers = send(board, 5_000, "POST", "/", dict(FORM, ssid="hoem"))
    send(board, 30_000, "POST", "/", FORM, answers=answers)
    assert board.boot(120_000) == "halt"
    assert answer(answers, 5_000)[0] == 303 and answer(answers, 30_000)[0] == 303
    assert [ssid for _t, ssid in board.world.joins][-1] == "home"
    assert app().setup.state == "joined" and stored(board, "settings.json")["device"]["wifi_ssid"] == "home"


def test_holding_mode_at_power_up_opens_the_setup_even_with_a_network_configured(board, monkeypatch, capsys):
    pico_w(board, monkeypatch, device={"wifi_ssid": "home", "wifi_password": WIFI_SECRET})
    board.world.inputs[MODE_BUTTON] = 0
    board.world.at(3_000, lambda: board.world.inputs.__setitem__(MODE_BUTTON, 1))
    assert board.boot(30_000) == "halt"
    assert board.world.ap_active and app().setup.why == "mode held at power-up"
    assert "clock" not in {task.name for task in app().supervisor.started}
    assert board.world.wdt_timeout_ms is not None
    assert "setup (mode held at power-up): access point" in capsys.readouterr().out


def test_holding_mode_at_power_up_for_setup_does_not_also_change_the_mode(board, monkeypatch):
    pico_w(board, monkeypatch, device={"wifi_ssid": "home", "wifi_password": WIFI_SECRET})
    board.world.inputs[MODE_BUTTON] = 0
    board.world.at(3_000, lambda: board.world.inputs.__setitem__(MODE_BUTTON, 1))
    assert board.boot(10_000) == "halt"
    assert app().thermostat.retained()["mode"] == "heat"


def test_mode_and_down_held_at_power_up_is_maintenance_on_a_board_with_wifi(board, monkeypatch, capsys):
    pico_w(board, monkeypatch)
    board.world.inputs[MODE_BUTTON] = 0
    board.world.inputs[DOWN_BUTTON] = 0
    assert board.boot(5_000) == "returned"
    assert board.world.wdt_timeout_ms is None and not board.world.ap_active
    assert all(v == 1 for _t, p, v in board.writes() if p in RELAY_PINS)
    assert "maintenance (mode+down held at power-up): relays off, watchdog not started" in capsys.readouterr().out


def test_mode_alone_held_at_power_up_is_still_maintenance_on_a_board_without_wifi(board, capsys):
    board.install("rpi_pico")
    board.world.onewire[22] = 20.0
    board.world.inputs[14] = 0
    assert board.boot(5_000) == "returned"
    assert board.world.wdt_timeout_ms is None
    assert "maintenance (mode held at power-up): relays off" in capsys.readouterr().out


def test_the_control_loop_keeps_its_period_through_the_setup_the_hashing_and_the_join(board, monkeypatch):
    pico_w(board, monkeypatch, networks={"home": "the-right-one"})
    ticks = []

    def watch():
        runner = sys.modules["app.runner"]
        original = runner.App.control_tick

        def control_tick(self):
            ticks.append(board.world.now_ms)
            return original(self)

        monkeypatch.setattr(runner.App, "control_tick", control_tick)

    board.world.at(0, watch)
    answers = send(board, 5_000, "POST", "/", FORM)  # refused by the network: three joins
    send(board, 40_000, "POST", "/", dict(FORM, wifi_password="the-right-one"), answers=answers)
    for second in range(1, 120):
        send(board, 5_000 + second * 997, "GET", "/", answers=answers)
    assert board.boot(150_000) == "halt"
    from thermo.control import CONTROL_PERIOD_MS

    assert app().setup.state == "joined"
    gaps = [later - earlier for earlier, later in zip(ticks[:-1], ticks[1:], strict=True)]
    assert len(ticks) >= 150_000 // CONTROL_PERIOD_MS - 2
    assert max(gaps) <= CONTROL_PERIOD_MS + 20  # commands (the settings save) may tick in between, never later


def test_the_setup_page_is_the_same_address_the_screen_gives(board):
    from app import screen, wifisetup

    assert screen.SETUP_ADDRESS == wifisetup.ADDRESS


def test_the_webs_status_tells_the_wifi_state_and_the_boards_address(board, monkeypatch):
    pico_w(board, monkeypatch, device={"wifi_ssid": "home", "wifi_password": WIFI_SECRET, "web_open_status": True})
    answers = send(board, 30_000, "GET", "/api/status")
    assert board.boot(40_000) == "halt"
    status, _headers, body = answer(answers, 30_000)
    assert status == 200
    assert json.loads(body)["network"] == {"state": "wifi up", "address": "192.0.2.50"}
