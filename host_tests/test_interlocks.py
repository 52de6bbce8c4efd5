"""One named test (or a few) for each of the contract's 13 interlocks.

Each test states its rule in its name, shows its scenario, and asserts on
the replayed timeline, the same lines ``tools/replay.py`` prints.
"""

from conftest import cool, heat, replay

# -- 1. E energized => Y1, Y2 off; mode emergency => Y1, Y2 off -------------

def test_r1_emergency_mode_heats_with_e_and_never_runs_the_compressor():
    timeline = replay([{**heat(indoor=65.0), "mode": "emergency"}], duration=1200)
    assert timeline.on(10) >= {"E", "W2", "G"}
    assert not timeline.ever("Y1") and not timeline.ever("Y2")


def test_r1_switching_to_emergency_stops_a_running_compressor_at_once():
    timeline = replay([heat(indoor=67.0), {"t": 400, "mode": "emergency"}], duration=800)
    assert "Y1" in timeline.on(399)
    assert "Y1" not in timeline.on(400) and "E" in timeline.on(400)


# -- 2. Y2 => Y1 ------------------------------------------------------------

def test_r2_second_stage_never_runs_without_the_first():
    config = {"compressor_stages": 2}
    timeline = replay([heat(indoor=64.0)], config=config, duration=1200)
    assert not timeline.ever("Y2", 0, 299)  # Y1 is still held by min_off
    assert {"Y1", "Y2"} <= timeline.on(300)
    assert all(line["Y1"] for line in timeline.lines if line["Y2"])


# -- 3. dual fuel: never Y1 with W2; hand-overs leave both off ---------------

def test_r3_dual_fuel_hands_over_to_the_furnace_with_both_off_for_the_switch_delay():
    config = {"backup_heat": "dual_fuel", "dual_fuel_switch_delay_s": 90}
    timeline = replay([heat(indoor=68.0, outdoor=40.0), {"t": 600, "outdoor_f": 30.0}],
                      config=config, duration=1200)
    assert "Y1" in timeline.on(599)
    assert timeline.first("Y1", 0, after=600) == 600  # a lockout ends the call at once
    assert timeline.first("W2", 1, after=600) == 690
    assert not any(line["W2"] and line["Y1"] for line in timeline.lines)


def test_r3_dual_fuel_hands_back_to_the_heat_pump_with_both_off_for_the_switch_delay():
    config = {"backup_heat": "dual_fuel", "dual_fuel_switch_delay_s": 90, "min_off_s": 60}
    timeline = replay([heat(indoor=67.0, outdoor=30.0), {"t": 600, "outdoor_f": 40.0}],
                      config=config, duration=1200)
    assert "W2" in timeline.on(599)
    assert timeline.first("W2", 0, after=600) == 600
    assert timeline.first("Y1", 1, after=600) == 690


def test_r3_furnace_never_runs_with_the_compressor_even_on_droop():
    config = {"backup_heat": "dual_fuel"}
    timeline = replay([heat(indoor=67.0, outdoor=45.0), {"t": 320, "indoor_f": 66.0}],
                      config=config, duration=1200)
    # It happened: the heat pump ran, fell behind by the droop, and the furnace took over.
    assert timeline.starts("Y1") and timeline.starts("W2")
    assert timeline.starts("W2")[0] > timeline.starts("Y1")[0]
    assert not any(line["W2"] and (line["Y1"] or line["Y2"]) for line in timeline.lines)


# -- 4. min off (boot counts), starts per hour --------------------------------

def test_r4_compressor_waits_min_off_after_boot():
    timeline = replay([heat(indoor=67.0)], config={"min_off_s": 240}, duration=600)
    assert timeline.first("Y1") == 240


def test_r4_compressor_waits_min_off_after_a_cycle():
    timeline = replay([heat(indoor=67.0), {"t": 600, "indoor_f": 70.0}, {"t": 620, "indoor_f": 67.0}],
                      duration=1500)
    assert timeline.starts() == [300, 900]


