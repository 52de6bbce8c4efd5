"""The real boot.py and main.py on fake hardware, on a virtual clock.

The Pico board file wires Y1 G OB W2 Y2 E to GP2..GP7 through an active-low
relay module (pin level 1 = relay off). Sensors: DS18B20 indoor on GP22,
outdoor on GP21. Times are virtual milliseconds since power-up.
"""

import json
import sys

from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from test_shell_supervision import FakeInternet, network_up

RELAYS = {"Y1": 2, "G": 3, "OB": 4, "W2": 5, "Y2": 6, "E": 7}
RELAY_PINS = set(RELAYS.values())
HEAT_70 = {"mode": "heat", "fan": "auto", "heat_setpoint_dF": 700, "cool_setpoint_dF": 760, "start_ages_ms": []}


def store_file(board, name, data, seq=1):
    from app.store import encode

    board.file(name).write_bytes(encode(seq, data))


def cold_house(board, **board_changes):
    """68 °F inside, 32 °F outside, heat to 70 °F saved from before: a call for Y1, not for W2."""
    board.install(**board_changes)
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    store_file(board, "state.json", HEAT_70)
    board.write_config()


def app():
    return sys.modules["app.runner"].current


def energized(board, pin, on_level=0):
    return [t for t, p, v in board.writes() if p == pin and v == on_level]


def console(capsys):
    return capsys.readouterr().out


def test_boot_drives_every_relay_pin_off_before_anything_else(board):
    cold_house(board)
    assert board.boot(5_000) == "halt"
    writes = board.writes()
    first = writes[:len(RELAY_PINS)]
    assert {pin for _t, pin, _v in first} == RELAY_PINS
    assert all(value == 1 for _t, _pin, value in first)  # active-low: 1 is off
    assert any(pin not in RELAY_PINS for _t, pin, _v in writes)  # the LED came later
    assert not any(v == 0 for _t, p, v in writes if p in RELAY_PINS)  # mode heat, but min-off holds Y1


def test_the_compressor_waits_its_min_off_from_boot(board, capsys):
    cold_house(board)
    board.boot(400_000)
    y1_on = energized(board, RELAYS["Y1"])
    assert y1_on and 300_000 <= y1_on[0] <= 302_000
    out = console(capsys)
    assert "held: Y1=min_off" in out
    assert "outputs Y1 G: +Y1 +G" in out


def test_the_log_names_the_action_that_runs(board, capsys):
    cold_house(board)
    board.boot(400_000)
    lines = [line for line in console(capsys).splitlines() if "action: " in line]
    assert [line.split("action: ")[1] for line in lines] == ["idle", "heat_pump"], lines


def test_active_high_relays_are_not_inverted(board):
    cold_house(board, relay_active="high")
    board.boot(400_000)
    assert all(v == 0 for _t, p, v in board.writes()[:6] if p in RELAY_PINS)
    assert energized(board, RELAYS["Y1"], on_level=1)[0] >= 300_000
    assert not energized(board, RELAYS["W2"], on_level=1)


def test_active_low_relays_energize_with_a_low_level(board):
    cold_house(board)
    board.boot(400_000)
    assert board.world.levels[RELAYS["Y1"]] == 0 and board.world.levels[RELAYS["G"]] == 0
    assert board.world.levels[RELAYS["W2"]] == 1 and board.world.levels[RELAYS["E"]] == 1


def test_the_watchdog_is_started_and_fed_every_second(board):
    cold_house(board)
    board.boot(60_000)
    world = board.world
    assert world.wdt_timeout_ms == 8000
    gaps = [b - a for a, b in zip([world.wdt_started_ms] + world.feeds, world.feeds, strict=False)]
    assert len(world.feeds) >= 59 and max(gaps) <= 1000


def test_within_a_tick_every_off_is_written_before_any_on(board):
    cold_house(board)
    board.world.at(400_000, lambda: app().thermostat.command({"mode": "emergency"}))
    board.boot(410_000)
    writes = board.writes()
    y1_off = next(i for i, (t, p, v) in enumerate(writes) if t >= 400_000 and p == RELAYS["Y1"] and v == 1)
    e_on = next(i for i, (t, p, v) in enumerate(writes) if t >= 400_000 and p == RELAYS["E"] and v == 0)
    assert writes[y1_off][0] == writes[e_on][0]  # the same tick
    assert y1_off < e_on
    ticks = {}
    for t, pin, value in writes:
        if pin in RELAY_PINS:
            ticks.setdefault(t, []).append(value)
    for t, values in ticks.items():
        assert values == sorted(values, reverse=True), "an ON (0) before an OFF (1) at t=%s" % t


