"""The detectors on the simulator (tools/bench_detect.py has the full bench: every
case, 30 normal days): each trips with the right code within 2 hours of the first
call its fault affects, and normal days raise none."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import bench_detect as B  # noqa: E402

TWO_HOURS_S = 2 * 3600


def case(prefix):
    return next(c for c in B.CASES if c.name.startswith(prefix))


@pytest.mark.parametrize("name", ["ob_reversed (heat mode, mild day)", "ob_reversed (cool mode, hot day)",
                                  "ob_reversed (heat mode, cold day)", "valve_stuck_cool", "valve_stuck_heat",
                                  "compressor_dead (mild day)", "compressor_dead (cold day)",
                                  "w2_open (cold day)", "w2_open (design day)",
                                  "y2_open", "compressor_trips", "low_charge"])
def test_a_fault_raises_its_own_alert_within_its_target_of_the_first_call_it_affects(name):
    """Two hours from the first affected call; low_charge three days."""
    result = B.run_case(case(name))
    assert result.early is None, result
    assert result.first_alert == result.case.code, result
    assert result.detected_s is not None and result.detected_s <= result.case.target_s, result


def test_strips_carrying_the_house_at_40_degrees_and_warmer_raise_aux_overuse():
    """An installer let the strips run up to 60 °F outdoors; the compressor dies on a
    mild day and the strips carry the house where a heat pump never needs them."""
    import dataclasses

    c = dataclasses.replace(case("compressor_dead (mild day)"), settings={"aux_max_outdoor_f": 60},
                            target_s=6 * 3600)
    result = B.run_case(c)
    assert result.early is None, result
    assert result.first_alert == "aux_overuse", result
    assert result.alert_s - c.fault_h * 3600 <= 3 * 3600, result


def _alerts_over_the_whole_case(c):
    """Every detector alert a case raises to its end (run_case stops at the first right one)."""
    from functools import partial

    from sim import loop
    from sim.faults import Fault
    from sim.weather import sequence_outdoor_f

    controller = B._controller(c.settings, c.schedule, c.mode)
    closed = loop.ClosedLoop(partial(sequence_outdoor_f, c.days), c.schedule, controller, c.settings,
                             loop.Sensors(noise_f=B.NOISE_F, seed=1), faults=(Fault(c.fault, c.fault_h * 3600),))
    raised = set()
    for _ in range(len(c.days) * 1440):
        closed.advance(60 // closed.dt_s)
        raised |= set(controller.thermostat.alert_names()) & set(B.DETECTOR_ALERTS)
    controller.close()
    return raised


def test_strips_that_do_not_heat_are_not_read_as_a_dead_compressor():
    """With W2 open the house runs short under the strips' duty, as with a dead
    compressor; but the strips were seen adding nothing, and their duty runs flat out,
    so only w2_open is named."""
    assert "compressor_dead" not in _alerts_over_the_whole_case(case("w2_open (cold day)"))


@pytest.mark.parametrize("seed", [0, 7])
def test_a_window_open_on_a_design_day_is_not_read_as_a_dead_compressor(seed):
    """At noon of a design day an open window leaves the house short far past a
    compressor's worth: the strips run flat out, which is not read as the compressor
    (seed 0: a false alarm at 13:20). And a duty carried over from other outdoor
    temperatures is no measure of what this one needs (seed 7: 36 points short at
    11:50 on a healthy morning, then the window)."""
    assert B.run_normal(B.normal_days(4), "constant", seed=seed) == []


@pytest.fixture(scope="module")
def normal_alarms():
    """Two normal days (a mild and a cold one), sensor noise and a window open at noon,
    with the setback schedule (its setpoint changes and recoveries)."""
    return B.run_normal(("mild", "cold"), "setback", seed=3)


def test_normal_days_with_noise_setbacks_and_an_open_window_raise_no_detector_alert(normal_alarms):
    assert normal_alarms == []
