"""The reference house: GridLAB-D's two-node equivalent thermal parameter model.

Air node (capacitance C_a) and mass node (C_m), coupled by H_m; the air node
loses heat through UA to the outdoor air and receives the equipment's heat;
internal and solar gains go half to each node. Units are the reference
document's: BTU, hours, °F.

Over one step the inputs (outdoor temperature, gains, equipment heat) are
held constant and the linear system is solved exactly (matrix exponential of
the 2×2 system, from its eigenvalues), so the step length changes no result
and the energy balance closes to rounding: the step also returns the exact
mean air temperature, hence the exact envelope loss.
"""

import functools
import math
from dataclasses import dataclass

BTU_PER_KWH = 3412.14
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class HouseParams:
    ua_btuh_f: float = 522.0
    c_air_btu_f: float = 1080.0
    c_mass_btu_f: float = 4280.0
    h_mass_btuh_f: float = 9330.0
    gain_night_btuh: float = 1500.0
    gain_day_btuh: float = 3000.0
    day_starts_h: float = 7.0
    night_starts_h: float = 22.0


REFERENCE = HouseParams()


def gains_btuh(t_s, params=REFERENCE):
    """Internal + solar gains: the night value from 22:00 to 07:00, else the day value."""
    hour = (t_s / SECONDS_PER_HOUR) % 24.0
    if params.day_starts_h <= hour < params.night_starts_h:
        return params.gain_day_btuh
    return params.gain_night_btuh


def steady_state(params, air_f, outdoor_f, gains):
    """(mass °F, equipment heat BTU/h) holding the air node at ``air_f``."""
    mass_f = air_f + gains / 2.0 / params.h_mass_btuh_f
    hvac_btuh = params.ua_btuh_f * (air_f - outdoor_f) - gains
    return mass_f, hvac_btuh


@functools.lru_cache(maxsize=8)
def _propagators(p, dt_s):
    """(Φ, mean of Φ over the step) of the 2×2 system, row-major 4-tuples, for ``p`` and the step ``dt_s``."""
    dt_h = dt_s / SECONDS_PER_HOUR
    a11 = -(p.ua_btuh_f + p.h_mass_btuh_f) / p.c_air_btu_f
    a12 = p.h_mass_btuh_f / p.c_air_btu_f
    a21 = p.h_mass_btuh_f / p.c_mass_btu_f
    a22 = -p.h_mass_btuh_f / p.c_mass_btu_f
    trace, det = a11 + a22, a11 * a22 - a12 * a21
    root = math.sqrt(trace * trace / 4.0 - det)
    l1, l2 = trace / 2.0 + root, trace / 2.0 - root
    e1, e2 = math.exp(l1 * dt_h), math.exp(l2 * dt_h)
    i1, i2 = (e1 - 1.0) / l1, (e2 - 1.0) / l2  # ∫0^dt e^(λs) ds

    def combine(f1, f2):
        # f(A) = (f1 (A - l2 I) - f2 (A - l1 I)) / (l1 - l2) for a 2×2 A
        d = l1 - l2
        return ((f1 * (a11 - l2) - f2 * (a11 - l1)) / d, (f1 - f2) * a12 / d,
                (f1 - f2) * a21 / d, (f1 * (a22 - l2) - f2 * (a22 - l1)) / d)

    return combine(e1, e2), tuple(value / dt_h for value in combine(i1, i2))


class House:
    """The two nodes' temperatures, advanced by :meth:`step`."""

    def __init__(self, air_f, mass_f, dt_s=5.0, params=REFERENCE):
        self.params = params
        self.air_f = air_f
        self.mass_f = mass_f
        self.dt_s = dt_s
        self._phi, self._mean = _propagators(params, dt_s)

    def set_params(self, params):
        """Change the house from the next step on (an open window: a larger UA), keeping its temperatures."""
        self.params = params
        self._phi, self._mean = _propagators(params, self.dt_s)

    @classmethod
    def at_steady_state(cls, air_f, outdoor_f, gains, dt_s=5.0, params=REFERENCE):
        mass_f, _ = steady_state(params, air_f, outdoor_f, gains)
        return cls(air_f, mass_f, dt_s, params)

    def step(self, outdoor_f, gains, hvac_btuh):
        """Advance one step with constant inputs; return the mean air °F over it."""
        p = self.params
        eq_air = outdoor_f + (gains + hvac_btuh) / p.ua_btuh_f
        eq_mass = eq_air + gains / 2.0 / p.h_mass_btuh_f
        da, dm = self.air_f - eq_air, self.mass_f - eq_mass
        f11, f12, f21, f22 = self._phi
        m11, m12, _, _ = self._mean
        mean_air = eq_air + m11 * da + m12 * dm
        self.air_f = eq_air + f11 * da + f12 * dm
        self.mass_f = eq_mass + f21 * da + f22 * dm
        return mean_air

    def stored_btu(self):
        """Heat stored relative to 0 °F (only differences mean anything)."""
        return self.params.c_air_btu_f * self.air_f + self.params.c_mass_btu_f * self.mass_f
