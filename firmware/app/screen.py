"""What the 128x64 screen shows: the home page and the menu, drawn from the
thermostat.

Pure drawing. :func:`home` and :func:`menu` take the core's
:class:`thermo.control.Thermostat` (and, for the menu, the shell's alerts
and the network's state as text) and draw onto any object with
MicroPython's ``framebuf.FrameBuffer`` API (``fill``, ``text`` with its
8x8 font, ``fill_rect``, ``rect``, ``hline``): the SSD1306 driver itself on
the board, a plain ``FrameBuffer`` in the golden-image tests. Nothing here
reads a clock, a pin or a bus: :mod:`app.display` decides when to draw and
sends the pixels. Every number is drawn from integer tenths of °F (no
float), and the large indoor temperature is seven-segment digits made of
filled rectangles, so it needs no font and no scratch buffer.

A line of the 8x8 font holds 16 characters: every word here fits one.
"""

from thermo import modes as M
from thermo import terminals as T
from thermo.values import show_tenths

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

WIDTH = const(128)
HEIGHT = const(64)
CHARS = const(16)  # characters on a line of the 8x8 font
MENU_ROWS = const(6)  # menu lines under its title
_MENU_PITCH = const(9)  # a menu line: 8 pixels of font and one apart

# Seven-segment digits: cell size and stroke, in pixels.
_DIGIT_W = const(13)
_DIGIT_H = const(21)
_STROKE = const(3)
_DIGIT_GAP = const(3)
_BIG_Y = const(13)
# Segments a..g as (x, y, w, h) inside a cell; a digit is a bitmask of them.
_HALF = _DIGIT_H // 2
_SEGMENTS = (
    (0, 0, _DIGIT_W, _STROKE),  # a: top
    (_DIGIT_W - _STROKE, 0, _STROKE, _HALF + 1),  # b: top right
    (_DIGIT_W - _STROKE, _HALF, _STROKE, _DIGIT_H - _HALF),  # c: bottom right
    (0, _DIGIT_H - _STROKE, _DIGIT_W, _STROKE),  # d: bottom
    (0, _HALF, _STROKE, _DIGIT_H - _HALF),  # e: bottom left
    (0, 0, _STROKE, _HALF + 1),  # f: top left
    (0, _HALF - 1, _DIGIT_W, _STROKE),  # g: middle
)
_DIGITS = (0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F)
_MINUS = const(0x40)

# The top line: the mode as people say it.
MODE_WORDS = ("OFF", "HEAT", "COOL", "AUTO", "EM HEAT")
FAN_WORDS = ("", "fan on", "circ")  # after the mode, leaving 2 characters for the alert marker
# What runs (thermo.modes.ACTIONS), in at most 16 characters.
ACTION_WORDS = ("off", "idle", "fan only", "heat pump", "heat pump+strips", "strip heat", "furnace",
                "EMERGENCY HEAT", "cooling", "recovery heat")
ALERT_WORDS = {"indoor_sensor": "indoor sensor", "outdoor_sensor": "outdoor sensor",
               "short_cycle_blocked": "start limit", "compressor_dead": "no heat pump", "aux_overuse": "strips overuse",
               "compressor_tripping": "HP tripping",
               "heat_not_responding": "no heat rise", "low_charge": "low charge",
               "ob_reversed": "O/B reversed", "valve_stuck": "valve stuck", "w2_open": "W2 no heat",
               "y2_open": "Y2 no effect"}

# Why a terminal is off (thermo.reasons), in at most 13 characters; the
# timer whose time left is shown beside it, if any (at most 7 characters
# then). tools/run.py has the long words; the board keeps these.
REASON_WORDS = {
    "single_stage": "1 stage", "no_backup": "no backup", "not_emergency": "not em heat",
    "min_on": "min on", "aux_min_on": "min on", "rewiring": "rewired", "mode_off": "mode off",
    "indoor_sensor": "no indoor", "emergency": "em heat", "valve_in_cool": "valve cool",
    "cooling": "cooling", "outdoor_lockout": "too cold", "aux_lockout": "too warm",
    "dual_fuel": "fuel sw", "changeover": "valve", "valve_moving": "valve moving",
    "min_off": "min off", "max_starts": "starts", "aux_max_starts": "starts",
    "stage1_off": "needs Y1", "wait_stage2": "wait stage 2", "wait_droop": "wait droop",
    "wait_compressor": "wait compr", "duty_rest": "duty rest", "recovery": "recovery",
    "furnace_backup": "furnace", "outdoor_sensor": "no outdoor",
}
# Facts of the wiring, the same every tick: not worth a line of the menu.
QUIET_REASONS = ("single_stage", "no_backup", "not_emergency", "mode_off")


