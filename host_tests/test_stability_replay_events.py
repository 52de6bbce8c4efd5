"""The two event keys that let a random life be saved as a scenario.

``settings``: an installer's settings change at ``t``, checked whole as the
device checks it (``Thermostat.apply_settings``): a bad one is refused whole
with one stderr line and the run goes on; an applied one is saved, so a
reboot keeps it.

``stall_s``: the control loop stalled: no tick ran in the ``stall_s``
seconds before ``t``; the event's tick at ``t`` is the first after the stall,
and the control period counts afresh from there.
"""

import json
import subprocess
import sys

import pytest
import scenario as sc
from conftest import ROOT, heat, replay

REPLAY = ROOT / "tools" / "replay.py"


# -- settings ------------------------------------------------------------------


def test_a_settings_event_takes_effect_at_its_time():
    # 69.5 with setpoint 70: no call with the default 1.0 differential, a call with 0.5.
    timeline = replay([heat(0, indoor=69.5), {"t": 600, "settings": {"heat_differential_f": 0.5}}])
    assert timeline.first("Y1") == 600


def test_a_bad_settings_event_is_refused_whole_with_one_line_naming_the_field():
    timeline = replay([heat(0), {"t": 10, "settings": {"min_on_s": 600, "min_off_s": 5}}])
    assert timeline.refused == [(10, "settings.min_off_s: 5 is out of range (allowed: 30 to 3600 s)")]
    # min_on_s stayed at its default 180 s: the call satisfied at 400 ends at 480.
    timeline = replay([heat(0), {"t": 10, "settings": {"min_on_s": 600, "min_off_s": 5}},
                       {"t": 400, "indoor_f": 70.5}])
    assert timeline.first("Y1", 0, after=300) == 480


def test_a_settings_event_the_current_mode_forbids_is_refused_whole():
    events = [heat(0, mode="emergency"), {"t": 10, "settings": {"backup_heat": "none", "min_on_s": 600}}]
    timeline = replay(events)
    assert [message.split(":")[0] for _, message in timeline.refused] == ["settings.mode"]
    assert timeline.on(20) >= {"E"}


def test_settings_applied_by_an_event_survive_a_reboot():
    events = [heat(0, indoor=69.5), {"t": 10, "settings": {"heat_differential_f": 0.5}}, {"t": 20, "reboot": True}]
    timeline = replay(events)
    assert timeline.first("Y1", after=20) == 320  # min_off_s counts from the reboot


def test_a_settings_event_that_is_not_an_object_is_a_malformed_scenario():
    with pytest.raises(sc.ScenarioError, match=r"^events\[1\]\.settings: must be an object"):
        sc.parse({"duration_s": 60, "events": [{"t": 0}, {"t": 5, "settings": [1]}]})


def test_replay_py_reports_a_refused_settings_event_on_stderr_and_goes_on(tmp_path):
    path = tmp_path / "refused.json"
    path.write_text(json.dumps({"duration_s": 60, "events": [heat(0), {"t": 5, "settings": {"min_off_s": 5}}]}))
    done = subprocess.run([sys.executable, str(REPLAY), str(path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stderr == "t=5: refused: settings.min_off_s: 5 is out of range (allowed: 30 to 3600 s)\n"
    assert json.loads(done.stdout.splitlines()[0])["t"] == 0


# -- stall_s ---------------------------------------------------------------------


def test_no_tick_runs_during_a_stall():
    # A heat call from t=0; min_off_s ends at 300, but the loop is stalled from 0 to 1000.
    timeline = replay([heat(0), {"t": 1000, "stall_s": 1000}], tick=5)
    assert timeline.first("Y1") == 1000


def test_the_control_period_counts_afresh_after_a_stall():
    # Y1 may start at 300 (min_off_s) but the tick after the stall to 298 is at 303.
    timeline = replay([heat(0), {"t": 298, "stall_s": 298}], tick=5)
    assert timeline.first("Y1") == 303


def test_a_stall_may_not_reach_back_before_the_previous_event():
    with pytest.raises(sc.ScenarioError, match=r"^events\[1\]\.stall_s: 60 reaches back before the previous"):
        sc.parse({"duration_s": 600, "events": [{"t": 10}, {"t": 60, "stall_s": 60}]})
    with pytest.raises(sc.ScenarioError, match=r"^events\[0\]\.stall_s: -1 is below 0"):
        sc.parse({"duration_s": 600, "events": [{"t": 10, "stall_s": -1}]})
