"""The commissioning test (app.commission) on the simulated reference house.

The firmware's core decides every control period of a closed loop
(tools/sim); the test is advanced after each tick, as the board's task
and ``make run`` do, and gives the core only user commands. A normal house
matches every step; an injected fault (tools/sim/faults.py, acting from the
test's start: the house was warm when the installer began) is named in the
verdict; the user's state is restored, and saved as the user's while the
test runs; the black-box monitor finds no interlock broken.
"""

from functools import partial

import pytest
from app import commission as C
from monitor import Monitor

from thermo import brands
from thermo import modes as M
from thermo import terminals as T
from thermo.values import SettingError
from tools.sim.controllers import FirmwareController
from tools.sim.faults import Fault
from tools.sim.loop import ClosedLoop
from tools.sim.weather import outdoor_f

START_S = 11 * 3600  # 11:00 of the cold day: about 28 °F, strips allowed, the heat pump holds alone
STEP_MS = 1000
USER = {"mode": "heat", "fan": "circulate", "heat_setpoint_f": 69.5, "cool_setpoint_f": 77}


class Commissioned:
    """The firmware in charge of the house, the commissioning test advanced
    after each tick, and the timeline the monitor reads."""

    name = "firmware+commission"

    def __init__(self, settings):
        self.fw = FirmwareController(settings, None, mode="heat", heat_setpoint_f=70.0)
        self.th = self.fw.thermostat
        self.settings = settings
        self.test = None
        self.timeline = []
        self.indoor_lost_at = None

    def command(self, changes):
        self.th.command(changes)

    def step(self, t_s, minute, indoor, outdoor):
        if self.test is not None:
            self.test.advance(STEP_MS)
        if self.indoor_lost_at is not None and t_s >= self.indoor_lost_at:
            indoor = None
        outputs = self.fw.step(t_s, minute, indoor, outdoor)
        th = self.th
        self.timeline.append((t_s, {name: int(bool(outputs & bit)) for name, bit in zip(T.NAMES, T.BITS, strict=True)}, {
            "mode": M.MODES[th.mode], "fan": M.FANS[th.fan], "heat_sp_f": th.heat_setpoint_dF / 10,
            "cool_sp_f": th.cool_setpoint_dF / 10, "indoor_f": None if indoor is None else round(indoor, 1),
            "outdoor_f": round(outdoor, 1), "settings": self.settings}))
        return outputs

    def close(self):
        pass


def commission(settings=None, faults=(), limit_s=4 * 3600, before=None, **options):
    settings = dict(settings or {})
    house = Commissioned(settings)
    loop = ClosedLoop(partial(outdoor_f, "cold"), "constant", house, settings,
                      faults=[Fault(name, START_S) for name in faults])
    loop.advance(START_S - 600)
    house.command(USER)
    loop.advance(600)
    house.test = C.Commission(house.th, house.command, **options).start()
    if before:
        before(house, loop)
    ran = 0
    while house.test.running and ran < limit_s:
        loop.advance(60)
        ran += 60
    return house


def user_state(th):
    return (M.MODES[th.mode], M.FANS[th.fan], th.heat_setpoint_dF, th.cool_setpoint_dF)


USER_STATE = ("heat", "circulate", 695, 770)


@pytest.fixture(scope="module")
def normal():
    return commission()


def test_on_a_normal_house_every_step_matches_and_the_valve_is_judged_correct(normal):
    test = normal.test
    assert test.state == "done"
    assert [r["step"] for r in test.results] == ["fan", "heat", "strips", "cool", "emergency"]
    assert [r["verdict"] for r in test.results] == ["matched"] * 5, test.lines()
    assert test.findings == []
    assert any(line.startswith("O/B: correct: reversing_valve O") for line in test.verdict)


def test_the_users_mode_fan_and_setpoints_are_restored_at_the_end(normal):
    assert user_state(normal.th) == USER_STATE


def test_the_test_breaks_no_interlock_of_the_contract(normal):
    monitor = Monitor({}, liveness=False, tick_s=1)
    for t_s, outputs, env in normal.timeline:
        monitor.observe(t_s, outputs, env)
    assert not monitor.violations, monitor.violations[:5]


def test_a_two_stage_heat_pump_matches_stage_2_too():
    test = commission({"compressor_stages": 2}).test
    assert [r["step"] for r in test.results] == ["fan", "heat", "stage2", "strips", "cool", "emergency"]
    assert [r["verdict"] for r in test.results] == ["matched"] * 6, test.lines()


