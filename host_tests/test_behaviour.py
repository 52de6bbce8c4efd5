"""The contract's behaviour (liveness) lines and known traps, one test each."""

from conftest import cool, heat, replay
from scenario import Replay, parse, run

from thermo import terminals as T
from thermo.control import Thermostat

# -- heat -----------------------------------------------------------------------


def test_heat_call_starts_at_setpoint_minus_differential():
    timeline = replay([heat(indoor=69.1, setpoint=70.0), {"t": 400, "indoor_f": 69.0}], duration=900)
    assert not timeline.ever("Y1", 0, 399)
    assert timeline.first("Y1") == 400  # min_off from boot has passed: served at once


def test_heat_call_ends_at_setpoint():
    timeline = replay([heat(indoor=68.0), {"t": 600, "indoor_f": 69.9}, {"t": 700, "indoor_f": 70.0}], duration=900)
    assert timeline.first("Y1", 0, after=300) == 700


def test_heat_call_is_served_within_one_control_period_once_min_off_allows():
    timeline = replay([heat(indoor=67.0)], duration=900, tick=5)
    assert timeline.first("Y1") == 300


def test_heat_differential_is_an_installer_setting():
    timeline = replay([heat(indoor=68.5)], config={"heat_differential_f": 1.5}, duration=900)
    assert timeline.first("Y1") == 300


# -- staging ----------------------------------------------------------------------


def test_stage2_joins_when_indoor_is_stage2_delta_from_setpoint():
    timeline = replay([heat(indoor=68.5), {"t": 400, "indoor_f": 68.0}], config={"compressor_stages": 2}, duration=900)
    assert timeline.first("Y2") == 400


def test_stage2_joins_after_stage2_delay_of_run_in_one_call():
    config = {"compressor_stages": 2, "stage2_delay_s": 600}
    timeline = replay([heat(indoor=68.5)], config=config, duration=1500)
    assert timeline.first("Y2") == 900


def test_stage2_stages_cooling_too():
    config = {"compressor_stages": 2}
    timeline = replay([cool(indoor=77.5, setpoint=75.0)], config=config, duration=900)
    assert {"Y1", "Y2", "OB", "G"} <= timeline.on(300)


def test_single_stage_never_energizes_y2():
    timeline = replay([heat(indoor=60.0)], duration=3600)
    assert not timeline.ever("Y2")


# -- electric aux -------------------------------------------------------------------


def test_aux_joins_on_droop():
    timeline = replay([heat(indoor=68.0, outdoor=20.0), {"t": 500, "indoor_f": 67.0}], duration=900)
    assert timeline.first("W2") == 500
    assert "Y1" in timeline.on(500)


def test_aux_joins_after_aux_delay_of_compressor_run():
    config = {"aux_delay_s": 600}
    timeline = replay([heat(indoor=68.0, outdoor=20.0)], config=config, duration=1500)
    assert timeline.first("W2") == 900


def test_aux_delay_zero_disables_the_timer():
    # Well past the default 1800 s timer. (After 35 min of the heat pump
    # flat out and the house not warming, the learned model would bring
    # strips on its own: test_core_learn.py.)
    config = {"aux_delay_s": 0}
    timeline = replay([heat(indoor=68.0, outdoor=20.0)], config=config, duration=2000)
    assert not timeline.ever("W2")


def test_aux_leaves_when_indoor_is_back_within_half_the_droop():
    events = [heat(indoor=67.0, outdoor=20.0), {"t": 600, "indoor_f": 68.4}, {"t": 700, "indoor_f": 68.5}]
    timeline = replay(events, duration=900)
    assert timeline.first("W2") == 301  # with Y1, which min_off held until 300
    assert "W2" in timeline.on(699)
    assert timeline.first("W2", 0, after=600) == 700
    assert "Y1" in timeline.on(700)


def test_aux_once_on_runs_aux_min_on_even_if_indoor_recovers_sooner():
    events = [heat(indoor=67.0, outdoor=20.0), {"t": 400, "indoor_f": 68.5}]
    timeline = replay(events, duration=900, explain=True)
    assert timeline.first("W2") == 301
    assert timeline.first("W2", 0, after=301) == 301 + 240  # aux_min_on_s, not 400
    assert timeline.at(450)["held"]["W2"] == "aux_min_on"


def test_a_rule_ends_the_strips_minimum_run_at_once():
    events = [heat(indoor=67.0, outdoor=20.0), {"t": 400, "indoor_f": None}]
    timeline = replay(events, config={"sensor_timeout_s": 30}, duration=900, explain=True)
    assert timeline.first("W2") == 301
    assert timeline.first("W2", 0, after=301) == 429  # the last reading was at 399: failed 30 s on
    assert timeline.at(429)["held"]["W2"] == "indoor_sensor"


