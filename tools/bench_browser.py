#!/usr/bin/env python3
"""The longest control-loop stall while a real browser uses the web page.

Starts the host thermostat with its web server (tools/web_host.py: the
firmware's core ticking every control period, app.web serving, and a probe
task that keeps the loop's worst lateness), then drives headless Debian
Chromium through one scripted visit, as a user on a phone would:

    the login page, a wrong password, the right one; the status page left
    open through several of its live updates; the mode, the heat setpoint;
    the schedule page, a row filled in and saved; the settings page, a value out
    of range refused, the same page saved unchanged; log out.

Prints ``name: value unit`` lines for ``make bench``::

    browser_longest_stall_ms_cpython: 12 ms (...)
    browser_page_load_ms: 35 ms (...)
    browser_page_bytes: 6123 bytes (...)

With ``--steps``, each step's worst stall is also said (on stderr), one
step at a time with a quiet second between (slower).

The stall is the worst of the probe's per-second figures (``stats: ticks N
stall_ms M``) from the second before the visit to the second after it; the
worst before the visit (server start) is given too. Target: under 50 ms
(issue 12). Needs /usr/bin/chromium and /usr/bin/chromedriver (make test
installs them). About 30 s.
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "host_tests" / "web"))
sys.path.insert(0, str(ROOT / "tools"))

import browser  # noqa: E402

PASSWORD = "bench password 1"
INTERPRETERS = ("cpython", "micropython")
NAMES = {"cpython": "CPython", "micropython": "the MicroPython unix port"}
LIVE_UPDATES = 3  # the status page's polls to sit through (one each 5 s)
STEP_S = 20.0


def by_id(driver, element_id):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, STEP_S, poll_frequency=0.05).until(lambda d: d.find_element(By.ID, element_id))


def press(form):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    form.find_elements(By.CSS_SELECTOR, "button:not([type=button]):not([type=reset]), input[type=submit]")[-1].click()
    WebDriverWait(form.parent, STEP_S, poll_frequency=0.05).until(browser.replaced(form))


def fill(element, text):
    element.clear()
    element.send_keys(text)


def polls_seen(driver):
    """How many /api/status answers the page has fetched so far (Resource Timing)."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/status')).length")


