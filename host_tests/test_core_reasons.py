"""Every terminal that is wanted, or that a user might expect on, and is off says why.

The codes come from the safety gate (a rule held back what the decision
wanted) or from the decision itself (why it does not ask for a terminal);
``Thermostat.held_reasons()`` gives both, and ``--explain`` prints a line
whenever one changes, so a 300 s min_off hold shows.
"""

import json
import re

from conftest import heat, reason_codes, replay

from thermo import reasons
from thermo.control import Thermostat


def held_at(timeline, t):
    return timeline.at(t).get("held", {})


def test_explain_prints_a_line_when_a_reason_changes():
    timeline = replay([heat(indoor=68.0, outdoor=40.0)], duration=400, explain=True)
    assert held_at(timeline, 0)["Y1"] == "min_off"
    assert held_at(timeline, 299)["Y1"] == "min_off"
    assert "Y1" not in held_at(timeline, 300)
    assert timeline.first("Y1") == 300


def test_without_explain_a_line_still_means_an_output_or_alert_change():
    quiet = replay([heat(indoor=68.0, outdoor=40.0)], duration=400)
    assert [(line["t"], line["Y1"]) for line in quiet.lines] == [(0, 0), (300, 1)]


def test_a_pulled_indoor_sensor_in_heat_mode_says_why_nothing_runs():
    timeline = replay([heat(indoor=68.0, outdoor=40.0), {"t": 400, "indoor_f": None}], duration=800, explain=True)
    assert timeline.on(800) == set()
    assert held_at(timeline, 800) == {"Y1": "indoor_sensor", "W2": "indoor_sensor"}


def test_a_pulled_indoor_sensor_names_every_source_the_mode_could_run():
    config = {"compressor_stages": 2, "backup_heat": "none"}
    cooling = replay([{**heat(indoor=68.0), "mode": "cool"}, {"t": 10, "indoor_f": None}], config=config,
                     duration=300, explain=True)
    assert held_at(cooling, 300) == {"Y1": "indoor_sensor", "Y2": "indoor_sensor"}


def test_a_pulled_indoor_sensor_in_emergency_mode_names_e():
    events = [{**heat(indoor=68.0), "mode": "emergency"}, {"t": 10, "indoor_f": None}]
    timeline = replay(events, duration=300, explain=True)
    assert held_at(timeline, 300)["E"] == "indoor_sensor"


def test_strips_off_in_a_heat_call_wait_for_droop():
    timeline = replay([heat(indoor=68.5, outdoor=20.0)], duration=400, explain=True)
    assert held_at(timeline, 350) == {"W2": "wait_droop"}


def test_strips_off_while_the_compressor_waits_out_min_off_say_so():
    timeline = replay([heat(indoor=66.0, outdoor=20.0)], duration=400, explain=True)
    assert held_at(timeline, 100) == {"Y1": "min_off", "W2": "wait_compressor"}


def test_strips_above_aux_max_outdoor_are_held_by_the_aux_lockout():
    timeline = replay([heat(indoor=66.0, outdoor=50.0)], duration=400, explain=True)
    assert held_at(timeline, 350) == {"W2": "aux_lockout"}


def test_the_second_stage_says_what_it_waits_for():
    timeline = replay([heat(indoor=68.5, outdoor=40.0)], config={"compressor_stages": 2}, duration=400, explain=True)
    assert held_at(timeline, 350) == {"Y2": "wait_stage2", "W2": "wait_droop"}


def test_a_furnace_that_took_over_says_why_the_heat_pump_is_off():
    config = {"backup_heat": "dual_fuel"}
    events = [heat(indoor=68.0, outdoor=40.0), {"t": 600, "indoor_f": 66.9}]
    timeline = replay(events, config=config, duration=1200, explain=True)
    assert held_at(timeline, 630) == {"Y1": "furnace_backup", "W2": "dual_fuel"}
    assert held_at(timeline, 1200) == {"Y1": "furnace_backup"}


def test_dual_fuel_below_the_balance_point_names_the_lockout():
    config = {"backup_heat": "dual_fuel"}
    timeline = replay([heat(indoor=68.0, outdoor=20.0)], config=config, duration=300, explain=True)
    assert held_at(timeline, 300) == {"Y1": "outdoor_lockout"}


def test_emergency_heat_says_why_the_compressor_is_off():
    timeline = replay([{**heat(indoor=68.0), "mode": "emergency"}], duration=300, explain=True)
    assert held_at(timeline, 300) == {"Y1": "emergency"}


def test_the_table_names_each_code_once():
    codes = reason_codes()
    assert len(codes) > 20 and len(set(codes)) == len(codes)


def test_every_code_the_core_records_is_in_the_table():
    source = ""
    for module in ("gate", "decide", "control", "recovery"):
        with open(reasons.__file__.replace("reasons.py", module + ".py")) as handle:
            source += handle.read()
    # hold()/mark() in the gate, note()/note_all() in the decision, the
    # codes start_hold() answers with, and the one the alert reads.
    recorded = re.findall(r'(?:hold\(held, out, [^,]+, |mark\(held, [^,]+, |note\(w, [^,]+, |note_all\(w, [^,]+, '
                          r'|return |\] == )("[a-z0-9_]+")', source)
    assert len(recorded) > 20
    for code in recorded:
        assert code.startswith('"') and code.strip('"') in reason_codes(), code
    assert set(reason_codes()) == {code.strip('"') for code in recorded}


def test_held_reasons_are_constant_strings_and_json_friendly():
    thermostat = Thermostat()
    thermostat.command({"mode": "heat"})
    thermostat.indoor_reading(600)
    thermostat.outdoor_reading(200)
    thermostat.tick(0)
    held = thermostat.held_reasons()
    assert held == {"Y1": "min_off", "W2": "wait_compressor"}
    assert json.loads(json.dumps(held)) == held
