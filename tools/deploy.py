"""Install the thermostat on a board with mpremote (pinned in requirements-dev.txt).

Usage: python tools/deploy.py BOARD [--port PORT] [--config FILE] [--dry-run]
       make deploy BOARD=rpi_pico [PORT=/dev/ttyACM0] [CONFIG=my.json] [DRY_RUN=1]

BOARD is a file name in boards/ without .json. Before anything else (before
compiling, before any command reaches a board) the board file is checked
with the loader the board itself uses (firmware/board/boardfile.py) and the
CONFIG file with the check the board runs when it imports it
(firmware/app/config.py ``parse``), the config lint (firmware/thermo/lint.py)
included, against the terminals the board file wires; a refusal is one line
naming the file and the field, and exit status 2. Each lint warning is
printed as one line ("deploy: FILE: KEYS: warning CODE: ...") and the deploy
goes on. Then:

 0. compile firmware/ with mpy-cross for the board's CPU only (the board
    file's chip gives the architecture: armv6m for the RP2040, xtensawin
    for the ESP32) into build/<arch>/, the tree that is copied below;

and one mpremote session after another:

 1. maintenance: write /maintenance and hard-reset, so the next boot leaves
    the relays off and does not start the watchdog (a running thermostat's
    watchdog would otherwise reset the board in the middle of the copy;
    it cannot be stopped once started);
 2. ``mip install`` the micropython-lib packages the firmware needs and the
    port does not freeze in (see MIP_PACKAGES; with Wi-Fi, umqtt.simple;
    with a display in the board file, ssd1306), into /lib; with Wi-Fi also
    microdot (the web page and the Wi-Fi set-up page), which is not in
    micropython-lib's index: its files straight from its GitHub tag, into
    /lib/microdot/ (see MICRODOT_FILES);
 3. copy build/<arch>/ (every module compiled, boot.py and main.py as
    source) to the board, and the board file to /board.json (on a Wi-Fi
    board also its wiring diagram, drawn from the board file by
    tools/wiring.py, to /wiring.svg for the web page); with CONFIG,
    the config file to /config.import.json (imported at boot);
 4. clear the boot-loop record and the maintenance flag, then ``reset``.

mpremote 1.29 soft-resets when it first enters the raw REPL (1.30 no
longer does); every session here ends with an explicit ``reset`` or is
followed by one, so the result does not depend on that.

--dry-run checks the board file and the config, then prints the exact
mpremote commands, one per line; it compiles nothing and needs no board.
"""

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TOOLS)
sys.path.insert(0, os.path.join(REPO, "firmware"))
sys.path.insert(0, TOOLS)

import build_mpy  # noqa: E402 -- the compiler driver behind make mpy
import wiring  # noqa: E402 -- the board's wiring diagram, for its web page
from app import config as configfile  # noqa: E402 -- the check the board runs on an imported config
from board import boardfile  # noqa: E402 -- the loader the board itself runs

from thermo.schema import SettingError  # noqa: E402

# micropython-lib packages by need. onewire and ds18x20 are frozen into the
# rp2 and esp32 firmware (ports/*/boards/manifest.py), and ntptime/network
# into the Wi-Fi boards' (bundle-networking); installing them again into
# /lib would only be shadowed by the frozen copies ('.frozen' comes before
# /lib on sys.path). aiorepl (bench mode's REPL beside the loop) is frozen
# into neither.
FROZEN = {"rp2": ("asyncio", "onewire", "ds18x20", "dht"), "esp32": ("asyncio", "onewire", "ds18x20", "dht", "ntptime")}
MIP_PACKAGES = ("aiorepl",)
# umqtt.simple (the MQTT link, app.mqtt) only where there is a network. The
# host tests run the registry's 1.3.4 (PyPI holds no newer copy); the link
# uses only what both versions share, and hands it its own socket.
WIFI_MIP_PACKAGES = ("umqtt.simple@1.7.0",)
# microdot (app.web, app.wifisetup), where there is Wi-Fi: the version
# requirements-dev.txt pins for the host tests. It is not in micropython-lib's
# index, so mip takes each file from the GitHub tag (mpremote 1.29 turns
# "github:owner/repo/path@tag" into raw.githubusercontent.com/owner/repo/tag/path
# and puts a .py URL's file directly in --target: hence --target
# /lib/microdot, the package's directory).
MICRODOT_VERSION = "v2.7.0"
MICRODOT_FILES = ("__init__.py", "microdot.py", "csrf.py")
MICRODOT_TARGET = "/lib/microdot"
# The screen's driver (app.display), on a board whose file has a display.
DISPLAY_MIP_PACKAGES = ("ssd1306",)
RESET_WAIT_S = "3"  # USB re-enumeration after a hard reset
CLEANUP = ('import os; [os.remove(n) for n in os.listdir() '
           'if n in ("crashes.json", "crashes.json.new", "maintenance")]')


class Refused(Exception):
    """A board name, board file or config file that must not be deployed; the
    message is the one line to print (it names the file and the field)."""


class Target:
    """What one deploy sends: the checked board file and config, and the build for the board's CPU."""

    def __init__(self, name, board, board_file, config):
        self.name = name
        self.board = board
        self.board_file = board_file  # relative to REPO when inside it
        self.config = config and on_the_command_line(config)  # for mpremote, which runs in REPO
        self.arch = board["mpy_arch"]
        self.build = "build/" + self.arch
        self.wiring = "build/wiring/%s.svg" % name  # drawn from the board file by build()
        self.warnings = []  # the config lint's warnings, one line each


