"""The MQTT link against a real broker, on CPython and on MicroPython.

Each test starts Debian's mosquitto on a free port (:mod:`broker`), a
paho-mqtt observer standing in for Home Assistant, and the host thermostat
(``tools/netdevice.py``: the firmware's core with fixed readings, 68.0 °F
inside and 30.0 °F outside, and ``app.mqtt.Link``) as a process, under
CPython (``tools/mqtt_host.py``) and on the MicroPython unix port
(``host_tests/net/mqtt_mp.py``), with micropython-lib's umqtt.simple 1.3.4.

What the device says is read from the broker, as Home Assistant reads it:
every expectation waits for a real message, up to a deadline, and fails
saying what did not arrive. The topics and documents expected are the ones
of the design (notes on issue 11), written out here, not taken from the
firmware's own tables.
"""

import pytest
from broker import INTERPRETERS, RECONNECT_DEADLINE_S, Broker, Device, Observer, wait_until

from thermo import VERSION

TERMINALS = ("Y1", "Y2", "G", "W2", "OB", "E")
STATE_KEYS = {
    "mode", "fw_mode", "fan", "action", "fw_action", "temperature", "target", "target_low", "target_high",
    "outdoor", "humidity", "indoor_source", "outdoor_source", "emergency", *TERMINALS, "problem", "alerts", "advice",
    "compressor_starts_today", "runtime_today_min", "strip_kwh_today", "balance_point",
}
USER_FIELDS = ("mode", "fw_mode", "fan", "target", "target_low", "target_high", "emergency")


def expected_discovery(device_id):
    """{topic: (component, key)} of every discovery message a board without
    a humidity sensor sends."""
    keys = [("climate", "thermostat"), ("switch", "emergency_heat")]
    keys += [("sensor", key) for key in ("outdoor_temperature", "compressor_starts_today", "strip_energy_today",
                                         "balance_point", "alerts")]
    keys += [("sensor", "runtime_today_" + t.lower()) for t in TERMINALS]
    keys += [("binary_sensor", t.lower()) for t in TERMINALS] + [("binary_sensor", "problem")]
    return {"homeassistant/%s/%s/%s/config" % (component, device_id, key): (component, key)
            for component, key in keys}


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(params=INTERPRETERS)
def interpreter(request):
    return request.param


@pytest.fixture
def broker(tmp_path):
    running = Broker(tmp_path / "broker").start()
    yield running
    running.kill()


@pytest.fixture
def observer(broker):
    watching = Observer(broker)
    yield watching
    watching.close()


@pytest.fixture
def devices():
    """Start host thermostats with ``devices(interpreter, broker, ...)``; all stopped after the test."""
    started = []

    def start(interpreter, broker, **kwargs):
        device = Device(interpreter, broker, **kwargs)
        started.append(device)
        return device

    yield start
    for device in started:
        device.stop()


def online(observer, device, mark=0, timeout=None):
    """Wait for the device's ``online`` and a first state document."""
    kwargs = {} if timeout is None else {"timeout": timeout}
    observer.wait_message(device.base + "/availability", "%s publishes online" % device.device_id, mark,
                          lambda m: m.text() == "online", detail=device.detail, **kwargs)
    return observer.wait_state(device.base, "a first state document", lambda doc: True, mark, detail=device.detail,
                               **kwargs)


def healthy(device):
    """No crash, and no task silent past its deadline (the link never held the loop that long)."""
    output = device.output()
    assert "CRASH" not in output, device.detail()
    assert "silent" not in output, device.detail()


def command(observer, device, what, payload, expect, describe):
    """Publish ``payload`` on ``B/set/<what>`` and wait for a state where ``expect(doc)``."""
    mark = observer.mark()
    observer.publish(device.base + "/set/" + what, payload)
    return observer.wait_state(device.base, "%s after set/%s %r" % (describe, what, payload), expect, mark,
                               detail=device.detail)


# -- retained discovery and state ----------------------------------------------------------


