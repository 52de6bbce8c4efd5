"""The config lint (firmware/thermo/lint.py): each rule trips on its
contradiction and not on its neighbours; the factory defaults, the
reference installer and every scenario are clean; one line per finding,
naming its keys; a refusal is refused where a bad value is (config.check,
tools/replay.py), a warning is shown and the config runs."""

import json
import subprocess
import sys

import pytest
from app import config
from board import boardfile
from conftest import ROOT

from thermo import lint, schema
from thermo.values import SettingError

ALL_TERMINALS = ("Y1", "Y2", "G", "W2", "OB", "E")


def codes(changes, terminals=ALL_TERMINALS):
    return [finding[1] for finding in lint.check(schema.validate(changes), terminals)]


def without(*names):
    return tuple(name for name in ALL_TERMINALS if name not in names)


# code: (level, a config that trips it, the terminals wired, neighbours that must not trip it)
RULES = {
    "y2_unwired": ("refuse", {"compressor_stages": 2}, without("Y2"),
                   [({"compressor_stages": 1}, without("Y2")), ({"compressor_stages": 2}, ALL_TERMINALS),
                    ({"compressor_stages": 2}, None)]),
    "w2_unwired": ("refuse", {"backup_heat": "dual_fuel"}, without("W2"),
                   [({"backup_heat": "none"}, without("W2")), ({"backup_heat": "electric"}, ALL_TERMINALS)]),
    "e_unwired": ("refuse", {"em_heat_w2": False}, without("E"),
                  [({"em_heat_w2": True}, without("E")), ({"em_heat_w2": False, "backup_heat": "none"}, without("E")),
                   ({"em_heat_w2": False}, ALL_TERMINALS)]),
    "furnace_with_blower": ("warn", {"backup_heat": "dual_fuel", "fan_with_backup": True}, ALL_TERMINALS,
                            [({"backup_heat": "dual_fuel"}, ALL_TERMINALS),
                             ({"backup_heat": "dual_fuel", "fan_with_backup": False}, ALL_TERMINALS),
                             ({"backup_heat": "electric", "fan_with_backup": True}, ALL_TERMINALS)]),
    "furnace_not_in_emergency": ("warn", {"backup_heat": "dual_fuel", "em_heat_w2": False}, ALL_TERMINALS,
                                 [({"backup_heat": "dual_fuel", "em_heat_w2": True}, ALL_TERMINALS),
                                  ({"backup_heat": "electric", "em_heat_w2": False}, ALL_TERMINALS)]),
    "strips_without_blower": ("warn", {"fan_with_backup": False}, ALL_TERMINALS,
                              [({"fan_with_backup": None}, ALL_TERMINALS), ({"fan_with_backup": True}, ALL_TERMINALS),
                               ({"backup_heat": "dual_fuel", "fan_with_backup": False}, ALL_TERMINALS)]),
    "aux_lockout_below_compressor_lockout": (
        "warn", {"aux_max_outdoor_f": 30.0, "compressor_min_outdoor_f": 30.1}, ALL_TERMINALS,
        [({"aux_max_outdoor_f": 30.0, "compressor_min_outdoor_f": 30.0}, ALL_TERMINALS),
         ({"aux_max_outdoor_f": 30.0, "compressor_min_outdoor_f": None}, ALL_TERMINALS),
         ({"backup_heat": "dual_fuel", "aux_max_outdoor_f": 30, "compressor_min_outdoor_f": 40, "balance_point_f": 40},
          ALL_TERMINALS)]),
    "no_heat_below_compressor_lockout": ("warn", {"backup_heat": "none", "compressor_min_outdoor_f": 0}, ALL_TERMINALS,
                                         [({"backup_heat": "none"}, ALL_TERMINALS),
                                          ({"backup_heat": "electric", "compressor_min_outdoor_f": 0}, ALL_TERMINALS)]),
    "balance_point_above_aux_lockout": (
        "warn", {"backup_heat": "dual_fuel", "balance_point_f": 35.1}, ALL_TERMINALS,
        [({"backup_heat": "dual_fuel", "balance_point_f": 35.0}, ALL_TERMINALS),
         ({"backup_heat": "dual_fuel", "balance_point_f": 40, "aux_max_outdoor_f": 40}, ALL_TERMINALS),
         ({"backup_heat": "electric", "balance_point_f": 40}, ALL_TERMINALS),
         ({"backup_heat": "electric", "aux_max_outdoor_f": 30}, ALL_TERMINALS)]),
    "compressor_lockout_above_balance_point": (
        "warn", {"backup_heat": "dual_fuel", "compressor_min_outdoor_f": 35.1}, ALL_TERMINALS,
        [({"backup_heat": "dual_fuel", "compressor_min_outdoor_f": 35.0}, ALL_TERMINALS),
         ({"backup_heat": "electric", "compressor_min_outdoor_f": 35.1, "aux_max_outdoor_f": 40}, ALL_TERMINALS)]),
    "gas_price_with_electric": ("warn", {"gas_price_cents_per_therm": 150}, ALL_TERMINALS,
                                [({"backup_heat": "dual_fuel", "gas_price_cents_per_therm": 150}, ALL_TERMINALS),
                                 ({"electricity_price_cents_per_kwh": 15}, ALL_TERMINALS)]),
    "droop_within_differential": ("warn", {"aux_droop_f": 1.0, "heat_differential_f": 1.0}, ALL_TERMINALS,
                                  [({"aux_droop_f": 1.1, "heat_differential_f": 1.0}, ALL_TERMINALS),
                                   ({"backup_heat": "none", "aux_droop_f": 1.0}, ALL_TERMINALS)]),
    "stage2_within_differential": ("warn", {"compressor_stages": 2, "stage2_delta_f": 1.0}, ALL_TERMINALS,
                                   [({"compressor_stages": 2, "stage2_delta_f": 1.1}, ALL_TERMINALS),
                                    ({"compressor_stages": 1, "stage2_delta_f": 1.0}, ALL_TERMINALS)]),
}


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_rule_trips_on_its_contradiction_at_its_level(code):
    level, changes, terminals, _neighbours = RULES[code]
    found = [f for f in lint.check(schema.validate(changes), terminals) if f[1] == code]
    assert len(found) >= 1 and found[0][0] == level


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_rule_stays_quiet_on_its_neighbours(code):
    for changes, terminals in RULES[code][3]:
        assert code not in codes(changes, terminals), changes


