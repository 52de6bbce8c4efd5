"""A config document: what `make deploy CONFIG=...` sends and the board imports.

One JSON object ``{"settings": {...installer settings...}, "device":
{...device options...}}``, both sections optional. :func:`parse` is the one
check: the desktop runs it before anything is sent to a board, and the board
runs it again when it imports the file, so a config that deploys is a config
the board accepts. It raises :class:`thermo.schema.SettingError` naming the
field, the value and what is allowed; nothing is half-applied.

Both also run the config lint (:mod:`thermo.lint`) against the wired
terminals of the board file when it is known: a refuse-level finding is
raised as a SettingError too (:class:`thermo.lint.Refusal`), so a
contradiction is refused exactly where an out-of-range value is.
:func:`findings` gives every finding (warnings included) for the logs and
pages.
"""

import json

from app import device
from thermo import lint, schema
from thermo.schema import SettingError

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

# Larger than any real config (a full weekly schedule is ~3 KB), small
# enough that reading and parsing one cannot exhaust an RP2040's heap.
MAX_CONFIG_BYTES = const(16384)
SECTIONS = ("settings", "device")


def parse(text, terminals=None):
    """(settings, options) of a config document given as bytes or str.

    ``settings`` is the document's own settings (to store as given);
    ``options`` is the device options with their defaults filled in.
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise SettingError("config", "%d bytes is too large (allowed: at most %d)" % (len(text), MAX_CONFIG_BYTES))
    try:
        config = json.loads(text)
    except ValueError:
        raise SettingError("config", "not valid JSON") from None
    return check(config, terminals)


def check(config, terminals=None):
    """(settings, options) of a config document already parsed from JSON
    (the board checks its stored settings.json with this too).
    ``terminals``: the names the board file wires (thermo.lint.wired), or
    None when no board file is known."""
    if not isinstance(config, dict):
        raise SettingError("config", 'must be an object with "settings" and "device"')
    for key in config:
        if key not in SECTIONS:
            raise SettingError(schema.show(key), "unknown section (known: settings, device)")
    settings = config.get("settings", {})
    if not isinstance(settings, dict):
        raise SettingError("settings", "must be an object, not %s" % schema.show(settings))
    lint.refuse(lint.check(schema.validate(settings), terminals))
    options = device.validate(config.get("device", {}))
    return settings, options


def findings(settings, terminals=None):
    """The lint's findings for installer settings already checked (a
    document's own, or a full dict)."""
    return lint.check(schema.validate(settings), terminals)
