#!/usr/bin/env python3
"""`make bench` (tools/bench.py): what the web server costs the control loop,
and what a page load costs (issue 12: the longest stall under 50 ms).

The host thermostat served by the firmware's own app.web
(``tools/web_host.py``) runs on CPython and on the MicroPython unix port,
one after the other, on 127.0.0.1 and a free port. Its probe task pauses
10 ms and reports, once a second, its worst lateness: how long anything
else (the web server) held the loop. Phases, per interpreter:

1. idle: the server up, no client;
2. logins (the password's iterated hash, computed in chunks);
3. page loads: logged in (the session cookie), ``GET /`` and what it
   pulls (every local ``src``/``href`` it names, and ``/favicon.ico`` as a
   browser asks for it), LOADS times; the time of a whole load (median and
   worst) and its bytes on the wire (status line, headers and body);
4. hostile input (host_tests/web/webserver.py, as test_hostile.py sends
   it): two slow clients until the server cuts them off, a 1 MB body,
   malformed request lines and headers, path traversal, 100 parallel
   connections.

One ``name: value unit`` line per figure. About half a minute.
"""

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_TESTS = ROOT / "host_tests" / "web"
for _path in (str(ROOT / "tools"), str(WEB_TESTS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import webserver  # noqa: E402

LOADS = 10
LOGINS = 2  # sessions are at most 4: the bench's own stays
STALL_TARGET_MS = 50
SETTLE_LINES = 2  # stats lines (seconds) waited for after a phase, so its stalls are reported
_LOCAL = re.compile(rb'(?:src|href)="(/[^"/][^"]*|/)"')


def wire_bytes(status, headers, body):
    """Bytes of a response on the wire: status line, headers, blank line, body."""
    head = len("HTTP/1.0 %d XX\r\n" % status) + sum(len(k) + len(v) + 4 for k, v in headers.items()) + 2
    return head + len(body)


def page_load(server, token):
    """One load of the status page, logged in: (seconds, bytes, requests)."""
    cookie = {"Cookie": "session=" + token}
    start = time.perf_counter()
    status, headers, body = webserver.http(server, "GET", "/", headers=cookie)
    if status != 200:
        raise SystemExit("bench_web: GET / answered %d" % status)
    total = wire_bytes(status, headers, body)
    pulled = sorted({m.decode() for m in _LOCAL.findall(body) if not m.startswith((b"/api/", b"//"))} - {"/"})
    # what the page links to (other pages) is not pulled by a load: only assets
    assets = [p for p in pulled if re.search(r"\.(css|js|png|svg|ico|webmanifest)$", p)] + ["/favicon.ico"]
    for path in assets:
        status, headers, body = webserver.http(server, "GET", path, headers=cookie)
        total += wire_bytes(status, headers, body)
    return time.perf_counter() - start, total, 1 + len(assets)


def settle(server, mark_lines):
    """Wait until SETTLE_LINES more stats lines came after ``mark_lines`` (the phase's last second reported)."""
    webserver.wait_until(lambda: len(server.stalls_since(mark_lines)) >= SETTLE_LINES, "stats lines",
                         detail=server.detail)


def measure(interpreter):
    with tempfile.TemporaryDirectory() as workdir:
        server = webserver.Server(interpreter, workdir).wait_ready()
        try:
            token = webserver.login(server)
            mark = server.mark()
            settle(server, mark)
            idle = max(server.stalls_since(mark))

            mark = server.mark()
            for _ in range(LOGINS):  # the password's hash, computed in chunks between pauses
                webserver.login(server)
            settle(server, server.mark())
            logging_in = max(server.stalls_since(mark))

            mark = server.mark()
            loads = [page_load(server, token) for _ in range(LOADS)]
            after_loads = server.mark()
            settle(server, after_loads)
            loading = max(server.stalls_since(mark))

            mark = server.mark()
            webserver.slowloris(server, 2, token)
            webserver.big_body(server)
            for data in webserver.MALFORMED:
                webserver.exchange(server.port, data)
            for path in webserver.TRAVERSALS:
                webserver.http(server, "GET", path)
            outcomes = webserver.parallel(server, 100, token)
            hostile_end = server.mark()
            settle(server, hostile_end)
            hostile = max(server.stalls_since(mark))
            status, _document = webserver.http_json(server, "GET", "/api/status", token=token)
            alive = server.alive() and status == 200
        finally:
            server.stop()
    seconds = [load[0] for load in loads]
    served = outcomes.get(200, 0)
    return [
        "web_page_load_ms_%s: %.0f ms (median of %d loads, worst %.0f ms; GET / logged in and %d more request(s))" % (
            interpreter, statistics.median(seconds) * 1000, LOADS, max(seconds) * 1000, loads[0][2] - 1),
        "web_page_load_bytes_%s: %d bytes (status lines, headers and bodies)" % (interpreter, loads[0][1]),
        "web_longest_stall_ms_idle_%s: %d ms" % (interpreter, idle),
        "web_longest_stall_ms_page_loads_%s: %d ms" % (interpreter, loading),
        "web_longest_stall_ms_logins_%s: %d ms (%d logins: the password's hash)" % (interpreter, logging_in, LOGINS),
        "web_longest_stall_ms_hostile_%s: %d ms (slowloris, 1 MB body, malformed headers, path traversal, "
        "100 parallel connections: %d served, %d closed at once; afterwards %s)" % (
            interpreter, hostile, served, 100 - served, "answering" if alive else "NOT ANSWERING"),
    ]


def main():
    worst = 0
    for interpreter in webserver.INTERPRETERS:
        for line in measure(interpreter):
            print(line, flush=True)
            if line.startswith("web_longest_stall_ms_hostile_"):
                worst = max(worst, int(line.split()[1]))
    print("web longest stall < %d ms: %s (%d ms)" % (STALL_TARGET_MS, "met" if worst < STALL_TARGET_MS else "missed",
                                                     worst))


if __name__ == "__main__":
    main()