def test_aux_escalation_starts_afresh_with_every_call():
    config = {"aux_delay_s": 600, "min_off_s": 60}
    events = [heat(indoor=68.0, outdoor=20.0), {"t": 1000, "indoor_f": 70.0}, {"t": 1300, "indoor_f": 68.0}]
    timeline = replay(events, config=config, duration=2400)
    assert timeline.first("W2") == 660
    second_start = timeline.starts()[1]
    assert not timeline.ever("W2", second_start, second_start + 599)
    assert timeline.first("W2", after=second_start) == second_start + 600


def test_aux_waits_for_the_compressor_instead_of_starting_alone_during_min_off():
    timeline = replay([heat(indoor=60.0, outdoor=20.0)], duration=600, tick=5)
    assert not timeline.ever("W2", 0, 299)
    assert timeline.first("Y1") == 300 and timeline.first("W2") == 305


def test_aux_serves_the_call_alone_when_the_compressor_is_locked_out():
    config = {"compressor_min_outdoor_f": 10.0}
    timeline = replay([heat(indoor=69.0, outdoor=0.0)], config=config, duration=600)
    assert timeline.on(0) == {"W2", "G"}


# -- dual fuel ------------------------------------------------------------------


def test_dual_fuel_below_balance_point_the_furnace_serves_and_the_compressor_stays_off():
    timeline = replay([heat(indoor=68.0, outdoor=30.0)], config={"backup_heat": "dual_fuel"}, duration=900)
    assert timeline.on(60) == {"W2"}
    assert not timeline.ever("Y1")


def test_dual_fuel_above_balance_point_the_heat_pump_serves():
    timeline = replay([heat(indoor=68.0, outdoor=40.0)], config={"backup_heat": "dual_fuel"}, duration=900)
    assert timeline.on(300) == {"Y1", "G"}
    assert not timeline.ever("W2")


def test_dual_fuel_furnace_backs_up_a_failing_compressor_call_after_the_switch_delay():
    config = {"backup_heat": "dual_fuel", "dual_fuel_switch_delay_s": 60}
    events = [heat(indoor=68.0, outdoor=40.0), {"t": 600, "indoor_f": 66.9}]
    timeline = replay(events, config=config, duration=1200)
    assert timeline.first("Y1", 0, after=300) == 600
    assert timeline.first("W2", after=600) == 660
    assert not timeline.ever("Y1", 600, 1200)  # the furnace keeps the rest of the call


# -- emergency ----------------------------------------------------------------------


def test_emergency_heat_call_energizes_e_w2_and_g():
    timeline = replay([{**heat(indoor=68.0), "mode": "emergency"}], duration=600)
    assert timeline.on(0) == {"E", "W2", "G"}


def test_emergency_without_em_heat_w2_energizes_e_alone():
    timeline = replay([{**heat(indoor=68.0), "mode": "emergency"}], config={"em_heat_w2": False}, duration=600)
    assert timeline.on(0) == {"E", "G"}


def test_emergency_with_a_furnace_leaves_the_blower_to_it():
    config = {"backup_heat": "dual_fuel"}
    timeline = replay([{**heat(indoor=68.0), "mode": "emergency"}], config=config, duration=600)
    assert timeline.on(120) == {"E", "W2"}


def test_leaving_emergency_clears_e_at_once():
    timeline = replay([{**heat(indoor=68.0), "mode": "emergency"}, {"t": 100, "mode": "heat"}], duration=600)
    assert "E" not in timeline.on(100)


def test_emergency_is_refused_without_backup_heat():
    timeline = replay([{**heat(indoor=68.0), "mode": "emergency"}], config={"backup_heat": "none"}, duration=600)
    assert timeline.refused and "mode" in timeline.refused[0][1]
    assert not timeline.ever("E") and not timeline.ever("Y1")


# -- cool ------------------------------------------------------------------------------


def test_cool_runs_y1_with_the_valve_in_cool_and_the_blower():
    timeline = replay([cool(indoor=76.0)], duration=600)
    assert timeline.on(300) == {"Y1", "OB", "G"}


def test_cool_with_b_valve_leaves_ob_de_energized():
    timeline = replay([cool(indoor=76.0)], config={"reversing_valve": "B"}, duration=600)
    assert timeline.on(300) == {"Y1", "G"}


def test_cool_call_ends_at_setpoint():
    timeline = replay([cool(indoor=76.0), {"t": 600, "indoor_f": 75.1}, {"t": 700, "indoor_f": 75.0}], duration=900)
    assert timeline.first("Y1", 0, after=300) == 700


# -- auto ------------------------------------------------------------------------------


