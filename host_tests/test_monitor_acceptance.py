"""The property test's monitor decides itself what the device had to accept.

``test_properties.Watch`` tells the monitor the raw events, never the
device's own idea of its mode, setpoints or settings, and flags a device
whose accepted state differs from what the contract makes it accept. Here
the device is made careless on purpose, and the watch must notice; and a
careful device is judged by the very commands it was given, at the instant
it was given them, however the events reach the watch.
"""

from test_properties import Watch, watch_scenario


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


def g_on_at(watch):
    """The times of the replay lines that show G on."""
    return [line.split(",")[0][6:] for line in watch.lines if '"G": 1' in line]


def test_a_replayed_scenario_is_judged_by_the_fan_mode_the_monitor_accepted():
    # properties-seed-7-part-0, reduced: replayed by watch_scenario, the
    # command reached the device but not the monitor's Acceptance, which
    # judged circulate's G as "mode off with fan auto but G on" (R11).
    scenario = {"config": {"reversing_valve": "O"}, "tick_s": 5, "duration_s": 1890,
                "events": [{"t": 1890, "fan": "circulate"}]}
    watch = watch_scenario(scenario)
    assert g_on_at(watch) == ["1890"]  # circulate runs the blower at once after boot
    assert watch.acceptance.state["fan"] == "circulate"
    assert watch.monitor.violations == []


def test_a_command_is_judged_from_its_own_instant_not_from_the_ticks_before_it():
    # An event later than the last tick: the ticks before it ran with the
    # fan still auto, and the monitor must see them so.
    flagged = []
    watch = Watch({}, 1, on_violation=lambda: flagged.append(watch.monitor.violations[-1]))
    watch.event(indoor_f=70.0, outdoor_f=40.0)
    watch.event(60_000, fan="on")
    watch.run(5)
    assert g_on_at(watch) == ["60"]
    assert flagged == []