def _text_right(fb, text, y, color=1):
    fb.text(text, WIDTH - 8 * len(text), y, color)


def _big(fb, value_dF, x, y):
    """Tenths of °F as large digits ("68.5"; "--.-" for None); the x after them."""
    if value_dF is None:
        marks = (_MINUS, _MINUS, -1, _MINUS)
    else:
        text = show_tenths(value_dF)
        marks = []
        for char in text:
            marks.append(-1 if char == "." else _MINUS if char == "-" else _DIGITS[ord(char) - 48])
    for mark in marks:
        if mark < 0:  # the decimal point
            fb.fill_rect(x, y + _DIGIT_H - _STROKE, _STROKE, _STROKE, 1)
            x += _STROKE + _DIGIT_GAP
            continue
        for index in range(7):
            if mark & (1 << index):
                sx, sy, sw, sh = _SEGMENTS[index]
                fb.fill_rect(x + sx, y + sy, sw, sh, 1)
        x += _DIGIT_W + _DIGIT_GAP
    return x


def _degrees_f(fb, x, y):
    """A small degree ring and F."""
    fb.rect(x, y, 4, 4, 1)
    fb.text("F", x + 5, y, 1)


def _setpoints(th):
    """[(label, tenths)] of the setpoints the mode uses."""
    mode = th.mode
    if mode == M.AUTO:
        return [("H", th.heat_setpoint_dF), ("C", th.cool_setpoint_dF)]
    if mode == M.COOL:
        return [("set", th.cool_setpoint_dF)]
    if mode in (M.HEAT, M.EMERGENCY):
        return [("set", th.heat_setpoint_dF)]
    return []


def home(fb, th):
    """The home page: mode and fan, the alert marker, the indoor temperature
    large, the setpoint(s), the action, the terminals (lit: inverted) and
    the outdoor temperature."""
    fb.fill(0)
    top = MODE_WORDS[th.mode]
    if th.fan:
        top += " " + FAN_WORDS[th.fan]
    fb.text(top, 0, 0, 1)
    if th.alerts:
        fb.fill_rect(WIDTH - 14, 0, 14, 9, 1)
        fb.text("!", WIDTH - 11, 1, 0)
    fb.hline(0, 10, WIDTH, 1)
    x = _big(fb, th.indoor_dF if th.indoor_ok else None, 0, _BIG_Y)
    _degrees_f(fb, x, _BIG_Y)
    y = _BIG_Y
    for label, value_dF in _setpoints(th):
        if label == "set":
            _text_right(fb, "set", y)
            y += 10
            label = ""
        _text_right(fb, ("%s %s" % (label, show_tenths(value_dF))).strip(), y)
        y += 12
    fb.text(ACTION_WORDS[th.action], 0, 37, 1)
    x = 0
    for i in range(6):
        name = T.NAMES[i]
        width = 8 * len(name)
        if th.outputs & T.BITS[i]:
            fb.fill_rect(x, 46, width + 2, 9, 1)
            fb.text(name, x + 1, 47, 0)
        else:
            fb.text(name, x + 1, 47, 1)
        x += width + 6
    outdoor = show_tenths(th.outdoor_dF) + "F" if th.outdoor_ok else "--"
    fb.text("out " + outdoor, 0, HEIGHT - 8, 1)


# The question before emergency heat (app.buttons): a line each, 16 characters at most.
CONFIRM_LINES = ("heat pump off,", "backup heat only", "", "press mode again", "to turn it on")


def confirm(fb):
    """The question before emergency heat: it runs the backup heat alone,
    so it takes a second press of mode (anything else, or a few seconds,
    skips it)."""
    fb.fill(0)
    fb.fill_rect(0, 0, WIDTH, 9, 1)
    fb.text("EM HEAT?", 1, 1, 0)
    y = 14
    for line in CONFIRM_LINES:
        fb.text(line, 0, y, 1)
        y += 10


