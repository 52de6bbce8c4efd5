"""Home Assistant over MQTT: topics, discovery, the state document, commands.

Pure functions and data, no I/O: :mod:`app.mqtt` sends what these build and
hands them what arrives. Every topic of one thermostat hangs off its base,
``{mqtt_prefix}/{device_id}``:

- ``~/availability``: ``online`` / ``offline`` (retained; the last will);
- ``~/state``: one retained JSON document (:func:`state`), the source of
  every entity's value (each picks its field with a template);
- ``~/set/<what>``: commands (:data:`COMMANDS`), each a short plain-text
  payload, checked by :func:`command` exactly like a button or the REPL
  (the core's own :meth:`thermo.control.Thermostat.command` decides);
- ``~/error``: one line per refused command or network reading.

Home Assistant's climate modes are not the firmware's: the firmware's
``auto`` (two setpoints) is Home Assistant's ``heat_cool`` (its ``auto``
means "follows a schedule"), and emergency heat is a switch on the same
device while the climate entity shows ``heat``, as Home Assistant's own
integrations do since the climate ``aux_heat`` was removed (2024.10).
"""

from thermo import VERSION
from thermo import modes as M
from thermo import terminals as T
from thermo.control import COOL_SETPOINT_RANGE, HEAT_SETPOINT_RANGE
from thermo.values import SettingError, show_tenths

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

COMMAND_MAX_BYTES = const(64)
NUMBER_MAX_DECIMALS = const(3)
DISCOVERY_PREFIX = "homeassistant"
STATUS_TOPIC = "homeassistant/status"
MANUFACTURER = "DIY heat-pump thermostat"

# Firmware mode (thermo.modes.MODES order) -> Home Assistant mode.
MODE_NAMES = M.MODES
EMERGENCY = M.EMERGENCY
HA_MODE = ("off", "heat", "cool", "heat_cool", "heat")
HA_MODE_NAME = {"off": "off", "heat": "heat", "cool": "cool", "auto": "heat_cool", "emergency": "heat"}
HA_MODES = ("off", "heat", "cool", "heat_cool")
FW_MODE_OF = {"off": "off", "heat": "heat", "cool": "cool", "heat_cool": "auto"}
FANS = ("auto", "on", "circulate")
# Firmware action (thermo.modes.ACTIONS order) -> Home Assistant hvac_action.
# Defrost is not known to the board (no defrost input), so never "defrosting".
HA_ACTION = ("off", "idle", "fan", "heating", "heating", "heating", "heating", "heating", "cooling", "preheating")
COMMANDS = ("mode", "temperature", "temperature_low", "temperature_high", "fan", "emergency")
SENSOR_KEYS = ("outdoor_temperature", "humidity", "compressor_starts_today", "strip_energy_today",
               "balance_point", "alerts")
ON_OFF = ("OFF", "ON")


def base_topic(prefix, device_id):
    return prefix + "/" + device_id


def default_device_id(unique_id):
    """``hpt_`` and the chip's unique id (bytes) in hex."""
    return "hpt_" + "".join("%02x" % b for b in unique_id)


# -- discovery ------------------------------------------------------------


def _entity(component, device_id, key, name, device, base):
    uid = device_id + "_" + key
    return {
        "~": base,
        "name": name,
        "unique_id": uid,
        "object_id": uid,  # Home Assistant before 2025.10
        "default_entity_id": component + "." + uid,  # 2025.10 and later
        "availability_topic": "~/availability",
        "device": device,
    }


def _from_state(payload, field, template_key="value_template"):
    payload["state_topic"] = "~/state"
    payload[template_key] = "{{ value_json.%s }}" % field
    return payload


