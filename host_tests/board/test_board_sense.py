"""24 VAC sense inputs (issue 13 item 4), on the real firmware and fake hardware.

The Pico of the board file (relays active-low on GP2..GP7) with
optocouplers added: Y1 on GP10, G on GP11, W2 on GP12, E on GP16, R-C on
GP17, each pulling its pin low on one half-wave of 60 Hz (fakes.machine.Opto:
a read at the wrong instant finds it off). ``House`` is the wiring behind
them: a terminal's wire is live while R-C has 24 VAC and its relay is
closed, unless the test breaks something. Heat to 70 °F at 68 °F inside:
Y1 and G come on at 300 s (Y1's min-off from boot).
"""

import sys
from pathlib import Path

import pytest
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from fakes.machine import Opto
from test_board_loop import RELAYS, cold_house

SENSE = {"Y1": 10, "G": 11, "W2": 12, "E": 16, "R": 17}
SECOND = 1000
Y1_ON_MS = 300_000  # after its min-off from boot (test_board_loop)


def app():
    return sys.modules["app.runner"].current


class House:
    """What each sense input's wire carries: 24 VAC while R-C has it and
    the relay is closed; ``dead`` relays never close, ``stuck`` ones never
    open; ``e_feeds_y``: the air handler back-feeds Y1 from E."""

    def __init__(self, world, conduct_us=6_000):
        self.world = world
        self.rc = True
        self.dead = set()
        self.stuck = set()
        self.e_feeds_y = False
        for name, pin in SENSE.items():
            world.inputs[pin] = Opto(lambda _now, name=name: self.live(name), conduct_us=conduct_us)

    def closed(self, name):
        if name in self.stuck:
            return True
        return name not in self.dead and self.world.levels.get(RELAYS[name], 1) == 0  # active-low

    def live(self, name):
        if not self.rc:
            return False
        if name == "R":
            return True
        return self.closed(name) or (name == "Y1" and self.e_feeds_y and self.closed("E"))


def sensed_house(board, **board_changes):
    cold_house(board, sense=SENSE, **board_changes)
    return House(board.world)


def alerts_over(board, end_ms, step_ms=250):
    """{code: [(from_ms, to_ms or None), ...]}: when each shell alert was up, polled every ``step_ms``."""
    spans = {}

    def poll():
        now = board.world.now_ms
        up = app().report.alerts if app() is not None else {}
        for code in up:
            runs = spans.setdefault(code, [])
            if not runs or runs[-1][1] is not None:
                runs.append([now, None])
        for code, runs in spans.items():
            if code not in up and runs[-1][1] is None:
                runs[-1][1] = now

    for t in range(step_ms, end_ms, step_ms):
        board.world.at(t, poll)
    board.boot(end_ms)
    return {code: [tuple(run) for run in runs] for code, runs in spans.items()}


def at(board, t_ms, function):
    board.world.at(t_ms, function)


def test_a_healthy_house_with_sense_inputs_raises_no_alert(board):
    sensed_house(board)
    at(board, 400 * SECOND, lambda: app().thermostat.command({"mode": "emergency"}))
    spans = alerts_over(board, 500 * SECOND)
    assert spans == {}
    assert app().sense.windows >= 490  # one window a second
    assert board.world.pulls[SENSE["Y1"]] == 1  # Pin.PULL_UP: sense_pull's default


def test_a_60_hz_pulse_reads_on_because_a_window_of_reads_is_taken_not_one(board):
    """A 2 ms pulse every 16.7 ms: one read a second would find it off for
    minutes at a time (1 s is 60 cycles less 20 us)."""
    cold_house(board, sense=SENSE)
    house = House(board.world, conduct_us=2_000)
    once_a_second = [house.world.inputs[SENSE["R"]](t * SECOND) for t in range(1, 200)]
    assert once_a_second.count(1) > 150  # read once a second, R-C would look absent
    assert alerts_over(board, 400 * SECOND) == {}
    assert app().sense.sensed == (1 | 4 | 64)  # Y1, G and R-C, at the last window


def test_a_relay_that_does_not_close_is_told_after_the_debounce_and_cleared_once_it_closes(board):
    house = sensed_house(board)
    house.dead.add("Y1")
    at(board, 400 * SECOND, lambda: house.dead.clear())
    spans = alerts_over(board, 450 * SECOND)
    assert list(spans) == ["relay_open_Y1"]
    (start, end), = spans["relay_open_Y1"]
    assert Y1_ON_MS + 9 * SECOND <= start <= Y1_ON_MS + 13 * SECOND  # held 10 s: not before, soon after
    assert 409 * SECOND <= end <= 412 * SECOND  # closing again for 10 s clears it
    assert "relay did not close" in app().report.alerts.get("relay_open_Y1", "relay did not close")


def test_a_short_dropout_within_the_debounce_raises_nothing(board):
    house = sensed_house(board)
    at(board, 350 * SECOND, lambda: house.dead.add("G"))
    at(board, 356 * SECOND, lambda: house.dead.clear())
    assert alerts_over(board, 400 * SECOND) == {}


