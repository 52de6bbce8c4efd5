"""The house model: exact integration, steady state, and a day's energy balance."""

import pytest

from tools.sim.controllers import FirmwareController
from tools.sim.house import REFERENCE, House, gains_btuh
from tools.sim.loop import simulate

P = REFERENCE


def test_steady_state_air_minus_outdoor_is_heat_over_ua():
    house = House(60.0, 55.0, dt_s=600)
    outdoor, gains, hvac = 20.0, 3000.0, 20000.0
    for _ in range(20 * 24 * 6):  # twenty days: 48 house time constants
        house.step(outdoor, gains, hvac)
    assert house.air_f - outdoor == pytest.approx((hvac + gains) / P.ua_btuh_f, abs=1e-6)
    assert house.mass_f - house.air_f == pytest.approx(gains / 2 / P.h_mass_btuh_f, abs=1e-6)


def test_a_house_started_at_steady_state_stays_there():
    outdoor, gains = 18.0, 1500.0
    house = House.at_steady_state(70.0, outdoor, gains)
    for _ in range(720):
        house.step(outdoor, gains, P.ua_btuh_f * (70.0 - outdoor) - gains)
    assert house.air_f == pytest.approx(70.0, abs=1e-9)


def test_exact_step_matches_a_fine_euler_integration():
    house = House(65.0, 68.0, dt_s=5)
    air, mass = 65.0, 68.0
    dt_h = 0.05 / 3600
    for _ in range(120):  # ten minutes of a strong heat input
        house.step(10.0, 3000.0, 34000.0)
    for _ in range(12000):
        to_air = (P.ua_btuh_f * (10.0 - air) + P.h_mass_btuh_f * (mass - air) + 1500.0 + 34000.0) / P.c_air_btu_f
        to_mass = (P.h_mass_btuh_f * (air - mass) + 1500.0) / P.c_mass_btu_f
        air, mass = air + to_air * dt_h, mass + to_mass * dt_h
    assert house.air_f == pytest.approx(air, abs=0.01)
    assert house.mass_f == pytest.approx(mass, abs=0.01)


def test_gains_are_night_value_from_22_to_07():
    assert gains_btuh(6.99 * 3600) == 1500.0
    assert gains_btuh(7 * 3600) == 3000.0
    assert gains_btuh(21.99 * 3600) == 3000.0
    assert gains_btuh(22 * 3600) == 1500.0
    assert gains_btuh(86400 + 12 * 3600) == 3000.0


def test_energy_balance_closes_within_one_percent_over_a_closed_loop_day():
    run = simulate("cold", "setback", FirmwareController({}, "setback", warn=lambda text: None), warmup_days=0)
    s, dt_h = run.series, run.dt_s / 3600
    heat_in = sum(q + g for q, g in zip(s["hvac_btuh"], s["gains_btuh"], strict=True)) * dt_h
    air = s["indoor_f"] + [run.end_air_f]
    outdoor = s["outdoor_f"] + [s["outdoor_f"][-1]]
    # the envelope loss by the trapezoid rule on the sampled air temperature (independent of the exact solver)
    loss = sum(P.ua_btuh_f * ((air[i] - outdoor[i]) + (air[i + 1] - outdoor[i])) / 2 for i in range(len(s["t_s"])))
    loss *= dt_h
    stored = (P.c_air_btu_f * (run.end_air_f - run.start_air_f) + P.c_mass_btu_f * (run.end_mass_f - run.start_mass_f))
    assert heat_in > 500_000
    assert abs(heat_in - loss - stored) <= 0.01 * heat_in
