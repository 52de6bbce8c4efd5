"""make deploy ... DRY_RUN=1: the exact mpremote commands, without a board."""

import subprocess
import sys

import pytest
from fakes import ROOT


def dry_run(*args):
    return subprocess.run([sys.executable, "tools/deploy.py", *args, "--dry-run"], cwd=ROOT,
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("board, arch", [("rpi_pico", "armv6m"), ("esp32_devkitc", "xtensawin")])
def test_dry_run_prints_every_mpremote_command(board, arch):
    result = dry_run(board, "--port", "/dev/ttyACM0")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("mpremote ") for line in lines)
    assert lines[0] == "mpremote connect /dev/ttyACM0 exec 'open(\"maintenance\", \"w\").close()' + reset"
    assert lines[1] == "mpremote sleep 3 connect /dev/ttyACM0 mip install --target /lib aiorepl"
    assert lines[2] == (
        "mpremote connect /dev/ttyACM0 fs cp -r build/%s/app build/%s/board build/%s/thermo :lib"
        " + fs cp build/%s/boot.py build/%s/main.py : + fs cp boards/%s.json :board.json" % ((arch,) * 5 + (board,)))
    assert lines[3].endswith("' + reset") and "crashes.json" in lines[3] and "maintenance" in lines[3]


def test_a_config_file_is_copied_for_import_at_boot():
    lines = dry_run("rpi_pico", "--config", "my.json").stdout.splitlines()
    assert lines[2].endswith("+ fs cp my.json :config.import.json")


def test_an_unknown_or_invalid_board_is_refused_before_any_command():
    result = dry_run("nope")
    assert result.returncode == 1 and result.stdout == ""
    assert "deploy: no board 'nope' (known: esp32_devkitc, rpi_pico, rpi_pico_w)" in result.stderr


def test_mpremote_is_pinned():
    assert "mpremote==1.29.0" in (ROOT / "requirements-dev.txt").read_text().splitlines()