# The sensors: key, name, the state field it shows, and what else it says.
SENSORS = (
    ("outdoor_temperature", "Outdoor temperature", "outdoor",
     {"unit_of_measurement": "°F", "device_class": "temperature", "state_class": "measurement",
      "json_attributes_topic": "~/state",
      "json_attributes_template": "{{ {'source': value_json.outdoor_source} | tojson }}"}),
    ("humidity", "Humidity", "humidity",
     {"unit_of_measurement": "%", "device_class": "humidity", "state_class": "measurement"}),
    ("compressor_starts_today", "Compressor starts today", "compressor_starts_today",
     {"state_class": "total_increasing", "icon": "mdi:counter"}),
    ("strip_energy_today", "Strip heat energy today (estimate)", "strip_kwh_today",
     {"unit_of_measurement": "kWh", "device_class": "energy", "state_class": "total_increasing"}),
    ("balance_point", "Learned balance point", "balance_point",
     {"unit_of_measurement": "°F", "device_class": "temperature", "entity_category": "diagnostic"}),
    ("alerts", "Alerts", "alerts", {"icon": "mdi:alert-circle-outline", "entity_category": "diagnostic",
                                    "json_attributes_topic": "~/state",
                                    "json_attributes_template": "{{ {'advice': value_json.advice} | tojson }}"}),
)
RUNTIME = {"unit_of_measurement": "min", "device_class": "duration", "state_class": "total_increasing",
           "entity_category": "diagnostic"}
RUNNING = {"payload_on": "ON", "payload_off": "OFF", "device_class": "running", "entity_category": "diagnostic"}
PROBLEM = {"payload_on": "ON", "payload_off": "OFF", "device_class": "problem", "json_attributes_topic": "~/state",
           "json_attributes_template": "{{ {'alerts': value_json.alerts, 'advice': value_json.advice} | tojson }}"}
CLIMATE = {
    "modes": list(HA_MODES),
    "fan_modes": list(FANS),
    "mode_command_topic": "~/set/mode",
    "mode_state_topic": "~/state",
    "mode_state_template": "{{ value_json.mode }}",
    "fan_mode_command_topic": "~/set/fan",
    "fan_mode_state_topic": "~/state",
    "fan_mode_state_template": "{{ value_json.fan }}",
    "temperature_command_topic": "~/set/temperature",
    "temperature_state_topic": "~/state",
    "temperature_state_template": "{{ value_json.target }}",
    "temperature_low_command_topic": "~/set/temperature_low",
    "temperature_low_state_topic": "~/state",
    "temperature_low_state_template": "{{ value_json.target_low }}",
    "temperature_high_command_topic": "~/set/temperature_high",
    "temperature_high_state_topic": "~/state",
    "temperature_high_state_template": "{{ value_json.target_high }}",
    "current_temperature_topic": "~/state",
    "current_temperature_template": "{{ value_json.temperature }}",
    "action_topic": "~/state",
    "action_template": "{{ value_json.action }}",
    "json_attributes_topic": "~/state",
    "json_attributes_template": "{{ {'firmware_mode': value_json.fw_mode, 'firmware_action': value_json.fw_action,"
                                " 'indoor_source': value_json.indoor_source, 'alerts': value_json.alerts} | tojson }}",
    "temperature_unit": "F",
    "precision": 0.1,
    "temp_step": 0.5,
    "min_temp": HEAT_SETPOINT_RANGE[0],  # the core's own ranges: 40 to 99 °F
    "max_temp": COOL_SETPOINT_RANGE[1],
    "optimistic": False,
}
SWITCH = {"command_topic": "~/set/emergency", "payload_on": "ON", "payload_off": "OFF", "icon": "mdi:heat-wave"}


def entities(humidity=False):
    """Every entity as ``(component, key)``, in the order discovery sends
    them: the climate, the emergency heat switch, the sensors (humidity only
    where the board measures it), the run time of each terminal, a binary
    sensor per terminal, and the problem sensor. Small, so that a board
    builds one discovery message at a time (:func:`config`), not all."""
    found = [("climate", "thermostat"), ("switch", "emergency_heat")]
    for key, _name, _field, _extra in SENSORS:
        if key != "humidity" or humidity:
            found.append(("sensor", key))
    for name in T.NAMES:
        found.append(("sensor", "runtime_today_" + name.lower()))
    for name in T.NAMES:
        found.append(("binary_sensor", name.lower()))
    found.append(("binary_sensor", "problem"))
    return found


def config_topic(device_id, component, key):
    return "%s/%s/%s/%s/config" % (DISCOVERY_PREFIX, component, device_id, key)


