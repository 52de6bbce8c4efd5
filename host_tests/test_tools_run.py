"""make run (tools/run.py): every terminal that is off says why, commands act at once, bad options and Ctrl-C."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import run  # tools/ and firmware/ are on sys.path: conftest
from conftest import reason_codes

from thermo.control import ALERT_NAMES, CONTROL_PERIOD_MS
from thermo.modes import ACTIONS

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def headless(*args):
    return subprocess.run([PY, "tools/run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def terminal_row(frame, name):
    """The plain-text row of one terminal: '  Y1 --  why...'."""
    return next(line for line in frame.splitlines() if line.startswith("  %-2s " % name))


def test_a_pulled_indoor_sensor_shows_why_the_compressor_is_off_and_the_alert_in_words():
    done = headless("--headless", "900", "--every", "300", "--keys", "400:i")
    assert done.returncode == 0, done.stderr
    last = done.stdout.split("-" * 78)[-2]
    assert "sensor PULLED" in last
    assert terminal_row(last, "Y1") == "  Y1 --  indoor sensor failed: no heating or cooling  [indoor_sensor]"
    assert "alerts  indoor sensor failed or missing  [indoor_sensor]" in last
    assert "held nothing" not in done.stdout and "held    nothing" not in done.stdout


def test_every_terminal_that_is_off_shows_the_cores_reason_in_plain_words():
    live = run.Live("cold")
    live.thermostat.held_reasons = lambda: {"W2": "wait_droop", "Y2": "single_stage", "E": "not_emergency"}
    live.outputs = 0
    frame = run.plain(live.frame(60))
    assert terminal_row(frame, "W2") == "  W2 --  backup heat waits for aux_droop_f or aux_delay_s  [wait_droop]"
    assert terminal_row(frame, "Y2") == "  Y2 --  single-stage compressor: Y2 is not used  [single_stage]"
    assert terminal_row(frame, "E") == "  E  --  E runs only in mode emergency  [not_emergency]"
    assert terminal_row(frame, "G") == "  G  --"  # off, and the core gives no reason: nothing invented


def test_a_run_held_on_says_so_and_a_code_without_words_is_shown_as_it_is():
    live = run.Live("cold")
    live.thermostat.held_reasons = lambda: {"Y1": "min_on", "W2": "some_new_code"}
    live.outputs = 1  # Y1
    frame = run.plain(live.frame(60))
    assert terminal_row(frame, "Y1") == "  Y1 ON  held on: a compressor run lasts at least min_on_s  [min_on]"
    assert terminal_row(frame, "W2") == "  W2 --  some_new_code"


def test_every_reason_code_and_alert_of_the_core_has_plain_words():
    codes = set(reason_codes())
    assert codes and codes <= set(run.REASONS), codes - set(run.REASONS)
    assert set(ALERT_NAMES) <= set(run.ALERTS)
    assert set(ACTIONS) == set(run.ACTIONS)


def test_the_screen_names_what_runs_after_the_gate():
    done = headless("--headless", "900", "--every", "900")
    assert done.returncode == 0, done.stderr
    last = done.stdout.split("-" * 78)[-2]
    action = next(line for line in last.splitlines() if line.startswith("  action  "))
    strips = terminal_row(last, "W2").startswith("  W2 ON")
    if strips:
        assert action == "  action  heating with the heat pump and strip heat  [heat_pump_and_strips]", last
    else:
        assert action == "  action  heating with the heat pump  [heat_pump]", last


def test_the_house_and_the_firmware_step_by_the_firmwares_control_period():
    live = run.Live("cold")
    before = live.t_s
    live.step()
    assert live.t_s - before == CONTROL_PERIOD_MS / 1000


def test_a_mode_key_acts_at_once_not_at_the_next_tick():
    live = run.Live("cold", start_below_f=3.0)
    for _ in range(3600):
        live.step()
        if live.outputs & 1:
            break
    assert live.outputs & 1, "the heat call should have started the compressor"
    live.key("m")  # heat -> cool: the heat call ends at once
    assert "mode: cool" in live.message
    assert not live.outputs & 1


@pytest.mark.parametrize("start, message", [
    ("25:00", "run.py: --start: 25:00 is out of range (allowed: 00:00 to 23:59)"),
    ("12:60", "run.py: --start: 12:60 is out of range (allowed: 00:00 to 23:59)"),
    ("7", "run.py: --start: '7' is not HH:MM (allowed: 00:00 to 23:59)"),
])
def test_a_start_time_that_is_not_a_time_of_day_is_refused_in_one_line(start, message):
    done = headless("--start", start, "--headless", "10")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [message]


def test_other_bad_options_are_refused_in_one_line_naming_the_option():
    for args, field in ((["--speed", "0"], "--speed"), (["--keys", "x:i"], "--keys"), (["--every", "-1"], "--every"),
                        (["--fault", "o_b"], "--fault"), (["--fault", "w2_open@25:00"], "--fault")):
        done = headless(*args, "--headless", "10")
        assert done.returncode == 2, args
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("run.py: %s: " % field), done.stderr


def test_a_fault_injected_into_make_run_shows_the_detectors_alert_in_words():
    """A wrong O/B on a mild morning: the house falls under the heat pump, and the frame says why."""
    done = headless("--day", "mild", "--fault", "ob_reversed", "--headless", "5400", "--every", "5400")
    assert done.returncode == 0, done.stderr
    last = done.stdout.split("-" * 78)[-2]
    assert "fault injected: ob_reversed" in last
    assert "the O/B setting is probably reversed" in last and "[ob_reversed]" in last


def test_ctrl_c_quits_without_a_traceback():
    # A shell's background job inherits SIGINT ignored (so would this child): give it the default back.
    process = subprocess.Popen([PY, "tools/run.py", "--headless", str(14 * 86400)], cwd=ROOT, text=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert process.stdout.readline().startswith("thermo: ")  # running: the first frame is out
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert process.returncode == 130


def learned_row(frame):
    return next(line for line in frame.splitlines() if line.startswith("  learned "))


def test_the_screen_shows_the_balance_point_as_learning_until_the_core_knows_it():
    from thermo.learn import HEAT_PUMP

    live = run.Live("cold")
    assert learned_row(run.plain(live.frame(60))) == "  learned balance point: learning…"
    model = live.thermostat.model
    for _ in range(2):  # two clean samples a bin: the heat pump loses 0.5 °F/h at 17.5 °F, gains 1.5 at 37.5
        model.learn_rate(HEAT_PUMP, 175, -50)
        model.learn_rate(HEAT_PUMP, 375, 150)
    assert learned_row(run.plain(live.frame(60))) == "  learned balance point: 22.5 °F"


def test_with_both_prices_the_screen_suggests_a_dual_fuel_lockout_and_says_it_is_not_applied():
    live = run.Live("cold", settings={"electricity_price_cents_per_kwh": 15, "gas_price_cents_per_therm": 150})
    lockout = live.thermostat.model.economic_lockout_dF(live.thermostat.settings)
    row = learned_row(run.plain(live.frame(60)))
    assert row == ("  learned balance point: learning…   suggested dual-fuel lockout: %.1f °F "
                   "(balance_point_f is 35.0 °F; not applied)" % (lockout / 10))


def test_the_screen_shows_the_strips_duty_only_while_it_governs():
    live = run.Live("cold")
    live.thermostat.duty.governs, live.thermostat.duty.duty_pm = True, 452
    assert learned_row(run.plain(live.frame(60))).endswith("   strips: duty 45 %")
    live.thermostat.duty.governs = False
    assert "strips" not in learned_row(run.plain(live.frame(60)))


# -- make run MQTT=...: the simulated house through the firmware's own MQTT link -------------------------

NET = ROOT / "host_tests" / "net"  # the broker fixtures: broker.py
if str(NET) not in sys.path:
    sys.path.insert(0, str(NET))


@pytest.fixture(autouse=True)
def forget_app_modules():
    """Live imports the firmware's app modules (on the real clock): forgotten
    after each test, so the board harness's tests import them afresh on theirs."""
    before = {name for name in sys.modules if name == "app" or name.startswith("app.")}
    yield
    for name in [n for n in sys.modules if (n == "app" or n.startswith("app.")) and n not in before]:
        del sys.modules[name]


