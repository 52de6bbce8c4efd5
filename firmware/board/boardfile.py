"""Board files: the pin map of one board, as data, checked before use.

A board file (``boards/<name>.json``, copied to the board as ``/board.json``)
says which GPIO drives each terminal, the relay polarity, the sensor buses
and sensors, an optional status LED, buttons and screen (an SSD1306 on one
of the I2C buses), the watchdog timeout, and optional 24 VAC sense inputs
(``"sense": {"Y1": pin, ..., "R": pin}``: optocouplers that read whether a
relay's terminal, or R-C, carries 24 VAC; :mod:`app.sense` checks them).
:func:`validate` checks it whole against the chip's rules and raises
:class:`BoardError` naming the file, the field, the value and what is
allowed, like the settings schema does:

    boards/rpi_pico.json: terminals.Y1: pin 40 is out of range (allowed: 0 to 29)

The same module runs on the board (main.py checks /board.json at boot), in
the host tests and in tools/deploy.py, so a file that deploys is a file the
board accepts. It imports nothing but ``json``: no ``machine`` here.
"""

import json

from thermo.schema import show as _show

TERMINAL_NAMES = ("Y1", "Y2", "G", "W2", "OB", "E")
TERMINAL_BITS = (1, 2, 4, 8, 16, 32)  # thermo.terminals, without importing the core
SENSOR_ROLES = ("indoor", "outdoor")
SENSOR_TYPES = ("ds18b20", "sht3x", "simulated")
SHT3X_ADDRESSES = (0x44, 0x45)
BUTTON_ROLES = ("mode", "up", "down")
DISPLAY_TYPES = ("ssd1306",)  # 128x64 OLED on I2C (micropython-lib's ssd1306, installed by make deploy)
SSD1306_ADDRESSES = (0x3C, 0x3D)
POLARITIES = ("high", "low")
MAX_BOARD_BYTES = 8192  # a board file is ~1 KB; a larger one is not read whole
SENSE_NAMES = TERMINAL_NAMES + ("R",)  # a terminal's wire, or R (24 VAC between R and C)
SENSE_PULLS = ("up", "down", "none")
TOP_KEYS = ("name", "chip", "wifi", "relay_active", "terminals", "onewire", "i2c", "sensors",
            "status_led", "buttons", "display", "watchdog_ms", "reserved_pins", "sense", "sense_active", "sense_pull")

# What each supported chip allows. ``gpio``: pins that exist; ``not_output``:
# pins that cannot drive (or must not: flash); ``not_relay``: strapping pins,
# whose level at reset picks the boot mode, so a relay module's pull-up on
# them can keep the board from booting. ``i2c``: the pins each hardware I2C
# block can use (None: any pin, through the GPIO matrix). ``not_input``:
# pins that cannot be read; ``no_pull``: inputs without internal pull
# resistors (an optocoupler there needs an external pull-up).
CHIPS = {
    "rp2040": {
        "gpio": tuple(range(0, 30)),
        "span": "0 to 29",
        "not_output": {},
        "not_relay": {},
        "not_input": {},
        "no_pull": (),
        "i2c": {
            0: ((0, 4, 8, 12, 16, 20, 24, 28), (1, 5, 9, 13, 17, 21, 25, 29)),
            1: ((2, 6, 10, 14, 18, 26), (3, 7, 11, 15, 19, 27)),
        },
        "watchdog_ms": (3000, 8388),  # 8388 ms: the RP2040 counter's limit (erratum RP2040-E1)
        "mpy_arch": "armv6m",
        "port": "rp2",
    },
    "esp32": {
        "gpio": tuple(range(0, 20)) + (21, 22, 23, 25, 26, 27) + tuple(range(32, 40)),
        "span": "0 to 19, 21 to 23, 25 to 27, 32 to 39",
        "not_output": {6: "flash", 7: "flash", 8: "flash", 9: "flash", 10: "flash", 11: "flash",
                       34: "input only", 35: "input only", 36: "input only", 37: "input only",
                       38: "input only", 39: "input only"},
        "not_relay": {0: "strapping", 2: "strapping", 5: "strapping", 12: "strapping", 15: "strapping"},
        "not_input": {6: "flash", 7: "flash", 8: "flash", 9: "flash", 10: "flash", 11: "flash"},
        "no_pull": (34, 35, 36, 37, 38, 39),
        "i2c": {0: None, 1: None},
        "watchdog_ms": (3000, 60000),
        "mpy_arch": "xtensawin",
        "port": "esp32",
    },
}