def test_discovery_state_and_availability_are_retained_for_a_later_subscriber(interpreter, broker, observer, devices):
    device = devices(interpreter, broker)
    online(observer, device)
    expected = expected_discovery(device.device_id)
    wait_until(lambda: set(expected) <= {m.topic for m in observer.since()},
               "every discovery message of the design arrives", detail=lambda: "missing: %s\n%s" % (
                   sorted(set(expected) - {m.topic for m in observer.since()}), device.detail()))

    # Home Assistant starting later finds all of it on the broker.
    late = Observer(broker, name="late")
    try:
        wait_until(lambda: set(expected) | {device.base + "/state", device.base + "/availability"}
                   <= {m.topic for m in late.since() if m.retain},
                   "a later subscriber gets discovery, state and availability retained", detail=late.summary)
        retained = {m.topic: m for m in late.since() if m.retain}
    finally:
        late.close()
    ours = {t for t in retained if t.startswith("homeassistant/") and "/%s/" % device.device_id in t}
    assert ours == set(expected), "discovery topics beyond the design: %s; missing: %s" % (
        sorted(ours - set(expected)), sorted(set(expected) - ours))
    assert retained[device.base + "/availability"].text() == "online"

    device_block = {"identifiers": [device.device_id], "name": "Heat pump thermostat", "model": "host",
                    "manufacturer": "DIY heat-pump thermostat", "sw_version": VERSION}
    for topic, (component, key) in expected.items():
        payload = retained[topic].json()
        uid = "%s_%s" % (device.device_id, key)
        assert payload["~"] == device.base, topic
        assert payload["availability_topic"] == "~/availability", topic
        assert payload["device"] == device_block, topic
        assert (payload["unique_id"], payload["object_id"], payload["default_entity_id"]) == (
            uid, uid, "%s.%s" % (component, uid)), topic
    climate = retained["homeassistant/climate/%s/thermostat/config" % device.device_id].json()
    assert climate["modes"] == ["off", "heat", "cool", "heat_cool"]
    assert climate["fan_modes"] == ["auto", "on", "circulate"]
    for field, topic in (("mode_command_topic", "~/set/mode"), ("temperature_command_topic", "~/set/temperature"),
                         ("temperature_low_command_topic", "~/set/temperature_low"),
                         ("temperature_high_command_topic", "~/set/temperature_high"),
                         ("fan_mode_command_topic", "~/set/fan"), ("current_temperature_topic", "~/state"),
                         ("action_topic", "~/state"), ("mode_state_topic", "~/state")):
        assert climate[field] == topic, field
    assert (climate["temperature_unit"], climate["precision"], climate["temp_step"], climate["min_temp"],
            climate["max_temp"]) == ("F", 0.1, 0.5, 40, 99)
    switch = retained["homeassistant/switch/%s/emergency_heat/config" % device.device_id].json()
    assert switch["command_topic"] == "~/set/emergency"
    assert retained["homeassistant/binary_sensor/%s/problem/config" % device.device_id].json()[
        "device_class"] == "problem"

    state = retained[device.base + "/state"].json()
    assert set(state) == STATE_KEYS
    assert set(state["runtime_today_min"]) == set(TERMINALS)
    assert {key: state[key] for key in ("mode", "fw_mode", "target", "target_low", "target_high", "temperature",
                                        "outdoor", "humidity", "indoor_source", "outdoor_source", "emergency",
                                        "problem", "alerts")} == {
        "mode": "off", "fw_mode": "off", "target": None, "target_low": 68.0, "target_high": 76.0,
        "temperature": 68.0, "outdoor": 30.0, "humidity": None, "indoor_source": "wired",
        "outdoor_source": "wired", "emergency": "OFF", "problem": "OFF", "alerts": "none"}
    assert all(state[t] == "OFF" for t in TERMINALS)
    healthy(device)


# -- commands -------------------------------------------------------------------------------


