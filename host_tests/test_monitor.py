"""Unit tests of the black-box monitor: small hand-written timelines.

Each rule gets at least one timeline that breaks it (the monitor must name that
rule, and only the rules the timeline really breaks) and a compliant neighbour
(the monitor must stay silent).  The timelines are fed one observation per
second unless said otherwise; a plan entry holds until the next one changes it.
"""

from __future__ import annotations

import os
import sys

import pytest

try:
    from host_tests.monitor import (
        DEFAULTS,
        OUTPUTS,
        Acceptance,
        Monitor,
        Violation,
        accept_command,
        accept_settings_change,
        apply_defaults,
        check_replay_lines,
        cmp3,
    )
except ImportError:  # run from inside host_tests/ without the repository root on sys.path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from host_tests.monitor import (
        DEFAULTS,
        OUTPUTS,
        Acceptance,
        Monitor,
        Violation,
        accept_command,
        accept_settings_change,
        apply_defaults,
        check_replay_lines,
        cmp3,
    )

BASE_ENV = dict(mode="heat", fan="auto", heat_sp_f=68.0, cool_sp_f=76.0, indoor_f=68.0, outdoor_f=50.0)


def run(plan: dict, end: int, settings: dict | None = None, liveness: bool = False, tick: float | None = 1,
        env: dict | None = None) -> Monitor:
    """Feed a Monitor every tick from 0 to ``end``.

    ``plan`` maps a time to changes: ``out`` (space separated energized terminals),
    ``boot`` (True: a reboot observation at that tick), ``settings`` (the settings
    in force from then on) and any env key.  Everything holds until changed.
    """
    settings = dict(settings or {})
    m = Monitor(settings, liveness=liveness, tick_s=tick)
    cur_env = dict(BASE_ENV, **(env or {}))
    cur_out: set[str] = set()
    cur_settings = settings
    step_s = tick or 1
    n = 0
    while n * step_s <= end:
        t = n * step_s
        boot = n == 0
        if t in plan:
            change = dict(plan[t])
            if "out" in change:
                cur_out = set(change.pop("out").split())
            boot = change.pop("boot", False) or boot
            if "settings" in change:
                cur_settings = change.pop("settings")
            cur_env.update(change)
        outputs = {k: int(k in cur_out) for k in OUTPUTS}
        m.observe(t, outputs, dict(cur_env, boot=boot, settings=cur_settings))
        n += 1
    assert not [v for v in m.violations if v.rule in ("MONITOR_ERROR", "INPUT")], m.violations
    return m


def rules(m: Monitor) -> set[str]:
    return {v.rule for v in m.violations}


def at(m: Monitor, rule: str) -> list[float]:
    return [v.t_s for v in m.violations if v.rule == rule]


# ----------------------------------------------------------------------------
# settings defaults and temperature comparisons
# ----------------------------------------------------------------------------

def test_defaults_table():
    s = apply_defaults({})
    assert s["min_off_s"] == 300 and s["min_on_s"] == 180 and s["max_starts_per_hour"] == 4
    assert s["changeover_delay_s"] == 600 and s["sensor_timeout_s"] == 120
    assert s["compressor_min_outdoor_f"] is None
    assert s["fan_with_backup"] is True
    assert apply_defaults({"backup_heat": "dual_fuel"})["fan_with_backup"] is False
    assert apply_defaults({"backup_heat": "dual_fuel", "fan_with_backup": True})["fan_with_backup"] is True
    assert apply_defaults({"compressor_min_outdoor_f": 5})["compressor_min_outdoor_f"] == 5
    assert set(DEFAULTS) >= {"reversing_valve", "aux_max_outdoor_f", "balance_point_f", "em_heat_w2"}


def test_cmp3_tenths():
    assert cmp3(67.0, "<=", 68.0 - 1.0) is True
    assert cmp3(67.1, "<=", 67.0) is False
    assert cmp3(34.9, "<", 35.0) is True
    assert cmp3(35.0, "<", 35.0) is False
    assert cmp3(34.96, "<", 35.0) is None  # off the tenths grid and within a tenth: ambiguous
    assert cmp3(34.8, "<", 35.0) is True
    assert cmp3(0.1 + 0.2, "<=", 0.3) is True  # float noise does not matter


def test_observe_never_raises_on_garbage():
    m = Monitor({}, tick_s=1)
    m.observe(0, None, None)
    m.observe(1, {"Y1": 1}, {"mode": "heat", "indoor_f": "warm", "settings": {}})
    m.observe(0.5, {}, {})  # time going backwards is reported, not raised
    assert all(isinstance(v, Violation) for v in m.violations)


# ----------------------------------------------------------------------------
# compliant timelines (with liveness on)
# ----------------------------------------------------------------------------

def test_compliant_heat_cycle():
    plan = {
        0: dict(indoor_f=66.0),
        300: dict(out="Y1 G"),
        700: dict(indoor_f=68.0, out=""),
        2000: dict(indoor_f=66.9),
        2000 + 2: dict(out="Y1 G"),
        2500: dict(indoor_f=68.2, out=""),
    }
    m = run(plan, 4000, liveness=True)
    assert m.violations == []


def test_compliant_cool_cycle_o_valve_and_b_valve():
    plan = {0: dict(mode="cool", indoor_f=78.0), 1: dict(out="OB"), 300: dict(out="Y1 G OB"),
            900: dict(indoor_f=76.0, out="OB")}
    assert run(plan, 2000, liveness=True).violations == []
    plan_b = {0: dict(mode="cool", indoor_f=78.0), 300: dict(out="Y1 G"), 900: dict(indoor_f=76.0, out="")}
    assert run(plan_b, 2000, {"reversing_valve": "B"}, liveness=True).violations == []


def test_compliant_dual_fuel_furnace_below_balance_point():
    plan = {0: dict(indoor_f=66.0, outdoor_f=20.0), 60: dict(out="W2"), 900: dict(indoor_f=68.0, out="")}
    assert run(plan, 2000, {"backup_heat": "dual_fuel"}, liveness=True).violations == []


def test_compliant_emergency():
    plan = {0: dict(mode="emergency", indoor_f=66.0), 1: dict(out="E W2 G"), 900: dict(indoor_f=68.0, out="")}
    assert run(plan, 2000, liveness=True).violations == []


def test_compliant_heat_to_cool_changeover_in_auto():
    # heats 300-700, then the house overheats: the valve waits changeover_delay_s
    # after Y1 stopped, then moves while Y1 is off, then Y1 cools.
    plan = {
        0: dict(mode="auto", heat_sp_f=68.0, cool_sp_f=74.0, indoor_f=66.0),
        300: dict(out="Y1 G"),
        700: dict(indoor_f=68.0, out=""),
        800: dict(indoor_f=75.5),
        1300: dict(out="OB"),
        1301: dict(out="Y1 G OB"),
        1800: dict(indoor_f=74.0, out="OB"),
    }
    assert run(plan, 2500, liveness=True).violations == []


def test_tick_is_estimated_when_not_given():
    plan = {0: dict(indoor_f=66.0), 300: dict(out="Y1 G"), 700: dict(indoor_f=68.0, out="")}
    assert run(plan, 1500, liveness=True, tick=None).violations == []
    assert rules(run({0: dict(indoor_f=66.0)}, 1000, liveness=True, tick=None)) == {"L_heat"}


# ----------------------------------------------------------------------------
# rule 1: E excludes the compressor; emergency mode excludes the compressor
# ----------------------------------------------------------------------------

def test_r1_e_with_y1():
    plan = {0: dict(mode="emergency"), 300: dict(out="E W2 G Y1")}
    assert rules(run(plan, 400)) == {"R1"}