def test_live_is_the_links_device_a_command_applies_whole_or_not_at_all_and_acts_at_once():
    from app import ha

    from thermo.values import SettingError

    live = run.Live("cold", start_below_f=3.0)
    for _ in range(3600):
        live.step()
        if live.outputs & 1:
            break
    assert live.outputs & 1, "the heat call should have started the compressor"
    assert live.usage.starts == 1  # today's counters follow the simulated outputs
    before = ha.state_json(live)
    with pytest.raises(SettingError, match="heat_setpoint_f"):
        live.command({"mode": "cool", "heat_setpoint_f": 200})  # one bad field: nothing changes
    assert ha.state_json(live) == before
    live.command({"mode": "cool"})
    assert not live.outputs & 1  # at once, not at the next control period
    state = json.loads(ha.state_json(live))
    assert (state["mode"], state["Y1"], state["indoor_source"], state["humidity"]) == ("cool", "OFF", "wired", None)
    assert live.board["name"] == "simulator" and live.report.alerts == {}


def test_the_strip_energy_the_link_reports_is_the_simulated_strips_energy():
    from app import ha

    live = run.Live("cold")
    live.command({"mode": "emergency"})  # the strips alone, for ten simulated minutes
    for _ in range(600 // run.STEP_S):
        live.step()
    reported = json.loads(ha.state_json(live))["strip_kwh_today"]
    assert live.strip_kwh > 1.5 and abs(reported - live.strip_kwh) < 0.02


@pytest.mark.parametrize("args, message", [
    (["--mqtt", "localhost:0"], "run.py: --mqtt: port 0 is out of range (allowed: HOST or HOST:PORT, PORT 1 to 65535)"),
    (["--mqtt", "localhost:x"], "run.py: --mqtt: 'localhost:x' is not a broker (allowed: HOST or HOST:PORT, "
                                "PORT 1 to 65535)"),
    (["--mqtt", "localhost", "--device-id", "My Sim"], 'run.py: --device-id: "My Sim" is not allowed (allowed: 1 to '
                                                       "32 of a-z 0-9 _ -)"),
    (["--mqtt", "localhost", "--mqtt-password", "s3cret" * 30], "run.py: --mqtt-password: a 180-byte password is too "
                                                                "long (allowed: at most 128 bytes)"),
    (["--mqtt-user", "bob"], "run.py: --mqtt: the MQTT options need a broker: --mqtt HOST[:PORT]"),
])
def test_bad_mqtt_options_are_refused_in_one_line_and_the_password_is_never_shown(args, message):
    done = headless(*args, "--headless", "10")
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (2, "", [message])


def test_with_the_broker_down_the_house_runs_as_without_mqtt_and_the_screen_says_why():
    from broker import free_port

    done = headless("--headless", "600", "--speed", "300", "--every", "600", "--mqtt", "127.0.0.1:%d" % free_port())
    assert done.returncode == 0, done.stderr
    last = done.stdout.split("-" * 78)[-2]
    mqtt = next(line for line in last.splitlines() if line.startswith("  mqtt    "))
    assert mqtt.startswith("  mqtt    reconnecting to 127.0.0.1:"), mqtt
    assert "(last error: connect: OSError 111: Connection refused)   topics thermostat/hpt_simulator/..." in mqtt
    assert terminal_row(last, "Y1").startswith("  Y1 ON"), last  # the heat call went on regardless


class RunProcess:
    """tools/run.py --headless ... as a process, its output collected line by line."""

    def __init__(self, *args, env=None):
        import threading

        self.lines = []
        self.process = subprocess.Popen([PY, "-u", "tools/run.py", *args], cwd=ROOT, text=True, env=env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    def output(self):
        return "".join(list(self.lines))

    def detail(self):
        return "run.py output:\n" + self.output()[-4000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def test_make_run_mqtt_publishes_the_simulated_house_and_home_assistant_operates_it(tmp_path):
    from broker import Broker, Observer, wait_until

    base = "thermostat/hpt_simulator"
    discovery = {"homeassistant/climate/hpt_simulator/thermostat/config",
                 "homeassistant/switch/hpt_simulator/emergency_heat/config",
                 "homeassistant/binary_sensor/hpt_simulator/problem/config",
                 "homeassistant/sensor/hpt_simulator/outdoor_temperature/config"}
    broker = Broker(tmp_path / "broker").start()
    observer = Observer(broker)
    house = RunProcess("--headless", "7200", "--speed", "60", "--every", "60", "--mqtt", "127.0.0.1:%d" % broker.port)
    try:
        observer.wait_message(base + "/availability", "the simulator publishes online", match=lambda m: m.text() ==
                              "online", detail=house.detail)
        first = observer.wait_state(base, "the simulated house heating", lambda doc: doc["fw_mode"] == "heat" and
                                    doc["temperature"] is not None, detail=house.detail)
        assert (first["indoor_source"], first["outdoor_source"], first["outdoor"] is not None) == ("wired", "wired",
                                                                                                  True)
        # Home Assistant starting later finds the simulator on the broker: discovery and state retained.
        # (Once all of it was sent: a subscriber that comes while it is being sent gets the rest as live
        # messages, which the broker forwards without the retain flag.)
        wait_until(lambda: discovery <= {m.topic for m in observer.since()}, "the simulator sent its discovery",
                   detail=observer.summary)
        late = Observer(broker, name="late")
        try:
            wait_until(lambda: discovery | {base + "/state"} <= {m.topic for m in late.since() if m.retain},
                       "retained discovery and state for a later subscriber", detail=late.summary)
            climate = late.latest("homeassistant/climate/hpt_simulator/thermostat/config").json()
            assert (climate["device"]["model"], climate["~"]) == ("simulator", base)
        finally:
            late.close()

        # Home Assistant's commands reach the simulated thermostat, and the screen shows them too.
        mark = observer.mark()
        observer.publish(base + "/set/mode", "cool")
        observer.wait_state(base, "mode cool after set/mode", lambda doc: (doc["mode"], doc["fw_mode"]) ==
                            ("cool", "cool"), mark, detail=house.detail)
        wait_until(lambda: "  mode    cool " in house.output().rsplit("-" * 78, 2)[-2],
                   "the simulator's screen shows mode cool", detail=house.detail)
        mark = observer.mark()
        observer.publish(base + "/set/emergency", "ON")
        observer.wait_state(base, "emergency heat on after the switch", lambda doc: (
            doc["mode"], doc["fw_mode"], doc["emergency"]) == ("heat", "emergency", "ON"), mark, detail=house.detail)
        mark = observer.mark()
        observer.publish(base + "/set/mode", "auto")  # HA's auto is a schedule: not a mode of ours
        refused = observer.wait_message(base + "/error", "a refusal on the error topic", mark, detail=house.detail)
        assert refused.text().startswith('refused %s/set/mode "auto": mode: ' % base)
        assert house.process.poll() is None, house.detail()

        # Ctrl-C: the simulator quits cleanly and Home Assistant sees it go (the last will).
        mark = observer.mark()
        house.process.send_signal(signal.SIGINT)
        assert house.process.wait(timeout=30) == 130, house.detail()
        observer.wait_message(base + "/availability", "offline after the simulator quit", mark,
                              match=lambda m: m.text() == "offline", detail=house.detail)
        assert "Traceback" not in house.output(), house.detail()
    finally:
        house.stop()
        observer.close()
        broker.kill()


def test_the_broker_login_comes_from_mqtt_user_and_mqtt_password_and_the_password_is_never_printed(tmp_path):
    import os

    from broker import Broker, Observer, wait_until

    password = "pw-Simulator-7"
    broker = Broker(tmp_path / "broker", users={"ha": "ha-pw", "sim": password}).start()
    observer = Observer(broker, user="ha", password="ha-pw")
    env = dict(os.environ, MQTT_USER="sim", MQTT_PASSWORD=password)
    house = RunProcess("--headless", "7200", "--speed", "60", "--every", "60", "--mqtt", "127.0.0.1:%d" % broker.port,
                       env=env)
    try:
        observer.wait_state("thermostat/hpt_simulator", "the simulator's state, logged in", lambda doc: True,
                            detail=house.detail)
        wait_until(lambda: "  mqtt    connected to 127.0.0.1:%d " % broker.port in house.output(),
                   "the screen says connected", detail=house.detail)
        house.process.send_signal(signal.SIGINT)
        assert house.process.wait(timeout=30) == 130, house.detail()
        house.reader.join(timeout=10)
        assert password not in house.output()
    finally:
        house.stop()
        observer.close()
        broker.kill()


# -- make run's web page and JSON API (issue 12) ---------------------------------------


@pytest.mark.parametrize("web, message", [
    ("0.0.0.0:8080", "run.py: --web: host '0.0.0.0' is not served: only the local host, which nothing else can reach "
                     "(allowed: [HOST:]PORT, HOST 127.0.0.1 or localhost, PORT 1 to 65535)"),
    ("192.168.1.5:80", "run.py: --web: host '192.168.1.5' is not served: only the local host, which nothing else can "
                       "reach (allowed: [HOST:]PORT, HOST 127.0.0.1 or localhost, PORT 1 to 65535)"),
    ("127.0.0.1:0", "run.py: --web: port 0 is out of range (allowed: [HOST:]PORT, HOST 127.0.0.1 or localhost, "
                    "PORT 1 to 65535)"),
    ("localhost:http", "run.py: --web: 'localhost:http' is not [HOST:]PORT (allowed: [HOST:]PORT, HOST 127.0.0.1 or "
                       "localhost, PORT 1 to 65535)"),
])
def test_the_web_is_served_on_the_local_host_only_and_a_bad_address_is_refused_in_one_line(web, message):
    done = headless("--headless", "10", "--web", web)
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (2, "", [message])


def test_web_options_that_contradict_each_other_are_refused_in_one_line():
    done = headless("--headless", "10", "--web", "8080", "--no-web")
    assert (done.returncode, done.stderr.splitlines()) == (2, ["run.py: --web: --web and --no-web together: choose one"])
    done = headless("--headless", "10", "--password", "long enough")
    assert (done.returncode, done.stderr.splitlines()) == (
        2, ["run.py: --password: a headless run serves the web page only with --web [HOST:]PORT"])
    done = headless("--headless", "10", "--seconds", "5")
    assert (done.returncode, done.stderr.splitlines()) == (
        2, ["run.py: --seconds: give --headless SECONDS (house time) or --seconds N (real time), not both"])


def test_a_headless_run_without_web_serves_nothing_and_runs_as_fast_as_before():
    done = headless("--headless", "60", "--every", "60")
    assert done.returncode == 0 and "web" not in done.stdout, done.stdout


def test_live_save_settings_applies_whole_or_changes_nothing():
    from thermo.values import SettingError

    live = run.Live("cold")
    th = live.thermostat
    before = (dict(th.settings.values), dict(live.options))
    with pytest.raises(SettingError, match="min_off_s"):
        live.save_settings({"min_on_s": 200, "min_off_s": 5})
    with pytest.raises(SettingError, match="device.utc_offset_min"):
        live.save_settings({"min_on_s": 200}, {"utc_offset_min": 5000})
    with pytest.raises(SettingError, match="cool_setpoint_f"):  # checked against the user's setpoints too
        live.command({"mode": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 74})
        live.save_settings({"auto_deadband_f": 5.0})
    live.command({"mode": "heat"})
    before = (dict(th.settings.values), dict(live.options))
    with pytest.raises(SettingError):
        live.save_settings({"min_on_s": 200}, {"utc_offset_min": 5000})
    assert (dict(th.settings.values), dict(live.options)) == before
    live.save_settings({"min_on_s": 200}, {"utc_offset_min": -300})
    assert (th.settings.values["min_on_s"], live.options["utc_offset_min"]) == (200, -300)


def _web_parts():
    """host_tests/web/webserver.py's free_port, wait_until and http_json."""
    folder = str(ROOT / "host_tests" / "web")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import webserver

    return webserver.free_port, webserver.wait_until, webserver.http_json


def _web_env(password=None):
    import os

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("THERMO_WEB_PASSWORD", None)
    if password is not None:
        env["THERMO_WEB_PASSWORD"] = password
    return env


def test_make_run_web_serves_the_api_and_the_simulated_house_responds_to_a_command():
    free_port, wait_until, http_json = _web_parts()
    port = free_port()
    house = RunProcess("--headless", "--seconds", "120", "--speed", "600", "--web", "127.0.0.1:%d" % port,
                       env=_web_env("sim password 1"))
    try:
        wait_until(lambda: "web: http://127.0.0.1:%d/\n" % port in house.output(), "run.py serves", 60,
                   detail=house.detail)
        assert "sim password 1" not in house.output()
        server = type("At", (), {"port": port})
        status, document = http_json(server, "POST", "/api/login", {"password": "sim password 1"})
        assert status == 200, document
        token = document["token"]
        status, document = http_json(server, "POST", "/api/command", {"mode": "cool", "cool_setpoint_f": 60}, token)
        assert status == 200 and document["mode"] == "cool", document

        def cooling():
            status, document = http_json(server, "GET", "/api/status", token=token)
            return status == 200 and document["terminals"]["Y1"] and document["action"] == "cooling"

        wait_until(cooling, "the simulated house cooling after the command", 60, detail=house.detail)
        status, document = http_json(server, "POST", "/api/settings", {"settings": {"min_off_s": 1}}, token)
        assert status == 400 and document["error"].startswith("settings.min_off_s"), document
    finally:
        house.stop()


def test_without_a_password_make_run_uses_the_printed_simulator_default():
    free_port, wait_until, http_json = _web_parts()
    port = free_port()
    house = RunProcess("--headless", "--seconds", "60", "--speed", "60", "--web", str(port), env=_web_env())
    try:
        wait_until(lambda: "web: http://127.0.0.1:%d/\n" % port in house.output(), "run.py serves", 60,
                   detail=house.detail)
        assert 'web: password "thermostat" (the simulator\'s default' in house.output()
        status, document = http_json(type("At", (), {"port": port}), "POST", "/api/login", {"password": "thermostat"})
        assert status == 200, document
    finally:
        house.stop()


def test_make_run_shows_the_boards_screen_as_the_firmware_draws_it_and_s_hides_it():
    live = run.Live("cold")
    live.advance(600)
    heating = live.board_screen()
    assert len(heating) == 16 and all(len(line) == 64 for line in heating)
    assert any(ch != chr(0x2800) for line in heating for ch in line), "the screen is blank"
    live.key("m")  # heat -> cool: the page is redrawn for the new mode
    assert live.board_screen() != heating
    assert live.show_screen
    live.key("s")
    assert not live.show_screen and "hidden" in live.message
