"""Type-check firmware/ against each board's MicroPython 1.27 stubs with pyright.

Usage: python tools/typecheck.py [--board rp2|esp32]... [--no-install] [PYRIGHT ARGS...]

For each board this
  1. makes sure typings/<board>/ holds exactly the pinned stub packages
     (pip install --no-deps --target typings/<board> ...; re-installed from
     scratch when the pins change; --no-install turns a missing or stale
     folder into an error instead);
  2. writes build/pyright/<board>/pyrightconfig.json;
  3. runs pyright with it (`python -m pyright`, the PyPI wrapper, which
     bundles pyright and runs it with the node on PATH).

The settings that make the MicroPython stubs work:
  - stubPath AND typeshedPath both point at typings/<board>: the board's
    modules (machine, time, gc, micropython, ...) are top-level .pyi files
    found through stubPath, and typeshedPath swaps CPython's stdlib and
    builtins for the reduced stdlib/ shipped by micropython-stdlib-stubs.
  - venvPath/venv point at an empty fake venv: otherwise pyright adds the
    host interpreter's own Lib/ to its search paths, and imports MicroPython
    lacks (dataclasses, typing at run time, ...) would resolve silently.
  - reportMissingModuleSource off: stubs without sources are the point here.
  - extraPaths = firmware/, so `import thermo...` resolves as on the board.
  - firmware/manifest.py is excluded: it is input to MicroPython's freezing
    tool, whose functions (package, include, ...) are not Python builtins.

The stubs stay out of the dev virtualenv on purpose: installed there they
would shadow CPython's stdlib (time, gc, ...) for pytest.

Exit status: 0 when every board is clean, 1 when pyright reports errors.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Stub packages per board, pinned to MicroPython 1.27. The board stubs
# require micropython-stdlib-stubs>=1.27.0,<1.28.0; it is pinned here too
# and everything is installed with --no-deps so nothing floats.
STDLIB_STUBS = "micropython-stdlib-stubs==1.27.0.post2"
# microdot (the web page, app.web and app.wifisetup; mip on the board) ships
# its own .pyi stubs: installed beside the board's, its API is checked too.
MICRODOT = "microdot==2.7.0"
BOARD_STUBS = {
    "rp2": ["micropython-rp2-rpi-pico-stubs==1.27.0.post1", STDLIB_STUBS, MICRODOT],
    "esp32": ["micropython-esp32-stubs==1.27.0.post1", STDLIB_STUBS, MICRODOT],
}
PINS_FILE = ".pins"  # inside typings/<board>/: what was installed there


def stub_dir(board):
    return os.path.join(REPO, "typings", board)


def ensure_stubs(board, install):
    folder = stub_dir(board)
    wanted = "\n".join(BOARD_STUBS[board]) + "\n"
    pins = os.path.join(folder, PINS_FILE)
    if os.path.exists(pins):
        with open(pins) as f:
            if f.read() == wanted:
                return
    if not install:
        sys.exit(
            f"typecheck: {os.path.relpath(folder)} is missing or stale; "
            "run without --no-install to install " + " ".join(BOARD_STUBS[board])
        )
    shutil.rmtree(folder, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--disable-pip-version-check",
        "--target",
        folder,
        *BOARD_STUBS[board],
    ]
    print("typecheck: " + " ".join(cmd[1:]), flush=True)
    if subprocess.run(cmd, check=False).returncode != 0:
        sys.exit(f"typecheck: installing the {board} stubs failed")
    with open(pins, "w") as f:
        f.write(wanted)


def write_config(board):
    """Write build/pyright/<board>/pyrightconfig.json; return its path."""
    root = os.path.join(REPO, "build", "pyright")
    # An empty venv: its site-packages is the only environment path pyright uses.
    os.makedirs(os.path.join(root, "empty-venv", "lib", "site-packages"), exist_ok=True)
    stubs = stub_dir(board)
    path = os.path.join(root, board, "pyrightconfig.json")
    # pyright ignores absolute include/exclude entries: relative to the config.
    firmware = os.path.relpath(os.path.join(REPO, "firmware"), os.path.dirname(path))
    config = {
        "include": [firmware],
        "exclude": [firmware + "/manifest.py", "**/__pycache__"],
        # firmware/ is what the board has on sys.path (/ and /lib): `import thermo`.
        "extraPaths": [firmware],
        "stubPath": stubs,
        "typeshedPath": stubs,
        "venvPath": root,
        "venv": "empty-venv",
        "pythonPlatform": "Linux",
        "pythonVersion": "3.11",
        "typeCheckingMode": "standard",
        "reportMissingModuleSource": "none",
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    return path


def run_pyright(config, extra_args):
    """Run pyright, print its diagnostics; True when clean.

    JSON output lets us refuse a run that analysed no file at all (a config
    that matches nothing would otherwise pass with "0 errors").
    """
    cmd = [sys.executable, "-m", "pyright", "--outputjson", "-p", config, *extra_args]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        print(result.stdout + result.stderr, file=sys.stderr)
        print(f"typecheck: pyright failed (exit {result.returncode})", file=sys.stderr)
        return False
    for d in report.get("generalDiagnostics", []):
        start = d.get("range", {}).get("start", {"line": 0, "character": 0})
        rule = f" ({d['rule']})" if d.get("rule") else ""
        where = os.path.relpath(d.get("file", "?"))
        print(f"{where}:{start['line'] + 1}:{start['character'] + 1} - {d['severity']}: {d['message']}{rule}")
    summary = report.get("summary", {})
    print(
        f"{summary.get('filesAnalyzed', 0)} files, {summary.get('errorCount', 0)} errors, "
        f"{summary.get('warningCount', 0)} warnings"
    )
    if summary.get("filesAnalyzed", 0) == 0:
        print("typecheck: pyright analysed no file; check the include paths", file=sys.stderr)
        return False
    return result.returncode == 0 and summary.get("errorCount", 0) == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", action="append", choices=sorted(BOARD_STUBS))
    parser.add_argument("--no-install", dest="install", action="store_false")
    args, pyright_args = parser.parse_known_args(argv)

    failed = []
    for board in args.board or list(BOARD_STUBS):
        ensure_stubs(board, args.install)
        config = write_config(board)
        print(f"typecheck: {board} ({BOARD_STUBS[board][0]})", flush=True)
        if not run_pyright(config, pyright_args):
            failed.append(board)
    if failed:
        print("typecheck: errors for " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
