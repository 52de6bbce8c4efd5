"""The buttons: mode, up, down.

The mode button steps through :data:`MODES`; a mode the thermostat refuses
(auto with setpoints inside the deadband) is skipped with a log line, and
"off" is never refused, so every mode of the cycle stays reachable. Up and
down move the heat setpoint (the cool one in cool mode). A press is a
command: it acts at once (``app.command``).

With a screen (:mod:`app.display`), a press on the dark screen only wakes
it, holding mode for :data:`HOLD_MS` opens the status menu (up and down
page through it, mode goes back), and so a short press of mode acts when
it is let go; so do up and down, because both together step the fan
through auto, on and circulate. With a screen the mode cycle also has
emergency heat after auto, behind a question: the screen asks "EM HEAT?
press mode again", and only a second press of mode within
:data:`app.display.CONFIRM_MS` turns it on; any other button, or the
time running out, skips it to off. Emergency heat runs the backup heat
alone and should take a deliberate choice, not a press too many, so
without a screen to ask on (or with one that does not answer) it is not on
the buttons, and a thermostat that refuses it (backup_heat "none") skips
it as it skips any refused mode.
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
MODES_ASKED = ("off", "heat", "cool", "auto", "emergency")  # with a screen to ask on
FANS = ("auto", "on", "circulate")


def press(app, role):
    """What a press of the button ``role`` does to ``app`` (a runner.App)."""
    display = app.display
    if display is not None and display.asking():
        display.end_question()
        if role == "mode":
            _mode(app, "emergency", "confirmed")
        else:
            skip_emergency(app)
        return
    if display is not None and display.in_menu():
        if role == "mode":
            display.toggle_menu()
        else:
            display.scroll(1 if role == "up" else -1)
        return
    th = app.thermostat
    mode = th.retained()["mode"]
    if role == "mode":
        asks = display is not None and display.can_ask()
        cycle = MODES_ASKED if asks else MODES
        index = cycle.index(mode) if mode in cycle else -1
        for step in range(1, len(cycle) + 1):
            candidate = cycle[(index + step) % len(cycle)]
            if candidate == "emergency":  # only in MODES_ASKED: there is a display to ask on
                if display is None or _refused(th, candidate):
                    continue
                display.ask()
                log("button mode: emergency heat? (press mode again to turn it on)")
                return
            if _mode(app, candidate, ""):
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


def _mode(app, mode, how):
    """Command ``mode``; False (logged) when the thermostat refuses it."""
    try:
        app.command({"mode": mode})
    except SettingError as exc:
        log("button mode: %s skipped (%s)" % (mode, exc))
        return False
    log(("button mode: %s %s" % (mode, how)).strip())
    return True


def _refused(th, mode):
    """Whether the thermostat would refuse ``mode`` now (logged), so the
    question is not asked for a mode it cannot have."""
    try:
        th.check_command({"mode": mode})  # the core's own rule, the one its command applies
    except SettingError as exc:
        log("button mode: %s skipped (%s)" % (mode, exc))
        return True
    return False


def skip_emergency(app):
    """The question before emergency heat went unanswered: on to off."""
    app.display.end_question()
    log("button mode: emergency heat not confirmed")
    _mode(app, "off", "")


def hold(app):
    """Mode held for :data:`HOLD_MS` (with a screen): the status menu, or
    back from it. Holding mode is no answer to the question: it skips."""
    display = app.display
    if display.asking():
        skip_emergency(app)
    display.toggle_menu()


def fan(app):
    """Up and down together (with a screen): the fan's next setting, shown
    on the home page. An answer to no question: that skips."""
    display = app.display
    if display.asking():
        skip_emergency(app)
        return
    if display.in_menu():
        display.toggle_menu()  # home, where the fan is shown
    th = app.thermostat
    current = th.retained()["fan"]
    setting = FANS[(FANS.index(current) + 1) % len(FANS)] if current in FANS else FANS[0]
    try:
        app.command({"fan": setting})
        log("button fan: %s" % setting)
    except SettingError as exc:
        log("button fan refused: %s" % exc)


async def poll(task, app):
    """The buttons' task: a press is the edge from released to pressed.
    With a screen it is the release (or, for mode, a hold; for up and
    down, the other one going down too), and an unanswered question
    before emergency heat is skipped here when its time runs out."""
    hw = app.hw
    display = app.display
    # A button already down when the task starts (mode held at power-up
    # for the Wi-Fi set-up) is not a press: only a later edge is.
    was = {role: hw.pressed(role) for role in hw.buttons}
    armed = {}  # down, to act when let go: neither woke the screen nor was held or joined yet
    held = Age()  # since mode went down
    while True:
        if display is not None and not armed.get("mode") and display.unanswered():
            skip_emergency(app)  # a press of mode that started in time still answers
        for role in hw.buttons:
            now = hw.pressed(role)
            if now and not was.get(role):
                if display is None:
                    press(app, role)
                elif display.press():
                    pass  # it only woke the screen
                elif role != "mode" and armed.get("down" if role == "up" else "up"):
                    armed["up"] = armed["down"] = False
                    fan(app)
                else:
                    armed[role] = True
                    if role == "mode":
                        held.restart()
            elif armed.get(role):
                if not now:
                    armed[role] = False
                    press(app, role)
                elif role == "mode" and held.read() >= HOLD_MS:
                    armed[role] = False
                    hold(app)
            was[role] = now
        await task.pause(POLL_MS)
