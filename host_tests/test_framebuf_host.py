"""tools/framebuf_host.py draws as MicroPython's framebuf does, byte for byte.

``make run`` shows the board's screen with it, so a difference would show a
screen the board never draws. The same drawing program runs on the unix
port's real ``framebuf`` and on the CPython class, and the buffers must be
equal: every glyph (and one outside the font), clipped at every edge, and
every primitive the screen uses, clipped too.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import framebuf_host  # noqa: E402

# One drawing program, valid Python for both interpreters: ``fb`` is the frame buffer.
PROGRAM = """
fb.fill(0)
for i in range(96):
    fb.text(chr(32 + i), (i % 17) * 8 - 4, (i // 17) * 11 - 3, 1)
fb.text("\\u00b0 \\x7f\\x1f", 100, 58, 1)
fb.fill_rect(-5, 30, 20, 40, 1)
fb.fill_rect(120, -2, 30, 6, 0)
fb.rect(3, 3, 122, 58, 1)
fb.rect(60, 20, 10, 10, 0, True)
fb.rect(126, 62, 9, 9, 1)
fb.hline(-10, 40, 300, 0)
fb.vline(64, -10, 100, 1)
fb.text("inverted", 10, 44, 0)
fb.pixel(127, 63, 1)
fb.pixel(128, 64, 1)
"""


def test_the_host_framebuf_draws_every_glyph_and_primitive_as_micropython_does():
    script = ("import framebuf, binascii\nbuf = bytearray(1024)\n"
              "fb = framebuf.FrameBuffer(buf, 128, 64, framebuf.MONO_VLSB)\n" + PROGRAM +
              "print(binascii.hexlify(buf).decode())\n")
    run = subprocess.run([str(framebuf_host.MICROPYTHON), "-c", script], capture_output=True, text=True,
                         timeout=60, check=True)
    real = bytes.fromhex(run.stdout.strip())
    buf = bytearray(1024)
    fb = framebuf_host.FrameBuffer(buf, 128, 64, framebuf_host.MONO_VLSB)
    exec(PROGRAM, {"fb": fb})  # noqa: S102 - our own fixed program
    assert real.count(0) < 1000, "the program drew almost nothing: the comparison would prove little"
    assert bytes(buf) == real


def test_the_terminal_view_shows_lit_pixels_as_braille_dots():
    from screen_term import braille

    buf = bytearray(1024)
    fb = framebuf_host.FrameBuffer(buf, 128, 64)
    fb.pixel(0, 0, 1)  # dot 1 of the first cell
    fb.pixel(1, 3, 1)  # dot 8 of the first cell
    fb.fill_rect(126, 60, 2, 4, 1)  # the last cell, full
    lines = braille(buf)
    assert len(lines) == 16 and all(len(line) == 64 for line in lines)
    assert lines[0][0] == chr(0x2800 + 0x01 + 0x80)
    assert lines[15][63] == chr(0x28FF)
    assert lines[7][30] == chr(0x2800)