def test_r1_compressor_in_emergency_mode():
    plan = {0: dict(mode="emergency"), 300: dict(out="Y1 G")}
    assert rules(run(plan, 400)) == {"R1"}


def test_r1_leaving_heat_for_emergency_gets_one_tick():
    plan = {300: dict(out="Y1 G"), 600: dict(mode="emergency"), 601: dict(out="E W2 G")}
    assert rules(run(plan, 700)) == set()
    plan[601] = dict(out="Y1 G")
    plan[602] = dict(out="E W2 G")
    assert at(run(plan, 700), "R1") == [601]


# ----------------------------------------------------------------------------
# rule 2 and the terminal table
# ----------------------------------------------------------------------------

def test_r2_y2_without_y1():
    assert rules(run({300: dict(out="Y2 G")}, 400, {"compressor_stages": 2})) == {"R2"}
    assert rules(run({300: dict(out="Y1 G"), 400: dict(out="Y1 Y2 G")}, 500, {"compressor_stages": 2})) == set()


def test_y2_needs_two_stages():
    assert rules(run({300: dict(out="Y1 G"), 400: dict(out="Y1 Y2 G")}, 500)) == {"Y2_STAGES"}


def test_no_backup_means_no_w2_or_e():
    assert rules(run({100: dict(out="W2 G")}, 200, {"backup_heat": "none"})) == {"NO_BACKUP"}


def test_e_only_in_emergency_mode():
    assert rules(run({100: dict(out="E W2 G")}, 200, env=dict(outdoor_f=20.0))) == {"E_MODE"}
    # leaving emergency clears E at once (one tick)
    plan = {0: dict(mode="emergency"), 1: dict(out="E W2 G"), 100: dict(mode="heat"), 101: dict(out="")}
    assert rules(run(plan, 200)) == set()
    plan[101] = dict(out="E W2 G")
    assert rules(run(plan, 200)) == {"E_MODE"}


# ----------------------------------------------------------------------------
# rule 3: dual fuel hand-over
# ----------------------------------------------------------------------------

DF = {"backup_heat": "dual_fuel"}


def test_r3_compressor_with_furnace():
    assert rules(run({300: dict(out="Y1 G"), 400: dict(out="Y1 G W2")}, 500, DF)) == {"R3"}


def test_r3_w2_too_soon_after_y1():
    plan = {300: dict(out="Y1 G"), 500: dict(out=""), 530: dict(out="W2")}
    assert at(run(plan, 600, DF), "R3") == [530]
    plan = {300: dict(out="Y1 G"), 500: dict(out=""), 560: dict(out="W2")}
    assert rules(run(plan, 600, DF)) == set()


def test_r3_y1_too_soon_after_w2():
    plan = {10: dict(out="W2"), 400: dict(out=""), 430: dict(out="Y1 G")}
    assert at(run(plan, 600, DF), "R3") == [430]
    plan = {10: dict(out="W2"), 400: dict(out=""), 460: dict(out="Y1 G")}
    assert rules(run(plan, 600, DF)) == set()


def test_r3_reboot_turns_y1_off_but_keeps_the_last_turn_off():
    plan = {300: dict(out="Y1 G"), 700: dict(boot=True, out=""), 720: dict(out="W2")}
    assert at(run(plan, 800, DF), "R3") == [720]
    plan = {300: dict(out="Y1 G"), 500: dict(out=""), 530: dict(boot=True), 540: dict(out="W2")}
    assert at(run(plan, 800, DF), "R3") == [540]


# ----------------------------------------------------------------------------
# rule 4: min off (boot counts) and starts per hour
# ----------------------------------------------------------------------------

def test_r4_start_too_soon_after_boot():
    assert at(run({100: dict(out="Y1 G")}, 400), "R4") == [100]
    assert rules(run({300: dict(out="Y1 G")}, 400)) == set()


def test_r4_start_too_soon_after_turn_off():
    plan = {300: dict(out="Y1 G"), 600: dict(out=""), 700: dict(out="Y1 G")}
    assert at(run(plan, 800), "R4") == [700]
    plan[700] = dict()
    plan[900] = dict(out="Y1 G")
    assert rules(run(plan, 1000)) == set()


def test_r4_reboot_counts_as_turn_off():
    plan = {300: dict(out="Y1 G"), 500: dict(out=""), 900: dict(boot=True), 1000: dict(out="Y1 G")}
    assert at(run(plan, 1100), "R4") == [1000]
    plan[1000] = dict()
    plan[1200] = dict(out="Y1 G")
    assert rules(run(plan, 1300)) == set()


def test_r4_cooling_min_off_protects_heating_start():
    plan = {0: dict(mode="cool"), 300: dict(out="Y1 G"), 600: dict(out="", mode="heat"), 700: dict(out="Y1 G")}
    assert at(run(plan, 800, {"reversing_valve": "B"}), "R4") == [700]


def _cycles(starts, run_s=200):
    plan = {}
    for s in starts:
        plan[s] = dict(out="Y1 G")
        plan[s + run_s] = dict(out="")
    return plan


def test_r4_max_starts_per_hour():
    m = run(_cycles([300, 800, 1300, 1800, 2300]), 2600)
    assert at(m, "R4") == [2300]
    assert rules(run(_cycles([300, 800, 1300, 1800, 3900]), 4200)) == set()


def test_r4_starts_are_counted_across_reboots():
    plan = _cycles([300, 800, 1300, 1800])
    plan[2100] = dict(boot=True)
    plan[2400] = dict(out="Y1 G")
    assert at(run(plan, 2500), "R4") == [2400]


# ----------------------------------------------------------------------------
# rule 5: min on unless the call ends for a safety reason
# ----------------------------------------------------------------------------

def test_r5_short_run():
    plan = {300: dict(out="Y1 G"), 400: dict(out="")}
    assert at(run(plan, 500), "R5") == [400]
    plan[400] = dict()
    plan[480] = dict(out="")
    assert rules(run(plan, 500)) == set()


def test_r5_setpoint_change_does_not_bypass_min_on():
    plan = {0: dict(indoor_f=66.0), 300: dict(out="Y1 G"), 400: dict(heat_sp_f=60.0, out="")}
    assert rules(run(plan, 500)) == {"R5"}


@pytest.mark.parametrize(
    "reason",
    [
        dict(mode="off", out=""),
        dict(mode="emergency", out=""),
        dict(outdoor_f=10.0, out=""),
        dict(boot=True, out=""),
    ],
    ids=["mode-off", "emergency", "lockout", "reboot"],
)
def test_r5_safety_reasons_end_a_call_at_once(reason):
    plan = {300: dict(out="Y1 G"), 400: reason}
    assert rules(run(plan, 500, {"compressor_min_outdoor_f": 20.0})) == set()


def test_r5_failed_sensor_ends_a_call_at_once():
    plan = {250: dict(indoor_f=None), 300: dict(out="Y1 G"), 370: dict(out="")}
    assert rules(run(plan, 500)) == set()


def test_r5_rewiring_ends_a_call():
    plan = {300: dict(out="Y1 G"), 400: dict(out="", settings={"compressor_stages": 2})}
    assert rules(run(plan, 500)) == set()


def test_r5_any_other_settings_change_does_not_end_a_call():
    plan = {300: dict(out="Y1 G"), 400: dict(out="", settings={"min_on_s": 240})}
    assert at(run(plan, 500), "R5") == [400]


# ----------------------------------------------------------------------------
# re-wiring: reversing_valve, compressor_stages or backup_heat changed
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("change", [{"reversing_valve": "B"}, {"compressor_stages": 2}, {"backup_heat": "none"}])
def test_rewiring_must_end_the_call_at_once(change):
    plan = {300: dict(out="Y1 G"), 400: dict(settings=change)}
    assert at(run(plan, 600), "REWIRING") == [401]
    plan[401] = dict(out="G")
    assert "REWIRING" not in rules(run(plan, 600))


