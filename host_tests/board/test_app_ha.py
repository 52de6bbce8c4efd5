"""Home Assistant's side of the thermostat, without a network: what
app.ha publishes (discovery, the state document) and how it reads what
arrives (commands, network temperatures); app.usage's counters; the MQTT
device options. The broker and Home Assistant themselves are in
host_tests/net/."""

import json
import re

import pytest
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture

BASE = "thermostat/hpt_test"
device = ha = Report = Usage = DAY_MS = M = T = Thermostat = SettingError = None


@pytest.fixture(autouse=True)
def _firmware(board):
    """The firmware's modules, imported on the board harness's clock (app
    modules read ticks_ms), forgotten again after each test."""
    global device, ha, Report, Usage, DAY_MS, M, T, Thermostat, SettingError
    from app import device, ha
    from app.report import Report
    from app.usage import DAY_MS, Usage

    from thermo import modes as M
    from thermo import terminals as T
    from thermo.control import Thermostat
    from thermo.values import SettingError


class Readings:
    """What the state document reads of app.readings.Readings (which needs
    the board's ticks_ms clock): the sources and the indoor humidity."""

    def __init__(self, humidity_dpct=None, outdoor_source="wired"):
        self.sources = {"indoor": "wired", "outdoor": outdoor_source}
        self.humidity_dpct = humidity_dpct


class Device:
    def __init__(self, thermostat, readings=None, usage=None):
        self.thermostat = thermostat
        self.readings = readings or Readings()
        self.usage = usage or Usage(10000)
        self.report = Report()
        self.board = {"name": "test"}


def running(mode="heat", indoor_dF=660, outdoor_dF=300, seconds=400, **changes):
    th = Thermostat({}, 0)
    th.command(dict({"mode": mode}, **changes))
    for second in range(seconds):
        th.indoor_reading(indoor_dF)
        th.outdoor_reading(outdoor_dF)
        th.tick(second * 1000)
    return th


def state(device_):
    return json.loads(ha.state_json(device_))


# -- commands -------------------------------------------------------------------


@pytest.mark.parametrize("what, payload, mode, expected", [
    ("mode", b"heat_cool", "heat", {"mode": "auto"}),
    ("mode", b"off", "heat", {"mode": "off"}),
    ("fan", b"circulate", "heat", {"fan": "circulate"}),
    ("temperature", b"68.5", "heat", {"heat_setpoint_f": 68.5}),
    ("temperature", b"70", "emergency", {"heat_setpoint_f": 70}),
    ("temperature", b"74.0", "cool", {"cool_setpoint_f": 74}),
    ("temperature_low", b"66", "auto", {"heat_setpoint_f": 66}),
    ("temperature_high", b"77.5", "off", {"cool_setpoint_f": 77.5}),
    ("emergency", b"ON", "heat", {"mode": "emergency"}),
    ("emergency", b"OFF", "emergency", {"mode": "heat"}),
    ("emergency", b"OFF", "cool", None),
])
def test_each_command_topic_becomes_the_core_command_a_button_would_give(what, payload, mode, expected):
    assert ha.command(what, payload, mode) == expected


@pytest.mark.parametrize("what, payload, mode, message", [
    ("mode", b"auto", "heat", 'mode: "auto" is not allowed (allowed: off, heat, cool, heat_cool)'),
    ("mode", b"emergency", "heat", 'mode: "emergency" is not allowed (allowed: off, heat, cool, heat_cool)'),
    ("fan", b"high", "heat", 'fan: "high" is not allowed (allowed: auto, on, circulate)'),
    ("emergency", b"on", "heat", 'emergency: "on" is not allowed (allowed: OFF, ON)'),
    ("temperature", b'{"temperature": 70}', "heat", 'temperature: "{"temperature": 70}" is not a number'),
    ("temperature", b"nan", "heat", 'temperature: "nan" is not a number (allowed: a number of °F)'),
    ("temperature", b"1e2", "heat", "is not a number"),
    ("temperature", b"", "heat", 'temperature: "" is not a number'),
    ("temperature", b"68.", "heat", "is not a number"),
    ("temperature", b"68.12345", "heat", "is not a number"),
    ("temperature", b"70", "off", "temperature: one setpoint has no meaning in mode off"),
    ("temperature", b"70", "auto", "heat_cool sets temperature_low and temperature_high"),
    ("temperature_low", b"x" * 10240, "heat", "temperature_low: 10240 bytes is too long (allowed: at most 64 bytes)"),
    ("temperature", b"\xff\xfe", "heat", "temperature: is not UTF-8 text"),
    ("defrost", b"ON", "heat", "defrost: unknown command (known: mode, temperature"),
])
def test_a_bad_payload_is_refused_naming_the_field_and_what_is_allowed(what, payload, mode, message):
    with pytest.raises(SettingError) as caught:
        ha.command(what, payload, mode)
    assert message in str(caught.value)