def config(component, key, device_id, device_name, board_name, base):
    """The discovery message (a dict) of one entity of :func:`entities`."""
    device = {"identifiers": [device_id], "name": device_name, "model": board_name,
              "manufacturer": MANUFACTURER, "sw_version": VERSION}
    if component == "climate":
        payload = _entity(component, device_id, key, None, device, base)
        payload.update(CLIMATE)
        return payload
    if component == "switch":
        payload = _from_state(_entity(component, device_id, key, "Emergency heat", device, base), "emergency")
        payload.update(SWITCH)
        return payload
    if component == "binary_sensor":
        name = "Problem" if key == "problem" else key.upper()
        payload = _from_state(_entity(component, device_id, key, name, device, base), name if key != "problem" else key)
        payload.update(PROBLEM if key == "problem" else RUNNING)
        return payload
    if key.startswith("runtime_today_"):
        terminal = key[len("runtime_today_"):].upper()
        payload = _from_state(_entity(component, device_id, key, terminal + " run time today", device, base),
                              "runtime_today_min." + terminal)
        payload.update(RUNTIME)
        return payload
    for sensor, name, field, extra in SENSORS:
        if sensor == key:
            payload = _from_state(_entity(component, device_id, key, name, device, base), field)
            payload.update(extra)
            return payload
    raise ValueError("no entity %s %s" % (component, key))


def discovery(device_id, device_name, board_name, base, humidity=False):
    """Every discovery message at once, as ``[(topic, payload dict)]`` (for
    the tests and for Home Assistant's schema checks; the link sends them
    one at a time)."""
    return [(config_topic(device_id, component, key), config(component, key, device_id, device_name, board_name, base))
            for component, key in entities(humidity)]


# -- the state document ---------------------------------------------------


