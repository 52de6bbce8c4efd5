"""tools/replay.py from the outside: the replay contract's output format,
its interactive mode, --explain, and determinism.

Every test runs the tool as a user would (``python tools/replay.py``, from
the repository root) and reads only what it prints.
"""

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REPLAY = REPO / "tools" / "replay.py"

# The contract's keys, then the action that runs (the contract allows more keys).
KEYS = ["t", "Y1", "Y2", "G", "W2", "OB", "E", "alerts", "action"]
OUTPUTS = KEYS[1:7]
ALL_OFF = {name: 0 for name in OUTPUTS}

HEAT_CALL = {"t": 0, "mode": "heat", "fan": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 76,
             "indoor_f": 67, "outdoor_f": 50}

# A run that touches most of what prints a line: a two-stage heat call in the
# cold, a failed indoor sensor and its recovery, a reboot, a switch to cool.
BUSY_SCENARIO = {
    "config": {"compressor_stages": 2},
    "duration_s": 4800,
    "events": [
        {"t": 0, "mode": "heat", "fan": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 76,
         "indoor_f": 65, "outdoor_f": 30},
        {"t": 900, "indoor_f": None},
        {"t": 1200, "indoor_f": 66},
        {"t": 1500, "reboot": True},
        {"t": 2400, "mode": "cool", "indoor_f": 80, "outdoor_f": 90},
        {"t": 3000, "fan": "on"},
    ],
}
REBOOT_TIMES = {1500}


def write_scenario(tmp_path, scenario, name="scenario.json"):
    path = tmp_path / name
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return path


def replay(path, *flags):
    return subprocess.run([sys.executable, str(REPLAY), *flags, str(path)], cwd=REPO,
                          capture_output=True, text=True, check=True)


def keys_in_order(text):
    return json.loads(text, object_pairs_hook=lambda pairs: [key for key, _value in pairs])


@pytest.fixture
def busy_lines(tmp_path):
    return replay(write_scenario(tmp_path, BUSY_SCENARIO)).stdout.splitlines()


# -- batch ------------------------------------------------------------------


def test_batch_first_line_is_t0_with_every_output_off_and_no_alerts(busy_lines):
    assert json.loads(busy_lines[0]) == dict(ALL_OFF, t=0, alerts=[], action="off")


def test_batch_every_line_is_json_with_exactly_the_contract_keys_in_order(busy_lines):
    for line in busy_lines:
        assert keys_in_order(line) == KEYS, line


def test_batch_consecutive_lines_differ_except_the_reboot_all_off_line(busy_lines):
    lines = [json.loads(line) for line in busy_lines]
    for before, after in zip(lines, lines[1:], strict=False):
        is_reboot_line = after["t"] in REBOOT_TIMES and all(after[name] == 0 for name in OUTPUTS)
        if not is_reboot_line:
            assert {k: v for k, v in after.items() if k != "t"} != {k: v for k, v in before.items() if k != "t"}, (
                before, after)


def test_batch_reboot_prints_an_all_off_line_at_its_time(busy_lines):
    lines = [json.loads(line) for line in busy_lines]
    assert any(line["t"] == 1500 and all(line[name] == 0 for name in OUTPUTS) for line in lines)


def test_batch_t_never_decreases(busy_lines):
    times = [json.loads(line)["t"] for line in busy_lines]
    assert times == sorted(times)


def test_the_busy_scenario_prints_enough_lines_to_mean_something(busy_lines):
    """Guards the tests above: a run of one line would pass them all."""
    lines = [json.loads(line) for line in busy_lines]
    assert len(lines) >= 8
    assert any(line["Y1"] for line in lines) and any(line["alerts"] for line in lines)


def test_the_same_scenario_prints_byte_identical_output_twice(tmp_path):
    path = write_scenario(tmp_path, BUSY_SCENARIO)
    first = subprocess.run([sys.executable, str(REPLAY), str(path)], cwd=REPO, capture_output=True, check=True)
    second = subprocess.run([sys.executable, str(REPLAY), str(path)], cwd=REPO, capture_output=True, check=True)
    assert first.stdout == second.stdout
    assert first.stderr == second.stderr


