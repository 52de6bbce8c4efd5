"""A real Home Assistant, headless, for the tests: its config folder and its process.

The folder holds the least that makes the thermostat usable from Home
Assistant with no API token:

- ``.storage/core.config_entries``: one ``mqtt`` config entry pointing at the
  test broker (the MQTT integration has no YAML broker setting);
- ``configuration.yaml``: ``http`` on a free loopback port (MQTT depends on
  it), ``mqtt_statestream`` mirroring every entity's state and attributes to
  ``{VIEW}/<domain>/<object_id>/<attribute>`` (retained), so a test reads
  what Home Assistant believes; and two automations: one that acts as a user
  (a JSON ``{"action": "climate.set_hvac_mode", "data": {...}}`` published on
  ``{CALL}`` becomes that service call) and one that answers ``{PING}`` on
  ``{PONG}``, which proves the automations are listening.

Run as a script it starts Home Assistant against a broker, for a person to
look at: ``python host_tests/net/ha_home.py --port 1883``.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

VIEW = "ha_view"
CALL = "test/ha/call"
PING = "test/ha/ping"
PONG = "test/ha/pong"

CONFIGURATION_YAML = """\
# Written by host_tests/net/ha_home.py for one test session.
homeassistant:
  name: Thermostat test
  unit_system: us_customary
  temperature_unit: F
  time_zone: UTC
  latitude: 0
  longitude: 0
  elevation: 0
  country: US
  currency: USD

http:
  server_host: 127.0.0.1
  server_port: {http_port}

logger:
  default: warning
  logs:
    homeassistant.components.mqtt: info
    homeassistant.components.automation: info
    # no libturbojpeg here: camera snapshots are not what these tests look at
    homeassistant.components.camera.img_util: critical

mqtt_statestream:
  base_topic: {view}
  publish_attributes: true

automation:
  - id: test_call
    alias: a test acting as a user
    mode: queued
    max: 50
    triggers:
      - trigger: mqtt
        topic: {call}
    actions:
      - action: "{{{{ trigger.payload_json.action }}}}"
        data: "{{{{ trigger.payload_json.data }}}}"
  - id: test_ping
    alias: the automations are listening
    mode: queued
    triggers:
      - trigger: mqtt
        topic: {ping}
    actions:
      - action: mqtt.publish
        data:
          topic: {pong}
          payload: "{{{{ trigger.payload }}}}"
"""

# 2024.3 knows neither "triggers:/trigger:" nor "actions:/action:"; 2024.10+ still reads the old spelling.
CONFIGURATION_YAML_2024 = (CONFIGURATION_YAML
                           .replace("    triggers:\n      - trigger: mqtt", "    trigger:\n      - platform: mqtt")
                           .replace("    actions:\n      - action: mqtt.publish", "    action:\n      - service: mqtt.publish")
                           .replace('    actions:\n      - action: "', '    action:\n      - service: "'))


def config_entries(broker_port):
    """The storage file holding one MQTT config entry (storage 1.1: every Home Assistant since 2021 migrates it)."""
    return {
        "version": 1,
        "minor_version": 1,
        "key": "core.config_entries",
        "data": {"entries": [{
            "entry_id": "0123456789abcdef0123456789abcdef",
            "version": 1,
            "minor_version": 1,
            "domain": "mqtt",
            "title": "127.0.0.1",
            "data": {"broker": "127.0.0.1", "port": broker_port, "discovery": True},
            "options": {},
            "source": "user",
            "unique_id": None,
            "disabled_by": None,
            "pref_disable_new_entities": False,
            "pref_disable_polling": False,
        }]},
    }


def write_config(config_dir, broker_port, http_port, version):
    config_dir = Path(config_dir)
    (config_dir / ".storage").mkdir(parents=True, exist_ok=True)
    (config_dir / ".storage" / "core.config_entries").write_text(json.dumps(config_entries(broker_port), indent=1))
    text = CONFIGURATION_YAML if int(version.split(".")[0]) >= 2025 else CONFIGURATION_YAML_2024
    (config_dir / "configuration.yaml").write_text(text.format(
        http_port=http_port, view=VIEW, call=CALL, ping=PING, pong=PONG))


class HomeAssistant:
    """``hass --skip-pip -c CONFIG`` as a child process, with its log kept in the config folder."""

    def __init__(self, env, config_dir, broker_port, http_port):
        self.env = env
        self.config_dir = Path(config_dir)
        self.broker_port = broker_port
        self.http_port = http_port
        self.proc = None
        self.log = self.config_dir / "home-assistant.log"
        self.console = self.config_dir / "hass-console.txt"

    def start(self):
        write_config(self.config_dir, self.broker_port, self.http_port, self.env.version)
        with open(self.console, "w") as out:
            self.proc = subprocess.Popen(
                [str(self.env.hass), "--skip-pip", "-c", str(self.config_dir), "--log-file", str(self.log)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM (Home Assistant shuts down cleanly), SIGKILL if it has not after 60 s."""
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines=60):
        parts = []
        for path in (self.console, self.log):
            try:
                text = path.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                continue
            parts.append("--- %s (last %d lines)\n%s" % (path, len(text), "\n".join(text)))
        return "\n".join(parts) or "(Home Assistant wrote no log)"

    def complaints(self):
        """Its ERROR and WARNING lines (a test asserts none are about MQTT or the thermostat)."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [line for line in lines if " ERROR " in line or " WARNING " in line]


def main(argv=None):
    import argparse
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    import ha_env

    parser = argparse.ArgumentParser(description="Home Assistant against a broker, with the test configuration")
    parser.add_argument("--port", type=int, default=1883, help="the broker's port on 127.0.0.1")
    parser.add_argument("--http-port", type=int, default=8123)
    parser.add_argument("--config", help="config folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    env = ha_env.ensure()
    config = args.config or tempfile.mkdtemp(prefix="ha-config-")
    ha = HomeAssistant(env, config, args.port, args.http_port).start()
    print("Home Assistant %s: config %s, http://127.0.0.1:%d, Ctrl-C stops it" % (env.version, config, args.http_port))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill stops Home Assistant too, as Ctrl-C does
    try:
        while ha.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    ha.stop()
    print(ha.log_tail(20))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