def visit(driver, url, password, step):
    """One scripted visit, ``step(name)`` called as each step begins;
    returns (page load ms, page bytes) of the status page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    step("login page, wrong password")
    driver.get(url + "/login")
    fill(by_id(driver, "login-password"), "not the password")
    press(by_id(driver, "login-form"))
    step("login")
    fill(by_id(driver, "login-password"), password)
    press(by_id(driver, "login-form"))
    by_id(driver, "logout-form")

    step("status page")
    driver.get(url + "/")
    by_id(driver, "indoor")
    load_ms, page_bytes = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0];"
        "return [Math.round(n.loadEventEnd - n.startTime), n.transferSize || n.encodedBodySize];")
    step("status page's live updates")
    WebDriverWait(driver, 5 * LIVE_UPDATES + STEP_S, poll_frequency=0.2).until(
        lambda d: polls_seen(d) >= LIVE_UPDATES)

    step("mode form")
    form = by_id(driver, "mode-form")
    Select(form.find_element(By.ID, "mode")).select_by_value("heat")
    press(form)
    step("setpoint form")
    field = by_id(driver, "setpoint-heat")
    fill(field, "72")
    press(field.find_element(By.XPATH, "./ancestor::form"))

    step("schedule page")
    driver.get(url + "/schedule")
    by_id(driver, "schedule-form")
    step("schedule saved")
    fill(by_id(driver, "at-0"), "06:30")
    fill(by_id(driver, "heat-0"), "69")
    press(by_id(driver, "schedule-form"))
    WebDriverWait(driver, STEP_S).until(lambda d: "saved" in d.find_element(By.ID, "message").text)

    step("settings page")
    driver.get(url + "/settings")
    form = by_id(driver, "settings-form")
    step("settings refused")
    fill(form.find_element(By.ID, "min_off_s"), "5")
    press(form)
    by_id(driver, "err-min_off_s")
    step("settings saved")
    fill(by_id(driver, "min_off_s"), "300")
    press(by_id(driver, "settings-form"))
    by_id(driver, "settings-form")

    step("logout")
    press(by_id(driver, "logout-form"))
    by_id(driver, "login-form")
    step("end")
    return load_ms, page_bytes


class Steps:
    """The visit's steps, as they begin. ``separate``: before each step,
    wait for the server's next two stats lines, so each second it reports
    belongs to one step, and keep each step's worst stall (slower: about a
    second more a step)."""

    def __init__(self, server, separate):
        self.server = server
        self.separate = separate
        self.started = []  # (time.monotonic(), name, index of the server's next stats line)
        self.worst = []  # (name, ms), with ``separate``

    def __call__(self, name):
        stalls = self.server.stalls
        if self.separate and self.started:
            ended = len(stalls)
            browser.wait_for(lambda: len(stalls) >= ended + 2, "the server's stats after a step", detail=self.server.log)
            _, previous, first = self.started[-1]
            self.worst.append((previous, max(stalls[first:ended + 1])))
        self.started.append((time.monotonic(), name, len(stalls)))

    def during(self, until):
        """The steps under way in the second before ``until``."""
        names = [name for at, name, _ in self.started if until - 1.0 <= at <= until]
        earlier = [name for at, name, _ in self.started if at < until - 1.0]
        return ", ".join((earlier[-1:] if earlier else []) + names) or "before the visit"

    def took_s(self):
        return self.started[-1][0] - self.started[0][0]


def measure(interpreter, workdir, separate=False):
    """(stall ms before the visit, during it, when, :class:`Steps`, page load ms, page bytes) on ``interpreter``."""
    if interpreter == "micropython":
        import webserver  # host_tests/web: MICROPYPATH with microdot and umqtt.simple, as the web tests use

        command = [str(webserver.MICROPYTHON), str(ROOT / "tools" / "web_host.py")]
        env = {"MICROPYPATH": webserver.micropython_path(workdir)}
    else:
        command, env = [sys.executable, str(ROOT / "tools" / "web_host.py")], None
    server = browser.Server(PASSWORD, command=command, env=env)
    driver = None
    try:
        server.wait_listening()
        browser.wait_for(lambda: server.stalls, "the server's first stats line", detail=server.log)
        driver = browser.new_driver(Path(workdir) / ("profile-" + interpreter), js=True, size=browser.PHONE)
        before = max(server.stalls)  # the server's start, and Chromium's
        mark = len(server.stalls)
        steps = Steps(server, separate)
        load_ms, page_bytes = visit(driver, server.url, PASSWORD, steps)
        driver.quit()
        driver = None
        seen = len(server.stalls)
        browser.wait_for(lambda: len(server.stalls) > seen, "the server's stats after the visit", detail=server.log)
        window = list(zip(server.stalls[mark:], server.stall_times[mark:], strict=False))
        stall, at = max(window)
        return before, stall, steps.during(at), steps, load_ms, page_bytes
    except Exception as e:  # any failure ends the bench with its cause and the server's output
        sys.exit("bench_browser (%s): %s: %s\nserver:\n%s" % (interpreter, type(e).__name__, e, server.log(20)))
    finally:
        if driver is not None:
            driver.quit()
        server.stop()


def main():
    missing = browser.chromium_missing()
    if missing:
        sys.exit("bench_browser: " + missing)
    separate = "--steps" in sys.argv[1:]
    for interpreter in INTERPRETERS:
        with tempfile.TemporaryDirectory() as workdir:
            before, stall, when, steps, load_ms, page_bytes = measure(interpreter, workdir, separate)
        took_s = steps.took_s()
        for name, ms in steps.worst:
            print("  %s: %s: worst stall %d ms" % (interpreter, name, ms), file=sys.stderr)
        print("browser_longest_stall_ms_%s: %d ms (tools/web_host.py on %s; %.0f s scripted Chromium visit: login, "
              "live status, mode, setpoint, schedule, settings refused and saved, logout; worst during: %s; "
              "%d ms before the visit)" % (interpreter, stall, NAMES[interpreter], took_s, when, before), flush=True)
        print("browser_page_load_ms_%s: %d ms (the status page, navigation to load event, Chromium on 127.0.0.1)"
              % (interpreter, load_ms))
        print("browser_page_bytes_%s: %d bytes (the status page as transferred, headers included)"
              % (interpreter, page_bytes), flush=True)


if __name__ == "__main__":
    main()