def test_each_command_topic_reaches_the_thermostat_and_shows_in_the_state(interpreter, broker, observer, devices):
    device = devices(interpreter, broker)
    online(observer, device)
    steps = [
        ("mode", "heat", lambda d: (d["mode"], d["fw_mode"], d["target"]) == ("heat", "heat", 68.0), "heat mode"),
        ("temperature", "70.5", lambda d: (d["target"], d["target_low"]) == (70.5, 70.5), "heat setpoint 70.5"),
        ("mode", "cool", lambda d: (d["mode"], d["target"]) == ("cool", 76.0), "cool mode, cool setpoint shown"),
        ("temperature", "78", lambda d: (d["target"], d["target_high"]) == (78.0, 78.0), "cool setpoint 78"),
        ("mode", "heat_cool", lambda d: (d["mode"], d["fw_mode"], d["target"]) == ("heat_cool", "auto", None),
         "heat_cool is the firmware's auto"),
        ("temperature_low", "66", lambda d: d["target_low"] == 66.0, "heat setpoint 66"),
        ("temperature_high", "80.5", lambda d: d["target_high"] == 80.5, "cool setpoint 80.5"),
        ("fan", "on", lambda d: d["fan"] == "on", "fan on"),
        ("fan", "circulate", lambda d: d["fan"] == "circulate", "fan circulate"),
        ("fan", "auto", lambda d: d["fan"] == "auto", "fan auto"),
        ("emergency", "ON", lambda d: (d["mode"], d["fw_mode"], d["emergency"]) == ("heat", "emergency", "ON"),
         "emergency heat on, shown as heat"),
        ("emergency", "OFF", lambda d: (d["mode"], d["fw_mode"], d["emergency"]) == ("heat", "heat", "OFF"),
         "emergency heat off: back to heat"),
        ("mode", "off", lambda d: (d["mode"], d["fw_mode"], d["target"]) == ("off", "off", None), "off"),
    ]
    for what, payload, expect, describe in steps:
        command(observer, device, what, payload, expect, describe)
    assert observer.since(topic=device.base + "/error") == []
    healthy(device)


BAD_COMMANDS = [
    ("mode", b"auto", "mode", "an unknown mode (HA's auto is a schedule)"),
    ("temperature_low", b"120", "heat_setpoint_f", "a heat setpoint out of range"),
    ("temperature_high", b"101", "cool_setpoint_f", "a cool setpoint out of range"),
    ("temperature_high", b"70", "cool_setpoint_f", "heat_cool with a deadband under auto_deadband_f"),
    ("temperature", b"72", "temperature", "one setpoint in heat_cool"),
    ("temperature_low", b'{"temperature": 70}', "temperature_low", "JSON in a number topic"),
    ("mode", b"\x8f#garbage!" * 1024, "mode", "10 kB of garbage"),
    ("temperature_high", b"nan", "temperature_high", "nan"),
    ("temperature_low", b"1e2", "temperature_low", "a number in exponent form"),
    ("fan", b"", "fan", "an empty payload"),
    ("emergency", b"on", "emergency", "emergency in lower case"),
    ("bogus", b"1", "bogus", "a command that does not exist"),
]


def test_bad_commands_are_refused_with_one_error_line_and_change_nothing(interpreter, broker, observer, devices):
    device = devices(interpreter, broker)
    off = online(observer, device)
    error_topic = device.base + "/error"
    assert off["mode"] == "off"
    mark = observer.mark()
    observer.publish(device.base + "/set/temperature", "70")
    line = observer.wait_message(error_topic, "a refusal of one setpoint in off", mark).text()
    assert line.startswith("refused %s/set/temperature " % device.base) and "temperature:" in line, line
    before = command(observer, device, "mode", "heat_cool", lambda d: d["fw_mode"] == "auto", "heat_cool")
    assert {k: before[k] for k in USER_FIELDS if k not in ("mode", "fw_mode")} == {
        k: off[k] for k in USER_FIELDS if k not in ("mode", "fw_mode")}, "the refusal in off changed something"
    first = observer.mark()
    for what, payload, field, describe in BAD_COMMANDS:
        topic = device.base + "/set/" + what
        mark = observer.mark()
        observer.publish(topic, payload)
        line = observer.wait_message(error_topic, "an error line for %s" % describe, mark).text()
        assert line.startswith("refused %s " % topic), line
        assert "\n" not in line and len(line) <= 300, "not one short line: %r" % line[:400]
        assert "%s:" % field in line, "%s: the line does not name %s: %r" % (describe, field, line)
        device.wait_line("the log says it too", line)
    errors = observer.since(first, error_topic)
    assert len(errors) == len(BAD_COMMANDS), [m.text() for m in errors]
    assert not any(m.retain for m in errors), "error lines must not be retained"
    assert errors[0].text() == ('refused %s/set/mode "auto": mode: "auto" is not allowed '
                                "(allowed: off, heat, cool, heat_cool)" % device.base)

    # A good command after them: its state is the first change, and only its own.
    after = command(observer, device, "fan", "on", lambda d: d["fan"] == "on", "fan on after the refusals")
    for message in observer.since(first, device.base + "/state"):
        doc = message.json()
        if doc["fan"] == before["fan"]:
            assert {k: doc[k] for k in USER_FIELDS} == {k: before[k] for k in USER_FIELDS}, doc
    assert {k: after[k] for k in USER_FIELDS if k != "fan"} == {k: before[k] for k in USER_FIELDS if k != "fan"}
    healthy(device)


