"""A real Home Assistant operates the thermostat over a real broker.

Started by the tests, nothing mocked: mosquitto on a free loopback port
(host_tests/net/broker.py), Home Assistant core headless from its own cached
virtualenv (tools/ha_env.py; config in host_tests/net/ha_home.py), and the
host thermostat with the firmware's MQTT link (tools/mqtt_host.py: the core,
app.mqtt.Link and umqtt.simple, in real time).

The tests see what Home Assistant believes through ``mqtt_statestream``
(``ha_view/<domain>/<object_id>/<attribute>``) and act as a user in Home
Assistant through an automation that turns a JSON message into a service
call, so no API token is needed. The thermostat's side is its retained
``thermostat/<id>/state`` document. Every wait has a deadline; on failure
the message carries Home Assistant's log tail and the thermostat's output.
"""

import itertools
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TOOLS = HERE.parents[1] / "tools"
for path in (HERE, TOOLS):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import ha_env  # noqa: E402
from app import ha  # noqa: E402
from broker import Broker, Device, Observer, free_port, wait_until  # noqa: E402
from ha_home import CALL, PING, PONG, VIEW, HomeAssistant  # noqa: E402

ha_env.start_background()  # a fresh install takes minutes: begin while the rest of the suite runs

DEVICE_ID = "ha_tstat"
CLIMATE = "climate.%s_thermostat" % DEVICE_ID
EMERGENCY_SWITCH = "switch.%s_emergency_heat" % DEVICE_ID
INDOOR_F = 67.5  # the thermostat's fixed wired readings: distinct from every default
OUTDOOR_F = 31.5
HA_START_S = 240.0  # a cold start on a busy 2-core machine; usually 5-15 s
HA_DEADLINE_S = 30.0  # one message through the broker, Home Assistant and back


@pytest.fixture(scope="module")
def ha_environment():
    try:
        return ha_env.ensure()
    except ha_env.InstallError as e:
        pytest.fail("Home Assistant is needed for these tests and did not install: %s" % e, pytrace=False)


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    broker = Broker(tmp_path_factory.mktemp("ha-broker")).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def observer(broker):
    observer = Observer(broker, topics=("#",), name="ha-test")
    yield observer
    observer.close()


class Home:
    """Home Assistant as the tests see it: its view (statestream), its service calls, its log."""

    def __init__(self, process, observer):
        self.process = process
        self.observer = observer
        self.devices = []

    def detail(self):
        parts = [self.process.log_tail(40)]
        parts += [device.detail() for device in self.devices]
        parts.append(self.observer.summary())
        return "\n".join(parts)

    def wait(self, condition, what, timeout=HA_DEADLINE_S):
        def checked():
            if not self.process.alive():
                pytest.fail("Home Assistant exited (%s) while waiting for: %s\n%s" % (
                    self.process.proc.returncode, what, self.detail()), pytrace=False)
            return condition()

        return wait_until(checked, what, timeout, detail=self.detail)

    def topic(self, entity_id, attribute="state"):
        return "%s/%s/%s" % (VIEW, entity_id.replace(".", "/"), attribute)

    def view(self, entity_id, attribute="state"):
        """What Home Assistant last said about the entity: its state (text), or an attribute (decoded JSON)."""
        message = self.observer.latest(self.topic(entity_id, attribute))
        if message is None:
            return None
        return message.text() if attribute == "state" else message.json()

    def wait_view(self, entity_id, attribute, expected, what=None):
        """Wait until Home Assistant shows ``expected`` (or, when callable, a value it accepts)."""
        accept = expected if callable(expected) else (lambda value: value == expected)
        found = []

        def shown():
            value = self.view(entity_id, attribute)
            found[:] = [value]
            return value is not None and accept(value)

        self.wait(shown, what or "Home Assistant shows %s %s = %r (it shows %r)" % (
            entity_id, attribute, expected, found[:1]))
        return self.view(entity_id, attribute)

    def call(self, action, **data):
        """A service call, as a user in Home Assistant makes it."""
        self.observer.publish(CALL, json.dumps({"action": action, "data": data}))


