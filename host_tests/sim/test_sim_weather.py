"""Weather sequences: each day keeps its own wave, and days join without a step at midnight."""

import pytest

from tools.sim.weather import DAYS, MAX_HOUR, MIN_HOUR, outdoor_f, sequence_outdoor_f

DAY_S = 86400
HOUR_S = 3600


@pytest.mark.parametrize("day", sorted(DAYS))
def test_a_sequence_of_one_day_is_that_single_day_to_the_last_bit(day):
    for t_s in range(0, 3 * DAY_S, 611):
        assert sequence_outdoor_f((day,), t_s) == outdoor_f(day, t_s)
        assert sequence_outdoor_f((day, day, day), t_s) == outdoor_f(day, t_s)


@pytest.mark.parametrize("first, second", [("mild", "design"), ("design", "mild"), ("cold", "design")])
def test_a_sequence_is_continuous_across_midnight_between_different_days(first, second):
    days = (first, second)
    before, after = sequence_outdoor_f(days, DAY_S - 0.01), sequence_outdoor_f(days, DAY_S)
    assert after == pytest.approx(before, abs=1e-4)
    assert sequence_outdoor_f(days, DAY_S - 1) != outdoor_f(first, DAY_S - 1)  # falling toward the next day's low


@pytest.mark.parametrize("first, second", [("mild", "design"), ("design", "cold")])
def test_the_fall_from_one_days_maximum_ends_at_the_next_days_minimum(first, second):
    days = (first, second)
    assert sequence_outdoor_f(days, MAX_HOUR * HOUR_S) == pytest.approx(DAYS[first][1])
    assert sequence_outdoor_f(days, DAY_S + MIN_HOUR * HOUR_S) == pytest.approx(DAYS[second][0])
    assert sequence_outdoor_f(days, DAY_S + MAX_HOUR * HOUR_S) == pytest.approx(DAYS[second][1])
    for t_s in (MIN_HOUR * HOUR_S, DAY_S + MIN_HOUR * HOUR_S, MAX_HOUR * HOUR_S, DAY_S + MAX_HOUR * HOUR_S):
        assert sequence_outdoor_f(days, t_s - 0.01) == pytest.approx(sequence_outdoor_f(days, t_s), abs=1e-4)


def test_each_day_of_a_sequence_rises_like_its_single_day():
    days = ("mild", "cold", "design")
    for index, day in enumerate(days):
        for hour in (5.0, 8.5, 12.0, 14.9):
            t_s = index * DAY_S + hour * HOUR_S
            assert sequence_outdoor_f(days, t_s) == outdoor_f(day, t_s)


def test_past_its_last_day_a_sequence_repeats_the_last_day():
    days = ("mild", "design")
    for t_s in range(2 * DAY_S, 3 * DAY_S, 997):
        assert sequence_outdoor_f(days, t_s) == outdoor_f("design", t_s)
