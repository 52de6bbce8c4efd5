"""Run by Home Assistant's own Python (tools/ha_env.py): validate MQTT discovery payloads with HA's schemas.

Reads ``[[topic, payload], ...]`` as JSON on stdin. Each payload is expanded
the way ``homeassistant/components/mqtt/discovery.py`` does it (abbreviations,
then the ``~`` base topic), then passed through the component's
``DISCOVERY_SCHEMA``. Writes one JSON document on stdout::

    {"version": "2025.4.4", "hvac_modes": [...], "hvac_actions": [...],
     "results": [{"topic": ..., "component": ..., "error": null or "why",
                  "expanded": {...}, "kept": [keys the schema returned],
                  "device_kept": [...], "topics": {key: expanded topic}}]}

The assertions are the test's (host_tests/net/test_ha_schema.py); this
script only asks Home Assistant. The schema drops unknown keys silently,
hence "kept", which the test compares with what was sent.
"""

import asyncio
import copy
import json
import sys


def expand(payload):
    """Abbreviations and ``~`` replaced, with discovery.py's own functions when this version has them."""
    from homeassistant.components.mqtt import abbreviations as ab
    from homeassistant.components.mqtt import discovery as disc

    payload = copy.deepcopy(payload)
    if hasattr(disc, "_replace_all_abbreviations"):  # 2024.x and 2025.x
        disc._replace_all_abbreviations(payload)
    else:
        for key in set(ab.ABBREVIATIONS).intersection(payload):
            payload[ab.ABBREVIATIONS[key]] = payload.pop(key)
        if isinstance(payload.get("device"), dict):
            device = payload["device"]
            for key in set(ab.DEVICE_ABBREVIATIONS).intersection(device):
                device[ab.DEVICE_ABBREVIATIONS[key]] = device.pop(key)
    if "~" in payload:
        if hasattr(disc, "_replace_topic_base"):
            disc._replace_topic_base(payload)
        else:  # the same rule, as discovery.py wrote it before the helper existed
            base = payload.pop("~")
            for key, value in payload.items():
                if isinstance(value, str) and value and key.endswith("topic"):
                    if value[0] == "~":
                        payload[key] = base + value[1:]
                    if value[-1] == "~":
                        payload[key] = value[:-1] + base
    return payload


def check(component, payload):
    import importlib

    module = importlib.import_module("homeassistant.components.mqtt." + component)
    expanded = expand(payload)
    result = {"component": component, "expanded": expanded, "error": None, "kept": [], "device_kept": []}
    try:
        validated = module.DISCOVERY_SCHEMA(copy.deepcopy(expanded))
    except Exception as e:  # voluptuous.Invalid and friends: the test shows the message
        result["error"] = "%s: %s" % (type(e).__name__, e)
        return result
    result["kept"] = sorted(validated)
    if isinstance(validated.get("device"), dict):
        result["device_kept"] = sorted(validated["device"])
    return result


async def run(items):
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import frame

    hass = HomeAssistant("/tmp")  # never started: it only lets template validators build Template objects
    if hasattr(frame, "async_setup"):  # 2025.x: templates report through the frame helper
        frame.async_setup(hass)
    results = []
    for topic, payload in items:
        parts = topic.split("/")
        results.append(dict(check(parts[1], payload), topic=topic))
    return results


def main():
    from homeassistant.components.climate.const import HVACAction, HVACMode
    from homeassistant.const import __version__

    items = json.load(sys.stdin)
    results = asyncio.run(run(items))
    json.dump({"version": __version__, "hvac_modes": [m.value for m in HVACMode],
               "hvac_actions": [a.value for a in HVACAction], "results": results}, sys.stdout, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
