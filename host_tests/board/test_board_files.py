"""Board files: every shipped one loads; a bad one is refused with a message
naming the file, the field, the value and what is allowed."""

import json

import pytest
from board import boardfile
from fakes import BOARDS

SHIPPED = sorted(p.stem for p in BOARDS.glob("*.json"))


def pico(**changes):
    data = json.loads((BOARDS / "rpi_pico.json").read_text())
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[key]
        if value is KeyError:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return data


def refused(data, source="boards/rpi_pico.json"):
    with pytest.raises(boardfile.BoardError) as caught:
        boardfile.validate(data, source)
    return str(caught.value)


def test_the_three_supported_boards_are_shipped():
    assert {"esp32_devkitc", "rpi_pico", "rpi_pico_w"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_board_file_is_valid(name):
    board = boardfile.load(str(BOARDS / (name + ".json")))
    assert [t[0] for t in board["terminals"]][0] == "Y1"
    assert "indoor" in board["sensors"]


def test_pico_maps_terminals_to_gpio_and_relays_are_active_low():
    board = boardfile.load(str(BOARDS / "rpi_pico.json"))
    assert {name: pin for name, _bit, pin in board["terminals"]} == {
        "Y1": 2, "G": 3, "OB": 4, "W2": 5, "Y2": 6, "E": 7}
    assert board["active_high"] is False
    assert (board["mpy_arch"], board["watchdog_ms"], board["wifi"]) == ("armv6m", 8000, False)


def test_a_pin_out_of_range_names_file_field_and_range():
    assert refused(pico(terminals__Y1=40)) == "boards/rpi_pico.json: terminals.Y1: pin 40 is out of range (allowed: 0 to 29)"


def test_relay_polarity_must_be_high_or_low():
    assert refused(pico(relay_active="inverted")) == (
        'boards/rpi_pico.json: relay_active: "inverted" is not allowed (allowed: "high", "low")')


def test_an_unknown_terminal_is_refused_with_the_known_names():
    assert refused(pico(terminals__W1=9)) == (
        "boards/rpi_pico.json: terminals.W1: unknown key (known: Y1, Y2, G, W2, OB, E)")


def test_y1_must_be_wired_but_other_terminals_may_be_null():
    assert "terminals.Y1: missing (required)" in refused(pico(terminals__Y1=KeyError))
    board = boardfile.validate(pico(terminals__Y2=None, terminals__E=None))
    assert [t[0] for t in board["terminals"]] == ["Y1", "G", "W2", "OB"]


def test_a_pin_used_twice_is_refused():
    assert refused(pico(terminals__G=2)) == "boards/rpi_pico.json: terminals.G: pin 2 is already used by terminals.Y1"


def test_a_reserved_pin_of_the_board_is_refused_with_its_use():
    assert refused(pico(terminals__E=24)) == "boards/rpi_pico.json: terminals.E: pin 24 is reserved on this board (VBUS sense)"


def test_rp2040_i2c_pins_must_belong_to_the_i2c_block():
    message = refused(pico(i2c__i2c0__sda=10))
    assert message == "boards/rpi_pico.json: i2c.i2c0.sda: pin 10 is not an SDA pin of I2C0 (allowed: 0, 4, 8, 12, 16, 20, 24, 28)"


def test_a_sensor_must_name_a_declared_bus():
    assert refused(pico(sensors__outdoor={"type": "ds18b20", "bus": "ow9"})) == (
        'boards/rpi_pico.json: sensors.outdoor.bus: "ow9" is not a declared onewire bus '
        '(declared: "ow_indoor", "ow_outdoor")')


def test_sensor_types_are_listed_when_wrong():
    assert refused(pico(sensors__indoor={"type": "dht22", "bus": "ow_indoor"})) == (
        'boards/rpi_pico.json: sensors.indoor.type: "dht22" is not allowed (allowed: "ds18b20", "sht3x", "simulated")')


def test_rp2040_watchdog_cannot_exceed_8388_ms():
    assert refused(pico(watchdog_ms=9000)) == (
        "boards/rpi_pico.json: watchdog_ms: 9000 is out of range (allowed: 3000 to 8388 ms)")


def test_esp32_flash_and_strapping_pins_are_refused_for_relays():
    data = json.loads((BOARDS / "esp32_devkitc.json").read_text())
    data["terminals"]["E"] = 7
    assert refused(data, "esp32.json") == "esp32.json: terminals.E: pin 7 cannot drive an output (flash)"
    data["terminals"]["E"] = 12
    assert refused(data, "esp32.json").startswith("esp32.json: terminals.E: pin 12 is a strapping pin")


def test_an_unknown_chip_is_refused():
    assert refused(pico(chip="stm32")) == 'boards/rpi_pico.json: chip: "stm32" is not supported (allowed: "esp32", "rp2040")'


def test_bad_json_and_a_missing_file_are_board_errors(tmp_path):
    (tmp_path / "b.json").write_text("{nope")
    with pytest.raises(boardfile.BoardError, match=r"^b.json: not valid JSON"):
        boardfile.load(str(tmp_path / "b.json"), source="b.json")
    with pytest.raises(boardfile.BoardError, match="cannot be read"):
        boardfile.load(str(tmp_path / "missing.json"))


def test_a_screen_is_optional_and_names_its_i2c_bus_and_address():
    assert boardfile.validate(pico())["display"] is None
    board = boardfile.validate(pico(display={"type": "ssd1306", "bus": "i2c0", "address": 61}))
    assert board["display"] == {"type": "ssd1306", "i2c": {"id": 0, "sda": 8, "scl": 9, "freq": 100000}, "address": 61}
    assert boardfile.validate(pico(display={"type": "ssd1306", "bus": "i2c0"}))["display"]["address"] == 0x3C


def test_a_bad_screen_entry_names_the_field_and_what_is_allowed():
    assert refused(pico(display={"type": "sh1106", "bus": "i2c0"})) == (
        'boards/rpi_pico.json: display.type: "sh1106" is not allowed (allowed: "ssd1306")')
    assert refused(pico(display={"type": "ssd1306", "bus": "i2c1"})) == (
        'boards/rpi_pico.json: display.bus: "i2c1" is not a declared i2c bus (declared: "i2c0")')
    assert refused(pico(display={"type": "ssd1306", "bus": "i2c0", "address": 68})) == (
        "boards/rpi_pico.json: display.address: 68 is not an SSD1306 address (allowed: 60 (0x3C), 61 (0x3D))")
    assert refused(pico(display={"type": "ssd1306"})) == "boards/rpi_pico.json: display.bus: missing (required)"
    assert refused(pico(display={"type": "ssd1306", "bus": "i2c0", "width": 128})) == (
        "boards/rpi_pico.json: display.width: unknown key (known: type, bus, address)")


# -- optional 24 VAC sense inputs (optocouplers) ---------------------------------


def test_sense_inputs_are_optional_and_normalised_in_terminal_order_with_r_last():
    assert boardfile.validate(pico())["sense"] is None
    board = boardfile.validate(pico(sense={"R": 17, "E": 16, "Y1": 10}, sense_active="high", sense_pull="down"))
    assert board["sense"] == {"active_high": True, "inputs": (("Y1", 1, 10, "down"), ("E", 32, 16, "down"),
                                                              ("R", 0, 17, "down"))}
    assert boardfile.validate(pico(sense={"Y1": 10}))["sense"] == {"active_high": False, "inputs": (("Y1", 1, 10, "up"),)}


def test_a_sense_input_on_a_pin_in_use_is_refused_naming_the_use():
    assert refused(pico(sense={"Y1": 14})) == "boards/rpi_pico.json: sense.Y1: 14 is not a free pin (already used by buttons.mode)"
    assert refused(pico(sense={"Y1": 10, "R": 10})) == "boards/rpi_pico.json: sense.R: 10 is not a free pin (already used by sense.Y1)"


def test_a_bad_sense_entry_is_refused_in_one_line_with_what_is_allowed():
    assert refused(pico(sense={"W1": 10})) == "boards/rpi_pico.json: sense.W1: unknown key (known: Y1, Y2, G, W2, OB, E, R)"
    assert refused(pico(sense={"Y1": 40})) == "boards/rpi_pico.json: sense.Y1: pin 40 is out of range (allowed: 0 to 29)"
    assert refused(pico(sense={"Y1": 24})) == "boards/rpi_pico.json: sense.Y1: pin 24 is reserved on this board (VBUS sense)"
    assert refused(pico(sense={"R": "GP17"})) == 'boards/rpi_pico.json: sense.R: "GP17" is not a pin number (allowed: 0 to 29)'
    assert refused(pico(sense={"Y1": 10}, sense_active="on")) == (
        'boards/rpi_pico.json: sense_active: "on" is not allowed (allowed: "high", "low")')
    assert refused(pico(sense={"Y1": 10}, sense_pull="weak")) == (
        'boards/rpi_pico.json: sense_pull: "weak" is not allowed (allowed: "up", "down", "none")')


def test_a_sense_input_needs_its_terminal_wired_to_a_relay():
    assert refused(pico(terminals__Y2=None, sense={"Y2": 10})) == (
        "boards/rpi_pico.json: sense.Y2: terminals.Y2 is not wired: a sense input reads what its relay switches "
        "(wired: Y1, G, W2, OB, E, and R)")


def test_esp32_sense_inputs_refuse_flash_and_strapping_pins_and_pull_ups_where_there_are_none():
    data = json.loads((BOARDS / "esp32_devkitc.json").read_text())
    data["sense"] = {"Y1": 7}
    assert refused(data, "esp32.json") == "esp32.json: sense.Y1: pin 7 cannot be read (flash)"
    data["sense"] = {"R": 0}  # an optocoupler holding GPIO0 low at reset starts the ROM loader
    assert refused(data, "esp32.json") == (
        "esp32.json: sense.R: pin 0 is a strapping pin; its level at reset selects the boot mode "
        "(not for sense inputs: 0, 2, 5, 12, 15)")
    data["sense"] = {"R": 34}
    assert boardfile.validate(data)["sense"]["inputs"] == (("R", 0, 34, "none"),)  # the diagram draws its pull-up
    data["sense_pull"] = "up"
    assert refused(data, "esp32.json") == (
        'esp32.json: sense_pull: "up" is not possible on pin 34 of sense.R (no internal pull resistors on '
        '34, 35, 36, 37, 38, 39: allowed: "none", with an external 10 kOhm pull-up to 3V3)')
