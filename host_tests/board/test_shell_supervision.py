"""Task supervision: every task declares a check-in deadline and keeps it.

The supervisor feeds the watchdog only while every supervised task has
checked in within its own deadline, so a task that waits longer than that
without checking in resets the board. These tests prove that no task the
app starts can do so: each one waits only through its supervised pause
(which checks in while it waits), network waits included.
"""

import ast
import sys
from pathlib import Path

import pytest
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
HOUR_MS = 3_600_000
RP2040_WATCHDOG_MAX_MS = 8388


class FakeInternet:
    """``socket`` for the firmware's DNS and NTP queries. ``dns`` / ``ntp``:
    whether that server answers (a lost request is simply never answered)."""

    AF_INET = 2
    SOCK_DGRAM = 2

    def __init__(self, dns=True, ntp=True):
        self.dns = dns
        self.ntp = ntp
        self.sent = []

    def getaddrinfo(self, host, port):
        raise AssertionError("getaddrinfo blocks the loop: the firmware must not call it")

    def socket(self, family, kind):
        internet = self

        class Sock:
            def __init__(self):
                self.request = None

            def setblocking(self, flag):
                assert flag is False  # the loop must never wait on the network

            def sendto(self, data, address):
                internet.sent.append((bytes(data), address))
                self.request = (bytes(data), address[1])

            def recv(self, size):
                if self.request is None:
                    raise OSError(11)
                data, port = self.request
                if port == 53 and internet.dns:
                    return dns_answer(data, (192, 0, 2, 1))
                if port == 123 and internet.ntp:
                    import time as host_time

                    packet = bytearray(48)
                    packet[0] = 0x24  # version 4, mode 4 (server)
                    packet[40:44] = (int(host_time.time()) + 2208988800).to_bytes(4, "big")
                    return bytes(packet)
                raise OSError(11)  # EAGAIN: nothing (yet)

            def close(self):
                pass

        return Sock()


def dns_answer(query, address):
    """An answer to a one-question DNS query: one A record."""
    header = query[:2] + bytes([0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0])
    record = bytes([0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4]) + bytes(address)
    return header + query[12:] + record


def network_up(monkeypatch, board, internet):
    network = sys.modules["network"]
    monkeypatch.setattr(network.WLAN, "ifconfig", lambda self: ("192.0.2.50", "255.255.255.0", "192.0.2.254",
                                                                 "192.0.2.53"), raising=False)
    monkeypatch.setitem(sys.modules, "socket", internet)
    board.world.wifi_ok = True


def wifi_board(board, **device):
    board.install("rpi_pico_w")
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    board.write_config(device={"wifi_ssid": "home", "wifi_password": "secret", **device})


@pytest.mark.parametrize("network", ["wifi_never_connects", "dns_unreachable", "ntp_unreachable"])
def test_a_board_with_wifi_runs_for_hours_without_a_watchdog_reset(board, monkeypatch, capsys, network):
    wifi_board(board)
    internet = FakeInternet(dns=network != "dns_unreachable", ntp=False)
    if network != "wifi_never_connects":
        network_up(monkeypatch, board, internet)
    assert board.boot(2 * HOUR_MS) == "halt"  # not "watchdog" (it was, at 23 s)
    out = capsys.readouterr().out
    assert "CRASH" not in out and "boot_loop" not in out
    assert "ALERT clock: no NTP time yet" in out
    if network != "wifi_never_connects":
        assert len(internet.sent) >= 2 * 60 - 5  # it kept trying, once a minute
    if network == "dns_unreachable":
        assert "ntp: OSError('no DNS answer for pool.ntp.org from 192.0.2.53')" in out


def test_the_ntp_host_is_resolved_without_blocking_and_the_clock_set(board, monkeypatch):
    from freezegun import freeze_time

    wifi_board(board)
    internet = FakeInternet()
    network_up(monkeypatch, board, internet)
    with freeze_time("2026-07-06 12:00:00"):
        assert board.boot(60_000) == "halt"
    assert [address for _data, address in internet.sent[:2]] == [("192.0.2.53", 53), ("192.0.2.1", 123)]
    assert board.world.rtc[:3] == (2026, 7, 6)


