"""Fake MicroPython hardware modules for the host tests, and where things are.

Every module here runs on CPython and on MicroPython (the unix port runs the
same fakes under the real firmware): no pathlib, dataclasses or typing at
run time. The paths below exist only on CPython.
"""

try:
    from pathlib import Path
except ImportError:  # MicroPython: the runner passes its paths itself
    Path = None

if Path is not None:
    HERE = Path(__file__).resolve().parents[1]  # host_tests/board
    ROOT = HERE.parents[1]
    FIRMWARE = ROOT / "firmware"
    BOARDS = ROOT / "boards"