@pytest.fixture(scope="module")
def home(ha_environment, broker, observer, tmp_path_factory):
    process = HomeAssistant(ha_environment, tmp_path_factory.mktemp("ha-config"), broker.port, free_port()).start()
    home = Home(process, observer)
    pings = itertools.count()
    last_ping = [0.0]

    def answers():
        # ping about once a second until the automation answers: it proves
        # Home Assistant is up, connected, and its MQTT triggers listening
        if time.monotonic() - last_ping[0] >= 1.0:
            last_ping[0] = time.monotonic()
            observer.publish(PING, "ping %d" % next(pings))
        return observer.latest(PONG) is not None

    try:
        home.wait(answers, "Home Assistant %s starts and its automations answer on %s" % (
            ha_environment.version, PING), timeout=HA_START_S)
        yield home
    finally:
        process.stop()
        for device in home.devices:
            device.stop()


def start_thermostat(home, broker, device_id, **options):
    device = Device("cpython", broker, device_id=device_id, device_name="Test " + device_id,
                    indoor=INDOOR_F, outdoor=OUTDOOR_F, **options)
    home.devices.append(device)
    climate = "climate.%s_thermostat" % device_id
    home.wait(lambda: home.view(climate) not in (None, "unavailable"),
              "Home Assistant creates %s from the thermostat's discovery" % climate)
    return device


@pytest.fixture(scope="module")
def thermostat(home, broker):
    """The thermostat under test, discovered by Home Assistant: its base topic."""
    start_thermostat(home, broker, DEVICE_ID)
    return ha.base_topic("thermostat", DEVICE_ID)


def firmware_state(home, base, what, match):
    """The thermostat's own state document, once ``match(doc)`` holds."""
    def found():
        message = home.observer.latest(base + "/state")
        return message is not None and match(message.json()) and message.json()

    return home.wait(found, "the thermostat's state: " + what)


def set_mode(home, base, mode):
    home.call("climate.set_hvac_mode", entity_id=CLIMATE, hvac_mode=mode)
    firmware_state(home, base, "mode %s" % mode, lambda s: s["mode"] == mode and s["emergency"] == "OFF")
    home.wait_view(CLIMATE, "state", mode)


def test_home_assistant_creates_the_climate_entity_with_the_thermostats_modes_and_limits(home, thermostat):
    assert home.wait_view(CLIMATE, "hvac_modes", lambda v: True) == ["off", "heat", "cool", "heat_cool"]
    assert home.view(CLIMATE, "fan_modes") == ["auto", "on", "circulate"]
    assert home.view(CLIMATE, "min_temp") == 40
    assert home.view(CLIMATE, "max_temp") == 99
    assert home.view(CLIMATE, "target_temp_step") == 0.5
    assert home.view(CLIMATE, "friendly_name") == "Test " + DEVICE_ID


def test_the_thermostats_temperature_mode_and_action_reach_home_assistant(home, thermostat):
    state = firmware_state(home, thermostat, "indoor %.1f °F" % INDOOR_F, lambda s: s["temperature"] == INDOOR_F)
    home.wait_view(CLIMATE, "current_temperature", INDOOR_F)
    home.wait_view(CLIMATE, "state", state["mode"])
    home.wait_view(CLIMATE, "hvac_action", state["action"])


def test_a_mode_set_in_home_assistant_reaches_the_thermostat(home, thermostat):
    for mode in ("heat", "cool", "heat_cool", "off"):
        set_mode(home, thermostat, mode)
        assert home.observer.latest(thermostat + "/state").json()["fw_mode"] == {"heat_cool": "auto"}.get(mode, mode)


def test_a_setpoint_set_in_home_assistant_reaches_the_thermostat(home, thermostat):
    set_mode(home, thermostat, "heat")
    home.call("climate.set_temperature", entity_id=CLIMATE, temperature=70.5)
    firmware_state(home, thermostat, "heat setpoint 70.5", lambda s: s["target"] == 70.5 and s["target_low"] == 70.5)
    home.wait_view(CLIMATE, "temperature", 70.5)


