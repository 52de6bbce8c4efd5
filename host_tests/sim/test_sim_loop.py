"""What the closed loop records besides physics: why W2 went off, the short-cycle alert, joined days."""

from tools.sim.controllers import CONTROL_PERIOD_S
from tools.sim.equipment import W2, Y1, G
from tools.sim.loop import simulate, whole_figures


class Script:
    """A controller that plays fixed outputs, one per control period, then 0; with a W2 reason and alerts."""

    name = "script"

    def __init__(self, outputs, w2_reason=None, alert_steps=0):
        self.outputs, self.w2_reason, self.alert_steps, self.steps = outputs, w2_reason, alert_steps, 0

    def step(self, t_s, minute_of_week, indoor_f, outdoor_f):
        self.steps += 1
        index = self.steps - 1
        return self.outputs[index] if index < len(self.outputs) else 0

    def held_reasons(self):
        return {} if self.steps <= len(self.outputs) and self.outputs[self.steps - 1] & W2 else {"W2": self.w2_reason}

    def alert_names(self):
        return ["short_cycle_blocked"] if self.steps <= self.alert_steps else []

    def close(self):
        pass


def strips_for(seconds):
    return [0] * 5 + [W2 | G] * (seconds // CONTROL_PERIOD_S)


def test_a_strip_run_the_firmware_ended_for_a_safety_rule_is_not_a_short_run():
    run = simulate("cold", "constant", Script(strips_for(60), "aux_lockout"), warmup_days=0, measured_s=600)
    stop = 5 + 60 // CONTROL_PERIOD_S
    assert run.series["w2_off_reason"][stop] == "aux_lockout"
    assert [r for r in run.series["w2_off_reason"] if r] == ["aux_lockout"]  # read only where W2 went off
    assert run.kpis["strip_starts"] == 1 and run.kpis["short_strip_runs"] == 0


def test_a_strip_run_the_control_itself_ended_early_is_a_short_run():
    run = simulate("cold", "constant", Script(strips_for(60), "satisfied"), warmup_days=0, measured_s=600)
    assert run.kpis["short_strip_runs"] == 1
    assert run.kpis["max_strip_starts_in_an_hour"] == 1


def test_short_cycle_alert_minutes_count_the_steps_the_alert_is_raised():
    run = simulate("mild", "constant", Script([], alert_steps=90 // CONTROL_PERIOD_S), warmup_days=0, measured_s=600)
    assert run.kpis["short_cycle_alert_minutes"] == 1.5


def test_a_controller_without_alerts_has_no_alert_figure():
    class Quiet:
        name = "quiet"

        def step(self, *args):
            return 0

        def close(self):
            pass

    run = simulate("mild", "constant", Quiet(), warmup_days=0, measured_s=60)
    assert "short_cycle_alert_minutes" not in run.kpis
    assert run.kpis["strip_starts"] == 0


def test_joined_days_add_their_energy_and_see_a_run_across_midnight_whole():
    day = {"energy_kwh": 10.0, "gas_kwh": 0.0, "aux_kwh": 1.0, "unavoidable_aux_kwh": 0.5, "ideal_kwh": 9.0,
           "discomfort_degf_h": 0.25, "short_cycle_alert_minutes": 2.0, "min_indoor_f": 69.0, "max_indoor_f": 71.0}
    other = dict(day, min_indoor_f=68.5, max_indoor_f=70.0)
    dt = 60
    outputs = [0] * 59 + [W2 | Y1] * 2 + [0] * 59  # one 2-minute run across the midnight between 60-step days
    reasons = [None] * 61 + ["satisfied"] + [None] * 58
    whole = whole_figures([day, other], outputs, reasons, dt, {"min_on_s": 300})
    assert whole["energy_kwh"] == 20.0 and whole["discomfort_degf_h"] == 0.5
    assert whole["short_cycle_alert_minutes"] == 4.0
    assert (whole["min_indoor_f"], whole["max_indoor_f"]) == (68.5, 71.0)
    assert whole["strip_starts"] == 1 and whole["short_strip_runs"] == 1  # each day alone: an edge run, excused
    assert whole["short_cycles"] == 1
