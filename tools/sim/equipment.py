"""The reference equipment: what each terminal combination delivers and costs.

Heat pump (3 ton, DOE-2 curves of docs/reference-house.md), two-stage option
(stage 1 = 72 % capacity at 110 % COP), cooling curve, start-up ramp
1 - exp(-t/90 s) on delivered capacity with full power from the start,
blower 400 W whenever G. Backup: electric strips 10 kW, immediate; or a
furnace of 60,000 BTU/h output at 95 %, ramping linearly to full in 60 s,
with its own blower (no blower power counted unless G is on).

Choices where the document leaves room:
- E heats with the backup exactly as W2 does (real air handlers run the
  strips on E alone); W2 and E together are still one 10 kW strip bank.
- The reversing valve follows the *equipment's* polarity (``valve``), not
  the thermostat's setting: a mismatch (wrong O/B) makes Y1 move heat the
  other way with the same capacity and power.
- Y1 delivers heat whether or not G runs (the firmware always runs G with
  Y1); Y2 without Y1 does nothing. Cooling capacity and COP change linearly
  (+1 %, +2 % per °F below 95 °F). A run's ramp counts from the Y1 start, a
  change of stage during a run does not restart it.
- Within a step the ramps are averaged exactly, so the step length does not
  bias the delivered heat.

Faults (``faults``, a set of names of ``faults.py``, which documents each):
without any, every line below computes exactly what it did before faults
existed. Open wires and a back-fed Y act on the *downstream* terminals the
equipment receives; ``Flows.sensed`` is what 24 VAC sense inputs at the
thermostat's terminals read (its relays, plus a back-fed wire). A tripping
safety switch (``compressor_trips``) is the one fault with a memory: while
it is open the outdoor unit receives no Y1/Y2; it is decided a whole step at
a time, exact while the step divides 6 and 10 minutes (the firmware's 1 s
period does).
"""

import math
from dataclasses import dataclass

from .house import BTU_PER_KWH

Y1, Y2, G, W2, OB, E = 1, 2, 4, 8, 16, 32
NAMES = ("Y1", "Y2", "G", "W2", "OB", "E")
BITS = (Y1, Y2, G, W2, OB, E)

RATED_BTUH = 36000.0
RATED_COP = 3.5
COOL_RATED_OUTDOOR_F = 95.0
STAGE1_CAPACITY = 0.72
STAGE1_COP = 1.10
STARTUP_TAU_S = 90.0
BLOWER_KW = 0.4
STRIPS_KW = 10.0
FURNACE_BTUH = 60000.0
FURNACE_EFFICIENCY = 0.95
FURNACE_RAMP_S = 60.0
LOW_CHARGE_CAPACITY = 0.6
LOW_CHARGE_COP = 0.8
SAFETY_TRIPS_AFTER_S = 360.0  # compressor_trips: the outdoor unit's safety opens after 6 min of each run
SAFETY_RESETS_AFTER_S = 600.0  # and closes again (auto-reset) after it has been open 10 min


def heating_capacity_btuh(outdoor_f):
    """Full (single / stage 2) steady-state heating capacity, BTU/h."""
    t = outdoor_f
    return max(0.0, RATED_BTUH * (0.34148808 + 0.00894102 * t + 0.00010787 * t * t))


def heating_cop(outdoor_f):
    t = min(outdoor_f, 80.0)
    return RATED_COP / (2.03914613 - 0.03906753 * t + 0.00045617 * t * t - 0.00000203 * t * t * t)


def cooling_capacity_btuh(outdoor_f):
    return max(0.0, RATED_BTUH * (1.0 + 0.01 * (COOL_RATED_OUTDOOR_F - outdoor_f)))


def cooling_cop(outdoor_f):
    return max(0.1, RATED_COP * (1.0 + 0.02 * (COOL_RATED_OUTDOOR_F - outdoor_f)))


def startup_fraction_mean(t0_s, dt_s):
    """Mean of 1 - exp(-t/90 s) over [t0, t0 + dt]: delivered / steady capacity."""
    return 1.0 - STARTUP_TAU_S / dt_s * (math.exp(-t0_s / STARTUP_TAU_S) - math.exp(-(t0_s + dt_s) / STARTUP_TAU_S))


def furnace_fraction_mean(t0_s, dt_s):
    """Mean of min(1, t / 60 s) over [t0, t0 + dt]."""
    t1 = t0_s + dt_s
    ramp_end = min(t1, FURNACE_RAMP_S)
    area = 0.0
    if t0_s < ramp_end:
        area += (ramp_end * ramp_end - t0_s * t0_s) / (2.0 * FURNACE_RAMP_S)
    area += max(0.0, t1 - max(t0_s, FURNACE_RAMP_S))
    return area / dt_s