@pytest.mark.parametrize("changes", [
    {"heat_setpoint_f": 120}, {"cool_setpoint_f": 45}, {"mode": "auto", "cool_setpoint_f": 69},
])
def test_ranges_and_the_deadband_are_the_cores_so_a_command_from_home_assistant_is_refused_whole(changes):
    """ha.command passes numbers on; the core refuses them exactly as it
    refuses a button or the REPL, and nothing changes."""
    th = Thermostat({}, 0)
    th.command({"mode": "heat", "heat_setpoint_f": 68})
    before = (th.mode, th.heat_setpoint_dF, th.cool_setpoint_dF)
    with pytest.raises(SettingError):
        th.command(changes)
    assert (th.mode, th.heat_setpoint_dF, th.cool_setpoint_dF) == before


@pytest.mark.parametrize("payload, unit, dF", [
    (b"30", "F", 300), (b"-3.25", "F", -33), (b"68.04", "F", 680), (b"68.05", "F", 681),
    (b"0", "C", 320), (b"21.375", "C", 705), (b"-17.5", "C", 5), (b"-40", "C", -400),
])
def test_a_network_temperature_becomes_tenths_of_a_degree_f_without_a_float(payload, unit, dF):
    assert ha.reading_dF("outdoor_topic", payload, unit) == dF


def test_a_network_temperature_that_is_not_a_number_is_refused_naming_the_topic_option():
    with pytest.raises(SettingError, match=r'outdoor_topic: "unavailable" is not a number \(allowed: a number of °C\)'):
        ha.reading_dF("outdoor_topic", b"unavailable", "C")


# -- the state document -------------------------------------------------------------


def test_every_firmware_mode_and_action_has_a_home_assistant_name():
    assert len(ha.HA_MODE) == len(M.MODES) and set(ha.HA_MODE) <= set(ha.HA_MODES)
    assert len(ha.HA_ACTION) == len(M.ACTIONS)
    assert set(ha.HA_ACTION) <= {"off", "heating", "cooling", "drying", "idle", "fan", "preheating", "defrosting"}
    assert ha.HA_ACTION[M.ACTIONS.index("recovery")] == "preheating"
    assert ha.HA_ACTION[M.ACTIONS.index("emergency")] == "heating"


def test_the_state_shows_a_heat_call_as_home_assistant_names_it():
    th = running("heat", indoor_dF=660, heat_setpoint_f=68)
    doc = state(Device(th))
    assert th.outputs & T.Y1, "the heat pump runs after min_off"
    assert doc["mode"] == "heat" and doc["fw_mode"] == "heat" and doc["action"] == "heating"
    assert doc["temperature"] == 66.0 and doc["target"] == 68.0 and doc["outdoor"] == 30.0
    assert doc["Y1"] == "ON" and doc["E"] == "OFF" and doc["emergency"] == "OFF"


def test_emergency_heat_shows_as_mode_heat_with_the_switch_on():
    th = running("emergency", indoor_dF=660)
    doc = state(Device(th))
    assert (doc["mode"], doc["fw_mode"], doc["emergency"], doc["action"]) == ("heat", "emergency", "ON", "heating")


def test_heat_cool_has_no_single_target_and_both_setpoints():
    doc = state(Device(running("auto", indoor_dF=700, seconds=3)))
    assert (doc["mode"], doc["target"], doc["target_low"], doc["target_high"]) == ("heat_cool", None, 68.0, 76.0)


