"""make bench-control: issue 10's targets checked on hand-made figures, the learning time, the settings it runs."""

import json

import bench_control as B
import pytest
from simulate import REFERENCE_INSTALLER, learned_lines, load_settings

GOOD_DAY = {"energy_kwh": 50.0, "aux_kwh": 10.0, "unavoidable_aux_kwh": 10.0, "ideal_kwh": 50.0,
            "discomfort_degf_h": 0.5, "strip_starts": 12, "max_strip_starts_in_an_hour": 6, "short_strip_runs": 0,
            "max_starts_in_an_hour": 3, "short_cycles": 0, "short_cycle_alert_minutes": 0.0,
            "min_indoor_f": 69.0, "max_indoor_f": 71.0}
BAD_BASELINE = dict(GOOD_DAY, discomfort_degf_h=30.0, short_strip_runs=99, max_starts_in_an_hour=12)


def results(**changes):
    """Every day × schedule; the firmware meets every target unless ``changes`` says
    {"<day>_<schedule>": {figure: value}}; the baseline meets none."""
    table = {}
    for day in B.DAYS:
        for schedule in B.SCHEDULES:
            k = dict(GOOD_DAY)
            if schedule == "setback":
                k.update(energy_kwh=45.0, indoor_at_0630_f=69.0, recovery_aux_kwh=0.0)
            k.update(changes.get("%s_%s" % (day, schedule), {}))
            table[day, schedule, "firmware"] = k
            table[day, schedule, "baseline"] = BAD_BASELINE
    return table


def missed(checks):
    return [label for label, _, ok in checks if not ok]


def test_targets_all_pass_at_their_limits_and_the_baseline_is_not_judged():
    assert missed(B.targets(results())) == []


@pytest.mark.parametrize("where, figure, value, label", [
    ("mild_setback", "discomfort_degf_h", 0.51, "mild setback: discomfort_degf_h <= 0.5"),
    ("cold_constant", "energy_kwh", 51.01, "cold constant: energy_kwh <= 1.02 x ideal_kwh"),
    ("design_constant", "aux_kwh", 10.61, "design constant: aux_kwh <= 1.05 x unavoidable + 0.1 = 10.60"),
    ("cold_setback", "max_strip_starts_in_an_hour", 7, "cold setback: max_strip_starts_in_an_hour <= 6"),
    ("design_setback", "short_strip_runs", 1, "design setback: short_strip_runs = 0"),
    ("mild_constant", "max_starts_in_an_hour", 4, "mild constant: max_starts_in_an_hour <= 3"),
    ("cold_constant", "short_cycles", 1, "cold constant: short_cycles = 0"),
    ("design_constant", "short_cycle_alert_minutes", 0.1, "design constant: short_cycle_alert_minutes = 0"),
    ("cold_setback", "energy_kwh", 50.0, "cold setback: energy_kwh below constant's 50.00"),
    ("mild_setback", "indoor_at_0630_f", 68.9, "mild setback: indoor_at_0630_f >= 69"),
    ("mild_setback", "recovery_aux_kwh", 0.01, "mild setback: recovery_aux_kwh (strips 04:00-06:30) = 0"),
])
def test_each_target_misses_just_past_its_limit(where, figure, value, label):
    assert missed(B.targets(results(**{where: {figure: value}}))) == [label]


def test_a_mild_day_may_use_20_percent_more_than_ideal_a_cold_day_2():
    assert missed(B.targets(results(mild_constant={"energy_kwh": 60.0}))) == []
    assert missed(B.targets(results(mild_constant={"energy_kwh": 60.1}))) == [
        "mild constant: energy_kwh <= 1.20 x ideal_kwh"]


def test_the_design_days_setback_has_no_energy_or_recovery_target():
    assert missed(B.targets(results(design_setback={"energy_kwh": 99.0, "indoor_at_0630_f": 60.0,
                                                    "recovery_aux_kwh": 5.0}))) == []


@pytest.mark.parametrize("day_ok, day", [
    ([True] * 7, 1),
    ([False, True, False, True, True, True, True], 4),
    ([False] * 6 + [True], 7),
    ([True, True, True, True, True, True, False], None),
    ([], None),
])
def test_learning_time_is_the_first_day_from_which_every_later_day_meets_its_targets(day_ok, day):
    assert B.learning_day(day_ok) == day


def test_the_sequence_as_a_whole_sums_the_daily_limits_over_its_days():
    days = ("mild", "cold")
    whole = dict(GOOD_DAY, energy_kwh=60.0 * 1.20 + 50.0 * 1.02, ideal_kwh=110.0, discomfort_degf_h=1.0,
                 aux_kwh=1.05 * 20.0 + 0.2, unavoidable_aux_kwh=20.0)
    per_day = [dict(GOOD_DAY, ideal_kwh=60.0), dict(GOOD_DAY, ideal_kwh=50.0)]
    assert missed(B.sequence_targets(days, per_day, whole)) == []
    whole["discomfort_degf_h"] = 1.01
    assert missed(B.sequence_targets(days, per_day, whole)) == ["2-day sequence: discomfort_degf_h <= 1.0"]


def test_a_sequence_row_names_the_day_targets_it_misses():
    assert B.misses(B.day_checks(GOOD_DAY)) == "met"
    bad = dict(GOOD_DAY, discomfort_degf_h=2.0, short_strip_runs=3)
    assert B.misses(B.day_checks(bad)) == "MISS discomfort_degf_h, short_strip_runs"


def test_the_bench_runs_factory_settings_unless_told_and_names_them():
    assert load_settings("factory") == {} == load_settings("defaults")
    assert load_settings("installer") == json.loads(REFERENCE_INSTALLER.read_text())
    assert B.settings_label("factory", {}).startswith("factory (the contract defaults")
    assert B.settings_label("installer", {"min_on_s": 420}).startswith(
        "installer example tools/sim/reference-installer.json")


class Model:
    def __init__(self, balance_dF, lockout_dF):
        self.balance_dF, self.lockout_dF = balance_dF, lockout_dF

    def balance_point_dF(self):
        return self.balance_dF

    def economic_lockout_dF(self, settings):
        return self.lockout_dF


class Fake:
    def __init__(self, model, **values):
        settings = type("Settings", (), {"values": values})()
        self.thermostat = type("Thermostat", (), {"model": model, "settings": settings})()


def test_simulate_shows_the_learned_balance_point_and_the_lockout_it_would_suggest():
    prices = {"electricity_price_cents_per_kwh": 15, "gas_price_cents_per_therm": 120}
    assert learned_lines(Fake(Model(246, 310), **prices)) == [
        "thermal balance point: 24.6 °F (learned)", "suggested dual-fuel lockout: 31.0 °F (from your prices)"]


def test_simulate_says_what_is_missing_for_a_suggestion():
    assert learned_lines(Fake(Model(None, None), electricity_price_cents_per_kwh=15)) == [
        "thermal balance point: not learned yet",
        "suggested dual-fuel lockout: none (set gas_price_cents_per_therm)"]
    assert learned_lines(Fake(None)) == []
    assert learned_lines(object()) == []