def clock(ms):
    """Time left as m:ss (h:mm over an hour), rounded up."""
    seconds = (ms + 999) // 1000
    if seconds >= 3600:
        return "%d:%02dh" % (seconds // 3600, seconds // 60 % 60)
    return "%d:%02d" % (seconds // 60, seconds % 60)


def _starts_left_ms(starts):
    """Until the oldest start of the last hour stops counting."""
    oldest = -1
    for age_ms in starts.ages_ms:
        if oldest < age_ms < M.HOUR_MS:
            oldest = age_ms
    return M.HOUR_MS - oldest if oldest >= 0 else 0


def left_ms(th, name, code):
    """The time left of the timer behind a reason, or 0."""
    timers = th.timers
    if code == "min_off":
        return timers.min_off.left_ms()
    if code == "min_on":
        return timers.min_on.left_ms()
    if code == "aux_min_on":
        return timers.aux_min_on.left_ms()
    if code == "changeover":
        return timers.changeover.left_ms()
    if code == "dual_fuel":
        return (timers.furnace_wait if name == "W2" else timers.heat_pump_wait).left_ms()
    if code == "max_starts":
        return _starts_left_ms(timers.compressor_starts)
    if code == "aux_max_starts":
        return _starts_left_ms(timers.strip_starts)
    return 0


def menu_lines(th, shell_alerts=(), network="", address=""):
    """The menu's lines: [(left text, right text)]: each alert in words, why
    each terminal is held (with the time left of the timer holding it), the
    network, and the web page's address (over two lines: "web: http://"
    then the address and "/", 16 characters for any IPv4 address)."""
    lines = []
    for name in th.alert_names():
        lines.append(("! " + ALERT_WORDS.get(name, name), ""))
    for name in shell_alerts:
        lines.append(("! " + name, ""))
    if not lines:
        lines.append(("no alerts", ""))
    held = th.held_reasons()
    shown = {}  # (code, time left) -> its line, so terminals held alike share one
    for i in range(6):
        name = T.NAMES[i]
        code = held.get(name)
        if code is None or code in QUIET_REASONS:
            continue
        left = left_ms(th, name, code)
        key = (code, left)
        if key in shown:
            index = shown[key]
            left, right = lines[index]
            lines[index] = (left.replace(" ", "/" + name + " ", 1), right)  # "Y1 no indoor" -> "Y1/W2 no indoor"
            continue
        shown[key] = len(lines)
        lines.append(("%s %s" % (name, REASON_WORDS.get(code, code)), clock(left) if left else ""))
    lines.append((network or "no network", ""))
    if address:
        lines.append(("web: http://", ""))
        lines.append((address + "/", ""))
    return lines


SETUP_ADDRESS = "192.168.4.1"  # the access point's own (app.wifisetup.ADDRESS)


def setup(fb, name, key, state, detail=""):
    """The Wi-Fi set-up page (app.wifisetup): the access point's name, its
    password (or that it is open), what to do, the page's address, and how
    the join goes (``state``, ``detail``: at most 16 characters each)."""
    fb.fill(0)
    fb.fill_rect(0, 0, WIDTH, 9, 1)
    fb.text("WIFI SETUP", 1, 1, 0)
    y = 10
    for line in (name, ("pw " + key) if key else "open network", "join and open", SETUP_ADDRESS, state, detail):
        fb.text(line[:CHARS], 0, y, 1)
        y += _MENU_PITCH


def menu(fb, th, shell_alerts=(), network="", address="", first=0):
    """The menu: a title with the page, then :data:`MENU_ROWS` lines from
    ``first``. Returns how many lines there are, for scrolling."""
    lines = menu_lines(th, shell_alerts, network, address)
    fb.fill(0)
    fb.fill_rect(0, 0, WIDTH, 9, 1)
    fb.text("STATUS", 1, 1, 0)
    pages = (len(lines) + MENU_ROWS - 1) // MENU_ROWS
    if pages > 1:
        _text_right(fb, "%d/%d" % (first // MENU_ROWS + 1, pages), 1, 0)
    y = 10
    for left, right in lines[first:first + MENU_ROWS]:
        fb.text(left[:CHARS], 0, y, 1)
        if right:
            _text_right(fb, right, y)
        y += _MENU_PITCH
    return len(lines)
