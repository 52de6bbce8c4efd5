"""The equipment against the reference document's numbers."""

import math

import pytest

from tools.sim.equipment import (
    BLOWER_KW,
    BTU_PER_KWH,
    OB,
    W2,
    Y1,
    Y2,
    E,
    Equipment,
    G,
    cooling_capacity_btuh,
    cooling_cop,
    heating_capacity_btuh,
    heating_cop,
)

TABLE = [(62, 47177, 3.95), (47, 36000, 3.50), (35, 28316, 3.06), (17, 18888, 2.34), (5, 14000, 1.89),
         (-10, 9463, 1.41)]


@pytest.mark.parametrize("outdoor, capacity, cop", TABLE)
def test_heat_pump_curves_match_the_reference_table(outdoor, capacity, cop):
    assert heating_capacity_btuh(outdoor) == pytest.approx(capacity, abs=1.0)
    assert heating_cop(outdoor) == pytest.approx(cop, abs=0.005)


def test_cop_curve_is_evaluated_at_most_at_80_f():
    assert heating_cop(95) == heating_cop(80)


def test_cooling_is_rated_at_95_f_and_gains_1_and_2_percent_per_degree_cooler():
    assert cooling_capacity_btuh(95) == 36000
    assert cooling_cop(95) == 3.5
    assert cooling_capacity_btuh(85) == pytest.approx(36000 * 1.10)
    assert cooling_cop(85) == pytest.approx(3.5 * 1.20)


def run_for(equipment, outputs, seconds, outdoor=47.0, dt=5):
    return [equipment.step(outputs, outdoor, dt) for _ in range(int(seconds / dt))]


def test_startup_ramp_delivers_1_minus_exp_with_full_power_from_the_start():
    steps = run_for(Equipment(), Y1 | G, 90)
    delivered = sum(f.hvac_btuh for f in steps) / len(steps)
    capacity = heating_capacity_btuh(47.0)
    assert delivered == pytest.approx(capacity * math.exp(-1), rel=1e-9)  # mean of 1 - e^(-t/τ) over [0, τ]
    assert steps[0].compressor_kw == pytest.approx(capacity / heating_cop(47.0) / BTU_PER_KWH)
    assert steps[0].blower_kw == BLOWER_KW
    later = run_for(Equipment(), Y1, 1200)[-1]
    assert later.hvac_btuh == pytest.approx(capacity, rel=1e-5)
    assert later.blower_kw == 0


def test_a_new_start_restarts_the_ramp():
    equipment = Equipment()
    run_for(equipment, Y1, 600)
    run_for(equipment, 0, 5)
    assert equipment.step(Y1, 47.0, 5).hvac_btuh < 0.1 * 36000


def test_two_stage_unit_gives_72_percent_capacity_at_110_percent_cop_on_stage_1():
    equipment = Equipment(stages=2)
    stage1 = run_for(equipment, Y1, 1200)[-1]
    stage2 = run_for(equipment, Y1 | Y2, 5)[-1]
    assert stage1.hvac_btuh == pytest.approx(0.72 * stage2.hvac_btuh, rel=1e-5)
    cop1 = stage1.hvac_btuh / (stage1.compressor_kw * BTU_PER_KWH)
    assert cop1 == pytest.approx(1.1 * heating_cop(47.0), rel=1e-5)  # the ramp, 1200 s in, is 1 - 2e-6


def test_strips_are_10_kw_on_w2_or_e_and_not_20_on_both():
    for outputs in (W2, E, W2 | E):
        flows = Equipment().step(outputs | G, 20.0, 5)
        assert flows.strip_kw == 10.0
        assert flows.hvac_btuh == pytest.approx(34121.4)


def test_furnace_ramps_linearly_to_60000_btuh_in_60_s_at_95_percent():
    equipment = Equipment(backup="dual_fuel")
    first = run_for(equipment, W2, 60)
    assert sum(f.furnace_btuh for f in first) / len(first) == pytest.approx(30000)
    steady = equipment.step(W2, 20.0, 5)
    assert steady.furnace_btuh == 60000
    assert steady.gas_kw == pytest.approx(60000 / 0.95 / BTU_PER_KWH)
    assert steady.electric_kw == 0  # its own blower, not counted without G
    assert equipment.step(W2 | G, 20.0, 5).blower_kw == BLOWER_KW


def test_wrong_ob_polarity_moves_heat_the_other_way_at_the_same_power():
    right = run_for(Equipment(valve="O"), Y1, 1200, outdoor=40)[-1]
    wrong = run_for(Equipment(valve="B"), Y1, 1200, outdoor=40)[-1]
    assert right.hvac_btuh > 0 > wrong.hvac_btuh
    b_heating = run_for(Equipment(valve="B"), Y1 | OB, 1200, outdoor=40)[-1]
    assert b_heating.hvac_btuh == pytest.approx(right.hvac_btuh)