def test_auto_heats_below_and_cools_above():
    events = [{"t": 0, "mode": "auto", "heat_setpoint_f": 68.0, "cool_setpoint_f": 75.0,
               "indoor_f": 66.5, "outdoor_f": 40.0},
              {"t": 1000, "indoor_f": 76.0}]
    timeline = replay(events, config={"changeover_delay_s": 300}, duration=2400)
    assert timeline.on(300) == {"Y1", "G"}
    cooling_start = timeline.first("OB", after=1000)
    assert cooling_start == 1300  # the compressor stopped at 1000: valve waits 300 s
    assert {"Y1", "OB", "G"} <= timeline.on(cooling_start + 1)


def test_auto_refuses_setpoints_closer_than_the_deadband():
    events = [{"t": 0, "mode": "auto", "heat_setpoint_f": 70.0, "cool_setpoint_f": 72.0, "indoor_f": 66.0}]
    timeline = replay(events, duration=600)
    assert timeline.refused and "auto_deadband_f" in timeline.refused[0][1]
    assert not timeline.ever("Y1")  # the mode stayed off


# -- fan ---------------------------------------------------------------------------------


def test_fan_on_runs_g_always():
    timeline = replay([{"t": 0, "fan": "on", "indoor_f": 70.0, "outdoor_f": 50.0}], duration=600)
    assert timeline.changes("G") == [(0, 0), (0, 1)]


def test_fan_circulate_runs_at_least_the_minutes_each_hour_in_every_window():
    events = [{"t": 0, "fan": "circulate", "indoor_f": 70.0, "outdoor_f": 50.0}]
    timeline = replay(events, config={"circulate_min_per_hour": 20}, duration=4 * 3600, tick=10)
    on_seconds = [0] * (4 * 3600)
    for second in range(len(on_seconds)):
        on_seconds[second] = timeline.at(second)["G"]
    for window_start in range(0, 3 * 3600, 300):
        assert sum(on_seconds[window_start:window_start + 3600]) >= 20 * 60


# -- traps --------------------------------------------------------------------------------


def test_no_settings_change_shortens_a_running_timer():
    thermostat = Thermostat({"min_off_s": 600}, now_ms=0)
    thermostat.command({"mode": "heat", "heat_setpoint_f": 70.0})
    for second in range(0, 700):
        thermostat.indoor_reading(670)
        thermostat.outdoor_reading(400)
        thermostat.tick(second * 1000)
        if second == 100:
            thermostat.apply_settings({"min_off_s": 60})
        if thermostat.outputs & T.Y1:
            break
    assert second == 600


def test_no_command_bypasses_min_off():
    events = [heat(indoor=67.0), {"t": 100, "mode": "cool", "indoor_f": 80.0}, {"t": 150, "mode": "heat"},
              {"t": 200, "heat_setpoint_f": 85.0, "fan": "on"}]
    timeline = replay(events, duration=600)
    assert timeline.first("Y1") == 300


def test_the_gate_names_the_rule_that_holds_the_compressor_back():
    replay_run = Replay(parse({"duration_s": 10, "events": []}))
    thermostat = replay_run.thermostat
    thermostat.command({"mode": "heat"})
    thermostat.indoor_reading(600)
    thermostat.outdoor_reading(400)
    thermostat.tick(0)
    assert thermostat.held_reasons()["Y1"] == "min_off"


def test_timelines_are_identical_across_a_ticks_ms_wrap():
    """The board's ticks_ms wraps at 2**30; the replay clock starts just
    below it by default. Started far from the wrap, every line is the same."""
    scenario = parse({"duration_s": 7200, "tick_s": 1, "events": [
        heat(indoor=67.0, outdoor=30.0), {"t": 500, "indoor_f": 66.0}, {"t": 1500, "indoor_f": 70.5},
        {"t": 1600, "mode": "cool", "indoor_f": 78.0}, {"t": 3000, "reboot": True}]})

    def lines_with_origin(origin):
        replay_run = Replay(scenario, ticks_origin=origin)
        lines = [replay_run.boot_line()]
        for event in scenario["events"]:
            replay_run.event(event, lines)
        replay_run.run_until(scenario["duration_ms"] + 1, lines)
        return lines

    near_wrap = lines_with_origin((1 << 30) - 250_000)  # wraps during the first min_off
    assert near_wrap == lines_with_origin(0) == run(scenario)
    assert len(near_wrap) > 5


def test_cycle_overshoot_ends_a_heat_call_that_far_past_setpoint():
    events = [heat(indoor=68.0), {"t": 600, "indoor_f": 70.5}, {"t": 700, "indoor_f": 71.0}]
    timeline = replay(events, config={"cycle_overshoot_f": 1.0}, duration=900)
    assert timeline.first("Y1", 0, after=300) == 700


def test_cycle_overshoot_ends_a_cool_call_that_far_below_setpoint():
    events = [cool(indoor=76.0), {"t": 600, "indoor_f": 74.5}, {"t": 700, "indoor_f": 74.0}]
    timeline = replay(events, config={"cycle_overshoot_f": 1.0}, duration=900)
    assert timeline.first("Y1", 0, after=300) == 700
