"""A wiring diagram of one board, drawn from its board file, as SVG.

    python tools/wiring.py rpi_pico              # the SVG on stdout
    python tools/wiring.py rpi_pico --write      # into docs/wiring/rpi_pico.svg
    python tools/wiring.py --all --write         # every file in boards/ (after a board file changes)
    python tools/wiring.py --all --check         # exit 1 if a committed diagram is stale

The picture is read from the board file, never drawn by hand, so it cannot
disagree with what the board drives: each terminal's GPIO -> relay channel
(IN1.. in the file's order, the polarity written on the module) -> the
equipment's terminal (R to every relay's COM, C never switched); the
1-Wire sensors with their 4.7 kOhm pull-up; the I2C bus with its SHT3x and
SSD1306; the buttons, the status LED, the power pins; and, only if the
file declares them, the 24 VAC sense inputs (``"sense": {"Y1": pin, ...,
"R": pin}``, one optocoupler per terminal, ``R`` for R-C presence). The file
is checked first by the loader the board runs (firmware/board/boardfile.py).

Plain SVG: no script, no external file, text as text; the same board file
gives the same bytes (host_tests/test_wiring.py regenerates and compares).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "firmware"))

from board import boardfile  # noqa: E402 -- the loader the board itself runs

BOARDS = ROOT / "boards"
OUT = ROOT / "docs" / "wiring"
SENSE_KEY = "sense"  # optional: {"Y1": pin, ..., "R": pin}, with sense_active and sense_pull (board/boardfile.py)
TERMINAL_WORDS = {
    "Y1": "compressor (stage 1)",
    "Y2": "compressor stage 2",
    "G": "blower fan",
    "W2": "aux heat: strips or furnace",
    "OB": "reversing valve (setting O or B)",
    "E": "emergency heat",
}
LABELS = {"OB": "O/B"}
# Header pin numbers of the Raspberry Pi Pico and Pico W (the same header).
PICO_HEADER = {0: 1, 1: 2, 2: 4, 3: 5, 4: 6, 5: 7, 6: 9, 7: 10, 8: 11, 9: 12, 10: 14, 11: 15, 12: 16, 13: 17,
               14: 19, 15: 20, 16: 21, 17: 22, 18: 24, 19: 25, 20: 26, 21: 27, 22: 29, 26: 31, 27: 32, 28: 34}
POWER = {
    "pico": (("3V3", "3V3(OUT), pin 36"), ("GND", "GND, pin 38"), ("5V", "VBUS 5 V, pin 40")),
    "other": (("3V3", "3V3"), ("GND", "GND"), ("5V", "5V")),
}
WIDTH = 1000
PIN_X = 240  # the board's right edge, where its pins are
PART_X = 330
STYLE = ("text{font-family:sans-serif;font-size:13px;fill:#222}.t{font-size:20px;font-weight:bold}"
         ".h{font-size:14px;font-weight:bold}.s{font-size:11px;fill:#555}.b{font-weight:bold}"
         ".w{stroke:#333;stroke-width:1.6;fill:none}.r{stroke:#c00;stroke-width:2;fill:none}"
         ".box{fill:#fff;stroke:#333;stroke-width:1.4}.brd{fill:#eef4ee;stroke:#264;stroke-width:1.6}"
         ".off{fill:#999}.n{fill:#fff;stroke:#777;stroke-width:1}")


class Drawing:
    def __init__(self):
        self.parts = []

    def add(self, text):
        self.parts.append(text)

    def text(self, x, y, words, cls="", anchor="start"):
        attrs = (' class="%s"' % cls if cls else "") + (' text-anchor="%s"' % anchor if anchor != "start" else "")
        self.add('<text x="%d" y="%d"%s>%s</text>' % (x, y, attrs, escape(words)))

    def line(self, points, cls="w"):
        self.add('<polyline class="%s" points="%s"/>' % (cls, " ".join("%d,%d" % p for p in points)))

    def box(self, x, y, w, h, cls="box"):
        self.add('<rect class="%s" x="%d" y="%d" width="%d" height="%d" rx="4"/>' % (cls, x, y, w, h))

    def dot(self, x, y, fill="#333"):
        self.add('<circle cx="%d" cy="%d" r="3.5" fill="%s"/>' % (x, y, fill))

    def net(self, x, y, name):
        """A net label (3V3, GND, 5V, R, C): the wire continues wherever the same name is."""
        w = 8 * len(name) + 12
        self.add('<rect class="n" x="%d" y="%d" width="%d" height="18" rx="9"/>' % (x, y - 9, w))
        self.text(x + w // 2, y + 4, name, "b", "middle")
        return x + w

    def resistor(self, x, y, label, vertical=False):
        """A zigzag 30 px long from (x, y), to the right (or upwards)."""
        pts = [(0, 0), (4, 0), (7, -5), (12, 5), (17, -5), (22, 5), (25, 0), (30, 0)]
        if vertical:
            self.line([(x + dy, y - dx) for dx, dy in pts])
            if label:
                self.text(x + 10, y - 12, label, "s")
        else:
            self.line([(x + dx, y + dy) for dx, dy in pts])
            self.text(x + 15, y - 9, label, "s", "middle")

    def svg(self, height):
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">\n'
                '<style>%s</style>\n<rect width="100%%" height="100%%" fill="#fff"/>\n%s\n</svg>\n' % (
                    WIDTH, height, WIDTH, height, STYLE, "\n".join(self.parts)))


def escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def source_of(path):
    return path.relative_to(ROOT).as_posix() if ROOT in path.parents else path.name


def load(path):
    """(the raw board file, the loader's result, its sense inputs: ``board["sense"]``, or none);
    BoardError if the board would refuse it."""
    source = source_of(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise boardfile.BoardError(source, "", "cannot be read (%s)" % exc) from None
    if not isinstance(raw, dict):
        raise boardfile.BoardError(source, "", "must be a JSON object")
    board = boardfile.validate(raw, source)
    sense = board["sense"] or {"active_high": False, "inputs": ()}
    return raw, board, sense


def pin_name(board, pin):
    if pin == "LED":
        return 'Pin("LED")'  # the wireless chip's GPIO: no header pin
    if board["chip"] == "rp2040":
        header = PICO_HEADER.get(pin) if is_pico(board) else None
        return "GP%d" % pin + (", pin %d" % header if header else "")
    return "GPIO%d" % pin


def is_pico(board):
    return board["name"].startswith("Raspberry Pi Pico")


def draw(source, raw, board, sense):
    d = Drawing()
    low = not board["active_high"]
    polarity = "active-low: the pin LOW closes the relay" if low else "active-high: the pin HIGH closes the relay"
    d.text(20, 32, "Wiring: %s" % board["name"], "t")
    d.text(20, 54, "From %s (chip %s). Relays %s. Pins are GPIO numbers%s." % (
        source, board["chip"], polarity, " (GPn), then the header pin" if is_pico(board) else ""))
    rows = []  # (y, role words, pin) on the board's edge, drawn at the end

    # -- relays: pin -> INn -> COM/NO -> terminal --------------------------------
    order = [t for t in raw["terminals"] if raw["terminals"][t] is not None]
    pins = {t: p for t, _b, p in board["terminals"]}
    order = [t for t in order if t in pins]
    top = 84
    d.text(PART_X, top, "Relay module (%d channels), %s" % (len(order), "active-low" if low else "active-high"), "h")
    d.text(720, top, "Air handler terminals (24 VAC)", "h")
    y0 = top + 40
    step = 44
    r_y = y0 - 22
    last = y0 + step * (len(order) - 1)
    d.box(PART_X, y0 - 30, 240, last - y0 + 72)
    d.box(720, r_y - 16, 260, last - y0 + (122 if len(order) < 6 else 100))
    d.line([(630, r_y), (720, r_y)], "r")
    d.line([(630, r_y), (630, last - 9)], "r")
    d.text(732, r_y + 5, "R", "b")
    d.text(770, r_y + 5, "24 VAC hot: to every relay's COM", "s")
    for i, term in enumerate(order):
        y = y0 + step * i
        rows.append((y, "%s relay" % LABELS.get(term, term), pins[term]))
        d.line([(PIN_X, y), (PART_X, y)])
        d.text(PART_X + 8, y + 4, "IN%d" % (i + 1), "b")
        d.text(PART_X + 44, y + 4, "relay %d" % (i + 1), "s")
        d.text(PART_X + 232, y - 5, "COM", "s", "end")
        d.text(PART_X + 232, y + 13, "NO", "s", "end")
        d.line([(PART_X + 240, y - 9), (630, y - 9)], "r")
        d.dot(630, y - 9, "#c00")
        d.line([(PART_X + 240, y + 9), (720, y + 9)])
        d.text(732, y + 13, LABELS.get(term, term), "b")
        d.text(770, y + 13, TERMINAL_WORDS[term], "s")
    unwired = [t for t in boardfile.TERMINAL_NAMES if t not in pins]
    c_y = last + 40
    d.text(732, c_y + 5, "C", "b")
    d.text(770, c_y + 5, "24 VAC common: never switched", "s")
    if unwired:
        d.text(732, c_y + 30, "Not wired on this board: %s" % ", ".join(LABELS.get(t, t) for t in unwired), "s off")
    supply = (("VCC", "3V3"), ("GND", "GND"), ("JD-VCC", "5V")) if low else (("VCC", "3V3"), ("GND", "GND"))
    for i, (lead, net) in enumerate(supply):
        x = PART_X + 20 + 80 * i
        d.text(x, last + 36, lead, "s", "middle")
        d.line([(x, last + 42), (x, last + 56)])
        d.net(x - 4 * len(net) - 6, last + 65, net)
    if low:
        d.text(PART_X, last + 96, "Remove the JD-VCC jumper: coils from 5 V, inputs from 3V3.", "s")
    y = max(last + 110, c_y + 50)

    # -- 1-Wire buses: DS18B20 with its 4.7 kOhm pull-up ---------------------------
    for bus, pin in board["onewire"].items():
        roles = [r for r, s in raw["sensors"].items() if s.get("type") == "ds18b20" and s.get("bus") == bus]
        y += 60
        rows.append((y, "1-Wire %s" % bus, pin))
        d.line([(PIN_X, y), (520, y)])
        d.dot(380, y)
        d.line([(380, y), (380, y - 4)])
        d.resistor(380, y - 4, "4.7 k\u03a9", vertical=True)
        d.net(368, y - 46, "3V3")
        if roles:
            d.box(520, y - 16, 250, 40)
            d.text(530, y, "DS18B20: %s" % ", ".join(roles), "b")
            d.text(530, y + 16, "DQ (data); VDD to 3V3, GND to GND", "s")
        else:
            d.text(530, y + 4, "no sensor on this bus in the board file", "s off")
        y += 40

    # -- I2C buses: SHT3x and SSD1306 hang off SDA/SCL ----------------------------
    for bus, spec in board["i2c"].items():
        devices = ["SHT3x %s sensor, address 0x%02X" % (r, board["sensors"][r]["address"])
                   for r, s in raw["sensors"].items() if s.get("type") == "sht3x" and s.get("bus") == bus]
        if board["display"] is not None and raw["display"].get("bus") == bus:
            devices.append("SSD1306 screen 128\u00d764, address 0x%02X" % board["display"]["address"])
        y += 24
        rows.append((y, "I2C%d SDA (%s)" % (spec["id"], bus), spec["sda"]))
        rows.append((y + 24, "I2C%d SCL" % spec["id"], spec["scl"]))
        end = 960 if devices else 520
        d.line([(PIN_X, y), (end, y)])
        d.line([(PIN_X, y + 24), (end, y + 24)])
        d.text(end - 4 if devices else end + 10, y - 5, "SDA", "s", "end" if devices else "start")
        d.text(end - 4 if devices else end + 10, y + 19, "SCL", "s", "end" if devices else "start")
        if not devices:
            d.text(PART_X, y + 46, "Nothing on %s in the board file: free for an SHT3x or an SSD1306 screen." % bus,
                   "s off")
            y += 60
            continue
        for i, words in enumerate(devices):
            x = 400 + 290 * i
            for lead, ly in ((0, y), (20, y + 24)):
                d.dot(x + lead, ly)
                d.line([(x + lead, ly), (x + lead, y + 50)])
            d.box(x - 10, y + 50, 270, 40)
            d.text(x, y + 66, words, "b")
            d.text(x, y + 82, "VCC/VIN to 3V3, GND to GND", "s")
        d.text(PART_X, y + 108, "I2C pull-ups: on the breakout boards (a bare chip needs 4.7 k\u03a9 to 3V3 on each line).",
               "s")
        y += 124

    # -- buttons: to GND, the internal pull-up holds them high --------------------
    for role, pin in board["buttons"].items():
        y += 30
        rows.append((y, "button %s" % role, pin))
        d.line([(PIN_X, y), (420, y)])
        d.dot(420, y)
        d.line([(424, y - 10), (452, y - 10)])
        d.line([(438, y - 10), (438, y - 16)])
        d.dot(456, y)
        d.line([(456, y), (480, y)])
        d.net(480, y, "GND")
        d.text(540, y + 4, "push button (%s): internal pull-up, pressed reads LOW" % role, "s")

    # -- status LED -----------------------------------------------------------------
    led = board["status_led"]
    if led is not None:
        y += 36
        pin = led["pin"]
        rows.append((y, "status LED", pin))
        d.line([(PIN_X, y), (PART_X, y)])
        if pin == "LED" or str(pin) in raw.get("reserved_pins", {}):
            d.text(PART_X + 10, y + 4, "the board's own LED: nothing to wire", "s")
        else:
            d.resistor(PART_X, y, "330 \u03a9")
            x = PART_X + 30
            d.line([(x, y), (x + 20, y)])
            if led["active_high"]:  # anode to the pin
                d.add('<path class="w" d="M%d %dv-8l12 8l-12 8z M%d %dv16"/>' % (x + 20, y, x + 32, y - 8))
                d.line([(x + 32, y), (x + 50, y)])
                d.net(x + 50, y, "GND")
            else:  # cathode to the pin, anode to 3V3
                d.add('<path class="w" d="M%d %dv-8l-12 8l12 8z M%d %dv16"/>' % (x + 32, y, x + 20, y - 8))
                d.line([(x + 32, y), (x + 50, y)])
                d.net(x + 50, y, "3V3")
            d.text(x + 110, y + 4, "LED, lit when the pin is %s" % ("HIGH" if led["active_high"] else "LOW"), "s")

    # -- 24 VAC sense inputs (optional) -----------------------------------------
    if sense["inputs"]:
        y += 34
        d.text(PART_X, y, "24 VAC sense inputs (optocouplers): the input side across the terminal and C", "h")
        level = "HIGH" if sense["active_high"] else "LOW"
        for term, _bit, pin, pull in sense["inputs"]:
            y += 34
            rows.append((y, "sense %s" % LABELS.get(term, term), pin))
            d.line([(PIN_X, y), (PART_X, y)])
            if pull == "none":  # no internal pull: the opto's output needs one fitted
                d.resistor(PIN_X + 20, y, "", vertical=True)
                d.text(PIN_X + 26, y - 21, "10 k\u03a9 to 3V3", "s")
            d.box(PART_X, y - 14, 200, 28)
            d.text(PART_X + 8, y + 5, "optocoupler: %s on 24 VAC%s" % (
                level, ", pull-%s" % pull if pull != "none" else ""), "s")
            d.line([(PART_X + 200, y), (600, y)])
            d.net(600, y, LABELS.get(term, term))
            d.text(660, y + 4, "and C (24 VAC common): %s" % (
                "R-C present: 24 VAC is on" if term == "R" else "24 VAC on %s: the relay closed" % LABELS.get(term, term)),
                "s")

    # -- power -----------------------------------------------------------------
    y += 20
    for net, words in POWER["pico" if is_pico(board) else "other"]:
        y += 30
        rows.append((y, words, None))
        d.line([(PIN_X, y), (PART_X, y)])
        end = d.net(PART_X, y, net)
        uses = {"3V3": "relay VCC, sensors' VDD, pull-ups", "GND": "relay GND, sensors' GND, buttons",
                "5V": "relay JD-VCC (coil supply)" if low else "not needed by a 3.3 V relay module"}[net]
        d.text(end + 10, y + 4, uses, "s")

    # -- the board, its pins on its right edge --------------------------------------
    top_board = y0 - 40
    d.box(20, top_board, PIN_X - 20, y + 30 - top_board, "brd")
    d.text(30, top_board + 20, board["name"], "h")
    for ry, words, pin in rows:
        d.text(30, ry + 4, words, "s" if pin is not None else "b")
        if pin is not None:
            d.text(PIN_X - 8, ry + 4, pin_name(board, pin), "b", "end")
        d.dot(PIN_X, ry)
    y += 60
    d.text(20, y, "Switch off the air handler and the outdoor unit before touching the 24 VAC side. "
           "Regenerate: python tools/wiring.py --all --write", "s")
    return d.svg(y + 20)


def render(path):
    raw, board, sense = load(path)
    return draw(source_of(path), raw, board, sense)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("board", nargs="?", help="a name in boards/ (without .json) or a board file's path")
    parser.add_argument("--all", action="store_true", help="every board file in boards/")
    parser.add_argument("--write", action="store_true", help="write docs/wiring/<board>.svg")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/wiring/<board>.svg differs")
    args = parser.parse_args(argv)
    if args.all == bool(args.board):
        parser.error("give one BOARD or --all")
    if args.all:
        paths = sorted(BOARDS.glob("*.json"))
    else:
        path = Path(args.board)
        paths = [path if path.suffix == ".json" else BOARDS / (args.board + ".json")]
    stale = 0
    for path in paths:
        if not path.exists():
            print("wiring: no board %r (known: %s)" % (args.board, ", ".join(p.stem for p in sorted(BOARDS.glob("*.json")))),
                  file=sys.stderr)
            return 2
        try:
            svg = render(path.resolve())
        except boardfile.BoardError as exc:
            print("wiring: %s" % exc, file=sys.stderr)
            return 2
        out = OUT / (path.stem + ".svg")
        if args.write:
            OUT.mkdir(parents=True, exist_ok=True)
            out.write_text(svg, encoding="utf-8")
            print("wrote %s" % out.relative_to(ROOT))
        elif args.check:
            if not out.exists() or out.read_text(encoding="utf-8") != svg:
                print("wiring: %s is stale: python tools/wiring.py --all --write" % out.relative_to(ROOT),
                      file=sys.stderr)
                stale += 1
        else:
            sys.stdout.write(svg)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