class BoardError(ValueError):
    """A board file that cannot be used; the message names file and field."""

    def __init__(self, source, field, message):
        super().__init__("%s: %s: %s" % (source, field, message) if field else "%s: %s" % (source, message))
        self.field = field


def _choices(values):
    return ", ".join(_show(v) for v in values)


class _Checker:
    def __init__(self, source, chip):
        self.source = source
        self.chip = chip
        self.used = {}

    def fail(self, field, message):
        raise BoardError(self.source, field, message)

    def pin(self, field, value, output=True, relay=False, reserved=None, allow_named=False, sense=False):
        """``sense``: a 24 VAC sense input: readable, and no strapping pin
        either (an optocoupler holding it at reset would pick the boot mode)."""
        chip = self.chip
        if allow_named and isinstance(value, str) and value == "LED":
            return value
        if not isinstance(value, int) or isinstance(value, bool):
            extra = ', or "LED"' if allow_named else ""
            self.fail(field, "%s is not a pin number (allowed: %s%s)" % (_show(value), chip["span"], extra))
        if value not in chip["gpio"]:
            self.fail(field, "pin %d is out of range (allowed: %s)" % (value, chip["span"]))
        if output and value in chip["not_output"]:
            self.fail(field, "pin %d cannot drive an output (%s)" % (value, chip["not_output"][value]))
        if sense and value in self.used:
            self.fail(field, "%d is not a free pin (already used by %s)" % (value, self.used[value]))
        if sense and value in chip["not_input"]:
            self.fail(field, "pin %d cannot be read (%s)" % (value, chip["not_input"][value]))
        if (relay or sense) and value in chip["not_relay"]:
            self.fail(field, "pin %d is a %s pin; its level at reset selects the boot mode (not for %s: %s)" % (
                value, chip["not_relay"][value], "relays" if relay else "sense inputs",
                ", ".join(str(p) for p in sorted(chip["not_relay"]))))
        if reserved is not None and str(value) in reserved:
            self.fail(field, "pin %d is reserved on this board (%s)" % (value, reserved[str(value)]))
        if value in self.used:
            self.fail(field, "pin %d is already used by %s" % (value, self.used[value]))
        self.used[value] = field
        return value

    def obj(self, field, value, keys=None, required=()):
        if not isinstance(value, dict):
            self.fail(field, "%s is not an object" % _show(value))
        if keys is not None:
            for key in value:
                if key not in keys and not str(key).startswith("_"):
                    self.fail(field + "." + str(key), "unknown key (known: %s)" % ", ".join(keys))
        for key in required:
            if key not in value:
                self.fail(field + "." + key, "missing (required)")
        return value

    def choice(self, field, value, allowed):
        if not isinstance(value, str) or value not in allowed:
            self.fail(field, "%s is not allowed (allowed: %s)" % (_show(value), _choices(allowed)))
        return value

    def whole(self, field, value, low, high, unit=""):
        span = "%d to %d%s" % (low, high, (" " + unit) if unit else "")
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(field, "%s is not a whole number (allowed: %s)" % (_show(value), span))
        if not low <= value <= high:
            self.fail(field, "%s is out of range (allowed: %s)" % (_show(value), span))
        return value

    def name(self, field, value, known, what):
        if not isinstance(value, str) or value not in known:
            names = ", ".join(_show(k) for k in sorted(known)) or "none declared"
            self.fail(field, "%s is not a declared %s (declared: %s)" % (_show(value), what, names))
        return value


