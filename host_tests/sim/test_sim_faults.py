"""Injected faults (tools/sim/faults.py): each changes the physics as documented, and only from its start."""

import subprocess
import sys
from pathlib import Path

import pytest

from tools.sim.controllers import BaselineController, FirmwareController
from tools.sim.equipment import (
    BLOWER_KW,
    BTU_PER_KWH,
    OB,
    STAGE1_CAPACITY,
    STRIPS_KW,
    W2,
    Y1,
    Y2,
    E,
    Equipment,
    G,
    heating_capacity_btuh,
    heating_cop,
)
from tools.sim.faults import FAULTS, Fault, FaultError, check
from tools.sim.loop import simulate

ROOT = Path(__file__).resolve().parents[2]
HOUR_S = 3600


def settled(equipment, outputs, outdoor=40.0, seconds=1200, dt=5):
    """The flows after a run long enough for the start-up ramp to end (1 - e^-13)."""
    flows = None
    for _ in range(seconds // dt):
        flows = equipment.step(outputs, outdoor, dt)
    return flows


def faulty(*names, **kwargs):
    return Equipment(faults=names, **kwargs)


# ob_reversed and the stuck valves


def test_ob_reversed_makes_the_heat_call_cool_and_the_cool_call_heat_at_the_same_power():
    right_heat, right_cool = settled(Equipment(), Y1 | G), settled(Equipment(), Y1 | OB | G)
    wrong_heat, wrong_cool = settled(faulty("ob_reversed"), Y1 | G), settled(faulty("ob_reversed"), Y1 | OB | G)
    assert right_heat.hvac_btuh > 0 > wrong_heat.hvac_btuh
    assert right_cool.hvac_btuh < 0 < wrong_cool.hvac_btuh
    assert wrong_cool.hvac_btuh == right_heat.hvac_btuh
    assert wrong_cool.compressor_kw == right_heat.compressor_kw


def test_ob_reversed_is_the_wrong_ob_polarity_of_the_reference_document():
    for outputs in (Y1, Y1 | OB):
        assert settled(faulty("ob_reversed", valve="O"), outputs) == settled(Equipment(valve="B"), outputs)


def test_ob_reversed_cools_a_house_in_heat_mode_from_70_f_below_29_f_within_6_hours_of_a_mild_day():
    run = simulate("mild", "constant", FirmwareController({}), warmup_days=0, measured_s=6 * HOUR_S,
                   faults=["ob_reversed"])
    s = run.series
    assert s["indoor_f"][0] == 70.0
    assert run.end_air_f < 29.0
    assert all(out & Y1 and not out & OB for out in s["outputs"][-HOUR_S:])  # it kept calling for heat
    assert run.start_air_f > run.end_air_f and s["outdoor_f"][-1] > 38.0  # while outdoors stayed mild


@pytest.mark.parametrize("name, heats", [("valve_stuck_heat", True), ("valve_stuck_cool", False)])
def test_a_stuck_valve_stays_in_one_position_whatever_ob_says(name, heats):
    for outputs in (Y1, Y1 | OB):
        assert (settled(faulty(name), outputs).hvac_btuh > 0) is heats


# backup, stages, compressor, charge


def test_w2_open_runs_no_strips_on_w2_but_e_still_runs_them_and_the_blower_runs():
    flows = settled(faulty("w2_open"), W2 | G, outdoor=20.0)
    assert (flows.strip_kw, flows.hvac_btuh, flows.blower_kw) == (0.0, 0.0, BLOWER_KW)
    assert flows.sensed == W2 | G  # the thermostat's W2 terminal is live; the wire is open beyond it
    assert settled(faulty("w2_open"), E | G, outdoor=20.0).strip_kw == STRIPS_KW


def test_w2_open_never_fires_the_dual_fuel_furnace():
    flows = settled(faulty("w2_open", backup="dual_fuel"), W2, outdoor=20.0)
    assert (flows.furnace_btuh, flows.gas_kw, flows.hvac_btuh) == (0.0, 0.0, 0.0)


def test_y2_open_leaves_a_two_stage_unit_on_stage_1():
    both = settled(faulty("y2_open", stages=2), Y1 | Y2 | G)
    assert both.hvac_btuh == pytest.approx(STAGE1_CAPACITY * heating_capacity_btuh(40.0), rel=1e-5)
    assert both.hvac_btuh == settled(Equipment(stages=2), Y1 | G).hvac_btuh
    assert both.sensed & Y2


def test_y2_open_changes_nothing_on_a_single_stage_unit():
    assert settled(faulty("y2_open"), Y1 | Y2 | G) == settled(Equipment(), Y1 | Y2 | G)


def test_compressor_dead_moves_no_heat_and_draws_nothing_while_the_blower_runs():
    flows = settled(faulty("compressor_dead"), Y1 | G)
    assert (flows.hvac_btuh, flows.compressor_kw, flows.blower_kw) == (0.0, 0.0, BLOWER_KW)
    assert flows.sensed == Y1 | G
    cooling = settled(faulty("compressor_dead"), Y1 | OB | G)
    assert (cooling.hvac_btuh, cooling.compressor_kw) == (0.0, 0.0)


def test_low_charge_gives_60_percent_capacity_at_80_percent_cop():
    flows = settled(faulty("low_charge"), Y1 | G)
    assert flows.hvac_btuh == pytest.approx(0.6 * heating_capacity_btuh(40.0), rel=1e-5)
    cop = flows.hvac_btuh / (flows.compressor_kw * BTU_PER_KWH)
    assert cop == pytest.approx(0.8 * heating_cop(40.0), rel=1e-5)
    assert settled(faulty("low_charge"), Y1 | OB | G).hvac_btuh == pytest.approx(
        0.6 * settled(Equipment(), Y1 | OB | G).hvac_btuh)


# compressor_trips: the outdoor unit's safety opens after 6 minutes of each run, auto-resets after 10


def second_by_second(equipment, *spans, outdoor=40.0):
    """The flows of each second while ``spans`` ((seconds, outputs), ...) hold one after the other."""
    return [equipment.step(outputs, outdoor, 1) for seconds, outputs in spans for _ in range(seconds)]


def minutes_with(flows, running):
    """The minutes (from 0) in which the compressor delivered heat/cooling and drew power every second
    (``running``), or none of them (``not running``)."""
    per_minute = [flows[m * 60:(m + 1) * 60] for m in range(len(flows) // 60)]
    return [m for m, seconds in enumerate(per_minute)
            if all((f.hvac_btuh != 0.0 and f.compressor_kw > 0.0) is running for f in seconds)]


@pytest.mark.parametrize("call", [Y1 | G, Y1 | OB | G], ids=["heat", "cool"])
def test_compressor_trips_heats_for_six_minutes_then_nothing_for_ten_while_y1_stays_on(call):
    flows = second_by_second(faulty("compressor_trips"), (40 * 60, call))
    assert minutes_with(flows, True) == list(range(0, 6)) + list(range(16, 22)) + list(range(32, 38))
    assert minutes_with(flows, False) == list(range(6, 16)) + list(range(22, 32)) + list(range(38, 40))
    assert all(f.blower_kw == BLOWER_KW and f.sensed == call for f in flows)  # Y1 energized, the blower on G


@pytest.mark.parametrize("call, outdoor", [(Y1 | G, 40.0), (Y1 | OB | G, 90.0)], ids=["heat", "cool"])
def test_compressor_trips_runs_like_a_sound_unit_until_its_trip_and_restarts_with_a_fresh_start_up_ramp(
        call, outdoor):
    flows = second_by_second(faulty("compressor_trips"), (20 * 60, call), outdoor=outdoor)
    sound = second_by_second(Equipment(), (6 * 60, call), outdoor=outdoor)
    assert flows[:6 * 60] == sound
    assert flows[16 * 60:] == sound[:4 * 60]


def test_compressor_trips_a_y1_drop_resets_the_run_timer():
    flows = second_by_second(faulty("compressor_trips"), (5 * 60, Y1 | G), (60, G), (6 * 60, Y1 | G), (60, Y1 | G))
    assert minutes_with(flows, True) == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]  # 11 minutes of heat, no trip
    assert minutes_with(flows, False) == [5, 12]  # Y1 off, then the trip 6 minutes into the second run


def test_compressor_trips_the_switch_closes_10_minutes_after_opening_whatever_y1_did_meanwhile():
    flows = second_by_second(faulty("compressor_trips"), (8 * 60, Y1 | G), (4 * 60, G), (10 * 60, Y1 | G))
    assert minutes_with(flows, True) == list(range(0, 6)) + list(range(16, 22))  # the call at 12 min waits to 16


def test_compressor_trips_without_y1_changes_nothing():
    spans = ((10 * 60, 0), (10 * 60, G), (20 * 60, W2 | G), (10 * 60, E | G))
    assert second_by_second(faulty("compressor_trips"), *spans, outdoor=20.0) == second_by_second(
        Equipment(), *spans, outdoor=20.0)


def test_compressor_trips_in_the_loop_no_compressor_run_delivers_more_than_six_minutes():
    run = simulate("cold", "constant", FirmwareController({}), warmup_days=0, measured_s=8 * HOUR_S,
                   faults=["compressor_trips"])
    s = run.series
    running, longest, tripped_calls = 0, 0, 0
    for outputs, kw in zip(s["outputs"], s["compressor_kw"], strict=True):
        running = running + 1 if kw > 0 else 0
        longest = max(longest, running)
        tripped_calls += bool(outputs & Y1 and kw == 0.0)
    assert longest == 6 * 60
    assert tripped_calls >= 10 * 60  # the thermostat called on while the switch was open


# E not suppressing Y: the downstream state and the sense inputs


def test_e_not_suppressing_y_runs_the_compressor_beside_the_strips_and_the_y1_sense_input_reads_it():
    normal = settled(Equipment(), E | W2 | G, outdoor=20.0)
    assert normal.sensed == E | W2 | G and normal.compressor_kw == 0.0
    flows = settled(faulty("e_not_suppressing_y"), E | W2 | G, outdoor=20.0)
    assert flows.sensed == E | W2 | G | Y1  # Y1 live while the thermostat's Y1 relay is open
    assert flows.compressor_kw > 0
    assert flows.hvac_btuh == pytest.approx(STRIPS_KW * BTU_PER_KWH + heating_capacity_btuh(20.0), rel=1e-5)


def test_without_e_the_back_feed_fault_senses_and_does_nothing_else():
    assert settled(faulty("e_not_suppressing_y"), W2 | G, outdoor=20.0) == settled(Equipment(), W2 | G, outdoor=20.0)


def test_the_loop_hands_each_steps_sensed_terminals_to_a_controller_that_reads_them():
    class Emergency:
        name = "emergency"

        def __init__(self):
            self.sensed = []

        def step(self, *args):
            return E | W2 | G

        def sense_reading(self, bits):
            self.sensed.append(bits)

        def close(self):
            pass

    controller = Emergency()
    run = simulate("cold", "constant", controller, warmup_days=0, measured_s=60,
                   faults=[Fault("e_not_suppressing_y", start_s=30)])
    assert controller.sensed == run.series["sensed"]
    assert controller.sensed == [E | W2 | G] * 30 + [E | W2 | G | Y1] * 30


# door_open: a window open for an hour at noon


def test_door_open_dips_the_house_from_noon_to_1_pm_only():
    def day(faults):
        return simulate("cold", "constant", BaselineController({}), warmup_days=0, measured_s=18 * HOUR_S,
                        faults=faults).series["indoor_f"]

    normal, door = day([]), day(["door_open"])
    noon = 12 * HOUR_S
    assert door[:noon] == normal[:noon]
    assert min(door[noon:noon + HOUR_S]) < min(normal[noon:noon + HOUR_S]) - 0.5
    for hour in range(14, 18):  # the window shut, the controller brings the house back to its usual band
        window = slice(hour * HOUR_S, (hour + 1) * HOUR_S)
        assert min(door[window]) == pytest.approx(min(normal[window]), abs=0.1)
        assert max(door[window]) == pytest.approx(max(normal[window]), abs=0.1)


# start times, the normal path, bad input


def test_a_fault_starts_at_its_time_of_the_measured_day_and_not_before():
    def run(faults):
        return simulate("mild", "constant", BaselineController({}), warmup_days=1, measured_s=8 * HOUR_S,
                        faults=faults).series

    normal, late = run([]), run(["compressor_dead@06:00"])
    six = 6 * HOUR_S
    assert late["indoor_f"][:six + 1] == normal["indoor_f"][:six + 1]
    assert late["hvac_btuh"][:six] == normal["hvac_btuh"][:six]
    calls = [i for i in range(six, 8 * HOUR_S) if late["outputs"][i] & Y1]
    assert calls and all(late["compressor_kw"][i] == 0.0 for i in calls)
    assert any(kw > 0 for kw in late["compressor_kw"][:six])


def test_no_fault_and_a_fault_not_yet_started_leave_every_series_and_figure_unchanged():
    def run(**kwargs):
        return simulate("cold", "constant", FirmwareController({}), warmup_days=0, measured_s=4 * HOUR_S, **kwargs)

    normal, empty, later = run(), run(faults=[]), run(faults=[Fault("ob_reversed", start_s=5 * HOUR_S)])
    assert normal.series == empty.series == later.series
    assert normal.kpis == later.kpis
    assert normal.faults == () and later.faults == ("ob_reversed@05:00",)
    assert normal.series["sensed"] == normal.series["outputs"]


def test_a_bad_fault_name_is_refused_with_the_list_of_allowed_names():
    with pytest.raises(FaultError) as error:
        check(["ob_reverse"])
    assert str(error.value) == "fault: 'ob_reverse' is not a fault (allowed: %s)" % ", ".join(FAULTS)


@pytest.mark.parametrize("specs, message", [
    (["low_charge@24:00"], "fault low_charge: start '24:00' is not a time of day HH:MM (allowed: 00:00 to 23:59)"),
    (["y2_open", "y2_open@01:00"], "fault y2_open: given twice"),
    (["ob_reversed", "valve_stuck_cool"], "fault ob_reversed with valve_stuck_cool: the unit has one reversing valve"),
])
def test_a_bad_time_or_combination_is_refused_whole(specs, message):
    with pytest.raises(FaultError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        check(specs)


def test_simulate_refuses_an_unknown_fault_in_one_line_naming_the_allowed_ones():
    done = subprocess.run([sys.executable, "tools/simulate.py", "--fault", "door"], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines()[-1] == "simulate.py: error: --fault: 'door' is not a fault (allowed: %s)" % (
        ", ".join(FAULTS))


def test_simulate_fault_names_the_faults_shows_their_effect_and_tables_the_sensed_terminals(tmp_path):
    table = tmp_path / "day.csv"
    done = subprocess.run([sys.executable, "tools/simulate.py", "--controller", "baseline", "--day", "mild",
                           "--warmup-days", "0", "--fault", "ob_reversed", "--fault", "door_open@12:00",
                           "--csv", str(table)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert figures["faults"] == "ob_reversed, door_open@12:00"
    assert float(figures["min_indoor_f"].split()[0]) < 29.0
    header = table.read_text().splitlines()[0].split(",")
    assert header[-12:] == ["Y1", "Y2", "G", "W2", "OB", "E", "sensed_Y1", "sensed_Y2", "sensed_G", "sensed_W2",
                            "sensed_OB", "sensed_E"]
