"""Real parts for the browser tests: headless Debian Chromium driven by
selenium through /usr/bin/chromedriver, and ``tools/run.py --web`` (the
simulated house with the firmware's web page and API) as a process.

A plain module, imported by the tests (not a conftest.py: the top-level
tests import ``conftest`` by name, and a second conftest.py would take it).

- :func:`new_driver`: one Chromium, headless, with the flags of
  docs (notes/web_design.md), its own temporary profile, a phone-sized
  (412x915) or desktop window, JavaScript on or off.
- :class:`Server`: ``tools/run.py --headless --seconds 600 --speed 600
  --web 127.0.0.1:<port>`` (or another command taking ``--web``),
  waited for until it prints ``web: http://...``; :meth:`Server.api` calls
  the JSON API with urllib (bearer token or none).
- :func:`layout_problems`: what is wrong with a page's layout at its window
  size (horizontal scroll; a form control hidden, zero-sized, off the page
  width, or overlapping another control), as sentences; empty when fine.
  Screens differ in fonts between machines, so tests assert these facts,
  never pixels.

Nothing here sleeps to let time pass: waits poll a real condition (the
server's output, the page's DOM) until a deadline and fail saying what did
not happen. A missing Chromium skips the tests with the reason (``make test``
installs it, so on CI they run).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOOLS = ROOT / "tools"
HOST = "127.0.0.1"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--no-first-run", "--disable-extensions", "--disable-sync", "--metrics-recording-only", "--disable-default-apps",
)
PHONE = (412, 915)  # a common Android phone's CSS viewport
DESKTOP = (1280, 900)
SERVER_START_S = 60.0  # tools/run.py on a busy 2-core machine; usually 1-2 s
SPEED = 600  # simulated seconds per real second: a minute of the house in 0.1 s
RUN_REAL_S = 600  # real seconds tools/run.py serves; the tests stop it long before
_LOG_LINES = 200


def chromium_missing():
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return "%s is not installed (make test installs Debian's chromium and chromium-driver)" % path
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed in this Python (requirements-dev.txt pins it)"
    return None


def new_driver(profile_dir, js=True, size=PHONE):
    """A headless Chromium with its own profile in ``profile_dir``, its
    window ``size`` (CSS pixels, width x height of the viewport), and page
    JavaScript on or off (WebDriver's own scripts run either way)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=%s" % profile_dir)
    options.add_argument("--window-size=%d,%d" % size)
    options.add_argument("--hide-scrollbars")  # a scrollbar would take width from the viewport
    if not js:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    set_viewport(driver, size)
    return driver


def set_viewport(driver, size):
    """Make the page's viewport exactly ``size`` (the window's frame takes
    some of --window-size) and its device pixel ratio 1, so screenshots are
    that many pixels and small."""
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class ServerError(Exception):
    pass


class Server:
    """``tools/run.py`` serving the simulated house's web page and API on
    127.0.0.1, its output kept (the last lines) for failure messages."""

    def __init__(self, password, port=None, speed=SPEED, command=None, env=None):
        self.password = password
        self.port = port or free_port()
        self.url = "http://%s:%d" % (HOST, self.port)
        self.lines = []
        self.stalls = []  # ms: each ``stats: ticks N stall_ms M`` line's worst control-loop lateness (tools/web_host.py)
        self.stall_times = []  # time.monotonic() each of those lines arrived
        self.listening = threading.Event()
        env = dict(os.environ, **(env or {}), THERMO_WEB_PASSWORD=password, PYTHONUNBUFFERED="1")
        web = "%s:%d" % (HOST, self.port)
        if command is None:
            command = [sys.executable, str(TOOLS / "run.py"), "--headless", "--seconds", str(RUN_REAL_S),
                       "--speed", str(speed), "--web", web]
        else:
            command = [*command, "--web", web]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            del self.lines[:-_LOG_LINES]
            if line.startswith("web: http://"):
                self.listening.set()
            words = line.split()
            if words[:1] == ["stats:"] and "stall_ms" in words[:-1]:
                self.stalls.append(int(words[words.index("stall_ms") + 1]))
                self.stall_times.append(time.monotonic())
        self.listening.set()  # ended: wake a waiter, who sees the exit

    def wait_listening(self, timeout=SERVER_START_S):
        self.listening.wait(timeout)
        if self.process.poll() is not None:
            raise ServerError("tools/run.py --web ended (exit %s) before serving:\n%s"
                              % (self.process.returncode, self.log()))
        if not self.listening.is_set():
            raise ServerError("tools/run.py --web printed no 'web: http://...' line within %.0f s:\n%s"
                              % (timeout, self.log()))
        return self

    def log(self, lines=40):
        return "\n".join(self.lines[-lines:])

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process.stdout.close()

    def api(self, method, path, body=None, token=None, timeout=10):
        """(status, decoded JSON body) of one API call; never raises for an HTTP status."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw.decode() or "null")
        except ValueError:
            return status, raw.decode(errors="replace")

    def login(self):
        """A bearer token for the API (a session of its own)."""
        status, body = self.api("POST", "/api/login", {"password": self.password})
        if status != 200:
            raise ServerError("POST /api/login with the right password: %s %r" % (status, body))
        return body["token"]


def wait_for(condition, what, timeout=30.0, detail=None):
    """Poll ``condition()`` (a real thing: a process's output, an HTTP
    answer) until it returns something true, and return that; raise an
    AssertionError naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            message = "within %.0f s: %s" % (timeout, what)
            if detail is not None:
                message += "\n" + detail()
            raise AssertionError(message)
        time.sleep(0.05)  # polling, not moving time: the condition is real


# One script, run in the page: the layout facts at the current viewport.
_LAYOUT_JS = """
const problems = [];
const doc = document.documentElement;
const width = doc.clientWidth;
if (doc.scrollWidth > width + 1) problems.push('horizontal scroll: page is ' + doc.scrollWidth + ' px wide in a ' + width + ' px viewport');
const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '');
const controls = [...document.querySelectorAll('input, select, textarea, button')].filter(el => el.type !== 'hidden');
const boxes = [];
for (const el of controls) {
  const style = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  if (style.display === 'none' || style.visibility === 'hidden' || r.width < 1 || r.height < 1) {
    problems.push(name(el) + ' is not visible'); continue;
  }
  if (r.left < -0.5 || r.right + window.scrollX > width + 0.5) problems.push(name(el) + ' runs off the page width (' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + width + ')');
  if (el.type !== 'checkbox' && el.type !== 'radio' && (r.height < 20 || r.width < 20)) problems.push(name(el) + ' is too small to tap (' + Math.round(r.width) + 'x' + Math.round(r.height) + ')');
  boxes.push([el, r]);
}
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const [a, ra] = boxes[i], [b, rb] = boxes[j];
  const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
  const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
  if (w > 1 && h > 1) problems.push(name(a) + ' overlaps ' + name(b));
}
return problems;
"""


def layout_problems(driver):
    """What is wrong with the page's layout at its viewport, as sentences."""
    return driver.execute_script(_LAYOUT_JS)


def clean_profile(path):
    shutil.rmtree(path, ignore_errors=True)


def save_small_png(driver, path, colours=64):
    """A screenshot of the viewport as a small PNG: a palette of ``colours``
    (the page has few), optimized; a phone-sized page takes ~20-40 KB."""
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    return path


def replaced(element):
    """A WebDriverWait condition: ``element``'s page has been replaced by
    another (a form's answer arrived). Chromium says so in two ways while a
    navigation is under way: a stale reference, or a node of a document that
    is gone."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def condition(_driver):
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
        return False

    return condition
