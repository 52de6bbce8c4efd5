"""The core's vocabulary: modes, fan modes and actions, as small ints.

Data only, imported by the decision, the gate and the thermostat alike;
it holds no rule, so sharing it shares no judgement.
"""

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


OFF = const(0)
HEAT = const(1)
COOL = const(2)
AUTO = const(3)
EMERGENCY = const(4)
MODES = ("off", "heat", "cool", "auto", "emergency")

FAN_ON = const(1)
FAN_CIRCULATE = const(2)
FANS = ("auto", "on", "circulate")  # auto is 0

# What the thermostat is doing: the decision's wish, and after the gate what
# runs. docs/behaviour.md maps each to Home Assistant's hvac_action.
IDLE = const(1)
FAN = const(2)
HEAT_PUMP = const(3)
HEAT_PUMP_AND_STRIPS = const(4)
STRIPS = const(5)
FURNACE = const(6)
EMERGENCY_HEAT = const(7)
COOLING = const(8)
RECOVERY = const(9)
ACTIONS = ("off", "idle", "fan", "heat_pump", "heat_pump_and_strips", "strips", "furnace", "emergency",
           "cooling", "recovery")

HOUR_MS = const(3_600_000)
