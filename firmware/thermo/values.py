"""Values as people write them and as the core keeps them: the leaf module.

:class:`SettingError` (a refused value, naming its field), :func:`show` (a
value as JSON writes it, for messages), :func:`tenths` (°F to integer
tenths, the same on a board's single floats as on CPython's doubles) and
:func:`show_tenths`. Every other module of the core may import this one; it
imports nothing of the core, so no import cycle can run through it.
"""

import json

# A value or key quoted in a message is cut to this many characters, so that
# hostile input cannot turn an alert into a megabyte console line.
SHOW_MAX_CHARS = 40


class SettingError(ValueError):
    """A rejected value; ``key`` names the field, the message says what fits."""

    def __init__(self, key, message):
        if isinstance(key, str) and len(key) > SHOW_MAX_CHARS:
            key = show(key)
        super().__init__("%s: %s" % (key, message))
        self.key = key


def show(value):
    """A value as it is written in JSON, for error messages: on one line, and
    the same text on the board's single floats as on CPython's doubles."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        text = ("%.4f" % value).rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, str) and len(value) > SHOW_MAX_CHARS:
        return json.dumps(value[:SHOW_MAX_CHARS]) + "... (%d characters)" % len(value)
    if isinstance(value, (str, int)):
        return json.dumps(value)
    return "a " + type(value).__name__


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def tenths(value):
    """°F (int or float) to integer tenths, rounding half away from zero.

    Goes through a two-decimal string so that a single-precision board and
    double-precision CPython round the same reading the same way.
    """
    if isinstance(value, int):
        return value * 10
    text = "%.2f" % value
    negative = text[0] == "-"
    if negative:
        text = text[1:]
    whole, fraction = text.split(".")
    hundredths = int(whole) * 100 + int(fraction)
    result = (hundredths + 5) // 10
    return -result if negative else result


def show_tenths(value_dF):
    """Tenths of a degree as a decimal string, e.g. 705 -> '70.5'."""
    sign = "-" if value_dF < 0 else ""
    value_dF = abs(value_dF)
    return "%s%d.%d" % (sign, value_dF // 10, value_dF % 10)


