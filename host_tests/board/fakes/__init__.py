"""Fake MicroPython hardware modules for the host tests, and where things are."""

from pathlib import Path

HERE = Path(__file__).resolve().parents[1]  # host_tests/board
ROOT = HERE.parents[1]
FIRMWARE = ROOT / "firmware"
BOARDS = ROOT / "boards"
