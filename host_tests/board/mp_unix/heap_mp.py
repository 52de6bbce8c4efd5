# Heap figures of the firmware on the MicroPython unix port (for `make bench`):
#
#   micropython heap_mp.py MODULES HOST_BOARD BOARDS WORKDIR core|board|board_mqtt|board_web UMQTT [MICRODOT]
#
# MODULES: where the firmware's modules are (build/armv6m: the compiled .mpy,
# as a board without frozen modules imports them). "core": the control core
# alone, measured as tools/bench_core.py measures it on the WebAssembly port;
# "board": every module of app/ and board/ (and the core they import), with
# the fake hardware in place, then the application built for a Pico W as
# main.py builds it, without the MQTT link (app.mqtt, app.ha: imported only
# when mqtt_host is set); "board_mqtt": the same with the link's modules and
# umqtt.simple imported and the link built (UMQTT: where micropython-lib's
# umqtt.simple is: tools/mqtt_host.umqtt_dir()); "board_web": a Pico W with
# screen, web and MQTT enabled: every module (the web's too: app.web,
# webapi, page, auth, wifisetup) and microdot (MICRODOT: a directory holding
# the microdot package, compiled by tools/bench.py), a display in the board
# file (the fakes' SSD1306: micropython-lib's driver is not here), and the
# link, the screen, the password and the web app built as app.runner builds
# them. "board" and "board_mqtt" leave the web's modules out (a board with
# Wi-Fi imports them when it starts its network). Prints "name: value bytes" lines; the heap in use is
# gc.mem_alloc() after a full collection (this port's collector is precise
# enough that one collection settles it).
import gc
import sys

MODULES, HERE, BOARDS, WORKDIR, MODE, UMQTT = sys.argv[1:7]
sys.path[:0] = [MODULES, HERE, HERE + "/mp_unix", UMQTT]
if len(sys.argv) > 7:
    sys.path.insert(0, sys.argv[7])

import asyncio  # noqa: E402,F401 -- the bench on the other port has it loaded too
import os  # noqa: E402


def settled():
    gc.collect()
    gc.collect()
    return gc.mem_alloc()


if MODE == "core":
    before = settled()
    from thermo import control, decide, gate, recovery, schedule, schema, terminals, ticks  # noqa: F401

    control.Thermostat()
    after = settled()
    print("core_heap_before_import_unix64_bytes: %d bytes" % before)
    print("core_heap_after_import_unix64_bytes: %d bytes" % after)
else:
    LINK = ("app.mqtt", "app.ha")  # imported by the runner only when mqtt_host is set
    WEB = ("app.serve", "app.web", "app.webapi", "app.page", "app.auth", "app.wifisetup")  # with Wi-Fi, and microdot
    WITH_LINK = MODE in ("board_mqtt", "board_web")
    WITH_WEB = MODE == "board_web"
    import vtime
    from fakes import world as world_module

    world_module.WORLD = world_module.World()
    for name in ("machine", "onewire", "ds18x20", "network", "ntptime", "socket") + (("ssd1306",) if WITH_WEB else ()):
        sys.modules[name] = __import__("fakes." + name, None, None, [name])
    sys.modules["time"] = vtime
    os.chdir(WORKDIR)
    with open(BOARDS + "/rpi_pico_w.json") as f:
        text = f.read()
    if WITH_WEB:  # and a screen on its I2C bus
        import json

        data = json.loads(text)
        data["display"] = {"type": "ssd1306", "bus": "i2c0"}
        text = json.dumps(data)
    with open("board.json", "w") as f:
        f.write(text)
    names = []
    for package in ("app", "board"):
        for entry in sorted(os.listdir(MODULES + "/" + package)):
            stem = entry.rsplit(".", 1)[0]
            name = package + "." + stem
            if entry.endswith((".py", ".mpy")) and stem != "__init__" and (WITH_LINK or name not in LINK) \
                    and (WITH_WEB or name not in WEB):
                names.append(name)
    if WITH_WEB:
        names[:0] = ["microdot", "microdot.csrf"]
    before = settled()
    for name in names:  # every module of the board firmware, whatever main.py happens to import
        __import__(name)
    after_import = settled()
    boardfile = sys.modules["board.boardfile"]
    board = boardfile.load("board.json")
    app = sys.modules["app.runner"].App(board, sys.modules["board.hw"].Hardware(board))
    if WITH_LINK:
        options = dict(app.options, mqtt_host="192.0.2.10", device_id="hpt_bench")
        app.link = sys.modules["app.mqtt"].Link(app, options, b"\x01\x02\x03\x04")
    if WITH_WEB:  # as App.start_display, make_auth and start_web build them (without starting their tasks)
        app.display = sys.modules["app.display"].Display(app.hw.display, app.thermostat, app.report)
        app.auth = sys.modules["app.auth"].Auth(sys.modules["app.store"].Store("auth.json", app.flash))
        app.web = sys.modules["app.web"].Web(app, app.auth, app.options, asyncio.sleep_ms)
    after_setup = settled()
    print("%s_heap_before_import_unix64_bytes: %d bytes" % (MODE, before))
    print("%s_heap_after_import_unix64_bytes: %d bytes" % (MODE, after_import))
    print("%s_heap_after_setup_unix64_bytes: %d bytes" % (MODE, after_setup))
