"""The learned model (issue 10, "The learned model has tests").

The thermostat learns, per 5 °F bin of outdoor temperature, how fast the
house moves under each kind of running (thermo.learn), and from it the
thermal balance point and the strips' duty (thermo.duty). These tests state
what that learning must do: converge on the reference house from a cold
start, survive a reboot and a corrupt save, ignore a door left open,
interpolate without guessing far, suggest (never apply) a dual-fuel lockout,
and run the strips time-proportioned within their limits.
"""

import pytest

from thermo import terminals as T
from thermo.control import Thermostat
from thermo.learn import HEAT_PUMP, IDLE, SAVED_LENGTH, Model
from tools.sim import controllers, equipment, loop
from tools.sim.house import BTU_PER_KWH, REFERENCE

STRIPS_BTUH = equipment.STRIPS_KW * BTU_PER_KWH  # the 10 kW bank, about 34,100 BTU/h


def true_balance_point_f(gains_btuh):
    """Where the reference heat pump's capacity meets the house's load at 70 °F."""
    def surplus(outdoor_f):
        return equipment.heating_capacity_btuh(outdoor_f) - (REFERENCE.ua_btuh_f * (70.0 - outdoor_f) - gains_btuh)

    low, high = -30.0, 70.0  # surplus(low) < 0 < surplus(high)
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (low, middle) if surplus(middle) > 0 else (middle, high)
    return (low + high) / 2


def learned_on(day):
    """A fresh firmware, factory settings, constant schedule, one warm-up day."""
    controller = controllers.make("firmware", {}, "constant")
    loop.simulate(day, "constant", controller, {}, warmup_days=1)
    return controller.thermostat


def taught(rates=(), duties=()):
    """A model that has learned each (kind, outdoor dF, rate) twice, and each (outdoor dF, duty) once."""
    model = Model()
    for kind, outdoor_dF, rate in rates:
        for _ in range(2):
            assert model.learn_rate(kind, outdoor_dF, rate)
    for outdoor_dF, duty in duties:
        model.learn_duty(outdoor_dF, duty)
    return model


def heats_after_min_off(thermostat):
    """A heat call on a cold house: Y1 once the boot's min_off (300 s) is over."""
    thermostat.command({"mode": "heat", "heat_setpoint_f": 70})
    first_y1 = None
    for second in range(0, 400):
        thermostat.indoor_reading(650)
        thermostat.outdoor_reading(400)
        if thermostat.tick(second * 1000) & T.Y1 and first_y1 is None:
            first_y1 = second
    return first_y1


# -- 1. it converges in the simulator from a cold start -----------------------


def test_a_fresh_firmware_learns_the_thermal_balance_point_within_3_F_on_the_cold_day():
    night, day = true_balance_point_f(REFERENCE.gain_night_btuh), true_balance_point_f(REFERENCE.gain_day_btuh)
    assert 20 < day < night < 27  # the reference house: about 24.2 °F at night, 22.8 °F by day
    model = learned_on("cold").model
    point_dF = model.balance_point_dF()
    assert point_dF is not None, "a day and a night of the cold day teach the heat pump's rate"
    assert day - 3 <= point_dF / 10 <= night + 3, (point_dF, day, night)


def test_a_fresh_firmware_learns_the_strip_duty_at_0_F_on_the_design_day():
    load = REFERENCE.ua_btuh_f * 70.0 - REFERENCE.gain_night_btuh
    shortfall = (load - equipment.heating_capacity_btuh(0.0)) / STRIPS_BTUH
    assert 0.6 < shortfall < 0.7
    duty_pm = learned_on("design").model.duty_at(0)
    assert duty_pm is not None, "strips held the design day: their duty is learned"
    assert abs(duty_pm / 1000 - shortfall) <= 0.12, (duty_pm, shortfall)


# -- 2. it survives a reboot and a corrupt save --------------------------------


def _taught_thermostat():
    thermostat = Thermostat({}, 0)
    thermostat.model = taught(rates=[(HEAT_PUMP, 175, -100), (HEAT_PUMP, 275, 300), (IDLE, 175, -150)],
                              duties=[(-25, 650), (25, 550)])
    return thermostat


