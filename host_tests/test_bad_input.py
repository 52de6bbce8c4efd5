"""Bad input is refused whole, with a message that names the field.

Three doors let values in: installer settings (``schema.validate`` and
``Thermostat.apply_settings``), user commands (``Thermostat.command``), and
scenario files given to ``tools/replay.py``. Each one either takes a change
entirely or refuses it entirely and says which field, which value, and what
would have been allowed. A command the thermostat refuses inside a scenario
is not a malformed scenario: the replay reports it and goes on, as the
device would.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIRMWARE = REPO / "firmware"
if str(FIRMWARE) not in sys.path:
    sys.path.insert(0, str(FIRMWARE))

from thermo import schema  # noqa: E402
from thermo import terminals as T  # noqa: E402
from thermo.control import Thermostat  # noqa: E402
from thermo.schema import SettingError  # noqa: E402

REPLAY = REPO / "tools" / "replay.py"

# ---------------------------------------------------------------------------
# Installer settings, every one of them, straight from the schema.
# ---------------------------------------------------------------------------

NUMBER_KINDS = (schema.WHOLE, schema.WHOLE_OR_NULL, schema.DEGREES, schema.DEGREES_OR_NULL)
FLAG_KINDS = (schema.FLAG, schema.FLAG_OR_NULL)
NULLABLE_KINDS = (schema.WHOLE_OR_NULL, schema.DEGREES_OR_NULL, schema.FLAG_OR_NULL, schema.SCHEDULE)


def bad_values(key, kind, allowed):
    """(what is wrong, value) pairs that a setting of this kind must refuse."""
    if kind in NUMBER_KINDS:
        low, high = allowed
        if kind in (schema.WHOLE, schema.WHOLE_OR_NULL):
            cases = [
                ("just_below_range", low - 1),
                ("just_above_range", high + 1),
                ("not_whole", low + 0.5),
            ]
        else:
            cases = [
                ("just_below_range", round(low - 0.1, 2)),
                ("just_above_range", round(high + 0.1, 2)),
                ("finer_than_a_tenth", round(low + 0.05, 2)),  # the core keeps tenths: it would act as another value
                ("a_thousandth_off_the_grid", round(low + 0.001, 3)),  # would act as low: refused, not rounded
            ]
        cases += [("string", str(low)), ("true", True)]
    elif kind == schema.CHOICE:
        near_miss = allowed[0].swapcase() if allowed[0].swapcase() != allowed[0] else allowed[0] + "x"
        cases = [("unlisted_choice", near_miss), ("number", 1)]
    elif kind in FLAG_KINDS:
        cases = [("one", 1), ("string", "true")]
    elif kind == schema.SCHEDULE:
        return []  # errors name the entry's field: see test_schedule.py
    else:
        raise AssertionError("no bad values known for kind %r of %s: extend this test" % (kind, key))
    if kind not in NULLABLE_KINDS:
        cases.append(("null", None))
    return cases


BAD_SETTINGS = [
    pytest.param(key, kind, allowed, unit, value, id="%s=%s" % (key, what))
    for key, kind, _default, allowed, unit in schema.SCHEMA
    for what, value in bad_values(key, kind, allowed)
]
NUMBER_SETTINGS = [
    pytest.param(key, allowed, id=key)
    for key, kind, _default, allowed, _unit in schema.SCHEMA
    if kind in NUMBER_KINDS
]
NULLABLE_SETTINGS = [entry[0] for entry in schema.SCHEMA if entry[1] in NULLABLE_KINDS]


def allowed_texts(kind, allowed, unit):
    """What a message must show so the installer knows what would fit."""
    if kind in NUMBER_KINDS:
        return [json.dumps(allowed[0]), json.dumps(allowed[1])] + ([unit] if unit else [])
    if kind == schema.CHOICE:
        return [json.dumps(choice) for choice in allowed]
    return ["true", "false"]


def heating_thermostat(settings=None):
    """Heat mode, fan on, past min_off with a heat call: Y1 and G are on,
    so "outputs unchanged" below is a real check, not 0 == 0."""
    thermostat = Thermostat(settings, now_ms=0)
    thermostat.command({"mode": "heat", "fan": "on", "heat_setpoint_f": 70, "cool_setpoint_f": 76})
    thermostat.indoor_reading(670)
    thermostat.outdoor_reading(500)
    thermostat.tick(0)
    thermostat.indoor_reading(670)
    thermostat.outdoor_reading(500)
    thermostat.tick(300_000)
    return thermostat


def test_the_heating_thermostat_used_below_is_running_the_compressor():
    thermostat = heating_thermostat()
    assert thermostat.outputs & T.Y1
    assert thermostat.outputs & T.G


@pytest.mark.parametrize("key, kind, allowed, unit, value", BAD_SETTINGS)
def test_validate_refuses_a_bad_value_naming_the_key(key, kind, allowed, unit, value):
    with pytest.raises(SettingError) as caught:
        schema.validate({key: value})
    assert caught.value.key == key


@pytest.mark.parametrize("key, kind, allowed, unit, value", BAD_SETTINGS)
def test_refusal_message_shows_key_value_and_what_is_allowed(key, kind, allowed, unit, value):
    with pytest.raises(SettingError) as caught:
        schema.validate({key: value})
    message = str(caught.value)
    assert key in message
    assert json.dumps(value) in message
    for text in allowed_texts(kind, allowed, unit):
        assert text in message


@pytest.mark.parametrize("key, kind, allowed, unit, value", BAD_SETTINGS)
def test_apply_settings_with_a_bad_value_changes_no_setting_and_no_output(key, kind, allowed, unit, value):
    thermostat = heating_thermostat()
    values_before = dict(thermostat.settings.values)
    outputs_before = thermostat.outputs
    with pytest.raises(SettingError):
        thermostat.apply_settings({key: value})
    assert thermostat.settings.values == values_before
    assert thermostat.outputs == outputs_before


@pytest.mark.parametrize("key, allowed", NUMBER_SETTINGS)
def test_both_ends_of_a_range_are_accepted(key, allowed):
    low, high = allowed
    assert schema.validate({key: low})[key] == low
    assert schema.validate({key: high})[key] == high


@pytest.mark.parametrize("key", NULLABLE_SETTINGS)
def test_null_is_accepted_where_the_kind_allows_it(key):
    assert schema.validate({key: None})[key] is None


def test_some_setting_allows_null():
    """Guards the test above against silently running zero cases."""
    assert NULLABLE_SETTINGS


@pytest.mark.parametrize("changes, bad_key", [
    pytest.param({"min_off_s": 60, "min_on_s": 5}, "min_on_s", id="good_key_first_in_schema"),
    pytest.param({"min_off_s": 5, "min_on_s": 60}, "min_off_s", id="bad_key_first_in_schema"),
])
def test_a_batch_with_one_bad_key_is_refused_whole(changes, bad_key):
    thermostat = heating_thermostat()
    values_before = dict(thermostat.settings.values)
    with pytest.raises(SettingError) as caught:
        thermostat.apply_settings(changes)
    assert caught.value.key == bad_key
    assert thermostat.settings.values == values_before


def test_validate_leaves_its_base_untouched_when_it_refuses():
    base = schema.validate({"min_off_s": 600})
    base_before = dict(base)
    with pytest.raises(SettingError):
        schema.validate({"min_on_s": 60, "aux_droop_f": 99}, base)
    assert base == base_before


def test_an_unknown_setting_is_refused_naming_it():
    thermostat = heating_thermostat()
    with pytest.raises(SettingError) as caught:
        thermostat.apply_settings({"min_off_seconds": 600})
    assert caught.value.key == "min_off_seconds"
    assert "min_off_seconds" in str(caught.value)


def test_an_unknown_setting_beside_a_good_one_applies_neither():
    thermostat = heating_thermostat()
    values_before = dict(thermostat.settings.values)
    with pytest.raises(SettingError):
        thermostat.apply_settings({"min_off_s": 600, "min_off_seconds": 600})
    assert thermostat.settings.values == values_before


# ---------------------------------------------------------------------------
# User commands: mode, fan, setpoints.
# ---------------------------------------------------------------------------


def user_state(thermostat):
    return (thermostat.mode, thermostat.fan, thermostat.heat_setpoint_dF, thermostat.cool_setpoint_dF)


REFUSED_COMMANDS = [
    pytest.param({"heat_setpoint_f": 39.9}, "heat_setpoint_f", id="heat_setpoint_below_40"),
    pytest.param({"heat_setpoint_f": 90.1}, "heat_setpoint_f", id="heat_setpoint_above_90"),
    pytest.param({"cool_setpoint_f": 49.9}, "cool_setpoint_f", id="cool_setpoint_below_50"),
    pytest.param({"cool_setpoint_f": 99.1}, "cool_setpoint_f", id="cool_setpoint_above_99"),
    pytest.param({"heat_setpoint_f": "70"}, "heat_setpoint_f", id="setpoint_as_string"),
    pytest.param({"heat_setpoint_f": True}, "heat_setpoint_f", id="setpoint_as_true"),
    pytest.param({"mode": "heating"}, "mode", id="unknown_mode"),
    pytest.param({"mode": "Heat"}, "mode", id="mode_in_wrong_case"),
    pytest.param({"mode": 1}, "mode", id="mode_as_number"),
    pytest.param({"fan": "circ"}, "fan", id="unknown_fan"),
    pytest.param({"setpoint_f": 70}, "setpoint_f", id="unknown_command_key"),
]


@pytest.mark.parametrize("command, field", REFUSED_COMMANDS)
def test_a_refused_command_raises_naming_the_field(command, field):
    thermostat = heating_thermostat()
    with pytest.raises(SettingError) as caught:
        thermostat.command(command)
    assert caught.value.key == field
    assert field in str(caught.value)


@pytest.mark.parametrize("command, field", REFUSED_COMMANDS)
def test_a_refused_command_changes_no_mode_fan_or_setpoint(command, field):
    thermostat = heating_thermostat()
    before = user_state(thermostat)
    with pytest.raises(SettingError):
        thermostat.command(command)
    assert user_state(thermostat) == before


@pytest.mark.parametrize("heat, cool", [(40, 50), (90, 99)])
def test_setpoints_at_the_ends_of_their_ranges_are_accepted(heat, cool):
    thermostat = heating_thermostat()
    thermostat.command({"heat_setpoint_f": heat, "cool_setpoint_f": cool})
    assert (thermostat.heat_setpoint_dF, thermostat.cool_setpoint_dF) == (heat * 10, cool * 10)


@pytest.mark.parametrize("command", [
    pytest.param({"mode": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 72}, id="switching_to_auto"),
    pytest.param({"mode": "auto", "cool_setpoint_f": 72.9}, id="just_inside_the_deadband"),
])
def test_auto_refuses_setpoints_closer_than_the_deadband_naming_both(command):
    thermostat = heating_thermostat()  # heat 70, cool 76; auto_deadband_f 3.0
    before = user_state(thermostat)
    with pytest.raises(SettingError) as caught:
        thermostat.command(command)
    message = str(caught.value)
    assert "heat_setpoint_f" in message and "cool_setpoint_f" in message and "auto_deadband_f" in message
    assert user_state(thermostat) == before


def test_auto_accepts_setpoints_exactly_the_deadband_apart():
    thermostat = heating_thermostat()
    thermostat.command({"mode": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 73})
    assert (thermostat.heat_setpoint_dF, thermostat.cool_setpoint_dF) == (700, 730)


def test_while_in_auto_a_setpoint_into_the_deadband_is_refused():
    thermostat = heating_thermostat()
    thermostat.command({"mode": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 76})
    before = user_state(thermostat)
    with pytest.raises(SettingError) as caught:
        thermostat.command({"heat_setpoint_f": 74})
    assert "heat_setpoint_f" in str(caught.value)
    assert user_state(thermostat) == before


def test_emergency_is_refused_without_backup_heat_naming_mode():
    thermostat = heating_thermostat({"backup_heat": "none"})
    before = user_state(thermostat)
    with pytest.raises(SettingError) as caught:
        thermostat.command({"mode": "emergency"})
    assert caught.value.key == "mode"
    assert "backup_heat" in str(caught.value)
    assert user_state(thermostat) == before


@pytest.mark.parametrize("command", [
    pytest.param({"mode": "off", "heat_setpoint_f": 95}, id="valid_mode_bad_heat_setpoint"),
    pytest.param({"mode": "cool", "fan": "on", "cool_setpoint_f": 49}, id="valid_mode_and_fan_bad_cool_setpoint"),
    pytest.param({"heat_setpoint_f": 72, "fan": "always"}, id="valid_setpoint_bad_fan"),
    pytest.param({"fan": "auto", "mode": "emergencyheat"}, id="valid_fan_bad_mode"),
])
def test_a_command_with_one_bad_field_changes_none_of_its_fields(command):
    thermostat = heating_thermostat()
    before = user_state(thermostat)
    with pytest.raises(SettingError):
        thermostat.command(command)
    assert user_state(thermostat) == before


# ---------------------------------------------------------------------------
# Malformed scenario files given to tools/replay.py.
# ---------------------------------------------------------------------------

def case(name, text, *fields):
    """A malformed scenario (JSON text, or bytes for a file that is not even
    text) and the words its one-line message must contain."""
    return (name, text, fields)


def events(*items, duration=10):
    return json.dumps({"duration_s": duration, "events": list(items)})


MALFORMED = [
    case("not_json", '{"duration_s": 10,', "JSON"),
    case("not_utf8", b'{"duration_s": 10, "start": "\xff"}', "utf-8"),
    case("top_level_is_a_list", '[{"duration_s": 10}]', "object"),
    case("unknown_top_level_key", '{"duration_s": 10, "length_s": 10}', "length_s"),
    case("missing_duration", '{"events": []}', "duration_s"),
    case("negative_duration", '{"duration_s": -1}', "duration_s"),
    case("duration_overflows_to_infinity", '{"duration_s": 1e400}', "duration_s"),
    case("tick_zero", '{"duration_s": 10, "tick_s": 0}', "tick_s"),
    case("tick_string", '{"duration_s": 10, "tick_s": "5"}', "tick_s"),
    case("config_not_an_object", '{"duration_s": 10, "config": ["min_off_s"]}', "config"),
    case("config_out_of_range", '{"duration_s": 10, "config": {"min_off_s": 10}}', "min_off_s"),
    case("config_unknown_key", '{"duration_s": 10, "config": {"compressor_delay_s": 300}}', "compressor_delay_s"),
    case("config_wrong_type", '{"duration_s": 10, "config": {"compressor_stages": "2"}}', "compressor_stages"),
    case("events_not_a_list", '{"duration_s": 10, "events": {"t": 0}}', "events"),
    case("event_not_an_object", events(5), "events[0]"),
    case("event_missing_t", events({"t": 0}, {"mode": "heat"}), "events[1]", "t"),
    case("event_unknown_key", events({"t": 0, "indoor": 70}), "events[0]", "indoor"),
    case("event_mode_not_a_string", events({"t": 0, "mode": 1}), "events[0]", "mode"),
    case("event_fan_not_a_string", events({"t": 0, "fan": True}), "events[0]", "fan"),
    case("event_setpoint_a_string", events({"t": 0, "heat_setpoint_f": "70"}), "events[0]", "heat_setpoint_f"),
    case("event_indoor_a_string", events({"t": 0, "indoor_f": "70"}), "events[0]", "indoor_f"),
    case("event_reboot_not_a_bool", events({"t": 0, "reboot": 1}), "events[0]", "reboot"),
    case("event_t_negative", events({"t": -1}), "events[0]", "t"),
    case("events_out_of_order", events({"t": 5}, {"t": 4}), "events[1]", "t"),
    case("event_after_duration", events({"t": 11}, duration=10), "events[0]", "t"),
    case("start_with_a_space", '{"duration_s": 10, "start": "2026-01-05 00:00:00"}', "start"),
    case("start_a_weekday", '{"duration_s": 10, "start": "Monday"}', "start"),
    case("start_a_number", '{"duration_s": 10, "start": 1767571200}', "start"),
    case("start_impossible_date", '{"duration_s": 10, "start": "2026-13-45T99:99:99"}', "start"),
    case("indoor_nan", '{"duration_s": 10, "events": [{"t": 0, "indoor_f": NaN}]}', "indoor_f"),
    case("duration_infinity", '{"duration_s": Infinity}', "duration_s"),
    case("config_negative_infinity", '{"duration_s": 10, "config": {"aux_droop_f": -Infinity}}', "aux_droop_f"),
    case("newline_in_a_key", '{"duration_s": 10, "bad\\nkey": 1}', "bad"),
    case("newline_in_a_value", '{"duration_s": 10, "config": {"reversing_valve": "O\\nB"}}', "reversing_valve"),
    case("nested_too_deeply", "[" * 100000, "JSON"),
    case("config_null", '{"duration_s": 10, "config": null}', "config"),
    case("duration_over_a_year", '{"duration_s": 1e9}', "duration_s"),
]


def malformed_params():
    params = []
    for name, text, fields in MALFORMED:
        params.append(pytest.param(text, fields, id=name))
    return params


def run_replay(tmp_path, content, *flags):
    path = tmp_path / "scenario.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(REPLAY), *flags, str(path)], cwd=REPO, capture_output=True, text=True,
    )


def names(text, field):
    """``field`` appears in ``text`` as a whole word (so "t" is not any t)."""
    return re.search(r"(?<![\w])%s(?![\w])" % re.escape(field), text, re.IGNORECASE) is not None


@pytest.mark.parametrize("content, fields", malformed_params())
def test_malformed_scenario_exits_2_and_prints_no_timeline(tmp_path, content, fields):
    result = run_replay(tmp_path, content)
    assert result.returncode == 2
    assert result.stdout == ""


@pytest.mark.parametrize("content, fields", malformed_params())
def test_malformed_scenario_gets_one_stderr_line_naming_the_field(tmp_path, content, fields):
    result = run_replay(tmp_path, content)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for field in fields:
        assert names(lines[0], field), (field, lines[0])


# ---------------------------------------------------------------------------
# A command refused at run time is not a malformed scenario.
# ---------------------------------------------------------------------------

HEAT_CALL = {"t": 0, "mode": "heat", "fan": "auto", "heat_setpoint_f": 70, "cool_setpoint_f": 76,
             "indoor_f": 67, "outdoor_f": 50}
AUTO_HEAT_CALL = dict(HEAT_CALL, mode="auto")

# (config, the run's first event, a command the thermostat refuses at t=100,
# the fields the refusal must name). Each refused command would change the
# timeline if any part of it were applied.
REFUSED_IN_A_RUN = [
    pytest.param({}, HEAT_CALL, {"t": 100, "heat_setpoint_f": 30}, ("heat_setpoint_f",),
                 id="setpoint_out_of_range"),
    pytest.param({}, AUTO_HEAT_CALL, {"t": 100, "heat_setpoint_f": 60, "cool_setpoint_f": 62},
                 ("heat_setpoint_f", "cool_setpoint_f"), id="setpoints_inside_the_auto_deadband"),
    pytest.param({"backup_heat": "none"}, HEAT_CALL, {"t": 100, "mode": "emergency"}, ("mode",),
                 id="emergency_without_backup"),
    pytest.param({}, HEAT_CALL, {"t": 100, "mode": "standby"}, ("mode",), id="unknown_mode_string"),
    pytest.param({}, HEAT_CALL, {"t": 100, "mode": "off", "heat_setpoint_f": 95}, ("heat_setpoint_f",),
                 id="valid_mode_with_bad_setpoint"),
]


def scenario_text(config, *run_events):
    return json.dumps({"config": config, "duration_s": 900, "events": list(run_events)})


@pytest.mark.parametrize("config, first, refused, fields", REFUSED_IN_A_RUN)
def test_a_refused_command_in_a_scenario_still_exits_0(tmp_path, config, first, refused, fields):
    result = run_replay(tmp_path, scenario_text(config, first, refused))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("config, first, refused, fields", REFUSED_IN_A_RUN)
def test_a_refused_command_prints_one_stderr_line_naming_field_and_time(tmp_path, config, first, refused, fields):
    result = run_replay(tmp_path, scenario_text(config, first, refused))
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert names(lines[0], "100"), lines[0]
    for field in fields:
        assert names(lines[0], field), (field, lines[0])


@pytest.mark.parametrize("config, first, refused, fields", REFUSED_IN_A_RUN)
def test_a_refused_command_leaves_the_timeline_as_if_it_never_came(tmp_path, config, first, refused, fields):
    with_refusal = run_replay(tmp_path, scenario_text(config, first, refused)).stdout
    without = run_replay(tmp_path, scenario_text(config, first)).stdout
    assert any(json.loads(line)["t"] > 100 for line in without.splitlines())  # the run goes on past t=100
    assert with_refusal == without


def test_each_refusal_gets_its_own_stderr_line_in_time_order(tmp_path):
    result = run_replay(tmp_path, scenario_text(
        {}, HEAT_CALL, {"t": 100, "heat_setpoint_f": 95}, {"t": 200, "cool_setpoint_f": 45}))
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert names(lines[0], "100") and names(lines[0], "heat_setpoint_f")
    assert names(lines[1], "200") and names(lines[1], "cool_setpoint_f")