def on_the_command_line(path):
    """A path given relative to the current folder, as mpremote (run in REPO) must be given it."""
    path = os.path.abspath(path)
    inside = os.path.commonpath([path, REPO]) == REPO
    return os.path.relpath(path, REPO) if inside else path


def board_path(name):
    return os.path.join(REPO, "boards", name + ".json")


def known_boards():
    return sorted(f[:-5] for f in os.listdir(os.path.join(REPO, "boards")) if f.endswith(".json"))


def check_board(name):
    """The board file's contents, checked by the board's own loader."""
    path = board_path(name)
    if os.path.basename(name) != name or not os.path.exists(path):
        raise Refused("no board %r (known: %s)" % (name, ", ".join(known_boards())))
    try:
        return boardfile.load(path, source=os.path.relpath(path, REPO))
    except boardfile.BoardError as exc:
        raise Refused(str(exc)) from None


def check_config(path, terminals=None):
    """Refuse a config file the board would refuse at import (same parse,
    same size bound, same lint against the board file's ``terminals``);
    returns the lint's warnings as lines."""
    try:
        with open(path, "rb") as f:
            text = f.read(configfile.MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise Refused("%s: cannot be read (%s)" % (path, exc.strerror or exc)) from None
    try:
        settings, _options = configfile.parse(text, terminals)
    except SettingError as exc:
        raise Refused("%s: %s" % (path, exc)) from None
    return ["%s: %s" % (path, found[3]) for found in configfile.lint(settings, terminals)]


def check(name, config=None):
    """Everything a deploy depends on, checked before anything is built or sent."""
    board = check_board(name)
    target = Target(name, board, os.path.relpath(board_path(name), REPO), config)
    if config:
        target.warnings = check_config(config, configfile.terminals_of(board))
    return target


def packages():
    """The firmware's top-level packages (they go to /lib on the board)."""
    firmware = os.path.join(REPO, "firmware")
    return sorted(entry for entry in os.listdir(firmware)
                  if os.path.isdir(os.path.join(firmware, entry)) and not entry.startswith((".", "_")))


def commands(target, port=None):
    """The mpremote command lines (lists of arguments) for one deploy."""
    build = target.build
    connect = ["connect", port or "auto"]
    mip = (list(MIP_PACKAGES) + (list(WIFI_MIP_PACKAGES) if target.board["wifi"] else [])
           + (list(DISPLAY_MIP_PACKAGES) if target.board["display"] else []))
    install = ["mpremote", "sleep", RESET_WAIT_S] + connect + ["mip", "install", "--target", "/lib"] + mip
    if target.board["wifi"]:
        install += ["+", "mip", "install", "--target", MICRODOT_TARGET] + microdot_urls()
    copy = (["mpremote"] + connect + ["fs", "cp", "-r"] + [build + "/" + p for p in packages()] + [":lib"]
            + ["+", "fs", "cp", build + "/boot.py", build + "/main.py", ":"]
            + ["+", "fs", "cp", target.board_file, ":board.json"])
    if target.board["wifi"]:  # the web page's /wiring
        copy += ["+", "fs", "cp", target.wiring, ":wiring.svg"]
    if target.config:
        copy += ["+", "fs", "cp", target.config, ":config.import.json"]
    return [
        ["mpremote"] + connect + ["exec", 'open("maintenance", "w").close()', "+", "reset"],
        install,
        copy,
        ["mpremote"] + connect + ["exec", CLEANUP, "+", "reset"],
    ]


def microdot_urls():
    """mip's URLs of the microdot files the board needs, at the pinned tag."""
    return ["github:miguelgrinberg/microdot/src/microdot/%s@%s" % (name, MICRODOT_VERSION)
            for name in MICRODOT_FILES]


def build(target):
    """Compile firmware/ for the target's CPU into build/<arch>/; a list of error lines (empty: built)."""
    print("build_mpy: %s" % build_mpy.check_compiler(), flush=True)
    firmware = os.path.join(REPO, "firmware")
    rels = build_mpy.sources(firmware)
    total, errors = build_mpy.build_arch(firmware, os.path.join(REPO, "build"), target.arch, rels)
    if errors:
        return errors
    print("%s: %d files, %d bytes in %s/" % (target.arch, len(rels), total, target.build), flush=True)
    os.makedirs(os.path.join(REPO, "build", "wiring"), exist_ok=True)
    with open(os.path.join(REPO, target.wiring), "w", encoding="utf-8") as svg:
        svg.write(wiring.render(Path(REPO, target.board_file)))
    missing = [p for p in packages() + ["boot.py", "main.py"]
               if not os.path.exists(os.path.join(REPO, target.build, p))]
    return ["%s lacks %s" % (target.build, ", ".join(missing))] if missing else []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("board", help="a file name in boards/, without .json")
    parser.add_argument("--port", default=None, help="serial port (default: mpremote's auto)")
    parser.add_argument("--config", default=None, help="JSON with \"settings\" and \"device\" to import at boot")
    parser.add_argument("--dry-run", action="store_true", help="check, then print the mpremote commands only")
    args = parser.parse_args(argv)
    try:
        target = check(args.board, args.config)
    except Refused as exc:
        print("deploy: %s" % exc, file=sys.stderr)
        return 2
    for warning in target.warnings:
        print("deploy: %s" % warning, flush=True)
    lines = commands(target, args.port)
    if not args.dry_run:
        errors = build(target)
        if errors:
            for message in errors:
                print(message, file=sys.stderr)
            print("deploy: the %s build failed; nothing was sent to the board" % target.arch, file=sys.stderr)
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
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("deploy: interrupted", file=sys.stderr)
        sys.exit(130)
