"""The wiring diagrams (tools/wiring.py): one per board file, drawn from it,
committed in docs/wiring/ and kept in step with the board files; every relay
pin and terminal is in the picture; plain SVG that parses."""

import json
import shutil
import xml.etree.ElementTree as ET

import pytest
import wiring

SHIPPED = sorted(p.stem for p in wiring.BOARDS.glob("*.json"))
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg):
    return [el.text for el in ET.fromstring(svg).iter(SVG + "text")]


def board_file(tmp_path, **changes):
    data = json.loads((wiring.BOARDS / "esp32_devkitc.json").read_text())
    data.update(changes)
    path = tmp_path / "test_board.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("name", SHIPPED)
def test_the_committed_diagram_is_the_one_its_board_file_draws(name):
    committed = wiring.OUT / (name + ".svg")
    assert committed.exists(), "no %s: python tools/wiring.py --all --write" % committed.name
    assert committed.read_text(encoding="utf-8") == wiring.render(wiring.BOARDS / (name + ".json")), (
        "%s is stale: python tools/wiring.py --all --write" % committed.name)


def test_every_diagram_has_a_board_file():
    assert sorted(p.stem for p in wiring.OUT.glob("*.svg")) == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_relay_pin_and_terminal_of_the_board_file_is_drawn(name):
    path = wiring.BOARDS / (name + ".json")
    _raw, board, _sense = wiring.load(path)
    shown = texts(wiring.render(path))
    for term, _bit, pin in board["terminals"]:
        assert wiring.LABELS.get(term, term) in shown, term
        assert wiring.pin_name(board, pin) in shown, (term, pin)
    assert {"R", "C"} <= set(shown)
    assert "IN%d" % len(board["terminals"]) in shown


@pytest.mark.parametrize("name", SHIPPED)
def test_the_diagram_is_plain_svg_with_no_script_and_nothing_from_elsewhere(name):
    svg = wiring.render(wiring.BOARDS / (name + ".json"))
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    for el in root.iter():
        assert el.tag not in (SVG + "script", SVG + "image", SVG + "foreignObject"), el.tag
        assert not any(key.startswith("on") or key.endswith("href") for key in el.attrib), el.attrib


def test_the_same_board_file_draws_the_same_bytes(tmp_path):
    path = board_file(tmp_path)
    assert wiring.render(path) == wiring.render(path)


def test_the_relay_polarity_is_written_on_the_diagram(tmp_path):
    assert "active-low" in " ".join(texts(wiring.render(board_file(tmp_path))))
    assert "active-high" in " ".join(texts(wiring.render(board_file(tmp_path, relay_active="high"))))


def test_each_onewire_sensor_has_its_pullup_and_each_i2c_device_its_address(tmp_path):
    path = board_file(tmp_path, display={"type": "ssd1306", "bus": "i2c0", "address": 61})
    shown = texts(wiring.render(path))
    assert shown.count("4.7 k\u03a9") == 1 and "DS18B20: outdoor" in shown
    assert "SHT3x indoor sensor, address 0x44" in shown
    assert "SSD1306 screen 128\u00d764, address 0x3D" in shown


def test_a_terminal_the_board_file_leaves_unwired_is_named_as_not_wired(tmp_path):
    shown = texts(wiring.render(board_file(tmp_path, terminals={"Y1": 25, "G": 26, "OB": 27, "W2": 32})))
    assert "Not wired on this board: Y2, E" in shown
    assert "IN5" not in shown


def test_sense_inputs_are_drawn_only_when_the_board_file_has_them(tmp_path):
    assert not any("sense" in t for t in texts(wiring.render(board_file(tmp_path))))
    shown = texts(wiring.render(board_file(tmp_path, sense={"R": 34, "Y1": 35})))
    assert "sense R" in shown and "sense Y1" in shown
    assert "GPIO34" in shown and "GPIO35" in shown


def test_a_board_file_the_board_would_refuse_draws_nothing_and_names_the_field(tmp_path):
    with pytest.raises(wiring.boardfile.BoardError) as caught:
        wiring.render(board_file(tmp_path, terminals={"Y1": 6}))
    assert str(caught.value) == "test_board.json: terminals.Y1: pin 6 cannot drive an output (flash)"
    with pytest.raises(wiring.boardfile.BoardError, match=r"sense\.Y1: 25 is not a free pin"):
        wiring.render(board_file(tmp_path, sense={"Y1": 25}))


def test_the_cli_check_finds_the_committed_diagrams_current():
    assert wiring.main(["--all", "--check"]) == 0


# -- the web page serves the board's copy at /wiring ------------------------------


@pytest.fixture
def rig(monkeypatch):
    from web.webcore import Rig, fake_clock

    return Rig(fake_clock(monkeypatch), open_status=True)


def test_the_web_serves_the_diagram_deploy_copied_as_svg(rig, monkeypatch, tmp_path):
    # The board's file is /wiring.svg: the page opens it relative to the working folder, as on the board.
    # (No monkeypatching of app.page: after a board test has reloaded the firmware's modules, the Web
    # built here may use an older app.page than an import here would give.)
    shutil.copy(wiring.OUT / "rpi_pico_w.svg", tmp_path / "wiring.svg")
    monkeypatch.chdir(tmp_path)
    response = rig.request("GET", "/wiring")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.body == (wiring.OUT / "rpi_pico_w.svg").read_bytes()
    assert 'href="/wiring"' in rig.request("GET", "/").text


def test_without_a_diagram_on_the_board_the_web_says_how_to_get_one(rig, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no wiring.svg here
    response = rig.request("GET", "/wiring")
    assert response.status_code == 404
    assert "make deploy copies docs/wiring/<board>.svg" in response.text


def test_the_diagram_needs_a_session_unless_the_status_is_open(monkeypatch):
    from web.webcore import Rig, fake_clock

    response = Rig(fake_clock(monkeypatch)).request("GET", "/wiring")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