def test_a_lost_indoor_sensor_stops_the_heat_with_an_alert(board, capsys):
    cold_house(board)

    def unplug():
        board.world.onewire[22] = None

    board.world.at(420_000, unplug)
    board.boot(600_000)
    y1 = [(t, v) for t, p, v in board.writes() if p == RELAYS["Y1"]]
    off_at = next(t for t, v in y1 if t > 420_000 and v == 1)
    assert off_at <= 420_000 + 12_000 + 120_000 + 2_000  # freshness + sensor_timeout_s + a tick
    assert board.world.levels[RELAYS["Y1"]] == 1
    lines = [line for line in console(capsys).splitlines() if line.startswith("[%10.3f]" % (off_at / 1000))]
    assert "outputs none: -Y1 (indoor_sensor) -G (call ended)" in lines[0]
    assert any("ALERT indoor_sensor (gate holds: " in line for line in lines[1:])


def test_a_corrupt_settings_file_falls_back_to_defaults_with_an_alert(board, capsys):
    cold_house(board)
    board.file("config.import.json").unlink()
    board.file("settings.json").write_bytes(b"THERMO1 12 0000\n{not json")
    assert board.boot(400_000) == "halt"
    out = console(capsys)
    assert "ALERT settings_file: settings.json corrupt (length 9, header says 12): defaults in use" in out
    assert energized(board, RELAYS["Y1"])[0] >= 300_000  # default min_off_s 300, thermostat running


def test_a_bad_config_import_keeps_the_stored_settings(board, capsys):
    cold_house(board)
    board.write_config(settings={"min_off_s": 5})
    board.boot(2_000)
    assert "ALERT config_import: config.import.json: min_off_s: 5 is out of range (allowed: 30 to 3600 s)" in console(capsys)
    assert not board.file("config.import.json").exists()


def test_a_crash_turns_the_relays_off_and_the_watchdog_resets_the_board(board, capsys, monkeypatch):
    cold_house(board)
    from thermo.control import Thermostat

    def bug(self, now_ms):
        raise RuntimeError("bug in tick")

    board.world.at(400_000, lambda: monkeypatch.setattr(Thermostat, "tick", bug))
    assert board.boot(600_000) == "watchdog"
    world = board.world
    assert all(world.levels[pin] == 1 for pin in RELAY_PINS)
    last_feed = world.feeds[-1]
    assert 399_000 <= last_feed <= 402_000 and world.now_ms == last_feed + 8000
    assert "CRASH in control: RuntimeError('bug in tick')" in console(capsys)


def test_a_boot_loop_stops_in_a_safe_state_with_an_alert(board, capsys, monkeypatch):
    cold_house(board)
    from thermo.control import Thermostat

    def bug(self, now_ms):
        raise RuntimeError("bug in tick")

    monkeypatch.setattr(Thermostat, "tick", bug)
    assert board.boot(60_000) == "watchdog"
    assert board.boot(60_000, cause=3) == "watchdog"
    assert board.boot(60_000, cause=3) == "watchdog"
    assert board.boot(120_000, cause=3) == "halt"  # stopped, not cycling
    assert board.world.wdt_timeout_ms is None
    out = console(capsys)
    assert "ALERT boot_loop: 3 crashes in a row (last: control: RuntimeError('bug in tick'))" in out
    assert all(v == 1 for _t, p, v in board.world.pin_log if p in RELAY_PINS)  # never energized
    assert board.boot(10_000, cause=1) == "halt" and board.world.wdt_timeout_ms is None  # a power cut clears nothing


def test_a_hang_counts_as_a_crash(board, capsys):
    cold_house(board)
    board.boot(10_000)
    board.world.at(board.world.now_ms + 5_000, lambda: board.world.__setattr__("wdt_timeout_ms", 1))
    board.boot(20_000, cause=3)
    from app.bootguard import BootGuard

    assert BootGuard().count == 1


def test_maintenance_flag_leaves_relays_off_and_no_watchdog(board, capsys):
    cold_house(board)
    board.file("maintenance").write_text("")
    assert board.boot(5_000) == "returned"
    assert board.world.wdt_timeout_ms is None
    assert all(v == 1 for _t, p, v in board.writes() if p in RELAY_PINS)
    assert "maintenance: relays off" in console(capsys)