def test_a_reversed_ob_is_named_with_the_setting_to_use():
    house = commission(faults=["ob_reversed"])
    test = house.test
    assert "ob_reversed" in test.findings, test.lines()
    line = [line for line in test.verdict if line.startswith("O/B:")][0]
    assert "in heat mode the house cooled" in line
    assert "the O/B setting is probably reversed: set reversing_valve to B" in line
    assert user_state(house.th) == USER_STATE


@pytest.mark.parametrize("settings, fault, finding", [
    ({}, "w2_open", "w2_not_heating"),
    ({"compressor_stages": 2}, "y2_open", "y2_adds_nothing"),
    ({}, "compressor_dead", "compressor_not_responding"),
])
def test_a_wiring_or_equipment_fault_is_named_in_the_verdict(settings, fault, finding):
    test = commission(settings, [fault]).test
    assert test.findings == [finding], test.lines()


def test_with_the_brand_the_table_is_told_and_the_houses_verdict_outranks_it():
    test = commission(faults=["ob_reversed"], brand="Trane").test
    assert "O/B by brand: Trane: O, the valve energized in cooling; the commissioning test's verdict outranks " \
           "this table" in test.verdict
    assert "this house says B, the table says O: go by the house (reversing_valve B)" in test.verdict


def test_while_it_runs_the_state_saved_for_a_reboot_is_the_users():
    seen = []

    def look(house, loop):
        loop.advance(1800)  # into the heat step
        seen.append((user_state(house.th), house.th.retained()))

    house = commission(before=look, limit_s=60)
    now, saved = seen[0]
    assert now != USER_STATE
    assert (saved["mode"], saved["fan"], saved["heat_setpoint_dF"], saved["cool_setpoint_dF"]) == USER_STATE
    house.test.abort()
    assert "retained" not in vars(house.th)
    assert user_state(house.th) == USER_STATE


def test_an_abort_restores_the_users_state_at_once():
    def stop(house, loop):
        loop.advance(1500)
        house.test.abort()

    house = commission(before=stop)
    assert house.test.state == "aborted"
    assert house.test.verdict[0] == "test stopped: aborted by the installer"
    assert user_state(house.th) == USER_STATE


def test_a_lost_indoor_sensor_stops_the_test_and_restores_the_users_state():
    def lose(house, loop):
        house.indoor_lost_at = START_S + 1500

    house = commission(before=lose, limit_s=1800)
    assert house.test.state == "aborted"
    assert house.test.why == "the indoor sensor stopped answering"
    assert user_state(house.th) == USER_STATE


def test_a_users_mode_command_ends_the_test_and_is_kept():
    def change(house, loop):
        loop.advance(1500)
        house.command({"mode": "cool"})

    house = commission(before=change, limit_s=60)
    assert house.test.state == "aborted"
    assert house.test.why.startswith("interrupted by a command (mode cool")
    assert M.MODES[house.th.mode] == "cool"


def test_a_held_compressor_is_waited_for_and_the_rule_and_time_left_are_said():
    notes = []

    def watch(house, loop):
        for _ in range(2000):
            loop.advance(1)
            notes.append(house.test.note)

    house = commission({"min_off_s": 2400}, before=watch, limit_s=0)
    held = [note for note in notes if note.startswith("waiting for compressor in heat (Y1): Y1 held by min_off")]
    assert held and held[0].endswith(" left"), notes[-1]
    house.test.abort()


def test_an_option_out_of_range_is_refused_naming_it():
    th = FirmwareController({}).thermostat
    with pytest.raises(SettingError, match="run_s: 5 is out of range"):
        C.Commission(th, th.command, run_s=5)
    with pytest.raises(SettingError, match="unknown option"):
        C.Commission(th, th.command, runs=600)


@pytest.mark.parametrize("brand, setting", [
    ("Carrier", "O"), ("bryant", "O"), ("TRANE", "O"), ("american  standard", "O"), ("Lennox", "O"),
    ("Goodman", "O"), ("Amana", "O"), ("Daikin", "O"), ("Rheem", "O"), ("Bosch", "B"), ("York", None),
    ("Ruud", None), ("Acme", None),
])
def test_the_ob_helper_follows_the_wiring_guide(brand, setting):
    found, text = brands.ob_for(brand)
    assert found == setting
    assert "verdict outranks this table" in text


def test_the_ob_helper_says_plainly_that_some_older_rheem_and_ruud_units_are_b():
    assert "some older Rheem/Ruud units are B" in brands.ob_for("Ruud")[1]
    assert "some older Rheem units are B" in brands.ob_for("Rheem")[1]
    assert any("some older Rheem/Ruud units are B" in line for line in brands.table_lines())
