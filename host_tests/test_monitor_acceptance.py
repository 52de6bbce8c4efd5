"""The property test's monitor decides itself what the device had to accept.

``test_properties.Watch`` tells the monitor the raw events, never the
device's own idea of its mode, setpoints or settings, and flags a device
whose accepted state differs from what the contract makes it accept. Here
the device is made careless on purpose, and the watch must notice; and a
careful device is judged by the very commands it was given, at the instant
it was given them, however the events reach the watch. Settings are judged
by README's settings table, which the monitor reads itself: a change with a
value the table does not allow is refused whole.
"""

import re

import monitor
import pytest
from test_properties import Watch, watch_scenario


def watch_of_a_device(command):
    """A watched thermostat whose command() is replaced by ``command(thermostat, changes)``."""
    flagged = []
    watch = Watch({}, 1, on_violation=lambda: flagged.append(watch.monitor.violations[-1]))
    thermostat = watch.replay.thermostat
    thermostat.command = lambda changes: command(thermostat, changes)
    return watch, flagged


def test_a_device_that_takes_a_setpoint_out_of_range_is_flagged():
    def careless(thermostat, changes):
        if "heat_setpoint_f" in changes:
            thermostat.heat_setpoint_dF = round(changes["heat_setpoint_f"] * 10)

    watch, flagged = watch_of_a_device(careless)
    watch.event(indoor_f=66.0, outdoor_f=40.0, heat_setpoint_f=95.0)
    assert [v.rule for v in flagged] == ["ACCEPTANCE"]
    assert "heat_sp_f 95.0 (must be 68.0)" in flagged[0].message


def test_a_device_that_refuses_a_valid_mode_is_flagged():
    watch, flagged = watch_of_a_device(lambda thermostat, changes: None)
    watch.event(indoor_f=66.0, outdoor_f=40.0, mode="heat")
    assert [v.rule for v in flagged] == ["ACCEPTANCE"]
    assert "mode 'off' (must be 'heat')" in flagged[0].message


def test_a_device_that_accepts_what_it_must_is_not_flagged():
    flagged = []
    watch = Watch({}, 1, on_violation=lambda: flagged.append(watch.monitor.violations[-1]))
    watch.event(indoor_f=69.5, outdoor_f=40.0, mode="heat", heat_setpoint_f=95.0)  # refused whole
    watch.event(mode="auto", heat_setpoint_f=70.0, cool_setpoint_f=72.0)  # refused: deadband
    watch.event(mode="heat", heat_setpoint_f=70.0, settings={"min_off_s": 60})
    watch.run(100)
    assert flagged == []


def g_on_at(watch):
    """The times of the replay lines that show G on."""
    return [line.split(",")[0][6:] for line in watch.lines if '"G": 1' in line]


def test_a_replayed_scenario_is_judged_by_the_fan_mode_the_monitor_accepted():
    # properties-seed-7-part-0, reduced: replayed by watch_scenario, the
    # command reached the device but not the monitor's Acceptance, which
    # judged circulate's G as "mode off with fan auto but G on" (R11).
    scenario = {"config": {"reversing_valve": "O"}, "tick_s": 5, "duration_s": 1890,
                "events": [{"t": 1890, "fan": "circulate"}]}
    watch = watch_scenario(scenario)
    assert g_on_at(watch) == ["1890"]  # circulate runs the blower at once after boot
    assert watch.acceptance.state["fan"] == "circulate"
    assert watch.monitor.violations == []


def test_a_command_is_judged_from_its_own_instant_not_from_the_ticks_before_it():
    # An event later than the last tick: the ticks before it ran with the
    # fan still auto, and the monitor must see them so.
    flagged = []
    watch = Watch({}, 1, on_violation=lambda: flagged.append(watch.monitor.violations[-1]))
    watch.event(indoor_f=70.0, outdoor_f=40.0)
    watch.event(60_000, fan="on")
    watch.run(5)
    assert g_on_at(watch) == ["60"]
    assert flagged == []


# ----------------------------------------------------------------------------
# settings: the monitor judges them by README's settings table, read itself
# ----------------------------------------------------------------------------

HEAT = {"mode": "heat", "fan": "auto", "heat_sp_f": 68.0, "cool_sp_f": 76.0}


def readme_text():
    return monitor.README_PATH.read_text(encoding="utf-8")


def test_a_setting_outside_its_documented_range_refuses_the_whole_change():
    config = {"min_on_s": 60}
    taken, why = monitor.accept_settings_change(HEAT, config, {"min_on_s": 120, "min_off_s": 5})
    assert taken == config
    assert why == "min_off_s: 5 is out of range (allowed: 30 to 3600 s)"
    assert monitor.accept_settings_change(HEAT, config, {"aux_max_outdoor_f": 70.1})[0] == config


def test_settings_within_their_documented_ranges_are_accepted_bounds_included():
    changes = {"min_off_s": 30, "min_on_s": 3600, "heat_differential_f": 0.5, "aux_max_outdoor_f": -20.0,
               "compressor_min_outdoor_f": None, "circulate_min_per_hour": 60, "compressor_stages": 2.0}
    assert monitor.accept_settings_change(HEAT, {}, changes) == (changes, None)


def test_a_documented_choice_is_accepted_and_an_undocumented_one_refused():
    changes = {"backup_heat": "dual_fuel", "fan_with_backup": None, "em_heat_w2": False, "smart_recovery": True}
    assert monitor.accept_settings_change(HEAT, {}, changes) == (changes, None)
    for bad in ({"backup_heat": "gas"}, {"em_heat_w2": 1}, {"fan_with_backup": "yes"}, {"reversing_valve": "o"}):
        taken, why = monitor.accept_settings_change(HEAT, {}, bad)
        assert taken == {} and why, bad


