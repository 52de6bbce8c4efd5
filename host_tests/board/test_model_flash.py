"""The learned model on the board: saved to flash at most hourly and only
when something new was learned, restored at boot, and a missing or corrupt
save costs the learning, never the boot. The log tells what was learned.

A Pico with 68 °F inside and 32 °F outside, on the harness's virtual clock.
What the model learns is fed to the running core's own model
(``Model.learn_rate``, ``Model.learn_duty``), as its sampler would.
"""

import builtins
import os
import sys

import pytest
from board_harness import simulated_board

HOUR_MS = 3_600_000
MINUTE_MS = 60_000
Y1_PIN = 2
HEAT_PUMP = 1  # thermo.learn.HEAT_PUMP


def store_file(board, name, data, seq=1):
    from app.store import encode

    board.file(name).write_bytes(encode(seq, data))


def prepare(board, mode="heat"):
    board.install()
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    store_file(board, "state.json", {"mode": mode, "fan": "auto", "heat_setpoint_dF": 700,
                                     "cool_setpoint_dF": 760, "start_ages_ms": []})


def app():
    return sys.modules["app.runner"].current


def teach_balance_point():
    """Two clean samples a bin: the heat pump loses 0.5 °F/h at 17.5 °F
    outdoors and gains 1.5 °F/h at 37.5 °F: the balance point is 22.5 °F."""
    model = app().thermostat.model
    for _ in range(2):
        model.learn_rate(HEAT_PUMP, 175, -50)
        model.learn_rate(HEAT_PUMP, 375, 150)


def teach_a_duty():
    app().thermostat.model.learn_duty(50, 300)


@pytest.fixture(name="board")
def board_fixture(tmp_path, monkeypatch):
    """The harness's board on MicroPython's scheduling model (the soak's):
    hours of the board's life in a few seconds."""
    with simulated_board(tmp_path, monkeypatch, scheduler="micropython") as board:
        yield board


@pytest.fixture(name="flash_log")
def flash_log_fixture(board, monkeypatch):
    """Every flash write and rename, as (t_ms, op, name) (fakes/flash.py)."""
    from fakes import flash

    flash.install(builtins, os)
    monkeypatch.setattr(builtins, "open", flash.open)
    monkeypatch.setattr(os, "rename", flash.rename)
    monkeypatch.setattr(os, "remove", flash.remove)
    board.world.flash_log = []
    return board.world.flash_log


def model_writes(flash_log):
    return [t for t, op, name in flash_log if op == "write" and name.startswith("model.json")]


def lines_with(out, text):
    return [line for line in out.splitlines() if text in line]


def test_the_learned_model_survives_a_reboot(board, capsys):
    prepare(board, mode="off")  # nothing but what the test teaches
    board.world.at(10 * MINUTE_MS, teach_balance_point)
    board.world.at(20 * MINUTE_MS, teach_a_duty)
    assert board.boot(HOUR_MS + MINUTE_MS) == "halt"
    before = app().thermostat.model
    assert before.balance_point_dF() == 225
    assert board.file("model.json").exists()
    assert board.boot(10 * MINUTE_MS, cause=1) == "halt"  # a power cut
    after = app().thermostat.model
    assert after.balance_point_dF() == 225
    assert after.saved() == before.saved()
    out = capsys.readouterr().out
    assert len(lines_with(out, "model: none saved")) == 1  # the first boot only
    assert len(lines_with(out, "model: restored from model.json")) == 1
    assert len(lines_with(out, "learned: thermal balance point 22.5 °F")) == 2  # once a boot