def test_both_setpoints_set_in_home_assistant_reach_the_thermostat_in_heat_cool(home, thermostat):
    set_mode(home, thermostat, "heat_cool")
    home.call("climate.set_temperature", entity_id=CLIMATE, target_temp_low=64, target_temp_high=79)
    firmware_state(home, thermostat, "setpoints 64 and 79",
                   lambda s: s["target_low"] == 64 and s["target_high"] == 79 and s["target"] is None)
    home.wait_view(CLIMATE, "target_temp_low", 64)
    home.wait_view(CLIMATE, "target_temp_high", 79)


def test_the_action_follows_the_thermostat_when_home_assistant_changes_the_fan(home, thermostat):
    set_mode(home, thermostat, "off")
    home.call("climate.set_fan_mode", entity_id=CLIMATE, fan_mode="on")
    firmware_state(home, thermostat, "fan on, running the fan", lambda s: s["fan"] == "on" and s["action"] == "fan")
    home.wait_view(CLIMATE, "fan_mode", "on")
    home.wait_view(CLIMATE, "hvac_action", "fan")
    home.call("climate.set_fan_mode", entity_id=CLIMATE, fan_mode="auto")
    firmware_state(home, thermostat, "fan auto, off", lambda s: s["fan"] == "auto" and s["action"] == "off")
    home.wait_view(CLIMATE, "hvac_action", "off")


def test_emergency_heat_toggles_through_the_switch_while_home_assistant_shows_heat(home, thermostat):
    set_mode(home, thermostat, "heat")
    home.call("climate.set_temperature", entity_id=CLIMATE, temperature=75)  # above the room: a heat call
    home.call("switch.turn_on", entity_id=EMERGENCY_SWITCH)
    state = firmware_state(home, thermostat, "emergency heat, shown as heat",
                           lambda s: s["fw_mode"] == "emergency" and s["mode"] == "heat" and s["emergency"] == "ON")
    home.wait_view(EMERGENCY_SWITCH, "state", "on")
    home.wait_view(CLIMATE, "state", "heat")
    state = firmware_state(home, thermostat, "emergency heat running", lambda s: s["action"] == "heating")
    home.wait_view(CLIMATE, "hvac_action", "heating")
    home.wait_view(CLIMATE, "firmware_mode", "emergency")
    home.wait_view(CLIMATE, "firmware_action", state["fw_action"])

    home.call("switch.turn_off", entity_id=EMERGENCY_SWITCH)
    firmware_state(home, thermostat, "back to heat", lambda s: s["fw_mode"] == "heat" and s["emergency"] == "OFF")
    home.wait_view(EMERGENCY_SWITCH, "state", "off")
    home.wait_view(CLIMATE, "firmware_mode", "heat")
    assert home.view(CLIMATE, "state") == "heat"
    set_mode(home, thermostat, "off")


def test_every_discovered_sensor_and_binary_sensor_shows_the_thermostats_value(home, thermostat):
    configs = [m for m in home.observer.since(0) if m.topic.startswith("homeassistant/")
               and m.topic.endswith("/config") and m.topic.split("/")[2] == DEVICE_ID]
    entities = {m.json()["default_entity_id"]: m.json() for m in configs}  # what the thermostat announced
    sensors = sorted(e for e in entities if e.split(".")[0] in ("sensor", "binary_sensor"))
    assert {"sensor.ha_tstat_outdoor_temperature", "sensor.ha_tstat_alerts", "binary_sensor.ha_tstat_problem",
            "binary_sensor.ha_tstat_y1", "binary_sensor.ha_tstat_e", "sensor.ha_tstat_runtime_today_w2"} <= set(sensors)
    state = firmware_state(home, thermostat, "off and idle", lambda s: s["fw_mode"] == "off" and s["G"] == "OFF")
    for entity in sensors:
        home.wait_view(entity, "state", lambda v: v != "unavailable", "%s is available" % entity)
    assert float(home.view("sensor.ha_tstat_outdoor_temperature")) == OUTDOOR_F
    assert home.view("sensor.ha_tstat_alerts") == state["alerts"]
    assert home.view("sensor.ha_tstat_alerts", "advice") == state["advice"] == {}
    assert home.view("binary_sensor.ha_tstat_problem") == state["problem"].lower()
    for terminal in ("Y1", "Y2", "G", "W2", "OB", "E"):
        assert home.view("binary_sensor.ha_tstat_" + terminal.lower()) == state[terminal].lower()
        minutes = home.view("sensor.ha_tstat_runtime_today_" + terminal.lower())
        assert float(minutes) == state["runtime_today_min"][terminal]
    assert int(home.view("sensor.ha_tstat_compressor_starts_today")) == state["compressor_starts_today"]
    assert float(home.view("sensor.ha_tstat_strip_energy_today")) == state["strip_kwh_today"]
    # nothing learned yet: the firmware says null, Home Assistant "unknown"
    assert state["balance_point"] is None
    assert home.view("sensor.ha_tstat_balance_point") == "unknown"