def test_an_unknown_key_or_a_value_that_is_no_number_refuses_the_whole_change():
    for bad in ({"min_off_s": 60, "min_off": 60}, {"min_off_s": "60"}, {"min_off_s": True},
                {"min_off_s": None}, {"aux_droop_f": float("nan")}, {"min_off_s": 30.5}):
        taken, why = monitor.accept_settings_change(HEAT, {}, bad)
        assert taken == {} and why, bad


def test_a_degree_setting_finer_than_the_readme_step_is_refused():
    assert "finer than 0.1 °F" in " ".join(readme_text().split())  # README states the step ...
    assert monitor.DEGREE_STEP_F == 0.1  # ... and the monitor read it
    taken, why = monitor.accept_settings_change(HEAT, {}, {"heat_differential_f": 1.25})
    assert taken == {} and why == "heat_differential_f: 1.25 is finer than 0.1 °F (allowed: 0.5 to 5.0 °F)"
    on_step = {"heat_differential_f": 1.2, "stage2_delta_f": 0.7, "indoor_offset_f": -0.3}  # inexact floats
    assert monitor.accept_settings_change(HEAT, {}, on_step) == (on_step, None)


def test_a_schedule_is_judged_by_the_documented_entries():
    entry = {"days": "weekdays", "at": "06:00", "heat_setpoint_f": 70, "cool_setpoint_f": 76}
    assert monitor.accept_settings_change(HEAT, {}, {"schedule": [entry]})[1] is None
    assert monitor.accept_settings_change(HEAT, {}, {"schedule": [entry] * 17})[1]
    for bad in (dict(entry, days="monday"), dict(entry, at="6:00"), dict(entry, heat_setpoint_f=95),
                {"days": "daily", "at": "22:00"}, dict(entry, cool_setpoint_f=71)):
        assert monitor.accept_settings_change(HEAT, {}, {"schedule": [bad]})[0] == {}, bad
    assert monitor.accept_settings_change(HEAT, {"schedule": [entry]}, {"auto_deadband_f": 7.0})[1]


def test_the_monitor_reads_every_key_of_the_readme_settings_table():
    text = readme_text()
    table = text[text.index("<!-- settings-table -->"):text.index("<!-- /settings-table -->")]
    keys = re.findall(r"^\| `([a-z0-9_]+)` \|", table, re.M)
    assert len(keys) > 20
    assert list(monitor.DOCUMENTED_SETTINGS) == keys
    assert set(monitor.DEFAULTS) <= set(keys)  # every contract setting is documented


def test_a_settings_table_the_monitor_cannot_read_is_an_error_not_a_looser_check():
    good = "<!-- settings-table -->\n| key | default | allowed | meaning |\n| --- | --- | --- | --- |\n%s\n" \
           "<!-- /settings-table -->\n"
    row = "| `min_off_s` | `300` | %s | Y1 stays off |"
    assert monitor.parse_settings_table(good % (row % "30 to 3600 s"))["min_off_s"].high == 3600
    with pytest.raises(monitor.SettingsTableError, match="min_off_s.*about 5 minutes"):
        monitor.parse_settings_table(good % (row % "about 5 minutes"))
    with pytest.raises(monitor.SettingsTableError, match="cannot read the row"):
        monitor.parse_settings_table(good % "| min_off_s | 300 |")
    with pytest.raises(monitor.SettingsTableError, match="no rows"):
        monitor.parse_settings_table(good % "")
    with pytest.raises(monitor.SettingsTableError, match="no settings table"):
        monitor.parse_settings_table("# README\n")


def test_the_property_watch_lets_the_device_refuse_a_setting_out_of_its_range():
    # The stability test's scripted life, reduced: min_off_s 5 is below the
    # documented 30 to 3600 s, so a device that keeps 30 did right.
    flagged = []
    watch = Watch({"min_off_s": 30}, 5, on_violation=lambda: flagged.append(watch.monitor.violations[-1]))
    watch.event(indoor_f=66.0, outdoor_f=40.0, mode="heat")
    watch.event(settings={"min_off_s": 5})
    watch.run(10)
    assert flagged == []
    assert watch.acceptance.config == {"min_off_s": 30}
    assert watch.acceptance.refused[-1][1] == "settings: min_off_s: 5 is out of range (allowed: 30 to 3600 s)"


def test_a_device_that_takes_a_refused_setting_is_flagged_though_its_config_never_named_it():
    # Accepted config {}: the refused key is judged against README's default.
    watch, flagged = watch_of_a_device(lambda thermostat, changes: None)
    thermostat = watch.replay.thermostat

    def careless(changes):
        thermostat.settings.values = dict(thermostat.settings.values, **changes)

    thermostat.apply_settings = careless
    watch.event(indoor_f=66.0, outdoor_f=40.0, settings={"min_off_s": 5})
    assert [v.rule for v in flagged] == ["ACCEPTANCE"]
    assert flagged[0].message == "the device accepted settings.min_off_s 5 (must be 300)"


def test_the_readme_defaults_are_the_contract_defaults():
    readme_defaults = {key: allowed.default for key, allowed in monitor.DOCUMENTED_SETTINGS.items()}
    assert {key: readme_defaults[key] for key in monitor.DEFAULTS} == monitor.DEFAULTS
