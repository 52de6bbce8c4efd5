"""The buttons: mode, up, down.

The mode button steps through :data:`MODES`; a mode the thermostat refuses
(auto with setpoints inside the deadband) is skipped with a log line, and
"off" is never refused, so every mode of the cycle stays reachable.
Emergency heat is left out on purpose: it runs the strips alone and should
take a deliberate choice, not a press too many. Up and down move the heat
setpoint (the cool one in cool mode). A press is a command: it acts at once
(``app.command``).

With a screen (:mod:`app.display`), a press on the dark screen only wakes
it, holding mode for :data:`HOLD_MS` opens the status menu (up and down
page through it, mode goes back), and so a short press of mode acts when
it is let go.
"""

from app.age import Age
from app.console import log
from thermo.schema import SettingError

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

POLL_MS = const(50)
HOLD_MS = const(1000)
MODES = ("off", "heat", "cool", "auto")


def press(app, role):
    """What a press of the button ``role`` does to ``app`` (a runner.App)."""
    display = app.display
    if display is not None and display.in_menu():
        if role == "mode":
            display.toggle_menu()
        else:
            display.scroll(1 if role == "up" else -1)
        return
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
    """The buttons' task: a press is the edge from released to pressed
    (with a screen, mode's is the release, or a hold)."""
    hw = app.hw
    display = app.display
    was = {}
    held = Age()  # since mode went down
    mode_armed = False  # mode is down, and neither woke the screen nor was held yet
    while True:
        for role in hw.buttons:
            now = hw.pressed(role)
            if now and not was.get(role):
                if display is not None and display.press():
                    pass  # it only woke the screen
                elif display is not None and role == "mode":
                    held.restart()
                    mode_armed = True
                else:
                    press(app, role)
            elif role == "mode" and mode_armed and display is not None:
                if not now:
                    mode_armed = False
                    press(app, role)
                elif held.read() >= HOLD_MS:
                    mode_armed = False
                    display.toggle_menu()
            was[role] = now
        await task.pause(POLL_MS)