def test_rewiring_must_end_strips_and_emergency_heat_too():
    plan = {0: dict(mode="emergency"), 1: dict(out="E W2 G"), 100: dict(settings={"backup_heat": "dual_fuel"})}
    assert at(run(plan, 300), "REWIRING") == [101]
    plan[101] = dict(out="")
    plan[102] = dict(out="E")  # E may return at once; a W2 start would wait the dual-fuel delay
    assert rules(run(plan, 300)) == set()


def test_r4_rewiring_counts_as_a_boot_for_min_off():
    plan = {300: dict(out="Y1 G"), 500: dict(out=""), 700: dict(settings={"compressor_stages": 2}),
            850: dict(out="Y1 G")}
    assert at(run(plan, 1000), "R4") == [850]
    plan[1000] = plan.pop(850)
    assert rules(run(plan, 1100)) == set()


def test_r6_rewiring_lets_the_valve_move_as_after_a_boot():
    plan = {300: dict(out="Y1 G"), 500: dict(out=""), 510: dict(settings={"reversing_valve": "B"}),
            520: dict(out="OB")}
    assert rules(run(plan, 600)) == set()
    plan[510] = dict()
    assert at(run(plan, 600), "R6") == [520]


def test_r3_rewiring_counts_as_a_boot_for_the_dual_fuel_delay():
    plan = {0: dict(indoor_f=60.0, outdoor_f=20.0), 100: dict(settings={"backup_heat": "dual_fuel"}),
            130: dict(out="W2")}
    m = run(plan, 300, liveness=True)
    assert "L_heat" not in rules(m)
    plan[130] = dict()
    assert at(run(plan, 300, liveness=True), "L_heat") == [162]


def test_l_aux_strips_serve_a_droop_while_max_starts_holds_the_compressor():
    settings = {"max_starts_per_hour": 1}
    plan = {0: dict(indoor_f=67.0, outdoor_f=30.0), 300: dict(out="Y1 G"), 600: dict(out="", indoor_f=68.0),
            1000: dict(indoor_f=64.0)}
    m = run(plan, 1500, settings, liveness=True)
    assert rules(m) == {"L_aux"} and at(m, "L_aux") == [1002]
    plan[1000] = dict(indoor_f=64.0, out="W2 G")
    assert rules(run(plan, 1500, settings, liveness=True)) == set()


def test_l_aux_strips_serve_a_droop_during_the_changeover_delay():
    plan = {0: dict(mode="cool", indoor_f=78.0, outdoor_f=30.0), 1: dict(out="OB"), 300: dict(out="Y1 OB G"),
            600: dict(out="OB", indoor_f=76.0), 700: dict(mode="heat", indoor_f=64.0)}
    m = run(plan, 1100, liveness=True)
    assert rules(m) == {"L_aux"} and at(m, "L_aux") == [702]
    plan[700] = dict(mode="heat", indoor_f=64.0, out="OB W2 G")
    assert rules(run(plan, 1100, liveness=True)) == set()


def test_l_aux_strips_may_wait_for_a_compressor_held_by_min_off_alone():
    plan = {0: dict(indoor_f=67.0, outdoor_f=30.0), 300: dict(out="Y1 G"), 600: dict(out="", indoor_f=68.0),
            700: dict(indoor_f=64.0), 900: dict(out="Y1 G"), 901: dict(out="Y1 G W2")}
    assert rules(run(plan, 1000, liveness=True)) == set()


# ----------------------------------------------------------------------------
# rule 6: reversing valve changes only with Y1 off and after changeover delay
# ----------------------------------------------------------------------------

def test_r6_ob_change_while_y1_on():
    plan = {0: dict(mode="cool"), 1: dict(out="OB"), 300: dict(out="Y1 G OB"), 400: dict(out="Y1 G")}
    assert at(run(plan, 500), "R6") == [400]


def test_r6_ob_change_at_the_tick_y1_starts():
    plan = {0: dict(mode="cool"), 300: dict(out="Y1 G OB")}
    assert at(run(plan, 400), "R6") == [300]


def test_r6_changeover_delay_after_y1_ran():
    plan = {0: dict(mode="cool"), 1: dict(out="OB"), 300: dict(out="Y1 G OB"), 600: dict(out="OB"),
            700: dict(out="", mode="heat")}
    assert at(run(plan, 800), "R6") == [700]
    plan.pop(700)
    plan[1200] = dict(out="", mode="heat")
    assert rules(run(plan, 1300)) == set()


def test_r6_free_before_y1_has_run_since_boot():
    plan = {0: dict(mode="cool"), 1: dict(out="OB"), 2: dict(out=""), 3: dict(out="OB")}
    assert rules(run(plan, 100)) == set()


def test_r6_boot_resets_ob_without_violation():
    plan = {0: dict(mode="cool"), 1: dict(out="OB"), 300: dict(out="Y1 G OB"), 500: dict(boot=True, out="")}
    assert rules(run(plan, 600)) == set()


# ----------------------------------------------------------------------------
# rule 7: cooling never energizes W2/E; heating never runs OB in cool polarity
# ----------------------------------------------------------------------------

def test_r7_w2_in_cool_mode():
    plan = {0: dict(mode="cool", outdoor_f=30.0), 300: dict(out="W2 G")}
    assert rules(run(plan, 400)) == {"R7"}


def test_r7_auto_cooling_with_w2():
    plan = {0: dict(mode="auto", outdoor_f=30.0), 1: dict(out="OB"), 300: dict(out="Y1 G OB"),
            400: dict(out="Y1 G OB W2")}
    assert rules(run(plan, 500)) == {"R7"}


def test_r7_heating_with_valve_in_cool_polarity():
    plan = {1: dict(out="OB"), 300: dict(out="Y1 G OB")}
    assert rules(run(plan, 400)) == {"R7"}
    # B valve: OB energized is the heat position
    plan_b = {1: dict(out="OB"), 300: dict(out="Y1 G OB")}
    assert rules(run(plan_b, 400, {"reversing_valve": "B"})) == set()
    plan_b = {300: dict(out="Y1 G")}
    assert rules(run(plan_b, 400, {"reversing_valve": "B"})) == {"R7"}


# ----------------------------------------------------------------------------
# rule 8: compressor outdoor lockouts
# ----------------------------------------------------------------------------

def test_r8_start_below_compressor_min_outdoor():
    plan = {0: dict(outdoor_f=10.0), 300: dict(out="Y1 G")}
    assert at(run(plan, 400, {"compressor_min_outdoor_f": 20.0}), "R8") == [300]


def test_r8_running_when_lockout_begins_gets_one_tick():
    s = {"compressor_min_outdoor_f": 20.0}
    plan = {0: dict(outdoor_f=30.0), 300: dict(out="Y1 G"), 500: dict(outdoor_f=10.0), 501: dict(out="")}
    assert rules(run(plan, 600, s)) == set()
    plan[501] = dict()
    plan[510] = dict(out="")
    assert at(run(plan, 600, s), "R8") == [501]


def test_r8_dual_fuel_balance_point():
    plan = {0: dict(outdoor_f=30.0), 300: dict(out="Y1 G")}
    assert rules(run(plan, 400, DF)) == {"R8"}
    plan = {0: dict(outdoor_f=40.0), 300: dict(out="Y1 G")}
    assert rules(run(plan, 400, DF)) == set()


def test_r8_failed_outdoor_sensor_lifts_the_lockout():
    plan = {0: dict(outdoor_f=None), 300: dict(out="Y1 G")}
    assert rules(run(plan, 400, {"compressor_min_outdoor_f": 20.0})) == set()