def test_a_corrupt_model_record_boots_with_an_empty_model_and_says_so_once(board, capsys):
    prepare(board)
    board.world.at(10 * MINUTE_MS, teach_balance_point)
    board.boot(HOUR_MS + MINUTE_MS)
    record = bytearray(board.file("model.json").read_bytes())
    record[len(record) // 2] ^= 0x01  # one bit flipped in the payload: the checksum fails
    board.file("model.json").write_bytes(bytes(record))
    capsys.readouterr()
    assert board.boot(400_000, cause=1) == "halt"  # no crash, no reset, no boot-guard count
    th = app().thermostat
    assert th.model.balance_point_dF() is None and th.model.counts == [0] * len(th.model.counts)
    out = capsys.readouterr().out
    assert len(lines_with(out, "model: saved copy unreadable, learning afresh")) == 1, out
    assert "checksum mismatch" in out
    assert "CRASH" not in out and "learned: " not in out
    assert [v for _t, p, v in board.writes() if p == Y1_PIN and v == 0]  # and it heats
    from app.bootguard import BootGuard

    assert BootGuard().count == 0


def test_a_model_record_the_core_refuses_boots_with_an_empty_model_and_says_so_once(board, capsys):
    prepare(board)
    store_file(board, "model.json", [99, 19, 5] + [0] * 247)  # a whole record of another version
    assert board.boot(400_000) == "halt"
    assert app().thermostat.model.balance_point_dF() is None
    out = capsys.readouterr().out
    assert len(lines_with(out, "model: saved copy unreadable, learning afresh")) == 1, out
    assert "CRASH" not in out


def test_the_model_is_written_at_most_once_an_hour_while_it_keeps_learning(board, flash_log):
    prepare(board)
    for minute in range(5, 5 * 60, 10):  # something new every 10 minutes for 5 hours
        board.world.at(minute * MINUTE_MS, teach_a_duty)
    assert board.boot(5 * HOUR_MS + MINUTE_MS) == "halt"
    writes = model_writes(flash_log)
    assert len(writes) == 5, writes  # 1 h, 2 h, 3 h, 4 h, 5 h after boot
    assert all(b - a >= HOUR_MS for a, b in zip(writes, writes[1:], strict=False)), writes
    assert writes[0] >= HOUR_MS


def test_nothing_learned_nothing_written(board, flash_log):
    prepare(board, mode="off")  # mode off: the sampler takes nothing
    board.world.at(5 * MINUTE_MS, teach_balance_point)  # learned once, saved once
    assert board.boot(4 * HOUR_MS) == "halt"
    assert len(model_writes(flash_log)) == 1


def test_a_failing_flash_tries_the_model_again_an_hour_later_with_an_alert(board, capsys, monkeypatch):
    prepare(board, mode="off")
    board.world.at(5 * MINUTE_MS, teach_balance_point)
    attempts = []
    real_rename = os.rename

    def rename(old, new):
        if str(new).endswith("model.json"):
            attempts.append(board.world.now_ms)
            raise OSError(5)  # EIO
        real_rename(old, new)

    monkeypatch.setattr(os, "rename", rename)
    assert board.boot(3 * HOUR_MS + MINUTE_MS) == "halt"
    assert len(attempts) == 3 and all(b - a >= HOUR_MS for a, b in zip(attempts, attempts[1:], strict=False))
    out = capsys.readouterr().out
    assert len(lines_with(out, "ALERT model_write: model.json not saved (")) == 1


def test_the_log_tells_the_balance_point_when_it_is_first_known_and_when_it_moves_a_degree(board, capsys):
    prepare(board, mode="off")

    def move(rate_cF_h):
        def teach():
            model = app().thermostat.model
            for _ in range(40):  # enough to pull the bin's mean all the way
                model.learn_rate(HEAT_PUMP, 175, rate_cF_h)
        return teach

    board.world.at(5 * MINUTE_MS, teach_balance_point)  # 22.5 °F
    board.world.at(10 * MINUTE_MS, move(-60))  # 23.2 °F: moved less than 1 °F, not told
    board.world.at(15 * MINUTE_MS, move(-100))  # 25.5 °F: told
    board.boot(20 * MINUTE_MS)
    out = capsys.readouterr().out
    assert [line.split("] ")[1] for line in lines_with(out, "learned: ")] == [
        "learned: thermal balance point 22.5 °F", "learned: thermal balance point 25.5 °F"]


def test_with_both_prices_the_log_suggests_a_dual_fuel_lockout_never_applied(board, capsys):
    prepare(board, mode="off")
    board.write_config(settings={"electricity_price_cents_per_kwh": 15, "gas_price_cents_per_therm": 150})
    board.world.at(5 * MINUTE_MS, teach_balance_point)
    board.boot(10 * MINUTE_MS)
    th = app().thermostat
    lockout = th.model.economic_lockout_dF(th.settings)
    out = capsys.readouterr().out
    assert len(lines_with(out, "suggested dual-fuel lockout: ")) == 1, out
    assert "suggested dual-fuel lockout: %.1f °F (balance_point_f is 35.0; not applied)" % (lockout / 10) in out
    assert th.settings.balance_point_dF == 350  # suggested, not applied


def test_the_log_tells_when_the_strips_duty_starts_moves_ten_points_and_ends(board, capsys):
    """The duty, as the core leaves it after a tick, at five ticks in a row."""
    prepare(board, mode="off")
    states = [(True, 450), (True, 500), (True, 560), (True, 480), (False, 480)]

    def watch_the_duty():
        report = app().report
        tick = report.tick

        def tick_with(th, outputs):
            if states:
                th.duty.governs, th.duty.duty_pm = states.pop(0)
            tick(th, outputs)

        report.tick = tick_with

    board.world.at(60_000, watch_the_duty)
    board.boot(120_000)
    out = capsys.readouterr().out
    assert [line.split("] ")[1] for line in lines_with(out, "strips: ")] == [
        "strips: time-proportioned at 45 %", "strips: time-proportioned at 56 %", "strips: duty ended"]
