"""The screen's task: redraw when what it shows has changed, sleep after a
minute without a press, wake on a press.

The pictures are :mod:`app.screen`'s, drawn into the driver's own buffer
(micropython-lib's ``ssd1306.SSD1306_I2C`` is a ``FrameBuffer``). Sending
them is this module's: one 128-byte page (8 rows) at a time, with the
task's pause between pages, so the I2C bus holds the loop about 12 ms at
100 kHz at a time, never the ~95 ms of a whole frame, and the control task
runs between any two pages. Nothing here runs in the control tick: the
screen reads the thermostat the control task has left.

A screen that stops answering (``OSError`` on the bus) is an alert
(``display``), tried again every :data:`RETRY_MS`, never a crash: the
thermostat does not need its screen to run.
"""

from app import screen
from app.age import Age

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

DEADLINE_MS = const(3000)  # a frame is drawn in milliseconds and sent in 8 steps
POLL_MS = const(250)  # how soon a change shows
MENU_REFRESH_MS = const(1000)  # the menu's times left count down
SLEEP_MS = const(60_000)  # dark after a minute without a press
RETRY_MS = const(10_000)
CONFIRM_MS = const(5000)  # how long the question before emergency heat waits for its answer
_SET_COL_ADDR = const(0x21)
_SET_PAGE_ADDR = const(0x22)

HOME = const(0)
MENU = const(1)
CONFIRM = const(2)  # "EM HEAT? press mode again" (app.buttons)


class Display:
    """The screen of one thermostat. ``driver``: the SSD1306 (a FrameBuffer
    with ``write_cmd``, ``write_data``, ``buffer``, ``poweron``,
    ``poweroff``); ``report``: the shell's alerts (:class:`app.report.Report`),
    shown in the menu; ``wlan``: the Wi-Fi station, or None without Wi-Fi.
    ``setup``: the Wi-Fi set-up (:class:`app.wifisetup.Setup`) while it
    runs: its page (access point, password, address, join state) is then
    the home page; the menu is still a hold of mode away."""

    def __init__(self, driver, thermostat, report, wlan=None):
        self.driver = driver
        self.thermostat = thermostat
        self.report = report
        self.wlan = wlan
        self.setup = None
        self.page = HOME
        self.first = 0  # the menu's first line shown
        self.lines = 0  # how many the menu has
        self.idle = Age(0)  # since the last press
        self.asked = Age()  # since the question before emergency heat was put
        self.since_draw = Age()
        self.asleep = False
        self.shown = None  # what is on the glass (see :meth:`state`); None: redraw
        self.broken = False

    # -- presses (app.buttons) ---------------------------------------------

    def press(self):
        """A button was pressed. True when the press only woke the screen:
        a press on a dark screen changes nothing else, since nobody could
        see what it would change."""
        self.idle.restart()
        if not self.asleep:
            return False
        self.asleep = False
        self.shown = None
        try:
            self.driver.poweron()
        except OSError:
            self.broken = True
        return True

    def in_menu(self):
        return self.page == MENU

    def toggle_menu(self):
        self.page = MENU if self.page == HOME else HOME
        self.first = 0
        self.shown = None

    def can_ask(self):
        """Whether a question can be put: the screen is lit and answers."""
        return not self.asleep and not self.broken

    def ask(self):
        """Put the question before emergency heat, for :data:`CONFIRM_MS`."""
        self.page = CONFIRM
        self.asked.restart()
        self.shown = None

    def asking(self):
        return self.page == CONFIRM

    def unanswered(self):
        """The question has waited :data:`CONFIRM_MS` without an answer."""
        return self.page == CONFIRM and self.asked.read() >= CONFIRM_MS

    def end_question(self):
        """Back home, answered or not."""
        self.page = HOME
        self.shown = None

    def scroll(self, step):
        """The menu's next (1) or previous (-1) page of lines, round."""
        pages = max(1, (self.lines + screen.MENU_ROWS - 1) // screen.MENU_ROWS)
        self.first = (self.first // screen.MENU_ROWS + step) % pages * screen.MENU_ROWS
        self.shown = None

    # -- what is shown ------------------------------------------------------

    def state(self):
        """Everything the home page shows, to redraw only when it changed."""
        th = self.thermostat
        setup = self.setup
        return (self.page, setup.changes if setup is not None else -1, th.mode, th.fan, th.heat_setpoint_dF, th.cool_setpoint_dF, th.indoor_ok,
                th.indoor_dF if th.indoor_ok else 0, th.outdoor_ok, th.outdoor_dF if th.outdoor_ok else 0,
                th.action, th.outputs, th.alerts)

    def network(self):
        """(state, address) of the Wi-Fi, as text."""
        from board import net

        return net.state(self.wlan)

    def show_setup(self, setup):
        """While the Wi-Fi set-up (app.wifisetup.Setup) runs, its page is the home page."""
        self.setup = setup

    def draw(self):
        setup = self.setup
        if self.page == HOME and setup is not None and setup.active:
            state, detail = setup.screen_lines()
            screen.setup(self.driver, setup.name, setup.key, state, detail)
        elif self.page == HOME:
            screen.home(self.driver, self.thermostat)
        elif self.page == CONFIRM:
            screen.confirm(self.driver)
        else:
            state, address = self.network()
            self.lines = screen.menu(self.driver, self.thermostat, sorted(self.report.alerts), state, address,
                                     self.first)

    async def send(self, task):
        """The buffer to the screen, a page at a time, pausing between."""
        driver = self.driver
        data = memoryview(driver.buffer)
        for page in range(screen.HEIGHT // 8):
            for command in (_SET_COL_ADDR, 0, screen.WIDTH - 1, _SET_PAGE_ADDR, page, page):
                driver.write_cmd(command)
            driver.write_data(data[page * screen.WIDTH:(page + 1) * screen.WIDTH])
            await task.pause(0)

    # -- the task -----------------------------------------------------------

    async def run(self, task):
        report = self.report
        while True:
            try:
                await self.step(task)
                if self.broken:
                    self.broken = False
                    report.clear_alert("display")
            except OSError as exc:
                self.broken = True
                self.shown = None
                report.alert("display", "the screen does not answer (%r); trying again every %d s" % (
                    exc, RETRY_MS // 1000))
                await task.pause(RETRY_MS)
            await task.pause(POLL_MS)

    async def step(self, task):
        if self.asleep:
            return
        if self.idle.read() >= SLEEP_MS:
            self.asleep = True
            self.page = HOME  # a woken screen starts at home
            self.driver.poweroff()
            return
        state = self.state()
        if state == self.shown and not (self.page == MENU and self.since_draw.read() >= MENU_REFRESH_MS):
            return
        self.draw()
        self.since_draw.restart()
        self.shown = state
        await self.send(task)