def test_a_failed_sensor_is_null_and_a_problem_with_its_alert_named():
    th = Thermostat({}, 0)
    th.command({"mode": "heat"})
    th.tick(0)
    doc = state(Device(th, Readings(outdoor_source="mqtt")))
    assert doc["temperature"] is None and doc["outdoor"] is None
    assert doc["problem"] == "ON" and doc["alerts"] == "indoor_sensor, outdoor_sensor"
    assert doc["outdoor_source"] == "mqtt"
    from app.advice import ADVICE

    # Home Assistant shows each alert's sentence and fix, not only its code
    assert doc["advice"] == {"indoor_sensor": ADVICE["indoor_sensor"], "outdoor_sensor": ADVICE["outdoor_sensor"]}


def test_a_healthy_thermostat_has_no_advice():
    doc = state(Device(running("heat", indoor_dF=690)))
    assert doc["problem"] == "OFF" and doc["advice"] == {}


def test_the_shells_own_alerts_are_problems_too():
    dev = Device(running("heat", indoor_dF=690))
    dev.report.alerts["clock"] = "no NTP time yet"
    doc = state(dev)
    assert doc["problem"] == "ON" and doc["alerts"] == "clock"
    assert doc["advice"] == {"clock": "no NTP time yet"}
    dev.report.alerts["mqtt"] = 'broker said "not authorised" \\ again\nand again'
    assert state(dev)["advice"]["mqtt"] == 'broker said "not authorised" \\ again and again'


def test_todays_counters_are_in_the_state():
    usage = Usage(10000)
    usage.tick(0, T.Y1 | T.G | T.W2)
    usage.tick(30 * 60_000, 0)
    doc = state(Device(running("heat", indoor_dF=690), usage=usage))
    assert doc["compressor_starts_today"] == 1
    assert doc["runtime_today_min"] == {"Y1": 30, "Y2": 0, "G": 30, "W2": 30, "OB": 0, "E": 0}
    assert doc["strip_kwh_today"] == 5.0


# -- discovery -----------------------------------------------------------------------


def discovery(humidity=True):
    return ha.discovery("hpt_test", "Hall", "Raspberry Pi Pico W", BASE, humidity)


def test_every_entity_reads_a_field_the_state_document_has():
    """A template naming a field the state lacks would show "unknown" in
    Home Assistant forever: every value_json path must resolve."""
    doc = state(Device(running("heat", indoor_dF=690), Readings(humidity_dpct=415)))
    paths = set()
    for _topic, payload in discovery():
        for key, value in payload.items():
            if key.endswith("template"):
                paths.update(re.findall(r"value_json\.([A-Za-z0-9_.]+)", value))
    assert len(paths) > 20
    for path in paths:
        node = doc
        for part in path.split("."):
            assert isinstance(node, dict) and part in node, "%s is not in the state document" % path
            node = node[part]


def test_discovery_ids_and_topics_are_unique_and_every_payload_names_the_device():
    found = discovery()
    topics = [topic for topic, _ in found]
    ids = [payload["unique_id"] for _, payload in found]
    assert len(set(topics)) == len(topics) and len(set(ids)) == len(ids)
    for topic, payload in found:
        component = topic.split("/")[1]
        assert topic.startswith("homeassistant/%s/hpt_test/" % component) and topic.endswith("/config")
        assert payload["object_id"] == payload["unique_id"]
        assert payload["default_entity_id"] == component + "." + payload["unique_id"]
        assert payload["device"]["identifiers"] == ["hpt_test"]
        assert payload["device"]["model"] == "Raspberry Pi Pico W" and payload["device"]["sw_version"]
        assert payload["availability_topic"] == "~/availability" and payload["~"] == BASE


def test_discovery_has_the_climate_the_switch_a_binary_sensor_per_terminal_and_the_sensors():
    found = dict(discovery())
    climate = found["homeassistant/climate/hpt_test/thermostat/config"]
    assert climate["modes"] == ["off", "heat", "cool", "heat_cool"]
    assert climate["fan_modes"] == ["auto", "on", "circulate"]
    assert (climate["min_temp"], climate["max_temp"], climate["temperature_unit"]) == (40, 99, "F")
    assert found["homeassistant/switch/hpt_test/emergency_heat/config"]["command_topic"] == "~/set/emergency"
    for name in T.NAMES:
        assert "homeassistant/binary_sensor/hpt_test/%s/config" % name.lower() in found
    assert found["homeassistant/binary_sensor/hpt_test/problem/config"]["device_class"] == "problem"
    assert "homeassistant/sensor/hpt_test/humidity/config" in found
    assert "homeassistant/sensor/hpt_test/humidity/config" not in dict(discovery(humidity=False))