def test_the_learned_model_survives_a_reboot():
    before = _taught_thermostat()
    saved = before.learned()
    assert len(saved) == SAVED_LENGTH and all(isinstance(value, int) for value in saved)
    for retained in ({"model": saved}, dict(before.retained(), model=list(saved))):
        after = Thermostat({}, 123_456, retained)
        assert after.model.learned()
        assert after.model.balance_point_dF() == before.model.balance_point_dF() == 200
        for outdoor_dF in (-100, 0, 100, 175, 225, 300):
            assert after.model.duty_at(outdoor_dF) == before.model.duty_at(outdoor_dF)
            assert after.model.rate_at(HEAT_PUMP, outdoor_dF) == before.model.rate_at(HEAT_PUMP, outdoor_dF)
        assert after.learned() == saved


def _corrupt(change):
    saved = _taught_thermostat().learned()
    return change(saved)


def _set(index, value):
    def change(saved):
        saved[index] = value
        return saved
    return change


CORRUPT_SAVES = {
    "a rate out of range": _corrupt(_set(3, 2501)),
    "a duty out of range": _corrupt(_set(SAVED_LENGTH - 2 * 19, 1001)),
    "a negative count": _corrupt(_set(SAVED_LENGTH - 1, -1)),
    "one value short": _corrupt(lambda saved: saved[:-1]),
    "one value too many": _corrupt(lambda saved: saved + [0]),
    "another version": _corrupt(_set(0, 2)),
    "a bool for a count": _corrupt(_set(SAVED_LENGTH - 1, True)),
    "a float for a rate": _corrupt(_set(3, 1.0)),
    "a string": "[1, 19, 5]",
    "None": None,
    "a dict": {"rates": []},
}


@pytest.mark.parametrize("name", sorted(CORRUPT_SAVES))
def test_a_corrupt_save_leaves_an_empty_model_and_the_thermostat_still_heats(name):
    thermostat = Thermostat({}, 0, {"model": CORRUPT_SAVES[name]})
    assert thermostat.model.balance_point_dF() is None
    assert not thermostat.model.learned()
    assert thermostat.model.duty_at(0) is None
    assert heats_after_min_off(thermostat) == 300


def test_a_corrupt_save_costs_only_the_learning_not_the_user_state():
    retained = dict(_taught_thermostat().retained(), heat_setpoint_dF=650, model=CORRUPT_SAVES["another version"])
    thermostat = Thermostat({}, 0, retained)
    assert thermostat.heat_setpoint_dF == 650
    assert not thermostat.model.learned()


# -- 3. it ignores a door left open --------------------------------------------


def _idle_model():
    model = Model()
    for _ in range(3):
        assert model.learn_rate(IDLE, 300, -100)
    return model


def test_a_sudden_drop_at_idle_is_set_aside():
    model = _idle_model()
    assert model.learn_rate(IDLE, 300, -900) is False
    assert model.rate_at(IDLE, 300) == -100
    assert model.set_aside == 1


def test_seven_door_samples_in_a_row_are_set_aside_and_the_eighth_is_believed():
    model = _idle_model()
    for n in range(1, 8):
        assert model.learn_rate(IDLE, 300, -900) is False
        assert model.rate_at(IDLE, 300) == -100
        assert model.set_aside == n
    assert model.learn_rate(IDLE, 300, -900) is True  # 40 minutes of it: the house has really changed
    assert model.rate_at(IDLE, 300) < -100
    assert model.set_aside == 7


def test_the_two_samples_after_a_door_straddle_its_end_and_are_skipped():
    model = _idle_model()
    assert model.learn_rate(IDLE, 300, -900) is False
    assert model.learn_rate(IDLE, 300, -400) is False  # half door, half house
    assert model.learn_rate(IDLE, 300, -250) is False
    assert model.learn_rate(IDLE, 300, -110) is True
    assert -110 <= model.rate_at(IDLE, 300) <= -100


def test_a_normal_sample_between_door_samples_starts_the_count_again():
    model = _idle_model()
    for _ in range(7):
        assert model.learn_rate(IDLE, 300, -900) is False
    for _ in range(3):  # two skipped as straddling the door's end, then believed
        model.learn_rate(IDLE, 300, -110)
    for _ in range(7):
        assert model.learn_rate(IDLE, 300, -900) is False
    assert -120 <= model.rate_at(IDLE, 300) <= -100