def state_json(device):
    """The state document (see the module's doc) as JSON text, built by hand
    so that every number is printed from integers, identically on a board."""
    th = device.thermostat
    readings = device.readings
    usage = device.usage
    outputs = th.outputs
    fw_mode = th.mode
    ha_mode = HA_MODE[fw_mode]
    if ha_mode == "heat":
        target = show_tenths(th.heat_setpoint_dF)
    elif ha_mode == "cool":
        target = show_tenths(th.cool_setpoint_dF)
    else:
        target = "null"
    alerts = th.alert_names() + sorted(device.report.alerts)
    humidity = readings.humidity_dpct
    balance = th.model.balance_point_dF()
    parts = [
        '{"mode": "%s", "fw_mode": "%s", "fan": "%s", "action": "%s", "fw_action": "%s"' % (
            ha_mode, MODE_NAMES[fw_mode], FANS[th.fan], HA_ACTION[th.action], th.action_name()),
        '"temperature": %s' % (show_tenths(th.indoor_dF) if th.indoor_ok else "null"),
        '"target": %s, "target_low": %s, "target_high": %s' % (
            target, show_tenths(th.heat_setpoint_dF), show_tenths(th.cool_setpoint_dF)),
        '"outdoor": %s' % (show_tenths(th.outdoor_dF) if th.outdoor_ok else "null"),
        '"humidity": %s' % ("null" if humidity is None else show_tenths(humidity)),
        '"indoor_source": "%s", "outdoor_source": "%s"' % (readings.sources["indoor"], readings.sources["outdoor"]),
        '"emergency": "%s"' % ON_OFF[fw_mode == EMERGENCY],
    ]
    for i in range(6):
        parts.append('"%s": "%s"' % (T.NAMES[i], ON_OFF[bool(outputs & T.BITS[i])]))
    parts.append('"problem": "%s", "alerts": "%s"' % (ON_OFF[bool(alerts)], ", ".join(alerts) or "none"))
    parts.append('"advice": {%s}' % _advice(th.alert_names(), device.report.alerts))
    parts.append('"compressor_starts_today": %d' % usage.starts)
    parts.append('"runtime_today_min": {%s}' % ", ".join(
        '"%s": %d' % (T.NAMES[i], usage.minutes(i)) for i in range(6)))
    wh = usage.strip_wh()
    parts.append('"strip_kwh_today": %d.%02d' % (wh // 1000, wh % 1000 // 10))
    parts.append('"balance_point": %s}' % ("null" if balance is None else show_tenths(balance)))
    return ", ".join(parts)


def _advice(names, shell_alerts):
    """Each alert with what it means and the fix (app/advice.py; the shell's
    own alerts carry their text), as the members of a JSON object: Home
    Assistant shows them as attributes of the alerts and problem entities.
    Empty while the thermostat is healthy."""
    if not names and not shell_alerts:
        return ""
    from app.advice import ADVICE  # only while an alert stands

    members = ['"%s": "%s"' % (name, _escaped(ADVICE.get(name, name))) for name in names]
    members += ['"%s": "%s"' % (name, _escaped(shell_alerts[name])) for name in sorted(shell_alerts)]
    return ", ".join(members)


def _escaped(text):
    """A JSON string's inside, the same on both interpreters (json.dumps
    escapes "°" on CPython and not on MicroPython)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


# -- commands and network readings ------------------------------------------


def _text(field, payload):
    """A command's payload as text; SettingError if too long or not text."""
    if len(payload) > COMMAND_MAX_BYTES:
        raise SettingError(field, "%d bytes is too long (allowed: at most %d bytes)" % (len(payload), COMMAND_MAX_BYTES))
    try:
        return bytes(payload).decode().strip()
    except UnicodeError:
        raise SettingError(field, "is not UTF-8 text") from None


def _choice(field, text, allowed):
    if text not in allowed:
        raise SettingError(field, '"%s" is not allowed (allowed: %s)' % (text, ", ".join(allowed)))
    return text


def parse_thousandths(field, text, allowed):
    """A plain decimal number (``-3``, ``68.5``, ``21.375``) as an integer of
    thousandths, without a float; SettingError naming ``field`` and
    ``allowed`` for anything else (JSON, ``nan``, ``1e3``, empty)."""
    body = text[1:] if text[:1] in ("-", "+") else text
    whole, point, fraction = body.partition(".")
    ok = whole != "" and len(fraction) <= NUMBER_MAX_DECIMALS and (fraction != "" or not point)
    for char in whole + fraction:
        if char not in "0123456789":
            ok = False
    if not ok or len(whole) > 6:
        raise SettingError(field, '"%s" is not a number (allowed: %s)' % (text, allowed))
    value = int(whole) * 1000 + (int((fraction + "00")[:3]) if fraction else 0)
    return -value if text[:1] == "-" else value


def _round_div(n, d):
    """n / d rounded half away from zero (d > 0), in integers."""
    return (n + d // 2) // d if n >= 0 else -((-n + d // 2) // d)


def command(what, payload, mode_name):
    """The core command (a dict for ``Thermostat.command``) that
    ``~/set/<what>`` with ``payload`` asks for, in the firmware mode
    ``mode_name``; None for nothing to do; SettingError naming the field
    and what is allowed otherwise. Ranges, the deadband and the emergency
    heat rules are the core's, checked when the command is applied."""
    if what not in COMMANDS:
        raise SettingError(what, "unknown command (known: %s)" % ", ".join(COMMANDS))
    text = _text(what, payload)
    if what == "mode":
        return {"mode": FW_MODE_OF[_choice("mode", text, HA_MODES)]}
    if what == "fan":
        return {"fan": _choice("fan", text, FANS)}
    if what == "emergency":
        if _choice("emergency", text, ON_OFF) == "ON":
            return {"mode": "emergency"}
        return {"mode": "heat"} if mode_name == "emergency" else None
    milli = parse_thousandths(what, text, "a number of °F")
    value = milli // 1000 if milli % 1000 == 0 else milli / 1000
    if what == "temperature_low":
        return {"heat_setpoint_f": value}
    if what == "temperature_high":
        return {"cool_setpoint_f": value}
    if mode_name in ("heat", "emergency"):
        return {"heat_setpoint_f": value}
    if mode_name == "cool":
        return {"cool_setpoint_f": value}
    raise SettingError("temperature", "one setpoint has no meaning in mode %s (allowed: in heat or cool; "
                                      "heat_cool sets temperature_low and temperature_high)" % HA_MODE_NAME[mode_name])


def reading_dF(field, payload, unit):
    """A temperature published on a topic (``unit`` "F" or "C") in tenths of
    °F; SettingError naming ``field`` for a payload that is not a number."""
    milli = parse_thousandths(field, _text(field, payload), "a number of °" + unit)
    if unit == "C":
        return _round_div(milli * 18 + 320_000, 1000)  # tenths of °F = °C x 18 + 320
    return _round_div(milli, 100)
