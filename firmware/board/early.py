"""De-energize every relay pin: the first thing boot.py and main.py do.

This runs before anything else is imported, so it reads /board.json with
nothing but the built-in ``json`` and sets each terminal pin to its OFF
level. ``Pin(n, Pin.OUT, value=off)`` sets the level before the pin starts
driving, so an active-low relay does not click on for a microsecond on the
way. A missing or unreadable board file leaves the pins as reset left them:
inputs, which an active-low module's pull-up reads as off.
"""

from machine import Pin

BOARD_PATH = "board.json"
MAX_BOARD_BYTES = 8192  # as board.boardfile: never read a huge file whole


def all_off(path=BOARD_PATH):
    """Drive every terminal pin of the board file to OFF; return how many."""
    import json

    try:
        with open(path) as f:
            board = json.loads(f.read(MAX_BOARD_BYTES + 1))
        off = 1 if board.get("relay_active") == "low" else 0
        pins = board["terminals"].values()
    except Exception as exc:  # boot must go on whatever the file holds
        print("boot: relays not set (board file: %r)" % (exc,))
        return 0
    count = 0
    for pin in pins:
        if isinstance(pin, int) and not isinstance(pin, bool):
            try:
                Pin(pin, Pin.OUT, value=off)
                count += 1
            except Exception as exc:
                print("boot: pin %r not set: %r" % (pin, exc))
    return count
