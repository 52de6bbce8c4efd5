"""The command-line tools: simulate.py, run.py --headless."""

import subprocess
import sys
from pathlib import Path

import pytest

from tools.sim.controllers import CONTROL_PERIOD_S

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def test_simulate_prints_every_figure_as_name_value_unit_and_writes_plot_and_csv(tmp_path):
    png, table = tmp_path / "day.png", tmp_path / "day.csv"
    done = subprocess.run([PY, "tools/simulate.py", "--day", "mild", "--schedule", "setback", "--controller",
                           "baseline", "--plot", str(png), "--csv", str(table)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    for name in ("energy_kwh", "aux_kwh", "unavoidable_aux_kwh", "ideal_kwh", "gas_kwh"):
        value, unit = figures[name].split()
        assert unit == "kWh" and float(value) >= 0
    assert figures["discomfort_degf_h"].endswith(" degF·h")
    assert figures["short_cycles"].endswith(" runs")
    assert figures["indoor_at_0630_f"].endswith(" degF")
    assert png.stat().st_size > 20_000
    rows = table.read_text().splitlines()
    assert rows[0].startswith("clock,t_s,outdoor_f,indoor_f")
    assert len(rows) == 1 + 86400 // CONTROL_PERIOD_S


def test_simulate_refuses_a_bad_settings_file_naming_the_key(tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text('{"min_off_s": 5}')
    done = subprocess.run([PY, "tools/simulate.py", "--settings", str(settings)], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode != 0
    assert "min_off_s" in done.stderr


def test_run_headless_prints_frames_with_leds_the_gate_and_a_pulled_sensor():
    done = subprocess.run([PY, "tools/run.py", "--headless", "900", "--every", "300", "--keys", "400:i"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    frames = done.stdout.split("-" * 78)
    assert len(frames) >= 3
    first, last = frames[0], frames[-2]
    assert "  Y1 --  compressor resting after a stop or a boot (min_off_s)  [min_off]" in first  # boot's min off
    assert "mode    heat" in first
    assert "sensor PULLED" in last and "indoor_sensor" in last
    assert "  Y1 --" in last


def test_run_keys_change_mode_fan_and_setpoint():
    done = subprocess.run([PY, "tools/run.py", "--headless", "60", "--every", "60", "--keys", "10:m,10:f,10:+"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "mode    cool" in done.stdout
    assert "fan on" in done.stdout
    assert "heat setpoint 71.0" in done.stdout


@pytest.mark.parametrize("option, path, why", [
    ("--plot", "/nonexistent-folder/day.png", "the folder /nonexistent-folder does not exist"),
    ("--plot", "day.xyz", "'xyz' is not an image format"),
    ("--plot", ".", "is a folder, not a file"),
    ("--csv", "/nonexistent-folder/day.csv", "the folder /nonexistent-folder does not exist"),
])
def test_simulate_refuses_an_output_it_could_not_write_before_simulating(option, path, why):
    done = subprocess.run([PY, "tools/simulate.py", "--controller", "baseline", option, path], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""  # no figures: nothing was simulated
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("simulate.py: %s: %s: " % (option, path)) and why in lines[0]
