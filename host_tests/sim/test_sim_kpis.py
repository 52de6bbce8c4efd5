"""Each figure by its definition, on hand-made series (5 s steps unless said)."""

import pytest

from tools.sim import kpis as K
from tools.sim.equipment import BLOWER_KW, BTU_PER_KWH, heating_capacity_btuh, heating_cop


def test_discomfort_counts_degree_hours_beyond_the_1_f_band_in_occupied_time_only():
    dt = 60
    hour = 60
    indoor = [68.5] * hour + [69.5] * hour + [71.5] * hour + [60.0] * hour
    setpoint = [70.0] * (4 * hour)
    occupied = [True] * (3 * hour) + [False] * hour
    assert K.discomfort_degf_h(indoor, setpoint, occupied, dt) == pytest.approx(0.5 + 0.0 + 0.5)


def test_starts_runs_and_short_cycles_of_y1():
    dt = 60
    on = [0] * 10 + [1] * 2 + [0] * 10 + [1] * 5 + [0] * 3 + [1] * 4
    runs = K.runs(on, dt)
    assert runs == [(600, 120, True), (1320, 300, True), (1800, 240, False)]
    assert K.short_cycles(runs, 180) == 1  # the unfinished last run is never short
    assert K.start_times_s(on, dt) == [600, 1320, 1800]
    assert K.start_times_s([1, 1, 0], dt, was_on=True) == []
    assert K.runs([1, 1, 0], dt, was_on=True) == [(0, 120, False)]  # began in the warm-up: length unknown


def test_max_starts_in_an_hour_is_a_sliding_window():
    assert K.max_starts_in_an_hour([]) == 0
    assert K.max_starts_in_an_hour([0, 1000, 3599, 3600, 7300]) == 3
    assert K.max_starts_in_an_hour([0, 3600, 7200]) == 1


def test_unavoidable_aux_is_load_beyond_full_heat_pump_capacity():
    outdoor, gains, dt = 0.0, 1500.0, 3600
    load = 522 * 70 - gains
    expected = (load - heating_capacity_btuh(outdoor)) / BTU_PER_KWH
    assert K.unavoidable_aux_kwh([70.0], [outdoor], [gains], dt) == pytest.approx(expected)
    assert K.unavoidable_aux_kwh([70.0], [47.0], [gains], dt) == 0


def test_ideal_below_capacity_runs_the_heat_pump_and_blower_for_the_load_fraction():
    outdoor, gains = 40.0, 3000.0
    load = 522 * 30 - gains
    fraction = load / heating_capacity_btuh(outdoor)
    expected = fraction * (heating_capacity_btuh(outdoor) / heating_cop(outdoor) / BTU_PER_KWH + BLOWER_KW)
    assert K.ideal_kwh([70.0], [outdoor], [gains], 3600) == pytest.approx(expected)


def test_ideal_above_capacity_adds_strips_and_the_blower_all_the_time():
    outdoor = 0.0
    capacity = heating_capacity_btuh(outdoor)
    load = 522 * 70 - 1500
    expected = capacity / heating_cop(outdoor) / BTU_PER_KWH + (load - capacity) / BTU_PER_KWH + BLOWER_KW
    assert K.ideal_kwh([70.0], [outdoor], [1500.0], 3600) == pytest.approx(expected)


def test_ideal_is_zero_when_gains_cover_the_loss():
    assert K.ideal_kwh([70.0], [66.0], [3000.0], 3600) == 0


def test_sensor_noise_and_quantization_are_seeded():
    from tools.sim.loop import Sensors

    first = [Sensors(0.3, 0.5, seed=7).read(68.0) for _ in range(3)]
    again = [Sensors(0.3, 0.5, seed=7).read(68.0) for _ in range(3)]
    assert first == again
    assert all(value * 2 == int(value * 2) for value in first)
    assert Sensors().read(68.04) == 68.04
    assert Sensors().read(68.0, missing=True) is None


def test_a_short_strip_run_counts_unless_a_safety_rule_ended_it():
    dt = 60
    on = [0] * 2 + [1] * 2 + [0] * 3 + [1] * 2 + [0] * 2 + [1] * 3 + [0]
    reasons = [None] * len(on)
    reasons[4] = "satisfied"      # the first 2-minute run ended by the control itself: short
    reasons[9] = "aux_lockout"    # the second, by rule 9's outdoor lockout: excused
    assert K.short_strip_runs(on, reasons, dt) == 1
    reasons[4] = "indoor_sensor"
    assert K.short_strip_runs(on, reasons, dt) == 0
    assert K.short_strip_runs([0, 1, 1, 1, 0], [None] * 5, dt) == 0  # 3 min is long enough


def test_strip_runs_at_the_edges_of_the_day_have_no_known_length_and_are_never_short():
    dt = 60
    assert K.short_strip_runs([1, 1, 0, 0, 0], [None] * 5, dt, was_on=True) == 0   # began in the warm-up
    assert K.short_strip_runs([0, 0, 0, 1, 1], [None] * 5, dt) == 0                # still on at the end
    assert K.short_strip_runs([1, 1, 0, 0, 0], [None] * 5, dt, was_on=False) == 1  # began at the first step


def test_minutes_on_counts_the_steps_a_flag_is_true():
    assert K.minutes_on([True] * 30 + [False] * 10 + [True] * 6, 5) == 3.0
    assert K.minutes_on([], 5) == 0
