"""The config lint on the board: each warning one line in the boot log and
after a save; a refusal is refused as a bad value is (an import dropped with
its alert, a save not stored, not applied, and no relay moved)."""

import sys

import pytest
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from test_shell_settings import running, stored_settings

NO_Y2 = {"Y1": 2, "G": 3, "OB": 4, "W2": 5, "E": 7}  # a Pico on a 5-channel relay board


def running_without_y2(board, settings):
    """``running`` on a Pico whose board file wires no Y2."""
    install = board.install
    board.install = lambda: install(terminals=NO_Y2)
    try:
        return running(board, settings=settings)
    finally:
        board.install = install


def lint_lines(out):
    return [line for line in out.splitlines() if "config: " in line and ("warning " in line or "refused " in line)]


def test_each_lint_warning_is_one_line_of_the_boot_log_and_the_config_runs(board, capsys):
    app = running(board, settings={"fan_with_backup": False, "aux_droop_f": 1.0}, run_ms=5_000)
    assert app.thermostat.settings.values["fan_with_backup"] is False  # warned, applied
    found = lint_lines(capsys.readouterr().out)
    assert len(found) == 2
    assert "backup_heat, fan_with_backup: warning strips_without_blower: " in found[0]
    assert "aux_droop_f, heat_differential_f: warning droop_within_differential: " in found[1]


def test_a_clean_config_logs_no_lint_line(board, capsys):
    running(board, settings={"min_off_s": 300}, run_ms=5_000)
    assert lint_lines(capsys.readouterr().out) == []


def test_an_import_the_board_file_cannot_wire_is_refused_and_the_stored_settings_kept(board):
    from app.store import encode

    board.install(terminals=NO_Y2)
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    board.file("settings.json").write_bytes(encode(1, {"settings": {"min_off_s": 600}, "device": {}}))
    board.write_config(settings={"compressor_stages": 2})
    assert board.boot(5_000) == "halt"
    app = sys.modules["app.runner"].current
    assert "compressor_stages, terminals.Y2: refused y2_unwired" in app.report.alerts["config_import"]
    assert stored_settings(board)["settings"] == {"min_off_s": 600}
    assert app.thermostat.settings.values["compressor_stages"] == 1


def test_a_settings_save_the_lint_refuses_changes_nothing_and_moves_no_relay(board):
    from thermo.schema import SettingError

    app = running_without_y2(board, {"min_off_s": 300})
    before = (app.thermostat.settings.values, dict(stored_settings(board)["settings"]), len(board.world.pin_log))
    with pytest.raises(SettingError, match="compressor_stages, terminals.Y2: refused y2_unwired"):
        app.save_settings({"compressor_stages": 2, "min_off_s": 900})
    assert app.thermostat.settings.values is before[0]
    assert stored_settings(board)["settings"] == before[1] == {"min_off_s": 300}
    assert len(board.world.pin_log) == before[2]


def test_a_settings_save_with_a_warning_is_applied_and_logged(board, capsys):
    app = running(board, settings={"min_off_s": 300})
    capsys.readouterr()
    app.save_settings({"fan_with_backup": False})
    assert app.thermostat.settings.values["fan_with_backup"] is False
    assert stored_settings(board)["settings"] == {"min_off_s": 300, "fan_with_backup": False}
    found = lint_lines(capsys.readouterr().out)
    assert len(found) == 1 and "warning strips_without_blower" in found[0]
