"""The buttons: mode, up, down.

The mode button steps through :data:`MODES`; a mode the thermostat refuses
(auto with setpoints inside the deadband) is skipped with a log line, and
"off" is never refused, so every mode of the cycle stays reachable.
Emergency heat is left out on purpose: it runs the strips alone and should
take a deliberate choice, not a press too many. Up and down move the heat
setpoint (the cool one in cool mode). A press is a command: it acts at once
(``app.command``).
"""

from app.console import log
from thermo.schema import SettingError

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

POLL_MS = const(50)
MODES = ("off", "heat", "cool", "auto")


def press(app, role):
    """What a press of the button ``role`` does to ``app`` (a runner.App)."""
    th = app.thermostat
    mode = th.retained()["mode"]
    if role == "mode":
        index = MODES.index(mode) if mode in MODES else -1
        for step in range(1, len(MODES) + 1):
            candidate = MODES[(index + step) % len(MODES)]
            try:
                app.command({"mode": candidate})
            except SettingError as exc:
                log("button mode: %s skipped (%s)" % (candidate, exc))
                continue
            log("button mode: %s" % candidate)
            return
        return
    step = 1 if role == "up" else -1
    key = "cool_setpoint_f" if mode == "cool" else "heat_setpoint_f"
    setpoint_dF = th.cool_setpoint_dF if mode == "cool" else th.heat_setpoint_dF
    change = {key: setpoint_dF // 10 + step}
    try:
        app.command(change)
        log("button %s: %s" % (role, change))
    except SettingError as exc:
        log("button %s refused: %s" % (role, exc))


async def poll(task, app):
    """The buttons' task: a press is the edge from released to pressed."""
    hw = app.hw
    was = {}
    while True:
        for role in hw.buttons:
            now = hw.pressed(role)
            if now and not was.get(role):
                press(app, role)
            was[role] = now
        await task.pause(POLL_MS)