# -- availability ------------------------------------------------------------------------------


def test_killed_client_leaves_its_last_will_offline_retained(interpreter, broker, observer, devices):
    device = devices(interpreter, broker)
    online(observer, device)
    mark = observer.mark()
    device.kill()
    observer.wait_message(device.base + "/availability", "the last will offline after kill -9", mark,
                          lambda m: m.text() == "offline")
    late = Observer(broker, topics=[device.base + "/availability"], name="late")
    try:
        message = late.wait_message(device.base + "/availability", "offline retained for a later subscriber")
        assert (message.text(), message.retain) == ("offline", True)
    finally:
        late.close()


@pytest.mark.parametrize("how", ["stop", "kill -9"])
def test_link_comes_back_after_a_broker_restart_and_publishes_everything_again(interpreter, broker, observer,
                                                                                  devices, how):
    device = devices(interpreter, broker)
    online(observer, device)
    if how == "stop":
        broker.stop()
    else:
        broker.kill()
    device.wait_line("the link notices the broker is gone", "mqtt: connection lost")
    mark = observer.mark()
    broker.start()  # same port, and no retained message kept
    online(observer, device, mark, timeout=RECONNECT_DEADLINE_S)
    expected = expected_discovery(device.device_id)
    wait_until(lambda: set(expected) <= {m.topic for m in observer.since(mark)},
               "discovery published again after the reconnect", detail=device.detail)
    # The thermostat kept controlling while the broker was away.
    command(observer, device, "mode", "heat", lambda d: d["mode"] == "heat", "a command after the reconnect")
    healthy(device)


def test_home_assistant_online_makes_discovery_published_again(interpreter, broker, observer, devices):
    device = devices(interpreter, broker)
    online(observer, device)
    expected = expected_discovery(device.device_id)
    wait_until(lambda: set(expected) <= {m.topic for m in observer.since()}, "first discovery",
               detail=device.detail)
    mark = observer.mark()
    observer.publish("homeassistant/status", "online")
    wait_until(lambda: set(expected) <= {m.topic for m in observer.since(mark)},
               "every discovery message again after homeassistant/status online",
               detail=lambda: "missing: %s\n%s" % (sorted(set(expected) - {m.topic for m in observer.since(mark)}),
                                                   device.detail()))
    healthy(device)


# -- readings from the network ----------------------------------------------------------------


def test_outdoor_reading_from_a_topic_reaches_the_state_and_a_bad_one_is_refused(interpreter, broker, observer,
                                                                                  devices):
    topic = "weather/outdoor_f"
    device = devices(interpreter, broker, outdoor_topic=topic)
    state = online(observer, device)
    assert state["outdoor_source"] == "mqtt" and state["indoor_source"] == "wired"
    mark = observer.mark()
    observer.publish(topic, "25.5")
    observer.wait_state(device.base, "outdoor 25.5 from %s" % topic,
                        lambda d: (d["outdoor"], d["outdoor_source"]) == (25.5, "mqtt"), mark)
    mark = observer.mark()
    observer.publish(topic, '{"temperature": 20}')
    line = observer.wait_message(device.base + "/error", "a refusal of a JSON reading", mark).text()
    assert line.startswith('refused %s ' % topic) and "outdoor_topic:" in line, line
    mark = observer.mark()
    observer.publish(topic, "-3")
    states = [observer.wait_state(device.base, "outdoor -3.0", lambda d: d["outdoor"] == -3.0, mark)]
    states += [m.json() for m in observer.since(mark, device.base + "/state")]
    assert all(doc["outdoor"] in (25.5, -3.0) for doc in states), "the refused reading was taken"
    healthy(device)