def test_tick_s_defaults_to_the_firmware_control_period(tmp_path):
    from scenario import DEFAULT_TICK_MS, parse

    from thermo.control import CONTROL_PERIOD_MS

    assert DEFAULT_TICK_MS == CONTROL_PERIOD_MS
    assert parse({"duration_s": 10})["tick_ms"] == CONTROL_PERIOD_MS
    # Seen from outside: min_off_s 31 ends on the first tick of the period's grid at or after 31 s.
    scenario = {"config": {"min_off_s": 31}, "duration_s": 100, "events": [HEAT_CALL]}
    lines = [json.loads(line) for line in replay(write_scenario(tmp_path, scenario)).stdout.splitlines()]
    first_tick_ms = -(-31_000 // CONTROL_PERIOD_MS) * CONTROL_PERIOD_MS
    assert [line["t"] for line in lines if line["Y1"]][0] * 1000 == first_tick_ms


# -- --explain --------------------------------------------------------------


def test_explain_adds_held_naming_min_off_for_y1_early_in_a_heat_call(tmp_path):
    scenario = {"duration_s": 600, "events": [HEAT_CALL, {"t": 100, "fan": "on"}]}
    lines = [json.loads(line) for line in replay(write_scenario(tmp_path, scenario), "--explain").stdout.splitlines()]
    at_100 = [line for line in lines if line["t"] == 100]
    assert at_100 and at_100[-1]["held"]["Y1"] == "min_off"


def test_explain_puts_held_after_the_contract_keys(tmp_path):
    scenario = {"duration_s": 600, "events": [HEAT_CALL, {"t": 100, "fan": "on"}]}
    lines = replay(write_scenario(tmp_path, scenario), "--explain").stdout.splitlines()
    with_held = [line for line in lines if '"held"' in line]
    assert with_held
    for line in with_held:
        assert keys_in_order(line) == KEYS + ["held"]


def test_explain_prints_a_line_when_only_a_reason_changes(tmp_path):
    scenario = {"duration_s": 400, "events": [HEAT_CALL]}
    lines = [json.loads(line) for line in replay(write_scenario(tmp_path, scenario), "--explain").stdout.splitlines()]
    outputs_only = [line for line in lines[1:] if line["Y1"] == 0]
    assert outputs_only and outputs_only[0]["t"] == 0 and outputs_only[0]["held"]["Y1"] == "min_off"


def test_explain_drops_min_off_once_y1_runs(tmp_path):
    scenario = {"duration_s": 600, "events": [HEAT_CALL]}
    lines = [json.loads(line) for line in replay(write_scenario(tmp_path, scenario), "--explain").stdout.splitlines()]
    y1_on = [line for line in lines if line["Y1"]]
    assert y1_on[0]["t"] == 300
    assert "Y1" not in y1_on[0].get("held", {})


# -- --interactive ----------------------------------------------------------

HANG_GUARD_S = 60  # kills a stuck tool so a broken flush fails the test instead of hanging it


class Interactive:
    """tools/replay.py --interactive on pipes, one event line at a time."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [sys.executable, str(REPLAY), "--interactive", *map(str, args)], cwd=REPO,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
        )
        self.guard = threading.Timer(HANG_GUARD_S, self.proc.kill)
        self.guard.start()

    def send(self, text):
        """Write one line; return the one answer line, parsed."""
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def event(self, **fields):
        return self.send(json.dumps(fields))

    def finish(self):
        """Close stdin; return (exit code, rest of stdout, rest of stderr)."""
        out, err = self.proc.communicate()
        return self.proc.returncode, out, err

    def close(self):
        self.guard.cancel()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def interactive():
    started = []

    def start(*args):
        tool = Interactive(*args)
        started.append(tool)
        return tool

    yield start
    for tool in started:
        tool.close()


def test_interactive_answers_each_event_at_once_before_more_input(interactive):
    tool = interactive()
    first = tool.send(json.dumps(HEAT_CALL))
    second = tool.event(t=5)
    assert (first["t"], second["t"]) == (0, 5)


def test_interactive_answer_has_exactly_the_contract_keys_in_order(interactive):
    tool = interactive()
    tool.proc.stdin.write(json.dumps(HEAT_CALL) + "\n")
    tool.proc.stdin.flush()
    assert keys_in_order(tool.proc.stdout.readline()) == KEYS


def test_interactive_bad_line_gets_a_stderr_message_and_still_one_answer(interactive):
    tool = interactive()
    tool.send(json.dumps(HEAT_CALL))
    answer_to_bad = tool.send("this is not json")
    complaint = tool.proc.stderr.readline()
    answer_after = tool.event(t=10)
    assert "line 2" in complaint
    assert answer_to_bad["t"] == 0  # the clock did not move
    assert answer_after["t"] == 10  # the bad line was answered once, not twice


def test_interactive_event_in_the_past_is_a_bad_line(interactive):
    tool = interactive()
    tool.send(json.dumps(HEAT_CALL))
    tool.event(t=60)
    answer = tool.event(t=30)
    complaint = tool.proc.stderr.readline()
    assert answer["t"] == 60
    assert "line 3" in complaint


def test_interactive_ends_at_end_of_input_with_exit_0_and_nothing_more(interactive):
    tool = interactive()
    tool.send(json.dumps(HEAT_CALL))
    code, rest_of_stdout, stderr = tool.finish()
    assert (code, rest_of_stdout, stderr) == (0, "", "")


def test_interactive_with_no_input_at_all_exits_0_silently(interactive):
    code, stdout, stderr = interactive().finish()
    assert (code, stdout, stderr) == (0, "", "")


def test_interactive_default_min_off_holds_y1_until_300(interactive):
    tool = interactive()
    tool.send(json.dumps(HEAT_CALL))
    assert tool.event(t=299)["Y1"] == 0
    assert tool.event(t=300)["Y1"] == 1


def test_interactive_takes_config_from_the_scenario_file(interactive, tmp_path):
    path = write_scenario(tmp_path, {"config": {"min_off_s": 60}})
    tool = interactive(path)
    tool.send(json.dumps(HEAT_CALL))
    assert tool.event(t=59)["Y1"] == 0
    assert tool.event(t=60)["Y1"] == 1


def test_interactive_ignores_the_scenario_files_events_and_duration(interactive, tmp_path):
    path = write_scenario(tmp_path, {"config": {"min_off_s": 60}, "duration_s": 10,
                                     "events": [{"t": 0, "mode": "cool"}]})
    tool = interactive(path)
    answer = tool.send(json.dumps(dict(HEAT_CALL, t=100)))  # after duration_s, and heat, not cool
    assert (answer["t"], answer["Y1"], answer["OB"]) == (100, 1, 0)


@pytest.mark.parametrize("tick_s, indoor_alert", [
    # The indoor sensor stops answering at t=10; its last reading is the one
    # taken at the last tick before that. With sensor_timeout_s 10, at t=16:
    pytest.param(7, False, id="tick_7_last_read_at_7_is_9s_old"),
    pytest.param(5, True, id="tick_5_last_read_at_5_is_11s_old"),
])
def test_interactive_takes_tick_s_from_the_scenario_file(interactive, tmp_path, tick_s, indoor_alert):
    path = write_scenario(tmp_path, {"tick_s": tick_s, "config": {"sensor_timeout_s": 10}})
    tool = interactive(path)
    tool.send(json.dumps(dict(HEAT_CALL, indoor_f=70)))
    tool.event(t=10, indoor_f=None)
    answer = tool.event(t=16)
    assert ("indoor_sensor" in answer["alerts"]) == indoor_alert


def test_interactive_with_a_malformed_scenario_file_exits_2_before_reading(interactive, tmp_path):
    path = write_scenario(tmp_path, {"config": {"min_off_s": 1}})
    code, stdout, stderr = interactive(path).finish()
    assert (code, stdout) == (2, "")
    assert len(stderr.splitlines()) == 1 and "min_off_s" in stderr


def test_interactive_explain_names_min_off_in_the_answer(interactive):
    tool = interactive("--explain")
    answer = tool.send(json.dumps(HEAT_CALL))
    assert answer["held"]["Y1"] == "min_off"


def test_interactive_refused_command_gets_a_stderr_line_and_one_answer(interactive):
    tool = interactive()
    tool.send(json.dumps(HEAT_CALL))
    answer = tool.event(t=5, heat_setpoint_f=120)
    complaint = tool.proc.stderr.readline()
    assert answer["t"] == 5
    assert "heat_setpoint_f" in complaint