def test_r8_ambiguous_reading_is_not_flagged():
    plan = {0: dict(outdoor_f=19.96), 300: dict(out="Y1 G")}
    assert rules(run(plan, 400, {"compressor_min_outdoor_f": 20.0})) == set()


# ----------------------------------------------------------------------------
# rule 9: electric aux outdoor lockout
# ----------------------------------------------------------------------------

def test_r9_aux_above_aux_max_outdoor():
    plan = {0: dict(outdoor_f=50.0), 300: dict(out="Y1 G"), 400: dict(out="Y1 G W2")}
    assert at(run(plan, 500), "R9") == [400]
    plan[0] = dict(outdoor_f=30.0)
    assert rules(run(plan, 500)) == set()


def test_r9_allowed_when_compressor_locked_out_or_sensor_failed():
    plan = {0: dict(outdoor_f=38.0), 10: dict(out="W2 G")}
    assert rules(run(plan, 100, {"compressor_min_outdoor_f": 40.0})) == set()
    plan = {0: dict(outdoor_f=None), 10: dict(out="W2 G")}
    assert rules(run(plan, 100)) == set()
    plan = {0: dict(mode="emergency"), 10: dict(out="E W2 G")}
    assert rules(run(plan, 100)) == set()


# ----------------------------------------------------------------------------
# rule 10: failed indoor sensor
# ----------------------------------------------------------------------------

def test_r10_indoor_timeout_one_tick_tolerance():
    # last valid reading at 199, failed at 319; outputs must be off from 320 on
    plan = {200: dict(indoor_f=None), 300: dict(out="Y1 G"), 320: dict(out="")}
    assert rules(run(plan, 400)) == set()
    plan[320] = dict()
    plan[330] = dict(out="")
    assert at(run(plan, 400), "R10") == [320]


def test_r10_sensor_missing_at_boot_is_failed_from_the_start():
    plan = {0: dict(indoor_f=None, outdoor_f=20.0), 5: dict(out="W2 G")}
    assert at(run(plan, 100), "R10") == [5]


def test_r10_fan_keeps_its_mode():
    plan = {0: dict(indoor_f=None, fan="on"), 1: dict(out="G")}
    assert rules(run(plan, 300, liveness=True)) == set()


def test_r10_alert_required_when_alerts_are_reported():
    m = Monitor({}, tick_s=1)
    for t in range(0, 10):
        m.observe(t, dict.fromkeys(OUTPUTS, 0), dict(BASE_ENV, indoor_f=None, boot=t == 0, alerts=[]))
    assert rules(m) == {"R10"}


# ----------------------------------------------------------------------------
# rule 11: mode off
# ----------------------------------------------------------------------------

def test_r11_mode_off_clears_outputs_at_once():
    plan = {300: dict(out="Y1 G"), 500: dict(mode="off"), 501: dict(out="")}
    assert rules(run(plan, 600)) == set()
    plan[501] = dict()
    plan[503] = dict(out="")
    m = run(plan, 600)
    assert rules(m) == {"R11"} and set(at(m, "R11")) == {501}  # compressor, and G with fan auto


def test_r11_blower_in_mode_off():
    assert rules(run({0: dict(mode="off"), 10: dict(out="G")}, 100)) == {"R11"}
    assert rules(run({0: dict(mode="off", fan="on"), 1: dict(out="G")}, 100)) == set()
    assert rules(run({0: dict(mode="off", fan="circulate"), 1: dict(out="G")}, 100)) == set()


def test_r11_ob_returns_when_rule6_allows():
    plan = {0: dict(mode="cool"), 1: dict(out="OB"), 300: dict(out="Y1 G OB"), 600: dict(mode="off", out="OB"),
            1200: dict(out="")}
    assert rules(run(plan, 1300)) == set()
    plan[1200] = dict()
    assert at(run(plan, 1300), "R11") == [1201]


# ----------------------------------------------------------------------------
# rules 12 and 13
# ----------------------------------------------------------------------------

def test_r12_boot_all_off():
    assert rules(run({0: dict(out="G")}, 10)) == {"R12"}
    plan = {300: dict(out="Y1 G"), 400: dict(boot=True, out="Y1 G")}
    assert "R12" in rules(run(plan, 500))


def test_r13_blower_with_compressor_and_backup():
    assert rules(run({300: dict(out="Y1")}, 400)) == {"R13"}
    assert rules(run({0: dict(outdoor_f=20.0), 10: dict(out="W2")}, 100)) == {"R13"}
    # dual fuel: the furnace runs its own blower by default
    assert rules(run({0: dict(outdoor_f=20.0), 10: dict(out="W2")}, 100, DF)) == set()
    s = dict(DF, fan_with_backup=True)
    assert rules(run({0: dict(outdoor_f=20.0), 10: dict(out="W2")}, 100, s)) == {"R13"}


# ----------------------------------------------------------------------------
# liveness
# ----------------------------------------------------------------------------

def test_l_heat_not_served():
    m = run({0: dict(indoor_f=66.0)}, 1000, liveness=True)
    assert rules(m) == {"L_heat"} and at(m, "L_heat") == [302]


def test_l_heat_bound_is_tight():
    assert rules(run({0: dict(indoor_f=66.0), 302: dict(out="Y1 G")}, 600, liveness=True)) == set()
    assert rules(run({0: dict(indoor_f=66.0), 303: dict(out="Y1 G")}, 600, liveness=True)) == {"L_heat"}


def test_l_heat_waits_for_starts_window():
    plan = _cycles([300, 800, 1300, 1800])
    plan[2000] = dict(out="", indoor_f=66.0)
    plan[3900] = dict(out="Y1 G")
    assert rules(run(plan, 4000, liveness=True)) == set()
    plan.pop(3900)
    m = run(plan, 4000, liveness=True)
    assert at(m, "L_heat") == [3902]


def test_l_heat_ambiguous_threshold_is_not_demanded():
    assert rules(run({0: dict(indoor_f=66.96)}, 1000, liveness=True)) == set()


def test_l_heat_dual_fuel_furnace():
    assert rules(run({0: dict(indoor_f=66.0, outdoor_f=20.0)}, 300, DF, liveness=True)) == {"L_heat"}


def test_l_heat_no_demand_with_failed_indoor_sensor():
    assert rules(run({0: dict(indoor_f=None)}, 1000, liveness=True)) == set()


def test_l_cool_not_served():
    m = run({0: dict(mode="cool", indoor_f=78.0)}, 1000, liveness=True)
    assert rules(m) == {"L_cool"}


def test_l_aux_compressor_locked_out():
    s = {"compressor_min_outdoor_f": 20.0}
    assert rules(run({0: dict(indoor_f=66.0, outdoor_f=10.0)}, 100, s, liveness=True)) == {"L_aux"}
    plan = {0: dict(indoor_f=66.0, outdoor_f=10.0), 1: dict(out="W2 G")}
    assert rules(run(plan, 100, s, liveness=True)) == set()


def test_l_aux_droop():
    plan = {0: dict(indoor_f=64.0, outdoor_f=30.0), 300: dict(out="Y1 G")}
    m = run(plan, 500, liveness=True)
    assert rules(m) == {"L_aux"} and at(m, "L_aux") == [302]
    plan[301] = dict(out="Y1 G W2")
    assert rules(run(plan, 500, liveness=True)) == set()


def test_l_aux_timer():
    # 66.4 against 68: more than droop/2 (1.5) behind, short of the droop (3).
    plan = {0: dict(indoor_f=66.4, outdoor_f=30.0), 300: dict(out="Y1 G")}
    m = run(plan, 2500, liveness=True)
    assert rules(m) == {"L_aux"} and at(m, "L_aux") == [2102]
    plan[2100] = dict(out="Y1 G W2")
    assert rules(run(plan, 2500, liveness=True)) == set()