def idle_rates_around_a_door(door_minutes):
    """Through Model.observe on a real thermostat: idle in heat mode (setpoint
    far below), the house falls 1 °F/h for 2 h, then 10 °F/h for
    ``door_minutes`` (a door left open), then 1 °F/h again, for 3 h in all;
    readings every 10 s, outdoor 30 °F. The model, and the idle rate it
    knows at 30 °F after each tick from 2 h on."""
    thermostat = Thermostat({}, 0)
    thermostat.command({"mode": "heat", "heat_setpoint_f": 50})
    indoor_f = 72.0
    rates = []
    for tick in range(3 * 360):
        second = tick * 10
        door = 2 * 3600 <= second < 2 * 3600 + door_minutes * 60
        indoor_f -= (10.0 if door else 1.0) / 360
        thermostat.indoor_reading(int(round(indoor_f * 10)))
        thermostat.outdoor_reading(300)
        assert not thermostat.tick(second * 1000) & (T.Y1 | T.W2)
        if second >= 2 * 3600 - 10:
            rates.append(thermostat.model.rate_at(IDLE, 300))
    assert -110 <= rates[0] <= -90, "two hours at idle teach the house's -1 °F/h"
    return thermostat.model, rates


def test_an_idle_house_never_learns_the_rate_of_a_door_open_for_15_minutes():
    model, rates = idle_rates_around_a_door(15)
    assert model.set_aside >= 3, "the samples inside the door's drop, and those straddling its end, are set aside"
    assert min(rates) >= -200, "the idle rate stays far nearer the house's -1 °F/h than the door's -10 °F/h"
    assert rates[-1] >= -130, "and goes back to the house's once the door is shut"


def test_a_door_open_for_20_minutes_barely_moves_the_idle_rate():
    _, rates = idle_rates_around_a_door(20)
    # Only the sample that straddles the door's opening (half door, under the
    # 3 °F/h gate) is learned: the rate moves by a third of a degree an hour.
    assert all(-150 <= rate <= -70 for rate in rates), min(rates)


# -- 4. interpolation and extrapolation ----------------------------------------


def test_two_learned_heat_pump_bins_give_the_zero_crossing_between_them():
    # bins centred on 17.5 °F (-1 °F/h) and 27.5 °F (+3 °F/h): zero at 20 °F
    model = taught(rates=[(HEAT_PUMP, 175, -100), (HEAT_PUMP, 275, 300)])
    assert model.balance_point_dF() == 200
    assert model.rate_at(HEAT_PUMP, 225) == 100
    assert model.needs_strips(190) and not model.needs_strips(210)


def test_a_single_learned_sample_is_not_yet_trusted():
    model = Model()
    model.learn_rate(HEAT_PUMP, 175, -100)
    model.learn_rate(HEAT_PUMP, 275, 300)
    assert model.rate_at(HEAT_PUMP, 175) is None
    assert model.balance_point_dF() is None


def test_rates_are_extrapolated_at_most_15_F_beyond_what_is_learned():
    model = taught(rates=[(HEAT_PUMP, 175, -100), (HEAT_PUMP, 275, 300)])
    assert model.rate_at(HEAT_PUMP, 175 - 150) == -100 - 4 * 150  # along the line, 4 hundredths per tenth
    assert model.rate_at(HEAT_PUMP, 175 - 151) is None
    assert model.rate_at(HEAT_PUMP, 275 + 150) == 300 + 4 * 150
    assert model.rate_at(HEAT_PUMP, 275 + 151) is None
    assert model.rate_at(IDLE, 200) is None  # nothing learned of that kind


# -- 5. the economic lockout: a suggestion --------------------------------------


PRICES = {"backup_heat": "dual_fuel", "electricity_price_cents_per_kwh": 15, "gas_price_cents_per_therm": 120}


def test_no_economic_lockout_without_both_prices():
    model = taught(rates=[(HEAT_PUMP, 175, -100), (HEAT_PUMP, 275, 300)])
    for settings in ({}, {"electricity_price_cents_per_kwh": 15}, {"gas_price_cents_per_therm": 120}):
        assert model.economic_lockout_dF(Thermostat(settings, 0).settings) is None


def test_the_economic_lockout_is_never_below_the_thermal_balance_point():
    settings = Thermostat(PRICES, 0).settings
    cheap_gas = taught(rates=[(HEAT_PUMP, 175, -100), (HEAT_PUMP, 275, 300)])  # balance point 20 °F
    suggestion = cheap_gas.economic_lockout_dF(settings)
    assert suggestion is not None and suggestion >= cheap_gas.balance_point_dF()
    weak_pump = taught(rates=[(HEAT_PUMP, 475, -100), (HEAT_PUMP, 575, 300)])  # balance point 50 °F
    assert weak_pump.economic_lockout_dF(settings) >= weak_pump.balance_point_dF() == 500
    assert Model().economic_lockout_dF(settings) is not None  # prices alone give a suggestion