def validate(data, source="board.json"):
    """A board file's dict checked whole; returns it normalised (see README).

    The result is a plain dict: ``terminals`` becomes a tuple of
    ``(name, bit, pin)`` for the wired terminals, ``active_high`` a bool, and
    ``mpy_arch``/``port`` come from the chip.
    """
    if not isinstance(data, dict):
        raise BoardError(source, "", "must be a JSON object, not %s" % _show(data))
    chip_name = data.get("chip")
    if not isinstance(chip_name, str) or chip_name not in CHIPS:
        raise BoardError(source, "chip", "%s is not supported (allowed: %s)" % (
            _show(chip_name), _choices(sorted(CHIPS))))
    chip = CHIPS[chip_name]
    c = _Checker(source, chip)
    c.obj("", data, TOP_KEYS, ("name", "chip", "relay_active", "terminals", "sensors", "watchdog_ms"))
    if not isinstance(data["name"], str) or not data["name"]:
        c.fail("name", "%s is not a name (allowed: a non-empty string)" % _show(data["name"]))
    wifi = data.get("wifi", False)
    if not isinstance(wifi, bool):
        c.fail("wifi", "%s is not allowed (allowed: true, false)" % _show(wifi))
    active = c.choice("relay_active", data["relay_active"], POLARITIES)
    reserved = c.obj("reserved_pins", data.get("reserved_pins", {}))
    for key in reserved:
        if not key.isdigit() or int(key) not in chip["gpio"]:
            c.fail("reserved_pins." + key, "%s is not a pin number (allowed: %s)" % (_show(key), chip["span"]))

    raw_terms = c.obj("terminals", data["terminals"], TERMINAL_NAMES, ("Y1",))
    terminals = []
    for index in range(len(TERMINAL_NAMES)):
        term = TERMINAL_NAMES[index]
        pin = raw_terms.get(term)
        if pin is None:
            if term == "Y1":
                c.fail("terminals.Y1", "null is not allowed (Y1 must be wired)")
            continue
        terminals.append((term, TERMINAL_BITS[index], c.pin("terminals." + term, pin, relay=True, reserved=reserved)))

    onewire = {}
    for bus, pin in c.obj("onewire", data.get("onewire", {})).items():
        onewire[bus] = c.pin("onewire." + bus, pin, reserved=reserved)
    i2c = {}
    for bus, spec in c.obj("i2c", data.get("i2c", {})).items():
        field = "i2c." + bus
        c.obj(field, spec, ("id", "sda", "scl", "freq"), ("id", "sda", "scl"))
        block = spec["id"]
        if not isinstance(block, int) or isinstance(block, bool) or block not in chip["i2c"]:
            c.fail(field + ".id", "%s is not an I2C block (allowed: %s)" % (_show(block), _choices(sorted(chip["i2c"]))))
        sda = c.pin(field + ".sda", spec["sda"], reserved=reserved)
        scl = c.pin(field + ".scl", spec["scl"], reserved=reserved)
        pins = chip["i2c"][block]
        if pins is not None:
            if sda not in pins[0]:
                c.fail(field + ".sda", "pin %d is not an SDA pin of I2C%d (allowed: %s)" % (
                    sda, block, ", ".join(str(p) for p in pins[0] if p in chip["gpio"])))
            if scl not in pins[1]:
                c.fail(field + ".scl", "pin %d is not an SCL pin of I2C%d (allowed: %s)" % (
                    scl, block, ", ".join(str(p) for p in pins[1] if p in chip["gpio"])))
        freq = c.whole(field + ".freq", spec.get("freq", 100000), 10000, 400000, "Hz")
        i2c[bus] = {"id": block, "sda": sda, "scl": scl, "freq": freq}

    sensors = {}
    raw_sensors = c.obj("sensors", data["sensors"], SENSOR_ROLES, ("indoor",))
    for role in SENSOR_ROLES:
        spec = raw_sensors.get(role)
        field = "sensors." + role
        if spec is None:
            if role == "indoor":
                c.fail(field, "null is not allowed (the indoor sensor is required)")
            continue
        c.obj(field, spec, ("type", "bus", "rom", "address"), ("type",))
        kind = c.choice(field + ".type", spec["type"], SENSOR_TYPES)
        sensor: dict = {"type": kind}
        if kind == "ds18b20":
            sensor["pin"] = onewire[c.name(field + ".bus", spec.get("bus"), onewire, "onewire bus")]
            rom = spec.get("rom")
            if rom is not None:
                ok = isinstance(rom, str) and len(rom) == 16 and rom[:2] == "28"
                if ok:
                    try:
                        int(rom, 16)
                    except ValueError:
                        ok = False
                if not ok:
                    c.fail(field + ".rom", "%s is not a DS18B20 ROM code (allowed: 16 hex digits starting 28, or null)" % _show(rom))
            sensor["rom"] = rom
        elif kind == "sht3x":
            sensor["i2c"] = i2c[c.name(field + ".bus", spec.get("bus"), i2c, "i2c bus")]
            address = spec.get("address", 0x44)
            if address not in SHT3X_ADDRESSES or isinstance(address, bool):
                c.fail(field + ".address", "%s is not an SHT3x address (allowed: 68 (0x44), 69 (0x45))" % _show(address))
            sensor["address"] = address
        sensors[role] = sensor

    led = None
    raw_led = data.get("status_led")
    if raw_led is not None:
        c.obj("status_led", raw_led, ("pin", "active"), ("pin",))
        led_pin = c.pin("status_led.pin", raw_led["pin"], allow_named=True)
        led = {"pin": led_pin, "active_high": c.choice("status_led.active", raw_led.get("active", "high"), POLARITIES) == "high"}

    buttons = {}
    for role, pin in c.obj("buttons", data.get("buttons", {}), BUTTON_ROLES).items():
        if not str(role).startswith("_"):
            buttons[role] = c.pin("buttons." + role, pin, output=False, reserved=reserved)

    display = None
    raw_display = data.get("display")
    if raw_display is not None:
        c.obj("display", raw_display, ("type", "bus", "address"), ("type", "bus"))
        display = {"type": c.choice("display.type", raw_display["type"], DISPLAY_TYPES),
                   "i2c": i2c[c.name("display.bus", raw_display["bus"], i2c, "i2c bus")]}
        address = raw_display.get("address", 0x3C)
        if address not in SSD1306_ADDRESSES or isinstance(address, bool):
            c.fail("display.address", "%s is not an SSD1306 address (allowed: 60 (0x3C), 61 (0x3D))" % _show(address))
        display["address"] = address

    sense = _sense(c, data, reserved, terminals)

    low, high = chip["watchdog_ms"]
    watchdog_ms = c.whole("watchdog_ms", data["watchdog_ms"], low, high, "ms")

    return {
        "name": data["name"],
        "chip": chip_name,
        "port": chip["port"],
        "mpy_arch": chip["mpy_arch"],
        "wifi": wifi,
        "active_high": active == "high",
        "terminals": tuple(terminals),
        "onewire": onewire,
        "i2c": i2c,
        "sensors": sensors,
        "status_led": led,
        "buttons": buttons,
        "display": display,
        "watchdog_ms": watchdog_ms,
        "sense": sense,
    }


