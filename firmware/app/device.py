"""Device options: what the board needs besides the installer settings.

Stored next to the installer settings (``settings.json`` holds
``{"settings": {...}, "device": {...}}``) and checked like them: a bad value
raises :class:`thermo.schema.SettingError` naming ``device.<key>``, the
value and what is allowed.
"""

from thermo.schema import SettingError, show

# key, default, kind, allowed, meaning. A text's "allowed" is its longest
# length in bytes (UTF-8), from its standard: an SSID is at most 32 bytes
# (IEEE 802.11), a WPA2 passphrase 63 characters or a 64-digit hex key, a
# host name 253 characters (RFC 1035).
DEVICE: tuple = (
    ("bench", False, "flag", None, "bench mode: clock sped up, self-test at boot, REPL values"),
    ("bench_speed", 60, "whole", (1, 600), "bench mode: control clock runs this many times real time"),
    ("wifi_ssid", None, "text", 32, "Wi-Fi network for NTP; null: no Wi-Fi"),
    ("wifi_password", "", "text", 64, "Wi-Fi password"),
    ("ntp_host", "pool.ntp.org", "text", 253, "NTP server"),
    ("utc_offset_min", 0, "whole", (-720, 840), "local standard time minus UTC, minutes"),
    ("dst", "none", "choice", ("none", "us", "eu"), "daylight saving rule"),
    # MQTT and Home Assistant (app.mqtt, app.ha): off while mqtt_host is null.
    ("mqtt_host", None, "text", 253, "MQTT broker: host name or IPv4 address; null: no MQTT"),
    ("mqtt_port", 1883, "whole", (1, 65535), "MQTT broker port"),
    ("mqtt_user", "", "text", 64, "MQTT user name; empty: none"),
    ("mqtt_password", "", "text", 128, "MQTT password (never printed)"),
    ("mqtt_tls", False, "flag", None, "MQTT over TLS"),
    ("mqtt_prefix", "thermostat", "topic", 64, "first level of this thermostat's MQTT topics"),
    ("device_id", None, "ident", 32, "name in topics and Home Assistant ids; null: hpt_ and the chip's id"),
    ("device_name", "Heat pump thermostat", "text", 64, "the device's name in Home Assistant"),
    ("indoor_topic", None, "topic", 253, "indoor temperature from this MQTT topic instead of the wired sensor"),
    ("outdoor_topic", None, "topic", 253, "outdoor temperature from this MQTT topic instead of the wired sensor"),
    ("topic_unit", "F", "choice", ("F", "C"), "unit of the numbers on indoor_topic and outdoor_topic"),
    ("strip_watts", 10000, "whole", (0, 50000), "strip heat nameplate watts, for the energy estimate"),
    # The web page and JSON API (app.web): on whenever Wi-Fi is configured.
    ("web_port", 80, "whole", (1, 65535), "TCP port of the web page and JSON API"),
    ("web_open_status", False, "flag", None, "status readable without logging in (page and /api/status)"),
)

KEYS = tuple(entry[0] for entry in DEVICE)
# Never quoted in a message: a refusal is printed, logged and shown by deploy.
SECRET_KEYS = ("wifi_password", "mqtt_password")
# Options that may be null (off, or worked out at boot).
NULLABLE = ("wifi_ssid", "mqtt_host", "device_id", "indoor_topic", "outdoor_topic")
_IDENT_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-"


def _shown(key, value):
    """A value as a refusal quotes it: a secret only by its size."""
    if key not in SECRET_KEYS:
        return show(value)
    if isinstance(value, str):
        return "a %d-byte password" % len(value.encode())
    return "a " + type(value).__name__


def defaults() -> dict:
    return {entry[0]: entry[1] for entry in DEVICE}


def validate(changes, base=None) -> dict:
    """``base`` (default: the defaults) with ``changes`` applied, all checked."""
    if not isinstance(changes, dict):
        raise SettingError("device", "must be an object, not %s" % show(changes))
    result = dict(base) if base is not None else defaults()
    for key in changes:
        if key not in KEYS:
            raise SettingError("device.%s" % key, "unknown option (known: %s)" % ", ".join(KEYS))
    for key, _default, kind, allowed, _doc in DEVICE:
        if key not in changes:
            continue
        value = changes[key]
        field = "device." + key
        shown = _shown(key, value)
        if kind == "flag" and not isinstance(value, bool):
            raise SettingError(field, "%s is not allowed (allowed: true, false)" % shown)
        if kind in ("text", "topic", "ident"):
            _check_text(field, key, kind, value, allowed, shown)
        if kind == "choice" and (not isinstance(value, str) or value not in allowed):
            raise SettingError(field, "%s is not allowed (allowed: %s)" % (
                shown, ", ".join(show(a) for a in allowed)))
        if kind == "whole":
            low, high = allowed
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise SettingError(field, "%s is out of range (allowed: %d to %d)" % (shown, low, high))
        result[key] = value
    return result


def _check_text(field, key, kind, value, allowed, shown):
    if value is None and key in NULLABLE:
        return
    if not isinstance(value, str):
        raise SettingError(field, "%s is not a string" % shown)
    if len(value.encode()) > allowed:
        raise SettingError(field, "%s is too long (allowed: at most %d bytes)" % (shown, allowed))
    if kind == "topic" and (not value or "+" in value or "#" in value or value[0] == "/" or value[-1] == "/"):
        raise SettingError(field, "%s is not a topic (allowed: levels joined by /, without + or #, "
                                  "not starting or ending with /)" % shown)
    if kind == "ident":
        for char in value:
            if char not in _IDENT_CHARS:
                raise SettingError(field, "%s is not allowed (allowed: 1 to %d of a-z 0-9 _ -)" % (shown, allowed))
        if not value:
            raise SettingError(field, "%s is not allowed (allowed: 1 to %d of a-z 0-9 _ -)" % (shown, allowed))