def test_indoor_reading_in_celsius_from_a_topic_is_the_thermostat_temperature(interpreter, broker, observer, devices):
    topic = "house/living_room/temperature_c"
    device = devices(interpreter, broker, indoor_topic=topic, topic_unit="C")
    state = online(observer, device)
    assert (state["indoor_source"], state["outdoor_source"]) == ("mqtt", "wired")
    assert state["temperature"] is None, "no indoor reading has come yet: %r" % state
    mark = observer.mark()
    observer.publish(topic, "20.5")  # 68.9 °F
    observer.wait_state(device.base, "indoor 68.9 °F from 20.5 °C", lambda d: d["temperature"] == 68.9, mark,
                        detail=device.detail)
    healthy(device)


def first_outcome(observer, device):
    """``"online"`` once the device is online with a first state, or the
    link's first error line, whichever comes first (a broken link fails fast)."""
    def outcome():
        if observer.since(0, device.base + "/state") and any(
                m.text() == "online" for m in observer.since(0, device.base + "/availability")):
            return "online"
        for line in device.output().splitlines():
            if "mqtt: " in line and ": OSError" in line or "broker refused" in line:
                return line
        return None

    return wait_until(outcome, "%s online, or an error from its link" % device.device_id, detail=device.detail)


def test_non_ascii_prefix_and_reading_topic_work_like_any_other(interpreter, broker, observer, devices):
    topic = "météo/extérieur"
    device = devices(interpreter, broker, mqtt_prefix="maison/thermostat_é", outdoor_topic=topic)
    assert first_outcome(observer, device) == "online"
    mark = observer.mark()
    observer.publish(topic, "12.5")
    observer.wait_state(device.base, "outdoor 12.5 from %s" % topic, lambda d: d["outdoor"] == 12.5, mark,
                        detail=device.detail)
    command(observer, device, "mode", "heat", lambda d: d["mode"] == "heat", "a command under a non-ASCII prefix")
    healthy(device)


def test_non_ascii_password_logs_in(interpreter, tmp_path, devices):
    password = "pässwörd-ünïcode"
    broker = Broker(tmp_path / "broker", users={"thermo": password, "observer": "observer-pw"}).start()
    observer = Observer(broker, user="observer", password="observer-pw")
    try:
        device = devices(interpreter, broker, password=password, mqtt_user="thermo")
        assert first_outcome(observer, device) == "online"
        assert password not in device.output()
    finally:
        observer.close()
        broker.kill()


# -- the password -------------------------------------------------------------------------------


def test_the_link_speaks_tls_to_a_tls_only_broker(interpreter, tmp_path, devices):
    """mqtt_tls: the connection is TLS (the broker listens for nothing
    else), commands and state go through it. The certificate is self-signed
    and not verified (README: limits)."""
    broker = Broker(tmp_path / "broker", users={"thermo": "tls-pw", "observer": "observer-pw"}, tls=True).start()
    observer = Observer(broker, user="observer", password="observer-pw")
    try:
        device = devices(interpreter, broker, password="tls-pw", mqtt_user="thermo", mqtt_tls=True)
        online(observer, device)
        command(observer, device, "mode", "cool", lambda d: d["mode"] == "cool", "a command over TLS")
        assert "(TLS)" in device.output()
        healthy(device)
    finally:
        observer.close()
        broker.kill()


def test_broker_password_is_never_printed(interpreter, tmp_path, devices):
    password = "Pa55-w0rd-that-must-stay-secret"
    wrong = "Wr0ng-pa55-that-must-stay-secret-too"
    broker = Broker(tmp_path / "broker", users={"thermo": password, "observer": "observer-pw"}).start()
    observer = Observer(broker, user="observer", password="observer-pw")
    try:
        good = devices(interpreter, broker, device_id="good_login", password=password, mqtt_user="thermo")
        online(observer, good)
        bad = devices(interpreter, broker, device_id="bad_login", password=wrong, mqtt_user="thermo")
        bad.wait_line("the refused login is logged", "mqtt: connect")
        good.stop()
        bad.stop()
        for device in (good, bad):
            output = device.output()
            for secret in (password, wrong):
                assert secret not in output, "%s printed a password:\n%s" % (device.device_id, output)
        for message in observer.since():
            assert password.encode() not in message.payload and wrong.encode() not in message.payload, message
    finally:
        observer.close()
        broker.kill()