def test_the_command_topics_discovery_names_are_the_ones_the_link_accepts():
    for _topic, payload in discovery():
        for key, value in payload.items():
            if key.endswith("command_topic"):
                assert value.startswith("~/set/") and value[len("~/set/"):] in ha.COMMANDS


def test_the_default_device_id_is_the_chip_id_in_hex():
    assert ha.default_device_id(b"\xe6\x61\x41\x03") == "hpt_e6614103"


# -- today's counters -------------------------------------------------------------------


def test_usage_counts_compressor_starts_and_run_time_per_terminal():
    usage = Usage(5000)
    usage.tick(0, T.Y1 | T.G)
    usage.tick(600_000, T.G)
    usage.tick(660_000, T.Y1 | T.G | T.W2)
    usage.tick(1_260_000, 0)
    assert usage.starts == 2
    assert [usage.minutes(i) for i in range(6)] == [20, 0, 21, 10, 0, 0]
    assert usage.strip_wh() == 833  # 10 min at 5 kW


def test_usage_starts_again_at_local_midnight_once_the_clock_is_known():
    usage = Usage(1000)
    monday_2359 = 23 * 60 + 59
    usage.tick(0, T.Y1, monday_2359)
    usage.tick(60_000, T.Y1, monday_2359 + 1)  # Tuesday 00:00
    assert usage.starts == 0 and usage.minutes(0) == 0
    usage.tick(120_000, T.Y1, monday_2359 + 2)
    assert usage.minutes(0) == 1


def test_usage_without_a_clock_starts_again_every_24_hours():
    usage = Usage(1000)
    usage.tick(0, T.Y1)
    usage.tick(3_600_000, T.Y1)
    assert usage.minutes(0) == 60
    for hour in range(2, 26):
        usage.tick(hour * 3_600_000, T.Y1)
    assert usage.day_ms < DAY_MS and usage.minutes(0) < 24 * 60


def test_usage_survives_the_ticks_wrap():
    usage = Usage(1000)
    usage.tick((1 << 30) - 30_000, T.Y1)
    usage.tick(30_000, T.Y1)
    assert usage.runtime_ms[0] == 60_000


# -- device options ------------------------------------------------------------------


def test_mqtt_options_default_to_off_and_validate():
    options = device.validate({"mqtt_host": "broker.lan", "mqtt_port": 8883, "mqtt_tls": True,
                               "outdoor_topic": "weather/outdoor", "topic_unit": "C", "device_id": "hall_1"})
    assert device.defaults()["mqtt_host"] is None
    assert (options["mqtt_port"], options["outdoor_topic"], options["device_id"]) == (8883, "weather/outdoor", "hall_1")


@pytest.mark.parametrize("changes, message", [
    ({"mqtt_port": 0}, "device.mqtt_port: 0 is out of range (allowed: 1 to 65535)"),
    ({"mqtt_prefix": "home/#"}, 'device.mqtt_prefix: "home/#" is not a topic'),
    ({"outdoor_topic": "/weather"}, 'device.outdoor_topic: "/weather" is not a topic'),
    ({"device_id": "Hall 1"}, 'device.device_id: "Hall 1" is not allowed (allowed: 1 to 32 of a-z 0-9 _ -)'),
    ({"device_id": ""}, "device.device_id"),
    ({"topic_unit": "K"}, 'device.topic_unit: "K" is not allowed (allowed: "F", "C")'),
    ({"mqtt_prefix": None}, "device.mqtt_prefix: null is not a string"),
])
def test_a_bad_mqtt_option_is_refused_naming_it(changes, message):
    with pytest.raises(SettingError) as caught:
        device.validate(changes)
    assert message in str(caught.value)


def test_a_refused_mqtt_password_is_never_quoted():
    with pytest.raises(SettingError) as caught:
        device.validate({"mqtt_password": "hunter2-" * 20})
    assert "hunter2" not in str(caught.value) and "device.mqtt_password" in str(caught.value)