@dataclass
class Flows:
    """Mean flows over one step."""
    hvac_btuh: float = 0.0      # heat into the air node (negative: cooling)
    compressor_kw: float = 0.0
    blower_kw: float = 0.0
    strip_kw: float = 0.0
    furnace_btuh: float = 0.0   # furnace heat output
    gas_kw: float = 0.0         # furnace fuel input
    hp_heating: bool = False    # the compressor moved heat indoors
    sensed: int = 0             # terminals carrying 24 VAC at the thermostat (its outputs, plus a back-fed wire)

    @property
    def electric_kw(self):
        return self.compressor_kw + self.blower_kw + self.strip_kw


class Equipment:
    """Heat pump + backup + blower, with the memory of how long each has run."""

    def __init__(self, stages=1, backup="electric", valve="O", faults=()):
        self.stages = stages
        self.backup = backup
        self.valve = valve
        self.faults = frozenset(faults)
        self.compressor_run_s = 0.0
        self.furnace_run_s = 0.0
        self.safety_open_s = None  # compressor_trips: seconds the safety switch has been open; None: closed
        self.was = 0

    @classmethod
    def from_settings(cls, settings, valve=None):
        """The equipment the firmware settings describe (optionally another valve polarity)."""
        return cls(int(settings.get("compressor_stages", 1)), settings.get("backup_heat", "electric"),
                   valve or settings.get("reversing_valve", "O"))

    def heats(self, outputs):
        """Whether the reversing valve puts the compressor in heating."""
        faults = self.faults
        if "valve_stuck_heat" in faults or "valve_stuck_cool" in faults:
            return "valve_stuck_heat" in faults
        energized = bool(outputs & OB) != ("ob_reversed" in faults)
        return energized if self.valve == "B" else not energized

    def downstream(self, outputs):
        """(terminals the equipment receives, terminals a sense input at the thermostat reads)."""
        faults = self.faults
        if "e_not_suppressing_y" in faults and outputs & E:
            outputs |= Y1  # back-fed from E at the air handler: the Y1 wire is live at both ends
        sensed = outputs
        if "w2_open" in faults:
            outputs &= ~W2
        if "y2_open" in faults:
            outputs &= ~Y2
        if "compressor_dead" in faults:
            outputs &= ~(Y1 | Y2)
        return outputs, sensed

    def safety_switch(self, outputs, dt_s):
        """compressor_trips: the downstream terminals once the outdoor unit's safety switch has had its say.
        It opens when a run (``compressor_run_s``, counted from each start, so a Y1 drop resets it) reaches
        6 minutes, and closes 10 minutes later whatever Y1 does; the compressor then restarts if Y1 is on."""
        if self.safety_open_s is not None and self.safety_open_s >= SAFETY_RESETS_AFTER_S:
            self.safety_open_s = None
        if (self.safety_open_s is None and outputs & self.was & Y1
                and self.compressor_run_s >= SAFETY_TRIPS_AFTER_S):
            self.safety_open_s = 0.0
        if self.safety_open_s is None:
            return outputs
        self.safety_open_s += dt_s
        return outputs & ~(Y1 | Y2)

    def step(self, outputs, outdoor_f, dt_s):
        flows = Flows()
        faults = self.faults
        if faults:
            outputs, flows.sensed = self.downstream(outputs)
            if "compressor_trips" in faults:
                outputs = self.safety_switch(outputs, dt_s)
        else:
            flows.sensed = outputs
        if outputs & Y1:
            if not self.was & Y1:
                self.compressor_run_s = 0.0
            stage2 = self.stages == 1 or bool(outputs & Y2)
            cap_share, cop_share = (1.0, 1.0) if stage2 else (STAGE1_CAPACITY, STAGE1_COP)
            if self.heats(outputs):
                capacity = heating_capacity_btuh(outdoor_f) * cap_share
                cop = heating_cop(outdoor_f) * cop_share
                sign = 1.0
                flows.hp_heating = True
            else:
                capacity = cooling_capacity_btuh(outdoor_f) * cap_share
                cop = cooling_cop(outdoor_f) * cop_share
                sign = -1.0
            if "low_charge" in faults:
                capacity *= LOW_CHARGE_CAPACITY
                cop *= LOW_CHARGE_COP
            flows.compressor_kw = capacity / cop / BTU_PER_KWH
            flows.hvac_btuh += sign * capacity * startup_fraction_mean(self.compressor_run_s, dt_s)
            self.compressor_run_s += dt_s
        if outputs & (W2 | E):
            if self.backup == "electric":
                flows.strip_kw = STRIPS_KW
                flows.hvac_btuh += STRIPS_KW * BTU_PER_KWH
            elif self.backup == "dual_fuel":
                if not self.was & (W2 | E):
                    self.furnace_run_s = 0.0
                flows.furnace_btuh = FURNACE_BTUH * furnace_fraction_mean(self.furnace_run_s, dt_s)
                flows.gas_kw = flows.furnace_btuh / FURNACE_EFFICIENCY / BTU_PER_KWH
                flows.hvac_btuh += flows.furnace_btuh
                self.furnace_run_s += dt_s
        if outputs & G:
            flows.blower_kw = BLOWER_KW
        self.was = outputs
        return flows
