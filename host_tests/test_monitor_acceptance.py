"""The property test's monitor decides itself what the device had to accept.

``test_properties.Watch`` tells the monitor the raw events, never the
device's own idea of its mode, setpoints or settings, and flags a device
whose accepted state differs from what the contract makes it accept. Here
the device is made careless on purpose, and the watch must notice.
"""

from test_properties import Watch


def watch_of_a_device(command):
    """A watched thermostat whose command() is replaced by ``command(thermostat, changes)``."""
    flagged = []
    watch = Watch({}, 1, on_violation=lambda: flagged.append(watch.monitor.violations[-1]))
    thermostat = watch.replay.thermostat
    thermostat.command = lambda changes: command(thermostat, changes)
    return watch, flagged


def test_a_device_that_takes_a_setpoint_out_of_range_is_flagged():
    def careless(thermostat, changes):
        if "heat_setpoint_f" in changes:
            thermostat.heat_setpoint_dF = round(changes["heat_setpoint_f"] * 10)

    watch, flagged = watch_of_a_device(careless)
    watch.event(indoor_f=66.0, outdoor_f=40.0, heat_setpoint_f=95.0)
    assert [v.rule for v in flagged] == ["ACCEPTANCE"]
    assert "heat_sp_f 95.0 (must be 68.0)" in flagged[0].message


def test_a_device_that_refuses_a_valid_mode_is_flagged():
    watch, flagged = watch_of_a_device(lambda thermostat, changes: None)
    watch.event(indoor_f=66.0, outdoor_f=40.0, mode="heat")
    assert [v.rule for v in flagged] == ["ACCEPTANCE"]
    assert "mode 'off' (must be 'heat')" in flagged[0].message


def test_a_device_that_accepts_what_it_must_is_not_flagged():
    flagged = []
    watch = Watch({}, 1, on_violation=lambda: flagged.append(watch.monitor.violations[-1]))
    watch.event(indoor_f=69.5, outdoor_f=40.0, mode="heat", heat_setpoint_f=95.0)  # refused whole
    watch.event(mode="auto", heat_setpoint_f=70.0, cool_setpoint_f=72.0)  # refused: deadband
    watch.event(mode="heat", heat_setpoint_f=70.0, settings={"min_off_s": 60})
    watch.run(100)
    assert flagged == []
