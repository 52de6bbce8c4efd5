"""Closed-loop days: weather → house → sensors → controller → equipment → house.

The run starts at 00:00 on a Monday with the house at steady state for the
setpoint in force then and the outdoor temperature then. :func:`simulate`
runs warm-up days identical to the measured one (so the mass node, and
anything the controller learns, settle), then the measured day.
:func:`simulate_sequence` runs several different weather days one after
the other from that start, with no warm-up (a cold start), and measures
each. Every control period (the firmware's, also the physics step) the
controller reads the sensors and chooses the terminals, which hold over the
step; the equipment turns them into heat and power, the house integrates
exactly.

Sensors: the true air temperature and outdoor temperature at the start of
the step, optionally with seeded Gaussian noise and quantization.

Besides the physics, each step records what only the controller knows:
why W2 went off, at the step it did (``held_reasons()["W2"]``, so a strip
run a safety rule ended is told apart), and whether the firmware's
``short_cycle_blocked`` alert is raised (None for a controller without
``alert_names``).

Faults (``faults``: names, ``NAME@HH:MM`` or :class:`faults.Fault`, see
tools/sim/faults.py) change the equipment or the house from their start;
``NAME@HH:MM`` is that time of the measured day. Without faults nothing
here computes differently. Every step also records ``sensed``, what 24 VAC
sense inputs at the thermostat's terminals would read, and hands it to a
controller with a ``sense_reading(bits)`` method.
"""

import random
from dataclasses import dataclass, field
from functools import partial

from . import faults as F
from . import kpis as K
from .controllers import CONTROL_PERIOD_S
from .equipment import BTU_PER_KWH, W2, Y1, Equipment
from .house import SECONDS_PER_HOUR, House, gains_btuh
from .schedules import COMFORT_SETPOINT_F, occupied, setpoint_f
from .weather import outdoor_f, sequence_outdoor_f

DAY_S = 86400
DT_S = CONTROL_PERIOD_S
SERIES = ("t_s", "outdoor_f", "indoor_f", "mass_f", "mean_indoor_f", "setpoint_f", "controller_setpoint_f",
          "occupied", "outputs", "compressor_kw", "blower_kw", "strip_kw", "furnace_btuh", "gas_kw", "hvac_btuh",
          "gains_btuh", "w2_off_reason", "short_cycle_alert", "sensed")
SHORT_CYCLE_ALERT = "short_cycle_blocked"
PROGRESS_STEPS = 720


@dataclass
class Sensors:
    """Seeded reading errors: Gaussian noise (standard deviation, °F), then rounding to a quantum (°F)."""
    noise_f: float = 0.0
    quantum_f: float = 0.0
    seed: int = 0
    indoor_missing: bool = False
    outdoor_missing: bool = False

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    def read(self, value, missing=False):
        if missing:
            return None
        if self.noise_f:
            value += self.rng.gauss(0.0, self.noise_f)
        if self.quantum_f:
            value = round(value / self.quantum_f) * self.quantum_f
        return value


@dataclass
class Run:
    day: str
    schedule: str
    controller: str
    settings: dict
    dt_s: int
    series: dict = field(default_factory=dict)
    kpis: dict = field(default_factory=dict)
    start_air_f: float = 0.0
    start_mass_f: float = 0.0
    end_air_f: float = 0.0
    end_mass_f: float = 0.0
    y1_on_before: bool = False
    w2_on_before: bool = False
    faults: tuple = ()  # the injected faults as NAME or NAME@HH:MM (of the measured day), none on a normal run


