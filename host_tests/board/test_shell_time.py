"""Time in the shell: no stored tick stamp is ever compared after an unbounded time.

``time.ticks_diff`` means nothing once two stamps are 2**29 ms (6.2 days)
apart. The app and board layers therefore keep no ``ticks_ms`` stamps: how
long ago something happened is an :class:`app.age.Age`, an elapsed counter
that saturates, advanced from the clock in wrap-safe steps.
"""

import re
import sys
from pathlib import Path

from board_harness import board_fixture  # noqa: F401 -- the `board` fixture

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
HALF_HOUR_MS = 1_800_000
Y1_PIN = 2
# Where the clock may be read at all: the one module that turns it into
# elapsed counters, and the control clock handed to the core (which steps it
# itself with thermo.ticks.step_ms).
CLOCK_READERS = {"app/age.py", "app/vclock.py"}


def shell_sources():
    for folder in ("app", "board"):
        for path in sorted((FIRMWARE / folder).glob("*.py")):
            yield "%s/%s" % (folder, path.name), path.read_text()


def test_no_shell_module_compares_tick_stamps_itself():
    offenders = []
    for name, text in shell_sources():
        code = "\n".join(line.split("#")[0] for line in text.splitlines())
        if re.search(r"\bticks_diff\s*\(", code):
            offenders.append(name + ": ticks_diff")
        if re.search(r"\bticks_ms\s*\(", code) and name not in CLOCK_READERS:
            offenders.append(name + ": ticks_ms")
    assert offenders == []


def test_the_age_helper_goes_through_the_saturating_step():
    text = (FIRMWARE / "app" / "age.py").read_text()
    assert "step_ms(" in text and "grow(" in text


def cold_house(board):
    from app.store import encode

    board.install()
    board.world.onewire[22] = 20.0  # 68 °F
    board.world.onewire[21] = 0.0
    state = {"mode": "heat", "fan": "auto", "heat_setpoint_dF": 700, "cool_setpoint_dF": 760, "start_ages_ms": []}
    board.file("state.json").write_bytes(encode(1, state))


def test_a_sensor_lost_for_eight_days_stays_lost_and_the_log_clock_keeps_counting(board, capsys):
    """Indoor sensor gone at t=600 s, heat call pending. The board's loop
    runs to 700 s; then the shell's periodic work (a control tick, a log
    line) is driven hour by hour for eight days, past the 2**29 ms at which
    ticks_diff of the last reading's stamp would wrap negative. (On the
    board the supervisor advances every Age each second; half-hour steps are
    as valid, being under the one-hour cap of a single step.)"""
    cold_house(board)
    board.world.at(600_000, lambda: board.world.onewire.__setitem__(22, None))
    assert board.boot(700_000) == "halt"
    runner = sys.modules["app.runner"]
    app = runner.current
    capsys.readouterr()
    steps = range(1, 8 * 48 + 1)
    for step in steps:
        board.world.now_ms += HALF_HOUR_MS
        outputs = app.control_tick()
        assert outputs == 0, "outputs %d after %d half hours" % (outputs, step)
        assert "indoor_sensor" in app.thermostat.alert_names(), step
        runner.log("probe %d" % step)
    out = capsys.readouterr().out
    assert "alert cleared: indoor_sensor" not in out
    stamps = [float(line[1:line.index("]")]) for line in out.splitlines() if "probe" in line]
    assert stamps == [700 + step * 1800.0 for step in steps]
    assert board.world.levels[Y1_PIN] == 1  # active low: off