def test_a_bad_board_file_stops_before_the_thermostat_starts(board, capsys):
    cold_house(board)
    data = json.loads(board.file("board.json").read_text())
    data["terminals"]["Y1"] = 40
    board.file("board.json").write_text(json.dumps(data))
    assert board.boot(5_000) == "returned"
    assert "ALERT board_file: board.json: terminals.Y1: pin 40 is out of range" in console(capsys)


def test_ds18b20_is_read_only_after_its_conversion(board):
    cold_house(board)
    board.boot(60_000)
    assert board.world.converted and board.world.early_reads == 0


def test_esp32_reads_the_indoor_sht3x_over_i2c(board):
    board.world.chip = "esp32"
    board.install("esp32_devkitc")
    board.world.i2c[(0, 0x44)] = (20.0, 45.0)
    board.world.onewire[4] = 0.0
    store_file(board, "state.json", HEAT_70)
    board.boot(400_000)
    assert app().readings.humidity_dpct == 450
    assert 300_000 <= energized(board, 25)[0] <= 302_000  # Y1 on GPIO25, active low


def test_bench_mode_speeds_the_clock_and_lights_each_terminal_in_turn(board, capsys):
    cold_house(board)
    board.write_config(device={"bench": True, "bench_speed": 60})
    board.boot(20_000)
    out = console(capsys)
    names = [line.split("self-test: ")[1].split(" ")[0] for line in out.splitlines() if "self-test: " in line
             and " on " in line]
    assert names == ["Y1", "Y2", "G", "W2", "OB", "E"]
    during = [(t, p) for t, p, v in board.writes() if p in RELAY_PINS and v == 0 and t < 7_500]
    assert [p for _t, p in during] == [2, 6, 3, 5, 4, 7]  # one at a time, in terminal order
    control_on = [t for t in energized(board, RELAYS["Y1"]) if t > 8_000]
    assert control_on and control_on[0] <= 9_000  # 300 s min-off at 60x: long over when self-test ends


def test_bench_values_set_from_the_repl_drive_the_core(board, capsys):
    cold_house(board)
    board.write_config(device={"bench": True, "bench_speed": 60})
    board.world.at(12_000, lambda: app().bench_api.indoor(None))
    board.boot(20_000)
    out = console(capsys)
    assert "bench: indoor lost" in out
    assert "ALERT indoor_sensor" in out
    assert board.world.levels[RELAYS["Y1"]] == 1


def test_ctrl_c_stops_with_relays_off(board, capsys):
    cold_house(board)

    def interrupt():
        raise KeyboardInterrupt

    board.world.at(400_000, interrupt)
    assert board.boot(410_000) == "returned"
    assert all(board.world.levels[pin] == 1 for pin in RELAY_PINS)
    assert "stopped by Ctrl-C: relays off" in console(capsys)


def test_an_exception_outside_the_tasks_resets_the_board(board, capsys, monkeypatch):
    cold_house(board)
    from thermo.control import Thermostat

    def broken(*args, **kwargs):
        raise ValueError("broken setup")

    monkeypatch.setattr(Thermostat, "__init__", broken)
    assert board.boot(5_000) == "reset"
    assert all(board.world.levels[pin] == 1 for pin in RELAY_PINS)
    assert "CRASH: ValueError('broken setup'); relays off, resetting" in console(capsys)


def test_ntp_time_reaches_the_core_as_local_minute_of_week(board, monkeypatch):
    from freezegun import freeze_time

    from thermo.control import Thermostat

    board.install("rpi_pico_w")
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    board.write_config(device={"wifi_ssid": "home", "wifi_password": "secret", "utc_offset_min": -300, "dst": "us"})
    internet = FakeInternet()
    network_up(monkeypatch, board, internet)
    seen = []
    original = Thermostat.set_wall_clock

    def record(self, minute):
        seen.append(minute)
        original(self, minute)

    monkeypatch.setattr(Thermostat, "set_wall_clock", record)
    with freeze_time("2026-07-06 12:00:00"):  # Monday 08:00 EDT
        board.boot(5_000)
    assert internet.sent and internet.sent[-1][1] == ("192.0.2.1", 123)
    assert board.world.rtc[:3] == (2026, 7, 6) and board.world.rtc[4:7] == (12, 0, 0)
    assert seen[-1] == 480
