"""The board's screen in a terminal: the firmware's own drawing, as Braille.

``make run`` shows what the SSD1306 of a board would show: the firmware's
``app.screen`` draws its home page (or its status menu) into a 128x64
buffer with :mod:`framebuf_host` (MicroPython's ``framebuf`` for CPython),
and :func:`braille` prints each 2x4 block of pixels as one Braille
character: 64 columns by 16 lines.
"""

from framebuf_host import MONO_VLSB, FrameBuffer

WIDTH, HEIGHT = 128, 64
# Braille dot bits by (column, row) in a 2x4 cell (Unicode's dot numbering).
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def braille(buf, width=WIDTH, height=HEIGHT):
    """A MONO_VLSB buffer as lines of Braille characters, lit pixels as dots."""
    lines = []
    for top in range(0, height, 4):
        line = []
        for left in range(0, width, 2):
            cell = 0
            for dx in range(2):
                for dy in range(4):
                    y = top + dy
                    if y < height and buf[left + dx + (y >> 3) * width] >> (y & 7) & 1:
                        cell |= _DOTS[dx][dy]
            line.append(chr(0x2800 + cell))
        lines.append("".join(line))
    return lines


class ScreenView:
    """The screen of a running thermostat: its home page, or its menu with ``menu(...)`` arguments."""

    def __init__(self):
        from app import screen

        self.screen = screen
        self.buf = bytearray(WIDTH * HEIGHT // 8)
        self.fb = FrameBuffer(self.buf, WIDTH, HEIGHT, MONO_VLSB)

    def home(self, thermostat):
        self.screen.home(self.fb, thermostat)
        return braille(self.buf)

    def menu(self, thermostat, shell_alerts=(), network="", address="", first=0):
        self.screen.menu(self.fb, thermostat, shell_alerts, network, address, first)
        return braille(self.buf)
