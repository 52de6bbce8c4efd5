"""The weekly schedule and smart recovery.

Validation names the entry and field; the schedule follows the scenario's
wall clock; an early start reaches the occupied setpoint on time with the
heat pump alone, and strips join a recovery only when the heat pump cannot
make it (ASHRAE 90.1 §6.4.3.5).
"""

import pytest
from conftest import replay
from scenario import minute_of_week

from thermo import schema
from thermo import terminals as T
from thermo.control import Thermostat
from thermo.schedule import active, compile_entries, minutes_until, next_entry
from thermo.schema import SettingError

SETBACK = [{"days": "daily", "at": "22:00", "heat_setpoint_f": 62},
           {"days": "daily", "at": "06:00", "heat_setpoint_f": 70}]
HOUR = 3600


@pytest.mark.parametrize("schedule, field, shown", [
    ("daily 06:00 70", "schedule", "list"),
    (["06:00"], "schedule[0]", '"06:00"'),
    ([{"days": "weekday", "at": "06:00", "heat_setpoint_f": 70}], "schedule[0].days", '"weekday"'),
    ([{"days": "daily", "at": "24:00", "heat_setpoint_f": 70}], "schedule[0].at", '"24:00"'),
    ([{"days": "daily", "at": "6:00", "heat_setpoint_f": 70}], "schedule[0].at", '"6:00"'),
    ([SETBACK[0], {"days": "daily", "at": "06:00", "heat_setpoint_f": 95}], "schedule[1].heat_setpoint_f", "95"),
    ([{"days": "daily", "at": "06:00", "cool_setpoint_f": 45}], "schedule[0].cool_setpoint_f", "45"),
    ([{"days": "daily", "at": "06:00"}], "schedule[0]", "no setpoint"),
    ([{"days": "daily", "at": "06:00", "heat_f": 70}], "schedule[0].heat_f", "unknown"),
    ([{"days": "daily", "at": "06:00", "heat_setpoint_f": 70, "cool_setpoint_f": 71}],
     "schedule[0].cool_setpoint_f", "auto_deadband_f"),
    ([SETBACK[0]] * 17, "schedule", "16"),
], ids=["not_a_list", "entry_not_an_object", "bad_days", "hour_24", "one_digit_hour", "heat_out_of_range",
        "cool_out_of_range", "no_setpoint", "unknown_key", "inside_deadband", "too_many"])
def test_a_bad_schedule_is_refused_naming_the_entry_and_field(schedule, field, shown):
    thermostat = Thermostat()
    before = dict(thermostat.settings.values)
    with pytest.raises(SettingError) as caught:
        thermostat.apply_settings({"schedule": schedule})
    assert caught.value.key == field
    assert shown in str(caught.value)
    assert thermostat.settings.values == before


def test_a_deadband_change_is_checked_against_the_schedule():
    schedule = [{"days": "daily", "at": "06:00", "heat_setpoint_f": 70, "cool_setpoint_f": 73}]
    values = schema.validate({"schedule": schedule})
    with pytest.raises(SettingError) as caught:
        schema.validate({"auto_deadband_f": 4.0}, values)
    assert caught.value.key == "schedule[0].cool_setpoint_f"


def test_weekdays_and_times_map_to_minutes_of_the_week():
    assert minute_of_week("2026-01-05T00:00:00", 0) == 0  # a Monday
    assert minute_of_week("2026-01-11T23:59:00", 0) == 10079  # the Sunday after
    assert minute_of_week("2026-01-11T23:59:30", 30_000) == 0  # wraps to Monday
    assert minute_of_week("2024-02-29T12:00:00", 0) == 3 * 1440 + 720  # a leap-day Thursday


def test_the_entry_in_force_holds_until_the_next_and_wraps_around_the_week():
    entries = compile_entries([{"days": "weekdays", "at": "06:00", "heat_setpoint_f": 70},
                               {"days": "daily", "at": "22:00", "heat_setpoint_f": 62}])
    monday_0500, saturday_0700 = 5 * 60, 5 * 1440 + 7 * 60
    assert entries[active(entries, monday_0500)][2] == 620  # Sunday 22:00 still holds
    assert entries[active(entries, saturday_0700)][2] == 620  # no weekday entry on Saturday
    assert next_entry(entries, monday_0500) == 0 and minutes_until(entries[0], monday_0500) == 60
    assert next_entry(entries, saturday_0700) == 1 and minutes_until(entries[1], saturday_0700) == 15 * 60