def test_l_aux_timer_demands_nothing_at_exactly_droop_half():
    """Within droop/2 of setpoint the contract lets W2 leave: it need not join there."""
    plan = {0: dict(indoor_f=66.5, outdoor_f=30.0), 300: dict(out="Y1 G")}
    assert rules(run(plan, 2500, liveness=True)) == set()


def test_l_emergency():
    plan = {0: dict(mode="emergency", indoor_f=66.0), 1: dict(out="E G")}
    assert rules(run(plan, 100, liveness=True)) == {"L_emergency"}
    plan = {0: dict(mode="emergency", indoor_f=66.0), 1: dict(out="E G W2")}
    assert rules(run(plan, 100, liveness=True)) == set()
    plan = {0: dict(mode="emergency", indoor_f=66.0), 1: dict(out="E G")}
    assert rules(run(plan, 100, {"em_heat_w2": False}, liveness=True)) == set()


def test_l_fan_on():
    assert rules(run({0: dict(fan="on")}, 100, liveness=True)) == {"L_fan"}
    assert rules(run({0: dict(fan="on"), 1: dict(out="G")}, 100, liveness=True)) == set()


def _circulate(minutes_per_hour, hours=3):
    plan = {0: dict(fan="circulate", mode="off")}
    for h in range(hours):
        plan[h * 3600 + 1] = dict(out="G")
        plan[h * 3600 + 1 + minutes_per_hour * 60] = dict(out="")
    return plan


def test_l_fan_circulate():
    assert rules(run(_circulate(15), 3 * 3600, liveness=True)) == set()
    assert rules(run(_circulate(10), 3 * 3600, liveness=True)) == {"L_fan"}


def test_liveness_can_be_switched_off():
    assert rules(run({0: dict(indoor_f=66.0, fan="on")}, 1000, liveness=False)) == set()


# ----------------------------------------------------------------------------
# replay reconstruction
# ----------------------------------------------------------------------------

ZERO = dict.fromkeys(OUTPUTS, 0)


def line(t, alerts=(), **on):
    return dict(ZERO, t=t, alerts=list(alerts), **on)


def test_accept_command():
    s = apply_defaults({})
    acc = {"mode": "off", "fan": "auto", "heat_sp_f": 68.0, "cool_sp_f": 76.0}
    new, why = accept_command(acc, {"t": 0, "mode": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 72}, s)
    assert new == acc and "deadband" in why
    new, why = accept_command(acc, {"t": 0, "heat_setpoint_f": 95}, s)
    assert new == acc and why
    new, why = accept_command(acc, {"t": 0, "mode": "emergency"}, apply_defaults({"backup_heat": "none"}))
    assert new == acc and why
    new, why = accept_command(acc, {"t": 0, "mode": "heat", "heat_setpoint_f": 70}, s)
    assert why is None and new["mode"] == "heat" and new["heat_sp_f"] == 70


def test_replay_compliant_heat_with_reboot():
    scenario = {
        "tick_s": 1,
        "duration_s": 1500,
        "events": [
            {"t": 0, "mode": "heat", "fan": "auto", "heat_setpoint_f": 70, "indoor_f": 67.5, "outdoor_f": 40},
            {"t": 500, "reboot": True},
        ],
    }
    lines = [line(0), line(300, Y1=1, G=1), line(500), line(800, Y1=1, G=1)]
    assert check_replay_lines(scenario, lines) == []
    lines[-1] = line(700, Y1=1, G=1)
    assert {v.rule for v in check_replay_lines(scenario, lines)} == {"R4"}


def test_replay_refused_command_keeps_mode_off():
    scenario = {
        "tick_s": 1,
        "duration_s": 600,
        "events": [{"t": 0, "mode": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 72, "indoor_f": 65,
                    "outdoor_f": 50}],
    }
    assert check_replay_lines(scenario, [line(0)]) == []
    got = check_replay_lines(scenario, [line(0), line(300, Y1=1, G=1)])
    assert {v.rule for v in got} == {"R11"}


def test_replay_reboot_line_is_the_boot_observation():
    scenario = {"tick_s": 10, "duration_s": 1200,
                "events": [{"t": 0, "mode": "heat", "indoor_f": 66, "outdoor_f": 40}, {"t": 505, "reboot": True}]}
    lines = [line(0), line(300, Y1=1, G=1), line(505), line(810, Y1=1, G=1)]
    assert check_replay_lines(scenario, lines) == []
    # the boot line must be all off
    bad = [line(0), line(300, Y1=1, G=1), line(505, G=1), line(505), line(810, Y1=1, G=1)]
    assert {v.rule for v in check_replay_lines(scenario, bad)} == {"R12"}


def test_replay_sensor_failure_and_alerts():
    scenario = {"tick_s": 1, "duration_s": 700,
                "events": [{"t": 0, "mode": "heat", "indoor_f": 66, "outdoor_f": 40}, {"t": 400, "indoor_f": None}]}
    lines = [line(0), line(300, Y1=1, G=1), line(519, alerts=["indoor_sensor"])]
    assert check_replay_lines(scenario, lines) == []
    lines = [line(0), line(300, Y1=1, G=1), line(519)]
    assert {v.rule for v in check_replay_lines(scenario, lines)} == {"R10"}


# ----------------------------------------------------------------------------
# a small contract-abiding controller must never be flagged (false positives)
# ----------------------------------------------------------------------------