def test_r4_a_reboot_counts_as_a_compressor_turn_off():
    timeline = replay([heat(indoor=67.0), {"t": 400, "reboot": True}], duration=1200)
    assert timeline.starts() == [300, 700]


def test_r4_at_most_max_starts_per_hour_even_when_calls_keep_coming():
    events = [heat(indoor=67.0)]
    for k in range(10):  # satisfy and re-open the call every 6 minutes
        events += [{"t": 400 + 360 * k, "indoor_f": 70.0}, {"t": 580 + 360 * k, "indoor_f": 67.0}]
    config = {"min_off_s": 60, "min_on_s": 60, "max_starts_per_hour": 3}
    timeline = replay(events, config=config, duration=7200)
    starts = timeline.starts()
    for start in starts:
        assert len([s for s in starts if start <= s < start + 3600]) <= 3
    assert "short_cycle_blocked" in {a for line in timeline.lines for a in line["alerts"]}


def test_r4_starts_per_hour_are_remembered_across_a_reboot():
    events = [heat(indoor=67.0)]
    for k in range(3):
        events += [{"t": 400 + 300 * k, "indoor_f": 70.0}, {"t": 500 + 300 * k, "indoor_f": 67.0}]
    events += [{"t": 1500, "reboot": True}]
    config = {"min_off_s": 60, "min_on_s": 60, "max_starts_per_hour": 3}
    timeline = replay(events, config=config, duration=7200)
    starts = timeline.starts()
    assert len(starts) >= 4
    assert starts[3] >= starts[0] + 3600


def test_r4_a_cooling_cycle_min_off_protects_the_next_heating_start():
    timeline = replay([cool(indoor=79.0), {"t": 400, "mode": "heat", "indoor_f": 66.0}],
                      config={"min_off_s": 300, "changeover_delay_s": 0}, duration=2000)
    assert timeline.starts() == [300, 700]


# -- 5. min on, except for mode change, sensor failure, lockout, reboot ------

def test_r5_a_satisfied_call_keeps_the_compressor_on_for_min_on():
    timeline = replay([heat(indoor=69.0), {"t": 320, "indoor_f": 71.0}], duration=900)
    assert timeline.starts() == [300]
    assert timeline.first("Y1", 0, after=300) == 480


def test_r5_a_setpoint_change_does_not_bypass_min_on():
    timeline = replay([heat(indoor=69.0), {"t": 320, "heat_setpoint_f": 60.0}], duration=900)
    assert timeline.first("Y1", 0, after=300) == 480


def test_r5_a_mode_change_ends_the_call_at_once():
    timeline = replay([heat(indoor=69.0), {"t": 320, "mode": "cool"}], duration=900)
    assert timeline.first("Y1", 0, after=300) == 320


def test_r5_a_failed_indoor_sensor_ends_the_call_at_once():
    timeline = replay([heat(indoor=67.0), {"t": 310, "indoor_f": None}],
                      config={"sensor_timeout_s": 30}, duration=900)
    assert timeline.first("Y1", 0, after=300) == 339  # 30 s after the last reading at 309


def test_r5_an_outdoor_lockout_ends_the_call_at_once():
    config = {"compressor_min_outdoor_f": 10.0}
    timeline = replay([heat(indoor=67.0, outdoor=20.0), {"t": 320, "outdoor_f": 5.0}], config=config, duration=900)
    assert timeline.first("Y1", 0, after=300) == 320


def test_r5_a_reboot_ends_the_call_at_once():
    timeline = replay([heat(indoor=67.0), {"t": 320, "reboot": True}], duration=900)
    assert timeline.at(320)["Y1"] == 0


# -- 6. reversing valve moves only with the compressor off and equalized -----

def test_r6_the_valve_waits_changeover_delay_after_the_compressor_stops():
    timeline = replay([cool(indoor=79.0), {"t": 400, "mode": "heat", "indoor_f": 66.0}],
                      config={"changeover_delay_s": 600}, duration=2000)
    assert timeline.changes("OB") == [(0, 0), (0, 1), (1000, 0)]
    assert timeline.starts() == [300, 1001]


