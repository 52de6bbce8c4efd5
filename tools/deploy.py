"""Install the thermostat on a board with mpremote (pinned in requirements-dev.txt).

Usage: python tools/deploy.py BOARD [--port PORT] [--config FILE] [--dry-run]
       make deploy BOARD=rpi_pico [PORT=/dev/ttyACM0] [CONFIG=my.json] [DRY_RUN=1]

BOARD is a file name in boards/ without .json. The board file is checked
with the loader the board itself uses (firmware/board/boardfile.py) before
anything is sent. Then, one mpremote session after another:

 1. maintenance: write /maintenance and hard-reset, so the next boot leaves
    the relays off and does not start the watchdog (a running thermostat's
    watchdog would otherwise reset the board in the middle of the copy;
    it cannot be stopped once started);
 2. copy build/<arch>/ (``make mpy``: every module compiled with mpy-cross,
    boot.py and main.py as source) to /, and the board file to /board.json;
    with CONFIG, the config file to /config.import.json (imported at boot);
 3. ``mip install`` the micropython-lib packages the firmware needs and the
    port does not freeze in (see MIP_PACKAGES), into /lib;
 4. clear the boot-loop record and the maintenance flag, then ``reset``.

mpremote 1.29 soft-resets when it first enters the raw REPL (1.30 no
longer does); every session here ends with an explicit ``reset`` or is
followed by one, so the result does not depend on that.

--dry-run prints the exact commands, one per line, and needs no board.
"""

import argparse
import os
import shlex
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "firmware"))

from board import boardfile  # noqa: E402 -- the loader the board itself runs

# micropython-lib packages by need. onewire and ds18x20 are frozen into the
# rp2 and esp32 firmware (ports/*/boards/manifest.py), and ntptime/network
# into the Wi-Fi boards' (bundle-networking); installing them again into
# /lib would only be shadowed by the frozen copies ('.frozen' comes before
# /lib on sys.path). aiorepl (bench mode's REPL beside the loop) is frozen
# into neither.
FROZEN = {"rp2": ("asyncio", "onewire", "ds18x20", "dht"), "esp32": ("asyncio", "onewire", "ds18x20", "dht", "ntptime")}
MIP_PACKAGES = ("aiorepl",)
RESET_WAIT_S = "3"  # USB re-enumeration after a hard reset
CLEANUP = ('import os; [os.remove(n) for n in os.listdir() '
           'if n in ("crashes.json", "crashes.json.new", "maintenance")]')


def board_path(name):
    return os.path.join(REPO, "boards", name + ".json")


def packages():
    """The firmware's top-level packages (they go to /lib on the board)."""
    firmware = os.path.join(REPO, "firmware")
    return sorted(entry for entry in os.listdir(firmware)
                  if os.path.isdir(os.path.join(firmware, entry)) and not entry.startswith((".", "_")))


def commands(name, port=None, config=None):
    """The mpremote command lines (lists of arguments) for one deploy."""
    path = board_path(name)
    if not os.path.exists(path):
        known = sorted(f[:-5] for f in os.listdir(os.path.join(REPO, "boards")) if f.endswith(".json"))
        raise SystemExit("deploy: no board %r (known: %s)" % (name, ", ".join(known)))
    try:
        board = boardfile.load(path, source=os.path.relpath(path, REPO))
    except boardfile.BoardError as exc:
        raise SystemExit("deploy: %s" % exc) from None
    build = "build/" + board["mpy_arch"]
    connect = ["connect", port or "auto"]
    install = ["mpremote", "sleep", RESET_WAIT_S] + connect + ["mip", "install", "--target", "/lib"] + list(MIP_PACKAGES)
    copy = (["mpremote"] + connect + ["fs", "cp", "-r"] + [build + "/" + p for p in packages()] + [":lib"]
            + ["+", "fs", "cp", build + "/boot.py", build + "/main.py", ":"]
            + ["+", "fs", "cp", os.path.relpath(path, REPO), ":board.json"])
    if config:
        copy += ["+", "fs", "cp", config, ":config.import.json"]
    return [
        ["mpremote"] + connect + ["exec", 'open("maintenance", "w").close()', "+", "reset"],
        install,
        copy,
        ["mpremote"] + connect + ["exec", CLEANUP, "+", "reset"],
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("board", help="a file name in boards/, without .json")
    parser.add_argument("--port", default=None, help="serial port (default: mpremote's auto)")
    parser.add_argument("--config", default=None, help="JSON with \"settings\" and \"device\" to import at boot")
    parser.add_argument("--dry-run", action="store_true", help="print the mpremote commands only")
    args = parser.parse_args(argv)
    if args.config and not args.dry_run:
        with open(args.config) as f:
            import json

            json.load(f)  # a typo is caught here, not at boot
    lines = commands(args.board, args.port, args.config)
    if not args.dry_run:
        missing = [p for p in packages() if not os.path.isdir(os.path.join(REPO, "build", "armv6m", p))]
        if missing:
            print("deploy: build/ lacks %s: run make mpy first" % ", ".join(missing), file=sys.stderr)
            return 1
    mpremote = os.path.join(os.path.dirname(sys.executable), "mpremote")
    for line in lines:
        print(shlex.join(line), flush=True)
        if args.dry_run:
            continue
        run = [mpremote if line[0] == "mpremote" and os.path.exists(mpremote) else line[0]] + line[1:]
        result = subprocess.run(run, cwd=REPO, check=False)
        if result.returncode != 0:
            print("deploy: failed (exit %d): %s" % (result.returncode, shlex.join(line)), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