def test_every_rule_of_the_module_is_tested():
    text = (ROOT / "firmware" / "thermo" / "lint.py").read_text()
    documented = {line.split("``")[1] for line in text.splitlines() if line.startswith("- ``")}
    assert documented == set(RULES)


def test_the_stage2_rule_names_the_differential_it_meets():
    found = lint.check(schema.validate({"compressor_stages": 2, "stage2_delta_f": 1.0, "cool_differential_f": 0.5}))
    assert [f[2] for f in found] == [("stage2_delta_f", "heat_differential_f")]


def scenario_configs():
    yield "defaults", {}
    yield "tools/sim/reference-installer.json", json.loads((ROOT / "tools/sim/reference-installer.json").read_text())
    for path in sorted((ROOT / "host_tests" / "scenarios").glob("*.json")):
        yield str(path.relative_to(ROOT)), json.loads(path.read_text()).get("config", {})


@pytest.mark.parametrize("board", sorted(p.stem for p in (ROOT / "boards").glob("*.json")) + [None])
def test_no_finding_on_the_defaults_the_reference_installer_or_any_scenario(board):
    terminals = None if board is None else config.terminals_of(boardfile.load(str(ROOT / "boards" / (board + ".json"))))
    for name, settings in scenario_configs():
        assert lint.check(schema.validate(settings), terminals) == [], name


def test_a_finding_is_one_line_naming_its_keys_level_and_code():
    for _level, changes, terminals, _n in RULES.values():
        for finding in lint.check(schema.validate(changes), terminals):
            text = lint.line(finding)
            assert "\n" not in text
            keys, rest = text.split(": ", 1)
            assert keys == ", ".join(finding[2])
            assert rest.startswith(("warning " if finding[0] == "warn" else "refused ") + finding[1] + ": ")
            assert all(k in schema.KEYS or k.startswith("terminals.") for k in finding[2])


def test_a_refusal_is_a_setting_error_naming_its_first_key():
    with pytest.raises(SettingError) as caught:
        config.check({"settings": {"compressor_stages": 2}}, without("Y2"))
    assert caught.value.key == "compressor_stages"
    assert str(caught.value).startswith("compressor_stages, terminals.Y2: refused y2_unwired: ")


def test_a_warning_never_refuses_and_no_board_means_no_board_rule():
    assert config.check({"settings": {"fan_with_backup": False}}, ALL_TERMINALS)[0] == {"fan_with_backup": False}
    assert config.check({"settings": {"compressor_stages": 2}})[0] == {"compressor_stages": 2}


def replay_cli(*args):
    return subprocess.run([sys.executable, "tools/replay.py", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=60)


def scenario_file(tmp_path, config_changes):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"config": config_changes, "duration_s": 60,
                                "events": [{"t": 0, "mode": "heat", "indoor_f": 68, "outdoor_f": 30}]}))
    return str(path)


def test_replay_prints_each_warning_on_stderr_and_runs(tmp_path):
    result = replay_cli(scenario_file(tmp_path, {"fan_with_backup": False}))
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "replay.py: config.backup_heat, fan_with_backup: warning strips_without_blower: electric strips with "
        "fan_with_backup false heat without the blower (G), unless the air handler starts its own with W2; "
        "set fan_with_backup to null or true"]
    assert result.stdout.startswith('{"t": 0,')


def test_replay_refuses_a_config_its_board_cannot_wire_as_a_bad_value_exit_2(tmp_path):
    board = json.loads((ROOT / "boards" / "rpi_pico.json").read_text())
    del board["terminals"]["Y2"]
    board_path = tmp_path / "no_y2.json"
    board_path.write_text(json.dumps(board))
    path = scenario_file(tmp_path, {"compressor_stages": 2})
    result = replay_cli("--board", str(board_path), path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "replay.py: config.compressor_stages, terminals.Y2: refused y2_unwired: 2 stages are configured but the "
        "board file wires no Y2 relay; set compressor_stages to 1 or give Y2 a pin in the board file"]
    assert replay_cli("--board", "rpi_pico", path).returncode == 0  # the Pico wires Y2
    out_of_range = replay_cli(scenario_file(tmp_path, {"compressor_stages": 3}))
    assert out_of_range.returncode == result.returncode  # the exit status a bad value gets
