"""make deploy: the board file and the config checked first, then the right build, then mpremote."""

import json
import subprocess
import sys

import pytest
from fakes import ROOT

sys.path.insert(0, str(ROOT / "tools"))

import deploy  # noqa: E402


def deploy_cli(*args):
    return subprocess.run([sys.executable, "tools/deploy.py", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=60)


def dry_run(*args):
    return deploy_cli(*args, "--dry-run")


def config_file(tmp_path, document):
    path = tmp_path / "my.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def refused_in_one_line(result, *words):
    """Exit 2, nothing sent (no command printed), one line on stderr naming what is wrong."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("deploy: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize("board, arch", [("rpi_pico", "armv6m"), ("esp32_devkitc", "xtensawin")])
def test_dry_run_prints_every_mpremote_command(board, arch):
    result = dry_run(board, "--port", "/dev/ttyACM0")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("mpremote ") for line in lines)
    assert lines[0] == "mpremote connect /dev/ttyACM0 exec 'open(\"maintenance\", \"w\").close()' + reset"
    # The MQTT link, the web page and the Wi-Fi set-up where there is Wi-Fi.
    wifi = (" umqtt.simple@1.7.0 + mip install --target /lib/microdot"
            " github:miguelgrinberg/microdot/src/microdot/__init__.py@v2.7.0"
            " github:miguelgrinberg/microdot/src/microdot/microdot.py@v2.7.0"
            " github:miguelgrinberg/microdot/src/microdot/csrf.py@v2.7.0") if board == "esp32_devkitc" else ""
    assert lines[1] == "mpremote sleep 3 connect /dev/ttyACM0 mip install --target /lib aiorepl" + wifi
    assert lines[2] == (
        "mpremote connect /dev/ttyACM0 fs cp -r build/%s/app build/%s/board build/%s/thermo :lib"
        " + fs cp build/%s/boot.py build/%s/main.py : + fs cp boards/%s.json :board.json" % ((arch,) * 5 + (board,))
        # and where there is Wi-Fi, the wiring diagram for the web page's /wiring
        + (" + fs cp build/wiring/%s.svg :wiring.svg" % board if board == "esp32_devkitc" else ""))
    assert lines[3].endswith("' + reset") and "crashes.json" in lines[3] and "maintenance" in lines[3]


def test_a_config_file_is_copied_for_import_at_boot(tmp_path):
    path = config_file(tmp_path, {"settings": {"min_off_s": 300}, "device": {"utc_offset_min": -300}})
    result = dry_run("rpi_pico", "--config", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2].endswith("+ fs cp %s :config.import.json" % path)


def test_an_unknown_board_is_refused_in_one_line_before_any_command():
    refused_in_one_line(dry_run("nope"), "no board 'nope' (known: esp32_devkitc, rpi_pico, rpi_pico_w)")


def test_a_missing_config_file_is_refused_in_one_line_with_or_without_dry_run(tmp_path):
    missing = str(tmp_path / "missing.json")
    refused_in_one_line(dry_run("rpi_pico", "--config", missing), missing, "cannot be read")
    refused_in_one_line(deploy_cli("rpi_pico", "--config", missing), missing, "cannot be read")


def test_a_config_that_is_not_json_is_refused_in_one_line_with_or_without_dry_run(tmp_path):
    path = config_file(tmp_path, '{"settings": {"min_off_s": 300,}}')
    refused_in_one_line(dry_run("rpi_pico", "--config", path), path, "config: not valid JSON")
    refused_in_one_line(deploy_cli("rpi_pico", "--config", path), path, "config: not valid JSON")


def test_a_setting_out_of_range_is_refused_on_the_desktop_naming_the_key(tmp_path):
    path = config_file(tmp_path, {"settings": {"min_off_s": 5}})
    line = refused_in_one_line(dry_run("rpi_pico", "--config", path))
    assert line == "deploy: %s: min_off_s: 5 is out of range (allowed: 30 to 3600 s)" % path


def test_a_bad_device_option_or_unknown_section_is_refused_naming_the_field(tmp_path):
    path = config_file(tmp_path, {"device": {"bench_speed": 1000}})
    refused_in_one_line(dry_run("rpi_pico", "--config", path), "device.bench_speed: 1000 is out of range")
    path = config_file(tmp_path, {"setings": {}})
    refused_in_one_line(dry_run("rpi_pico", "--config", path), '"setings": unknown section')


def test_the_board_is_checked_before_the_config(tmp_path):
    path = config_file(tmp_path, {"settings": {"min_off_s": 5}})
    refused_in_one_line(dry_run("nope", "--config", path), "no board 'nope'")


def test_make_deploy_checks_before_it_compiles():
    """The Makefile's deploy target must not build first: deploy.py checks, then builds the board's arch."""
    shown = subprocess.run(["make", "-n", "deploy", "BOARD=nope"], cwd=ROOT, capture_output=True, text=True,
                           check=False, timeout=30)
    recipe = [line for line in shown.stdout.splitlines() if "tools/" in line]
    assert recipe and "tools/deploy.py" in recipe[0], shown.stdout


def test_an_esp32_deploy_compiles_and_copies_the_xtensawin_build(monkeypatch):
    built, ran = [], []

    def build_arch(firmware, out, arch, rels):
        built.append(arch)
        return 1, []

    monkeypatch.setattr(deploy.build_mpy, "check_compiler", lambda: "mpy-cross (fake)")
    monkeypatch.setattr(deploy.build_mpy, "build_arch", build_arch)
    exists = deploy.os.path.exists
    monkeypatch.setattr(deploy.os.path, "exists", lambda path: "/build/" in path or exists(path))
    monkeypatch.setattr(deploy.subprocess, "run",
                        lambda line, **kw: ran.append(line) or subprocess.CompletedProcess(line, 0))
    assert deploy.main(["esp32_devkitc"]) == 0
    assert built == ["xtensawin"]
    copy = next(line for line in ran if "cp" in line)
    assert "build/xtensawin/thermo" in copy and not any("armv6m" in part for part in copy)


def test_a_deploy_stops_when_the_build_of_the_boards_arch_fails(monkeypatch, capsys):
    monkeypatch.setattr(deploy.build_mpy, "check_compiler", lambda: "mpy-cross (fake)")
    monkeypatch.setattr(deploy.build_mpy, "build_arch", lambda firmware, out, arch, rels: (0, ["x.py: boom"]))
    monkeypatch.setattr(deploy.subprocess, "run", lambda *a, **kw: pytest.fail("mpremote ran after a failed build"))
    assert deploy.main(["esp32_devkitc"]) == 1
    assert "x.py: boom" in capsys.readouterr().err


def test_mpremote_is_pinned():
    assert "mpremote==1.29.0" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def test_a_config_path_is_given_to_mpremote_as_seen_from_the_repository(tmp_path, monkeypatch):
    path = config_file(tmp_path, {"settings": {}})
    monkeypatch.chdir(tmp_path)
    target = deploy.check("rpi_pico", "my.json")
    assert deploy.commands(target)[2][-2:] == [path, ":config.import.json"]


def test_a_board_with_a_screen_gets_the_ssd1306_driver_and_one_without_does_not():
    board = deploy.check_board("rpi_pico_w")
    plain = deploy.Target("rpi_pico_w", board, "boards/rpi_pico_w.json", None)
    assert "ssd1306" not in deploy.commands(plain)[1]
    screen = deploy.Target("rpi_pico_w", dict(board, display={"type": "ssd1306", "i2c": board["i2c"]["i2c0"],
                                                               "address": 60}), "boards/rpi_pico_w.json", None)
    install = deploy.commands(screen)[1]
    assert install[install.index("aiorepl"):install.index("+")] == ["aiorepl", "umqtt.simple@1.7.0", "ssd1306"]


def test_microdot_goes_to_lib_microdot_as_mpremotes_mip_installs_it(monkeypatch):
    """mpremote 1.29's own mip code, given the deploy's arguments as its
    command line splits them: each file comes from the pinned tag on GitHub
    and lands in /lib/microdot/, the package microdot's modules import."""
    from mpremote import mip

    install = deploy.commands(deploy.check("rpi_pico_w"))[1]
    second = install[install.index("+") + 1:]
    assert second[:4] == ["mip", "install", "--target", "/lib/microdot"]
    fetched = []
    monkeypatch.setattr(mip, "_download_file", lambda transport, url, dest: fetched.append((url, dest)))
    for package in second[4:]:
        package, version = package.split("@")  # as mip.do_mip splits it
        mip._install_package(None, package, mip._PACKAGE_INDEX, "/lib/microdot", version, True)
    base = "https://raw.githubusercontent.com/miguelgrinberg/microdot/v2.7.0/src/microdot/"
    assert fetched == [(base + name, "/lib/microdot/" + name) for name in ("__init__.py", "microdot.py", "csrf.py")]


def test_the_boards_microdot_is_the_version_the_tests_run_and_has_every_module_the_firmware_imports():
    import re

    assert "microdot==%s" % deploy.MICRODOT_VERSION.lstrip("v") in (ROOT / "requirements-dev.txt").read_text()
    imported = set()
    for path in (ROOT / "firmware").rglob("*.py"):
        imported |= set(re.findall(r"^\s*from microdot\.(\w+) import", path.read_text(), re.M))
        if re.search(r"^\s*(from microdot import|import microdot)", path.read_text(), re.M):
            imported |= {"__init__", "microdot"}
    assert imported and {name + ".py" for name in imported} <= set(deploy.MICRODOT_FILES)


def test_a_board_without_wifi_gets_no_microdot():
    assert not any("microdot" in part for part in deploy.commands(deploy.check("rpi_pico"))[1])


def board_without(tmp_path, monkeypatch, *terminals):
    """boards/rpi_pico.json without these terminals, as the board deploy.py checks."""
    data = json.loads((ROOT / "boards" / "rpi_pico.json").read_text())
    for name in terminals:
        del data["terminals"][name]
    path = tmp_path / "pico_cut.json"
    path.write_text(json.dumps(data))
    monkeypatch.setattr(deploy, "board_path", lambda name: str(path))
    return path


def test_a_config_the_board_file_cannot_wire_is_refused_before_any_build_or_mpremote(tmp_path, monkeypatch, capsys):
    board_without(tmp_path, monkeypatch, "Y2")
    path = config_file(tmp_path, {"settings": {"compressor_stages": 2}})
    monkeypatch.setattr(deploy, "build", lambda target: pytest.fail("built after a lint refusal"))
    monkeypatch.setattr(deploy.subprocess, "run", lambda *a, **kw: pytest.fail("mpremote ran after a lint refusal"))
    assert deploy.main(["rpi_pico", "--config", path]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("deploy: %s: compressor_stages, terminals.Y2: refused y2_unwired: 2 stages are configured but the "
                   "board file wires no Y2 relay; set compressor_stages to 1 or give Y2 a pin in the board file\n" % path)


def test_the_same_config_deploys_to_a_board_that_wires_y2(tmp_path):
    result = dry_run("rpi_pico", "--config", config_file(tmp_path, {"settings": {"compressor_stages": 2}}))
    assert result.returncode == 0 and result.stderr == ""


def test_each_lint_warning_is_one_line_of_deploy_output_and_the_deploy_goes_on(tmp_path):
    path = config_file(tmp_path, {"settings": {"backup_heat": "dual_fuel", "fan_with_backup": True}})
    result = dry_run("rpi_pico", "--config", path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("deploy: %s: backup_heat, fan_with_backup: warning furnace_with_blower: " % path)
    assert all(line.startswith("mpremote ") for line in lines[1:]) and len(lines) == 5


def test_a_build_draws_the_boards_wiring_diagram_from_its_board_file_for_the_web_page(monkeypatch):
    import wiring

    target = deploy.check("rpi_pico_w", None)
    monkeypatch.setattr(deploy.build_mpy, "build_arch", lambda *args: (0, []))  # compiling is not what is tested
    deploy.build(target)
    drawn = (ROOT / target.wiring).read_text(encoding="utf-8")
    assert drawn == wiring.render(ROOT / "boards" / "rpi_pico_w.json")
    assert "build/wiring/rpi_pico_w.svg :wiring.svg" in " ".join(deploy.commands(target)[2])