def test_scheduled_setpoints_take_effect_at_their_times():
    schedule = [{"days": "daily", "at": "00:00", "heat_setpoint_f": 68},
                {"days": "daily", "at": "01:00", "heat_setpoint_f": 72}]
    config = {"schedule": schedule, "smart_recovery": False}
    timeline = replay([{"t": 0, "mode": "heat", "indoor_f": 70.0, "outdoor_f": 40}],
                      config=config, duration=2 * HOUR, tick=60)
    assert timeline.first("Y1") == HOUR  # 68 from 00:00 is satisfied; 72 from 01:00 is not


def test_a_user_setpoint_holds_until_the_next_scheduled_change():
    config = {"schedule": SETBACK, "smart_recovery": False}
    events = [{"t": 0, "mode": "heat", "indoor_f": 66.0, "outdoor_f": 40}, {"t": 600, "heat_setpoint_f": 68}]
    timeline = replay(events, config=config, duration=7 * HOUR, tick=60)
    assert timeline.first("Y1") == 600  # 62 scheduled at night, 68 from the user's command
    assert timeline.first("Y1", 0, after=600) is None  # held: indoor never reaches 68


def test_recovery_starts_early_by_the_learned_rate_and_keeps_strips_off():
    warming = [{"t": 2.5 * HOUR + 1200 * k, "indoor_f": 62.0 + k} for k in range(1, 9)]  # 3 °F/h
    timeline = replay([{"t": 0, "mode": "heat", "indoor_f": 62.0, "outdoor_f": 30}] + warming,
                      config={"schedule": SETBACK}, duration=8 * HOUR, tick=60)
    # 8 °F at the default 3 °F/h is 160 min, plus a quarter and 10 min: 02:30.
    assert timeline.first("Y1") == 2.5 * HOUR
    assert timeline.first("Y1", 0, after=2.5 * HOUR) <= 6 * HOUR  # 70 °F reached by 06:00
    assert not timeline.ever("W2")


def test_without_smart_recovery_the_setpoint_jump_brings_strips_with_the_compressor():
    timeline = replay([{"t": 0, "mode": "heat", "indoor_f": 62.0, "outdoor_f": 30}],
                      config={"schedule": SETBACK, "smart_recovery": False}, duration=7 * HOUR, tick=60)
    assert timeline.first("Y1") == 6 * HOUR
    assert timeline.first("W2") == 6 * HOUR + 60  # droop: strips join the running compressor


def test_strips_join_a_recovery_once_the_heat_pump_cannot_make_it_in_time():
    timeline = replay([{"t": 0, "mode": "heat", "indoor_f": 62.0, "outdoor_f": 30}],
                      config={"schedule": SETBACK}, duration=7 * HOUR, tick=60)
    # Indoor never rises: at 03:51 the 160 min still needed exceed the 129 min left + 30.
    assert timeline.first("Y1") == 2.5 * HOUR
    assert timeline.first("W2") == 3 * HOUR + 51 * 60


def test_recovery_learns_the_house_rate_from_a_heat_pump_recovery():
    thermostat = Thermostat({"schedule": SETBACK}, now_ms=0)
    thermostat.command({"mode": "heat"})
    indoor_dF, now_ms = 620, 0
    for minute in range(0, 7 * 60):  # the house warms 6 °F/h whenever the compressor runs
        thermostat.set_wall_clock(minute)
        thermostat.indoor_reading(indoor_dF)
        thermostat.outdoor_reading(400)
        thermostat.tick(now_ms)
        if thermostat.outputs & T.Y1:
            indoor_dF += 1
        now_ms += 60_000
    assert thermostat.recovery_rate_dF_h > 30  # faster than the 3 °F/h it assumed
    assert not thermostat.recovery_strips