def test_r6_the_valve_never_moves_while_the_compressor_runs():
    """Auto: a heat call (64 °F) comes while the compressor cools, held on by
    min_on_s; the valve must wait until it has stopped."""
    timeline = replay([{**cool(indoor=79.0), "mode": "auto"}, {"t": 100, "indoor_f": 64.0}],
                      config={"changeover_delay_s": 0, "min_off_s": 30}, duration=2000)
    # It happened: the valve was asked to move (cool to heat) while the compressor ran ...
    assert timeline.on(100) >= {"Y1", "OB"}
    # ... and did move later, for a heating run.
    heating = timeline.starts()[-1]
    assert heating > 100 and "OB" not in timeline.on(heating)
    for previous, line in zip(timeline.lines, timeline.lines[1:], strict=False):
        if line["OB"] != previous["OB"]:
            assert previous["Y1"] == 0 and line["Y1"] == 0


def test_r6_before_the_first_run_the_valve_moves_at_once():
    timeline = replay([heat(indoor=67.0)], config={"reversing_valve": "B"}, duration=600)
    assert timeline.first("OB") == 0


# -- 7. cooling never heats; heating never runs with the valve in cool -------

def test_r7_cooling_never_energizes_w2_or_e_however_far_from_setpoint():
    timeline = replay([cool(indoor=90.0, outdoor=20.0)], config={"aux_delay_s": 60}, duration=3600)
    assert timeline.ever("Y1")
    assert not timeline.ever("W2") and not timeline.ever("E")


def test_r7_heating_runs_the_compressor_only_with_the_valve_in_heat_position():
    for valve, heat_position in (("O", 0), ("B", 1)):
        timeline = replay([cool(indoor=79.0), {"t": 400, "mode": "heat", "indoor_f": 66.0}],
                          config={"reversing_valve": valve, "changeover_delay_s": 60}, duration=1500)
        heating = [line for line in timeline.lines if line["t"] >= 400 and line["Y1"]]
        assert heating and all(line["OB"] == heat_position for line in heating)


# -- 8. compressor outdoor lockouts -----------------------------------------

def test_r8_compressor_never_starts_below_compressor_min_outdoor():
    config = {"compressor_min_outdoor_f": 10.0}
    timeline = replay([heat(indoor=67.0, outdoor=5.0)], config=config, duration=1200)
    assert not timeline.ever("Y1")
    assert timeline.ever("W2")  # strips carry the call alone


def test_r8_dual_fuel_compressor_never_starts_below_the_balance_point():
    config = {"backup_heat": "dual_fuel", "balance_point_f": 35.0}
    timeline = replay([heat(indoor=67.0, outdoor=34.9)], config=config, duration=1200)
    assert not timeline.ever("Y1") and timeline.ever("W2")


# -- 9. electric aux locked out above aux_max_outdoor_f -----------------------

def test_r9_strips_never_start_above_aux_max_outdoor_even_on_droop():
    timeline = replay([heat(indoor=60.0, outdoor=40.0)], config={"aux_max_outdoor_f": 35.0}, duration=3600)
    assert timeline.ever("Y1")
    assert not timeline.ever("W2")


def test_r9_strips_allowed_above_aux_max_when_the_outdoor_sensor_has_failed():
    timeline = replay([heat(indoor=60.0, outdoor=None)], config={"aux_max_outdoor_f": 35.0}, duration=600)
    assert timeline.ever("W2")


def test_r9_strips_allowed_above_aux_max_when_the_compressor_is_locked_out():
    config = {"aux_max_outdoor_f": 0.0, "compressor_min_outdoor_f": 20.0}
    timeline = replay([heat(indoor=67.0, outdoor=10.0)], config=config, duration=600)
    assert timeline.ever("W2") and not timeline.ever("Y1")


