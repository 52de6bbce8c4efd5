"""A config document: what `make deploy CONFIG=...` sends and the board imports.

One JSON object ``{"settings": {...installer settings...}, "device":
{...device options...}}``, both sections optional. :func:`parse` is the one
check: the desktop runs it before anything is sent to a board, and the board
runs it again when it imports the file, so a config that deploys is a config
the board accepts. It raises :class:`thermo.schema.SettingError` naming the
field, the value and what is allowed; nothing is half-applied.

Both also run the config lint (:mod:`thermo.lint`) against the wired
terminals of the board file when it is known: a refuse-level finding is
raised as a SettingError too, so a contradiction is refused exactly where
an out-of-range value is. :func:`lint` gives every finding (warnings
included) for the logs and pages; on a board the lint module is loaded for
the call and dropped after.
"""

import json
import sys

from app import device
from thermo import schema
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
    ``terminals``: the names the board file wires (terminals_of), or
    None when no board file is known."""
    if not isinstance(config, dict):
        raise SettingError("config", 'must be an object with "settings" and "device"')
    for key in config:
        if key not in SECTIONS:
            raise SettingError(schema.show(key), "unknown section (known: settings, device)")
    settings = config.get("settings", {})
    if not isinstance(settings, dict):
        raise SettingError("settings", "must be an object, not %s" % schema.show(settings))
    lint(settings, terminals, True)
    options = device.validate(config.get("device", {}))
    return settings, options


def terminals_of(board):
    """The terminal names a checked board file wires, or None (no board file known)."""
    if not isinstance(board, dict) or "terminals" not in board:
        return None
    return tuple(entry[0] for entry in board["terminals"])


def lint(settings, terminals=None, refuse=False):
    """The config lint's findings for installer settings (a document's own,
    or a full dict), each ``(level, code, keys, line)``; with ``refuse``,
    the first refusal is raised (SettingError) instead. On MicroPython the
    lint module is dropped after the call: a board's heap holds it only
    while it runs."""
    from thermo import lint as rules

    try:
        found = rules.check(schema.validate(settings), terminals)
        if refuse:
            rules.refuse(found)
        return [(f[0], f[1], f[2], rules.line(f)) for f in found]
    finally:
        rules = None
        if sys.implementation.name == "micropython":
            sys.modules.pop("thermo.lint", None)
            import thermo

            if "lint" in thermo.__dict__:
                delattr(thermo, "lint")
