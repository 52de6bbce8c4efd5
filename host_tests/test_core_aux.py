"""Electric aux on droop waits for the compressor only while min_off alone holds it.

Contract, behaviour "Aux": a compressor held back by anything else
(max_starts_per_hour, the changeover delay, a lockout) does not hold back
the strips; a compressor held by min_off_s alone may keep them waiting, so
strips do not burn at every boot of a cold house.
"""

from conftest import heat, replay

from thermo.control import Thermostat
from thermo.decide import start_hold


def test_strips_serve_a_droop_while_max_starts_holds_the_compressor():
    config = {"max_starts_per_hour": 1}
    events = [heat(indoor=68.0, outdoor=20.0),  # Y1 starts at 300: the one start of this hour
              {"t": 600, "indoor_f": 70.0},  # satisfied, Y1 stops at 600
              {"t": 1000, "indoor_f": 66.0}]  # 4 °F below: min_off is over, the start is used up
    timeline = replay(events, config=config, duration=3000)
    assert timeline.starts() == [300]
    assert timeline.first("W2", after=1000) == 1000
    assert timeline.on(1000) == {"W2", "G"}


def test_strips_serve_a_droop_during_the_changeover_delay_after_cooling():
    events = [{"t": 0, "mode": "cool", "cool_setpoint_f": 75.0, "heat_setpoint_f": 70.0,
               "indoor_f": 77.0, "outdoor_f": 20.0},
              {"t": 600, "indoor_f": 75.0},  # cooling satisfied: Y1 off at 600
              {"t": 700, "mode": "heat", "indoor_f": 66.0}]  # valve may move at 1200 only
    timeline = replay(events, config={"min_off_s": 60}, duration=1800)
    assert timeline.first("W2", after=700) == 700
    assert timeline.first("Y1", after=700) > 1200


def test_strips_wait_for_a_compressor_held_by_min_off_alone_after_a_stop():
    events = [heat(indoor=68.0, outdoor=20.0), {"t": 600, "indoor_f": 70.0}, {"t": 700, "indoor_f": 66.0}]
    timeline = replay(events, duration=1200)
    assert timeline.first("Y1", after=700) == 900  # min_off from the stop at 600
    assert not timeline.ever("W2", 600, 900)
    assert timeline.first("W2", after=700) == 901  # joins the running compressor


def test_strips_wait_for_min_off_at_boot_in_a_cold_house():
    timeline = replay([heat(indoor=60.0, outdoor=20.0)], duration=600)
    assert not timeline.ever("W2", 0, 300)
    assert timeline.first("Y1") == 300 and timeline.first("W2") == 301


def test_furnace_backs_up_a_droop_while_max_starts_holds_the_compressor():
    config = {"backup_heat": "dual_fuel", "max_starts_per_hour": 1, "dual_fuel_switch_delay_s": 60}
    events = [heat(indoor=68.0, outdoor=40.0), {"t": 600, "indoor_f": 70.0}, {"t": 1000, "indoor_f": 66.0}]
    timeline = replay(events, config=config, duration=3000)
    assert timeline.starts() == [300]
    assert timeline.first("W2", after=1000) == 1000  # Y1 has been off 400 s: no switch delay left


def test_asking_why_the_compressor_waits_changes_nothing():
    thermostat = Thermostat({"max_starts_per_hour": 1})
    thermostat.command({"mode": "heat", "heat_setpoint_f": 70.0})
    thermostat.indoor_reading(650)
    thermostat.outdoor_reading(200)
    thermostat.tick(0)
    before = {key: (list(value) if isinstance(value, list) else value) for key, value in vars(thermostat).items()}
    assert start_hold(thermostat, False) == "min_off"
    assert start_hold(thermostat, True) == "min_off"
    after = {key: (list(value) if isinstance(value, list) else value) for key, value in vars(thermostat).items()}
    assert after == before