def test_an_alert_reaches_home_assistant_with_its_sentence_and_fix(home, broker):
    """Not only a code: the alerts sensor and the problem binary sensor carry, as an
    attribute, what each alert means and what to do (app/advice.py)."""
    from app.advice import ADVICE

    device = start_thermostat(home, broker, "ha_advice", outdoor_topic="ha_advice_test/outdoor")  # never published
    expected = {"outdoor_sensor": ADVICE["outdoor_sensor"]}
    state = firmware_state(home, device.base, "the outdoor sensor missing", lambda s: s["advice"] == expected)
    assert state["problem"] == "ON" and state["alerts"] == "outdoor_sensor"
    home.wait_view("sensor.ha_advice_alerts", "advice", expected)
    home.wait_view("binary_sensor.ha_advice_problem", "advice", expected)
    home.wait_view("binary_sensor.ha_advice_problem", "alerts", "outdoor_sensor")


def test_the_entity_goes_unavailable_when_the_board_is_killed(home, broker):
    device = start_thermostat(home, broker, "ha_gone")
    home.wait_view("switch.ha_gone_emergency_heat", "state", "off")
    device.kill()  # kill -9: no goodbye, only the broker's last will
    home.wait_view("climate.ha_gone_thermostat", "state", "unavailable")
    home.wait_view("switch.ha_gone_emergency_heat", "state", "unavailable")
    home.wait_view("sensor.ha_gone_outdoor_temperature", "state", "unavailable")


def test_home_assistant_shows_and_operates_the_simulated_house_of_make_run(home, broker):
    """``make run MQTT=...``: the simulator behind the same firmware link, as a user would try it first."""
    sim = "ha_sim"
    base = ha.base_topic("thermostat", sim)
    house = subprocess.Popen([sys.executable, "-u", str(TOOLS / "run.py"), "--headless", "7200", "--speed", "60",
                              "--every", "600", "--mqtt", "127.0.0.1:%d" % broker.port, "--device-id", sim],
                             cwd=str(HERE.parents[1]), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.STDOUT)
    try:
        climate = "climate.%s_thermostat" % sim
        home.wait_view(climate, "state", "heat", "Home Assistant shows the simulator heating (its settings' mode)")
        home.wait_view(climate, "current_temperature",
                       lambda t: t in {m.json()["temperature"] for m in home.observer.since(0, base + "/state")},
                       "Home Assistant shows a room temperature the simulated house had")
        home.call("climate.set_hvac_mode", entity_id=climate, hvac_mode="cool")
        firmware_state(home, base, "the simulator in cool", lambda s: s["fw_mode"] == "cool")
        home.wait_view(climate, "state", "cool")
        assert house.poll() is None, "the simulator exited with %s" % house.returncode
    finally:
        house.kill()
        house.wait(timeout=30)
    home.wait_view(climate, "state", "unavailable", "the simulator killed: its last will")


def test_home_assistant_logged_no_complaint_about_the_thermostat(home, thermostat):
    """No template that fails to render, no value it cannot parse, no payload it refused."""
    mqtt_logger = re.compile(r"\[homeassistant\.components\.mqtt[.\]]")
    ours = [line for line in home.process.complaints() if mqtt_logger.search(line) or DEVICE_ID in line]
    assert ours == [], "\n".join(ours)