def minute_of_week(t_s):
    """The run starts Monday 00:00 local time (the replay contract's default start)."""
    return int(t_s // 60) % 10080


class ClosedLoop:
    """The house, its equipment and one controller under one weather, stepped
    together; it remembers where it stopped, so days can follow one another."""

    def __init__(self, weather, schedule, controller, settings=None, sensors=None, valve=None, dt_s=DT_S,
                 faults=()):
        self.weather, self.schedule, self.controller = weather, schedule, controller
        self.settings = dict(settings or {})
        self.sensors = sensors or Sensors()
        self.equipment = Equipment.from_settings(self.settings, valve)
        self.house = House.at_steady_state(setpoint_f(schedule, 0), weather(0), gains_btuh(0), dt_s)
        self.faults = F.Injector(F.check(faults), self.house.params)
        self.dt_s = dt_s
        self.step_index = 0
        self.outputs = 0

    def advance(self, steps, progress=None, series=None):
        """Run ``steps`` control periods; with ``series`` (a dict of lists named
        by :data:`SERIES`), record each, its ``t_s`` counted from the first."""
        controller, dt_s, weather, schedule = self.controller, self.dt_s, self.weather, self.schedule
        house, read, sensors = self.house, self.sensors.read, self.sensors
        controller_step, equipment_step = controller.step, self.equipment.step
        working = getattr(controller, "working_setpoint_f", None)
        held = getattr(controller, "held_reasons", None)
        alerts = getattr(controller, "alert_names", None)
        sense = getattr(controller, "sense_reading", None)
        faults, equipment = (self.faults if self.faults.faults else None), self.equipment
        record = [series[name].append for name in SERIES] if series is not None else None
        first, outputs, half_s = self.step_index, self.outputs, dt_s / 2
        for step in range(first, first + steps):
            t_s = step * dt_s
            before = outputs
            indoor = read(house.air_f, sensors.indoor_missing)
            outdoor = read(weather(t_s), sensors.outdoor_missing)
            outputs = controller_step(t_s, minute_of_week(t_s), indoor, outdoor)
            if faults:
                faults.apply(t_s, equipment, house)
            outdoor_mid = weather(t_s + half_s)
            gains = gains_btuh(t_s)
            flows = equipment_step(outputs, outdoor_mid, dt_s)
            air_before, mass_before = house.air_f, house.mass_f
            mean_air = house.step(outdoor_mid, gains, flows.hvac_btuh)
            if sense:
                sense(flows.sensed)
            if record:
                setpoint = setpoint_f(schedule, t_s)
                w2_off = held().get("W2") if held and before & W2 and not outputs & W2 else None
                alert = (SHORT_CYCLE_ALERT in alerts()) if alerts else None
                for append, value in zip(record, (
                        t_s - first * dt_s, outdoor_mid, air_before, mass_before, mean_air, setpoint,
                        working() if working else setpoint, occupied(schedule, t_s), outputs,
                        flows.compressor_kw, flows.blower_kw, flows.strip_kw, flows.furnace_btuh, flows.gas_kw,
                        flows.hvac_btuh, gains, w2_off, alert, flows.sensed), strict=True):
                    append(value)
            if progress and step % PROGRESS_STEPS == PROGRESS_STEPS - 1:
                progress(PROGRESS_STEPS)
        self.step_index, self.outputs = first + steps, outputs

    def measure(self, day, steps, progress=None):
        """Run and record ``steps`` control periods: a :class:`Run` with its figures."""
        run = Run(day, self.schedule, getattr(self.controller, "name", "controller"), self.settings, self.dt_s)
        start_s = self.step_index * self.dt_s
        run.faults = tuple(F.label(fault, start_s) for fault in self.faults.faults)
        run.start_air_f, run.start_mass_f = self.house.air_f, self.house.mass_f
        run.y1_on_before, run.w2_on_before = bool(self.outputs & Y1), bool(self.outputs & W2)
        run.series = {name: [] for name in SERIES}
        self.advance(steps, progress, run.series)
        run.end_air_f, run.end_mass_f = self.house.air_f, self.house.mass_f
        run.kpis = figures(run)
        return run


def simulate(day, schedule, controller, settings=None, warmup_days=1, sensors=None, valve=None, progress=None,
             dt_s=DT_S, measured_s=DAY_S, faults=()):
    """Run ``controller`` on ``day`` with ``schedule``; return a :class:`Run` of the measured day
    (its first ``measured_s`` seconds; the figures are defined on a whole day).

    ``faults``: names (from the run's start, warm-up included), ``NAME@HH:MM``
    (that time of the measured day) or :class:`faults.Fault` (seconds from the
    run's start); refused whole with :class:`faults.FaultError` before any step.

    ``progress(steps)`` is called now and then with the number of steps done
    since the last call.
    """
    warmup_steps, measured_steps = warmup_days * DAY_S // dt_s, measured_s // dt_s
    faults = F.check(faults, warmup_steps * dt_s)
    closed = ClosedLoop(partial(outdoor_f, day), schedule, controller, settings, sensors, valve, dt_s, faults)
    closed.advance(warmup_steps, progress)
    run = closed.measure(day, measured_steps, progress)
    _progress_rest(progress, warmup_steps + measured_steps)
    controller.close()
    return run


def simulate_sequence(days, schedule, controller, settings=None, sensors=None, progress=None, dt_s=DT_S,
                      faults=()):
    """Run ``controller`` through the weather ``days`` one after the other,
    from a cold start (no warm-up): ``(runs, whole)``, the figures of each day
    (their series dropped, to keep a week in memory) and of the whole sequence.
    ``faults`` as for :func:`simulate`, ``NAME@HH:MM`` on the first day."""
    closed = ClosedLoop(partial(sequence_outdoor_f, tuple(days)), schedule, controller, settings, sensors, valve=None,
                        dt_s=dt_s, faults=faults)
    runs, outputs, reasons = [], [], []
    for day in days:
        run = closed.measure(day, DAY_S // dt_s, progress)
        outputs += run.series["outputs"]
        reasons += run.series["w2_off_reason"]
        run.series = {}
        runs.append(run)
    _progress_rest(progress, len(days) * DAY_S // dt_s)
    controller.close()
    return runs, whole_figures([run.kpis for run in runs], outputs, reasons, dt_s, closed.settings)


def _progress_rest(progress, steps):
    if progress:
        progress(steps % PROGRESS_STEPS)


def figures(run):
    """The KPIs of the measured day."""
    s, dt = run.series, run.dt_s
    settings = run.settings
    electric = [c + b + w for c, b, w in zip(s["compressor_kw"], s["blower_kw"], s["strip_kw"], strict=True)]
    furnace_kw = [q / BTU_PER_KWH for q in s["furnace_btuh"]]
    aux_kw = s["strip_kw"] if settings.get("backup_heat", "electric") != "dual_fuel" else furnace_kw
    occupied_air = [a for a, occ in zip(s["indoor_f"], s["occupied"], strict=True) if occ]
    stages = int(settings.get("compressor_stages", 1))
    result = {
        "energy_kwh": K.integrate_kwh(electric, dt),
        "gas_kwh": K.integrate_kwh(s["gas_kw"], dt),
        "aux_kwh": K.integrate_kwh(aux_kw, dt),
        "unavoidable_aux_kwh": K.unavoidable_aux_kwh(s["setpoint_f"], s["outdoor_f"], s["gains_btuh"], dt),
        "ideal_kwh": K.ideal_kwh([COMFORT_SETPOINT_F] * len(aux_kw), s["outdoor_f"], s["gains_btuh"], dt, stages),
        "discomfort_degf_h": K.discomfort_degf_h(s["indoor_f"], s["setpoint_f"], s["occupied"], dt),
    }
    result.update(cycle_figures(s["outputs"], s["w2_off_reason"], dt, run.y1_on_before, run.w2_on_before, settings))
    result["min_indoor_f"] = min(occupied_air)
    result["max_indoor_f"] = max(occupied_air)
    if s["short_cycle_alert"] and s["short_cycle_alert"][0] is not None:
        result["short_cycle_alert_minutes"] = K.minutes_on(s["short_cycle_alert"], dt)
    if run.schedule == "setback":
        result["indoor_at_0630_f"] = K.value_at(s["indoor_f"], dt, 6.5 * SECONDS_PER_HOUR)
        result["recovery_aux_kwh"] = K.window_kwh(aux_kw, dt, 4 * SECONDS_PER_HOUR, 6.5 * SECONDS_PER_HOUR)
    return result


def cycle_figures(outputs, w2_off_reasons, dt, y1_on_before, w2_on_before, settings):
    """Starts and runs of the compressor (Y1) and of the strips (W2)."""
    y1 = [bool(o & Y1) for o in outputs]
    w2 = [bool(o & W2) for o in outputs]
    starts = K.start_times_s(y1, dt, y1_on_before)
    strip_starts = K.start_times_s(w2, dt, w2_on_before)
    return {
        "starts_per_h": len(starts) / (len(y1) * dt / SECONDS_PER_HOUR),
        "max_starts_in_an_hour": K.max_starts_in_an_hour(starts),
        "short_cycles": K.short_cycles(K.runs(y1, dt, y1_on_before), float(settings.get("min_on_s", 180))),
        "strip_starts": len(strip_starts),
        "max_strip_starts_in_an_hour": K.max_starts_in_an_hour(strip_starts),
        "short_strip_runs": K.short_strip_runs(w2, w2_off_reasons, dt, w2_on_before),
    }


ADDED = ("energy_kwh", "gas_kwh", "aux_kwh", "unavoidable_aux_kwh", "ideal_kwh", "discomfort_degf_h",
         "short_cycle_alert_minutes")


def whole_figures(day_kpis, outputs, w2_off_reasons, dt, settings):
    """The figures of consecutive measured days taken as one: sums of the
    energies, degree-hours and alert minutes, the extremes of the indoor
    temperature, and starts and runs counted again on the joined series (a
    run across midnight has a known length here; an hour window spans it)."""
    result = {name: sum(k[name] for k in day_kpis) for name in ADDED if name in day_kpis[0]}
    result.update(cycle_figures(outputs, w2_off_reasons, dt, False, False, settings))
    result["min_indoor_f"] = min(k["min_indoor_f"] for k in day_kpis)
    result["max_indoor_f"] = max(k["max_indoor_f"] for k in day_kpis)
    return result
