# Heap figures of the firmware on the MicroPython unix port (for `make bench`):
#
#   micropython heap_mp.py MODULES HOST_BOARD BOARDS WORKDIR core|board|board_mqtt UMQTT
#
# MODULES: where the firmware's modules are (build/armv6m: the compiled .mpy,
# as a board without frozen modules imports them). "core": the control core
# alone, measured as tools/bench_core.py measures it on the WebAssembly port;
# "board": every module of app/ and board/ (and the core they import), with
# the fake hardware in place, then the application built for a Pico W as
# main.py builds it, without the MQTT link (app.mqtt, app.ha: imported only
# when mqtt_host is set); "board_mqtt": the same with the link's modules and
# umqtt.simple imported and the link built (UMQTT: where micropython-lib's
# umqtt.simple is: tools/mqtt_host.umqtt_dir()). Prints "name: value bytes" lines; the heap in use is
# gc.mem_alloc() after a full collection (this port's collector is precise
# enough that one collection settles it).
import gc
import sys

MODULES, HERE, BOARDS, WORKDIR, MODE, UMQTT = sys.argv[1:7]
sys.path[:0] = [MODULES, HERE, HERE + "/mp_unix", UMQTT]

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
    import vtime
    from fakes import world as world_module

    world_module.WORLD = world_module.World()
    for name in ("machine", "onewire", "ds18x20", "network", "ntptime", "socket"):
        sys.modules[name] = __import__("fakes." + name, None, None, [name])
    sys.modules["time"] = vtime
    os.chdir(WORKDIR)
    with open(BOARDS + "/rpi_pico_w.json") as f:
        text = f.read()
    with open("board.json", "w") as f:
        f.write(text)
    names = []
    for package in ("app", "board"):
        for entry in sorted(os.listdir(MODULES + "/" + package)):
            stem = entry.rsplit(".", 1)[0]
            name = package + "." + stem
            if entry.endswith((".py", ".mpy")) and stem != "__init__" and (MODE == "board_mqtt" or name not in LINK):
                names.append(name)
    before = settled()
    for name in names:  # every module of the board firmware, whatever main.py happens to import
        __import__(name)
    after_import = settled()
    boardfile = sys.modules["board.boardfile"]
    board = boardfile.load("board.json")
    app = sys.modules["app.runner"].App(board, sys.modules["board.hw"].Hardware(board))
    if MODE == "board_mqtt":
        options = dict(app.options, mqtt_host="192.0.2.10", device_id="hpt_bench")
        app.link = sys.modules["app.mqtt"].Link(app, options, b"\x01\x02\x03\x04")
    after_setup = settled()
    print("%s_heap_before_import_unix64_bytes: %d bytes" % (MODE, before))
    print("%s_heap_after_import_unix64_bytes: %d bytes" % (MODE, after_import))
    print("%s_heap_after_setup_unix64_bytes: %d bytes" % (MODE, after_setup))