def test_a_relay_stuck_closed_is_told_and_cleared_once_it_opens(board):
    house = sensed_house(board)
    house.stuck.add("W2")  # W2 is never called here: switched off all along
    at(board, 100 * SECOND, lambda: house.stuck.clear())
    spans = alerts_over(board, 150 * SECOND)
    assert list(spans) == ["relay_stuck_W2"]
    (start, end), = spans["relay_stuck_W2"]
    assert 9 * SECOND <= start <= 13 * SECOND
    assert 109 * SECOND <= end <= 112 * SECOND


def test_the_text_of_an_alert_says_what_happened_and_what_to_check(board):
    house = sensed_house(board)
    house.stuck.add("W2")
    board.boot(20 * SECOND)
    text = app().report.alerts["relay_stuck_W2"]
    assert text.startswith("W2 (aux heat) is switched off but its wire still carries 24 VAC: the relay is stuck closed")
    assert "replace the relay module" in text


def test_e_feeding_y_is_told_once_as_e_not_suppressing_y_not_as_a_stuck_y1_relay(board):
    """tools/sim/faults.py's e_not_suppressing_y: on E the air handler
    feeds the Y1 wire, while the thermostat's Y1 relay is open."""
    house = sensed_house(board)
    house.e_feeds_y = True
    at(board, 400 * SECOND, lambda: app().thermostat.command({"mode": "emergency"}))
    at(board, 500 * SECOND, lambda: setattr(house, "e_feeds_y", False))
    spans = alerts_over(board, 550 * SECOND)
    assert list(spans) == ["e_not_suppressing_y"]
    (start, end), = spans["e_not_suppressing_y"]
    assert 409 * SECOND <= start <= 413 * SECOND
    assert 509 * SECOND <= end <= 512 * SECOND
    assert app().thermostat.outputs & 32  # E still on: cleared by the wiring, not by leaving emergency


def test_losing_24_vac_is_one_alert_and_no_relay_alert_however_long_it_lasts(board):
    house = sensed_house(board)
    at(board, 400 * SECOND, lambda: setattr(house, "rc", False))
    at(board, 600 * SECOND, lambda: setattr(house, "rc", True))
    spans = alerts_over(board, 650 * SECOND)
    assert list(spans) == ["no_24vac"]
    (start, end), = spans["no_24vac"]
    assert 409 * SECOND <= start <= 413 * SECOND
    assert 609 * SECOND <= end <= 612 * SECOND
    assert app().thermostat.outputs & 1  # Y1 called all along


def test_losing_24_vac_replaces_a_relay_alert_that_was_up(board):
    house = sensed_house(board)
    house.dead.add("Y1")
    at(board, 400 * SECOND, lambda: setattr(house, "rc", False))
    spans = alerts_over(board, 450 * SECOND)
    assert set(spans) == {"relay_open_Y1", "no_24vac"}
    (open_from, open_to), = spans["relay_open_Y1"]
    (rc_from, rc_to), = spans["no_24vac"]
    assert rc_to is None and open_to == rc_from  # cleared when the power alert rose


def test_a_board_without_sense_inputs_runs_no_checks_and_raises_no_sense_alert(board):
    cold_house(board)  # the shipped Pico: no sense inputs; every input pin reads 1 (off)
    spans = alerts_over(board, 400 * SECOND)
    assert spans == {}
    assert app().sense is None
    assert "sense" not in [task.name for task in app().supervisor.started]


@pytest.mark.parametrize("active", ["low", "high"])
def test_the_active_level_comes_from_the_board_file(board, active):
    cold_house(board, sense=SENSE, sense_active=active)
    level = 0 if active == "low" else 1
    for name, pin in SENSE.items():  # filtered inputs: steady levels; 24 VAC on R-C and on G only
        board.world.inputs[pin] = level if name in ("R", "G") else 1 - level
    spans = alerts_over(board, 60 * SECOND)
    assert list(spans) == ["relay_stuck_G"]  # G is switched off (Y1's min-off): stuck closed


def test_the_sense_checks_allocate_nothing_on_steady_ticks_on_micropython(tmp_path):
    """host_tests/board/mp_unix/alloc_mp.py (tools/bench_app.py's run) on
    the MicroPython unix port, the Pico's board file with sense inputs on
    every relay and R-C, wired to the relays (its ``+sense``): a window of
    reads every second, idle and heating, and not a byte allocated. A 1 MB
    heap, not bench_app's 512 KB: the state save's 16 KB read-back
    (app.store) fails there on some heap layouts, which is not what this
    measures."""
    import subprocess

    from fakes import BOARDS, FIRMWARE, HERE

    command = [str(Path(sys.executable).parent / "micropython"), "-X", "heapsize=1M",
               str(HERE / "mp_unix" / "alloc_mp.py"), str(FIRMWARE), str(HERE), str(BOARDS), str(tmp_path),
               "30", "2", "rpi_pico+sense"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    phases = {}
    for line in run.stdout.splitlines():
        words = line.split(" ")
        if words[0] == "phase":
            phases[words[1]] = {k: int(v) for k, _, v in (w.partition("=") for w in words if "=" in w)}
    assert set(phases) == {"idle", "heating"}, run.stdout[-2000:]
    for name, phase in phases.items():
        assert phase["sense_windows"] > 3000 and phase["sense_alerts"] == 0, (name, phase)
        assert phase["bytes"] - phase["devices"] - phase["model_save"] == 0, (name, phase)
    assert phases["heating"]["outputs"] == 13  # Y1 G W2: the relays the sense inputs follow