# -- 10. sensor failures --------------------------------------------------------

def test_r10_failed_indoor_sensor_stops_all_heat_and_alerts_but_fan_keeps_its_mode():
    timeline = replay([heat(indoor=60.0, outdoor=20.0, fan="on"), {"t": 400, "indoor_f": None}],
                      config={"sensor_timeout_s": 60}, duration=900)
    assert timeline.on(400) >= {"Y1", "W2"}
    assert timeline.on(461) == {"G"}
    assert "indoor_sensor" in timeline.alerts_at(461)


def test_r10_an_indoor_sensor_missing_at_boot_is_failed_from_the_start():
    timeline = replay([heat(indoor=None)], duration=900)
    assert "indoor_sensor" in timeline.alerts_at(0)
    assert not timeline.ever("Y1") and not timeline.ever("W2")


def test_r10_failed_outdoor_sensor_alerts_and_lifts_the_compressor_lockout():
    config = {"compressor_min_outdoor_f": 10.0}
    timeline = replay([heat(indoor=67.0, outdoor=None)], config=config, duration=900)
    assert "outdoor_sensor" in timeline.alerts_at(0)
    assert timeline.first("Y1") == 300


def test_r10_failed_outdoor_sensor_makes_dual_fuel_heat_with_the_furnace():
    timeline = replay([heat(indoor=67.0, outdoor=None)], config={"backup_heat": "dual_fuel"}, duration=900)
    assert timeline.ever("W2") and not timeline.ever("Y1")


# -- 11. mode off ---------------------------------------------------------------

def test_r11_mode_off_stops_everything_at_once_whatever_was_running():
    config = {"compressor_stages": 2, "aux_max_outdoor_f": 50.0}
    timeline = replay([heat(indoor=60.0, outdoor=30.0), {"t": 400, "mode": "off"}], config=config, duration=1200)
    assert timeline.on(399) >= {"Y1", "Y2", "W2", "G"}
    assert timeline.on(400) == set()


def test_r11_mode_off_returns_the_valve_to_de_energized_once_rule_6_allows():
    timeline = replay([cool(indoor=79.0), {"t": 400, "mode": "off"}], config={"changeover_delay_s": 600}, duration=2000)
    assert timeline.on(400) == {"OB"}
    assert timeline.first("OB", 0, after=400) == 1000


def test_r11_mode_off_keeps_the_blower_when_the_fan_mode_is_on():
    timeline = replay([heat(indoor=67.0, fan="on"), {"t": 400, "mode": "off"}], duration=900)
    assert timeline.on(400) == {"G"}


# -- 12. at boot every output is off ------------------------------------------

def test_r12_the_first_line_and_every_reboot_line_are_all_off():
    timeline = replay([heat(indoor=60.0, outdoor=20.0, fan="on"), {"t": 600, "reboot": True}], duration=900)
    boot_lines = [timeline.lines[0]] + [line for line in timeline.lines if line["t"] == 600][:1]
    for line in boot_lines:
        assert not any(line[name] for name in ("Y1", "Y2", "G", "W2", "OB", "E"))


# -- 13. the blower follows the heat --------------------------------------------

def test_r13_blower_runs_whenever_the_compressor_runs():
    timeline = replay([heat(indoor=67.0)], duration=900)
    assert timeline.ever("Y1")  # it happened: the compressor ran
    assert all(line["G"] for line in timeline.lines if line["Y1"])


def test_r13_blower_runs_with_electric_strips():
    timeline = replay([heat(indoor=67.0, outdoor=5.0)], config={"compressor_min_outdoor_f": 10.0}, duration=900)
    assert timeline.on(10) == {"W2", "G"}


def test_r13_a_furnace_runs_its_own_blower_by_default():
    timeline = replay([heat(indoor=67.0, outdoor=20.0)], config={"backup_heat": "dual_fuel"}, duration=900)
    assert timeline.on(120) == {"W2"}