class FakeRepl:
    """micropython-lib ``aiorepl``: a task that waits for typed input forever."""

    @staticmethod
    async def task(scope):
        await sys.modules["asyncio"].Event().wait()  # the board's asyncio, while main.py runs


def test_every_task_declares_a_deadline_and_never_stays_silent_longer(board, monkeypatch, capsys):
    """Every optional feature on: Wi-Fi (never connecting) and the web page, buttons, bench
    mode with its self-test and REPL. Each task's longest silence, measured
    at every check-in and by the supervisor each second, stays below its
    own deadline, and every deadline fits below the RP2040 watchdog."""
    wifi_board(board, bench=True, bench_speed=60)
    monkeypatch.setitem(sys.modules, "aiorepl", FakeRepl)
    silences = {}

    def watch():
        from app import tasks

        original = tasks.Task.checkin

        def checkin(task):
            silent = task.silent_ms()
            silences[task.name] = max(silences.get(task.name, 0), silent)
            original(task)

        monkeypatch.setattr(tasks.Task, "checkin", checkin)

    board.world.at(0, watch)
    assert board.boot(HOUR_MS) == "halt"
    app = sys.modules["app.runner"].current
    started = {task.name: task for task in app.supervisor.started}
    for task in app.supervisor.started:
        if not task.handle.done():
            silences[task.name] = max(silences.get(task.name, 0), task.silent_ms())
    assert set(started) == {"control", "sensor_indoor", "sensor_outdoor", "supervisor", "led", "buttons", "clock",
                            "web", "selftest", "repl"}
    from app import tasks

    for name, task in started.items():
        if name == "repl":  # the operator's prompt, declared unsupervised: it can only wait for typing
            assert task.deadline_ms is tasks.UNSUPERVISED
            continue
        assert isinstance(task.deadline_ms, int), name
        assert 0 < task.deadline_ms <= tasks.MAX_DEADLINE_MS < RP2040_WATCHDOG_MAX_MS, name
        assert silences[name] < task.deadline_ms, (name, silences[name], task.deadline_ms)
    assert "CRASH" not in capsys.readouterr().out


def test_a_task_that_stops_checking_in_stops_the_watchdog_feed(board):
    wifi_board(board)

    def hang_the_leds():
        app = sys.modules["app.runner"].current
        led = next(task for task in app.supervisor.started if task.name == "led")
        led.handle.cancel()  # as if it awaited something forever

    board.world.at(60_000, hang_the_leds)
    assert board.boot(HOUR_MS) == "watchdog"
    from app import tasks

    last_feed = board.world.feeds[-1]
    assert last_feed <= 60_000 + tasks.MAX_DEADLINE_MS


# The only awaits allowed outside the supervised pause. ``run`` and
# ``safe_stop`` are the main coroutine, not tasks: the supervisor watches the
# tasks, and the watchdog watches the main coroutine through them.
# ``_guarded`` awaits a task's own body (whose awaits are checked here).
MAIN_COROUTINES = {"run", "safe_stop", "_guarded"}
PAUSE_BODY = ("tasks.py", "pause")


def _awaits(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Await):
                    yield node.name, inner


def test_tasks_wait_only_through_the_supervised_pause():
    """Every ``await`` in firmware/app and firmware/board awaits the
    supervised pause, or a coroutine that itself is given the pause to wait
    with; only the pause itself sleeps, so no task can await anything
    longer than its deadline without checking in."""
    supervised = set()  # coroutine functions that take a pause argument
    for path in sorted((FIRMWARE / "app").glob("*.py")) + sorted((FIRMWARE / "board").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AsyncFunctionDef) and any(a.arg in ("pause", "task") for a in node.args.args):
                supervised.add(node.name)
    assert {"connect_wifi", "sync_clock"} <= supervised
    found = []
    for path in sorted((FIRMWARE / "app").glob("*.py")) + sorted((FIRMWARE / "board").glob("*.py")):
        for function, node in _awaits(path):
            call = node.value
            name = ""
            if isinstance(call, ast.Call):
                name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if (path.name, function) == PAUSE_BODY or function in MAIN_COROUTINES:
                continue
            if name == "pause" or name in supervised:
                found.append(name)
                continue
            raise AssertionError("%s:%d: %s awaits %s outside the supervised pause" % (
                path.name, node.lineno, function, ast.unparse(call)))
    assert "pause" in found