def test_the_economic_lockout_is_suggested_never_applied():
    thermostat = Thermostat(PRICES, 0)
    thermostat.model = taught(rates=[(HEAT_PUMP, 475, -100), (HEAT_PUMP, 575, 300)])
    thermostat.command({"mode": "heat", "heat_setpoint_f": 70})
    values = dict(thermostat.settings.values)
    balance_point_dF = thermostat.settings.balance_point_dF
    for second in range(0, 1200, 5):
        thermostat.indoor_reading(690)
        thermostat.outdoor_reading(400)  # between the lockout it would suggest and the one set
        thermostat.tick(second * 1000)
        assert not thermostat.outputs & T.W2 or thermostat.outputs & T.Y1, "the furnace does not take over"
    assert thermostat.model.economic_lockout_dF(thermostat.settings) >= 500
    assert thermostat.settings.balance_point_dF == balance_point_dF == 350
    assert thermostat.settings.values == values
    assert thermostat.outputs & T.Y1, "at 40 °F, above the 35 °F balance point set, the heat pump heats"


# -- 6. the strips' duty ----------------------------------------------------------


def run_duty(settings, hours=3):
    """A heat call at 10 °F outdoor on a house the heat pump alone loses
    1 °F/h in and strips (10 kW) warm by 5 °F/h more, with a model that
    knows the heat pump cannot hold there. Ticks every second; returns the
    thermostat, the outputs of each second and whether a heat call was on."""
    thermostat = Thermostat(settings, 0)
    thermostat.model = taught(rates=[(HEAT_PUMP, 100, -50), (HEAT_PUMP, 150, -20)], duties=[(100, 500)])
    assert thermostat.model.needs_strips(100)
    thermostat.command({"mode": "heat", "heat_setpoint_f": 70})
    indoor_f = 69.0
    outputs, calls = [], []
    for second in range(hours * 3600):
        thermostat.indoor_reading(int(round(indoor_f * 10)))
        thermostat.outdoor_reading(100)
        out = thermostat.tick(second * 1000)
        outputs.append(out)
        calls.append(thermostat.heat_call)
        rate_f_h = -3.0 + (2.0 if out & T.Y1 else 0.0) + (5.0 if out & T.W2 else 0.0)
        indoor_f += rate_f_h / 3600
    return thermostat, outputs, calls


def runs_of(outputs, bit):
    """(start second, length) of every run of ``bit`` that ended before the last second."""
    runs, start = [], None
    for second, out in enumerate(outputs):
        if out & bit and start is None:
            start = second
        elif not out & bit and start is not None:
            runs.append((start, second - start))
            start = None
    return runs


def most_starts_in_an_hour(runs):
    starts = [start for start, _ in runs]
    return max((sum(1 for other in starts if start <= other < start + 3600) for start in starts), default=0)


def test_strips_run_time_proportioned_where_the_model_says_the_heat_pump_cannot_hold():
    _, outputs, calls = run_duty({})
    strip_runs = runs_of(outputs, T.W2)
    assert len(strip_runs) >= 6, "the strips pulse, they do not wait for 3 °F of droop"
    assert strip_runs[0][0] <= 15 * 60, "the first pulse comes once the house temperature is known, not at droop"
    assert all(length >= 240 for _, length in strip_runs), strip_runs  # aux_min_on_s
    assert most_starts_in_an_hour(strip_runs) <= 6  # aux_max_starts_per_hour
    assert all(out & T.Y1 for out in outputs if out & T.W2), "strips only beside the running compressor"
    for start, length in runs_of(outputs, T.Y1):
        assert not calls[start + length], "the compressor stops only when the call ends, never between pulses"
    assert len(runs_of(outputs, T.Y1)) <= 3


def test_strips_respect_a_lower_aux_max_starts_per_hour():
    _, outputs, _ = run_duty({"aux_max_starts_per_hour": 2}, hours=4)
    strip_runs = runs_of(outputs, T.W2)
    assert len(strip_runs) >= 4
    assert all(length >= 240 for _, length in strip_runs), strip_runs
    assert most_starts_in_an_hour(strip_runs) <= 2
