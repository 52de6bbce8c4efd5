"""One closed-loop day: weather → house → sensors → controller → equipment → house.

The run starts at 00:00 on a Monday with the house at steady state for the
setpoint in force then and the outdoor temperature then, and simulates a
warm-up day identical to the measured one (so the mass node, and anything
the controller learns, settle), then the measured day. Every control period
(the firmware's, also the physics step) the controller reads the sensors and chooses
the terminals, which hold over the step; the equipment turns them into heat
and power, the house integrates exactly.

Sensors: the true air temperature and outdoor temperature at the start of
the step, optionally with seeded Gaussian noise and quantization.
"""

import random
from dataclasses import dataclass, field

from . import kpis as K
from .controllers import CONTROL_PERIOD_S
from .equipment import BTU_PER_KWH, Y1, Equipment
from .house import SECONDS_PER_HOUR, House, gains_btuh
from .schedules import COMFORT_SETPOINT_F, occupied, setpoint_f
from .weather import outdoor_f

DAY_S = 86400
DT_S = CONTROL_PERIOD_S
SERIES = ("t_s", "outdoor_f", "indoor_f", "mass_f", "mean_indoor_f", "setpoint_f", "controller_setpoint_f",
          "occupied", "outputs", "compressor_kw", "blower_kw", "strip_kw", "furnace_btuh", "gas_kw", "hvac_btuh", "gains_btuh")


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


def minute_of_week(t_s):
    """The run starts Monday 00:00 local time (the replay contract's default start)."""
    return int(t_s // 60) % 10080


def simulate(day, schedule, controller, settings=None, warmup_days=1, sensors=None, valve=None, progress=None,
             dt_s=DT_S, measured_s=DAY_S):
    """Run ``controller`` on ``day`` with ``schedule``; return a :class:`Run` of the measured day
    (its first ``measured_s`` seconds; the figures are defined on a whole day).

    ``progress(steps)`` is called now and then with the number of steps done
    since the last call.
    """
    settings = dict(settings or {})
    sensors = sensors or Sensors()
    equipment = Equipment.from_settings(settings, valve)
    house = House.at_steady_state(setpoint_f(schedule, 0), outdoor_f(day, 0), gains_btuh(0), dt_s)
    run = Run(day, schedule, getattr(controller, "name", "controller"), settings, dt_s)
    series = {name: [] for name in SERIES}
    measured_from = warmup_days * DAY_S // dt_s
    steps = measured_from + measured_s // dt_s
    outputs = 0
    working = getattr(controller, "working_setpoint_f", None)
    controller_step, equipment_step, house_step, read = controller.step, equipment.step, house.step, sensors.read
    record = [series[name].append for name in SERIES]
    half_s = dt_s / 2
    for step in range(steps):
        t_s = step * dt_s
        if step == measured_from:
            run.start_air_f, run.start_mass_f, run.y1_on_before = house.air_f, house.mass_f, bool(outputs & Y1)
        indoor = read(house.air_f, sensors.indoor_missing)
        outdoor = read(outdoor_f(day, t_s), sensors.outdoor_missing)
        outputs = controller_step(t_s, minute_of_week(t_s), indoor, outdoor)
        outdoor_mid = outdoor_f(day, t_s + half_s)
        gains = gains_btuh(t_s)
        flows = equipment_step(outputs, outdoor_mid, dt_s)
        air_before, mass_before = house.air_f, house.mass_f
        mean_air = house_step(outdoor_mid, gains, flows.hvac_btuh)
        if step >= measured_from:
            setpoint = setpoint_f(schedule, t_s)
            for append, value in zip(record, (
                    t_s - measured_from * dt_s, outdoor_mid, air_before, mass_before, mean_air, setpoint,
                    working() if working else setpoint, occupied(schedule, t_s), outputs,
                    flows.compressor_kw, flows.blower_kw, flows.strip_kw, flows.furnace_btuh, flows.gas_kw,
                    flows.hvac_btuh, gains), strict=True):
                append(value)
        if progress and step % 720 == 719:
            progress(720)
    if progress:
        progress(steps % 720)
    controller.close()
    run.end_air_f, run.end_mass_f = house.air_f, house.mass_f
    run.series = series
    run.kpis = figures(run)
    return run


def figures(run):
    """The KPIs of the measured day."""
    s, dt = run.series, run.dt_s
    settings = run.settings
    electric = [c + b + w for c, b, w in zip(s["compressor_kw"], s["blower_kw"], s["strip_kw"], strict=True)]
    y1 = [bool(o & Y1) for o in s["outputs"]]
    furnace_kw = [q / BTU_PER_KWH for q in s["furnace_btuh"]]
    aux_kw = s["strip_kw"] if settings.get("backup_heat", "electric") != "dual_fuel" else furnace_kw
    starts = K.start_times_s(y1, dt, run.y1_on_before)
    hours = len(y1) * dt / SECONDS_PER_HOUR
    occupied_air = [a for a, occ in zip(s["indoor_f"], s["occupied"], strict=True) if occ]
    stages = int(settings.get("compressor_stages", 1))
    result = {
        "energy_kwh": K.integrate_kwh(electric, dt),
        "gas_kwh": K.integrate_kwh(s["gas_kw"], dt),
        "aux_kwh": K.integrate_kwh(aux_kw, dt),
        "unavoidable_aux_kwh": K.unavoidable_aux_kwh(s["setpoint_f"], s["outdoor_f"], s["gains_btuh"], dt),
        "ideal_kwh": K.ideal_kwh([COMFORT_SETPOINT_F] * len(y1), s["outdoor_f"], s["gains_btuh"], dt, stages),
        "discomfort_degf_h": K.discomfort_degf_h(s["indoor_f"], s["setpoint_f"], s["occupied"], dt),
        "starts_per_h": len(starts) / hours,
        "max_starts_in_an_hour": K.max_starts_in_an_hour(starts),
        "short_cycles": K.short_cycles(K.runs(y1, dt, run.y1_on_before), float(settings.get("min_on_s", 180))),
        "min_indoor_f": min(occupied_air),
        "max_indoor_f": max(occupied_air),
    }
    if run.schedule == "setback":
        result["indoor_at_0630_f"] = K.value_at(s["indoor_f"], dt, 6.5 * SECONDS_PER_HOUR)
        result["recovery_aux_kwh"] = K.window_kwh(aux_kw, dt, 4 * SECONDS_PER_HOUR, 6.5 * SECONDS_PER_HOUR)
    return result