class _RefController:
    """Minimal heat/cool/auto/off heat pump control that follows the contract (no backup heat used)."""

    def __init__(self, settings):
        self.s = apply_defaults(settings)
        self.starts = []  # kept across reboots, as if in flash

    def boot(self, t):
        self.y1, self.ob, self.last_off, self.ran = 0, 0, t, False
        self.y1_on = self.run_mode = self.run_cool = self.call = None
        self.circ_start = None
        return dict.fromkeys(OUTPUTS, 0)

    def step(self, t, env):
        s = self.s
        mode, ind, hsp, csp = env["mode"], env["indoor_f"], env["heat_sp_f"], env["cool_sp_f"]
        if self.call == "heat" and (ind >= hsp or mode not in ("heat", "auto")):
            self.call = None
        if self.call == "cool" and (ind <= csp or mode not in ("cool", "auto")):
            self.call = None
        if self.call is None:
            if mode in ("heat", "auto") and ind <= hsp - s["heat_differential_f"]:
                self.call = "heat"
            elif mode in ("cool", "auto") and ind >= csp + s["cool_differential_f"]:
                self.call = "cool"
        cool_pos = bool(self.ob) if s["reversing_valve"] == "O" else not self.ob
        co_ok = not self.ran or t - self.last_off >= s["changeover_delay_s"]
        if self.y1:
            wanted = (self.call == "cool") == self.run_cool and self.call is not None
            if mode != self.run_mode or (not wanted and t - self.y1_on >= s["min_on_s"]):
                self.y1, self.last_off = 0, t
        elif self.call is not None:
            want_cool = self.call == "cool"
            if cool_pos != want_cool:
                if co_ok:
                    self.ob ^= 1
            elif (t - self.last_off >= s["min_off_s"]
                  and sum(1 for st in self.starts if st > t - 3600) < s["max_starts_per_hour"]):
                self.y1, self.y1_on, self.run_mode, self.run_cool, self.ran = 1, t, mode, want_cool, True
                self.starts.append(t)
        elif mode == "off" and self.ob and co_ok:
            self.ob = 0
        fan = env["fan"]
        if fan == "circulate":
            if self.circ_start is None:
                self.circ_start = t
        else:
            self.circ_start = None
        circ = self.circ_start is not None and (t - self.circ_start) % 3600 < s["circulate_min_per_hour"] * 60 + 5
        g = int(bool(self.y1 or fan == "on" or circ))
        return dict(Y1=self.y1, Y2=0, G=g, W2=0, OB=self.ob, E=0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("valve", ["O", "B"])
def test_reference_controller_is_never_flagged(seed, valve):
    import random

    rng = random.Random(seed)
    settings = {"reversing_valve": valve}
    ctl = _RefController(settings)
    m = Monitor(settings, liveness=True, tick_s=1)
    env = dict(mode="heat", fan="auto", heat_sp_f=68.0, cool_sp_f=74.0, indoor_f=67.0, outdoor_f=50.0)
    out = ctl.boot(0)
    m.observe(0, out, dict(env, boot=True, settings=settings))
    weather = 55.0
    for t in range(1, 30000):
        if rng.random() < 1 / 1500:
            env["mode"] = rng.choice(["off", "heat", "cool", "auto"])
        if rng.random() < 1 / 2000:
            env["fan"] = rng.choice(["auto", "on", "circulate"])
        if rng.random() < 1 / 2500:
            h = rng.choice([64.0, 66.0, 68.0, 70.0])
            env["heat_sp_f"], env["cool_sp_f"] = h, h + rng.choice([3.0, 4.0, 6.0])
        if t % 3000 == 0:
            weather = rng.choice([55.0, 85.0])
        heating = out["Y1"] and ((out["OB"] == 0) == (valve == "O"))
        cooling = out["Y1"] and not heating
        drift = (weather - env["indoor_f"]) / 2000 + 0.01 * rng.choice([-1, 1])
        env["indoor_f"] += drift + (0.05 if heating else -0.05 if cooling else 0.0)
        boot = rng.random() < 1 / 6000
        out = ctl.boot(t) if boot else ctl.step(t, env)
        m.observe(t, out, dict(env, boot=boot, settings=settings))
    assert m.violations == []


# ----------------------------------------------------------------------------
# liveness deadlines that the firmware's property run showed were too strict
# ----------------------------------------------------------------------------

def test_liveness_lets_a_settings_change_lengthen_but_not_shorten_a_running_min_off():
    """No command, settings included, bypasses a timer: min_off_s cut from 300 to
    30 s just after boot still lets the boot's 300 s run out first."""
    short = {"min_off_s": 30}
    plan = {0: {"indoor_f": 66.0, "settings": {}}, 1: {"settings": short}, 300: {"out": "Y1 G"}}
    assert rules(run(plan, 400, liveness=True)) == set()
    late = {0: {"indoor_f": 66.0, "settings": {}}, 1: {"settings": short}, 310: {"out": "Y1 G"}}
    assert at(run(late, 400, liveness=True), "L_heat") == [302]


def test_liveness_allows_a_dual_fuel_hand_over_its_switch_delay():
    """Dual fuel: the furnace may take over a failing heat-pump call, and must
    then wait dual_fuel_switch_delay_s after Y1 stops."""
    settings = {"backup_heat": "dual_fuel", "min_off_s": 30, "dual_fuel_switch_delay_s": 60}
    plan = {0: {"indoor_f": 60.0, "outdoor_f": 45.0}, 60: {"out": "Y1 G"}, 240: {"out": ""}, 300: {"out": "W2"}}
    assert rules(run(plan, 700, settings=settings, liveness=True)) == set()


def test_replay_settings_event_is_followed_and_a_rewiring_must_end_the_call():
    scenario = {"tick_s": 1, "duration_s": 500, "events": [
        {"t": 0, "mode": "heat", "heat_setpoint_f": 68.0, "indoor_f": 66.0, "outdoor_f": 50.0},
        {"t": 400, "settings": {"compressor_stages": 2}}]}
    off = dict.fromkeys(OUTPUTS, 0)
    on = dict(off, Y1=1, G=1)
    lines = [dict(off, t=0, alerts=[]), dict(on, t=300, alerts=[]), dict(off, t=400, alerts=[])]
    assert check_replay_lines(scenario, lines) == []
    assert [v.rule for v in check_replay_lines(scenario, lines[:2])] == ["REWIRING"]
    refused = check_replay_lines(scenario, lines, accept_settings=lambda merged: False)
    assert [v.rule for v in refused] == ["R5"]


def test_rewiring_an_output_seen_off_at_the_rewiring_may_return_at_once():
    """Two settings changes at one instant: E, ended by the first, may come back
    at the tick of the second (a re-wiring counts as a boot, and E has no timer)."""
    m = Monitor({}, tick_s=1)
    env = dict(BASE_ENV, mode="emergency", settings={})
    off = dict.fromkeys(OUTPUTS, 0)
    m.observe(0, off, dict(env, boot=True))
    m.observe(1, dict(off, E=1, W2=1, G=1), env)
    dual = {"backup_heat": "dual_fuel"}
    m.observe(2, off, dict(env, settings=dual))
    m.observe(2, dict(off, E=1), dict(env, settings=dict(dual, min_on_s=200)))
    m.observe(3, dict(off, E=1), dict(env, settings=dict(dual, min_on_s=200)))
    assert m.violations == []


# ----------------------------------------------------------------------------
# independence, and what a replay line may carry
# ----------------------------------------------------------------------------

def test_the_monitor_imports_nothing_but_the_standard_library():
    """Written from the contract alone: it shares no code, and so no mistake,
    with the firmware it judges (nothing from firmware/, tools/ or a package)."""
    import ast

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "monitor.py")
    tree = ast.parse(open(path, encoding="utf-8").read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in monitor.py"
            imported.add(node.module.split(".")[0])
    assert imported, "no imports found: the check reads the wrong file"
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported - set(sys.stdlib_module_names)
    assert not imported & {"thermo", "firmware", "app", "board", "scenario", "replay"}


def test_replay_lines_may_carry_keys_the_monitor_does_not_know():
    scenario = {"tick_s": 1, "duration_s": 700,
                "events": [{"t": 0, "mode": "heat", "indoor_f": 66, "outdoor_f": 40}, {"t": 400, "indoor_f": None}]}
    plain = [line(0), line(300, Y1=1, G=1), line(519, alerts=["indoor_sensor"])]
    extra = [dict(ln, action=action, held={"Y1": "min_off"}, future={"any": [1]})
             for ln, action in zip(plain, ("idle", "heat_pump", "idle"), strict=True)]
    assert check_replay_lines(scenario, extra) == check_replay_lines(scenario, plain) == []
    late = [dict(ln, action="heat_pump") for ln in plain[:2]]
    assert {v.rule for v in check_replay_lines(scenario, late)} == {"R10"}


# ----------------------------------------------------------------------------
# dual fuel: the furnace backs up a heat-pump call only after a droop
# ----------------------------------------------------------------------------

def test_l_heat_dual_fuel_a_furnace_without_droop_does_not_serve_a_heat_pump_call():
    """Above the balance point Y1 serves the call: a furnace run for 28 minutes
    on a call that never drooped (67 against 68, droop 3) leaves it unserved."""
    plan = {0: dict(indoor_f=67.0, outdoor_f=45.0), 300: dict(out="W2"), 1980: dict(out="")}
    m = run(plan, 2000, DF, liveness=True)
    assert rules(m) == {"L_heat"} and at(m, "L_heat") == [302]
    assert "without droop" in m.violations[0].message


def test_l_heat_dual_fuel_a_new_call_needs_its_own_droop_for_the_furnace():
    """A droop hands the first call to the furnace; the next call, with no
    droop, is the heat pump's again."""
    settings = dict(DF, min_off_s=300)
    plan = {0: dict(indoor_f=67.0, outdoor_f=45.0), 300: dict(out="Y1 G"), 320: dict(indoor_f=65.0),
            480: dict(out=""), 540: dict(out="W2"), 900: dict(indoor_f=68.0, out=""),
            1500: dict(indoor_f=67.0, out="W2")}
    m = run(plan, 2500, settings, liveness=True)
    assert rules(m) == {"L_heat"} and at(m, "L_heat") == [1502]
    plan[1500] = dict(indoor_f=67.0)
    plan[1501] = dict(out="Y1 G")
    assert rules(run(plan, 2500, settings, liveness=True)) == set()


def test_l_heat_dual_fuel_the_furnace_keeps_the_call_it_took_over():
    """Once the furnace has taken a call over on droop, it serves the rest of
    that call, even when indoor is no longer drooped."""
    settings = dict(DF, min_off_s=30, dual_fuel_switch_delay_s=60)
    plan = {0: dict(indoor_f=60.0, outdoor_f=45.0), 60: dict(out="Y1 G"), 240: dict(out=""),
            300: dict(out="W2"), 600: dict(indoor_f=67.5), 700: dict(indoor_f=66.5), 1200: dict(indoor_f=68.0, out="")}
    assert rules(run(plan, 1500, settings, liveness=True)) == set()


# ----------------------------------------------------------------------------
# the starts limit for liveness: the smallest value of the last hour
# ----------------------------------------------------------------------------

def test_l_heat_a_raised_starts_limit_still_holds_for_the_hour_it_governs():
    """No command, settings included, bypasses a limit: raising
    max_starts_per_hour from 1 to 4 right after the one start it allowed
    does not make that start's hour owe the call another one."""
    plan = {0: dict(indoor_f=66.0), 300: dict(out="Y1 G"), 500: dict(indoor_f=68.0, out=""),
            600: dict(settings={"max_starts_per_hour": 4}), 700: dict(indoor_f=66.0)}
    limit_1 = {"max_starts_per_hour": 1}
    assert rules(run(plan, 3901, limit_1, liveness=True)) == set()
    assert at(run(plan, 4000, limit_1, liveness=True), "L_heat") == [3902]
    plan[3900] = dict(out="Y1 G")
    assert rules(run(plan, 4000, limit_1, liveness=True)) == set()


# ----------------------------------------------------------------------------
# rule 10: the named alert
# ----------------------------------------------------------------------------

def _alerts_shown(env: dict, alerts: list[str], end: int = 10) -> Monitor:
    m = Monitor({}, tick_s=1)
    for t in range(0, end):
        m.observe(t, dict.fromkeys(OUTPUTS, 0), dict(BASE_ENV, boot=t == 0, alerts=alerts, **env))
    return m


def test_r10_a_failed_indoor_sensor_raises_the_indoor_sensor_alert_not_just_any():
    assert rules(_alerts_shown(dict(indoor_f=None), ["outdoor_sensor"])) == {"R10"}
    assert rules(_alerts_shown(dict(indoor_f=None), ["short_cycle_blocked"])) == {"R10"}
    assert rules(_alerts_shown(dict(indoor_f=None), ["indoor_sensor"])) == set()


def test_r10_a_failed_outdoor_sensor_raises_the_outdoor_sensor_alert_not_just_any():
    assert rules(_alerts_shown(dict(outdoor_f=None), ["indoor_sensor"])) == {"R10"}
    assert rules(_alerts_shown(dict(outdoor_f=None), ["outdoor_sensor"])) == set()
    both = _alerts_shown(dict(indoor_f=None, outdoor_f=None), ["indoor_sensor"])
    assert [v.message.split(" ")[0] for v in both.violations] == ["outdoor"]


# ----------------------------------------------------------------------------
# reboots: the precise deadline, not an hour off
# ----------------------------------------------------------------------------

def test_l_heat_after_a_reboot_the_compressor_is_owed_once_min_off_from_the_boot_ends():
    """A reboot 5 minutes after a start: min_off counts from the boot, the one
    start of the hour is far from the limit, so Y1 is due at boot + min_off."""
    plan = {0: dict(indoor_f=66.0), 300: dict(out="Y1 G"), 600: dict(boot=True, out="")}
    assert at(run(plan, 1200, liveness=True), "L_heat") == [902]
    plan[900] = dict(out="Y1 G")
    assert rules(run(plan, 1200, liveness=True)) == set()


def test_l_heat_after_a_reboot_the_remembered_starts_still_hold_the_compressor():
    plan = _cycles([300, 800, 1300, 1800])
    plan[2000] = dict(out="", indoor_f=66.0)
    plan[2100] = dict(boot=True)
    assert at(run(plan, 4000, liveness=True), "L_heat") == [3902]
    plan[3900] = dict(out="Y1 G")
    assert rules(run(plan, 4000, liveness=True)) == set()


def test_l_heat_after_a_reboot_the_valve_may_move_at_once():
    """Rule 6 holds the valve only once Y1 has run since boot: a heat call
    after a reboot that follows a cooling run owes Y1 at boot + min_off."""
    valve_b = {"reversing_valve": "B"}  # energized in heat: a boot leaves it in cool
    plan = {0: dict(mode="cool", indoor_f=78.0), 300: dict(out="Y1 G"), 600: dict(indoor_f=76.0, out=""),
            700: dict(boot=True, mode="heat", indoor_f=66.0)}
    assert at(run(plan, 1500, valve_b, liveness=True), "L_heat") == [1002]
    plan[701] = dict(out="OB")
    plan[1000] = dict(out="Y1 G OB")
    assert rules(run(plan, 1500, valve_b, liveness=True)) == set()


# ----------------------------------------------------------------------------
# acceptance decided from the contract (replay audit and property test)
# ----------------------------------------------------------------------------

def test_accept_settings_change_refuses_what_would_leave_the_mode_refused():
    heat = {"mode": "heat", "fan": "auto", "heat_sp_f": 68.0, "cool_sp_f": 70.0}
    emergency = dict(heat, mode="emergency")
    auto = dict(heat, mode="auto", cool_sp_f=72.0)
    assert accept_settings_change(emergency, {}, {"backup_heat": "none"})[1]
    assert accept_settings_change(auto, {}, {"auto_deadband_f": 5.0})[1]
    assert accept_settings_change(heat, {}, {"reversing_valve": "X"})[1]
    assert accept_settings_change(heat, {}, {"compressor_stages": 3})[1]
    assert accept_settings_change(heat, {"min_on_s": 60}, {"backup_heat": "none"}) == (
        {"min_on_s": 60, "backup_heat": "none"}, None)
    assert accept_settings_change(auto, {}, {"auto_deadband_f": 4.0}) == ({"auto_deadband_f": 4.0}, None)


def test_replay_a_settings_change_the_device_must_refuse_changes_nothing():
    """Emergency heat running, and the installer sets backup_heat none: the
    device refuses it (emergency would have nothing to run), so E keeps running."""
    scenario = {"tick_s": 1, "duration_s": 300, "events": [
        {"t": 0, "mode": "emergency", "indoor_f": 66.0, "outdoor_f": 20.0},
        {"t": 100, "settings": {"backup_heat": "none"}}]}
    lines = [line(0), line(1, E=1, W2=1, G=1)]
    assert check_replay_lines(scenario, lines) == []
    taken = [line(0), line(1, E=1, W2=1, G=1), line(100)]
    assert {v.rule for v in check_replay_lines(scenario, taken)} == {"L_emergency"}


def test_acceptance_flags_a_device_that_took_what_it_had_to_refuse():
    acceptance = Acceptance({})
    acceptance.event({"t": 0, "mode": "heat", "heat_setpoint_f": 95})  # out of range: all of it refused
    took = {"mode": "heat", "fan": "auto", "heat_sp_f": 95.0, "cool_sp_f": 76.0}
    refused = dict(took, mode="off", heat_sp_f=68.0)
    assert acceptance.disagreement(took, {}) == "mode 'heat' (must be 'off'); heat_sp_f 95.0 (must be 68.0)"
    assert acceptance.disagreement(refused, {}) is None
    acceptance.event({"t": 1, "mode": "heat", "settings": {"min_off_s": 60}})
    assert acceptance.disagreement(refused, {"min_off_s": 60}) == "mode 'off' (must be 'heat')"
    assert acceptance.disagreement(dict(refused, mode="heat"), {"min_off_s": 300}) == (
        "settings.min_off_s 300 (must be 60)")


# ----------------------------------------------------------------------------
# aux_min_on_s: electric strips, once on, run at least this long unless a rule ends them
# ----------------------------------------------------------------------------

COLD = dict(indoor_f=64.0, outdoor_f=20.0)  # droop, and the strips allowed (outdoor below aux_max_outdoor_f)


def _strips(stop: dict, at_s: int = 400, settings: dict | None = None, end: int = 700,
            start: dict | None = None) -> Monitor:
    """Y1 and the strips start at 300 in a cold heat call; ``stop`` happens at ``at_s``."""
    plan = {0: dict(start or COLD), 300: dict(out="Y1 G W2"), at_s: stop}
    return run(plan, end, settings)


def test_aux_min_on_strips_that_stop_early_are_flagged():
    assert at(_strips(dict(out="Y1 G")), "AUX_MIN_ON") == [400]
    assert at(_strips(dict(out="Y1 G"), at_s=539), "AUX_MIN_ON") == [539]
    assert rules(_strips(dict(out="Y1 G"), at_s=540)) == set()


def test_aux_min_on_indoor_back_within_half_the_droop_does_not_end_the_run_sooner():
    assert rules(_strips(dict(indoor_f=66.5, out="Y1 G"))) == {"AUX_MIN_ON"}


def test_aux_min_on_a_setpoint_change_does_not_end_the_run_sooner():
    assert rules(_strips(dict(heat_sp_f=60.0, out="Y1 G"))) == {"AUX_MIN_ON"}


def test_aux_min_on_a_rule_9_lockout_ends_the_run_only_when_the_compressor_is_not_locked_out():
    assert rules(_strips(dict(outdoor_f=40.0, out="Y1 G"))) == set()
    strips_alone = {"compressor_min_outdoor_f": 45.0}  # outdoor 40 locks the compressor out: rule 9 lifts
    plan = {0: dict(COLD), 10: dict(out="W2 G"), 100: dict(outdoor_f=40.0, out="")}
    assert at(run(plan, 400, strips_alone), "AUX_MIN_ON") == [100]


@pytest.mark.parametrize(
    "stop, settings",
    [
        (dict(mode="off", out=""), None),
        (dict(mode="cool", out=""), None),
        (dict(mode="auto", out="Y1 G"), None),
        (dict(mode="emergency", out="E G"), None),
        (dict(indoor_f=None, out=""), {"sensor_timeout_s": 30}),
        (dict(outdoor_f=40.0, out="Y1 G"), None),
        (dict(settings={"compressor_stages": 2}, out=""), None),
        (dict(boot=True, out=""), None),
    ],
    ids=["mode-off", "mode-cool", "mode-change", "emergency", "indoor-sensor-failed", "aux-lockout",
         "rewiring", "reboot"],
)
def test_aux_min_on_a_rule_that_forces_the_strips_off_ends_the_run_at_once(stop, settings):
    if "indoor_f" in stop:  # the sensor stops answering at 350 and is failed at 379
        m = run({0: dict(COLD), 300: dict(out="Y1 G W2"), 350: dict(indoor_f=None), 379: dict(out="")}, 700,
                settings)
    else:
        m = _strips(stop, settings=settings)
    assert "AUX_MIN_ON" not in rules(m)


def test_aux_min_on_a_sensor_that_still_answers_has_not_failed_however_short_its_timeout():
    """Found on the firmware's timelines from before aux_min_on_s (random 141, 247):
    a 30 s tick and a 30 s sensor_timeout_s must not excuse every early stop."""
    plan = {0: dict(COLD), 300: dict(out="Y1 G W2"), 390: dict(indoor_f=67.0, out="Y1 G")}
    assert at(run(plan, 900, {"sensor_timeout_s": 30}, tick=30), "AUX_MIN_ON") == [390]


def test_aux_min_on_cooling_in_auto_ends_the_run_at_once():
    auto = dict(COLD, mode="auto", heat_sp_f=68.0, cool_sp_f=72.0)
    assert rules(_strips(dict(indoor_f=73.0, out="Y1 G"), start=auto)) == set()
    assert rules(_strips(dict(indoor_f=71.0, out="Y1 G"), start=auto)) == {"AUX_MIN_ON"}


def test_aux_min_on_emergency_heat_strips_are_governed_by_emergency_mode():
    plan = {0: dict(COLD, mode="emergency"), 10: dict(out="E W2 G"), 100: dict(out="E G")}
    assert rules(run(plan, 300)) == set()


def test_aux_min_on_a_rule_seen_one_tick_before_the_stop_counts():
    """The one-tick tolerance: the device may have acted on the lockout at 399."""
    plan = {0: dict(COLD), 300: dict(out="Y1 G W2"), 399: dict(outdoor_f=40.0), 400: dict(outdoor_f=20.0, out="Y1 G")}
    assert rules(run(plan, 700)) == set()
    plan[398] = plan.pop(399)
    plan[399] = dict(outdoor_f=20.0)
    assert rules(run(plan, 700)) == {"AUX_MIN_ON"}


def test_aux_min_on_takes_the_shorter_of_the_lengths_in_force_since_the_start():
    shorter = {0: dict(COLD), 300: dict(out="Y1 G W2"), 320: dict(settings={"aux_min_on_s": 60}),
               400: dict(out="Y1 G")}
    assert rules(run(shorter, 700)) == set()
    longer = dict(shorter)
    longer[320] = dict(settings={"aux_min_on_s": 600})
    assert rules(run(longer, 700)) == {"AUX_MIN_ON"}
    longer[540] = longer.pop(400)  # the 240 s fixed at the start are enough
    assert rules(run(longer, 700)) == set()


def test_aux_min_on_zero_means_no_minimum():
    assert rules(_strips(dict(out="Y1 G"), settings={"aux_min_on_s": 0})) == set()


def test_aux_min_on_does_not_govern_a_dual_fuel_furnace():
    plan = {0: dict(COLD), 10: dict(out="W2"), 100: dict(out="")}
    assert rules(run(plan, 300, {"backup_heat": "dual_fuel"})) == set()


def test_replay_strips_that_stop_before_aux_min_on_are_flagged():
    scenario = {"tick_s": 1, "duration_s": 700, "events": [
        {"t": 0, "mode": "heat", "heat_setpoint_f": 68, "indoor_f": 64.0, "outdoor_f": 20.0},
        {"t": 400, "indoor_f": 67.0}]}
    early = [line(0), line(300, Y1=1, G=1), line(301, Y1=1, G=1, W2=1), line(400, Y1=1, G=1)]
    assert [(v.rule, v.t_s) for v in check_replay_lines(scenario, early, liveness=False)] == [("AUX_MIN_ON", 400.0)]
    on_time = early[:3] + [line(541, Y1=1, G=1)]
    assert check_replay_lines(scenario, on_time, liveness=False) == []
