"""A randomized failure leaves a scenario that tools/replay.py replays exactly.

A monitor made to trip on purpose (at a compressor start) forces a
violation; the test then runs the saved file through
``python tools/replay.py`` as a user would and requires the same output
lines, and the same violation when the file is watched again.
"""

import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from monitor import Monitor, Violation
from test_properties import machine_for, watch_scenario

REPLAY = ROOT / "tools" / "replay.py"


class TripsAtSecondStart(Monitor):
    """The real monitor, plus a false rule: Y1 may start only once."""

    allowed_starts = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.starts, self.y1 = 0, 0

    def observe(self, t_s, outputs, env):
        super().observe(t_s, outputs, env)
        if outputs["Y1"] and not self.y1:
            self.starts += 1
            if self.starts == self.allowed_starts + 1:
                self.violations.append(Violation("TRIPWIRE", t_s, "Y1 start number %d" % self.starts))
        self.y1 = outputs["Y1"]


class TripsAtFirstStart(TripsAtSecondStart):
    """A false rule hypothesis breaks sooner: Y1 never starts."""

    allowed_starts = 0


def replayed_lines(path):
    done = subprocess.run([sys.executable, str(REPLAY), str(path)], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return done.stdout.splitlines()


def saved_path(error):
    found = re.search(r"replay it: python tools/replay.py --explain (\S+)", str(error))
    assert found, "the failure message names no scenario file:\n%s" % error
    return ROOT / found.group(1)


def test_a_failing_life_with_settings_changes_stalls_and_reboots_replays_to_the_same_lines(tmp_path):
    machine = machine_for(1, name="scripted", monitor_class=TripsAtSecondStart, failures_dir=tmp_path)()
    machine.power_up(config={"min_off_s": 30, "min_on_s": 30}, tick_s=5, indoor=66.0, outdoor=40.0)
    machine.user_command({"mode": "heat", "heat_setpoint_f": 70.0, "fan": "auto"})
    machine.run(20)
    machine.installer_changes_settings({"min_on_s": 600, "changeover_delay_s": 60})
    machine.installer_changes_settings({"min_off_s": 5})  # refused whole
    machine.clock_jumps(700)
    machine.indoor_reads(71.0)
    machine.run(30)
    machine.power_cycle()
    machine.indoor_drifts(-50)
    with pytest.raises(AssertionError) as failure:
        machine.run(2000)
    path = saved_path(failure.value)
    saved = json.loads(path.read_text())
    assert {key for event in saved["events"] for key in event} >= {"settings", "stall_s", "reboot", "mode"}
    assert replayed_lines(path) == machine.watch.lines
    assert [v.rule for v in watch_scenario(saved, TripsAtSecondStart).monitor.violations] == ["TRIPWIRE"]
    assert saved["duration_s"] == machine.watch.monitor.violations[0].t_s


def test_the_failure_hypothesis_reports_replays_to_the_same_lines(tmp_path):
    machine = machine_for(1, name="reported", monitor_class=TripsAtFirstStart, failures_dir=tmp_path)
    # No shrinking here (it is slow, and it changes only which life fails):
    # what matters is that the failure reported at the end saved its own life.
    quick = settings(max_examples=300, stateful_step_count=30, deadline=None, database=None,
                     report_multiple_bugs=False, phases=(Phase.generate,),
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(machine, settings=quick)
    path = saved_path(failure.value)
    assert "TRIPWIRE" in str(failure.value) and "THERMO_SEED=1" in str(failure.value)
    assert machine.last_failure[0] == path
    assert replayed_lines(path) == machine.last_failure[1]
