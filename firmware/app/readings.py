"""The sensors' latest readings, and how old each is.

One task per sensor (:meth:`Readings.sense`) starts a conversion, awaits it
and reads it, every :data:`SENSOR_PERIOD_MS`. The control tick asks
:meth:`Readings.reading`: the latest value while it is younger than
:data:`READING_FRESH_MS`, else None (the core then counts the sensor's
timeout). In bench mode a value set from the REPL stands in for a role.
"""

from app.age import Age

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

SENSOR_PERIOD_MS = const(5000)
READING_FRESH_MS = const(12000)  # a reading is fed to the core each tick while this young
ROLES = ("indoor", "outdoor")


class Readings:
    def __init__(self):
        self.values = {}  # role -> tenths °F
        self.ages = {role: Age() for role in ROLES}  # never seen: stale
        self.humidities = {}  # role -> tenths %RH
        self.humidity_ages = {role: Age() for role in ROLES}
        self.simulated = {}  # role -> tenths °F or None (bench: set from the REPL)
        # Where each role's reading comes from: "wired" (a sensor task),
        # "mqtt" (a topic, app.mqtt) or "none"; shown in every view.
        self.sources = {role: "wired" for role in ROLES}

    def take(self, role, value_dF, humidity_dpct):
        if value_dF is not None:
            self.values[role] = value_dF
            self.ages[role].restart()
        if humidity_dpct is not None:
            self.humidities[role] = humidity_dpct
            self.humidity_ages[role].restart()

    def reading(self, role):
        if role in self.simulated:
            return self.simulated[role]
        if self.ages[role].read() >= READING_FRESH_MS:
            return None
        return self.values.get(role)

    @property
    def humidity_dpct(self):
        """The indoor sensor's relative humidity while fresh, else None."""
        if self.humidity_ages["indoor"].read() >= READING_FRESH_MS:
            return None
        return self.humidities.get("indoor")

    async def sense(self, task, role, sensor):
        """A sensor's task: start a conversion, await it, read, rest."""
        while True:
            wait_ms = sensor.start()
            await task.pause(wait_ms)
            value_dF, humidity_dpct = sensor.read()
            self.take(role, value_dF, humidity_dpct)
            await task.pause(max(100, SENSOR_PERIOD_MS - wait_ms))