def _sense(c, data, reserved, terminals):
    """The optional 24 VAC sense inputs (optocouplers): ``None`` without
    them, else ``{"active_high": bool, "inputs": ((name, bit, pin, pull),
    ...)}`` in terminal order, R last with bit 0; ``pull`` is "up", "down"
    or "none" (on a pin without internal pulls, "none": the diagram draws
    the external pull-up it then needs)."""
    raw = data.get("sense")
    raw = c.obj("sense", {} if raw is None else raw, SENSE_NAMES)
    active = c.choice("sense_active", data.get("sense_active", "low"), POLARITIES)
    pull = c.choice("sense_pull", data.get("sense_pull", "up"), SENSE_PULLS)
    wired = {}
    for name, bit, _pin in terminals:
        wired[name] = bit
    no_pull = c.chip["no_pull"]
    inputs = []
    for name in SENSE_NAMES:
        pin = raw.get(name)
        if pin is None:
            continue
        field = "sense." + name
        if name != "R" and name not in wired:
            c.fail(field, "terminals.%s is not wired: a sense input reads what its relay switches (wired: %s, and R)" % (
                name, ", ".join(wired)))
        c.pin(field, pin, output=False, reserved=reserved, sense=True)
        input_pull = pull
        if pin in no_pull and pull != "none":
            if "sense_pull" in data:
                c.fail("sense_pull", '"%s" is not possible on pin %d of %s (no internal pull resistors on %s: '
                       'allowed: "none", with an external 10 kOhm pull-up to 3V3)' % (
                           pull, pin, field, ", ".join(str(p) for p in no_pull)))
            input_pull = "none"
        inputs.append((name, wired.get(name, 0), pin, input_pull))
    if not inputs:
        return None
    return {"active_high": active == "high", "inputs": tuple(inputs)}


def loads(text, source="board.json"):
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BoardError(source, "", "not valid JSON (%s)" % exc) from None
    return validate(data, source)


def load(path="board.json", source=None):
    """Read and validate a board file; BoardError (never OSError) if unusable."""
    source = source or path
    try:
        with open(path) as f:
            text = f.read(MAX_BOARD_BYTES + 1)
    except OSError:
        raise BoardError(source, "", "cannot be read (is the board file installed?)") from None
    if len(text) > MAX_BOARD_BYTES:
        raise BoardError(source, "", "larger than %d bytes (allowed: at most %d)" % (MAX_BOARD_BYTES, MAX_BOARD_BYTES))
    return loads(text, source)
