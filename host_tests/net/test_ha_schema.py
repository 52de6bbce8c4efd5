"""Home Assistant's own schemas accept every discovery payload the firmware sends, and keep all of it.

``app.ha.discovery(...)`` runs here (the project's Python); the payloads go
as JSON to ``ha_schema_check.py``, run by the Python of the cached Home
Assistant virtualenv (tools/ha_env.py), which expands abbreviations and the
``~`` base topic as HA's ``mqtt/discovery.py`` does and applies each
component's ``DISCOVERY_SCHEMA``. The schemas are lenient: unknown keys are
dropped silently and any string passes as a mode or an action, so the
tests here also check that nothing was dropped and that every mode and
action is one Home Assistant knows.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TOOLS = HERE.parents[1] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

import ha_env  # noqa: E402
from app import ha  # noqa: E402

from thermo import modes as M  # noqa: E402

ha_env.start_background()  # a fresh install takes minutes: begin while the rest of the suite runs

DEVICE_ID = "hpt_e6614103"
BASE = "thermostat/" + DEVICE_ID
DEVICE_KEYS = {"identifiers", "name", "model", "manufacturer", "sw_version"}


def version_tuple(text):
    return tuple(int(part) for part in text.split(".")[:2])


def dropped_keys_allowed(version):
    """Keys one Home Assistant version does not know, sent on purpose for another."""
    allowed = set()
    if version_tuple(version) < (2025, 10):
        allowed.add("default_entity_id")  # 2025.10 renamed object_id
    if version_tuple(version) >= (2026, 4):
        allowed.add("object_id")  # and stopped reading the old name
    return allowed


def ha_check(payloads):
    """Home Assistant's answer (see ha_schema_check.py) for ``[(topic, payload)]``."""
    try:
        env = ha_env.ensure()
    except ha_env.InstallError as e:
        pytest.fail("Home Assistant is needed for these tests and did not install: %s" % e, pytrace=False)
    done = subprocess.run([str(env.python), str(HERE / "ha_schema_check.py")], input=json.dumps(payloads),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, "ha_schema_check.py failed:\n%s" % done.stderr[-4000:]
    return json.loads(done.stdout)


def problems(answer):
    """What is wrong with each payload as Home Assistant sees it: a schema
    error, a key it dropped, a mode or an action it does not know."""
    found = []
    allowed = dropped_keys_allowed(answer["version"])
    for result in answer["results"]:
        topic = result["topic"]
        if result["error"]:
            found.append("%s: refused: %s" % (topic, result["error"]))
            continue
        dropped = set(result["expanded"]) - set(result["kept"]) - allowed
        if dropped:
            found.append("%s: Home Assistant %s drops %s" % (topic, answer["version"], sorted(dropped)))
        device_dropped = set(result["expanded"].get("device", {})) - set(result["device_kept"])
        if device_dropped:
            found.append("%s: device keys dropped: %s" % (topic, sorted(device_dropped)))
        unknown = set(result["expanded"].get("modes", [])) - set(answer["hvac_modes"])
        if unknown:
            found.append("%s: modes %s are not HVAC modes %s" % (topic, sorted(unknown), answer["hvac_modes"]))
    return found


@pytest.fixture(scope="module")
def payloads():
    """Every discovery payload: the set with a humidity sensor holds the one without."""
    with_humidity = ha.discovery(DEVICE_ID, "Heat pump thermostat", "rpi_pico", BASE, True)
    without = ha.discovery(DEVICE_ID, "Heat pump thermostat", "rpi_pico", BASE, False)
    assert {t for t, _ in without} < {t for t, _ in with_humidity}
    return with_humidity


@pytest.fixture(scope="module")
def answer(payloads):
    return ha_check(payloads)


def test_every_discovery_payload_passes_home_assistants_own_schema_and_keeps_every_key(answer, payloads):
    assert len(answer["results"]) == len(payloads)
    assert problems(answer) == [], "Home Assistant %s" % answer["version"]


def test_there_is_one_payload_per_component_the_spec_lists(answer):
    components = sorted({r["component"] for r in answer["results"]})
    assert components == ["binary_sensor", "climate", "sensor", "switch"]
    unique_ids = [r["expanded"]["unique_id"] for r in answer["results"]]
    assert len(unique_ids) == len(set(unique_ids)), "unique_id repeated: %s" % unique_ids


def test_every_payload_names_its_device_fully(answer):
    for result in answer["results"]:
        device = result["expanded"].get("device", {})
        assert DEVICE_KEYS <= set(device), "%s: device %s" % (result["topic"], device)
        assert device["identifiers"] == [DEVICE_ID]
        assert result["expanded"]["object_id"] == DEVICE_ID + "_" + result["topic"].split("/")[3]
        assert result["expanded"]["default_entity_id"] == "%s.%s" % (result["component"], result["expanded"]["object_id"])


def test_every_topic_expands_under_the_thermostats_base(answer):
    for result in answer["results"]:
        topics = {key: value for key, value in result["expanded"].items() if key.endswith("topic")}
        assert topics, result["topic"]
        for key, value in topics.items():
            assert value.startswith(BASE + "/"), "%s: %s = %r" % (result["topic"], key, value)


def test_the_climate_modes_are_home_assistant_hvac_modes_without_auto(answer):
    climate = next(r for r in answer["results"] if r["component"] == "climate")["expanded"]
    assert climate["modes"] == ["off", "heat", "cool", "heat_cool"]  # HA's "auto" means a schedule
    assert set(climate["modes"]) <= set(answer["hvac_modes"])
    assert climate["fan_modes"] == ["auto", "on", "circulate"]
    # every mode the state document can report is one the entity offers
    assert set(ha.HA_MODE) <= set(climate["modes"])


def test_every_action_the_firmware_can_report_is_a_home_assistant_hvac_action(answer):
    assert len(ha.HA_ACTION) == len(M.ACTIONS), "every firmware action maps to one Home Assistant action"
    unknown = {fw: ha_action for fw, ha_action in zip(M.ACTIONS, ha.HA_ACTION, strict=True)
               if ha_action not in answer["hvac_actions"]}
    assert unknown == {}, "not HVAC actions of Home Assistant %s: %s" % (answer["version"], answer["hvac_actions"])


def test_the_check_itself_catches_what_the_lenient_schema_lets_through(payloads):
    """A payload with a key Home Assistant does not know and a mode it does not
    have passes the schema; the checks above must still say what is wrong."""
    topic, climate = next((t, p) for t, p in payloads if t.startswith("homeassistant/climate/"))
    broken = dict(climate, modes=["heat", "emergency"], aux_command_topic="~/set/aux")
    answer = ha_check([(topic, broken)])
    assert answer["results"][0]["error"] is None, "the schema itself lets these through"
    found = problems(answer)
    assert any("drops ['aux_command_topic']" in line for line in found), found
    assert any("modes ['emergency']" in line for line in found), found
